//! The arbitration between the sensors' clients and the hardware, without
//! threads or IPC: the service calls it under one lock, tests call it with
//! a time of their choosing.
//!
//! # Rules
//! - Each client has sessions; each session has its own event queue and,
//!   per sensor, its own activation, sampling period and report latency.
//! - The hardware of a sensor runs at the shortest period (and shortest
//!   latency) any session with it on asked for, and is off when none has
//!   it on.
//! - Each session receives a continuous sensor at its own period: the
//!   hardware's events are thinned by a per-session schedule, so the
//!   average rate is the one the session asked for (not the nearest
//!   divisor of the hardware's). On-change sensors deliver every change
//!   (polled at the fastest rate asked), and a session turning one on gets
//!   its last value at once.
//! - A session gets no event older than its activation, and timestamps
//!   that only go up.
//! - Flush: every event read so far, then one flush-complete event, in
//!   the order of the flush calls.
//!
//! # Faults
//! A failed read is retried at once, so one NACK leaves no gap. Three
//! failed polls in a row mark the device's sensors unavailable: their
//! sessions get a status event, and the hub retries with backoff (200 ms
//! doubling to 2 s), re-applying the configuration. When a retry reads
//! again, the sensors are available again under the same handles.
//! Values that are not finite or beyond 110 % of the sensor's range, and
//! continuous sensors repeating the very same value for
//! [`STUCK_SAMPLES`] reads, are flagged to the sessions with a
//! `DataSuspect` status event (and `Available` when they recover); the
//! events themselves are still delivered.

use std::collections::BTreeMap;
use std::fmt;

use yunhal::sensors::ipc::{EventWriter, SensorInfo, MAX_QUEUE_EVENTS, MIN_QUEUE_EVENTS};
use yunhal::sensors::{
    DeviceError, DynSensorDevice, ReportingMode, SensorEvent, SensorHandle, SensorStatus,
    SensorType, SensorValue,
};
use yunhal::time::Nanos;
use yunhal_ipc::queue::QueueFds;

/// Identical consecutive samples after which a continuous sensor counts as
/// stuck. Real sensors and the simulated ones have noise in their last bits.
pub const STUCK_SAMPLES: u32 = 100;
/// Polls that fail (after their retry) before a device is unavailable.
pub const FAILED_POLLS_UNTIL_UNAVAILABLE: u32 = 3;
const RETRY_FIRST: Nanos = Nanos::from_millis(200);
const RETRY_LONGEST: Nanos = Nanos::from_secs(2);
/// Values beyond this share of the range are out of range.
const RANGE_MARGIN: f32 = 1.1;
/// Events one read may give (a drained FIFO of several sensors).
const READ_BUFFER_EVENTS: usize = 1024;

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HubError {
    #[error("no sensor with handle {0}")]
    UnknownHandle(u32),
    #[error("no session {0}")]
    UnknownSession(u64),
    #[error("queue_events {0}: expected a power of two between {MIN_QUEUE_EVENTS} and {MAX_QUEUE_EVENTS}")]
    QueueSize(u32),
    #[error("sensor {0} is not active in this session")]
    NotActive(u32),
    #[error("sensor {0} is one-shot: it has nothing to flush")]
    OneShot(u32),
    #[error("sensor {handle} measures {expected}, the event carries {got}")]
    WrongValue {
        handle: u32,
        expected: &'static str,
        got: &'static str,
    },
    #[error("sensor {handle}: {error}")]
    Device { handle: u32, error: DeviceError },
    #[error("event queue: {0}")]
    Queue(String),
}

/// One device of the board, as the hub holds it.
pub struct HubDevice {
    /// The board's name for it, e.g. `imu`.
    pub name: String,
    pub device: Box<dyn DynSensorDevice>,
}

struct DeviceSlot {
    name: String,
    device: Box<dyn DynSensorDevice>,
    /// The next scheduled read; `None` while no sensor of it is on.
    next_read: Option<Nanos>,
    /// Sessions waiting for a flush that needs a read first.
    flushes: Vec<(u64, SensorHandle)>,
    failed_polls: u32,
    /// While unavailable: when to try again, and the wait after that.
    retry: Option<(Nanos, Nanos)>,
    reads: u64,
    retried_reads: u64,
    failed_reads: u64,
}

