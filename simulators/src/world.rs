//! What the simulated sensors sense.

use yunhal::time::Nanos;

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
