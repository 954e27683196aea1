//! Industrial I/O (IIO) devices.
//!
//! Reads IIO devices through sysfs (`/sys/bus/iio/devices/iio:deviceN`) and,
//! in buffered mode, through the device's character device. The attribute
//! names, the scan-type format and the buffer layout follow the kernel's
//! Documentation/ABI/testing/sysfs-bus-iio and Documentation/iio/.
//!
//! For the daemon: this module opens sysfs attributes under the root it is
//! given, never `/dev` nodes. Buffered mode takes the already-open
//! `/dev/iio:deviceN` as any [`std::io::Read`], so tests hand in a file or a
//! scripted reader.

mod buffer;
mod device;
mod scan;
mod sensor;
#[cfg(test)]
mod sensor_tests;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;

use std::io;
use std::path::{Path, PathBuf};

use thiserror::Error;

pub use buffer::{BufferedReader, Sample, MAX_SAMPLE_VALUES};
pub use device::{
    enumerate, find_device, AvailableFrequencies, Channel, ChannelKind, FrequencyControl,
    IioDevice, MountMatrix, DEFAULT_SYSFS_ROOT,
};
pub use scan::{Endianness, ScanType, ScanTypeError};
pub use sensor::{
    IioSensorError, IioSensors, IioSensorsConfig, NoReader, ACCELEROMETER, GYROSCOPE, LIGHT,
    MAGNETOMETER, PRESSURE, PROXIMITY, PROXIMITY_FAR_CM, TEMPERATURE,
};

/// What went wrong, naming the file involved.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum IioError {
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    #[error("{}: '{text}' is not a number", path.display())]
    NotANumber { path: PathBuf, text: String },
    #[error("{}: malformed mount matrix '{text}': {reason}", path.display())]
    MountMatrix {
        path: PathBuf,
        text: String,
        reason: String,
    },
    #[error("{}: {source}", path.display())]
    ScanType {
        path: PathBuf,
        source: ScanTypeError,
    },
    #[error("{}: channel {channel} has no scan element", dir.display())]
    NoScanElement { dir: PathBuf, channel: String },
    #[error("{}: no channel is enabled for buffered reading", dir.display())]
    NoScanChannels { dir: PathBuf },
    #[error("{}: a scan holds {count} values, more than {max}", dir.display())]
    TooManyValues {
        dir: PathBuf,
        count: usize,
        max: usize,
    },
    #[error("reading the buffer of {}: {source}", dir.display())]
    BufferRead { dir: PathBuf, source: io::Error },
    #[error("{}: malformed frequency list '{text}': {reason}", path.display())]
    Frequencies {
        path: PathBuf,
        text: String,
        reason: String,
    },
    #[error("{}: no IIO device is named '{key}'", root.display())]
    NoSuchDevice { root: PathBuf, key: String },
}

impl yunhal::Error for IioError {
    fn kind(&self) -> yunhal::ErrorKind {
        use yunhal::ErrorKind;
        match self {
            IioError::Io { source, .. } | IioError::BufferRead { source, .. } => io_kind(source),
            IioError::NotANumber { .. }
            | IioError::MountMatrix { .. }
            | IioError::ScanType { .. }
            | IioError::Frequencies { .. } => ErrorKind::InvalidData,
            IioError::NoScanElement { .. } | IioError::TooManyValues { .. } => {
                ErrorKind::Unsupported
            }
            IioError::NoScanChannels { .. } => ErrorKind::InvalidState,
            IioError::NoSuchDevice { .. } => ErrorKind::NotPresent,
        }
    }
}

/// The kind of a failed sysfs or character-device access. A vanished file
/// or `ENODEV` is an unplugged device; `EIO` is the kernel driver failing
/// to reach its chip, which is worth a retry; `EBUSY` is a mode conflict
/// (a raw read while the buffer runs).
fn io_kind(error: &io::Error) -> yunhal::ErrorKind {
    use yunhal::ErrorKind;
    const EIO: i32 = 5;
    const ENXIO: i32 = 6;
    const EBUSY: i32 = 16;
    const ENODEV: i32 = 19;
    const EINVAL: i32 = 22;
    match (error.raw_os_error(), error.kind()) {
        (Some(ENODEV | ENXIO), _) | (_, io::ErrorKind::NotFound) => ErrorKind::NotPresent,
        (Some(EIO), _) => ErrorKind::Bus,
        (Some(EBUSY), _) => ErrorKind::InvalidState,
        (Some(EINVAL), _) => ErrorKind::InvalidArgument,
        (_, io::ErrorKind::TimedOut) => ErrorKind::Timeout,
        _ => ErrorKind::Os,
    }
}

fn read_attr(path: &Path) -> Result<String, IioError> {
    std::fs::read_to_string(path)
        .map(|text| text.trim().to_owned())
        .map_err(|source| IioError::Io {
            path: path.to_owned(),
            source,
        })
}

fn read_f64(path: &Path) -> Result<f64, IioError> {
    let text = read_attr(path)?;
    text.parse().map_err(|_| IioError::NotANumber {
        path: path.to_owned(),
        text,
    })
}

fn read_i64(path: &Path) -> Result<i64, IioError> {
    let text = read_attr(path)?;
    text.parse().map_err(|_| IioError::NotANumber {
        path: path.to_owned(),
        text,
    })
}

/// Writes an attribute without creating it: a missing sysfs file is an error.
fn write_attr(path: &Path, value: &str) -> Result<(), IioError> {
    use std::io::Write;
    std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(path)
        .and_then(|mut file| file.write_all(value.as_bytes()))
        .map_err(|source| IioError::Io {
            path: path.to_owned(),
            source,
        })
}

/// Reads an attribute that may be absent.
fn read_optional_f64(path: &Path) -> Result<Option<f64>, IioError> {
    if path.exists() {
        read_f64(path).map(Some)
    } else {
        Ok(None)
    }
}