struct SensorSlot {
    info: SensorInfo,
    device: usize,
    local: SensorHandle,
    hw: Hardware,
    last_event: Option<SensorEvent>,
    check: DataCheck,
}

#[derive(Debug, Clone, Copy, Default)]
struct Hardware {
    on: bool,
    period: Nanos,
    latency: Nanos,
}

#[derive(Debug, Clone, Copy, Default)]
struct DataCheck {
    last: Option<SensorValue>,
    repeats: u32,
    suspect: bool,
}

#[derive(Debug, Clone, Copy)]
struct Subscription {
    on: bool,
    period: Nanos,
    latency: Nanos,
    /// Events before this are not the session's.
    since: Nanos,
    /// When the next event is due, for continuous sensors.
    due: Option<Nanos>,
    /// The last timestamp delivered.
    last: Option<Nanos>,
    delivered: u64,
}

struct Session {
    owner: String,
    writer: EventWriter,
    subs: BTreeMap<SensorHandle, Subscription>,
}

/// The sensors of a board and their clients.
pub struct Hub {
    sensors: Vec<SensorSlot>,
    devices: Vec<DeviceSlot>,
    sessions: BTreeMap<u64, Session>,
    next_session: u64,
    buf: Vec<SensorEvent>,
}

impl fmt::Debug for Hub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hub")
            .field("sensors", &self.sensors.len())
            .field("sessions", &self.sessions.len())
            .finish()
    }
}

fn value_kind(value: &SensorValue) -> &'static str {
    match value {
        SensorValue::Acceleration(_) => "acceleration",
        SensorValue::AngularVelocity(_) => "angular velocity",
        SensorValue::MagneticField(_) => "magnetic field",
        SensorValue::Light(_) => "light",
        SensorValue::Proximity { .. } => "proximity",
        SensorValue::Temperature(_) => "temperature",
        SensorValue::Pressure(_) => "pressure",
        SensorValue::FlushComplete => "flush-complete",
        SensorValue::Status(_) => "status",
        #[allow(unreachable_patterns)]
        _ => "another value",
    }
}

fn type_matches(sensor_type: SensorType, value: &SensorValue) -> bool {
    matches!(
        (sensor_type, value),
        (SensorType::Accelerometer, SensorValue::Acceleration(_))
            | (SensorType::Gyroscope, SensorValue::AngularVelocity(_))
            | (SensorType::MagneticField, SensorValue::MagneticField(_))
            | (SensorType::Light, SensorValue::Light(_))
            | (SensorType::Proximity, SensorValue::Proximity { .. })
            | (SensorType::Temperature, SensorValue::Temperature(_))
            | (SensorType::Pressure, SensorValue::Pressure(_))
    )
}

/// The magnitudes to check against the range; `None` for markers.
fn components(value: &SensorValue) -> Option<([f32; 3], usize)> {
    Some(match *value {
        SensorValue::Acceleration(v) => ([v[0].0, v[1].0, v[2].0], 3),
        SensorValue::AngularVelocity(v) => ([v[0].0, v[1].0, v[2].0], 3),
        SensorValue::MagneticField(v) => ([v[0].0, v[1].0, v[2].0], 3),
        SensorValue::Light(l) => ([l.0, 0.0, 0.0], 1),
        SensorValue::Proximity { distance, .. } => ([distance.0, 0.0, 0.0], 1),
        SensorValue::Temperature(t) => ([t.0, 0.0, 0.0], 1),
        SensorValue::Pressure(p) => ([p.0, 0.0, 0.0], 1),
        _ => return None,
    })
}

