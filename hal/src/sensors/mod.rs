//! Sensors: what a sensor is, what it reports, and the trait every sensor
//! backend implements (chip drivers on a bus, the Linux IIO backend).
//!
//! ## For driver authors
//! Implement [`SensorDevice`] for your chip driver (or an adapter around
//! it). A device can carry several sensors (an IMU has an accelerometer, a
//! gyroscope and a thermometer); each has a [`SensorDescriptor`] with a
//! handle unique within the device. The service owns the timing: it calls
//! [`SensorDevice::configure`] with the fastest period any client asked
//! for, [`SensorDevice::set_enabled`], and [`SensorDevice::read`] when the
//! interrupt fires or the period elapses.
//!
//! ## For HAL authors
//! Values are in SI-derived units carried by the types of [`crate::units`],
//! timestamps on [`Clock::Boottime`](crate::time::Clock), as Android's
//! sensors HAL does, so that they keep counting across suspend.

#[cfg(feature = "std")]
pub mod ipc;

use crate::error::ErrorType;
use crate::time::Nanos;
use crate::units::{
    Celsius, Centimeters, HectoPascal, Lux, MetersPerSecondSquared, MicroTesla, RadiansPerSecond,
};

/// The kind of quantity a sensor measures.
#[derive(Debug, Copy, Clone, Eq, PartialEq, Hash)]
#[cfg_attr(feature = "std", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum SensorType {
    /// Specific force including gravity, m/s², three axes.
    Accelerometer,
    /// Angular velocity, rad/s, three axes.
    Gyroscope,
    /// Magnetic flux density, µT, three axes.
    MagneticField,
    /// Illuminance, lux.
    Light,
    /// Distance to the nearest object, cm (many sensors only know near/far).
    Proximity,
    /// Temperature, °C.
    Temperature,
    /// Atmospheric pressure, hPa.
    Pressure,
}

impl SensorType {
    /// How this type reports by default.
    pub const fn default_reporting_mode(self) -> ReportingMode {
        match self {
            SensorType::Light | SensorType::Proximity | SensorType::Temperature => {
                ReportingMode::OnChange
            }
            _ => ReportingMode::Continuous,
        }
    }

    /// A short lower-case name, as `yunctl` prints and accepts it.
    pub const fn as_str(self) -> &'static str {
        match self {
            SensorType::Accelerometer => "accelerometer",
            SensorType::Gyroscope => "gyroscope",
            SensorType::MagneticField => "magnetometer",
            SensorType::Light => "light",
            SensorType::Proximity => "proximity",
            SensorType::Temperature => "temperature",
            SensorType::Pressure => "pressure",
        }
    }
}

/// When a sensor produces events.
#[derive(Debug, Copy, Clone, Eq, PartialEq, Hash)]
#[cfg_attr(feature = "std", derive(serde::Serialize, serde::Deserialize))]
pub enum ReportingMode {
    /// At the configured rate, always.
    Continuous,
    /// When the value changes, at most at the configured rate.
    OnChange,
    /// Once, then the sensor disables itself.
    OneShot,
}

/// Names a sensor; unique within a device (and, once the service numbers
/// them, within the daemon). Stays the same across a sensor's failure and
/// recovery.
#[derive(Debug, Copy, Clone, Eq, PartialEq, Ord, PartialOrd, Hash)]
#[cfg_attr(feature = "std", derive(serde::Serialize, serde::Deserialize))]
pub struct SensorHandle(pub u32);

/// What a backend says about one of its sensors.
#[derive(Debug, Clone, PartialEq)]
pub struct SensorDescriptor {
    /// The sensor's handle within its device.
    pub handle: SensorHandle,
    /// E.g. `"MPU-6050 accelerometer"`.
    pub name: &'static str,
    /// E.g. `"InvenSense"`.
    pub vendor: &'static str,
    /// What it measures.
    pub sensor_type: SensorType,
    /// Largest magnitude it reports, in the type's unit.
    pub max_range: f32,
    /// Smallest step it reports, in the type's unit.
    pub resolution: f32,
    /// Shortest sampling period it supports.
    pub min_period: Nanos,
    /// Longest sampling period it supports.
    pub max_period: Nanos,
    /// Events its hardware FIFO holds for it alone (0: no FIFO).
    pub fifo_reserved_events: u32,
    /// Events its hardware FIFO holds at most (shared with other sensors).
    pub fifo_max_events: u32,
    /// When it reports.
    pub reporting_mode: ReportingMode,
    /// Whether it can wake the system from suspend.
    pub wake_up: bool,
}

impl SensorDescriptor {
    /// Clamps a requested sampling period to what the sensor supports.
    pub fn clamp_period(&self, requested: Nanos) -> Nanos {
        requested.clamp(self.min_period, self.max_period)
    }
}

