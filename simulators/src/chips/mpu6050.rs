//! Register-level model of the InvenSense MPU-6050.
//!
//! Built from the MPU-6000/6050 Register Map and Descriptions rev 4.2
//! (RM-MPU-6000A-00) and Product Specification rev 3.4 (PS-MPU-6000A-00),
//! independently of the driver, so that the driver's tests check the driver
//! against the datasheet rather than against itself.
//!
//! What is modelled: the register file with its reset values, register
//! pointer with auto-increment (except on FIFO_R_W, where burst reads stay),
//! read-only registers, DEVICE_RESET, SLEEP, full-scale ranges, the sample
//! clock (SMPLRT_DIV, DLPF_CFG), the 1024-byte FIFO with overflow, INT_STATUS
//! with clear-on-read, and the INT line level. Not modelled: filtering
//! (the DLPF only sets the rate), the accelerometer's own 1 kHz rate at 8 kHz
//! sample rates, self-test, the auxiliary I2C master, motion interrupts,
//! the DMP, and the 50 µs pulse of an unlatched INT pin.

use crate::i2c::{I2cDeviceModel, Nack};
use crate::world::PhysicalState;
use std::collections::VecDeque;
use yunhal::units::STANDARD_GRAVITY;

const SMPLRT_DIV: u8 = 0x19;
const CONFIG: u8 = 0x1A;
const GYRO_CONFIG: u8 = 0x1B;
const ACCEL_CONFIG: u8 = 0x1C;
const FIFO_EN: u8 = 0x23;
const INT_PIN_CFG: u8 = 0x37;
const INT_ENABLE: u8 = 0x38;
const INT_STATUS: u8 = 0x3A;
const ACCEL_XOUT_H: u8 = 0x3B;
const EXT_SENS_DATA_23: u8 = 0x60;
const USER_CTRL: u8 = 0x6A;
const PWR_MGMT_1: u8 = 0x6B;
const FIFO_COUNT_H: u8 = 0x72;
const FIFO_COUNT_L: u8 = 0x73;
const FIFO_R_W: u8 = 0x74;
const WHO_AM_I: u8 = 0x75;

const FIFO_EN_TEMP: u8 = 1 << 7;
const FIFO_EN_GYRO: [u8; 3] = [1 << 6, 1 << 5, 1 << 4];
const FIFO_EN_ACCEL: u8 = 1 << 3;
const INT_LEVEL_ACTIVE_LOW: u8 = 1 << 7;
const INT_RD_CLEAR: u8 = 1 << 4;
const INT_FIFO_OFLOW: u8 = 1 << 4;
const INT_DATA_RDY: u8 = 1 << 0;
const USER_CTRL_FIFO_EN: u8 = 1 << 6;
const USER_CTRL_FIFO_RESET: u8 = 1 << 2;
const USER_CTRL_SIG_COND_RESET: u8 = 1 << 0;
const PWR_MGMT_1_DEVICE_RESET: u8 = 1 << 7;
const PWR_MGMT_1_SLEEP: u8 = 1 << 6;

/// What WHO_AM_I reads on a real MPU-6050.
pub const MPU6050_WHO_AM_I: u8 = 0x68;
/// FIFO size in bytes (PS §7.17).
pub const FIFO_SIZE: usize = 1024;
const ACCEL_LSB_PER_G: [f32; 4] = [16384.0, 8192.0, 4096.0, 2048.0];
const GYRO_LSB_PER_DPS: [f32; 4] = [131.0, 65.5, 32.8, 16.4];
const TEMP_LSB_PER_DEGREE: f32 = 340.0;
const TEMP_OFFSET_CELSIUS: f32 = 36.53;
const NANOS_PER_SECOND: u64 = 1_000_000_000;

/// A simulated MPU-6050.
pub struct Mpu6050Model {
    regs: [u8; 128],
    who_am_i: u8,
    pointer: u8,
    fifo: VecDeque<u8>,
    /// FIFO_COUNT as latched by the last read of FIFO_COUNT_H (RM §4.30).
    fifo_count_latch: u16,
    /// FIFO_R_W on an empty FIFO repeats the last byte read (RM §4.31).
    last_fifo_byte: u8,
    /// Simulated time of the last `advance`, in ns.
    now: u64,
    /// When the next sample is due, while awake; restarted by any
    /// write that changes the rate or wakes the chip.
    next_sample: Option<u64>,
}

