//! The network as the modem sees it: operator selection, the registration
//! state machine with its URCs, the signal, and USSD.

use super::command::{Command, Kind};
use super::config::{AccessTech, ModemConfig, Operator};
use super::engine::{Cme, Done, Engine, Fail, Reply, Timer};
use yunhal::time::Nanos;

/// `<stat>` of `+CREG`/`+CGREG`/`+CEREG`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegState {
    /// Not registered, not searching (0).
    NotRegistered,
    /// Registered, home network (1).
    Home,
    /// Not registered, searching (2).
    Searching,
    /// Registration denied (3).
    Denied,
    /// Unknown, e.g. out of coverage (4).
    Unknown,
    /// Registered, roaming (5).
    Roaming,
}

impl RegState {
    /// The `<stat>` number.
    pub fn code(self) -> u8 {
        match self {
            RegState::NotRegistered => 0,
            RegState::Home => 1,
            RegState::Searching => 2,
            RegState::Denied => 3,
            RegState::Unknown => 4,
            RegState::Roaming => 5,
        }
    }

    /// Home or roaming.
    pub fn is_registered(self) -> bool {
        matches!(self, RegState::Home | RegState::Roaming)
    }
}

/// How the operator is chosen (`+COPS` mode).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// Mode 0.
    Automatic,
    /// Mode 1, with the MCC/MNC.
    Manual(String),
    /// Mode 2.
    Deregistered,
}

/// Which of the three registration reports.
#[derive(Debug, Clone, Copy)]
enum Domain {
    Creg = 0,
    Cgreg = 1,
    Cereg = 2,
}

/// In the order their URCs come.
const DOMAINS: [(Domain, &str); 3] = [
    (Domain::Creg, "+CREG"),
    (Domain::Cereg, "+CEREG"),
    (Domain::Cgreg, "+CGREG"),
];

/// The network and the modem's place in it.
#[derive(Debug, Clone)]
pub(crate) struct Network {
    pub operators: Vec<Operator>,
    pub selection: Selection,
    pub state: RegState,
    pub serving: Option<usize>,
    /// A condition the control API imposes (coverage lost, denied,
    /// roaming); `None` is normal service.
    pub forced: Option<RegState>,
    pub ps_attached: bool,
    report_mode: [u8; 3],
    cops_format: u8,
    cusd_enabled: bool,
    ussd_menu_open: bool,
    signal_seed: u64,
    signal_base_dbm: i32,
    fade: Option<Fade>,
}

#[derive(Debug, Clone, Copy)]
struct Fade {
    start: Nanos,
    from_dbm: i32,
    end: Nanos,
}

/// How long the signal holds one wander value.
const SIGNAL_PERIOD: Nanos = Nanos::from_secs(1);

impl Network {
    pub fn new(config: &ModemConfig) -> Network {
        Network {
            operators: config.operators.clone(),
            selection: Selection::Automatic,
            state: RegState::NotRegistered,
            serving: None,
            forced: None,
            ps_attached: true,
            report_mode: [0; 3],
            cops_format: 0,
            cusd_enabled: false,
            ussd_menu_open: false,
            signal_seed: config.signal_seed,
            signal_base_dbm: config.signal_dbm,
            fade: None,
        }
    }

    pub fn reset_volatile(&mut self) {
        self.reset_urc_settings();
        self.state = RegState::NotRegistered;
        self.serving = None;
        self.ps_attached = true;
        self.cops_format = 0;
        self.ussd_menu_open = false;
    }

    pub fn reset_urc_settings(&mut self) {
        self.report_mode = [0; 3];
        self.cusd_enabled = false;
    }

    pub fn serving_operator(&self) -> Option<&Operator> {
        self.serving.and_then(|i| self.operators.get(i))
    }

    /// The received signal strength at `now`, dBm: the base (or the fade
    /// towards it) plus a seeded wander of up to ±3 dB that changes once a
    /// second.
    pub fn signal_dbm(&self, now: Nanos) -> i32 {
        let base = match self.fade {
            Some(fade) if now < fade.end => {
                let span = (fade.end - fade.start).as_nanos().max(1) as f64;
                let done = now.saturating_sub(fade.start).as_nanos() as f64 / span;
                let from = f64::from(fade.from_dbm);
                (from + (f64::from(self.signal_base_dbm) - from) * done).round() as i32
            }
            _ => self.signal_base_dbm,
        };
        let period = now.as_nanos() / SIGNAL_PERIOD.as_nanos();
        let wander = (splitmix64(self.signal_seed ^ period) % 7) as i32 - 3;
        base + wander
    }

