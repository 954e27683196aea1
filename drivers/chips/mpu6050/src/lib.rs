#![no_std]
//! Driver for the InvenSense MPU-6050 accelerometer + gyroscope + temperature
//! sensor, over embedded-hal 1.0 I2C.
//!
//! ```
//! use embedded_hal::{delay::DelayNs, i2c::I2c};
//! use yunhal_mpu6050::{AccelRange, Config, Dlpf, Error, Measurement, Mpu6050, ADDRESS_AD0_LOW};
//!
//! fn one_sample<B: I2c>(i2c: B, delay: &mut impl DelayNs) -> Result<Measurement, Error<B::Error>> {
//!     let mut imu = Mpu6050::new(i2c, ADDRESS_AD0_LOW);
//!     imu.init(delay)?;
//!     let config = Config::default()
//!         .accel_range(AccelRange::G4)
//!         .dlpf(Dlpf::Accel44Gyro42)
//!         .sample_rate_divider(9); // 1 kHz / 10 = 100 Hz
//!     imu.configure(&config)?;
//!     imu.read_all()
//! }
//! ```
//!
//! For driver authors: register addresses and bit fields live only in
//! [`registers`]; facts are from the Register Map and Descriptions rev 4.2.

mod config;
mod error;
pub mod registers;
pub mod sensor;

pub use config::{AccelRange, Config, Dlpf, GyroRange};
pub use error::{Error, ErrorKind};
pub use registers::{ADDRESS_AD0_HIGH, ADDRESS_AD0_LOW};
pub use sensor::{Mpu6050Sensors, SensorError};

use embedded_hal::delay::DelayNs;
use embedded_hal::i2c::I2c;
use registers::{addr, fifo_en, int, pwr_mgmt_1, user_ctrl};
use yunhal::units::{Celsius, Hertz, MetersPerSecondSquared, RadiansPerSecond, STANDARD_GRAVITY};

/// Time the chip needs after DEVICE_RESET before it answers again (the
/// register map's reset sequence waits 100 ms).
const RESET_WAIT_MS: u32 = 100;

/// Frames read from the FIFO per I2C transfer.
const FIFO_FRAMES_PER_TRANSFER: usize = 8;

/// One sample of all three sensors, in units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measurement {
    /// Specific force on x, y, z.
    pub accel: [MetersPerSecondSquared; 3],
    /// Angular velocity about x, y, z.
    pub gyro: [RadiansPerSecond; 3],
    /// Die temperature.
    pub temperature: Celsius,
}

/// Which sensors go into the FIFO, in the chip's order: accel XYZ, temperature, gyro XYZ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FifoSensors {
    /// Accelerometer X, Y, Z (6 bytes).
    pub accel: bool,
    /// Temperature (2 bytes).
    pub temperature: bool,
    /// Gyroscope X, Y, Z (6 bytes).
    pub gyro: bool,
}

impl FifoSensors {
    /// Bytes one sample takes in the FIFO.
    pub fn frame_len(&self) -> usize {
        6 * usize::from(self.accel) + 2 * usize::from(self.temperature) + 6 * usize::from(self.gyro)
    }

    fn fifo_en_bits(&self) -> u8 {
        let mut bits = 0;
        if self.accel {
            bits |= fifo_en::ACCEL;
        }
        if self.temperature {
            bits |= fifo_en::TEMP;
        }
        if self.gyro {
            bits |= fifo_en::GYRO;
        }
        bits
    }
}

/// One FIFO sample, raw; sensors not enabled into the FIFO are `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FifoFrame {
    /// Raw accelerometer X, Y, Z.
    pub accel: Option<[i16; 3]>,
    /// Raw temperature.
    pub temperature: Option<i16>,
    /// Raw gyroscope X, Y, Z.
    pub gyro: Option<[i16; 3]>,
}

/// INT_STATUS, decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct InterruptStatus {
    /// A new sample is in the data registers.
    pub data_ready: bool,
    /// The FIFO overflowed.
    pub fifo_overflow: bool,
    /// An I2C-master interrupt (auxiliary bus) is pending.
    pub i2c_master: bool,
}

impl InterruptStatus {
    fn from_bits(bits: u8) -> InterruptStatus {
        InterruptStatus {
            data_ready: bits & int::DATA_RDY != 0,
            fifo_overflow: bits & int::FIFO_OFLOW != 0,
            i2c_master: bits & int::I2C_MST != 0,
        }
    }
}

