#![no_std]
//! Driver for the ST LIS3MDL three-axis magnetometer, over embedded-hal 1.0
//! I2C.
//!
//! # For driver authors
//! The register map lives in [`registers`]. Multi-byte transfers set the
//! sub-address MSB ([`registers::AUTO_INCREMENT`]), the chip's rule for
//! auto-increment on I2C. [`Lis3mdl::init`] checks WHO_AM_I, soft-resets,
//! turns block data update on and starts continuous conversion with the
//! default [`Config`].
//!
//! # For HAL authors
//! [`Lis3mdl::read_field`] gives [`MicroTesla`] per axis in the chip frame;
//! the board's mount matrix maps it to the device frame.

pub mod registers;
pub mod sensor;

pub use sensor::{Lis3mdlSensors, SensorError};

use embedded_hal::i2c::I2c;
use registers as reg;
use yunhal::units::{Celsius, MicroTesla};

/// The I2C address with SDO/SA1 tied low.
pub const ADDRESS_SA1_LOW: u8 = 0x1C;
/// The I2C address with SDO/SA1 tied high.
pub const ADDRESS_SA1_HIGH: u8 = 0x1E;

/// What can go wrong talking to a LIS3MDL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error<E> {
    /// The bus failed (NACK, arbitration loss…); embedded-hal's error kept.
    Bus(E),
    /// Something answered, but WHO_AM_I is not 0x3D.
    WrongDevice {
        /// What WHO_AM_I read.
        who_am_i: u8,
    },
    /// The soft reset did not complete (SOFT_RST never self-cleared).
    ResetTimeout,
}

impl<E> From<E> for Error<E> {
    fn from(e: E) -> Self {
        Error::Bus(e)
    }
}

/// Output data rate. `Fast` uses FAST_ODR: the rate then depends on the
/// X/Y performance mode (1000 Hz LP, 560 Hz MP, 300 Hz HP, 155 Hz UHP).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DataRate {
    /// 0.625 Hz.
    Hz0_625,
    /// 1.25 Hz.
    Hz1_25,
    /// 2.5 Hz.
    Hz2_5,
    /// 5 Hz.
    Hz5,
    /// 10 Hz (reset value).
    #[default]
    Hz10,
    /// 20 Hz.
    Hz20,
    /// 40 Hz.
    Hz40,
    /// 80 Hz.
    Hz80,
    /// FAST_ODR: the fastest rate of the X/Y performance mode.
    Fast,
}

impl DataRate {
    /// DO\[2:0\] and FAST_ODR bits of CTRL_REG1.
    fn ctrl1_bits(self) -> u8 {
        let code = match self {
            DataRate::Hz0_625 => 0,
            DataRate::Hz1_25 => 1,
            DataRate::Hz2_5 => 2,
            DataRate::Hz5 => 3,
            DataRate::Hz10 => 4,
            DataRate::Hz20 => 5,
            DataRate::Hz40 => 6,
            DataRate::Hz80 => 7,
            DataRate::Fast => return reg::ctrl1::FAST_ODR,
        };
        code << reg::ctrl1::DO_SHIFT
    }

    /// The rate in hertz, given the X/Y performance mode (which matters
    /// only for `Fast`).
    pub fn hertz(self, xy_mode: PerformanceMode) -> f32 {
        let mhz = match self.ctrl1_bits() {
            reg::ctrl1::FAST_ODR => reg::FAST_RATES_MILLIHERTZ[usize::from(xy_mode as u8)],
            bits => reg::DO_RATES_MILLIHERTZ[usize::from(bits >> reg::ctrl1::DO_SHIFT)],
        };
        mhz as f32 / 1000.0
    }
}

/// Full scale, with the datasheet's sensitivity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FullScale {
    /// ±4 gauss, 6842 LSB/gauss (reset value).
    #[default]
    Gauss4 = 0,
    /// ±8 gauss, 3421 LSB/gauss.
    Gauss8 = 1,
    /// ±12 gauss, 2281 LSB/gauss.
    Gauss12 = 2,
    /// ±16 gauss, 1711 LSB/gauss.
    Gauss16 = 3,
}

impl FullScale {
    /// LSB per gauss at this full scale.
    pub fn lsb_per_gauss(self) -> f32 {
        reg::SENSITIVITY_LSB_PER_GAUSS[self as usize]
    }
}

/// Performance (noise against current) of the X/Y or Z axes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PerformanceMode {
    /// Low power.
    LowPower = 0,
    /// Medium performance.
    Medium = 1,
    /// High performance.
    #[default]
    High = 2,
    /// Ultra-high performance.
    UltraHigh = 3,
}

