//! The MPU-6050 register map: addresses and bit fields, in one place.
//!
//! Source: InvenSense "MPU-6000 and MPU-6050 Register Map and Descriptions"
//! (RM-MPU-6000A-00) rev 4.2, cross-checked with the Linux `inv_mpu6050`
//! driver's `inv_mpu_iio.h`. Section numbers below are that document's.

/// 7-bit I2C address with the AD0 pin low (PS-MPU-6000A §9.2).
pub const ADDRESS_AD0_LOW: u8 = 0x68;
/// 7-bit I2C address with the AD0 pin high.
pub const ADDRESS_AD0_HIGH: u8 = 0x69;

/// What WHO_AM_I reads on an MPU-6050 (§4.32: bits [6:1] = 0b110100).
pub const WHO_AM_I_VALUE: u8 = 0x68;

/// Register addresses (§3, register map table).
pub mod addr {
    /// Sample-rate divider (§4.2): rate = gyro output rate / (1 + SMPLRT_DIV).
    pub const SMPLRT_DIV: u8 = 0x19;
    /// EXT_SYNC_SET and DLPF_CFG (§4.3).
    pub const CONFIG: u8 = 0x1A;
    /// Gyro self-test and FS_SEL (§4.4).
    pub const GYRO_CONFIG: u8 = 0x1B;
    /// Accel self-test and AFS_SEL (§4.5).
    pub const ACCEL_CONFIG: u8 = 0x1C;
    /// Which sensor data go into the FIFO (§4.7).
    pub const FIFO_EN: u8 = 0x23;
    /// INT pin configuration (§4.14).
    pub const INT_PIN_CFG: u8 = 0x37;
    /// Interrupt enables (§4.15).
    pub const INT_ENABLE: u8 = 0x38;
    /// Interrupt status, cleared on read (§4.16). Read-only.
    pub const INT_STATUS: u8 = 0x3A;
    /// First of the 14 data bytes: accel XYZ, temp, gyro XYZ, big-endian (§4.17-4.19).
    pub const ACCEL_XOUT_H: u8 = 0x3B;
    /// Temperature, big-endian (§4.18).
    pub const TEMP_OUT_H: u8 = 0x41;
    /// Gyro XYZ, big-endian (§4.19).
    pub const GYRO_XOUT_H: u8 = 0x43;
    /// Last external-sensor data register; 0x3B..=EXT_SENS_DATA_23 are read-only.
    pub const EXT_SENS_DATA_23: u8 = 0x60;
    /// Gyro/accel/temp signal path reset (§4.26).
    pub const SIGNAL_PATH_RESET: u8 = 0x68;
    /// FIFO enable and resets (§4.27).
    pub const USER_CTRL: u8 = 0x6A;
    /// Reset, sleep, clock source (§4.28).
    pub const PWR_MGMT_1: u8 = 0x6B;
    /// Per-axis standby (§4.29).
    pub const PWR_MGMT_2: u8 = 0x6C;
    /// FIFO byte count, high byte; reading it latches both (§4.30). Read-only.
    pub const FIFO_COUNT_H: u8 = 0x72;
    /// FIFO byte count, low byte. Read-only.
    pub const FIFO_COUNT_L: u8 = 0x73;
    /// FIFO data port; burst reads stay on it (§4.31).
    pub const FIFO_R_W: u8 = 0x74;
    /// Device identity (§4.32). Read-only.
    pub const WHO_AM_I: u8 = 0x75;
}

/// CONFIG (0x1A) fields.
pub mod config {
    /// DLPF_CFG, bits [2:0].
    pub const DLPF_CFG_MASK: u8 = 0b0000_0111;
}

/// GYRO_CONFIG (0x1B) and ACCEL_CONFIG (0x1C) full-scale fields.
pub mod full_scale {
    /// FS_SEL / AFS_SEL, bits [4:3].
    pub const SEL_SHIFT: u8 = 3;
    /// FS_SEL / AFS_SEL mask.
    pub const SEL_MASK: u8 = 0b0001_1000;
}

