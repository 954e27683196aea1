//! The supervisor against a real in-process service manager, with a manual
//! clock: restarts and the give-up rule are tested without sleeping.

use super::*;
use crate::api::ServiceState;
use std::sync::atomic::{AtomicU32, AtomicU64};
use std::sync::Mutex;
use std::time::Duration;
use yunhal_ipc::{ServiceManagerService, TransportError};

yunhal_ipc::interface! {
    trait IPing: "yunhal.test.IPing", version 1 {
        /// The instance's generation (1 for the first start).
        1 => fn ping() -> u64;
        /// Panics inside `FaultReporter::guard`.
        2 => fn crash();
    }
}

struct ManualClock(Mutex<Instant>);

impl ManualClock {
    fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        *self.0.lock().unwrap()
    }
}

/// A service whose failures the test injects.
#[derive(Default)]
struct Flaky {
    name: String,
    starts: AtomicU64,
    /// The next `fail_starts` starts return an error; then `panic_starts` panic.
    fail_starts: AtomicU32,
    panic_starts: AtomicU32,
    faults: Mutex<Option<FaultReporter>>,
    log: Option<Arc<Mutex<Vec<String>>>>,
}

struct PingObject {
    generation: u64,
    faults: FaultReporter,
}

impl IPing for PingObject {
    fn ping(&self) -> Result<u64, Status> {
        Ok(self.generation)
    }
    fn crash(&self) -> Result<(), Status> {
        self.faults
            .guard("crash", || panic!("driver state corrupt"))
    }
}

impl Flaky {
    fn new(name: &str) -> Arc<Flaky> {
        Arc::new(Flaky {
            name: name.to_owned(),
            ..Flaky::default()
        })
    }

    fn reporter(&self) -> FaultReporter {
        self.faults.lock().unwrap().clone().expect("started")
    }
}

impl HalService for Flaky {
    fn name(&self) -> &str {
        &self.name
    }
    fn descriptor(&self) -> &'static str {
        <dyn IPing as Interface>::DESCRIPTOR
    }
    fn version(&self) -> u32 {
        1
    }
    fn start(&self, ctx: &ServiceContext) -> Result<(), ServiceError> {
        let generation = self.starts.fetch_add(1, Ordering::SeqCst) + 1;
        if let Some(log) = &self.log {
            log.lock().unwrap().push(format!("start {}", self.name));
        }
        if self.fail_starts.load(Ordering::SeqCst) > 0 {
            self.fail_starts.fetch_sub(1, Ordering::SeqCst);
            return Err(ServiceError::Driver("no ACK from 0x68".into()));
        }
        if self.panic_starts.load(Ordering::SeqCst) > 0 {
            self.panic_starts.fetch_sub(1, Ordering::SeqCst);
            panic!("register map mismatch");
        }
        *self.faults.lock().unwrap() = Some(ctx.faults());
        let object: Arc<dyn IPing> = Arc::new(PingObject {
            generation,
            faults: ctx.faults(),
        });
        ctx.publish(&Strong::new(object))
    }
    fn stop(&self) {
        if let Some(log) = &self.log {
            log.lock().unwrap().push(format!("stop {}", self.name));
        }
    }
    fn dump(&self) -> serde_json::Value {
        serde_json::json!({ "starts": self.starts.load(Ordering::SeqCst) })
    }
}

struct World {
    dir: PathBuf,
    _sm_rt: Runtime,
    clock: Arc<ManualClock>,
    supervisor: Supervisor,
    client_rt: Runtime,
    client: ServiceManager,
}

