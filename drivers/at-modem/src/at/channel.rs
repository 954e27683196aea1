//! [`AtChannel`]: the engine over a blocking byte stream (serial tty, pty,
//! TCP) with a reader thread. Commands may be sent from several threads;
//! the engine's queue serialises them. URCs, framing errors, stray lines
//! and the end of the stream arrive on the [`Notification`] receiver, or
//! are handed to a sink ([`AtChannel::with_sink`]).

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use super::command::{AtError, Command, Response};
use super::engine::{AtEngine, CommandId, Event};
use super::framer::FrameError;
use super::urc::Urc;

/// What the channel reports besides command results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notification {
    Urc(Urc),
    Framing(FrameError),
    Stray(String),
    /// The stream ended or failed; every later command fails with this.
    Closed(AtError),
}

/// Where notifications go; called on the reader thread (or the thread
/// whose write failed) with the channel's state locked.
type Sink = Box<dyn FnMut(Notification) + Send>;

struct State {
    engine: AtEngine,
    results: HashMap<CommandId, Result<Response, AtError>>,
    closed: Option<AtError>,
    notifications: Sink,
}

struct Shared {
    state: Mutex<State>,
    changed: Condvar,
    writer: Mutex<Box<dyn Write + Send>>,
}

/// An AT port shared by threads. Dropping it does not stop the reader
/// thread, which ends when the stream reports EOF or an error.
pub struct AtChannel {
    shared: Arc<Shared>,
}

/// How long a waiting caller sleeps at most between checks when no
/// deadline is due (only while its command waits in the queue).
const IDLE_WAIT: Duration = Duration::from_millis(50);

impl AtChannel {
    /// Starts the reader thread on `reader`; commands are written to `writer`.
    pub fn new<R, W>(reader: R, writer: W) -> io::Result<(AtChannel, Receiver<Notification>)>
    where
        R: Read + Send + 'static,
        W: Write + Send + 'static,
    {
        let (tx, rx) = mpsc::channel::<Notification>();
        // Nobody listening is fine: notifications are then dropped.
        let channel = AtChannel::with_sink(reader, writer, move |note| {
            let _ = tx.send(note);
        })?;
        Ok((channel, rx))
    }

