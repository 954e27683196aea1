//! The LIS3MDL register map, in one place.
//!
//! Sources: ST datasheet DocID024204 (register map and descriptions), ST's
//! `lis3mdl_reg.h` (STMems_Standard_C_drivers: bit fields, ODR codes,
//! sensitivities) and Linux `drivers/iio/magnetometer/st_magn_core.c`
//! (WAI 0x3D, FS mask 0x60, BDU 0x24/0x40, `multi_read_bit = true`).

/// Device identification; reads [`WHO_AM_I_VALUE`].
pub const WHO_AM_I: u8 = 0x0F;
/// What `WHO_AM_I` reads on a LIS3MDL.
pub const WHO_AM_I_VALUE: u8 = 0x3D;

/// TEMP_EN, OM\[1:0\] (X/Y performance), DO\[2:0\] (data rate), FAST_ODR, ST.
pub const CTRL_REG1: u8 = 0x20;
/// FS\[1:0\] (full scale), REBOOT, SOFT_RST.
pub const CTRL_REG2: u8 = 0x21;
/// LP, SIM, MD\[1:0\] (operating mode).
pub const CTRL_REG3: u8 = 0x22;
/// OMZ\[1:0\] (Z performance), BLE.
pub const CTRL_REG4: u8 = 0x23;
/// FAST_READ, BDU.
pub const CTRL_REG5: u8 = 0x24;
/// ZYXOR, ZOR, YOR, XOR, ZYXDA, ZDA, YDA, XDA.
pub const STATUS_REG: u8 = 0x27;
/// X output, low byte; Y and Z follow (little endian unless BLE).
pub const OUT_X_L: u8 = 0x28;
/// X output, high byte.
pub const OUT_X_H: u8 = 0x29;
/// Y output, low byte.
pub const OUT_Y_L: u8 = 0x2A;
/// Y output, high byte.
pub const OUT_Y_H: u8 = 0x2B;
/// Z output, low byte.
pub const OUT_Z_L: u8 = 0x2C;
/// Z output, high byte.
pub const OUT_Z_H: u8 = 0x2D;
/// Temperature output, low byte (8 LSB/°C, 0 = 25 °C).
pub const TEMP_OUT_L: u8 = 0x2E;
/// Temperature output, high byte.
pub const TEMP_OUT_H: u8 = 0x2F;
/// XIEN, YIEN, ZIEN, (bit 3 reads 1), IEA, LIR, IEN.
pub const INT_CFG: u8 = 0x30;
/// PTH_X, PTH_Y, PTH_Z, NTH_X, NTH_Y, NTH_Z, MROI, INT.
pub const INT_SRC: u8 = 0x31;
/// Interrupt threshold, low byte (unsigned 15-bit magnitude).
pub const INT_THS_L: u8 = 0x32;
/// Interrupt threshold, high byte.
pub const INT_THS_H: u8 = 0x33;

/// On I2C, setting the MSB of the sub-address makes the register pointer
/// auto-increment over a multi-byte transfer; without it, every byte
/// addresses the same register.
pub const AUTO_INCREMENT: u8 = 0x80;

/// Bits of [`CTRL_REG1`].
pub mod ctrl1 {
    /// Temperature sensor enable.
    pub const TEMP_EN: u8 = 1 << 7;
    /// X/Y operating mode, bits 6:5.
    pub const OM_SHIFT: u8 = 5;
    /// Mask of OM\[1:0\].
    pub const OM_MASK: u8 = 0b11 << OM_SHIFT;
    /// Output data rate, bits 4:2.
    pub const DO_SHIFT: u8 = 2;
    /// Mask of DO\[2:0\].
    pub const DO_MASK: u8 = 0b111 << DO_SHIFT;
    /// Data rates above 80 Hz, set by OM (1000/560/300/155 Hz).
    pub const FAST_ODR: u8 = 1 << 1;
    /// Self-test enable.
    pub const ST: u8 = 1 << 0;
    /// Reset value: DO = 100 (10 Hz), everything else 0.
    pub const RESET: u8 = 0x10;
}

/// Bits of [`CTRL_REG2`].
pub mod ctrl2 {
    /// Full scale, bits 6:5: 00 ±4, 01 ±8, 10 ±12, 11 ±16 gauss.
    pub const FS_SHIFT: u8 = 5;
    /// Mask of FS\[1:0\].
    pub const FS_MASK: u8 = 0b11 << FS_SHIFT;
    /// Reload the trimming parameters (self-clearing).
    pub const REBOOT: u8 = 1 << 3;
    /// Reset configuration and user registers (self-clearing).
    pub const SOFT_RST: u8 = 1 << 2;
    /// Reset value.
    pub const RESET: u8 = 0x00;
}

