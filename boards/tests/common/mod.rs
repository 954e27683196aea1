//! Test drivers and a test platform. These entries exist only in tests:
//! no chip driver is in the tree yet.
#![allow(dead_code)]

use yunhal_boards::{
    parse_board, BusKind, DeviceClass, DeviceRequest, Diagnostic, DriverEntry, DriverInfo,
    DriverRegistry, GpioRole, ParamError, Platform,
};

pub const FILE: &str = "boards/test.toml";

/// Buses every test board has; devices start on line 20.
pub const BUSES: &str = r#"[board]
name = "test"

[buses.i2c1]
kind = "i2c"
path = "/dev/i2c-1"

[buses.pio]
kind = "gpio"
name = "1c20800.pinctrl"
ports = "A-H"

[buses.uart]
kind = "serial"
path = "/dev/ttyS2"

[buses.card]
kind = "drm"
simulated = true
"#;

pub const ACCEL: DriverInfo = DriverInfo::new("test-accel", DeviceClass::Sensor)
    .buses(&[BusKind::I2c])
    .params(check_accel_params);
pub const TOUCH: DriverInfo = DriverInfo::new("test-touch", DeviceClass::Touch)
    .buses(&[BusKind::I2c])
    .required_gpios(&[GpioRole::Interrupt]);
pub const MODEM: DriverInfo =
    DriverInfo::new("test-modem", DeviceClass::Modem).buses(&[BusKind::Serial]);
pub const DISPLAY: DriverInfo =
    DriverInfo::new("test-display", DeviceClass::Display).buses(&[BusKind::Drm]);

pub const CATALOG: [DriverInfo; 4] = [ACCEL, TOUCH, MODEM, DISPLAY];

/// `range_g` must be one of 2, 4, 8, 16; nothing else is accepted.
fn check_accel_params(params: &toml::Table) -> Vec<ParamError> {
    params
        .iter()
        .filter_map(|(key, value)| match (key.as_str(), value.as_integer()) {
            ("range_g", Some(2 | 4 | 8 | 16)) => None,
            ("range_g", Some(other)) => Some(ParamError::new(
                key.as_str(),
                format!("{other} is not a range; expected 2, 4, 8 or 16"),
            )),
            ("range_g", None) => Some(ParamError::new(key.as_str(), "expected an integer")),
            _ => Some(ParamError::new(
                key.as_str(),
                "unknown parameter; expected range_g",
            )),
        })
        .collect()
}

/// Parses `BUSES` followed by `devices` against `CATALOG`; the diagnostics.
pub fn diagnostics(devices: &str) -> Vec<Diagnostic> {
    let text = format!("{BUSES}{devices}");
    match parse_board(FILE, &text, &CATALOG[..]) {
        Ok(_) => Vec::new(),
        Err(diagnostics) => diagnostics.into_vec(),
    }
}

/// The one diagnostic of a board, as printed.
pub fn only_error(devices: &str) -> Diagnostic {
    let found = diagnostics(devices);
    assert_eq!(found.len(), 1, "expected one diagnostic, got: {found:#?}");
    found.into_iter().next().unwrap()
}

/// A platform whose devices are strings saying how they were built.
#[derive(Default)]
pub struct TestPlatform {
    /// Buses that fail to open.
    pub broken_buses: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("bus `{0}` does not answer")]
pub struct BusDead(pub String);

impl Platform for TestPlatform {
    type Device = String;
    type Error = BusDead;
}

fn build(platform: &mut TestPlatform, request: &DeviceRequest<'_>) -> Result<String, BusDead> {
    let bus = request.bus.map_or("-", |bus| bus.name.as_str());
    if platform.broken_buses.iter().any(|broken| broken == bus) {
        return Err(BusDead(bus.to_owned()));
    }
    let gpios: Vec<String> = request
        .device
        .gpios
        .iter()
        .map(|(role, line)| format!("{role}={}:{}", line.chip, line.line))
        .collect();
    Ok(format!(
        "{} on {bus} at {:?} [{}]",
        request.device.spec.driver(),
        request.device.spec.address(),
        gpios.join(" ")
    ))
}

pub fn registry() -> DriverRegistry<TestPlatform> {
    let mut registry = DriverRegistry::new();
    for info in CATALOG {
        registry.register(DriverEntry::new(info, build)).unwrap();
    }
    registry
}