impl Drop for World {
    fn drop(&mut self) {
        self.supervisor.stop_all();
        self.client_rt.shutdown();
        self._sm_rt.shutdown();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn world(services: Vec<Arc<Flaky>>) -> World {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "yh-sup-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let sm_rt = Runtime::new().unwrap();
    let socket = dir.join("sm.sock");
    ServiceManagerService::serve(&sm_rt, &socket).unwrap();
    let clock = Arc::new(ManualClock(Mutex::new(Instant::now())));
    let mut supervisor = Supervisor::new(SupervisorConfig::new(&socket), clock.clone());
    for service in services {
        supervisor.add(service);
    }
    supervisor.start_all();
    let client_rt = Runtime::new().unwrap();
    let client = ServiceManager::connect_at(&client_rt, &socket).unwrap();
    World {
        dir,
        _sm_rt: sm_rt,
        clock,
        supervisor,
        client_rt,
        client,
    }
}

impl World {
    fn state(&self, name: &str) -> ServiceState {
        self.status(name).state
    }

    fn status(&self, name: &str) -> crate::api::ServiceStatus {
        let all = self.supervisor.handle().status();
        all.into_iter().find(|s| s.name == name).unwrap()
    }

    fn ping(&self, name: &str) -> Result<u64, Status> {
        self.client
            .wait_for_service::<dyn IPing>(name, Duration::from_secs(5))?
            .ping()
    }

    /// Reports a fault and lets the supervisor handle it.
    fn fail(&mut self, service: &Flaky) {
        service.reporter().report("bus error");
        assert!(self.supervisor.process_events());
    }

    fn advance_and_process(&mut self, by: Duration) {
        self.clock.advance(by);
        assert!(self.supervisor.process_events());
    }
}

const A: &str = "yunhal.test.IPing/a";
const B: &str = "yunhal.test.IPing/b";

#[test]
fn failed_service_restarts_after_backoff_and_its_clients_see_death_then_reconnect() {
    let a = Flaky::new(A);
    let mut w = world(vec![a.clone()]);
    let old = w.client.get_service::<dyn IPing>(A).unwrap();
    assert_eq!(old.ping().unwrap(), 1);
    assert_eq!(w.status(A).clients, 1);
    let (died_tx, died) = mpsc::channel();
    let died_tx = Mutex::new(died_tx);
    old.handle()
        .unwrap()
        .link_to_death(Arc::new(move |_: &yunhal_ipc::Handle| {
            died_tx.lock().unwrap().send(()).unwrap();
        }))
        .unwrap();

    w.fail(&a);

    assert_eq!(
        w.state(A),
        ServiceState::Restarting {
            attempt: 1,
            next_in_ms: 100
        }
    );
    died.recv_timeout(Duration::from_secs(5))
        .expect("death notice");
    assert_eq!(
        old.ping().unwrap_err(),
        Status::Transport(TransportError::DeadObject)
    );
    w.advance_and_process(Duration::from_millis(99));
    assert!(matches!(
        w.state(A),
        ServiceState::Restarting { next_in_ms: 1, .. }
    ));
    w.advance_and_process(Duration::from_millis(1));
    assert_eq!(w.state(A), ServiceState::Running);
    assert_eq!(w.ping(A).unwrap(), 2, "the client reaches the new instance");
    let status = w.status(A);
    assert_eq!(
        (status.restarts, status.last_error.as_deref()),
        (1, Some("bus error"))
    );
}

#[test]
fn fifth_failure_within_four_minutes_marks_the_service_failed_and_it_is_not_retried() {
    let a = Flaky::new(A);
    let mut w = world(vec![a.clone()]);

    for attempt in 1..=4u32 {
        w.fail(&a);
        let delay = RestartPolicy::default().delay(attempt);
        assert_eq!(
            w.state(A),
            ServiceState::Restarting {
                attempt,
                next_in_ms: delay.as_millis() as u64
            }
        );
        w.advance_and_process(delay);
        assert_eq!(w.state(A), ServiceState::Running);
    }
    w.fail(&a);
    w.advance_and_process(Duration::from_secs(3600));

    let ServiceState::Failed { reason } = w.state(A) else {
        panic!("{:?}", w.state(A));
    };
    assert_eq!(reason, "5 failures within 240 s; last: bus error");
    assert_eq!(a.starts.load(Ordering::SeqCst), 5);
    let reached = w.client.get_service::<dyn IPing>(A).and_then(|p| p.ping());
    assert!(reached.is_err(), "{reached:?}");
}

#[test]
fn failures_spread_over_more_than_four_minutes_keep_being_restarted() {
    let a = Flaky::new(A);
    let mut w = world(vec![a.clone()]);

    for _ in 0..8 {
        w.fail(&a);
        w.advance_and_process(Duration::from_secs(61));
        assert_eq!(w.state(A), ServiceState::Running);
    }

    assert_eq!(w.status(A).restarts, 8);
}

#[test]
fn other_services_keep_serving_while_one_restarts() {
    let (a, b) = (Flaky::new(A), Flaky::new(B));
    let mut w = world(vec![a.clone(), b.clone()]);
    let b_proxy = w.client.get_service::<dyn IPing>(B).unwrap();

    w.fail(&a);

    assert!(matches!(w.state(A), ServiceState::Restarting { .. }));
    assert_eq!(w.state(B), ServiceState::Running);
    assert_eq!(
        b_proxy.ping().unwrap(),
        1,
        "b's clients keep their connection"
    );
}

#[test]
fn start_error_and_start_panic_count_as_failures_and_are_restarted() {
    let a = Flaky::new(A);
    a.fail_starts.store(1, Ordering::SeqCst);
    a.panic_starts.store(1, Ordering::SeqCst);
    let mut w = world(vec![a.clone()]);
    let first = w.status(A);

    w.advance_and_process(Duration::from_millis(100));
    let second = w.status(A);
    w.advance_and_process(Duration::from_millis(200));

    assert_eq!(
        first.last_error.as_deref(),
        Some("driver failed: no ACK from 0x68")
    );
    assert!(matches!(
        first.state,
        ServiceState::Restarting { attempt: 1, .. }
    ));
    assert_eq!(
        second.last_error.as_deref(),
        Some("start panicked: register map mismatch")
    );
    assert!(matches!(
        second.state,
        ServiceState::Restarting { attempt: 2, .. }
    ));
    assert_eq!(w.state(A), ServiceState::Running);
    assert_eq!(w.ping(A).unwrap(), 3);
}

#[test]
fn panic_inside_guard_fails_the_call_and_restarts_the_service() {
    let a = Flaky::new(A);
    let mut w = world(vec![a.clone()]);

    let error = w
        .client
        .get_service::<dyn IPing>(A)
        .unwrap()
        .crash()
        .unwrap_err();
    assert!(w.supervisor.process_events());

    assert_eq!(error.exception_code(), Some(ExceptionCode::ServiceFailed));
    assert!(error
        .to_string()
        .contains("crash panicked: driver state corrupt"));
    assert!(matches!(
        w.state(A),
        ServiceState::Restarting { attempt: 1, .. }
    ));
}

#[test]
fn panic_in_a_spawned_worker_is_reported_as_a_failure() {
    let a = Flaky::new(A);
    let mut w = world(vec![a.clone()]);
    let ctx_faults = a.reporter();
    let ctx = ServiceContext {
        name: A.into(),
        descriptor: "yunhal.test.IPing",
        runtime: Runtime::new().unwrap(),
        service_manager: w.client.clone(),
        faults: ctx_faults,
        published: AtomicBool::new(false),
    };

    ctx.spawn("poll-accel", || panic!("FIFO overflow"))
        .unwrap()
        .join()
        .unwrap();
    assert!(w.supervisor.process_events());

    assert_eq!(
        w.status(A).last_error.as_deref(),
        Some("poll-accel panicked: FIFO overflow")
    );
    assert!(matches!(w.state(A), ServiceState::Restarting { .. }));
}

#[test]
fn fault_reported_by_an_earlier_instance_is_ignored() {
    let a = Flaky::new(A);
    let mut w = world(vec![a.clone()]);
    let first_instance = a.reporter();
    w.fail(&a);
    w.advance_and_process(Duration::from_millis(100));

    first_instance.report("late report from a dead worker");
    assert!(w.supervisor.process_events());

    assert_eq!(w.state(A), ServiceState::Running);
}

#[test]
fn restart_request_revives_a_failed_service_with_a_clean_history() {
    let a = Flaky::new(A);
    let mut w = world(vec![a.clone()]);
    for _ in 0..5 {
        w.fail(&a);
        w.advance_and_process(Duration::from_secs(1));
    }
    assert!(matches!(w.state(A), ServiceState::Failed { .. }));

    w.supervisor.handle().restart(A).unwrap();
    assert!(w.supervisor.process_events());
    w.fail(&a);

    assert!(matches!(
        w.state(A),
        ServiceState::Restarting { attempt: 1, .. }
    ));
    assert!(w.supervisor.handle().restart("nope").is_err());
}

#[test]
fn shutdown_stops_services_in_reverse_order_and_unregisters_them() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let service = |name: &str| {
        Arc::new(Flaky {
            name: name.into(),
            log: Some(log.clone()),
            ..Flaky::default()
        })
    };
    let mut w = world(vec![service(A), service(B)]);
    let a_proxy = w.client.get_service::<dyn IPing>(A).unwrap();

    w.supervisor.handle().shutdown();
    assert!(!w.supervisor.process_events());

    assert_eq!(
        *log.lock().unwrap(),
        [
            "start yunhal.test.IPing/a",
            "start yunhal.test.IPing/b",
            "stop yunhal.test.IPing/b",
            "stop yunhal.test.IPing/a"
        ]
    );
    assert_eq!(w.state(A), ServiceState::Stopped);
    assert!(a_proxy.ping().unwrap_err().is_dead_object());
}

#[test]
fn dump_holds_the_supervisor_view_and_the_service_state() {
    let a = Flaky::new(A);
    let w = world(vec![a]);

    let dump = w.supervisor.handle().dump(A).unwrap();

    assert_eq!(dump["supervisor"]["state"], "running");
    assert_eq!(dump["supervisor"]["name"], A);
    assert_eq!(dump["service"]["starts"], 1);
    assert!(w.supervisor.handle().dump("nope").is_none());
}
