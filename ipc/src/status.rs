//! What a call returns when it does not succeed.
//!
//! As in binder, a reply carries a [`Status`]: an exception raised by the
//! service (with a code the caller can branch on and a message for humans),
//! a service-specific error code defined by the interface, or a transport
//! error raised by the IPC itself (the peer died, the message was malformed).

use serde::{Deserialize, Serialize};
use std::fmt;

/// Exception codes a service (or the IPC on its behalf) raises.
#[derive(Debug, Copy, Clone, Eq, PartialEq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ExceptionCode {
    /// The caller's uid/gid is not allowed to call this method.
    Security,
    /// An argument is out of range or names something that does not exist.
    IllegalArgument,
    /// The object is in a state where the call is not allowed.
    IllegalState,
    /// The service understood the call but does not support it.
    UnsupportedOperation,
    /// The arguments could not be decoded (a bad enum value, a truncated
    /// payload, a missing file descriptor).
    BadParcelable,
    /// The method code is unknown to this service: the client was built
    /// against a newer version of the interface.
    UnknownMethod,
    /// The call named an interface descriptor that the target object does
    /// not implement.
    WrongInterface,
    /// The call named an object that does not exist (or no longer exists)
    /// on this connection.
    StaleHandle,
    /// The service failed while running the call (it panicked).
    ServiceFailed,
}

impl ExceptionCode {
    fn as_str(self) -> &'static str {
        match self {
            ExceptionCode::Security => "security",
            ExceptionCode::IllegalArgument => "illegal argument",
            ExceptionCode::IllegalState => "illegal state",
            ExceptionCode::UnsupportedOperation => "unsupported operation",
            ExceptionCode::BadParcelable => "bad parcelable",
            ExceptionCode::UnknownMethod => "unknown method",
            ExceptionCode::WrongInterface => "wrong interface",
            ExceptionCode::StaleHandle => "stale handle",
            ExceptionCode::ServiceFailed => "service failed",
        }
    }
}

/// Errors of the transport itself, raised on the caller's side.
#[derive(Debug, Clone, Eq, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum TransportError {
    /// The peer process is gone (or closed the connection).
    DeadObject,
    /// The peer broke the protocol; the connection was closed. The text says
    /// what was wrong with which frame.
    Protocol(String),
    /// The message (or reply) would exceed a limit.
    TooLarge {
        /// What the limit is about ("payload bytes", "file descriptors").
        what: String,
        /// The size that was asked for.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The arguments or the result could not be encoded.
    Encode(String),
    /// No service of that name is registered (or it did not appear in time).
    NameNotFound(String),
    /// An operating-system error (errno text) on the socket.
    Io(String),
    /// The call did not complete in time.
    TimedOut,
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportError::DeadObject => f.write_str("dead object: the peer process is gone"),
            TransportError::Protocol(why) => write!(f, "protocol error: {why}"),
            TransportError::TooLarge { what, size, limit } => {
                write!(f, "too large: {size} {what} exceeds the limit of {limit}")
            }
            TransportError::Encode(why) => write!(f, "encode error: {why}"),
            TransportError::NameNotFound(name) => write!(f, "no service named {name:?}"),
            TransportError::Io(why) => write!(f, "i/o error: {why}"),
            TransportError::TimedOut => f.write_str("timed out"),
        }
    }
}

/// Why a call failed.
#[derive(Debug, Clone, Eq, PartialEq, Serialize, Deserialize)]
pub enum Status {
    /// The service (or the IPC on its behalf) raised an exception.
    Exception {
        /// What kind of failure.
        code: ExceptionCode,
        /// What went wrong, for humans.
        message: String,
    },
    /// An error defined by the interface (e.g. "SIM PIN required").
    ServiceSpecific {
        /// The interface's own error code.
        code: i32,
        /// What went wrong, for humans.
        message: String,
    },
    /// The transport failed; the call may or may not have run.
    Transport(TransportError),
}

impl Status {
    /// An exception with a message.
    pub fn exception(code: ExceptionCode, message: impl Into<String>) -> Status {
        Status::Exception {
            code,
            message: message.into(),
        }
    }

    /// An illegal-argument exception.
    pub fn illegal_argument(message: impl Into<String>) -> Status {
        Status::exception(ExceptionCode::IllegalArgument, message)
    }

    /// An illegal-state exception.
    pub fn illegal_state(message: impl Into<String>) -> Status {
        Status::exception(ExceptionCode::IllegalState, message)
    }

    /// A security exception.
    pub fn security(message: impl Into<String>) -> Status {
        Status::exception(ExceptionCode::Security, message)
    }

    /// A service-specific error.
    pub fn service_specific(code: i32, message: impl Into<String>) -> Status {
        Status::ServiceSpecific {
            code,
            message: message.into(),
        }
    }

    /// The exception code, if this is an exception.
    pub fn exception_code(&self) -> Option<ExceptionCode> {
        match self {
            Status::Exception { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// The transport error, if this is one.
    pub fn transport_error(&self) -> Option<&TransportError> {
        match self {
            Status::Transport(e) => Some(e),
            _ => None,
        }
    }

    /// Whether the peer is gone.
    pub fn is_dead_object(&self) -> bool {
        matches!(self, Status::Transport(TransportError::DeadObject))
    }
}

impl From<TransportError> for Status {
    fn from(e: TransportError) -> Status {
        Status::Transport(e)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Status::Exception { code, message } => {
                write!(f, "{} exception: {message}", code.as_str())
            }
            Status::ServiceSpecific { code, message } => {
                write!(f, "service-specific error {code}: {message}")
            }
            Status::Transport(e) => write!(f, "transport error: {e}"),
        }
    }
}

impl std::error::Error for Status {}

/// The result of an IPC call.
pub type Result<T, E = Status> = std::result::Result<T, E>;
