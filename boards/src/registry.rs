//! The driver registry: `driver = "..."` names to what the driver accepts
//! and how to build it.
//!
//! # For driver authors
//!
//! A chip driver crate stays `no_std` and knows nothing of boards. Where the
//! daemon wires drivers (one line per chip), it registers a [`DriverEntry`]:
//! the driver's [`DriverInfo`] (name, device class, bus kinds it takes, GPIO
//! roles it needs, a check of its `params`) and a [`BuildFn`] that opens the
//! bus through the daemon's [`Platform`] and constructs the driver.
//!
//! ```
//! use yunhal_boards::{BusKind, DeviceClass, DeviceRequest, DriverEntry, DriverInfo,
//!                     DriverRegistry, Platform};
//!
//! struct Daemon;
//! impl Platform for Daemon {
//!     type Device = String;
//!     type Error = std::io::Error;
//! }
//!
//! fn build_thermometer(_: &mut Daemon, request: &DeviceRequest<'_>) -> std::io::Result<String> {
//!     Ok(format!("thermometer at {:?}", request.device.spec.address()))
//! }
//!
//! const THERMOMETER: DriverInfo = DriverInfo::new("thermometer", DeviceClass::Sensor)
//!     .buses(&[BusKind::I2c]);
//!
//! let mut registry = DriverRegistry::<Daemon>::new();
//! registry.register(DriverEntry::new(THERMOMETER, build_thermometer)).unwrap();
//! ```
//!
//! Validation only needs the [`DriverInfo`]s, through [`DriverCatalog`].

use std::collections::BTreeMap;
use std::fmt;

use crate::build::DeviceRequest;
use crate::format::{BusKind, DeviceClass, GpioRole};

/// What the daemon hands to build functions, and what they give back.
pub trait Platform {
    /// One built driver, e.g. an enum of boxed HAL device traits.
    type Device;
    type Error: std::error::Error + Send + Sync + 'static;
}

/// Checks a device's `params` table; returns every problem found.
pub type ParamsCheck = fn(&toml::Table) -> Vec<ParamError>;

/// Builds one device: opens its bus and GPIO lines through the platform and
/// constructs the driver on them.
pub type BuildFn<P> =
    fn(&mut P, &DeviceRequest<'_>) -> Result<<P as Platform>::Device, <P as Platform>::Error>;

/// A problem in a device's `params`, found by the driver's [`ParamsCheck`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamError {
    /// Dotted key inside `params` (`"odr"`, `"filter.cutoff"`), or `None`
    /// for the table as a whole.
    pub key: Option<String>,
    pub message: String,
}

impl ParamError {
    pub fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            key: Some(key.into()),
            message: message.into(),
        }
    }

    pub fn whole_table(message: impl Into<String>) -> Self {
        Self {
            key: None,
            message: message.into(),
        }
    }
}

/// The [`ParamsCheck`] of a driver that takes no parameters.
pub fn no_params(params: &toml::Table) -> Vec<ParamError> {
    params
        .keys()
        .map(|key| ParamError::new(key.as_str(), "this driver takes no parameters"))
        .collect()
}

/// What validation knows of a driver.
#[derive(Debug, Clone, Copy)]
pub struct DriverInfo {
    /// The name board files use in `driver = "..."`.
    pub name: &'static str,
    pub class: DeviceClass,
    /// Bus kinds the driver works on; empty for a driver that takes no bus.
    pub buses: &'static [BusKind],
    /// GPIO roles a device of this driver must have in `gpios`.
    pub required_gpios: &'static [GpioRole],
    pub check_params: ParamsCheck,
}

impl DriverInfo {
    /// A driver of `class` that takes no bus, no GPIO and no parameters.
    pub const fn new(name: &'static str, class: DeviceClass) -> Self {
        Self {
            name,
            class,
            buses: &[],
            required_gpios: &[],
            check_params: no_params,
        }
    }

    pub const fn buses(mut self, buses: &'static [BusKind]) -> Self {
        self.buses = buses;
        self
    }

    pub const fn required_gpios(mut self, roles: &'static [GpioRole]) -> Self {
        self.required_gpios = roles;
        self
    }

    pub const fn params(mut self, check: ParamsCheck) -> Self {
        self.check_params = check;
        self
    }
}

/// A registered driver: what it accepts and how to build it.
pub struct DriverEntry<P: Platform> {
    pub info: DriverInfo,
    pub build: BuildFn<P>,
}

impl<P: Platform> DriverEntry<P> {
    pub const fn new(info: DriverInfo, build: BuildFn<P>) -> Self {
        Self { info, build }
    }
}

impl<P: Platform> fmt::Debug for DriverEntry<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DriverEntry")
            .field("info", &self.info)
            .finish()
    }
}

/// Driver metadata by name: what validation needs of a registry.
pub trait DriverCatalog {
    fn driver(&self, name: &str) -> Option<&DriverInfo>;
    /// Every driver name, sorted.
    fn driver_names(&self) -> Vec<&str>;
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    #[error("driver `{0}` is registered twice")]
    Duplicate(&'static str),
}

/// Drivers by name, with the build functions of platform `P`.
pub struct DriverRegistry<P: Platform> {
    entries: BTreeMap<&'static str, DriverEntry<P>>,
}

impl<P: Platform> DriverRegistry<P> {
    pub fn new() -> Self {
        Self {
            entries: BTreeMap::new(),
        }
    }

    pub fn register(&mut self, entry: DriverEntry<P>) -> Result<(), RegistryError> {
        let name = entry.info.name;
        if self.entries.contains_key(name) {
            return Err(RegistryError::Duplicate(name));
        }
        self.entries.insert(name, entry);
        Ok(())
    }

    pub fn entry(&self, name: &str) -> Option<&DriverEntry<P>> {
        self.entries.get(name)
    }

    pub fn entries(&self) -> impl Iterator<Item = &DriverEntry<P>> {
        self.entries.values()
    }
}

impl<P: Platform> Default for DriverRegistry<P> {
    fn default() -> Self {
        Self::new()
    }
}

impl<P: Platform> fmt::Debug for DriverRegistry<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.entries.keys()).finish()
    }
}

impl<P: Platform> DriverCatalog for DriverRegistry<P> {
    fn driver(&self, name: &str) -> Option<&DriverInfo> {
        self.entries.get(name).map(|entry| &entry.info)
    }

    fn driver_names(&self) -> Vec<&str> {
        self.entries.keys().copied().collect()
    }
}

/// A catalog of driver metadata alone, for tools that validate boards
/// without building them.
impl DriverCatalog for [DriverInfo] {
    fn driver(&self, name: &str) -> Option<&DriverInfo> {
        self.iter().find(|info| info.name == name)
    }

    fn driver_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.iter().map(|info| info.name).collect();
        names.sort_unstable();
        names
    }
}
