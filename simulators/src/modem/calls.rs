//! Voice calls: the call list and each call's state machine, `ATD`, `ATA`,
//! `ATH`/`+CHUP`, `+CHLD`, `+VTS`, `+CLCC`, `+CLIP`, `+CRC`, `+CCWA`, and
//! what the far end does (ring, answer, busy, no answer, hang up).

use super::command::{Command, Kind};
use super::config::same_number;
use super::engine::{Cme, Done, Engine, Fail, Reply, Timer};

/// Who set the call up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Mobile originated (0).
    Outgoing,
    /// Mobile terminated (1).
    Incoming,
}

/// `<stat>` of `+CLCC`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallState {
    /// 0.
    Active,
    /// 1.
    Held,
    /// 2: outgoing, not ringing yet.
    Dialing,
    /// 3: outgoing, ringing at the far end.
    Alerting,
    /// 4: incoming, ringing here.
    Incoming,
    /// 5: incoming while another call is up.
    Waiting,
}

impl CallState {
    fn code(self) -> u8 {
        match self {
            CallState::Active => 0,
            CallState::Held => 1,
            CallState::Dialing => 2,
            CallState::Alerting => 3,
            CallState::Incoming => 4,
            CallState::Waiting => 5,
        }
    }
}

/// One call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// `<idx>`, 1..=7.
    pub id: u8,
    pub direction: Direction,
    pub state: CallState,
    /// The other party.
    pub number: String,
    /// Part of a conference.
    pub multiparty: bool,
}

impl Call {
    fn type_of_address(&self) -> u8 {
        if self.number.starts_with('+') {
            145
        } else {
            129
        }
    }
}

/// The call list and call-related settings.
#[derive(Debug, Clone, Default)]
pub(crate) struct Calls {
    pub list: Vec<Call>,
    /// DTMF tones sent with `+VTS` during calls, in order.
    pub dtmf: String,
    clip: bool,
    crc: bool,
    ccwa: bool,
}

impl Calls {
    fn free_id(&self) -> Option<u8> {
        (1..=7).find(|id| self.list.iter().all(|c| c.id != *id))
    }

    fn get_mut(&mut self, id: u8) -> Option<&mut Call> {
        self.list.iter_mut().find(|c| c.id == id)
    }

    fn ringing(&self) -> Option<&Call> {
        self.list
            .iter()
            .find(|c| matches!(c.state, CallState::Incoming | CallState::Waiting))
    }

    fn has(&self, state: CallState) -> bool {
        self.list.iter().any(|c| c.state == state)
    }
}

impl Engine {
    pub(super) fn call_command(&mut self, command: &Command) -> Reply {
        match (command.name.as_str(), &command.kind) {
            ("D", _) => return self.dial(command.text(0).unwrap_or("")),
            ("A", _) => return self.answer(),
            ("H", _) | ("+CHUP", Kind::Action) => {
                self.calls.list.clear();
                self.cancel_call_timers();
            }
            ("+CLCC", Kind::Action) => {
                for call in self.calls.list.clone() {
                    let dir = u8::from(call.direction == Direction::Incoming);
                    let (stat, mpty) = (call.state.code(), u8::from(call.multiparty));
                    let (id, number, toa) = (call.id, &call.number, call.type_of_address());
                    self.info(&format!(
                        "+CLCC: {id},{dir},{stat},0,{mpty},\"{number}\",{toa}"
                    ));
                }
            }
            ("+CLIP" | "+CRC" | "+CCWA" | "+COLP", Kind::Set(_)) => {
                let on = command.int_in(0, 0..=1, Some(0))? == 1;
                match command.name.as_str() {
                    "+CLIP" => self.calls.clip = on,
                    "+CRC" => self.calls.crc = on,
                    "+CCWA" => self.calls.ccwa = on,
                    _ => {}
                }
            }
            ("+CLIP", Kind::Read) => {
                let n = u8::from(self.calls.clip);
                self.info(&format!("+CLIP: {n},1"));
            }
            ("+CRC", Kind::Read) => {
                let n = u8::from(self.calls.crc);
                self.info(&format!("+CRC: {n}"));
            }
            ("+CHLD", Kind::Test) => self.info("+CHLD: (0,1,1x,2,2x,3,4)"),
            ("+CHLD", Kind::Set(_)) => return self.hold_command(command.text(0).unwrap_or("")),
            ("+VTS", Kind::Set(_)) => {
                let tones = command.text(0).ok_or(Fail::Cme(Cme::IncorrectParameters))?;
                if !self.calls.has(CallState::Active) {
                    return Err(Fail::Cme(Cme::NotAllowed));
                }
                if !tones
                    .chars()
                    .all(|c| c.is_ascii_digit() || "*#ABCD".contains(c))
                {
                    return Err(Fail::Cme(Cme::IncorrectParameters));
                }
                self.calls.dtmf.push_str(tones);
            }
            _ => return Err(Fail::Unknown),
        }
        Ok(Done::Ok)
    }

