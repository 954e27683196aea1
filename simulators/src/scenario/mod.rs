//! Scenarios: a timeline of things that happen to the simulated handset.
//!
//! A scenario is a TOML file of `[[event]]` tables, each with a time `at`
//! and one or more actions:
//!
//! ```toml
//! description = "turn to landscape, then put the phone away"
//!
//! [[event]]
//! at = "1s"                  # "1.5s", "500ms", "250us", "2min", or seconds as a number
//! rotate_to = "landscape"    # face-up | face-down | portrait | landscape | landscape-reverse
//!                            # or { yaw = 0, pitch = 90, roll = 0 } in degrees (see `Pose::Angles`)
//! over = "0.5s"              # optional; without it the pose is taken at once
//!
//! [[event]]
//! at = 3.0
//! proximity_cm = 0.5         # also light_lux, temperature_c
//!
//! [[event]]
//! at = "4s"
//! walk = { steps_per_second = 1.8, duration = "5s" }
//! ```
//!
//! [`Scenario::parse`] reports every error at once, each with file:line:column
//! and the key. A [`ScenarioPlayer`] applies the events to a [`World`] as
//! simulated time passes them; an event between two steps takes effect at
//! its own time, so a rotation's progress does not depend on the step size.

mod parse;
pub(crate) mod timeline;

use crate::world::{PhysicalState, Pose, Walk, World};
use std::fmt;
use yunhal::time::Nanos;

/// A parsed scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// The name it was parsed under (usually the file's path).
    pub name: String,
    /// The file's `description`, if it has one.
    pub description: Option<String>,
    /// The events, in file order.
    pub events: Vec<Event>,
}

/// Things that happen at one instant.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// When.
    pub at: Nanos,
    /// The line of the event in its file.
    pub line: usize,
    /// What happens, in a fixed order (rotation, walk, light, proximity,
    /// temperature).
    pub actions: Vec<Action>,
}

/// One change to the world.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Action {
    /// Turn to `pose` over `over` (at once if zero).
    RotateTo { pose: Pose, over: Nanos },
    /// Start a walk.
    Walk(Walk),
    /// Set the illuminance, lx.
    Light(f32),
    /// Set the proximity distance, cm.
    Proximity(f32),
    /// Set the temperature, °C.
    Temperature(f32),
}

impl Action {
    /// Applies this action to `world` as of `at`.
    pub fn apply(&self, world: &mut World, at: Nanos) {
        match *self {
            Action::RotateTo { pose, over } => world.rotate_towards_from(at, pose.to_quat(), over),
            Action::Walk(walk) => world.walk_from(at, walk),
            Action::Light(lux) => world.set_light(lux),
            Action::Proximity(cm) => world.set_proximity(cm),
            Action::Temperature(celsius) => world.set_temperature(celsius),
        }
    }
}

impl Scenario {
    /// Parses the TOML `text` of the scenario called `name`.
    pub fn parse(name: &str, text: &str) -> Result<Scenario, ScenarioErrors> {
        parse::parse(name, text)
    }

    /// The time of the last event.
    pub fn end(&self) -> Nanos {
        self.events
            .iter()
            .map(|e| e.at)
            .max()
            .unwrap_or(Nanos::ZERO)
    }
}

/// One problem in a scenario file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    /// The scenario's name (its file).
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// The key at fault, as a path (`event[2].walk.duration`), if any.
    pub key: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file, self.line, self.column)?;
        if let Some(key) = &self.key {
            write!(f, "{key}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// Every problem found in a scenario file, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioErrors(pub Vec<ScenarioError>);

impl fmt::Display for ScenarioErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioErrors {}

/// Plays a scenario into a world as simulated time moves on.
#[derive(Debug, Clone)]
pub struct ScenarioPlayer {
    /// Sorted by time; events at one time keep their file order.
    events: Vec<Event>,
    next: usize,
}

impl ScenarioPlayer {
    /// A player at the start of `scenario`.
    pub fn new(scenario: Scenario) -> ScenarioPlayer {
        let mut events = scenario.events;
        events.sort_by_key(|e| e.at);
        ScenarioPlayer { events, next: 0 }
    }

    /// Applies every event due by `t`, each at its own time, moves the
    /// world's clock on to `t` (never back), and returns what the device
    /// senses then.
    pub fn step_to(&mut self, world: &mut World, t: Nanos) -> PhysicalState {
        while let Some(event) = self.events.get(self.next).filter(|e| e.at <= t) {
            for action in &event.actions {
                action.apply(world, event.at);
            }
            self.next += 1;
        }
        world.clock().advance_to(t);
        world.state()
    }

    /// Whether every event has been applied.
    pub fn is_finished(&self) -> bool {
        self.next == self.events.len()
    }
}

#[cfg(test)]
mod tests;
