//! The hub's rules, on a scripted device and a time the tests choose.

use super::*;
use std::sync::{Arc, Mutex};
use yunhal::sensors::ipc::EventReader;
use yunhal::sensors::SensorDescriptor;
use yunhal::units::{Lux, MetersPerSecondSquared};
use yunhal::ErrorKind;

const ACCEL: SensorHandle = SensorHandle(0);
const LIGHT: SensorHandle = SensorHandle(1);
/// Their handles in the hub.
const H_ACCEL: SensorHandle = SensorHandle(1);
const H_LIGHT: SensorHandle = SensorHandle(2);

fn ms(n: u64) -> Nanos {
    Nanos::from_millis(n)
}

/// What the scripted device was told and what it will do.
#[derive(Debug, Default)]
struct Script {
    enabled: [bool; 2],
    period: [Nanos; 2],
    latency: [Nanos; 2],
    /// Reads (and configuration calls) that fail next.
    failing: u32,
    /// Every read fails while set.
    broken: bool,
    /// The accelerometer's value; `None`: a new value at each read.
    accel: Option<f32>,
    lux: f32,
    reads: u32,
    /// Batched samples waiting in the "FIFO" (batching mode).
    fifo_since: Option<Nanos>,
}

struct Scripted(Arc<Mutex<Script>>, Vec<SensorDescriptor>);

fn descriptors() -> Vec<SensorDescriptor> {
    let base = SensorDescriptor {
        handle: ACCEL,
        name: "test accelerometer",
        vendor: "yunhal",
        sensor_type: SensorType::Accelerometer,
        max_range: 20.0,
        resolution: 0.01,
        min_period: ms(1),
        max_period: Nanos::from_secs(1),
        fifo_reserved_events: 0,
        fifo_max_events: 512,
        reporting_mode: ReportingMode::Continuous,
        wake_up: false,
    };
    vec![
        base.clone(),
        SensorDescriptor {
            handle: LIGHT,
            name: "test light",
            sensor_type: SensorType::Light,
            max_range: 10_000.0,
            resolution: 1.0,
            fifo_max_events: 0,
            reporting_mode: ReportingMode::OnChange,
            ..base
        },
    ]
}

fn fault() -> DeviceError {
    DeviceError {
        kind: ErrorKind::Other,
        detail: "NACK".into(),
    }
}

impl Scripted {
    fn fail(&self) -> Result<(), DeviceError> {
        let mut s = self.0.lock().unwrap();
        if s.broken {
            return Err(fault());
        }
        if s.failing > 0 {
            s.failing -= 1;
            return Err(fault());
        }
        Ok(())
    }
}

impl DynSensorDevice for Scripted {
    fn sensors(&self) -> &[SensorDescriptor] {
        &self.1
    }

    fn configure(
        &mut self,
        handle: SensorHandle,
        period: Nanos,
        latency: Nanos,
    ) -> Result<Nanos, DeviceError> {
        self.fail()?;
        let mut s = self.0.lock().unwrap();
        s.period[handle.0 as usize] = period;
        s.latency[handle.0 as usize] = latency;
        Ok(period)
    }

    fn set_enabled(&mut self, handle: SensorHandle, enabled: bool) -> Result<(), DeviceError> {
        self.fail()?;
        self.0.lock().unwrap().enabled[handle.0 as usize] = enabled;
        Ok(())
    }

    fn read(&mut self, now: Nanos, out: &mut [SensorEvent]) -> Result<usize, DeviceError> {
        self.fail()?;
        let mut s = self.0.lock().unwrap();
        s.reads += 1;
        let mut n = 0;
        if s.enabled[0] {
            let value = s.accel.unwrap_or(s.reads as f32 * 0.001);
            let accel = |t| SensorEvent {
                handle: ACCEL,
                timestamp: t,
                value: SensorValue::Acceleration([MetersPerSecondSquared(value); 3]),
            };
            if s.latency[0] > Nanos(0) {
                // A FIFO: every sample since the last read.
                let period = s.period[0];
                let mut t = s.fifo_since.unwrap_or(now) + period;
                while t <= now && n < out.len() {
                    out[n] = accel(t);
                    n += 1;
                    t += period;
                }
                s.fifo_since = Some(t - period);
            } else {
                out[n] = accel(now);
                n += 1;
            }
        }
        if s.enabled[1] && n < out.len() {
            out[n] = SensorEvent {
                handle: LIGHT,
                timestamp: now,
                value: SensorValue::Light(Lux(s.lux)),
            };
            n += 1;
        }
        Ok(n)
    }
}

