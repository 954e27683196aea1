//! SMS in PDU mode: sending with the prompt, status reports, the network's
//! messages routed to storage or straight to the host, and the memories.

use super::{fields, line, Host};
use crate::modem::{MessageStatus, ModemConfig, RegState};
use yunhal_at_modem::pdu::{
    self, Address, Alphabet, Body, ConcatReference, DataCoding, Direction, Pdu, Reassembler,
    SmsDeliver, SmsSubmit, Status, StatusReport, UserData,
};

const CTRL_Z: u8 = 0x1A;
const ESC: u8 = 0x1B;

/// A registered modem in PDU mode with `AT+CMEE=1` and the given `+CNMI`.
fn sms_host(cnmi: &str) -> Host {
    let mut host = Host::registered();
    assert_eq!(host.command("AT+CMGF=0;+CMEE=1"), "\r\nOK\r\n");
    assert_eq!(host.command(&format!("AT+CNMI={cnmi}")), "\r\nOK\r\n");
    host
}

/// The SUBMITs of `text` to `to`, as a driver builds them.
fn submits(to: &str, text: &str, status_report: bool) -> Vec<SmsSubmit> {
    let mut template = SmsSubmit::new(Address::parse(to), DataCoding::GSM7, UserData::text(""));
    template.status_report_request = status_report;
    pdu::encode_text(&template, text, ConcatReference::Eight(7)).unwrap()
}

/// `AT+CMGS=<n>`, the prompt, the PDU and Ctrl-Z; the response after the
/// PDU.
fn send(host: &mut Host, submit: &SmsSubmit) -> String {
    let tpdu = submit.encode().unwrap();
    let prompt = host.command(&format!("AT+CMGS={}", tpdu.len()));
    assert_eq!(prompt, "\r\n> ");
    host.write(&pdu::to_hex(&pdu::encode_with_smsc(None, &tpdu).unwrap()));
    host.write_bytes(&[CTRL_Z]);
    host.read_until_any(&["\r\nOK\r\n", "ERROR: "])
}

/// The TP-MR of a `+CMGS: <mr>` response.
fn reference(response: &str) -> u8 {
    fields(line(response, "+CMGS"))[0].parse().unwrap()
}

/// The PDU line that follows the first line starting with `prefix`.
fn pdu_after(response: &str, prefix: &str) -> Pdu {
    pdus_after(response, prefix)
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no {prefix} in {response:?}"))
}

/// The PDU lines that follow each line starting with `prefix`, decoded as
/// the modem sends them (SMSC prefix first, then a TPDU as long as the
/// header line says).
fn pdus_after(response: &str, prefix: &str) -> Vec<Pdu> {
    let lines: Vec<&str> = response.lines().collect();
    let mut pdus = Vec::new();
    for (i, header) in lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.starts_with(prefix))
    {
        let hex = lines
            .get(i + 1)
            .unwrap_or_else(|| panic!("no PDU after {header:?}"));
        let length: usize = fields(header).last().unwrap().parse().unwrap();
        let bytes = pdu::from_hex(hex).unwrap();
        let (smsc, pdu) = Pdu::decode_with_smsc(&bytes, Direction::MobileTerminated).unwrap();
        assert_eq!(smsc.unwrap().to_string(), "+15550199");
        assert_eq!(pdu.encode().unwrap().len(), length, "{header}");
        pdus.push(pdu);
    }
    pdus
}

fn deliver(pdu: Pdu) -> SmsDeliver {
    match pdu {
        Pdu::Deliver(deliver) => deliver,
        other => panic!("not a DELIVER: {other:?}"),
    }
}

fn status_report(pdu: Pdu) -> StatusReport {
    match pdu {
        Pdu::StatusReport(report) => report,
        other => panic!("not a STATUS-REPORT: {other:?}"),
    }
}

/// Every line of `response` that starts with `prefix`.
fn lines_of<'a>(response: &'a str, prefix: &str) -> Vec<&'a str> {
    response.lines().filter(|l| l.starts_with(prefix)).collect()
}

/// 195 characters outside the GSM alphabet: three UCS-2 parts.
fn long_cyrillic_text() -> String {
    "Привет, мир! ".repeat(15)
}

