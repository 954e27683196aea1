//! One IIO device as a [`SensorDevice`].
//!
//! # For HAL authors
//! Each IIO channel type the HAL knows becomes one sensor with a fixed
//! handle ([`ACCELEROMETER`] for `in_accel_{x,y,z}`, [`LIGHT`] for
//! `in_illuminance`, ...), so a handle means the same on every device.
//! Values come in the HAL's units (IIO's gauss, milli-°C and kPa are
//! converted), vectors turned into the device frame by the kernel's mount
//! matrix.
//!
//! Two modes:
//! - direct ([`IioSensors::direct`]): every [`SensorDevice::read`] reads
//!   the enabled sensors' `_raw`/`_input` files, stamped with `now`; the
//!   service polls at the configured period.
//! - buffered ([`IioSensors::buffered`]): the caller hands in the open
//!   character device `/dev/iio:deviceN` (opened `O_NONBLOCK`, so that a
//!   read with nothing ready gives no events instead of blocking). Sensors
//!   with scan elements are captured through it, each scan stamped with
//!   the device's timestamp channel (set to `boottime` when the kernel
//!   lets us choose) or, without one, with `now`; sensors without scan
//!   elements are still read directly.
//!
//! Sensors of a device that share one `sampling_frequency` run at the
//! fastest period any enabled one asked for, as chip adapters do.
//! On-change sensors (light, proximity, temperature) report a value only
//! when it differs from the last one reported since they were enabled.
//!
//! Not done: batching by `max_report_latency` (the buffer is read whenever
//! the service reads; `buffer/watermark` is left alone), and IIO events
//! (threshold interrupts).

mod layout;

use std::collections::VecDeque;
use std::io::Read;
use std::os::fd::{AsFd, BorrowedFd};
use std::path::PathBuf;

use thiserror::Error;
use yunhal::sensors::{
    SensorDescriptor, SensorDevice, SensorEvent, SensorHandle, SensorType, SensorValue,
};
use yunhal::time::Nanos;
use yunhal::units::{
    Celsius, Centimeters, HectoPascal, Lux, MetersPerSecondSquared, MicroTesla, RadiansPerSecond,
};

use super::buffer::{BufferedReader, Sample};
use super::device::{Channel, FrequencyControl, IioDevice, MountMatrix};
use super::{read_f64, read_optional_f64, write_attr, IioError};
use layout::SensorChannels;

/// The accelerometer's handle (`in_accel_{x,y,z}`).
pub const ACCELEROMETER: SensorHandle = SensorHandle(0);
/// The gyroscope's handle (`in_anglvel_{x,y,z}`).
pub const GYROSCOPE: SensorHandle = SensorHandle(1);
/// The magnetometer's handle (`in_magn_{x,y,z}`).
pub const MAGNETOMETER: SensorHandle = SensorHandle(2);
/// The light sensor's handle (`in_illuminance`, else `in_intensity_both`).
pub const LIGHT: SensorHandle = SensorHandle(3);
/// The proximity sensor's handle (`in_proximity`).
pub const PROXIMITY: SensorHandle = SensorHandle(4);
/// The thermometer's handle (`in_temp`).
pub const TEMPERATURE: SensorHandle = SensorHandle(5);
/// The barometer's handle (`in_pressure`).
pub const PRESSURE: SensorHandle = SensorHandle(6);

/// The distance a "far" proximity event reports, and the proximity
/// sensor's `max_range`: IIO proximity is a unitless reading, so the HAL
/// only says near (0 cm) or far, as Android's binary proximity sensors do.
pub const PROXIMITY_FAR_CM: f32 = 5.0;

const NEAR_LEVEL_ATTR: &str = "in_proximity_nearlevel";

/// What the caller decides about an [`IioSensors`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IioSensorsConfig {
    /// Proximity readings at or above this are near. Without it the
    /// driver's `in_proximity_nearlevel` is used; a proximity channel
    /// with neither is an error. Compared with the channel's value after
    /// its scale and offset, which is the raw reading for every proximity
    /// driver in mainline (none has a scale).
    pub proximity_near_level: Option<f64>,
    /// Buffered mode: scans the kernel buffer holds (`buffer/length`);
    /// `None` keeps what the driver set.
    pub buffer_length: Option<usize>,
    /// Buffered mode: the trigger to select (`trigger/current_trigger`),
    /// for drivers that need one; `None` leaves it.
    pub trigger: Option<String>,
}

