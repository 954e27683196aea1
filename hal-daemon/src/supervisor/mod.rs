//! The supervisor: starts one service per HAL, restarts a failed one with
//! backoff, gives up on one that keeps failing, and stops them all.
//!
//! # Isolation
//! Each service gets its own IPC [`Runtime`]: its own endpoint socket
//! (`yunhald-PID-SLOT.GENERATION.sock` beside the service manager's) and
//! its own pool threads. A service that fails is torn down alone: its
//! driver is stopped (powered down), its runtime shut down, and the other
//! services keep serving.
//!
//! # What clients see when a service fails
//! Shutting the failed service's runtime down closes every client
//! connection to it: calls in progress and later calls on the old handle
//! fail with `DeadObject`, and recipients registered with
//! [`Handle::link_to_death`](yunhal_ipc::Handle::link_to_death) are told.
//! The service manager drops the registration with the connection. When
//! the service is back it registers again under the same name, so a client
//! that reconnects with `ServiceManager::wait_for_service`, or that
//! watches with `register_for_notifications`, gets the new object.
//!
//! # Restarts
//! A failure is a [`FaultReporter::report`] (a driver error), a panic in a
//! worker started with [`ServiceContext::spawn`] or caught by
//! [`FaultReporter::guard`], a panic in [`HalService::start`], or `start`
//! returning an error. The service restarts after 100 ms, doubling with
//! each failure in the last 4 minutes up to 30 s; the fifth failure within
//! 4 minutes marks it failed, and it stays down until an operator asks for
//! a restart (`yunctl restart NAME`). See [`RestartPolicy`].
//!
//! # For HAL authors
//! Implement [`HalService`]: `start` powers the hardware up, publishes the
//! service object with [`ServiceContext::publish`] and starts its workers
//! with [`ServiceContext::spawn`]; `stop` makes the workers leave and powers
//! the hardware down. Wrap the body of an IPC method that touches the
//! driver in [`FaultReporter::guard`] if a panic there should restart the
//! service (the IPC already turns it into a `ServiceFailed` reply).

mod core;
mod restart;

pub use self::core::{Supervisor, SupervisorHandle};
pub use restart::{FailureHistory, RestartPolicy, Verdict};

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Instant;
use yunhal_ipc::{ExceptionCode, Interface, Policy, Runtime, ServiceManager, Status, Strong};

/// One HAL service, as the supervisor runs it.
pub trait HalService: Send + Sync + 'static {
    /// The name it registers under, e.g. `yunhal.sensors.ISensors/default`.
    fn name(&self) -> &str;
    /// The interface descriptor of the object it publishes.
    fn descriptor(&self) -> &'static str;
    /// The interface version of the object it publishes.
    fn version(&self) -> u32;
    /// Powers the hardware up, publishes the service object with
    /// [`ServiceContext::publish`], starts its workers.
    fn start(&self, ctx: &ServiceContext) -> Result<(), ServiceError>;
    /// Makes its workers leave and powers the hardware down. Called after a
    /// failure, before a restart, and when the daemon stops.
    fn stop(&self);
    /// Its state, for `yunctl dump`.
    fn dump(&self) -> serde_json::Value {
        serde_json::Value::Null
    }
}

/// Why a service could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The driver failed (the text says how).
    #[error("driver failed: {0}")]
    Driver(String),
    /// The service object could not be registered.
    #[error("registering {name}: {status}")]
    Register { name: String, status: Status },
    /// The service's endpoint could not be set up.
    #[error("endpoint {}: {source}", path.display())]
    Endpoint {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// `start` returned without publishing an object.
    #[error("start returned without publishing an object")]
    NotPublished,
}

/// What the supervisor needs to know.
#[derive(Clone)]
pub struct SupervisorConfig {
    /// The service manager's socket; service endpoints go beside it.
    pub service_manager: PathBuf,
    /// Installed on every service's runtime.
    pub policy: Option<Arc<dyn Policy>>,
    pub restart: RestartPolicy,
    /// Pool threads of each service's runtime.
    pub pool_threads: usize,
}

