//! Board files: the format, its validation, the driver registry and the
//! builder.
//!
//! A board file (TOML) describes a handset: its buses (I2C adapters, SPI
//! chip selects, GPIO chips, serial ports, DRM and ALSA cards, kernel IIO
//! and input devices; each real, by `/dev` path or kernel name, or
//! simulated) and its devices (class, driver, bus, address, GPIO lines,
//! mount matrix, panel, touchscreen, audio routes, driver parameters).
//! See [`mod@format`] for the format by example.
//!
//! ```text
//! text ──parse_board──▶ Board ──build_board──▶ driver instances
//!          │   ▲                    ▲
//!          ▼   │                    │
//!   Diagnostics  DriverCatalog   DriverRegistry<P: Platform>
//! ```
//!
//! [`parse_board`] reports every problem of a file at once, each as
//! `file:line:column: key: message`:
//!
//! ```text
//! boards/pinephone.toml:12:11: devices.accel.address: 0x88 is not a 7-bit I2C address (0x08..=0x77)
//! ```
//!
//! The shipped boards are in [`shipped`].

pub mod board;
pub mod build;
pub mod diagnostic;
pub mod format;
pub mod gpio;
mod parse;
pub mod registry;
pub mod sections;
pub mod shipped;
pub mod validate;

pub use board::{load_board, parse_board, Board, BoardError, Bus, Device};
pub use build::{build_board, BuildError, BuildReport, BuiltDevice, DeviceRequest};
pub use diagnostic::{Diagnostic, DiagnosticKind, Diagnostics, LineIndex};
pub use format::{
    AudioRoute, BoardInfo, BusKind, BusSharing, BusSpec, DeviceClass, DeviceSpec, GpioRef,
    GpioRole, PanelSpec, TouchscreenSpec,
};
pub use gpio::{AllwinnerPin, GpioLine, PortRange};
pub use registry::{
    no_params, BuildFn, DriverCatalog, DriverEntry, DriverInfo, DriverRegistry, ParamError,
    ParamsCheck, Platform, RegistryError,
};
