#![no_std]
//! Driver for the Sensortek STK3311 ambient-light and proximity sensor
//! (I2C, 7-bit address 0x48 on the PinePhone).
//!
//! # For driver authors
//! [`Stk3311`] owns its bus (lend one with `&mut bus`); [`Stk3311::init`]
//! checks the product id and resets the chip; [`Stk3311::configure`]
//! writes a whole [`Config`]; the `read_*` methods read the data
//! registers; [`Stk3311::release`] gives the bus back.
//!
//! Facts come from the Linux IIO driver `drivers/iio/light/stk3310.c`
//! and Sensortek's `stk3x1x` driver; see [`registers`].

pub mod registers;
pub mod sensor;

pub use sensor::{SensorError, Stk3311Sensors};

use core::fmt;
use embedded_hal::delay::DelayNs;
use embedded_hal::i2c::I2c;
use registers as reg;
use yunhal::units::Lux;

/// The STK3311's address on the PinePhone (and the Linux driver's).
pub const DEFAULT_ADDRESS: u8 = 0x48;

/// Time the chip needs after a software reset (Sensortek's driver waits
/// 13–15 ms).
const RESET_WAIT_US: u32 = 15_000;

/// What went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error<E> {
    /// The bus failed (keeps embedded-hal's error, and so its `kind()`).
    Bus(E),
    /// The product id register did not hold an STK3311 id.
    WrongDevice {
        /// The id read.
        id: u8,
    },
    /// The proximity low threshold is above the high one.
    InvalidThresholds {
        /// The low threshold asked for.
        low: u16,
        /// The high threshold asked for.
        high: u16,
    },
}

impl<E: fmt::Debug> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Bus(e) => write!(f, "I2C bus error: {e:?}"),
            Error::WrongDevice { id } => write!(f, "not an STK3311: product id {id:#04x}"),
            Error::InvalidThresholds { low, high } => {
                write!(
                    f,
                    "proximity low threshold {low} above high threshold {high}"
                )
            }
        }
    }
}

impl<E: fmt::Debug> core::error::Error for Error<E> {}

/// Analog gain, the same field (bits 5:4) for ALS and PS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gain {
    /// 1x.
    X1 = 0,
    /// 4x.
    X4 = 1,
    /// 16x.
    X16 = 2,
    /// 64x.
    X64 = 3,
}

/// Ambient-light gain.
pub type AlsGain = Gain;
/// Proximity gain.
pub type PsGain = Gain;

impl Gain {
    /// Lux per count at the reset integration time (94.72 ms): the Linux
    /// driver's `stk3310_scale_table` (6.4, 1.6, 0.4, 0.1).
    pub const fn lux_per_count(self) -> f32 {
        match self {
            Gain::X1 => 6.4,
            Gain::X4 => 1.6,
            Gain::X16 => 0.4,
            Gain::X64 => 0.1,
        }
    }

    fn from_field(bits: u8) -> Gain {
        match bits & 0x03 {
            0 => Gain::X1,
            1 => Gain::X4,
            2 => Gain::X16,
            _ => Gain::X64,
        }
    }
}

/// Integration time, the same 4-bit field for ALS and PS; field value n
/// is 185 µs × 2ⁿ (the Linux driver's `stk3310_it_table`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum IntegrationTime {
    Us185 = 0,
    Us370,
    Us741,
    Us1480,
    Us2960,
    Us5920,
    Us11840,
    Us23680,
    Us47360,
    Us94720,
    Us189440,
    Us378880,
    Us757760,
    Us1515520,
    Us3031040,
    Us6062080,
}

/// Ambient-light integration time.
pub type AlsIntegration = IntegrationTime;
/// Proximity integration time.
pub type PsIntegration = IntegrationTime;

impl IntegrationTime {
    const ALL: [IntegrationTime; 16] = [
        IntegrationTime::Us185,
        IntegrationTime::Us370,
        IntegrationTime::Us741,
        IntegrationTime::Us1480,
        IntegrationTime::Us2960,
        IntegrationTime::Us5920,
        IntegrationTime::Us11840,
        IntegrationTime::Us23680,
        IntegrationTime::Us47360,
        IntegrationTime::Us94720,
        IntegrationTime::Us189440,
        IntegrationTime::Us378880,
        IntegrationTime::Us757760,
        IntegrationTime::Us1515520,
        IntegrationTime::Us3031040,
        IntegrationTime::Us6062080,
    ];

