//! What the tests of this crate share.

use yunhal::time::Nanos;
use yunhal_sim::i2c::SharedI2cBus;
use yunhal_sim::world::PhysicalState;

/// Moves `world` to `ms` and every model on `bus` with it.
pub fn advance_to_ms(bus: &SharedI2cBus, world: &mut PhysicalState, ms: u64) {
    world.time = Nanos::from_millis(ms);
    bus.advance(world);
}
