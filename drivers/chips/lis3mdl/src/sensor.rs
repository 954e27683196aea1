//! The LIS3MDL as a [`SensorDevice`]: one magnetometer.
//!
//! # For HAL authors
//! [`SensorDevice::configure`] picks the slowest output data rate at least
//! as fast as asked; the chip powers down while the sensor is disabled.
//! [`SensorDevice::read`] gives an event only when STATUS_REG says a new
//! sample is there, so a sample is never reported twice. The chip has no
//! FIFO: `max_report_latency` is ignored.

use crate::{Config, DataRate, Error, Lis3mdl, Mode};
use embedded_hal::i2c::I2c;
use yunhal::sensors::{
    SensorDescriptor, SensorDevice, SensorEvent, SensorHandle, SensorType, SensorValue,
};
use yunhal::time::Nanos;
use yunhal::units::MicroTesla;

/// The magnetometer's handle.
pub const MAGNETOMETER: SensorHandle = SensorHandle(0);

/// The rates [`Lis3mdlSensors`] chooses from, slowest first.
const DATA_RATES: [DataRate; 9] = [
    DataRate::Hz0_625,
    DataRate::Hz1_25,
    DataRate::Hz2_5,
    DataRate::Hz5,
    DataRate::Hz10,
    DataRate::Hz20,
    DataRate::Hz40,
    DataRate::Hz80,
    DataRate::Fast,
];

/// The error of [`Lis3mdlSensors`]: the driver's, or an unknown handle.
pub type SensorError<E> = yunhal::sensors::SensorError<Error<E>>;

/// A LIS3MDL driver as one sensor, [`MAGNETOMETER`].
pub struct Lis3mdlSensors<I2C> {
    driver: Lis3mdl<I2C>,
    descriptor: [SensorDescriptor; 1],
    enabled: bool,
}

impl<I2C: I2c> Lis3mdlSensors<I2C> {
    /// Wraps an initialised driver; its full scale and performance modes
    /// fix the descriptor. The chip keeps converting (as `init` left it)
    /// until the first [`SensorDevice::set_enabled`].
    pub fn new(driver: Lis3mdl<I2C>) -> Self {
        let descriptor = [descriptor(driver.config())];
        Lis3mdlSensors {
            driver,
            descriptor,
            enabled: false,
        }
    }

    /// Initialises the chip at `address` (default configuration) and
    /// powers it down until the sensor is enabled.
    pub fn init(bus: I2C, address: u8) -> Result<Self, Error<I2C::Error>> {
        let mut driver = Lis3mdl::new(bus, address);
        driver.init()?;
        driver.set_mode(Mode::PowerDown)?;
        Ok(Lis3mdlSensors::new(driver))
    }

    /// Gives the driver back.
    pub fn release(self) -> Lis3mdl<I2C> {
        self.driver
    }

    fn check(&self, handle: SensorHandle) -> Result<(), SensorError<I2C::Error>> {
        if handle == MAGNETOMETER {
            Ok(())
        } else {
            Err(SensorError::UnknownHandle(handle))
        }
    }
}

impl<I2C: I2c> yunhal::ErrorType for Lis3mdlSensors<I2C> {
    type Error = SensorError<I2C::Error>;
}

impl<I2C: I2c> SensorDevice for Lis3mdlSensors<I2C> {
    fn sensors(&self) -> &[SensorDescriptor] {
        &self.descriptor
    }

    fn configure(
        &mut self,
        handle: SensorHandle,
        sampling_period: Nanos,
        _max_report_latency: Nanos,
    ) -> Result<Nanos, Self::Error> {
        self.check(handle)?;
        let requested = self.descriptor[0].clamp_period(sampling_period);
        let config = *self.driver.config();
        let data_rate = DATA_RATES
            .into_iter()
            .find(|r| period_of(*r, &config) <= requested)
            .unwrap_or(DataRate::Fast);
        if data_rate != config.data_rate {
            self.driver.configure(&Config {
                data_rate,
                ..config
            })?;
        }
        Ok(period_of(data_rate, &config))
    }

    fn set_enabled(&mut self, handle: SensorHandle, enabled: bool) -> Result<(), Self::Error> {
        self.check(handle)?;
        if enabled {
            self.driver.set_mode(Mode::Continuous)?;
            // A sample left unread from before power-down would otherwise
            // be reported as the first new one; reading it clears ZYXDA.
            self.driver.read_raw()?;
        } else {
            self.driver.set_mode(Mode::PowerDown)?;
        }
        self.enabled = enabled;
        Ok(())
    }

    fn read(&mut self, now: Nanos, out: &mut [SensorEvent]) -> Result<usize, Self::Error> {
        let Some(slot) = out.first_mut() else {
            return Ok(0);
        };
        if !self.enabled || !self.driver.data_ready()? {
            return Ok(0);
        }
        *slot = SensorEvent {
            handle: MAGNETOMETER,
            timestamp: now,
            value: SensorValue::MagneticField(self.driver.read_field()?),
        };
        Ok(1)
    }
}

/// The period of `rate` under `config`'s X/Y performance mode.
fn period_of(rate: DataRate, config: &Config) -> Nanos {
    let millihertz = (rate.hertz(config.xy_mode) * 1000.0 + 0.5) as u64;
    Nanos::period_of_millihertz(millihertz).unwrap_or(Nanos::ZERO)
}

fn descriptor(config: &Config) -> SensorDescriptor {
    let lsb_per_gauss = config.full_scale.lsb_per_gauss();
    // Full scale is ±4 gauss at FS 0, and 4 gauss more per step.
    let full_scale_gauss = 4.0 * (1.0 + config.full_scale as u8 as f32);
    SensorDescriptor {
        handle: MAGNETOMETER,
        name: "LIS3MDL magnetometer",
        vendor: "STMicroelectronics",
        sensor_type: SensorType::MagneticField,
        max_range: MicroTesla::from_gauss(full_scale_gauss).get(),
        resolution: MicroTesla::from_gauss(1.0 / lsb_per_gauss).get(),
        min_period: period_of(DataRate::Fast, config),
        max_period: period_of(DataRate::Hz0_625, config),
        fifo_reserved_events: 0,
        fifo_max_events: 0,
        reporting_mode: SensorType::MagneticField.default_reporting_mode(),
        wake_up: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slowest_and_fastest_periods_follow_the_data_rate_table() {
        let config = Config::default();
        assert_eq!(
            period_of(DataRate::Hz0_625, &config),
            Nanos::from_millis(1600)
        );
        assert_eq!(
            period_of(DataRate::Hz80, &config),
            Nanos::from_micros(12_500)
        );
        // High performance: FAST_ODR is 300 Hz.
        assert_eq!(period_of(DataRate::Fast, &config), Nanos(3_333_333));
    }
}