/// Operating mode (CTRL_REG3 MD).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Convert at the data rate.
    Continuous,
    /// Convert once, then power down.
    Single,
    /// No conversions.
    PowerDown,
}

/// Measurement configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Config {
    /// Output data rate.
    pub data_rate: DataRate,
    /// Full scale.
    pub full_scale: FullScale,
    /// X/Y performance mode.
    pub xy_mode: PerformanceMode,
    /// Z performance mode.
    pub z_mode: PerformanceMode,
    /// Whether TEMP_OUT is updated.
    pub temperature_sensor: bool,
}

/// Threshold interrupt on the INT pin (INT_CFG, INT_THS). The DRDY pin
/// needs no configuration: it follows new data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct InterruptConfig {
    /// Axes that raise the interrupt, as `[x, y, z]`.
    pub axes: [bool; 3],
    /// INT active high (else active low).
    pub active_high: bool,
    /// Latch until INT_SRC is read (else pulsed).
    pub latched: bool,
    /// Threshold magnitude in LSB (15 bits; the sign is implied).
    pub threshold: u16,
}

/// A LIS3MDL on an I2C bus.
pub struct Lis3mdl<I2C> {
    bus: I2C,
    address: u8,
    config: Config,
}

/// How many times `init` polls SOFT_RST before giving up.
const RESET_POLLS: u32 = 100;

impl<I2C: I2c> Lis3mdl<I2C> {
    /// A driver for the chip at `address` ([`ADDRESS_SA1_LOW`] or
    /// [`ADDRESS_SA1_HIGH`]); touches nothing until [`init`](Self::init).
    pub fn new(bus: I2C, address: u8) -> Self {
        Lis3mdl {
            bus,
            address,
            config: Config::default(),
        }
    }

    /// Checks WHO_AM_I, soft-resets, enables block data update, applies
    /// the default [`Config`] and starts continuous conversion.
    pub fn init(&mut self) -> Result<(), Error<I2C::Error>> {
        let who_am_i = self.read_register(reg::WHO_AM_I)?;
        if who_am_i != reg::WHO_AM_I_VALUE {
            return Err(Error::WrongDevice { who_am_i });
        }
        self.write_register(reg::CTRL_REG2, reg::ctrl2::SOFT_RST)?;
        // SOFT_RST self-clears; the chip needs no delay beyond that on I2C.
        let mut polls = 0;
        while self.read_register(reg::CTRL_REG2)? & reg::ctrl2::SOFT_RST != 0 {
            polls += 1;
            if polls >= RESET_POLLS {
                return Err(Error::ResetTimeout);
            }
        }
        self.write_register(reg::CTRL_REG5, reg::ctrl5::BDU)?;
        self.configure(&Config::default())?;
        self.set_mode(Mode::Continuous)
    }

    /// Applies `config` (CTRL_REG1, CTRL_REG2, CTRL_REG4).
    pub fn configure(&mut self, config: &Config) -> Result<(), Error<I2C::Error>> {
        let temp = if config.temperature_sensor {
            reg::ctrl1::TEMP_EN
        } else {
            0
        };
        let ctrl1 =
            temp | ((config.xy_mode as u8) << reg::ctrl1::OM_SHIFT) | config.data_rate.ctrl1_bits();
        let ctrl2 = (config.full_scale as u8) << reg::ctrl2::FS_SHIFT;
        let ctrl4 = (config.z_mode as u8) << reg::ctrl4::OMZ_SHIFT;
        self.write_register(reg::CTRL_REG1, ctrl1)?;
        self.write_register(reg::CTRL_REG2, ctrl2)?;
        self.write_register(reg::CTRL_REG4, ctrl4)?;
        self.config = *config;
        Ok(())
    }

    /// The configuration last applied.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Sets the operating mode (CTRL_REG3 MD; LP and SIM left 0).
    pub fn set_mode(&mut self, mode: Mode) -> Result<(), Error<I2C::Error>> {
        let md = match mode {
            Mode::Continuous => reg::ctrl3::MD_CONTINUOUS,
            Mode::Single => reg::ctrl3::MD_SINGLE,
            Mode::PowerDown => reg::ctrl3::MD_POWER_DOWN,
        };
        self.write_register(reg::CTRL_REG3, md)
    }

