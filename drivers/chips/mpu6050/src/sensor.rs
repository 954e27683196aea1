//! The MPU-6050 as a [`SensorDevice`]: accelerometer, gyroscope and die
//! temperature behind one sample clock.
//!
//! # For HAL authors
//! The three sensors share SMPLRT_DIV and DLPF_CFG, so the chip runs at
//! the shortest period any enabled sensor asked for, and
//! [`SensorDevice::configure`] returns that shared period. Every
//! [`SensorDevice::read`] is one 14-byte burst ([`Mpu6050::read_all`]) and
//! gives one event per enabled sensor, stamped with the caller's `now`.
//!
//! Not done: FIFO batching. `max_report_latency` is accepted and ignored,
//! so the service must read at the returned period; the descriptors still
//! give the FIFO's capacity, as the hardware has it.

use crate::registers::{self, addr, pwr_mgmt_1};
use crate::{Config, Dlpf, Error, Mpu6050};
use core::f32::consts::PI;
use embedded_hal::delay::DelayNs;
use embedded_hal::i2c::I2c;
use yunhal::sensors::{
    SensorDescriptor, SensorDevice, SensorEvent, SensorHandle, SensorType, SensorValue,
};
use yunhal::time::Nanos;
use yunhal::units::STANDARD_GRAVITY;

/// The accelerometer's handle.
pub const ACCELEROMETER: SensorHandle = SensorHandle(0);
/// The gyroscope's handle.
pub const GYROSCOPE: SensorHandle = SensorHandle(1);
/// The die thermometer's handle.
pub const TEMPERATURE: SensorHandle = SensorHandle(2);

const SENSOR_COUNT: usize = 3;
const VENDOR: &str = "InvenSense";

/// Accelerometer output rate, whatever the DLPF (RM §4.2).
const ACCEL_MIN_PERIOD: Nanos = Nanos::from_millis(1);
/// Gyro output rate with the DLPF off: 8 kHz.
const GYRO_MIN_PERIOD: Nanos = Nanos::from_micros(125);
const MAX_PERIOD: Nanos = Nanos::from_secs(1);
/// Full scale of AFS_SEL / FS_SEL 0; each step doubles it (RM §4.4, §4.5).
const ACCEL_FULL_SCALE_G_AT_SEL0: f32 = 2.0;
const GYRO_FULL_SCALE_DPS_AT_SEL0: f32 = 250.0;
/// Operating range of the die thermometer (PS-MPU-6000A §6.4).
const TEMPERATURE_MAX_CELSIUS: f32 = 85.0;
/// Bytes one sample of each sensor takes in the FIFO (RM §4.7).
const ACCEL_FRAME_BYTES: usize = 6;
const GYRO_FRAME_BYTES: usize = 6;
const TEMPERATURE_FRAME_BYTES: usize = 2;

/// The error of [`Mpu6050Sensors`]: the driver's, or an unknown handle.
pub type SensorError<E> = yunhal::sensors::SensorError<Error<E>>;

/// Per-sensor state the service set.
#[derive(Debug, Clone, Copy)]
struct SensorState {
    enabled: bool,
    requested_period: Nanos,
}

/// An MPU-6050 driver as three sensors: [`ACCELEROMETER`], [`GYROSCOPE`]
/// and [`TEMPERATURE`].
pub struct Mpu6050Sensors<I2C> {
    driver: Mpu6050<I2C>,
    descriptors: [SensorDescriptor; SENSOR_COUNT],
    state: [SensorState; SENSOR_COUNT],
}

impl<I2C: I2c> Mpu6050Sensors<I2C> {
    /// Wraps an initialised driver. The full-scale ranges of its current
    /// configuration fix the descriptors; the chip's power state is left
    /// as it is until the first [`SensorDevice::set_enabled`].
    pub fn new(driver: Mpu6050<I2C>) -> Self {
        let descriptors = descriptors(driver.config());
        let state = descriptors.clone().map(|d| SensorState {
            enabled: false,
            requested_period: d.max_period,
        });
        Mpu6050Sensors {
            driver,
            descriptors,
            state,
        }
    }

