//! A modem and its network, speaking AT like a Quectel EG25-G.
//!
//! This is the device side of the AT port: what `yunhal-at-modem` talks
//! to. It models the modem rather than scripting answers: the SIM (PIN and
//! PUK counters), registration (searching, home, roaming, denied) with its
//! URCs, the signal, voice calls and their states, SMS memories in PDU
//! mode, PDP contexts, USSD, and power: boot (`RDY`), reboot losing
//! volatile state, and the PWRKEY, RESET_N and STATUS pins, which
//! [`ModemSim::wire_power_pin`] connects to a simulated GPIO chip. The
//! network around it rings, answers, hangs up, delivers SMS (split into concatenated PDUs), sends status reports and
//! answers USSD.
//!
//! As on the real modem, a URC raised while a command runs (or while the
//! `> ` prompt waits for a PDU) is held until the command's final result,
//! so that it never splits a response.
//!
//! A [`ModemSim`] runs the modem on a thread behind a port:
//! - [`ModemSim::spawn_pty`]: a pseudo-terminal, already in raw mode; the
//!   driver opens [`ModemSim::pty_path`] like a serial port, and may close
//!   and reopen it;
//! - [`ModemSim::spawn_tcp`]: each TCP connection becomes the port,
//!   hanging up the one before;
//! - [`ModemSim::run`]: any stream (a `UnixStream` of a pair, in tests).
//!
//! The modem boots as it starts (or, with `powered_at_start` off, at its
//! first PWRKEY press); its boot URCs (`RDY`, `+CPIN: ...`) wait
//! for the first port. Dropping the [`ModemSim`] hangs the port up.
//!
//! Its control methods act as the network and as faults would
//! ([`ModemSim::incoming_call`], [`ModemSim::go_silent`]…), and
//! [`ModemSim::state`] takes a snapshot. [`scenario`] plays TOML timelines
//! of those actions.
//!
//! Time comes from a [`ModemClock`]: a [`SimClock`] that tests move with
//! [`ModemSim::advance`] (nothing happens between steps, so runs are
//! deterministic), or the real monotonic clock, on which timers (rings,
//! registration, the end of a reboot) run by themselves.
//!
//! Not modelled: text mode (`AT+CMGF=1` answers `+CMS ERROR: 303`, or
//! `ERROR` under `AT+CMEE=0`), data calls (`ATD` without `;` gives
//! `NO CARRIER`), cell broadcast, phonebook, supplementary services other
//! than call waiting and USSD.

mod calls;
mod command;
mod config;
mod engine;
mod network;
mod pdp;
mod power;
pub mod scenario;
mod sim;
mod sms;
mod transport;

#[cfg(test)]
mod tests;

pub use calls::{Call, CallState, Direction};
pub use config::{luhn_check_digit, AccessTech, ModemConfig, Operator};
pub use network::{RegState, Selection};
pub use pdp::PdpContext;
pub use power::{PowerState, POWER_OFF_PRESS, POWER_ON_PRESS, RESET_PULSE};
pub use sim::{SimState, PIN_ATTEMPTS, PUK_ATTEMPTS};
pub use sms::{Memory, MessageStatus, SentMessage, StoredMessage};

use crate::clock::SimClock;
use crate::gpio::{SimGpioChip, SimGpioError};
use engine::{Engine, Silence};
use std::fs::File;
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::os::fd::AsFd;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Instant;
use transport::{Input, SharedStream};
use yunhal::time::Nanos;

/// Where the modem's delays take their time from.
#[derive(Debug, Clone)]
pub enum ModemClock {
    /// Simulated time that only moves when the test moves it.
    Simulated(SimClock),
    /// The monotonic clock, from when the clock was made.
    Real(Instant),
}

impl ModemClock {
    /// The real clock, starting now.
    pub fn real() -> ModemClock {
        ModemClock::Real(Instant::now())
    }

    /// The time since the clock's start.
    pub fn now(&self) -> Nanos {
        match self {
            ModemClock::Simulated(clock) => clock.now(),
            ModemClock::Real(start) => Nanos::from(start.elapsed()),
        }
    }

    fn is_real(&self) -> bool {
        matches!(self, ModemClock::Real(_))
    }
}

