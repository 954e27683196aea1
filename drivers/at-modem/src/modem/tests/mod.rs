//! The driver against a scripted modem: the generic profile's init
//! sequence, error detail, SMS routing details, USSD in the response, and
//! the recovery steps with the port's readers ending.

mod fake;

use std::time::{Duration, Instant};

use yunhal::error::{Error, ErrorKind};
use yunhal::modem::{Indication, ModemDevice, UssdStatus};

use super::{AtModem, ModemError};
use crate::pdu::{self, Address, DataCoding, SmsDeliver, SmsSubmit, Timestamp, UserData};
use fake::{config, FakeModem};

const WAIT: Duration = Duration::from_secs(3);

fn open(modem: &FakeModem, power: bool) -> AtModem {
    open_with(modem, power, config().with_pin("1234"))
}

fn open_with(modem: &FakeModem, power: bool, config: super::AtModemConfig) -> AtModem {
    AtModem::open(modem.port(power), config).expect("driver opens")
}

fn expect(modem: &AtModem, matches: impl Fn(&Indication) -> bool) -> Indication {
    let deadline = Instant::now() + WAIT;
    let mut seen = Vec::new();
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match modem.next_indication(left) {
            Some(i) if matches(&i) => return i,
            Some(i) => seen.push(i),
            None => break,
        }
    }
    panic!("no matching indication; saw {seen:#?}");
}

/// A DELIVER from `from` with `text`, as a `+CMT`/`+CMGR` PDU line.
fn deliver_line(from: &str, text: &str) -> (usize, String) {
    let deliver = SmsDeliver::new(
        Address::parse(from),
        DataCoding::GSM7,
        Timestamp::default(),
        UserData::text(text),
    );
    let tpdu = deliver.encode().unwrap();
    let line = pdu::to_hex(&pdu::encode_with_smsc(None, &tpdu).unwrap());
    (tpdu.len(), line)
}