impl IioSensorsConfig {
    pub fn proximity_near_level(mut self, level: f64) -> Self {
        self.proximity_near_level = Some(level);
        self
    }

    pub fn buffer_length(mut self, scans: usize) -> Self {
        self.buffer_length = Some(scans);
        self
    }

    pub fn trigger(mut self, name: impl Into<String>) -> Self {
        self.trigger = Some(name.into());
        self
    }
}

/// What went wrong; every variant names the sysfs path involved.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum IioSensorError {
    #[error(transparent)]
    Iio(#[from] IioError),
    #[error("{}: no sensor with handle {}", dir.display(), handle.0)]
    UnknownHandle { dir: PathBuf, handle: SensorHandle },
    #[error("{}: no channel of a sensor type the HAL knows", dir.display())]
    NoSensors { dir: PathBuf },
    #[error(
        "{}: absent, and no proximity near level was configured: \
         near and far cannot be told apart",
        path.display()
    )]
    NoNearLevel { path: PathBuf },
    #[error("{}: the character device was lost when the buffer failed to restart", dir.display())]
    ReaderLost { dir: PathBuf },
}

impl yunhal::Error for IioSensorError {
    fn kind(&self) -> yunhal::ErrorKind {
        use yunhal::ErrorKind;
        match self {
            IioSensorError::Iio(e) => e.kind(),
            IioSensorError::UnknownHandle { .. } | IioSensorError::NoNearLevel { .. } => {
                ErrorKind::InvalidArgument
            }
            IioSensorError::NoSensors { .. } => ErrorKind::Unsupported,
            IioSensorError::ReaderLost { .. } => ErrorKind::InvalidState,
        }
    }
}

/// The reader of a direct-mode [`IioSensors`]: there is none.
#[derive(Debug)]
pub enum NoReader {}

impl Read for NoReader {
    fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
        match *self {}
    }
}

/// Per-sensor state.
#[derive(Debug)]
struct Sensor {
    spec: SensorChannels,
    mount: MountMatrix,
    frequency: Option<FrequencyControl>,
    /// Captured through the buffer rather than read from sysfs.
    buffered: bool,
    enabled: bool,
    requested_period: Nanos,
    /// The last value reported, for on-change sensors.
    last: Option<SensorValue>,
}

/// The character device and, while capturing, the scan decoder over it.
#[derive(Debug)]
enum Buffer<R> {
    /// Direct mode.
    None,
    Idle(R),
    Running {
        reader: BufferedReader<R>,
        /// For each buffered sensor captured: its index in `sensors` and
        /// the index of its first value in a [`Sample`].
        layout: Vec<(usize, usize)>,
    },
    /// The reader went into a decoder that failed to build.
    Lost,
}

/// An IIO device's channels as HAL sensors; see the [module docs](self).
#[derive(Debug)]
pub struct IioSensors<R = NoReader> {
    device: IioDevice,
    descriptors: Vec<SensorDescriptor>,
    sensors: Vec<Sensor>,
    proximity_near_level: f64,
    config: IioSensorsConfig,
    buffer: Buffer<R>,
    /// Buffered events that did not fit in the caller's slice.
    pending: VecDeque<SensorEvent>,
    samples: Vec<Sample>,
}

impl IioSensors<NoReader> {
    /// `device`'s sensors, read from sysfs at each [`SensorDevice::read`].
    /// Writes nothing until a sensor is configured.
    pub fn direct(device: IioDevice, config: IioSensorsConfig) -> Result<Self, IioSensorError> {
        IioSensors::new(device, Buffer::None, config)
    }
}

impl<R: Read> IioSensors<R> {
    /// `device`'s sensors, captured through `reader`, its open character
    /// device, where they have scan elements. Stops the buffer and, when
    /// the kernel offers it, sets `current_timestamp_clock` to `boottime`,
    /// the HAL's clock.
    pub fn buffered(
        device: IioDevice,
        reader: R,
        config: IioSensorsConfig,
    ) -> Result<Self, IioSensorError> {
        device.disable_buffer()?;
        let clock = device.dir().join("current_timestamp_clock");
        if clock.exists() {
            write_attr(&clock, "boottime")?;
        }
        IioSensors::new(device, Buffer::Idle(reader), config)
    }

