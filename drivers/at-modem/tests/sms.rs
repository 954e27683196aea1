//! SMS on the simulated EG25-G: sending (one part, three UCS-2 parts),
//! delivery reports, receiving whole and concatenated messages, and the
//! messages stored before the driver started.

mod common;

use common::*;
use yunhal::modem::{DeliveryStatus, Indication, ModemDevice};
use yunhal_at_modem::pdu::{Alphabet, Body};
use yunhal_sim::modem::ModemConfig;

/// 150 UCS-2 characters: three parts of at most 67.
fn long_ucs2_text() -> String {
    "Привет, мир! 你好世界。"
        .chars()
        .cycle()
        .take(150)
        .collect()
}

fn new_sms(rig: &Rig) -> yunhal::modem::SmsMessage {
    match rig.expect(|i| matches!(i, Indication::NewSms(_))) {
        Indication::NewSms(sms) => sms,
        _ => unreachable!(),
    }
}

#[test]
fn short_text_goes_out_in_one_gsm_part() {
    let rig = Rig::registered();

    let sent = rig
        .modem
        .send_sms("+15550123", "Hello @ home", false)
        .unwrap();

    let out = rig.sim.state().sent_sms;
    assert_eq!(out.len(), 1);
    assert_eq!(sent.references, vec![out[0].message_reference]);
    let submit = &out[0].submit;
    assert_eq!(submit.destination.to_string(), "+15550123");
    assert_eq!(submit.data_coding.alphabet(), Alphabet::Gsm7);
    assert_eq!(submit.user_data.as_text(), Some("Hello @ home"));
    assert!(!submit.status_report_request);
}

#[test]
fn long_ucs2_text_goes_out_in_three_concatenated_parts() {
    let rig = Rig::registered();
    let text = long_ucs2_text();

    let sent = rig.modem.send_sms("+15550123", &text, false).unwrap();

    let out = rig.sim.state().sent_sms;
    assert_eq!(out.len(), 3);
    assert_eq!(
        sent.references,
        out.iter().map(|m| m.message_reference).collect::<Vec<_>>()
    );
    let mut joined = String::new();
    for (sequence, message) in (1..).zip(&out) {
        let concatenation = message
            .submit
            .user_data
            .header
            .as_ref()
            .and_then(|h| h.concatenation())
            .expect("concatenation header");
        assert_eq!((concatenation.total, concatenation.sequence), (3, sequence));
        assert_eq!(message.submit.data_coding.alphabet(), Alphabet::Ucs2);
        let Body::Text(part) = &message.submit.user_data.body else {
            panic!("binary part")
        };
        joined.push_str(part);
    }
    assert_eq!(joined, text);
}

#[test]
fn delivery_report_names_the_reference_of_the_sent_part() {
    let rig = Rig::registered();

    let sent = rig
        .modem
        .send_sms("+15550123", "report please", true)
        .unwrap();
    rig.advance_ms(100);

    let Indication::DeliveryReport(report) =
        rig.expect(|i| matches!(i, Indication::DeliveryReport(_)))
    else {
        unreachable!()
    };
    assert!(rig.sim.state().sent_sms[0].submit.status_report_request);
    assert_eq!(sent.references, vec![report.reference]);
    assert_eq!(report.status, DeliveryStatus::Delivered);
    assert_eq!(report.recipient, "+15550123");
}

#[test]
fn received_message_is_reported_and_deleted_from_the_modem() {
    let rig = Rig::registered();

    rig.sim.incoming_sms("+15550144", "See you at 8");
    let sms = new_sms(&rig);

    assert_eq!(sms.from, "+15550144");
    assert_eq!(sms.text, "See you at 8");
    assert_eq!(sms.parts, 1);
    assert_eq!(sms.timestamp.year, 2026);
    // Reported first, then deleted: a crash between the two repeats a
    // message rather than losing it.
    wait_until("deleted", || rig.sim.state().stored_sms.is_empty());
}

#[test]
fn three_part_ucs2_message_arrives_as_one_whole_message() {
    let rig = Rig::registered();
    let text = long_ucs2_text();

    rig.sim.incoming_sms("+15550144", &text);
    let sms = new_sms(&rig);

    assert_eq!(sms.text, text);
    assert_eq!(sms.parts, 3);
    assert!(rig
        .drain()
        .iter()
        .all(|i| !matches!(i, Indication::NewSms(_))));
    wait_until("deleted", || rig.sim.state().stored_sms.is_empty());
}

#[test]
fn message_sent_to_the_own_number_comes_back_whole() {
    let rig = Rig::registered();
    let text = long_ucs2_text();

    rig.modem.send_sms("+15550100", &text, false).unwrap();
    rig.advance_ms(100);

    let sms = new_sms(&rig);
    assert_eq!(
        (sms.from.as_str(), sms.text.as_str()),
        ("+15550100", text.as_str())
    );
}

#[test]
fn messages_stored_before_the_driver_started_are_reported_and_deleted() {
    let config = ModemConfig {
        pin: None,
        ..ModemConfig::default()
    };
    let clock = simulated();
    let sim = yunhal_sim::modem::ModemSim::spawn_pty(config, clock).unwrap();
    // The modem boots on its own thread; moving the clock before it did
    // would put the boot after the move.
    sim.sync();
    sim.advance(yunhal::time::Nanos::from_millis(100));
    sim.incoming_sms("+15550155", "sent while you were away");
    assert_eq!(sim.state().stored_sms.len(), 1);
    let port = yunhal_at_modem::modem::TtyPort::new(sim.pty_path().unwrap());

    let modem = yunhal_at_modem::modem::AtModem::open(Box::new(port), driver_config()).unwrap();

    let sms = loop {
        match modem.next_indication(WAIT) {
            Some(Indication::NewSms(sms)) => break sms,
            Some(_) => continue,
            None => panic!("no message"),
        }
    };
    assert_eq!(sms.text, "sent while you were away");
    wait_until("deleted", || sim.state().stored_sms.is_empty());
}
