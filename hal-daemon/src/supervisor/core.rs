//! The supervisor's state machine and the handle others read it through.

use super::restart::{FailureHistory, Verdict};
use super::SupervisorConfig;
use super::{panic_text, Clock, Event, FaultReporter, HalService, ServiceContext, ServiceError};
use crate::api::{ServiceState, ServiceStatus};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard};
use std::time::Instant;
use yunhal_ipc::{Runtime, ServiceManager, Status};

/// Starts, restarts and stops the HAL services. Runs on one thread
/// ([`run`](Self::run)); others read it through a [`SupervisorHandle`].
pub struct Supervisor {
    config: SupervisorConfig,
    clock: Arc<dyn Clock>,
    events_tx: mpsc::Sender<Event>,
    events: mpsc::Receiver<Event>,
    slots: Vec<Slot>,
    shared: Arc<Mutex<Vec<Entry>>>,
}

struct Slot {
    service: Arc<dyn HalService>,
    generation: u64,
    runtime: Option<Runtime>,
    failures: FailureHistory,
    restart_at: Option<Instant>,
}

/// What the handle sees of a slot.
#[derive(Clone)]
struct Entry {
    service: Arc<dyn HalService>,
    status: ServiceStatus,
    restart_at: Option<Instant>,
    runtime: Option<Runtime>,
}

impl Supervisor {
    pub fn new(config: SupervisorConfig, clock: Arc<dyn Clock>) -> Supervisor {
        let (events_tx, events) = mpsc::channel();
        Supervisor {
            config,
            clock,
            events_tx,
            events,
            slots: Vec::new(),
            shared: Arc::default(),
        }
    }

    /// A handle for reading the services' states and asking for restarts.
    pub fn handle(&self) -> SupervisorHandle {
        SupervisorHandle {
            shared: self.shared.clone(),
            events: self.events_tx.clone(),
            clock: self.clock.clone(),
        }
    }

    /// Adds a service; services start in the order they are added and stop
    /// in the reverse order.
    pub fn add(&mut self, service: Arc<dyn HalService>) {
        let status = ServiceStatus {
            name: service.name().to_owned(),
            descriptor: service.descriptor().to_owned(),
            version: service.version(),
            state: ServiceState::Stopped,
            restarts: 0,
            last_error: None,
            clients: 0,
        };
        self.shared().push(Entry {
            service: service.clone(),
            status,
            restart_at: None,
            runtime: None,
        });
        self.slots.push(Slot {
            service,
            generation: 0,
            runtime: None,
            failures: FailureHistory::default(),
            restart_at: None,
        });
    }

    /// Starts every service, in order. One that fails to start is scheduled
    /// for a restart like any failed service.
    pub fn start_all(&mut self) {
        for slot in 0..self.slots.len() {
            self.start(slot);
        }
    }

    /// Serves events until [`SupervisorHandle::shutdown`], then stops every
    /// service in reverse order.
    pub fn run(mut self) {
        loop {
            let event = match self.next_restart() {
                Some(at) => {
                    let wait = at.saturating_duration_since(self.clock.now());
                    match self.events.recv_timeout(wait) {
                        Ok(event) => Some(event),
                        Err(mpsc::RecvTimeoutError::Timeout) => None,
                        Err(mpsc::RecvTimeoutError::Disconnected) => break,
                    }
                }
                None => match self.events.recv() {
                    Ok(event) => Some(event),
                    Err(_) => break,
                },
            };
            match event {
                Some(Event::Shutdown) => break,
                Some(event) => self.handle_event(event),
                None => {}
            }
            self.restart_due();
        }
        self.stop_all();
    }

    /// Handles the events already queued and the restarts already due at
    /// the clock's time, without waiting; `false` once shut down. Tests use
    /// this with a manual clock instead of [`run`](Self::run).
    pub fn process_events(&mut self) -> bool {
        while let Ok(event) = self.events.try_recv() {
            if let Event::Shutdown = event {
                self.stop_all();
                return false;
            }
            self.handle_event(event);
        }
        self.restart_due();
        true
    }

    /// Stops every running service, in reverse order.
    pub fn stop_all(&mut self) {
        for slot in (0..self.slots.len()).rev() {
            self.teardown(slot);
            self.slots[slot].restart_at = None;
            self.update(slot, |entry| {
                entry.status.state = ServiceState::Stopped;
                entry.restart_at = None;
            });
            tracing::info!(service = %self.slots[slot].service.name(), "service stopped");
        }
    }