    fn new(
        device: IioDevice,
        buffer: Buffer<R>,
        config: IioSensorsConfig,
    ) -> Result<Self, IioSensorError> {
        let found = layout::find_sensors(&device);
        if found.is_empty() {
            return Err(IioSensorError::NoSensors {
                dir: device.dir().to_owned(),
            });
        }
        let proximity_near_level = if found.iter().any(|s| s.handle == PROXIMITY) {
            near_level(&device, &config)?
        } else {
            0.0
        };
        let can_buffer = !matches!(buffer, Buffer::None);
        let fifo_events = if can_buffer {
            buffer_capacity(&device, &config)?
        } else {
            0
        };
        let mut descriptors = Vec::with_capacity(found.len());
        let mut sensors = Vec::with_capacity(found.len());
        for spec in found {
            let frequency = device.frequency_control(spec.type_name)?;
            let buffered = can_buffer && has_scan_elements(&device, &spec.channels);
            let available = frequency.as_ref().and_then(|f| f.available.as_ref());
            let fifo = if buffered { fifo_events } else { 0 };
            let descriptor = layout::descriptor(&device, &spec, available, fifo)?;
            sensors.push(Sensor {
                mount: device.mount_matrix(spec.type_name)?,
                spec,
                frequency,
                buffered,
                enabled: false,
                requested_period: descriptor.max_period,
                last: None,
            });
            descriptors.push(descriptor);
        }
        Ok(IioSensors {
            device,
            descriptors,
            sensors,
            proximity_near_level,
            config,
            buffer,
            pending: VecDeque::new(),
            samples: Vec::new(),
        })
    }

    /// The IIO device.
    pub fn device(&self) -> &IioDevice {
        &self.device
    }

    /// Stops the buffer and gives the device and the character device back
    /// (`None` in direct mode, or when it was lost).
    pub fn release(self) -> Result<(IioDevice, Option<R>), IioSensorError> {
        let reader = match self.buffer {
            Buffer::None | Buffer::Lost => None,
            Buffer::Idle(reader) => Some(reader),
            Buffer::Running { reader, .. } => {
                self.device.disable_buffer()?;
                Some(reader.release())
            }
        };
        Ok((self.device, reader))
    }

    fn index(&self, handle: SensorHandle) -> Result<usize, IioSensorError> {
        self.descriptors
            .iter()
            .position(|d| d.handle == handle)
            .ok_or_else(|| IioSensorError::UnknownHandle {
                dir: self.device.dir().to_owned(),
                handle,
            })
    }

    /// Sets the sampling frequency sensor `i` shares with others to the
    /// fastest period asked for by them (the enabled ones) and by `i`.
    /// Returns the period it runs at.
    fn apply_frequency(&mut self, i: usize) -> Result<Nanos, IioSensorError> {
        let Some(control) = &self.sensors[i].frequency else {
            return Ok(self.sensors[i].requested_period);
        };
        let fastest = self
            .sensors
            .iter()
            .enumerate()
            .filter(|&(j, s)| {
                (s.enabled || j == i)
                    && s.frequency.as_ref().is_some_and(|f| f.attr == control.attr)
            })
            .map(|(_, s)| s.requested_period)
            .min()
            .unwrap_or(self.sensors[i].requested_period);
        let hz = 1e9 / fastest.as_nanos().max(1) as f64;
        let chosen = control.set(hz)?;
        Ok(Nanos((1e9 / chosen).round() as u64))
    }

