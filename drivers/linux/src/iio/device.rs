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
    /// hPa; IIO reports kilopascal.
    Pressure,
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
            "pressure" => ChannelKind::Pressure,
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
            // 1 kPa = 10 hPa.
            ChannelKind::Pressure => 10.0,
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

    /// The device-wide `sampling_frequency_available`, if present.
    pub fn available_sampling_frequencies(&self) -> Result<Option<AvailableFrequencies>, IioError> {
        read_available(&self.dir.join("sampling_frequency_available"))
    }

    /// Sets the device-wide sampling frequency to the slowest available one
    /// at or above `hz` (the fastest if none is), or to `hz` when the device
    /// does not say what it has. Returns the frequency written.
    pub fn set_sampling_frequency(&self, hz: f64) -> Result<f64, IioError> {
        let control = FrequencyControl {
            attr: self.dir.join("sampling_frequency"),
            available: self.available_sampling_frequencies()?,
        };
        control.set(hz)
    }

    /// The sampling frequency of `type_name` channels: the type's own
    /// `in_<type>_sampling_frequency` when the driver has one, else the
    /// device-wide `sampling_frequency`; `None` when there is neither. The
    /// available frequencies are looked up the same way.
    pub fn frequency_control(&self, type_name: &str) -> Result<Option<FrequencyControl>, IioError> {
        let own = |attr: &str| self.dir.join(format!("in_{type_name}_{attr}"));
        let pick = |attr: &str| Some(own(attr)).filter(|p| p.exists());
        let Some(attr) = pick("sampling_frequency")
            .or_else(|| Some(self.dir.join("sampling_frequency")).filter(|p| p.exists()))
        else {
            return Ok(None);
        };
        let available_path = pick("sampling_frequency_available")
            .unwrap_or_else(|| self.dir.join("sampling_frequency_available"));
        Ok(Some(FrequencyControl {
            attr,
            available: read_available(&available_path)?,
        }))
    }

    /// The character device of this device, `/dev/iio:deviceN`, named
    /// after its sysfs directory; `None` when the directory is not named
    /// `iio:deviceN`. Opening it is left to the caller.
    pub fn dev_node(&self) -> Option<PathBuf> {
        let dir_name = self.dir.file_name()?.to_str()?;
        dir_name
            .strip_prefix("iio:device")?
            .parse::<u32>()
            .ok()
            .map(|_| Path::new("/dev").join(dir_name))
    }
}

/// Finds the device under `root` (normally [`DEFAULT_SYSFS_ROOT`]) that a
/// board names: `key` is either the device's directory name
/// (`iio:device2`), which the kernel may renumber from boot to boot, or the
/// driver's `name` attribute (`stk3310`), which it does not. A directory
/// name is tried first; among devices sharing a `name`, the lowest
/// numbered one is taken.
///
/// A board's `[buses.X]` with `kind = "iio"` gives a `name`, a `path` such
/// as `/sys/bus/iio/devices/iio:device0`, or both (the name wins): pass the
/// name, or the path's last component.
pub fn find_device(root: &Path, key: &str) -> Result<IioDevice, IioError> {
    let by_dir = root.join(key);
    if key.starts_with("iio:device") && by_dir.is_dir() {
        return IioDevice::open(&by_dir);
    }
    enumerate(root)
        .into_iter()
        .find(|device| device.name() == key)
        .ok_or_else(|| IioError::NoSuchDevice {
            root: root.to_owned(),
            key: key.to_owned(),
        })
}

/// The frequencies a `*sampling_frequency_available` attribute lists.
#[derive(Debug, Clone, PartialEq)]
pub enum AvailableFrequencies {
    /// `"12.5 25 50 100"`: these and no others.
    List(Vec<f64>),
    /// `"[min step max]"`: every `min + k × step` up to `max`.
    Range { min: f64, step: f64, max: f64 },
}

