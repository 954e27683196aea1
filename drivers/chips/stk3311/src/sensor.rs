//! The STK3311 as a [`SensorDevice`]: ambient light and proximity, both
//! on-change.
//!
//! # For HAL authors
//! The chip only knows near or far, so proximity events carry a distance
//! of 0 cm when near and [`PROXIMITY_FAR_CM`] (the descriptor's
//! `max_range`) when far, as Android's binary proximity sensors do.
//! [`SensorDevice::read`] reports a sensor only when the chip has a new
//! conversion for it (FLAG's data-ready bit, which it then clears) and the
//! value differs from the last one reported; the first conversion after
//! enabling is always reported. The chip has no FIFO and no rate of its
//! own: a channel converts once per integration time, so `configure`
//! chooses the ambient-light integration time (the longest not above the
//! period, between 11.84 ms and 94.72 ms) and leaves the proximity one.

use crate::{registers as reg, Config, Error, IntegrationTime, Stk3311};
use embedded_hal::delay::DelayNs;
use embedded_hal::i2c::I2c;
use yunhal::sensors::{
    SensorDescriptor, SensorDevice, SensorEvent, SensorHandle, SensorType, SensorValue,
};
use yunhal::time::Nanos;
use yunhal::units::Centimeters;

/// The ambient-light sensor's handle.
pub const LIGHT: SensorHandle = SensorHandle(0);
/// The proximity sensor's handle.
pub const PROXIMITY: SensorHandle = SensorHandle(1);

/// The distance a "far" proximity event reports, and the proximity
/// sensor's `max_range`: the chip has no distance, only near/far.
pub const PROXIMITY_FAR_CM: f32 = 5.0;

/// Proximity counts [`Stk3311Sensors::init`] takes as near (at or above)
/// and as far again (below). Uncalibrated: a board should measure its
/// cover glass and configure the driver before [`Stk3311Sensors::new`].
pub const PS_NEAR_COUNT: u16 = 1000;
/// See [`PS_NEAR_COUNT`].
pub const PS_FAR_COUNT: u16 = 500;

/// Ambient-light integration times `configure` picks from, shortest first:
/// shorter ones lose too much resolution, longer ones saturate in daylight.
const LIGHT_INTEGRATION_TIMES: [IntegrationTime; 4] = [
    IntegrationTime::Us11840,
    IntegrationTime::Us23680,
    IntegrationTime::Us47360,
    IntegrationTime::Us94720,
];
const MAX_PERIOD: Nanos = Nanos::from_secs(1);
const VENDOR: &str = "Sensortek";

/// The error of [`Stk3311Sensors`]: the driver's, or an unknown handle.
pub type SensorError<E> = yunhal::sensors::SensorError<Error<E>>;

/// An STK3311 driver as two sensors, [`LIGHT`] and [`PROXIMITY`].
pub struct Stk3311Sensors<I2C> {
    driver: Stk3311<I2C>,
    descriptors: [SensorDescriptor; 2],
    /// The value last reported per sensor; `None` until the first event
    /// after enabling.
    last: [Option<SensorValue>; 2],
}

impl<I2C: I2c> Stk3311Sensors<I2C> {
    /// Wraps an initialised driver; its gains, proximity integration time
    /// and near/far thresholds are kept.
    pub fn new(driver: Stk3311<I2C>) -> Self {
        let descriptors = descriptors(driver.config());
        Stk3311Sensors {
            driver,
            descriptors,
            last: [None; 2],
        }
    }

    /// Initialises the chip at `address` ([`DEFAULT_ADDRESS`](crate::DEFAULT_ADDRESS) on the
    /// PinePhone) with both sensors off and the [`PS_NEAR_COUNT`] /
    /// [`PS_FAR_COUNT`] thresholds.
    pub fn init(
        bus: I2C,
        address: u8,
        delay: &mut impl DelayNs,
    ) -> Result<Self, Error<I2C::Error>> {
        let mut driver = Stk3311::new(bus, address);
        driver.init(delay)?;
        driver.configure(&Config {
            als_enable: false,
            ps_enable: false,
            ps_threshold_high: PS_NEAR_COUNT,
            ps_threshold_low: PS_FAR_COUNT,
            ..Config::default()
        })?;
        Ok(Stk3311Sensors::new(driver))
    }

    /// Gives the driver back.
    pub fn release(self) -> Stk3311<I2C> {
        self.driver
    }

    fn index(&self, handle: SensorHandle) -> Result<usize, SensorError<I2C::Error>> {
        self.descriptors
            .iter()
            .position(|d| d.handle == handle)
            .ok_or(SensorError::UnknownHandle(handle))
    }

    /// Clears FLAG's data-ready bits in `bits`; writing 1 leaves a flag.
    fn clear_data_ready(&mut self, bits: u8) -> Result<(), Error<I2C::Error>> {
        self.driver.write(&[reg::FLAG, !bits])
    }
}

