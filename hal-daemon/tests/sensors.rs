//! The sensors service end to end: a real `yunhald` on the simulated board,
//! real client processes, the real chip drivers reading the chips' models.

mod common;

use common::*;
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};
use yunhal::sensors::ipc::{EventReader, ISensorSession, ISensors, SensorInfo, SENSORS_SERVICE};
use yunhal::sensors::{SensorEvent, SensorStatus, SensorType, SensorValue};
use yunhal_ipc::{Runtime, ServiceManager, Strong};
use yunhal_tests::conformance::{self, Outcome};

const SERVICE: &str = SENSORS_SERVICE;

struct Client {
    // Keeps the connection's runtime alive.
    _rt: Runtime,
    sensors: Strong<dyn ISensors>,
}

impl Client {
    fn connect(dir: &TestDir) -> Client {
        let rt = Runtime::new().unwrap();
        let sm = ServiceManager::connect_at(&rt, &dir.socket()).unwrap();
        let sensors = sm.get_service::<dyn ISensors>(SERVICE).unwrap();
        Client { _rt: rt, sensors }
    }

    fn sensor(&self, t: SensorType) -> SensorInfo {
        self.sensors
            .get_sensor_list()
            .unwrap()
            .into_iter()
            .find(|s| s.sensor_type == t)
            .unwrap()
    }

    fn session(&self) -> (Strong<dyn ISensorSession>, EventReader) {
        let setup = self.sensors.open_session(4096).unwrap();
        (setup.session, EventReader::attach(setup.queue).unwrap())
    }
}

fn collect(reader: &mut EventReader, span: Duration) -> Vec<SensorEvent> {
    let end = Instant::now() + span;
    let mut out = Vec::new();
    while let Some(left) = end.checked_duration_since(Instant::now()) {
        reader.wait(Some(left)).unwrap();
        reader.read(&mut out).unwrap();
    }
    out
}

fn data(events: &[SensorEvent]) -> Vec<SensorEvent> {
    events
        .iter()
        .filter(|e| !matches!(e.value, SensorValue::Status(_) | SensorValue::FlushComplete))
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

fn dump(dir: &TestDir) -> serde_json::Value {
    json(&yunctl(dir, &["dump", SERVICE, "--json"]))["service"].clone()
}

#[test]
fn the_conformance_suite_passes_on_the_simulated_board() {
    let dir = TestDir::new();
    let _daemon = Daemon::start(&dir, &[]);
    let rt = Runtime::new().unwrap();
    let sm = ServiceManager::connect_at(&rt, &dir.socket()).unwrap();

    let checks = conformance::sensors::run(&sm);

    let report: Vec<String> = checks.iter().map(|c| c.to_string()).collect();
    assert!(
        checks.iter().all(|c| c.outcome == Outcome::Passed),
        "{}",
        report.join("\n")
    );
    assert_eq!(checks.len(), 8);
}

#[test]
fn yunctl_lists_the_boards_sensors_and_streams_events_from_the_chip_models() {
    let dir = TestDir::new();
    let _daemon = Daemon::start(&dir, &[]);

    let list = json(&yunctl(&dir, &["sensors", "list", "--json"]));
    let stream = yunctl(
        &dir,
        &[
            "sensors",
            "stream",
            "accelerometer",
            "--rate",
            "50",
            "--count",
            "5",
            "--json",
        ],
    );

    let types: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["sensor_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "Accelerometer",
            "Gyroscope",
            "Temperature",
            "MagneticField",
            "Light",
            "Proximity"
        ]
    );
    assert!(stream.status.success(), "{}", stderr(&stream));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&stream.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 5);
    for line in &lines {
        // The simulated handset lies face up: gravity on z, within noise.
        let z = line["values"][2].as_f64().unwrap();
        assert!((z - 9.80665).abs() < 0.3, "{line}");
    }
    let stamps: Vec<u64> = lines
        .iter()
        .map(|l| l["timestamp_ns"].as_u64().unwrap())
        .collect();
    assert!(stamps.windows(2).all(|w| w[0] < w[1]), "{stamps:?}");
}

