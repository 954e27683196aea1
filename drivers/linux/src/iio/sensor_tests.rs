//! [`IioSensors`] over fake sysfs trees and scripted character devices.

use std::collections::VecDeque;
use std::fs;
use std::io::{self, Read};
use std::mem::MaybeUninit;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

use rustix::fs::inotify;
use yunhal::sensors::{
    ReportingMode, SensorDevice, SensorEvent, SensorHandle, SensorType, SensorValue,
};
use yunhal::units::{Centimeters, Lux, MetersPerSecondSquared, MicroTesla};
use yunhal::{Error as _, ErrorKind, Nanos};

use super::test_support::{put, TempDir};
use super::*;

const ACCEL_SCALE: f64 = 0.000598;
const NOW: Nanos = Nanos(5_000_000_000);

fn blank_event() -> SensorEvent {
    SensorEvent {
        handle: SensorHandle(99),
        timestamp: Nanos::ZERO,
        value: SensorValue::FlushComplete,
    }
}

fn read_events<R: Read>(sensors: &mut IioSensors<R>, now: Nanos, room: usize) -> Vec<SensorEvent> {
    let mut out = vec![blank_event(); room];
    let count = sensors.read(now, &mut out).unwrap();
    out.truncate(count);
    out
}

/// An IMU as inv_mpu6050 lays it out: accel and gyro with scan elements
/// (and a timestamp), one device-wide sampling frequency, a mount matrix.
fn fake_imu(root: &Path) -> PathBuf {
    let dir = root.join("iio:device0");
    put(&dir, "name", "mpu6050");
    for (index, (axis, raw)) in [("x", "100"), ("y", "-200"), ("z", "16384")]
        .iter()
        .enumerate()
    {
        put(&dir, &format!("in_accel_{axis}_raw"), raw);
        put(&dir, &format!("in_anglvel_{axis}_raw"), "0");
        for (type_name, first_index) in [("accel", 0), ("anglvel", 3)] {
            let element = format!("scan_elements/in_{type_name}_{axis}");
            put(&dir, &format!("{element}_en"), "0");
            put(
                &dir,
                &format!("{element}_index"),
                &(first_index + index).to_string(),
            );
            put(&dir, &format!("{element}_type"), "le:s16/16>>0");
        }
    }
    put(&dir, "in_accel_scale", &ACCEL_SCALE.to_string());
    put(&dir, "in_anglvel_scale", "0.000133090");
    put(&dir, "in_accel_mount_matrix", "0, 1, 0; -1, 0, 0; 0, 0, 1");
    put(&dir, "sampling_frequency", "50");
    put(&dir, "sampling_frequency_available", "10 20 50 100 200 500");
    put(&dir, "scan_elements/in_timestamp_en", "0");
    put(&dir, "scan_elements/in_timestamp_index", "6");
    put(&dir, "scan_elements/in_timestamp_type", "le:s64/64>>0");
    put(&dir, "buffer/enable", "0");
    put(&dir, "buffer/length", "480");
    put(&dir, "current_timestamp_clock", "realtime");
    dir
}

fn fake_light_proximity(root: &Path) -> PathBuf {
    let dir = root.join("iio:device2");
    put(&dir, "name", "stk3310");
    put(&dir, "in_illuminance_input", "120");
    put(&dir, "in_proximity_raw", "10");
    dir
}

fn open(dir: &Path) -> IioDevice {
    IioDevice::open(dir).unwrap()
}

fn assert_close(actual: f32, expected: f64) {
    assert!(
        (f64::from(actual) - expected).abs() < 1e-4,
        "{actual} is not {expected}"
    );
}

fn acceleration(event: &SensorEvent) -> [f32; 3] {
    match event.value {
        SensorValue::Acceleration(v) => v.map(MetersPerSecondSquared::get),
        other => panic!("not an acceleration: {other:?}"),
    }
}

