//! The sans-IO AT engine: a command queue with per-command deadlines over
//! the line framer, sorting every line into echo, response, final result
//! code or unsolicited result code.
//!
//! The caller moves the bytes: [`AtEngine::feed`] what the modem sent,
//! write what [`AtEngine::take_output`] gives, call
//! [`AtEngine::handle_timeout`] by [`AtEngine::next_deadline`], and take
//! [`Event`]s with [`AtEngine::poll_event`].

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::command::{final_result, looks_final, AtError, Command, CommandKind, Response};
use super::framer::{Frame, FrameError, LineFramer};
use super::urc::{is_unsolicited_line, needs_pdu_line, registration_line_is_unsolicited, Urc};

/// ESC: aborts a payload after the `> ` prompt (TS 27.005 §3.5.1).
const ESC: u8 = 0x1b;
/// Ctrl-Z: ends a payload after the `> ` prompt.
const CTRL_Z: u8 = 0x1a;

/// Names a submitted command in its [`Event::Done`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CommandId(pub u64);

/// What the engine found in the bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A command ended: its response, or why not.
    Done {
        id: CommandId,
        command: String,
        result: Result<Response, AtError>,
    },
    /// An unsolicited result code.
    Urc(Urc),
    /// Bytes that were not a line.
    Framing(FrameError),
    /// A line that fits nothing: a final result code while no command
    /// runs (late after a timeout) or unknown text while idle.
    Stray(String),
}

#[derive(Debug)]
struct Queued {
    id: CommandId,
    command: Command,
    timeout: Duration,
}

#[derive(Debug, PartialEq, Eq)]
enum Phase {
    AwaitingResponse,
    /// A prompt command's payload was sent; its echo may come back.
    PayloadSent,
}

#[derive(Debug)]
struct Running {
    id: CommandId,
    command: Command,
    deadline: Instant,
    lines: Vec<String>,
    phase: Phase,
}

/// The state of one AT port.
#[derive(Debug, Default)]
pub struct AtEngine {
    framer: LineFramer,
    queue: VecDeque<Queued>,
    running: Option<Running>,
    /// A `+CMT`/`+CDS` header whose PDU line is next.
    urc_awaiting_pdu: Option<String>,
    output: Vec<u8>,
    events: VecDeque<Event>,
    next_id: u64,
}

impl AtEngine {
    pub fn new() -> Self {
        Self::default()
    }

    /// Queues `command`; it is sent when the ones before it have ended and
    /// then has `timeout` to end.
    pub fn submit(&mut self, command: Command, timeout: Duration, now: Instant) -> CommandId {
        let id = CommandId(self.next_id);
        self.next_id += 1;
        self.queue.push_back(Queued {
            id,
            command,
            timeout,
        });
        self.start_next(now);
        id
    }

    /// Takes bytes the modem sent.
    pub fn feed(&mut self, bytes: &[u8], now: Instant) {
        for &byte in bytes {
            if let Some(frame) = self.framer.push(byte) {
                self.on_frame(frame, now);
            }
        }
    }

