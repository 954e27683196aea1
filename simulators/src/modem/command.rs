//! The V.250 command line: bytes to lines (with the SMS prompt's payload
//! mode), and a line to its commands.

/// S3, the command line terminator.
const CR: u8 = b'\r';
/// S5, backspace.
const BACKSPACE: u8 = 0x08;
const CTRL_Z: u8 = 0x1A;
const ESC: u8 = 0x1B;
/// Longer lines are thrown away, as a modem's command buffer overflows.
const MAX_LINE: usize = 2048;

/// What a run of input bytes amounts to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LineEvent {
    /// A command line, from its `AT` on (without the `AT`).
    Line(String),
    /// `A/`: the last command line again.
    RepeatLast,
    /// The payload after a `> ` prompt, ended by Ctrl-Z.
    Payload(String),
    /// The payload cancelled by ESC.
    PayloadCancelled,
}

/// Assembles command lines and payloads from bytes.
#[derive(Debug, Default)]
pub(crate) struct LineAssembler {
    buf: Vec<u8>,
    payload: bool,
}

impl LineAssembler {
    /// Switches to payload mode (after a `> ` prompt).
    pub(crate) fn expect_payload(&mut self) {
        self.payload = true;
        self.buf.clear();
    }

    /// Whether the bytes that come are a payload (a `> ` prompt is out).
    pub(crate) fn expects_payload(&self) -> bool {
        self.payload
    }

    /// Forgets a partial line.
    pub(crate) fn reset(&mut self) {
        self.buf.clear();
        self.payload = false;
    }

    pub(crate) fn push(&mut self, byte: u8) -> Option<LineEvent> {
        if self.payload {
            return match byte {
                CTRL_Z => {
                    self.payload = false;
                    Some(LineEvent::Payload(self.take()))
                }
                ESC => {
                    self.payload = false;
                    self.buf.clear();
                    Some(LineEvent::PayloadCancelled)
                }
                CR | b'\n' => None,
                _ => {
                    self.keep(byte);
                    None
                }
            };
        }
        match byte {
            CR => {
                let line = self.take();
                // Anything before the prefix is noise on the line.
                let upper = line.to_ascii_uppercase();
                upper
                    .find("AT")
                    .map(|at| LineEvent::Line(line[at + 2..].to_owned()))
            }
            b'\n' => None,
            BACKSPACE => {
                self.buf.pop();
                None
            }
            b'/' if self
                .buf
                .last()
                .is_some_and(|b| b.eq_ignore_ascii_case(&b'A')) =>
            {
                self.buf.clear();
                Some(LineEvent::RepeatLast)
            }
            _ => {
                self.keep(byte);
                None
            }
        }
    }

    fn keep(&mut self, byte: u8) {
        if self.buf.len() < MAX_LINE {
            self.buf.push(byte);
        } else {
            self.buf.clear();
        }
    }

    fn take(&mut self) -> String {
        let bytes = std::mem::take(&mut self.buf);
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

/// A parameter of an extended command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Param {
    /// Left out (`AT+CNMI=2,,0`).
    Empty,
    /// A quoted string, quotes removed.
    Quoted(String),
    /// Anything else, as written.
    Bare(String),
}

/// How an extended command is invoked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `+X`, or a basic command without a value.
    Action,
    /// `+X?`.
    Read,
    /// `+X=?`.
    Test,
    /// `+X=<params>`, or a basic command with its value.
    Set(Vec<Param>),
}

/// One command of a command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Command {
    /// Upper case: `+CPIN`, `E`, `&F`, `S0`, `D`.
    pub name: String,
    pub kind: Kind,
}

/// Why a parameter is not usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BadParam;

impl Command {
    fn params(&self) -> &[Param] {
        match &self.kind {
            Kind::Set(params) => params,
            _ => &[],
        }
    }

    /// Parameter `i` as text (quoted or not), `None` if absent or empty.
    pub(crate) fn text(&self, i: usize) -> Option<&str> {
        match self.params().get(i)? {
            Param::Empty => None,
            Param::Quoted(s) | Param::Bare(s) => Some(s),
        }
    }

