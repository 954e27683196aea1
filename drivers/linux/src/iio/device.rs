//! One IIO device as seen through sysfs: its name, channels, mount matrix
//! and sampling frequency.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{read_attr, read_f64, read_optional_f64, write_attr, IioError};

/// Where the kernel lists IIO devices.
pub const DEFAULT_SYSFS_ROOT: &str = "/sys/bus/iio/devices";

/// The channel types the HAL maps, with the unit each is reported in.
#[derive(Debug, Copy, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChannelKind {
    /// m/s², as IIO reports it.
    Accel,
    /// rad/s, as IIO reports it.
    AnglVel,
    /// µT; IIO reports gauss.
    Magn,
    /// lux, as IIO reports it.
    Illuminance,
    /// Unitless, as the sensor reports it.
    Proximity,
    /// °C; IIO reports milli-degrees Celsius.
    Temp,
    /// ns since the clock chosen in `current_timestamp_clock`.
    Timestamp,
    /// Any other type, passed through in IIO's unit.
    Other,
}

impl ChannelKind {
    fn from_type(type_name: &str) -> ChannelKind {
        match type_name {
            "accel" => ChannelKind::Accel,
            "anglvel" => ChannelKind::AnglVel,
            "magn" => ChannelKind::Magn,
            "illuminance" => ChannelKind::Illuminance,
            "proximity" => ChannelKind::Proximity,
            "temp" => ChannelKind::Temp,
            "timestamp" => ChannelKind::Timestamp,
            _ => ChannelKind::Other,
        }
    }

    /// Factor from IIO's unit for this type to the HAL's unit.
    pub fn hal_unit_factor(self) -> f64 {
        match self {
            // 1 gauss = 100 µT.
            ChannelKind::Magn => 100.0,
            ChannelKind::Temp => 0.001,
            _ => 1.0,
        }
    }
}

/// One input channel, parsed from its sysfs file names.
#[derive(Debug, Clone, PartialEq)]
pub struct Channel {
    /// The attribute prefix, e.g. `in_accel_x`; scan elements use it too.
    pub prefix: String,
    /// The IIO type without its index, e.g. `accel`, `voltage`.
    pub type_name: String,
    /// The channel index of indexed channels (`in_voltage0_raw`).
    pub index: Option<u32>,
    /// The modifier, e.g. `x`, `y`, `z`, `clear`.
    pub axis: Option<String>,
    pub kind: ChannelKind,
    /// Whether the value file is `_raw` (scaled here) rather than `_input`
    /// (already processed by the driver).
    pub has_raw: bool,
    pub scale: Option<f64>,
    pub offset: Option<f64>,
    value_file: PathBuf,
}

impl Channel {
    /// Converts a raw reading to the HAL unit: `(raw + offset) × scale`,
    /// then IIO's unit to the HAL's.
    pub fn convert(&self, raw: f64) -> f64 {
        let iio_value = if self.has_raw {
            (raw + self.offset.unwrap_or(0.0)) * self.scale.unwrap_or(1.0)
        } else {
            raw
        };
        iio_value * self.kind.hal_unit_factor()
    }
}

/// A 3×3 rotation from the sensor's axes to the device's, row-major.
#[derive(Debug, Copy, Clone, PartialEq)]
pub struct MountMatrix(pub [[f64; 3]; 3]);

impl MountMatrix {
    pub const IDENTITY: MountMatrix =
        MountMatrix([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]);

    /// The vector `v` in the device's frame.
    pub fn apply(&self, v: [f64; 3]) -> [f64; 3] {
        self.0
            .map(|row| row[0] * v[0] + row[1] * v[1] + row[2] * v[2])
    }

    /// Parses the kernel's `"a, b, c; d, e, f; g, h, i"`.
    fn parse(text: &str) -> Result<MountMatrix, String> {
        let rows: Vec<&str> = text.split(';').collect();
        if rows.len() != 3 {
            return Err(format!(
                "expected 3 rows separated by ';', found {}",
                rows.len()
            ));
        }
        let mut matrix = [[0.0; 3]; 3];
        for (r, row) in rows.iter().enumerate() {
            let cells: Vec<&str> = row.split(',').map(str::trim).collect();
            if cells.len() != 3 {
                return Err(format!(
                    "row {} has {} values, expected 3",
                    r + 1,
                    cells.len()
                ));
            }
            for (c, cell) in cells.iter().enumerate() {
                matrix[r][c] = cell
                    .parse()
                    .map_err(|_| format!("'{cell}' is not a number"))?;
            }
        }
        Ok(MountMatrix(matrix))
    }
}

/// An IIO device directory, e.g. `/sys/bus/iio/devices/iio:device0`.
#[derive(Debug, Clone)]
pub struct IioDevice {
    dir: PathBuf,
    name: String,
    channels: Vec<Channel>,
}

/// Every `iio:deviceN` under `root` that opens, in order of N. A device that
/// fails to open is left out, as a vanished device is normal.
pub fn enumerate(root: &Path) -> Vec<IioDevice> {
    let Ok(entries) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    let mut numbered: Vec<(u32, PathBuf)> = entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name();
            let number = name.to_str()?.strip_prefix("iio:device")?.parse().ok()?;
            Some((number, entry.path()))
        })
        .collect();
    numbered.sort();
    numbered
        .into_iter()
        .filter_map(|(_, dir)| IioDevice::open(&dir).ok())
        .collect()
}