/// Bits of [`CTRL_REG3`].
pub mod ctrl3 {
    /// Low-power mode (ODR forced to 0.625 Hz).
    pub const LP: u8 = 1 << 5;
    /// SPI 3-wire mode.
    pub const SIM: u8 = 1 << 2;
    /// Mask of MD\[1:0\]: 00 continuous, 01 single, 10/11 power-down.
    pub const MD_MASK: u8 = 0b11;
    /// MD = continuous conversion.
    pub const MD_CONTINUOUS: u8 = 0b00;
    /// MD = single conversion.
    pub const MD_SINGLE: u8 = 0b01;
    /// MD = power-down.
    pub const MD_POWER_DOWN: u8 = 0b11;
    /// Reset value: power-down.
    pub const RESET: u8 = 0x03;
}

/// Bits of [`CTRL_REG4`].
pub mod ctrl4 {
    /// Z operating mode, bits 3:2.
    pub const OMZ_SHIFT: u8 = 2;
    /// Mask of OMZ\[1:0\].
    pub const OMZ_MASK: u8 = 0b11 << OMZ_SHIFT;
    /// Big-endian data: MSB at the lower address.
    pub const BLE: u8 = 1 << 1;
    /// Reset value.
    pub const RESET: u8 = 0x00;
}

/// Bits of [`CTRL_REG5`].
pub mod ctrl5 {
    /// Read only the high bytes of the outputs.
    pub const FAST_READ: u8 = 1 << 7;
    /// Block data update: outputs not updated until MSB and LSB are read.
    pub const BDU: u8 = 1 << 6;
    /// Reset value.
    pub const RESET: u8 = 0x00;
}

/// Bits of [`STATUS_REG`].
pub mod status {
    /// A sample of X, Y and Z was overwritten before it was read.
    pub const ZYXOR: u8 = 1 << 7;
    /// Z overrun.
    pub const ZOR: u8 = 1 << 6;
    /// Y overrun.
    pub const YOR: u8 = 1 << 5;
    /// X overrun.
    pub const XOR: u8 = 1 << 4;
    /// A new sample of X, Y and Z is available.
    pub const ZYXDA: u8 = 1 << 3;
    /// New Z data.
    pub const ZDA: u8 = 1 << 2;
    /// New Y data.
    pub const YDA: u8 = 1 << 1;
    /// New X data.
    pub const XDA: u8 = 1 << 0;
}

/// Bits of [`INT_CFG`].
pub mod int_cfg {
    /// Interrupt on X.
    pub const XIEN: u8 = 1 << 7;
    /// Interrupt on Y.
    pub const YIEN: u8 = 1 << 6;
    /// Interrupt on Z.
    pub const ZIEN: u8 = 1 << 5;
    /// Bit 3 must be written 1 (datasheet).
    pub const ALWAYS_ONE: u8 = 1 << 3;
    /// INT pin active high.
    pub const IEA: u8 = 1 << 2;
    /// Latch the interrupt until INT_SRC is read.
    pub const LIR: u8 = 1 << 1;
    /// Interrupt enable on the INT pin.
    pub const IEN: u8 = 1 << 0;
    /// Reset value.
    pub const RESET: u8 = 0xE8;
}

/// Bits of [`INT_SRC`].
pub mod int_src {
    /// X above +threshold.
    pub const PTH_X: u8 = 1 << 7;
    /// Y above +threshold.
    pub const PTH_Y: u8 = 1 << 6;
    /// Z above +threshold.
    pub const PTH_Z: u8 = 1 << 5;
    /// X below -threshold.
    pub const NTH_X: u8 = 1 << 4;
    /// Y below -threshold.
    pub const NTH_Y: u8 = 1 << 3;
    /// Z below -threshold.
    pub const NTH_Z: u8 = 1 << 2;
    /// Internal measurement range overflow.
    pub const MROI: u8 = 1 << 1;
    /// An interrupt event occurred.
    pub const INT: u8 = 1 << 0;
}

/// Sensitivity in LSB/gauss for FS = 00, 01, 10, 11 (datasheet table 3;
/// ST `lis3mdl_from_fsN_to_gauss`).
pub const SENSITIVITY_LSB_PER_GAUSS: [f32; 4] = [6842.0, 3421.0, 2281.0, 1711.0];

/// Temperature sensitivity: 8 LSB/°C, 0 LSB at 25 °C (AN4602; ST driver).
pub const TEMP_LSB_PER_CELSIUS: f32 = 8.0;
/// Temperature that reads 0 LSB.
pub const TEMP_ZERO_CELSIUS: f32 = 25.0;

/// Data rates selected by DO\[2:0\], in millihertz.
pub const DO_RATES_MILLIHERTZ: [u32; 8] =
    [625, 1_250, 2_500, 5_000, 10_000, 20_000, 40_000, 80_000];
/// Data rates with FAST_ODR, by OM\[1:0\] (LP, MP, HP, UHP), in millihertz.
pub const FAST_RATES_MILLIHERTZ: [u32; 4] = [1_000_000, 560_000, 300_000, 155_000];
