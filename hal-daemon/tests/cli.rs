//! `yunctl` commands that need no daemon, and its help.

mod common;

use common::*;

#[test]
fn board_check_accepts_every_shipped_board() {
    let dir = TestDir::new();
    // The devices whose drivers are registered are enabled.
    for (name, enabled) in [
        ("sim.toml", 4),
        ("pinephone.toml", 4),
        ("linux-generic.toml", 4),
    ] {
        let path = shipped_board(name);

        let output = yunctl(&dir, &["board", "check", path.to_str().unwrap()]);

        assert!(output.status.success(), "{name}: {}", stdout(&output));
        let text = stdout(&output);
        let first = text.lines().next().unwrap();
        assert!(
            first.starts_with(&format!("{}: valid; board ", path.display())),
            "{text}"
        );
        assert!(
            first.ends_with(&format!("devices ({enabled} enabled)")),
            "{text}"
        );
        assert!(text.contains("DEVICE"), "{text}");
    }
}

#[test]
fn board_check_prints_every_diagnostic_and_exits_1() {
    let dir = TestDir::new();
    let board = dir.write("bad.toml", BAD_BOARD);

    let output = yunctl(&dir, &["board", "check", board.to_str().unwrap()]);

    assert_eq!(output.status.code(), Some(1));
    let printed: Vec<String> = stdout(&output).lines().map(str::to_owned).collect();
    let file = board.display();
    assert_eq!(printed.len(), 3, "{printed:#?}");
    assert!(printed[0].starts_with(&format!(
        "{file}:10:10: devices.accel.driver: unknown driver `mpu9250`"
    )));
    assert!(printed[1].starts_with(&format!(
        "{file}:11:7: devices.accel.bus: no bus named `i2c9`"
    )));
    assert!(printed[2].starts_with(&format!(
        "{file}:12:1: devices.accel.adress: unknown key `adress`"
    )));
    assert!(stderr(&output).contains("3 errors"));
}

#[test]
fn board_check_json_carries_each_diagnostic() {
    let dir = TestDir::new();
    let board = dir.write("bad.toml", BAD_BOARD);

    let output = yunctl(&dir, &["board", "check", board.to_str().unwrap(), "--json"]);

    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["valid"], false);
    let diagnostics = report["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 3);
    assert_eq!(diagnostics[2]["line"], 12);
    assert_eq!(diagnostics[2]["key"], "devices.accel.adress");
    assert_eq!(diagnostics[2]["kind"], "unknown_key");
}

#[test]
fn board_check_of_a_missing_file_says_so() {
    let dir = TestDir::new();

    let output = yunctl(&dir, &["board", "check", "/nonexistent/board.toml"]);

    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("cannot read board file /nonexistent/board.toml"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn list_without_a_daemon_explains_and_json_reports_the_error() {
    let dir = TestDir::new();

    let output = yunctl(&dir, &["list", "--json"]);

    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("is yunhald running?"),
        "{}",
        stderr(&output)
    );
    let error: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(error["error"]
        .as_str()
        .unwrap()
        .contains("cannot reach the service manager"));
}

#[test]
fn every_command_has_help_with_an_example() {
    let dir = TestDir::new();
    for command in [
        &[][..],
        &["list"],
        &["dump"],
        &["restart"],
        &["board", "check"],
    ] {
        let mut args = command.to_vec();
        args.push("--help");

        let output = yunctl(&dir, &args);

        let text = stdout(&output);
        assert!(output.status.success(), "{args:?}");
        assert!(
            text.contains("Example"),
            "{args:?} help has no example:\n{text}"
        );
    }
    let daemon_help = std::process::Command::new(YUNHALD)
        .arg("--help")
        .output()
        .unwrap();
    assert!(stdout(&daemon_help).contains("Examples:"));
}