    pub fn set_signal(&mut self, dbm: i32) {
        self.signal_base_dbm = dbm;
        self.fade = None;
    }

    pub fn fade_signal(&mut self, now: Nanos, to_dbm: i32, over: Nanos) {
        let from_dbm = self.signal_dbm(now);
        self.signal_base_dbm = to_dbm;
        self.fade = Some(Fade {
            start: now,
            from_dbm,
            end: now + over,
        });
    }

    fn find(&self, mcc_mnc: &str) -> Option<usize> {
        self.operators.iter().position(|o| o.mcc_mnc == mcc_mnc)
    }

    fn registered_on(&self, index: usize) -> (RegState, Option<usize>) {
        let operator = &self.operators[index];
        if operator.forbidden {
            (RegState::Denied, None)
        } else if operator.home {
            (RegState::Home, Some(index))
        } else {
            (RegState::Roaming, Some(index))
        }
    }

    /// Where registration is heading, given the radio and the SIM.
    fn target(&self, radio_on: bool, sim_ready: bool) -> (RegState, Option<usize>) {
        if !radio_on || !sim_ready || self.selection == Selection::Deregistered {
            return (RegState::NotRegistered, None);
        }
        match self.forced {
            Some(RegState::Roaming) => {
                return match self.operators.iter().position(|o| !o.home && !o.forbidden) {
                    Some(i) => (RegState::Roaming, Some(i)),
                    None => (RegState::Denied, None),
                };
            }
            Some(RegState::Home) | None => {}
            Some(other) => return (other, None),
        }
        match &self.selection {
            Selection::Manual(mcc_mnc) => match self.find(mcc_mnc) {
                Some(i) => self.registered_on(i),
                None => (RegState::Searching, None),
            },
            _ => {
                let usable = |o: &Operator| !o.forbidden;
                let choice = self
                    .operators
                    .iter()
                    .position(|o| o.home && usable(o))
                    .or_else(|| self.operators.iter().position(usable));
                match choice {
                    Some(i) => self.registered_on(i),
                    None => (RegState::Denied, None),
                }
            }
        }
    }
}

fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Engine {
    fn registration_target(&self) -> (RegState, Option<usize>) {
        self.network.target(self.cfun == 1, self.sim.is_ready())
    }

    /// Re-evaluates registration after anything it depends on changed:
    /// losing service is at once, gaining it goes through searching.
    pub(crate) fn update_registration(&mut self) {
        let (target, serving) = self.registration_target();
        if target == self.network.state && serving == self.network.serving {
            return;
        }
        self.cancel(|t| *t == Timer::Registered);
        if target.is_registered() {
            if self.network.state != RegState::Searching {
                self.set_registration_state(RegState::Searching, None);
            }
            self.schedule(self.config.registration_delay, Timer::Registered);
        } else {
            self.set_registration_state(target, serving);
        }
    }

    pub(crate) fn finish_registration(&mut self) {
        let (target, serving) = self.registration_target();
        self.set_registration_state(target, serving);
    }

    fn set_registration_state(&mut self, state: RegState, serving: Option<usize>) {
        let was_registered = self.network.state.is_registered();
        self.network.state = state;
        self.network.serving = serving;
        for (domain, name) in DOMAINS {
            if self.network.report_mode[domain as usize] > 0 {
                let report = self.registration_report(domain, false);
                self.urc(&format!("{name}: {report}"));
            }
        }
        if was_registered && !state.is_registered() {
            self.drop_all_calls();
            self.contexts_lost();
        }
        if state.is_registered() {
            self.flush_sms_queue();
        }
    }

    /// `<stat>[,<lac>,<ci>,<act>]`, with `<n>,` first for a read.
    fn registration_report(&self, domain: Domain, read: bool) -> String {
        let mode = self.network.report_mode[domain as usize];
        let packet = !matches!(domain, Domain::Creg);
        let state = if packet && !self.network.ps_attached && self.network.state.is_registered() {
            RegState::NotRegistered
        } else {
            self.network.state
        };
        let mut report = if read {
            format!("{mode},{}", state.code())
        } else {
            state.code().to_string()
        };
        if let (true, Some(operator)) = (mode >= 2, self.network.serving_operator()) {
            let tech = operator.tech.code();
            let (area, cell) = (operator.area_code, operator.cell_id);
            report.push_str(&format!(",\"{area:04X}\",\"{cell:X}\",{tech}"));
        }
        report
    }

    /// `+CSQ` `<rssi>`: 0 is −113 dBm or less, 31 is −51 dBm or more, 99
    /// unknown (radio off).
    fn csq_rssi(&self) -> u8 {
        if self.cfun != 1 {
            return 99;
        }
        ((self.network.signal_dbm(self.now) + 113) / 2).clamp(0, 31) as u8
    }

    /// LTE RSRP (dBm) and RSRQ (dB) that go with the received strength.
    fn lte_quality(&self) -> (i32, i32) {
        let rssi = self.network.signal_dbm(self.now);
        let rsrp = rssi - 25;
        let rsrq = ((rssi + 110) / 6 - 14).clamp(-20, -3);
        (rsrp, rsrq)
    }

    pub(super) fn network_command(&mut self, command: &Command) -> Reply {
        let name = command.name.as_str();
        match (name, &command.kind) {
            ("+CREG" | "+CGREG" | "+CEREG", _) => {
                let domain = match name {
                    "+CREG" => Domain::Creg,
                    "+CGREG" => Domain::Cgreg,
                    _ => Domain::Cereg,
                };
                match command.kind {
                    Kind::Read => {
                        let report = self.registration_report(domain, true);
                        self.info(&format!("{name}: {report}"));
                    }
                    Kind::Test => self.info(&format!("{name}: (0-5)")),
                    Kind::Set(_) => {
                        self.network.report_mode[domain as usize] =
                            command.int_in(0, 0..=5, Some(0))? as u8;
                    }
                    Kind::Action => self.network.report_mode[domain as usize] = 0,
                }
            }
            ("+COPS", Kind::Read) => {
                let mode = match self.network.selection {
                    Selection::Automatic => 0,
                    Selection::Manual(_) => 1,
                    Selection::Deregistered => 2,
                };
                match (
                    self.network.state.is_registered(),
                    self.network.serving_operator(),
                ) {
                    (true, Some(operator)) => {
                        let format = self.network.cops_format;
                        let name = match format {
                            0 => &operator.long_name,
                            1 => &operator.short_name,
                            _ => &operator.mcc_mnc,
                        };
                        let line =
                            format!("+COPS: {mode},{format},\"{name}\",{}", operator.tech.code());
                        self.info(&line);
                    }
                    _ => self.info(&format!("+COPS: {mode}")),
                }
            }
            ("+COPS", Kind::Test) => {
                if self.cfun != 1 {
                    return Err(Fail::Cme(Cme::NoNetworkService));
                }
                let list: Vec<String> = (0..self.network.operators.len())
                    .map(|i| {
                        let o = &self.network.operators[i];
                        let stat = if o.forbidden {
                            3
                        } else if self.network.serving == Some(i) {
                            2
                        } else {
                            1
                        };
                        let (long, short, mccmnc) = (&o.long_name, &o.short_name, &o.mcc_mnc);
                        format!(
                            "({stat},\"{long}\",\"{short}\",\"{mccmnc}\",{})",
                            o.tech.code()
                        )
                    })
                    .collect();
                self.info(&format!("+COPS: {},,(0-4),(0-2)", list.join(",")));
            }
            ("+COPS", Kind::Set(_)) => {
                match command.int_in(0, 0..=4, None)? {
                    0 => self.network.selection = Selection::Automatic,
                    1 | 4 => {
                        let format = command.int_in(1, 0..=2, None)?;
                        let id = command.text(2).ok_or(Fail::Cme(Cme::IncorrectParameters))?;
                        let found = self.network.operators.iter().find(|o| match format {
                            0 => o.long_name == id,
                            1 => o.short_name == id,
                            _ => o.mcc_mnc == id,
                        });
                        let Some(operator) = found else {
                            return Err(Fail::Cme(Cme::NoNetworkService));
                        };
                        self.network.selection = Selection::Manual(operator.mcc_mnc.clone());
                    }
                    2 => self.network.selection = Selection::Deregistered,
                    _ => self.network.cops_format = command.int_in(1, 0..=2, None)? as u8,
                }
                self.update_registration();
            }
            ("+CSQ", Kind::Action) => {
                let rssi = self.csq_rssi();
                self.info(&format!("+CSQ: {rssi},99"));
            }
            ("+CSQ", Kind::Test) => self.info("+CSQ: (0-31,99),(0-7,99)"),
            ("+CESQ", Kind::Action) => {
                if self.cfun != 1 {
                    self.info("+CESQ: 99,99,255,255,255,255");
                } else {
                    let (rsrp, rsrq) = self.lte_quality();
                    let rsrp_index = (rsrp + 141).clamp(0, 97);
                    let rsrq_index = (rsrq * 2 + 40).clamp(0, 34);
                    self.info(&format!("+CESQ: 99,99,255,255,{rsrq_index},{rsrp_index}"));
                }
            }
            ("+QENG", Kind::Set(_)) => {
                if !command
                    .text(0)
                    .is_some_and(|t| t.eq_ignore_ascii_case("servingcell"))
                {
                    return Err(Fail::Cme(Cme::IncorrectParameters));
                }
                let line = match self
                    .network
                    .serving_operator()
                    .filter(|_| self.network.state.is_registered())
                {
                    Some(o) if o.tech == AccessTech::Eutran => {
                        let (mcc, mnc) = o.mcc_mnc.split_at(3);
                        let (rsrp, rsrq) = self.lte_quality();
                        let rssi = self.network.signal_dbm(self.now);
                        let (cell, tac) = (o.cell_id, o.area_code);
                        // SINR follows RSRP (about 14 dB at -97 dBm), sent
                        // as the EG25-G does: fifths of a dB from -20 dB,
                        // 0..=250.
                        let sinr_db = ((rsrp + 125) / 2).clamp(-20, 30);
                        let sinr = (sinr_db + 20) * 5;
                        format!("+QENG: \"servingcell\",\"NOCONN\",\"LTE\",\"FDD\",{mcc},{mnc},{cell:X},101,1300,3,5,5,{tac:X},{rsrp},{rsrq},{rssi},{sinr},40")
                    }
                    Some(_) => "+QENG: \"servingcell\",\"NOCONN\",\"GSM\"".to_owned(),
                    None => "+QENG: \"servingcell\",\"SEARCH\"".to_owned(),
                };
                self.info(&line);
            }
            ("+CUSD", Kind::Read) => {
                let n = u8::from(self.network.cusd_enabled);
                self.info(&format!("+CUSD: {n}"));
            }
            ("+CUSD", Kind::Test) => self.info("+CUSD: (0-2)"),
            ("+CUSD", Kind::Set(_)) => {
                let n = command.int_in(0, 0..=2, Some(0))?;
                if n == 2 {
                    self.network.ussd_menu_open = false;
                    self.cancel(|t| matches!(t, Timer::Ussd { .. }));
                    return Ok(Done::Ok);
                }
                self.network.cusd_enabled = n == 1;
                if let Some(request) = command.text(1) {
                    if !self.network.state.is_registered() {
                        return Err(Fail::Cme(Cme::NoNetworkService));
                    }
                    let request = request.to_owned();
                    self.ussd_request(&request);
                }
            }
            _ => return Err(Fail::Unknown),
        }
        Ok(Done::Ok)
    }

    /// The network's answer to a USSD string, after its delay.
    fn ussd_request(&mut self, request: &str) {
        let menu = std::mem::replace(&mut self.network.ussd_menu_open, false);
        let balance = format!("Your balance is {}", self.config.balance);
        let (status, text) = match (menu, request) {
            (_, "*100#") | (true, "1") => (0, balance),
            (false, "*101#") => {
                self.network.ussd_menu_open = true;
                (1, "1. Balance\n2. Offers".to_owned())
            }
            (true, "2") => (0, "No offers today".to_owned()),
            _ => (4, String::new()),
        };
        self.schedule(self.config.ussd_delay, Timer::Ussd { status, text });
    }

    pub(crate) fn ussd_arrives(&mut self, status: u8, text: &str) {
        if !self.network.cusd_enabled {
            return;
        }
        if text.is_empty() {
            self.urc(&format!("+CUSD: {status}"));
        } else {
            self.urc(&format!("+CUSD: {status},\"{text}\",15"));
        }
    }

    /// The control API's network conditions: `Home` is normal service.
    pub(crate) fn force_registration(&mut self, state: RegState) {
        self.network.forced = (state != RegState::Home).then_some(state);
        self.update_registration();
    }
}