impl Hub {
    /// A hub over the board's sensor devices. Handles are numbered from 1
    /// in board order, so they stay the same while the daemon runs.
    pub fn new(devices: Vec<HubDevice>) -> Hub {
        let mut sensors = Vec::new();
        let mut slots = Vec::new();
        for (index, HubDevice { name, device }) in devices.into_iter().enumerate() {
            for d in device.sensors() {
                let handle = SensorHandle(sensors.len() as u32 + 1);
                sensors.push(SensorSlot {
                    info: SensorInfo {
                        handle,
                        name: d.name.to_string(),
                        vendor: d.vendor.to_string(),
                        device: name.clone(),
                        sensor_type: d.sensor_type,
                        max_range: d.max_range,
                        resolution: d.resolution,
                        min_period_ns: d.min_period.as_nanos(),
                        max_period_ns: d.max_period.as_nanos(),
                        fifo_reserved_events: d.fifo_reserved_events,
                        fifo_max_events: d.fifo_max_events,
                        reporting_mode: d.reporting_mode,
                        wake_up: d.wake_up,
                        // None of these types needs a permission (Android asks one
                        // for heart rate and body sensors only).
                        required_permission: None,
                        status: SensorStatus::Available,
                    },
                    device: index,
                    local: d.handle,
                    hw: Hardware::default(),
                    last_event: None,
                    check: DataCheck::default(),
                });
            }
            slots.push(DeviceSlot {
                name,
                device,
                next_read: None,
                flushes: Vec::new(),
                failed_polls: 0,
                retry: None,
                reads: 0,
                retried_reads: 0,
                failed_reads: 0,
            });
        }
        Hub {
            sensors,
            devices: slots,
            sessions: BTreeMap::new(),
            next_session: 1,
            buf: vec![
                SensorEvent {
                    handle: SensorHandle(0),
                    timestamp: Nanos(0),
                    value: SensorValue::FlushComplete,
                };
                READ_BUFFER_EVENTS
            ],
        }
    }

    /// Every sensor, with its current status.
    pub fn sensor_list(&self) -> Vec<SensorInfo> {
        self.sensors.iter().map(|s| s.info.clone()).collect()
    }

    fn slot(&self, handle: SensorHandle) -> Result<usize, HubError> {
        let index = (handle.0 as usize).wrapping_sub(1);
        if index < self.sensors.len() {
            Ok(index)
        } else {
            Err(HubError::UnknownHandle(handle.0))
        }
    }

    fn session(&mut self, id: u64) -> Result<&mut Session, HubError> {
        self.sessions
            .get_mut(&id)
            .ok_or(HubError::UnknownSession(id))
    }

    /// A new session with a queue of `queue_events` events; `owner` names
    /// the client in logs and dumps.
    pub fn open_session(
        &mut self,
        owner: &str,
        queue_events: u32,
    ) -> Result<(u64, QueueFds), HubError> {
        if !queue_events.is_power_of_two()
            || !(MIN_QUEUE_EVENTS..=MAX_QUEUE_EVENTS).contains(&queue_events)
        {
            return Err(HubError::QueueSize(queue_events));
        }
        let id = self.next_session;
        let (writer, fds) = EventWriter::create(&format!("yunhal-sensors-{id}"), queue_events)
            .map_err(|e| HubError::Queue(e.to_string()))?;
        self.next_session += 1;
        self.sessions.insert(
            id,
            Session {
                owner: owner.to_string(),
                writer,
                subs: BTreeMap::new(),
            },
        );
        Ok((id, fds))
    }

    /// Ends a session: its activations are released.
    pub fn close_session(&mut self, id: u64, now: Nanos) {
        let Some(session) = self.sessions.remove(&id) else {
            return;
        };
        for (handle, sub) in session.subs {
            if sub.on {
                if let Ok(i) = self.slot(handle) {
                    // The hardware answering or not, the session is gone.
                    let _ = self.apply(i, now);
                }
            }
        }
    }

    /// Turns `handle` on or off for session `id`.
    pub fn activate(
        &mut self,
        id: u64,
        handle: SensorHandle,
        on: bool,
        now: Nanos,
    ) -> Result<(), HubError> {
        let i = self.slot(handle)?;
        let default_period = Nanos(self.sensors[i].info.max_period_ns.min(200_000_000))
            .max(Nanos(self.sensors[i].info.min_period_ns));
        let session = self.session(id)?;
        let sub = session.subs.entry(handle).or_insert(Subscription {
            on: false,
            period: default_period,
            latency: Nanos(0),
            since: now,
            due: None,
            last: None,
            delivered: 0,
        });
        if sub.on == on {
            return Ok(());
        }
        sub.on = on;
        if on {
            sub.since = now;
            sub.due = None;
        }
        let result = self.apply(i, now);
        if on {
            self.greet(id, i);
        }
        result
    }

