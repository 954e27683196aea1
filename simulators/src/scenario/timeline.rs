//! What the sensor and modem scenario files share: a document of a
//! `description` and `[[event]]` tables, read by hand from toml's spanned
//! tree so that every error is kept, each with its line and column.
//!
//! Each kind of scenario wraps a [`Timeline`] in its own parser (which
//! derefs to it) and gives [`parse`] the function that reads one event.

use super::{ScenarioError, ScenarioErrors};
use std::ops::{DerefMut, Range};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

pub(crate) type Value<'a> = Spanned<DeValue<'a>>;

/// The text being read and the errors found so far.
pub(crate) struct Timeline<'a> {
    pub name: &'a str,
    pub text: &'a str,
    pub errors: Vec<ScenarioError>,
}

impl<'a> Timeline<'a> {
    pub fn new(name: &'a str, text: &'a str) -> Timeline<'a> {
        Timeline {
            name,
            text,
            errors: Vec::new(),
        }
    }

    /// Records an error at `span`, naming `key`.
    pub fn error(&mut self, span: Range<usize>, key: Option<&str>, message: impl Into<String>) {
        let before = &self.text[..span.start.min(self.text.len())];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        self.errors.push(ScenarioError {
            file: self.name.to_owned(),
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
            key: key.map(str::to_owned),
            message: message.into(),
        });
    }

    /// The 1-based line of byte `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        self.text[..offset.min(self.text.len())]
            .matches('\n')
            .count()
            + 1
    }

    pub fn string(&mut self, value: &Value<'_>, path: &str) -> Option<String> {
        match value.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            other => {
                let message = format!("expected a string, found {}", other.type_str());
                self.error(value.span(), Some(path), message);
                None
            }
        }
    }
}

/// Reads the document of `parser`: its `description`, and each `[[event]]`
/// table with `event` (given the table's span, the table and its path,
/// `event[N]`). Returns them, or every error found.
pub(crate) fn parse<'a, P, E>(
    parser: &mut P,
    mut event: impl FnMut(&mut P, Range<usize>, &DeTable<'_>, &str) -> Option<E>,
) -> Result<(Option<String>, Vec<E>), ScenarioErrors>
where
    P: DerefMut<Target = Timeline<'a>>,
{
    let (root, syntax_errors) = DeTable::parse_recoverable(parser.text);
    for error in &syntax_errors {
        parser.error(error.span().unwrap_or(0..0), None, error.message());
    }
    let mut description = None;
    let mut events = Vec::new();
    for (key, value) in root.get_ref() {
        match key.get_ref().as_ref() {
            "description" => description = parser.string(value, "description"),
            "event" => {
                let DeValue::Array(array) = value.get_ref() else {
                    parser.error(value.span(), Some("event"), "expected [[event]] tables");
                    continue;
                };
                events.clear();
                for (i, item) in array.iter().enumerate() {
                    let path = format!("event[{}]", i + 1);
                    match item.get_ref() {
                        DeValue::Table(table) => {
                            events.extend(event(parser, item.span(), table, &path))
                        }
                        _ => parser.error(item.span(), Some(&path), "expected a table"),
                    }
                }
            }
            other => parser.error(
                key.span(),
                Some(other),
                "unknown key; expected description or [[event]]",
            ),
        }
    }
    if parser.errors.is_empty() {
        Ok((description, events))
    } else {
        parser.errors.sort_by_key(|e| (e.line, e.column));
        Err(ScenarioErrors(std::mem::take(&mut parser.errors)))
    }
}
