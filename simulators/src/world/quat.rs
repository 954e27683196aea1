//! A unit quaternion for the device pose.
//!
//! Written here rather than taken from `glam` or `nalgebra` because the
//! world needs five operations (compose, conjugate, rotate a vector,
//! axis-angle in and out); forty lines cost less than a dependency's build
//! time on every CI run.

/// A rotation as a unit quaternion `w + xi + yj + zk`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quat {
    pub w: f64,
    pub x: f64,
    pub y: f64,
    pub z: f64,
}

impl Quat {
    /// No rotation.
    pub const IDENTITY: Quat = Quat {
        w: 1.0,
        x: 0.0,
        y: 0.0,
        z: 0.0,
    };

    /// A rotation by `angle` radians (right-handed) about `axis`; a zero
    /// axis gives the identity.
    pub fn from_axis_angle(axis: [f64; 3], angle: f64) -> Quat {
        let norm = (axis[0] * axis[0] + axis[1] * axis[1] + axis[2] * axis[2]).sqrt();
        if norm == 0.0 {
            return Quat::IDENTITY;
        }
        let (sin, cos) = (angle / 2.0).sin_cos();
        let s = sin / norm;
        Quat {
            w: cos,
            x: axis[0] * s,
            y: axis[1] * s,
            z: axis[2] * s,
        }
    }

    /// The rotation `self` then, in the frame it leads to, `rhs`
    /// (Hamilton product `self · rhs`).
    pub fn compose(self, rhs: Quat) -> Quat {
        let (a, b) = (self, rhs);
        Quat {
            w: a.w * b.w - a.x * b.x - a.y * b.y - a.z * b.z,
            x: a.w * b.x + a.x * b.w + a.y * b.z - a.z * b.y,
            y: a.w * b.y - a.x * b.z + a.y * b.w + a.z * b.x,
            z: a.w * b.z + a.x * b.y - a.y * b.x + a.z * b.w,
        }
    }

    /// The inverse rotation (for a unit quaternion).
    pub fn conjugate(self) -> Quat {
        Quat {
            w: self.w,
            x: -self.x,
            y: -self.y,
            z: -self.z,
        }
    }

    /// `self` scaled back to unit length, against rounding drift.
    pub fn normalized(self) -> Quat {
        let n = (self.w * self.w + self.x * self.x + self.y * self.y + self.z * self.z).sqrt();
        Quat {
            w: self.w / n,
            x: self.x / n,
            y: self.y / n,
            z: self.z / n,
        }
    }

    /// `v` rotated by `self`.
    pub fn rotate(self, v: [f64; 3]) -> [f64; 3] {
        // v' = v + 2w(u × v) + 2u × (u × v), u the vector part.
        let u = [self.x, self.y, self.z];
        let t = cross(u, v).map(|c| 2.0 * c);
        let ut = cross(u, t);
        [
            v[0] + self.w * t[0] + ut[0],
            v[1] + self.w * t[1] + ut[1],
            v[2] + self.w * t[2] + ut[2],
        ]
    }

    /// The unit axis and the angle in `[0, π]` of this rotation; the axis
    /// is zero for (near) no rotation.
    pub fn to_axis_angle(self) -> ([f64; 3], f64) {
        // q and -q are the same rotation; pick the one with w ≥ 0 for the
        // short way round.
        let q = if self.w < 0.0 {
            Quat {
                w: -self.w,
                x: -self.x,
                y: -self.y,
                z: -self.z,
            }
        } else {
            self
        };
        let sin_half = (q.x * q.x + q.y * q.y + q.z * q.z).sqrt();
        if sin_half < 1e-12 {
            return ([0.0; 3], 0.0);
        }
        let angle = 2.0 * sin_half.atan2(q.w);
        ([q.x / sin_half, q.y / sin_half, q.z / sin_half], angle)
    }
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::FRAC_PI_2;

    fn assert_near(a: [f64; 3], b: [f64; 3]) {
        for i in 0..3 {
            assert!((a[i] - b[i]).abs() < 1e-12, "{a:?} != {b:?}");
        }
    }

    #[test]
    fn quarter_turn_about_z_takes_x_to_y() {
        let q = Quat::from_axis_angle([0.0, 0.0, 1.0], FRAC_PI_2);

        assert_near(q.rotate([1.0, 0.0, 0.0]), [0.0, 1.0, 0.0]);
    }

    #[test]
    fn conjugate_undoes_the_rotation() {
        let q = Quat::from_axis_angle([1.0, 2.0, 3.0], 0.7);

        let back = q.conjugate().rotate(q.rotate([0.3, -1.0, 2.0]));

        assert_near(back, [0.3, -1.0, 2.0]);
    }

    #[test]
    fn axis_angle_round_trips() {
        let q = Quat::from_axis_angle([0.0, 3.0, 0.0], 2.0);

        let (axis, angle) = q.to_axis_angle();

        assert_near(axis, [0.0, 1.0, 0.0]);
        assert!((angle - 2.0).abs() < 1e-12);
    }
}
