//! TOML to [`Scenario`], collecting every error with its position.
//!
//! Walks toml's spanned document tree (`DeTable`) by hand rather than
//! deriving `Deserialize`: serde stops at the first error, and a test
//! author fixing a file wants all of them, each with its line.

use super::timeline::{self, Timeline};
use super::{Action, Event, Scenario, ScenarioErrors};
use crate::world::{Pose, Walk};
use std::ops::{Deref, DerefMut, Range};
use toml::de::{DeTable, DeValue};
use toml::Spanned;
use yunhal::time::Nanos;

const EVENT_KEYS: &str = "at, rotate_to, over, walk, light_lux, proximity_cm, temperature_c";

/// The sensor scenario's reader of event tables, over the shared timeline.
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

pub(super) fn parse(name: &str, text: &str) -> Result<Scenario, ScenarioErrors> {
    let mut parser = Parser(Timeline::new(name, text));
    let (description, events) = timeline::parse(&mut parser, Parser::event)?;
    Ok(Scenario {
        name: name.to_owned(),
        description,
        events,
    })
}

impl Parser<'_> {
    fn event(&mut self, span: Range<usize>, table: &DeTable<'_>, path: &str) -> Option<Event> {
        let errors_before = self.errors.len();
        let mut at = None;
        let mut rotate_to = None;
        let mut over = None;
        let mut walk = None;
        let (mut light, mut proximity, mut temperature) = (None, None, None);
        for (key, value) in table {
            let name = key.get_ref().as_ref();
            let key_path = format!("{path}.{name}");
            match name {
                "at" => at = self.duration(value, &key_path),
                "rotate_to" => rotate_to = self.pose(value, &key_path),
                "over" => over = self.duration(value, &key_path).map(|o| (o, key.span())),
                "walk" => walk = self.walk(value, &key_path),
                "light_lux" => light = self.non_negative(value, &key_path),
                "proximity_cm" => proximity = self.non_negative(value, &key_path),
                "temperature_c" => temperature = self.number(value, &key_path),
                _ => self.error(
                    key.span(),
                    Some(&key_path),
                    format!("unknown key; expected one of {EVENT_KEYS}"),
                ),
            }
        }
        let line_of_event = span.clone();
        if !table.iter().any(|(k, _)| k.get_ref() == "at") {
            self.error(span.clone(), Some(path), "missing `at`");
        }
        if let (Some((_, over_span)), false) =
            (&over, table.iter().any(|(k, _)| k.get_ref() == "rotate_to"))
        {
            self.error(
                over_span.clone(),
                Some(&format!("{path}.over")),
                "`over` without `rotate_to`",
            );
        }
        let mut actions = Vec::new();
        if let Some(pose) = rotate_to {
            let over = over.map_or(Nanos::ZERO, |(o, _)| o);
            actions.push(Action::RotateTo { pose, over });
        }
        actions.extend(walk.map(Action::Walk));
        actions.extend(light.map(Action::Light));
        actions.extend(proximity.map(Action::Proximity));
        actions.extend(temperature.map(|c| Action::Temperature(c as f32)));
        if actions.is_empty() && self.errors.len() == errors_before {
            self.error(
                span,
                Some(path),
                "nothing happens; give rotate_to, walk, light_lux, proximity_cm or temperature_c",
            );
        }
        if self.errors.len() > errors_before {
            return None;
        }
        Some(Event {
            at: at?,
            line: self.line_of(line_of_event.start),
            actions,
        })
    }

    fn number(&mut self, value: &Spanned<DeValue<'_>>, path: &str) -> Option<f64> {
        let number = match value.get_ref() {
            DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
                .ok()
                .map(|i| i as f64),
            DeValue::Float(f) => f.as_str().parse::<f64>().ok(),
            other => {
                let message = format!("expected a number, found {}", other.type_str());
                self.error(value.span(), Some(path), message);
                return None;
            }
        };
        match number {
            Some(n) if n.is_finite() => Some(n),
            _ => {
                self.error(value.span(), Some(path), "expected a finite number");
                None
            }
        }
    }

    fn non_negative(&mut self, value: &Spanned<DeValue<'_>>, path: &str) -> Option<f32> {
        let n = self.number(value, path)?;
        if n < 0.0 {
            self.error(value.span(), Some(path), "must not be negative");
            return None;
        }
        Some(n as f32)
    }

    /// A duration: seconds as a number, or a string with a unit.
    fn duration(&mut self, value: &Spanned<DeValue<'_>>, path: &str) -> Option<Nanos> {
        let seconds = match value.get_ref() {
            DeValue::String(text) => match parse_duration(text) {
                Some(seconds) => seconds,
                None => {
                    self.error(
                        value.span(),
                        Some(path),
                        format!("bad duration {text:?}; write e.g. \"1.5s\", \"500ms\", \"250us\", \"2min\" or 1.5"),
                    );
                    return None;
                }
            },
            _ => self.number(value, path)?,
        };
        if seconds < 0.0 {
            self.error(value.span(), Some(path), "must not be negative");
            return None;
        }
        Some(Nanos((seconds * 1e9).round() as u64))
    }

    fn pose(&mut self, value: &Spanned<DeValue<'_>>, path: &str) -> Option<Pose> {
        match value.get_ref() {
            DeValue::String(name) => {
                let pose = Pose::from_name(name);
                if pose.is_none() {
                    let message = format!(
                        "unknown pose {name:?}; expected one of {} or {{ yaw, pitch, roll }}",
                        Pose::NAMES.join(", ")
                    );
                    self.error(value.span(), Some(path), message);
                }
                pose
            }
            DeValue::Table(table) => {
                let mut angles = [0.0; 3];
                let mut ok = true;
                for (key, angle) in table {
                    let name = key.get_ref().as_ref();
                    let key_path = format!("{path}.{name}");
                    let slot = match name {
                        "yaw" => 0,
                        "pitch" => 1,
                        "roll" => 2,
                        _ => {
                            self.error(
                                key.span(),
                                Some(&key_path),
                                "unknown key; expected yaw, pitch or roll (degrees)",
                            );
                            ok = false;
                            continue;
                        }
                    };
                    match self.number(angle, &key_path) {
                        Some(degrees) => angles[slot] = degrees,
                        None => ok = false,
                    }
                }
                ok.then_some(Pose::Angles {
                    yaw_deg: angles[0],
                    pitch_deg: angles[1],
                    roll_deg: angles[2],
                })
            }
            other => {
                let message = format!(
                    "expected a pose name or {{ yaw, pitch, roll }}, found {}",
                    other.type_str()
                );
                self.error(value.span(), Some(path), message);
                None
            }
        }
    }

    fn walk(&mut self, value: &Spanned<DeValue<'_>>, path: &str) -> Option<Walk> {
        let DeValue::Table(table) = value.get_ref() else {
            let message = "expected { steps_per_second = .., duration = .. }";
            self.error(value.span(), Some(path), message);
            return None;
        };
        let mut steps_per_second = None;
        let mut duration = None;
        let mut ok = true;
        for (key, item) in table {
            let name = key.get_ref().as_ref();
            let key_path = format!("{path}.{name}");
            match name {
                "steps_per_second" => {
                    steps_per_second = self.number(item, &key_path);
                    if steps_per_second.is_some_and(|s| s <= 0.0) {
                        self.error(item.span(), Some(&key_path), "must be positive");
                        ok = false;
                    }
                }
                "duration" => duration = self.duration(item, &key_path),
                _ => {
                    self.error(
                        key.span(),
                        Some(&key_path),
                        "unknown key; expected steps_per_second or duration",
                    );
                    ok = false;
                }
            }
        }
        for (missing, name) in [
            (
                !table.iter().any(|(k, _)| k.get_ref() == "steps_per_second"),
                "steps_per_second",
            ),
            (
                !table.iter().any(|(k, _)| k.get_ref() == "duration"),
                "duration",
            ),
        ] {
            if missing {
                self.error(value.span(), Some(path), format!("missing `{name}`"));
                ok = false;
            }
        }
        if !ok {
            return None;
        }
        Some(Walk {
            steps_per_second: steps_per_second?,
            duration: duration?,
        })
    }
}

/// Seconds in "1.5s", "500ms", "250us", "10ns", "2min".
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
        "ns" => 1e-9,
        _ => return None,
    };
    number.is_finite().then_some(number * scale)
}