/// An MPU-6050 on an I2C bus.
pub struct Mpu6050<I2C> {
    bus: I2C,
    address: u8,
    config: Config,
    fifo: FifoSensors,
}

impl<I2C: I2c> Mpu6050<I2C> {
    /// A driver for the chip at `address` ([`ADDRESS_AD0_LOW`] or
    /// [`ADDRESS_AD0_HIGH`]); talks to it only from [`init`](Self::init) on.
    pub fn new(bus: I2C, address: u8) -> Self {
        Mpu6050 {
            bus,
            address,
            config: Config::default(),
            fifo: FifoSensors::default(),
        }
    }

    /// Checks WHO_AM_I, resets the chip, waits for it, and wakes it with
    /// the PLL on the X gyro as clock. Leaves the reset configuration
    /// ([`Config::default`]) and the FIFO off.
    pub fn init<D: DelayNs>(&mut self, delay: &mut D) -> Result<(), Error<I2C::Error>> {
        self.check_who_am_i()?;
        self.write_register(addr::PWR_MGMT_1, pwr_mgmt_1::DEVICE_RESET)?;
        delay.delay_ms(RESET_WAIT_MS);
        self.write_register(addr::PWR_MGMT_1, pwr_mgmt_1::CLKSEL_PLL_XGYRO)?;
        self.config = Config::default();
        self.fifo = FifoSensors::default();
        Ok(())
    }

    /// Reads WHO_AM_I and fails with [`Error::WrongDevice`] unless it is an MPU-6050.
    pub fn check_who_am_i(&mut self) -> Result<(), Error<I2C::Error>> {
        let who_am_i = self.read_register(addr::WHO_AM_I)?;
        if who_am_i != registers::WHO_AM_I_VALUE {
            return Err(Error::WrongDevice { who_am_i });
        }
        Ok(())
    }

    /// Writes ranges, filter and divider (SMPLRT_DIV..ACCEL_CONFIG in one burst).
    pub fn configure(&mut self, config: &Config) -> Result<(), Error<I2C::Error>> {
        let shift = registers::full_scale::SEL_SHIFT;
        self.bus
            .write(
                self.address,
                &[
                    addr::SMPLRT_DIV,
                    config.sample_rate_divider,
                    config.dlpf as u8,
                    (config.gyro_range as u8) << shift,
                    (config.accel_range as u8) << shift,
                ],
            )
            .map_err(Error::Bus)?;
        self.config = *config;
        Ok(())
    }

    /// The configuration last written.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Rate at which data registers and FIFO update.
    pub fn sample_rate_hz(&self) -> Hertz {
        self.config.sample_rate()
    }

    /// Raw accelerometer X, Y, Z.
    pub fn read_accel_raw(&mut self) -> Result<[i16; 3], Error<I2C::Error>> {
        let mut buf = [0; 6];
        self.read_registers(addr::ACCEL_XOUT_H, &mut buf)?;
        Ok(be_triplet(&buf))
    }

    /// Accelerometer X, Y, Z scaled by the configured range.
    pub fn read_accel(&mut self) -> Result<[MetersPerSecondSquared; 3], Error<I2C::Error>> {
        let raw = self.read_accel_raw()?;
        Ok(self.scale_accel(raw))
    }

    /// Raw gyroscope X, Y, Z.
    pub fn read_gyro_raw(&mut self) -> Result<[i16; 3], Error<I2C::Error>> {
        let mut buf = [0; 6];
        self.read_registers(addr::GYRO_XOUT_H, &mut buf)?;
        Ok(be_triplet(&buf))
    }

    /// Gyroscope X, Y, Z scaled by the configured range.
    pub fn read_gyro(&mut self) -> Result<[RadiansPerSecond; 3], Error<I2C::Error>> {
        let raw = self.read_gyro_raw()?;
        Ok(self.scale_gyro(raw))
    }

    /// Die temperature.
    pub fn read_temperature(&mut self) -> Result<Celsius, Error<I2C::Error>> {
        let mut buf = [0; 2];
        self.read_registers(addr::TEMP_OUT_H, &mut buf)?;
        Ok(scale_temperature(i16::from_be_bytes(buf)))
    }

