//! ST LIS3MDL magnetometer: a register model on I2C.
//!
//! Built from the datasheet (DocID024204) and ST's `lis3mdl_reg.h`:
//! - the register file resets to the datasheet values (CTRL_REG1 0x10 =
//!   10 Hz, CTRL_REG3 0x03 = power-down, INT_CFG 0xE8); CTRL_REG2 SOFT_RST
//!   restores them;
//! - the sub-address MSB turns on pointer auto-increment; without it a
//!   burst reads (or writes) one register again and again. Over the output
//!   registers the pointer wraps from OUT_Z_H back to OUT_X_L, as ST
//!   confirmed on its community forum ("Is there limitation for SPI address
//!   auto-increment option", 2018), so TEMP_OUT needs its own read;
//! - conversions run at the ODR of CTRL_REG1 (DO, FAST_ODR by OM; LP forces
//!   0.625 Hz) in continuous mode, or once in single mode, after which MD
//!   reads power-down;
//! - STATUS_REG: a sample sets XDA/YDA/ZDA; one that lands on unread data
//!   sets that axis's overrun bit; reading both bytes of an axis clears
//!   both. ZYXDA / ZYXOR are the OR of the axis bits;
//! - block data update holds an axis whose first byte was read until its
//!   second byte is read; the newest sample then takes its place;
//! - the DRDY pin ([`I2cDeviceModel::interrupt_line`]) is high while ZYXDA
//!   is; the threshold interrupt sets INT_SRC and drives the INT pin
//!   ([`Lis3mdlModel::int_pin`]).
//!
//! Registers outside the datasheet map (including the reserved 0x00–0x0E)
//! NACK; writes to read-only registers are ignored, as on the chip.
//! The register constants are repeated here rather than taken from the
//! driver crate: the model is an independent reading of the datasheet, and
//! the driver depends on the simulator for its tests.

use crate::i2c::{I2cDeviceModel, Nack};
use crate::world::PhysicalState;
use yunhal::time::Nanos;

const WHO_AM_I: u8 = 0x0F;
const WHO_AM_I_VALUE: u8 = 0x3D;
const CTRL_REG1: u8 = 0x20;
const CTRL_REG2: u8 = 0x21;
const CTRL_REG3: u8 = 0x22;
const CTRL_REG4: u8 = 0x23;
const CTRL_REG5: u8 = 0x24;
const STATUS_REG: u8 = 0x27;
const OUT_X_L: u8 = 0x28;
const OUT_Z_H: u8 = 0x2D;
const TEMP_OUT_L: u8 = 0x2E;
const TEMP_OUT_H: u8 = 0x2F;
const INT_CFG: u8 = 0x30;
const INT_SRC: u8 = 0x31;
const INT_THS_L: u8 = 0x32;
const INT_THS_H: u8 = 0x33;

const AUTO_INCREMENT: u8 = 0x80;

// Reset values. CTRL_REG3 0x03 (power-down) is confirmed by Linux's
// st_magn driver; CTRL_REG1 0x10 (10 Hz) and INT_CFG 0xE8 (bit 3 reads 1)
// are the datasheet's as remembered, not yet checked against DocID024204.
const CTRL1_RESET: u8 = 0x10;
const CTRL3_RESET: u8 = 0x03;
const INT_CFG_RESET: u8 = 0xE8;

const CTRL1_TEMP_EN: u8 = 1 << 7;
const CTRL1_FAST_ODR: u8 = 1 << 1;
const CTRL2_FS_MASK: u8 = 0b11 << 5;
const CTRL2_REBOOT: u8 = 1 << 3;
const CTRL2_SOFT_RST: u8 = 1 << 2;
const CTRL3_LP: u8 = 1 << 5;
const CTRL3_MD_MASK: u8 = 0b11;
const MD_CONTINUOUS: u8 = 0b00;
const MD_SINGLE: u8 = 0b01;
const MD_POWER_DOWN: u8 = 0b11;
const CTRL4_BLE: u8 = 1 << 1;
const CTRL5_BDU: u8 = 1 << 6;