/// Whether a sensor's data can be trusted.
#[derive(Debug, Copy, Clone, Eq, PartialEq, Hash)]
#[cfg_attr(feature = "std", derive(serde::Serialize, serde::Deserialize))]
pub enum SensorStatus {
    /// Working.
    Available,
    /// Failing (the device does not answer); events stop until it recovers.
    Unavailable,
    /// Answering, but the data is out of range or stuck.
    DataSuspect,
}

/// What one event carries.
#[derive(Debug, Copy, Clone, PartialEq)]
#[cfg_attr(feature = "std", derive(serde::Serialize, serde::Deserialize))]
pub enum SensorValue {
    /// Accelerometer sample, device frame.
    Acceleration([MetersPerSecondSquared; 3]),
    /// Gyroscope sample, device frame.
    AngularVelocity([RadiansPerSecond; 3]),
    /// Magnetometer sample, device frame.
    MagneticField([MicroTesla; 3]),
    /// Light sample.
    Light(Lux),
    /// Proximity sample: a distance, and whether that counts as near.
    Proximity {
        /// Distance to the nearest object.
        distance: Centimeters,
        /// The sensor's own near/far decision.
        near: bool,
    },
    /// Temperature sample.
    Temperature(Celsius),
    /// Pressure sample.
    Pressure(HectoPascal),
    /// Every event batched before a flush request has been delivered.
    FlushComplete,
    /// The sensor's status changed.
    Status(SensorStatus),
}

/// One sensor event.
#[derive(Debug, Copy, Clone, PartialEq)]
#[cfg_attr(feature = "std", derive(serde::Serialize, serde::Deserialize))]
pub struct SensorEvent {
    /// Which sensor.
    pub handle: SensorHandle,
    /// When the sample was taken, on the boot-time clock.
    pub timestamp: Nanos,
    /// The value, or a marker.
    pub value: SensorValue,
}

/// The error of a [`SensorDevice`] built on a driver whose error is `E`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SensorError<E> {
    /// The driver failed.
    Driver(E),
    /// No sensor of this device has the handle.
    UnknownHandle(SensorHandle),
}

impl<E> From<E> for SensorError<E> {
    fn from(e: E) -> Self {
        SensorError::Driver(e)
    }
}

impl<E: crate::error::Error> crate::error::Error for SensorError<E> {
    fn kind(&self) -> crate::error::ErrorKind {
        match self {
            SensorError::Driver(e) => e.kind(),
            SensorError::UnknownHandle(_) => crate::error::ErrorKind::InvalidArgument,
        }
    }
}

impl<E: core::fmt::Display> core::fmt::Display for SensorError<E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            SensorError::Driver(e) => write!(f, "{e}"),
            SensorError::UnknownHandle(h) => write!(f, "no sensor with handle {}", h.0),
        }
    }
}

/// The trait every sensor backend implements.
pub trait SensorDevice: ErrorType {
    /// The sensors of this device.
    fn sensors(&self) -> &[SensorDescriptor];

    /// Sets how often `handle` samples and how long the hardware may batch
    /// before the service must read; returns the period the hardware runs
    /// at (the device may round, and sensors sharing a clock share it).
    fn configure(
        &mut self,
        handle: SensorHandle,
        sampling_period: Nanos,
        max_report_latency: Nanos,
    ) -> Result<Nanos, Self::Error>;

    /// Turns `handle` on or off; the device powers down when none is on.
    fn set_enabled(&mut self, handle: SensorHandle, enabled: bool) -> Result<(), Self::Error>;

    /// Reads what the hardware has (a data register, or a FIFO drained)
    /// into `out`, timestamped against `now`; returns how many events.
    fn read(&mut self, now: Nanos, out: &mut [SensorEvent]) -> Result<usize, Self::Error>;

    /// The descriptor of `handle`.
    fn descriptor(&self, handle: SensorHandle) -> Option<&SensorDescriptor> {
        self.sensors().iter().find(|d| d.handle == handle)
    }
}

#[cfg(feature = "std")]
pub use crate::error::DeviceError;

/// [`SensorDevice`] as a trait object (its associated error type keeps it
/// from being one): the service holds every board's sensors as
/// `Box<dyn DynSensorDevice>`. Implemented for every `SensorDevice + Send`.
#[cfg(feature = "std")]
pub trait DynSensorDevice: Send {
    /// See [`SensorDevice::sensors`].
    fn sensors(&self) -> &[SensorDescriptor];
    /// See [`SensorDevice::configure`].
    fn configure(
        &mut self,
        handle: SensorHandle,
        sampling_period: Nanos,
        max_report_latency: Nanos,
    ) -> Result<Nanos, DeviceError>;
    /// See [`SensorDevice::set_enabled`].
    fn set_enabled(&mut self, handle: SensorHandle, enabled: bool) -> Result<(), DeviceError>;
    /// See [`SensorDevice::read`].
    fn read(&mut self, now: Nanos, out: &mut [SensorEvent]) -> Result<usize, DeviceError>;
}