    /// Stops the buffer, selects the enabled buffered sensors' scan
    /// elements, and starts it again when there are any. The kernel
    /// refuses scan-element changes while the buffer runs, hence the order.
    fn restart_buffer(&mut self) -> Result<(), IioSensorError> {
        let reader = match std::mem::replace(&mut self.buffer, Buffer::Lost) {
            Buffer::None => {
                self.buffer = Buffer::None;
                return Ok(());
            }
            Buffer::Lost => {
                return Err(IioSensorError::ReaderLost {
                    dir: self.device.dir().to_owned(),
                })
            }
            Buffer::Idle(reader) => reader,
            Buffer::Running { reader, .. } => reader.release(),
        };
        let mut channels: Vec<Channel> = Vec::new();
        let mut layout = Vec::new();
        for (i, sensor) in self.sensors.iter().enumerate() {
            if sensor.buffered && sensor.enabled {
                layout.push((i, channels.len()));
                channels.extend(sensor.spec.channels.iter().cloned());
            }
        }
        if channels.is_empty() {
            self.buffer = Buffer::Idle(reader);
            self.device.disable_buffer()?;
            return self.clear_scan_elements();
        }
        let length = match self.config.buffer_length {
            Some(length) => length,
            None => current_buffer_length(&self.device)?,
        };
        let started = self
            .device
            .enable_buffer(length, &channels, self.config.trigger.as_deref());
        if let Err(e) = started {
            self.buffer = Buffer::Idle(reader);
            return Err(e.into());
        }
        let reader = BufferedReader::new(&self.device, &channels, reader)?;
        self.buffer = Buffer::Running { reader, layout };
        Ok(())
    }

    /// Deselects the scan elements of the disabled buffered sensors.
    fn clear_scan_elements(&self) -> Result<(), IioSensorError> {
        let scan_dir = self.device.dir().join("scan_elements");
        for sensor in self.sensors.iter().filter(|s| s.buffered && !s.enabled) {
            for channel in &sensor.spec.channels {
                write_attr(&scan_dir.join(format!("{}_en", channel.prefix)), "0")?;
            }
        }
        Ok(())
    }

    /// Decodes what the character device has into `pending`.
    fn read_buffer(&mut self, now: Nanos) -> Result<(), IioSensorError> {
        let Buffer::Running { reader, layout } = &mut self.buffer else {
            return Ok(());
        };
        self.samples.clear();
        reader.read_samples(&mut self.samples)?;
        for sample in &self.samples {
            let timestamp = sample
                .timestamp_ns
                .and_then(|ns| u64::try_from(ns).ok())
                .map_or(now, Nanos);
            for &(i, first) in layout.iter() {
                let sensor = &mut self.sensors[i];
                let count = sensor.spec.channels.len();
                let values = &sample.values()[first..first + count];
                let value = sensor_value(sensor, values, self.proximity_near_level);
                if let Some(value) = sensor.report(value) {
                    self.pending.push_back(SensorEvent {
                        handle: sensor.spec.handle,
                        timestamp,
                        value,
                    });
                }
            }
        }
        Ok(())
    }
}

impl<R: Read + AsFd> IioSensors<R> {
    /// The character device, to wait on for scans (readable when the
    /// buffer holds data); `None` in direct mode.
    pub fn poll_fd(&self) -> Option<BorrowedFd<'_>> {
        match &self.buffer {
            Buffer::Idle(reader) => Some(reader.as_fd()),
            Buffer::Running { reader, .. } => Some(reader.get_ref().as_fd()),
            Buffer::None | Buffer::Lost => None,
        }
    }
}

impl Sensor {
    /// `value` if it is to be reported: always for continuous sensors,
    /// when it changed for on-change ones. Records it as reported.
    fn report(&mut self, value: SensorValue) -> Option<SensorValue> {
        let on_change = self.spec.sensor_type.default_reporting_mode()
            == yunhal::sensors::ReportingMode::OnChange;
        if on_change && self.last == Some(value) {
            return None;
        }
        self.last = Some(value);
        Some(value)
    }
}

impl<R: Read> yunhal::ErrorType for IioSensors<R> {
    type Error = IioSensorError;
}

impl<R: Read> SensorDevice for IioSensors<R> {
    fn sensors(&self) -> &[SensorDescriptor] {
        &self.descriptors
    }

    fn configure(
        &mut self,
        handle: SensorHandle,
        sampling_period: Nanos,
        _max_report_latency: Nanos,
    ) -> Result<Nanos, Self::Error> {
        let i = self.index(handle)?;
        self.sensors[i].requested_period = self.descriptors[i].clamp_period(sampling_period);
        self.apply_frequency(i)
    }

    fn set_enabled(&mut self, handle: SensorHandle, enabled: bool) -> Result<(), Self::Error> {
        let i = self.index(handle)?;
        let sensor = &mut self.sensors[i];
        if sensor.enabled == enabled {
            return Ok(());
        }
        sensor.enabled = enabled;
        sensor.last = None;
        if sensor.buffered {
            if let Err(e) = self.restart_buffer() {
                self.sensors[i].enabled = !enabled;
                return Err(e);
            }
        }
        if enabled {
            self.apply_frequency(i)?;
        }
        Ok(())
    }

