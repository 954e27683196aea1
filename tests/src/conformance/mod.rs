//! Conformance suites that run against any running `yunhald`, through the
//! same client API an app runtime uses. `yunhal-conformance` (the binary)
//! runs them and prints one line per check; the daemon's tests run them
//! against the simulated board.

pub mod sensors;

use std::fmt;

/// How a check ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Passed,
    /// What was wrong.
    Failed(String),
    /// Why the check does not apply (e.g. the board has no such sensor).
    Skipped(String),
}

/// One check and its outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub name: &'static str,
    pub outcome: Outcome,
}

impl Check {
    pub fn new(name: &'static str, outcome: Outcome) -> Check {
        Check { name, outcome }
    }

    pub fn failed(&self) -> bool {
        matches!(self.outcome, Outcome::Failed(_))
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.outcome {
            Outcome::Passed => write!(f, "PASS  {}", self.name),
            Outcome::Failed(why) => write!(f, "FAIL  {}: {why}", self.name),
            Outcome::Skipped(why) => write!(f, "SKIP  {}: {why}", self.name),
        }
    }
}