const STATUS_ZYXOR: u8 = 1 << 7;
const STATUS_ZYXDA: u8 = 1 << 3;
/// XDA, YDA, ZDA by axis; the overrun bits are these shifted left by 4.
const STATUS_DA: [u8; 3] = [1 << 0, 1 << 1, 1 << 2];
const OVERRUN_SHIFT: u8 = 4;

const INT_CFG_IEN: u8 = 1 << 0;
const INT_CFG_LIR: u8 = 1 << 1;
const INT_CFG_IEA: u8 = 1 << 2;
/// XIEN, YIEN, ZIEN by axis.
const INT_CFG_AXIS: [u8; 3] = [1 << 7, 1 << 6, 1 << 5];
/// PTH_X.. by axis; NTH_X.. are these shifted right by 3.
const INT_SRC_PTH: [u8; 3] = [1 << 7, 1 << 6, 1 << 5];
const INT_SRC_MROI: u8 = 1 << 1;
const INT_SRC_INT: u8 = 1 << 0;

/// LSB/gauss by FS (datasheet table 3).
const SENSITIVITY_LSB_PER_GAUSS: [f32; 4] = [6842.0, 3421.0, 2281.0, 1711.0];
const MICROTESLA_PER_GAUSS: f32 = 100.0;
const TEMP_LSB_PER_CELSIUS: f32 = 8.0;
const TEMP_ZERO_CELSIUS: f32 = 25.0;
/// ODR by DO\[2:0\], and by OM\[1:0\] with FAST_ODR, in millihertz.
const DO_RATES_MILLIHERTZ: [u64; 8] = [625, 1_250, 2_500, 5_000, 10_000, 20_000, 40_000, 80_000];
const FAST_RATES_MILLIHERTZ: [u64; 4] = [1_000_000, 560_000, 300_000, 155_000];
const LOW_POWER_RATE_MILLIHERTZ: u64 = 625;

/// A LIS3MDL at its registers.
pub struct Lis3mdlModel {
    who_am_i: u8,
    ctrl: [u8; 5],
    status: u8,
    out: [i16; 3],
    temp_out: i16,
    int_cfg: u8,
    int_src: u8,
    int_ths: [u8; 2],
    pointer: u8,
    auto_increment: bool,
    /// Bytes (bit 0 low, bit 1 high) of each axis read since its last
    /// update, for block data update and for clearing XDA/YDA/ZDA.
    pair_read: [u8; 3],
    /// Samples held back by block data update.
    pending: [Option<i16>; 3],
    now: Nanos,
    /// When the conversion under way completes; `None` in power-down.
    next_sample: Option<Nanos>,
}

impl Default for Lis3mdlModel {
    fn default() -> Self {
        Self::new()
    }
}

impl Lis3mdlModel {
    /// A LIS3MDL just powered up.
    pub fn new() -> Lis3mdlModel {
        Lis3mdlModel::with_who_am_i(WHO_AM_I_VALUE)
    }

    /// A look-alike that answers `who_am_i`, to test a driver's identity
    /// check.
    pub fn with_who_am_i(who_am_i: u8) -> Lis3mdlModel {
        let mut model = Lis3mdlModel {
            who_am_i,
            ctrl: [0; 5],
            status: 0,
            out: [0; 3],
            temp_out: 0,
            int_cfg: 0,
            int_src: 0,
            int_ths: [0; 2],
            pointer: 0,
            auto_increment: false,
            pair_read: [0; 3],
            pending: [None; 3],
            now: Nanos::ZERO,
            next_sample: None,
        };
        model.reset();
        model
    }

