//! The modem service end to end: a real `yunhald` on the simulated board,
//! its AT driver talking over a real pseudo-terminal to the modem and
//! network simulator, the network driven through `yunctl sim modem`.

mod common;

use common::*;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use yunhal::modem::ipc::{IModem, IModemListener, MODEM_SERVICE};
use yunhal::modem::{CallDirection, CallEndReason, CallState, Indication, IpFamily};
use yunhal_ipc::{Runtime, ServiceManager, Status, Strong};

/// How long an indication may take (the simulated network's delays are
/// tens of milliseconds; recovery takes a few command timeouts).
const WAIT: Duration = Duration::from_secs(20);

struct Collect(Mutex<Sender<Indication>>);

impl IModemListener for Collect {
    fn on_indication(&self, indication: Indication) -> Result<(), Status> {
        let _ = self
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(indication);
        Ok(())
    }
}

struct Client {
    _rt: Runtime,
    modem: Strong<dyn IModem>,
    indications: Receiver<Indication>,
}

impl Client {
    fn connect(dir: &TestDir) -> Client {
        let rt = Runtime::new().unwrap();
        let sm = ServiceManager::connect_at(&rt, &dir.socket()).unwrap();
        let modem = sm
            .wait_for_service::<dyn IModem>(MODEM_SERVICE, Duration::from_secs(10))
            .unwrap();
        let (tx, indications) = mpsc::channel();
        let listener: Arc<dyn IModemListener> = Arc::new(Collect(Mutex::new(tx)));
        modem.add_listener(Strong::new(listener)).unwrap();
        Client {
            _rt: rt,
            modem,
            indications,
        }
    }

    /// Waits for the first indication `pick` takes, skipping the others.
    fn expect<T>(&self, what: &str, mut pick: impl FnMut(&Indication) -> Option<T>) -> T {
        let deadline = Instant::now() + WAIT;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.indications.recv_timeout(left) {
                Ok(indication) => {
                    if let Some(found) = pick(&indication) {
                        return found;
                    }
                    seen.push(indication);
                }
                Err(_) => panic!("no {what} within {WAIT:?}; saw {seen:#?}"),
            }
        }
    }

    /// Waits until the calls are `states` (by id order).
    fn expect_calls(&self, states: &[CallState]) {
        self.expect(&format!("calls {states:?}"), |i| match i {
            Indication::Calls(calls)
                if calls.iter().map(|c| c.state).collect::<Vec<_>>() == states =>
            {
                Some(())
            }
            _ => None,
        });
    }
}

/// The simulated board with its modem registered on the network.
fn start() -> (TestDir, Daemon, Client) {
    let dir = TestDir::new();
    let daemon = Daemon::start(&dir, &[]);
    let client = Client::connect(&dir);
    let deadline = Instant::now() + WAIT;
    while !client
        .modem
        .get_status()
        .unwrap()
        .network
        .is_some_and(|n| n.is_registered())
    {
        assert!(
            Instant::now() < deadline,
            "the modem did not register: {:#?}\n{}",
            client.modem.get_status(),
            daemon.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    (dir, daemon, client)
}

fn sim_modem(dir: &TestDir, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["sim", "modem"];
    all.extend_from_slice(args);
    all.push("--json");
    json(&yunctl(dir, &all))
}

#[test]
fn status_shows_the_simulated_modem_sim_and_network() {
    let (dir, _daemon, client) = start();
    // The signal is read again once registered: the LTE cell's SINR.
    let deadline = Instant::now() + WAIT;
    while client
        .modem
        .get_status()
        .unwrap()
        .signal
        .and_then(|s| s.sinr)
        .is_none()
    {
        assert!(Instant::now() < deadline, "no SINR reported");
        std::thread::sleep(Duration::from_millis(20));
    }

    let status = json(&yunctl(&dir, &["modem", "status", "--json"]));

    assert_eq!(status["available"], true);
    assert_eq!(status["power"], "On");
    assert_eq!(status["identity"]["manufacturer"], "Quectel");
    assert_eq!(status["identity"]["imei"].as_str().unwrap().len(), 15);
    assert_eq!(status["sim"]["status"], "Ready");
    assert!(status["sim"]["imsi"].is_string(), "{status:#}");
    assert!(
        status["network"]["operator"]["name"].is_string(),
        "{status:#}"
    );
    assert!(status["signal"]["rssi"].is_number(), "{status:#}");
}

#[test]
fn incoming_call_rings_is_answered_and_ends_when_the_far_end_hangs_up() {
    let (dir, _daemon, client) = start();

    sim_modem(&dir, &["call", "+4930123456"]);
    // The ring and the new call come in the driver's order.
    let (mut number, mut listed) = (None, false);
    while number.is_none() || !listed {
        client.expect("a ring and the incoming call", |i| match i {
            Indication::Ring { number: from } => {
                number = Some(from.clone());
                Some(())
            }
            Indication::Calls(calls)
                if calls.iter().map(|c| c.state).collect::<Vec<_>>() == [CallState::Incoming] =>
            {
                listed = true;
                Some(())
            }
            _ => None,
        });
    }
    let number = number.unwrap();
    client.modem.answer().unwrap();
    client.expect_calls(&[CallState::Active]);
    let calls = client.modem.list_calls().unwrap();
    sim_modem(&dir, &["hangup"]);
    let reason = client.expect("the call's end", |i| match i {
        Indication::CallEnded { reason, .. } => Some(*reason),
        _ => None,
    });

    assert_eq!(number.as_deref(), Some("+4930123456"));
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].direction, CallDirection::Incoming);
    assert_eq!(calls[0].number.as_deref(), Some("+4930123456"));
    assert_eq!(reason, CallEndReason::Remote);
    assert!(client.modem.list_calls().unwrap().is_empty());
}

