//! Which channels of an IIO device make which HAL sensor, and what its
//! descriptor says.

use std::collections::BTreeSet;
use std::sync::{Mutex, PoisonError};

use yunhal::sensors::{SensorDescriptor, SensorHandle, SensorType};
use yunhal::time::Nanos;
use yunhal::units::STANDARD_GRAVITY;

use super::super::device::{AvailableFrequencies, Channel, IioDevice};
use super::super::scan::ScanType;
use super::super::{read_attr, IioError};
use super::{
    ACCELEROMETER, GYROSCOPE, LIGHT, MAGNETOMETER, PRESSURE, PROXIMITY, PROXIMITY_FAR_CM,
    TEMPERATURE,
};

const VENDOR: &str = "Linux IIO";

/// Periods when the driver lists no sampling frequencies (or has no
/// sampling frequency at all, and the service polls): 100 Hz is more than
/// a sysfs read per sensor per period costs, 1 Hz the slowest the HAL's
/// on-change sensors are useful at.
pub(super) const DEFAULT_MIN_PERIOD: Nanos = Nanos::from_millis(10);
pub(super) const DEFAULT_MAX_PERIOD: Nanos = Nanos::from_secs(1);

/// A HAL sensor and the IIO channels it reads, in value order.
#[derive(Debug, Clone)]
pub(super) struct SensorChannels {
    pub handle: SensorHandle,
    pub sensor_type: SensorType,
    /// The IIO type, e.g. `accel`: it names the mount matrix and the
    /// sampling frequency attributes.
    pub type_name: &'static str,
    pub channels: Vec<Channel>,
}

/// Every sensor `device` has channels for. A three-axis type missing an
/// axis is left out: it is not a sensor the HAL can describe.
pub(super) fn find_sensors(device: &IioDevice) -> Vec<SensorChannels> {
    let vector = |handle, sensor_type, type_name: &'static str| {
        let channels: Option<Vec<Channel>> = ["x", "y", "z"]
            .iter()
            .map(|axis| device.channel(type_name, Some(axis)).cloned())
            .collect();
        channels.map(|channels| SensorChannels {
            handle,
            sensor_type,
            type_name,
            channels,
        })
    };
    let scalar = |handle, sensor_type, type_name: &'static str, axis: Option<&str>| {
        device
            .channel(type_name, axis)
            .map(|channel| SensorChannels {
                handle,
                sensor_type,
                type_name,
                channels: vec![channel.clone()],
            })
    };
    [
        vector(ACCELEROMETER, SensorType::Accelerometer, "accel"),
        vector(GYROSCOPE, SensorType::Gyroscope, "anglvel"),
        vector(MAGNETOMETER, SensorType::MagneticField, "magn"),
        // Light sensors without an illuminance channel (many report only
        // `in_intensity_both`) give counts, which the driver's scale, if
        // any, turns into something near lux; better than no light sensor.
        scalar(LIGHT, SensorType::Light, "illuminance", None)
            .or_else(|| scalar(LIGHT, SensorType::Light, "intensity", Some("both"))),
        scalar(PROXIMITY, SensorType::Proximity, "proximity", None),
        scalar(TEMPERATURE, SensorType::Temperature, "temp", None),
        scalar(PRESSURE, SensorType::Pressure, "pressure", None),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The descriptor of `sensor`. `available` bounds the periods;
/// `fifo_events` is what its buffer holds (0 when it is read directly).
pub(super) fn descriptor(
    device: &IioDevice,
    sensor: &SensorChannels,
    available: Option<&AvailableFrequencies>,
    fifo_events: u32,
) -> Result<SensorDescriptor, IioError> {
    let (max_range, resolution) = range_and_resolution(device, sensor)?;
    let period_of = |hz: f64| Nanos((1e9 / hz).round() as u64);
    let (min_period, max_period) = match available {
        Some(available) => (
            period_of(available.fastest()),
            period_of(available.slowest()),
        ),
        None => (DEFAULT_MIN_PERIOD, DEFAULT_MAX_PERIOD),
    };
    Ok(SensorDescriptor {
        handle: sensor.handle,
        name: intern(format!("{} {}", device.name(), sensor.sensor_type.as_str())),
        vendor: VENDOR,
        sensor_type: sensor.sensor_type,
        max_range,
        resolution,
        min_period,
        max_period,
        fifo_reserved_events: 0,
        fifo_max_events: fifo_events,
        reporting_mode: sensor.sensor_type.default_reporting_mode(),
        wake_up: false,
    })
}

/// Full scale in the HAL unit, for channels whose raw width is unknown
/// (no scan element) or that the driver processes (`_input`): common
/// full scales of phone parts.
fn default_max_range(sensor_type: SensorType) -> f32 {
    match sensor_type {
        SensorType::Accelerometer => 16.0 * STANDARD_GRAVITY,
        SensorType::Gyroscope => 2000f32.to_radians(),
        // ±16 gauss
        SensorType::MagneticField => 1600.0,
        SensorType::Light => 65535.0,
        SensorType::Proximity => PROXIMITY_FAR_CM,
        SensorType::Temperature => 85.0,
        SensorType::Pressure => 1100.0,
        _ => 1.0,
    }
}

/// `max_range` from the scale and the scan type's bits, `resolution` the
/// scale (both in the HAL unit). A processed (`_input`) channel gets a
/// resolution of one IIO unit.
fn range_and_resolution(
    device: &IioDevice,
    sensor: &SensorChannels,
) -> Result<(f32, f32), IioError> {
    if sensor.sensor_type == SensorType::Proximity {
        // Near or far only, as Android's binary proximity sensors report.
        return Ok((PROXIMITY_FAR_CM, PROXIMITY_FAR_CM));
    }
    let channel = &sensor.channels[0];
    let resolution = (channel.convert(1.0) - channel.convert(0.0)).abs() as f32;
    if !channel.has_raw {
        return Ok((default_max_range(sensor.sensor_type), resolution));
    }
    let type_path = device
        .dir()
        .join("scan_elements")
        .join(format!("{}_type", channel.prefix));
    if !type_path.exists() {
        return Ok((default_max_range(sensor.sensor_type), resolution));
    }
    let text = read_attr(&type_path)?;
    let scan_type = ScanType::parse(&text).map_err(|source| IioError::ScanType {
        path: type_path,
        source,
    })?;
    let bits = i32::from(scan_type.realbits);
    let (lowest, highest) = if scan_type.signed {
        (-(2f64.powi(bits - 1)), 2f64.powi(bits - 1) - 1.0)
    } else {
        (0.0, 2f64.powi(bits) - 1.0)
    };
    let max_range = channel
        .convert(lowest)
        .abs()
        .max(channel.convert(highest).abs());
    Ok((max_range as f32, resolution))
}

/// Descriptor names are `&'static str`: the HAL's descriptors are plain
/// data that `no_std` chip drivers fill with literals. An IIO device's name
/// is only known at run time, so each distinct name is leaked once and
/// handed out again after: a device rebuilt after a failure (the daemon
/// restarts services) leaks nothing more, and the total is bounded by the
/// handset's distinct IIO device names.
fn intern(name: String) -> &'static str {
    static NAMES: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());
    let mut names = NAMES.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(&known) = names.get(name.as_str()) {
        return known;
    }
    let leaked: &'static str = Box::leak(name.into_boxed_str());
    names.insert(leaked);
    leaked
}
