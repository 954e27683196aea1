//! The MPU-6050 as a [`SensorDevice`]: accelerometer, gyroscope and die
//! temperature behind one sample clock.
//!
//! # For HAL authors
//! The three sensors share SMPLRT_DIV and DLPF_CFG, so the chip runs at
//! the shortest period any enabled sensor asked for, and
//! [`SensorDevice::configure`] returns that shared period.
//!
//! While every enabled sensor has a `max_report_latency` of zero, each
//! [`SensorDevice::read`] is one 14-byte burst of the data registers
//! ([`Mpu6050::read_all`]) and gives one event per enabled sensor, stamped
//! with the caller's `now`.
//!
//! Once any enabled sensor has a latency above zero, the chip batches in
//! its FIFO: every enabled sensor goes in (one frame per sample, in
//! register order: accel XYZ, temperature, gyro XYZ), and a read drains
//! the whole frames that fit in `out`, one event per sensor per frame.
//! Frames that do not fit stay in the FIFO for the next read. Timestamps
//! are spaced by the sample period, end at `now` at most, and always
//! increase from one read to the next (see `timeline`). The service reads
//! at the shortest latency asked for, and at most every
//! [`fifo_capacity_duration`](Mpu6050Sensors::fifo_capacity_duration)
//! (with a margin), since a full FIFO overwrites its oldest bytes. A read
//! that finds it overflowed empties it, counts it
//! ([`fifo_overflows`](Mpu6050Sensors::fifo_overflows)) and returns no
//! events; the next read has fresh ones.
//!
//! Changing the set of enabled sensors or the rate while batching resets
//! the FIFO (its frames have the old layout or spacing), so the frames
//! batched since the last read are lost.

mod timeline;

use crate::registers::{self, addr, pwr_mgmt_1};
use crate::{scale_temperature, Config, Dlpf, Error, FifoFrame, FifoSensors, Mpu6050};
use core::f32::consts::PI;
use embedded_hal::delay::DelayNs;
use embedded_hal::i2c::I2c;
use timeline::Timeline;
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
/// Indices into the adapter's arrays, in handle order.
const ACCEL_INDEX: usize = 0;
const GYRO_INDEX: usize = 1;
const TEMPERATURE_INDEX: usize = 2;
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
/// Batching is pointless unless the FIFO holds this many frames.
const MIN_BATCH_FRAMES: usize = 2;
/// Frames decoded per round while draining the FIFO (a stack buffer).
const FRAMES_PER_ROUND: usize = 16;

/// The error of [`Mpu6050Sensors`]: the driver's, or an unknown handle.
pub type SensorError<E> = yunhal::sensors::SensorError<Error<E>>;

/// Per-sensor state the service set.
#[derive(Debug, Clone, Copy)]
struct SensorState {
    enabled: bool,
    requested_period: Nanos,
    max_report_latency: Nanos,
}