#[test]
fn accelerometer_descriptor_comes_from_scale_scan_type_and_frequency_list() {
    let root = TempDir::new();
    let sensors =
        IioSensors::direct(open(&fake_imu(&root.0)), IioSensorsConfig::default()).unwrap();

    let accel = sensors.descriptor(ACCELEROMETER).unwrap();

    assert_eq!(accel.name, "mpu6050 accelerometer");
    assert_eq!(accel.vendor, "Linux IIO");
    assert_eq!(accel.sensor_type, SensorType::Accelerometer);
    assert_close(accel.max_range, 32768.0 * ACCEL_SCALE);
    assert_close(accel.resolution, ACCEL_SCALE);
    assert_eq!(accel.min_period, Nanos::from_millis(2));
    assert_eq!(accel.max_period, Nanos::from_millis(100));
    assert_eq!(accel.fifo_max_events, 0, "direct mode batches nothing");
    assert_eq!(accel.reporting_mode, ReportingMode::Continuous);
    let handles: Vec<SensorHandle> = sensors.sensors().iter().map(|d| d.handle).collect();
    assert_eq!(handles, [ACCELEROMETER, GYROSCOPE]);
}

#[test]
fn direct_accelerometer_reads_raw_files_and_applies_the_mount_matrix() {
    let root = TempDir::new();
    let dir = fake_imu(&root.0);
    let mut sensors = IioSensors::direct(open(&dir), IioSensorsConfig::default()).unwrap();
    sensors.set_enabled(ACCELEROMETER, true).unwrap();

    let events = read_events(&mut sensors, NOW, 4);
    put(&dir, "in_accel_z_raw", "-16384");
    let later = read_events(&mut sensors, NOW + Nanos::from_millis(20), 4);

    assert_eq!(events.len(), 1);
    assert_eq!(events[0].handle, ACCELEROMETER);
    assert_eq!(events[0].timestamp, NOW);
    // Matrix rows (0 1 0; -1 0 0; 0 0 1): device x = sensor y, device y = -sensor x.
    let [x, y, z] = acceleration(&events[0]);
    assert_close(x, -200.0 * ACCEL_SCALE);
    assert_close(y, -100.0 * ACCEL_SCALE);
    assert_close(z, 16384.0 * ACCEL_SCALE);
    assert_close(acceleration(&later[0])[2], -16384.0 * ACCEL_SCALE);
}

#[test]
fn magnetometer_in_gauss_reports_microtesla() {
    let root = TempDir::new();
    let dir = root.0.join("iio:device1");
    put(&dir, "name", "lis3mdl");
    for (axis, raw) in [("x", "1000"), ("y", "-500"), ("z", "0")] {
        put(&dir, &format!("in_magn_{axis}_raw"), raw);
    }
    put(&dir, "in_magn_scale", "0.000146");
    let mut sensors = IioSensors::direct(open(&dir), IioSensorsConfig::default()).unwrap();
    sensors.set_enabled(MAGNETOMETER, true).unwrap();

    let events = read_events(&mut sensors, NOW, 4);

    let SensorValue::MagneticField(field) = events[0].value else {
        panic!("{:?}", events[0]);
    };
    let [x, y, z] = field.map(MicroTesla::get);
    assert_close(x, 1000.0 * 0.000146 * 100.0);
    assert_close(y, -500.0 * 0.000146 * 100.0);
    assert_close(z, 0.0);
    let descriptor = sensors.descriptor(MAGNETOMETER).unwrap();
    assert_close(descriptor.resolution, 0.0146);
    // No scan element to give the width: the documented default, ±16 G.
    assert_close(descriptor.max_range, 1600.0);
}

