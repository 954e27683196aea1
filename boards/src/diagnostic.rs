//! Diagnostics: what is wrong with a board file, and where.
//!
//! Every problem found in a board file becomes one [`Diagnostic`] naming the
//! file, the line and column, the key (`devices.accel.address`), what is
//! wrong and what was expected. Validation collects all of them before it
//! gives up, so one run shows every mistake of a file.

use std::fmt;
use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// What kind of problem a [`Diagnostic`] reports; tests and tools branch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DiagnosticKind {
    /// The file is not valid TOML.
    Syntax,
    /// A key the format does not have (often a typo).
    UnknownKey,
    /// A key the format or the driver requires is absent.
    MissingKey,
    /// A value of the wrong type or shape, or a name that is not allowed.
    InvalidValue,
    /// A value of the right type outside its range.
    OutOfRange,
    /// A key that belongs to another device class or bus kind.
    Misplaced,
    /// `driver = "..."` names no registered driver.
    UnknownDriver,
    /// The driver drives another device class.
    WrongClass,
    /// `bus = "..."` or a GPIO `chip` names no bus of the board.
    UnknownBus,
    /// The driver does not accept a bus of this kind.
    BusKindRejected,
    /// Two devices at one address of one bus.
    AddressConflict,
    /// Two devices on a bus that takes only one.
    BusConflict,
    /// One GPIO line used twice.
    GpioConflict,
    /// The driver's parameter check rejected `params`.
    Params,
}

impl DiagnosticKind {
    /// A stable snake_case name, for machine-readable output.
    pub const fn as_str(self) -> &'static str {
        match self {
            DiagnosticKind::Syntax => "syntax",
            DiagnosticKind::UnknownKey => "unknown_key",
            DiagnosticKind::MissingKey => "missing_key",
            DiagnosticKind::InvalidValue => "invalid_value",
            DiagnosticKind::OutOfRange => "out_of_range",
            DiagnosticKind::Misplaced => "misplaced",
            DiagnosticKind::UnknownDriver => "unknown_driver",
            DiagnosticKind::WrongClass => "wrong_class",
            DiagnosticKind::UnknownBus => "unknown_bus",
            DiagnosticKind::BusKindRejected => "bus_kind_rejected",
            DiagnosticKind::AddressConflict => "address_conflict",
            DiagnosticKind::BusConflict => "bus_conflict",
            DiagnosticKind::GpioConflict => "gpio_conflict",
            DiagnosticKind::Params => "params",
        }
    }
}

/// One problem in a board file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file as the caller named it, e.g. `boards/pinephone.toml`.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// Dotted key path, e.g. `devices.accel.address`; empty when the
    /// problem has no key (some syntax errors).
    pub key: String,
    pub kind: DiagnosticKind,
    /// What is wrong and what was expected.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file, self.line, self.column)?;
        if !self.key.is_empty() {
            write!(f, "{}: ", self.key)?;
        }
        f.write_str(&self.message)
    }
}

/// All problems of one board file, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostics(Vec<Diagnostic>);

impl Diagnostics {
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.0
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, diagnostic) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{diagnostic}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// Maps byte offsets of one file to lines and columns, and gathers the
/// diagnostics of that file.
pub(crate) struct Collector<'s> {
    file: String,
    lines: LineIndex<'s>,
    found: Vec<Diagnostic>,
}

/// Maps byte offsets of a text (what TOML spans give) to 1-based lines and
/// columns; for any tool that reports positions in a TOML file.
pub struct LineIndex<'s> {
    source: &'s str,
    line_starts: Vec<usize>,
}

impl<'s> LineIndex<'s> {
    /// Indexes `source`.
    pub fn new(source: &'s str) -> Self {
        let line_starts = std::iter::once(0)
            .chain(source.match_indices('\n').map(|(at, _)| at + 1))
            .collect();
        Self {
            source,
            line_starts,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.source.len());
        let line = self.line_starts.partition_point(|&start| start <= offset);
        let start = self.line_starts[line - 1];
        let column = self
            .source
            .get(start..offset)
            .map_or(1, |text| text.chars().count() + 1);
        (line, column)
    }
}