/// An MPU-6050 driver as three sensors: [`ACCELEROMETER`], [`GYROSCOPE`]
/// and [`TEMPERATURE`].
pub struct Mpu6050Sensors<I2C> {
    driver: Mpu6050<I2C>,
    descriptors: [SensorDescriptor; SENSOR_COUNT],
    state: [SensorState; SENSOR_COUNT],
    /// The period the sample clock runs at.
    period: Nanos,
    timeline: Timeline,
    fifo_overflows: u32,
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
            max_report_latency: Nanos::ZERO,
        });
        let config = driver.config();
        Mpu6050Sensors {
            period: sample_period(config.dlpf, config.sample_rate_divider),
            driver,
            descriptors,
            state,
            timeline: Timeline::default(),
            fifo_overflows: 0,
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

    /// Whether reads drain the FIFO (some enabled sensor has a report
    /// latency above zero) rather than the data registers.
    pub fn is_batching(&self) -> bool {
        self.driver.fifo_sensors().frame_len() > 0
    }

    /// How long the FIFO takes to fill with the enabled sensors at the
    /// current rate; reading less often than this loses samples. `None`
    /// while no sensor is enabled.
    pub fn fifo_capacity_duration(&self) -> Option<Nanos> {
        let frames = fifo_capacity_frames(self.enabled_sensors())?;
        Some(Nanos(self.period.as_nanos().saturating_mul(frames as u64)))
    }

    /// How many times a read found the FIFO overflowed (and emptied it).
    pub fn fifo_overflows(&self) -> u32 {
        self.fifo_overflows
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

    /// The enabled sensors, as FIFO contents.
    fn enabled_sensors(&self) -> FifoSensors {
        FifoSensors {
            accel: self.state[ACCEL_INDEX].enabled,
            temperature: self.state[TEMPERATURE_INDEX].enabled,
            gyro: self.state[GYRO_INDEX].enabled,
        }
    }

    /// What the FIFO should hold: the enabled sensors if any of them may
    /// be batched, else nothing.
    fn wanted_fifo(&self) -> FifoSensors {
        let enabled = self.enabled_sensors();
        let batched = self
            .state
            .iter()
            .any(|s| s.enabled && s.max_report_latency > Nanos::ZERO);
        let fits = fifo_capacity_frames(enabled).is_some_and(|n| n >= MIN_BATCH_FRAMES);
        if batched && fits {
            enabled
        } else {
            FifoSensors::default()
        }
    }

    /// Programs the sample clock for `period` unless it already runs so;
    /// a FIFO holding frames at the old period is emptied.
    fn apply_period(&mut self, period: Nanos) -> Result<Nanos, Error<I2C::Error>> {
        let (dlpf, divider) = sample_clock_for(period);
        let config = self.driver.config().dlpf(dlpf).sample_rate_divider(divider);
        if config != *self.driver.config() {
            self.driver.configure(&config)?;
            self.period = sample_period(dlpf, divider);
            if self.is_batching() {
                self.driver.reset_fifo()?;
                self.timeline.restart();
            }
        }
        Ok(self.period)
    }

    /// Turns the FIFO on, off, or to another frame layout, as the enabled
    /// sensors and their latencies ask.
    fn apply_fifo(&mut self) -> Result<(), Error<I2C::Error>> {
        let wanted = self.wanted_fifo();
        if wanted != self.driver.fifo_sensors() {
            // Resets the FIFO: frames of the old layout would be misread.
            self.driver.enable_fifo(wanted)?;
            self.timeline.restart();
        }
        Ok(())
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

    /// One event per enabled sensor from the data registers, at `now`.
    fn read_registers(
        &mut self,
        now: Nanos,
        out: &mut [SensorEvent],
    ) -> Result<usize, Error<I2C::Error>> {
        let m = self.driver.read_all()?;
        let values = [
            SensorValue::Acceleration(m.accel),
            SensorValue::AngularVelocity(m.gyro),
            SensorValue::Temperature(m.temperature),
        ];
        self.timeline.note_issued(now);
        // Events that do not fit in `out` are dropped: the next read has
        // newer ones.
        Ok(self.write_events(values.map(Some), now, out))
    }

    /// Drains the whole frames that fit in `out` from the FIFO.
    fn read_fifo(
        &mut self,
        now: Nanos,
        out: &mut [SensorEvent],
    ) -> Result<usize, Error<I2C::Error>> {
        let waiting = match self.driver.fifo_frames_available() {
            Err(Error::FifoOverflow) => {
                // The driver has emptied it: what was in it is lost and
                // the next frame does not follow the last one issued.
                self.fifo_overflows = self.fifo_overflows.saturating_add(1);
                self.timeline.restart();
                return Ok(0);
            }
            result => result?,
        };
        let events_per_frame = self.state.iter().filter(|s| s.enabled).count();
        let wanted = waiting.min(out.len() / events_per_frame);
        let period = self.period;
        let oldest = self.timeline.oldest(now, waiting, period);
        let mut frames = [FifoFrame::default(); FRAMES_PER_ROUND];
        let mut written = 0;
        let mut taken = 0;
        while taken < wanted {
            let round = &mut frames[..FRAMES_PER_ROUND.min(wanted - taken)];
            self.driver.read_fifo_frames(round)?;
            for frame in round.iter() {
                let behind_oldest = Nanos(period.as_nanos().saturating_mul(taken as u64));
                let timestamp = self.timeline.issue(oldest + behind_oldest, period);
                let values = self.frame_values(frame);
                written += self.write_events(values, timestamp, &mut out[written..]);
                taken += 1;
            }
        }
        Ok(written)
    }

    /// A frame's samples in handle order, scaled.
    fn frame_values(&self, frame: &FifoFrame) -> [Option<SensorValue>; SENSOR_COUNT] {
        let mut values = [None; SENSOR_COUNT];
        values[ACCEL_INDEX] = frame
            .accel
            .map(|raw| SensorValue::Acceleration(self.driver.scale_accel(raw)));
        values[GYRO_INDEX] = frame
            .gyro
            .map(|raw| SensorValue::AngularVelocity(self.driver.scale_gyro(raw)));
        values[TEMPERATURE_INDEX] = frame
            .temperature
            .map(|raw| SensorValue::Temperature(scale_temperature(raw)));
        values
    }

    /// Writes the values of enabled sensors as events into `out`, as many
    /// as fit; returns how many.
    fn write_events(
        &self,
        values: [Option<SensorValue>; SENSOR_COUNT],
        timestamp: Nanos,
        out: &mut [SensorEvent],
    ) -> usize {
        let events = self
            .descriptors
            .iter()
            .zip(self.state)
            .zip(values)
            .filter_map(|((d, s), value)| Some((d.handle, value.filter(|_| s.enabled)?)))
            .map(|(handle, value)| SensorEvent {
                handle,
                timestamp,
                value,
            });
        let mut written = 0;
        for (slot, event) in out.iter_mut().zip(events) {
            *slot = event;
            written += 1;
        }
        written
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
        max_report_latency: Nanos,
    ) -> Result<Nanos, Self::Error> {
        let i = self.index(handle)?;
        self.state[i].requested_period = self.descriptors[i].clamp_period(sampling_period);
        self.state[i].max_report_latency = max_report_latency;
        // A sensor is usually configured before it is enabled; count it
        // so that the period returned is the one it will get.
        let fastest = self
            .fastest_request(Some(i))
            .unwrap_or(self.state[i].requested_period);
        let period = self.apply_period(fastest)?;
        self.apply_fifo()?;
        Ok(period)
    }

    fn set_enabled(&mut self, handle: SensorHandle, enabled: bool) -> Result<(), Self::Error> {
        let i = self.index(handle)?;
        self.state[i].enabled = enabled;
        match self.fastest_request(None) {
            Some(fastest) => {
                self.apply_period(fastest)?;
                self.apply_fifo()?;
                self.set_awake(true)?;
            }
            None => {
                self.apply_fifo()?;
                self.set_awake(false)?;
            }
        }
        Ok(())
    }

    fn read(&mut self, now: Nanos, out: &mut [SensorEvent]) -> Result<usize, Self::Error> {
        if self.state.iter().all(|s| !s.enabled) {
            return Ok(0);
        }
        if self.is_batching() {
            Ok(self.read_fifo(now, out)?)
        } else {
            Ok(self.read_registers(now, out)?)
        }
    }
}

/// Whole frames of `sensors` the FIFO holds; `None` for an empty frame.
fn fifo_capacity_frames(sensors: FifoSensors) -> Option<usize> {
    match sensors.frame_len() {
        0 => None,
        frame_len => Some(registers::FIFO_SIZE / frame_len),
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