#[cfg(feature = "std")]
fn device_error<E: crate::error::Error>(e: E) -> DeviceError {
    DeviceError::from_error(&e)
}

#[cfg(feature = "std")]
impl<T: SensorDevice + Send> DynSensorDevice for T {
    fn sensors(&self) -> &[SensorDescriptor] {
        SensorDevice::sensors(self)
    }

    fn configure(
        &mut self,
        handle: SensorHandle,
        sampling_period: Nanos,
        max_report_latency: Nanos,
    ) -> Result<Nanos, DeviceError> {
        SensorDevice::configure(self, handle, sampling_period, max_report_latency)
            .map_err(device_error)
    }

    fn set_enabled(&mut self, handle: SensorHandle, enabled: bool) -> Result<(), DeviceError> {
        SensorDevice::set_enabled(self, handle, enabled).map_err(device_error)
    }

    fn read(&mut self, now: Nanos, out: &mut [SensorEvent]) -> Result<usize, DeviceError> {
        SensorDevice::read(self, now, out).map_err(device_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accel() -> SensorDescriptor {
        SensorDescriptor {
            handle: SensorHandle(1),
            name: "test accelerometer",
            vendor: "yunhal",
            sensor_type: SensorType::Accelerometer,
            max_range: 39.2,
            resolution: 0.0012,
            min_period: Nanos::from_millis(1),
            max_period: Nanos::from_secs(1),
            fifo_reserved_events: 0,
            fifo_max_events: 0,
            reporting_mode: SensorType::Accelerometer.default_reporting_mode(),
            wake_up: false,
        }
    }

    #[test]
    fn requested_period_outside_the_range_is_clamped_to_it() {
        let d = accel();
        assert_eq!(
            d.clamp_period(Nanos::from_micros(100)),
            Nanos::from_millis(1)
        );
        assert_eq!(d.clamp_period(Nanos::from_secs(5)), Nanos::from_secs(1));
        assert_eq!(
            d.clamp_period(Nanos::from_millis(20)),
            Nanos::from_millis(20)
        );
    }

    #[test]
    fn light_and_proximity_report_on_change_and_motion_sensors_continuously() {
        assert_eq!(
            SensorType::Light.default_reporting_mode(),
            ReportingMode::OnChange
        );
        assert_eq!(
            SensorType::Proximity.default_reporting_mode(),
            ReportingMode::OnChange
        );
        assert_eq!(
            SensorType::Gyroscope.default_reporting_mode(),
            ReportingMode::Continuous
        );
    }

    /// A device whose one sensor fails every read with a bus error.
    #[cfg(feature = "std")]
    struct FailingDevice([SensorDescriptor; 1]);

    #[cfg(feature = "std")]
    impl ErrorType for FailingDevice {
        type Error = SensorError<crate::error::ErrorKind>;
    }

    #[cfg(feature = "std")]
    impl SensorDevice for FailingDevice {
        fn sensors(&self) -> &[SensorDescriptor] {
            &self.0
        }
        fn configure(
            &mut self,
            handle: SensorHandle,
            p: Nanos,
            _: Nanos,
        ) -> Result<Nanos, Self::Error> {
            match self.descriptor(handle) {
                Some(d) => Ok(d.clamp_period(p)),
                None => Err(SensorError::UnknownHandle(handle)),
            }
        }
        fn set_enabled(&mut self, _: SensorHandle, _: bool) -> Result<(), Self::Error> {
            Ok(())
        }
        fn read(&mut self, _: Nanos, _: &mut [SensorEvent]) -> Result<usize, Self::Error> {
            Err(SensorError::Driver(crate::error::ErrorKind::Bus))
        }
    }

    #[cfg(feature = "std")]
    #[test]
    fn device_behind_a_trait_object_keeps_its_error_kinds() {
        extern crate std;
        use std::boxed::Box;
        let mut device: Box<dyn DynSensorDevice> = Box::new(FailingDevice([accel()]));

        let unknown = device.configure(SensorHandle(9), Nanos::from_millis(20), Nanos::ZERO);
        let read = device.read(Nanos::ZERO, &mut []);

        assert_eq!(
            unknown.unwrap_err().kind,
            crate::error::ErrorKind::InvalidArgument
        );
        assert_eq!(read.unwrap_err().kind, crate::error::ErrorKind::Bus);
        assert_eq!(
            device.configure(SensorHandle(1), Nanos::from_micros(10), Nanos::ZERO),
            Ok(Nanos::from_millis(1))
        );
    }
}
