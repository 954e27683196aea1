//! The modem's core: bytes in, responses and URCs out; command dispatch,
//! result codes, timers, power (boot, `+CFUN`, reboot; the power pins are
//! `power.rs`) and the general
//! commands (identification, echo, `+CMEE`, Quectel's `+QCFG`).
//!
//! Every other concern is its own file with its own state and an
//! `impl Engine` block of its commands: `sim.rs`, `network.rs`,
//! `calls.rs`, `sms.rs`, `pdp.rs`.

use super::calls::Calls;
use super::command::{split, BadParam, Command, Kind, LineAssembler, LineEvent};
use super::config::ModemConfig;
use super::network::Network;
use super::pdp::Contexts;
use super::power::{Pins, PowerState};
use super::sim::SimCard;
use super::sms::Sms;
use yunhal::time::Nanos;

/// A command's success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Done {
    /// Final result `OK`.
    Ok,
    /// No final result yet (the `> ` prompt is out); the rest of the line
    /// is dropped.
    Pending,
}

/// A command's failure: the final result code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fail {
    /// Not this handler's command (dispatch tries the next one).
    Unknown,
    /// Plain `ERROR`.
    Error,
    /// `+CME ERROR` (or `ERROR` under `+CMEE=0`).
    Cme(Cme),
    /// `+CMS ERROR` (or `ERROR` under `+CMEE=0`).
    Cms(u16),
    /// Another final result code (`NO CARRIER`).
    Final(&'static str),
}

impl From<BadParam> for Fail {
    fn from(_: BadParam) -> Fail {
        Fail::Cme(Cme::IncorrectParameters)
    }
}

pub(crate) type Reply = Result<Done, Fail>;

/// `+CME ERROR` codes (TS 27.007 §9.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cme {
    NotAllowed,
    NotSupported,
    SimNotInserted,
    SimPinRequired,
    SimPukRequired,
    SimFailure,
    IncorrectPassword,
    NoNetworkService,
    IncorrectParameters,
    Unknown,
}

impl Cme {
    fn code_and_text(self) -> (u16, &'static str) {
        match self {
            Cme::NotAllowed => (3, "operation not allowed"),
            Cme::NotSupported => (4, "operation not supported"),
            Cme::SimNotInserted => (10, "SIM not inserted"),
            Cme::SimPinRequired => (11, "SIM PIN required"),
            Cme::SimPukRequired => (12, "SIM PUK required"),
            Cme::SimFailure => (13, "SIM failure"),
            Cme::IncorrectPassword => (16, "incorrect password"),
            Cme::NoNetworkService => (30, "no network service"),
            Cme::IncorrectParameters => (50, "incorrect parameters"),
            Cme::Unknown => (100, "unknown"),
        }
    }
}

/// Something the modem or its network does later.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Timer {
    /// The end of a reboot: `RDY`.
    BootDone,
    /// The end of a power-down: STATUS falls.
    PoweredDown,
    /// Searching is over: register.
    Registered,
    /// An outgoing call starts ringing at the far end.
    Alerting(u8),
    /// The far end answers.
    RemoteAnswer(u8),
    /// The far end is busy.
    Busy(u8),
    /// Nobody answered.
    NoAnswer(u8),
    /// `RING` again for a ringing incoming call.
    Ring,
    /// The network's USSD answer: `+CUSD: <m>,"<text>",15`, or `+CUSD: <m>`
    /// when `text` is empty.
    Ussd { status: u8, text: String },
    /// An SMS TPDU (DELIVER or STATUS-REPORT) arrives from the network.
    NetworkSms(Vec<u8>),
}

/// Whether the modem talks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Silence {
    Talking,
    Until(Nanos),
    UntilCleared,
}

/// Settings that a reboot or `AT&F` resets.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Settings {
    pub echo: bool,
    pub verbose: bool,
    pub quiet: bool,
    pub cmee: u8,
    pub s0: u8,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            echo: true,
            verbose: true,
            quiet: false,
            cmee: 0,
            s0: 0,
        }
    }
}

