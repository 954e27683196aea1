//! The simulated handset's world and its I2C buses, on real time.
//!
//! The chip models only see the world when their bus is advanced, so the
//! bus is brought up to date lazily: right before each transfer, simulated
//! time moves to the `CLOCK_MONOTONIC` time since the simulator started and
//! every model on the bus samples the world as of then. A driver thus
//! always reads the world as of the moment it reads, and nothing ticks
//! while nobody reads.

use embedded_hal::i2c::{self, Operation, SevenBitAddress};
use std::sync::{Arc, Mutex, MutexGuard};
use yunhal::time::{Clock, Nanos};
use yunhal_sim::clock::SimClock;
use yunhal_sim::i2c::{SharedI2cBus, SimI2cError};
use yunhal_sim::world::{NoiseConfig, World};

/// The one simulated world of the daemon, following `CLOCK_MONOTONIC`.
#[derive(Clone)]
pub struct SimulatedWorld {
    world: Arc<Mutex<World>>,
    clock: SimClock,
    /// `CLOCK_MONOTONIC` at simulated time zero.
    started: Nanos,
}

/// The noise of the simulated handset's sensors, from their datasheets:
/// MPU-6050 accelerometer 400 µg/√Hz over a 100 Hz bandwidth (≈ 4 mg rms)
/// and gyroscope 0.05 °/s rms (PS-MPU-6000A §6.1–6.2), LIS3MDL 3.2 mG rms
/// at ±4 G (datasheet table 3). Light and proximity are quantized by their
/// chips and get none, so that set values read back exactly.
pub const HANDSET_NOISE: NoiseConfig = NoiseConfig {
    seed: 0x5955_4e48_414c,
    acceleration: 0.039,
    angular_velocity: 0.000_87,
    magnetic_field: 0.32,
    illuminance: 0.0,
    proximity: 0.0,
    temperature: 0.02,
};

impl SimulatedWorld {
    /// A resting world whose time starts now.
    pub fn start() -> SimulatedWorld {
        let clock = SimClock::new();
        let mut world = World::new(clock.clone());
        world.set_noise(HANDSET_NOISE);
        SimulatedWorld {
            world: Arc::new(Mutex::new(world)),
            clock,
            started: Nanos::now(Clock::Monotonic),
        }
    }

    /// The world, for whoever drives it (the simulator-control service).
    pub fn world(&self) -> Arc<Mutex<World>> {
        self.world.clone()
    }

    /// The world, locked.
    pub fn lock_world(&self) -> MutexGuard<'_, World> {
        self.lock()
    }

    fn lock(&self) -> MutexGuard<'_, World> {
        // A panic elsewhere while holding the world leaves it usable.
        self.world.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Moves simulated time to the monotonic clock's now; returns it.
    pub fn advance_to_now(&self) -> Nanos {
        let since_start = Nanos::now(Clock::Monotonic).saturating_sub(self.started);
        self.clock.advance_to(since_start)
    }

    /// Moves simulated time to now and every model on `bus` with it.
    fn bring_up_to_date(&self, bus: &SharedI2cBus) {
        // The world stays locked while the bus advances, so that two
        // threads never hand the models times out of order.
        let world = self.lock();
        let now = self.advance_to_now();
        bus.advance(&world.state_at(now));
    }
}

/// A simulated I2C bus that brings its models up to date before each
/// transfer.
#[derive(Clone)]
pub struct SimulatedI2c {
    bus: SharedI2cBus,
    world: SimulatedWorld,
}

impl SimulatedI2c {
    pub fn new(bus: SharedI2cBus, world: SimulatedWorld) -> SimulatedI2c {
        SimulatedI2c { bus, world }
    }
}

impl i2c::ErrorType for SimulatedI2c {
    type Error = SimI2cError;
}

impl i2c::I2c<SevenBitAddress> for SimulatedI2c {
    fn transaction(
        &mut self,
        address: u8,
        operations: &mut [Operation<'_>],
    ) -> Result<(), SimI2cError> {
        self.world.bring_up_to_date(&self.bus);
        self.bus.transaction(address, operations)
    }
}