struct Rig {
    hub: Hub,
    script: Arc<Mutex<Script>>,
    now: Nanos,
}

impl Rig {
    fn new() -> Rig {
        let script = Arc::new(Mutex::new(Script {
            lux: 100.0,
            ..Script::default()
        }));
        let device = Scripted(script.clone(), descriptors());
        Rig {
            hub: Hub::new(vec![HubDevice {
                name: "scripted".into(),
                device: Box::new(device),
            }]),
            script,
            now: Nanos::from_secs(10),
        }
    }

    fn session(&mut self) -> (u64, EventReader) {
        let (id, fds) = self.hub.open_session("test", 4096).unwrap();
        (id, EventReader::attach(fds.into()).unwrap())
    }

    fn on(&mut self, id: u64, handle: SensorHandle, period_ms: u64) {
        self.hub
            .batch(id, handle, ms(period_ms), Nanos(0), self.now)
            .unwrap();
        self.hub.activate(id, handle, true, self.now).unwrap();
    }

    /// Lets `span` pass, polling when the hub asks.
    fn run(&mut self, span: Nanos) {
        let end = self.now + span;
        loop {
            let next = self.hub.poll(self.now);
            match next {
                Some(t) if t <= end => self.now = t.max(self.now),
                _ => break,
            }
            if self.now >= end {
                self.hub.poll(self.now);
                break;
            }
        }
        self.now = end;
    }

    fn script(&self) -> std::sync::MutexGuard<'_, Script> {
        self.script.lock().unwrap()
    }
}

fn drain(reader: &mut EventReader) -> Vec<SensorEvent> {
    let mut out = Vec::new();
    while reader.read(&mut out).unwrap() > 0 {}
    out
}

fn data_of(events: &[SensorEvent], handle: SensorHandle) -> Vec<SensorEvent> {
    events
        .iter()
        .filter(|e| {
            e.handle == handle
                && !matches!(e.value, SensorValue::FlushComplete | SensorValue::Status(_))
        })
        .copied()
        .collect()
}

fn statuses(events: &[SensorEvent]) -> Vec<SensorStatus> {
    events
        .iter()
        .filter_map(|e| match e.value {
            SensorValue::Status(s) => Some(s),
            _ => None,
        })
        .collect()
}

#[test]
fn sensors_are_listed_with_handles_from_one_in_board_order() {
    let rig = Rig::new();
    let list = rig.hub.sensor_list();
    let handles: Vec<u32> = list.iter().map(|s| s.handle.0).collect();
    assert_eq!(handles, [1, 2]);
    assert_eq!(list[0].device, "scripted");
    assert_eq!(list[1].sensor_type, SensorType::Light);
    assert!(list.iter().all(|s| s.status == SensorStatus::Available));
}

#[test]
fn the_hardware_runs_at_the_fastest_rate_asked_and_stops_with_the_last_client() {
    let mut rig = Rig::new();
    let (a, _ra) = rig.session();
    let (b, _rb) = rig.session();
    rig.on(a, H_ACCEL, 50);
    assert_eq!(rig.script().period[0], ms(50));
    rig.on(b, H_ACCEL, 10);
    assert_eq!(rig.script().period[0], ms(10));

    rig.hub.activate(b, H_ACCEL, false, rig.now).unwrap();
    assert_eq!(rig.script().period[0], ms(50));
    assert!(rig.script().enabled[0]);

    rig.hub.close_session(a, rig.now);
    assert!(
        !rig.script().enabled[0],
        "the last client gone turns it off"
    );
    assert_eq!(rig.hub.poll(rig.now), None, "nothing left to read");
}

#[test]
fn each_session_receives_its_own_rate() {
    let mut rig = Rig::new();
    let (fast, mut fast_reader) = rig.session();
    let (slow, mut slow_reader) = rig.session();
    let (odd, mut odd_reader) = rig.session();
    rig.on(fast, H_ACCEL, 10);
    rig.on(slow, H_ACCEL, 100);
    // 40 Hz is no divisor of the hardware's 100 Hz: the average still holds.
    rig.on(odd, H_ACCEL, 25);
    rig.run(Nanos::from_secs(2));

    let count = |r: &mut EventReader| data_of(&drain(r), H_ACCEL).len();
    assert!((199..=201).contains(&count(&mut fast_reader)));
    assert!((19..=21).contains(&count(&mut slow_reader)));
    assert!((79..=81).contains(&count(&mut odd_reader)));
}

