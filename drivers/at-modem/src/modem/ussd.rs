//! USSD: a request waits for the network's `+CUSD`; a `+CUSD` nobody waits
//! for is an indication.

use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use yunhal::modem::{Indication, UssdResponse};

use super::convert;
use super::driver::{lock, Driver};
use super::error::ModemError;
use crate::at::commands;
use crate::at::parse::calls::{parse_cusd, Ussd};

/// The longest USSD string (TS 22.090: 182 characters).
const MAX_USSD: usize = 182;

#[derive(Default)]
struct Waiting {
    /// A request waits for its answer.
    active: bool,
    answer: Option<Result<UssdResponse, ModemError>>,
}

/// Where the answer to the one USSD request in flight is left.
#[derive(Default)]
pub(crate) struct UssdSlot {
    waiting: Mutex<Waiting>,
    answered: Condvar,
}

impl UssdSlot {
    /// Hands `answer` to the waiting request; `false` if none waits.
    fn deliver(&self, answer: Result<UssdResponse, ModemError>) -> bool {
        let mut waiting = lock(&self.waiting);
        if !waiting.active || waiting.answer.is_some() {
            return false;
        }
        waiting.answer = Some(answer);
        self.answered.notify_all();
        true
    }

    /// The modem is lost: a waiting request will not get its answer.
    pub fn abort(&self) {
        self.deliver(Err(ModemError::Recovering));
    }
}

fn check_request(request: &str) -> Result<(), ModemError> {
    if request.is_empty() || request.chars().count() > MAX_USSD {
        return Err(ModemError::invalid(
            "USSD request",
            format!("must be 1 to {MAX_USSD} characters"),
        ));
    }
    if request.chars().any(|c| c.is_control() || c == '"') {
        return Err(ModemError::invalid(
            "USSD request",
            "must not hold quotes or control characters",
        ));
    }
    Ok(())
}

impl Driver {
    pub fn ussd(&self, request: &str, timeout: Duration) -> Result<UssdResponse, ModemError> {
        check_request(request)?;
        {
            let mut waiting = lock(&self.ussd.waiting);
            if waiting.active {
                return Err(ModemError::InvalidState(
                    "another USSD request is waiting for its answer".into(),
                ));
            }
            *waiting = Waiting {
                active: true,
                answer: None,
            };
        }
        let result = self.ussd_exchange(request, timeout);
        *lock(&self.ussd.waiting) = Waiting::default();
        result
    }

    fn ussd_exchange(&self, request: &str, timeout: Duration) -> Result<UssdResponse, ModemError> {
        let response = self.run_network(commands::ussd(request))?;
        // Some modems give the answer inside the command's response.
        if let Some(ussd) = response.line_with("+CUSD").and_then(|l| parse_cusd(l).ok()) {
            return Ok(convert::ussd(&ussd));
        }
        let deadline = Instant::now() + timeout;
        let mut waiting = lock(&self.ussd.waiting);
        loop {
            if let Some(answer) = waiting.answer.take() {
                return answer;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(ModemError::UssdTimeout(timeout));
            }
            waiting = self
                .ussd
                .answered
                .wait_timeout(waiting, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// A `+CUSD` URC: the answer to the waiting request, or the network's
    /// own message.
    pub fn on_ussd(&self, ussd: &Ussd) {
        let response = convert::ussd(ussd);
        if !self.ussd.deliver(Ok(response.clone())) {
            self.emit(Indication::Ussd(response));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_checked_before_sending() {
        assert!(check_request("*100#").is_ok());
        assert!(check_request("1").is_ok());
        assert!(check_request("").is_err());
        assert!(check_request("*100\"#").is_err());
        assert!(check_request("a\rb").is_err());
        assert!(check_request(&"1".repeat(183)).is_err());
    }

    #[test]
    fn an_answer_without_a_waiting_request_is_not_taken() {
        let slot = UssdSlot::default();
        assert!(!slot.deliver(Err(ModemError::Recovering)));
        lock(&slot.waiting).active = true;
        assert!(slot.deliver(Err(ModemError::Recovering)));
        assert!(!slot.deliver(Err(ModemError::Recovering)));
    }
}
