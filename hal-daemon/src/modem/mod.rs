//! The modem service: the board's modem driver served as
//! `yunhal.modem.IModem/default`.
//!
//! - [`build`]: the AT modem driver built on its serial port;
//! - [`state`]: what the service knows (status, calls, inbox), apart from
//!   threads and IPC;
//! - [`service`]: [`ModemService`], the worker that takes the driver's
//!   indications and the published object.

pub mod build;
pub mod service;
pub mod state;

pub use service::ModemService;

#[cfg(test)]
mod tests;