    /// What a session gets when it turns a sensor on: its status if not
    /// available, and the last value of an on-change sensor.
    fn greet(&mut self, id: u64, i: usize) {
        let slot = &self.sensors[i];
        let handle = slot.info.handle;
        let status = slot.info.status;
        let last = match slot.info.reporting_mode {
            ReportingMode::OnChange => slot.last_event,
            _ => None,
        };
        let Some(session) = self.sessions.get_mut(&id) else {
            return;
        };
        if status != SensorStatus::Available {
            session.writer.stage(&SensorEvent {
                handle,
                timestamp: session.subs[&handle].since,
                value: SensorValue::Status(status),
            });
        } else if let Some(event) = last {
            let sub = session.subs.get_mut(&handle).expect("just activated");
            sub.last = Some(event.timestamp);
            sub.delivered += 1;
            session.writer.stage(&event);
        }
        publish(session);
    }

    /// Sets session `id`'s period and latency for `handle`.
    pub fn batch(
        &mut self,
        id: u64,
        handle: SensorHandle,
        period: Nanos,
        latency: Nanos,
        now: Nanos,
    ) -> Result<(), HubError> {
        let i = self.slot(handle)?;
        let info = &self.sensors[i].info;
        let period = period.clamp(Nanos(info.min_period_ns), Nanos(info.max_period_ns));
        let session = self.session(id)?;
        let sub = session.subs.entry(handle).or_insert(Subscription {
            on: false,
            period,
            latency,
            since: now,
            due: None,
            last: None,
            delivered: 0,
        });
        if sub.period == period && sub.latency == latency {
            return Ok(());
        }
        sub.period = period;
        sub.latency = latency;
        sub.due = None;
        if sub.on {
            self.apply(i, now)
        } else {
            Ok(())
        }
    }

    /// Asks for a flush-complete event on `handle` after the events read
    /// so far. Returns whether the service must poll now (a hardware FIFO
    /// has to be drained first).
    pub fn flush(&mut self, id: u64, handle: SensorHandle, now: Nanos) -> Result<bool, HubError> {
        let i = self.slot(handle)?;
        let one_shot = self.sensors[i].info.reporting_mode == ReportingMode::OneShot;
        let batching = self.sensors[i].hw.latency > Nanos(0);
        let device = self.sensors[i].device;
        let drain_first = batching && self.devices[device].retry.is_none();
        let session = self.session(id)?;
        if !session.subs.get(&handle).is_some_and(|s| s.on) {
            return Err(HubError::NotActive(handle.0));
        }
        if one_shot {
            return Err(HubError::OneShot(handle.0));
        }
        if drain_first {
            self.devices[device].flushes.push((id, handle));
            self.devices[device].next_read = Some(now);
            return Ok(true);
        }
        // Nothing is held in hardware: everything read is already queued.
        session.writer.stage(&SensorEvent {
            handle,
            timestamp: now,
            value: SensorValue::FlushComplete,
        });
        publish(session);
        Ok(false)
    }

    /// Delivers an event as if sensor `event.handle` had produced it.
    pub fn inject(&mut self, mut event: SensorEvent, now: Nanos) -> Result<(), HubError> {
        let i = self.slot(event.handle)?;
        let info = &self.sensors[i].info;
        if !type_matches(info.sensor_type, &event.value) {
            return Err(HubError::WrongValue {
                handle: event.handle.0,
                expected: info.sensor_type.as_str(),
                got: value_kind(&event.value),
            });
        }
        if event.timestamp == Nanos(0) {
            event.timestamp = now;
        }
        self.dispatch(i, event);
        self.publish_all();
        Ok(())
    }

