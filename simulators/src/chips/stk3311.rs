//! Register model of the Sensortek STK3311 ambient-light and proximity
//! sensor.
//!
//! Built from the Linux IIO driver `drivers/iio/light/stk3310.c` (register
//! map, fields, gain and integration-time tables, product id 0x1D) and
//! Sensortek's `stk3x1x` driver (FLAG bits, write-0-to-clear, `SW_RESET`
//! at 0x80). Modelled:
//! - registers 0x00–0x0D, 0x10–0x14, 0x3E–0x3F and the write-only 0x80;
//!   any other register is a data NACK;
//! - the register pointer auto-increments on reads and writes;
//! - ALS: after each integration time, `world.illuminance` becomes a
//!   count of `lux / (scale(gain) × 94.72 ms / IT)`, the inverse of the
//!   driver's conversion, saturating at 0xFFFF; ALS threshold interrupt
//!   when the count leaves [THDL_ALS, THDH_ALS];
//! - PS: after each integration time, `world.proximity` (cm) becomes a
//!   count of `10 000 / d²` at 64x gain and 370 µs (1 cm → 10 000,
//!   10 cm → 100), scaled by gain and integration time, saturating at
//!   0xFFFF; a count ≥ THDH_PS clears NF (near), one < THDL_PS sets it
//!   (far); with INT_PS non-zero each NF change sets FLG_PSINT (every
//!   non-zero mode behaves as mode 1, the one the Linux driver uses).
//!
//! Not modelled: persistence, wait time, LED current, offset registers,
//! the data-register latch.
//!
//! The real INT pin is active-low, open drain. [`I2cDeviceModel::interrupt_line`]
//! returns the logical level: `true` while an enabled interrupt flag is
//! set, i.e. while the chip pulls the pin low.

use crate::i2c::{I2cDeviceModel, Nack};
use crate::world::PhysicalState;
use yunhal::time::Nanos;

const STATE: u8 = 0x00;
const PSCTRL: u8 = 0x01;
const ALSCTRL: u8 = 0x02;
const LEDCTRL: u8 = 0x03;
const INTCTRL: u8 = 0x04;
const WAIT: u8 = 0x05;
const THDH_PS: u8 = 0x06;
const THDL_PS: u8 = 0x08;
const THDH_ALS: u8 = 0x0A;
const THDL_ALS: u8 = 0x0C;
const FLAG: u8 = 0x10;
const PS_DATA: u8 = 0x11;
const ALS_DATA: u8 = 0x13;
const PDT_ID: u8 = 0x3E;
const RSRVD: u8 = 0x3F;
const SW_RESET: u8 = 0x80;

const EN_PS: u8 = 1 << 0;
const EN_ALS: u8 = 1 << 1;
const INT_PS_MASK: u8 = 0x07;
const INT_ALS: u8 = 1 << 3;
const FLG_ALSDR: u8 = 1 << 7;
const FLG_PSDR: u8 = 1 << 6;
const FLG_ALSINT: u8 = 1 << 5;
const FLG_PSINT: u8 = 1 << 4;
const FLG_NF: u8 = 1 << 0;
/// Flags a write of 0 clears; NF is read-only.
const FLG_CLEARABLE: u8 = FLG_ALSDR | FLG_PSDR | FLG_ALSINT | FLG_PSINT;

/// The product id of the plain STK3311.
pub const STK3311_PRODUCT_ID: u8 = 0x1D;

/// Register values after power-on or software reset (address, value):
/// ALS and PS gain 64x, ALS 94.72 ms, PS 370 µs, thresholds wide open,
/// NF = far. Not yet checked against the STK3311 datasheet (none was at
/// hand): PSCTRL, ALSCTRL, LEDCTRL, WAIT, the threshold defaults and 0x3F
/// follow Sensortek's vendor driver defaults; the addresses, bit fields and
/// product id are checked against Linux's stk3310 driver.
const RESET_VALUES: [(u8, u8); 16] = [
    (STATE, 0x00),
    (PSCTRL, 0x31),
    (ALSCTRL, 0x39),
    (LEDCTRL, 0xFF),
    (INTCTRL, 0x00),
    (WAIT, 0x07),
    (THDH_PS, 0xFF),
    (THDH_PS + 1, 0xFF),
    (THDL_PS, 0x00),
    (THDL_PS + 1, 0x00),
    (THDH_ALS, 0xFF),
    (THDH_ALS + 1, 0xFF),
    (THDL_ALS, 0x00),
    (THDL_ALS + 1, 0x00),
    (FLAG, FLG_NF),
    (RSRVD, 0xC0),
];