#[test]
fn text_mode_is_refused_and_pdu_mode_is_the_only_mode() {
    let mut host = Host::registered();

    let plain = host.command("AT+CMGF=1");
    host.command("AT+CMEE=1");
    let numeric = host.command("AT+CMGF=1");
    let pdu_mode = host.command("AT+CMGF=0");
    let mode = host.command("AT+CMGF?");
    let supported = host.command("AT+CMGF=?");

    assert_eq!(plain, "\r\nERROR\r\n");
    assert_eq!(numeric, "\r\n+CMS ERROR: 303\r\n");
    assert_eq!(pdu_mode, "\r\nOK\r\n");
    assert_eq!(mode, "\r\n+CMGF: 0\r\n\r\nOK\r\n");
    assert_eq!(supported, "\r\n+CMGF: (0)\r\n\r\nOK\r\n");
}

#[test]
fn cmgs_takes_the_pdu_after_the_prompt_and_answers_its_reference() {
    let mut host = sms_host("2,1,0,0,0");
    let first = submits("+15550123", "Hello from yunhal", false);
    let second = submits("+15550123", "Second", false);

    let sent = send(&mut host, &first[0]);
    let again = send(&mut host, &second[0]);

    assert_eq!(sent, "\r\n+CMGS: 0\r\n\r\nOK\r\n");
    assert_eq!(reference(&again), 1);
    let state = host.sim.state();
    assert_eq!(state.sent_sms.len(), 2);
    assert_eq!(state.sent_sms[0].message_reference, 0);
    let submit = &state.sent_sms[0].submit;
    assert_eq!(submit.destination.to_string(), "+15550123");
    assert_eq!(submit.user_data.as_text(), Some("Hello from yunhal"));
}

#[test]
fn a_long_message_is_sent_part_by_part_with_its_concatenation_header() {
    let mut host = sms_host("2,1,0,0,0");
    let text = "yunhal ".repeat(40);
    let parts = submits("+15550123", &text, false);

    let references: Vec<u8> = parts
        .iter()
        .map(|p| reference(&send(&mut host, p)))
        .collect();

    assert_eq!(parts.len(), 2);
    assert_eq!(references, [0, 1]);
    let sent = host.sim.state().sent_sms;
    let mut reassembler = Reassembler::new(4);
    let whole: Vec<Body> = sent
        .iter()
        .filter_map(|m| reassembler.push(&m.submit.destination, &m.submit.user_data))
        .collect();
    assert_eq!(whole, [Body::Text(text)]);
}

#[test]
fn echo_repeats_the_command_and_the_pdu_around_the_prompt() {
    let mut host = sms_host("2,1,0,0,0");
    host.command("ATE1");
    let submit = &submits("+15550123", "Hi", false)[0];
    let tpdu = submit.encode().unwrap();
    let hex = pdu::to_hex(&pdu::encode_with_smsc(None, &tpdu).unwrap());

    let prompt = host.command(&format!("AT+CMGS={}", tpdu.len()));
    host.write(&hex);
    host.write_bytes(&[CTRL_Z]);
    let response = host.read_until("\r\nOK\r\n");

    assert_eq!(prompt, format!("AT+CMGS={}\r\r\n> ", tpdu.len()));
    assert_eq!(response, format!("{hex}\u{1a}\r\n+CMGS: 0\r\n\r\nOK\r\n"));
}

#[test]
fn escape_at_the_prompt_cancels_and_sends_nothing() {
    let mut host = sms_host("2,1,0,0,0");

    host.command("AT+CMGS=20");
    host.write("0011");
    host.write_bytes(&[ESC]);
    let cancelled = host.read_until("\r\nOK\r\n");

    assert_eq!(cancelled, "\r\nOK\r\n");
    assert!(host.sim.state().sent_sms.is_empty());
}

#[test]
fn a_pdu_whose_length_disagrees_with_cmgs_is_an_invalid_pdu() {
    let mut host = sms_host("2,1,0,0,0");
    let tpdu = submits("+15550123", "Hi", false)[0].encode().unwrap();

    host.command(&format!("AT+CMGS={}", tpdu.len() + 1));
    host.write(&pdu::to_hex(&pdu::encode_with_smsc(None, &tpdu).unwrap()));
    host.write_bytes(&[CTRL_Z]);
    let refused = host.read_until("ERROR: 304\r\n");

    assert_eq!(refused, "\r\n+CMS ERROR: 304\r\n");
    assert!(host.sim.state().sent_sms.is_empty());
}

