//! V.250 behaviour, identification, the SIM, power and faults.

use super::{fields, line, Host};
use crate::modem::{luhn_check_digit, ModemConfig, SimState};
use yunhal::time::Nanos;

#[test]
fn boot_sends_rdy_then_cfun_and_the_sim_state() {
    let (host_end, modem_end) = std::os::unix::net::UnixStream::pair().unwrap();
    let clock = crate::modem::ModemClock::Simulated(crate::clock::SimClock::new());
    let sim = crate::modem::ModemSim::run(modem_end, ModemConfig::default(), clock).unwrap();
    let mut host = super::Host {
        stream: host_end,
        buf: Vec::new(),
        written: 0,
        sim,
    };

    let boot = host.read_until("+CPIN: SIM PIN\r\n");

    assert_eq!(boot, "\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: SIM PIN\r\n");
}

#[test]
fn echo_is_on_by_default_and_ate0_turns_it_off() {
    let mut host = Host::start();

    let echoed = host.command("AT");
    let turned_off = host.command("ATE0");
    let quiet = host.command("AT");

    assert_eq!(echoed, "AT\r\r\nOK\r\n");
    assert_eq!(turned_off, "ATE0\r\r\nOK\r\n");
    assert_eq!(quiet, "\r\nOK\r\n");
    assert!(!host.sim.state().echo);
}

#[test]
fn set_echo_from_the_control_api_changes_what_the_host_sees() {
    let mut host = Host::start();

    host.sim.set_echo(false);
    let response = host.command("AT");

    assert_eq!(response, "\r\nOK\r\n");
}

#[test]
fn identification_commands_answer_as_an_eg25_g() {
    let mut host = Host::start();
    host.command("ATE0");

    assert_eq!(host.command("AT+CGMI"), "\r\nQuectel\r\n\r\nOK\r\n");
    assert_eq!(host.command("AT+CGMM"), "\r\nEG25\r\n\r\nOK\r\n");
    assert_eq!(
        host.command("AT+CGMR"),
        "\r\nEG25GGBR07A08M2G\r\n\r\nOK\r\n"
    );
    assert!(host.command("ATI").contains("Revision: EG25GGBR07A08M2G"));
    let imei = host.command("AT+CGSN");
    let imei = imei.trim().lines().next().unwrap();
    assert_eq!(imei.len(), 15);
    let (body, check) = imei.split_at(14);
    assert_eq!(luhn_check_digit(body).to_string(), check);
}

#[test]
fn luhn_check_digit_matches_a_known_imei() {
    // 49015420323751 is the textbook example; its check digit is 8.
    assert_eq!(luhn_check_digit("49015420323751"), 8);
}

#[test]
fn cmee_chooses_between_error_numeric_and_verbose() {
    let mut host = Host::start();
    host.command("ATE0");

    let plain = host.command("AT+CIMI");
    host.command("AT+CMEE=1");
    let numeric = host.command("AT+CIMI");
    host.command("AT+CMEE=2");
    let verbose = host.command("AT+CIMI");

    assert_eq!(plain, "\r\nERROR\r\n");
    assert_eq!(numeric, "\r\n+CME ERROR: 11\r\n");
    assert_eq!(verbose, "\r\n+CME ERROR: SIM PIN required\r\n");
}

#[test]
fn concatenated_commands_run_in_order_and_stop_at_an_error() {
    let mut host = Host::start();
    host.command("ATE0");

    let both = host.command("AT+CMEE=2;+CGMI;+CMEE?");
    let stopped = host.command("AT+CMEE=0;+NOSUCH;+CMEE=2");

    assert_eq!(both, "\r\nQuectel\r\n\r\n+CMEE: 2\r\n\r\nOK\r\n");
    assert_eq!(stopped, "\r\nERROR\r\n");
    assert_eq!(host.command("AT+CMEE?"), "\r\n+CMEE: 0\r\n\r\nOK\r\n");
}

#[test]
fn a_slash_repeats_the_last_command_line() {
    let mut host = Host::start();
    host.command("ATE0");
    host.command("AT+CGMM");

    host.write("A/");
    let repeated = host.read_until("OK\r\n");

    assert_eq!(repeated, "\r\nEG25\r\n\r\nOK\r\n");
}

#[test]
fn noise_before_at_is_ignored_and_a_line_without_at_gets_no_answer() {
    let mut host = Host::start();
    host.command("ATE0");

    host.write("hello\r");
    let silent = host.pending();
    let answered = host.command("xx\u{7f}AT");

    assert_eq!(silent, "");
    assert_eq!(answered, "\r\nOK\r\n");
}

#[test]
fn three_wrong_pins_ask_for_the_puk_which_sets_a_new_pin() {
    let mut host = Host::start();
    host.command("ATE0;+CMEE=2");

    for _ in 0..3 {
        assert_eq!(
            host.command("AT+CPIN=\"0000\""),
            "\r\n+CME ERROR: incorrect password\r\n"
        );
    }
    let locked = host.command("AT+CPIN?");
    let counters = host.command("AT+QPINC=\"SC\"");
    let wrong_puk = host.command("AT+CPIN=\"11111111\",\"4321\"");
    let right_puk = host.command("AT+CPIN=\"12345678\",\"4321\"");
    let urcs = host.read_until("+QIND: PB DONE\r\n");
    host.sim.reboot();
    host.advance_ms(200);
    host.read_until("+CPIN: SIM PIN\r\n");
    host.command("ATE0");
    let new_pin = host.command("AT+CPIN=\"4321\"");

    assert_eq!(locked, "\r\n+CPIN: SIM PUK\r\n\r\nOK\r\n");
    assert_eq!(counters, "\r\n+QPINC: \"SC\",0,10\r\n\r\nOK\r\n");
    assert_eq!(wrong_puk, "\r\n+CME ERROR: incorrect password\r\n");
    assert_eq!(right_puk, "\r\nOK\r\n");
    assert!(urcs.contains("+CPIN: READY") && urcs.contains("+QIND: SMS DONE"));
    assert_eq!(new_pin, "\r\nOK\r\n");
    assert_eq!(host.sim.state().puk_attempts, 10);
}

