//! yunhal's binder-like IPC.
//!
//! - [`Runtime`]: one per process; listens at the process's endpoint, runs
//!   the thread pool that serves incoming calls, holds the connections.
//! - [`interface!`]: one declaration of an interface makes its trait, its
//!   proxy (client side) and its stub (service side), with a descriptor, a
//!   version and stable method codes.
//! - [`service_manager`]: the service manager (add, get, wait-for, list,
//!   notifications) and its client.
//! - [`Status`]: what a failed call returns (exception, service-specific
//!   error, transport error).
//! - [`Handle::link_to_death`]: death notices; [`caller`]: the caller's
//!   kernel-given identity; [`Policy`]: a hook that can deny calls.
//! - [`Fd`]: file descriptors in calls; [`shm`] and [`queue`]: shared memory
//!   and the single-producer event queue for high-rate streams.
//!
//! ## For service authors
//! Declare the interface with [`interface!`], implement the trait, and
//! register it: `ServiceManager::connect(&rt)?.add_service(name, &Strong::new(Arc::new(svc)))`.
//! Methods find their caller with [`caller()`]. Override `on_client_gone` to
//! release what a client held when it dies.
//!
//! ## For client authors
//! `ServiceManager::connect(&rt)?.get_service::<dyn IFoo>(name)?` gives a
//! `Strong<dyn IFoo>`; call its methods. Pass your own objects (callbacks)
//! as `Strong<dyn ICallback>` arguments; the service calls them back over
//! the same connection.

mod connection;
mod interface;
mod object;
mod parcel;
mod runtime;
mod status;
mod sys;
mod watchdog;

pub mod service_manager;
pub mod wire;

pub use object::{
    caller, Binder, DeathLink, DeathRecipient, Handle, Interface, PeerInfo, Proxy, Strong, Stub,
};
pub use parcel::Fd;
pub use runtime::{Policy, Runtime};
/// A byte string in an argument or result: encoded as its length and the
/// bytes in one copy, where a `Vec<u8>` goes through serde one byte at a
/// time. Use it for payloads (PCM, frames, PDUs).
pub use serde_bytes::ByteBuf as Bytes;
pub use service_manager::{
    IServiceCallback, IServiceManager, ServiceInfo, ServiceManager, ServiceManagerService,
};
pub use status::{ExceptionCode, Result, Status, TransportError};

#[doc(hidden)]
pub use object::private as __private;

use std::time::Duration;

/// The limits a runtime enforces on what it receives and sends.
#[derive(Debug, Clone)]
pub struct Limits {
    /// The largest payload of one message (1 MiB).
    pub max_message: usize,
    /// The most file descriptors in one message (16, the hard maximum).
    pub max_fds: usize,
    /// The most two-way calls of one connection running at once; past it,
    /// the connection is not read until one completes.
    pub max_in_flight: usize,
    /// The most oneway calls of one connection queued; past it, the
    /// connection is not read until the queue drains (flood control).
    pub max_oneway_queued: usize,
    /// How long a send may wait for a peer that does not read; then the
    /// connection is closed.
    pub send_timeout: Duration,
    /// How long a pool thread that just served a connection waits on its
    /// socket for the next message before going back to epoll (only while
    /// another pool thread watches epoll). Zero turns lingering off.
    pub linger: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_message: 1 << 20,
            max_fds: sys::MAX_FDS_HARD,
            max_in_flight: 16,
            max_oneway_queued: 256,
            send_timeout: Duration::from_secs(5),
            linger: Duration::from_millis(2),
        }
    }
}
pub mod queue;
pub mod shm;
