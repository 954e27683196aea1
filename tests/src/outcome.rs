//! One call's result as one line of text, so a test can read what a child
//! process got. `ok <value:?>`, `exception <code:?> <message>`,
//! `service-specific <code> <message>`, or `transport <error:?>`.

use std::fmt::Debug;
use yunhal_ipc::{ExceptionCode, Status, TransportError};

/// Formats a call's result.
pub fn format<T: Debug>(result: &Result<T, Status>) -> String {
    match result {
        Ok(value) => format!("ok {value:?}"),
        Err(Status::Exception { code, message }) => format!("exception {code:?} {message}"),
        Err(Status::ServiceSpecific { code, message }) => {
            format!("service-specific {code} {message}")
        }
        Err(Status::Transport(e)) => format!("transport {e:?}"),
    }
}

/// A result read back from [`format`]'s text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// `ok`, with the value's `Debug` text.
    Ok(String),
    /// An exception: its code's `Debug` name and its message.
    Exception {
        /// E.g. `Security`.
        code: String,
        /// The message.
        message: String,
    },
    /// A service-specific error or a transport error, as printed.
    Other(String),
}

impl Outcome {
    /// Parses [`format`]'s text.
    pub fn parse(text: &str) -> Outcome {
        let (kind, rest) = text.split_once(' ').unwrap_or((text, ""));
        match kind {
            "ok" => Outcome::Ok(rest.to_string()),
            "exception" => {
                let (code, message) = rest.split_once(' ').unwrap_or((rest, ""));
                Outcome::Exception {
                    code: code.to_string(),
                    message: message.to_string(),
                }
            }
            _ => Outcome::Other(text.to_string()),
        }
    }

    /// The exception's message if this is an exception of `code`.
    pub fn exception_message(&self, code: ExceptionCode) -> Option<&str> {
        match self {
            Outcome::Exception { code: c, message } if *c == format!("{code:?}") => Some(message),
            _ => None,
        }
    }

    /// Whether this is the transport error `DeadObject`.
    pub fn is_dead_object(&self) -> bool {
        *self == Outcome::Other(format!("transport {:?}", TransportError::DeadObject))
    }
}