#[test]
fn sessions_get_no_event_older_than_their_activation_and_increasing_timestamps() {
    let mut rig = Rig::new();
    let (a, _ra) = rig.session();
    rig.on(a, H_ACCEL, 5);
    rig.script().latency[0] = Nanos(0);
    rig.run(ms(100));
    let (b, mut rb) = rig.session();
    let since = rig.now;
    rig.on(b, H_ACCEL, 5);
    rig.run(ms(100));

    let events = data_of(&drain(&mut rb), H_ACCEL);
    assert!(!events.is_empty());
    assert!(events.iter().all(|e| e.timestamp >= since));
    assert!(events.windows(2).all(|w| w[0].timestamp < w[1].timestamp));
}

#[test]
fn unknown_handles_and_bad_queue_sizes_are_refused() {
    let mut rig = Rig::new();
    let (a, _ra) = rig.session();
    assert_eq!(
        rig.hub.activate(a, SensorHandle(9), true, rig.now),
        Err(HubError::UnknownHandle(9))
    );
    assert_eq!(
        rig.hub.activate(a, SensorHandle(0), true, rig.now),
        Err(HubError::UnknownHandle(0))
    );
    assert!(matches!(
        rig.hub.open_session("test", 1000),
        Err(HubError::QueueSize(1000))
    ));
    assert!(matches!(
        rig.hub.open_session("test", 8),
        Err(HubError::QueueSize(8))
    ));
}

#[test]
fn activate_and_batch_are_idempotent() {
    let mut rig = Rig::new();
    let (a, _ra) = rig.session();
    rig.on(a, H_ACCEL, 20);
    rig.on(a, H_ACCEL, 20);
    rig.hub.activate(a, H_ACCEL, true, rig.now).unwrap();
    assert_eq!(rig.script().period[0], ms(20));
    rig.hub.activate(a, H_ACCEL, false, rig.now).unwrap();
    rig.hub.activate(a, H_ACCEL, false, rig.now).unwrap();
    assert!(!rig.script().enabled[0]);
}

#[test]
fn flush_needs_an_active_sensor_and_completes_once_after_the_events() {
    let mut rig = Rig::new();
    let (a, mut ra) = rig.session();
    assert_eq!(
        rig.hub.flush(a, H_ACCEL, rig.now),
        Err(HubError::NotActive(1))
    );
    rig.on(a, H_ACCEL, 10);
    rig.run(ms(50));
    assert_eq!(rig.hub.flush(a, H_ACCEL, rig.now), Ok(false));
    assert_eq!(rig.hub.flush(a, H_ACCEL, rig.now), Ok(false));

    let events = drain(&mut ra);
    let flushes: Vec<usize> = events
        .iter()
        .enumerate()
        .filter(|(_, e)| e.value == SensorValue::FlushComplete)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(flushes, [events.len() - 2, events.len() - 1]);
    assert!(events.len() > 2);
}

#[test]
fn flush_of_a_batching_sensor_drains_the_fifo_first() {
    let mut rig = Rig::new();
    let (a, mut ra) = rig.session();
    rig.hub.batch(a, H_ACCEL, ms(10), ms(500), rig.now).unwrap();
    rig.hub.activate(a, H_ACCEL, true, rig.now).unwrap();
    // The first read, at the latency, starts the scripted FIFO.
    rig.run(ms(600));
    drain(&mut ra);
    rig.now += ms(200);
    assert_eq!(rig.hub.flush(a, H_ACCEL, rig.now), Ok(true));
    rig.hub.poll(rig.now);

    let events = drain(&mut ra);
    let last = events.last().unwrap();
    assert_eq!(last.value, SensorValue::FlushComplete);
    assert!(
        data_of(&events, H_ACCEL).len() >= 19,
        "the batched samples come before the flush-complete event: {events:?}"
    );
    assert_eq!(
        events
            .iter()
            .filter(|e| e.value == SensorValue::FlushComplete)
            .count(),
        1
    );
}

#[test]
fn one_failed_read_is_retried_without_a_gap() {
    let mut rig = Rig::new();
    let (a, mut ra) = rig.session();
    rig.on(a, H_ACCEL, 10);
    rig.run(ms(95));
    rig.script().failing = 1;
    rig.run(ms(100));

    let events = data_of(&drain(&mut ra), H_ACCEL);
    let gaps = events
        .windows(2)
        .filter(|w| w[1].timestamp - w[0].timestamp > ms(15))
        .count();
    assert_eq!(gaps, 0);
    assert!(events.len() >= 19);
}

