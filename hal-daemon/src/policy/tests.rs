use super::*;
use yunhal_ipc::ExceptionCode;

const DAEMON_UID: u32 = 990;
/// A pid that is not this process's (whose calls are always allowed).
const OTHER_PID: i32 = i32::MAX;

fn caller(uid: u32, gid: u32) -> Caller {
    Caller {
        uid,
        gid,
        pid: OTHER_PID,
    }
}

fn accounts() -> Accounts {
    Accounts::from_files(
        "root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n",
        "root:x:0:\naudio:x:29:alice\n",
    )
}

fn policy(text: &str) -> CallPolicy {
    CallPolicy::parse("policy.toml", text, DAEMON_UID, &accounts())
        .unwrap_or_else(|e| panic!("{e}"))
}

fn errors(text: &str) -> Vec<String> {
    CallPolicy::parse("policy.toml", text, DAEMON_UID, &accounts())
        .unwrap_err()
        .0
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn wildcard_matches_any_run_including_dots_and_nothing() {
    let sim = Pattern::new("yunhal.sim.*");
    assert!(sim.matches("yunhal.sim.ISimControl"));
    assert!(sim.matches("yunhal.sim."));
    assert!(!sim.matches("yunhal.simulator"));
    assert!(Pattern::new("*").matches(""));
    assert!(Pattern::new("set_*_rate").matches("set_sensor_rate"));
    assert!(Pattern::new("a*b*c").matches("aXbYbZc"));
    assert!(!Pattern::new("a*b*c").matches("aXbYbZ"));
    assert!(!Pattern::new("restart").matches("restart_all"));
}

#[test]
fn builtin_policy_lets_root_and_the_daemon_uid_call_everything() {
    let policy = CallPolicy::builtin(DAEMON_UID);

    for uid in [0, DAEMON_UID] {
        assert!(policy
            .check_call(&caller(uid, 0), "yunhal.sim.ISimControl", "tilt")
            .is_ok());
        assert!(policy
            .check_call(&caller(uid, 0), "yunhal.IDaemon", "restart")
            .is_ok());
    }
}

#[test]
fn builtin_policy_denies_others_the_simulator_and_every_state_changing_daemon_method() {
    let policy = CallPolicy::builtin(DAEMON_UID);
    let stranger = caller(1000, 1000);

    assert!(policy
        .check_call(&stranger, "yunhal.sim.ISimControl", "tilt")
        .is_err());
    for method in crate::api::DAEMON_STATE_CHANGING_METHODS {
        let denied = policy.check_call(&stranger, "yunhal.IDaemon", method);
        assert_eq!(
            denied.unwrap_err().exception_code(),
            Some(ExceptionCode::Security)
        );
    }
    assert!(policy
        .check_call(&stranger, "yunhal.IDaemon", "status")
        .is_ok());
    assert!(policy
        .check_call(&stranger, "yunhal.IDaemon", "dump")
        .is_ok());
    assert!(policy
        .check_call(&stranger, "yunhal.IServiceManager", "add_service")
        .is_ok());
    assert!(policy
        .check_call(&stranger, "yunhal.sensors.ISensors", "activate")
        .is_ok());
}

#[test]
fn denial_names_uid_pid_call_and_the_rule() {
    let policy = CallPolicy::builtin(DAEMON_UID);

    let denied = policy
        .check_call(&caller(1000, 1000), "yunhal.IDaemon", "restart")
        .unwrap_err();

    let text = denied.to_string();
    assert!(
        text.contains(&format!("uid 1000 (pid {OTHER_PID})")),
        "{text}"
    );
    assert!(text.contains("yunhal.IDaemon.restart"), "{text}");
    assert!(text.contains("built-in default policy:19"), "{text}");
}

#[test]
fn calls_from_the_daemon_process_itself_are_always_allowed() {
    let policy = policy("default = \"deny\"\n");
    let own = Caller {
        uid: 1000,
        gid: 1000,
        pid: std::process::id() as i32,
    };

    assert!(policy
        .check_call(&own, "yunhal.IServiceManager", "add_service")
        .is_ok());
    assert!(policy
        .check_call(&caller(1000, 1000), "yunhal.IServiceManager", "add_service")
        .is_err());
}

#[test]
fn first_matching_rule_decides_and_unmatched_calls_get_the_default() {
    let policy = policy(
        r#"
default = "allow"

[[rule]]
action = "allow"
uid = "alice"
service = "yunhal.modem.*"
method = ["dial", "hang_up"]

[[rule]]
action = "deny"
service = ["yunhal.modem.*", "yunhal.audio.IAudio"]
"#,
    );
    let alice = caller(1000, 1000);
    let bob = caller(1001, 1001);

    assert!(policy
        .check_call(&alice, "yunhal.modem.IModem", "dial")
        .is_ok());
    assert!(policy
        .check_call(&alice, "yunhal.modem.IModem", "send_sms")
        .is_err());
    assert!(policy
        .check_call(&bob, "yunhal.modem.IModem", "dial")
        .is_err());
    assert!(policy
        .check_call(&bob, "yunhal.audio.IAudio", "open")
        .is_err());
    assert!(policy
        .check_call(&bob, "yunhal.sensors.ISensors", "list")
        .is_ok());
}

#[test]
fn a_rule_with_uid_and_gid_needs_both_and_group_names_resolve() {
    let policy = policy("[[rule]]\naction = \"allow\"\nuid = [1000, 1002]\ngid = \"audio\"\n");

    assert!(policy
        .check_call(&caller(1000, 29), "yunhal.audio.IAudio", "open")
        .is_ok());
    assert!(policy
        .check_call(&caller(1000, 1000), "yunhal.audio.IAudio", "open")
        .is_err());
    assert!(policy
        .check_call(&caller(1001, 29), "yunhal.audio.IAudio", "open")
        .is_err());
}

#[test]
fn daemon_alias_resolves_to_the_daemon_uid() {
    let policy = policy("[[rule]]\naction = \"allow\"\nuid = \"@daemon\"\n");

    assert_eq!(policy.rules[0].uids, Some(vec![DAEMON_UID]));
}

#[test]
fn every_error_of_a_file_is_reported_with_line_column_and_key() {
    let text = r#"defualt = "deny"

[[rule]]
action = "permit"
uid = ["mallory", -1]
gid = 1.5
service = []
methd = "x"

[[rule]]
uid = 0
"#;

    let found = errors(text);

    assert_eq!(
        found,
        [
            "policy.toml:1:1: defualt: unknown key `defualt`; expected `default` or `rule`",
            "policy.toml:4:10: rule[0].action: expected \"allow\" or \"deny\"",
            "policy.toml:5:8: rule[0].uid[0]: no user named `mallory` in /etc/passwd",
            "policy.toml:5:19: rule[0].uid[1]: -1 is not a user id (0..=4294967295)",
            "policy.toml:6:7: rule[0].gid: expected a group id or name, or a list of them",
            "policy.toml:7:11: rule[0].service: an empty list matches nothing; leave the key out to match any",
            "policy.toml:8:1: rule[0].methd: unknown key `methd`; expected one of: action, uid, gid, service, method",
            "policy.toml:10:1: rule[1].action: required key is missing (\"allow\" or \"deny\")",
        ],
        "{found:#?}"
    );
}

#[test]
fn syntax_error_names_its_line() {
    let found = errors("[[rule]]\naction = \n");

    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("policy.toml:2:"), "{found:?}");
}

#[test]
fn load_names_the_path_in_errors() {
    let dir = std::env::temp_dir().join(format!("yh-policy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("p.toml");
    std::fs::write(&path, "[[rule]]\naction = \"maybe\"\n").unwrap();

    let error = CallPolicy::load(&path, DAEMON_UID).unwrap_err().to_string();
    std::fs::remove_dir_all(&dir).unwrap();

    assert_eq!(
        error,
        format!(
            "{}:2:10: rule[0].action: expected \"allow\" or \"deny\"",
            path.display()
        )
    );
}
