//! [`ModemError`]: what went wrong, with the modem's own words kept, and
//! its [`ErrorKind`] for generic code.

use std::io;
use std::time::Duration;

use yunhal::error::{Error, ErrorKind};

use crate::at::parse::errors::{CmeError, CmsError};
use crate::at::{AtError, ParseError};
use crate::pdu::{DecodeError, EncodeError};

/// An error of [`AtModem`](super::AtModem).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModemError {
    /// A command failed: the modem refused it (`+CME ERROR: 16 (incorrect
    /// password)`), did not answer in time, or the port went away. The
    /// command line has PINs masked.
    #[error("{command}: {error}")]
    Command { command: String, error: AtError },
    /// The modem's answer to `command` does not parse.
    #[error("{command}: unexpected answer: {error}")]
    Parse { command: String, error: ParseError },
    /// An SMS PDU from the modem does not decode.
    #[error("SMS PDU does not decode: {0}")]
    PduDecode(#[from] DecodeError),
    /// The SMS cannot be encoded (too long, bad address).
    #[error("SMS cannot be encoded: {0}")]
    PduEncode(#[from] EncodeError),
    /// An argument was refused before anything was sent.
    #[error("invalid {what}: {reason}")]
    InvalidArgument { what: &'static str, reason: String },
    /// The operation does not fit the modem's state (no such call, a USSD
    /// request already waiting).
    #[error("{0}")]
    InvalidState(String),
    /// The modem stopped answering and the driver is bringing it back;
    /// commands fail at once until it answers again.
    #[error("the modem is not answering; recovery is running")]
    Recovering,
    /// The network did not answer a USSD request in time.
    #[error("no USSD answer within {0:?}")]
    UssdTimeout(Duration),
    /// The port could not be opened.
    #[error("opening the modem's port: {0}")]
    Port(#[source] io::Error),
    /// The modem did not answer `AT` when the port was opened.
    #[error("the modem did not answer AT within {0:?}")]
    NotResponding(Duration),
    /// The operation needs something the modem does not do.
    #[error("{0}")]
    Unsupported(String),
}

impl ModemError {
    /// A failed command; PINs and PUKs in `command` are masked.
    pub(crate) fn command(command: &str, error: AtError) -> ModemError {
        ModemError::Command {
            command: redact(command),
            error,
        }
    }

    pub(crate) fn parse(command: &str, error: ParseError) -> ModemError {
        ModemError::Parse {
            command: redact(command),
            error,
        }
    }

    pub(crate) fn invalid(what: &'static str, reason: impl Into<String>) -> ModemError {
        ModemError::InvalidArgument {
            what,
            reason: reason.into(),
        }
    }

    /// The `+CME ERROR` code, if the modem answered with one.
    pub fn cme_code(&self) -> Option<u16> {
        match self {
            ModemError::Command {
                error: AtError::Cme(e),
                ..
            } => e.code(),
            _ => None,
        }
    }

    /// The `+CMS ERROR` code, if the modem answered with one.
    pub fn cms_code(&self) -> Option<u16> {
        match self {
            ModemError::Command {
                error: AtError::Cms(e),
                ..
            } => e.code(),
            _ => None,
        }
    }

    /// True when the command did not end in time.
    pub fn is_timeout(&self) -> bool {
        matches!(
            self,
            ModemError::Command {
                error: AtError::Timeout { .. },
                ..
            }
        )
    }

    /// True when the modem cannot be talked to at all (no answer, port
    /// gone): the init sequence stops at such an error, while a refused
    /// command is skipped.
    pub(crate) fn is_link_failure(&self) -> bool {
        matches!(
            self,
            ModemError::Command {
                error: AtError::Timeout { .. } | AtError::Closed | AtError::Io { .. },
                ..
            } | ModemError::Recovering
                | ModemError::Port(_)
                | ModemError::NotResponding(_)
        )
    }
}

impl Error for ModemError {
    fn kind(&self) -> ErrorKind {
        match self {
            ModemError::Command { error, .. } => at_error_kind(error),
            ModemError::Parse { .. } | ModemError::PduDecode(_) => ErrorKind::InvalidData,
            ModemError::PduEncode(_) | ModemError::InvalidArgument { .. } => {
                ErrorKind::InvalidArgument
            }
            ModemError::InvalidState(_) => ErrorKind::InvalidState,
            ModemError::Recovering | ModemError::Port(_) | ModemError::NotResponding(_) => {
                ErrorKind::NotPresent
            }
            ModemError::UssdTimeout(_) => ErrorKind::Timeout,
            ModemError::Unsupported(_) => ErrorKind::Unsupported,
        }
    }
}

fn at_error_kind(error: &AtError) -> ErrorKind {
    match error {
        AtError::Cme(e) => cme_kind(e),
        AtError::Cms(e) => cms_kind(e),
        // Plain ERROR says nothing more; +CMEE makes it rare.
        AtError::Error => ErrorKind::Other,
        // No network to dial on, or no call to answer.
        AtError::NoCarrier | AtError::NoDialtone => ErrorKind::InvalidState,
        AtError::Busy | AtError::NoAnswer => ErrorKind::Other,
        AtError::Timeout { .. } => ErrorKind::Timeout,
        AtError::Closed | AtError::Io { .. } => ErrorKind::NotPresent,
        AtError::InvalidCommand { .. } => ErrorKind::InvalidArgument,
        AtError::Framing(_) => ErrorKind::InvalidData,
    }
}

/// TS 27.007 §9.2: argument errors, state errors (SIM, network,
/// personalisation, GPRS), and the rest.
fn cme_kind(error: &CmeError) -> ErrorKind {
    match error.code() {
        Some(16 | 21 | 22 | 24..=27 | 50) => ErrorKind::InvalidArgument,
        Some(4 | 132 | 133) => ErrorKind::Unsupported,
        Some(31) => ErrorKind::Timeout,
        Some(3 | 5..=7 | 10..=15 | 17 | 18 | 20 | 30 | 32 | 40..=47 | 103..=113 | 134 | 149) => {
            ErrorKind::InvalidState
        }
        _ => ErrorKind::Other,
    }
}

/// TS 27.005 §3.2.5.
fn cms_kind(error: &CmsError) -> ErrorKind {
    match error.code() {
        Some(304 | 305 | 321) => ErrorKind::InvalidArgument,
        Some(303) => ErrorKind::Unsupported,
        Some(332) => ErrorKind::Timeout,
        Some(302 | 310..=318 | 322 | 330 | 331 | 340) => ErrorKind::InvalidState,
        _ => ErrorKind::Other,
    }
}

/// The command line with the arguments of PIN commands masked.
fn redact(command: &str) -> String {
    let upper = command.to_ascii_uppercase();
    let secret = ["AT+CPIN=", "AT+CLCK=", "AT+CPWD=", "AT+CPIN2="]
        .iter()
        .find(|p| upper.starts_with(*p));
    match secret {
        Some(prefix) => format!("{}…", &command[..prefix.len()]),
        None => command.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cme(line: &str) -> ModemError {
        ModemError::command(
            "AT+CPIN=\"0000\"",
            AtError::Cme(CmeError::parse_line(line).unwrap()),
        )
    }

    #[test]
    fn wrong_pin_is_an_invalid_argument_with_the_modems_words_and_no_pin() {
        let numeric = cme("+CME ERROR: 16");
        let verbose = cme("+CME ERROR: incorrect password");

        assert_eq!(numeric.kind(), ErrorKind::InvalidArgument);
        assert_eq!(verbose.kind(), ErrorKind::InvalidArgument);
        assert_eq!(numeric.cme_code(), Some(16));
        assert_eq!(verbose.cme_code(), Some(16));
        let text = numeric.to_string();
        assert!(text.contains("16 (incorrect password)"), "{text}");
        assert!(!text.contains("0000"), "{text}");
        assert!(!verbose.to_string().contains("0000"));
    }

    #[test]
    fn sim_pin_required_and_not_allowed_are_invalid_state() {
        assert_eq!(cme("+CME ERROR: 11").kind(), ErrorKind::InvalidState);
        assert_eq!(
            cme("+CME ERROR: SIM PIN required").kind(),
            ErrorKind::InvalidState
        );
        assert_eq!(
            cme("+CME ERROR: operation not allowed").kind(),
            ErrorKind::InvalidState
        );
        let no_call = ModemError::command("ATA", AtError::NoCarrier);
        assert_eq!(no_call.kind(), ErrorKind::InvalidState);
    }

    #[test]
    fn cms_errors_map_by_code() {
        let cms = |line: &str| {
            ModemError::command(
                "AT+CMGS=20",
                AtError::Cms(CmsError::parse_line(line).unwrap()),
            )
        };
        assert_eq!(cms("+CMS ERROR: 304").kind(), ErrorKind::InvalidArgument);
        assert_eq!(cms("+CMS ERROR: 331").kind(), ErrorKind::InvalidState);
        assert_eq!(cms("+CMS ERROR: 500").kind(), ErrorKind::Other);
        assert_eq!(cms("+CMS ERROR: 331").cms_code(), Some(331));
    }

    #[test]
    fn link_failures_map_to_timeout_and_not_present() {
        let timeout = ModemError::command(
            "AT+CSQ",
            AtError::Timeout {
                command: "AT+CSQ".into(),
            },
        );
        assert_eq!(timeout.kind(), ErrorKind::Timeout);
        assert!(timeout.is_timeout() && timeout.is_link_failure());
        assert_eq!(
            ModemError::command("AT", AtError::Closed).kind(),
            ErrorKind::NotPresent
        );
        assert_eq!(ModemError::Recovering.kind(), ErrorKind::NotPresent);
        assert!(ModemError::Recovering.to_string().contains("recovery"));
        assert_eq!(
            ModemError::parse(
                "AT+CSQ",
                ParseError::MissingField {
                    name: "rssi",
                    line: "+CSQ:".into()
                }
            )
            .kind(),
            ErrorKind::InvalidData
        );
    }

    #[test]
    fn pin_and_puk_arguments_are_masked_elsewhere_too() {
        assert_eq!(redact("AT+CPIN=\"12345678\",\"1234\""), "AT+CPIN=…");
        assert_eq!(redact("AT+CLCK=\"SC\",1,\"1234\""), "AT+CLCK=…");
        assert_eq!(redact("AT+CPIN?"), "AT+CPIN?");
        assert_eq!(redact("ATD+4930123;"), "ATD+4930123;");
    }
}
