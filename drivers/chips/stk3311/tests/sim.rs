//! The driver against the register model on the simulated bus.

use embedded_hal::i2c::{ErrorKind, NoAcknowledgeSource};
use yunhal::time::Nanos;
use yunhal_sim::chips::stk3311::Stk3311Model;
use yunhal_sim::delay::NoDelay;
use yunhal_sim::i2c::SharedI2cBus as SharedBus;
use yunhal_sim::i2c::{SimI2cBus, SimI2cError};
use yunhal_sim::world::PhysicalState;
use yunhal_stk3311::{Config, Error, Gain, IntegrationTime, Stk3311, DEFAULT_ADDRESS};

fn bus_with(model: Stk3311Model) -> SharedBus {
    let mut bus = SimI2cBus::new();
    bus.attach(DEFAULT_ADDRESS, Box::new(model));
    SharedBus::new(bus)
}

fn advance(bus: &SharedBus, millis: u64, lux: f32, proximity_cm: f32) {
    let world = PhysicalState {
        illuminance: lux,
        proximity: proximity_cm,
        ..PhysicalState::resting(Nanos::from_millis(millis))
    };
    bus.lock().advance(&world);
}

fn proximity_config() -> Config {
    Config {
        ps_threshold_high: 1000,
        ps_threshold_low: 500,
        ps_interrupt: true,
        ..Config::default()
    }
}

fn initialised_sensor(bus: &SharedBus) -> Stk3311<SharedBus> {
    let mut sensor = Stk3311::new(bus.clone(), DEFAULT_ADDRESS);
    sensor.init(&mut NoDelay).unwrap();
    sensor
}

#[test]
fn init_on_an_stk3311_succeeds() {
    let bus = bus_with(Stk3311Model::new());
    let mut sensor = Stk3311::new(bus, DEFAULT_ADDRESS);
    assert_eq!(sensor.init(&mut NoDelay), Ok(()));
}

#[test]
fn init_with_nothing_attached_is_a_bus_error() {
    let mut sensor = Stk3311::new(SimI2cBus::new(), DEFAULT_ADDRESS);
    let err = sensor.init(&mut NoDelay).unwrap_err();
    assert_eq!(
        err,
        Error::Bus(SimI2cError(ErrorKind::NoAcknowledge(
            NoAcknowledgeSource::Address
        )))
    );
}

#[test]
fn init_on_another_product_id_is_wrong_device() {
    let bus = bus_with(Stk3311Model::with_product_id(0x51));
    let mut sensor = Stk3311::new(bus, DEFAULT_ADDRESS);
    assert_eq!(
        sensor.init(&mut NoDelay),
        Err(Error::WrongDevice { id: 0x51 })
    );
}

#[test]
fn lux_round_trips_300_lx_within_one_count() {
    let bus = bus_with(Stk3311Model::new());
    let mut sensor = initialised_sensor(&bus);
    sensor.configure(&Config::default()).unwrap();

    advance(&bus, 0, 300.0, 100.0);
    advance(&bus, 100, 300.0, 100.0);
    let lux = sensor.read_lux().unwrap();

    assert!((lux.get() - 300.0).abs() <= sensor.lux_per_count(), "{lux}");
}

#[test]
fn lux_round_trips_at_another_gain_and_integration_time() {
    let bus = bus_with(Stk3311Model::new());
    let mut sensor = initialised_sensor(&bus);
    sensor
        .configure(&Config {
            als_gain: Gain::X4,
            als_integration: IntegrationTime::Us189440,
            ..Config::default()
        })
        .unwrap();

    advance(&bus, 0, 300.0, 100.0);
    advance(&bus, 200, 300.0, 100.0);
    let lux = sensor.read_lux().unwrap();

    assert!((lux.get() - 300.0).abs() <= sensor.lux_per_count(), "{lux}");
}

#[test]
fn covering_the_sensor_is_near_with_an_interrupt_and_uncovering_is_far() {
    let bus = bus_with(Stk3311Model::new());
    let mut sensor = initialised_sensor(&bus);
    sensor.configure(&proximity_config()).unwrap();
    advance(&bus, 0, 300.0, 100.0);
    advance(&bus, 1, 300.0, 100.0);
    assert!(!sensor.is_near().unwrap());

    advance(&bus, 2, 300.0, 1.0);

    assert!(sensor.read_ps_raw().unwrap() >= 1000);
    assert!(sensor.is_near().unwrap());
    assert!(sensor.interrupt_flags().unwrap().ps_interrupt);
    assert!(bus
        .lock()
        .device_mut(DEFAULT_ADDRESS)
        .unwrap()
        .interrupt_line());

    sensor.clear_interrupt().unwrap();
    assert!(!sensor.interrupt_flags().unwrap().ps_interrupt);
    assert!(!bus
        .lock()
        .device_mut(DEFAULT_ADDRESS)
        .unwrap()
        .interrupt_line());

    advance(&bus, 3, 300.0, 100.0);

    assert!(!sensor.is_near().unwrap());
    assert!(sensor.interrupt_flags().unwrap().ps_interrupt);
}

#[test]
fn inverted_thresholds_are_refused() {
    let bus = bus_with(Stk3311Model::new());
    let mut sensor = initialised_sensor(&bus);
    let err = sensor
        .configure(&Config {
            ps_threshold_high: 10,
            ps_threshold_low: 20,
            ..Config::default()
        })
        .unwrap_err();
    assert_eq!(err, Error::InvalidThresholds { low: 20, high: 10 });
}

#[test]
fn injected_nack_surfaces_as_a_bus_error() {
    let bus = bus_with(Stk3311Model::new());
    let mut sensor = initialised_sensor(&bus);
    bus.lock().inject_nacks(1);

    let err = sensor.read_als_raw().unwrap_err();

    assert!(matches!(err, Error::Bus(_)));
    assert!(sensor.read_als_raw().is_ok(), "the next transfer works");
}

#[test]
fn release_gives_the_bus_back() {
    let bus = bus_with(Stk3311Model::new());
    let sensor = initialised_sensor(&bus);
    let released = sensor.release();
    assert!(released.same_bus(&bus));
}
