//! The modem service: the board's modem driver served as
//! `yunhal.modem.IModem/default`.
//!
//! - [`state`]: what the service knows (status, calls, inbox), apart from
//!   threads and IPC;
//! - [`service`]: [`ModemService`], the worker that takes the driver's
//!   indications and the published object.

pub mod service;
pub mod state;

pub use service::ModemService;

#[cfg(test)]
mod tests;