    /// Parameter `i` as an integer, `None` if absent or empty.
    pub(crate) fn int(&self, i: usize) -> Result<Option<i64>, BadParam> {
        match self.params().get(i) {
            None | Some(Param::Empty) => Ok(None),
            Some(Param::Bare(s)) | Some(Param::Quoted(s)) => {
                s.trim().parse().map(Some).map_err(|_| BadParam)
            }
        }
    }

    /// Parameter `i` as an integer in `range`, or `default` if absent.
    pub(crate) fn int_in(
        &self,
        i: usize,
        range: std::ops::RangeInclusive<i64>,
        default: Option<i64>,
    ) -> Result<i64, BadParam> {
        match self.int(i)?.or(default) {
            Some(n) if range.contains(&n) => Ok(n),
            _ => Err(BadParam),
        }
    }

    /// How many parameters were written.
    pub(crate) fn param_count(&self) -> usize {
        self.params().len()
    }
}

/// Splits the text after `AT` into commands. Basic commands follow each
/// other directly (`E0V1`), extended ones are separated by `;`, and `D`
/// takes the rest of the line.
pub(crate) fn split(line: &str) -> Result<Vec<Command>, BadParam> {
    let chars: Vec<char> = line.chars().collect();
    let mut commands = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == ' ' || c == ';' {
            i += 1;
            continue;
        }
        let upper = c.to_ascii_uppercase();
        if matches!(c, '+' | '^' | '$') {
            let start = i;
            i += 1;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || "!%-./:_".contains(chars[i]))
            {
                i += 1;
            }
            let name: String = chars[start..i]
                .iter()
                .collect::<String>()
                .to_ascii_uppercase();
            let (kind, next) = extended_kind(&chars, i)?;
            commands.push(Command { name, kind });
            i = next;
        } else if upper == 'D' {
            let dial: String = chars[i + 1..].iter().collect();
            commands.push(Command {
                name: "D".to_owned(),
                kind: Kind::Set(vec![Param::Bare(dial.trim().to_owned())]),
            });
            break;
        } else if upper == 'S' {
            let start = i + 1;
            i = skip_digits(&chars, start);
            let name = format!("S{}", chars[start..i].iter().collect::<String>());
            let kind = match chars.get(i) {
                Some('?') => {
                    i += 1;
                    Kind::Read
                }
                Some('=') => {
                    let value_start = i + 1;
                    i = skip_digits(&chars, value_start);
                    Kind::Set(vec![Param::Bare(chars[value_start..i].iter().collect())])
                }
                _ => return Err(BadParam),
            };
            commands.push(Command { name, kind });
        } else if upper.is_ascii_alphabetic() || c == '&' {
            let mut name = upper.to_string();
            i += 1;
            if c == '&' {
                let letter = chars.get(i).ok_or(BadParam)?;
                name.push(letter.to_ascii_uppercase());
                i += 1;
            }
            let value_start = i;
            i = skip_digits(&chars, value_start);
            let kind = if i == value_start {
                Kind::Action
            } else {
                Kind::Set(vec![Param::Bare(chars[value_start..i].iter().collect())])
            };
            commands.push(Command { name, kind });
        } else {
            return Err(BadParam);
        }
    }
    Ok(commands)
}

fn skip_digits(chars: &[char], mut i: usize) -> usize {
    while i < chars.len() && chars[i].is_ascii_digit() {
        i += 1;
    }
    i
}

