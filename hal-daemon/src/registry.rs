//! The drivers the daemon can build, and the platform they are built on.
//!
//! # For HAL authors
//! A HAL issue adds, here:
//! - a variant of [`HalDevice`] holding its device trait object, e.g.
//!   `Sensor(Box<dyn yunhal::sensors::DynSensorDevice>)`;
//! - one line per chip driver in `driver_entries()`, e.g.
//!   `DriverEntry::new(MPU6050, sensors::build_mpu6050)`, whose build
//!   function opens the device's bus through [`DaemonPlatform`] (a `/dev`
//!   node, or the simulator's bus when the bus is `simulated = true`).
//!
//! `yunctl board check` validates with the same registry, so a board file
//! is checked against exactly the drivers the daemon has.

use std::fmt;
use yunhal::sensors::DynSensorDevice;
use yunhal_boards::{DriverEntry, DriverRegistry};

pub use crate::platform::{DaemonPlatform, PlatformError};
use crate::{modem, sensors};

/// One device the builder made: each HAL adds a variant.
pub enum HalDevice {
    /// A sensor chip, as the sensors it carries.
    Sensor(Box<dyn DynSensorDevice>),
    /// A modem.
    Modem(yunhal::modem::BoxedModem),
}

impl fmt::Debug for HalDevice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HalDevice::Sensor(device) => {
                let names: Vec<&str> = device.sensors().iter().map(|d| d.name).collect();
                f.debug_tuple("Sensor").field(&names).finish()
            }
            HalDevice::Modem(_) => f.write_str("Modem"),
        }
    }
}

/// Every driver the daemon can build; each HAL issue adds its lines.
fn driver_entries() -> Vec<DriverEntry<DaemonPlatform>> {
    vec![
        DriverEntry::new(sensors::MPU6050, sensors::build_mpu6050),
        DriverEntry::new(sensors::LIS3MDL, sensors::build_lis3mdl),
        DriverEntry::new(sensors::STK3311, sensors::build_stk3311),
        DriverEntry::new(sensors::LINUX_IIO, sensors::build_linux_iio),
        // touch: goodix
        // display, backlight, audio: sim-display, sim-backlight, sim-audio, linux-*
        DriverEntry::new(modem::build::AT_MODEM, modem::build::build_at_modem),
    ]
}

/// The daemon's driver registry.
pub fn driver_registry() -> DriverRegistry<DaemonPlatform> {
    let mut registry = DriverRegistry::new();
    for entry in driver_entries() {
        registry
            .register(entry)
            .expect("every driver is listed once (tested)");
    }
    registry
}

#[cfg(test)]
mod tests {
    use super::*;
    use yunhal_boards::DriverCatalog;

    #[test]
    fn registry_builds_with_every_driver_once() {
        let registry = driver_registry();

        assert_eq!(registry.driver_names().len(), driver_entries().len());
    }
}