/// The simulated modem.
#[derive(Debug)]
pub(crate) struct Engine {
    pub config: ModemConfig,
    pub settings: Settings,
    pub now: Nanos,
    pub cfun: u8,
    pub silence: Silence,
    pub sim: SimCard,
    pub network: Network,
    pub calls: Calls,
    pub sms: Sms,
    pub contexts: Contexts,
    /// Bytes taken in from the port, silent or not.
    pub bytes_received: u64,
    lines: LineAssembler,
    last_line: String,
    out: Vec<u8>,
    /// Unsolicited output raised while a command runs or the `> ` prompt
    /// waits: held until the final result, so that it never splits a
    /// response.
    pub(crate) held_urcs: Vec<u8>,
    running_command: bool,
    pub(crate) timers: Vec<(Nanos, Timer)>,
    /// PWRKEY, RESET_N and the power state STATUS shows.
    pub(crate) pins: Pins,
}

impl Engine {
    /// A modem that has just been switched on (see [`Engine::power_on`]).
    pub fn new(config: ModemConfig) -> Engine {
        Engine {
            sim: SimCard::new(&config),
            network: Network::new(&config),
            calls: Calls::default(),
            sms: Sms::new(&config),
            contexts: Contexts::new(&config),
            config,
            settings: Settings::default(),
            bytes_received: 0,
            now: Nanos::ZERO,
            cfun: 1,
            silence: Silence::Talking,
            lines: LineAssembler::default(),
            last_line: String::new(),
            out: Vec::new(),
            held_urcs: Vec::new(),
            running_command: false,
            timers: Vec::new(),
            pins: Pins::default(),
        }
    }

    /// The boot: volatile state to defaults, `RDY` and the SIM's URCs.
    pub fn power_on(&mut self) {
        self.settings = Settings::default();
        self.cfun = 1;
        self.lines.reset();
        self.sim.power_on();
        self.network.reset_volatile();
        self.calls = Calls::default();
        self.sms.reset_volatile();
        self.contexts.reset_volatile();
        self.urc("RDY");
        self.urc("+CFUN: 1");
        self.report_sim_state();
        self.update_registration();
    }

    /// `AT+CFUN=1,1` or the control API: silent for the reboot time, then
    /// boots with its volatile state lost.
    pub fn reboot(&mut self) {
        self.timers.clear();
        self.held_urcs.clear();
        self.silence = Silence::Until(self.now + self.config.reboot_time);
        self.lines.reset();
        self.schedule(self.config.reboot_time, Timer::BootDone);
    }

    pub fn is_silent(&self) -> bool {
        if self.pins.state == PowerState::Off {
            return true;
        }
        match self.silence {
            Silence::Talking => false,
            Silence::Until(t) => self.now < t,
            Silence::UntilCleared => true,
        }
    }

