//! The yunhal HAL contract.
//!
//! Every device class (sensors, touch, display, audio, modem) gets a module
//! with its value types, a driver-facing device trait and, with the `std`
//! feature, the runtime-facing IPC interface. This crate root holds what all
//! of them share:
//!
//! - [`error`]: the error shape of embedded-hal 1.0 (`Error::kind()`, a
//!   `#[non_exhaustive] ErrorKind`, `ErrorType`), which every device trait uses;
//! - [`time`]: [`time::Nanos`] timestamps on the kernel's monotonic and boot
//!   clocks, and durations;
//! - [`units`]: newtypes that carry physical units in the type.
//!
//! ## For driver authors
//! Implement `ErrorType` for your driver with an error type that keeps the
//! detail (the bus error, the register that read back wrong) and maps it to an
//! [`error::ErrorKind`] in `kind()`. Generic code only ever branches on the kind.
//!
//! ## For HAL authors
//! A device trait takes `&mut self`, returns `Result<_, Self::Error>`, and has
//! few required methods; conveniences are default methods built on them.
#![cfg_attr(not(feature = "std"), no_std)]
#![forbid(unsafe_code)]

#[cfg(feature = "alloc")]
extern crate alloc;

pub mod error;
#[cfg(feature = "alloc")]
pub mod modem;
pub mod sensors;
pub mod time;
pub mod units;

pub use error::{Error, ErrorKind, ErrorType};
pub use time::{Clock, Nanos};
