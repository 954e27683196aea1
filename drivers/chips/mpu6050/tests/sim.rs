//! The driver against the simulator's register-level MPU-6050 model.

mod common;

use common::advance_to_ms;

use embedded_hal::i2c::{ErrorKind as I2cErrorKind, NoAcknowledgeSource};
use yunhal::time::Nanos;
use yunhal::units::STANDARD_GRAVITY;
use yunhal_mpu6050::{
    AccelRange, Config, Dlpf, Error, ErrorKind, FifoFrame, FifoSensors, GyroRange, Mpu6050,
    ADDRESS_AD0_LOW,
};
use yunhal_sim::chips::mpu6050::Mpu6050Model;
use yunhal_sim::delay::NoDelay;
use yunhal_sim::i2c::SharedI2cBus as SharedBus;
use yunhal_sim::i2c::SimI2cBus;
use yunhal_sim::world::PhysicalState;

fn bus_with(model: Option<Mpu6050Model>) -> SharedBus {
    let mut bus = SimI2cBus::new();
    if let Some(model) = model {
        bus.attach(ADDRESS_AD0_LOW, Box::new(model));
    }
    SharedBus::new(bus)
}

/// A bus with an MPU-6050 at 0x68, a driver that has run `init`, and a
/// resting world at t = 0.
fn initialised() -> (Mpu6050<SharedBus>, SharedBus, PhysicalState) {
    let bus = bus_with(Some(Mpu6050Model::new()));
    let mut imu = Mpu6050::new(bus.clone(), ADDRESS_AD0_LOW);
    imu.init(&mut NoDelay).unwrap();
    (imu, bus, PhysicalState::resting(Nanos::ZERO))
}

#[test]
fn init_on_an_mpu6050_succeeds() {
    let bus = bus_with(Some(Mpu6050Model::new()));
    let mut imu = Mpu6050::new(bus, ADDRESS_AD0_LOW);

    let result = imu.init(&mut NoDelay);

    assert_eq!(result, Ok(()));
}

#[test]
fn init_on_another_chip_reports_its_who_am_i() {
    let bus = bus_with(Some(Mpu6050Model::with_who_am_i(0x70)));
    let mut imu = Mpu6050::new(bus, ADDRESS_AD0_LOW);

    let result = imu.init(&mut NoDelay);

    assert_eq!(result, Err(Error::WrongDevice { who_am_i: 0x70 }));
}

#[test]
fn init_with_nothing_at_the_address_is_an_address_nack() {
    let bus = bus_with(None);
    let mut imu = Mpu6050::new(bus, ADDRESS_AD0_LOW);

    let err = imu.init(&mut NoDelay).unwrap_err();

    assert_eq!(
        err.kind(),
        ErrorKind::Bus(I2cErrorKind::NoAcknowledge(NoAcknowledgeSource::Address))
    );
}

#[test]
fn one_g_on_z_at_4g_range_reads_standard_gravity() {
    let (mut imu, bus, mut world) = initialised();
    imu.configure(&Config::default().accel_range(AccelRange::G4))
        .unwrap();

    advance_to_ms(&bus, &mut world, 1);
    let raw = imu.read_accel_raw().unwrap();
    let accel = imu.read_accel().unwrap();

    assert_eq!(raw, [0, 0, 8192]);
    assert!(
        (accel[2].get() - STANDARD_GRAVITY).abs() < 0.01,
        "{accel:?}"
    );
    assert!(accel[0].get().abs() < 0.01 && accel[1].get().abs() < 0.01);
}

#[test]
fn angular_velocity_round_trips_in_rad_per_s() {
    let (mut imu, bus, mut world) = initialised();
    imu.configure(&Config::default().gyro_range(GyroRange::Dps1000))
        .unwrap();
    world.angular_velocity = [1.0, -2.5, 10.0];

    advance_to_ms(&bus, &mut world, 1);
    let gyro = imu.read_gyro().unwrap();

    for (got, want) in gyro.iter().zip(world.angular_velocity) {
        // One LSB at ±1000 °/s is 1/32.8 °/s ≈ 0.00053 rad/s.
        assert!((got.get() - want).abs() < 0.001, "{gyro:?}");
    }
}

#[test]
fn temperature_reads_world_temperature() {
    let (mut imu, bus, mut world) = initialised();
    world.temperature = 31.0;

    advance_to_ms(&bus, &mut world, 1);
    let temperature = imu.read_temperature().unwrap();

    assert!((temperature.get() - 31.0).abs() < 0.01, "{temperature:?}");
}