impl Default for Mpu6050Model {
    fn default() -> Self {
        Mpu6050Model::new()
    }
}

impl Mpu6050Model {
    /// A chip just powered up: asleep, every register at its reset value.
    pub fn new() -> Mpu6050Model {
        Mpu6050Model::with_who_am_i(MPU6050_WHO_AM_I)
    }

    /// A look-alike whose WHO_AM_I reads `who_am_i` (an MPU-6500 reads
    /// 0x70), to test a driver's identity check.
    pub fn with_who_am_i(who_am_i: u8) -> Mpu6050Model {
        let mut model = Mpu6050Model {
            regs: [0; 128],
            who_am_i,
            pointer: 0,
            fifo: VecDeque::with_capacity(FIFO_SIZE),
            fifo_count_latch: 0,
            last_fifo_byte: 0,
            now: 0,
            next_sample: None,
        };
        model.reset();
        model
    }

    /// Bytes in the FIFO now (not the latched FIFO_COUNT).
    pub fn fifo_len(&self) -> usize {
        self.fifo.len()
    }

    /// The value of register `address`, without a bus read's side effects.
    pub fn register(&self, address: u8) -> u8 {
        self.regs[usize::from(address & 0x7F)]
    }

    /// Register reset values (RM §3: all 0 except PWR_MGMT_1 0x40 and WHO_AM_I).
    fn reset(&mut self) {
        self.regs = [0; 128];
        self.regs[usize::from(PWR_MGMT_1)] = PWR_MGMT_1_SLEEP;
        self.regs[usize::from(WHO_AM_I)] = self.who_am_i;
        self.fifo.clear();
        self.fifo_count_latch = 0;
        self.last_fifo_byte = 0;
        self.next_sample = None;
    }

    fn reg(&self, address: u8) -> u8 {
        self.regs[usize::from(address)]
    }

    fn asleep(&self) -> bool {
        self.reg(PWR_MGMT_1) & PWR_MGMT_1_SLEEP != 0
    }

    /// Sample period in ns: gyro output rate (8 kHz with DLPF_CFG 0 or 7,
    /// else 1 kHz) divided by 1 + SMPLRT_DIV (RM §4.2).
    fn sample_period_ns(&self) -> u64 {
        let gyro_rate_hz: u64 = match self.reg(CONFIG) & 0b111 {
            0 | 7 => 8_000,
            _ => 1_000,
        };
        NANOS_PER_SECOND * (1 + u64::from(self.reg(SMPLRT_DIV))) / gyro_rate_hz
    }

    fn restart_sample_clock(&mut self) {
        self.next_sample = if self.asleep() {
            None
        } else {
            Some(self.now + self.sample_period_ns())
        };
    }

    fn is_read_only(address: u8) -> bool {
        matches!(
            address,
            INT_STATUS | ACCEL_XOUT_H..=EXT_SENS_DATA_23 | FIFO_COUNT_H | FIFO_COUNT_L | WHO_AM_I
        )
    }

    fn write_register(&mut self, address: u8, value: u8) {
        if Self::is_read_only(address) {
            return;
        }
        match address {
            PWR_MGMT_1 if value & PWR_MGMT_1_DEVICE_RESET != 0 => self.reset(),
            PWR_MGMT_1 => {
                self.regs[usize::from(address)] = value;
                self.restart_sample_clock();
            }
            USER_CTRL => {
                if value & USER_CTRL_FIFO_RESET != 0 {
                    self.fifo.clear();
                }
                if value & USER_CTRL_SIG_COND_RESET != 0 {
                    self.regs[usize::from(ACCEL_XOUT_H)..=0x48].fill(0);
                }
                self.regs[usize::from(address)] =
                    value & !(USER_CTRL_FIFO_RESET | USER_CTRL_SIG_COND_RESET);
            }
            FIFO_R_W => self.push_fifo(&[value]),
            SMPLRT_DIV | CONFIG => {
                self.regs[usize::from(address)] = value;
                self.restart_sample_clock();
            }
            _ => self.regs[usize::from(address)] = value,
        }
    }

