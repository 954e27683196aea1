//! The sensor chip drivers built from boards: on the simulated handset
//! they run on the simulator's buses, on real time.

use std::time::{Duration, Instant};
use yunhal::sensors::{DynSensorDevice, SensorEvent, SensorHandle, SensorType, SensorValue};
use yunhal::time::{Clock, Nanos};
use yunhal::units::STANDARD_GRAVITY;
use yunhal_boards::{build_board, parse_board, shipped, BuildReport};
use yunhal_daemon::registry::{driver_registry, DaemonPlatform, HalDevice};

fn build(file: &str, text: &str) -> BuildReport<DaemonPlatform> {
    let registry = driver_registry();
    let board = parse_board(file, text, &registry).unwrap_or_else(|errors| panic!("{errors}"));
    build_board(&board, &registry, &mut DaemonPlatform::default())
}

fn sensor_devices(report: BuildReport<DaemonPlatform>) -> Vec<(String, Box<dyn DynSensorDevice>)> {
    report
        .built
        .into_iter()
        .filter_map(|built| match built.device {
            HalDevice::Sensor(device) => Some((built.name, device)),
            _ => None,
        })
        .collect()
}

fn handle_of(device: &dyn DynSensorDevice, sensor_type: SensorType) -> SensorHandle {
    device
        .sensors()
        .iter()
        .find(|d| d.sensor_type == sensor_type)
        .map(|d| d.handle)
        .unwrap()
}

#[test]
fn sim_board_builds_the_three_sensor_chips_with_all_their_sensors() {
    let report = build(shipped::SIM.file, shipped::SIM.text);

    assert!(report.failed.is_empty(), "{:?}", report.failed);
    let devices = sensor_devices(report);
    let names: Vec<&str> = devices.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["accel", "magnetometer", "light"]);
    let mut types: Vec<&str> = devices
        .iter()
        .flat_map(|(_, device)| device.sensors().iter().map(|d| d.sensor_type.as_str()))
        .collect();
    types.sort_unstable();
    assert_eq!(
        types,
        [
            "accelerometer",
            "gyroscope",
            "light",
            "magnetometer",
            "proximity",
            "temperature"
        ]
    );
}

#[test]
fn sim_accelerometer_reads_one_g_on_z_once_real_time_has_passed() {
    let mut devices = sensor_devices(build(shipped::SIM.file, shipped::SIM.text));
    let (_, accel) = devices
        .iter_mut()
        .find(|(name, _)| name == "accel")
        .unwrap();
    let handle = handle_of(accel.as_ref(), SensorType::Accelerometer);
    accel
        .configure(handle, Nanos::from_millis(10), Nanos::ZERO)
        .unwrap();

    accel.set_enabled(handle, true).unwrap();
    // The data registers hold zeros until the chip's first sample, one
    // sampling period of real time after it woke.
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut events = [SensorEvent {
        handle,
        timestamp: Nanos::ZERO,
        value: SensorValue::FlushComplete,
    }; 8];
    let mut latest = None;
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
        let count = accel
            .read(Nanos::now(Clock::Boottime), &mut events)
            .unwrap();
        latest = events[..count]
            .iter()
            .find_map(|event| match event.value {
                SensorValue::Acceleration(a) if event.handle == handle => {
                    Some(a.map(|axis| axis.get()))
                }
                _ => None,
            })
            .or(latest);
        if latest.is_some_and(|[_, _, z]| z != 0.0) {
            break;
        }
    }

    let [x, y, z] = latest.expect("no accelerometer event in 5 s");
    assert!((z - STANDARD_GRAVITY).abs() < 0.1, "z = {z}");
    assert!(x.abs() < 0.1 && y.abs() < 0.1, "x = {x}, y = {y}");
}

const BOARD_WITH_A_MISSING_I2C_NODE: &str = r#"
[board]
name = "half-real"

[buses.real]
kind = "i2c"
path = "/dev/i2c-99"