    /// Brings the hardware of sensor `i` in line with its sessions.
    fn apply(&mut self, i: usize, now: Nanos) -> Result<(), HubError> {
        let handle = self.sensors[i].info.handle;
        let wanted = self
            .sessions
            .values()
            .filter_map(|s| s.subs.get(&handle).filter(|sub| sub.on))
            .fold(None, |acc: Option<(Nanos, Nanos)>, sub| {
                Some(match acc {
                    None => (sub.period, sub.latency),
                    Some((p, l)) => (p.min(sub.period), l.min(sub.latency)),
                })
            });
        let slot = &mut self.sensors[i];
        let device = &mut self.devices[slot.device];
        let unavailable = device.retry.is_some();
        let result = match wanted {
            None => {
                slot.hw.on = false;
                slot.last_event = None;
                slot.check = DataCheck::default();
                if unavailable {
                    Ok(())
                } else {
                    retried(|| device.device.set_enabled(slot.local, false))
                }
            }
            Some((period, latency)) => {
                slot.hw.latency = latency;
                let was_on = slot.hw.on;
                slot.hw.on = true;
                if unavailable {
                    // Applied when the device answers again.
                    slot.hw.period = period;
                    Ok(())
                } else {
                    retried(|| device.device.configure(slot.local, period, latency)).and_then(
                        |actual| {
                            slot.hw.period = actual;
                            if was_on {
                                Ok(())
                            } else {
                                retried(|| device.device.set_enabled(slot.local, true))
                            }
                        },
                    )
                }
            }
        };
        self.reschedule(self.sensors[i].device, now);
        result.map_err(|error| HubError::Device {
            handle: handle.0,
            error,
        })
    }

    /// The read interval of a device: the shortest period of its sensors
    /// that are on, or the time their FIFO can batch when all batch.
    fn interval(&self, device: usize) -> Option<Nanos> {
        self.sensors
            .iter()
            .filter(|s| s.device == device && s.hw.on)
            .map(|s| {
                let fifo = u64::from(s.info.fifo_max_events);
                if s.hw.latency > Nanos(0) && fifo > 1 {
                    // Within the latency, and before the FIFO fills: its
                    // events are counted for this sensor alone, and sensors
                    // sharing it take room too, so a quarter of them.
                    s.hw.latency
                        .min(Nanos(s.hw.period.as_nanos() * fifo / 4))
                        .max(s.hw.period)
                } else {
                    s.hw.period
                }
            })
            .min()
    }

    /// Starts or stops a device's reads. The first read comes one interval
    /// after the start: a sensor just woken has no sample before that, and
    /// its data registers hold whatever it had when it went to sleep.
    fn reschedule(&mut self, device: usize, now: Nanos) {
        let interval = self.interval(device);
        let slot = &mut self.devices[device];
        match interval {
            None => slot.next_read = None,
            Some(interval) if slot.next_read.is_none() => slot.next_read = Some(now + interval),
            Some(_) => {}
        }
    }

    /// Reads every device that is due at `now`, delivers the events, and
    /// returns when the next read is due.
    pub fn poll(&mut self, now: Nanos) -> Option<Nanos> {
        for d in 0..self.devices.len() {
            if let Some((at, _)) = self.devices[d].retry {
                if now >= at {
                    self.recover(d, now);
                }
                continue;
            }
            match self.devices[d].next_read {
                Some(due) if now >= due => self.read_device(d, now),
                _ => {}
            }
        }
        self.publish_all();
        self.devices
            .iter()
            .filter_map(|d| d.retry.map(|(at, _)| at).or(d.next_read))
            .min()
    }

    fn read_device(&mut self, d: usize, now: Nanos) {
        let interval = self.interval(d).unwrap_or(Nanos::from_millis(200));
        let device = &mut self.devices[d];
        // The next read keeps to the schedule unless the reads fell behind.
        let due = device.next_read.unwrap_or(now);
        let next = due + interval;
        device.next_read = Some(if next <= now { now + interval } else { next });
        device.reads += 1;
        let mut result = device.device.read(now, &mut self.buf);
        if result.is_err() {
            device.retried_reads += 1;
            result = device.device.read(now, &mut self.buf);
        }
        match result {
            Ok(n) => {
                device.failed_polls = 0;
                for k in 0..n {
                    let event = self.buf[k];
                    if let Some(i) = self
                        .sensors
                        .iter()
                        .position(|s| s.device == d && s.local == event.handle)
                    {
                        let slot = &self.sensors[i];
                        // On-change sensors report changes only, whatever
                        // their driver does.
                        if slot.info.reporting_mode == ReportingMode::OnChange
                            && slot.last_event.is_some_and(|e| e.value == event.value)
                        {
                            continue;
                        }
                        let handle = slot.info.handle;
                        self.check(i, &event.value, event.timestamp);
                        self.dispatch(i, SensorEvent { handle, ..event });
                    }
                }
                self.complete_flushes(d, now);
            }
            Err(error) => {
                device.failed_reads += 1;
                device.failed_polls += 1;
                tracing::warn!(device = %device.name, %error, "sensor read failed");
                if device.failed_polls >= FAILED_POLLS_UNTIL_UNAVAILABLE {
                    device.retry = Some((now + RETRY_FIRST, RETRY_FIRST));
                    tracing::error!(device = %device.name, "sensors unavailable");
                    self.complete_flushes(d, now);
                    self.set_status(d, SensorStatus::Unavailable, now);
                }
            }
        }
    }

