//! Voice calls: the call list as `+CLCC` gives it, what changed since the
//! last reading (and why a call ended), and dial, answer, hang-up, swap
//! and DTMF.
//!
//! Modems report few call changes on their own (`RING`, `NO CARRIER`,
//! `BUSY`), so the list is read after each of them and after each call
//! command, and polled while a call is dialling, alerting or ringing.

use std::collections::BTreeSet;

use yunhal::modem::{Call, CallEndReason, CallState, Indication};

use super::convert;
use super::driver::{lock, Driver};
use super::error::ModemError;
use crate::at::commands::{self, CallHold};
use crate::at::parse::calls::parse_clcc;

/// The reason a call-ending word outside a command gives.
pub(crate) fn end_reason_of(line: &str) -> Option<CallEndReason> {
    match line.trim() {
        "NO CARRIER" => Some(CallEndReason::Remote),
        "BUSY" => Some(CallEndReason::Busy),
        "NO ANSWER" => Some(CallEndReason::NoAnswer),
        _ => None,
    }
}

#[derive(Default)]
pub(crate) struct CallTracker {
    calls: Vec<Call>,
    /// Calls hung up here that were still listed at the last reading.
    hung_up_here: BTreeSet<u8>,
}

impl CallTracker {
    /// Takes a new reading; returns what to report: the list if it
    /// changed, then each call that is gone and why. `lost` overrides
    /// every reason (the modem restarted); `hint` is what the modem said
    /// about a call ending, used up when a call is gone.
    fn update(
        &mut self,
        now: Vec<Call>,
        lost: bool,
        hint: &mut Option<CallEndReason>,
    ) -> Vec<Indication> {
        let mut out = Vec::new();
        // A call index reused by another call between readings is a new call.
        let same =
            |a: &Call, b: &Call| a.id == b.id && a.direction == b.direction && a.number == b.number;
        let gone: Vec<u8> = self
            .calls
            .iter()
            .filter(|old| !now.iter().any(|new| same(old, new)))
            .map(|c| c.id)
            .collect();
        if now != self.calls {
            out.push(Indication::Calls(now.clone()));
        }
        for id in gone {
            let reason = if lost {
                CallEndReason::ModemLost
            } else if self.hung_up_here.contains(&id) {
                CallEndReason::Local
            } else {
                hint.unwrap_or(CallEndReason::Remote)
            };
            out.push(Indication::CallEnded { id, reason });
        }
        if out
            .iter()
            .any(|i| matches!(i, Indication::CallEnded { .. }))
        {
            *hint = None;
        }
        self.hung_up_here
            .retain(|id| now.iter().any(|c| c.id == *id));
        self.calls = now;
        out
    }

    /// Whether a call is in a state that changes without a URC.
    pub fn is_settling(&self) -> bool {
        self.calls.iter().any(|c| {
            matches!(
                c.state,
                CallState::Dialing | CallState::Alerting | CallState::Incoming | CallState::Waiting
            )
        })
    }
}

impl Driver {
    fn read_calls(&self) -> Result<Vec<Call>, ModemError> {
        let calls = self.query_all(commands::list_calls(), "+CLCC", parse_clcc)?;
        Ok(calls.iter().filter_map(convert::call).collect())
    }

    /// Reads the calls and reports what changed.
    pub fn refresh_calls(&self) -> Result<Vec<Call>, ModemError> {
        // Held across the reading, so that reports keep the readings' order.
        let mut tracker = lock(&self.calls);
        let calls = self.read_calls()?;
        let mut hint = lock(&self.call_end_hint);
        for indication in tracker.update(calls.clone(), false, &mut hint) {
            self.emit(indication);
        }
        drop(hint);
        if tracker.is_settling() {
            self.link.wake_worker();
        }
        Ok(calls)
    }

    /// Takes the calls of a modem just opened as known, reporting nothing.
    pub fn settle_calls(&self) -> Result<(), ModemError> {
        let mut tracker = lock(&self.calls);
        let calls = self.read_calls()?;
        tracker.update(calls, false, &mut None);
        Ok(())
    }