/// Lux per count at 94.72 ms for gain field 0..3 (Linux's scale table).
const LUX_PER_COUNT: [f64; 4] = [6.4, 1.6, 0.4, 0.1];
/// Gain factor for field 0..3.
const GAIN: [f64; 4] = [1.0, 4.0, 16.0, 64.0];
/// Proximity count for an object 1 cm away, at 64x and 370 µs.
const PS_COUNTS_AT_1_CM: f64 = 10_000.0;

/// Integration time of a 4-bit IT field: 185 µs × 2ⁿ (Linux's table
/// lists 0.741 ms etc.: the nominal step is 185.0 µs, rounded there).
fn integration_micros(ctrl: u8) -> f64 {
    185.0 * f64::from(1u32 << (ctrl & 0x0F))
}

fn integration_nanos(ctrl: u8) -> u64 {
    (integration_micros(ctrl) * 1_000.0) as u64
}

fn gain_field(ctrl: u8) -> usize {
    usize::from((ctrl >> 4) & 0x03)
}

fn to_count(value: f64) -> u16 {
    value.round().clamp(0.0, f64::from(u16::MAX)) as u16
}

/// When the next conversion of one channel finishes.
#[derive(Debug, Clone, Copy, Default)]
struct Channel {
    due: Option<Nanos>,
}

impl Channel {
    /// Whether a conversion finished by `now`; restarts the period.
    fn conversion_done(&mut self, enabled: bool, period_ns: u64, now: Nanos) -> bool {
        if !enabled {
            self.due = None;
            return false;
        }
        let due = *self.due.get_or_insert(Nanos(now.0 + period_ns));
        if now < due {
            return false;
        }
        let periods = (now.0 - due.0) / period_ns + 1;
        self.due = Some(Nanos(due.0 + periods * period_ns));
        true
    }
}

/// The STK3311 at its registers.
pub struct Stk3311Model {
    regs: [u8; 0x40],
    pointer: u8,
    product_id: u8,
    now: Nanos,
    als: Channel,
    ps: Channel,
}

impl Default for Stk3311Model {
    fn default() -> Stk3311Model {
        Stk3311Model::new()
    }
}

impl Stk3311Model {
    /// An STK3311 (product id 0x1D) just powered on.
    pub fn new() -> Stk3311Model {
        Stk3311Model::with_product_id(STK3311_PRODUCT_ID)
    }

    /// A chip that answers with another product id, to test id checks.
    pub fn with_product_id(product_id: u8) -> Stk3311Model {
        let mut model = Stk3311Model {
            regs: [0; 0x40],
            pointer: 0,
            product_id,
            now: Nanos::ZERO,
            als: Channel::default(),
            ps: Channel::default(),
        };
        model.reset();
        model
    }

    fn reset(&mut self) {
        self.regs = [0; 0x40];
        for (address, value) in RESET_VALUES {
            self.regs[usize::from(address)] = value;
        }
        self.regs[usize::from(PDT_ID)] = self.product_id;
        self.als = Channel::default();
        self.ps = Channel::default();
    }

    fn exists(register: u8) -> bool {
        matches!(register, 0x00..=0x0D | 0x10..=0x14 | PDT_ID | RSRVD)
    }

    fn reg(&self, register: u8) -> u8 {
        self.regs[usize::from(register)]
    }

    fn reg_u16(&self, register: u8) -> u16 {
        u16::from_be_bytes([self.reg(register), self.reg(register + 1)])
    }

    fn set_u16(&mut self, register: u8, value: u16) {
        let [msb, lsb] = value.to_be_bytes();
        self.regs[usize::from(register)] = msb;
        self.regs[usize::from(register + 1)] = lsb;
    }

    fn write_register(&mut self, register: u8, value: u8) -> Result<(), Nack> {
        match register {
            SW_RESET => self.reset(),
            FLAG => {
                let kept = value | !FLG_CLEARABLE;
                self.regs[usize::from(FLAG)] &= kept;
            }
            // Read-only: the chip acknowledges and ignores the write.
            PS_DATA..=0x14 | PDT_ID | RSRVD => {}
            r if Stk3311Model::exists(r) => self.regs[usize::from(r)] = value,
            _ => return Err(Nack::Data),
        }
        Ok(())
    }

    fn convert_als(&mut self, lux: f32) {
        let ctrl = self.reg(ALSCTRL);
        let lux_per_count = LUX_PER_COUNT[gain_field(ctrl)] * 94_720.0 / integration_micros(ctrl);
        let count = to_count(f64::from(lux.max(0.0)) / lux_per_count);
        self.set_u16(ALS_DATA, count);
        let mut flags = self.reg(FLAG) | FLG_ALSDR;
        if count > self.reg_u16(THDH_ALS) || count < self.reg_u16(THDL_ALS) {
            flags |= FLG_ALSINT;
        }
        self.regs[usize::from(FLAG)] = flags;
    }

