//! `yunhal.sim.ISimControl/default`: drives the simulated world that the
//! chip models on the simulated buses sense.

use std::sync::{Arc, MutexGuard};
use yunhal::time::Nanos;
use yunhal_daemon::api::{BusFault, ISimControl, SimState, SIM_SERVICE};
use yunhal_daemon::platform::SimulatedWorld;
use yunhal_daemon::supervisor::{HalService, ServiceContext, ServiceError};
use yunhal_ipc::{Interface, Status, Strong};
use yunhal_sim::scenario::Scenario;
use yunhal_sim::world::{Pose, World};

/// The simulator-control service as the supervisor runs it.
pub struct SimControlService(SimulatedWorld);

impl SimControlService {
    pub fn new(world: SimulatedWorld) -> SimControlService {
        SimControlService(world)
    }
}

impl HalService for SimControlService {
    fn name(&self) -> &str {
        SIM_SERVICE
    }

    fn descriptor(&self) -> &'static str {
        <dyn ISimControl as Interface>::DESCRIPTOR
    }

    fn version(&self) -> u32 {
        <dyn ISimControl as Interface>::VERSION
    }

    fn start(&self, ctx: &ServiceContext) -> Result<(), ServiceError> {
        let object: Arc<dyn ISimControl> = Arc::new(SimControl(self.0.clone()));
        ctx.publish(&Strong::new(object))
    }

    /// The world is the daemon's; nothing to power down.
    fn stop(&self) {}

    fn dump(&self) -> serde_json::Value {
        serde_json::to_value(SimControl(self.0.clone()).snapshot()).unwrap_or_default()
    }
}

/// The published object.
struct SimControl(SimulatedWorld);

impl SimControl {
    /// The world, with simulated time brought to now first, so that a
    /// change starts now and not at the last time a sensor was read.
    fn world(&self) -> (MutexGuard<'_, World>, Nanos) {
        let mut guard = self.0.lock_world();
        let now = self.0.update(&mut guard);
        (guard, now)
    }

    fn snapshot(&self) -> SimState {
        let (world, now) = self.world();
        let s = world.state_at(now);
        SimState {
            time_ns: now.as_nanos(),
            acceleration: s.acceleration,
            angular_velocity: s.angular_velocity,
            magnetic_field: s.magnetic_field,
            illuminance: s.illuminance,
            proximity: s.proximity,
            temperature: s.temperature,
        }
    }
}

fn finite(what: &str, value: f32, min: f32, max: f32) -> Result<f32, Status> {
    if value.is_finite() && (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(Status::illegal_argument(format!(
            "{what}: {value} is outside {min}..={max}"
        )))
    }
}

impl ISimControl for SimControl {
    fn state(&self) -> Result<SimState, Status> {
        Ok(self.snapshot())
    }

    fn rotate(&self, pose: String, over_ms: u64) -> Result<(), Status> {
        let target = Pose::from_name(&pose).ok_or_else(|| {
            Status::illegal_argument(format!(
                "pose {pose:?}: expected face-up, face-down, portrait, landscape or landscape-reverse"
            ))
        })?;
        let (mut world, _) = self.world();
        if over_ms == 0 {
            world.set_orientation(target.to_quat());
        } else {
            world.rotate_towards(target.to_quat(), Nanos::from_millis(over_ms));
        }
        Ok(())
    }

    fn set_light(&self, lux: f32) -> Result<(), Status> {
        let lux = finite("lux", lux, 0.0, 200_000.0)?;
        self.world().0.set_light(lux);
        Ok(())
    }

    fn set_proximity(&self, cm: f32) -> Result<(), Status> {
        let cm = finite("proximity cm", cm, 0.0, 1_000.0)?;
        self.world().0.set_proximity(cm);
        Ok(())
    }

    fn set_temperature(&self, celsius: f32) -> Result<(), Status> {
        let celsius = finite("temperature °C", celsius, -40.0, 125.0)?;
        self.world().0.set_temperature(celsius);
        Ok(())
    }

    fn play_scenario(&self, name: String, toml: String) -> Result<(), Status> {
        // Every error, each with its line, as `yunctl board check` gives them.
        let scenario = Scenario::parse(&name, &toml)
            .map_err(|errors| Status::illegal_argument(format!("play_scenario: {errors}")))?;
        tracing::info!(scenario = %name, "playing");
        self.0.play(scenario);
        Ok(())
    }

    fn stop_scenario(&self) -> Result<Option<String>, Status> {
        Ok(self.0.stop_scenario())
    }

    fn bus_fault(&self, device: String, fault: BusFault) -> Result<(), Status> {
        tracing::info!(%device, ?fault, "simulated bus fault");
        self.0
            .bus_fault(&device, fault)
            .map_err(|e| Status::illegal_argument(format!("bus_fault: {e}")))
    }
}
