//! TOML scenarios: parsing every action, reporting every mistake, and
//! playing a timeline into a modem on the simulated clock.

use super::Host;
use crate::modem::scenario::{ModemAction, ModemScenario, ModemScenarioPlayer};
use crate::modem::{RegState, SimState};
use yunhal::time::Nanos;

const EVERY_ACTION: &str = r#"
description = "one of each"

[[event]]
at = "1.5s"
incoming_call = "+15550123"
remote_answer = true
remote_hangup = true
sms = { from = "+15550123", text = "Hi" }

[[event]]
at = 2
signal_dbm = -90
fade_signal = { to_dbm = -105, over = "10s" }
registration = "roaming"
reboot = true

[[event]]
at = "500ms"
silent = "2min"
clear_silence = true
garbage = "\u00ff"
partial_line = "+CSQ"
echo = false

[[event]]
at = 3
silent = true
"#;

#[test]
fn every_action_parses_in_file_order() {
    let scenario = ModemScenario::parse("every.toml", EVERY_ACTION);

    let scenario = scenario.unwrap_or_else(|e| panic!("{e}"));
    let actions: Vec<&ModemAction> = scenario.events.iter().flat_map(|e| &e.actions).collect();
    assert_eq!(scenario.description.as_deref(), Some("one of each"));
    assert_eq!(
        scenario
            .events
            .iter()
            .map(|e| (e.at, e.line))
            .collect::<Vec<_>>(),
        [
            (Nanos::from_millis(1500), 4),
            (Nanos::from_secs(2), 11),
            (Nanos::from_millis(500), 18),
            (Nanos::from_secs(3), 26),
        ]
    );
    assert_eq!(
        actions,
        [
            &ModemAction::IncomingCall("+15550123".to_owned()),
            &ModemAction::RemoteAnswer,
            &ModemAction::RemoteHangup,
            &ModemAction::IncomingSms {
                from: "+15550123".to_owned(),
                text: "Hi".to_owned()
            },
            &ModemAction::Signal(-90),
            &ModemAction::FadeSignal {
                to_dbm: -105,
                over: Nanos::from_secs(10)
            },
            &ModemAction::Registration(RegState::Roaming),
            &ModemAction::Reboot,
            &ModemAction::Silent(Some(Nanos::from_secs(120))),
            &ModemAction::ClearSilence,
            &ModemAction::Garbage("\u{ff}".to_owned()),
            &ModemAction::PartialLine("+CSQ".to_owned()),
            &ModemAction::Echo(false),
            &ModemAction::Silent(None),
        ]
    );
}

#[test]
fn every_mistake_is_reported_with_its_line_and_key() {
    let text = r#"
[[event]]
at = "soon"
reboot = true

[[event]]
at = "1s"
registration = "offline"
ring = "+15550123"

[[event]]
signal_dbm = 10
"#;

    let errors = ModemScenario::parse("bad.toml", text).unwrap_err().0;

    let found: Vec<(usize, Option<&str>)> =
        errors.iter().map(|e| (e.line, e.key.as_deref())).collect();
    assert_eq!(
        found,
        [
            (3, Some("event[1].at")),
            (8, Some("event[2].registration")),
            (9, Some("event[2].ring")),
            (11, Some("event[3]")),
            (12, Some("event[3].signal_dbm")),
        ]
    );
    assert!(errors.iter().all(|e| e.file == "bad.toml"));
}

#[test]
fn a_scenario_plays_into_the_modem_at_its_times() {
    let text = r#"
[[event]]
at = "1s"
incoming_call = "+15550123"

[[event]]
at = "2s"
remote_hangup = true
sms = { from = "+15550123", text = "Call me back" }

[[event]]
at = "3s"
registration = "searching"

[[event]]
at = "4s"
reboot = true
"#;
    let scenario = ModemScenario::parse("call.toml", text).unwrap();
    let mut player = ModemScenarioPlayer::new(scenario);
    let mut host = Host::registered();
    host.command("AT+CREG=1;+CNMI=2,1,0,0,0");
    let start = host.sim.state().now;

    player.step_to(&host.sim, Nanos::from_millis(999));
    let before = host.pending();
    player.step_to(&host.sim, Nanos::from_secs(1));
    let ring = host.pending();
    player.step_to(&host.sim, Nanos::from_secs(2));
    let hangup_and_sms = host.pending();
    player.step_to(&host.sim, Nanos::from_secs(3));
    let searching = host.pending();
    let mid_reboot = host.sim.state();
    player.step_to(&host.sim, Nanos::from_millis(4200));
    let boot = host.read_until("+CPIN: SIM PIN\r\n");

    assert_eq!(before, "");
    assert_eq!(ring, "\r\nRING\r\n");
    assert_eq!(hangup_and_sms, "\r\nNO CARRIER\r\n\r\n+CMTI: \"ME\",1\r\n");
    assert_eq!(searching, "\r\n+CREG: 2\r\n");
    assert_eq!(mid_reboot.registration, RegState::Searching);
    assert!(boot.starts_with("\r\nRDY\r\n"), "{boot:?}");
    assert_eq!(host.sim.state().sim, SimState::PinRequired);
    assert_eq!(host.sim.state().now, start + Nanos::from_millis(4200));
    assert!(player.is_finished());
    assert_eq!(host.sim.state().stored_sms.len(), 1);
}

#[test]
fn shipped_modem_scenarios_parse() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/modem");
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();

        let scenario = ModemScenario::parse(&name, &text).unwrap_or_else(|e| panic!("{e}"));

        assert!(!scenario.events.is_empty(), "{name}");
        assert!(scenario.description.is_some(), "{name}");
        names.push(name);
    }
    names.sort();
    assert_eq!(names, ["incoming-call", "messages", "tunnel"]);
}