    /// The time in microseconds, as the Linux driver lists it.
    pub const fn micros(self) -> u32 {
        match self {
            IntegrationTime::Us185 => 185,
            IntegrationTime::Us370 => 370,
            IntegrationTime::Us741 => 741,
            IntegrationTime::Us1480 => 1_480,
            IntegrationTime::Us2960 => 2_960,
            IntegrationTime::Us5920 => 5_920,
            IntegrationTime::Us11840 => 11_840,
            IntegrationTime::Us23680 => 23_680,
            IntegrationTime::Us47360 => 47_360,
            IntegrationTime::Us94720 => 94_720,
            IntegrationTime::Us189440 => 189_440,
            IntegrationTime::Us378880 => 378_880,
            IntegrationTime::Us757760 => 757_760,
            IntegrationTime::Us1515520 => 1_515_520,
            IntegrationTime::Us3031040 => 3_031_040,
            IntegrationTime::Us6062080 => 6_062_080,
        }
    }

    fn from_field(bits: u8) -> IntegrationTime {
        IntegrationTime::ALL[usize::from(bits & reg::ctrl::IT_MASK)]
    }
}

/// A whole configuration, written by [`Stk3311::configure`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Measure ambient light.
    pub als_enable: bool,
    /// Measure proximity.
    pub ps_enable: bool,
    /// Ambient-light gain.
    pub als_gain: AlsGain,
    /// Ambient-light integration time.
    pub als_integration: AlsIntegration,
    /// Proximity gain.
    pub ps_gain: PsGain,
    /// Proximity integration time.
    pub ps_integration: PsIntegration,
    /// A proximity count at or above this is "near".
    pub ps_threshold_high: u16,
    /// A proximity count below this is "far" again.
    pub ps_threshold_low: u16,
    /// Raise the interrupt line when near/far changes (INT_PS mode 1, as
    /// the Linux driver sets).
    pub ps_interrupt: bool,
}

impl Default for Config {
    /// The chip's reset gains and integration times, both sensors on,
    /// thresholds at their reset values (never near), no interrupt.
    fn default() -> Config {
        Config {
            als_enable: true,
            ps_enable: true,
            als_gain: Gain::from_field(reg::reset::ALSCTRL >> reg::ctrl::GAIN_SHIFT),
            als_integration: IntegrationTime::from_field(reg::reset::ALSCTRL),
            ps_gain: Gain::from_field(reg::reset::PSCTRL >> reg::ctrl::GAIN_SHIFT),
            ps_integration: IntegrationTime::from_field(reg::reset::PSCTRL),
            ps_threshold_high: u16::MAX,
            ps_threshold_low: 0,
            ps_interrupt: false,
        }
    }
}

/// The FLAG register, decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flags {
    /// New ambient-light data since the flag was cleared.
    pub als_data_ready: bool,
    /// New proximity data since the flag was cleared.
    pub ps_data_ready: bool,
    /// ALS threshold interrupt pending.
    pub als_interrupt: bool,
    /// Proximity interrupt pending.
    pub ps_interrupt: bool,
    /// An object is near (NF bit clear).
    pub near: bool,
}

impl Flags {
    fn from_register(bits: u8) -> Flags {
        Flags {
            als_data_ready: bits & reg::flag::ALSDR != 0,
            ps_data_ready: bits & reg::flag::PSDR != 0,
            als_interrupt: bits & reg::flag::ALSINT != 0,
            ps_interrupt: bits & reg::flag::PSINT != 0,
            near: bits & reg::flag::NF == 0,
        }
    }
}

/// What the chip holds after power-on or a software reset.
fn config_after_reset() -> Config {
    Config {
        als_enable: false,
        ps_enable: false,
        ..Config::default()
    }
}

/// An STK3311 on an I2C bus.
pub struct Stk3311<I2C> {
    bus: I2C,
    address: u8,
    /// What the chip holds, so that counts convert with the right scale.
    config: Config,
}

impl<I2C: I2c> Stk3311<I2C> {
    /// A driver for the chip at `address`; talks to nothing yet.
    pub fn new(bus: I2C, address: u8) -> Stk3311<I2C> {
        Stk3311 {
            bus,
            address,
            config: config_after_reset(),
        }
    }

    /// Checks the product id and resets the chip to its defaults (both
    /// sensors off), waiting out the reset with `delay`.
    pub fn init(&mut self, delay: &mut impl DelayNs) -> Result<(), Error<I2C::Error>> {
        let id = self.read_u8(reg::PDT_ID)?;
        if !reg::STK3311_PRODUCT_IDS.contains(&id) {
            return Err(Error::WrongDevice { id });
        }
        // Any value written to SW_RESET resets; Sensortek's driver writes 0.
        self.write(&[reg::SW_RESET, 0])?;
        delay.delay_us(RESET_WAIT_US);
        self.config = config_after_reset();
        Ok(())
    }