#[test]
fn outgoing_call_is_answered_by_the_far_end_and_hung_up_here() {
    let (dir, _daemon, client) = start();

    yunctl(&dir, &["modem", "dial", "+4930654321"]);
    client.expect_calls(&[CallState::Alerting]);
    sim_modem(&dir, &["answer"]);
    client.expect_calls(&[CallState::Active]);
    yunctl(&dir, &["modem", "dtmf", "12#"]);
    let dtmf = sim_modem(&dir, &["state"])["dtmf"].clone();
    yunctl(&dir, &["modem", "hangup"]);
    let reason = client.expect("the call's end", |i| match i {
        Indication::CallEnded { reason, .. } => Some(*reason),
        _ => None,
    });

    assert_eq!(dtmf, "12#");
    assert_eq!(reason, CallEndReason::Local);
    assert_eq!(sim_modem(&dir, &["state"])["calls"], serde_json::json!([]));
}

#[test]
fn sms_both_ways_including_a_three_part_ucs2_message() {
    let (dir, _daemon, client) = start();
    // 150 Cyrillic letters: UCS-2, 67 per part with the concatenation
    // header, so three parts.
    let long: String = "Привет, мир! ".chars().cycle().take(150).collect();

    let sent = client
        .modem
        .send_sms("+4930123456".into(), long.clone(), false)
        .unwrap();
    let short = json(&yunctl(
        &dir,
        &[
            "modem",
            "sms",
            "send",
            "+4930123456",
            "Hello @ £5 {ok}",
            "--json",
        ],
    ));
    let network = sim_modem(&dir, &["state"]);
    sim_modem(&dir, &["sms", "+4930999888", &long]);
    let received = client.expect("a new SMS", |i| match i {
        Indication::NewSms(message) => Some(message.clone()),
        _ => None,
    });
    let inbox = client.modem.list_sms().unwrap();

    assert_eq!(sent.references.len(), 3);
    assert_eq!(short["references"].as_array().unwrap().len(), 1);
    let parts = network["sent_sms"].as_array().unwrap();
    assert_eq!(parts.len(), 4, "{network:#}");
    let joined: String = parts[..3]
        .iter()
        .map(|p| p["text"].as_str().unwrap())
        .collect();
    assert_eq!(joined, long);
    assert_eq!(parts[3]["text"], "Hello @ £5 {ok}");
    assert_eq!(received.text, long);
    assert_eq!(received.parts, 3);
    assert_eq!(received.from, "+4930999888");
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].message.text, long);
}

#[test]
fn ussd_and_data_through_yunctl() {
    let (dir, _daemon, client) = start();

    let ussd = json(&yunctl(&dir, &["modem", "ussd", "*100#", "--json"]));
    let up = json(&yunctl(
        &dir,
        &["modem", "data", "up", "internet", "--json"],
    ));
    let network = sim_modem(&dir, &["state"]);
    let cid = up["cid"].as_u64().unwrap().to_string();
    yunctl(&dir, &["modem", "data", "down", &cid]);
    let after = sim_modem(&dir, &["state"]);

    assert_eq!(ussd["status"], "Done", "{ussd:#}");
    assert!(ussd["text"].is_string(), "{ussd:#}");
    assert_eq!(up["active"], true);
    assert_eq!(up["family"], serde_json::json!(IpFamily::Ipv4));
    let address = up["addresses"][0].as_str().unwrap();
    assert!(address.parse::<std::net::Ipv4Addr>().is_ok(), "{up:#}");
    assert_eq!(network["data"][0][2], address);
    assert_eq!(after["data"], serde_json::json!([]));
    let status = client.modem.get_status().unwrap();
    assert!(status.data.iter().all(|c| !c.active));
}

