//! The service roles: the service manager, and the test service with its
//! optional policy.

use rustix::fd::{AsRawFd, BorrowedFd};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};
use yunhal_ipc::{
    caller, Fd, Handle, PeerInfo, Policy, Runtime, ServiceManager, ServiceManagerService, Status,
    Strong,
};
use yunhal_tests::interfaces::{
    CallerIdentity, Deaths, ICallback, ITestService, IVersionedV1, Mode, TEST_SERVICE,
    VERSIONED_SERVICE,
};
use yunhal_tests::shared_memory::SharedMapping;

pub fn run_service_manager(socket: &Path) -> anyhow::Result<()> {
    let rt = Runtime::new()?;
    let _service = ServiceManagerService::serve(&rt, socket)?;
    println!("ready");
    rt.join_thread_pool();
    Ok(())
}

pub fn run_service(socket: &Path, name: Option<&str>, policy: &[String]) -> anyhow::Result<()> {
    let rt = Runtime::new()?;
    if !policy.is_empty() {
        rt.set_policy(Arc::new(RulePolicy::parse(policy)?));
    }
    let sm = ServiceManager::connect_at(&rt, socket)?;
    let test: Arc<dyn ITestService> = Arc::new_cyclic(|me| TestService {
        shared: Arc::default(),
        mapping: Mutex::default(),
        me: me.clone(),
    });
    sm.add_service(name.unwrap_or(TEST_SERVICE), &Strong::new(test))?;
    let versioned: Arc<dyn IVersionedV1> = Arc::new(VersionedV1);
    sm.add_service(VERSIONED_SERVICE, &Strong::new(versioned))?;
    println!("ready");
    rt.join_thread_pool();
    Ok(())
}

/// Denies methods by name, for everyone or for one uid.
struct RulePolicy(Vec<Rule>);

enum Rule {
    DenyMethod(String),
    DenyUidMethod(u32, String),
}

impl RulePolicy {
    fn parse(rules: &[String]) -> anyhow::Result<RulePolicy> {
        let parse_one = |rule: &String| -> anyhow::Result<Rule> {
            if let Some(method) = rule.strip_prefix("deny-method:") {
                return Ok(Rule::DenyMethod(method.to_string()));
            }
            if let Some(rest) = rule.strip_prefix("deny-uid:") {
                let (uid, method) = rest
                    .split_once(':')
                    .ok_or_else(|| anyhow::anyhow!("deny-uid:UID:METHOD"))?;
                return Ok(Rule::DenyUidMethod(uid.parse()?, method.to_string()));
            }
            anyhow::bail!("unknown policy rule {rule:?}")
        };
        Ok(RulePolicy(
            rules.iter().map(parse_one).collect::<anyhow::Result<_>>()?,
        ))
    }
}

impl Policy for RulePolicy {
    fn check(&self, caller: &PeerInfo, descriptor: &str, method: &str) -> Result<(), Status> {
        let denied = self.0.iter().any(|rule| match rule {
            Rule::DenyMethod(m) => m == method,
            Rule::DenyUidMethod(uid, m) => *uid == caller.uid && m == method,
        });
        if denied {
            return Err(Status::security(format!(
                "{descriptor}.{method} is denied to uid {}",
                caller.uid
            )));
        }
        Ok(())
    }
}

struct VersionedV1;

impl IVersionedV1 for VersionedV1 {
    fn name(&self) -> Result<String, Status> {
        Ok("versioned v1".into())
    }
}

struct HeldCallback {
    connection: u64,
    callback: Strong<dyn ICallback>,
}

#[derive(Default)]
struct State {
    pushed: HashMap<i32, Vec<u64>>,
    callbacks: Vec<HeldCallback>,
    clients_gone: Vec<i32>,
    callbacks_died: Vec<i32>,
    gone_connections: HashSet<u64>,
    /// Parked calls: (connection, pid).
    parked: Vec<(u64, i32)>,
}