    fn read_register(&mut self, address: u8) -> u8 {
        let value = match address {
            FIFO_COUNT_H => {
                self.fifo_count_latch = self.fifo.len() as u16;
                (self.fifo_count_latch >> 8) as u8
            }
            FIFO_COUNT_L => self.fifo_count_latch as u8,
            FIFO_R_W => {
                if let Some(byte) = self.fifo.pop_front() {
                    self.last_fifo_byte = byte;
                }
                self.last_fifo_byte
            }
            _ => self.reg(address),
        };
        let clear_on_any_read = self.reg(INT_PIN_CFG) & INT_RD_CLEAR != 0;
        if address == INT_STATUS || clear_on_any_read {
            self.regs[usize::from(INT_STATUS)] = 0;
        }
        value
    }

    /// Pushes `bytes`; on a full FIFO the oldest byte is lost and
    /// FIFO_OFLOW_INT set (RM §4.31).
    fn push_fifo(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            if self.fifo.len() == FIFO_SIZE {
                self.fifo.pop_front();
                self.regs[usize::from(INT_STATUS)] |= INT_FIFO_OFLOW;
            }
            self.fifo.push_back(byte);
        }
    }

    /// One sample from `world` into the data registers and, if enabled,
    /// the FIFO, in register order: accel XYZ, temp, gyro XYZ.
    fn take_sample(&mut self, world: &PhysicalState) {
        let accel_lsb_per_g = ACCEL_LSB_PER_G[usize::from((self.reg(ACCEL_CONFIG) >> 3) & 0b11)];
        let gyro_lsb_per_dps = GYRO_LSB_PER_DPS[usize::from((self.reg(GYRO_CONFIG) >> 3) & 0b11)];
        let accel = world
            .acceleration
            .map(|a| saturate(a / STANDARD_GRAVITY * accel_lsb_per_g));
        let temp = saturate((world.temperature - TEMP_OFFSET_CELSIUS) * TEMP_LSB_PER_DEGREE);
        let gyro = world
            .angular_velocity
            .map(|w| saturate(w.to_degrees() * gyro_lsb_per_dps));

        let mut data = [0u8; 14];
        for (i, value) in accel.iter().chain([&temp]).chain(gyro.iter()).enumerate() {
            data[2 * i..2 * i + 2].copy_from_slice(&value.to_be_bytes());
        }
        let first = usize::from(ACCEL_XOUT_H);
        self.regs[first..first + 14].copy_from_slice(&data);
        self.regs[usize::from(INT_STATUS)] |= INT_DATA_RDY;

        if self.reg(USER_CTRL) & USER_CTRL_FIFO_EN != 0 {
            let fifo_en = self.reg(FIFO_EN);
            if fifo_en & FIFO_EN_ACCEL != 0 {
                self.push_fifo(&data[0..6]);
            }
            if fifo_en & FIFO_EN_TEMP != 0 {
                self.push_fifo(&data[6..8]);
            }
            for (axis, bit) in FIFO_EN_GYRO.iter().enumerate() {
                if fifo_en & bit != 0 {
                    self.push_fifo(&data[8 + 2 * axis..10 + 2 * axis]);
                }
            }
        }
    }
}

fn saturate(lsb: f32) -> i16 {
    // `as` saturates float-to-int casts; the chip's range is symmetric.
    (lsb.round() as i16).max(-i16::MAX)
}

impl I2cDeviceModel for Mpu6050Model {
    fn write(&mut self, data: &[u8]) -> Result<(), Nack> {
        let (&register, values) = data.split_first().ok_or(Nack::Data)?;
        if usize::from(register) >= self.regs.len() {
            return Err(Nack::Data);
        }
        self.pointer = register;
        for &value in values {
            if usize::from(self.pointer) >= self.regs.len() {
                return Err(Nack::Data);
            }
            self.write_register(self.pointer, value);
            if self.pointer != FIFO_R_W {
                self.pointer += 1;
            }
        }
        Ok(())
    }

    fn read(&mut self, buf: &mut [u8]) -> Result<(), Nack> {
        for byte in buf {
            if usize::from(self.pointer) >= self.regs.len() {
                return Err(Nack::Data);
            }
            *byte = self.read_register(self.pointer);
            if self.pointer != FIFO_R_W {
                self.pointer += 1;
            }
        }
        Ok(())
    }

