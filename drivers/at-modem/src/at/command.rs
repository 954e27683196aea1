//! A command, what it expects back, and how it ended.

use std::io;

use super::framer::FrameError;
use super::parse::errors::{CmeError, CmsError};
use super::parse::has_prefix;

/// How the command's exchange goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandKind {
    /// Command line, information lines, final result code.
    Plain,
    /// A call or data set-up (ATD, ATA, ATO, +CGDATA): `CONNECT`, `NO
    /// CARRIER`, `BUSY`, `NO ANSWER`, `NO DIALTONE` end it. For other
    /// commands those words are the unsolicited end of a call.
    Dial,
    /// The command line, then the modem's `> ` prompt, then `payload`
    /// followed by Ctrl-Z (AT+CMGS in PDU mode); the payload is aborted with
    /// ESC if the command times out.
    Prompt { payload: Vec<u8> },
}

/// One AT command line, built by the functions in [`super::commands`] or by
/// [`Command::new`] for a vendor command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    text: String,
    expected_prefix: Option<String>,
    kind: CommandKind,
}

impl Command {
    /// A command line such as `AT+CSQ`. The information prefix it expects
    /// (`+CSQ`) is taken from the line: the `+`/`^`/`$` name up to `=`, `?`
    /// or `;`.
    pub fn new(text: impl Into<String>) -> Command {
        let text = text.into();
        let expected_prefix = prefix_of(&text);
        let upper = text.to_ascii_uppercase();
        let dial =
            ["ATD", "ATA", "ATO"].iter().any(|p| upper.starts_with(p)) || upper.contains("+CGDATA");
        let kind = if dial {
            CommandKind::Dial
        } else {
            CommandKind::Plain
        };
        Command {
            text,
            expected_prefix,
            kind,
        }
    }

    /// A command whose payload follows the `> ` prompt.
    pub fn with_prompt(text: impl Into<String>, payload: impl Into<Vec<u8>>) -> Command {
        Command {
            kind: CommandKind::Prompt {
                payload: payload.into(),
            },
            ..Command::new(text)
        }
    }

    /// Expects information lines with another prefix than the line's own.
    pub fn expecting(mut self, prefix: impl Into<String>) -> Command {
        self.expected_prefix = Some(prefix.into());
        self
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn kind(&self) -> &CommandKind {
        &self.kind
    }

    pub fn expected_prefix(&self) -> Option<&str> {
        self.expected_prefix.as_deref()
    }

    /// True for a read command (`AT+CREG?`), which answers with one line.
    pub fn is_query(&self) -> bool {
        self.text.trim_end().ends_with('?')
    }

    /// The bytes to send: the line and its `<CR>`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = self.text.as_bytes().to_vec();
        bytes.push(b'\r');
        bytes
    }

    pub(crate) fn is_echo(&self, line: &str) -> bool {
        line.trim().eq_ignore_ascii_case(self.text.trim())
    }

    pub(crate) fn expects(&self, line: &str) -> bool {
        self.expected_prefix
            .as_deref()
            .is_some_and(|p| has_prefix(line, p))
    }
}

fn prefix_of(text: &str) -> Option<String> {
    let body = text.get(2..)?;
    if !text[..2].eq_ignore_ascii_case("AT") {
        return None;
    }
    let first = body.chars().next()?;
    if !matches!(first, '+' | '^' | '$' | '%' | '#') {
        return None;
    }
    let end = body.find(['=', '?', ';']).unwrap_or(body.len());
    Some(body[..end].trim().to_ascii_uppercase())
}

/// The successful end of a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Final {
    Ok,
    /// `CONNECT` and its optional text (a rate).
    Connect(Option<String>),
}

/// A completed command: its information lines and its final result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub lines: Vec<String>,
    pub final_code: Final,
}

impl Response {
    /// The first line with `prefix`, for single-line answers.
    pub fn line_with(&self, prefix: &str) -> Option<&str> {
        self.lines
            .iter()
            .map(String::as_str)
            .find(|l| has_prefix(l, prefix))
    }

    /// The first line, for answers without a prefix (+CGSN, +CGMI, +CIMI).
    pub fn first_line(&self) -> Option<&str> {
        self.lines.first().map(String::as_str)
    }
}

