//! The sensors service as clients see it: `yunhal.sensors.ISensors`, the
//! per-client session, and the event records of the session's queue.
//!
//! # For clients
//! ```no_run
//! use yunhal::sensors::ipc::{EventReader, ISensors, SENSORS_SERVICE};
//! use yunhal::sensors::SensorType;
//! use yunhal_ipc::{Runtime, ServiceManager};
//!
//! let rt = Runtime::new()?;
//! let sensors = ServiceManager::connect(&rt)?.get_service::<dyn ISensors>(SENSORS_SERVICE)?;
//! let accel = sensors
//!     .get_sensor_list()?
//!     .into_iter()
//!     .find(|s| s.sensor_type == SensorType::Accelerometer)
//!     .expect("an accelerometer");
//! let session = sensors.open_session(1024)?;
//! let mut events = EventReader::attach(session.queue)?;
//! session.session.batch(accel.handle, 10_000_000, 0)?; // 100 Hz, no batching
//! session.session.activate(accel.handle, true)?;
//! let mut buf = Vec::new();
//! events.wait(None)?;
//! events.read(&mut buf)?;
//! println!("{:?}", buf.first());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//! Dropping the session (or the client dying) releases its activations.

use serde::{Deserialize, Serialize};
use std::time::Duration;

use super::{ReportingMode, SensorEvent, SensorHandle, SensorStatus, SensorType, SensorValue};
use crate::time::Nanos;
use crate::units::{
    Celsius, Centimeters, HectoPascal, Lux, MetersPerSecondSquared, MicroTesla, RadiansPerSecond,
};
use yunhal_ipc::queue::{QueueError, QueueFds, QueueReader, QueueWriter};
use yunhal_ipc::{Fd, Strong};

/// The name `yunhald` registers the sensors service under.
pub const SENSORS_SERVICE: &str = "yunhal.sensors.ISensors/default";

/// Methods only the daemon's user and root may call by default.
pub const SENSORS_PRIVILEGED_METHODS: &[&str] = &["inject"];

/// Bytes of one event record in a session's queue.
pub const EVENT_RECORD_SIZE: u32 = 32;

/// Smallest and largest queue a session may ask for, in events.
pub const MIN_QUEUE_EVENTS: u32 = 16;
pub const MAX_QUEUE_EVENTS: u32 = 65_536;

yunhal_ipc::interface! {
    /// The sensors of the board, shared between clients: the hardware runs
    /// at the fastest rate any client asked for, each client receives its
    /// own rate, and a sensor is off when no client has it on.
    pub trait ISensors: "yunhal.sensors.ISensors", version 1 {
        /// Every sensor, with its daemon-wide handle and current status.
        1 => fn get_sensor_list() -> Vec<SensorInfo>;
        /// A new session with its own event queue of `queue_events` events
        /// (a power of two between 16 and 65536). Activations belong to the
        /// session and end with it.
        2 => fn open_session(queue_events: u32) -> SessionSetup;
        /// Delivers `event` to the sessions that have its sensor on, as if
        /// the hardware had produced it (simulated boards only).
        3 => fn inject(event: SensorEvent);
    }
}

yunhal_ipc::interface! {
    /// One client's view of the sensors: its activations, rates and flushes.
    pub trait ISensorSession: "yunhal.sensors.ISensorSession", version 1 {
        /// Turns `handle` on or off for this session. Idempotent.
        1 => fn activate(handle: SensorHandle, enabled: bool);
        /// Sets this session's sampling period and the longest time events
        /// may wait in a hardware FIFO. Periods outside the sensor's range
        /// are clamped to it. Idempotent.
        2 => fn batch(handle: SensorHandle, sampling_period_ns: u64, max_report_latency_ns: u64);
        /// Delivers every event batched for `handle` so far, followed by
        /// one flush-complete event. Fails for a sensor this session has
        /// not activated and for one-shot sensors.
        3 => fn flush(handle: SensorHandle);
    }
}