    /// Output produced since the last call.
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }

    /// Bytes written raw (faults), unless silent.
    pub fn emit_raw(&mut self, bytes: &[u8]) {
        if !self.is_silent() {
            self.out.extend_from_slice(bytes);
        }
    }

    /// A response line as `V` formats it.
    fn line_bytes(&self, text: &str) -> Vec<u8> {
        if self.settings.verbose {
            format!("\r\n{text}\r\n").into_bytes()
        } else {
            format!("{text}\r\n").into_bytes()
        }
    }

    /// Unsolicited output: now, or after the running command's final
    /// result.
    fn unsolicited(&mut self, bytes: &[u8]) {
        if self.running_command || self.lines.expects_payload() {
            self.held_urcs.extend_from_slice(bytes);
        } else {
            self.emit_raw(bytes);
        }
    }

    /// Sends the URCs held during a command, once it is over.
    fn release_urcs(&mut self) {
        if !self.running_command && !self.lines.expects_payload() {
            let held = std::mem::take(&mut self.held_urcs);
            self.emit_raw(&held);
        }
    }

    /// An unsolicited result code line (`+CREG: 1`, `+CMTI: "ME",3`).
    pub fn urc(&mut self, text: &str) {
        let bytes = self.line_bytes(text);
        self.unsolicited(&bytes);
    }

    /// A URC followed by its PDU line (`+CMT: ,<len>`, `+CDS: <len>`).
    pub fn urc_with_pdu(&mut self, text: &str, pdu: &str) {
        let mut bytes = self.line_bytes(text);
        bytes.extend_from_slice(format!("{pdu}\r\n").as_bytes());
        self.unsolicited(&bytes);
    }

    /// An information response line of the running command.
    pub fn info(&mut self, text: &str) {
        let bytes = self.line_bytes(text);
        self.emit_raw(&bytes);
    }

    /// A response line without the leading blank line (the PDU after
    /// `+CMGR: ...`).
    pub fn raw_line(&mut self, text: &str) {
        self.emit_raw(format!("{text}\r\n").as_bytes());
    }

    /// A final result code (`OK`, `ERROR`).
    pub fn result_code(&mut self, verbose: &str, numeric: u8) {
        if let Some(bytes) = self.result_bytes(verbose, numeric) {
            self.emit_raw(&bytes);
        }
    }

    /// An unsolicited result code (`RING`, `NO CARRIER`, `BUSY`).
    pub fn unsolicited_result(&mut self, verbose: &str, numeric: u8) {
        if let Some(bytes) = self.result_bytes(verbose, numeric) {
            self.unsolicited(&bytes);
        }
    }

    /// A result code as `V` and `Q` format it; `None` when quiet.
    fn result_bytes(&self, verbose: &str, numeric: u8) -> Option<Vec<u8>> {
        if self.settings.quiet {
            None
        } else if self.settings.verbose {
            Some(self.line_bytes(verbose))
        } else {
            Some(format!("{numeric}\r").into_bytes())
        }
    }

    pub fn schedule(&mut self, after: Nanos, timer: Timer) {
        self.timers.push((self.now + after, timer));
    }

    pub fn cancel(&mut self, matches: impl Fn(&Timer) -> bool) {
        self.timers.retain(|(_, t)| !matches(t));
    }

    /// When the next timer is due.
    pub fn next_deadline(&self) -> Option<Nanos> {
        let timer = self.timers.iter().map(|(t, _)| *t).min();
        match self.silence {
            Silence::Until(t) if t > self.now => Some(timer.map_or(t, |d| d.min(t))),
            _ => timer,
        }
    }

    /// Runs every timer due by `now`, each at its own time.
    pub fn poll(&mut self, now: Nanos) {
        while let Some(i) = self
            .timers
            .iter()
            .enumerate()
            .filter(|(_, (t, _))| *t <= now)
            .min_by_key(|(_, (t, _))| *t)
            .map(|(i, _)| i)
        {
            let (due, timer) = self.timers.remove(i);
            self.now = self.now.max(due);
            self.fire(timer);
        }
        self.now = self.now.max(now);
    }

    fn fire(&mut self, timer: Timer) {
        match timer {
            Timer::BootDone => {
                self.silence = Silence::Talking;
                self.power_on();
            }
            Timer::PoweredDown => self.powered_down(),
            Timer::Registered => self.finish_registration(),
            Timer::Alerting(id) => self.call_alerting(id),
            Timer::RemoteAnswer(id) => self.remote_answer_call(id),
            Timer::Busy(id) => self.call_failed(id, "BUSY", 7),
            Timer::NoAnswer(id) => self.call_failed(id, "NO ANSWER", 8),
            Timer::Ring => self.ring(),
            Timer::Ussd { status, text } => self.ussd_arrives(status, &text),
            Timer::NetworkSms(tpdu) => self.network_sms(tpdu),
        }
    }

    /// Bytes from the host.
    pub fn receive(&mut self, bytes: &[u8], now: Nanos) {
        self.poll(now);
        self.bytes_received += bytes.len() as u64;
        for &byte in bytes {
            if self.is_silent() {
                continue;
            }
            if self.settings.echo {
                self.out.push(byte);
            }
            let Some(event) = self.lines.push(byte) else {
                continue;
            };
            self.running_command = true;
            match event {
                LineEvent::Line(line) => {
                    self.last_line = line.clone();
                    self.execute_line(&line);
                }
                LineEvent::RepeatLast => {
                    let line = self.last_line.clone();
                    self.execute_line(&line);
                }
                LineEvent::Payload(hex) => {
                    let reply = self.sms_payload(&hex);
                    self.final_result(reply);
                }
                LineEvent::PayloadCancelled => self.final_result(Ok(Done::Ok)),
            }
            self.running_command = false;
            self.release_urcs();
        }
    }

    fn execute_line(&mut self, line: &str) {
        let Ok(commands) = split(line) else {
            self.final_result(Err(Fail::Error));
            return;
        };
        for command in &commands {
            match self.execute(command) {
                Ok(Done::Ok) => {}
                Ok(Done::Pending) => return,
                Err(fail) => {
                    self.final_result(Err(fail));
                    return;
                }
            }
        }
        self.final_result(Ok(Done::Ok));
    }

    fn execute(&mut self, command: &Command) -> Reply {
        type Handler = fn(&mut Engine, &Command) -> Reply;
        const HANDLERS: [Handler; 7] = [
            Engine::general_command,
            Engine::sim_command,
            Engine::network_command,
            Engine::call_command,
            Engine::sms_command,
            Engine::pdp_command,
            Engine::quectel_command,
        ];
        for handler in HANDLERS {
            match handler(self, command) {
                Err(Fail::Unknown) => continue,
                reply => return reply,
            }
        }
        Err(Fail::Error)
    }

    fn final_result(&mut self, reply: Reply) {
        match reply {
            Ok(Done::Ok) => self.result_code("OK", 0),
            Ok(Done::Pending) => {}
            Err(Fail::Unknown | Fail::Error) => self.result_code("ERROR", 4),
            Err(Fail::Final(text)) => {
                let numeric = match text {
                    "NO CARRIER" => 3,
                    "BUSY" => 7,
                    _ => 4,
                };
                self.result_code(text, numeric);
            }
            Err(Fail::Cme(cme)) => {
                let (code, text) = cme.code_and_text();
                match self.settings.cmee {
                    1 => self.info(&format!("+CME ERROR: {code}")),
                    2 => self.info(&format!("+CME ERROR: {text}")),
                    _ => self.result_code("ERROR", 4),
                }
            }
            Err(Fail::Cms(code)) => match self.settings.cmee {
                0 => self.result_code("ERROR", 4),
                _ => self.info(&format!("+CMS ERROR: {code}")),
            },
        }
    }

    /// Shows the `> ` prompt and takes the next bytes as a payload.
    pub fn prompt(&mut self) {
        self.emit_raw(b"\r\n> ");
        self.lines.expect_payload();
    }

    fn general_command(&mut self, command: &Command) -> Reply {
        let flag = || command.int(0).map(|v| v.unwrap_or(0) != 0);
        match (command.name.as_str(), &command.kind) {
            ("E", _) => self.settings.echo = flag()?,
            ("V", _) => self.settings.verbose = flag()?,
            ("Q", _) => self.settings.quiet = flag()?,
            ("X", _) => {}
            ("S0", Kind::Read) => self.info(&format!("{:03}", self.settings.s0)),
            ("S0", Kind::Set(_)) => self.settings.s0 = command.int_in(0, 0..=255, None)? as u8,
            ("S3" | "S4" | "S5", Kind::Read) => {
                let value = match command.name.as_str() {
                    "S3" => 13,
                    "S4" => 10,
                    _ => 8,
                };
                self.info(&format!("{value:03}"));
            }
            ("Z" | "&F", _) => {
                self.settings = Settings::default();
                self.sms.reset_volatile();
                self.network.reset_urc_settings();
            }
            ("&W" | "&V", _) => {}
            ("I", _) => {
                self.info("Quectel");
                self.info("EG25");
                self.info("Revision: EG25GGBR07A08M2G");
            }
            ("+CGMI" | "+GMI", Kind::Action) => self.info("Quectel"),
            ("+CGMM" | "+GMM", Kind::Action) => self.info("EG25"),
            ("+CGMR" | "+GMR", Kind::Action) => self.info("EG25GGBR07A08M2G"),
            ("+CGSN" | "+GSN", Kind::Action) => {
                let imei = self.config.imei();
                self.info(&imei);
            }
            ("+CGSN" | "+GSN", Kind::Set(_)) => {
                let imei = self.config.imei();
                self.info(&format!("+CGSN: \"{imei}\""));
            }
            ("+CMEE", Kind::Read) => self.info(&format!("+CMEE: {}", self.settings.cmee)),
            ("+CMEE", Kind::Test) => self.info("+CMEE: (0-2)"),
            ("+CMEE", Kind::Set(_)) => {
                self.settings.cmee = command.int_in(0, 0..=2, Some(0))? as u8
            }
            ("+CFUN", _) => return self.cfun_command(command),
            _ => return Err(Fail::Unknown),
        }
        Ok(Done::Ok)
    }

    fn cfun_command(&mut self, command: &Command) -> Reply {
        match command.kind {
            Kind::Read => self.info(&format!("+CFUN: {}", self.cfun)),
            Kind::Test => self.info("+CFUN: (0,1,4),(0,1)"),
            Kind::Set(_) => {
                let fun = command.int_in(0, 0..=4, None)? as u8;
                if fun == 2 || fun == 3 {
                    return Err(Fail::Cme(Cme::NotSupported));
                }
                if command.int_in(1, 0..=1, Some(0))? == 1 {
                    self.final_result(Ok(Done::Ok));
                    self.reboot();
                    return Ok(Done::Pending);
                }
                self.set_cfun(fun);
            }
            Kind::Action => return Err(Fail::Error),
        }
        Ok(Done::Ok)
    }

    /// Moves to functionality level `fun` (0 minimum, 1 full, 4 airplane).
    pub fn set_cfun(&mut self, fun: u8) {
        if fun == self.cfun {
            return;
        }
        let sim_was_on = self.cfun != 0;
        self.cfun = fun;
        if fun != 1 {
            self.drop_all_calls();
            self.contexts_lost();
        }
        if fun == 0 {
            self.sim.power_off();
        } else if !sim_was_on {
            self.sim.power_on();
            self.report_sim_state();
        }
        self.update_registration();
    }

    /// `+QCFG` and `+QURCCFG`: answers to the common queries.
    fn quectel_command(&mut self, command: &Command) -> Reply {
        match command.name.as_str() {
            "+QURCCFG" => match command.kind {
                Kind::Set(_)
                    if command
                        .text(0)
                        .is_some_and(|t| t.eq_ignore_ascii_case("urcport")) =>
                {
                    if command.param_count() == 1 {
                        self.info("+QURCCFG: \"urcport\",\"usbat\"");
                    }
                    Ok(Done::Ok)
                }
                _ => Ok(Done::Ok),
            },
            "+QCFG" => {
                let Kind::Set(_) = command.kind else {
                    return Ok(Done::Ok);
                };
                let key = command.text(0).unwrap_or("").to_ascii_lowercase();
                let query = command.param_count() == 1;
                let answer = match key.as_str() {
                    "risignaltype" => "\"physical\"",
                    "usbnet" => "0",
                    "urc/ri/ring" => "\"pulse\",120,1000,5000,\"off\",1",
                    "urc/ri/smsincoming" => "\"pulse\",120,1",
                    "urc/ri/other" => "\"off\",120,1",
                    "ims" => "0,0",
                    "nwscanmode" => "0",
                    "nwscanseq" => "020301",
                    "band" => "0x260,0x42000000000000381a,0x0",
                    "apready" => "0,0,200",
                    "sleepind/level" => "0",
                    "urc/cache" => "0",
                    _ => return Err(Fail::Cme(Cme::IncorrectParameters)),
                };
                if query {
                    self.info(&format!("+QCFG: \"{key}\",{answer}"));
                }
                Ok(Done::Ok)
            }
            "+QSCLK" | "+QURCCFG?" => Ok(Done::Ok),
            _ => Err(Fail::Unknown),
        }
    }
}
