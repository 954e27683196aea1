//! `Lis3mdlSensors` as a `SensorDevice`, against the simulator's model.

mod common;

use common::advance_to_millis;

use yunhal::sensors::{SensorDevice, SensorEvent, SensorHandle, SensorValue};
use yunhal::time::Nanos;
use yunhal::{Error as _, ErrorKind};
use yunhal_lis3mdl::sensor::MAGNETOMETER;
use yunhal_lis3mdl::{Lis3mdlSensors, ADDRESS_SA1_HIGH};
use yunhal_sim::chips::lis3mdl::Lis3mdlModel;
use yunhal_sim::i2c::SharedI2cBus as SharedBus;
use yunhal_sim::i2c::SimI2cBus;

const FIELD: [f32; 3] = [20.0, -30.0, 40.0];

fn device() -> (Lis3mdlSensors<SharedBus>, SharedBus) {
    let mut bus = SimI2cBus::new();
    bus.attach(ADDRESS_SA1_HIGH, Box::new(Lis3mdlModel::new()));
    let bus = SharedBus::new(bus);
    let device = Lis3mdlSensors::init(bus.clone(), ADDRESS_SA1_HIGH).unwrap();
    (device, bus)
}

fn read_events(device: &mut Lis3mdlSensors<SharedBus>, now_ms: u64) -> Vec<SensorEvent> {
    let mut out = [SensorEvent {
        handle: SensorHandle(99),
        timestamp: Nanos::ZERO,
        value: SensorValue::FlushComplete,
    }; 4];
    let n = device.read(Nanos::from_millis(now_ms), &mut out).unwrap();
    out[..n].to_vec()
}

#[test]
fn descriptor_has_positive_range_and_ordered_periods() {
    let (device, _bus) = device();

    let sensors = device.sensors();

    assert_eq!(sensors.len(), 1);
    let d = &sensors[0];
    assert_eq!(d.handle, MAGNETOMETER);
    assert!((d.max_range - 400.0).abs() < 1e-3, "±4 gauss: {d:?}");
    assert!(d.resolution > 0.0 && d.resolution < 0.1, "{d:?}");
    assert!(d.min_period <= d.max_period, "{d:?}");
}

#[test]
fn configuring_50_hz_runs_at_20_ms_or_faster() {
    let (mut device, _bus) = device();

    let period = device
        .configure(MAGNETOMETER, Nanos::from_millis(20), Nanos::ZERO)
        .unwrap();

    assert_eq!(period, Nanos::from_micros(12_500), "80 Hz");
}

#[test]
fn enabled_magnetometer_reports_the_field_once_per_sample() {
    let (mut device, bus) = device();
    device
        .configure(MAGNETOMETER, Nanos::from_millis(20), Nanos::ZERO)
        .unwrap();
    device.set_enabled(MAGNETOMETER, true).unwrap();

    advance_to_millis(&bus, 13, FIELD);
    let first = read_events(&mut device, 13);
    let again = read_events(&mut device, 14);

    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first[0].timestamp, Nanos::from_millis(13));
    let SensorValue::MagneticField(field) = first[0].value else {
        panic!("{first:?}");
    };
    for (got, want) in field.iter().zip(FIELD) {
        assert!((got.get() - want).abs() < 0.1, "{field:?}");
    }
    assert!(again.is_empty(), "the same sample twice: {again:?}");
}

#[test]
fn disabled_magnetometer_reports_nothing() {
    let (mut device, bus) = device();
    device.set_enabled(MAGNETOMETER, true).unwrap();
    device.set_enabled(MAGNETOMETER, false).unwrap();

    advance_to_millis(&bus, 1_000, FIELD);
    let events = read_events(&mut device, 1_000);

    assert!(events.is_empty(), "{events:?}");
}

#[test]
fn unknown_handle_is_an_invalid_argument() {
    let (mut device, _bus) = device();

    let configure = device.configure(SensorHandle(1), Nanos::from_millis(20), Nanos::ZERO);
    let enable = device.set_enabled(SensorHandle(1), true);

    assert_eq!(configure.unwrap_err().kind(), ErrorKind::InvalidArgument);
    assert_eq!(enable.unwrap_err().kind(), ErrorKind::InvalidArgument);
}

#[test]
fn bus_nack_during_read_is_a_bus_error() {
    let (mut device, bus) = device();
    device.set_enabled(MAGNETOMETER, true).unwrap();
    bus.lock().inject_nacks(1);

    let mut out = [SensorEvent {
        handle: MAGNETOMETER,
        timestamp: Nanos::ZERO,
        value: SensorValue::FlushComplete,
    }; 1];
    let err = device.read(Nanos::ZERO, &mut out).unwrap_err();

    assert_eq!(err.kind(), ErrorKind::Bus);
}

#[test]
fn init_on_another_chip_is_not_present() {
    let mut bus = SimI2cBus::new();
    bus.attach(
        ADDRESS_SA1_HIGH,
        Box::new(Lis3mdlModel::with_who_am_i(0x33)),
    );

    let err = Lis3mdlSensors::init(bus, ADDRESS_SA1_HIGH).err().unwrap();

    assert_eq!(err.kind(), ErrorKind::NotPresent);
}