/// The module's power pins a GPIO line can be wired to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PowerPin {
    /// PWRKEY, an input of the module: asserted is the key pressed.
    Pwrkey,
    /// RESET_N, an input of the module: asserted holds it in reset.
    Reset,
    /// STATUS, an output of the module: asserted while it has power.
    Status,
}

/// One GPIO line to a module pin: its offset, and whether the pin is
/// asserted by a low level on the SoC's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PinLine {
    pub line: u32,
    pub active_low: bool,
}

/// What the modem is doing, at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct ModemState {
    /// The modem's time.
    pub now: Nanos,
    /// `+CFUN` level.
    pub functionality: u8,
    pub sim: SimState,
    pub pin_attempts: u8,
    pub puk_attempts: u8,
    pub registration: RegState,
    pub selection: Selection,
    /// The operator registered on.
    pub operator: Option<Operator>,
    pub signal_dbm: i32,
    pub calls: Vec<Call>,
    /// DTMF digits sent with `+VTS`.
    pub dtmf: String,
    /// Messages in the memories.
    pub stored_sms: Vec<StoredMessage>,
    /// Messages submitted to the network, in order.
    pub sent_sms: Vec<SentMessage>,
    pub contexts: Vec<PdpContext>,
    pub echo: bool,
    pub silent: bool,
    /// Power, as the STATUS pin shows it.
    pub power: PowerState,
    /// Bytes the modem has taken in from its port (silent or not).
    pub bytes_received: u64,
}

/// A running simulated modem. Dropping it stops the modem and hangs up
/// its port.
pub struct ModemSim {
    inputs: Sender<Input>,
    clock: ModemClock,
    engine_thread: Option<JoinHandle<()>>,
    pty: Option<(std::path::PathBuf, File)>,
    local_addr: Option<SocketAddr>,
    stopping: Arc<AtomicBool>,
}

impl ModemSim {
    fn start(config: ModemConfig, clock: ModemClock) -> io::Result<ModemSim> {
        let (inputs, receiver) = mpsc::channel();
        let engine = Engine::new(config);
        let engine_clock = clock.clone();
        let engine_thread = thread::Builder::new()
            .name("modem-sim".to_owned())
            .spawn(move || transport::run_engine(engine, engine_clock, receiver))?;
        Ok(ModemSim {
            inputs,
            clock,
            engine_thread: Some(engine_thread),
            pty: None,
            local_addr: None,
            stopping: Arc::new(AtomicBool::new(false)),
        })
    }

    /// Runs the modem on `stream`, e.g. one end of a `UnixStream::pair()`.
    /// The modem boots at once (`RDY`).
    pub fn run<S>(stream: S, config: ModemConfig, clock: ModemClock) -> io::Result<ModemSim>
    where
        S: AsFd + Send + Sync + 'static,
        for<'a> &'a S: Read + Write,
    {
        let stream = Arc::new(stream);
        let sim = ModemSim::start(config, clock)?;
        sim.attach(SharedStream(stream.clone()), SharedStream(stream))?;
        Ok(sim)
    }

    /// Makes `reader`/`writer` the port for good; it hangs up when the
    /// modem is dropped.
    fn attach(
        &self,
        reader: impl Read + AsFd + Send + 'static,
        writer: impl Write + Send + 'static,
    ) -> io::Result<()> {
        self.send(Input::Attach(1, Box::new(writer)))?;
        let stopping = self.stopping.clone();
        transport::spawn_reader(1, reader, self.inputs.clone(), move || {
            stopping.load(Ordering::Acquire)
        })
    }