#[test]
fn a_killed_client_releases_its_activations_and_the_sensor_powers_down() {
    let dir = TestDir::new();
    let _daemon = Daemon::start(&dir, &[]);
    let mut client = yunctl_command(&dir, &["sensors", "stream", "gyroscope", "--rate", "100"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(client.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let gyro_on = |d: &serde_json::Value| d["sensors"][1]["on"].as_bool().unwrap();
    let before = dump(&dir);
    assert!(gyro_on(&before), "{before}");
    assert_eq!(before["sessions"].as_array().unwrap().len(), 1);

    client.kill().unwrap();
    client.wait().unwrap();

    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let after = dump(&dir);
        if !gyro_on(&after) && after["sessions"].as_array().unwrap().is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "still held: {after}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn one_nack_is_retried_without_a_gap() {
    let dir = TestDir::new();
    let _daemon = Daemon::start(&dir, &[]);
    let client = Client::connect(&dir);
    let accel = client.sensor(SensorType::Accelerometer);
    let (session, mut reader) = client.session();
    session.batch(accel.handle, 20_000_000, 0).unwrap();
    session.activate(accel.handle, true).unwrap();
    collect(&mut reader, Duration::from_millis(200));

    let nack = yunctl(&dir, &["sim", "sensors", "fault", "accel", "--nacks", "1"]);
    let events = collect(&mut reader, Duration::from_millis(500));

    assert!(nack.status.success(), "{}", stderr(&nack));
    assert!(statuses(&events).is_empty(), "{events:?}");
    let data = data(&events);
    let longest = data
        .windows(2)
        .map(|w| (w[1].timestamp - w[0].timestamp).as_millis())
        .max()
        .unwrap();
    assert!(longest < 36, "a gap of {longest} ms at 50 Hz");
    assert!(dump(&dir)["devices"][0]["retried_reads"].as_u64().unwrap() >= 1);
}

#[test]
fn a_vanished_chip_is_reported_unavailable_and_comes_back_under_the_same_handle() {
    let dir = TestDir::new();
    let _daemon = Daemon::start(&dir, &[]);
    let client = Client::connect(&dir);
    let magnetometer = client.sensor(SensorType::MagneticField);
    let (session, mut reader) = client.session();
    session.batch(magnetometer.handle, 25_000_000, 0).unwrap();
    session.activate(magnetometer.handle, true).unwrap();
    collect(&mut reader, Duration::from_millis(150));

    let gone = yunctl(
        &dir,
        &["sim", "sensors", "fault", "magnetometer", "--disconnect"],
    );
    let during = collect(&mut reader, Duration::from_millis(400));
    let listed = client.sensor(SensorType::MagneticField).status;
    let back = yunctl(
        &dir,
        &["sim", "sensors", "fault", "magnetometer", "--reconnect"],
    );
    let after = collect(&mut reader, Duration::from_millis(800));

    assert!(gone.status.success() && back.status.success());
    assert_eq!(statuses(&during), [SensorStatus::Unavailable]);
    assert_eq!(listed, SensorStatus::Unavailable);
    assert_eq!(statuses(&after), [SensorStatus::Available]);
    let resumed = data(&after);
    assert!(resumed.len() > 5, "{after:?}");
    assert!(resumed.iter().all(|e| e.handle == magnetometer.handle));
    assert_eq!(
        client.sensor(SensorType::MagneticField).status,
        SensorStatus::Available
    );
}

#[test]
fn a_scenario_played_through_the_simulator_control_turns_the_accelerometer() {
    let dir = TestDir::new();
    let _daemon = Daemon::start(&dir, &[]);
    let client = Client::connect(&dir);
    let accel = client.sensor(SensorType::Accelerometer);
    let (session, mut reader) = client.session();
    session.batch(accel.handle, 20_000_000, 0).unwrap();
    session.activate(accel.handle, true).unwrap();

    // Landscape over 0.5 s from t = 1 s.
    let play = yunctl(&dir, &["sim", "sensors", "scenario", "rotate-to-landscape"]);
    let events = data(&collect(&mut reader, Duration::from_millis(1800)));

    assert!(play.status.success(), "{}", stderr(&play));
    let x = |e: &SensorEvent| match e.value {
        SensorValue::Acceleration(v) => v[0].0,
        _ => unreachable!(),
    };
    let first = events.first().unwrap();
    let last = events.last().unwrap();
    assert!(x(first).abs() < 0.5, "face up at first: {first:?}");
    assert!(
        (x(last).abs() - 9.8).abs() < 0.5,
        "landscape at the end: {last:?}"
    );
}

#[test]
fn injected_events_reach_a_client_and_bad_ones_are_refused_by_name() {
    let dir = TestDir::new();
    let _daemon = Daemon::start(&dir, &[]);
    let client = Client::connect(&dir);
    let light = client.sensor(SensorType::Light);
    let (session, mut reader) = client.session();
    session.activate(light.handle, true).unwrap();
    collect(&mut reader, Duration::from_millis(100));

    let ok = yunctl(&dir, &["sim", "sensors", "inject", "light", "42"]);
    let events = data(&collect(&mut reader, Duration::from_millis(200)));
    let bad = yunctl(&dir, &["sim", "sensors", "inject", "light", "1", "2"]);

    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(
        events
            .iter()
            .any(|e| e.value == SensorValue::Light(yunhal::units::Lux(42.0))),
        "{events:?}"
    );
    assert!(!bad.status.success());
    assert!(
        stderr(&bad).contains("light takes one value, got 2"),
        "{}",
        stderr(&bad)
    );
}