impl IioDevice {
    /// Reads the device's name and channels from `sysfs_dir`.
    pub fn open(sysfs_dir: &Path) -> Result<IioDevice, IioError> {
        let name = read_attr(&sysfs_dir.join("name"))?;
        let entries = std::fs::read_dir(sysfs_dir).map_err(|source| IioError::Io {
            path: sysfs_dir.to_owned(),
            source,
        })?;
        // prefix -> has a `_raw` file; `_raw` wins over `_input`.
        let mut prefixes: BTreeMap<String, bool> = BTreeMap::new();
        for entry in entries.flatten() {
            let file_name = entry.file_name();
            let Some(file_name) = file_name.to_str() else {
                continue;
            };
            if !file_name.starts_with("in_") {
                continue;
            }
            if let Some(prefix) = file_name.strip_suffix("_raw") {
                prefixes.insert(prefix.to_owned(), true);
            } else if let Some(prefix) = file_name.strip_suffix("_input") {
                prefixes.entry(prefix.to_owned()).or_insert(false);
            }
        }
        let channels = prefixes
            .into_iter()
            .map(|(prefix, has_raw)| parse_channel(sysfs_dir, prefix, has_raw))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(IioDevice {
            dir: sysfs_dir.to_owned(),
            name,
            channels,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The driver's name for the device, e.g. `mpu6050`.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn channels(&self) -> &[Channel] {
        &self.channels
    }

    /// The channel with the given type and axis, e.g. `("accel", Some("x"))`.
    pub fn channel(&self, type_name: &str, axis: Option<&str>) -> Option<&Channel> {
        self.channels
            .iter()
            .find(|c| c.type_name == type_name && c.axis.as_deref() == axis)
    }

    /// Reads the channel's value now, in the HAL unit of its kind.
    pub fn read_channel(&self, channel: &Channel) -> Result<f64, IioError> {
        Ok(channel.convert(read_f64(&channel.value_file)?))
    }

    /// The mount matrix of `type_name` channels (`in_<type>_mount_matrix`,
    /// else the device-wide `mount_matrix`); identity when neither exists.
    pub fn mount_matrix(&self, type_name: &str) -> Result<MountMatrix, IioError> {
        let candidates = [
            self.dir.join(format!("in_{type_name}_mount_matrix")),
            self.dir.join("mount_matrix"),
        ];
        let Some(path) = candidates.into_iter().find(|p| p.exists()) else {
            return Ok(MountMatrix::IDENTITY);
        };
        let text = read_attr(&path)?;
        MountMatrix::parse(&text).map_err(|reason| IioError::MountMatrix { path, text, reason })
    }

    /// The current sampling frequency in Hz.
    pub fn sampling_frequency(&self) -> Result<f64, IioError> {
        read_f64(&self.dir.join("sampling_frequency"))
    }

    /// The frequencies listed in `sampling_frequency_available`, if present.
    pub fn available_sampling_frequencies(&self) -> Result<Option<Vec<f64>>, IioError> {
        let path = self.dir.join("sampling_frequency_available");
        if !path.exists() {
            return Ok(None);
        }
        let text = read_attr(&path)?;
        text.split_whitespace()
            .map(|word| {
                word.parse().map_err(|_| IioError::NotANumber {
                    path: path.clone(),
                    text: word.to_owned(),
                })
            })
            .collect::<Result<Vec<f64>, _>>()
            .map(Some)
    }

    /// Sets the sampling frequency to `hz`, or, when the device lists the
    /// frequencies it has, to the lowest one at or above `hz` (the highest
    /// if none is). Returns the frequency written.
    pub fn set_sampling_frequency(&self, hz: f64) -> Result<f64, IioError> {
        let chosen = match self.available_sampling_frequencies()? {
            Some(available) if !available.is_empty() => choose_frequency(&available, hz),
            _ => hz,
        };
        write_attr(&self.dir.join("sampling_frequency"), &chosen.to_string())?;
        Ok(chosen)
    }
}

fn choose_frequency(available: &[f64], hz: f64) -> f64 {
    let at_or_above = available
        .iter()
        .copied()
        .filter(|&f| f >= hz)
        .min_by(f64::total_cmp);
    at_or_above.unwrap_or_else(|| available.iter().copied().fold(f64::MIN, f64::max))
}

fn parse_channel(dir: &Path, prefix: String, has_raw: bool) -> Result<Channel, IioError> {
    let body = prefix.strip_prefix("in_").unwrap_or(&prefix);
    let (type_part, axis) = match body.split_once('_') {
        Some((type_part, axis)) => (type_part, Some(axis.to_owned())),
        None => (body, None),
    };
    let type_name = type_part.trim_end_matches(|c: char| c.is_ascii_digit());
    let index = type_part[type_name.len()..].parse().ok();
    let value_file = dir.join(format!(
        "{prefix}_{}",
        if has_raw { "raw" } else { "input" }
    ));
    // Scale and offset may be per channel, shared by the indexed type, or
    // shared by the type (sysfs-bus-iio: in_accel_x_scale, in_accel_scale).
    let shared = |attr: &str| -> Result<Option<f64>, IioError> {
        for name in [
            format!("{prefix}_{attr}"),
            format!("in_{type_part}_{attr}"),
            format!("in_{type_name}_{attr}"),
        ] {
            if let Some(value) = read_optional_f64(&dir.join(name))? {
                return Ok(Some(value));
            }
        }
        Ok(None)
    };
    let (scale, offset) = if has_raw {
        (shared("scale")?, shared("offset")?)
    } else {
        (None, None)
    };
    Ok(Channel {
        kind: ChannelKind::from_type(type_name),
        type_name: type_name.to_owned(),
        index,
        axis,
        has_raw,
        scale,
        offset,
        value_file,
        prefix,
    })
}
