//! What the tests of this crate share.

use yunhal::time::Nanos;
use yunhal_sim::i2c::SharedI2cBus;
use yunhal_sim::world::PhysicalState;

/// Moves every model on `bus` to `ms` in a resting world with `field` (µT).
pub fn advance_to_millis(bus: &SharedI2cBus, ms: u64, field: [f32; 3]) {
    bus.advance(&PhysicalState {
        magnetic_field: field,
        ..PhysicalState::resting(Nanos::from_millis(ms))
    });
}