    /// After a restart: every call that was up and is gone ended with the
    /// modem.
    pub fn calls_after_restart(&self) {
        let mut tracker = lock(&self.calls);
        let calls = self.read_calls().unwrap_or_default();
        for indication in tracker.update(calls, true, &mut None) {
            self.emit(indication);
        }
    }

    /// `NO CARRIER`, `BUSY` or `NO ANSWER`: reads the calls with the
    /// reason in hand; a reason no call used (the call was gone at an
    /// earlier reading) is dropped then.
    pub fn call_ended(&self, reason: CallEndReason) -> Result<(), ModemError> {
        lock(&self.call_end_hint).get_or_insert(reason);
        let result = self.refresh_calls().map(drop);
        *lock(&self.call_end_hint) = None;
        result
    }

    pub fn calls_are_settling(&self) -> bool {
        lock(&self.calls).is_settling()
    }

    pub fn dial(&self, number: &str) -> Result<(), ModemError> {
        let command = commands::dial(number).map_err(|e| match e {
            crate::at::AtError::InvalidCommand { reason, .. } => {
                ModemError::invalid("number", reason)
            }
            other => ModemError::command("ATD", other),
        })?;
        self.run_network(command)?;
        self.refresh_calls()?;
        Ok(())
    }

    pub fn answer(&self) -> Result<(), ModemError> {
        match self.run_network(commands::answer()) {
            Err(ModemError::Command {
                error: crate::at::AtError::NoCarrier,
                ..
            }) => {
                self.refresh_calls()?;
                Err(ModemError::InvalidState(
                    "no incoming call to answer".into(),
                ))
            }
            result => {
                result?;
                self.refresh_calls()?;
                Ok(())
            }
        }
    }

    /// Hangs up call `id`, or every call. A single call ends with
    /// `AT+CHUP` whatever its state; with others up, an active call ends
    /// with `AT+CHLD=1<id>`, a waiting or the only held one with
    /// `AT+CHLD=0`.
    pub fn hang_up(&self, id: Option<u8>) -> Result<(), ModemError> {
        let calls = self.refresh_calls()?;
        let command = match id {
            None => {
                lock(&self.calls)
                    .hung_up_here
                    .extend(calls.iter().map(|c| c.id));
                commands::hang_up()
            }
            Some(id) => {
                let call = calls
                    .iter()
                    .find(|c| c.id == id)
                    .ok_or_else(|| ModemError::InvalidState(format!("there is no call {id}")))?;
                let command = release_one(call, &calls)?;
                lock(&self.calls).hung_up_here.insert(id);
                command
            }
        };
        self.run_network(command)?;
        self.refresh_calls()?;
        Ok(())
    }

    pub fn swap_calls(&self) -> Result<(), ModemError> {
        self.run_network(commands::call_hold(CallHold::HoldActiveAcceptOther))?;
        self.refresh_calls()?;
        Ok(())
    }

    /// One `AT+VTS` per tone, so that any modem plays a string of them.
    pub fn send_dtmf(&self, digits: &str) -> Result<(), ModemError> {
        if digits.is_empty() {
            return Err(ModemError::invalid("DTMF", "no tones given"));
        }
        if let Some(bad) = digits.chars().find(|&c| !commands::is_dtmf(c)) {
            return Err(ModemError::invalid(
                "DTMF",
                format!("{bad:?} is not a tone (0-9, *, #, A-D)"),
            ));
        }
        for tone in digits.chars() {
            let command = commands::dtmf(tone).map_err(|e| ModemError::command("AT+VTS", e))?;
            self.run_network(command)?;
        }
        Ok(())
    }
}

