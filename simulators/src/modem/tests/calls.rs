//! Voice calls and USSD.

use super::{fields, line, Host};
use crate::modem::{CallState, ModemConfig};

#[test]
fn incoming_call_rings_with_clip_is_answered_and_ends_with_no_carrier() {
    let mut host = Host::registered();
    host.command("AT+CLIP=1");

    assert!(host.sim.incoming_call("+15550123"));
    let ring = host.read_until("0\r\n");
    let clcc_ringing = host.command("AT+CLCC");
    let answered = host.command("ATA");
    let clcc_active = host.command("AT+CLCC");
    assert!(host.sim.remote_hangup());
    let hangup = host.read_until("NO CARRIER\r\n");
    let clcc_after = host.command("AT+CLCC");

    assert_eq!(
        ring,
        "\r\nRING\r\n\r\n+CLIP: \"+15550123\",145,\"\",0,\"\",0\r\n"
    );
    assert_eq!(
        fields(line(&clcc_ringing, "+CLCC")),
        ["1", "1", "4", "0", "0", "+15550123", "145"]
    );
    assert_eq!(answered, "\r\nOK\r\n");
    assert_eq!(fields(line(&clcc_active, "+CLCC"))[2], "0");
    assert_eq!(hangup, "\r\nNO CARRIER\r\n");
    assert_eq!(clcc_after, "\r\nOK\r\n");
}

#[test]
fn an_unanswered_call_rings_again_each_ring_period() {
    let mut host = Host::registered();

    host.sim.incoming_call("5550123");
    host.read_until("RING\r\n");
    host.advance_ms(3000);
    let again = host.pending();

    assert_eq!(again, "\r\nRING\r\n");
}

#[test]
fn crc_gives_cring_voice_instead_of_ring() {
    let mut host = Host::registered();
    host.command("AT+CRC=1");

    host.sim.incoming_call("+15550123");
    let ring = host.pending();

    assert_eq!(ring, "\r\n+CRING: VOICE\r\n");
}

#[test]
fn outgoing_call_dials_alerts_and_is_answered_by_the_far_end() {
    let mut host = Host::registered();

    let ok = host.command("ATD+15550123;");
    let dialing = host.command("AT+CLCC");
    host.advance_ms(100);
    let alerting = host.command("AT+CLCC");
    host.advance_ms(300);
    let active = host.command("AT+CLCC");
    let hung_up = host.command("ATH");

    assert_eq!(ok, "\r\nOK\r\n");
    assert_eq!(
        fields(line(&dialing, "+CLCC")),
        ["1", "0", "2", "0", "0", "+15550123", "145"]
    );
    assert_eq!(fields(line(&alerting, "+CLCC"))[2], "3");
    assert_eq!(fields(line(&active, "+CLCC"))[2], "0");
    assert_eq!(hung_up, "\r\nOK\r\n");
    assert!(host.sim.state().calls.is_empty());
}

#[test]
fn remote_answer_from_the_control_api_connects_a_ringing_call() {
    let config = ModemConfig {
        answering_numbers: vec!["+19999999".to_owned()],
        ..ModemConfig::default()
    };
    let mut host = Host::start_with(config);
    host.command("ATE0");
    host.command("AT+CPIN=\"1234\"");
    host.advance_ms(100);
    host.pending();

    host.command("ATD5550123;");
    host.advance_ms(1000);
    assert_eq!(host.sim.state().calls[0].state, CallState::Alerting);
    assert!(host.sim.remote_answer());

    assert_eq!(host.sim.state().calls[0].state, CallState::Active);
}

#[test]
fn a_busy_number_gives_busy_and_a_silent_one_no_answer() {
    let mut host = Host::registered();

    host.command("ATD+15550111;");
    host.advance_ms(100);
    let busy = host.pending();
    host.command("ATD+15550122;");
    host.advance_ms(30_100);
    let no_answer = host.pending();

    assert_eq!(busy, "\r\nBUSY\r\n");
    assert_eq!(no_answer, "\r\nNO ANSWER\r\n");
    assert!(host.sim.state().calls.is_empty());
}

#[test]
fn dialling_without_registration_gives_no_carrier() {
    let mut host = Host::start();
    host.command("ATE0");

    let response = host.command("ATD+15550123;");

    assert_eq!(response, "\r\nERROR\r\n");
    host.command("AT+CPIN=\"1234\"");
    host.pending();
    assert_eq!(host.command("ATD+15550123;"), "\r\nNO CARRIER\r\n");
}

#[test]
fn a_waiting_call_is_announced_and_chld_swaps_releases_and_holds() {
    let mut host = Host::registered();
    host.command("AT+CCWA=1");
    host.sim.incoming_call("+15550001");
    host.command("ATA");

    host.sim.incoming_call("+15550002");
    let waiting = host.read_until("\r\n+CCWA: \"+15550002\",145,1\r\n");
    host.command("AT+CHLD=2");
    let swapped = host.command("AT+CLCC");
    host.command("AT+CHLD=2");
    let swapped_back = host.command("AT+CLCC");
    host.command("AT+CHLD=11");
    let released = host.command("AT+CLCC");

    assert!(waiting.ends_with("+CCWA: \"+15550002\",145,1\r\n"));
    let states = |r: &str| {
        r.lines()
            .filter(|l| l.starts_with("+CLCC"))
            .map(|l| fields(l)[2].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(states(&swapped), ["1", "0"]);
    assert_eq!(states(&swapped_back), ["0", "1"]);
    assert_eq!(states(&released), ["1"]);
    assert_eq!(host.command("AT+CHLD=1"), "\r\nOK\r\n");
    assert_eq!(states(&host.command("AT+CLCC")), ["0"]);
}

#[test]
fn vts_sends_dtmf_only_during_an_active_call() {
    let mut host = Host::registered();
    host.command("AT+CMEE=1");

    let no_call = host.command("AT+VTS=1");
    host.sim.incoming_call("+15550123");
    host.command("ATA");
    host.command("AT+VTS=1;+VTS=\"#\"");

    assert_eq!(no_call, "\r\n+CME ERROR: 3\r\n");
    assert_eq!(host.sim.state().dtmf, "1#");
}

#[test]
fn ata_without_a_ringing_call_is_no_carrier() {
    let mut host = Host::registered();

    assert_eq!(host.command("ATA"), "\r\nNO CARRIER\r\n");
}

#[test]
fn ussd_balance_arrives_after_a_short_delay() {
    let mut host = Host::registered();

    let ok = host.command("AT+CUSD=1,\"*100#\",15");
    let before = host.pending();
    host.advance_ms(50);
    let answer = host.pending();

    assert_eq!(ok, "\r\nOK\r\n");
    assert_eq!(before, "");
    assert_eq!(answer, "\r\n+CUSD: 0,\"Your balance is 12.34 EUR\",15\r\n");
}

#[test]
fn ussd_menu_takes_a_reply_and_unknown_codes_are_not_supported() {
    let mut host = Host::registered();

    host.command("AT+CUSD=1,\"*101#\",15");
    host.advance_ms(50);
    let menu = host.pending();
    host.command("AT+CUSD=1,\"2\",15");
    host.advance_ms(50);
    let offers = host.pending();
    host.command("AT+CUSD=1,\"*999#\",15");
    host.advance_ms(50);
    let unknown = host.pending();

    assert!(menu.starts_with("\r\n+CUSD: 1,\"1. Balance"));
    assert_eq!(offers, "\r\n+CUSD: 0,\"No offers today\",15\r\n");
    assert_eq!(unknown, "\r\n+CUSD: 4\r\n");
}