    /// Removes endpoint sockets that daemons which are gone left beside the
    /// service manager's socket (a daemon killed with SIGKILL cannot).
    pub fn remove_stale_endpoints(&self) {
        let Some(dir) = self.config.service_manager.parent() else {
            return;
        };
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(pid) = name
                .to_str()
                .and_then(|n| n.strip_prefix("yunhald-"))
                .and_then(|rest| rest.split('-').next())
                .and_then(|pid| pid.parse::<u32>().ok())
            else {
                continue;
            };
            if !Path::new(&format!("/proc/{pid}")).exists() {
                tracing::debug!(path = %entry.path().display(), "removing a stale endpoint");
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }

    fn handle_event(&mut self, event: Event) {
        match event {
            Event::Fault {
                slot,
                generation,
                reason,
            } => {
                let current = &self.slots[slot];
                if current.generation != generation || current.runtime.is_none() {
                    tracing::debug!(service = %current.service.name(), "fault of an earlier instance ignored: {reason}");
                    return;
                }
                self.teardown(slot);
                self.fail(slot, reason);
            }
            Event::Restart { slot } => {
                tracing::info!(service = %self.slots[slot].service.name(), "restart requested");
                self.teardown(slot);
                self.slots[slot].failures.clear();
                self.update(slot, |entry| entry.status.restarts += 1);
                self.start(slot);
            }
            Event::Shutdown => self.stop_all(),
        }
    }

    fn next_restart(&self) -> Option<Instant> {
        self.slots.iter().filter_map(|s| s.restart_at).min()
    }

    fn restart_due(&mut self) {
        let now = self.clock.now();
        for slot in 0..self.slots.len() {
            if self.slots[slot].restart_at.is_some_and(|at| at <= now) {
                self.update(slot, |entry| entry.status.restarts += 1);
                self.start(slot);
            }
        }
    }

    fn start(&mut self, slot: usize) {
        self.slots[slot].generation += 1;
        self.slots[slot].restart_at = None;
        self.update(slot, |entry| {
            entry.status.state = ServiceState::Starting;
            entry.restart_at = None;
        });
        match self.try_start(slot) {
            Ok(runtime) => {
                let endpoint = runtime.endpoint().unwrap_or_default();
                tracing::info!(service = %self.slots[slot].service.name(), endpoint = %endpoint.display(), "service running");
                self.slots[slot].runtime = Some(runtime.clone());
                self.update(slot, |entry| {
                    entry.status.state = ServiceState::Running;
                    entry.runtime = Some(runtime);
                });
            }
            Err(reason) => self.fail(slot, reason),
        }
    }

    /// A runtime of its own for the service, listening, with the service
    /// started on it and registered.
    fn try_start(&self, slot: usize) -> Result<Runtime, String> {
        let service = self.slots[slot].service.clone();
        let runtime = Runtime::new().map_err(|e| e.to_string())?;
        let started = self
            .context(slot, &runtime)
            .map_err(|e| e.to_string())
            .and_then(|ctx| start_service(service.as_ref(), &ctx));
        match started {
            Ok(()) => Ok(runtime),
            Err(reason) => {
                stop_service(service.as_ref());
                runtime.shutdown();
                Err(reason)
            }
        }
    }

    /// Sets `runtime` up for the service in `slot`: its policy, its
    /// endpoint, its client of the service manager.
    fn context(&self, slot: usize, runtime: &Runtime) -> Result<ServiceContext, ServiceError> {
        let Slot {
            service,
            generation,
            ..
        } = &self.slots[slot];
        runtime.set_thread_pool_size(self.config.pool_threads);
        if let Some(policy) = &self.config.policy {
            runtime.set_policy(policy.clone());
        }
        let dir = self
            .config
            .service_manager
            .parent()
            .unwrap_or(Path::new("/tmp"));
        let endpoint = dir.join(format!(
            "yunhald-{}-{slot}.{generation}.sock",
            std::process::id()
        ));
        runtime
            .listen(&endpoint)
            .and_then(|()| super::open_to_all_users(&endpoint))
            .map_err(|source| ServiceError::Endpoint {
                path: endpoint.clone(),
                source,
            })?;
        let sm = ServiceManager::connect_at(runtime, &self.config.service_manager).map_err(
            |status| ServiceError::Register {
                name: service.name().to_owned(),
                status,
            },
        )?;
        Ok(ServiceContext {
            name: service.name().to_owned(),
            descriptor: service.descriptor(),
            runtime: runtime.clone(),
            service_manager: sm,
            faults: FaultReporter {
                events: self.events_tx.clone(),
                slot,
                generation: *generation,
            },
            published: AtomicBool::new(false),
        })
    }

    /// Stops a running service: its driver, then its runtime (clients see
    /// the connections close).
    fn teardown(&mut self, slot: usize) {
        if let Some(runtime) = self.slots[slot].runtime.take() {
            stop_service(self.slots[slot].service.as_ref());
            runtime.shutdown();
            self.update(slot, |entry| entry.runtime = None);
        }
    }

    fn fail(&mut self, slot: usize, reason: String) {
        let now = self.clock.now();
        let name = self.slots[slot].service.name().to_owned();
        let verdict = self.slots[slot].failures.record(now, &self.config.restart);
        let state = match verdict {
            Verdict::Restart { attempt, delay } => {
                tracing::warn!(service = %name, attempt, delay_ms = delay.as_millis() as u64, "service failed, restarting: {reason}");
                self.slots[slot].restart_at = Some(now + delay);
                ServiceState::Restarting {
                    attempt,
                    next_in_ms: delay.as_millis() as u64,
                }
            }
            Verdict::GiveUp { failures } => {
                let window = self.config.restart.window.as_secs();
                tracing::error!(service = %name, failures, "service failed {failures} times in {window} s, not restarted: {reason}");
                ServiceState::Failed {
                    reason: format!("{failures} failures within {window} s; last: {reason}"),
                }
            }
        };
        let restart_at = self.slots[slot].restart_at;
        self.update(slot, |entry| {
            entry.status.state = state;
            entry.status.last_error = Some(reason);
            entry.restart_at = restart_at;
        });
    }

    fn update(&self, slot: usize, change: impl FnOnce(&mut Entry)) {
        change(&mut self.shared()[slot]);
    }

    fn shared(&self) -> MutexGuard<'_, Vec<Entry>> {
        lock(&self.shared)
    }
}