#[test]
fn light_reports_only_when_the_value_changes_and_again_after_reenabling() {
    let root = TempDir::new();
    let dir = fake_light_proximity(&root.0);
    let config = IioSensorsConfig::default().proximity_near_level(100.0);
    let mut sensors = IioSensors::direct(open(&dir), config).unwrap();
    sensors.set_enabled(LIGHT, true).unwrap();

    let first = read_events(&mut sensors, NOW, 4);
    let unchanged = read_events(&mut sensors, NOW, 4);
    put(&dir, "in_illuminance_input", "250.5");
    let changed = read_events(&mut sensors, NOW, 4);
    sensors.set_enabled(LIGHT, false).unwrap();
    let disabled = read_events(&mut sensors, NOW, 4);
    sensors.set_enabled(LIGHT, true).unwrap();
    let reenabled = read_events(&mut sensors, NOW, 4);

    assert_eq!(first[0].value, SensorValue::Light(Lux(120.0)));
    assert!(unchanged.is_empty());
    assert_eq!(changed[0].value, SensorValue::Light(Lux(250.5)));
    assert!(disabled.is_empty());
    assert_eq!(reenabled[0].value, SensorValue::Light(Lux(250.5)));
    assert_eq!(
        sensors.descriptor(LIGHT).unwrap().reporting_mode,
        ReportingMode::OnChange
    );
}

fn proximity(event: &SensorEvent) -> (f32, bool) {
    match event.value {
        SensorValue::Proximity { distance, near } => (distance.get(), near),
        other => panic!("not proximity: {other:?}"),
    }
}

#[test]
fn proximity_is_near_at_or_above_the_driver_near_level() {
    let root = TempDir::new();
    let dir = fake_light_proximity(&root.0);
    put(&dir, "in_proximity_nearlevel", "400");
    let mut sensors = IioSensors::direct(open(&dir), IioSensorsConfig::default()).unwrap();
    sensors.set_enabled(PROXIMITY, true).unwrap();

    let far = read_events(&mut sensors, NOW, 4);
    put(&dir, "in_proximity_raw", "399");
    let still_far = read_events(&mut sensors, NOW, 4);
    put(&dir, "in_proximity_raw", "400");
    let near = read_events(&mut sensors, NOW, 4);

    assert_eq!(proximity(&far[0]), (PROXIMITY_FAR_CM, false));
    assert!(still_far.is_empty(), "far stayed far: no change to report");
    assert_eq!(proximity(&near[0]), (0.0, true));
    assert_eq!(
        near[0].value,
        SensorValue::Proximity {
            distance: Centimeters(0.0),
            near: true
        }
    );
}

#[test]
fn configured_near_level_wins_over_the_driver_one() {
    let root = TempDir::new();
    let dir = fake_light_proximity(&root.0);
    put(&dir, "in_proximity_nearlevel", "400");
    let config = IioSensorsConfig::default().proximity_near_level(5.0);
    let mut sensors = IioSensors::direct(open(&dir), config).unwrap();
    sensors.set_enabled(PROXIMITY, true).unwrap();

    let events = read_events(&mut sensors, NOW, 4);

    assert_eq!(proximity(&events[0]), (0.0, true));
}

#[test]
fn proximity_without_any_near_level_is_an_error_naming_the_attribute() {
    let root = TempDir::new();
    let dir = fake_light_proximity(&root.0);

    let error = IioSensors::direct(open(&dir), IioSensorsConfig::default()).unwrap_err();

    assert_eq!(error.kind(), ErrorKind::InvalidArgument);
    let path = dir.join("in_proximity_nearlevel");
    assert!(
        error
            .to_string()
            .starts_with(&format!("{}: absent", path.display())),
        "{error}"
    );
}

fn imu_scan(xyz: [i16; 3], timestamp_ns: i64) -> Vec<u8> {
    let mut scan: Vec<u8> = xyz.iter().flat_map(|v| v.to_le_bytes()).collect();
    scan.extend_from_slice(&[0, 0]);
    scan.extend_from_slice(&timestamp_ns.to_le_bytes());
    scan
}