    /// The INT pin: the threshold interrupt, with the polarity of IEA.
    pub fn int_pin(&self) -> bool {
        let active = self.int_cfg & INT_CFG_IEN != 0 && self.int_src & INT_SRC_INT != 0;
        active == (self.int_cfg & INT_CFG_IEA != 0)
    }

    /// SOFT_RST: configuration and user registers to their reset values.
    fn reset(&mut self) {
        self.ctrl = [CTRL1_RESET, 0, CTRL3_RESET, 0, 0];
        self.status = 0;
        self.out = [0; 3];
        self.temp_out = 0;
        self.int_cfg = INT_CFG_RESET;
        self.int_src = 0;
        self.int_ths = [0; 2];
        self.pair_read = [0; 3];
        self.pending = [None; 3];
        self.next_sample = None;
    }

    fn is_register(address: u8) -> bool {
        matches!(address, WHO_AM_I | CTRL_REG1..=CTRL_REG5 | STATUS_REG..=INT_THS_H)
    }

    fn mode(&self) -> u8 {
        match self.ctrl[2] & CTRL3_MD_MASK {
            MD_CONTINUOUS => MD_CONTINUOUS,
            MD_SINGLE => MD_SINGLE,
            _ => MD_POWER_DOWN,
        }
    }

    fn period(&self) -> Nanos {
        let ctrl1 = self.ctrl[0];
        let millihertz = if self.ctrl[2] & CTRL3_LP != 0 {
            LOW_POWER_RATE_MILLIHERTZ
        } else if ctrl1 & CTRL1_FAST_ODR != 0 {
            FAST_RATES_MILLIHERTZ[usize::from((ctrl1 >> 5) & 0b11)]
        } else {
            DO_RATES_MILLIHERTZ[usize::from((ctrl1 >> 2) & 0b111)]
        };
        Nanos::period_of_millihertz(millihertz).unwrap_or(Nanos(1))
    }

    fn schedule_first_sample(&mut self) {
        self.next_sample = match self.mode() {
            MD_POWER_DOWN => None,
            _ => Some(Nanos(self.now.0.saturating_add(self.period().0))),
        };
    }

    fn bytes(&self, value: i16) -> [u8; 2] {
        if self.ctrl[3] & CTRL4_BLE != 0 {
            value.to_be_bytes()
        } else {
            value.to_le_bytes()
        }
    }

    fn next_pointer(&self) -> u8 {
        if !self.auto_increment {
            self.pointer
        } else if self.pointer == OUT_Z_H {
            OUT_X_L
        } else {
            self.pointer.wrapping_add(1) & !AUTO_INCREMENT
        }
    }

    fn read_register(&mut self, address: u8) -> u8 {
        match address {
            WHO_AM_I => self.who_am_i,
            CTRL_REG1..=CTRL_REG5 => self.ctrl[usize::from(address - CTRL_REG1)],
            STATUS_REG => self.status,
            OUT_X_L..=OUT_Z_H => self.read_output_byte(usize::from(address - OUT_X_L)),
            TEMP_OUT_L | TEMP_OUT_H => self.bytes(self.temp_out)[usize::from(address - TEMP_OUT_L)],
            INT_CFG => self.int_cfg,
            INT_SRC => {
                let value = self.int_src;
                if self.int_cfg & INT_CFG_LIR != 0 {
                    self.int_src = 0;
                }
                value
            }
            INT_THS_L | INT_THS_H => self.int_ths[usize::from(address - INT_THS_L)],
            _ => 0,
        }
    }

    fn read_output_byte(&mut self, index: usize) -> u8 {
        let axis = index / 2;
        let byte = self.bytes(self.out[axis])[index % 2];
        self.pair_read[axis] |= 1 << (index % 2);
        if self.pair_read[axis] == 0b11 {
            self.pair_read[axis] = 0;
            self.status &= !(STATUS_DA[axis] | (STATUS_DA[axis] << OVERRUN_SHIFT));
            if let Some(held) = self.pending[axis].take() {
                self.out[axis] = held;
                self.status |= STATUS_DA[axis];
            }
            self.update_summary_bits();
        }
        byte
    }

