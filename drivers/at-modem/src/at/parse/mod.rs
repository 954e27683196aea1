//! Typed parsers for the information lines of TS 27.007 and TS 27.005.
//!
//! Every parser takes one line (or, for the SMS reads, a header line and the
//! PDU line after it) and gives a typed value or a [`ParseError`] that names
//! the field that was wrong and quotes the offending text. Parsers are
//! lenient where real modems differ from the standard: whitespace around
//! fields, missing optional fields, leading zeros, no space after the colon.

pub mod calls;
pub mod data;
pub mod errors;
pub mod network;
pub mod sim;
pub mod sms;

/// Why a line could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("expected a line starting with {expected}, got {line:?}")]
    WrongPrefix {
        expected: &'static str,
        line: String,
    },
    #[error("unterminated quoted string in {line:?}")]
    UnterminatedQuote { line: String },
    #[error("unbalanced parentheses in {line:?}")]
    UnbalancedGroup { line: String },
    #[error("unexpected text {junk:?} after a field in {line:?}")]
    TrailingJunk { junk: String, line: String },
    #[error("missing field <{name}> in {line:?}")]
    MissingField { name: &'static str, line: String },
    #[error("field <{name}> has an invalid value {value:?}")]
    InvalidField { name: &'static str, value: String },
    #[error("expected a line after {header:?} (the PDU), found none")]
    MissingPduLine { header: String },
}

/// One comma-separated field of an information line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    /// Nothing between two commas (an omitted optional parameter).
    Empty,
    /// An unquoted value, trimmed (numbers, hex without quotes, words).
    Bare(String),
    /// A quoted string with its `\XX` escapes resolved.
    Quoted(String),
    /// A parenthesised list, kept raw without the outer parentheses.
    Group(String),
}

impl Field {
    /// The text of a bare or quoted field; `None` for empty ones and groups.
    pub fn text(&self) -> Option<&str> {
        match self {
            Field::Bare(s) | Field::Quoted(s) => Some(s),
            Field::Empty | Field::Group(_) => None,
        }
    }
}

/// The fields of one line after its prefix, with typed accessors whose
/// errors name the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fields {
    line: String,
    items: Vec<Field>,
}

impl Fields {
    /// Splits `line` after `prefix` and its colon (`+CSQ: 20,99`).
    pub fn after_prefix(line: &str, prefix: &'static str) -> Result<Fields, ParseError> {
        let rest = strip_prefix(line, prefix).ok_or_else(|| ParseError::WrongPrefix {
            expected: prefix,
            line: line.to_owned(),
        })?;
        Fields::split(rest, line)
    }

    /// Splits a line that has no prefix (the inside of a group, a bare list).
    pub fn split(text: &str, whole_line: &str) -> Result<Fields, ParseError> {
        Ok(Fields {
            line: whole_line.to_owned(),
            items: split_fields(text, whole_line)?,
        })
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.iter().all(|f| *f == Field::Empty)
    }

    pub fn items(&self) -> &[Field] {
        &self.items
    }

    pub fn line(&self) -> &str {
        &self.line
    }

    pub fn get(&self, index: usize) -> &Field {
        self.items.get(index).unwrap_or(&Field::Empty)
    }

    fn missing(&self, name: &'static str) -> ParseError {
        ParseError::MissingField {
            name,
            line: self.line.clone(),
        }
    }

    /// A decimal number that must be there.
    pub fn u32(&self, index: usize, name: &'static str) -> Result<u32, ParseError> {
        self.opt_u32(index, name)?.ok_or_else(|| self.missing(name))
    }

    /// A decimal number that may be omitted.
    pub fn opt_u32(&self, index: usize, name: &'static str) -> Result<Option<u32>, ParseError> {
        match self.get(index).text() {
            None | Some("") => Ok(None),
            Some(t) => t
                .parse::<u32>()
                .map(Some)
                .map_err(|_| ParseError::InvalidField {
                    name,
                    value: t.to_owned(),
                }),
        }
    }