#[test]
fn a_silent_modem_is_recovered_and_clients_are_told() {
    let (dir, daemon, client) = start();

    sim_modem(&dir, &["fault", "--silence"]);
    // Commands time out until the driver gives the modem up for lost.
    let deadline = Instant::now() + WAIT;
    while client.modem.get_status().unwrap().available {
        let _ = client.modem.list_calls();
        assert!(
            Instant::now() < deadline,
            "still available:\n{}",
            daemon.log()
        );
    }
    client.expect("unavailable", |i| {
        matches!(i, Indication::Available(false)).then_some(())
    });
    // The reset and the return come in the driver's order.
    let (mut reason, mut back) = (None, false);
    while reason.is_none() || !back {
        client.expect("a reset and the modem back", |i| match i {
            Indication::Reset { reason: why } => {
                reason = Some(why.clone());
                Some(())
            }
            Indication::Available(true) => {
                back = true;
                Some(())
            }
            _ => None,
        });
    }
    let reason = reason.unwrap();
    let status = client.modem.get_status().unwrap();

    // A hung modem answers neither the reopened port nor AT+CFUN=1,1;
    // the board's GPIO lines bring it back (it ignores the power key too,
    // so RESET_N does).
    assert!(reason.contains("power-cycled"), "{reason}");
    assert!(status.available);
    assert_eq!(status.recoveries, 1);
    assert!(client.modem.list_calls().unwrap().is_empty());
    let state = sim_modem(&dir, &["state"]);
    assert_eq!(state["silent"], false);
    assert_eq!(state["power"], "on");
    assert!(
        daemon
            .log()
            .contains("modem power-cycled through its GPIO lines"),
        "{}",
        daemon.log()
    );
}

#[test]
fn bad_input_names_the_argument_and_the_daemon_keeps_serving() {
    let (dir, _daemon, client) = start();

    let dial = yunctl(&dir, &["modem", "dial", "+49 30; ATH"]);
    let delete = yunctl(&dir, &["modem", "sms", "delete", "99"]);
    let sim = yunctl(&dir, &["sim", "modem", "registration", "sideways"]);

    assert!(!dial.status.success());
    assert!(stderr(&dial).contains("dial"), "{}", stderr(&dial));
    assert!(!delete.status.success());
    assert!(
        stderr(&delete).contains("no message 99"),
        "{}",
        stderr(&delete)
    );
    assert!(!sim.status.success());
    assert!(stderr(&sim).contains("sideways"), "{}", stderr(&sim));
    assert!(client.modem.get_status().unwrap().available);
}

#[test]
fn yunctl_watch_prints_what_a_shipped_scenario_makes_happen() {
    let (dir, _daemon, client) = start();
    let watch = yunctl_command(
        &dir,
        &[
            "modem",
            "watch",
            "--count",
            "2",
            "--timeout-ms",
            "10000",
            "--json",
        ],
    )
    .stdout(std::process::Stdio::piped())
    .spawn()
    .unwrap();
    // The watcher is listening once the service counts two listeners.
    let deadline = Instant::now() + WAIT;
    while json(&yunctl(&dir, &["dump", MODEM_SERVICE, "--json"]))["service"]["listeners"]
        .as_array()
        .map_or(0, Vec::len)
        < 2
    {
        assert!(Instant::now() < deadline, "the watcher did not listen");
        std::thread::sleep(Duration::from_millis(20));
    }

    yunctl(&dir, &["sim", "modem", "scenario", "incoming-call"]);
    let output = watch.wait_with_output().unwrap();
    client.modem.hang_up(None).unwrap();

    assert!(output.status.success(), "{}", stderr(&output));
    let lines: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert!(
        lines.iter().any(|l| l["Ring"]["number"] == "+15550123"),
        "{lines:#?}"
    );
    assert!(
        lines.iter().any(|l| l["Calls"][0]["state"] == "Incoming"),
        "{lines:#?}"
    );
}
