//! `yunhal.sensors.ISensors/default`: the [`Hub`] served over IPC, with one
//! worker thread that reads the devices when they are due.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

use yunhal::sensors::ipc::{ISensorSession, ISensors, SensorInfo, SessionSetup, SENSORS_SERVICE};
use yunhal::sensors::{SensorEvent, SensorHandle};
use yunhal::time::{Clock, Nanos};
use yunhal_ipc::{caller, Interface, Status, Strong};

use super::hub::{Hub, HubDevice, HubError};
use crate::supervisor::{HalService, ServiceContext, ServiceError};

/// Service-specific error code: the sensor's hardware failed the request.
pub const ERROR_DEVICE: i32 = 1;

struct Shared {
    hub: Mutex<Hub>,
    /// Wakes the worker: the schedule changed, a flush waits, or stop.
    wake: Condvar,
    stop: AtomicBool,
    /// Whether `inject` is allowed (simulated boards).
    simulated: bool,
}

impl Shared {
    fn hub(&self) -> MutexGuard<'_, Hub> {
        self.hub.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn now() -> Nanos {
    Nanos::now(Clock::Boottime)
}

/// The sensors service as the supervisor runs it.
pub struct SensorsService {
    shared: Arc<Shared>,
    worker: Mutex<Option<JoinHandle<()>>>,
}

impl SensorsService {
    /// A service over the board's sensor devices; `simulated` allows
    /// [`ISensors::inject`].
    pub fn new(devices: Vec<HubDevice>, simulated: bool) -> SensorsService {
        SensorsService {
            shared: Arc::new(Shared {
                hub: Mutex::new(Hub::new(devices)),
                wake: Condvar::new(),
                stop: AtomicBool::new(false),
                simulated,
            }),
            worker: Mutex::new(None),
        }
    }
}

/// Reads the devices when they are due until told to stop.
fn run_worker(shared: &Shared) {
    let mut hub = shared.hub();
    while !shared.stop.load(Ordering::SeqCst) {
        let next = hub.poll(now());
        // The read took time: compare with the clock as it is now.
        let now = now();
        hub = match next {
            None => shared.wake.wait(hub).unwrap_or_else(|p| p.into_inner()),
            Some(due) if due > now => {
                let wait = (due - now).to_duration();
                shared
                    .wake
                    .wait_timeout(hub, wait)
                    .unwrap_or_else(|p| p.into_inner())
                    .0
            }
            // Due again at once (a device that always has data): let the
            // callers waiting for the hub in before the next read.
            Some(_) => {
                drop(hub);
                std::thread::yield_now();
                shared.hub()
            }
        };
    }
}

impl HalService for SensorsService {
    fn name(&self) -> &str {
        SENSORS_SERVICE
    }

    fn descriptor(&self) -> &'static str {
        <dyn ISensors as Interface>::DESCRIPTOR
    }

    fn version(&self) -> u32 {
        <dyn ISensors as Interface>::VERSION
    }

    fn start(&self, ctx: &ServiceContext) -> Result<(), ServiceError> {
        self.shared.stop.store(false, Ordering::SeqCst);
        let shared = self.shared.clone();
        let worker = ctx
            .spawn("sensors", move || {
                run_worker(&shared);
                Ok(())
            })
            .map_err(|e| ServiceError::Driver(format!("starting the sensors worker: {e}")))?;
        *self.worker.lock().unwrap_or_else(|p| p.into_inner()) = Some(worker);
        let object: Arc<dyn ISensors> = Arc::new(Sensors(self.shared.clone()));
        ctx.publish(&Strong::new(object))
    }

    fn stop(&self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        {
            let _hub = self.shared.hub();
            self.shared.wake.notify_all();
        }
        if let Some(worker) = self.worker.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = worker.join();
        }
        self.shared.hub().power_down();
    }

    fn dump(&self) -> serde_json::Value {
        self.shared.hub().dump()
    }
}

/// Turns a hub error into the status a client gets, naming the method.
fn status(method: &str, error: HubError) -> Status {
    match error {
        HubError::Device { .. } => {
            Status::service_specific(ERROR_DEVICE, format!("{method}: {error}"))
        }
        HubError::Queue(_) => Status::illegal_state(format!("{method}: {error}")),
        _ => Status::illegal_argument(format!("{method}: {error}")),
    }
}

/// Who called, for logs and dumps.
fn caller_name() -> String {
    caller().map_or_else(
        || "in-process".to_string(),
        |p| format!("pid {} uid {}", p.pid, p.uid),
    )
}

/// The published object.
struct Sensors(Arc<Shared>);

impl ISensors for Sensors {
    fn get_sensor_list(&self) -> Result<Vec<SensorInfo>, Status> {
        Ok(self.0.hub().sensor_list())
    }

    fn open_session(&self, queue_events: u32) -> Result<SessionSetup, Status> {
        let owner = caller_name();
        let (id, fds) = self
            .0
            .hub()
            .open_session(&owner, queue_events)
            .map_err(|e| status("open_session", e))?;
        tracing::debug!(session = id, %owner, "sensor session opened");
        let session: Arc<dyn ISensorSession> = Arc::new(Session {
            id,
            shared: self.0.clone(),
        });
        Ok(SessionSetup {
            session: Strong::new(session),
            queue: fds.into(),
        })
    }

    fn inject(&self, event: SensorEvent) -> Result<(), Status> {
        if !self.0.simulated {
            return Err(Status::illegal_state(
                "inject: sensor data can be injected on simulated boards only",
            ));
        }
        self.0
            .hub()
            .inject(event, now())
            .map_err(|e| status("inject", e))
    }
}

/// One client session; dropping it (the client let go of it, or died)
/// releases its activations.
struct Session {
    id: u64,
    shared: Arc<Shared>,
}

impl Drop for Session {
    fn drop(&mut self) {
        tracing::debug!(session = self.id, "sensor session closed");
        self.shared.hub().close_session(self.id, now());
        self.shared.wake.notify_all();
    }
}

impl ISensorSession for Session {
    fn activate(&self, handle: SensorHandle, enabled: bool) -> Result<(), Status> {
        let result = self.shared.hub().activate(self.id, handle, enabled, now());
        self.shared.wake.notify_all();
        result.map_err(|e| status("activate", e))
    }

    fn batch(
        &self,
        handle: SensorHandle,
        sampling_period_ns: u64,
        max_report_latency_ns: u64,
    ) -> Result<(), Status> {
        let result = self.shared.hub().batch(
            self.id,
            handle,
            Nanos(sampling_period_ns),
            Nanos(max_report_latency_ns),
            now(),
        );
        self.shared.wake.notify_all();
        result.map_err(|e| status("batch", e))
    }

    fn flush(&self, handle: SensorHandle) -> Result<(), Status> {
        let must_read = self
            .shared
            .hub()
            .flush(self.id, handle, now())
            .map_err(|e| status("flush", e))?;
        if must_read {
            self.shared.wake.notify_all();
        }
        Ok(())
    }
}
