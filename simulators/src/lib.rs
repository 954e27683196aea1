//! yunhal's simulated handset.
//!
//! The simulator models chips at their registers, so that the real chip
//! drivers run unchanged on a developer's PC: a driver talks embedded-hal
//! I2C to a [`SimI2cBus`](i2c::SimI2cBus), which routes each transfer by
//! address to a register model ([`I2cDeviceModel`](i2c::I2cDeviceModel)).
//! Models take their physical inputs (acceleration, field, light…) from a
//! [`PhysicalState`](world::PhysicalState) at a simulated time that tests
//! step, so runs are deterministic and never sleep.

pub mod chips;
pub mod clock;
pub mod delay;
pub mod gpio;
pub mod i2c;
pub mod modem;
pub mod scenario;
pub mod world;
