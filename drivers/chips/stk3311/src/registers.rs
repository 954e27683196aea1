//! The STK3311 register map, in one place.
//!
//! Sources: the Linux IIO driver `drivers/iio/light/stk3310.c` (register
//! addresses, field positions, product ids, gain and integration-time
//! tables) and Sensortek's own `stk3x1x` Linux driver (FLAG bit names,
//! `SW_RESET` at 0x80, write-0-to-clear of the FLAG interrupt bits).

/// Operating state: enables (bits 2:0).
pub const STATE: u8 = 0x00;
/// Proximity control: persistence (7:6), gain (5:4), integration time (3:0).
pub const PSCTRL: u8 = 0x01;
/// Ambient-light control: persistence (7:6), gain (5:4), integration time (3:0).
pub const ALSCTRL: u8 = 0x02;
/// IR LED drive current and duty.
pub const LEDCTRL: u8 = 0x03;
/// Interrupt control: INT_PS mode (2:0), INT_ALS (3).
pub const INTCTRL: u8 = 0x04;
/// Wait time between measurement cycles.
pub const WAIT: u8 = 0x05;
/// Proximity high threshold, MSB first (0x06, 0x07).
pub const THDH_PS: u8 = 0x06;
/// Proximity low threshold, MSB first (0x08, 0x09).
pub const THDL_PS: u8 = 0x08;
/// Ambient-light high threshold, MSB first (0x0A, 0x0B).
pub const THDH_ALS: u8 = 0x0A;
/// Ambient-light low threshold, MSB first (0x0C, 0x0D).
pub const THDL_ALS: u8 = 0x0C;
/// Status flags, see [`flag`].
pub const FLAG: u8 = 0x10;
/// Proximity count, MSB first (0x11, 0x12).
pub const PS_DATA: u8 = 0x11;
/// Ambient-light count, MSB first (0x13, 0x14).
pub const ALS_DATA: u8 = 0x13;
/// Product id.
pub const PDT_ID: u8 = 0x3E;
/// Software reset: any write resets every register to its default.
pub const SW_RESET: u8 = 0x80;

/// Product ids the Linux driver accepts as an STK3311: STK3311 (0x1D),
/// STK3311-X (0x12), STK3311-A (0x15), STK3311-S34 (0x1E).
pub const STK3311_PRODUCT_IDS: [u8; 4] = [0x1D, 0x12, 0x15, 0x1E];

/// STATE bits.
pub mod state {
    /// Proximity enable.
    pub const EN_PS: u8 = 1 << 0;
    /// Ambient-light enable.
    pub const EN_ALS: u8 = 1 << 1;
}

/// PSCTRL / ALSCTRL fields (same layout in both).
pub mod ctrl {
    /// Gain field mask (bits 5:4).
    pub const GAIN_MASK: u8 = 0x30;
    /// Gain field position.
    pub const GAIN_SHIFT: u8 = 4;
    /// Integration-time field mask (bits 3:0).
    pub const IT_MASK: u8 = 0x0F;
}

/// INTCTRL fields.
pub mod intctrl {
    /// INT_PS mode field (bits 2:0); 0 is off.
    pub const INT_PS_MASK: u8 = 0x07;
    /// The INT_PS mode the Linux driver uses (`STK3310_PSINT_EN`).
    pub const INT_PS_MODE1: u8 = 0x01;
    /// ALS threshold interrupt enable.
    pub const INT_ALS: u8 = 1 << 3;
}

/// FLAG bits. The interrupt and data-ready flags are cleared by writing
/// 0 to them (writing 1 leaves them); NF is read-only.
pub mod flag {
    /// New ALS data.
    pub const ALSDR: u8 = 1 << 7;
    /// New PS data.
    pub const PSDR: u8 = 1 << 6;
    /// ALS threshold interrupt.
    pub const ALSINT: u8 = 1 << 5;
    /// PS interrupt.
    pub const PSINT: u8 = 1 << 4;
    /// Near/far: 1 = far, 0 = near (the Linux driver reports a falling
    /// event when NF is set).
    pub const NF: u8 = 1 << 0;
}

/// Register values after power-on or software reset.
pub mod reset {
    /// Both sensors off.
    pub const STATE: u8 = 0x00;
    /// PS gain 64x, integration 370 µs.
    pub const PSCTRL: u8 = 0x31;
    /// ALS gain 64x, integration 94.72 ms.
    pub const ALSCTRL: u8 = 0x39;
}
