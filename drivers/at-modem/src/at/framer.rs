//! Bytes to lines: the V.250 line layer.
//!
//! A modem ends its lines with `<CR><LF>` (S3, S4), but echo ends with the
//! bare `<CR>` the host sent, some firmwares send bare `<LF>`, and blank
//! lines separate every response. So any run of CR and LF ends a line, and
//! blank lines are dropped. The SMS prompt `> ` arrives without a line end;
//! it is recognised only while a command waits for it, so a line that
//! happens to start with `> ` is not taken for one at other times.

/// The longest line kept; longer ones are dropped up to the next line end.
pub const MAX_LINE: usize = 4096;

/// What the framer makes of the bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// One line of text, trimmed, without its line end.
    Line(String),
    /// The `> ` prompt for a command's payload (AT+CMGS).
    Prompt,
    /// Bytes that were not a line; the framer resynchronised.
    Error(FrameError),
}

/// Why bytes were dropped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("line longer than {limit} bytes dropped, it began {start:?}")]
    Overflow { limit: usize, start: String },
    #[error("line is not text, dropped: {text:?}")]
    Garbage { text: String },
}

/// The line layer's state: the bytes of the line being received.
#[derive(Debug, Default)]
pub struct LineFramer {
    buf: Vec<u8>,
    discarding: bool,
    prompt_expected: bool,
}

impl LineFramer {
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether a `> ` at the start of a line is the payload prompt.
    pub fn expect_prompt(&mut self, expected: bool) {
        self.prompt_expected = expected;
    }

    /// Takes one byte; gives a frame when one is complete.
    pub fn push(&mut self, byte: u8) -> Option<Frame> {
        if byte == b'\r' || byte == b'\n' {
            if self.discarding {
                self.discarding = false;
                self.buf.clear();
                return None;
            }
            return self.finish_line();
        }
        if self.discarding {
            return None;
        }
        if self.buf.len() >= MAX_LINE {
            let start = String::from_utf8_lossy(&self.buf[..32]).into_owned();
            self.buf.clear();
            self.discarding = true;
            return Some(Frame::Error(FrameError::Overflow {
                limit: MAX_LINE,
                start,
            }));
        }
        self.buf.push(byte);
        if self.prompt_expected && self.buf == b"> " {
            self.buf.clear();
            return Some(Frame::Prompt);
        }
        None
    }

    /// Takes a chunk of bytes, appending complete frames to `out`.
    pub fn feed(&mut self, bytes: &[u8], out: &mut Vec<Frame>) {
        out.extend(bytes.iter().filter_map(|&b| self.push(b)));
    }

    /// Forgets a partial line (after the stream was reopened).
    pub fn reset(&mut self) {
        self.buf.clear();
        self.discarding = false;
    }

    fn finish_line(&mut self) -> Option<Frame> {
        if self.buf.is_empty() {
            return None;
        }
        // Ctrl-Z and ESC end an SMS payload; their echo is not line text.
        self.buf.retain(|&b| b != 0x1a && b != 0x1b);
        let bytes = std::mem::take(&mut self.buf);
        let frame = match String::from_utf8(bytes) {
            Ok(text) if text.chars().any(|c| c.is_control() && c != '\t') => {
                Frame::Error(FrameError::Garbage { text })
            }
            Ok(text) => {
                let trimmed = text.trim();
                if trimmed.is_empty() {
                    return None;
                }
                Frame::Line(trimmed.to_owned())
            }
            Err(e) => Frame::Error(FrameError::Garbage {
                text: String::from_utf8_lossy(e.as_bytes()).into_owned(),
            }),
        };
        Some(frame)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(bytes: &[u8], prompt: bool) -> Vec<Frame> {
        let mut framer = LineFramer::new();
        framer.expect_prompt(prompt);
        let mut out = Vec::new();
        framer.feed(bytes, &mut out);
        out
    }

    fn line(s: &str) -> Frame {
        Frame::Line(s.into())
    }

    #[test]
    fn crlf_bare_cr_and_bare_lf_all_end_lines() {
        let got = frames(b"\r\nOK\r\nAT+CSQ\r+CSQ: 1,2\nERROR\n\r", false);
        assert_eq!(
            got,
            vec![line("OK"), line("AT+CSQ"), line("+CSQ: 1,2"), line("ERROR")]
        );
    }

    #[test]
    fn prompt_without_line_end_is_recognised_only_when_expected() {
        assert_eq!(frames(b"\r\n> ", true), vec![Frame::Prompt]);
        assert_eq!(frames(b"\r\n> ", false), vec![]);
        assert_eq!(frames(b"\r\n> x\r\n", false), vec![line("> x")]);
    }

    #[test]
    fn over_long_line_gives_one_error_and_resyncs_at_next_line_end() {
        let mut bytes = vec![b'A'; MAX_LINE + 100];
        bytes.extend_from_slice(b"\r\nOK\r\n");
        let got = frames(&bytes, false);
        assert_eq!(got.len(), 2);
        assert!(matches!(
            got[0],
            Frame::Error(FrameError::Overflow {
                limit: MAX_LINE,
                ..
            })
        ));
        assert_eq!(got[1], line("OK"));
    }

    #[test]
    fn line_of_exactly_the_limit_is_kept() {
        let mut bytes = vec![b'A'; MAX_LINE];
        bytes.push(b'\n');
        assert_eq!(
            frames(&bytes, false),
            vec![Frame::Line("A".repeat(MAX_LINE))]
        );
    }

    #[test]
    fn binary_noise_is_garbage_then_next_line_parses() {
        let got = frames(b"\x00\xff\xfe\r\nRDY\r\n", false);
        assert!(matches!(got[0], Frame::Error(FrameError::Garbage { .. })));
        assert_eq!(got[1], line("RDY"));
    }

    #[test]
    fn ctrl_z_echo_is_stripped() {
        assert_eq!(frames(b"0011AB\x1a\r\n", false), vec![line("0011AB")]);
    }
}