    /// A hexadecimal number, quoted or not (`"84CD"`, `84CD`); may be omitted.
    pub fn opt_hex(&self, index: usize, name: &'static str) -> Result<Option<u32>, ParseError> {
        match self.get(index).text().map(str::trim) {
            None | Some("") => Ok(None),
            Some(t) => {
                let digits = t.strip_prefix("0x").unwrap_or(t);
                u32::from_str_radix(digits, 16)
                    .map(Some)
                    .map_err(|_| ParseError::InvalidField {
                        name,
                        value: t.to_owned(),
                    })
            }
        }
    }

    /// A string (quoted or bare) that must be there.
    pub fn string(&self, index: usize, name: &'static str) -> Result<String, ParseError> {
        self.opt_string(index).ok_or_else(|| self.missing(name))
    }

    /// A string that may be omitted; an empty quoted string counts as omitted.
    pub fn opt_string(&self, index: usize) -> Option<String> {
        self.get(index)
            .text()
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    }
}

/// Strips `prefix` (case-insensitive), optional blanks and the colon.
pub fn strip_prefix<'a>(line: &'a str, prefix: &str) -> Option<&'a str> {
    let line = line.trim_start();
    let head = line.get(..prefix.len())?;
    if !head.eq_ignore_ascii_case(prefix) {
        return None;
    }
    let rest = line[prefix.len()..].trim_start();
    rest.strip_prefix(':')
}

/// True if `line` starts with the information prefix `prefix` and a colon.
pub fn has_prefix(line: &str, prefix: &str) -> bool {
    strip_prefix(line, prefix).is_some()
}

fn split_fields(text: &str, whole_line: &str) -> Result<Vec<Field>, ParseError> {
    let mut items = Vec::new();
    let mut chars = text.char_indices().peekable();
    if text.trim().is_empty() {
        return Ok(items);
    }
    loop {
        while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
        let field = match chars.peek().map(|&(_, c)| c) {
            Some('"') => {
                chars.next();
                Field::Quoted(read_quoted(&mut chars, whole_line)?)
            }
            Some('(') => {
                chars.next();
                Field::Group(read_group(text, &mut chars, whole_line)?)
            }
            _ => {
                let start = chars.peek().map_or(text.len(), |&(i, _)| i);
                while chars.next_if(|&(_, c)| c != ',').is_some() {}
                let end = chars.peek().map_or(text.len(), |&(i, _)| i);
                let bare = text[start..end].trim();
                if bare.is_empty() {
                    Field::Empty
                } else {
                    Field::Bare(bare.to_owned())
                }
            }
        };
        items.push(field);
        while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
        match chars.next() {
            None => return Ok(items),
            Some((_, ',')) => {}
            Some((i, _)) => {
                return Err(ParseError::TrailingJunk {
                    junk: text[i..].to_owned(),
                    line: whole_line.to_owned(),
                })
            }
        }
        if chars.peek().is_none() {
            items.push(Field::Empty);
            return Ok(items);
        }
    }
}

type CharIter<'a> = std::iter::Peekable<std::str::CharIndices<'a>>;

/// Reads up to the closing quote. TS 27.007 escapes a character as a
/// backslash and two hex digits (`\22` for a quote, `\5C` for a backslash);
/// some modems write `\"` instead, which is accepted too.
fn read_quoted(chars: &mut CharIter<'_>, whole_line: &str) -> Result<String, ParseError> {
    let mut out = String::new();
    loop {
        match chars.next() {
            None => {
                return Err(ParseError::UnterminatedQuote {
                    line: whole_line.to_owned(),
                })
            }
            Some((_, '"')) => return Ok(out),
            Some((_, '\\')) => match chars.next().map(|(_, c)| c) {
                None => out.push('\\'),
                Some(high) if high.is_ascii_hexdigit() => {
                    match chars.next_if(|(_, d)| d.is_ascii_hexdigit()) {
                        Some((_, low)) => {
                            let value =
                                high.to_digit(16).unwrap_or(0) * 16 + low.to_digit(16).unwrap_or(0);
                            out.push(char::from_u32(value).unwrap_or('?'));
                        }
                        None => {
                            out.push('\\');
                            out.push(high);
                        }
                    }
                }
                Some(other) => out.push(other),
            },
            Some((_, c)) => out.push(c),
        }
    }
}