/// One sensor as the service lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SensorInfo {
    /// Daemon-wide; stays the same while the daemon runs, also across a
    /// sensor's failure and recovery.
    pub handle: SensorHandle,
    /// E.g. `"MPU-6050 accelerometer"`.
    pub name: String,
    pub vendor: String,
    /// The board's name of the device carrying the sensor, e.g. `imu`.
    pub device: String,
    pub sensor_type: SensorType,
    /// Largest magnitude, in the type's unit.
    pub max_range: f32,
    /// Smallest step, in the type's unit.
    pub resolution: f32,
    pub min_period_ns: u64,
    pub max_period_ns: u64,
    pub fifo_reserved_events: u32,
    pub fifo_max_events: u32,
    pub reporting_mode: ReportingMode,
    pub wake_up: bool,
    /// The permission an app needs, for runtimes that have them (e.g.
    /// `android.permission.BODY_SENSORS`); `None`: no permission.
    pub required_permission: Option<String>,
    pub status: SensorStatus,
}

/// What [`ISensors::open_session`] returns.
#[derive(Serialize, Deserialize)]
pub struct SessionSetup {
    /// Calls that change this session's activations.
    pub session: Strong<dyn ISensorSession>,
    /// The reading end of the session's event queue.
    pub queue: QueueSetup,
}

/// A queue's descriptors and geometry, as they travel in a call.
#[derive(Serialize, Deserialize)]
pub struct QueueSetup {
    pub memfd: Fd,
    pub eventfd: Fd,
    pub event_size: u32,
    pub capacity: u32,
}

impl From<QueueFds> for QueueSetup {
    fn from(q: QueueFds) -> QueueSetup {
        QueueSetup {
            memfd: Fd::new(q.memfd),
            eventfd: Fd::new(q.eventfd),
            event_size: q.event_size,
            capacity: q.capacity,
        }
    }
}

impl From<QueueSetup> for QueueFds {
    fn from(q: QueueSetup) -> QueueFds {
        QueueFds {
            memfd: q.memfd.into_inner(),
            eventfd: q.eventfd.into_inner(),
            event_size: q.event_size,
            capacity: q.capacity,
        }
    }
}

// ---- event records ------------------------------------------------------
//
// | offset | size | field |
// |---|---|---|
// | 0 | 4 | handle (u32) |
// | 4 | 4 | kind (u32, the `KIND_*` below) |
// | 8 | 8 | timestamp, ns on the boot-time clock (u64) |
// | 16 | 16 | four f32 values, by kind |
//
// Native-endian: both ends run on the same machine.

const KIND_ACCELERATION: u32 = 1;
const KIND_ANGULAR_VELOCITY: u32 = 2;
const KIND_MAGNETIC_FIELD: u32 = 3;
const KIND_LIGHT: u32 = 4;
/// values: distance in cm, near (1.0) or far (0.0).
const KIND_PROXIMITY: u32 = 5;
const KIND_TEMPERATURE: u32 = 6;
const KIND_PRESSURE: u32 = 7;
const KIND_FLUSH_COMPLETE: u32 = 0x100;
/// values\[0\]: 0 available, 1 unavailable, 2 data suspect.
const KIND_STATUS: u32 = 0x101;

/// Why an event record could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RecordError {
    #[error("event record of {0} bytes, expected {EVENT_RECORD_SIZE}")]
    Length(usize),
    #[error("event record of unknown kind {0:#x}")]
    Kind(u32),
    #[error("status event with unknown status {0}")]
    Status(f32),
}