    fn send(&self, input: Input) -> io::Result<()> {
        self.inputs
            .send(input)
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "modem thread ended"))
    }

    /// Runs the modem on the master side of a new pseudo-terminal; the
    /// driver opens [`pty_path`](Self::pty_path).
    pub fn spawn_pty(config: ModemConfig, clock: ModemClock) -> io::Result<ModemSim> {
        let pty = transport::open_pty()?;
        let master = Arc::new(pty.master);
        let mut sim = ModemSim::start(config, clock)?;
        sim.attach(SharedStream(master.clone()), SharedStream(master))?;
        sim.pty = Some((pty.path, pty.slave));
        Ok(sim)
    }

    /// The pty's slave device (e.g. `/dev/pts/7`), for a modem started
    /// with [`spawn_pty`](Self::spawn_pty).
    pub fn pty_path(&self) -> Option<&Path> {
        self.pty.as_ref().map(|(path, _)| path.as_path())
    }

    /// Listens on `addr` (port 0 picks one, see
    /// [`local_addr`](Self::local_addr)); each accepted connection becomes
    /// the modem's port, replacing (and hanging up) the one before. What
    /// the modem says while no connection is open is lost, except the
    /// boot's URCs, which the first connection reads.
    pub fn spawn_tcp(
        addr: SocketAddr,
        config: ModemConfig,
        clock: ModemClock,
    ) -> io::Result<ModemSim> {
        let (listener, local) = transport::bind(addr)?;
        let mut sim = ModemSim::start(config, clock)?;
        sim.local_addr = Some(local);
        transport::spawn_acceptor(listener, sim.inputs.clone(), sim.stopping.clone())?;
        Ok(sim)
    }

    /// The TCP address of a modem started with
    /// [`spawn_tcp`](Self::spawn_tcp).
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.local_addr
    }

    /// The clock the modem runs on.
    pub fn clock(&self) -> &ModemClock {
        &self.clock
    }

    /// Runs `job` on the modem's thread, its output written before this
    /// returns.
    fn with<R: Send + 'static>(&self, job: impl FnOnce(&mut Engine) -> R + Send + 'static) -> R {
        let (reply, answer) = mpsc::sync_channel(1);
        let job: transport::Job = Box::new(move |engine| {
            let result = job(engine);
            Box::new(move || {
                let _ = reply.send(result);
            })
        });
        self.send(Input::Job(job))
            .expect("the modem thread runs until the handle is dropped");
        answer
            .recv()
            .expect("the modem thread runs until the handle is dropped")
    }

    /// Moves a simulated clock on by `by` and runs every timer due (the
    /// real clock is left alone; its timers run by themselves).
    pub fn advance(&self, by: Nanos) {
        if let ModemClock::Simulated(clock) = &self.clock {
            clock.advance(by);
        }
        self.sync();
    }

    /// Waits until the modem has handled everything sent before.
    pub fn sync(&self) {
        self.with(|_| ());
    }

    /// A call from `number` rings (`RING`, `+CLIP`), or waits (`+CCWA`)
    /// if a call is up. False when the modem is not registered or has no
    /// room for it.
    pub fn incoming_call(&self, number: &str) -> bool {
        let number = number.to_owned();
        self.with(move |e| e.incoming_call(&number))
    }

    /// The far end answers the outgoing call that is ringing. False if
    /// none is.
    pub fn remote_answer(&self) -> bool {
        self.with(|e| {
            let call = e.calls.list.iter().find(|c| {
                c.direction == Direction::Outgoing
                    && matches!(c.state, CallState::Dialing | CallState::Alerting)
            });
            let Some(id) = call.map(|c| c.id) else {
                return false;
            };
            e.remote_answer_call(id);
            true
        })
    }

    /// The far end of the most recent call hangs up (`NO CARRIER`).
    pub fn remote_hangup(&self) -> bool {
        self.with(|e| e.remote_hangup(None))
    }

    /// The far end of call `id` hangs up.
    pub fn remote_hangup_call(&self, id: u8) -> bool {
        self.with(move |e| e.remote_hangup(Some(id)))
    }

    /// An SMS with `text` from `from`; long text arrives as concatenated
    /// parts, each its own PDU (GSM 7-bit if it fits the alphabet, else
    /// UCS-2), routed as `AT+CNMI` says. The network holds it while the
    /// modem is not registered.
    pub fn incoming_sms(&self, from: &str, text: &str) {
        let (from, text) = (from.to_owned(), text.to_owned());
        self.with(move |e| e.incoming_sms(&from, &text));
    }

    /// Sets the signal the modem wanders around, dBm.
    pub fn set_signal(&self, dbm: i32) {
        self.with(move |e| e.network.set_signal(dbm));
    }

    /// Fades the signal to `dbm` over `over`.
    pub fn fade_signal(&self, dbm: i32, over: Nanos) {
        self.with(move |e| {
            let now = e.now;
            e.network.fade_signal(now, dbm, over)
        });
    }

    /// Imposes a network condition: `Home` is normal service, `Roaming`
    /// moves to a visited network, `Denied`, `Searching` (no coverage),
    /// `NotRegistered` and `Unknown` take service away.
    pub fn set_registration(&self, state: RegState) {
        self.with(move |e| e.force_registration(state));
    }

    /// Reboots as `AT+CFUN=1,1` would; a modem switched off stays off.
    pub fn reboot(&self) {
        self.with(|e| {
            if e.pins.state != PowerState::Off {
                e.reboot()
            }
        });
    }

    /// The module's PWRKEY pin: `true` pulls it low (the key pressed).
    pub fn set_pwrkey(&self, pressed: bool) {
        self.with(move |e| e.set_pwrkey(pressed));
    }

    /// The module's RESET_N pin: `true` pulls it low (reset asserted).
    pub fn set_reset(&self, asserted: bool) {
        self.with(move |e| e.set_reset(asserted));
    }

    /// The module's STATUS pin: high while it has power.
    pub fn status_pin(&self) -> bool {
        self.with(|e| e.status_pin())
    }

    /// Wires the module's `pin` to `line` of `chip`, through whatever the
    /// board puts between them: the line's logical value is the pin
    /// asserted, and its `active_low` says whether that is a low level on
    /// the SoC's side. The chip keeps only a weak reference to the modem.
    pub fn wire_power_pin(
        self: &Arc<Self>,
        chip: &SimGpioChip,
        pin: PowerPin,
        line: PinLine,
    ) -> Result<(), SimGpioError> {
        let modem = Arc::downgrade(self);
        match pin {
            PowerPin::Status => chip.connect_input(line.line, move || {
                let on = modem.upgrade().is_some_and(|modem| modem.status_pin());
                on != line.active_low
            }),
            PowerPin::Pwrkey | PowerPin::Reset => chip.on_output(line.line, move |level| {
                let Some(modem) = modem.upgrade() else {
                    return;
                };
                let asserted = level != line.active_low;
                if pin == PowerPin::Pwrkey {
                    modem.set_pwrkey(asserted);
                } else {
                    modem.set_reset(asserted);
                }
            }),
        }
    }

    /// The modem stops answering (input ignored, nothing sent) for `for_`,
    /// or until [`clear_silence`](Self::clear_silence) with `None`.
    pub fn go_silent(&self, for_: Option<Nanos>) {
        self.with(move |e| {
            e.silence = match for_ {
                Some(duration) => Silence::Until(e.now + duration),
                None => Silence::UntilCleared,
            }
        });
    }

    /// Ends a silence.
    pub fn clear_silence(&self) {
        self.with(|e| e.silence = Silence::Talking);
    }

    /// Sends `bytes` as they are (line noise).
    pub fn send_garbage(&self, bytes: &[u8]) {
        let bytes = bytes.to_vec();
        self.with(move |e| e.emit_raw(&bytes));
    }

    /// Sends `text` without a line end; what follows continues after it.
    pub fn partial_line(&self, text: &str) {
        let text = text.to_owned();
        self.with(move |e| e.emit_raw(text.as_bytes()));
    }

    /// Turns command echo on or off, as `ATE1`/`ATE0`.
    pub fn set_echo(&self, on: bool) {
        self.with(move |e| e.settings.echo = on);
    }

    /// A snapshot of the modem.
    pub fn state(&self) -> ModemState {
        self.with(|e| ModemState {
            now: e.now,
            functionality: e.cfun,
            sim: e.sim.state(),
            pin_attempts: e.sim.pin_attempts,
            puk_attempts: e.sim.puk_attempts,
            registration: e.network.state,
            selection: e.network.selection.clone(),
            operator: e.network.serving_operator().cloned(),
            signal_dbm: e.network.signal_dbm(e.now),
            calls: e.calls.list.clone(),
            dtmf: e.calls.dtmf.clone(),
            stored_sms: e.sms.stored(),
            sent_sms: e.sms.sent.clone(),
            contexts: e.contexts.list.clone(),
            echo: e.settings.echo,
            silent: e.is_silent(),
            power: e.pins.state,
            bytes_received: e.bytes_received,
        })
    }
}

impl Drop for ModemSim {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::Release);
        let _ = self.inputs.send(Input::Stop);
        if let Some(thread) = self.engine_thread.take() {
            let _ = thread.join();
        }
    }
}