    fn dial(&mut self, dial: &str) -> Reply {
        let Some(number) = dial.strip_suffix(';') else {
            // Data calls are not modelled.
            return Err(Fail::Final("NO CARRIER"));
        };
        let number = number.trim().to_owned();
        if number.is_empty()
            || !number
                .chars()
                .all(|c| c.is_ascii_digit() || "+*#".contains(c))
        {
            return Err(Fail::Cme(Cme::IncorrectParameters));
        }
        self.sim.ready_or_error().map_err(Fail::Cme)?;
        if !self.network.state.is_registered() {
            return Err(Fail::Final("NO CARRIER"));
        }
        if self.calls.has(CallState::Dialing) || self.calls.has(CallState::Alerting) {
            return Err(Fail::Cme(Cme::NotAllowed));
        }
        let id = self.calls.free_id().ok_or(Fail::Cme(Cme::NotAllowed))?;
        for call in &mut self.calls.list {
            if call.state == CallState::Active {
                call.state = CallState::Held;
            }
        }
        self.calls.list.push(Call {
            id,
            direction: Direction::Outgoing,
            state: CallState::Dialing,
            number,
            multiparty: false,
        });
        self.schedule(self.config.alerting_delay, Timer::Alerting(id));
        Ok(Done::Ok)
    }

    pub(crate) fn call_alerting(&mut self, id: u8) {
        let Some(call) = self.calls.get_mut(id) else {
            return;
        };
        call.state = CallState::Alerting;
        let number = call.number.clone();
        let config = &self.config;
        let listed = |list: &[String]| list.iter().any(|n| same_number(n, &number));
        if listed(&config.busy_numbers) || same_number(&number, &config.own_number) {
            self.schedule(Default::default(), Timer::Busy(id));
        } else if listed(&config.no_answer_numbers) {
            self.schedule(config.no_answer_timeout, Timer::NoAnswer(id));
        } else if config.answering_numbers.is_empty() || listed(&config.answering_numbers) {
            self.schedule(config.answer_delay, Timer::RemoteAnswer(id));
        } else {
            self.schedule(config.no_answer_timeout, Timer::NoAnswer(id));
        }
    }

    /// The far end picks up an outgoing call.
    pub(crate) fn remote_answer_call(&mut self, id: u8) {
        if let Some(call) = self.calls.get_mut(id) {
            if matches!(call.state, CallState::Dialing | CallState::Alerting) {
                call.state = CallState::Active;
                self.cancel(
                    |t| matches!(t, Timer::NoAnswer(i) | Timer::RemoteAnswer(i) if *i == id),
                );
            }
        }
    }

    /// The outgoing call `id` ends before it was answered.
    pub(crate) fn call_failed(&mut self, id: u8, verbose: &str, numeric: u8) {
        if self.calls.get_mut(id).is_some() {
            self.calls.list.retain(|c| c.id != id);
            self.unsolicited_result(verbose, numeric);
        }
    }

    /// A call from `number` arrives; false if there is no room for it.
    pub(crate) fn incoming_call(&mut self, number: &str) -> bool {
        if !self.network.state.is_registered() {
            return false;
        }
        let Some(id) = self.calls.free_id() else {
            return false;
        };
        let busy = !self.calls.list.is_empty();
        if busy && self.calls.ringing().is_some() {
            return false;
        }
        let state = if busy {
            CallState::Waiting
        } else {
            CallState::Incoming
        };
        let call = Call {
            id,
            direction: Direction::Incoming,
            state,
            number: number.to_owned(),
            multiparty: false,
        };
        let (toa, ccwa) = (call.type_of_address(), self.calls.ccwa);
        self.calls.list.push(call);
        if busy {
            if ccwa {
                self.urc(&format!("+CCWA: \"{number}\",{toa},1"));
            }
        } else {
            self.ring();
        }
        true
    }

    /// One `RING` (or `+CRING`) with `+CLIP`, and the next one scheduled.
    pub(crate) fn ring(&mut self) {
        let Some(call) = self.calls.ringing().cloned() else {
            return;
        };
        if call.state != CallState::Incoming {
            return;
        }
        if self.calls.crc {
            self.urc("+CRING: VOICE");
        } else {
            self.unsolicited_result("RING", 2);
        }
        if self.calls.clip {
            let toa = call.type_of_address();
            self.urc(&format!("+CLIP: \"{}\",{toa},\"\",0,\"\",0", call.number));
        }
        self.cancel(|t| *t == Timer::Ring);
        self.schedule(self.config.ring_period, Timer::Ring);
    }

