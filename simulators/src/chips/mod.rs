//! Register-level models of the chips yunhal has drivers for, one module
//! per chip, each built from the chip's datasheet.

pub mod lis3mdl;
pub mod mpu6050;
pub mod stk3311;