/// Hands out the given chunks, one per `read`, then reports that nothing
/// is ready, as a non-blocking character device would.
struct ChunkReader(VecDeque<Vec<u8>>);

impl Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(mut chunk) = self.0.pop_front() else {
            return Err(io::ErrorKind::WouldBlock.into());
        };
        let n = chunk.len().min(buf.len());
        buf[..n].copy_from_slice(&chunk[..n]);
        if n < chunk.len() {
            self.0.push_front(chunk.split_off(n));
        }
        Ok(n)
    }
}

#[test]
fn buffered_accelerometer_stamps_events_with_the_scan_timestamps_across_reads() {
    let root = TempDir::new();
    let dir = fake_imu(&root.0);
    let mut stream = imu_scan([100, 0, 0], 1_000_000);
    stream.extend(imu_scan([0, 200, 0], 2_000_000));
    stream.extend(imu_scan([0, 0, 300], 3_000_000));
    let rest = stream.split_off(20); // the second scan arrives in two parts
    let reader = ChunkReader(VecDeque::from([stream, rest]));
    let config = IioSensorsConfig::default();
    let mut sensors = IioSensors::buffered(open(&dir), reader, config).unwrap();
    sensors.set_enabled(ACCELEROMETER, true).unwrap();

    let first = read_events(&mut sensors, NOW, 4);
    // Room for one event: the other waits for the next read.
    let second = read_events(&mut sensors, NOW, 1);
    let third = read_events(&mut sensors, NOW, 4);
    let nothing = read_events(&mut sensors, NOW, 4);

    let timestamps: Vec<Nanos> = [&first, &second, &third]
        .iter()
        .flat_map(|events| events.iter().map(|e| e.timestamp))
        .collect();
    assert_eq!(
        timestamps,
        [Nanos(1_000_000), Nanos(2_000_000), Nanos(3_000_000)]
    );
    assert!(nothing.is_empty());
    // Mount matrix applied: sensor x → device -y, sensor y → device x.
    let values: Vec<[f32; 3]> = [&first[0], &second[0], &third[0]]
        .map(acceleration)
        .to_vec();
    assert_close(values[0][1], -100.0 * ACCEL_SCALE);
    assert_close(values[1][0], 200.0 * ACCEL_SCALE);
    assert_close(values[2][2], 300.0 * ACCEL_SCALE);
    let read = |file: &str| fs::read_to_string(dir.join(file)).unwrap();
    assert_eq!(read("current_timestamp_clock"), "boottime");
    assert_eq!(read("buffer/length"), "480");
    assert_eq!(
        sensors.descriptor(ACCELEROMETER).unwrap().fifo_max_events,
        480
    );
}

#[test]
fn buffered_scans_without_a_timestamp_channel_are_stamped_now() {
    let root = TempDir::new();
    let dir = fake_imu(&root.0);
    for suffix in ["en", "index", "type"] {
        fs::remove_file(dir.join(format!("scan_elements/in_timestamp_{suffix}"))).unwrap();
    }
    let scan: Vec<u8> = [1i16, 2, 3].iter().flat_map(|v| v.to_le_bytes()).collect();
    let reader = ChunkReader(VecDeque::from([scan]));
    let config = IioSensorsConfig::default().buffer_length(64);
    let mut sensors = IioSensors::buffered(open(&dir), reader, config).unwrap();
    sensors.set_enabled(ACCELEROMETER, true).unwrap();

    let events = read_events(&mut sensors, NOW, 4);

    assert_eq!(events.len(), 1);
    assert_eq!(events[0].timestamp, NOW);
    assert_eq!(fs::read_to_string(dir.join("buffer/length")).unwrap(), "64");
}

