//! Conformance of `yunhal.sensors.ISensors`, modelled on Android's sensors
//! VTS (`VtsHalSensorsTargetTest`) and CTS (`SensorTest`,
//! `SensorBatchingTests`): the list, argument checking, idempotence,
//! flushes, timestamps, rates, gaps, staleness after re-activation.
//!
//! The checks use only the client API, so they run against any `yunhald`
//! whose sensors are at rest or moving smoothly (a real handset on a desk,
//! the simulated one).

use std::collections::BTreeSet;
use std::thread;
use std::time::{Duration, Instant};

use yunhal::sensors::ipc::{EventReader, ISensorSession, ISensors, SensorInfo, SENSORS_SERVICE};
use yunhal::sensors::{ReportingMode, SensorEvent, SensorHandle, SensorValue};
use yunhal::time::{Clock, Nanos};
use yunhal_ipc::{ExceptionCode, ServiceManager, Status, Strong};

use super::{Check, Outcome};

/// Rate the timing checks ask for, or the sensor's fastest if slower.
const CHECK_RATE_HZ: f64 = 50.0;
/// How long the timing checks collect events.
const COLLECT: Duration = Duration::from_secs(2);
/// Delivered rate within this share of the requested one.
const RATE_TOLERANCE: f64 = 0.10;
/// A gap longer than this many periods counts against the sensor...
const GAP_PERIODS: f64 = 1.8;
/// ...and at most this share of the events may follow one.
const GAP_SHARE: f64 = 0.02;
/// Each flush completes within this.
const FLUSH_DEADLINE: Duration = Duration::from_secs(1);

/// How long the suite waits for the service to register (a daemon that
/// has just started).
const SERVICE_WAIT: Duration = Duration::from_secs(10);