#[test]
fn sending_without_network_service_fails_after_the_pdu() {
    let mut host = sms_host("2,1,0,0,0");
    host.sim.set_registration(RegState::Searching);
    host.pending();

    let refused = send(&mut host, &submits("+15550123", "Hi", false)[0]);

    assert_eq!(refused, "\r\n+CMS ERROR: 331\r\n");
}

#[test]
fn a_requested_status_report_arrives_as_cds_with_the_message_reference() {
    let mut host = sms_host("2,1,0,1,0");
    send(&mut host, &submits("+15550123", "No report", false)[0]);

    let sent = send(&mut host, &submits("+15550123", "Report please", true)[0]);
    host.advance_ms(50);
    let before_the_report = host.pending();
    host.advance_ms(50);
    let report = host.pending();

    assert_eq!(before_the_report, "");
    assert!(report.starts_with("\r\n+CDS: "), "{report:?}");
    let report = status_report(pdu_after(&report, "+CDS"));
    assert_eq!(report.message_reference, reference(&sent));
    assert_eq!(report.recipient.to_string(), "+15550123");
    assert_eq!(report.status, Status::RECEIVED);
    assert!(host.sim.state().stored_sms.is_empty());
}

#[test]
fn with_ds_2_the_status_report_is_stored_and_indicated_with_cdsi() {
    let mut host = sms_host("2,1,0,2,0");

    let sent = send(&mut host, &submits("+15550123", "Report please", true)[0]);
    host.advance_ms(100);
    let indication = host.pending();
    let read = host.command("AT+CMGR=1");

    assert_eq!(indication, "\r\n+CDSI: \"ME\",1\r\n");
    let report = status_report(pdu_after(&read, "+CMGR"));
    assert_eq!(report.message_reference, reference(&sent));
}

#[test]
fn a_message_to_the_own_number_comes_back_as_a_stored_deliver() {
    let mut host = sms_host("2,1,0,0,0");

    send(&mut host, &submits("+15550100", "Note to self", false)[0]);
    host.advance_ms(50);
    let indication = host.pending();
    let read = host.command("AT+CMGR=1");

    assert_eq!(indication, "\r\n+CMTI: \"ME\",1\r\n");
    let deliver = deliver(pdu_after(&read, "+CMGR"));
    assert_eq!(deliver.originator.to_string(), "+15550100");
    assert_eq!(deliver.user_data.as_text(), Some("Note to self"));
}

#[test]
fn an_incoming_message_is_stored_indicated_with_cmti_and_read_with_cmgr() {
    let mut host = sms_host("2,1,0,0,0");

    host.sim.incoming_sms("+15550123", "Call me back");
    let indication = host.pending();
    let first_read = host.command("AT+CMGR=1");
    let second_read = host.command("AT+CMGR=1");

    assert_eq!(indication, "\r\n+CMTI: \"ME\",1\r\n");
    assert_eq!(fields(line(&first_read, "+CMGR"))[0], "0");
    assert_eq!(fields(line(&second_read, "+CMGR"))[0], "1");
    let deliver = deliver(pdu_after(&first_read, "+CMGR"));
    assert_eq!(deliver.originator.to_string(), "+15550123");
    assert_eq!(deliver.data_coding.alphabet(), Alphabet::Gsm7);
    assert_eq!(deliver.user_data.as_text(), Some("Call me back"));
    assert_eq!(deliver.service_centre_timestamp.year, 26);
}

#[test]
fn a_three_part_ucs2_message_arrives_as_three_cmti_and_reassembles() {
    let mut host = sms_host("2,1,0,0,0");
    let text = long_cyrillic_text();
    let expected = pdu::split_text(&text, ConcatReference::Eight(0)).parts;

    host.sim.incoming_sms("+15550123", &text);
    let indications = host.pending();
    let mut reassembler = Reassembler::new(4);
    let mut whole = None;
    let mut concat_references = Vec::new();
    for index in 1..=3 {
        let read = host.command(&format!("AT+CMGR={index}"));
        let part = deliver(pdu_after(&read, "+CMGR"));
        let concatenation = part
            .user_data
            .header
            .as_ref()
            .unwrap()
            .concatenation()
            .unwrap();
        assert_eq!(
            (concatenation.total, concatenation.sequence),
            (3, index as u8)
        );
        assert_eq!(part.data_coding.alphabet(), Alphabet::Ucs2);
        assert_eq!(part.user_data.as_text(), Some(expected[index - 1].as_str()));
        concat_references.push(concatenation.reference);
        whole = whole.or(reassembler.push_deliver(&part));
    }

    assert_eq!(
        indications,
        "\r\n+CMTI: \"ME\",1\r\n\r\n+CMTI: \"ME\",2\r\n\r\n+CMTI: \"ME\",3\r\n"
    );
    assert!(concat_references.iter().all(|r| *r == concat_references[0]));
    assert_eq!(whole, Some(Body::Text(text)));
}

