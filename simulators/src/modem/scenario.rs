//! Modem scenarios: a TOML timeline of what the network and faults do.
//!
//! ```toml
//! description = "a call, then a message, while the signal fades"
//!
//! [[event]]
//! at = "2s"                       # "1.5s", "500ms", "2min", or seconds as a number
//! incoming_call = "+15550123"
//!
//! [[event]]
//! at = "5s"
//! sms = { from = "+15550123", text = "Call me back" }
//! fade_signal = { to_dbm = -105, over = "10s" }
//! ```
//!
//! Actions: `incoming_call = "<number>"`, `remote_answer = true`,
//! `remote_hangup = true`, `sms = { from, text }`, `signal_dbm = <n>`,
//! `fade_signal = { to_dbm, over }`, `registration = "home" | "roaming" |
//! "denied" | "searching" | "not-registered"`, `reboot = true`,
//! `silent = "<duration>"` or `true` (until `clear_silence = true`),
//! `garbage = "<text>"`, `partial_line = "<text>"`, `echo = <bool>`.
//!
//! Actions of one event happen in file order. [`ModemScenarioPlayer`]
//! counts event times from the start of playback.
//!
//! Errors are the sensor scenarios' [`ScenarioErrors`]: every one found,
//! each with file:line:column and the key.

use super::{ModemClock, ModemSim, RegState};
use crate::scenario::timeline::{self, Timeline, Value};
use crate::scenario::ScenarioErrors;
use std::ops::{Deref, DerefMut, Range};
use toml::de::{DeTable, DeValue};
use yunhal::time::Nanos;

/// A parsed modem scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct ModemScenario {
    pub name: String,
    pub description: Option<String>,
    /// In file order.
    pub events: Vec<ModemEvent>,
}

/// What happens at one instant.
#[derive(Debug, Clone, PartialEq)]
pub struct ModemEvent {
    pub at: Nanos,
    /// Line of the event in its file.
    pub line: usize,
    /// In file order.
    pub actions: Vec<ModemAction>,
}

/// One thing the network or a fault does.
#[derive(Debug, Clone, PartialEq)]
pub enum ModemAction {
    IncomingCall(String),
    RemoteAnswer,
    RemoteHangup,
    IncomingSms {
        from: String,
        text: String,
    },
    Signal(i32),
    FadeSignal {
        to_dbm: i32,
        over: Nanos,
    },
    Registration(RegState),
    Reboot,
    /// `None`: until cleared.
    Silent(Option<Nanos>),
    ClearSilence,
    Garbage(String),
    PartialLine(String),
    Echo(bool),
}

impl ModemAction {
    /// Does it to `sim`.
    pub fn apply(&self, sim: &ModemSim) {
        match self {
            ModemAction::IncomingCall(number) => {
                sim.incoming_call(number);
            }
            ModemAction::RemoteAnswer => {
                sim.remote_answer();
            }
            ModemAction::RemoteHangup => {
                sim.remote_hangup();
            }
            ModemAction::IncomingSms { from, text } => sim.incoming_sms(from, text),
            ModemAction::Signal(dbm) => sim.set_signal(*dbm),
            ModemAction::FadeSignal { to_dbm, over } => sim.fade_signal(*to_dbm, *over),
            ModemAction::Registration(state) => sim.set_registration(*state),
            ModemAction::Reboot => sim.reboot(),
            ModemAction::Silent(duration) => sim.go_silent(*duration),
            ModemAction::ClearSilence => sim.clear_silence(),
            ModemAction::Garbage(text) => sim.send_garbage(text.as_bytes()),
            ModemAction::PartialLine(text) => sim.partial_line(text),
            ModemAction::Echo(on) => sim.set_echo(*on),
        }
    }
}

impl ModemScenario {
    /// Parses the TOML `text` of the scenario called `name`.
    pub fn parse(name: &str, text: &str) -> Result<ModemScenario, ScenarioErrors> {
        let mut parser = Parser(Timeline::new(name, text));
        let (description, events) = timeline::parse(&mut parser, Parser::event)?;
        Ok(ModemScenario {
            name: name.to_owned(),
            description,
            events,
        })
    }
}

/// Plays a scenario into a running modem. Event times count from the
/// start of playback: the modem's time at the first step.
pub struct ModemScenarioPlayer {
    events: Vec<ModemEvent>,
    next: usize,
    origin: Option<Nanos>,
}