/// Reads `?`, `=?` or `=<params>` at `i`; returns the kind and where the
/// next command starts.
fn extended_kind(chars: &[char], mut i: usize) -> Result<(Kind, usize), BadParam> {
    match (chars.get(i), chars.get(i + 1)) {
        (Some('='), Some('?')) => Ok((Kind::Test, i + 2)),
        (Some('?'), _) => Ok((Kind::Read, i + 1)),
        (Some('='), _) => {
            i += 1;
            let mut params = Vec::new();
            let mut current = String::new();
            let mut quoted = false;
            let mut was_quoted = false;
            while i < chars.len() {
                let c = chars[i];
                if c == '"' {
                    quoted = !quoted;
                    was_quoted = true;
                } else if quoted {
                    current.push(c);
                } else if c == ',' || c == ';' {
                    params.push(param(&mut current, &mut was_quoted));
                    if c == ';' {
                        break;
                    }
                } else if c != ' ' {
                    current.push(c);
                }
                i += 1;
            }
            if quoted {
                return Err(BadParam);
            }
            params.push(param(&mut current, &mut was_quoted));
            Ok((Kind::Set(params), i + 1))
        }
        _ => Ok((Kind::Action, i)),
    }
}

fn param(current: &mut String, was_quoted: &mut bool) -> Param {
    let text = std::mem::take(current);
    let quoted = std::mem::replace(was_quoted, false);
    if quoted {
        Param::Quoted(text)
    } else if text.is_empty() {
        Param::Empty
    } else {
        Param::Bare(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(line: &str) -> Vec<String> {
        split(line).unwrap().into_iter().map(|c| c.name).collect()
    }

    #[test]
    fn basic_and_extended_commands_split_where_they_end() {
        assert_eq!(names("E0V1+CMEE=2;+CPIN?"), ["E", "V", "+CMEE", "+CPIN"]);
        assert_eq!(names("&F"), ["&F"]);
        assert_eq!(
            names("+CREG=2;+CGREG=2;D+15550100;"),
            ["+CREG", "+CGREG", "D"]
        );
    }

    #[test]
    fn quoted_parameters_keep_commas_semicolons_and_case() {
        let commands = split("+CUSD=1,\"*100;a,B#\",15").unwrap();

        assert_eq!(commands.len(), 1);
        assert_eq!(commands[0].text(1), Some("*100;a,B#"));
        assert_eq!(commands[0].int(2), Ok(Some(15)));
    }

    #[test]
    fn empty_parameters_are_absent() {
        let command = &split("+CNMI=2,,0,1").unwrap()[0];

        assert_eq!(command.int(1), Ok(None));
        assert_eq!(command.int(3), Ok(Some(1)));
        assert_eq!(command.param_count(), 4);
    }

    #[test]
    fn read_test_and_s_registers_are_recognised() {
        let commands = split("+CSQ=?;+COPS?S0=2S3?").unwrap();

        assert_eq!(commands[0].kind, Kind::Test);
        assert_eq!(commands[1].kind, Kind::Read);
        assert_eq!(commands[2].name, "S0");
        assert_eq!(commands[3].kind, Kind::Read);
    }

    #[test]
    fn an_unterminated_quote_is_an_error() {
        assert_eq!(split("+CSCA=\"123"), Err(BadParam));
    }

    #[test]
    fn noise_before_the_prefix_is_ignored_and_a_slash_repeats() {
        let mut lines = LineAssembler::default();
        let events: Vec<_> = b"\xffxxAT+CSQ\rA/"
            .iter()
            .filter_map(|&b| lines.push(b))
            .collect();

        assert_eq!(
            events,
            [LineEvent::Line("+CSQ".to_owned()), LineEvent::RepeatLast]
        );
    }

    #[test]
    fn payload_ends_with_ctrl_z_or_is_cancelled_by_escape() {
        let mut lines = LineAssembler::default();
        lines.expect_payload();
        let sent: Vec<_> = b"00AB\r\n\x1a"
            .iter()
            .filter_map(|&b| lines.push(b))
            .collect();
        lines.expect_payload();
        let cancelled: Vec<_> = b"00\x1b".iter().filter_map(|&b| lines.push(b)).collect();

        assert_eq!(sent, [LineEvent::Payload("00AB".to_owned())]);
        assert_eq!(cancelled, [LineEvent::PayloadCancelled]);
    }
}
