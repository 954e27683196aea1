//! What the simulated sensors sense: the physical world around the device.
//!
//! Frames. The world frame is ENU: x east, y north, z up. The device frame
//! is Android's sensor frame: x to the right of the screen, y to its top,
//! z out of the screen. The pose is the rotation from the device frame to
//! the world frame; face up with the top pointing north it is the identity.
//!
//! [`World`] holds what is true in the world frame (gravity, the device's
//! own acceleration, the Earth's field) and what is scalar (light,
//! proximity, temperature), plus motions started at a simulated time
//! (a rotation, a walk). [`World::state_at`] turns that into the
//! device-frame [`PhysicalState`] the chip models sample, so the
//! accelerometer of a phone lying face up reads +9.81 m/s² on z.

mod noise;
mod pose;
mod quat;

pub use pose::Pose;
pub use quat::Quat;

use crate::clock::SimClock;
use noise::{gaussian, Channel};
use yunhal::time::Nanos;
use yunhal::units::STANDARD_GRAVITY;

/// The physical quantities at the device, in the device frame (x to the
/// right of the screen, y to its top, z out of the screen, as Android's
/// sensor frame), at one instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PhysicalState {
    /// When this state holds.
    pub time: Nanos,
    /// Specific force in m/s² (what an accelerometer reads: flat on a
    /// table, z is +9.81).
    pub acceleration: [f32; 3],
    /// Angular velocity in rad/s.
    pub angular_velocity: [f32; 3],
    /// Magnetic flux density in µT.
    pub magnetic_field: [f32; 3],
    /// Illuminance at the light sensor in lux.
    pub illuminance: f32,
    /// Distance to the nearest object above the proximity sensor in cm.
    pub proximity: f32,
    /// Die temperature in °C.
    pub temperature: f32,
}

impl PhysicalState {
    /// A phone lying still, face up, in an office: 1 g on z, a mid-latitude
    /// Earth field, 300 lx, nothing near, 25 °C.
    pub fn resting(time: Nanos) -> PhysicalState {
        PhysicalState {
            time,
            acceleration: [0.0, 0.0, yunhal::units::STANDARD_GRAVITY],
            angular_velocity: [0.0; 3],
            magnetic_field: [0.0, 22.0, -42.0],
            illuminance: 300.0,
            proximity: 100.0,
            temperature: 25.0,
        }
    }
}

/// The default Earth field in the world frame, µT: 22 µT north and 42 µT
/// down (47.4 µT total, inclination 62°), close to central Europe's field
/// (WMM 2020 at 48° N, 11° E: 21 µT horizontal, 43 µT down), declination
/// taken as zero so magnetic north is the world's y. These are the numbers
/// of [`PhysicalState::resting`], so a default world reads exactly that.
pub const MID_LATITUDE_FIELD: [f64; 3] = [0.0, 22.0, -42.0];

/// Peak vertical acceleration of a walk, m/s²: about 0.2 g, what a phone
/// held in the hand sees at each step.
pub const WALK_VERTICAL_PEAK: f64 = 2.0;
/// Peak side-to-side sway of a walk, m/s²; the sway has half the step
/// rate, one swing per stride.
pub const WALK_SWAY_PEAK: f64 = 0.6;

const NANOS_PER_SECOND: f64 = 1e9;

/// Standard deviations of the noise added to each quantity, and the seed.
/// The default is no noise, so that tests read exact values.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct NoiseConfig {
    /// Seed of the deterministic noise.
    pub seed: u64,
    /// Per axis, m/s².
    pub acceleration: f32,
    /// Per axis, rad/s.
    pub angular_velocity: f32,
    /// Per axis, µT.
    pub magnetic_field: f32,
    /// lx.
    pub illuminance: f32,
    /// cm.
    pub proximity: f32,
    /// °C.
    pub temperature: f32,
}