/// Writes `event` as one queue record.
pub fn encode_event(event: &SensorEvent) -> [u8; EVENT_RECORD_SIZE as usize] {
    let (kind, values): (u32, [f32; 4]) = match event.value {
        SensorValue::Acceleration(v) => (KIND_ACCELERATION, [v[0].0, v[1].0, v[2].0, 0.0]),
        SensorValue::AngularVelocity(v) => (KIND_ANGULAR_VELOCITY, [v[0].0, v[1].0, v[2].0, 0.0]),
        SensorValue::MagneticField(v) => (KIND_MAGNETIC_FIELD, [v[0].0, v[1].0, v[2].0, 0.0]),
        SensorValue::Light(l) => (KIND_LIGHT, [l.0, 0.0, 0.0, 0.0]),
        SensorValue::Proximity { distance, near } => (
            KIND_PROXIMITY,
            [distance.0, if near { 1.0 } else { 0.0 }, 0.0, 0.0],
        ),
        SensorValue::Temperature(t) => (KIND_TEMPERATURE, [t.0, 0.0, 0.0, 0.0]),
        SensorValue::Pressure(p) => (KIND_PRESSURE, [p.0, 0.0, 0.0, 0.0]),
        SensorValue::FlushComplete => (KIND_FLUSH_COMPLETE, [0.0; 4]),
        SensorValue::Status(s) => {
            let code = match s {
                SensorStatus::Available => 0.0,
                SensorStatus::Unavailable => 1.0,
                SensorStatus::DataSuspect => 2.0,
            };
            (KIND_STATUS, [code, 0.0, 0.0, 0.0])
        }
    };
    let mut out = [0u8; EVENT_RECORD_SIZE as usize];
    out[0..4].copy_from_slice(&event.handle.0.to_ne_bytes());
    out[4..8].copy_from_slice(&kind.to_ne_bytes());
    out[8..16].copy_from_slice(&event.timestamp.as_nanos().to_ne_bytes());
    for (i, v) in values.iter().enumerate() {
        out[16 + 4 * i..20 + 4 * i].copy_from_slice(&v.to_ne_bytes());
    }
    out
}

/// Reads one queue record; the writer is another process, so every field
/// is checked.
pub fn decode_event(record: &[u8]) -> Result<SensorEvent, RecordError> {
    if record.len() != EVENT_RECORD_SIZE as usize {
        return Err(RecordError::Length(record.len()));
    }
    let u32_at = |at: usize| u32::from_ne_bytes(record[at..at + 4].try_into().expect("4 bytes"));
    let f = |i: usize| f32::from_ne_bytes(record[16 + 4 * i..20 + 4 * i].try_into().expect("4"));
    let handle = SensorHandle(u32_at(0));
    let kind = u32_at(4);
    let timestamp = Nanos(u64::from_ne_bytes(record[8..16].try_into().expect("8")));
    let value = match kind {
        KIND_ACCELERATION => SensorValue::Acceleration([
            MetersPerSecondSquared(f(0)),
            MetersPerSecondSquared(f(1)),
            MetersPerSecondSquared(f(2)),
        ]),
        KIND_ANGULAR_VELOCITY => SensorValue::AngularVelocity([
            RadiansPerSecond(f(0)),
            RadiansPerSecond(f(1)),
            RadiansPerSecond(f(2)),
        ]),
        KIND_MAGNETIC_FIELD => {
            SensorValue::MagneticField([MicroTesla(f(0)), MicroTesla(f(1)), MicroTesla(f(2))])
        }
        KIND_LIGHT => SensorValue::Light(Lux(f(0))),
        KIND_PROXIMITY => SensorValue::Proximity {
            distance: Centimeters(f(0)),
            near: f(1) != 0.0,
        },
        KIND_TEMPERATURE => SensorValue::Temperature(Celsius(f(0))),
        KIND_PRESSURE => SensorValue::Pressure(HectoPascal(f(0))),
        KIND_FLUSH_COMPLETE => SensorValue::FlushComplete,
        KIND_STATUS => SensorValue::Status({
            let code = f(0);
            if code == 0.0 {
                SensorStatus::Available
            } else if code == 1.0 {
                SensorStatus::Unavailable
            } else if code == 2.0 {
                SensorStatus::DataSuspect
            } else {
                return Err(RecordError::Status(code));
            }
        }),
        other => return Err(RecordError::Kind(other)),
    };
    Ok(SensorEvent {
        handle,
        timestamp,
        value,
    })
}

/// The service's end of a session's queue. Events are staged straight
/// into the queue's slots and reach the client together at
/// [`EventWriter::publish`], with at most one wake-up.
#[derive(Debug)]
pub struct EventWriter {
    queue: QueueWriter,
    /// What made staging fail since the last publish, other than a full
    /// queue (which the queue counts as drops): reported by `publish`.
    failed: Option<QueueError>,
}