[buses.sim]
kind = "i2c"
simulated = true

[devices.accel]
class = "sensor"
driver = "mpu6050"
bus = "real"
address = 0x68

[devices.light]
class = "sensor"
driver = "stk3311"
bus = "sim"
address = 0x48
"#;

#[test]
fn missing_i2c_node_fails_its_device_naming_the_path_and_the_rest_builds() {
    let report = build("half-real.toml", BOARD_WITH_A_MISSING_I2C_NODE);

    let failures: Vec<String> = report.failed.iter().map(|f| f.to_string()).collect();
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(failures[0].contains("`accel`"), "{}", failures[0]);
    assert!(failures[0].contains("/dev/i2c-99"), "{}", failures[0]);
    let built: Vec<&str> = report.built.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(built, ["light"]);
}

/// A board whose light sensor is a Linux IIO device: the test's fake
/// sysfs directory stands in for `/sys/bus/iio/devices/iio:device2`.
#[test]
fn linux_iio_device_is_built_from_its_sysfs_directory_with_the_boards_params() {
    let root = std::env::temp_dir().join(format!("yh-iio-board-{}", std::process::id()));
    let dir = root.join("sys/bus/iio/devices/iio:device2");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("name"), "stk3310\n").unwrap();
    std::fs::write(dir.join("in_illuminance_input"), "120\n").unwrap();
    std::fs::write(dir.join("in_proximity_raw"), "150\n").unwrap();
    let board = "[board]\nname = \"iio\"\nmodel = \"test\"\n\n\
         [buses.light-iio]\nkind = \"iio\"\npath = \"/sys/bus/iio/devices/iio:device2\"\n\n\
         [devices.light]\nclass = \"sensor\"\ndriver = \"linux-iio\"\nbus = \"light-iio\"\n\
         params = { proximity_near_level = 100 }\n";
    let registry = driver_registry();
    let board = parse_board("iio.toml", board, &registry).unwrap_or_else(|e| panic!("{e}"));

    let report = build_board(
        &board,
        &registry,
        &mut DaemonPlatform::with_sysfs_root(&root),
    );
    let mut devices = sensor_devices(report);
    let (_, device) = &mut devices[0];
    let light = handle_of(device.as_ref(), SensorType::Light);
    let proximity = handle_of(device.as_ref(), SensorType::Proximity);
    device.set_enabled(light, true).unwrap();
    device.set_enabled(proximity, true).unwrap();
    let mut out = [SensorEvent {
        handle: light,
        timestamp: Nanos(0),
        value: SensorValue::FlushComplete,
    }; 4];
    let n = device.read(Nanos::now(Clock::Boottime), &mut out).unwrap();
    let _ = std::fs::remove_dir_all(&root);

    let values: Vec<SensorValue> = out[..n].iter().map(|e| e.value).collect();
    assert!(
        values.contains(&SensorValue::Light(yunhal::units::Lux(120.0))),
        "{values:?}"
    );
    assert!(
        values
            .iter()
            .any(|v| matches!(v, SensorValue::Proximity { near: true, .. })),
        "{values:?}"
    );
}

#[test]
fn linux_iio_params_are_checked_by_name_and_type() {
    let registry = driver_registry();
    let board = "[board]\nname = \"iio\"\nmodel = \"test\"\n\n\
                 [buses.light-iio]\nkind = \"iio\"\npath = \"/sys/bus/iio/devices/iio:device2\"\n\n\
                 [devices.light]\nclass = \"sensor\"\ndriver = \"linux-iio\"\nbus = \"light-iio\"\n\
                 params = { buffered = \"yes\", frequency = 10 }\n";

    let errors = parse_board("iio.toml", board, &registry)
        .unwrap_err()
        .to_string();

    assert!(errors.contains("buffered"), "{errors}");
    assert!(errors.contains("true or false"), "{errors}");
    assert!(errors.contains("frequency"), "{errors}");
    assert!(errors.contains("unknown parameter"), "{errors}");
}