    /// Whether a new X/Y/Z sample is waiting (STATUS_REG ZYXDA).
    pub fn data_ready(&mut self) -> Result<bool, Error<I2C::Error>> {
        Ok(self.read_register(reg::STATUS_REG)? & reg::status::ZYXDA != 0)
    }

    /// Whether a sample was overwritten unread (STATUS_REG ZYXOR).
    pub fn overrun(&mut self) -> Result<bool, Error<I2C::Error>> {
        Ok(self.read_register(reg::STATUS_REG)? & reg::status::ZYXOR != 0)
    }

    /// The last sample in LSB, `[x, y, z]`, read in one burst so that
    /// block data update keeps the axes together.
    pub fn read_raw(&mut self) -> Result<[i16; 3], Error<I2C::Error>> {
        let mut buf = [0u8; 6];
        self.read_registers(reg::OUT_X_L, &mut buf)?;
        Ok([
            i16::from_le_bytes([buf[0], buf[1]]),
            i16::from_le_bytes([buf[2], buf[3]]),
            i16::from_le_bytes([buf[4], buf[5]]),
        ])
    }

    /// The last sample as flux density, `[x, y, z]`.
    pub fn read_field(&mut self) -> Result<[MicroTesla; 3], Error<I2C::Error>> {
        let raw = self.read_raw()?;
        let lsb_per_gauss = self.config.full_scale.lsb_per_gauss();
        Ok(raw.map(|v| MicroTesla::from_gauss(f32::from(v) / lsb_per_gauss)))
    }

    /// The die temperature (needs `temperature_sensor` in the config).
    pub fn read_temperature(&mut self) -> Result<Celsius, Error<I2C::Error>> {
        let mut buf = [0u8; 2];
        self.read_registers(reg::TEMP_OUT_L, &mut buf)?;
        let raw = i16::from_le_bytes(buf);
        Ok(Celsius(
            f32::from(raw) / reg::TEMP_LSB_PER_CELSIUS + reg::TEMP_ZERO_CELSIUS,
        ))
    }

    /// Configures the threshold interrupt on the INT pin; `None` disables
    /// it.
    pub fn configure_interrupt(
        &mut self,
        config: Option<&InterruptConfig>,
    ) -> Result<(), Error<I2C::Error>> {
        let Some(config) = config else {
            return self.write_register(reg::INT_CFG, reg::int_cfg::RESET & !reg::int_cfg::IEN);
        };
        let threshold = (config.threshold & 0x7FFF).to_le_bytes();
        self.bus.write(
            self.address,
            &[
                reg::INT_THS_L | reg::AUTO_INCREMENT,
                threshold[0],
                threshold[1],
            ],
        )?;
        let [x, y, z] = config.axes;
        let mut cfg = reg::int_cfg::ALWAYS_ONE | reg::int_cfg::IEN;
        for (on, bit) in [
            (x, reg::int_cfg::XIEN),
            (y, reg::int_cfg::YIEN),
            (z, reg::int_cfg::ZIEN),
            (config.active_high, reg::int_cfg::IEA),
            (config.latched, reg::int_cfg::LIR),
        ] {
            if on {
                cfg |= bit;
            }
        }
        self.write_register(reg::INT_CFG, cfg)
    }

    /// Reads INT_SRC (which clears a latched interrupt).
    pub fn interrupt_source(&mut self) -> Result<u8, Error<I2C::Error>> {
        self.read_register(reg::INT_SRC)
    }

    /// Gives the bus back.
    pub fn release(self) -> I2C {
        self.bus
    }

    fn read_register(&mut self, register: u8) -> Result<u8, Error<I2C::Error>> {
        let mut buf = [0u8];
        self.bus.write_read(self.address, &[register], &mut buf)?;
        Ok(buf[0])
    }

    fn read_registers(&mut self, first: u8, buf: &mut [u8]) -> Result<(), Error<I2C::Error>> {
        self.bus
            .write_read(self.address, &[first | reg::AUTO_INCREMENT], buf)?;
        Ok(())
    }

    fn write_register(&mut self, register: u8, value: u8) -> Result<(), Error<I2C::Error>> {
        self.bus.write(self.address, &[register, value])?;
        Ok(())
    }
}

impl<E: embedded_hal::i2c::Error> yunhal::Error for Error<E> {
    fn kind(&self) -> yunhal::ErrorKind {
        match self {
            Error::Bus(_) => yunhal::ErrorKind::Bus,
            Error::WrongDevice { .. } => yunhal::ErrorKind::NotPresent,
            Error::ResetTimeout => yunhal::ErrorKind::Timeout,
        }
    }
}