fn read_group(
    text: &str,
    chars: &mut CharIter<'_>,
    whole_line: &str,
) -> Result<String, ParseError> {
    let start = chars.peek().map_or(text.len(), |&(i, _)| i);
    let mut depth = 1usize;
    let mut in_quote = false;
    for (i, c) in chars.by_ref() {
        match c {
            '"' => in_quote = !in_quote,
            '(' if !in_quote => depth += 1,
            ')' if !in_quote => {
                depth -= 1;
                if depth == 0 {
                    return Ok(text[start..i].to_owned());
                }
            }
            _ => {}
        }
    }
    Err(ParseError::UnbalancedGroup {
        line: whole_line.to_owned(),
    })
}

/// Quotes `text` for a command argument, escaping as TS 27.007 asks.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\22"),
            '\\' => out.push_str("\\5C"),
            '\r' => out.push_str("\\0D"),
            '\n' => out.push_str("\\0A"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_split_quoted_bare_empty_and_groups() {
        let f =
            Fields::after_prefix("+COPS: (2,\"A,B\",\"\",\"310410\",0),,(0-4)", "+COPS").unwrap();
        assert_eq!(f.len(), 3);
        assert_eq!(
            *f.get(0),
            Field::Group("2,\"A,B\",\"\",\"310410\",0".into())
        );
        assert_eq!(*f.get(1), Field::Empty);
        assert_eq!(*f.get(2), Field::Group("0-4".into()));
    }

    #[test]
    fn quoted_escapes_are_resolved() {
        let f = Fields::after_prefix(r#"+CUSD: 0,"a\22b\5Cc\"d",15"#, "+CUSD").unwrap();
        assert_eq!(f.opt_string(1).unwrap(), "a\"b\\c\"d");
        assert_eq!(f.u32(2, "dcs").unwrap(), 15);
    }

    #[test]
    fn prefix_without_space_and_leading_zeros_parse() {
        let f = Fields::after_prefix("+CREG:002,001,\"18d8\",\"ffff\"", "+CREG").unwrap();
        assert_eq!(f.u32(0, "n").unwrap(), 2);
        assert_eq!(f.opt_hex(2, "lac").unwrap(), Some(0x18d8));
    }

    #[test]
    fn trailing_comma_gives_an_empty_last_field() {
        let f = Fields::after_prefix("+CREG: 2,,", "+CREG").unwrap();
        assert_eq!(
            f.items(),
            &[Field::Bare("2".into()), Field::Empty, Field::Empty]
        );
    }

    #[test]
    fn unterminated_quote_is_an_error_naming_the_line() {
        let err = Fields::after_prefix("+CIMI: \"123", "+CIMI").unwrap_err();
        assert_eq!(
            err,
            ParseError::UnterminatedQuote {
                line: "+CIMI: \"123".into()
            }
        );
    }

    #[test]
    fn invalid_number_names_the_field() {
        let f = Fields::after_prefix("+CSQ: x,99", "+CSQ").unwrap();
        assert_eq!(
            f.u32(0, "rssi").unwrap_err(),
            ParseError::InvalidField {
                name: "rssi",
                value: "x".into()
            }
        );
    }

    #[test]
    fn quote_escapes_quotes_and_backslashes() {
        assert_eq!(quote("a\"b\\"), "\"a\\22b\\5C\"");
    }
}