impl SupervisorConfig {
    pub fn new(service_manager: impl Into<PathBuf>) -> SupervisorConfig {
        SupervisorConfig {
            service_manager: service_manager.into(),
            policy: None,
            restart: RestartPolicy::default(),
            pool_threads: 2,
        }
    }
}

/// Where the supervisor reads the time; tests drive a manual one.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Instant;
}

/// The monotonic clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

pub(crate) enum Event {
    Fault {
        slot: usize,
        generation: u64,
        reason: String,
    },
    Restart {
        slot: usize,
    },
    Shutdown,
}

/// Reports that a service failed; the supervisor restarts it. Cheap to
/// clone; reports of a generation that was already restarted are ignored.
#[derive(Clone)]
pub struct FaultReporter {
    events: mpsc::Sender<Event>,
    slot: usize,
    generation: u64,
}

impl FaultReporter {
    /// The service failed (a driver error it cannot recover from).
    pub fn report(&self, reason: impl Into<String>) {
        let _ = self.events.send(Event::Fault {
            slot: self.slot,
            generation: self.generation,
            reason: reason.into(),
        });
    }

    /// Runs `f`; a panic in it is reported as a failure of the service and
    /// returned as a `ServiceFailed` exception.
    pub fn guard<T>(&self, what: &str, f: impl FnOnce() -> Result<T, Status>) -> Result<T, Status> {
        catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|panic| {
            let reason = format!("{what} panicked: {}", panic_text(panic.as_ref()));
            self.report(reason.clone());
            Err(Status::exception(ExceptionCode::ServiceFailed, reason))
        })
    }
}

/// Lets every user connect to the socket at `path`: who may call what is
/// decided per call by the policy, from the caller's kernel-given uid, not
/// by the socket file's mode.
pub fn open_to_all_users(path: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o666))
}

pub(crate) fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into())
}

/// What a service gets to start with.
pub struct ServiceContext {
    name: String,
    descriptor: &'static str,
    runtime: Runtime,
    service_manager: ServiceManager,
    faults: FaultReporter,
    published: AtomicBool,
}

impl ServiceContext {
    /// The name the service registers under.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The service's own runtime (already listening at its endpoint).
    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    /// Publishes `object` on the service's runtime and registers it with
    /// the service manager under the service's name.
    pub fn publish<I: ?Sized + Interface>(&self, object: &Strong<I>) -> Result<(), ServiceError> {
        let register_error = |status| ServiceError::Register {
            name: self.name.clone(),
            status,
        };
        if I::DESCRIPTOR != self.descriptor {
            return Err(register_error(Status::illegal_argument(format!(
                "the object implements {}, the service declares {}",
                I::DESCRIPTOR,
                self.descriptor
            ))));
        }
        self.service_manager
            .add_service(&self.name, object)
            .map_err(register_error)?;
        self.published.store(true, Ordering::SeqCst);
        Ok(())
    }

    /// A reporter for failures found later (by a worker, an IPC method).
    pub fn faults(&self) -> FaultReporter {
        self.faults.clone()
    }

    /// Runs `work` on a thread of its own; an error it returns or a panic in
    /// it is reported as a failure of the service.
    pub fn spawn<F>(&self, what: &str, work: F) -> std::io::Result<std::thread::JoinHandle<()>>
    where
        F: FnOnce() -> Result<(), String> + Send + 'static,
    {
        let faults = self.faults();
        let what = what.to_owned();
        std::thread::Builder::new()
            .name(what.clone())
            .spawn(move || match catch_unwind(AssertUnwindSafe(work)) {
                Ok(Ok(())) => {}
                Ok(Err(error)) => faults.report(format!("{what}: {error}")),
                Err(panic) => {
                    faults.report(format!("{what} panicked: {}", panic_text(panic.as_ref())))
                }
            })
    }
}

#[cfg(test)]
mod tests;
