//! V.250 framing and the responses of TS 27.007 / 27.005.
//!
//! Layers, bottom up, each usable alone:
//! - [`framer`]: bytes to lines and the `> ` prompt, bounded, resynchronising.
//! - [`engine`]: sans-IO command queue with deadlines; sorts lines into
//!   echo, information lines, final result codes and [`urc`]s.
//! - [`channel`]: [`AtChannel`], the engine over a `Read + Write` stream with
//!   a reader thread, for blocking callers on several threads.
//! - [`parse`]: typed parsers for information lines and URCs; [`commands`]
//!   builds the command lines, so no driver formats AT strings by hand.
//!
//! # For driver authors
//! Build a [`Command`] with [`commands`], run it with
//! [`AtChannel::command`], and parse the [`Response`] lines with the
//! matching function in [`parse`]. URCs come on the channel's receiver
//! (or to the sink of [`AtChannel::with_sink`]); [`Urc::parse`] types
//! them. [`crate::modem`] is the driver built this way.

pub mod channel;
pub mod command;
pub mod commands;
pub mod engine;
pub mod framer;
pub mod parse;
pub mod urc;

#[cfg(test)]
pub(crate) mod test_support;

pub use channel::{AtChannel, Notification};
pub use command::{AtError, Command, CommandKind, Final, Response};
pub use engine::{AtEngine, CommandId, Event};
pub use framer::{Frame, FrameError, LineFramer, MAX_LINE};
pub use parse::ParseError;
pub use urc::{Unsolicited, Urc};
