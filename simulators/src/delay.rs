//! Waiting on a simulated chip.

use embedded_hal::delay::DelayNs;

/// The delay to hand a driver whose chip is a model: a model settles at
/// once (after a reset, say), so the waits a datasheet asks for take no
/// time, and simulated time moves only when the test or the simulator
/// moves it.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoDelay;

impl DelayNs for NoDelay {
    fn delay_ns(&mut self, _ns: u32) {}
}
