//! The builder: turns a validated board into driver instances.
//!
//! # For HAL authors
//!
//! The daemon implements [`Platform`] (what opening a bus or a GPIO line
//! means there: a real `/dev` node or a simulator's bus), registers its
//! drivers, loads a board and calls [`build_board`]. Each enabled device's
//! [`BuildFn`](crate::BuildFn) gets a [`DeviceRequest`] with the device, its
//! bus and its resolved GPIO lines. A device that fails to build is reported
//! and the others are still built: a board with a dead sensor still boots.

use crate::board::{Board, Bus, Device};
use crate::format::DeviceClass;
use crate::registry::{DriverRegistry, Platform};

/// What a build function gets: the device and where it is wired.
#[derive(Debug, Clone, Copy)]
pub struct DeviceRequest<'a> {
    pub board: &'a Board,
    pub device: &'a Device,
    /// The device's bus, if it has one.
    pub bus: Option<&'a Bus>,
}

/// One device the builder made.
#[derive(Debug)]
pub struct BuiltDevice<D> {
    pub name: String,
    pub class: DeviceClass,
    pub device: D,
}

/// Why one device was not built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError<E> {
    #[error("device `{device}`: no driver `{driver}` is registered")]
    UnknownDriver { device: String, driver: String },
    #[error("device `{device}`: driver `{driver}` failed: {source}")]
    Driver {
        device: String,
        driver: String,
        #[source]
        source: E,
    },
}

/// What [`build_board`] made, and what it could not.
#[derive(Debug)]
pub struct BuildReport<P: Platform> {
    /// In file order.
    pub built: Vec<BuiltDevice<P::Device>>,
    pub failed: Vec<BuildError<P::Error>>,
}

/// Builds every enabled device of `board` with the drivers of `registry`.
pub fn build_board<P: Platform>(
    board: &Board,
    registry: &DriverRegistry<P>,
    platform: &mut P,
) -> BuildReport<P> {
    let mut report = BuildReport {
        built: Vec::new(),
        failed: Vec::new(),
    };
    for device in board.enabled_devices() {
        let driver = device.spec.driver();
        let Some(entry) = registry.entry(driver) else {
            report.failed.push(BuildError::UnknownDriver {
                device: device.name.clone(),
                driver: driver.to_owned(),
            });
            continue;
        };
        let request = DeviceRequest {
            board,
            device,
            bus: device.spec.bus().and_then(|name| board.bus(name)),
        };
        match (entry.build)(platform, &request) {
            Ok(built) => report.built.push(BuiltDevice {
                name: device.name.clone(),
                class: device.spec.class(),
                device: built,
            }),
            Err(source) => report.failed.push(BuildError::Driver {
                device: device.name.clone(),
                driver: driver.to_owned(),
                source,
            }),
        }
    }
    report
}
