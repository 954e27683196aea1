//! Encoding arguments and results, with the objects and file descriptors
//! inside them.
//!
//! Values are serde types encoded with postcard. A file descriptor ([`Fd`])
//! or an object ([`Strong`](crate::Strong)) inside a value cannot be bytes:
//! while a message is encoded or decoded, a per-thread context holds the
//! message's descriptor list and its connection, and those types write an
//! index into the list, or an object id on the connection.

use crate::connection::Connection;
use crate::status::{ExceptionCode, Status, TransportError};
use rustix::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cell::RefCell;
use std::sync::Arc;

pub(crate) struct EncodeContext {
    pub conn: Arc<Connection>,
    /// Duplicates of the descriptors in the values being encoded: a result
    /// value is dropped by the stub before its reply is sent, so the message
    /// must own what it carries.
    pub fds: Vec<OwnedFd>,
    /// `Some` when the values being encoded are the arguments of a call
    /// that owns them until its message is sent (see [`OutFds::Borrowed`]):
    /// their descriptors are then sent as they are, not duplicated.
    pub borrowed: Option<Vec<RawFd>>,
    /// Set when a descriptor could not be duplicated.
    pub error: Option<String>,
}

/// The descriptors an outgoing message carries.
pub(crate) enum OutFds {
    /// The message's own descriptors.
    Owned(Vec<OwnedFd>),
    /// Descriptors of call arguments that the calling thread owns, by
    /// value, until the call returns (`private::call_args`); `send` makes
    /// its own duplicates before it queues such a message for later.
    Borrowed(Vec<RawFd>),
}

impl OutFds {
    pub(crate) fn len(&self) -> usize {
        match self {
            OutFds::Owned(fds) => fds.len(),
            OutFds::Borrowed(fds) => fds.len(),
        }
    }

    pub(crate) fn as_fds(&self) -> Vec<BorrowedFd<'_>> {
        match self {
            OutFds::Owned(fds) => fds.iter().map(|f| f.as_fd()).collect(),
            OutFds::Borrowed(fds) => fds
                .iter()
                // SAFETY: the arguments these come from are owned by the
                // thread sending this message and outlive the send (see
                // `Borrowed`); a message that outlives the call is made
                // `Owned` first.
                .map(|&fd| unsafe { BorrowedFd::borrow_raw(fd) })
                .collect(),
        }
    }

    /// The same descriptors, owned by the message (duplicated if borrowed).
    pub(crate) fn into_owned(self) -> std::io::Result<OutFds> {
        match self {
            OutFds::Owned(_) => Ok(self),
            OutFds::Borrowed(_) => {
                let owned = self
                    .as_fds()
                    .into_iter()
                    .map(|fd| fd.try_clone_to_owned())
                    .collect::<std::io::Result<Vec<_>>>()?;
                Ok(OutFds::Owned(owned))
            }
        }
    }
}

impl From<Vec<OwnedFd>> for OutFds {
    fn from(fds: Vec<OwnedFd>) -> OutFds {
        OutFds::Owned(fds)
    }
}

pub(crate) struct DecodeContext {
    pub conn: Arc<Connection>,
    pub fds: Vec<Option<OwnedFd>>,
}

thread_local! {
    static ENCODING: RefCell<Option<EncodeContext>> = const { RefCell::new(None) };
    static DECODING: RefCell<Option<DecodeContext>> = const { RefCell::new(None) };
}

/// A postcard output that appends to a `Vec` with `push` and
/// `extend_from_slice`. postcard's own `to_extend` goes through
/// `Extend<u8>` one byte at a time with a capacity check each, which made
/// encoding a 64-byte argument cost more than the system call that sends it.
pub(crate) struct AppendVec(pub Vec<u8>);

impl postcard::ser_flavors::Flavor for AppendVec {
    type Output = Vec<u8>;

    #[inline(always)]
    fn try_push(&mut self, data: u8) -> postcard::Result<()> {
        self.0.push(data);
        Ok(())
    }

    #[inline(always)]
    fn try_extend(&mut self, data: &[u8]) -> postcard::Result<()> {
        self.0.extend_from_slice(data);
        Ok(())
    }

    fn finalize(self) -> postcard::Result<Vec<u8>> {
        Ok(self.0)
    }
}

/// Appends the postcard encoding of `value` to `out`.
pub(crate) fn append<T: Serialize + ?Sized>(value: &T, out: Vec<u8>) -> postcard::Result<Vec<u8>> {
    postcard::serialize_with_flavor(value, AppendVec(out))
}

/// Encodes `value` after `out`'s current contents, collecting descriptors
/// (`borrow`: as they are, see [`OutFds::Borrowed`]).
pub(crate) fn encode_into<T: Serialize + ?Sized>(
    conn: &Arc<Connection>,
    value: &T,
    out: &mut Vec<u8>,
    borrow: bool,
) -> Result<OutFds, Status> {
    let previous = ENCODING.with(|c| {
        c.borrow_mut().replace(EncodeContext {
            conn: conn.clone(),
            fds: Vec::new(),
            borrowed: borrow.then(Vec::new),
            error: None,
        })
    });
    let taken = std::mem::take(out);
    let result = append(value, taken);
    let ctx = ENCODING.with(|c| std::mem::replace(&mut *c.borrow_mut(), previous));
    let (fds, error) = match ctx {
        Some(EncodeContext {
            borrowed: Some(borrowed),
            error,
            ..
        }) => (OutFds::Borrowed(borrowed), error),
        Some(c) => (OutFds::Owned(c.fds), c.error),
        None => (OutFds::Owned(Vec::new()), None),
    };
    match result {
        Ok(v) => {
            *out = v;
            Ok(fds)
        }
        Err(e) => Err(TransportError::Encode(error.unwrap_or_else(|| e.to_string())).into()),
    }
}