impl EventWriter {
    /// A new queue of `capacity` events; send the fds to the client.
    pub fn create(name: &str, capacity: u32) -> Result<(EventWriter, QueueFds), QueueError> {
        let (queue, fds) =
            yunhal_ipc::queue::EventQueue::create(name, EVENT_RECORD_SIZE, capacity)?;
        Ok((
            EventWriter {
                queue,
                failed: None,
            },
            fds,
        ))
    }

    /// Adds `event` to the batch that [`EventWriter::publish`] sends. When
    /// the queue is full the event is dropped and counted for the client.
    pub fn stage(&mut self, event: &SensorEvent) {
        match self.queue.stage(&encode_event(event)) {
            Ok(()) | Err(QueueError::Full) => {}
            Err(error) => self.failed = Some(error),
        }
    }

    /// Whether events are staged (or staging failed, to be reported).
    pub fn has_staged(&self) -> bool {
        self.queue.staged() > 0 || self.failed.is_some()
    }

    /// Publishes the staged events with at most one wake-up; returns how
    /// many. Events that did not fit were counted as dropped by the queue;
    /// any other failure since the last publish is returned (the events
    /// staged before it are still published).
    pub fn publish(&mut self) -> Result<usize, QueueError> {
        let published = self.queue.publish_staged();
        match self.failed.take() {
            Some(error) => Err(error),
            None => Ok(published),
        }
    }

    /// Events dropped so far because the client did not read.
    pub fn dropped_total(&self) -> u64 {
        self.queue.dropped_total()
    }
}

/// Records [`EventReader::read`] copies out of the queue at a time, so a
/// reader's buffer is this small whatever its queue's size (and a read of
/// one event touches one record of it).
const READ_CHUNK_EVENTS: usize = 64;

/// The client's end of a session's queue.
#[derive(Debug)]
pub struct EventReader {
    queue: QueueReader,
    chunk: Box<[u8; READ_CHUNK_EVENTS * EVENT_RECORD_SIZE as usize]>,
}

impl EventReader {
    /// Attaches to the queue the service sent.
    pub fn attach(setup: QueueSetup) -> Result<EventReader, QueueError> {
        let queue = QueueReader::attach(setup.into())?;
        Ok(EventReader {
            queue,
            chunk: Box::new([0; READ_CHUNK_EVENTS * EVENT_RECORD_SIZE as usize]),
        })
    }

    /// Waits until events are there, or `timeout` passed (`false`).
    pub fn wait(&mut self, timeout: Option<Duration>) -> Result<bool, QueueError> {
        self.queue.wait(timeout)
    }

    /// Appends the available events to `out`, at most a queue's worth (so
    /// a service writing as fast as this reads cannot keep it here);
    /// returns how many. A record that does not decode is an error (the
    /// service wrote nonsense); the events before it are in `out`.
    pub fn read(&mut self, out: &mut Vec<SensorEvent>) -> Result<usize, EventReadError> {
        const SIZE: usize = EVENT_RECORD_SIZE as usize;
        let mut total = 0;
        loop {
            let n = self.queue.read_batch(&mut self.chunk[..])?;
            for record in self.chunk[..n * SIZE].chunks_exact(SIZE) {
                out.push(decode_event(record)?);
            }
            total += n;
            if n < READ_CHUNK_EVENTS || total >= self.queue.capacity() {
                return Ok(total);
            }
        }
    }

    /// Events the service dropped because this reader fell behind.
    pub fn dropped(&mut self) -> u64 {
        self.queue.dropped()
    }

    /// The queue, for a poll/epoll set of the client's own.
    pub fn queue(&mut self) -> &mut QueueReader {
        &mut self.queue
    }
}