impl ModemScenarioPlayer {
    pub fn new(scenario: ModemScenario) -> ModemScenarioPlayer {
        let mut events = scenario.events;
        events.sort_by_key(|e| e.at);
        ModemScenarioPlayer {
            events,
            next: 0,
            origin: None,
        }
    }

    /// Applies every event due by `t`, the time since playback started.
    /// On a simulated clock the clock is moved to each event's time first,
    /// then to `t`; on the real clock `t` is the caller's measure of the
    /// time elapsed.
    pub fn step_to(&mut self, sim: &ModemSim, t: Nanos) {
        let origin = *self.origin.get_or_insert_with(|| sim.clock().now());
        while let Some(event) = self.events.get(self.next).filter(|e| e.at <= t) {
            if let ModemClock::Simulated(clock) = sim.clock() {
                clock.advance_to(origin + event.at);
                sim.sync();
            }
            for action in &event.actions {
                action.apply(sim);
            }
            self.next += 1;
        }
        if let ModemClock::Simulated(clock) = sim.clock() {
            clock.advance_to(origin + t);
        }
        sim.sync();
    }

    pub fn is_finished(&self) -> bool {
        self.next == self.events.len()
    }
}

const EVENT_KEYS: &str = "at, incoming_call, remote_answer, remote_hangup, sms, signal_dbm, \
fade_signal, registration, reboot, silent, clear_silence, garbage, partial_line, echo";

/// The modem scenario's reader of event tables, over the shared timeline.
struct Parser<'a>(Timeline<'a>);

impl<'a> Deref for Parser<'a> {
    type Target = Timeline<'a>;
    fn deref(&self) -> &Timeline<'a> {
        &self.0
    }
}