/// The state, shared with the death recipients the service links.
#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits until `done` holds (or `timeout`), then reports.
    fn wait_then_report(&self, timeout: Duration, done: impl Fn(&State) -> bool) -> Deaths {
        let deadline = Instant::now() + timeout;
        let mut st = self.lock();
        while !done(&st) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            st = self
                .changed
                .wait_timeout(st, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        Deaths {
            clients_gone: st.clients_gone.clone(),
            callbacks_died: st.callbacks_died.clone(),
            callbacks_held: st.callbacks.len() as u32,
            parked: st.parked.len() as u32,
        }
    }
}

struct TestService {
    shared: Arc<Shared>,
    mapping: Mutex<Option<SharedMapping>>,
    /// For handing itself out.
    me: Weak<TestService>,
}

fn current_caller() -> Result<Arc<PeerInfo>, Status> {
    caller().ok_or_else(|| Status::illegal_state("no caller"))
}

/// The pid a pidfd names, from `/proc/self/fdinfo`.
fn pidfd_pid(pidfd: BorrowedFd<'_>) -> Option<i32> {
    let info = std::fs::read_to_string(format!("/proc/self/fdinfo/{}", pidfd.as_raw_fd())).ok()?;
    info.lines()
        .find_map(|l| l.strip_prefix("Pid:"))
        .and_then(|p| p.trim().parse().ok())
}

impl TestService {
    fn callbacks_of(&self, connection: u64) -> Vec<Strong<dyn ICallback>> {
        let st = self.shared.lock();
        st.callbacks
            .iter()
            .filter(|h| h.connection == connection)
            .map(|h| h.callback.clone())
            .collect()
    }
}

impl ITestService for TestService {
    fn echo(&self, text: String) -> Result<String, Status> {
        Ok(text)
    }

    fn add(&self, a: u64, b: u64) -> Result<u64, Status> {
        a.checked_add(b)
            .ok_or_else(|| Status::illegal_argument("overflow"))
    }

    fn whoami(&self) -> Result<CallerIdentity, Status> {
        let peer = current_caller()?;
        Ok(CallerIdentity {
            pid: peer.pid,
            uid: peer.uid,
            gid: peer.gid,
            pidfd_pid: peer.pidfd().and_then(pidfd_pid),
        })
    }

    fn push(&self, seq: u64) -> Result<(), Status> {
        let pid = current_caller()?.pid;
        self.shared.lock().pushed.entry(pid).or_default().push(seq);
        Ok(())
    }

    fn pushed(&self) -> Result<Vec<u64>, Status> {
        let pid = current_caller()?.pid;
        Ok(self
            .shared
            .lock()
            .pushed
            .get(&pid)
            .cloned()
            .unwrap_or_default())
    }

    fn register_callback(&self, callback: Strong<dyn ICallback>) -> Result<(), Status> {
        let peer = current_caller()?;
        let handle = callback
            .handle()
            .ok_or_else(|| Status::illegal_argument("callback is not remote"))?;
        let shared: Weak<Shared> = Arc::downgrade(&self.shared);
        let owner = handle.peer().pid;
        handle.link_to_death(Arc::new(move |_: &Handle| {
            if let Some(shared) = shared.upgrade() {
                shared.lock().callbacks_died.push(owner);
                shared.changed.notify_all();
            }
        }))?;
        self.shared.lock().callbacks.push(HeldCallback {
            connection: peer.connection,
            callback,
        });
        Ok(())
    }

    fn call_back(&self, value: u64) -> Result<u64, Status> {
        let callbacks = self.callbacks_of(current_caller()?.connection);
        callbacks.iter().map(|c| c.on_value(value)).sum()
    }

    fn call_back_oneway(&self, value: u64) -> Result<(), Status> {
        for callback in self.callbacks_of(current_caller()?.connection) {
            callback.on_event(value)?;
        }
        Ok(())
    }

