//! `Mpu6050Sensors` as a `SensorDevice`, against the simulator's model.

mod common;

use common::advance_to_ms;

use yunhal::sensors::{SensorDevice, SensorEvent, SensorHandle, SensorValue};
use yunhal::time::Nanos;
use yunhal::units::STANDARD_GRAVITY;
use yunhal::{Error as _, ErrorKind};
use yunhal_mpu6050::sensor::{ACCELEROMETER, GYROSCOPE, TEMPERATURE};
use yunhal_mpu6050::{Mpu6050Sensors, ADDRESS_AD0_LOW};
use yunhal_sim::chips::mpu6050::Mpu6050Model;
use yunhal_sim::delay::NoDelay;
use yunhal_sim::i2c::SharedI2cBus as SharedBus;
use yunhal_sim::i2c::SimI2cBus;
use yunhal_sim::world::PhysicalState;

fn device() -> (Mpu6050Sensors<SharedBus>, SharedBus, PhysicalState) {
    let mut bus = SimI2cBus::new();
    bus.attach(ADDRESS_AD0_LOW, Box::new(Mpu6050Model::new()));
    let bus = SharedBus::new(bus);
    let device = Mpu6050Sensors::init(bus.clone(), ADDRESS_AD0_LOW, &mut NoDelay).unwrap();
    (device, bus, PhysicalState::resting(Nanos::ZERO))
}

fn read_events(device: &mut Mpu6050Sensors<SharedBus>, now_ms: u64) -> Vec<SensorEvent> {
    let mut out = [SensorEvent {
        handle: SensorHandle(99),
        timestamp: Nanos::ZERO,
        value: SensorValue::FlushComplete,
    }; 8];
    let n = device.read(Nanos::from_millis(now_ms), &mut out).unwrap();
    out[..n].to_vec()
}

#[test]
fn descriptors_have_unique_handles_positive_ranges_and_ordered_periods() {
    let (device, _bus, _world) = device();

    let sensors = device.sensors();

    assert_eq!(sensors.len(), 3);
    for (i, d) in sensors.iter().enumerate() {
        assert!(sensors[i + 1..].iter().all(|o| o.handle != d.handle));
        assert!(d.max_range > 0.0 && d.resolution > 0.0, "{d:?}");
        assert!(d.min_period <= d.max_period, "{d:?}");
        assert_eq!(d.vendor, "InvenSense");
        assert_eq!(d.reporting_mode, d.sensor_type.default_reporting_mode());
    }
    let accel = device.descriptor(ACCELEROMETER).unwrap();
    assert!((accel.max_range - 2.0 * STANDARD_GRAVITY).abs() < 1e-3);
    assert_eq!(accel.fifo_max_events, 1024 / 6);
}

#[test]
fn configuring_50_hz_runs_at_20_ms_or_faster() {
    let (mut device, _bus, _world) = device();

    let period = device
        .configure(ACCELEROMETER, Nanos::from_millis(20), Nanos::ZERO)
        .unwrap();

    assert!(period <= Nanos::from_millis(20), "{period}");
    assert!(period >= Nanos::from_millis(10), "{period}");
}

#[test]
fn sensors_share_the_fastest_enabled_period() {
    let (mut device, _bus, _world) = device();
    device
        .configure(ACCELEROMETER, Nanos::from_millis(100), Nanos::ZERO)
        .unwrap();
    device.set_enabled(ACCELEROMETER, true).unwrap();

    let gyro_period = device
        .configure(GYROSCOPE, Nanos::from_millis(10), Nanos::ZERO)
        .unwrap();
    device.set_enabled(GYROSCOPE, true).unwrap();
    let accel_period = device
        .configure(ACCELEROMETER, Nanos::from_millis(100), Nanos::ZERO)
        .unwrap();

    assert!(gyro_period <= Nanos::from_millis(10));
    assert_eq!(accel_period, gyro_period);
}

#[test]
fn enabled_sensors_report_the_world_and_disabled_ones_nothing() {
    let (mut device, bus, mut world) = device();
    world.angular_velocity = [0.0, 0.0, 1.0];
    device
        .configure(ACCELEROMETER, Nanos::from_millis(20), Nanos::ZERO)
        .unwrap();
    device.set_enabled(ACCELEROMETER, true).unwrap();
    device.set_enabled(GYROSCOPE, true).unwrap();

    advance_to_ms(&bus, &mut world, 40);
    let events = read_events(&mut device, 40);

    assert_eq!(events.len(), 2, "{events:?}");
    assert!(events.iter().all(|e| e.timestamp == Nanos::from_millis(40)));
    assert!(events.iter().all(|e| e.handle != TEMPERATURE));
    let SensorValue::Acceleration(a) = events[0].value else {
        panic!("{events:?}");
    };
    assert!((a[2].get() - STANDARD_GRAVITY).abs() < 0.01, "{a:?}");
    let SensorValue::AngularVelocity(w) = events[1].value else {
        panic!("{events:?}");
    };
    assert!((w[2].get() - 1.0).abs() < 0.01, "{w:?}");
}

#[test]
fn temperature_reports_the_world_temperature() {
    let (mut device, bus, mut world) = device();
    world.temperature = 31.0;
    device.set_enabled(TEMPERATURE, true).unwrap();

    advance_to_ms(&bus, &mut world, 1_000);
    let events = read_events(&mut device, 1_000);

    assert_eq!(events.len(), 1);
    let SensorValue::Temperature(t) = events[0].value else {
        panic!("{events:?}");
    };
    assert!((t.get() - 31.0).abs() < 0.01, "{t:?}");
}

#[test]
fn nothing_enabled_reads_no_events_and_the_chip_sleeps() {
    let (mut device, bus, mut world) = device();
    device.set_enabled(ACCELEROMETER, true).unwrap();
    device.set_enabled(ACCELEROMETER, false).unwrap();

    advance_to_ms(&bus, &mut world, 1_000);
    let events = read_events(&mut device, 1_000);
    let mut imu = device.release();

    assert!(events.is_empty());
    // Asleep, the chip never sampled: the data registers still read 0.
    assert_eq!(imu.read_accel_raw().unwrap(), [0; 3]);
}

#[test]
fn unknown_handle_is_an_invalid_argument() {
    let (mut device, _bus, _world) = device();

    let configure = device.configure(SensorHandle(7), Nanos::from_millis(20), Nanos::ZERO);
    let enable = device.set_enabled(SensorHandle(7), true);

    assert_eq!(configure.unwrap_err().kind(), ErrorKind::InvalidArgument);
    assert_eq!(enable.unwrap_err().kind(), ErrorKind::InvalidArgument);
}

#[test]
fn bus_nack_during_read_is_a_bus_error() {
    let (mut device, bus, _world) = device();
    device.set_enabled(ACCELEROMETER, true).unwrap();
    bus.lock().inject_nacks(1);

    let mut out = [SensorEvent {
        handle: ACCELEROMETER,
        timestamp: Nanos::ZERO,
        value: SensorValue::FlushComplete,
    }; 3];
    let err = device.read(Nanos::ZERO, &mut out).unwrap_err();

    assert_eq!(err.kind(), ErrorKind::Bus);
}

#[test]
fn init_on_another_chip_is_not_present() {
    let mut bus = SimI2cBus::new();
    bus.attach(ADDRESS_AD0_LOW, Box::new(Mpu6050Model::with_who_am_i(0x70)));

    let err = Mpu6050Sensors::init(bus, ADDRESS_AD0_LOW, &mut NoDelay)
        .err()
        .unwrap();

    assert_eq!(yunhal::Error::kind(&err), ErrorKind::NotPresent);
}
