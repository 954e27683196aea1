//! The drivers the daemon can build, and the platform they are built on.
//!
//! # For HAL authors
//! A HAL issue adds, here:
//! - a variant of [`HalDevice`] holding its device trait object, e.g.
//!   `Sensor(Box<dyn yunhal::sensors::SensorDevice + Send>)`;
//! - one line per chip driver in `driver_entries()`, e.g.
//!   `DriverEntry::new(MPU6050, sensors::build_mpu6050)`, whose build
//!   function opens the device's bus through [`DaemonPlatform`] (a `/dev`
//!   node, or the simulator's bus when the bus is `simulated = true`).
//!
//! `yunctl board check` validates with the same registry, so a board file
//! is checked against exactly the drivers the daemon has.

use yunhal_boards::{DriverEntry, DriverRegistry, Platform};

/// One device the builder made: each HAL adds a variant.
#[derive(Debug)]
pub enum HalDevice {}

/// What building a device needs from the daemon: it opens buses and GPIO
/// lines (real device nodes, or the simulators' buses when the board is
/// simulated). The simulators will live here.
#[derive(Debug, Default)]
pub struct DaemonPlatform {}

/// Why a device could not be built.
#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    /// A device node or bus could not be opened.
    #[error("cannot open {what}: {source}")]
    Open {
        what: String,
        #[source]
        source: std::io::Error,
    },
}

impl Platform for DaemonPlatform {
    type Device = HalDevice;
    type Error = PlatformError;
}

/// Every driver the daemon can build; each HAL issue adds its lines.
fn driver_entries() -> Vec<DriverEntry<DaemonPlatform>> {
    vec![
        // sensors: mpu6050, lis3mdl, stk3311
        // touch: goodix
        // display, backlight, audio: sim-display, sim-backlight, sim-audio, linux-*
        // modem: at-modem
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