impl<'s> Collector<'s> {
    pub(crate) fn new(file: &str, source: &'s str) -> Self {
        Self {
            file: file.to_owned(),
            lines: LineIndex::new(source),
            found: Vec::new(),
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub(crate) fn line_column(&self, offset: usize) -> (usize, usize) {
        self.lines.line_column(offset)
    }

    pub(crate) fn line(&self, span: &Range<usize>) -> usize {
        self.line_column(span.start).0
    }

    pub(crate) fn report(
        &mut self,
        span: Range<usize>,
        key: impl Into<String>,
        kind: DiagnosticKind,
        message: impl Into<String>,
    ) {
        let (line, column) = self.line_column(span.start);
        self.found.push(Diagnostic {
            file: self.file.clone(),
            line,
            column,
            key: key.into(),
            kind,
            message: message.into(),
        });
    }

    pub(crate) fn has_errors(&self) -> bool {
        !self.found.is_empty()
    }

    /// The diagnostics in file order.
    pub(crate) fn finish(mut self) -> Diagnostics {
        self.found.sort_by_key(|found| (found.line, found.column));
        Diagnostics(self.found)
    }
}

/// Joins a key path and a child key: `join("devices", "accel")`.
pub(crate) fn join(parent: &str, child: &str) -> String {
    if parent.is_empty() {
        child.to_owned()
    } else {
        format!("{parent}.{child}")
    }
}

/// The dotted path of the innermost key under `value` whose key or value
/// covers `offset`, e.g. `gpios.reset` or `routes[2].sink`; empty if none.
pub(crate) fn key_path_at(value: &Spanned<DeValue<'_>>, offset: usize) -> String {
    let mut path = String::new();
    let mut current = value;
    'descend: loop {
        match current.get_ref() {
            DeValue::Table(table) => {
                if let Some((key, child)) = child_at(table, offset) {
                    path = join(&path, key);
                    current = child;
                    continue 'descend;
                }
            }
            DeValue::Array(array) => {
                for (index, item) in array.iter().enumerate() {
                    if item.span().contains(&offset) {
                        path.push_str(&format!("[{index}]"));
                        current = item;
                        continue 'descend;
                    }
                }
            }
            _ => {}
        }
        return path;
    }
}

fn child_at<'t, 'i>(
    table: &'t DeTable<'i>,
    offset: usize,
) -> Option<(&'t str, &'t Spanned<DeValue<'i>>)> {
    table.iter().find_map(|(key, value)| {
        let covers = key.span().contains(&offset) || value.span().contains(&offset);
        covers.then(|| (key.get_ref().as_ref(), value))
    })
}

/// "did you mean `x`?" for a misspelt name, when one candidate is close.
pub(crate) fn suggestion<'c>(
    wrong: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    candidates
        .into_iter()
        .map(|candidate| (edit_distance(wrong, candidate), candidate))
        .filter(|&(distance, candidate)| distance <= 2 && distance < candidate.len())
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, candidate)| candidate)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, &cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// `a, b, c` with each name in backticks, or `(none)`.
pub(crate) fn list<'n>(names: impl IntoIterator<Item = &'n str>) -> String {
    let listed: Vec<String> = names.into_iter().map(|name| format!("`{name}`")).collect();
    if listed.is_empty() {
        "(none)".to_owned()
    } else {
        listed.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_counts_characters_from_one() {
        let collector = Collector::new("f.toml", "a = 1\nbé = 2\n");
        assert_eq!(collector.line_column(0), (1, 1));
        assert_eq!(collector.line_column(6), (2, 1));
        // "bé = " is 6 bytes but 5 characters.
        assert_eq!(collector.line_column(12), (2, 6));
    }

    #[test]
    fn suggestion_finds_a_close_name_only() {
        let names = ["address", "driver", "bus"];
        assert_eq!(suggestion("adress", names), Some("address"));
        assert_eq!(suggestion("colour", names), None);
    }
}