    /// Writes `config`: controls and thresholds first, enables last.
    pub fn configure(&mut self, config: &Config) -> Result<(), Error<I2C::Error>> {
        if config.ps_threshold_low > config.ps_threshold_high {
            return Err(Error::InvalidThresholds {
                low: config.ps_threshold_low,
                high: config.ps_threshold_high,
            });
        }
        let ctrl =
            |gain: Gain, it: IntegrationTime| ((gain as u8) << reg::ctrl::GAIN_SHIFT) | it as u8;
        self.write(&[
            reg::PSCTRL,
            ctrl(config.ps_gain, config.ps_integration),
            ctrl(config.als_gain, config.als_integration),
        ])?;
        let int_ps = if config.ps_interrupt {
            reg::intctrl::INT_PS_MODE1
        } else {
            0
        };
        self.write(&[reg::INTCTRL, int_ps])?;
        let [high_msb, high_lsb] = config.ps_threshold_high.to_be_bytes();
        let [low_msb, low_lsb] = config.ps_threshold_low.to_be_bytes();
        self.write(&[reg::THDH_PS, high_msb, high_lsb, low_msb, low_lsb])?;
        let mut state = 0;
        if config.ps_enable {
            state |= reg::state::EN_PS;
        }
        if config.als_enable {
            state |= reg::state::EN_ALS;
        }
        self.write(&[reg::STATE, state])?;
        self.config = *config;
        Ok(())
    }

    /// The configuration last written.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The latest ambient-light count.
    pub fn read_als_raw(&mut self) -> Result<u16, Error<I2C::Error>> {
        self.read_u16(reg::ALS_DATA)
    }

    /// The latest ambient light in lux.
    ///
    /// The conversion is the Linux driver's IIO scale for the gain (6.4,
    /// 1.6, 0.4, 0.1 lx per count), which that driver applies whatever
    /// the integration time; here it holds at the reset integration time
    /// (94.72 ms) and is scaled by 94.72 ms / IT otherwise, since the
    /// count grows with the integration time. Not calibrated for a cover
    /// glass.
    pub fn read_lux(&mut self) -> Result<Lux, Error<I2C::Error>> {
        let raw = self.read_als_raw()?;
        Ok(Lux(f32::from(raw) * self.lux_per_count()))
    }

    /// Lux per count at the current gain and integration time: the
    /// quantisation step of [`Stk3311::read_lux`].
    pub fn lux_per_count(&self) -> f32 {
        let it_ratio =
            IntegrationTime::Us94720.micros() as f32 / self.config.als_integration.micros() as f32;
        self.config.als_gain.lux_per_count() * it_ratio
    }

    /// The latest proximity count (higher is closer).
    pub fn read_ps_raw(&mut self) -> Result<u16, Error<I2C::Error>> {
        self.read_u16(reg::PS_DATA)
    }

    /// Whether an object is near, from the FLAG register's NF bit.
    pub fn is_near(&mut self) -> Result<bool, Error<I2C::Error>> {
        Ok(self.interrupt_flags()?.near)
    }

    /// The FLAG register.
    pub fn interrupt_flags(&mut self) -> Result<Flags, Error<I2C::Error>> {
        self.read_u8(reg::FLAG).map(Flags::from_register)
    }

    /// Clears the PS and ALS interrupt flags, which releases the
    /// interrupt line. Writing 0 clears a flag and 1 leaves it, so the
    /// data-ready flags are left alone.
    pub fn clear_interrupt(&mut self) -> Result<(), Error<I2C::Error>> {
        self.write(&[reg::FLAG, !(reg::flag::PSINT | reg::flag::ALSINT)])
    }

    /// Gives the bus back.
    pub fn release(self) -> I2C {
        self.bus
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), Error<I2C::Error>> {
        self.bus.write(self.address, bytes).map_err(Error::Bus)
    }

    fn read_u8(&mut self, register: u8) -> Result<u8, Error<I2C::Error>> {
        let mut buf = [0u8; 1];
        self.bus
            .write_read(self.address, &[register], &mut buf)
            .map_err(Error::Bus)?;
        Ok(buf[0])
    }

    /// Data and threshold registers are MSB first.
    fn read_u16(&mut self, register: u8) -> Result<u16, Error<I2C::Error>> {
        let mut buf = [0u8; 2];
        self.bus
            .write_read(self.address, &[register], &mut buf)
            .map_err(Error::Bus)?;
        Ok(u16::from_be_bytes(buf))
    }
}

impl<E: embedded_hal::i2c::Error> yunhal::Error for Error<E> {
    fn kind(&self) -> yunhal::ErrorKind {
        match self {
            Error::Bus(_) => yunhal::ErrorKind::Bus,
            Error::WrongDevice { .. } => yunhal::ErrorKind::NotPresent,
            Error::InvalidThresholds { .. } => yunhal::ErrorKind::InvalidArgument,
        }
    }
}