    fn read(&mut self, now: Nanos, out: &mut [SensorEvent]) -> Result<usize, Self::Error> {
        if self.pending.is_empty() {
            self.read_buffer(now)?;
        }
        let mut written = 0;
        while written < out.len() {
            let Some(event) = self.pending.pop_front() else {
                break;
            };
            out[written] = event;
            written += 1;
        }
        for sensor in &mut self.sensors {
            if !sensor.enabled || sensor.buffered || written == out.len() {
                continue;
            }
            let mut values = [0.0; 3];
            for (value, channel) in values.iter_mut().zip(&sensor.spec.channels) {
                *value = self.device.read_channel(channel)?;
            }
            let count = sensor.spec.channels.len();
            let value = sensor_value(sensor, &values[..count], self.proximity_near_level);
            if let Some(value) = sensor.report(value) {
                out[written] = SensorEvent {
                    handle: sensor.spec.handle,
                    timestamp: now,
                    value,
                };
                written += 1;
            }
        }
        Ok(written)
    }
}

/// One reading of `sensor` (its channels' values in HAL units, in channel
/// order) as an event value in the device frame.
fn sensor_value(sensor: &Sensor, values: &[f64], near_level: f64) -> SensorValue {
    let vector = || {
        let v = sensor.mount.apply([values[0], values[1], values[2]]);
        v.map(|x| x as f32)
    };
    let scalar = values[0] as f32;
    match sensor.spec.sensor_type {
        SensorType::Accelerometer => {
            SensorValue::Acceleration(vector().map(MetersPerSecondSquared))
        }
        SensorType::Gyroscope => SensorValue::AngularVelocity(vector().map(RadiansPerSecond)),
        SensorType::MagneticField => SensorValue::MagneticField(vector().map(MicroTesla)),
        SensorType::Light => SensorValue::Light(Lux(scalar)),
        SensorType::Proximity => {
            let near = values[0] >= near_level;
            SensorValue::Proximity {
                distance: Centimeters(if near { 0.0 } else { PROXIMITY_FAR_CM }),
                near,
            }
        }
        SensorType::Temperature => SensorValue::Temperature(Celsius(scalar)),
        SensorType::Pressure => SensorValue::Pressure(HectoPascal(scalar)),
        // `find_sensors` makes no other type.
        _ => SensorValue::Status(yunhal::sensors::SensorStatus::DataSuspect),
    }
}

fn near_level(device: &IioDevice, config: &IioSensorsConfig) -> Result<f64, IioSensorError> {
    if let Some(level) = config.proximity_near_level {
        return Ok(level);
    }
    let path = device.dir().join(NEAR_LEVEL_ATTR);
    read_optional_f64(&path)?.ok_or(IioSensorError::NoNearLevel { path })
}

fn has_scan_elements(device: &IioDevice, channels: &[Channel]) -> bool {
    let scan_dir = device.dir().join("scan_elements");
    channels
        .iter()
        .all(|c| scan_dir.join(format!("{}_index", c.prefix)).exists())
}

/// Scans the buffered sensors can be batched in: the hardware FIFO's
/// (`buffer/hwfifo_watermark_max`) when the driver has one, else the
/// kernel buffer's length, configured or as found.
fn buffer_capacity(device: &IioDevice, config: &IioSensorsConfig) -> Result<u32, IioError> {
    let buffer_dir = device.dir().join("buffer");
    let hardware = read_optional_f64(&buffer_dir.join("hwfifo_watermark_max"))?;
    let events = match (hardware, config.buffer_length) {
        (Some(hardware), _) => hardware,
        (None, Some(length)) => length as f64,
        (None, None) => read_optional_f64(&buffer_dir.join("length"))?.unwrap_or(0.0),
    };
    Ok(events.clamp(0.0, f64::from(u32::MAX)) as u32)
}

fn current_buffer_length(device: &IioDevice) -> Result<usize, IioError> {
    Ok(read_f64(&device.dir().join("buffer/length"))?.max(0.0) as usize)
}
