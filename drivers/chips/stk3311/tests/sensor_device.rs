//! `Stk3311Sensors` as a `SensorDevice`, against the simulator's model.

use yunhal::sensors::{ReportingMode, SensorDevice, SensorEvent, SensorHandle, SensorValue};
use yunhal::time::Nanos;
use yunhal::{Error as _, ErrorKind};
use yunhal_sim::chips::stk3311::Stk3311Model;
use yunhal_sim::delay::NoDelay;
use yunhal_sim::i2c::SharedI2cBus as SharedBus;
use yunhal_sim::i2c::SimI2cBus;
use yunhal_sim::world::PhysicalState;
use yunhal_stk3311::sensor::{LIGHT, PROXIMITY, PROXIMITY_FAR_CM};
use yunhal_stk3311::{Stk3311Sensors, DEFAULT_ADDRESS};

/// Moves every model on `bus` to `millis` in a resting world with this
/// light and proximity.
fn step(bus: &SharedBus, millis: u64, lux: f32, proximity_cm: f32) {
    let world = PhysicalState {
        illuminance: lux,
        proximity: proximity_cm,
        ..PhysicalState::resting(Nanos::from_millis(millis))
    };
    bus.advance(&world);
}

fn device() -> (Stk3311Sensors<SharedBus>, SharedBus) {
    let mut bus = SimI2cBus::new();
    bus.attach(DEFAULT_ADDRESS, Box::new(Stk3311Model::new()));
    let bus = SharedBus::new(bus);
    let device = Stk3311Sensors::init(bus.clone(), DEFAULT_ADDRESS, &mut NoDelay).unwrap();
    (device, bus)
}

fn read_events(device: &mut Stk3311Sensors<SharedBus>, now_ms: u64) -> Vec<SensorEvent> {
    let mut out = [SensorEvent {
        handle: SensorHandle(99),
        timestamp: Nanos::ZERO,
        value: SensorValue::FlushComplete,
    }; 4];
    let n = device.read(Nanos::from_millis(now_ms), &mut out).unwrap();
    out[..n].to_vec()
}

#[test]
fn descriptors_have_unique_handles_positive_ranges_and_ordered_periods() {
    let (device, _bus) = device();

    let sensors = device.sensors();

    assert_eq!(sensors.len(), 2);
    assert_ne!(sensors[0].handle, sensors[1].handle);
    for d in sensors {
        assert!(d.max_range > 0.0 && d.resolution > 0.0, "{d:?}");
        assert!(d.min_period <= d.max_period, "{d:?}");
        assert_eq!(d.reporting_mode, ReportingMode::OnChange);
    }
    assert_eq!(
        device.descriptor(PROXIMITY).unwrap().max_range,
        PROXIMITY_FAR_CM
    );
}

#[test]
fn configuring_50_hz_runs_at_20_ms_or_faster() {
    let (mut device, _bus) = device();

    let light = device
        .configure(LIGHT, Nanos::from_millis(20), Nanos::ZERO)
        .unwrap();
    let proximity = device
        .configure(PROXIMITY, Nanos::from_millis(20), Nanos::ZERO)
        .unwrap();

    assert!(light <= Nanos::from_millis(20), "{light}");
    assert!(proximity <= Nanos::from_millis(20), "{proximity}");
}

#[test]
fn enabled_light_reports_300_lx_once_until_it_changes() {
    let (mut device, bus) = device();
    device.set_enabled(LIGHT, true).unwrap();

    step(&bus, 0, 300.0, 100.0);
    let before_conversion = read_events(&mut device, 0);
    step(&bus, 100, 300.0, 100.0);
    let first = read_events(&mut device, 100);
    step(&bus, 200, 300.0, 100.0);
    let unchanged = read_events(&mut device, 200);
    step(&bus, 300, 50.0, 100.0);
    let changed = read_events(&mut device, 300);

    assert!(before_conversion.is_empty(), "{before_conversion:?}");
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first[0].handle, LIGHT);
    let SensorValue::Light(lux) = first[0].value else {
        panic!("{first:?}");
    };
    assert!((lux.get() - 300.0).abs() <= 0.1, "{lux}");
    assert!(unchanged.is_empty(), "{unchanged:?}");
    assert_eq!(changed.len(), 1, "{changed:?}");
}

