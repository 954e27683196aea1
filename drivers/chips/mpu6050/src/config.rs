//! Typed configuration: full-scale ranges, low-pass filter, sample rate.

use crate::registers::{self, ACCEL_LSB_PER_G, GYRO_LSB_PER_DPS};
use yunhal::units::Hertz;

/// Accelerometer full-scale range (ACCEL_CONFIG AFS_SEL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[repr(u8)]
pub enum AccelRange {
    /// ±2 g, 16384 LSB/g.
    #[default]
    G2 = 0,
    /// ±4 g, 8192 LSB/g.
    G4 = 1,
    /// ±8 g, 4096 LSB/g.
    G8 = 2,
    /// ±16 g, 2048 LSB/g.
    G16 = 3,
}

impl AccelRange {
    /// Sensitivity in LSB per g.
    pub fn lsb_per_g(self) -> f32 {
        ACCEL_LSB_PER_G[self as usize]
    }
}

/// Gyroscope full-scale range (GYRO_CONFIG FS_SEL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[repr(u8)]
pub enum GyroRange {
    /// ±250 °/s, 131 LSB/(°/s).
    #[default]
    Dps250 = 0,
    /// ±500 °/s, 65.5 LSB/(°/s).
    Dps500 = 1,
    /// ±1000 °/s, 32.8 LSB/(°/s).
    Dps1000 = 2,
    /// ±2000 °/s, 16.4 LSB/(°/s).
    Dps2000 = 3,
}

impl GyroRange {
    /// Sensitivity in LSB per °/s.
    pub fn lsb_per_dps(self) -> f32 {
        GYRO_LSB_PER_DPS[self as usize]
    }
}

/// Digital low-pass filter (CONFIG DLPF_CFG), named by its accelerometer /
/// gyroscope bandwidth in Hz (register map §4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[repr(u8)]
pub enum Dlpf {
    /// Accel 260 Hz, gyro 256 Hz; gyro output rate 8 kHz.
    #[default]
    Accel260Gyro256 = 0,
    /// Accel 184 Hz, gyro 188 Hz; 1 kHz.
    Accel184Gyro188 = 1,
    /// Accel 94 Hz, gyro 98 Hz; 1 kHz.
    Accel94Gyro98 = 2,
    /// Accel 44 Hz, gyro 42 Hz; 1 kHz.
    Accel44Gyro42 = 3,
    /// Accel 21 Hz, gyro 20 Hz; 1 kHz.
    Accel21Gyro20 = 4,
    /// Accel 10 Hz, gyro 10 Hz; 1 kHz.
    Accel10Gyro10 = 5,
    /// Accel 5 Hz, gyro 5 Hz; 1 kHz.
    Accel5Gyro5 = 6,
}

impl Dlpf {
    /// Accelerometer bandwidth.
    pub fn accel_bandwidth(self) -> Hertz {
        Hertz([260.0, 184.0, 94.0, 44.0, 21.0, 10.0, 5.0][self as usize])
    }

    /// Gyroscope bandwidth.
    pub fn gyro_bandwidth(self) -> Hertz {
        Hertz([256.0, 188.0, 98.0, 42.0, 20.0, 10.0, 5.0][self as usize])
    }

    /// The gyro output rate this setting gives, which SMPLRT_DIV divides.
    pub fn gyro_output_rate_hz(self) -> u32 {
        registers::gyro_output_rate_hz(self as u8)
    }
}

/// The chip's measurement configuration.
///
/// `Config::default()` is the chip's reset state (±2 g, ±250 °/s, DLPF
/// off, 8 kHz); use the builder methods to change it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Config {
    /// Accelerometer full-scale range.
    pub accel_range: AccelRange,
    /// Gyroscope full-scale range.
    pub gyro_range: GyroRange,
    /// Digital low-pass filter.
    pub dlpf: Dlpf,
    /// Sample rate = gyro output rate / (1 + this).
    pub sample_rate_divider: u8,
}

impl Config {
    /// With this accelerometer range.
    pub fn accel_range(mut self, range: AccelRange) -> Config {
        self.accel_range = range;
        self
    }

    /// With this gyroscope range.
    pub fn gyro_range(mut self, range: GyroRange) -> Config {
        self.gyro_range = range;
        self
    }

    /// With this low-pass filter.
    pub fn dlpf(mut self, dlpf: Dlpf) -> Config {
        self.dlpf = dlpf;
        self
    }

    /// With this sample-rate divider.
    pub fn sample_rate_divider(mut self, divider: u8) -> Config {
        self.sample_rate_divider = divider;
        self
    }

    /// The rate at which data registers and FIFO update (register map §4.2).
    pub fn sample_rate(&self) -> Hertz {
        Hertz(self.dlpf.gyro_output_rate_hz() as f32 / (1.0 + f32::from(self.sample_rate_divider)))
    }
}