#[test]
fn configure_picks_the_slowest_listed_frequency_not_slower_than_asked() {
    let root = TempDir::new();
    let dir = fake_imu(&root.0);
    let mut sensors = IioSensors::direct(open(&dir), IioSensorsConfig::default()).unwrap();
    let written = || fs::read_to_string(dir.join("sampling_frequency")).unwrap();

    // 60 Hz asked: 100 Hz is the slowest listed rate at least that fast.
    let period = sensors
        .configure(ACCELEROMETER, Nanos(16_666_667), Nanos::ZERO)
        .unwrap();
    assert_eq!((period, written()), (Nanos::from_millis(10), "100".into()));

    // Faster than the fastest listed: clamped to it.
    let period = sensors
        .configure(ACCELEROMETER, Nanos::from_micros(100), Nanos::ZERO)
        .unwrap();
    assert_eq!((period, written()), (Nanos::from_millis(2), "500".into()));

    // The gyroscope shares the clock: while it runs at 50 Hz, a slower
    // accelerometer request does not slow it down.
    sensors
        .configure(GYROSCOPE, Nanos::from_millis(20), Nanos::ZERO)
        .unwrap();
    sensors.set_enabled(GYROSCOPE, true).unwrap();
    let period = sensors
        .configure(ACCELEROMETER, Nanos::from_millis(100), Nanos::ZERO)
        .unwrap();
    assert_eq!((period, written()), (Nanos::from_millis(20), "50".into()));
}

#[test]
fn configure_steps_through_a_per_type_frequency_range() {
    let root = TempDir::new();
    let dir = root.0.join("iio:device4");
    put(&dir, "name", "bmp280");
    put(&dir, "in_pressure_input", "101.325");
    put(&dir, "in_pressure_sampling_frequency", "1");
    put(
        &dir,
        "in_pressure_sampling_frequency_available",
        "[0.5 0.5 25]",
    );
    let mut sensors = IioSensors::direct(open(&dir), IioSensorsConfig::default()).unwrap();
    let written = || fs::read_to_string(dir.join("in_pressure_sampling_frequency")).unwrap();

    let descriptor = sensors.descriptor(PRESSURE).unwrap().clone();
    let period = sensors
        .configure(PRESSURE, Nanos::from_millis(300), Nanos::ZERO)
        .unwrap();
    sensors.set_enabled(PRESSURE, true).unwrap();
    let events = read_events(&mut sensors, NOW, 1);

    assert_eq!(descriptor.min_period, Nanos::from_millis(40));
    assert_eq!(descriptor.max_period, Nanos::from_secs(2));
    // 3.33 Hz asked: the next step up is 3.5 Hz.
    assert_eq!(written(), "3.5");
    assert_eq!(period, Nanos(285_714_286));
    let SensorValue::Pressure(pressure) = events[0].value else {
        panic!("{:?}", events[0]);
    };
    assert_close(pressure.get(), 1013.25);
}

#[test]
fn frequency_lists_and_ranges_parse_and_choose() {
    let root = TempDir::new();
    let dir = fake_imu(&root.0);
    let device = open(&dir);
    let available = |text: &str| {
        put(&dir, "sampling_frequency_available", text);
        device.available_sampling_frequencies()
    };

    let range = available("[12.5 12.5 200]").unwrap().unwrap();
    assert_eq!(range.choose(25.0), 25.0);
    assert_eq!(range.choose(26.0), 37.5);
    assert_eq!(range.choose(1.0), 12.5);
    assert_eq!(range.choose(1000.0), 200.0);
    let list = available("0 1.5 3 6").unwrap().unwrap();
    assert_eq!(list, AvailableFrequencies::List(vec![1.5, 3.0, 6.0]));
    assert_eq!((list.slowest(), list.fastest()), (1.5, 6.0));
    for (text, fault) in [
        ("[1 2]", "3 values"),
        ("[1 1 5", "']'"),
        ("1 fast", "'fast'"),
    ] {
        let message = available(text).unwrap_err().to_string();
        let path = dir.join("sampling_frequency_available");
        assert!(
            message.starts_with(&format!("{}:", path.display())),
            "{message}"
        );
        assert!(message.contains(fault), "{text}: {message}");
    }
}