    fn complete_flushes(&mut self, d: usize, now: Nanos) {
        for (id, handle) in std::mem::take(&mut self.devices[d].flushes) {
            if let Some(session) = self.sessions.get_mut(&id) {
                session.writer.stage(&SensorEvent {
                    handle,
                    timestamp: now,
                    value: SensorValue::FlushComplete,
                });
            }
        }
    }

    /// Tries an unavailable device again: its configuration re-applied,
    /// then a read.
    fn recover(&mut self, d: usize, now: Nanos) {
        let mut result = Ok(());
        for s in self.sensors.iter().filter(|s| s.device == d && s.hw.on) {
            let device = &mut self.devices[d].device;
            result = device
                .configure(s.local, s.hw.period, s.hw.latency)
                .and_then(|_| device.set_enabled(s.local, true))
                .and_then(|_| device.read(now, &mut self.buf).map(|_| ()));
            if result.is_err() {
                break;
            }
        }
        let device = &mut self.devices[d];
        match result {
            Ok(()) => {
                tracing::info!(device = %device.name, "sensors available again");
                device.retry = None;
                device.failed_polls = 0;
                device.next_read = None;
                self.reschedule(d, now);
                self.set_status(d, SensorStatus::Available, now);
            }
            Err(error) => {
                let (_, wait) = device.retry.expect("recovering");
                let wait = Nanos(wait.as_nanos() * 2).min(RETRY_LONGEST);
                tracing::debug!(device = %device.name, %error, "still failing");
                device.retry = Some((now + wait, wait));
            }
        }
    }

    fn set_status(&mut self, d: usize, status: SensorStatus, now: Nanos) {
        for i in 0..self.sensors.len() {
            if self.sensors[i].device != d {
                continue;
            }
            self.sensors[i].info.status = status;
            self.sensors[i].check = DataCheck::default();
            let handle = self.sensors[i].info.handle;
            self.tell(handle, status, now);
        }
    }

    /// Sends a status event to every session that has `handle` on.
    fn tell(&mut self, handle: SensorHandle, status: SensorStatus, now: Nanos) {
        for session in self.sessions.values_mut() {
            if let Some(sub) = session.subs.get_mut(&handle).filter(|s| s.on) {
                let timestamp = sub.last.map_or(now, |t| t.max(now));
                sub.last = Some(timestamp);
                session.writer.stage(&SensorEvent {
                    handle,
                    timestamp,
                    value: SensorValue::Status(status),
                });
            }
        }
    }

    /// Flags out-of-range and stuck data of sensor `i`.
    fn check(&mut self, i: usize, value: &SensorValue, now: Nanos) {
        let slot = &mut self.sensors[i];
        let Some((values, n)) = components(value) else {
            return;
        };
        let limit = slot.info.max_range * RANGE_MARGIN + slot.info.resolution;
        let out_of_range = values[..n]
            .iter()
            .any(|v| !v.is_finite() || v.abs() > limit);
        let check = &mut slot.check;
        if slot.info.reporting_mode == ReportingMode::Continuous && check.last == Some(*value) {
            check.repeats += 1;
        } else {
            check.repeats = 0;
        }
        check.last = Some(*value);
        let suspect = out_of_range || check.repeats >= STUCK_SAMPLES;
        if suspect != check.suspect {
            check.suspect = suspect;
            let status = if suspect {
                SensorStatus::DataSuspect
            } else {
                SensorStatus::Available
            };
            slot.info.status = status;
            let handle = slot.info.handle;
            tracing::warn!(sensor = %slot.info.name, ?status, ?value, "sensor data check");
            self.tell(handle, status, now);
        }
    }