impl DerefMut for Parser<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl Parser<'_> {
    fn event(&mut self, span: Range<usize>, table: &DeTable<'_>, path: &str) -> Option<ModemEvent> {
        let errors_before = self.errors.len();
        let mut at = None;
        let mut actions = Vec::new();
        // The table iterates in key order; actions happen in file order.
        let mut entries: Vec<_> = table.iter().collect();
        entries.sort_by_key(|(key, _)| key.span().start);
        for (key, value) in entries {
            let name = key.get_ref().as_ref();
            let key_path = format!("{path}.{name}");
            let action = match name {
                "at" => {
                    at = self.duration(value, &key_path);
                    continue;
                }
                "incoming_call" => self.string(value, &key_path).map(ModemAction::IncomingCall),
                "remote_answer" => self.flag(value, &key_path, ModemAction::RemoteAnswer),
                "remote_hangup" => self.flag(value, &key_path, ModemAction::RemoteHangup),
                "reboot" => self.flag(value, &key_path, ModemAction::Reboot),
                "clear_silence" => self.flag(value, &key_path, ModemAction::ClearSilence),
                "sms" => self.sms(value, &key_path),
                "signal_dbm" => self.dbm(value, &key_path).map(ModemAction::Signal),
                "fade_signal" => self.fade(value, &key_path),
                "registration" => self.registration(value, &key_path),
                "silent" => match value.get_ref() {
                    DeValue::Boolean(true) => Some(ModemAction::Silent(None)),
                    _ => self
                        .duration(value, &key_path)
                        .map(|d| ModemAction::Silent(Some(d))),
                },
                "garbage" => self.string(value, &key_path).map(ModemAction::Garbage),
                "partial_line" => self.string(value, &key_path).map(ModemAction::PartialLine),
                "echo" => self.boolean(value, &key_path).map(ModemAction::Echo),
                _ => {
                    let message = format!("unknown key; expected one of {EVENT_KEYS}");
                    self.error(key.span(), Some(&key_path), message);
                    None
                }
            };
            actions.extend(action);
        }
        if !table.iter().any(|(k, _)| k.get_ref() == "at") {
            self.error(span.clone(), Some(path), "missing `at`");
        }
        if actions.is_empty() && self.errors.len() == errors_before {
            self.error(span.clone(), Some(path), "nothing happens; give an action");
        }
        if self.errors.len() > errors_before {
            return None;
        }
        let line = self.line_of(span.start);
        Some(ModemEvent {
            at: at?,
            line,
            actions,
        })
    }

    fn boolean(&mut self, value: &Value<'_>, path: &str) -> Option<bool> {
        match value.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            other => {
                let message = format!("expected true or false, found {}", other.type_str());
                self.error(value.span(), Some(path), message);
                None
            }
        }
    }

    /// `key = true` does `action`; `false` is an error, as it says nothing.
    fn flag(&mut self, value: &Value<'_>, path: &str, action: ModemAction) -> Option<ModemAction> {
        match self.boolean(value, path)? {
            true => Some(action),
            false => {
                self.error(value.span(), Some(path), "only `true` means something here");
                None
            }
        }
    }

    fn dbm(&mut self, value: &Value<'_>, path: &str) -> Option<i32> {
        match value.get_ref() {
            DeValue::Integer(i) => match i.as_str().parse::<i32>() {
                Ok(dbm) if (-140..=-20).contains(&dbm) => Some(dbm),
                _ => {
                    self.error(value.span(), Some(path), "expected dBm in -140..=-20");
                    None
                }
            },
            other => {
                let message = format!("expected an integer dBm, found {}", other.type_str());
                self.error(value.span(), Some(path), message);
                None
            }
        }
    }

    /// A duration: seconds as a number, or a string with a unit.
    fn duration(&mut self, value: &Value<'_>, path: &str) -> Option<Nanos> {
        let seconds = match value.get_ref() {
            DeValue::String(text) => parse_duration(text),
            DeValue::Integer(i) => i.as_str().parse::<f64>().ok(),
            DeValue::Float(f) => f.as_str().parse::<f64>().ok(),
            _ => None,
        };
        match seconds {
            Some(s) if s.is_finite() && s >= 0.0 => Some(Nanos((s * 1e9).round() as u64)),
            _ => {
                let message = "expected a duration such as \"1.5s\", \"500ms\", \"2min\" or 1.5";
                self.error(value.span(), Some(path), message);
                None
            }
        }
    }

    fn table<'v>(
        &mut self,
        value: &'v Value<'_>,
        path: &str,
        keys: &[&str],
    ) -> Option<Vec<Option<&'v Value<'v>>>> {
        let DeValue::Table(table) = value.get_ref() else {
            let message = format!("expected {{ {} }}", keys.join(", "));
            self.error(value.span(), Some(path), message);
            return None;
        };
        let mut found = vec![None; keys.len()];
        let mut ok = true;
        for (key, item) in table {
            match keys.iter().position(|k| *k == key.get_ref().as_ref()) {
                Some(i) => found[i] = Some(item),
                None => {
                    let message = format!("unknown key; expected {}", keys.join(" or "));
                    self.error(
                        key.span(),
                        Some(&format!("{path}.{}", key.get_ref())),
                        message,
                    );
                    ok = false;
                }
            }
        }
        for (key, item) in keys.iter().zip(&found) {
            if item.is_none() {
                self.error(value.span(), Some(path), format!("missing `{key}`"));
                ok = false;
            }
        }
        ok.then_some(found)
    }

    fn sms(&mut self, value: &Value<'_>, path: &str) -> Option<ModemAction> {
        let fields = self.table(value, path, &["from", "text"])?;
        let from = self.string(fields[0]?, &format!("{path}.from"));
        let text = self.string(fields[1]?, &format!("{path}.text"));
        Some(ModemAction::IncomingSms {
            from: from?,
            text: text?,
        })
    }

    fn fade(&mut self, value: &Value<'_>, path: &str) -> Option<ModemAction> {
        let fields = self.table(value, path, &["to_dbm", "over"])?;
        let to_dbm = self.dbm(fields[0]?, &format!("{path}.to_dbm"));
        let over = self.duration(fields[1]?, &format!("{path}.over"));
        Some(ModemAction::FadeSignal {
            to_dbm: to_dbm?,
            over: over?,
        })
    }

    fn registration(&mut self, value: &Value<'_>, path: &str) -> Option<ModemAction> {
        let name = self.string(value, path)?;
        let state = match name.as_str() {
            "home" => RegState::Home,
            "roaming" => RegState::Roaming,
            "denied" => RegState::Denied,
            "searching" => RegState::Searching,
            "not-registered" => RegState::NotRegistered,
            _ => {
                let message = format!(
                    "unknown registration {name:?}; expected home, roaming, denied, searching or not-registered"
                );
                self.error(value.span(), Some(path), message);
                return None;
            }
        };
        Some(ModemAction::Registration(state))
    }
}

/// Seconds in "1.5s", "500ms", "250us", "2min".
fn parse_duration(text: &str) -> Option<f64> {
    let text = text.trim();
    let split = text.find(|c: char| c.is_alphabetic())?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number.trim().parse().ok()?;
    let scale = match unit {
        "min" => 60.0,
        "s" => 1.0,
        "ms" => 1e-3,
        "us" | "µs" => 1e-6,
        _ => return None,
    };
    Some(number * scale)
}
