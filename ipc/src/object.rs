//! Objects, handles and the typed interface layer over them.
//!
//! A *local object* is a [`Binder`]: something that answers transactions.
//! A *handle* names an object in another process, on one connection. An
//! [`Interface`] (declared with [`interface!`](crate::interface)) gives both
//! sides types: the service implements the trait, the client calls it
//! through a [`Proxy`], and [`Strong`] carries either kind across calls.

use crate::connection::Connection;
use crate::parcel::{with_decode, with_encode};
use crate::status::{ExceptionCode, Status, TransportError};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::any::Any;
use std::cell::RefCell;
use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::{Arc, Mutex};

use rustix::fd::{BorrowedFd, OwnedFd};

/// Who is calling: the peer process as the kernel identifies it.
#[derive(Debug)]
pub struct PeerInfo {
    /// Process id at connect time.
    pub pid: i32,
    /// Effective user id at connect time.
    pub uid: u32,
    /// Effective group id at connect time.
    pub gid: u32,
    /// A number that names the connection within this process.
    pub connection: u64,
    pub(crate) pidfd: Option<OwnedFd>,
}

impl PeerInfo {
    /// A pidfd of the peer process, immune to pid reuse.
    pub fn pidfd(&self) -> Option<BorrowedFd<'_>> {
        use rustix::fd::AsFd;
        self.pidfd.as_ref().map(|f| f.as_fd())
    }

    /// Whether the peer process is still running (by its pidfd).
    pub fn is_alive(&self) -> bool {
        self.pidfd().map(crate::sys::pidfd_alive).unwrap_or(true)
    }
}

thread_local! {
    static CALLER: RefCell<Option<Arc<PeerInfo>>> = const { RefCell::new(None) };
}

/// The process that made the call this thread is running, as the kernel
/// identified it (`SO_PEERCRED`, pidfd). `None` outside a transaction.
pub fn caller() -> Option<Arc<PeerInfo>> {
    CALLER.with(|c| c.borrow().clone())
}

pub(crate) fn with_caller<R>(peer: &Arc<PeerInfo>, f: impl FnOnce() -> R) -> R {
    let previous = CALLER.with(|c| c.borrow_mut().replace(peer.clone()));
    let r = f();
    CALLER.with(|c| *c.borrow_mut() = previous);
    r
}

/// A local object: it answers transactions.
///
/// Generated stubs implement this; hand-written ones can too.
pub trait Binder: Send + Sync + 'static {
    /// The interface descriptor, e.g. `yunhal.sensors.ISensors`.
    fn descriptor(&self) -> &'static str;
    /// The interface version this object implements.
    fn version(&self) -> u32;
    /// The name of a method code, `None` if the code is unknown.
    fn method_name(&self, code: u32) -> Option<&'static str>;
    /// Runs method `code` on the encoded arguments `data` and appends the
    /// encoded result to `reply`.
    fn transact(&self, code: u32, data: &[u8], reply: &mut Vec<u8>) -> Result<(), Status>;
    /// For downcasting to the concrete stub.
    fn as_any(&self) -> &dyn Any;
    /// A peer connection that held this object (or could reach it) closed:
    /// the process is gone or let go. Release what it held.
    fn on_peer_gone(&self, _peer: &PeerInfo) {}
}

/// Told when a remote object's process dies.
pub trait DeathRecipient: Send + Sync {
    /// The object behind `handle` is gone.
    fn binder_died(&self, handle: &Handle);
}

impl<F: Fn(&Handle) + Send + Sync> DeathRecipient for F {
    fn binder_died(&self, handle: &Handle) {
        self(handle)
    }
}

pub(crate) struct HandleInner {
    pub(crate) conn: Arc<Connection>,
    pub(crate) id: u64,
    pub(crate) recipients: Mutex<Vec<(u64, Arc<dyn DeathRecipient>)>>,
}

impl Drop for HandleInner {
    fn drop(&mut self) {
        self.conn
            .handle_dropped(self.id, self as *const HandleInner);
    }
}

/// A reference to an object in another process.
#[derive(Clone)]
pub struct Handle {
    pub(crate) inner: Arc<HandleInner>,
}

/// Returned by [`Handle::link_to_death`]; pass it to `unlink_to_death`.
#[derive(Debug, Clone, Copy, Eq, PartialEq)]
pub struct DeathLink(u64);

impl Handle {
    /// The object id on its connection.
    pub fn object_id(&self) -> u64 {
        self.inner.id
    }

    /// The peer process that owns the object.
    pub fn peer(&self) -> Arc<PeerInfo> {
        self.inner.conn.peer().clone()
    }

    /// Whether the owning process is still reachable.
    pub fn is_alive(&self) -> bool {
        !self.inner.conn.is_dead()
    }

