//! A scripted modem behind a [`Port`]: each opening is a new Unix socket
//! pair whose far end answers command lines from a script; the test can
//! send URCs, silence the modem or close the port, and read the log of
//! commands.

use std::io::{self, BufReader, Read, Write};
use std::net::Shutdown;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use crate::at::test_support::read_token;
use crate::modem::{AtModemConfig, Port, RecoveryConfig, Stream, Vendor};

/// What the script answers to a command line (or a payload after `> `),
/// given the modem's state; `None` falls back to [`standard_answer`].
pub type Script = dyn Fn(&str, &mut ModemState) -> Option<String> + Send + Sync;

#[derive(Default)]
pub struct ModemState {
    pub log: Vec<String>,
    pub silent: bool,
    pub pin_entries: usize,
    pub sim_unlocked: bool,
}

pub struct Shared {
    pub state: Mutex<ModemState>,
    script: Box<Script>,
    modem_side: Mutex<Option<UnixStream>>,
    pub live_readers: AtomicUsize,
    pub opens: AtomicUsize,
    pub power_cycles: AtomicUsize,
}

/// The test's handle on the scripted modem.
#[derive(Clone)]
pub struct FakeModem(pub Arc<Shared>);

impl FakeModem {
    pub fn new(
        script: impl Fn(&str, &mut ModemState) -> Option<String> + Send + Sync + 'static,
    ) -> FakeModem {
        FakeModem(Arc::new(Shared {
            state: Mutex::default(),
            script: Box::new(script),
            modem_side: Mutex::new(None),
            live_readers: AtomicUsize::new(0),
            opens: AtomicUsize::new(0),
            power_cycles: AtomicUsize::new(0),
        }))
    }

    /// A port on this modem; `power` says whether the board can
    /// power-cycle it.
    pub fn port(&self, power: bool) -> Box<dyn Port> {
        Box::new(FakePort {
            modem: self.clone(),
            ours: None,
            power,
        })
    }

    /// Sends `text` (a URC, with its line ends) on the current opening.
    pub fn send(&self, text: &str) {
        if let Some(stream) = self.0.modem_side.lock().unwrap().as_mut() {
            let _ = stream.write_all(text.as_bytes());
        }
    }

    /// Closes the modem's end, as a USB modem vanishing would.
    pub fn hang_up_port(&self) {
        if let Some(stream) = self.0.modem_side.lock().unwrap().take() {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    pub fn set_silent(&self, silent: bool) {
        self.0.state.lock().unwrap().silent = silent;
    }

    pub fn log(&self) -> Vec<String> {
        self.0.state.lock().unwrap().log.clone()
    }

    pub fn count(&self, command: &str) -> usize {
        self.log().iter().filter(|c| *c == command).count()
    }

    pub fn live_readers(&self) -> usize {
        self.0.live_readers.load(Ordering::SeqCst)
    }
}

/// A generic modem with a ready SIM, registered at home on LTE.
pub fn standard_answer(line: &str, state: &mut ModemState) -> String {
    let ok = "\r\nOK\r\n";
    let info = |text: &str| format!("\r\n{text}\r\n\r\nOK\r\n");
    match line {
        "AT+CPIN?" => info(if state.sim_unlocked {
            "+CPIN: READY"
        } else {
            "+CPIN: SIM PIN"
        }),
        "AT+CREG?" => info("+CREG: 2,1,\"00AB\",\"0001CD\",7"),
        "AT+CEREG?" => info("+CEREG: 2,1,\"00AB\",\"0001CD\",7"),
        "AT+COPS?" => info("+COPS: 0,0,\"Test\",7"),
        "AT+CSMS?" => info("+CSMS: 0,1,1,1"),
        "AT+CLCC" | "AT+CMGL=4" => ok.to_owned(),
        "AT+CGACT?" => info("+CGACT: 1,0"),
        "AT+CSQ" => info("+CSQ: 20,99"),
        "AT+CCID" => info("+CCID: 89860318760237587654"),
        l if l.starts_with("AT+CPIN=") => {
            state.pin_entries += 1;
            if l == "AT+CPIN=\"1234\"" {
                state.sim_unlocked = true;
                ok.to_owned()
            } else {
                "\r\n+CME ERROR: 16\r\n".to_owned()
            }
        }
        l if l.starts_with("AT+Q") => "\r\nERROR\r\n".to_owned(),
        _ => ok.to_owned(),
    }
}

/// Fast timeouts for a scripted modem.
pub fn config() -> AtModemConfig {
    AtModemConfig::new(Vendor::Generic)
        .with_command_timeout(Duration::from_millis(60))
        .with_network_timeout(Duration::from_millis(200))
        .with_call_poll_interval(Duration::from_millis(10))
        .with_signal_poll_interval(None)
        .with_keepalive_interval(None)
        .with_recovery(RecoveryConfig {
            timeouts: 3,
            boot_timeout: Duration::from_millis(150),
            initial_backoff: Duration::from_millis(20),
            max_backoff: Duration::from_millis(40),
        })
}

struct FakePort {
    modem: FakeModem,
    ours: Option<UnixStream>,
    power: bool,
}

impl Port for FakePort {
    fn open(&mut self) -> io::Result<Stream> {
        if let Some(old) = self.ours.take() {
            let _ = old.shutdown(Shutdown::Both);
        }
        let (ours, theirs) = UnixStream::pair()?;
        let shared = Arc::clone(&self.modem.0);
        shared.opens.fetch_add(1, Ordering::SeqCst);
        *shared.modem_side.lock().unwrap() = Some(theirs.try_clone()?);
        thread::spawn(move || serve(theirs, &shared));
        let reader = CountingReader::new(ours.try_clone()?, Arc::clone(&self.modem.0));
        let writer = ours.try_clone()?;
        self.ours = Some(ours);
        Ok((Box::new(reader), Box::new(writer)))
    }

    fn power_cycle(&mut self) -> io::Result<bool> {
        if self.power {
            self.modem.0.power_cycles.fetch_add(1, Ordering::SeqCst);
            let mut state = self.modem.0.state.lock().unwrap();
            state.silent = false;
            state.sim_unlocked = false;
        }
        Ok(self.power)
    }
}

impl Drop for FakePort {
    fn drop(&mut self) {
        if let Some(ours) = self.ours.take() {
            let _ = ours.shutdown(Shutdown::Both);
        }
    }
}

/// Reads command lines (CR) and payloads (Ctrl-Z) and answers them.
fn serve(stream: UnixStream, shared: &Shared) {
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    while let Some(line) = read_token(&mut reader) {
        let reply = {
            let mut state = shared.state.lock().unwrap();
            if state.silent {
                continue;
            }
            state.log.push(line.clone());
            (shared.script)(&line, &mut state).unwrap_or_else(|| standard_answer(&line, &mut state))
        };
        if writer.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}

/// Counts the readers alive, so a test sees reader threads end.
struct CountingReader {
    inner: UnixStream,
    shared: Arc<Shared>,
}

impl CountingReader {
    fn new(inner: UnixStream, shared: Arc<Shared>) -> CountingReader {
        shared.live_readers.fetch_add(1, Ordering::SeqCst);
        CountingReader { inner, shared }
    }
}

impl Read for CountingReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }
}

impl Drop for CountingReader {
    fn drop(&mut self) {
        self.shared.live_readers.fetch_sub(1, Ordering::SeqCst);
    }
}
