//! The builder, with test drivers (no chip driver is in the tree yet).

mod common;

use common::{registry, TestPlatform, BUSES, CATALOG, FILE};
use yunhal_boards::{
    build_board, parse_board, BuildError, DeviceClass, DriverEntry, DriverInfo, DriverRegistry,
    RegistryError,
};

const DEVICES: &str = r#"[devices.touch]
class = "touch"
driver = "test-touch"
bus = "i2c1"
address = 0x5d
gpios = { interrupt = "PH4", reset = { chip = "pio", line = 235, active_low = true } }

[devices.accel]
class = "sensor"
driver = "test-accel"
bus = "i2c1"
address = 0x68

[devices.later]
class = "sensor"
driver = "not-yet"
enabled = false
bus = "i2c1"
address = 0x1e

[devices.modem]
class = "modem"
driver = "test-modem"
bus = "uart"
"#;

fn board() -> yunhal_boards::Board {
    parse_board(FILE, &format!("{BUSES}{DEVICES}"), &CATALOG[..]).unwrap()
}

#[test]
fn builds_enabled_devices_in_file_order_on_their_buses_and_lines() {
    let board = board();
    let report = build_board(&board, &registry(), &mut TestPlatform::default());

    assert!(report.failed.is_empty(), "{:?}", report.failed);
    let built: Vec<(&str, DeviceClass, &str)> = report
        .built
        .iter()
        .map(|device| (device.name.as_str(), device.class, device.device.as_str()))
        .collect();
    assert_eq!(
        built,
        [
            (
                "touch",
                DeviceClass::Touch,
                "test-touch on i2c1 at Some(93) [interrupt=pio:228 reset=pio:235]"
            ),
            (
                "accel",
                DeviceClass::Sensor,
                "test-accel on i2c1 at Some(104) []"
            ),
            ("modem", DeviceClass::Modem, "test-modem on uart at None []"),
        ]
    );
    assert!(board
        .device("touch")
        .unwrap()
        .gpios
        .values()
        .any(|line| line.active_low));
}

#[test]
fn a_device_that_fails_to_build_is_reported_and_the_others_are_built() {
    let mut platform = TestPlatform {
        broken_buses: vec!["uart".to_owned()],
    };
    let report = build_board(&board(), &registry(), &mut platform);

    assert_eq!(report.built.len(), 2);
    assert_eq!(report.failed.len(), 1);
    assert_eq!(
        report.failed[0].to_string(),
        "device `modem`: driver `test-modem` failed: bus `uart` does not answer"
    );
}

#[test]
fn a_driver_missing_from_the_registry_is_a_build_failure() {
    let board = board();
    let mut partial = DriverRegistry::<TestPlatform>::new();
    let full = registry();
    for name in ["test-touch", "test-accel"] {
        let entry = full.entry(name).unwrap();
        partial
            .register(DriverEntry::new(entry.info, entry.build))
            .unwrap();
    }
    let report = build_board(&board, &partial, &mut TestPlatform::default());

    assert_eq!(report.built.len(), 2);
    assert!(matches!(
        &report.failed[..],
        [BuildError::UnknownDriver { device, driver }] if device == "modem" && driver == "test-modem"
    ));
}

#[test]
fn registering_a_name_twice_is_refused() {
    let mut registry = registry();
    let entry = DriverEntry::new(
        DriverInfo::new("test-accel", DeviceClass::Sensor),
        |_, _| Ok(String::new()),
    );
    assert_eq!(
        registry.register(entry),
        Err(RegistryError::Duplicate("test-accel"))
    );
}