#[test]
fn with_mt_2_messages_go_straight_to_the_host_as_cmt_and_are_not_stored() {
    let mut host = sms_host("2,2,0,0,0");
    let text = long_cyrillic_text();

    host.sim.incoming_sms("+15550123", &text);
    let urcs = host.pending();
    let parts: Vec<SmsDeliver> = pdus_after(&urcs, "+CMT: ")
        .into_iter()
        .map(deliver)
        .collect();
    let mut reassembler = Reassembler::new(4);
    let whole: Vec<Body> = parts
        .iter()
        .filter_map(|p| reassembler.push_deliver(p))
        .collect();

    assert!(urcs.starts_with("\r\n+CMT: ,"), "{urcs:?}");
    let sequences: Vec<u8> = parts
        .iter()
        .map(|p| {
            p.user_data
                .header
                .as_ref()
                .unwrap()
                .concatenation()
                .unwrap()
                .sequence
        })
        .collect();
    assert_eq!(sequences, [1, 2, 3]);
    assert_eq!(whole, [Body::Text(text)]);
    assert!(host.sim.state().stored_sms.is_empty());
}

#[test]
fn cnmi_mode_0_stores_without_telling_the_host() {
    let mut host = sms_host("0,1,0,0,0");

    host.sim.incoming_sms("+15550123", "Quiet");
    let urcs = host.pending();

    assert_eq!(urcs, "");
    assert_eq!(host.sim.state().stored_sms.len(), 1);
}

#[test]
fn a_message_arriving_at_the_prompt_is_indicated_after_the_result() {
    let mut host = sms_host("2,1,0,0,0");
    let tpdu = submits("+15550123", "Hi", false)[0].encode().unwrap();

    host.command(&format!("AT+CMGS={}", tpdu.len()));
    host.sim.incoming_sms("+15550123", "Meanwhile");
    let at_the_prompt = host.pending();
    host.write(&pdu::to_hex(&pdu::encode_with_smsc(None, &tpdu).unwrap()));
    host.write_bytes(&[CTRL_Z]);
    let after = host.read_until("+CMTI: \"ME\",1\r\n");

    assert_eq!(at_the_prompt, "");
    assert_eq!(after, "\r\n+CMGS: 0\r\n\r\nOK\r\n\r\n+CMTI: \"ME\",1\r\n");
}

#[test]
fn the_network_holds_messages_until_the_modem_is_registered_again() {
    let mut host = sms_host("2,1,0,0,0");
    host.sim.set_registration(RegState::Searching);
    host.pending();

    host.sim.incoming_sms("+15550123", "Out of coverage");
    let while_searching = host.pending();
    host.sim.set_registration(RegState::Home);
    host.advance_ms(100);
    let back = host.pending();

    assert_eq!(while_searching, "");
    assert_eq!(back, "\r\n+CMTI: \"ME\",1\r\n");
}