    /// All three sensors from one 14-byte burst, so they belong to one sample.
    pub fn read_all(&mut self) -> Result<Measurement, Error<I2C::Error>> {
        let mut buf = [0; 14];
        self.read_registers(addr::ACCEL_XOUT_H, &mut buf)?;
        Ok(Measurement {
            accel: self.scale_accel(be_triplet(&buf[0..6])),
            temperature: scale_temperature(i16::from_be_bytes([buf[6], buf[7]])),
            gyro: self.scale_gyro(be_triplet(&buf[8..14])),
        })
    }

    /// Raw accelerometer counts to m/s² at the configured range.
    pub fn scale_accel(&self, raw: [i16; 3]) -> [MetersPerSecondSquared; 3] {
        let per_lsb = STANDARD_GRAVITY / self.config.accel_range.lsb_per_g();
        raw.map(|r| MetersPerSecondSquared(f32::from(r) * per_lsb))
    }

    /// Raw gyroscope counts to rad/s at the configured range.
    pub fn scale_gyro(&self, raw: [i16; 3]) -> [RadiansPerSecond; 3] {
        let lsb_per_dps = self.config.gyro_range.lsb_per_dps();
        raw.map(|r| RadiansPerSecond::from_degrees_per_second(f32::from(r) / lsb_per_dps))
    }

    /// Selects which sensors go into the FIFO, empties it, and turns it on
    /// (or off, if none is selected).
    pub fn enable_fifo(&mut self, sensors: FifoSensors) -> Result<(), Error<I2C::Error>> {
        self.write_register(addr::FIFO_EN, 0)?;
        self.write_register(addr::USER_CTRL, user_ctrl::FIFO_RESET)?;
        self.write_register(addr::FIFO_EN, sensors.fifo_en_bits())?;
        if sensors.frame_len() > 0 {
            self.write_register(addr::USER_CTRL, user_ctrl::FIFO_EN)?;
        }
        self.fifo = sensors;
        Ok(())
    }

    /// Bytes in the FIFO (FIFO_COUNT_H first, which latches the count).
    pub fn fifo_count(&mut self) -> Result<u16, Error<I2C::Error>> {
        let mut buf = [0; 2];
        self.read_registers(addr::FIFO_COUNT_H, &mut buf)?;
        Ok(u16::from_be_bytes(buf))
    }

    /// Empties the FIFO and keeps it on.
    pub fn reset_fifo(&mut self) -> Result<(), Error<I2C::Error>> {
        let keep_on = if self.fifo.frame_len() > 0 {
            user_ctrl::FIFO_EN
        } else {
            0
        };
        self.write_register(addr::USER_CTRL, keep_on | user_ctrl::FIFO_RESET)
    }

    /// Which sensors go into the FIFO now.
    pub fn fifo_sensors(&self) -> FifoSensors {
        self.fifo
    }

    /// Reads whole frames from the FIFO into `frames`; returns how many.
    ///
    /// Checks INT_STATUS first (which clears it, DATA_RDY included): after
    /// an overflow the FIFO no longer starts on a frame boundary, so the
    /// driver empties it and returns [`Error::FifoOverflow`].
    pub fn read_fifo(&mut self, frames: &mut [FifoFrame]) -> Result<usize, Error<I2C::Error>> {
        let wanted = self.fifo_frames_available()?.min(frames.len());
        self.read_fifo_frames(&mut frames[..wanted])?;
        Ok(wanted)
    }

    /// Whole frames waiting in the FIFO.
    ///
    /// Checks INT_STATUS first, as [`read_fifo`](Self::read_fifo) does: on
    /// an overflow the FIFO is emptied and the answer is
    /// [`Error::FifoOverflow`]. A count beyond the whole frames that fit
    /// counts as an overflow too (when frames do not divide 1024 bytes).
    pub fn fifo_frames_available(&mut self) -> Result<usize, Error<I2C::Error>> {
        let frame_len = self.fifo.frame_len();
        if frame_len == 0 {
            return Err(Error::InvalidConfig);
        }
        let status = self.read_register(addr::INT_STATUS)?;
        let count = usize::from(self.fifo_count()?);
        // More bytes than whole frames fit also means an overflow, should
        // INT_STATUS have been read (and so cleared) elsewhere.
        let whole_frames_fit = registers::FIFO_SIZE / frame_len * frame_len;
        if status & int::FIFO_OFLOW != 0 || count > whole_frames_fit {
            self.reset_fifo()?;
            return Err(Error::FifoOverflow);
        }
        Ok(count / frame_len)
    }

