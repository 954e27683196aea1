//! Registration, operators, signal and PDP contexts.

use super::{fields, line, Host};
use crate::modem::{RegState, Selection};
use yunhal::time::Nanos;

#[test]
fn registration_searches_then_reports_home_with_cell_and_area() {
    let mut host = Host::start();
    host.command("ATE0;+CREG=2;+CEREG=2;+CGREG=1");

    host.command("AT+CPIN=\"1234\"");
    let searching = host.read_until("+CGREG: 2\r\n");
    host.advance_ms(100);
    let registered = host.read_until("+CGREG: 1\r\n");
    let creg = host.command("AT+CREG?");
    let cops = host.command("AT+COPS?");

    assert!(searching.contains("+CREG: 2\r\n") && searching.contains("+CEREG: 2\r\n"));
    assert!(
        registered.contains("\r\n+CREG: 1,\"2A01\",\"1A2D001\",7\r\n"),
        "{registered:?}"
    );
    assert!(registered.contains("\r\n+CEREG: 1,\"2A01\",\"1A2D001\",7\r\n"));
    assert_eq!(line(&creg, "+CREG"), "+CREG: 2,1,\"2A01\",\"1A2D001\",7");
    assert_eq!(line(&cops, "+COPS"), "+COPS: 0,0,\"Yunhal Test\",7");
}

#[test]
fn roaming_and_denied_conditions_are_reported() {
    let mut host = Host::registered();
    host.command("AT+CREG=1");

    host.sim.set_registration(RegState::Roaming);
    host.advance_ms(100);
    let roaming = host.pending();
    host.sim.set_registration(RegState::Denied);
    let denied = host.pending();
    host.sim.set_registration(RegState::Home);
    host.advance_ms(100);
    let home = host.pending();

    assert_eq!(roaming, "\r\n+CREG: 2\r\n\r\n+CREG: 5\r\n");
    assert_eq!(denied, "\r\n+CREG: 3\r\n");
    assert_eq!(home, "\r\n+CREG: 2\r\n\r\n+CREG: 1\r\n");
}

#[test]
fn cops_lists_operators_and_manual_selection_roams() {
    let mut host = Host::registered();

    let list = host.command("AT+COPS=?");
    host.command("AT+COPS=1,2,\"00102\"");
    host.advance_ms(100);
    host.command("AT+COPS=3,2");
    let cops = host.command("AT+COPS?");
    let creg = host.command("AT+CREG?");

    assert_eq!(
        line(&list, "+COPS"),
        "+COPS: (2,\"Yunhal Test\",\"YunTest\",\"00101\",7),(1,\"Other Net\",\"Other\",\"00102\",7),,(0-4),(0-2)"
    );
    assert_eq!(line(&cops, "+COPS"), "+COPS: 1,2,\"00102\",7");
    assert_eq!(line(&creg, "+CREG"), "+CREG: 0,5");
    assert_eq!(
        host.sim.state().selection,
        Selection::Manual("00102".to_owned())
    );
}

#[test]
fn cops_2_deregisters() {
    let mut host = Host::registered();

    host.command("AT+COPS=2");

    assert_eq!(host.sim.state().registration, RegState::NotRegistered);
    assert_eq!(line(&host.command("AT+COPS?"), "+COPS"), "+COPS: 2");
}

#[test]
fn csq_and_cesq_follow_the_set_signal() {
    let mut host = Host::registered();

    host.sim.set_signal(-73);
    let csq = host.command("AT+CSQ");
    let cesq = host.command("AT+CESQ");
    let dbm = host.sim.state().signal_dbm;

    assert!((-76..=-70).contains(&dbm), "{dbm}");
    let rssi: i32 = fields(line(&csq, "+CSQ"))[0].parse().unwrap();
    assert_eq!(rssi, (dbm + 113) / 2);
    let rsrp: i32 = fields(line(&cesq, "+CESQ"))[5].parse().unwrap();
    assert_eq!(rsrp, dbm - 25 + 141);
}

#[test]
fn the_signal_wanders_deterministically_and_fades() {
    let mut first = Host::registered();
    let mut second = Host::registered();
    let mut samples = Vec::new();

    for _ in 0..5 {
        first.advance_ms(1000);
        second.advance_ms(1000);
        samples.push(first.sim.state().signal_dbm);
        assert_eq!(first.sim.state().signal_dbm, second.sim.state().signal_dbm);
    }
    first.sim.fade_signal(-110, Nanos::from_secs(10));
    first.advance_ms(10_000);
    let faded = first.sim.state().signal_dbm;

    assert!(samples.iter().any(|s| *s != samples[0]), "{samples:?}");
    assert!((-113..=-107).contains(&faded), "{faded}");
}

#[test]
fn pdp_contexts_are_defined_activated_with_pool_addresses_and_deactivated() {
    let mut host = Host::registered();

    host.command("AT+CGDCONT=1,\"IP\",\"internet\";+CGDCONT=2,\"IPV4V6\",\"ims\"");
    let defined = host.command("AT+CGDCONT?");
    host.command("AT+CGACT=1,1");
    host.command("AT+CGACT=1,2");
    let addresses = host.command("AT+CGPADDR");
    host.command("AT+CGACT=0,1");
    let after = host.command("AT+CGPADDR=1");
    let states = host.command("AT+CGACT?");

    assert!(defined.contains("+CGDCONT: 1,\"IP\",\"internet\""));
    assert!(defined.contains("+CGDCONT: 2,\"IPV4V6\",\"ims\""));
    assert!(addresses.contains("+CGPADDR: 1,\"10.64.0.2\""));
    assert!(addresses.contains("+CGPADDR: 2,\"10.64.0.3\""));
    assert_eq!(line(&after, "+CGPADDR"), "+CGPADDR: 1,\"0.0.0.0\"");
    assert!(states.contains("+CGACT: 1,0") && states.contains("+CGACT: 2,1"));
}

#[test]
fn activation_needs_registration_and_losing_it_deactivates_with_cgev() {
    let mut host = Host::start();
    host.command("ATE0;+CMEE=1");
    host.command("AT+CPIN=\"1234\"");
    host.pending();

    let refused = host.command("AT+CGACT=1,1");
    host.advance_ms(100);
    host.command("AT+CGEREP=2;+CGACT=1,1");
    host.sim.set_registration(RegState::Searching);
    let lost = host.pending();

    assert_eq!(refused, "\r\n+CME ERROR: 30\r\n");
    assert!(lost.contains("+CGEV: NW PDN DEACT 1"), "{lost:?}");
    assert_eq!(host.sim.state().contexts[0].address, None);
}

#[test]
fn context_definitions_survive_a_reboot_but_activations_do_not() {
    let mut host = Host::registered();
    host.command("AT+CGDCONT=1,\"IP\",\"internet\";+CGACT=1,1");

    host.sim.reboot();
    host.advance_ms(200);
    host.read_until("+CPIN: SIM PIN\r\n");
    let contexts = host.sim.state().contexts;

    assert_eq!(contexts[0].apn, "internet");
    assert_eq!(contexts[0].address, None);
}

#[test]
fn qeng_reports_the_serving_lte_cell() {
    let mut host = Host::registered();

    let response = host.command("AT+QENG=\"servingcell\"");

    let f = fields(line(&response, "+QENG"));
    assert_eq!(
        &f[..6],
        ["servingcell", "NOCONN", "LTE", "FDD", "001", "01"]
    );
    assert_eq!(f[6], "1A2D001");
}