/// A walk: periodic vertical bounce and sideways sway, for `duration`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Walk {
    /// Cadence; people walk at 1.6–2.0 steps per second.
    pub steps_per_second: f64,
    /// How long the walk lasts.
    pub duration: Nanos,
}

/// A rotation at constant angular velocity about a device-frame axis.
#[derive(Debug, Clone, Copy)]
struct Rotation {
    start: Nanos,
    duration: Nanos,
    axis: [f64; 3],
    angle: f64,
}

/// The simulated physical world around the device.
#[derive(Debug, Clone)]
pub struct World {
    clock: SimClock,
    /// The pose, at `rotation.start` while a rotation is set.
    orientation: Quat,
    rotation: Option<Rotation>,
    walk: Option<(Nanos, Walk)>,
    /// The device's own acceleration in the world frame, m/s².
    linear_acceleration: [f64; 3],
    /// The Earth's field in the world frame, µT.
    earth_field: [f64; 3],
    illuminance: f32,
    proximity: f32,
    temperature: f32,
    noise: NoiseConfig,
}

impl Default for World {
    fn default() -> Self {
        World::new(SimClock::new())
    }
}

impl World {
    /// A phone at rest face up, top north, in an office (the world of
    /// [`PhysicalState::resting`]), on `clock`.
    pub fn new(clock: SimClock) -> World {
        let resting = PhysicalState::resting(Nanos::ZERO);
        World {
            clock,
            orientation: Quat::IDENTITY,
            rotation: None,
            walk: None,
            linear_acceleration: [0.0; 3],
            earth_field: MID_LATITUDE_FIELD,
            illuminance: resting.illuminance,
            proximity: resting.proximity,
            temperature: resting.temperature,
            noise: NoiseConfig::default(),
        }
    }

    /// The clock this world's "now" is read from.
    pub fn clock(&self) -> &SimClock {
        &self.clock
    }

    /// What the device senses now.
    pub fn state(&self) -> PhysicalState {
        self.state_at(self.clock.now())
    }

    /// What the device senses at `t`, in the device frame, noise included.
    pub fn state_at(&self, t: Nanos) -> PhysicalState {
        let to_device = self.orientation_at(t).conjugate();
        let own = add(self.linear_acceleration, self.walk_acceleration_at(t));
        // An accelerometer reads specific force: acceleration minus gravity,
        // and gravity points down.
        let specific_force = add(own, [0.0, 0.0, f64::from(STANDARD_GRAVITY)]);
        let n = &self.noise;
        PhysicalState {
            time: t,
            acceleration: self.noisy3(
                to_device.rotate(specific_force),
                Channel::Acceleration,
                n.acceleration,
                t,
            ),
            angular_velocity: self.noisy3(
                self.angular_velocity_at(t),
                Channel::AngularVelocity,
                n.angular_velocity,
                t,
            ),
            magnetic_field: self.noisy3(
                to_device.rotate(self.earth_field),
                Channel::MagneticField,
                n.magnetic_field,
                t,
            ),
            illuminance: self
                .noisy(self.illuminance, Channel::Illuminance, n.illuminance, t)
                .max(0.0),
            proximity: self
                .noisy(self.proximity, Channel::Proximity, n.proximity, t)
                .max(0.0),
            temperature: self.noisy(self.temperature, Channel::Temperature, n.temperature, t),
        }
    }

    /// The pose (device to world) at `t`.
    pub fn orientation_at(&self, t: Nanos) -> Quat {
        match self.rotation {
            Some(r) if t > r.start => {
                let done = (seconds(t.saturating_sub(r.start)) / seconds(r.duration)).min(1.0);
                self.orientation
                    .compose(Quat::from_axis_angle(r.axis, r.angle * done))
                    .normalized()
            }
            _ => self.orientation,
        }
    }

    /// The angular velocity in the device frame at `t`, rad/s.
    pub fn angular_velocity_at(&self, t: Nanos) -> [f64; 3] {
        match self.rotation {
            Some(r) if t >= r.start && t.0 < r.start.0 + r.duration.0 => {
                let rate = r.angle / seconds(r.duration);
                r.axis.map(|a| a * rate)
            }
            _ => [0.0; 3],
        }
    }