    fn write_register(&mut self, address: u8, value: u8) {
        match address {
            CTRL_REG1 => {
                self.ctrl[0] = value;
                if self.mode() == MD_CONTINUOUS {
                    self.schedule_first_sample();
                }
            }
            CTRL_REG2 => {
                if value & CTRL2_SOFT_RST != 0 {
                    self.reset();
                } else {
                    // REBOOT reloads trimming, which the model has none of;
                    // both bits read back 0 at once.
                    self.ctrl[1] = value & !(CTRL2_REBOOT | CTRL2_SOFT_RST);
                }
            }
            CTRL_REG3 => {
                let was = self.mode();
                self.ctrl[2] = value;
                if was != MD_CONTINUOUS || self.mode() != MD_CONTINUOUS {
                    self.schedule_first_sample();
                }
            }
            CTRL_REG4 | CTRL_REG5 => self.ctrl[usize::from(address - CTRL_REG1)] = value,
            INT_CFG => self.int_cfg = value,
            INT_THS_L | INT_THS_H => self.int_ths[usize::from(address - INT_THS_L)] = value,
            _ => {}
        }
    }

    fn update_summary_bits(&mut self) {
        let da = STATUS_DA.iter().fold(0, |acc, bit| acc | bit);
        self.status &= !(STATUS_ZYXDA | STATUS_ZYXOR);
        if self.status & da != 0 {
            self.status |= STATUS_ZYXDA;
        }
        if self.status & (da << OVERRUN_SHIFT) != 0 {
            self.status |= STATUS_ZYXOR;
        }
    }

    /// One conversion of `world`; `skipped` when earlier conversions since
    /// the last `advance` were overwritten unseen.
    fn convert(&mut self, world: &PhysicalState, skipped: bool) {
        let fs = usize::from((self.ctrl[1] & CTRL2_FS_MASK) >> 5);
        let lsb_per_microtesla = SENSITIVITY_LSB_PER_GAUSS[fs] / MICROTESLA_PER_GAUSS;
        let mut saturated = false;
        let sample = world.magnetic_field.map(|microtesla| {
            let lsb = (microtesla * lsb_per_microtesla).round();
            saturated |= !(f32::from(i16::MIN)..=f32::from(i16::MAX)).contains(&lsb);
            lsb.clamp(f32::from(i16::MIN), f32::from(i16::MAX)) as i16
        });
        let bdu = self.ctrl[4] & CTRL5_BDU != 0;
        for (axis, value) in sample.iter().enumerate() {
            if skipped || self.status & STATUS_DA[axis] != 0 {
                self.status |= STATUS_DA[axis] << OVERRUN_SHIFT;
            }
            self.status |= STATUS_DA[axis];
            if bdu && self.pair_read[axis] != 0 {
                self.pending[axis] = Some(*value);
            } else {
                self.out[axis] = *value;
            }
        }
        self.update_summary_bits();
        if self.ctrl[0] & CTRL1_TEMP_EN != 0 {
            let lsb = ((world.temperature - TEMP_ZERO_CELSIUS) * TEMP_LSB_PER_CELSIUS).round();
            self.temp_out = lsb.clamp(f32::from(i16::MIN), f32::from(i16::MAX)) as i16;
        }
        self.evaluate_threshold(sample, saturated);
    }