/// Why a command did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AtError {
    #[error("modem answered ERROR")]
    Error,
    #[error("modem answered +CME ERROR: {0}")]
    Cme(CmeError),
    #[error("modem answered +CMS ERROR: {0}")]
    Cms(CmsError),
    #[error("NO CARRIER")]
    NoCarrier,
    #[error("BUSY")]
    Busy,
    #[error("NO ANSWER")]
    NoAnswer,
    #[error("NO DIALTONE")]
    NoDialtone,
    #[error("no final result code for {command:?} within the timeout")]
    Timeout { command: String },
    #[error("the modem's stream ended (EOF)")]
    Closed,
    #[error("I/O error on the modem's stream ({kind:?}): {message}")]
    Io {
        kind: io::ErrorKind,
        message: String,
    },
    #[error("command line {command:?} is not valid: {reason}")]
    InvalidCommand {
        command: String,
        reason: &'static str,
    },
    #[error("framing error: {0}")]
    Framing(FrameError),
}

impl From<io::Error> for AtError {
    fn from(e: io::Error) -> Self {
        AtError::Io {
            kind: e.kind(),
            message: e.to_string(),
        }
    }
}

/// The final result code a line is, given the command's kind.
pub(crate) fn final_result(line: &str, kind: &CommandKind) -> Option<Result<Final, AtError>> {
    let dial = matches!(kind, CommandKind::Dial);
    let upper = line.trim();
    match upper {
        "OK" | "0" => return Some(Ok(Final::Ok)),
        "ERROR" | "4" => return Some(Err(AtError::Error)),
        _ => {}
    }
    if let Some(e) = CmeError::parse_line(line) {
        return Some(Err(AtError::Cme(e)));
    }
    if let Some(e) = CmsError::parse_line(line) {
        return Some(Err(AtError::Cms(e)));
    }
    if upper == "CONNECT" {
        return Some(Ok(Final::Connect(None)));
    }
    if let Some(rest) = upper.strip_prefix("CONNECT ") {
        return Some(Ok(Final::Connect(Some(rest.trim().to_owned()))));
    }
    if !dial {
        return None;
    }
    match upper {
        "NO CARRIER" => Some(Err(AtError::NoCarrier)),
        "BUSY" => Some(Err(AtError::Busy)),
        "NO ANSWER" => Some(Err(AtError::NoAnswer)),
        "NO DIALTONE" | "NO DIAL TONE" => Some(Err(AtError::NoDialtone)),
        _ => None,
    }
}

/// True for a line that only makes sense as a final result code, which is
/// stray when no command is running (a late answer after a timeout).
pub(crate) fn looks_final(line: &str) -> bool {
    final_result(line, &CommandKind::Plain).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_prefix_comes_from_the_command_line() {
        assert_eq!(Command::new("AT+CSQ").expected_prefix(), Some("+CSQ"));
        assert_eq!(Command::new("AT+CREG?").expected_prefix(), Some("+CREG"));
        assert_eq!(Command::new("AT+CMGS=23").expected_prefix(), Some("+CMGS"));
        assert_eq!(Command::new("AT^ICCID?").expected_prefix(), Some("^ICCID"));
        assert_eq!(Command::new("ATE0").expected_prefix(), None);
    }

    #[test]
    fn dial_commands_are_recognised() {
        assert_eq!(*Command::new("ATD+4912345;").kind(), CommandKind::Dial);
        assert_eq!(*Command::new("ATA").kind(), CommandKind::Dial);
        assert_eq!(*Command::new("AT+CSQ").kind(), CommandKind::Plain);
    }

    #[test]
    fn no_carrier_is_final_only_for_dial_commands() {
        assert_eq!(
            final_result("NO CARRIER", &CommandKind::Dial),
            Some(Err(AtError::NoCarrier))
        );
        assert_eq!(final_result("NO CARRIER", &CommandKind::Plain), None);
        assert_eq!(
            final_result("CONNECT 150000000", &CommandKind::Dial),
            Some(Ok(Final::Connect(Some("150000000".into()))))
        );
    }
}
