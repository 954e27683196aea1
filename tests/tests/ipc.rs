//! End-to-end tests of `yunhal-ipc` over real processes: a service manager,
//! services and clients are `ipc-peer` children (see `src/bin/ipc-peer`).
//! The hostile-input cases are in `ipc_malformed.rs`.

use std::os::unix::fs::PermissionsExt;
use std::process::Command;
use yunhal_ipc::ExceptionCode;
use yunhal_tests::harness::{Cluster, Peer, SAFETY_TIMEOUT};
use yunhal_tests::interfaces::{CallerIdentity, VERSIONED_SERVICE};
use yunhal_tests::outcome::Outcome;

const PEER: &str = env!("CARGO_BIN_EXE_ipc-peer");

/// The safety time-out handed to the service's blocking report methods.
fn safety_ms() -> u64 {
    SAFETY_TIMEOUT.as_millis() as u64
}

/// The safety net of waits that a bug seen in `yunhal-ipc` makes hang
/// forever: shorter than [`SAFETY_TIMEOUT`] so the suite stays fast while
/// it fails.
const HANG_GUARD: std::time::Duration = std::time::Duration::from_secs(3);

fn count(pids: &[i32], pid: i32) -> usize {
    pids.iter().filter(|&&p| p == pid).count()
}

#[test]
fn two_way_call_from_a_client_process_returns_the_service_answer() {
    let cluster = Cluster::start(PEER);
    let _service = cluster.service(&[]);
    let mut client = cluster.client();

    let echoed = client.ask("echo hello across processes");
    let sum = client.ask("add 2 40");

    assert_eq!(echoed, r#"ok "hello across processes""#);
    assert_eq!(sum, "ok 42");
}

#[test]
fn thousand_oneway_calls_arrive_in_order_before_a_later_two_way_call() {
    let cluster = Cluster::start(PEER);
    let _service = cluster.service(&[]);
    let mut client = cluster.client();

    // 1000 oneway `push(i)`, then the two-way `pushed()` on the same
    // connection, which must run after all of them.
    let seen = client.ask("push-then-read 1000");

    assert_eq!(seen, format!("ok {:?}", (0..1000u64).collect::<Vec<_>>()));
}

#[test]
fn callback_passed_by_a_client_is_called_back_two_way_and_oneway() {
    let cluster = Cluster::start(PEER);
    let _service = cluster.service(&[]);
    let mut client = cluster.client();
    assert_eq!(client.ask("register-callback"), "ok ()");

    let sum = client.ask("call-back 41");
    let called_with = client.expect("callback-value");
    let sent = client.ask("call-back-oneway 7");
    let event = client.expect("callback-event");

    assert_eq!(sum, "ok 42", "the callback answers value + 1");
    assert_eq!(called_with, "41");
    assert_eq!(sent, "ok ()");
    assert_eq!(event, "7");
}

#[test]
fn callback_calling_the_service_back_from_inside_a_two_way_call_completes() {
    let cluster = Cluster::start(PEER);
    let _service = cluster.service(&[]);
    let mut client = cluster.client();
    assert_eq!(client.ask("register-callback"), "ok ()");

    // client -> reenter_callbacks(5) -> callback reenter(5) -> add(5, 1)
    let sum = client.ask("reenter 5");
    let nested = client.expect("callback-reenter");

    assert_eq!(nested, "ok 6");
    assert_eq!(sum, "ok 6");
}

#[test]
fn callback_calling_the_service_back_from_inside_a_oneway_call_completes() {
    let cluster = Cluster::start(PEER);
    let _service = cluster.service(&[]);
    let mut client = cluster.client();
    assert_eq!(client.ask("register-callback"), "ok ()");

    // client -> oneway reenter_callbacks_oneway(5) -> callback reenter(5)
    // -> add(5, 1): the nested two-way call must not wait for the oneway
    // that is waiting for it.
    let sent = client.ask("reenter-oneway 5");
    let nested = client.expect_within("callback-reenter", HANG_GUARD);

    assert_eq!(sent, "ok ()");
    assert_eq!(nested, "ok 6");
}

#[test]
fn client_killed_with_sigkill_is_gone_once_and_its_callback_death_notice_fires_once() {
    let cluster = Cluster::start(PEER);
    let _service = cluster.service(&[]);
    let service = cluster.test_service();
    let mut client = cluster.client();
    assert_eq!(client.ask("register-callback"), "ok ()");
    let pid = client.pid();

    client.kill();
    let deaths = service
        .wait_client_gone(pid, safety_ms())
        .expect("wait_client_gone");
    // Ask again after another client's round trip: nothing fired twice.
    let mut other = cluster.client();
    assert_eq!(other.ask("echo after"), r#"ok "after""#);
    let later = service.wait_client_gone(pid, 0).expect("wait_client_gone");

    assert_eq!(
        count(&deaths.clients_gone, pid),
        1,
        "on_client_gone runs once: {deaths:?}"
    );
    assert_eq!(
        deaths.callbacks_died,
        vec![pid],
        "the callback's death notice fires once: {deaths:?}"
    );
    assert_eq!(
        deaths.callbacks_held, 0,
        "the service released the callback: {deaths:?}"
    );
    assert_eq!(later.callbacks_died, vec![pid], "{later:?}");
    assert_eq!(count(&later.clients_gone, pid), 1, "{later:?}");
}

#[test]
fn client_killed_mid_call_is_gone_and_the_service_thread_of_its_call_returns() {
    let cluster = Cluster::start(PEER);
    let _service = cluster.service(&[]);
    let service = cluster.test_service();
    let mut client = cluster.client();
    let pid = client.pid();
    client.send("park");
    let parked = service.wait_parked(pid, safety_ms()).expect("wait_parked");
    assert_eq!(
        parked.parked, 1,
        "the client's call is parked in the service: {parked:?}"
    );

    client.kill();
    let deaths = service
        .wait_client_gone(pid, safety_ms())
        .expect("wait_client_gone");

    assert_eq!(count(&deaths.clients_gone, pid), 1, "{deaths:?}");
    assert_eq!(deaths.parked, 0, "the parked call returned: {deaths:?}");
    let mut other = cluster.client();
    assert_eq!(other.ask("echo still served"), r#"ok "still served""#);
}

#[test]
fn client_killed_while_holding_the_service_object_it_was_handed_is_gone_once() {
    let cluster = Cluster::start(PEER);
    let _service = cluster.service(&[]);
    let service = cluster.test_service();
    let mut client = cluster.client();
    assert!(client.ask("myself").starts_with("ok "));
    let pid = client.pid();

    client.kill();
    let deaths = service
        .wait_client_gone(pid, safety_ms())
        .expect("wait_client_gone");

    assert_eq!(
        count(&deaths.clients_gone, pid),
        1,
        "on_client_gone runs once per connection: {deaths:?}"
    );
}

#[test]
fn service_object_handed_out_in_a_reply_is_the_same_object_as_the_registered_one() {
    let cluster = Cluster::start(PEER);
    let _service = cluster.service(&[]);
    let mut client = cluster.client();

    let same = client.ask("myself");

    assert_eq!(
        same, "ok true",
        "Strong::same_object on the two proxies of the one service object"
    );
}

#[test]
fn service_killed_with_sigkill_notifies_every_linked_client_once_and_calls_fail_with_dead_object() {
    let cluster = Cluster::start(PEER);
    let mut service = cluster.service(&[]);
    let mut first = cluster.client();
    let mut second = cluster.client();
    assert_eq!(first.ask("link-death"), "ok ()");
    assert_eq!(second.ask("link-death"), "ok ()");

    service.kill();
    let first_notice = first.expect("service-died");
    let second_notice = second.expect("service-died");
    let call_after = first.ask_outcome("echo anyone there");

    assert_eq!(first_notice, "1");
    assert_eq!(second_notice, "1");
    assert!(call_after.is_dead_object(), "{call_after:?}");
    assert_eq!(first.ask("service-deaths"), "1", "the recipient fired once");
    assert_eq!(
        second.ask("service-deaths"),
        "1",
        "the recipient fired once"
    );
    let late_link = first.ask_outcome("link-death");
    assert!(
        late_link.is_dead_object(),
        "linking to a dead object fails: {late_link:?}"
    );
}

#[test]
fn service_killed_mid_call_fails_the_call_with_dead_object() {
    let cluster = Cluster::start(PEER);
    let mut service = cluster.service(&[]);
    let proxy = cluster.test_service();
    let mut client = cluster.client();
    client.send("park");
    let parked = proxy
        .wait_parked(client.pid(), safety_ms())
        .expect("wait_parked");
    assert_eq!(parked.parked, 1, "{parked:?}");

    service.kill();
    let answer = Outcome::parse(&client.expect("park"));

    assert!(answer.is_dead_object(), "{answer:?}");
}

#[test]
fn memfd_sent_by_the_service_is_memory_shared_with_the_client() {
    let cluster = Cluster::start(PEER);
    let _service = cluster.service(&[]);
    let mut client = cluster.client();

    // The service writes into its mapping and sends the memfd; the client
    // maps it, reads, writes at another offset, and the service reads that
    // through its own mapping.
    let service_saw = client.ask("share-memory written by the service");
    let client_saw = client.expect("shared-read");

    assert_eq!(client_saw, "written by the service");
    assert_eq!(
        service_saw,
        format!("ok {:?}", format!("client {}", client.pid()))
    );
}

#[test]
fn reply_over_the_message_limit_fails_the_call_instead_of_leaving_it_waiting() {
    let cluster = Cluster::start(PEER);
    let _service = cluster.service(&[]);
    let mut client = cluster.client();
    assert_eq!(client.ask("big-reply 1000"), "ok 1000");

    client.send("big-reply 2097152");
    let answer = client.expect_within("big-reply", HANG_GUARD);

    assert!(
        answer.contains("TooLarge"),
        "a typed error for the 2 MiB reply: {answer}"
    );
}

#[test]
fn caller_identity_is_the_client_process_pid_uid_gid_and_pidfd() {
    let cluster = Cluster::start(PEER);
    let _service = cluster.service(&[]);
    let mut client = cluster.client();

    let answer = client.ask("whoami");

    let expected = CallerIdentity {
        pid: client.pid(),
        uid: rustix::process::getuid().as_raw(),
        gid: rustix::process::getgid().as_raw(),
        pidfd_pid: Some(client.pid()),
    };
    assert_eq!(answer, format!("ok {expected:?}"));
}

#[test]
fn policy_denying_a_method_gives_a_security_exception_and_other_methods_still_work() {
    let cluster = Cluster::start(PEER);
    let _service = cluster.service(&["--policy", "deny-method:echo"]);
    let mut client = cluster.client();

    let denied = client.ask_outcome("echo let me in");
    let allowed = client.ask("add 1 2");

    assert!(
        denied.exception_message(ExceptionCode::Security).is_some(),
        "{denied:?}"
    );
    assert_eq!(allowed, "ok 3");
}

#[test]
fn policy_keyed_on_uid_denies_that_uid_only() {
    if !rustix::process::getuid().is_root() {
        eprintln!("skipped: starting a client as uid 65534 needs root");
        return;
    }
    let cluster = Cluster::start(PEER);
    let _service = cluster.service(&["--policy", "deny-uid:65534:echo"]);
    let mut root_client = cluster.client();
    let mut nobody = start_client_as_nobody(&cluster);

    let nobody_echo = nobody.ask_outcome("echo let me in");
    let nobody_identity = nobody.ask("whoami");
    let root_echo = root_client.ask("echo root may");

    assert!(
        nobody_echo
            .exception_message(ExceptionCode::Security)
            .is_some(),
        "{nobody_echo:?}"
    );
    let expected = CallerIdentity {
        pid: nobody.pid(),
        uid: 65534,
        gid: 65534,
        pidfd_pid: Some(nobody.pid()),
    };
    assert_eq!(nobody_identity, format!("ok {expected:?}"));
    assert_eq!(root_echo, r#"ok "root may""#);
}

/// An interactive client running as uid/gid 65534: the sockets and a copy
/// of `ipc-peer` are opened to everyone (the build dir may not be).
fn start_client_as_nobody(cluster: &Cluster) -> Peer {
    use std::os::unix::process::CommandExt;
    let dir = cluster.dir();
    dir.open_to_all();
    let endpoint = cluster
        .info(yunhal_tests::interfaces::TEST_SERVICE)
        .endpoint;
    for socket in [cluster.socket(), std::path::Path::new(&endpoint)] {
        std::fs::set_permissions(socket, std::fs::Permissions::from_mode(0o777))
            .expect("chmod socket");
    }
    let binary = dir.path().join("ipc-peer");
    std::fs::copy(PEER, &binary).expect("copy ipc-peer");
    std::fs::set_permissions(&binary, std::fs::Permissions::from_mode(0o755))
        .expect("chmod ipc-peer");
    let mut command = Command::new(&binary);
    command
        .arg("client")
        .arg("--socket")
        .arg(cluster.socket())
        .uid(65534)
        .gid(65534);
    cluster.start_client(command)
}

#[test]
fn newer_client_calling_a_v2_method_on_a_v1_service_gets_unknown_method_naming_both_versions() {
    let cluster = Cluster::start(PEER);
    let _service = cluster.service(&[]);
    let mut client = cluster.client();
    assert_eq!(cluster.info(VERSIONED_SERVICE).version, 1);

    let old_method = client.ask("v2-name");
    let new_method = client.ask_outcome("v2-added");

    assert_eq!(
        old_method, r#"ok "versioned v1""#,
        "methods of both versions still work"
    );
    let message = new_method
        .exception_message(ExceptionCode::UnknownMethod)
        .unwrap_or_else(|| panic!("{new_method:?}"));
    assert!(
        message.contains("version 1"),
        "names the service's version: {message}"
    );
    assert!(
        message.contains("version 2"),
        "names the caller's version: {message}"
    );
}

#[test]
fn fifty_concurrent_client_processes_each_get_200_correct_answers() {
    let cluster = Cluster::start(PEER);
    let _service = cluster.service(&[]);

    let mut clients: Vec<Peer> = (0..50)
        .map(|_| {
            Peer::spawn(
                "load client",
                cluster.command("client", &["--", "load 200"]),
            )
        })
        .collect();

    for client in &mut clients {
        let done = client.expect("load");
        assert_eq!(
            Outcome::parse(&done),
            Outcome::Ok("200".into()),
            "pid {}",
            client.pid()
        );
        assert!(
            client.wait_exit().success(),
            "pid {}: {}",
            client.pid(),
            client.stderr()
        );
    }
}
