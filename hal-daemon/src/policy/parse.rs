//! From policy text to rules, reporting every problem with its file, line,
//! column and key (`rule[2].uid[1]`).
//!
//! The file is walked as spanned TOML rather than deserialized with serde,
//! so that a mistyped value still says which key it is and every problem of
//! a file is reported in one run.

use std::fmt;
use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::{Accounts, Action, Pattern, Rule};

/// One problem in a policy file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    pub file: String,
    /// 1-based.
    pub line: usize,
    /// 1-based, in characters.
    pub column: usize,
    /// E.g. `rule[1].uid[0]`; empty for a syntax error outside any key.
    pub key: String,
    pub message: String,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file, self.line, self.column)?;
        if !self.key.is_empty() {
            write!(f, "{}: ", self.key)?;
        }
        f.write_str(&self.message)
    }
}

/// Every problem of one policy file, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyErrors(pub Vec<PolicyError>);

impl fmt::Display for PolicyErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&lines.join("\n"))
    }
}

impl std::error::Error for PolicyErrors {}

pub(super) struct Parsed {
    pub default: Action,
    pub rules: Vec<Rule>,
}

const RULE_KEYS: &[&str] = &["action", "uid", "gid", "service", "method"];

struct Reporter<'t> {
    file: &'t str,
    lines: yunhal_boards::LineIndex<'t>,
    found: Vec<PolicyError>,
}

impl Reporter<'_> {
    /// 1-based line and column (in characters) of a byte offset.
    fn position(&self, offset: usize) -> (usize, usize) {
        self.lines.line_column(offset)
    }

    fn report(&mut self, span: Range<usize>, key: &str, message: impl Into<String>) {
        let (line, column) = self.position(span.start);
        self.found.push(PolicyError {
            file: self.file.to_owned(),
            line,
            column,
            key: key.to_owned(),
            message: message.into(),
        });
    }

    /// `rule`'s location for messages: `file:line`.
    fn origin(&self, span: &Range<usize>) -> String {
        format!("{}:{}", self.file, self.position(span.start).0)
    }
}

pub(super) fn parse(
    file: &str,
    text: &str,
    daemon_uid: u32,
    accounts: &Accounts,
) -> Result<Parsed, PolicyErrors> {
    let mut out = Reporter {
        file,
        lines: yunhal_boards::LineIndex::new(text),
        found: Vec::new(),
    };
    let (document, syntax_errors) = DeTable::parse_recoverable(text);
    for error in &syntax_errors {
        let message = error.message().trim().replace('\n', "; ");
        out.report(error.span().unwrap_or(0..0), "", message);
    }
    let mut parsed = Parsed {
        default: Action::Deny,
        rules: Vec::new(),
    };
    if syntax_errors.is_empty() {
        let ids = Ids {
            daemon_uid,
            accounts,
        };
        for (key, value) in document.get_ref() {
            match key.get_ref().as_ref() {
                "default" => {
                    if let Some(action) = action(value, "default", &mut out) {
                        parsed.default = action;
                    }
                }
                "rule" => match value.get_ref() {
                    DeValue::Array(rules) => {
                        for (index, rule) in rules.iter().enumerate() {
                            let key = format!("rule[{index}]");
                            if let Some(rule) = parse_rule(rule, &key, &ids, &mut out) {
                                parsed.rules.push(rule);
                            }
                        }
                    }
                    _ => out.report(value.span(), "rule", "expected `[[rule]]` tables"),
                },
                other => out.report(
                    key.span(),
                    other,
                    format!("unknown key `{other}`; expected `default` or `rule`"),
                ),
            }
        }
    }
    if out.found.is_empty() {
        Ok(parsed)
    } else {
        out.found.sort_by_key(|e| (e.line, e.column));
        Err(PolicyErrors(out.found))
    }
}

struct Ids<'a> {
    daemon_uid: u32,
    accounts: &'a Accounts,
}