impl<I2C: I2c> yunhal::ErrorType for Stk3311Sensors<I2C> {
    type Error = SensorError<I2C::Error>;
}

impl<I2C: I2c> SensorDevice for Stk3311Sensors<I2C> {
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
        let requested = self.descriptors[i].clamp_period(sampling_period);
        if handle == PROXIMITY {
            return Ok(integration_period(self.driver.config().ps_integration));
        }
        let integration = LIGHT_INTEGRATION_TIMES
            .into_iter()
            .rev()
            .find(|it| integration_period(*it) <= requested)
            .unwrap_or(LIGHT_INTEGRATION_TIMES[0]);
        let config = *self.driver.config();
        if config.als_integration != integration {
            self.driver.configure(&Config {
                als_integration: integration,
                ..config
            })?;
        }
        Ok(integration_period(integration))
    }

    fn set_enabled(&mut self, handle: SensorHandle, enabled: bool) -> Result<(), Self::Error> {
        let i = self.index(handle)?;
        let mut config = *self.driver.config();
        let data_ready = if handle == LIGHT {
            config.als_enable = enabled;
            reg::flag::ALSDR
        } else {
            config.ps_enable = enabled;
            reg::flag::PSDR
        };
        self.driver.configure(&config)?;
        // A conversion from before was not asked for; wait for a new one.
        self.clear_data_ready(data_ready)?;
        self.last[i] = None;
        Ok(())
    }

    fn read(&mut self, now: Nanos, out: &mut [SensorEvent]) -> Result<usize, Self::Error> {
        let config = *self.driver.config();
        if !config.als_enable && !config.ps_enable {
            return Ok(0);
        }
        let flags = self.driver.interrupt_flags()?;
        let mut consumed = 0;
        let mut written = 0;
        if config.als_enable && flags.als_data_ready && written < out.len() {
            consumed |= reg::flag::ALSDR;
            let value = SensorValue::Light(self.driver.read_lux()?);
            written += self.report(0, value, now, &mut out[written..]);
        }
        if config.ps_enable && flags.ps_data_ready && written < out.len() {
            consumed |= reg::flag::PSDR;
            let distance = if flags.near { 0.0 } else { PROXIMITY_FAR_CM };
            let value = SensorValue::Proximity {
                distance: Centimeters(distance),
                near: flags.near,
            };
            written += self.report(1, value, now, &mut out[written..]);
        }
        if consumed != 0 {
            self.clear_data_ready(consumed)?;
        }
        Ok(written)
    }
}

impl<I2C> Stk3311Sensors<I2C> {
    /// Writes an event for sensor `i` into `out[0]` if `value` is new;
    /// returns how many it wrote.
    fn report(
        &mut self,
        i: usize,
        value: SensorValue,
        now: Nanos,
        out: &mut [SensorEvent],
    ) -> usize {
        if self.last[i] == Some(value) {
            return 0;
        }
        self.last[i] = Some(value);
        out[0] = SensorEvent {
            handle: self.descriptors[i].handle,
            timestamp: now,
            value,
        };
        1
    }
}

fn integration_period(it: IntegrationTime) -> Nanos {
    Nanos::from_micros(u64::from(it.micros()))
}

/// Lux per count at `config`'s gain and integration time `it`.
fn lux_per_count(config: &Config, it: IntegrationTime) -> f32 {
    config.als_gain.lux_per_count() * IntegrationTime::Us94720.micros() as f32 / it.micros() as f32
}

/// Range and resolution are the extremes over the integration times
/// `configure` may pick: range at the shortest, resolution at the longest.
fn descriptors(config: &Config) -> [SensorDescriptor; 2] {
    let shortest = LIGHT_INTEGRATION_TIMES[0];
    let longest = LIGHT_INTEGRATION_TIMES[LIGHT_INTEGRATION_TIMES.len() - 1];
    [
        SensorDescriptor {
            handle: LIGHT,
            name: "STK3311 light",
            vendor: VENDOR,
            sensor_type: SensorType::Light,
            max_range: f32::from(u16::MAX) * lux_per_count(config, shortest),
            resolution: lux_per_count(config, longest),
            min_period: integration_period(shortest),
            max_period: MAX_PERIOD,
            fifo_reserved_events: 0,
            fifo_max_events: 0,
            reporting_mode: SensorType::Light.default_reporting_mode(),
            wake_up: false,
        },
        SensorDescriptor {
            handle: PROXIMITY,
            name: "STK3311 proximity",
            vendor: VENDOR,
            sensor_type: SensorType::Proximity,
            max_range: PROXIMITY_FAR_CM,
            resolution: PROXIMITY_FAR_CM,
            min_period: integration_period(config.ps_integration),
            max_period: MAX_PERIOD,
            fifo_reserved_events: 0,
            fifo_max_events: 0,
            reporting_mode: SensorType::Proximity.default_reporting_mode(),
            wake_up: false,
        },
    ]
}
