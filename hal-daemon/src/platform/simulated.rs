//! The simulated handset's world and its I2C buses, on real time.
//!
//! The chip models only see the world when their bus is advanced, so the
//! bus is brought up to date lazily: right before each transfer, simulated
//! time moves to the `CLOCK_MONOTONIC` time since the simulator started and
//! every model on the bus samples the world as of then. A driver thus
//! always reads the world as of the moment it reads, and nothing ticks
//! while nobody reads.

use embedded_hal::i2c::{self, Operation, SevenBitAddress};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use yunhal::time::{Clock, Nanos};
use yunhal_sim::clock::SimClock;
use yunhal_sim::i2c::{I2cDeviceModel, SharedI2cBus, SimI2cError};
use yunhal_sim::modem::ModemSim;
use yunhal_sim::scenario::{Scenario, ScenarioPlayer};
use yunhal_sim::world::{NoiseConfig, World};

/// The one simulated world of the daemon, following `CLOCK_MONOTONIC`.
#[derive(Clone)]
pub struct SimulatedWorld {
    world: Arc<Mutex<World>>,
    clock: SimClock,
    /// `CLOCK_MONOTONIC` at simulated time zero.
    started: Nanos,
    /// The scenario playing, by name.
    scenario: Arc<Mutex<Option<(String, ScenarioPlayer)>>>,
    /// The simulated chips by board device name, for fault injection.
    chips: Arc<Mutex<BTreeMap<String, Chip>>>,
    /// The modem and network simulator behind the modem's pty.
    modem: Arc<Mutex<Option<Arc<ModemSim>>>>,
}

/// A simulated chip on its bus.
struct Chip {
    bus: SharedI2cBus,
    address: u8,
    /// Its model while it is disconnected.
    detached: Option<Box<dyn I2cDeviceModel>>,
}

/// A fault on a simulated chip's bus connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum BusFault {
    /// The next `n` transfers on the chip's bus NACK.
    Nacks(u32),
    /// The chip stops answering (every transfer to it NACKs)...
    Disconnect,
    /// ...until it answers again, with the state it had.
    Reconnect,
}

/// Why a simulation request failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimulationError {
    #[error("no simulated chip named {0:?} (the board's device names: {1})")]
    UnknownDevice(String, String),
    #[error("{0:?} is already disconnected")]
    AlreadyDisconnected(String),
    #[error("{0:?} is not disconnected")]
    NotDisconnected(String),
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
            scenario: Arc::new(Mutex::new(None)),
            chips: Arc::new(Mutex::new(BTreeMap::new())),
            modem: Arc::new(Mutex::new(None)),
        }
    }

    /// Makes `modem` the board's simulated modem.
    pub fn attach_modem(&self, modem: Arc<ModemSim>) {
        *lock(&self.modem) = Some(modem);
    }

    /// The board's simulated modem, if it has one.
    pub fn modem(&self) -> Option<Arc<ModemSim>> {
        lock(&self.modem).clone()
    }

    /// Plays `scenario` from now on (its times count from now), in place
    /// of the one playing.
    pub fn play(&self, scenario: Scenario) {
        let mut world = self.lock();
        let now = self.update(&mut world);
        let mut shifted = scenario;
        for event in &mut shifted.events {
            event.at += now;
        }
        let name = shifted.name.clone();
        let mut player = ScenarioPlayer::new(shifted);
        player.step_to(&mut world, now);
        *lock(&self.scenario) = Some((name, player));
    }

    /// Stops the scenario playing; returns its name.
    pub fn stop_scenario(&self) -> Option<String> {
        lock(&self.scenario).take().map(|(name, _)| name)
    }

    /// The scenario playing, and whether it has applied every event.
    pub fn scenario(&self) -> Option<(String, bool)> {
        lock(&self.scenario)
            .as_ref()
            .map(|(name, player)| (name.clone(), player.is_finished()))
    }

    /// Records the chip of board device `name` at `address` on `bus`.
    pub(crate) fn add_chip(&self, name: &str, bus: SharedI2cBus, address: u8) {
        lock(&self.chips).insert(
            name.to_string(),
            Chip {
                bus,
                address,
                detached: None,
            },
        );
    }

    /// Injects `fault` on the chip of board device `device`.
    pub fn bus_fault(&self, device: &str, fault: BusFault) -> Result<(), SimulationError> {
        let mut chips = lock(&self.chips);
        let names = chips.keys().cloned().collect::<Vec<_>>().join(", ");
        let chip = chips
            .get_mut(device)
            .ok_or_else(|| SimulationError::UnknownDevice(device.to_string(), names))?;
        let mut bus = chip.bus.lock();
        match fault {
            BusFault::Nacks(n) => bus.inject_nacks(n),
            BusFault::Disconnect => {
                if chip.detached.is_some() {
                    return Err(SimulationError::AlreadyDisconnected(device.to_string()));
                }
                chip.detached = bus.detach(chip.address);
            }
            BusFault::Reconnect => {
                let model = chip
                    .detached
                    .take()
                    .ok_or_else(|| SimulationError::NotDisconnected(device.to_string()))?;
                bus.attach(chip.address, model);
            }
        }
        Ok(())
    }

    /// Moves simulated time to now, applying the scenario's events due.
    pub fn update(&self, world: &mut World) -> Nanos {
        let now = self.advance_to_now();
        if let Some((_, player)) = lock(&self.scenario).as_mut() {
            player.step_to(world, now);
        }
        now
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
        let mut world = self.lock();
        let now = self.update(&mut world);
        bus.advance(&world.state_at(now));
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
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