    /// Two handles name the same remote object.
    pub fn same_object(&self, other: &Handle) -> bool {
        Arc::ptr_eq(&self.inner.conn, &other.inner.conn) && self.inner.id == other.inner.id
    }

    /// Calls `recipient` once when the owning process dies (or the
    /// connection to it closes). If it is already dead, fails with
    /// `DeadObject` and does not call.
    pub fn link_to_death(&self, recipient: Arc<dyn DeathRecipient>) -> Result<DeathLink, Status> {
        self.inner
            .conn
            .link_to_death(&self.inner, recipient)
            .map(DeathLink)
    }

    /// Undoes [`link_to_death`](Self::link_to_death).
    pub fn unlink_to_death(&self, link: DeathLink) {
        self.inner
            .recipients
            .lock()
            .expect("recipients")
            .retain(|(id, _)| *id != link.0);
    }

    /// A two-way call: sends `args`, waits for the reply, decodes `R`.
    pub fn call<A: Serialize + ?Sized, R: DeserializeOwned>(
        &self,
        descriptor: &str,
        version: u32,
        code: u32,
        args: &A,
    ) -> Result<R, Status> {
        self.inner
            .conn
            .call(self.inner.id, descriptor, (version, code), args, false)
    }

    /// A oneway call: sends `args` and returns once they are sent.
    pub fn call_oneway<A: Serialize + ?Sized>(
        &self,
        descriptor: &str,
        version: u32,
        code: u32,
        args: &A,
    ) -> Result<(), Status> {
        self.inner
            .conn
            .call_oneway(self.inner.id, descriptor, (version, code), args, false)
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Handle(connection {}, object {})",
            self.inner.conn.id(),
            self.inner.id
        )
    }
}

/// What an interface declaration generates glue for; implemented for
/// `dyn ITrait` by [`interface!`](crate::interface).
pub trait Interface: Send + Sync + 'static {
    /// The interface descriptor.
    const DESCRIPTOR: &'static str;
    /// The interface version.
    const VERSION: u32;
    /// The name of a method code.
    fn method_name(code: u32) -> Option<&'static str>;
    /// Runs method `code` on `this`.
    fn dispatch(this: &Self, code: u32, data: &[u8], reply: &mut Vec<u8>) -> Result<(), Status>;
    /// A proxy that calls the object behind `handle`.
    fn new_proxy(handle: Handle) -> Arc<Self>;
    /// The handle, if `this` is a proxy.
    fn handle_of(this: &Self) -> Option<&Handle>;
    /// Tells the service that a client connection closed.
    fn client_gone(this: &Self, peer: &PeerInfo);
}

/// The client side of an interface: calls go over a [`Handle`].
pub struct Proxy<I: ?Sized> {
    handle: Handle,
    _interface: PhantomData<fn() -> Box<I>>,
}

impl<I: ?Sized> Proxy<I> {
    /// A proxy over `handle`.
    pub fn new(handle: Handle) -> Proxy<I> {
        Proxy {
            handle,
            _interface: PhantomData,
        }
    }

    /// The handle the proxy calls.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }
}

/// The service side of an interface: turns transactions into trait calls.
pub struct Stub<I: ?Sized + Interface>(pub Arc<I>);

impl<I: ?Sized + Interface> Binder for Stub<I> {
    fn descriptor(&self) -> &'static str {
        I::DESCRIPTOR
    }
    fn version(&self) -> u32 {
        I::VERSION
    }
    fn method_name(&self, code: u32) -> Option<&'static str> {
        I::method_name(code)
    }
    fn transact(&self, code: u32, data: &[u8], reply: &mut Vec<u8>) -> Result<(), Status> {
        I::dispatch(&self.0, code, data, reply)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn on_peer_gone(&self, peer: &PeerInfo) {
        I::client_gone(&self.0, peer)
    }
}

/// A strong reference to an object of interface `I`: a local
/// implementation or a proxy to a remote one. It can be passed in calls.
pub struct Strong<I: ?Sized>(Arc<I>);

impl<I: ?Sized + Interface> Strong<I> {
    /// Wraps a local implementation (or a proxy).
    pub fn new(object: Arc<I>) -> Strong<I> {
        Strong(object)
    }

    /// The handle, if the object is remote.
    pub fn handle(&self) -> Option<&Handle> {
        I::handle_of(&self.0)
    }

    /// The object as an `Arc`.
    pub fn as_arc(&self) -> &Arc<I> {
        &self.0
    }

