//! When a failed service is restarted, and when it is given up on.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Restart with exponential backoff; give up on a service that fails more
/// than `max_failures` times within `window`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestartPolicy {
    /// The delay before the first restart; each further failure in the
    /// window doubles it.
    pub initial_delay: Duration,
    pub max_delay: Duration,
    pub window: Duration,
    /// Failures within `window` that are still restarted; one more and
    /// the service is marked failed.
    pub max_failures: usize,
}

impl Default for RestartPolicy {
    /// 100 ms doubling to 30 s; more than 4 failures in 4 minutes: failed.
    fn default() -> RestartPolicy {
        RestartPolicy {
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(30),
            window: Duration::from_secs(240),
            max_failures: 4,
        }
    }
}

impl RestartPolicy {
    /// The delay before restart attempt `attempt` (1-based).
    pub fn delay(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(31);
        self.initial_delay
            .saturating_mul(1u32 << doublings)
            .min(self.max_delay)
    }
}

/// What to do after a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Restart after `delay`; `attempt` counts the failures in the window.
    Restart { attempt: u32, delay: Duration },
    /// Too many failures in the window: do not retry.
    GiveUp { failures: usize },
}

/// The failures of one service within the policy's window.
#[derive(Debug, Clone, Default)]
pub struct FailureHistory {
    at: VecDeque<Instant>,
}

impl FailureHistory {
    /// Records a failure at `now` and says what to do.
    pub fn record(&mut self, now: Instant, policy: &RestartPolicy) -> Verdict {
        self.at.push_back(now);
        while let Some(&oldest) = self.at.front() {
            if now.saturating_duration_since(oldest) >= policy.window {
                self.at.pop_front();
            } else {
                break;
            }
        }
        let failures = self.at.len();
        if failures > policy.max_failures {
            Verdict::GiveUp { failures }
        } else {
            let attempt = failures as u32;
            Verdict::Restart {
                attempt,
                delay: policy.delay(attempt),
            }
        }
    }

    /// Forgets every failure (an operator asked for a restart).
    pub fn clear(&mut self) {
        self.at.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_doubles_from_100_ms_and_stops_at_30_s() {
        let policy = RestartPolicy::default();

        let delays: Vec<u128> = (1..=11).map(|a| policy.delay(a).as_millis()).collect();

        assert_eq!(
            delays,
            [100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 30000, 30000]
        );
        assert_eq!(policy.delay(u32::MAX), Duration::from_secs(30));
    }

    #[test]
    fn fifth_failure_within_four_minutes_gives_up() {
        let policy = RestartPolicy::default();
        let start = Instant::now();
        let mut history = FailureHistory::default();

        let verdicts: Vec<Verdict> = (0..5)
            .map(|i| history.record(start + Duration::from_secs(50 * i), &policy))
            .collect();

        assert_eq!(
            verdicts[..4],
            [1, 2, 3, 4].map(|attempt| Verdict::Restart {
                attempt,
                delay: policy.delay(attempt)
            })
        );
        assert_eq!(verdicts[4], Verdict::GiveUp { failures: 5 });
    }

    #[test]
    fn failures_older_than_the_window_are_forgotten() {
        let policy = RestartPolicy::default();
        let start = Instant::now();
        let mut history = FailureHistory::default();
        for i in 0..4 {
            history.record(start + Duration::from_secs(i), &policy);
        }

        // 4 minutes after the first failure, only the last 3 are in the window.
        let verdict = history.record(start + Duration::from_secs(240), &policy);

        assert_eq!(
            verdict,
            Verdict::Restart {
                attempt: 4,
                delay: Duration::from_millis(800)
            }
        );
    }
}