    fn convert_ps(&mut self, distance_cm: f32) {
        let ctrl = self.reg(PSCTRL);
        let d = f64::from(distance_cm).max(0.1);
        let scale = GAIN[gain_field(ctrl)] / 64.0 * integration_micros(ctrl) / 370.0;
        let count = to_count(PS_COUNTS_AT_1_CM * scale / (d * d));
        self.set_u16(PS_DATA, count);
        let mut flags = self.reg(FLAG) | FLG_PSDR;
        let was_far = flags & FLG_NF != 0;
        let far = if count >= self.reg_u16(THDH_PS) {
            false
        } else if count < self.reg_u16(THDL_PS) {
            true
        } else {
            was_far
        };
        if far {
            flags |= FLG_NF;
        } else {
            flags &= !FLG_NF;
        }
        if far != was_far && self.reg(INTCTRL) & INT_PS_MASK != 0 {
            flags |= FLG_PSINT;
        }
        self.regs[usize::from(FLAG)] = flags;
    }
}

impl I2cDeviceModel for Stk3311Model {
    fn write(&mut self, data: &[u8]) -> Result<(), Nack> {
        let (&register, values) = data.split_first().ok_or(Nack::Data)?;
        if !Stk3311Model::exists(register) && register != SW_RESET {
            return Err(Nack::Data);
        }
        self.pointer = register;
        for &value in values {
            self.write_register(self.pointer, value)?;
            self.pointer = self.pointer.wrapping_add(1);
        }
        Ok(())
    }

    fn read(&mut self, buf: &mut [u8]) -> Result<(), Nack> {
        for byte in buf {
            if !Stk3311Model::exists(self.pointer) {
                return Err(Nack::Data);
            }
            *byte = self.reg(self.pointer);
            self.pointer = self.pointer.wrapping_add(1);
        }
        Ok(())
    }

    fn advance(&mut self, world: &PhysicalState) {
        self.now = self.now.max(world.time);
        let state = self.reg(STATE);
        let als_period = integration_nanos(self.reg(ALSCTRL));
        if self
            .als
            .conversion_done(state & EN_ALS != 0, als_period, self.now)
        {
            self.convert_als(world.illuminance);
        }
        let ps_period = integration_nanos(self.reg(PSCTRL));
        if self
            .ps
            .conversion_done(state & EN_PS != 0, ps_period, self.now)
        {
            self.convert_ps(world.proximity);
        }
    }