fn parse_rule(
    rule: &Spanned<DeValue<'_>>,
    key: &str,
    ids: &Ids<'_>,
    out: &mut Reporter<'_>,
) -> Option<Rule> {
    let DeValue::Table(table) = rule.get_ref() else {
        out.report(
            rule.span(),
            key,
            "expected a table of `action`, `uid`, `gid`, `service`, `method`",
        );
        return None;
    };
    let errors_before = out.found.len();
    let mut parsed = Rule {
        action: Action::Deny,
        uids: None,
        gids: None,
        services: vec![Pattern::new("*")],
        methods: vec![Pattern::new("*")],
        origin: out.origin(&rule.span()),
    };
    let mut saw_action = false;
    for (name_at, value) in table {
        let name = name_at.get_ref().as_ref();
        let path = format!("{key}.{name}");
        match name {
            "action" => {
                saw_action = true;
                parsed.action = action(value, &path, out).unwrap_or(Action::Deny);
            }
            "uid" => {
                parsed.uids = Some(list(value, &path, out, |v, p, o| {
                    id(v, p, o, ids, IdKind::User)
                }))
            }
            "gid" => {
                parsed.gids = Some(list(value, &path, out, |v, p, o| {
                    id(v, p, o, ids, IdKind::Group)
                }))
            }
            "service" => parsed.services = list(value, &path, out, pattern),
            "method" => parsed.methods = list(value, &path, out, pattern),
            other => out.report(
                name_at.span(),
                &path,
                format!(
                    "unknown key `{other}`; expected one of: {}",
                    RULE_KEYS.join(", ")
                ),
            ),
        }
    }
    if !saw_action {
        out.report(
            rule.span(),
            &format!("{key}.action"),
            "required key is missing (\"allow\" or \"deny\")",
        );
    }
    (out.found.len() == errors_before).then_some(parsed)
}

fn action(value: &Spanned<DeValue<'_>>, key: &str, out: &mut Reporter<'_>) -> Option<Action> {
    match value.get_ref().as_str() {
        Some("allow") => Some(Action::Allow),
        Some("deny") => Some(Action::Deny),
        _ => {
            out.report(value.span(), key, "expected \"allow\" or \"deny\"");
            None
        }
    }
}

/// One item or a list of items; an empty list is an error (it would match
/// nothing, which is never what was meant).
fn list<T>(
    value: &Spanned<DeValue<'_>>,
    key: &str,
    out: &mut Reporter<'_>,
    item: impl Fn(&Spanned<DeValue<'_>>, &str, &mut Reporter<'_>) -> Option<T>,
) -> Vec<T> {
    match value.get_ref() {
        DeValue::Array(items) if items.is_empty() => {
            out.report(
                value.span(),
                key,
                "an empty list matches nothing; leave the key out to match any",
            );
            Vec::new()
        }
        DeValue::Array(items) => items
            .iter()
            .enumerate()
            .filter_map(|(index, v)| item(v, &format!("{key}[{index}]"), out))
            .collect(),
        _ => item(value, key, out).into_iter().collect(),
    }
}

fn pattern(value: &Spanned<DeValue<'_>>, key: &str, out: &mut Reporter<'_>) -> Option<Pattern> {
    match value.get_ref().as_str() {
        Some(text) if !text.is_empty() => Some(Pattern::new(text)),
        _ => {
            out.report(
                value.span(),
                key,
                "expected a non-empty name or `*` pattern",
            );
            None
        }
    }
}

#[derive(Clone, Copy)]
enum IdKind {
    User,
    Group,
}

fn id(
    value: &Spanned<DeValue<'_>>,
    key: &str,
    out: &mut Reporter<'_>,
    ids: &Ids<'_>,
    kind: IdKind,
) -> Option<u32> {
    let (what, file) = match kind {
        IdKind::User => ("user", "/etc/passwd"),
        IdKind::Group => ("group", "/etc/group"),
    };
    let found = match value.get_ref() {
        DeValue::Integer(n) => u32::from_str_radix(n.as_str(), n.radix())
            .map_err(|_| format!("{n} is not a {what} id (0..=4294967295)")),
        DeValue::String(name) if name == "@daemon" && matches!(kind, IdKind::User) => {
            Ok(ids.daemon_uid)
        }
        DeValue::String(name) => match kind {
            IdKind::User => ids.accounts.uid(name),
            IdKind::Group => ids.accounts.gid(name),
        }
        .ok_or_else(|| format!("no {what} named `{name}` in {file}")),
        _ => Err(format!("expected a {what} id or name, or a list of them")),
    };
    found
        .map_err(|message| out.report(value.span(), key, message))
        .ok()
}