    /// Bytes to write to the modem, in order.
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.output)
    }

    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When the running command times out, if one runs.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.running.as_ref().map(|r| r.deadline)
    }

    /// Ends the running command with [`AtError::Timeout`] if its deadline
    /// has passed; a payload waiting for its prompt is aborted with ESC.
    pub fn handle_timeout(&mut self, now: Instant) {
        let Some(running) = &self.running else { return };
        if now < running.deadline {
            return;
        }
        if matches!(running.command.kind(), CommandKind::Prompt { .. }) {
            self.output.push(ESC);
        }
        let command = running.command.text().to_owned();
        self.finish(Err(AtError::Timeout { command }), now);
    }

    /// Ends the running and every queued command with `error` (the stream
    /// failed), and forgets any partial line.
    pub fn fail_all(&mut self, error: AtError) {
        let running = self.running.take().map(|r| (r.id, r.command));
        let queued = self.queue.drain(..).map(|q| (q.id, q.command));
        for (id, command) in running.into_iter().chain(queued).collect::<Vec<_>>() {
            self.events.push_back(Event::Done {
                id,
                command: command.text().to_owned(),
                result: Err(error.clone()),
            });
        }
        self.framer.reset();
        self.framer.expect_prompt(false);
        self.urc_awaiting_pdu = None;
    }

    /// True when no command is running or queued.
    pub fn is_idle(&self) -> bool {
        self.running.is_none() && self.queue.is_empty()
    }

    fn start_next(&mut self, now: Instant) {
        if self.running.is_some() {
            return;
        }
        let Some(next) = self.queue.pop_front() else {
            return;
        };
        self.output.extend_from_slice(&next.command.to_bytes());
        self.framer
            .expect_prompt(matches!(next.command.kind(), CommandKind::Prompt { .. }));
        self.running = Some(Running {
            id: next.id,
            deadline: now + next.timeout,
            command: next.command,
            lines: Vec::new(),
            phase: Phase::AwaitingResponse,
        });
    }

    fn finish(&mut self, result: Result<super::command::Final, AtError>, now: Instant) {
        let Some(running) = self.running.take() else {
            return;
        };
        self.framer.expect_prompt(false);
        let result = result.map(|final_code| Response {
            lines: running.lines,
            final_code,
        });
        self.events.push_back(Event::Done {
            id: running.id,
            command: running.command.text().to_owned(),
            result,
        });
        self.start_next(now);
    }

    fn on_frame(&mut self, frame: Frame, now: Instant) {
        match frame {
            Frame::Error(e) => self.events.push_back(Event::Framing(e)),
            Frame::Prompt => self.on_prompt(),
            Frame::Line(line) => self.on_line(line, now),
        }
    }

    fn on_prompt(&mut self) {
        let Some(running) = &mut self.running else {
            return;
        };
        if let CommandKind::Prompt { payload } = running.command.kind() {
            if running.phase == Phase::AwaitingResponse {
                self.output.extend_from_slice(payload);
                self.output.push(CTRL_Z);
                running.phase = Phase::PayloadSent;
                self.framer.expect_prompt(false);
            }
        }
    }

    fn on_line(&mut self, line: String, now: Instant) {
        if let Some(header) = self.urc_awaiting_pdu.take() {
            self.events.push_back(Event::Urc(Urc {
                line: header,
                pdu: Some(line),
            }));
            return;
        }
        let Some(running) = &mut self.running else {
            self.on_idle_line(line);
            return;
        };
        if running.command.is_echo(&line) || is_payload_echo(running, &line) {
            return;
        }
        if let Some(result) = final_result(&line, running.command.kind()) {
            self.finish(result, now);
            return;
        }
        if running.command.expects(&line) && !self.is_unsolicited_registration(&line) {
            if let Some(running) = &mut self.running {
                running.lines.push(line);
            }
            return;
        }
        if is_unsolicited_line(&line) {
            self.on_urc(line);
            return;
        }
        if let Some(running) = &mut self.running {
            running.lines.push(line);
        }
    }

    /// A registration query (`AT+CREG?`) answers with one line that starts
    /// with `<n>`; a second line, or one shaped like the unsolicited form,
    /// is a URC that crossed the answer.
    fn is_unsolicited_registration(&self, line: &str) -> bool {
        let Some(running) = &self.running else {
            return false;
        };
        let is_registration = ["+CREG", "+CGREG", "+CEREG", "+C5GREG"]
            .iter()
            .any(|p| running.command.expected_prefix() == Some(*p));
        is_registration
            && running.command.is_query()
            && (!running.lines.is_empty() || registration_line_is_unsolicited(line))
    }

    fn on_idle_line(&mut self, line: String) {
        if looks_final(&line) || line.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("AT")) {
            self.events.push_back(Event::Stray(line));
        } else if is_unsolicited_line(&line) {
            self.on_urc(line);
        } else {
            self.events.push_back(Event::Stray(line));
        }
    }

    fn on_urc(&mut self, line: String) {
        if needs_pdu_line(&line) {
            self.urc_awaiting_pdu = Some(line);
        } else {
            self.events.push_back(Event::Urc(Urc { line, pdu: None }));
        }
    }
}

fn is_payload_echo(running: &Running, line: &str) -> bool {
    match running.command.kind() {
        CommandKind::Prompt { payload } if running.phase == Phase::PayloadSent => {
            let payload = String::from_utf8_lossy(payload);
            let line = line.trim_start_matches('>').trim();
            !line.is_empty() && payload.trim().eq_ignore_ascii_case(line)
        }
        _ => false,
    }
}

#[cfg(test)]
#[path = "engine_tests.rs"]
mod tests;
