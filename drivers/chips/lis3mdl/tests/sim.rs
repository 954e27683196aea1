//! The driver against the register model on a simulated bus.

mod common;

use common::advance_to_millis;

use embedded_hal::i2c::{ErrorKind, I2c, NoAcknowledgeSource};
use yunhal_lis3mdl::{Config, DataRate, Error, FullScale, Lis3mdl, Mode, ADDRESS_SA1_HIGH};
use yunhal_sim::chips::lis3mdl::Lis3mdlModel;
use yunhal_sim::i2c::SharedI2cBus as SharedBus;
use yunhal_sim::i2c::{SimI2cBus, SimI2cError};

fn bus_with(model: Option<Lis3mdlModel>) -> SharedBus {
    let mut bus = SimI2cBus::new();
    if let Some(model) = model {
        bus.attach(ADDRESS_SA1_HIGH, Box::new(model));
    }
    SharedBus::new(bus)
}

fn initialised() -> (SharedBus, Lis3mdl<SharedBus>) {
    let bus = bus_with(Some(Lis3mdlModel::new()));
    let mut mag = Lis3mdl::new(bus.clone(), ADDRESS_SA1_HIGH);
    mag.init().unwrap();
    (bus, mag)
}

fn is_nack<T: core::fmt::Debug>(result: Result<T, Error<SimI2cError>>) -> bool {
    matches!(
        result,
        Err(Error::Bus(SimI2cError(ErrorKind::NoAcknowledge(
            NoAcknowledgeSource::Address
        ))))
    )
}

#[test]
fn init_on_a_lis3mdl_succeeds_and_starts_continuous_conversion() {
    let (bus, mut mag) = initialised();
    assert!(!mag.data_ready().unwrap());
    advance_to_millis(&bus, 100, [0.0; 3]); // default 10 Hz
    assert!(mag.data_ready().unwrap());
}

#[test]
fn init_with_nothing_attached_is_a_bus_error() {
    let mut mag = Lis3mdl::new(bus_with(None), ADDRESS_SA1_HIGH);
    assert!(is_nack(mag.init()));
}

#[test]
fn init_on_another_chip_is_wrong_device() {
    let bus = bus_with(Some(Lis3mdlModel::with_who_am_i(0x33)));
    let mut mag = Lis3mdl::new(bus, ADDRESS_SA1_HIGH);
    assert_eq!(mag.init(), Err(Error::WrongDevice { who_am_i: 0x33 }));
}

#[test]
fn field_reads_back_within_one_lsb_at_each_full_scale() {
    let field = [20.0, -30.0, 40.0];
    for full_scale in [
        FullScale::Gauss4,
        FullScale::Gauss8,
        FullScale::Gauss12,
        FullScale::Gauss16,
    ] {
        let (bus, mut mag) = initialised();
        let config = Config {
            full_scale,
            data_rate: DataRate::Hz80,
            ..Config::default()
        };
        mag.configure(&config).unwrap();
        advance_to_millis(&bus, 13, field); // 80 Hz: 12.5 ms
        assert!(mag.data_ready().unwrap());
        let got = mag.read_field().unwrap();
        let one_lsb = 100.0 / full_scale.lsb_per_gauss();
        for (got, want) in got.iter().zip(field) {
            assert!(
                (got.0 - want).abs() <= one_lsb,
                "{full_scale:?}: {got} vs {want} µT"
            );
        }
    }
}

#[test]
fn data_ready_rises_with_time_and_falls_on_read() {
    let (bus, mut mag) = initialised();
    mag.configure(&Config {
        data_rate: DataRate::Hz20,
        ..Config::default()
    })
    .unwrap();
    advance_to_millis(&bus, 49, [1.0; 3]);
    assert!(!mag.data_ready().unwrap());
    advance_to_millis(&bus, 50, [1.0; 3]);
    assert!(mag.data_ready().unwrap());
    mag.read_raw().unwrap();
    assert!(!mag.data_ready().unwrap());
    advance_to_millis(&bus, 100, [1.0; 3]);
    assert!(mag.data_ready().unwrap());
}

#[test]
fn unread_sample_overwritten_reports_overrun() {
    let (bus, mut mag) = initialised();
    advance_to_millis(&bus, 100, [1.0; 3]);
    assert!(!mag.overrun().unwrap());
    advance_to_millis(&bus, 200, [1.0; 3]);
    assert!(mag.overrun().unwrap());
}

#[test]
fn single_mode_gives_one_sample() {
    let (bus, mut mag) = initialised();
    mag.set_mode(Mode::Single).unwrap();
    advance_to_millis(&bus, 100, [20.0, 0.0, 0.0]);
    assert!(mag.data_ready().unwrap());
    let raw = mag.read_raw().unwrap();
    assert_eq!(raw[0], 1368); // 0.2 G × 6842 LSB/G
    advance_to_millis(&bus, 500, [20.0, 0.0, 0.0]);
    assert!(!mag.data_ready().unwrap());
}

#[test]
fn temperature_reads_the_world_when_enabled() {
    let (bus, mut mag) = initialised();
    mag.configure(&Config {
        temperature_sensor: true,
        ..Config::default()
    })
    .unwrap();
    advance_to_millis(&bus, 100, [0.0; 3]); // resting world: 25 °C
    assert_eq!(mag.read_temperature().unwrap().0, 25.0);
}

#[test]
fn injected_nack_surfaces_as_bus_error_then_recovers() {
    let (bus, mut mag) = initialised();
    bus.lock().inject_nacks(1);
    assert!(is_nack(mag.read_raw()));
    assert!(mag.read_raw().is_ok());
}

#[test]
fn release_gives_the_bus_back() {
    let (_bus, mag) = initialised();
    let mut bus = mag.release();
    let mut who = [0];
    bus.write_read(ADDRESS_SA1_HIGH, &[0x0F], &mut who).unwrap();
    assert_eq!(who, [0x3D]);
}