    fn answer(&mut self) -> Reply {
        let Some(id) = self
            .calls
            .list
            .iter()
            .find(|c| c.state == CallState::Incoming)
            .map(|c| c.id)
        else {
            return Err(Fail::Final("NO CARRIER"));
        };
        self.calls.get_mut(id).expect("found above").state = CallState::Active;
        self.cancel(|t| *t == Timer::Ring);
        Ok(Done::Ok)
    }

    /// The far end hangs up call `id` (or, with `None`, the most recent
    /// call); `NO CARRIER` when it was the last one.
    pub(crate) fn remote_hangup(&mut self, id: Option<u8>) -> bool {
        let id = match id {
            Some(id) => id,
            None => match self.calls.list.last() {
                Some(call) => call.id,
                None => return false,
            },
        };
        let before = self.calls.list.len();
        self.calls.list.retain(|c| c.id != id);
        if self.calls.list.len() == before {
            return false;
        }
        self.cancel(|t| matches!(t, Timer::Alerting(i) | Timer::RemoteAnswer(i) | Timer::Busy(i) | Timer::NoAnswer(i) if *i == id));
        if self.calls.ringing().is_none() {
            self.cancel(|t| *t == Timer::Ring);
        }
        self.unsolicited_result("NO CARRIER", 3);
        true
    }

    /// The radio is gone: every call ends.
    pub(crate) fn drop_all_calls(&mut self) {
        if !self.calls.list.is_empty() {
            self.calls.list.clear();
            self.cancel_call_timers();
            self.unsolicited_result("NO CARRIER", 3);
        }
    }

    fn cancel_call_timers(&mut self) {
        self.cancel(|t| {
            matches!(
                t,
                Timer::Ring
                    | Timer::Alerting(_)
                    | Timer::RemoteAnswer(_)
                    | Timer::Busy(_)
                    | Timer::NoAnswer(_)
            )
        });
    }

    /// `+CHLD=<n>` (TS 22.030 §6.5.5.1).
    fn hold_command(&mut self, n: &str) -> Reply {
        let list = &mut self.calls.list;
        let waiting = list
            .iter()
            .position(|c| matches!(c.state, CallState::Waiting | CallState::Incoming));
        let parse_id = |rest: &str| {
            rest.parse::<u8>()
                .map_err(|_| Fail::Cme(Cme::IncorrectParameters))
        };
        match n {
            "0" => match waiting {
                Some(i) => {
                    list.remove(i);
                }
                None => list.retain(|c| c.state != CallState::Held),
            },
            "1" => {
                list.retain(|c| c.state != CallState::Active);
                Self::accept_other(list, waiting.is_some());
            }
            "2" => {
                let had_waiting = waiting.is_some();
                let swap_held = !had_waiting;
                for call in list.iter_mut() {
                    call.state = match call.state {
                        CallState::Active => CallState::Held,
                        CallState::Held if swap_held => CallState::Active,
                        CallState::Waiting | CallState::Incoming => CallState::Active,
                        other => other,
                    };
                }
            }
            "3" => {
                for call in list.iter_mut() {
                    if matches!(call.state, CallState::Active | CallState::Held) {
                        call.state = CallState::Active;
                        call.multiparty = true;
                    }
                }
            }
            _ if n.starts_with('1') => {
                let id = parse_id(&n[1..])?;
                let before = list.len();
                list.retain(|c| !(c.id == id && c.state == CallState::Active));
                if list.len() == before {
                    return Err(Fail::Cme(Cme::NotAllowed));
                }
            }
            _ if n.starts_with('2') => {
                let id = parse_id(&n[1..])?;
                if !list
                    .iter()
                    .any(|c| c.id == id && c.state == CallState::Active)
                {
                    return Err(Fail::Cme(Cme::NotAllowed));
                }
                for call in list.iter_mut() {
                    if call.state == CallState::Active && call.id != id {
                        call.state = CallState::Held;
                    }
                }
            }
            _ => return Err(Fail::Cme(Cme::IncorrectParameters)),
        }
        if self.calls.ringing().is_none() {
            self.cancel(|t| *t == Timer::Ring);
        }
        Ok(Done::Ok)
    }

    /// After releasing the active calls: take the waiting call, else the
    /// held ones back.
    fn accept_other(list: &mut [Call], waiting: bool) {
        for call in list.iter_mut() {
            let accept = if waiting {
                matches!(call.state, CallState::Waiting | CallState::Incoming)
            } else {
                call.state == CallState::Held
            };
            if accept {
                call.state = CallState::Active;
            }
        }
    }
}