fn wait_until(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !done() {
        assert!(Instant::now() < deadline, "{what} did not happen");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn generic_init_sends_the_standard_sequence_and_no_vendor_commands() {
    let fake = FakeModem::new(|_, _| None);

    let _modem = open(&fake, false);

    let log = fake.log();
    let expected = [
        "ATE0",
        "AT+CMEE=1",
        "AT+CREG=2",
        "AT+CEREG=2",
        "AT+CLIP=1",
        "AT+CPIN?",
        "AT+CPIN=\"1234\"",
        "AT+CMGF=0",
        "AT+CNMI=2,1,0,1,0",
        "AT+CMGL=4",
    ];
    let mut at = 0;
    for command in expected {
        let found = log[at..].iter().position(|c| c == command);
        assert!(found.is_some(), "{command} missing after {at} in {log:#?}");
        at += found.unwrap_or(0) + 1;
    }
    assert!(!log
        .iter()
        .any(|c| c.starts_with("AT+Q") || c.starts_with("AT+CPMS")));
}

#[test]
fn verbose_cme_error_keeps_its_text_maps_to_invalid_argument_and_hides_the_pin() {
    let fake = FakeModem::new(|line, _| {
        line.starts_with("AT+CPIN=")
            .then(|| "\r\n+CME ERROR: incorrect password\r\n".to_owned())
    });
    let modem = open_with(&fake, false, config());

    let error = modem.enter_pin("0000").unwrap_err();

    assert_eq!(error.kind(), ErrorKind::InvalidArgument);
    assert_eq!(error.cme_code(), Some(16));
    let text = error.to_string();
    assert!(text.contains("incorrect password"), "{text}");
    assert!(!text.contains("0000"), "{text}");
}

#[test]
fn malformed_pin_and_dtmf_are_refused_before_anything_is_sent() {
    let fake = FakeModem::new(|_, _| None);
    let modem = open(&fake, false);
    let sent = fake.log().len();

    let pin = modem.enter_pin("12a4").unwrap_err();
    let dtmf = modem.send_dtmf("12E").unwrap_err();
    let number = modem.dial("555;ATH").unwrap_err();

    assert_eq!(pin.kind(), ErrorKind::InvalidArgument);
    assert_eq!(dtmf.kind(), ErrorKind::InvalidArgument);
    assert_eq!(number.kind(), ErrorKind::InvalidArgument);
    assert!(dtmf.to_string().contains("'E'"), "{dtmf}");
    assert_eq!(fake.log().len(), sent);
}

#[test]
fn a_refused_configured_pin_is_not_entered_again_after_a_restart() {
    let fake = FakeModem::new(|_, _| None);
    let modem = open_with(&fake, false, config().with_pin("9999"));
    assert_eq!(fake.0.state.lock().unwrap().pin_entries, 1);

    fake.send("\r\nRDY\r\n");
    expect(&modem, |i| matches!(i, Indication::Reset { .. }));

    assert_eq!(fake.0.state.lock().unwrap().pin_entries, 1);
}

#[test]
fn routed_sms_is_acknowledged_when_the_message_service_needs_it() {
    let fake = FakeModem::new(|line, _| {
        (line == "AT+CSMS?").then(|| "\r\n+CSMS: 1,1,1,1\r\n\r\nOK\r\n".to_owned())
    });
    let modem = open(&fake, false);
    let (len, pdu_line) = deliver_line("+15550123", "hello");

    fake.send(&format!("\r\n+CMT: ,{len}\r\n{pdu_line}\r\n"));

    let Indication::NewSms(sms) = expect(&modem, |i| matches!(i, Indication::NewSms(_))) else {
        unreachable!()
    };
    assert_eq!(
        (sms.from.as_str(), sms.text.as_str()),
        ("+15550123", "hello")
    );
    wait_until("+CNMA", || fake.count("AT+CNMA") == 1);
}

#[test]
fn stored_messages_are_reported_and_deleted_at_start_but_outgoing_ones_are_kept() {
    let (len, received) = deliver_line("+15550123", "waiting for you");
    let submit = SmsSubmit::new(
        Address::parse("+1555"),
        DataCoding::GSM7,
        UserData::text("x"),
    );
    let submit = pdu::to_hex(&pdu::encode_with_smsc(None, &submit.encode().unwrap()).unwrap());
    let listing =
        format!("\r\n+CMGL: 3,0,,{len}\r\n{received}\r\n+CMGL: 4,2,,9\r\n{submit}\r\n\r\nOK\r\n");
    let fake = FakeModem::new(move |line, _| (line == "AT+CMGL=4").then(|| listing.clone()));

    let modem = open(&fake, false);

    let Indication::NewSms(sms) = expect(&modem, |i| matches!(i, Indication::NewSms(_))) else {
        unreachable!()
    };
    assert_eq!(sms.text, "waiting for you");
    assert_eq!(fake.count("AT+CMGD=3"), 1);
    assert_eq!(fake.count("AT+CMGD=4"), 0);
}

#[test]
fn ussd_answer_inside_the_command_response_is_returned() {
    let fake = FakeModem::new(|line, _| {
        line.starts_with("AT+CUSD=1,")
            .then(|| "\r\n+CUSD: 0,\"Balance 5.00\",15\r\n\r\nOK\r\n".to_owned())
    });
    let modem = open(&fake, false);

    let answer = modem.ussd("*100#", Duration::from_secs(1)).unwrap();

    assert_eq!(answer.status, UssdStatus::Done);
    assert_eq!(answer.text.as_deref(), Some("Balance 5.00"));
}

#[test]
fn ussd_from_the_network_with_no_request_waiting_is_an_indication() {
    let fake = FakeModem::new(|_, _| None);
    let modem = open(&fake, false);

    fake.send("\r\n+CUSD: 1,\"Reply 1 for offers\",15\r\n");

    let indication = expect(&modem, |i| matches!(i, Indication::Ussd(_)));
    assert_eq!(
        indication,
        Indication::Ussd(yunhal::modem::UssdResponse {
            status: UssdStatus::ActionRequired,
            text: Some("Reply 1 for offers".into())
        })
    );
}

#[test]
fn unanswered_ussd_times_out_without_counting_against_the_modem() {
    let fake = FakeModem::new(|_, _| None);
    let modem = open(&fake, false);

    let error = modem.ussd("*100#", Duration::from_millis(50)).unwrap_err();

    assert!(matches!(error, ModemError::UssdTimeout(_)), "{error}");
    assert_eq!(error.kind(), ErrorKind::Timeout);
    assert!(modem.signal().is_ok());
    assert_eq!(modem.next_indication(Duration::from_millis(100)), None);
}

#[test]
fn silent_modem_without_power_control_fails_commands_fast_and_drop_ends_every_thread() {
    let fake = FakeModem::new(|_, _| None);
    let modem = open(&fake, false);

    fake.set_silent(true);
    let timeout = modem.signal().unwrap_err();
    expect(&modem, |i| *i == Indication::Available(false));
    let started = Instant::now();
    let recovering = modem.signal().unwrap_err();
    let failed_after = started.elapsed();

    assert_eq!(timeout.kind(), ErrorKind::Timeout);
    assert!(matches!(recovering, ModemError::Recovering), "{recovering}");
    assert_eq!(recovering.kind(), ErrorKind::NotPresent);
    assert!(failed_after < Duration::from_millis(20), "{failed_after:?}");
    let started = Instant::now();
    drop(modem);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    wait_until("every reader ended", || fake.live_readers() == 0);
}

#[test]
fn closed_port_is_reopened_and_reported_as_a_reset() {
    let fake = FakeModem::new(|_, _| None);
    let modem = open(&fake, false);

    fake.hang_up_port();

    expect(&modem, |i| *i == Indication::Available(false));
    expect(&modem, |i| *i == Indication::Available(true));
    let Indication::Reset { reason } = expect(&modem, |i| matches!(i, Indication::Reset { .. }))
    else {
        unreachable!()
    };
    assert!(reason.contains("port closed"), "{reason}");
    assert!(reason.contains("reopened"), "{reason}");
    assert!(modem.signal().is_ok());
    assert_eq!(fake.0.opens.load(std::sync::atomic::Ordering::SeqCst), 2);
}

#[test]
fn modem_silent_until_power_cycled_comes_back_through_the_last_step() {
    let fake = FakeModem::new(|_, _| None);
    let modem = open(&fake, true);

    fake.set_silent(true);
    let _ = modem.signal();

    expect(&modem, |i| *i == Indication::Available(false));
    expect(&modem, |i| *i == Indication::Available(true));
    let Indication::Reset { reason } = expect(&modem, |i| matches!(i, Indication::Reset { .. }))
    else {
        unreachable!()
    };
    assert!(reason.contains("timed out"), "{reason}");
    assert!(reason.contains("power-cycled"), "{reason}");
    assert_eq!(
        fake.0
            .power_cycles
            .load(std::sync::atomic::Ordering::SeqCst),
        1
    );
    // The power cycle locked the SIM; the init sequence entered the PIN.
    assert!(fake.0.state.lock().unwrap().sim_unlocked);
}