impl AvailableFrequencies {
    fn parse(text: &str) -> Result<AvailableFrequencies, String> {
        let number = |word: &str| {
            word.parse::<f64>()
                .ok()
                .filter(|f| f.is_finite() && *f >= 0.0)
                .ok_or_else(|| format!("'{word}' is not a frequency"))
        };
        if let Some(inner) = text.strip_prefix('[') {
            let inner = inner
                .strip_suffix(']')
                .ok_or_else(|| "a range must end with ']'".to_owned())?;
            let words: Vec<&str> = inner.split_whitespace().collect();
            let [min, step, max] = words[..] else {
                return Err(format!(
                    "a range has 3 values (min step max), found {}",
                    words.len()
                ));
            };
            let (min, step, max) = (number(min)?, number(step)?, number(max)?);
            if min <= 0.0 || max < min {
                return Err(format!("range from {min} to {max} is empty"));
            }
            return Ok(AvailableFrequencies::Range { min, step, max });
        }
        let list: Vec<f64> = text
            .split_whitespace()
            .map(number)
            .collect::<Result<_, _>>()?;
        // A 0 in the list stands for "off" on some drivers, not a rate.
        let list: Vec<f64> = list.into_iter().filter(|f| *f > 0.0).collect();
        if list.is_empty() {
            return Err("no frequency listed".to_owned());
        }
        Ok(AvailableFrequencies::List(list))
    }

    /// The slowest frequency, Hz.
    pub fn slowest(&self) -> f64 {
        match self {
            AvailableFrequencies::List(list) => list.iter().copied().fold(f64::MAX, f64::min),
            AvailableFrequencies::Range { min, .. } => *min,
        }
    }

    /// The fastest frequency, Hz.
    pub fn fastest(&self) -> f64 {
        match self {
            AvailableFrequencies::List(list) => list.iter().copied().fold(f64::MIN, f64::max),
            AvailableFrequencies::Range { max, .. } => *max,
        }
    }

    /// The slowest frequency at or above `hz`, or the fastest when none
    /// is: sampling at least as often as asked.
    pub fn choose(&self, hz: f64) -> f64 {
        match self {
            AvailableFrequencies::List(list) => list
                .iter()
                .copied()
                .filter(|&f| f >= hz)
                .min_by(f64::total_cmp)
                .unwrap_or_else(|| self.fastest()),
            &AvailableFrequencies::Range { min, step, max } => {
                if hz <= min {
                    min
                } else if hz >= max || step <= 0.0 {
                    hz.min(max)
                } else {
                    // The tolerance keeps 25 from becoming 25 + step when
                    // (25 - min) / step comes out a hair above a whole number.
                    let steps = ((hz - min) / step - 1e-9).ceil();
                    (min + steps * step).min(max)
                }
            }
        }
    }
}

/// A sampling frequency attribute and what it accepts.
#[derive(Debug, Clone, PartialEq)]
pub struct FrequencyControl {
    /// The attribute written, e.g. `.../in_accel_sampling_frequency`.
    pub attr: PathBuf,
    /// What the driver lists, when it does.
    pub available: Option<AvailableFrequencies>,
}

impl FrequencyControl {
    /// The frequency [`FrequencyControl::set`] would write for `hz`.
    pub fn choose(&self, hz: f64) -> f64 {
        self.available.as_ref().map_or(hz, |a| a.choose(hz))
    }

    /// Writes the frequency chosen for `hz`; returns it.
    pub fn set(&self, hz: f64) -> Result<f64, IioError> {
        let chosen = self.choose(hz);
        write_attr(&self.attr, &chosen.to_string())?;
        Ok(chosen)
    }
}

fn read_available(path: &Path) -> Result<Option<AvailableFrequencies>, IioError> {
    if !path.exists() {
        return Ok(None);
    }
    let text = read_attr(path)?;
    AvailableFrequencies::parse(&text)
        .map(Some)
        .map_err(|reason| IioError::Frequencies {
            path: path.to_owned(),
            text,
            reason,
        })
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
