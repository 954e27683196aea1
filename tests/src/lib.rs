//! Helpers shared by the end-to-end tests and the `ipc-peer` helper binary.
//!
//! - [`interfaces`]: the interfaces `ipc-peer` serves and calls, declared
//!   once for both sides (and a v1 and a v2 of one interface).
//! - [`outcome`]: how `ipc-peer` prints the result of a call on one line, and
//!   how a test reads it back.
//! - [`shared_memory`]: a shared mapping of a memfd, for the fd-passing test.
//! - [`conformance`]: the conformance suites against a running `yunhald`.
//! - [`harness`]: for tests: temp dirs, child processes driven line by line
//!   and killed on drop, a service manager with its services.

pub mod conformance;
pub mod harness;
pub mod interfaces;
pub mod outcome;
pub mod shared_memory;