#[test]
fn covering_the_proximity_sensor_reports_near_then_far() {
    let (mut device, bus) = device();
    device.set_enabled(PROXIMITY, true).unwrap();

    step(&bus, 0, 300.0, 100.0);
    step(&bus, 1, 300.0, 100.0);
    let far = read_events(&mut device, 1);
    step(&bus, 2, 300.0, 1.0);
    let near = read_events(&mut device, 2);
    step(&bus, 3, 300.0, 1.0);
    let still_near = read_events(&mut device, 3);

    assert_eq!(
        far.iter().map(|e| e.value).collect::<Vec<_>>(),
        [SensorValue::Proximity {
            distance: yunhal::units::Centimeters(PROXIMITY_FAR_CM),
            near: false
        }]
    );
    assert_eq!(near.len(), 1, "{near:?}");
    assert_eq!(near[0].handle, PROXIMITY);
    assert_eq!(near[0].timestamp, Nanos::from_millis(2));
    assert!(matches!(
        near[0].value,
        SensorValue::Proximity { near: true, distance } if distance.get() == 0.0
    ));
    assert!(still_near.is_empty(), "{still_near:?}");
}

#[test]
fn re_enabling_reports_the_first_value_again() {
    let (mut device, bus) = device();
    device.set_enabled(PROXIMITY, true).unwrap();
    step(&bus, 0, 300.0, 100.0);
    step(&bus, 1, 300.0, 100.0);
    assert_eq!(read_events(&mut device, 1).len(), 1);

    device.set_enabled(PROXIMITY, false).unwrap();
    device.set_enabled(PROXIMITY, true).unwrap();
    step(&bus, 2, 300.0, 100.0);
    step(&bus, 3, 300.0, 100.0);
    let events = read_events(&mut device, 3);

    assert_eq!(events.len(), 1, "{events:?}");
}

#[test]
fn disabled_sensors_report_nothing() {
    let (mut device, bus) = device();
    device.set_enabled(LIGHT, true).unwrap();
    device.set_enabled(LIGHT, false).unwrap();

    step(&bus, 0, 300.0, 1.0);
    step(&bus, 200, 300.0, 1.0);
    let events = read_events(&mut device, 200);

    assert!(events.is_empty(), "{events:?}");
}

#[test]
fn unknown_handle_is_an_invalid_argument() {
    let (mut device, _bus) = device();

    let configure = device.configure(SensorHandle(2), Nanos::from_millis(20), Nanos::ZERO);
    let enable = device.set_enabled(SensorHandle(2), true);

    assert_eq!(configure.unwrap_err().kind(), ErrorKind::InvalidArgument);
    assert_eq!(enable.unwrap_err().kind(), ErrorKind::InvalidArgument);
}

#[test]
fn bus_nack_during_read_is_a_bus_error() {
    let (mut device, bus) = device();
    device.set_enabled(LIGHT, true).unwrap();
    bus.lock().inject_nacks(1);

    let mut out = [SensorEvent {
        handle: LIGHT,
        timestamp: Nanos::ZERO,
        value: SensorValue::FlushComplete,
    }; 2];
    let err = device.read(Nanos::ZERO, &mut out).unwrap_err();

    assert_eq!(err.kind(), ErrorKind::Bus);
}

#[test]
fn init_on_another_product_is_not_present() {
    let mut bus = SimI2cBus::new();
    bus.attach(
        DEFAULT_ADDRESS,
        Box::new(Stk3311Model::with_product_id(0x51)),
    );

    let err = Stk3311Sensors::init(bus, DEFAULT_ADDRESS, &mut NoDelay)
        .err()
        .unwrap();

    assert_eq!(err.kind(), ErrorKind::NotPresent);
}