#[test]
fn ten_wrong_puks_block_the_sim() {
    let mut host = Host::start();
    host.command("ATE0;+CMEE=1");
    for _ in 0..3 {
        host.command("AT+CPIN=\"0000\"");
    }

    for _ in 0..10 {
        host.command("AT+CPIN=\"00000000\",\"1111\"");
    }
    let answer = host.command("AT+CPIN?");

    assert_eq!(host.sim.state().sim, SimState::Blocked);
    assert_eq!(answer, "\r\n+CME ERROR: 13\r\n");
}

#[test]
fn a_sim_without_pin_is_ready_at_boot_and_reads_its_identities() {
    let config = ModemConfig {
        pin: None,
        ..ModemConfig::default()
    };
    let mut host = Host::start_with(config);
    host.command("ATE0");

    let imsi = host.command("AT+CIMI");
    let iccid = host.command("AT+QCCID");

    assert_eq!(imsi, "\r\n001010123456789\r\n\r\nOK\r\n");
    assert_eq!(iccid, "\r\n+QCCID: 8988211000000123456\r\n\r\nOK\r\n");
}

#[test]
fn cfun_reboot_goes_silent_then_boots_with_volatile_state_lost() {
    let mut host = Host::registered();
    host.command("AT+CMEE=2;+CREG=2");

    let ok = host.command("AT+CFUN=1,1");
    host.write("AT\r");
    let while_rebooting = host.pending();
    host.advance_ms(200);
    let boot = host.read_until("+CPIN: SIM PIN\r\n");
    let echoed = host.command("AT+CMEE?");

    assert_eq!(ok, "\r\nOK\r\n");
    assert_eq!(while_rebooting, "");
    assert!(boot.starts_with("\r\nRDY\r\n"), "{boot:?}");
    assert_eq!(echoed, "AT+CMEE?\r\r\n+CMEE: 0\r\n\r\nOK\r\n");
    let state = host.sim.state();
    assert_eq!(state.sim, SimState::PinRequired);
    assert!(!state.registration.is_registered());
}

#[test]
fn cfun_4_takes_the_radio_down_and_1_brings_registration_back() {
    let mut host = Host::registered();
    host.command("AT+CREG=1");

    let airplane = host.command("AT+CFUN=4");
    let lost = host.read_until("+CREG: 0\r\n");
    let csq = host.command("AT+CSQ");
    host.command("AT+CFUN=1");
    host.read_until("+CREG: 2\r\n");
    host.advance_ms(100);
    let back = host.read_until("+CREG: 1\r\n");

    assert!(airplane.ends_with("OK\r\n"));
    assert!(lost.contains("+CREG: 0"));
    assert_eq!(line(&csq, "+CSQ"), "+CSQ: 99,99");
    assert!(back.ends_with("+CREG: 1\r\n"));
    assert_eq!(host.command("AT+CFUN?"), "\r\n+CFUN: 1\r\n\r\nOK\r\n");
}

#[test]
fn a_silent_modem_ignores_commands_until_the_silence_ends() {
    let mut host = Host::start();
    host.command("ATE0");

    host.sim.go_silent(Some(Nanos::from_millis(100)));
    host.write("AT\r");
    let during = host.pending();
    host.advance_ms(100);
    let after = host.command("AT");

    assert_eq!(during, "");
    assert_eq!(after, "\r\nOK\r\n");
}

#[test]
fn silence_until_cleared_lasts_until_cleared() {
    let mut host = Host::start();
    host.command("ATE0");

    host.sim.go_silent(None);
    host.advance_ms(60_000);
    host.write("AT\r");
    let during = host.pending();
    assert!(host.sim.state().silent);
    host.sim.clear_silence();
    let after = host.command("AT");

    assert_eq!(during, "");
    assert_eq!(after, "\r\nOK\r\n");
}

#[test]
fn garbage_and_partial_lines_reach_the_host_as_they_are() {
    let mut host = Host::start();
    host.command("ATE0");

    host.sim.send_garbage(b"\xff\x00\xfe");
    host.sim.partial_line("+CSQ: 2");
    let raw = host.pending();
    let next = host.command("AT");

    assert_eq!(raw, "\u{fffd}\u{0}\u{fffd}+CSQ: 2");
    assert_eq!(next, "\r\nOK\r\n");
}

#[test]
fn qcfg_answers_common_queries() {
    let mut host = Host::start();
    host.command("ATE0");

    let ri = host.command("AT+QCFG=\"risignaltype\"");
    let usbnet = host.command("AT+QCFG=\"usbnet\"");
    let set = host.command("AT+QURCCFG=\"urcport\",\"usbat\"");

    assert_eq!(fields(line(&ri, "+QCFG")), ["risignaltype", "physical"]);
    assert_eq!(fields(line(&usbnet, "+QCFG")), ["usbnet", "0"]);
    assert_eq!(set, "\r\nOK\r\n");
}

#[test]
fn verbose_off_gives_numeric_result_codes() {
    let mut host = Host::start();
    host.command("ATE0");

    host.write("ATV0\r");
    let ok = host.read_until("\r");
    host.write("AT+NOSUCH\r");
    let error = host.read_until("\r");

    assert_eq!(ok, "0\r");
    assert_eq!(error, "4\r");
}