fn lock(shared: &Mutex<Vec<Entry>>) -> MutexGuard<'_, Vec<Entry>> {
    shared
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Runs the service's `start`; an error, a panic or a start that published
/// nothing is the failure's reason.
fn start_service(service: &dyn HalService, ctx: &ServiceContext) -> Result<(), String> {
    match catch_unwind(AssertUnwindSafe(|| service.start(ctx))) {
        Ok(Ok(())) if ctx.published.load(Ordering::SeqCst) => Ok(()),
        Ok(Ok(())) => Err(ServiceError::NotPublished.to_string()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(panic) => Err(format!("start panicked: {}", panic_text(panic.as_ref()))),
    }
}

fn stop_service(service: &dyn HalService) {
    if let Err(panic) = catch_unwind(AssertUnwindSafe(|| service.stop())) {
        tracing::error!(service = %service.name(), "stop panicked: {}", panic_text(panic.as_ref()));
    }
}

/// Reads the supervisor's view of the services and sends it requests.
/// Cheap to clone.
#[derive(Clone)]
pub struct SupervisorHandle {
    shared: Arc<Mutex<Vec<Entry>>>,
    events: mpsc::Sender<Event>,
    clock: Arc<dyn Clock>,
}

impl SupervisorHandle {
    /// Every service, in start order.
    pub fn status(&self) -> Vec<ServiceStatus> {
        let entries = lock(&self.shared).clone();
        let now = self.clock.now();
        entries
            .iter()
            .map(|entry| live_status(entry, now))
            .collect()
    }

    /// One service's supervisor view and its own dump, as JSON.
    pub fn dump(&self, name: &str) -> Option<serde_json::Value> {
        let entry = lock(&self.shared)
            .iter()
            .find(|e| e.status.name == name)
            .cloned()?;
        let status = live_status(&entry, self.clock.now());
        let service_dump = catch_unwind(AssertUnwindSafe(|| entry.service.dump()))
            .unwrap_or_else(|panic| serde_json::json!({ "error": format!("dump panicked: {}", panic_text(panic.as_ref())) }));
        Some(serde_json::json!({
            "supervisor": crate::api::status_json(&status),
            "service": service_dump,
        }))
    }

    /// Asks for `name` to be restarted now, its failure history cleared.
    pub fn restart(&self, name: &str) -> Result<(), Status> {
        let slot = lock(&self.shared)
            .iter()
            .position(|e| e.status.name == name)
            .ok_or_else(|| {
                Status::illegal_argument(format!("no supervised service named {name:?}"))
            })?;
        self.events
            .send(Event::Restart { slot })
            .map_err(|_| Status::illegal_state("the supervisor has stopped"))
    }

    /// Asks the supervisor to stop every service and return from `run`.
    pub fn shutdown(&self) {
        let _ = self.events.send(Event::Shutdown);
    }
}

fn live_status(entry: &Entry, now: Instant) -> ServiceStatus {
    let mut status = entry.status.clone();
    if let (ServiceState::Restarting { next_in_ms, .. }, Some(at)) =
        (&mut status.state, entry.restart_at)
    {
        *next_in_ms = at.saturating_duration_since(now).as_millis() as u64;
    }
    // The service manager keeps one connection to each endpoint it lists.
    status.clients = entry
        .runtime
        .as_ref()
        .map_or(0, |rt| rt.incoming_connections().saturating_sub(1) as u32);
    status
}