/// FIFO_EN (0x23) bits.
pub mod fifo_en {
    /// TEMP_OUT_H/L into the FIFO.
    pub const TEMP: u8 = 1 << 7;
    /// GYRO_XOUT_H/L into the FIFO.
    pub const XG: u8 = 1 << 6;
    /// GYRO_YOUT_H/L into the FIFO.
    pub const YG: u8 = 1 << 5;
    /// GYRO_ZOUT_H/L into the FIFO.
    pub const ZG: u8 = 1 << 4;
    /// ACCEL_XOUT_H..ACCEL_ZOUT_L into the FIFO.
    pub const ACCEL: u8 = 1 << 3;
    /// All three gyro axes.
    pub const GYRO: u8 = XG | YG | ZG;
}

/// INT_PIN_CFG (0x37) bits.
pub mod int_pin_cfg {
    /// INT_LEVEL: 1 = the INT pin is active low.
    pub const INT_LEVEL: u8 = 1 << 7;
    /// INT_RD_CLEAR: 1 = status bits clear on any read, 0 = only on reading INT_STATUS.
    pub const INT_RD_CLEAR: u8 = 1 << 4;
}

/// INT_ENABLE (0x38) and INT_STATUS (0x3A) bits share positions.
pub mod int {
    /// FIFO_OFLOW_EN / FIFO_OFLOW_INT.
    pub const FIFO_OFLOW: u8 = 1 << 4;
    /// I2C_MST_INT_EN / I2C_MST_INT.
    pub const I2C_MST: u8 = 1 << 3;
    /// DATA_RDY_EN / DATA_RDY_INT.
    pub const DATA_RDY: u8 = 1 << 0;
}

/// USER_CTRL (0x6A) bits.
pub mod user_ctrl {
    /// FIFO_EN: the FIFO takes samples.
    pub const FIFO_EN: u8 = 1 << 6;
    /// FIFO_RESET: empties the FIFO; self-clearing.
    pub const FIFO_RESET: u8 = 1 << 2;
    /// SIG_COND_RESET: clears the sensor data registers; self-clearing.
    pub const SIG_COND_RESET: u8 = 1 << 0;
}

/// PWR_MGMT_1 (0x6B) bits.
pub mod pwr_mgmt_1 {
    /// DEVICE_RESET: all registers to their reset values; self-clearing.
    pub const DEVICE_RESET: u8 = 1 << 7;
    /// SLEEP; set at reset (reset value 0x40).
    pub const SLEEP: u8 = 1 << 6;
    /// CLKSEL = 1: PLL with the X-axis gyroscope as reference.
    pub const CLKSEL_PLL_XGYRO: u8 = 0x01;
    /// CLKSEL, bits [2:0].
    pub const CLKSEL_MASK: u8 = 0b0000_0111;
}

/// Reset value of PWR_MGMT_1 (§4.28: the device powers up asleep).
pub const PWR_MGMT_1_RESET: u8 = pwr_mgmt_1::SLEEP;

/// Size of the FIFO in bytes (PS-MPU-6000A §7.17).
pub const FIFO_SIZE: usize = 1024;

/// Gyro output rate with DLPF_CFG 0 or 7 (§4.2), Hz.
pub const GYRO_RATE_DLPF_OFF_HZ: u32 = 8_000;
/// Gyro output rate with DLPF_CFG 1..=6, Hz.
pub const GYRO_RATE_DLPF_ON_HZ: u32 = 1_000;

/// The gyro output rate for a DLPF_CFG value (§4.2, §4.3).
pub const fn gyro_output_rate_hz(dlpf_cfg: u8) -> u32 {
    match dlpf_cfg & config::DLPF_CFG_MASK {
        0 | 7 => GYRO_RATE_DLPF_OFF_HZ,
        _ => GYRO_RATE_DLPF_ON_HZ,
    }
}

/// Accelerometer sensitivity in LSB/g for AFS_SEL 0..=3 (§4.17).
pub const ACCEL_LSB_PER_G: [f32; 4] = [16384.0, 8192.0, 4096.0, 2048.0];
/// Gyro sensitivity in LSB/(°/s) for FS_SEL 0..=3 (§4.19).
pub const GYRO_LSB_PER_DPS: [f32; 4] = [131.0, 65.5, 32.8, 16.4];
/// Temperature in °C = TEMP_OUT / 340 + 36.53 (§4.18).
pub const TEMP_LSB_PER_DEGREE: f32 = 340.0;
/// Temperature offset in °C (§4.18).
pub const TEMP_OFFSET_CELSIUS: f32 = 36.53;