    /// Initialises the chip at `address` (reset configuration) and puts
    /// it to sleep until a sensor is enabled.
    pub fn init<D: DelayNs>(
        bus: I2C,
        address: u8,
        delay: &mut D,
    ) -> Result<Self, Error<I2C::Error>> {
        let mut driver = Mpu6050::new(bus, address);
        driver.init(delay)?;
        driver.sleep()?;
        Ok(Mpu6050Sensors::new(driver))
    }

    /// Gives the driver back.
    pub fn release(self) -> Mpu6050<I2C> {
        self.driver
    }

    fn index(&self, handle: SensorHandle) -> Result<usize, SensorError<I2C::Error>> {
        self.descriptors
            .iter()
            .position(|d| d.handle == handle)
            .ok_or(SensorError::UnknownHandle(handle))
    }

    /// The shortest period asked for by an enabled sensor or by `also`.
    fn fastest_request(&self, also: Option<usize>) -> Option<Nanos> {
        self.state
            .iter()
            .enumerate()
            .filter(|&(i, s)| s.enabled || Some(i) == also)
            .map(|(_, s)| s.requested_period)
            .min()
    }

    /// Programs the sample clock for `period` unless it already runs so.
    fn apply_period(&mut self, period: Nanos) -> Result<Nanos, Error<I2C::Error>> {
        let (dlpf, divider) = sample_clock_for(period);
        let config = self.driver.config().dlpf(dlpf).sample_rate_divider(divider);
        if config != *self.driver.config() {
            self.driver.configure(&config)?;
        }
        Ok(sample_period(dlpf, divider))
    }

    fn set_awake(&mut self, awake: bool) -> Result<(), Error<I2C::Error>> {
        // The driver has `sleep` but no inverse; clearing SLEEP keeps the
        // clock source `init` chose.
        self.driver.modify_register(addr::PWR_MGMT_1, |v| {
            if awake {
                v & !pwr_mgmt_1::SLEEP
            } else {
                v | pwr_mgmt_1::SLEEP
            }
        })
    }
}

impl<I2C: I2c> yunhal::ErrorType for Mpu6050Sensors<I2C> {
    type Error = SensorError<I2C::Error>;
}

impl<I2C: I2c> SensorDevice for Mpu6050Sensors<I2C> {
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
        self.state[i].requested_period = self.descriptors[i].clamp_period(sampling_period);
        // A sensor is usually configured before it is enabled; count it
        // so that the period returned is the one it will get.
        let fastest = self
            .fastest_request(Some(i))
            .unwrap_or(self.state[i].requested_period);
        Ok(self.apply_period(fastest)?)
    }

    fn set_enabled(&mut self, handle: SensorHandle, enabled: bool) -> Result<(), Self::Error> {
        let i = self.index(handle)?;
        self.state[i].enabled = enabled;
        match self.fastest_request(None) {
            Some(fastest) => {
                self.apply_period(fastest)?;
                self.set_awake(true)?;
            }
            None => self.set_awake(false)?,
        }
        Ok(())
    }

    fn read(&mut self, now: Nanos, out: &mut [SensorEvent]) -> Result<usize, Self::Error> {
        if self.state.iter().all(|s| !s.enabled) {
            return Ok(0);
        }
        let m = self.driver.read_all()?;
        let values = [
            SensorValue::Acceleration(m.accel),
            SensorValue::AngularVelocity(m.gyro),
            SensorValue::Temperature(m.temperature),
        ];
        let events = self
            .descriptors
            .iter()
            .zip(self.state)
            .zip(values)
            .filter(|((_, s), _)| s.enabled)
            .map(|((d, _), value)| SensorEvent {
                handle: d.handle,
                timestamp: now,
                value,
            });
        // Events that do not fit in `out` are dropped: the next read has
        // newer ones.
        let mut written = 0;
        for (slot, event) in out.iter_mut().zip(events) {
            *slot = event;
            written += 1;
        }
        Ok(written)
    }
}