#[test]
fn channel_file_vanishing_mid_run_gives_not_present_naming_the_file() {
    let root = TempDir::new();
    let dir = fake_imu(&root.0);
    let mut sensors = IioSensors::direct(open(&dir), IioSensorsConfig::default()).unwrap();
    sensors.set_enabled(ACCELEROMETER, true).unwrap();
    assert_eq!(read_events(&mut sensors, NOW, 4).len(), 1);

    fs::remove_file(dir.join("in_accel_y_raw")).unwrap();
    let mut out = [blank_event(); 4];
    let error = sensors.read(NOW, &mut out).unwrap_err();

    assert_eq!(error.kind(), ErrorKind::NotPresent);
    let path = dir.join("in_accel_y_raw");
    assert!(
        error
            .to_string()
            .starts_with(&format!("{}:", path.display())),
        "{error}"
    );
}

#[test]
fn unknown_handle_is_an_invalid_argument_naming_the_device() {
    let root = TempDir::new();
    let dir = fake_imu(&root.0);
    let mut sensors = IioSensors::direct(open(&dir), IioSensorsConfig::default()).unwrap();

    let error = sensors.set_enabled(LIGHT, true).unwrap_err();

    assert_eq!(error.kind(), ErrorKind::InvalidArgument);
    assert_eq!(
        error.to_string(),
        format!("{}: no sensor with handle 3", dir.display())
    );
}

