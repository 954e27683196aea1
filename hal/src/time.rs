//! Timestamps and durations in nanoseconds.
//!
//! Every event that crosses the HAL (a sensor sample, a touch frame, a vsync)
//! carries a [`Nanos`] read from one of the kernel's clocks. Which clock is
//! part of the contract of each event type; the sensors HAL, like Android's,
//! uses [`Clock::Boottime`] so that timestamps keep counting across suspend.

use core::fmt;
use core::ops::{Add, AddAssign, Sub};
use core::time::Duration;

/// The kernel clock a timestamp was read from.
#[derive(Debug, Copy, Clone, Eq, PartialEq, Hash)]
#[cfg_attr(feature = "std", derive(serde::Serialize, serde::Deserialize))]
pub enum Clock {
    /// `CLOCK_MONOTONIC`: stops while the system is suspended.
    Monotonic,
    /// `CLOCK_BOOTTIME`: monotonic, and counts time spent in suspend.
    Boottime,
}

/// A point in time (or a span) in nanoseconds on a [`Clock`].
///
/// A `u64` of nanoseconds lasts 584 years of uptime, so no arithmetic here
/// overflows in practice; subtraction saturates at zero instead of wrapping.
#[derive(Debug, Copy, Clone, Default, Eq, PartialEq, Ord, PartialOrd, Hash)]
#[cfg_attr(feature = "std", derive(serde::Serialize, serde::Deserialize))]
pub struct Nanos(pub u64);

impl Nanos {
    /// Zero nanoseconds.
    pub const ZERO: Nanos = Nanos(0);

    /// Nanoseconds from microseconds.
    pub const fn from_micros(us: u64) -> Nanos {
        Nanos(us.saturating_mul(1_000))
    }

    /// Nanoseconds from milliseconds.
    pub const fn from_millis(ms: u64) -> Nanos {
        Nanos(ms.saturating_mul(1_000_000))
    }

    /// Nanoseconds from seconds.
    pub const fn from_secs(s: u64) -> Nanos {
        Nanos(s.saturating_mul(1_000_000_000))
    }

    /// The period of a rate given in millihertz (1 Hz = 1000 mHz); `None`
    /// for a rate of zero.
    pub const fn period_of_millihertz(mhz: u64) -> Option<Nanos> {
        match 1_000_000_000_000u64.checked_div(mhz) {
            Some(ns) => Some(Nanos(ns)),
            None => None,
        }
    }

    /// The value in nanoseconds.
    pub const fn as_nanos(self) -> u64 {
        self.0
    }

    /// The value in whole microseconds.
    pub const fn as_micros(self) -> u64 {
        self.0 / 1_000
    }

    /// The value in whole milliseconds.
    pub const fn as_millis(self) -> u64 {
        self.0 / 1_000_000
    }

    /// `self - earlier`, or zero if `earlier` is later.
    pub const fn saturating_sub(self, earlier: Nanos) -> Nanos {
        Nanos(self.0.saturating_sub(earlier.0))
    }

    /// As a [`Duration`].
    pub const fn to_duration(self) -> Duration {
        Duration::from_nanos(self.0)
    }

    /// Reads `clock` now.
    #[cfg(feature = "std")]
    pub fn now(clock: Clock) -> Nanos {
        let id = match clock {
            Clock::Monotonic => rustix::time::ClockId::Monotonic,
            Clock::Boottime => rustix::time::ClockId::Boottime,
        };
        let ts = rustix::time::clock_gettime(id);
        // Both clocks start at boot, so neither field is ever negative.
        Nanos((ts.tv_sec as u64) * 1_000_000_000 + ts.tv_nsec as u64)
    }
}

impl From<Duration> for Nanos {
    fn from(d: Duration) -> Nanos {
        Nanos(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
    }
}

impl From<Nanos> for Duration {
    fn from(n: Nanos) -> Duration {
        n.to_duration()
    }
}

impl Add for Nanos {
    type Output = Nanos;
    fn add(self, rhs: Nanos) -> Nanos {
        Nanos(self.0.saturating_add(rhs.0))
    }
}

impl AddAssign for Nanos {
    fn add_assign(&mut self, rhs: Nanos) {
        *self = *self + rhs;
    }
}

impl Sub for Nanos {
    type Output = Nanos;
    fn sub(self, rhs: Nanos) -> Nanos {
        self.saturating_sub(rhs)
    }
}

impl fmt::Display for Nanos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{:09}s",
            self.0 / 1_000_000_000,
            self.0 % 1_000_000_000
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn period_of_fifty_hertz_is_twenty_milliseconds() {
        assert_eq!(
            Nanos::period_of_millihertz(50_000),
            Some(Nanos::from_millis(20))
        );
        assert_eq!(Nanos::period_of_millihertz(0), None);
    }

    #[test]
    fn subtraction_saturates_instead_of_wrapping() {
        assert_eq!(Nanos(5) - Nanos(7), Nanos::ZERO);
        assert_eq!(Nanos(7) - Nanos(5), Nanos(2));
    }

    #[test]
    fn display_shows_seconds_with_nine_decimals() {
        extern crate std;
        use std::string::ToString;
        assert_eq!(Nanos(1_500_000_001).to_string(), "1.500000001s");
    }

    #[cfg(feature = "std")]
    #[test]
    fn monotonic_and_boottime_clocks_advance() {
        let a = Nanos::now(Clock::Monotonic);
        let b = Nanos::now(Clock::Monotonic);
        assert!(b >= a);
        let boot = Nanos::now(Clock::Boottime);
        // Boottime counts suspend too, so it is never behind monotonic.
        assert!(boot >= a);
    }
}