    /// Puts the device in `pose` now, at rest.
    pub fn set_orientation(&mut self, pose: Quat) {
        self.orientation = pose.normalized();
        self.rotation = None;
    }

    /// Turns the device from where it is now to `target`, the short way
    /// round, at constant angular velocity over `duration`.
    pub fn rotate_towards(&mut self, target: Quat, duration: Nanos) {
        self.rotate_towards_from(self.clock.now(), target, duration);
    }

    /// As [`World::rotate_towards`], starting at `start` (for scenario
    /// events that fell between two steps of the clock).
    pub fn rotate_towards_from(&mut self, start: Nanos, target: Quat, duration: Nanos) {
        let current = self.orientation_at(start);
        let (axis, angle) = current.conjugate().compose(target).to_axis_angle();
        if duration == Nanos::ZERO || angle == 0.0 {
            self.set_orientation(target);
            return;
        }
        self.orientation = current;
        self.rotation = Some(Rotation {
            start,
            duration,
            axis,
            angle,
        });
    }

    /// Starts a walk now.
    pub fn walk(&mut self, walk: Walk) {
        self.walk_from(self.clock.now(), walk);
    }

    /// Starts a walk at `start`.
    pub fn walk_from(&mut self, start: Nanos, walk: Walk) {
        self.walk = Some((start, walk));
    }

    /// The device's own acceleration in the world frame (ENU), m/s², on
    /// top of any walk.
    pub fn set_linear_acceleration(&mut self, acceleration: [f64; 3]) {
        self.linear_acceleration = acceleration;
    }

    /// The Earth's field in the world frame (ENU), µT.
    pub fn set_earth_field(&mut self, field: [f64; 3]) {
        self.earth_field = field;
    }

    /// Illuminance at the light sensor, lx.
    pub fn set_light(&mut self, lux: f32) {
        self.illuminance = lux;
    }

    /// Distance from the proximity sensor to the nearest object, cm.
    pub fn set_proximity(&mut self, cm: f32) {
        self.proximity = cm;
    }

    /// Temperature, °C.
    pub fn set_temperature(&mut self, celsius: f32) {
        self.temperature = celsius;
    }

    /// The noise on every reading from now on.
    pub fn set_noise(&mut self, noise: NoiseConfig) {
        self.noise = noise;
    }

    fn walk_acceleration_at(&self, t: Nanos) -> [f64; 3] {
        let Some((start, walk)) = self.walk else {
            return [0.0; 3];
        };
        if t < start || t.0 >= start.0 + walk.duration.0 {
            return [0.0; 3];
        }
        let step_phase =
            2.0 * std::f64::consts::PI * walk.steps_per_second * seconds(t.saturating_sub(start));
        [
            WALK_SWAY_PEAK * (step_phase / 2.0).sin(),
            0.0,
            WALK_VERTICAL_PEAK * step_phase.sin(),
        ]
    }

    fn noisy(&self, value: f32, channel: Channel, sd: f32, t: Nanos) -> f32 {
        self.noisy_axis(f64::from(value), channel, 0, sd, t)
    }

    fn noisy3(&self, value: [f64; 3], channel: Channel, sd: f32, t: Nanos) -> [f32; 3] {
        [0, 1, 2].map(|axis| self.noisy_axis(value[axis], channel, axis as u64, sd, t))
    }

    fn noisy_axis(&self, value: f64, channel: Channel, axis: u64, sd: f32, t: Nanos) -> f32 {
        if sd == 0.0 {
            return value as f32;
        }
        let z = gaussian(self.noise.seed, channel, axis, t.0);
        (value + f64::from(sd) * z) as f32
    }
}

fn seconds(t: Nanos) -> f64 {
    t.0 as f64 / NANOS_PER_SECOND
}

fn add(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

#[cfg(test)]
mod tests;
