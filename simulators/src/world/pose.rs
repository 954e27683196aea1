//! Named device poses, as rotations from the device frame to the world.

use super::quat::Quat;
use std::f64::consts::{FRAC_PI_2, PI};

const EAST: [f64; 3] = [1.0, 0.0, 0.0];
const NORTH: [f64; 3] = [0.0, 1.0, 0.0];
const UP: [f64; 3] = [0.0, 0.0, 1.0];
const DEVICE_Z: [f64; 3] = [0.0, 0.0, 1.0];

/// How the device is held, for a user facing north.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pose {
    /// Lying flat, screen up, top pointing north (the identity).
    FaceUp,
    /// Lying flat, screen down, top pointing north.
    FaceDown,
    /// Upright, screen towards the user (south), top up.
    Portrait,
    /// Portrait turned a quarter counter-clockwise: top to the user's left,
    /// the accelerometer reads +g on x (Android's ROTATION_90).
    Landscape,
    /// Portrait turned a quarter clockwise: +g reads on -x.
    LandscapeReverse,
    /// From face-up, turn `yaw` about the world's up axis (counter-clockwise
    /// seen from above), then `pitch` about the device's x axis (top edge
    /// up), then `roll` about the device's y axis; in degrees. Portrait is
    /// yaw 0, pitch 90, roll 0.
    Angles {
        yaw_deg: f64,
        pitch_deg: f64,
        roll_deg: f64,
    },
}

impl Pose {
    /// The pose's name in scenario files, for the named poses.
    pub const NAMES: [&'static str; 5] = [
        "face-up",
        "face-down",
        "portrait",
        "landscape",
        "landscape-reverse",
    ];

    /// The named pose called `name` (see [`Pose::NAMES`]).
    pub fn from_name(name: &str) -> Option<Pose> {
        Some(match name {
            "face-up" => Pose::FaceUp,
            "face-down" => Pose::FaceDown,
            "portrait" => Pose::Portrait,
            "landscape" => Pose::Landscape,
            "landscape-reverse" => Pose::LandscapeReverse,
            _ => return None,
        })
    }

    /// The rotation that takes device-frame vectors to the world frame.
    pub fn to_quat(self) -> Quat {
        let portrait = Quat::from_axis_angle(EAST, FRAC_PI_2);
        match self {
            Pose::FaceUp => Quat::IDENTITY,
            Pose::FaceDown => Quat::from_axis_angle(NORTH, PI),
            Pose::Portrait => portrait,
            Pose::Landscape => portrait.compose(Quat::from_axis_angle(DEVICE_Z, FRAC_PI_2)),
            Pose::LandscapeReverse => portrait.compose(Quat::from_axis_angle(DEVICE_Z, -FRAC_PI_2)),
            Pose::Angles {
                yaw_deg,
                pitch_deg,
                roll_deg,
            } => Quat::from_axis_angle(UP, yaw_deg.to_radians())
                .compose(Quat::from_axis_angle(EAST, pitch_deg.to_radians()))
                .compose(Quat::from_axis_angle(NORTH, roll_deg.to_radians())),
        }
    }
}