#[test]
fn a_failing_device_is_reported_unavailable_and_recovers_under_the_same_handle() {
    let mut rig = Rig::new();
    let (a, mut ra) = rig.session();
    rig.on(a, H_ACCEL, 10);
    rig.run(ms(50));
    rig.script().broken = true;
    rig.run(ms(500));
    assert_eq!(rig.hub.sensor_list()[0].status, SensorStatus::Unavailable);
    let events = drain(&mut ra);
    assert_eq!(statuses(&events), [SensorStatus::Unavailable]);

    // A session that turns it on while it is down is told at once.
    let (b, mut rb) = rig.session();
    rig.on(b, H_ACCEL, 10);
    assert_eq!(statuses(&drain(&mut rb)), [SensorStatus::Unavailable]);

    rig.script().broken = false;
    rig.run(Nanos::from_secs(3));
    assert_eq!(rig.hub.sensor_list()[0].status, SensorStatus::Available);
    let events = drain(&mut ra);
    assert_eq!(statuses(&events), [SensorStatus::Available]);
    let after = events
        .iter()
        .position(|e| e.value == SensorValue::Status(SensorStatus::Available))
        .unwrap();
    assert!(
        data_of(&events[after..], H_ACCEL).len() > 10,
        "events resume under handle 1"
    );
    assert!(rig.script().enabled[0], "the configuration was re-applied");
}

#[test]
fn stuck_and_out_of_range_data_is_flagged_and_cleared() {
    let mut rig = Rig::new();
    let (a, mut ra) = rig.session();
    rig.on(a, H_ACCEL, 10);
    rig.script().accel = Some(1.0);
    rig.run(Nanos::from_millis(10 * u64::from(STUCK_SAMPLES) + 50));
    assert_eq!(statuses(&drain(&mut ra)), [SensorStatus::DataSuspect]);
    assert_eq!(rig.hub.sensor_list()[0].status, SensorStatus::DataSuspect);

    rig.script().accel = None;
    rig.run(ms(50));
    assert_eq!(statuses(&drain(&mut ra)), [SensorStatus::Available]);

    rig.script().accel = Some(500.0);
    rig.run(ms(30));
    let events = drain(&mut ra);
    assert_eq!(statuses(&events), [SensorStatus::DataSuspect]);
    assert!(
        !data_of(&events, H_ACCEL).is_empty(),
        "flagged data is still delivered"
    );
}

#[test]
fn on_change_sensors_report_changes_and_greet_a_new_session_with_the_last_value() {
    let mut rig = Rig::new();
    let (a, mut ra) = rig.session();
    rig.on(a, H_LIGHT, 10);
    rig.run(ms(100));
    let events = data_of(&drain(&mut ra), H_LIGHT);
    assert!(!events.is_empty());

    let (b, mut rb) = rig.session();
    rig.on(b, H_LIGHT, 10);
    let greeting = data_of(&drain(&mut rb), H_LIGHT);
    assert_eq!(greeting.len(), 1);
    assert_eq!(greeting[0].value, SensorValue::Light(Lux(100.0)));
}

#[test]
fn a_closed_session_releases_its_activations() {
    let mut rig = Rig::new();
    let (a, _ra) = rig.session();
    rig.on(a, H_ACCEL, 10);
    rig.on(a, H_LIGHT, 100);
    rig.hub.close_session(a, rig.now);
    assert_eq!(rig.script().enabled, [false, false]);
    assert_eq!(rig.hub.session_count(), 0);
}

#[test]
fn injected_events_reach_active_sessions_and_must_match_the_sensor_type() {
    let mut rig = Rig::new();
    let (a, mut ra) = rig.session();
    rig.on(a, H_LIGHT, 100);
    let light = SensorEvent {
        handle: H_LIGHT,
        timestamp: Nanos(0),
        value: SensorValue::Light(Lux(42.0)),
    };
    rig.now += ms(1);
    rig.hub.inject(light, rig.now).unwrap();
    let got = data_of(&drain(&mut ra), H_LIGHT);
    assert_eq!(got.last().unwrap().value, SensorValue::Light(Lux(42.0)));

    let wrong = SensorEvent {
        handle: H_ACCEL,
        ..light
    };
    assert_eq!(
        rig.hub.inject(wrong, rig.now),
        Err(HubError::WrongValue {
            handle: 1,
            expected: "accelerometer",
            got: "light"
        })
    );
}