#[test]
fn cmgl_lists_by_status_and_cmgd_deletes_by_index_and_by_flag() {
    let mut host = sms_host("2,1,0,0,0");
    for text in ["one", "two", "three"] {
        host.sim.incoming_sms("+15550123", text);
    }
    host.pending();
    host.command("AT+CMGR=2");

    let read = host.command("AT+CMGL=1");
    let unread = host.command("AT+CMGL=0");
    let all = host.command("AT+CMGL=4");
    let deleted = host.command("AT+CMGD=2");
    let after_delete = host.command("AT+CMGL=4");
    let empty_slot = host.command("AT+CMGR=2");
    let out_of_range = host.command("AT+CMGD=51");
    host.command("AT+CMGD=1,4");
    let storage = host.command("AT+CPMS?");

    let indices = |listing: &str| -> Vec<String> {
        lines_of(listing, "+CMGL")
            .iter()
            .map(|l| fields(l)[0].clone())
            .collect()
    };
    assert_eq!(indices(&read), ["2"]);
    assert_eq!(indices(&unread), ["1", "3"]);
    // Listing the unread ones marked them read, as reading does.
    assert_eq!(indices(&all), ["1", "2", "3"]);
    assert_eq!(fields(lines_of(&all, "+CMGL")[0])[1], "1");
    let third = deliver(pdus_after(&all, "+CMGL").remove(2));
    assert_eq!(third.user_data.as_text(), Some("three"));
    assert_eq!(deleted, "\r\nOK\r\n");
    assert_eq!(indices(&after_delete), ["1", "3"]);
    assert_eq!(empty_slot, "\r\nOK\r\n");
    assert_eq!(out_of_range, "\r\n+CMS ERROR: 321\r\n");
    assert_eq!(
        line(&storage, "+CPMS"),
        "+CPMS: \"ME\",0,50,\"ME\",0,50,\"ME\",0,50"
    );
}

#[test]
fn cmgd_flags_delete_read_and_sent_messages_but_keep_unread_ones() {
    let mut host = sms_host("2,1,0,0,0");
    host.sim.incoming_sms("+15550123", "read me");
    host.sim.incoming_sms("+15550123", "unread");
    host.command("AT+CMGR=1");

    host.command("AT+CMGD=1,3");
    let left = host.sim.state().stored_sms;

    assert_eq!(left.len(), 1);
    assert_eq!(
        (left[0].index, left[0].status),
        (2, MessageStatus::ReceivedUnread)
    );
}

#[test]
fn a_full_memory_says_so_and_the_message_is_not_stored() {
    let config = ModemConfig {
        sms_capacity: 1,
        pin: None,
        ..ModemConfig::default()
    };
    let mut host = Host::start_with(config);
    host.command("ATE0;+CNMI=2,1,0,0,0");
    host.advance_ms(100);

    host.sim.incoming_sms("+15550123", "fits");
    host.sim.incoming_sms("+15550123", "does not");
    let urcs = host.pending();

    assert_eq!(
        urcs,
        "\r\n+CMTI: \"ME\",1\r\n\r\n+QIND: \"smsfull\",\"ME\"\r\n"
    );
    assert_eq!(host.sim.state().stored_sms.len(), 1);
}

#[test]
fn messages_are_kept_across_a_reboot_but_cnmi_is_not() {
    let mut host = sms_host("2,1,0,0,0");
    host.sim.incoming_sms("+15550123", "persistent");
    host.pending();

    host.sim.reboot();
    host.advance_ms(200);
    host.read_until("+CPIN: SIM PIN\r\n");
    host.command("ATE0;+CMEE=1");
    let locked = host.command("AT+CMGL=4");
    host.command("AT+CPIN=\"1234\"");
    host.advance_ms(100);
    let cnmi = host.command("AT+CNMI?");
    let listed = host.command("AT+CMGL=4");

    assert_eq!(locked, "\r\n+CMS ERROR: 311\r\n");
    assert_eq!(line(&cnmi, "+CNMI"), "+CNMI: 0,0,0,0,0");
    assert_eq!(lines_of(&listed, "+CMGL").len(), 1);
}

#[test]
fn cmgw_stores_a_submit_and_cmss_sends_it_from_memory() {
    let mut host = sms_host("2,1,0,0,0");
    let tpdu = submits("+15550123", "Draft", false)[0].encode().unwrap();

    host.command(&format!("AT+CMGW={}", tpdu.len()));
    host.write(&pdu::to_hex(&pdu::encode_with_smsc(None, &tpdu).unwrap()));
    host.write_bytes(&[CTRL_Z]);
    let written = host.read_until("\r\nOK\r\n");
    let sent = host.command("AT+CMSS=1");
    let stored = host.sim.state().stored_sms;

    assert_eq!(written, "\r\n+CMGW: 1\r\n\r\nOK\r\n");
    assert_eq!(sent, "\r\n+CMSS: 0\r\n\r\nOK\r\n");
    assert_eq!(stored[0].status, MessageStatus::StoredSent);
    assert_eq!(
        host.sim.state().sent_sms[0].submit.user_data.as_text(),
        Some("Draft")
    );
}
