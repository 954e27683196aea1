//! The policy, end to end: a denied call reaches `yunctl` as a security
//! error naming the method; the built-in default keeps state-changing
//! methods from other users.

mod common;

use common::*;

const DAEMON: &str = "yunhal.IDaemon/default";

#[test]
fn policy_denying_a_method_gives_yunctl_a_security_error_naming_it() {
    let dir = TestDir::new();
    let uid = rustix::process::getuid().as_raw();
    let policy = dir.write(
        "policy.toml",
        &format!(
            "[[rule]]\naction = \"deny\"\nuid = {uid}\nservice = \"yunhal.IDaemon\"\nmethod = \"dump\"\n\n[[rule]]\naction = \"allow\"\n"
        ),
    );
    let daemon = Daemon::start(&dir, &["--policy", policy.to_str().unwrap()]);

    let denied = yunctl(&dir, &["dump", DAEMON]);
    let allowed = yunctl(&dir, &["list"]);

    let err = stderr(&denied);
    assert_eq!(denied.status.code(), Some(1), "{err}");
    assert!(err.contains("security exception"), "{err}");
    assert!(err.contains(&format!("uid {uid} (pid ")), "{err}");
    assert!(err.contains("may not call yunhal.IDaemon.dump"), "{err}");
    assert!(err.contains("policy.toml:1"), "names the rule: {err}");
    assert!(allowed.status.success(), "{}", stderr(&allowed));
    assert!(
        daemon.log().contains("denied yunhal.IDaemon.dump"),
        "the daemon logs it:\n{}",
        daemon.log()
    );
}

#[test]
fn default_policy_lets_another_user_list_but_not_restart_nor_use_the_modem() {
    if !rustix::process::getuid().is_root() {
        eprintln!("skipped: needs root to run yunctl as another user");
        return;
    }
    use std::os::unix::process::CommandExt;
    let dir = TestDir::new();
    let _daemon = Daemon::start(&dir, &[]);
    let as_nobody = |args: &[&str]| yunctl_command(&dir, args).uid(65534).gid(65534).output();

    let list = match as_nobody(&["list", "--json"]) {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            eprintln!("skipped: user 65534 cannot run {YUNCTL}: {e}");
            return;
        }
        Err(e) => panic!("{e}"),
    };
    let restart = as_nobody(&["restart", "yunhal.nope.INope/default"]).unwrap();
    let sim = as_nobody(&["sim", "sensors", "light", "5"]).unwrap();
    let inject = as_nobody(&["sim", "sensors", "inject", "light", "5"]).unwrap();
    let sensors = as_nobody(&["sensors", "list", "--json"]).unwrap();
    let modem = as_nobody(&["modem", "dial", "+15550100"]).unwrap();

    assert_eq!(json(&list)["services"][0]["state"], "running");
    assert_eq!(restart.status.code(), Some(1));
    let err = stderr(&restart);
    assert!(err.contains("uid 65534"), "{err}");
    assert!(err.contains("may not call yunhal.IDaemon.restart"), "{err}");
    assert!(err.contains("built-in default policy"), "{err}");
    assert_eq!(sim.status.code(), Some(1));
    let err = stderr(&sim);
    assert!(
        err.contains("may not call yunhal.sim.ISimControl.set_light"),
        "{err}"
    );
    assert_eq!(inject.status.code(), Some(1));
    let err = stderr(&inject);
    assert!(
        err.contains("may not call yunhal.sensors.ISensors.inject"),
        "{err}"
    );
    assert_eq!(modem.status.code(), Some(1));
    let err = stderr(&modem);
    assert!(
        err.contains("may not call yunhal.modem.IModem.dial"),
        "{err}"
    );
    assert!(sensors.status.success(), "{}", stderr(&sensors));
    assert_eq!(json(&sensors).as_array().unwrap().len(), 6);
}