    fn evaluate_threshold(&mut self, sample: [i16; 3], saturated: bool) {
        if self.int_cfg & INT_CFG_IEN == 0 {
            return;
        }
        let threshold = i32::from(u16::from_le_bytes(self.int_ths) & 0x7FFF);
        let mut flags = if saturated { INT_SRC_MROI } else { 0 };
        for (axis, value) in sample.iter().enumerate() {
            if self.int_cfg & INT_CFG_AXIS[axis] == 0 {
                continue;
            }
            if i32::from(*value) > threshold {
                flags |= INT_SRC_PTH[axis];
            } else if i32::from(*value) < -threshold {
                flags |= INT_SRC_PTH[axis] >> 3;
            }
        }
        if flags & !INT_SRC_MROI != 0 {
            flags |= INT_SRC_INT;
        }
        if self.int_cfg & INT_CFG_LIR != 0 {
            self.int_src |= flags;
        } else {
            self.int_src = flags;
        }
    }
}

impl I2cDeviceModel for Lis3mdlModel {
    fn write(&mut self, data: &[u8]) -> Result<(), Nack> {
        let (&sub, values) = data.split_first().ok_or(Nack::Data)?;
        let address = sub & !AUTO_INCREMENT;
        if !Self::is_register(address) {
            return Err(Nack::Data);
        }
        self.pointer = address;
        self.auto_increment = sub & AUTO_INCREMENT != 0;
        for &value in values {
            if !Self::is_register(self.pointer) {
                return Err(Nack::Data);
            }
            self.write_register(self.pointer, value);
            self.pointer = self.next_pointer();
        }
        Ok(())
    }

    fn read(&mut self, buf: &mut [u8]) -> Result<(), Nack> {
        for byte in buf {
            if !Self::is_register(self.pointer) {
                return Err(Nack::Data);
            }
            *byte = self.read_register(self.pointer);
            self.pointer = self.next_pointer();
        }
        Ok(())
    }

    fn advance(&mut self, world: &PhysicalState) {
        self.now = world.time;
        let Some(due) = self.next_sample else {
            return;
        };
        if world.time < due {
            return;
        }
        let period = self.period().0;
        let missed = (world.time.0 - due.0) / period;
        let single = self.mode() == MD_SINGLE;
        self.convert(world, missed > 0 && !single);
        if single {
            self.ctrl[2] = (self.ctrl[2] & !CTRL3_MD_MASK) | MD_POWER_DOWN;
            self.next_sample = None;
        } else {
            self.next_sample = Some(Nanos(due.0 + (missed + 1) * period));
        }
    }

