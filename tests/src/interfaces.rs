//! The interfaces of the end-to-end tests. `ipc-peer` implements the
//! services; its client role and the tests call them.

use serde::{Deserialize, Serialize};
use yunhal_ipc::{interface, Fd, Strong};

/// The name `ipc-peer service` registers [`ITestService`] under by default.
pub const TEST_SERVICE: &str = "yunhal.test.ITestService/default";
/// The name `ipc-peer service` registers [`IVersionedV1`] under.
pub const VERSIONED_SERVICE: &str = "yunhal.test.IVersioned/default";

/// Who called, as the service saw it through [`yunhal_ipc::caller`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallerIdentity {
    /// `SO_PEERCRED` pid.
    pub pid: i32,
    /// `SO_PEERCRED` uid.
    pub uid: u32,
    /// `SO_PEERCRED` gid.
    pub gid: u32,
    /// The pid the caller's pidfd names (from `/proc/self/fdinfo`), `None`
    /// without a pidfd.
    pub pidfd_pid: Option<i32>,
}

/// What the service saw of its clients going away.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deaths {
    /// The pid of each client connection whose `on_client_gone` ran, in
    /// order, once per run.
    pub clients_gone: Vec<i32>,
    /// The pid of the owner of each callback whose death recipient fired,
    /// once per firing.
    pub callbacks_died: Vec<i32>,
    /// Callbacks the service still holds.
    pub callbacks_held: u32,
    /// Calls still parked in `park`.
    pub parked: u32,
}

/// An enum argument: a hostile client sends a variant index past `High`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Mode {
    /// Variant index 0.
    Off,
    /// Variant index 1.
    Low,
    /// Variant index 2.
    High,
}

/// Method codes of [`ITestService`] that the hostile client sends by hand.
pub mod codes {
    /// `ITestService::echo`.
    pub const ECHO: u32 = 1;
    /// `ITestService::set_mode`.
    pub const SET_MODE: u32 = 12;
}

interface! {
    /// The service under test.
    pub trait ITestService: "yunhal.test.ITestService", version 1 {
        /// Returns `text`.
        1 => fn echo(text: String) -> String;
        /// Returns `a + b`.
        2 => fn add(a: u64, b: u64) -> u64;
        /// The caller's kernel-given identity.
        3 => fn whoami() -> CallerIdentity;
        /// Records `seq` for the calling process.
        4 => oneway push(seq: u64);
        /// What `push` recorded for the calling process, in arrival order.
        5 => fn pushed() -> Vec<u64>;
        /// Keeps `callback` (and links to its death) until its process goes.
        6 => fn register_callback(callback: Strong<dyn ICallback>);
        /// Calls `on_value(value)` on the caller's callbacks; the sum of
        /// their answers.
        7 => fn call_back(value: u64) -> u64;
        /// Sends `on_event(value)` to the caller's callbacks (oneway).
        8 => fn call_back_oneway(value: u64);
        /// Waits (at most `timeout_ms`) until a client of pid `pid` is
        /// gone, then reports every death seen so far.
        9 => fn wait_client_gone(pid: i32, timeout_ms: u64) -> Deaths;
        /// A memfd of `len` bytes that starts with `text`; the service keeps
        /// its own shared mapping of it.
        10 => fn share_memory(len: u64, text: String) -> Fd;
        /// `len` bytes at `offset` of the service's mapping.
        11 => fn read_shared(offset: u64, len: u64) -> Vec<u8>;
        /// Returns `mode`.
        12 => fn set_mode(mode: Mode) -> Mode;
        /// Blocks until the caller's connection closes.
        13 => fn park();
        /// Waits (at most `timeout_ms`) until a call of pid `pid` is parked.
        14 => fn wait_parked(pid: i32, timeout_ms: u64) -> Deaths;
        /// Calls `reenter(value)` on the caller's callbacks; the sum of
        /// their answers.
        15 => fn reenter_callbacks(value: u64) -> u64;
        /// Oneway: calls `reenter(value)` on the caller's callbacks.
        16 => oneway reenter_callbacks_oneway(value: u64);
        /// The service object itself, handed out in a reply.
        17 => fn myself() -> Strong<dyn ITestService>;
    }
}

interface! {
    /// A client's callback object.
    pub trait ICallback: "yunhal.test.ICallback", version 1 {
        /// Two-way: answers `value + 1`.
        1 => fn on_value(value: u64) -> u64;
        /// Oneway.
        2 => oneway on_event(value: u64);
        /// Two-way, and calls the service back (`add(value, 1)`) before it
        /// answers.
        3 => fn reenter(value: u64) -> u64;
    }
}

interface! {
    /// Version 1 of an interface that grew a method; the service runs this.
    pub trait IVersionedV1: "yunhal.test.IVersioned", version 1 {
        /// The implementation's name.
        1 => fn name() -> String;
    }
}

interface! {
    /// Version 2 of [`IVersionedV1`], same descriptor; a newer client uses it.
    pub trait IVersionedV2: "yunhal.test.IVersioned", version 2 {
        /// The implementation's name.
        1 => fn name() -> String;
        /// New in version 2.
        2 => fn added_in_v2() -> u32;
    }
}
