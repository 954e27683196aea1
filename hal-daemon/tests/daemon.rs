//! `yunhald` as a process: readiness, its service, stopping, bad input.

mod common;

use common::*;
use rustix::process::Signal;

const DAEMON: &str = "yunhal.IDaemon/default";

#[test]
fn daemon_on_the_sim_board_notifies_ready_and_lists_its_own_service_running() {
    let dir = TestDir::new();
    let daemon = Daemon::start(&dir, &[]);

    let list = json(&yunctl(&dir, &["list", "--json"]));

    assert!(
        daemon
            .ready_message
            .contains("STATUS=4 of 4 services running"),
        "{}",
        daemon.ready_message
    );
    assert_eq!(list["daemon"]["board"], "sim");
    assert_eq!(list["daemon"]["board_file"], "boards/sim.toml");
    let services = list["services"].as_array().unwrap();
    let own = services
        .iter()
        .find(|s| s["name"] == DAEMON)
        .expect("daemon service listed");
    assert_eq!(own["state"], "running");
    assert_eq!(own["descriptor"], "yunhal.IDaemon");
    assert_eq!(own["version"], 1);
    assert_eq!(own["pid"], daemon.pid());
    assert_eq!(own["clients"], 1, "yunctl itself");
}

#[test]
fn list_prints_an_aligned_table() {
    let dir = TestDir::new();
    let daemon = Daemon::start(&dir, &[]);

    let output = yunctl(&dir, &["list"]);

    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("yunhald 0.1.0 on board sim (boards/sim.toml)"),
        "{text}"
    );
    assert_eq!(
        lines[1].split_whitespace().collect::<Vec<_>>(),
        ["NAME", "DESCRIPTOR", "VERSION", "PID", "STATE", "CLIENTS"]
    );
    let pid = daemon.pid().to_string();
    assert_eq!(
        lines[2].split_whitespace().collect::<Vec<_>>(),
        [DAEMON, "yunhal.IDaemon", "1", pid.as_str(), "running", "1"]
    );
    assert_eq!(lines[1].find("PID"), lines[2].find(&pid), "columns align");
}

#[test]
fn dump_shows_the_supervisor_view_and_the_daemon_state() {
    let dir = TestDir::new();
    let daemon = Daemon::start(&dir, &[]);

    let dump = json(&yunctl(&dir, &["dump", DAEMON, "--json"]));
    let human = stdout(&yunctl(&dir, &["dump", DAEMON]));

    assert_eq!(dump["supervisor"]["state"], "running");
    assert_eq!(dump["supervisor"]["restarts"], 0);
    assert_eq!(dump["service"]["board"], "sim");
    assert_eq!(dump["service"]["pid"], daemon.pid());
    assert!(human.contains("supervisor:\n"), "{human}");
    assert!(
        human
            .lines()
            .any(|l| l.split_whitespace().eq(["state", "running"])),
        "{human}"
    );
}

#[test]
fn dump_of_an_unknown_service_fails_with_its_name() {
    let dir = TestDir::new();
    let _daemon = Daemon::start(&dir, &[]);

    let output = yunctl(&dir, &["dump", "yunhal.nope.INope/default"]);

    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("no supervised service named \"yunhal.nope.INope/default\""),
        "{}",
        stderr(&output)
    );
}

#[test]
fn restart_of_the_daemon_service_itself_is_refused() {
    let dir = TestDir::new();
    let _daemon = Daemon::start(&dir, &[]);

    let output = yunctl(&dir, &["restart", DAEMON]);

    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("cannot restart itself"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn sigterm_stops_with_exit_0_and_removes_every_socket() {
    let dir = TestDir::new();
    let mut daemon = Daemon::start(&dir, &[]);
    // notify, service manager, and the endpoints of the daemon's management
    // service, the sensors, the modem and the simulator control.
    assert_eq!(dir.sockets().len(), 6, "{:?}", dir.sockets());

    daemon.signal(Signal::TERM);
    let status = daemon.wait();

    assert_eq!(status.code(), Some(0), "{}", daemon.log());
    assert_eq!(
        dir.sockets(),
        ["notify.sock"],
        "only the test's own socket is left"
    );
    assert!(daemon.log().contains("SIGTERM: stopping"));
}

#[test]
fn sigint_stops_with_exit_0() {
    let dir = TestDir::new();
    let mut daemon = Daemon::start(&dir, &[]);

    daemon.signal(Signal::INT);

    assert_eq!(daemon.wait().code(), Some(0), "{}", daemon.log());
    assert_eq!(dir.sockets(), ["notify.sock"]);
}

#[test]
fn board_with_errors_exits_non_zero_naming_each_file_line_and_key() {
    let dir = TestDir::new();
    let board = dir.write("bad.toml", BAD_BOARD);

    let output = yunhald_run(&dir, &["--board", board.to_str().unwrap()]);

    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    for expected in [
        ":10:10: devices.accel.driver:",
        ":11:7: devices.accel.bus:",
        ":12:1: devices.accel.adress:",
    ] {
        assert!(
            err.contains(&format!("{}{expected}", board.display())),
            "{expected} not in\n{err}"
        );
    }
    assert!(!dir.socket().exists(), "nothing was served");
}

#[test]
fn shipped_board_file_given_by_path_is_used() {
    let dir = TestDir::new();
    let board = shipped_board("pinephone.toml");
    let _daemon = Daemon::start(&dir, &["--board", board.to_str().unwrap()]);

    let list = json(&yunctl(&dir, &["list", "--json"]));

    assert_eq!(list["daemon"]["board"], "pinephone");
}

#[test]
fn second_daemon_on_the_same_socket_refuses_to_start() {
    let dir = TestDir::new();
    let _first = Daemon::start(&dir, &[]);

    let second = yunhald_run(&dir, &[]);

    assert_eq!(second.status.code(), Some(1));
    assert!(
        stderr(&second).contains("in use by a running process"),
        "{}",
        stderr(&second)
    );
    assert!(json(&yunctl(&dir, &["list", "--json"]))["services"][0]["state"] == "running");
}

#[test]
fn policy_file_with_errors_is_refused_with_file_line_and_key() {
    let dir = TestDir::new();
    let policy = dir.write(
        "policy.toml",
        "[[rule]]\naction = \"allow\"\nuid = \"no-such-user-here\"\n",
    );

    let output = yunhald_run(&dir, &["--policy", policy.to_str().unwrap()]);

    assert_eq!(output.status.code(), Some(1));
    let expected = format!(
        "{}:3:7: rule[0].uid: no user named `no-such-user-here`",
        policy.display()
    );
    assert!(stderr(&output).contains(&expected), "{}", stderr(&output));
}