    fn advance(&mut self, world: &PhysicalState) {
        let now = world.time.0.max(self.now);
        if let Some(mut next) = self.next_sample {
            let period = self.sample_period_ns();
            if next <= now {
                // Every sample in one step sees the same world, so only the
                // last FIFO's worth of them (plus one, to overflow) matters.
                let due = (now - next) / period + 1;
                let skipped = due.saturating_sub(FIFO_SIZE as u64 + 1);
                next += skipped * period;
                while next <= now {
                    self.take_sample(world);
                    next += period;
                }
            }
            self.next_sample = Some(next);
        }
        self.now = now;
    }

    fn interrupt_line(&self) -> bool {
        let pending = self.reg(INT_STATUS) & self.reg(INT_ENABLE) != 0;
        let active_low = self.reg(INT_PIN_CFG) & INT_LEVEL_ACTIVE_LOW != 0;
        pending != active_low
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use yunhal::time::Nanos;

    fn write(model: &mut Mpu6050Model, register: u8, value: u8) {
        model.write(&[register, value]).unwrap();
    }

    fn read(model: &mut Mpu6050Model, register: u8, buf: &mut [u8]) {
        model.write(&[register]).unwrap();
        model.read(buf).unwrap();
    }

    fn read_one(model: &mut Mpu6050Model, register: u8) -> u8 {
        let mut buf = [0];
        read(model, register, &mut buf);
        buf[0]
    }

    fn awake_model() -> Mpu6050Model {
        let mut model = Mpu6050Model::new();
        write(&mut model, PWR_MGMT_1, 0x01);
        model
    }

    fn world_at_ms(ms: u64) -> PhysicalState {
        PhysicalState::resting(Nanos::from_millis(ms))
    }

    fn accel_z(model: &mut Mpu6050Model) -> i16 {
        let mut buf = [0; 2];
        read(model, 0x3F, &mut buf);
        i16::from_be_bytes(buf)
    }

    fn fifo_count(model: &mut Mpu6050Model) -> u16 {
        let mut buf = [0; 2];
        read(model, FIFO_COUNT_H, &mut buf);
        u16::from_be_bytes(buf)
    }

    #[test]
    fn power_up_registers_hold_datasheet_reset_values() {
        let mut model = Mpu6050Model::new();

        let mut regs = [0u8; 128];
        read(&mut model, 0, &mut regs[..FIFO_R_W as usize]);
        read(&mut model, WHO_AM_I, &mut regs[WHO_AM_I as usize..]);

        for (address, value) in regs.iter().enumerate() {
            let expected = match address as u8 {
                PWR_MGMT_1 => 0x40,
                WHO_AM_I => 0x68,
                _ => 0,
            };
            assert_eq!(*value, expected, "register {address:#04x}");
        }
    }

    #[test]
    fn who_am_i_reads_0x68_and_ignores_writes() {
        let mut model = Mpu6050Model::new();

        write(&mut model, WHO_AM_I, 0x12);

        assert_eq!(read_one(&mut model, WHO_AM_I), 0x68);
    }

    #[test]
    fn register_past_the_map_is_nacked() {
        let mut model = Mpu6050Model::new();

        assert_eq!(model.write(&[0x80, 0]), Err(Nack::Data));
    }

    #[test]
    fn asleep_chip_does_not_update_data_registers() {
        let mut model = Mpu6050Model::new();

        model.advance(&world_at_ms(100));

        assert_eq!(accel_z(&mut model), 0);
        assert_eq!(read_one(&mut model, INT_STATUS), 0);
    }

    #[test]
    fn device_reset_restores_reset_values_and_sleep() {
        let mut model = awake_model();
        write(&mut model, ACCEL_CONFIG, 0x18);

        write(&mut model, PWR_MGMT_1, PWR_MGMT_1_DEVICE_RESET);

        assert_eq!(read_one(&mut model, ACCEL_CONFIG), 0);
        assert_eq!(read_one(&mut model, PWR_MGMT_1), 0x40);
    }

    #[test]
    fn one_g_reads_16384_at_2g_and_8192_at_4g() {
        let mut model = awake_model();
        model.advance(&world_at_ms(1));
        let at_2g = accel_z(&mut model);

        write(&mut model, ACCEL_CONFIG, 1 << 3);
        model.advance(&world_at_ms(2));
        let at_4g = accel_z(&mut model);

        assert_eq!(at_2g, 16384);
        assert_eq!(at_4g, 8192);
    }

    #[test]
    fn acceleration_beyond_range_saturates() {
        let mut model = awake_model();
        let mut world = world_at_ms(1);
        world.acceleration = [100.0, -100.0, 0.0];

        model.advance(&world);
        let mut buf = [0; 4];
        read(&mut model, ACCEL_XOUT_H, &mut buf);

        assert_eq!(i16::from_be_bytes([buf[0], buf[1]]), 32767);
        assert_eq!(i16::from_be_bytes([buf[2], buf[3]]), -32767);
    }

    #[test]
    fn int_status_data_ready_clears_on_read() {
        let mut model = awake_model();
        write(&mut model, INT_ENABLE, INT_DATA_RDY);
        model.advance(&world_at_ms(1));
        assert!(model.interrupt_line());

        let first = read_one(&mut model, INT_STATUS);
        let second = read_one(&mut model, INT_STATUS);

        assert_eq!(first, INT_DATA_RDY);
        assert_eq!(second, 0);
        assert!(!model.interrupt_line());
    }

    #[test]
    fn fifo_fills_at_configured_rate() {
        let mut model = awake_model();
        write(&mut model, CONFIG, 3); // DLPF on: 1 kHz
        write(&mut model, SMPLRT_DIV, 9); // 100 Hz
        write(&mut model, FIFO_EN, FIFO_EN_ACCEL);
        write(&mut model, USER_CTRL, USER_CTRL_FIFO_EN);

        model.advance(&world_at_ms(100));

        assert_eq!(fifo_count(&mut model), 10 * 6);
    }

    #[test]
    fn fifo_holds_accel_temp_gyro_in_register_order() {
        let mut model = awake_model();
        write(&mut model, FIFO_EN, 0xF8);
        write(&mut model, USER_CTRL, USER_CTRL_FIFO_EN);
        let mut world = world_at_ms(0);
        world.time = Nanos(125_000); // one sample at 8 kHz
        world.angular_velocity = [0.0, 0.0, 1.0];

        model.advance(&world);
        let mut frame = [0; 14];
        read(&mut model, FIFO_R_W, &mut frame);
        let mut registers = [0; 14];
        read(&mut model, ACCEL_XOUT_H, &mut registers);

        assert_eq!(frame, registers);
        assert_eq!(fifo_count(&mut model), 0);
    }

    #[test]
    fn fifo_overflow_sets_flag_and_keeps_newest_1024_bytes() {
        let mut model = awake_model();
        write(&mut model, FIFO_EN, FIFO_EN_ACCEL);
        write(&mut model, USER_CTRL, USER_CTRL_FIFO_EN);
        write(&mut model, INT_ENABLE, INT_FIFO_OFLOW);

        model.advance(&world_at_ms(1000)); // 8000 samples at 8 kHz

        assert_eq!(fifo_count(&mut model), 1024);
        assert!(model.interrupt_line());
        assert_eq!(
            read_one(&mut model, INT_STATUS) & INT_FIFO_OFLOW,
            INT_FIFO_OFLOW
        );
    }

    #[test]
    fn fifo_reset_empties_fifo_and_self_clears() {
        let mut model = awake_model();
        write(&mut model, FIFO_EN, FIFO_EN_ACCEL);
        write(&mut model, USER_CTRL, USER_CTRL_FIFO_EN);
        model.advance(&world_at_ms(1));

        write(
            &mut model,
            USER_CTRL,
            USER_CTRL_FIFO_EN | USER_CTRL_FIFO_RESET,
        );

        assert_eq!(fifo_count(&mut model), 0);
        assert_eq!(read_one(&mut model, USER_CTRL), USER_CTRL_FIFO_EN);
    }

    #[test]
    fn temperature_register_inverts_datasheet_formula() {
        let mut model = awake_model();

        model.advance(&world_at_ms(1));
        let mut buf = [0; 2];
        read(&mut model, 0x41, &mut buf);

        let celsius = f32::from(i16::from_be_bytes(buf)) / 340.0 + 36.53;
        assert!((celsius - 25.0).abs() < 0.01, "{celsius}");
    }
}
