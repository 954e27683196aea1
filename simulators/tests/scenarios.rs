//! The shipped scenarios parse, and a scenario drives a chip model's
//! registers through the world.

use embedded_hal::i2c::I2c;
use std::f32::consts::PI;
use std::path::Path;
use yunhal::time::Nanos;
use yunhal_sim::chips::mpu6050::Mpu6050Model;
use yunhal_sim::i2c::SimI2cBus;
use yunhal_sim::scenario::{Scenario, ScenarioPlayer};
use yunhal_sim::world::World;

const MPU6050_ADDRESS: u8 = 0x68;
const PWR_MGMT_1: u8 = 0x6B;
const ACCEL_XOUT_H: u8 = 0x3B;
const GYRO_ZOUT_H: u8 = 0x47;
const LSB_PER_G: f32 = 16384.0;
const LSB_PER_DPS: f32 = 131.0;

fn scenarios_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios"))
}

fn load(file: &str) -> Scenario {
    let path = scenarios_dir().join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    Scenario::parse(&path.display().to_string(), &text).unwrap()
}

fn read_i16s<const N: usize>(bus: &mut SimI2cBus, register: u8) -> [i16; N] {
    let mut buf = vec![0; 2 * N];
    bus.write_read(MPU6050_ADDRESS, &[register], &mut buf)
        .unwrap();
    std::array::from_fn(|i| i16::from_be_bytes([buf[2 * i], buf[2 * i + 1]]))
}

fn assert_lsb_near(actual: i16, expected: f32, what: &str) {
    assert!(
        (f32::from(actual) - expected).abs() < 0.01 * LSB_PER_G,
        "{what}: {actual} != {expected}"
    );
}

#[test]
fn every_shipped_scenario_parses() {
    let mut count = 0;
    for entry in std::fs::read_dir(scenarios_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path).unwrap();

            let parsed = Scenario::parse(&path.display().to_string(), &text);

            assert!(parsed.is_ok(), "{}", parsed.unwrap_err());
            count += 1;
        }
    }
    assert!(count >= 3, "found {count} scenarios");
}

#[test]
fn rotate_to_landscape_scenario_moves_gravity_from_y_to_x_in_mpu6050_registers() {
    let mut bus = SimI2cBus::new();
    bus.attach(MPU6050_ADDRESS, Box::new(Mpu6050Model::new()));
    bus.write(MPU6050_ADDRESS, &[PWR_MGMT_1, 0x01]).unwrap();
    let mut world = World::default();
    let mut player = ScenarioPlayer::new(load("rotate-to-landscape.toml"));
    let mut step_to = |bus: &mut SimI2cBus, ms: u64| {
        let state = player.step_to(&mut world, Nanos::from_millis(ms));
        bus.advance(&state);
    };

    step_to(&mut bus, 500);
    let [x_before, y_before, _] = read_i16s::<3>(&mut bus, ACCEL_XOUT_H);
    step_to(&mut bus, 1250);
    let [gyro_z_mid_way] = read_i16s::<1>(&mut bus, GYRO_ZOUT_H);
    step_to(&mut bus, 2000);
    let [x_after, y_after, z_after] = read_i16s::<3>(&mut bus, ACCEL_XOUT_H);
    let [gyro_z_after] = read_i16s::<1>(&mut bus, GYRO_ZOUT_H);

    assert_lsb_near(x_before, 0.0, "x before");
    assert_lsb_near(y_before, LSB_PER_G, "y before");
    // π/2 over 0.5 s is 180 °/s.
    let expected_gyro = (PI / 2.0 / 0.5).to_degrees() * LSB_PER_DPS;
    assert!(
        (f32::from(gyro_z_mid_way) - expected_gyro).abs() < 2.0,
        "gyro z {gyro_z_mid_way} != {expected_gyro}"
    );
    assert_lsb_near(x_after, LSB_PER_G, "x after");
    assert_lsb_near(y_after, 0.0, "y after");
    assert_lsb_near(z_after, 0.0, "z after");
    assert_eq!(gyro_z_after, 0);
}

#[test]
fn pocket_scenario_covers_the_proximity_sensor_and_darkens_at_3s() {
    let mut world = World::default();
    let mut player = ScenarioPlayer::new(load("pocket.toml"));

    let before = player.step_to(&mut world, Nanos::from_millis(2999));
    let after = player.step_to(&mut world, Nanos::from_secs(3));

    assert_eq!((before.proximity, before.illuminance), (100.0, 300.0));
    assert_eq!((after.proximity, after.illuminance), (0.5, 0.0));
}