    /// The DRDY pin: high while a sample waits to be read.
    fn interrupt_line(&self) -> bool {
        self.status & STATUS_ZYXDA != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i2c::SimI2cBus;
    use embedded_hal::i2c::I2c;

    const ADDRESS: u8 = 0x1E;

    fn world_at(ms: u64, field: [f32; 3]) -> PhysicalState {
        PhysicalState {
            magnetic_field: field,
            ..PhysicalState::resting(Nanos::from_millis(ms))
        }
    }

    fn bus_with_model() -> SimI2cBus {
        let mut bus = SimI2cBus::new();
        bus.attach(ADDRESS, Box::new(Lis3mdlModel::new()));
        bus
    }

    fn read(bus: &mut SimI2cBus, register: u8) -> u8 {
        let mut buf = [0];
        bus.write_read(ADDRESS, &[register], &mut buf).unwrap();
        buf[0]
    }

    fn read_xyz(bus: &mut SimI2cBus) -> [i16; 3] {
        let mut buf = [0u8; 6];
        bus.write_read(ADDRESS, &[OUT_X_L | AUTO_INCREMENT], &mut buf)
            .unwrap();
        [0, 1, 2].map(|i| i16::from_le_bytes([buf[2 * i], buf[2 * i + 1]]))
    }

    /// Continuous mode at the reset ODR (10 Hz, 100 ms).
    fn start_continuous(bus: &mut SimI2cBus) {
        bus.write(ADDRESS, &[CTRL_REG3, MD_CONTINUOUS]).unwrap();
    }

    #[test]
    fn registers_read_their_datasheet_reset_values() {
        let mut bus = bus_with_model();
        let mut regs = [0u8; 5];
        bus.write_read(ADDRESS, &[CTRL_REG1 | AUTO_INCREMENT], &mut regs)
            .unwrap();
        assert_eq!(regs, [0x10, 0x00, 0x03, 0x00, 0x00]);
        assert_eq!(read(&mut bus, STATUS_REG), 0);
        assert_eq!(read(&mut bus, INT_CFG), 0xE8);
        assert_eq!(read(&mut bus, INT_SRC), 0);
        assert_eq!(read(&mut bus, INT_THS_H), 0);
    }

    #[test]
    fn who_am_i_reads_0x3d() {
        let mut bus = bus_with_model();
        assert_eq!(read(&mut bus, WHO_AM_I), 0x3D);
    }

    #[test]
    fn reserved_register_is_a_data_nack() {
        let mut bus = bus_with_model();
        assert!(bus.write(ADDRESS, &[0x25, 0]).is_err());
        assert!(bus.write_read(ADDRESS, &[0x00], &mut [0]).is_err());
    }

    #[test]
    fn burst_without_msb_rereads_the_same_register() {
        let mut bus = bus_with_model();
        let mut buf = [0u8; 3];
        bus.write_read(ADDRESS, &[WHO_AM_I], &mut buf).unwrap();
        assert_eq!(buf, [0x3D; 3]);
    }

    #[test]
    fn burst_over_outputs_wraps_from_z_high_to_x_low() {
        let mut bus = bus_with_model();
        start_continuous(&mut bus);
        bus.advance(&world_at(100, [10.0, 20.0, 30.0]));
        let mut buf = [0u8; 8];
        bus.write_read(ADDRESS, &[OUT_X_L | AUTO_INCREMENT], &mut buf)
            .unwrap();
        assert_eq!(buf[6..], buf[..2]);
    }

    #[test]
    fn soft_reset_restores_reset_values() {
        let mut bus = bus_with_model();
        bus.write(ADDRESS, &[CTRL_REG1, 0xFC]).unwrap();
        bus.write(ADDRESS, &[CTRL_REG2, CTRL2_SOFT_RST]).unwrap();
        assert_eq!(read(&mut bus, CTRL_REG1), 0x10);
        assert_eq!(read(&mut bus, CTRL_REG2), 0x00);
        assert_eq!(read(&mut bus, CTRL_REG3), 0x03);
    }

    #[test]
    fn full_scale_change_scales_the_data() {
        let mut bus = bus_with_model();
        start_continuous(&mut bus);
        bus.advance(&world_at(100, [100.0, -100.0, 60.0]));
        assert_eq!(read_xyz(&mut bus), [6842, -6842, 4105]);
        bus.write(ADDRESS, &[CTRL_REG2, 0b11 << 5]).unwrap();
        bus.advance(&world_at(200, [100.0, -100.0, 60.0]));
        assert_eq!(read_xyz(&mut bus), [1711, -1711, 1027]);
    }

    #[test]
    fn field_beyond_the_output_range_saturates() {
        let mut bus = bus_with_model();
        start_continuous(&mut bus);
        bus.advance(&world_at(100, [1000.0, -1000.0, 0.0]));
        assert_eq!(read_xyz(&mut bus), [i16::MAX, i16::MIN, 0]);
    }

    #[test]
    fn no_sample_before_one_period_of_the_odr() {
        let mut bus = bus_with_model();
        bus.write(ADDRESS, &[CTRL_REG1, 7 << 2]).unwrap(); // 80 Hz: 12.5 ms
        start_continuous(&mut bus);
        bus.advance(&world_at(12, [10.0, 0.0, 0.0]));
        assert_eq!(read(&mut bus, STATUS_REG) & STATUS_ZYXDA, 0);
        bus.advance(&world_at(13, [10.0, 0.0, 0.0]));
        assert_ne!(read(&mut bus, STATUS_REG) & STATUS_ZYXDA, 0);
    }

    #[test]
    fn power_down_makes_no_samples() {
        let mut bus = bus_with_model();
        bus.advance(&world_at(10_000, [10.0, 0.0, 0.0]));
        assert_eq!(read(&mut bus, STATUS_REG), 0);
    }

    #[test]
    fn unread_sample_overwritten_sets_overrun_and_reading_clears_it() {
        let mut bus = bus_with_model();
        start_continuous(&mut bus);
        bus.advance(&world_at(100, [1.0, 2.0, 3.0]));
        assert_eq!(read(&mut bus, STATUS_REG) & STATUS_ZYXOR, 0);
        bus.advance(&world_at(200, [1.0, 2.0, 3.0]));
        assert_eq!(read(&mut bus, STATUS_REG), 0xFF);
        read_xyz(&mut bus);
        assert_eq!(read(&mut bus, STATUS_REG), 0);
        assert!(!bus.device_mut(ADDRESS).unwrap().interrupt_line());
    }

    #[test]
    fn single_mode_converts_once_then_powers_down() {
        let mut bus = bus_with_model();
        bus.write(ADDRESS, &[CTRL_REG3, MD_SINGLE]).unwrap();
        bus.advance(&world_at(100, [10.0, 0.0, 0.0]));
        assert_eq!(read(&mut bus, CTRL_REG3) & CTRL3_MD_MASK, MD_POWER_DOWN);
        read_xyz(&mut bus);
        bus.advance(&world_at(1000, [10.0, 0.0, 0.0]));
        assert_eq!(read(&mut bus, STATUS_REG), 0);
    }

    #[test]
    fn block_data_update_holds_a_half_read_axis() {
        let mut bus = bus_with_model();
        bus.write(ADDRESS, &[CTRL_REG5, CTRL5_BDU]).unwrap();
        start_continuous(&mut bus);
        bus.advance(&world_at(100, [10.0, 0.0, 0.0]));
        let low = read(&mut bus, OUT_X_L);
        bus.advance(&world_at(200, [-10.0, 0.0, 0.0]));
        let high = read(&mut bus, OUT_X_L + 1);
        assert_eq!(i16::from_le_bytes([low, high]), 684);
        assert_eq!(read_xyz(&mut bus)[0], -684);
    }

    #[test]
    fn temperature_reads_8_lsb_per_degree_from_25() {
        let mut bus = bus_with_model();
        bus.write(ADDRESS, &[CTRL_REG1, CTRL1_RESET | CTRL1_TEMP_EN])
            .unwrap();
        start_continuous(&mut bus);
        let world = PhysicalState {
            temperature: 30.0,
            ..world_at(100, [0.0; 3])
        };
        bus.advance(&world);
        let mut buf = [0u8; 2];
        bus.write_read(ADDRESS, &[TEMP_OUT_L | AUTO_INCREMENT], &mut buf)
            .unwrap();
        assert_eq!(i16::from_le_bytes(buf), 40);
    }

    #[test]
    fn threshold_interrupt_latches_until_int_src_is_read() {
        let mut model = Lis3mdlModel::new();
        model
            .write(&[INT_THS_L | AUTO_INCREMENT, 0xE8, 0x03]) // 1000 LSB
            .unwrap();
        let cfg = INT_CFG_AXIS[0] | 0x08 | INT_CFG_IEA | INT_CFG_LIR | INT_CFG_IEN;
        model.write(&[INT_CFG, cfg]).unwrap();
        model.write(&[CTRL_REG3, MD_CONTINUOUS]).unwrap();
        assert!(!model.int_pin());
        model.advance(&world_at(100, [50.0, 0.0, 0.0]));
        assert!(model.int_pin());
        let mut src = [0];
        model.write(&[INT_SRC]).unwrap();
        model.read(&mut src).unwrap();
        assert_eq!(src[0], INT_SRC_PTH[0] | INT_SRC_INT);
        assert!(!model.int_pin());
    }
}