/// The command that ends `call` alone among `calls`.
fn release_one(call: &Call, calls: &[Call]) -> Result<crate::at::Command, ModemError> {
    if calls.len() == 1 {
        return Ok(commands::hang_up());
    }
    let waiting = calls
        .iter()
        .any(|c| matches!(c.state, CallState::Waiting | CallState::Incoming));
    let held = calls.iter().filter(|c| c.state == CallState::Held).count();
    match call.state {
        CallState::Active => Ok(commands::call_hold(CallHold::Release(call.id))),
        CallState::Waiting | CallState::Incoming => {
            Ok(commands::call_hold(CallHold::ReleaseHeldOrWaiting))
        }
        CallState::Held if !waiting && held == 1 => {
            Ok(commands::call_hold(CallHold::ReleaseHeldOrWaiting))
        }
        state => Err(ModemError::Unsupported(format!(
            "call {} ({}) cannot be ended alone while other calls are up; hang up every call",
            call.id,
            state.as_str()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use yunhal::modem::CallDirection;

    fn call(id: u8, state: CallState) -> Call {
        Call {
            id,
            direction: CallDirection::Outgoing,
            state,
            number: Some("+15550123".into()),
            multiparty: false,
        }
    }

    #[test]
    fn call_gone_after_no_carrier_ended_remotely_and_after_hang_up_locally() {
        let mut tracker = CallTracker::default();
        tracker.update(
            vec![call(1, CallState::Active), call(2, CallState::Held)],
            false,
            &mut None,
        );
        tracker.hung_up_here.insert(2);
        let mut hint = Some(CallEndReason::Remote);

        let out = tracker.update(vec![], false, &mut hint);

        assert_eq!(
            out,
            vec![
                Indication::Calls(vec![]),
                Indication::CallEnded {
                    id: 1,
                    reason: CallEndReason::Remote
                },
                Indication::CallEnded {
                    id: 2,
                    reason: CallEndReason::Local
                },
            ]
        );
        assert!(tracker.hung_up_here.is_empty());
    }

    #[test]
    fn busy_hint_names_the_reason_and_is_used_up_only_by_a_call_that_ended() {
        let mut tracker = CallTracker::default();
        tracker.update(vec![call(1, CallState::Alerting)], false, &mut None);
        let mut hint = Some(CallEndReason::Busy);

        tracker.update(vec![call(1, CallState::Alerting)], false, &mut hint);
        assert_eq!(hint, Some(CallEndReason::Busy));
        let out = tracker.update(vec![], false, &mut hint);

        assert!(out.contains(&Indication::CallEnded {
            id: 1,
            reason: CallEndReason::Busy
        }));
        assert_eq!(hint, None);
    }

    #[test]
    fn call_ending_words_give_their_reasons() {
        assert_eq!(end_reason_of("BUSY"), Some(CallEndReason::Busy));
        assert_eq!(end_reason_of("NO ANSWER"), Some(CallEndReason::NoAnswer));
        assert_eq!(end_reason_of("NO CARRIER"), Some(CallEndReason::Remote));
        assert_eq!(end_reason_of("RING"), None);
    }

    #[test]
    fn unchanged_list_reports_nothing_and_a_reused_index_is_a_new_call() {
        let mut tracker = CallTracker::default();
        tracker.update(vec![call(1, CallState::Active)], false, &mut None);
        assert!(tracker
            .update(vec![call(1, CallState::Active)], false, &mut None)
            .is_empty());

        let mut other = call(1, CallState::Incoming);
        other.number = Some("+15550999".into());
        let out = tracker.update(vec![other.clone()], false, &mut None);

        assert_eq!(out.len(), 2);
        assert_eq!(out[0], Indication::Calls(vec![other]));
        assert!(tracker.is_settling());
    }

    #[test]
    fn lost_modem_ends_every_call_with_modem_lost() {
        let mut tracker = CallTracker::default();
        tracker.update(vec![call(3, CallState::Active)], false, &mut None);
        tracker.hung_up_here.insert(3);
        let out = tracker.update(vec![], true, &mut None);
        assert_eq!(
            out[1],
            Indication::CallEnded {
                id: 3,
                reason: CallEndReason::ModemLost
            }
        );
    }

    #[test]
    fn one_call_among_several_is_released_by_its_state() {
        let calls = [
            call(1, CallState::Active),
            call(2, CallState::Held),
            call(3, CallState::Waiting),
        ];
        assert_eq!(release_one(&calls[0], &calls).unwrap().text(), "AT+CHLD=11");
        assert_eq!(release_one(&calls[2], &calls).unwrap().text(), "AT+CHLD=0");
        assert!(release_one(&calls[1], &calls).is_err());
        assert_eq!(
            release_one(&calls[1], &calls[..2]).unwrap().text(),
            "AT+CHLD=0"
        );
        assert_eq!(
            release_one(&calls[0], &calls[..1]).unwrap().text(),
            "AT+CHUP"
        );
    }
}