/// Runs a transaction's stub with `fds` available to the argument decoder
/// and a fresh descriptor list for its result; returns the result's fds.
pub(crate) fn with_dispatch_context<R>(
    conn: &Arc<Connection>,
    fds: Vec<OwnedFd>,
    f: impl FnOnce() -> R,
) -> (R, Vec<OwnedFd>) {
    let prev_dec = DECODING.with(|c| {
        c.borrow_mut().replace(DecodeContext {
            conn: conn.clone(),
            fds: fds.into_iter().map(Some).collect(),
        })
    });
    let prev_enc = ENCODING.with(|c| {
        c.borrow_mut().replace(EncodeContext {
            conn: conn.clone(),
            fds: Vec::new(),
            borrowed: None,
            error: None,
        })
    });
    let r = f();
    DECODING.with(|c| *c.borrow_mut() = prev_dec);
    let enc = ENCODING.with(|c| std::mem::replace(&mut *c.borrow_mut(), prev_enc));
    (r, enc.map(|e| e.fds).unwrap_or_default())
}

/// Decodes a `T` that must fill `bytes` exactly.
pub(crate) fn decode_exact<T: DeserializeOwned>(
    conn: &Arc<Connection>,
    bytes: &[u8],
    fds: Vec<OwnedFd>,
    what: &str,
) -> Result<T, Status> {
    let previous = DECODING.with(|c| {
        c.borrow_mut().replace(DecodeContext {
            conn: conn.clone(),
            fds: fds.into_iter().map(Some).collect(),
        })
    });
    let result = take_exact(bytes, what);
    DECODING.with(|c| *c.borrow_mut() = previous);
    result
}

/// Decodes a `T` that must fill `bytes` exactly, in whatever decode
/// context the thread has; `what` names it in the error.
pub(crate) fn take_exact<T: DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T, Status> {
    match postcard::take_from_bytes::<T>(bytes) {
        Ok((v, [])) => Ok(v),
        Ok((_, rest)) => Err(Status::exception(
            ExceptionCode::BadParcelable,
            format!("{what}: {} trailing bytes after the value", rest.len()),
        )),
        Err(e) => Err(Status::exception(
            ExceptionCode::BadParcelable,
            format!("{what} could not be decoded: {e}"),
        )),
    }
}

pub(crate) fn with_encode<R>(f: impl FnOnce(&mut EncodeContext) -> R) -> Option<R> {
    ENCODING.with(|c| c.borrow_mut().as_mut().map(f))
}

pub(crate) fn with_decode<R>(f: impl FnOnce(&mut DecodeContext) -> R) -> Option<R> {
    DECODING.with(|c| c.borrow_mut().as_mut().map(f))
}

/// A file descriptor passed in a call (SCM_RIGHTS).
///
/// Sending borrows it; the receiver gets its own descriptor for the same
/// open file (a memfd, an eventfd, a DMA buffer).
#[derive(Debug)]
pub struct Fd(pub OwnedFd);

impl Fd {
    /// Wraps an owned descriptor.
    pub fn new(fd: impl Into<OwnedFd>) -> Fd {
        Fd(fd.into())
    }

    /// The descriptor.
    pub fn into_inner(self) -> OwnedFd {
        self.0
    }
}

impl AsFd for Fd {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.0.as_fd()
    }
}

impl From<OwnedFd> for Fd {
    fn from(fd: OwnedFd) -> Fd {
        Fd(fd)
    }
}

impl Serialize for Fd {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let index = with_encode(|ctx| {
            if let Some(borrowed) = &mut ctx.borrowed {
                borrowed.push(self.0.as_raw_fd());
                return Ok(borrowed.len() - 1);
            }
            match self.0.try_clone() {
                Ok(dup) => {
                    ctx.fds.push(dup);
                    Ok(ctx.fds.len() - 1)
                }
                Err(e) => {
                    let why = format!(
                        "file descriptor {} could not be duplicated: {e}",
                        self.0.as_raw_fd()
                    );
                    ctx.error = Some(why.clone());
                    Err(why)
                }
            }
        })
        .unwrap_or_else(|| Err("a file descriptor can only be sent in an IPC call".into()))
        .map_err(serde::ser::Error::custom)?;
        // More than 255 descriptors can never be sent (the limit is 16), so
        // the index saturates and the send is refused by the fd limit.
        s.serialize_u8(index.min(255) as u8)
    }
}

impl<'de> Deserialize<'de> for Fd {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Fd, D::Error> {
        let index = u8::deserialize(d)? as usize;
        let taken = with_decode(|ctx| {
            let received = ctx.fds.len();
            match ctx.fds.get_mut(index) {
                Some(slot) => slot
                    .take()
                    .ok_or_else(|| format!("file descriptor {index} is referenced twice")),
                None => Err(format!(
                    "file descriptor {index} referenced, but the message carries {received}"
                )),
            }
        })
        .unwrap_or_else(|| Err("a file descriptor can only be received in an IPC call".into()));
        taken.map(Fd).map_err(serde::de::Error::custom)
    }
}
