//! Finding a GPIO chip by its label among the `gpiochip*` device nodes.

use std::fs;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};

use gpiocdev::chip::ErrorKind as ChipErrorKind;
use gpiocdev::Chip;

use super::error::{GpioError, SkipReason, SkippedEntry};

/// A chip found by its label.
#[derive(Debug)]
pub(super) struct FoundChip {
    /// The device node as found in the directory, such as `/dev/gpiochip1`.
    pub path: PathBuf,
    pub label: String,
    pub num_lines: u32,
}

/// The device node of the GPIO chip labelled `label` among the `gpiochip*`
/// character devices in `dev_dir` (normally [`super::DEFAULT_DEV_DIR`]).
///
/// Fails when no chip or more than one chip has that label; the error lists
/// the labels that were there and the entries that were skipped as not
/// being GPIO chips.
pub fn find_chip(dev_dir: &Path, label: &str) -> Result<PathBuf, GpioError> {
    find(dev_dir, label).map(|chip| chip.path)
}

pub(super) fn find(dev_dir: &Path, label: &str) -> Result<FoundChip, GpioError> {
    let mut chips = Vec::new();
    let mut skipped = Vec::new();
    for path in chip_nodes(dev_dir)? {
        match read_chip(&path) {
            Ok(chip) => chips.push(chip),
            Err(reason) => skipped.push(SkippedEntry {
                name: file_name(&path),
                reason,
            }),
        }
    }
    let (mut matching, others): (Vec<FoundChip>, Vec<FoundChip>) =
        chips.into_iter().partition(|chip| chip.label == label);
    match matching.len() {
        1 => Ok(matching.remove(0)),
        0 => Err(GpioError::NoSuchChip {
            dir: dev_dir.to_owned(),
            label: label.to_owned(),
            found: others.into_iter().map(|chip| chip.label).collect(),
            skipped,
        }),
        _ => Err(GpioError::AmbiguousChip {
            dir: dev_dir.to_owned(),
            label: label.to_owned(),
            names: matching.iter().map(|chip| file_name(&chip.path)).collect(),
        }),
    }
}

/// The `gpiochip*` entries of `dev_dir`, in chip number order so that the
/// labels in an error read as `gpiochip0`, `gpiochip1`, ...
fn chip_nodes(dev_dir: &Path) -> Result<Vec<PathBuf>, GpioError> {
    let list_error = |source| GpioError::ListDir {
        dir: dev_dir.to_owned(),
        source,
    };
    let mut paths = Vec::new();
    for entry in fs::read_dir(dev_dir).map_err(list_error)? {
        let entry = entry.map_err(list_error)?;
        if entry
            .file_name()
            .as_encoded_bytes()
            .starts_with(b"gpiochip")
        {
            paths.push(entry.path());
        }
    }
    paths.sort_by(|a, b| gpiocdev::chip::path_compare(a, b));
    Ok(paths)
}

fn read_chip(path: &Path) -> Result<FoundChip, SkipReason> {
    // Checked here rather than left to gpiocdev, which takes anything whose
    // resolved path is /dev/gpiochipN for a chip, regular files included.
    let metadata = fs::metadata(path).map_err(|e| SkipReason::Unreadable(e.into()))?;
    if !metadata.file_type().is_char_device() {
        return Err(SkipReason::NotCharacterDevice);
    }
    let chip = Chip::from_path(path).map_err(|e| match e {
        gpiocdev::Error::GpioChip(_, ChipErrorKind::NotGpioDevice) => SkipReason::NotGpioChip,
        gpiocdev::Error::GpioChip(_, ChipErrorKind::NotCharacterDevice) => {
            SkipReason::NotCharacterDevice
        }
        other => SkipReason::Unreadable(other),
    })?;
    let info = chip.info().map_err(SkipReason::Unreadable)?;
    Ok(FoundChip {
        path: path.to_owned(),
        label: info.label,
        num_lines: info.num_lines,
    })
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .unwrap_or(path.as_os_str())
        .to_string_lossy()
        .into_owned()
}