    /// Like [`AtChannel::new`], but hands every notification to `sink`, in
    /// the order the lines arrived. A URC that came before a command's
    /// final result code reaches the sink before the command returns.
    ///
    /// The sink runs on the reader thread with the channel locked: it must
    /// not send commands on this channel (it would deadlock); pass the
    /// notification on to another thread instead.
    pub fn with_sink<R, W, F>(reader: R, writer: W, sink: F) -> io::Result<AtChannel>
    where
        R: Read + Send + 'static,
        W: Write + Send + 'static,
        F: FnMut(Notification) + Send + 'static,
    {
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                engine: AtEngine::new(),
                results: HashMap::new(),
                closed: None,
                notifications: Box::new(sink),
            }),
            changed: Condvar::new(),
            writer: Mutex::new(Box::new(writer)),
        });
        let for_reader = Arc::clone(&shared);
        thread::Builder::new()
            .name("at-reader".into())
            .spawn(move || read_loop(reader, &for_reader))?;
        Ok(AtChannel { shared })
    }

    /// Sends `command` (after the ones queued before it) and waits for its
    /// final result code, at most `timeout` from when it is sent.
    pub fn command(&self, command: Command, timeout: Duration) -> Result<Response, AtError> {
        let mut state = self.shared.lock();
        if let Some(error) = &state.closed {
            return Err(error.clone());
        }
        let id = state.engine.submit(command, timeout, Instant::now());
        self.shared.after_engine(&mut state);
        loop {
            if let Some(result) = state.results.remove(&id) {
                return result;
            }
            let now = Instant::now();
            state.engine.handle_timeout(now);
            self.shared.after_engine(&mut state);
            if let Some(result) = state.results.remove(&id) {
                return result;
            }
            let wait = state
                .engine
                .next_deadline()
                .map_or(IDLE_WAIT, |d| d.saturating_duration_since(now))
                .clamp(Duration::from_millis(1), IDLE_WAIT);
            state = self
                .shared
                .changed
                .wait_timeout(state, wait)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// True once the stream ended or failed.
    pub fn is_closed(&self) -> bool {
        self.shared.lock().closed.is_some()
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic in another caller leaves the engine consistent: every
        // change to it is a single method call.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Writes what the engine wants written, hands out its events, and
    /// wakes the waiting callers.
    fn after_engine(&self, state: &mut State) {
        let output = state.engine.take_output();
        if !output.is_empty() && state.closed.is_none() {
            let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
            if let Err(e) = writer.write_all(&output).and_then(|()| writer.flush()) {
                drop(writer);
                close(state, AtError::from(e));
            }
        }
        while let Some(event) = state.engine.poll_event() {
            let note = match event {
                Event::Done { id, result, .. } => {
                    state.results.insert(id, result);
                    continue;
                }
                Event::Urc(urc) => Notification::Urc(urc),
                Event::Framing(e) => Notification::Framing(e),
                Event::Stray(line) => Notification::Stray(line),
            };
            (state.notifications)(note);
        }
        self.changed.notify_all();
    }
}

fn close(state: &mut State, error: AtError) {
    if state.closed.is_some() {
        return;
    }
    state.engine.fail_all(error.clone());
    state.closed = Some(error.clone());
    (state.notifications)(Notification::Closed(error));
}

fn read_loop<R: Read>(mut reader: R, shared: &Shared) {
    let mut buf = [0u8; 1024];
    loop {
        let error = match reader.read(&mut buf) {
            Ok(0) => AtError::Closed,
            Ok(n) => {
                let mut state = shared.lock();
                state.engine.feed(&buf[..n], Instant::now());
                shared.after_engine(&mut state);
                if state.closed.is_some() {
                    return;
                }
                continue;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => AtError::from(e),
        };
        let mut state = shared.lock();
        close(&mut state, error);
        shared.after_engine(&mut state);
        return;
    }
}

#[cfg(test)]
mod tests {
    use std::io::BufReader;
    use std::os::unix::net::UnixStream;

    use super::*;
    use crate::at::commands;
    use crate::at::parse::network::parse_csq;
    use crate::at::test_support::read_token;

    /// A scripted modem: reads command lines (ended by CR) and payloads
    /// (ended by Ctrl-Z) and writes what `script` answers; `None` hangs up.
    fn fake_modem<F>(script: F) -> UnixStream
    where
        F: Fn(&str) -> Option<Vec<u8>> + Send + 'static,
    {
        let (ours, theirs) = UnixStream::pair().unwrap();
        thread::spawn(move || {
            let mut writer = theirs.try_clone().unwrap();
            let mut reader = BufReader::new(theirs);
            while let Some(text) = read_token(&mut reader) {
                match script(&text) {
                    Some(reply) => {
                        if writer.write_all(&reply).is_err() {
                            return;
                        }
                    }
                    None => return,
                }
            }
        });
        ours
    }

    fn channel(stream: UnixStream) -> (AtChannel, Receiver<Notification>) {
        let reader = stream.try_clone().unwrap();
        AtChannel::new(reader, stream).unwrap()
    }

    const T: Duration = Duration::from_secs(2);

    #[test]
    fn command_gets_its_response_and_the_urc_inside_it_is_notified() {
        let modem = fake_modem(|cmd| {
            Some(match cmd {
                "AT+CSQ" => {
                    b"AT+CSQ\r\r\n+CSQ: 18,99\r\n\r\n+CMTI: \"SM\",2\r\n\r\nOK\r\n".to_vec()
                }
                _ => b"\r\nERROR\r\n".to_vec(),
            })
        });
        let (at, urcs) = channel(modem);
        let response = at.command(commands::signal_quality(), T).unwrap();
        assert_eq!(
            parse_csq(response.line_with("+CSQ").unwrap())
                .unwrap()
                .rssi
                .unwrap()
                .0,
            -77
        );
        assert_eq!(
            urcs.recv_timeout(T).unwrap(),
            Notification::Urc(Urc {
                line: "+CMTI: \"SM\",2".into(),
                pdu: None
            })
        );
        assert_eq!(at.command(Command::new("AT+BOGUS"), T), Err(AtError::Error));
    }

    #[test]
    fn commands_from_several_threads_each_get_their_own_answer() {
        let modem = fake_modem(|cmd| {
            let n = cmd.strip_prefix("AT+X=")?;
            Some(format!("\r\n+X: {n}\r\n\r\nOK\r\n").into_bytes())
        });
        let (at, _urcs) = channel(modem);
        let at = Arc::new(at);
        let workers: Vec<_> = (0..8)
            .map(|i| {
                let at = Arc::clone(&at);
                thread::spawn(move || {
                    for j in 0..10 {
                        let n = i * 100 + j;
                        let response = at.command(Command::new(format!("AT+X={n}")), T).unwrap();
                        assert_eq!(response.lines, vec![format!("+X: {n}")]);
                    }
                })
            })
            .collect();
        for w in workers {
            w.join().unwrap();
        }
    }

    #[test]
    fn silent_modem_gives_a_timeout_and_the_channel_stays_usable() {
        let modem = fake_modem(|cmd| {
            Some(if cmd == "AT" {
                b"\r\nOK\r\n".to_vec()
            } else {
                Vec::new()
            })
        });
        let (at, _urcs) = channel(modem);
        let started = Instant::now();
        let err = at
            .command(Command::new("AT+COPS=?"), Duration::from_millis(20))
            .unwrap_err();
        assert_eq!(
            err,
            AtError::Timeout {
                command: "AT+COPS=?".into()
            }
        );
        assert!(started.elapsed() < Duration::from_secs(1));
        assert!(at.command(Command::new("AT"), T).is_ok());
    }

    #[test]
    fn eof_fails_the_pending_command_and_every_later_one() {
        let modem = fake_modem(|_| None);
        let (at, urcs) = channel(modem);
        assert_eq!(at.command(Command::new("AT"), T), Err(AtError::Closed));
        assert_eq!(
            urcs.recv_timeout(T).unwrap(),
            Notification::Closed(AtError::Closed)
        );
        assert!(at.is_closed());
        assert_eq!(at.command(Command::new("AT"), T), Err(AtError::Closed));
    }

    #[test]
    fn sink_has_the_urc_before_the_command_that_it_preceded_returns() {
        let modem = fake_modem(|cmd| {
            Some(match cmd {
                "AT" => b"\r\nRDY\r\n\r\nOK\r\n".to_vec(),
                _ => b"\r\nERROR\r\n".to_vec(),
            })
        });
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink_seen = Arc::clone(&seen);
        let reader = modem.try_clone().unwrap();
        let at = AtChannel::with_sink(reader, modem, move |note| {
            sink_seen.lock().unwrap().push(note);
        })
        .unwrap();

        at.command(Command::new("AT"), T).unwrap();

        assert_eq!(
            *seen.lock().unwrap(),
            vec![Notification::Urc(Urc {
                line: "RDY".into(),
                pdu: None
            })]
        );
    }

    #[test]
    fn sms_is_sent_after_the_prompt() {
        let modem = fake_modem(|token| {
            Some(match token {
                "AT+CMGS=8" => b"\r\n> ".to_vec(),
                "000100038121F30000" => b"\r\n+CMGS: 42\r\n\r\nOK\r\n".to_vec(),
                _ => b"\r\nERROR\r\n".to_vec(),
            })
        });
        let (at, _urcs) = channel(modem);
        let cmd = commands::send_sms_pdu(&[0x00, 0x01, 0x00, 0x03, 0x81, 0x21, 0xf3, 0x00, 0x00])
            .unwrap();
        assert_eq!(cmd.text(), "AT+CMGS=8");
        let response = at.command(cmd, T).unwrap();
        assert_eq!(
            crate::at::parse::sms::parse_cmgs(response.line_with("+CMGS").unwrap()).unwrap(),
            42
        );
    }

    #[test]
    fn io_error_on_write_is_reported() {
        struct BrokenWriter;
        impl Write for BrokenWriter {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::new(io::ErrorKind::BrokenPipe, "gone"))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let (reader, _keep) = UnixStream::pair().unwrap();
        let (at, _urcs) = AtChannel::new(reader, BrokenWriter).unwrap();
        let err = at.command(Command::new("AT"), T).unwrap_err();
        assert!(
            matches!(
                err,
                AtError::Io {
                    kind: io::ErrorKind::BrokenPipe,
                    ..
                }
            ),
            "{err:?}"
        );
    }
}
