//! What went wrong, naming the directory, chip and line involved.

use std::fmt;
use std::io;
use std::path::PathBuf;

use thiserror::Error;

/// One line: the label of its chip and its offset on that chip.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct LineId {
    pub chip_label: String,
    pub offset: u32,
}

impl fmt::Display for LineId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GPIO chip \"{}\" line {}", self.chip_label, self.offset)
    }
}

/// The operation on a requested line that failed.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum LineOp {
    RequestInput,
    RequestOutput,
    SetValue,
    GetValue,
}

impl fmt::Display for LineOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LineOp::RequestInput => "requesting it as an input",
            LineOp::RequestOutput => "requesting it as an output",
            LineOp::SetValue => "setting its value",
            LineOp::GetValue => "reading its value",
        })
    }
}

/// A `gpiochip*` entry of the device directory that is not a usable chip.
#[derive(Debug)]
pub struct SkippedEntry {
    /// The entry's file name, such as `gpiochip0`.
    pub name: String,
    pub reason: SkipReason,
}

#[derive(Debug)]
#[non_exhaustive]
pub enum SkipReason {
    /// A regular file, directory or other non-device: on a device, usually
    /// a file written to `/dev/gpiochipN` while that node did not exist.
    NotCharacterDevice,
    /// A character device that the kernel does not list as a GPIO chip.
    NotGpioChip,
    /// A GPIO chip that could not be opened or asked for its info.
    Unreadable(gpiocdev::Error),
}

impl fmt::Display for SkippedEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.reason {
            SkipReason::NotCharacterDevice => write!(f, "{}: not a character device", self.name),
            SkipReason::NotGpioChip => write!(f, "{}: not a GPIO chip", self.name),
            SkipReason::Unreadable(source) => write!(f, "{}: {source}", self.name),
        }
    }
}

/// What went wrong finding a chip or using one of its lines.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum GpioError {
    #[error("cannot list GPIO chips in {}: {source}", dir.display())]
    ListDir { dir: PathBuf, source: io::Error },
    #[error(
        "no GPIO chip labelled \"{label}\" (found: {}) in {}{}",
        found_labels(found),
        dir.display(),
        skipped_note(skipped)
    )]
    NoSuchChip {
        dir: PathBuf,
        label: String,
        /// The labels of the chips that were there, in `gpiochipN` order.
        found: Vec<String>,
        skipped: Vec<SkippedEntry>,
    },
    #[error(
        "{} GPIO chips in {} are labelled \"{label}\" ({}); a label must name one chip",
        names.len(),
        dir.display(),
        names.join(", ")
    )]
    AmbiguousChip {
        dir: PathBuf,
        label: String,
        /// The file names of the chips with that label.
        names: Vec<String>,
    },
    #[error("{line}: no such line, the chip has {num_lines} lines")]
    NoSuchLine { line: LineId, num_lines: u32 },
    #[error("{line}: busy, held by {}", holder_name(holder))]
    Busy {
        line: LineId,
        /// The consumer name the holder gave, when the kernel reports one.
        holder: Option<String>,
    },
    #[error("{line}: {op} failed: {source}")]
    Line {
        line: LineId,
        op: LineOp,
        source: gpiocdev::Error,
    },
}

fn found_labels(labels: &[String]) -> String {
    if labels.is_empty() {
        return "none".to_owned();
    }
    let quoted: Vec<String> = labels.iter().map(|label| format!("\"{label}\"")).collect();
    quoted.join(", ")
}

fn skipped_note(skipped: &[SkippedEntry]) -> String {
    if skipped.is_empty() {
        return String::new();
    }
    let entries: Vec<String> = skipped.iter().map(SkippedEntry::to_string).collect();
    format!("; skipped {}", entries.join(", "))
}

fn holder_name(holder: &Option<String>) -> String {
    match holder {
        Some(consumer) => format!("\"{consumer}\""),
        None => "another consumer".to_owned(),
    }
}

impl embedded_hal::digital::Error for GpioError {
    fn kind(&self) -> embedded_hal::digital::ErrorKind {
        // embedded-hal 1.0 has no other digital error kind; the error itself
        // says what failed.
        embedded_hal::digital::ErrorKind::Other
    }
}

impl yunhal::Error for GpioError {
    fn kind(&self) -> yunhal::ErrorKind {
        use yunhal::ErrorKind;
        match self {
            GpioError::ListDir { .. } | GpioError::Line { .. } => ErrorKind::Os,
            GpioError::NoSuchChip { .. } => ErrorKind::NotPresent,
            GpioError::AmbiguousChip { .. } | GpioError::NoSuchLine { .. } => {
                ErrorKind::InvalidArgument
            }
            GpioError::Busy { .. } => ErrorKind::InvalidState,
        }
    }
}