    fn wait_client_gone(&self, pid: i32, timeout_ms: u64) -> Result<Deaths, Status> {
        // Gone, and none of its calls still parked: their threads are back.
        Ok(self
            .shared
            .wait_then_report(Duration::from_millis(timeout_ms), |st| {
                st.clients_gone.contains(&pid) && !st.parked.iter().any(|&(_, p)| p == pid)
            }))
    }

    fn share_memory(&self, len: u64, text: String) -> Result<Fd, Status> {
        let os = |e: std::io::Error| Status::illegal_state(format!("memfd: {e}"));
        let fd = rustix::fs::memfd_create("yunhal-test-shared", rustix::fs::MemfdFlags::CLOEXEC)
            .map_err(|e| os(e.into()))?;
        rustix::fs::ftruncate(&fd, len).map_err(|e| os(e.into()))?;
        let len = usize::try_from(len).map_err(|_| Status::illegal_argument("len"))?;
        let mapping = SharedMapping::new(&fd, len).map_err(os)?;
        mapping
            .write(0, text.as_bytes())
            .map_err(|e| Status::illegal_argument(e.to_string()))?;
        *self.mapping.lock().unwrap_or_else(|p| p.into_inner()) = Some(mapping);
        Ok(Fd::new(fd))
    }

    fn read_shared(&self, offset: u64, len: u64) -> Result<Vec<u8>, Status> {
        let mapping = self.mapping.lock().unwrap_or_else(|p| p.into_inner());
        let mapping = mapping
            .as_ref()
            .ok_or_else(|| Status::illegal_state("no shared memory yet"))?;
        mapping
            .read(offset as usize, len as usize)
            .map_err(|e| Status::illegal_argument(e.to_string()))
    }

    fn set_mode(&self, mode: Mode) -> Result<Mode, Status> {
        Ok(mode)
    }

    fn park(&self) -> Result<(), Status> {
        let peer = current_caller()?;
        let mut st = self.shared.lock();
        st.parked.push((peer.connection, peer.pid));
        self.shared.changed.notify_all();
        while !st.gone_connections.contains(&peer.connection) {
            st = self
                .shared
                .changed
                .wait(st)
                .unwrap_or_else(|p| p.into_inner());
        }
        st.parked.retain(|&(c, _)| c != peer.connection);
        self.shared.changed.notify_all();
        Ok(())
    }

    fn wait_parked(&self, pid: i32, timeout_ms: u64) -> Result<Deaths, Status> {
        Ok(self
            .shared
            .wait_then_report(Duration::from_millis(timeout_ms), |st| {
                st.parked.iter().any(|&(_, p)| p == pid)
            }))
    }

    fn reenter_callbacks(&self, value: u64) -> Result<u64, Status> {
        let callbacks = self.callbacks_of(current_caller()?.connection);
        callbacks.iter().map(|c| c.reenter(value)).sum()
    }

    fn reenter_callbacks_oneway(&self, value: u64) -> Result<(), Status> {
        self.reenter_callbacks(value).map(drop)
    }

    fn myself(&self) -> Result<Strong<dyn ITestService>, Status> {
        let me: Arc<dyn ITestService> = self
            .me
            .upgrade()
            .ok_or_else(|| Status::illegal_state("shutting down"))?;
        Ok(Strong::new(me))
    }

    fn on_client_gone(&self, peer: &PeerInfo) {
        let released: Vec<HeldCallback> = {
            let mut st = self.shared.lock();
            st.clients_gone.push(peer.pid);
            st.gone_connections.insert(peer.connection);
            let (gone, kept) = std::mem::take(&mut st.callbacks)
                .into_iter()
                .partition(|h| h.connection == peer.connection);
            st.callbacks = kept;
            gone
        };
        // Dropped outside the lock: dropping a handle may talk to the IPC.
        drop(released);
        self.shared.changed.notify_all();
    }
}