    /// Stages `event` of sensor `i` for every session that wants it.
    fn dispatch(&mut self, i: usize, event: SensorEvent) {
        let slot = &mut self.sensors[i];
        let continuous = slot.info.reporting_mode == ReportingMode::Continuous;
        let hw_period = slot.hw.period;
        slot.last_event = Some(event);
        for session in self.sessions.values_mut() {
            let Some(sub) = session.subs.get_mut(&event.handle).filter(|s| s.on) else {
                continue;
            };
            if event.timestamp < sub.since || sub.last.is_some_and(|t| event.timestamp <= t) {
                continue;
            }
            if continuous {
                // Deliver the event nearest to each due time; an event half
                // a hardware period early is nearer than the next one.
                let due = sub.due.unwrap_or(event.timestamp);
                if event.timestamp + Nanos(hw_period.as_nanos() / 2) < due {
                    continue;
                }
                let next = due + sub.period;
                // Far behind (a stall): restart the schedule from here.
                sub.due = Some(if next + sub.period < event.timestamp {
                    event.timestamp + sub.period
                } else {
                    next
                });
            }
            sub.last = Some(event.timestamp);
            sub.delivered += 1;
            session.writer.stage(&event);
        }
    }

    fn publish_all(&mut self) {
        for session in self.sessions.values_mut() {
            publish(session);
        }
    }

    /// The hub's state, for `yunctl dump`.
    pub fn dump(&self) -> serde_json::Value {
        let sensors: Vec<serde_json::Value> = self
            .sensors
            .iter()
            .map(|s| {
                serde_json::json!({
                    "handle": s.info.handle.0,
                    "name": s.info.name,
                    "device": s.info.device,
                    "status": format!("{:?}", s.info.status),
                    "on": s.hw.on,
                    "period_ns": s.hw.period.as_nanos(),
                    "latency_ns": s.hw.latency.as_nanos(),
                })
            })
            .collect();
        let devices: Vec<serde_json::Value> = self
            .devices
            .iter()
            .map(|d| {
                serde_json::json!({
                    "name": d.name,
                    "reads": d.reads,
                    "retried_reads": d.retried_reads,
                    "failed_reads": d.failed_reads,
                    "unavailable": d.retry.is_some(),
                })
            })
            .collect();
        let sessions: Vec<serde_json::Value> = self
            .sessions
            .iter()
            .map(|(id, s)| {
                let subs: Vec<serde_json::Value> = s
                    .subs
                    .iter()
                    .filter(|(_, sub)| sub.on)
                    .map(|(h, sub)| {
                        serde_json::json!({
                            "handle": h.0,
                            "period_ns": sub.period.as_nanos(),
                            "latency_ns": sub.latency.as_nanos(),
                            "delivered": sub.delivered,
                        })
                    })
                    .collect();
                serde_json::json!({
                    "id": id,
                    "owner": s.owner,
                    "active": subs,
                    "dropped": s.writer.dropped_total(),
                })
            })
            .collect();
        serde_json::json!({ "sensors": sensors, "devices": devices, "sessions": sessions })
    }

    /// Ends every session and turns every sensor off (the service stops;
    /// its clients' connections close with it).
    pub fn power_down(&mut self) {
        self.sessions.clear();
        for s in &mut self.sensors {
            if s.hw.on {
                s.hw.on = false;
                let _ = self.devices[s.device].device.set_enabled(s.local, false);
            }
        }
        for d in &mut self.devices {
            d.next_read = None;
        }
    }

    /// Sessions open now.
    pub fn session_count(&self) -> usize {
        self.sessions.len()
    }
}

fn publish(session: &mut Session) {
    if session.writer.has_staged() {
        // A full queue drops events and counts them; the client sees the
        // count. Other sessions are not held up.
        if let Err(error) = session.writer.publish() {
            tracing::debug!(owner = %session.owner, %error, "sensor queue");
        }
    }
}

/// Runs a configuration call, once more if it fails (one NACK).
fn retried<T>(mut f: impl FnMut() -> Result<T, DeviceError>) -> Result<T, DeviceError> {
    f().or_else(|_| f())
}

#[cfg(test)]
mod tests;