/// Why [`EventReader::read`] failed.
#[derive(Debug, thiserror::Error)]
pub enum EventReadError {
    #[error(transparent)]
    Queue(#[from] QueueError),
    #[error(transparent)]
    Record(#[from] RecordError),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(value: SensorValue) -> SensorEvent {
        SensorEvent {
            handle: SensorHandle(7),
            timestamp: Nanos(123_456_789),
            value,
        }
    }

    #[test]
    fn every_value_survives_a_record() {
        let values = [
            SensorValue::Acceleration([
                MetersPerSecondSquared(0.5),
                MetersPerSecondSquared(-9.8),
                MetersPerSecondSquared(1.0),
            ]),
            SensorValue::AngularVelocity([
                RadiansPerSecond(0.1),
                RadiansPerSecond(0.2),
                RadiansPerSecond(0.3),
            ]),
            SensorValue::MagneticField([MicroTesla(20.0), MicroTesla(-5.0), MicroTesla(-40.0)]),
            SensorValue::Light(Lux(320.0)),
            SensorValue::Proximity {
                distance: Centimeters(0.0),
                near: true,
            },
            SensorValue::Temperature(Celsius(36.6)),
            SensorValue::Pressure(HectoPascal(1013.25)),
            SensorValue::FlushComplete,
            SensorValue::Status(SensorStatus::Unavailable),
            SensorValue::Status(SensorStatus::DataSuspect),
            SensorValue::Status(SensorStatus::Available),
        ];
        for value in values {
            let event = ev(value);
            assert_eq!(decode_event(&encode_event(&event)), Ok(event));
        }
    }

    #[test]
    fn records_of_unknown_kind_status_or_length_are_refused() {
        let mut record = encode_event(&ev(SensorValue::FlushComplete));
        record[4..8].copy_from_slice(&77u32.to_ne_bytes());
        assert_eq!(decode_event(&record), Err(RecordError::Kind(77)));

        let mut record = encode_event(&ev(SensorValue::Status(SensorStatus::Available)));
        record[16..20].copy_from_slice(&9.0f32.to_ne_bytes());
        assert_eq!(decode_event(&record), Err(RecordError::Status(9.0)));

        assert_eq!(decode_event(&record[..31]), Err(RecordError::Length(31)));
    }

    fn light(i: u64) -> SensorEvent {
        SensorEvent {
            handle: SensorHandle(1),
            timestamp: Nanos(i),
            value: SensorValue::Light(Lux(i as f32)),
        }
    }

    #[test]
    fn staged_events_reach_the_reader_in_order() {
        let (mut writer, fds) = EventWriter::create("sensors-test", 16).unwrap();
        let mut reader = EventReader::attach(fds.into()).unwrap();
        for i in 0..5 {
            writer.stage(&light(i));
        }
        assert_eq!(writer.publish().unwrap(), 5);

        let mut out = Vec::new();
        assert_eq!(reader.read(&mut out).unwrap(), 5);
        let stamps: Vec<u64> = out.iter().map(|e| e.timestamp.as_nanos()).collect();
        assert_eq!(stamps, [0, 1, 2, 3, 4]);
    }

    #[test]
    fn one_read_takes_events_beyond_one_chunk_up_to_a_queue_of_them() {
        let (mut writer, fds) = EventWriter::create("sensors-test", 256).unwrap();
        let mut reader = EventReader::attach(fds.into()).unwrap();
        for i in 0..200 {
            writer.stage(&light(i));
        }
        writer.publish().unwrap();

        let mut out = Vec::new();
        assert_eq!(reader.read(&mut out).unwrap(), 200);
        assert!(out
            .iter()
            .enumerate()
            .all(|(i, e)| e.timestamp == Nanos(i as u64)));
        assert_eq!(reader.read(&mut out).unwrap(), 0);
    }

    #[test]
    fn events_staged_into_a_full_queue_are_dropped_and_counted() {
        let (mut writer, fds) = EventWriter::create("sensors-test", 16).unwrap();
        let mut reader = EventReader::attach(fds.into()).unwrap();
        for i in 0..20 {
            writer.stage(&light(i));
        }

        assert_eq!(writer.publish().unwrap(), 16);
        assert_eq!(writer.dropped_total(), 4);
        assert_eq!(reader.dropped(), 4);
        let mut out = Vec::new();
        assert_eq!(reader.read(&mut out).unwrap(), 16);
        assert_eq!(out[15].timestamp, Nanos(15), "the first 16 are kept");
    }
}