/// The files written in some subdirectories of a tree, in order, seen
/// through inotify (a close after writing).
struct WriteLog {
    inotify: OwnedFd,
    watches: Vec<(i32, &'static str)>,
}

impl WriteLog {
    fn watch(dir: &Path, subdirs: &[&'static str]) -> WriteLog {
        let inotify = inotify::init(inotify::CreateFlags::NONBLOCK).unwrap();
        let watches = subdirs
            .iter()
            .map(|&sub| {
                let flags = inotify::WatchFlags::CLOSE_WRITE;
                (
                    inotify::add_watch(&inotify, dir.join(sub), flags).unwrap(),
                    sub,
                )
            })
            .collect();
        WriteLog { inotify, watches }
    }

    /// The files written since the last call, e.g. `buffer/enable`.
    fn take(&self) -> Vec<String> {
        let mut buf = [MaybeUninit::uninit(); 4096];
        let mut reader = inotify::Reader::new(&self.inotify, &mut buf);
        let mut names = Vec::new();
        while let Ok(event) = reader.next() {
            let (_, sub) = self
                .watches
                .iter()
                .find(|(wd, _)| *wd == event.wd())
                .unwrap();
            let name = event.file_name().unwrap().to_str().unwrap();
            names.push(format!("{sub}/{name}"));
        }
        names
    }
}

fn sorted(names: &[String]) -> Vec<&str> {
    let mut names: Vec<&str> = names.iter().map(String::as_str).collect();
    names.sort();
    names
}

#[test]
fn enabling_stops_the_buffer_before_selecting_scan_elements_then_starts_it() {
    let root = TempDir::new();
    let dir = fake_imu(&root.0);
    let config = IioSensorsConfig::default();
    let mut sensors = IioSensors::buffered(open(&dir), io::empty(), config).unwrap();
    let log = WriteLog::watch(&dir, &["buffer", "scan_elements"]);

    sensors.set_enabled(ACCELEROMETER, true).unwrap();
    let writes = log.take();

    // Stop, the seven scan elements (in directory order), length, start.
    let last = writes.len() - 1;
    assert_eq!(writes.len(), 10, "{writes:?}");
    assert_eq!(
        (&*writes[0], &*writes[last]),
        ("buffer/enable", "buffer/enable")
    );
    assert_eq!(writes[last - 1], "buffer/length");
    assert_eq!(
        sorted(&writes[1..last - 1]),
        [
            "scan_elements/in_accel_x_en",
            "scan_elements/in_accel_y_en",
            "scan_elements/in_accel_z_en",
            "scan_elements/in_anglvel_x_en",
            "scan_elements/in_anglvel_y_en",
            "scan_elements/in_anglvel_z_en",
            "scan_elements/in_timestamp_en",
        ]
    );
    let read = |file: &str| fs::read_to_string(dir.join(file)).unwrap();
    assert_eq!(read("buffer/enable"), "1");
    assert_eq!(read("scan_elements/in_accel_y_en"), "1");
    assert_eq!(read("scan_elements/in_anglvel_y_en"), "0");
    assert_eq!(read("scan_elements/in_timestamp_en"), "1");
}

#[test]
fn disabling_the_last_buffered_sensor_stops_the_buffer_then_clears_the_elements() {
    let root = TempDir::new();
    let dir = fake_imu(&root.0);
    let config = IioSensorsConfig::default();
    let mut sensors = IioSensors::buffered(open(&dir), io::empty(), config).unwrap();
    sensors.set_enabled(ACCELEROMETER, true).unwrap();
    sensors.set_enabled(GYROSCOPE, true).unwrap();
    let log = WriteLog::watch(&dir, &["buffer", "scan_elements"]);
    let read = |file: &str| fs::read_to_string(dir.join(file)).unwrap();

    sensors.set_enabled(GYROSCOPE, false).unwrap();
    let still_running = log.take();
    let gyro_en_after_first = read("scan_elements/in_anglvel_x_en");
    sensors.set_enabled(ACCELEROMETER, false).unwrap();
    let stopped = log.take();

    // One sensor left: restarted with only its elements.
    assert_eq!(still_running.first().unwrap(), "buffer/enable");
    assert_eq!(still_running.last().unwrap(), "buffer/enable");
    assert_eq!(gyro_en_after_first, "0");
    // None left: stopped, then every element of the device's sensors cleared.
    assert_eq!(stopped[0], "buffer/enable", "{stopped:?}");
    assert_eq!(
        sorted(&stopped[1..]),
        [
            "scan_elements/in_accel_x_en",
            "scan_elements/in_accel_y_en",
            "scan_elements/in_accel_z_en",
            "scan_elements/in_anglvel_x_en",
            "scan_elements/in_anglvel_y_en",
            "scan_elements/in_anglvel_z_en",
        ]
    );
    assert_eq!(read("buffer/enable"), "0");
    assert_eq!(read("scan_elements/in_accel_z_en"), "0");
}

#[test]
fn enabling_in_direct_mode_writes_no_buffer_or_scan_element() {
    let root = TempDir::new();
    let dir = fake_imu(&root.0);
    let mut sensors = IioSensors::direct(open(&dir), IioSensorsConfig::default()).unwrap();
    let log = WriteLog::watch(&dir, &["buffer", "scan_elements"]);

    sensors.set_enabled(ACCELEROMETER, true).unwrap();
    sensors.set_enabled(ACCELEROMETER, false).unwrap();

    assert_eq!(log.take(), Vec::<String>::new());
}

#[test]
fn find_device_by_directory_or_name_and_its_dev_node() {
    let root = TempDir::new();
    fake_imu(&root.0);
    fake_light_proximity(&root.0);

    let by_dir = find_device(&root.0, "iio:device2").unwrap();
    let by_name = find_device(&root.0, "mpu6050").unwrap();
    let missing = find_device(&root.0, "bmp280").unwrap_err();

    assert_eq!(by_dir.name(), "stk3310");
    assert_eq!(by_name.dir(), root.0.join("iio:device0"));
    assert_eq!(by_name.dev_node(), Some(PathBuf::from("/dev/iio:device0")));
    assert_eq!(missing.kind(), ErrorKind::NotPresent);
    assert_eq!(
        missing.to_string(),
        format!("{}: no IIO device is named 'bmp280'", root.0.display())
    );
}