    /// Reads exactly `frames.len()` frames from the FIFO, which must hold
    /// them ([`fifo_frames_available`](Self::fifo_frames_available) says
    /// how many do): on an empty FIFO the chip repeats its last byte.
    pub fn read_fifo_frames(&mut self, frames: &mut [FifoFrame]) -> Result<(), Error<I2C::Error>> {
        let frame_len = self.fifo.frame_len();
        if frame_len == 0 {
            return Err(Error::InvalidConfig);
        }
        let mut buf = [0u8; 14 * FIFO_FRAMES_PER_TRANSFER];
        for chunk in frames.chunks_mut(FIFO_FRAMES_PER_TRANSFER) {
            let bytes = &mut buf[..chunk.len() * frame_len];
            self.read_registers(addr::FIFO_R_W, bytes)?;
            for (frame, raw) in chunk.iter_mut().zip(bytes.chunks_exact(frame_len)) {
                *frame = self.decode_frame(raw);
            }
        }
        Ok(())
    }

    fn decode_frame(&self, raw: &[u8]) -> FifoFrame {
        let mut rest = raw;
        let mut take = |n: usize| {
            let (head, tail) = rest.split_at(n);
            rest = tail;
            head
        };
        FifoFrame {
            accel: self.fifo.accel.then(|| be_triplet(take(6))),
            temperature: self.fifo.temperature.then(|| {
                let t = take(2);
                i16::from_be_bytes([t[0], t[1]])
            }),
            gyro: self.fifo.gyro.then(|| be_triplet(take(6))),
        }
    }

    /// Raises the INT pin when a new sample is in the data registers.
    pub fn enable_data_ready_interrupt(&mut self) -> Result<(), Error<I2C::Error>> {
        self.modify_register(addr::INT_ENABLE, |v| v | int::DATA_RDY)
    }

    /// Raises the INT pin when the FIFO overflows.
    pub fn enable_fifo_overflow_interrupt(&mut self) -> Result<(), Error<I2C::Error>> {
        self.modify_register(addr::INT_ENABLE, |v| v | int::FIFO_OFLOW)
    }

    /// Reads INT_STATUS; reading it clears it and releases the INT pin.
    pub fn interrupt_status(&mut self) -> Result<InterruptStatus, Error<I2C::Error>> {
        Ok(InterruptStatus::from_bits(
            self.read_register(addr::INT_STATUS)?,
        ))
    }

    /// Puts the chip to sleep (data registers and FIFO stop updating).
    pub fn sleep(&mut self) -> Result<(), Error<I2C::Error>> {
        self.modify_register(addr::PWR_MGMT_1, |v| v | pwr_mgmt_1::SLEEP)
    }

    /// Gives the bus back.
    pub fn release(self) -> I2C {
        self.bus
    }

    fn read_register(&mut self, register: u8) -> Result<u8, Error<I2C::Error>> {
        let mut buf = [0];
        self.read_registers(register, &mut buf)?;
        Ok(buf[0])
    }

    fn read_registers(&mut self, first: u8, buf: &mut [u8]) -> Result<(), Error<I2C::Error>> {
        self.bus
            .write_read(self.address, &[first], buf)
            .map_err(Error::Bus)
    }

    fn write_register(&mut self, register: u8, value: u8) -> Result<(), Error<I2C::Error>> {
        self.bus
            .write(self.address, &[register, value])
            .map_err(Error::Bus)
    }

    fn modify_register(
        &mut self,
        register: u8,
        f: impl FnOnce(u8) -> u8,
    ) -> Result<(), Error<I2C::Error>> {
        let value = self.read_register(register)?;
        self.write_register(register, f(value))
    }
}

fn be_triplet(bytes: &[u8]) -> [i16; 3] {
    [0, 1, 2].map(|i| i16::from_be_bytes([bytes[2 * i], bytes[2 * i + 1]]))
}

/// Raw TEMP_OUT to °C (RM §4.18).
pub(crate) fn scale_temperature(raw: i16) -> Celsius {
    Celsius(f32::from(raw) / registers::TEMP_LSB_PER_DEGREE + registers::TEMP_OFFSET_CELSIUS)
}