#[test]
fn read_all_matches_the_separate_reads() {
    let (mut imu, bus, mut world) = initialised();
    world.angular_velocity = [0.5, 0.0, 0.0];

    advance_to_ms(&bus, &mut world, 1);
    let all = imu.read_all().unwrap();

    assert_eq!(all.accel, imu.read_accel().unwrap());
    assert_eq!(all.gyro, imu.read_gyro().unwrap());
    assert_eq!(all.temperature, imu.read_temperature().unwrap());
}

#[test]
fn sample_rate_follows_dlpf_and_divider() {
    let (mut imu, _bus, _world) = initialised();
    assert_eq!(imu.sample_rate_hz().get(), 8000.0);

    imu.configure(
        &Config::default()
            .dlpf(Dlpf::Accel44Gyro42)
            .sample_rate_divider(9),
    )
    .unwrap();

    assert_eq!(imu.sample_rate_hz().get(), 100.0);
}

fn fifo_at_100_hz() -> (Mpu6050<SharedBus>, SharedBus, PhysicalState) {
    let (mut imu, bus, world) = initialised();
    imu.configure(
        &Config::default()
            .dlpf(Dlpf::Accel44Gyro42)
            .sample_rate_divider(9),
    )
    .unwrap();
    imu.enable_fifo(FifoSensors {
        accel: true,
        temperature: true,
        gyro: true,
    })
    .unwrap();
    (imu, bus, world)
}

#[test]
fn fifo_holds_ten_frames_after_100_ms_at_100_hz() {
    let (mut imu, bus, mut world) = fifo_at_100_hz();

    advance_to_ms(&bus, &mut world, 100);
    let count = imu.fifo_count().unwrap();
    let mut frames = [FifoFrame::default(); 32];
    let read = imu.read_fifo(&mut frames).unwrap();

    assert_eq!(count, 10 * 14);
    assert_eq!(read, 10);
    assert_eq!(frames[9].accel, Some([0, 0, 16384]));
    assert!(frames[9].temperature.is_some() && frames[9].gyro == Some([0; 3]));
    assert_eq!(imu.fifo_count().unwrap(), 0);
}

#[test]
fn fifo_overflow_is_reported_then_fifo_recovers() {
    let (mut imu, bus, mut world) = fifo_at_100_hz();
    let mut frames = [FifoFrame::default(); 8];

    // 1024 bytes / 14 per frame: the 74th frame overflows.
    advance_to_ms(&bus, &mut world, 1000);
    let overflow = imu.read_fifo(&mut frames);
    advance_to_ms(&bus, &mut world, 1050);
    let after = imu.read_fifo(&mut frames);

    assert_eq!(overflow, Err(Error::FifoOverflow));
    assert_eq!(after, Ok(5));
    assert_eq!(frames[0].accel, Some([0, 0, 16384]));
}

#[test]
fn fifo_overflow_is_found_from_the_count_when_int_status_was_read_elsewhere() {
    let (mut imu, bus, mut world) = fifo_at_100_hz();
    let mut frames = [FifoFrame::default(); 8];

    advance_to_ms(&bus, &mut world, 1000);
    let status = imu.interrupt_status().unwrap();
    let overflow = imu.read_fifo(&mut frames);
    let count_after = imu.fifo_count().unwrap();

    assert!(status.fifo_overflow);
    assert_eq!(overflow, Err(Error::FifoOverflow));
    assert_eq!(count_after, 0);
}

#[test]
fn data_ready_interrupt_raises_line_until_status_read() {
    let (mut imu, bus, mut world) = initialised();
    imu.enable_data_ready_interrupt().unwrap();

    advance_to_ms(&bus, &mut world, 1);
    let line_before = bus.interrupt_line(ADDRESS_AD0_LOW);
    let status = imu.interrupt_status().unwrap();
    let line_after = bus.interrupt_line(ADDRESS_AD0_LOW);

    assert!(line_before);
    assert!(status.data_ready && !status.fifo_overflow);
    assert!(!line_after);
}

#[test]
fn injected_nack_surfaces_as_bus_error() {
    let (mut imu, bus, _world) = initialised();
    bus.lock().inject_nacks(1);

    let err = imu.read_accel().unwrap_err();

    assert!(matches!(err, Error::Bus(_)));
    assert!(imu.read_accel().is_ok());
}

#[test]
fn release_gives_the_bus_back() {
    let (imu, _bus, _world) = initialised();

    let bus = imu.release();

    assert!(!bus.interrupt_line(ADDRESS_AD0_LOW));
}
