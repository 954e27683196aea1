//! `yunhald`'s shared parts, used by the daemon, by `yunctl` and by tests.
//!
//! - [`api`]: the daemon's management interface `yunhal.IDaemon` and the
//!   status types `yunctl list` and `yunctl dump` show.
//! - [`supervisor`]: the [`HalService`](supervisor::HalService) trait, and
//!   the supervisor that starts each service on its own IPC runtime,
//!   restarts failed ones with backoff and gives up on those that keep
//!   failing.
//! - [`policy`]: who may call which interface and method (a TOML file, or
//!   the built-in default).
//! - [`registry`]: the drivers the daemon can build; [`platform`]: the
//!   buses and simulators they are built on; [`sensors`]: the sensor chip
//!   drivers' build functions; [`board`]: which board it runs on.
//! - [`notify`]: `sd_notify` for systemd's `Type=notify`.

pub mod api;
pub mod board;
pub mod modem;
pub mod notify;
pub mod platform;
pub mod policy;
pub mod registry;
pub mod sensors;
pub mod supervisor;
