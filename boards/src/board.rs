//! A validated board, and the functions that read one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Collector, Diagnostics};
use crate::format::{BoardInfo, BusSpec, DeviceSpec, GpioRole};
use crate::gpio::GpioLine;
use crate::registry::DriverCatalog;
use crate::{parse, validate};

/// A board file that passed validation against a driver catalog.
#[derive(Debug, Clone)]
pub struct Board {
    pub(crate) file: String,
    pub(crate) info: BoardInfo,
    pub(crate) buses: Vec<Bus>,
    pub(crate) devices: Vec<Device>,
}

/// One bus of a board.
#[derive(Debug, Clone)]
pub struct Bus {
    pub name: String,
    pub spec: BusSpec,
}

/// One device of a board, with its GPIO lines resolved to chip and line.
#[derive(Debug, Clone)]
pub struct Device {
    pub name: String,
    pub spec: DeviceSpec,
    pub gpios: BTreeMap<GpioRole, GpioLine>,
}

impl Device {
    pub fn gpio(&self, role: GpioRole) -> Option<&GpioLine> {
        self.gpios.get(&role)
    }
}

impl Board {
    /// The file name the board was read under.
    pub fn file(&self) -> &str {
        &self.file
    }

    pub fn info(&self) -> &BoardInfo {
        &self.info
    }

    pub fn name(&self) -> &str {
        self.info.name.get_ref()
    }

    /// Buses in file order.
    pub fn buses(&self) -> &[Bus] {
        &self.buses
    }

    pub fn bus(&self, name: &str) -> Option<&Bus> {
        self.buses.iter().find(|bus| bus.name == name)
    }

    /// Devices in file order, enabled or not.
    pub fn devices(&self) -> &[Device] {
        &self.devices
    }

    pub fn device(&self, name: &str) -> Option<&Device> {
        self.devices.iter().find(|device| device.name == name)
    }

    /// The devices the builder builds.
    pub fn enabled_devices(&self) -> impl Iterator<Item = &Device> {
        self.devices
            .iter()
            .filter(|device| device.spec.is_enabled())
    }
}

/// Why a board file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum BoardError {
    #[error("cannot read board file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Every problem of the file, one per line.
    #[error("{0}")]
    Invalid(#[from] Diagnostics),
}

/// Parses and validates board text. `file` is the name diagnostics show,
/// e.g. `boards/pinephone.toml`.
pub fn parse_board<D: DriverCatalog + ?Sized>(
    file: &str,
    text: &str,
    drivers: &D,
) -> Result<Board, Diagnostics> {
    let mut out = Collector::new(file, text);
    let raw = parse::parse(text, &mut out);
    let checked = validate::validate(raw, drivers, &mut out);
    match checked {
        Some((info, buses, devices)) if !out.has_errors() => Ok(Board {
            file: file.to_owned(),
            info,
            buses,
            devices,
        }),
        _ => Err(out.finish()),
    }
}

/// Reads, parses and validates a board file.
pub fn load_board<D: DriverCatalog + ?Sized>(
    path: &Path,
    drivers: &D,
) -> Result<Board, BoardError> {
    let text = std::fs::read_to_string(path).map_err(|source| BoardError::Read {
        path: path.to_owned(),
        source,
    })?;
    Ok(parse_board(&path.display().to_string(), &text, drivers)?)
}