/// DLPF and SMPLRT_DIV giving the longest period not above `period`.
///
/// Periods of 1 ms and more use the 1 kHz clock (DLPF on), with the
/// widest filter whose bandwidth stays under half the output rate; the
/// 8 kHz clock (DLPF off) only serves shorter periods.
fn sample_clock_for(period: Nanos) -> (Dlpf, u8) {
    let dlpf_on_base = Nanos::from_millis(1).as_nanos();
    if period.as_nanos() < dlpf_on_base {
        let base = GYRO_MIN_PERIOD.as_nanos();
        return (Dlpf::Accel260Gyro256, divider_for(period, base));
    }
    let divider = divider_for(period, dlpf_on_base);
    let rate_hz = 1_000.0 / (1.0 + f32::from(divider));
    let dlpf = [
        Dlpf::Accel184Gyro188,
        Dlpf::Accel94Gyro98,
        Dlpf::Accel44Gyro42,
        Dlpf::Accel21Gyro20,
        Dlpf::Accel10Gyro10,
    ]
    .into_iter()
    .find(|d| d.gyro_bandwidth().get().max(d.accel_bandwidth().get()) <= rate_hz / 2.0)
    .unwrap_or(Dlpf::Accel5Gyro5);
    (dlpf, divider)
}

/// The largest divider with `base × (1 + divider) ≤ period`.
fn divider_for(period: Nanos, base_ns: u64) -> u8 {
    let steps = (period.as_nanos() / base_ns).max(1);
    u8::try_from(steps - 1).unwrap_or(u8::MAX)
}

fn sample_period(dlpf: Dlpf, divider: u8) -> Nanos {
    let base_ns = 1_000_000_000 / u64::from(dlpf.gyro_output_rate_hz());
    Nanos(base_ns * (1 + u64::from(divider)))
}

fn descriptors(config: &Config) -> [SensorDescriptor; SENSOR_COUNT] {
    let accel_range = config.accel_range;
    let gyro_range = config.gyro_range;
    let doublings = |sel: u8| f32::from(1u8 << sel);
    let fifo_events = |frame_bytes: usize| (registers::FIFO_SIZE / frame_bytes) as u32;
    let descriptor =
        |handle, name, sensor_type: SensorType, max_range, resolution, min_period, frame| {
            SensorDescriptor {
                handle,
                name,
                vendor: VENDOR,
                sensor_type,
                max_range,
                resolution,
                min_period,
                max_period: MAX_PERIOD,
                fifo_reserved_events: 0,
                fifo_max_events: fifo_events(frame),
                reporting_mode: sensor_type.default_reporting_mode(),
                wake_up: false,
            }
        };
    [
        descriptor(
            ACCELEROMETER,
            "MPU-6050 accelerometer",
            SensorType::Accelerometer,
            ACCEL_FULL_SCALE_G_AT_SEL0 * doublings(accel_range as u8) * STANDARD_GRAVITY,
            STANDARD_GRAVITY / accel_range.lsb_per_g(),
            ACCEL_MIN_PERIOD,
            ACCEL_FRAME_BYTES,
        ),
        descriptor(
            GYROSCOPE,
            "MPU-6050 gyroscope",
            SensorType::Gyroscope,
            GYRO_FULL_SCALE_DPS_AT_SEL0 * doublings(gyro_range as u8) * PI / 180.0,
            PI / 180.0 / gyro_range.lsb_per_dps(),
            GYRO_MIN_PERIOD,
            GYRO_FRAME_BYTES,
        ),
        // TEMP_OUT updates with the sample clock, so at its fastest rate.
        descriptor(
            TEMPERATURE,
            "MPU-6050 temperature",
            SensorType::Temperature,
            TEMPERATURE_MAX_CELSIUS,
            1.0 / registers::TEMP_LSB_PER_DEGREE,
            GYRO_MIN_PERIOD,
            TEMPERATURE_FRAME_BYTES,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifty_hertz_uses_the_1_khz_clock_divided_by_20_and_a_20_hz_filter() {
        assert_eq!(
            sample_clock_for(Nanos::from_millis(20)),
            (Dlpf::Accel21Gyro20, 19)
        );
        assert_eq!(
            sample_period(Dlpf::Accel21Gyro20, 19),
            Nanos::from_millis(20)
        );
    }

    #[test]
    fn sub_millisecond_period_uses_the_8_khz_clock() {
        assert_eq!(
            sample_clock_for(Nanos::from_micros(250)),
            (Dlpf::Accel260Gyro256, 1)
        );
    }

    #[test]
    fn one_second_is_clamped_to_the_slowest_divider() {
        let (dlpf, divider) = sample_clock_for(Nanos::from_secs(1));
        assert_eq!((dlpf, divider), (Dlpf::Accel5Gyro5, 255));
        assert_eq!(sample_period(dlpf, divider), Nanos::from_millis(256));
    }
}
