//! Simulated time.
//!
//! Every simulated device and the world read time from one [`SimClock`],
//! which only moves when a test (or the simulator service) moves it, so a
//! run is deterministic and never sleeps. It never reads the wall clock.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use yunhal::time::Nanos;

/// A shared simulated clock; clones see the same time.
#[derive(Debug, Clone, Default)]
pub struct SimClock {
    now: Arc<AtomicU64>,
}

impl SimClock {
    /// A clock at time zero.
    pub fn new() -> SimClock {
        SimClock::default()
    }

    /// The current simulated time.
    pub fn now(&self) -> Nanos {
        Nanos(self.now.load(Ordering::Acquire))
    }

    /// Moves time on by `by`; returns the new time.
    pub fn advance(&self, by: Nanos) -> Nanos {
        let before = self.now.fetch_add(by.0, Ordering::AcqRel);
        Nanos(before + by.0)
    }

    /// Moves time on to `t`; a `t` in the past leaves the clock where it
    /// is, because simulated time never runs backwards. Returns the new time.
    pub fn advance_to(&self, t: Nanos) -> Nanos {
        let before = self.now.fetch_max(t.0, Ordering::AcqRel);
        Nanos(before.max(t.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_clock_starts_at_zero_and_advances_by_steps() {
        let clock = SimClock::new();

        clock.advance(Nanos::from_millis(3));
        let now = clock.advance(Nanos::from_millis(4));

        assert_eq!(now, Nanos::from_millis(7));
        assert_eq!(clock.now(), Nanos::from_millis(7));
    }

    #[test]
    fn advance_to_the_past_keeps_the_clock_where_it_is() {
        let clock = SimClock::new();
        clock.advance_to(Nanos::from_secs(2));

        let now = clock.advance_to(Nanos::from_secs(1));

        assert_eq!(now, Nanos::from_secs(2));
    }

    #[test]
    fn clones_share_one_time() {
        let clock = SimClock::new();
        let other = clock.clone();

        other.advance(Nanos::from_secs(1));

        assert_eq!(clock.now(), Nanos::from_secs(1));
    }
}