    fn interrupt_line(&self) -> bool {
        let enabled = self.reg(INTCTRL);
        let flags = self.reg(FLAG);
        (enabled & INT_PS_MASK != 0 && flags & FLG_PSINT != 0)
            || (enabled & INT_ALS != 0 && flags & FLG_ALSINT != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_reg(model: &mut Stk3311Model, register: u8) -> u8 {
        model.write(&[register]).unwrap();
        let mut buf = [0u8; 1];
        model.read(&mut buf).unwrap();
        buf[0]
    }

    fn read_u16(model: &mut Stk3311Model, register: u8) -> u16 {
        model.write(&[register]).unwrap();
        let mut buf = [0u8; 2];
        model.read(&mut buf).unwrap();
        u16::from_be_bytes(buf)
    }

    fn world_at(millis: u64, lux: f32, proximity_cm: f32) -> PhysicalState {
        PhysicalState {
            illuminance: lux,
            proximity: proximity_cm,
            ..PhysicalState::resting(Nanos::from_millis(millis))
        }
    }

    /// Enables ALS at `als_ctrl`, lets one 94.72 ms (or shorter)
    /// conversion finish, returns the count.
    fn als_count_at(als_ctrl: u8, lux: f32) -> u16 {
        let mut model = Stk3311Model::new();
        model.write(&[ALSCTRL, als_ctrl]).unwrap();
        model.write(&[STATE, EN_ALS]).unwrap();
        model.advance(&world_at(0, lux, 100.0));
        model.advance(&world_at(100, lux, 100.0));
        read_u16(&mut model, ALS_DATA)
    }

    #[test]
    fn registers_hold_their_reset_values() {
        let mut model = Stk3311Model::new();
        for (address, value) in RESET_VALUES {
            assert_eq!(
                read_reg(&mut model, address),
                value,
                "register {address:#04x}"
            );
        }
        assert_eq!(read_u16(&mut model, ALS_DATA), 0);
    }

    #[test]
    fn product_id_reads_0x1d() {
        let mut model = Stk3311Model::new();
        assert_eq!(read_reg(&mut model, PDT_ID), 0x1D);
    }

    #[test]
    fn unknown_register_is_a_data_nack() {
        let mut model = Stk3311Model::new();
        assert_eq!(model.write(&[0x20, 1]), Err(Nack::Data));
        assert_eq!(model.write(&[0x0E]), Err(Nack::Data));
    }

    #[test]
    fn software_reset_restores_defaults() {
        let mut model = Stk3311Model::new();
        model.write(&[ALSCTRL, 0x05]).unwrap();
        model.write(&[SW_RESET, 0]).unwrap();
        assert_eq!(read_reg(&mut model, ALSCTRL), 0x39);
    }

    #[test]
    fn als_count_is_lux_over_scale_at_default_gain() {
        // 64x, 94.72 ms: 0.1 lx per count.
        assert_eq!(als_count_at(0x39, 300.0), 3000);
    }

    #[test]
    fn lower_gain_gives_fewer_counts() {
        // 16x: 0.4 lx per count; 4x: 1.6 lx per count.
        assert_eq!(als_count_at(0x29, 300.0), 750);
        assert_eq!(als_count_at(0x19, 320.0), 200);
    }

    #[test]
    fn shorter_integration_gives_fewer_counts_and_bright_light_saturates() {
        // 47.36 ms is half of 94.72 ms.
        assert_eq!(als_count_at(0x38, 300.0), 1500);
        assert_eq!(als_count_at(0x39, 100_000.0), 0xFFFF);
    }

    #[test]
    fn no_data_before_the_first_integration_ends() {
        let mut model = Stk3311Model::new();
        model.write(&[STATE, EN_ALS]).unwrap();
        model.advance(&world_at(0, 300.0, 100.0));
        model.advance(&world_at(90, 300.0, 100.0));
        assert_eq!(read_u16(&mut model, ALS_DATA), 0);
        assert_eq!(read_reg(&mut model, FLAG) & FLG_ALSDR, 0);
    }

    #[test]
    fn proximity_crossing_the_high_threshold_raises_nf_near_and_the_interrupt() {
        let mut model = Stk3311Model::new();
        // THDH 1000, THDL 500, INT_PS mode 1, PS on.
        model.write(&[THDH_PS, 0x03, 0xE8, 0x01, 0xF4]).unwrap();
        model.write(&[INTCTRL, 0x01]).unwrap();
        model.write(&[STATE, EN_PS]).unwrap();
        model.advance(&world_at(0, 300.0, 100.0));
        model.advance(&world_at(1, 300.0, 100.0));
        assert_ne!(read_reg(&mut model, FLAG) & FLG_NF, 0, "far at 100 cm");
        assert!(!model.interrupt_line());

        model.advance(&world_at(2, 300.0, 1.0));

        assert_eq!(read_u16(&mut model, PS_DATA), 10_000);
        let flags = read_reg(&mut model, FLAG);
        assert_eq!(flags & FLG_NF, 0, "near at 1 cm");
        assert_ne!(flags & FLG_PSINT, 0);
        assert!(model.interrupt_line());
    }

    #[test]
    fn writing_zero_to_psint_clears_it_and_releases_the_line() {
        let mut model = Stk3311Model::new();
        model.write(&[THDH_PS, 0x03, 0xE8, 0x01, 0xF4]).unwrap();
        model.write(&[INTCTRL, 0x01]).unwrap();
        model.write(&[STATE, EN_PS]).unwrap();
        model.advance(&world_at(0, 300.0, 1.0));
        model.advance(&world_at(1, 300.0, 1.0));
        assert!(model.interrupt_line());

        model.write(&[FLAG, !FLG_PSINT]).unwrap();

        assert!(!model.interrupt_line());
        assert_eq!(read_reg(&mut model, FLAG) & FLG_NF, 0, "NF is read-only");
    }

    #[test]
    fn disabled_interrupt_keeps_the_line_inactive() {
        let mut model = Stk3311Model::new();
        model.write(&[THDH_PS, 0x03, 0xE8, 0x01, 0xF4]).unwrap();
        model.write(&[STATE, EN_PS]).unwrap();
        model.advance(&world_at(0, 300.0, 1.0));
        model.advance(&world_at(1, 300.0, 1.0));
        assert_eq!(read_reg(&mut model, FLAG) & FLG_NF, 0);
        assert!(!model.interrupt_line());
    }
}