/// Runs every sensors check against the service registered with `sm`.
pub fn run(sm: &ServiceManager) -> Vec<Check> {
    let service = match sm.wait_for_service::<dyn ISensors>(SENSORS_SERVICE, SERVICE_WAIT) {
        Ok(s) => s,
        Err(e) => {
            return vec![Check::new(
                "sensors service reachable",
                Outcome::Failed(format!("{SENSORS_SERVICE}: {e}")),
            )]
        }
    };
    let list = match service.get_sensor_list() {
        Ok(list) => list,
        Err(e) => {
            return vec![Check::new(
                "sensor list",
                Outcome::Failed(format!("get_sensor_list: {e}")),
            )]
        }
    };
    let checks: [(&'static str, CheckFn); 8] = [
        ("sensor list is valid", list_is_valid),
        ("invalid handles are refused", invalid_handles_are_refused),
        (
            "activate and batch are idempotent",
            activate_and_batch_are_idempotent,
        ),
        (
            "flush of an inactive or one-shot sensor fails",
            flush_needs_an_active_sensor,
        ),
        (
            "each flush completes exactly once within 1 s",
            flushes_complete_once,
        ),
        (
            "timestamps increase, rate within 10 %, gaps over 1.8 periods under 2 %",
            timing,
        ),
        (
            "first event after re-activation is not stale",
            not_stale_after_reactivation,
        ),
        (
            "sessions do not see each other's rates",
            sessions_have_their_own_rates,
        ),
    ];
    checks
        .into_iter()
        .map(|(name, check)| Check::new(name, check(&service, &list)))
        .collect()
}

type CheckFn = fn(&Strong<dyn ISensors>, &[SensorInfo]) -> Outcome;

/// A session and its queue.
struct Client {
    session: Strong<dyn ISensorSession>,
    events: EventReader,
}

impl Client {
    fn open(service: &Strong<dyn ISensors>) -> Result<Client, String> {
        let setup = service
            .open_session(4096)
            .map_err(|e| format!("open_session: {e}"))?;
        Ok(Client {
            session: setup.session,
            events: EventReader::attach(setup.queue).map_err(|e| format!("queue: {e}"))?,
        })
    }

    fn start(&self, sensor: &SensorInfo, period: Nanos) -> Result<(), String> {
        self.session
            .batch(sensor.handle, period.as_nanos(), 0)
            .map_err(|e| format!("batch({}): {e}", sensor.handle.0))?;
        self.session
            .activate(sensor.handle, true)
            .map_err(|e| format!("activate({}): {e}", sensor.handle.0))
    }

    /// Events for `span`.
    fn collect(&mut self, span: Duration) -> Result<Vec<SensorEvent>, String> {
        let end = Instant::now() + span;
        let mut out = Vec::new();
        while let Some(left) = end.checked_duration_since(Instant::now()) {
            self.events
                .wait(Some(left.min(Duration::from_millis(50))))
                .map_err(|e| e.to_string())?;
            self.events.read(&mut out).map_err(|e| e.to_string())?;
        }
        Ok(out)
    }

    /// Events until `done` says so, or `span` passed.
    fn collect_until(
        &mut self,
        span: Duration,
        mut done: impl FnMut(&[SensorEvent]) -> bool,
    ) -> Result<Vec<SensorEvent>, String> {
        let end = Instant::now() + span;
        let mut out = Vec::new();
        while !done(&out) {
            let Some(left) = end.checked_duration_since(Instant::now()) else {
                break;
            };
            self.events
                .wait(Some(left.min(Duration::from_millis(20))))
                .map_err(|e| e.to_string())?;
            self.events.read(&mut out).map_err(|e| e.to_string())?;
        }
        Ok(out)
    }
}

fn continuous(list: &[SensorInfo]) -> Vec<&SensorInfo> {
    list.iter()
        .filter(|s| s.reporting_mode == ReportingMode::Continuous)
        .collect()
}

/// The period the timing checks ask of `sensor`.
fn check_period(sensor: &SensorInfo) -> Nanos {
    let wanted = (1e9 / CHECK_RATE_HZ) as u64;
    Nanos(wanted.clamp(sensor.min_period_ns, sensor.max_period_ns))
}

fn is_data(event: &SensorEvent) -> bool {
    !matches!(
        event.value,
        SensorValue::FlushComplete | SensorValue::Status(_)
    )
}

fn failures(problems: Vec<String>) -> Outcome {
    if problems.is_empty() {
        Outcome::Passed
    } else {
        Outcome::Failed(problems.join("; "))
    }
}

fn list_is_valid(_: &Strong<dyn ISensors>, list: &[SensorInfo]) -> Outcome {
    let mut problems = Vec::new();
    if list.is_empty() {
        return Outcome::Failed("the list is empty".into());
    }
    let handles: BTreeSet<u32> = list.iter().map(|s| s.handle.0).collect();
    if handles.len() != list.len() {
        problems.push("handles are not unique".into());
    }
    for s in list {
        let name = format!("sensor {} ({})", s.handle.0, s.name);
        if s.name.is_empty() || s.vendor.is_empty() {
            problems.push(format!("{name}: empty name or vendor"));
        }
        if !(s.max_range.is_finite() && s.max_range > 0.0) {
            problems.push(format!("{name}: max_range {}", s.max_range));
        }
        if !(s.resolution.is_finite() && s.resolution > 0.0 && s.resolution <= s.max_range) {
            problems.push(format!(
                "{name}: resolution {} not in (0, max_range]",
                s.resolution
            ));
        }
        if s.min_period_ns == 0 || s.min_period_ns > s.max_period_ns {
            problems.push(format!(
                "{name}: periods {}..{} ns",
                s.min_period_ns, s.max_period_ns
            ));
        }
        if s.fifo_reserved_events > s.fifo_max_events {
            problems.push(format!(
                "{name}: FIFO reserves {} of {} events",
                s.fifo_reserved_events, s.fifo_max_events
            ));
        }
        if s.reporting_mode == ReportingMode::Continuous && s.max_period_ns > 10_000_000_000 {
            problems.push(format!("{name}: continuous, yet slower than 0.1 Hz"));
        }
    }
    failures(problems)
}

fn illegal_argument(result: Result<(), Status>) -> Result<(), String> {
    match result {
        Err(s) if s.exception_code() == Some(ExceptionCode::IllegalArgument) => Ok(()),
        Err(s) => Err(format!("expected an illegal-argument error, got {s}")),
        Ok(()) => Err("expected an illegal-argument error, got success".into()),
    }
}

fn invalid_handles_are_refused(service: &Strong<dyn ISensors>, list: &[SensorInfo]) -> Outcome {
    let client = match Client::open(service) {
        Ok(c) => c,
        Err(e) => return Outcome::Failed(e),
    };
    let highest = list.iter().map(|s| s.handle.0).max().unwrap_or(0);
    let invalid = [highest + 1, u32::MAX]
        .into_iter()
        .chain(
            (0..=highest)
                .filter(|h| list.iter().all(|s| s.handle.0 != *h))
                .take(1),
        )
        .map(SensorHandle);
    let mut problems = Vec::new();
    for handle in invalid {
        let s = &client.session;
        for (what, result) in [
            ("activate", s.activate(handle, true)),
            ("batch", s.batch(handle, 20_000_000, 0)),
            ("flush", s.flush(handle)),
        ] {
            if let Err(e) = illegal_argument(result) {
                problems.push(format!("{what}({}): {e}", handle.0));
            }
        }
    }
    failures(problems)
}

fn activate_and_batch_are_idempotent(
    service: &Strong<dyn ISensors>,
    list: &[SensorInfo],
) -> Outcome {
    let Some(sensor) = continuous(list).into_iter().next() else {
        return Outcome::Skipped("no continuous sensor".into());
    };
    let mut client = match Client::open(service) {
        Ok(c) => c,
        Err(e) => return Outcome::Failed(e),
    };
    let period = check_period(sensor);
    let mut steps = || -> Result<(), String> {
        client.start(sensor, period)?;
        client.start(sensor, period)?;
        let s = &client.session;
        s.activate(sensor.handle, true)
            .map_err(|e| format!("activate again: {e}"))?;
        let events = client.collect(Duration::from_millis(300))?;
        if !events.iter().any(is_data) {
            return Err("no event after activating twice".into());
        }
        let s = &client.session;
        s.activate(sensor.handle, false)
            .map_err(|e| format!("deactivate: {e}"))?;
        s.activate(sensor.handle, false)
            .map_err(|e| format!("deactivate again: {e}"))?;
        // What was read before the deactivation may still be queued.
        client.collect(Duration::from_millis(100))?;
        let late = client.collect(Duration::from_millis(300))?;
        if late.iter().any(is_data) {
            return Err(format!(
                "{} events after deactivating",
                late.iter().filter(|e| is_data(e)).count()
            ));
        }
        Ok(())
    };
    match steps() {
        Ok(()) => Outcome::Passed,
        Err(e) => Outcome::Failed(format!("{}: {e}", sensor.name)),
    }
}

fn flush_needs_an_active_sensor(service: &Strong<dyn ISensors>, list: &[SensorInfo]) -> Outcome {
    let client = match Client::open(service) {
        Ok(c) => c,
        Err(e) => return Outcome::Failed(e),
    };
    let mut problems = Vec::new();
    for sensor in list {
        if let Err(e) = illegal_argument(client.session.flush(sensor.handle)) {
            problems.push(format!("flush of inactive {}: {e}", sensor.name));
        }
    }
    for sensor in list
        .iter()
        .filter(|s| s.reporting_mode == ReportingMode::OneShot)
    {
        let result = client
            .session
            .activate(sensor.handle, true)
            .and_then(|_| client.session.flush(sensor.handle));
        if let Err(e) = illegal_argument(result) {
            problems.push(format!("flush of one-shot {}: {e}", sensor.name));
        }
    }
    failures(problems)
}

fn flushes_complete_once(service: &Strong<dyn ISensors>, list: &[SensorInfo]) -> Outcome {
    let mut problems = Vec::new();
    for sensor in list
        .iter()
        .filter(|s| s.reporting_mode != ReportingMode::OneShot)
    {
        let result = (|| -> Result<(), String> {
            let mut client = Client::open(service)?;
            client.start(sensor, check_period(sensor))?;
            const FLUSHES: usize = 3;
            let sent = Instant::now();
            for _ in 0..FLUSHES {
                client
                    .session
                    .flush(sensor.handle)
                    .map_err(|e| format!("flush: {e}"))?;
            }
            let is_flush = |e: &SensorEvent| {
                e.handle == sensor.handle && e.value == SensorValue::FlushComplete
            };
            let events = client.collect_until(FLUSH_DEADLINE, |events| {
                events.iter().filter(|e| is_flush(e)).count() >= FLUSHES
            })?;
            let took = sent.elapsed();
            let got = events.iter().filter(|e| is_flush(e)).count();
            if got < FLUSHES {
                return Err(format!(
                    "{got} of {FLUSHES} flush-complete events within {FLUSH_DEADLINE:?}"
                ));
            }
            let extra = client.collect(Duration::from_millis(200))?;
            let more = extra.iter().filter(|e| is_flush(e)).count();
            if got + more != FLUSHES {
                return Err(format!(
                    "{} flush-complete events for {FLUSHES} flushes",
                    got + more
                ));
            }
            if took > FLUSH_DEADLINE {
                return Err(format!("flushes took {took:?}"));
            }
            Ok(())
        })();
        if let Err(e) = result {
            problems.push(format!("{}: {e}", sensor.name));
        }
    }
    failures(problems)
}

/// Collects every continuous sensor at once, one session each.
fn timing(service: &Strong<dyn ISensors>, list: &[SensorInfo]) -> Outcome {
    let sensors = continuous(list);
    if sensors.is_empty() {
        return Outcome::Skipped("no continuous sensor".into());
    }
    let results: Vec<Result<(), String>> = thread::scope(|scope| {
        let runs: Vec<_> = sensors
            .iter()
            .map(|sensor| {
                scope.spawn(move || -> Result<(), String> {
                    let mut client = Client::open(service)?;
                    let period = check_period(sensor);
                    client.start(sensor, period)?;
                    let events: Vec<SensorEvent> = client
                        .collect(COLLECT)?
                        .into_iter()
                        .filter(|e| e.handle == sensor.handle && is_data(e))
                        .collect();
                    timing_of(&events, period).map_err(|e| format!("{}: {e}", sensor.name))
                })
            })
            .collect();
        runs.into_iter()
            .map(|r| r.join().unwrap_or_else(|_| Err("check panicked".into())))
            .collect()
    });
    failures(results.into_iter().filter_map(Result::err).collect())
}

/// The timing rules for one sensor's events at `period`.
pub fn timing_of(events: &[SensorEvent], period: Nanos) -> Result<(), String> {
    if events.len() < 10 {
        return Err(format!("only {} events", events.len()));
    }
    if let Some(w) = events.windows(2).find(|w| w[1].timestamp <= w[0].timestamp) {
        return Err(format!(
            "timestamp {} after {}",
            w[1].timestamp.as_nanos(),
            w[0].timestamp.as_nanos()
        ));
    }
    let span = (events[events.len() - 1].timestamp - events[0].timestamp).as_nanos() as f64;
    let period_ns = period.as_nanos() as f64;
    let rate = (events.len() - 1) as f64 * 1e9 / span;
    let wanted = 1e9 / period_ns;
    if (rate - wanted).abs() > wanted * RATE_TOLERANCE {
        return Err(format!("{rate:.2} Hz delivered, {wanted:.2} Hz requested"));
    }
    let gaps = events
        .windows(2)
        .filter(|w| (w[1].timestamp - w[0].timestamp).as_nanos() as f64 > GAP_PERIODS * period_ns)
        .count();
    if gaps as f64 > GAP_SHARE * events.len() as f64 {
        return Err(format!(
            "{gaps} gaps over {GAP_PERIODS} periods in {} events",
            events.len()
        ));
    }
    Ok(())
}

fn not_stale_after_reactivation(service: &Strong<dyn ISensors>, list: &[SensorInfo]) -> Outcome {
    let mut problems = Vec::new();
    for sensor in continuous(list) {
        let result = (|| -> Result<(), String> {
            let mut client = Client::open(service)?;
            let period = check_period(sensor);
            client.start(sensor, period)?;
            client.collect(Duration::from_millis(200))?;
            client
                .session
                .activate(sensor.handle, false)
                .map_err(|e| format!("deactivate: {e}"))?;
            client.collect(Duration::from_millis(200))?;
            let activated = Nanos::now(Clock::Boottime);
            client
                .session
                .activate(sensor.handle, true)
                .map_err(|e| format!("activate: {e}"))?;
            let events = client.collect_until(Duration::from_secs(1), |e| e.iter().any(is_data))?;
            let first = events
                .iter()
                .find(|e| is_data(e))
                .ok_or("no event within 1 s of re-activation")?;
            if first.timestamp < activated {
                return Err(format!(
                    "first event stamped {} ns before the re-activation",
                    (activated - first.timestamp).as_nanos()
                ));
            }
            Ok(())
        })();
        if let Err(e) = result {
            problems.push(format!("{}: {e}", sensor.name));
        }
    }
    failures(problems)
}

/// Two sessions on one sensor at different rates each get their own.
fn sessions_have_their_own_rates(service: &Strong<dyn ISensors>, list: &[SensorInfo]) -> Outcome {
    let Some(sensor) = continuous(list)
        .into_iter()
        .find(|s| s.min_period_ns <= 10_000_000 && s.max_period_ns >= 100_000_000)
    else {
        return Outcome::Skipped("no continuous sensor covering 10-100 Hz".into());
    };
    let result = thread::scope(|scope| {
        let run = |period: Nanos| {
            scope.spawn(move || -> Result<(), String> {
                let mut client = Client::open(service)?;
                client.start(sensor, period)?;
                let events: Vec<SensorEvent> = client
                    .collect(COLLECT)?
                    .into_iter()
                    .filter(|e| e.handle == sensor.handle && is_data(e))
                    .collect();
                timing_of(&events, period)
                    .map_err(|e| format!("at {} Hz: {e}", 1e9 / period.as_nanos() as f64))
            })
        };
        let fast = run(Nanos::from_millis(10));
        let slow = run(Nanos::from_millis(100));
        [fast, slow]
            .into_iter()
            .map(|r| r.join().unwrap_or_else(|_| Err("check panicked".into())))
            .collect::<Vec<_>>()
    });
    failures(
        result
            .into_iter()
            .filter_map(Result::err)
            .map(|e| format!("{}: {e}", sensor.name))
            .collect(),
    )
}