    /// Whether two references name the same object (the same local
    /// allocation, or the same remote object).
    pub fn same_object(&self, other: &Strong<I>) -> bool {
        match (self.handle(), other.handle()) {
            (Some(a), Some(b)) => a.same_object(b),
            (None, None) => std::ptr::addr_eq(Arc::as_ptr(&self.0), Arc::as_ptr(&other.0)),
            _ => false,
        }
    }

    pub(crate) fn binder(&self) -> Arc<dyn Binder> {
        Arc::new(Stub(self.0.clone()))
    }
}

impl<I: ?Sized> Clone for Strong<I> {
    fn clone(&self) -> Self {
        Strong(self.0.clone())
    }
}

impl<I: ?Sized> Deref for Strong<I> {
    type Target = I;
    fn deref(&self) -> &I {
        &self.0
    }
}

impl<I: ?Sized + Interface> fmt::Debug for Strong<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.handle() {
            Some(h) => write!(f, "Strong<{}>({h:?})", I::DESCRIPTOR),
            None => write!(f, "Strong<{}>(local)", I::DESCRIPTOR),
        }
    }
}

/// How an object travels inside a message.
#[derive(Serialize, Deserialize)]
enum WireObject {
    /// An object of the sender's; the receiver gets a handle.
    SendersObject(u64),
    /// An object of the receiver's, coming back; it gets its own object.
    ReceiversObject(u64),
}

impl<I: ?Sized + Interface> Serialize for Strong<I> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let wire = with_encode(|ctx| match self.handle() {
            Some(h) if Arc::ptr_eq(&h.inner.conn, &ctx.conn) => Ok(WireObject::ReceiversObject(h.inner.id)),
            Some(_) => Err("an object of a third process cannot be passed on (only own objects and the receiver's)"),
            None => Ok(WireObject::SendersObject(ctx.conn.export(&self.0, || self.binder()))),
        })
        .unwrap_or(Err("an object can only be sent in an IPC call"))
        .map_err(serde::ser::Error::custom)?;
        wire.serialize(s)
    }
}

impl<'de, I: ?Sized + Interface> Deserialize<'de> for Strong<I> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Strong<I>, D::Error> {
        let wire = WireObject::deserialize(d)?;
        let resolved = with_decode(|ctx| match wire {
            WireObject::SendersObject(id) => {
                let handle = ctx.conn.import(id);
                Ok(Strong(I::new_proxy(handle)))
            }
            WireObject::ReceiversObject(id) => {
                let binder = ctx
                    .conn
                    .local_object(id)
                    .ok_or_else(|| format!("object {id} does not exist on this connection"))?;
                match binder.as_any().downcast_ref::<Stub<I>>() {
                    Some(stub) => Ok(Strong(stub.0.clone())),
                    None => Err(format!(
                        "object {id} implements {}, not {}",
                        binder.descriptor(),
                        I::DESCRIPTOR
                    )),
                }
            }
        })
        .unwrap_or_else(|| Err("an object can only be received in an IPC call".into()));
        resolved.map_err(serde::de::Error::custom)
    }
}

#[doc(hidden)]
pub mod private {
    //! Used by the code `interface!` generates.
    use super::*;

    /// A proxy's two-way call. The proxy hands over its arguments by value
    /// and they stay here until the call returns, so descriptors in them
    /// are sent as they are, without a duplicate each.
    pub fn call_args<A: Serialize, R: DeserializeOwned>(
        handle: &Handle,
        descriptor: &str,
        version: u32,
        code: u32,
        args: A,
    ) -> Result<R, Status> {
        let inner = &handle.inner;
        inner
            .conn
            .call(inner.id, descriptor, (version, code), &args, true)
    }

    /// A proxy's oneway call, as [`call_args`].
    pub fn call_oneway_args<A: Serialize>(
        handle: &Handle,
        descriptor: &str,
        version: u32,
        code: u32,
        args: A,
    ) -> Result<(), Status> {
        let inner = &handle.inner;
        inner
            .conn
            .call_oneway(inner.id, descriptor, (version, code), &args, true)
    }

    pub fn decode_args<T: DeserializeOwned>(data: &[u8]) -> Result<T, Status> {
        // The connection and descriptors are already in the decode context.
        crate::parcel::take_exact(data, "arguments")
    }

    pub fn encode_result<T: Serialize>(reply: &mut Vec<u8>, value: &T) -> Result<(), Status> {
        let taken = std::mem::take(reply);
        match crate::parcel::append(value, taken) {
            Ok(v) => {
                *reply = v;
                Ok(())
            }
            Err(e) => Err(TransportError::Encode(format!("result: {e}")).into()),
        }
    }

    pub fn unknown_method(descriptor: &str, version: u32, code: u32) -> Status {
        Status::exception(
            ExceptionCode::UnknownMethod,
            format!("method code {code} is not part of {descriptor} version {version}"),
        )
    }
}
