//! Physical units as newtypes, so that a value's unit is in its type.
//!
//! Values are `f32`, the precision sensors deliver. Conversions that are a
//! matter of definition (g to m/s², gauss to µT) live here, once.

use core::fmt;

/// Standard gravity, m/s², by definition (CGPM 1901).
pub const STANDARD_GRAVITY: f32 = 9.806_65;

macro_rules! unit {
    ($(#[$doc:meta])* $name:ident, $symbol:literal) => {
        $(#[$doc])*
        #[derive(Debug, Copy, Clone, Default, PartialEq, PartialOrd)]
        #[cfg_attr(feature = "std", derive(serde::Serialize, serde::Deserialize))]
        pub struct $name(pub f32);

        impl $name {
            /// The unit's symbol, as printed.
            pub const SYMBOL: &'static str = $symbol;

            /// The bare value.
            pub const fn get(self) -> f32 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                if let Some(p) = f.precision() {
                    write!(f, "{:.*} {}", p, self.0, $symbol)
                } else {
                    write!(f, "{} {}", self.0, $symbol)
                }
            }
        }

        impl core::ops::Add for $name {
            type Output = $name;
            fn add(self, rhs: $name) -> $name {
                $name(self.0 + rhs.0)
            }
        }

        impl core::ops::Sub for $name {
            type Output = $name;
            fn sub(self, rhs: $name) -> $name {
                $name(self.0 - rhs.0)
            }
        }

        impl core::ops::Mul<f32> for $name {
            type Output = $name;
            fn mul(self, rhs: f32) -> $name {
                $name(self.0 * rhs)
            }
        }
    };
}

unit!(
    /// Acceleration in metres per second squared.
    MetersPerSecondSquared,
    "m/s²"
);
unit!(
    /// Acceleration in thousandths of standard gravity.
    MilliG,
    "mg"
);
unit!(
    /// Angular velocity in radians per second.
    RadiansPerSecond,
    "rad/s"
);
unit!(
    /// Magnetic flux density in microtesla.
    MicroTesla,
    "µT"
);
unit!(
    /// Illuminance in lux.
    Lux,
    "lx"
);
unit!(
    /// Distance in centimetres.
    Centimeters,
    "cm"
);
unit!(
    /// Temperature in degrees Celsius.
    Celsius,
    "°C"
);
unit!(
    /// Pressure in hectopascal.
    HectoPascal,
    "hPa"
);
unit!(
    /// Frequency in hertz.
    Hertz,
    "Hz"
);
unit!(
    /// Signal power in dBm.
    Dbm,
    "dBm"
);
unit!(
    /// Ratio in decibels.
    Decibels,
    "dB"
);

impl From<MilliG> for MetersPerSecondSquared {
    fn from(mg: MilliG) -> Self {
        MetersPerSecondSquared(mg.0 * STANDARD_GRAVITY / 1000.0)
    }
}

impl From<MetersPerSecondSquared> for MilliG {
    fn from(a: MetersPerSecondSquared) -> Self {
        MilliG(a.0 * 1000.0 / STANDARD_GRAVITY)
    }
}

impl MicroTesla {
    /// From gauss, the unit many magnetometer datasheets use (1 G = 100 µT).
    pub fn from_gauss(gauss: f32) -> MicroTesla {
        MicroTesla(gauss * 100.0)
    }
}

impl RadiansPerSecond {
    /// From degrees per second, the unit gyroscope datasheets use.
    pub fn from_degrees_per_second(dps: f32) -> RadiansPerSecond {
        RadiansPerSecond(dps.to_radians())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_thousand_milli_g_is_standard_gravity() {
        let a: MetersPerSecondSquared = MilliG(1000.0).into();
        assert!((a.0 - STANDARD_GRAVITY).abs() < 1e-6);
        let back: MilliG = a.into();
        assert!((back.0 - 1000.0).abs() < 1e-3);
    }

    #[test]
    fn one_gauss_is_one_hundred_microtesla() {
        assert_eq!(MicroTesla::from_gauss(0.5), MicroTesla(50.0));
    }

    #[test]
    fn one_eighty_degrees_per_second_is_pi_radians_per_second() {
        let w = RadiansPerSecond::from_degrees_per_second(180.0);
        assert!((w.0 - core::f32::consts::PI).abs() < 1e-6);
    }
}
