//! The SIM card: PIN and PUK with their attempt counters, identities, and
//! the commands about them (`+CPIN`, `+QPINC`, `+CLCK="SC"`, `+CCID`,
//! `+CIMI`).

use super::command::{Command, Kind};
use super::config::ModemConfig;
use super::engine::{Cme, Done, Engine, Fail, Reply};

/// PIN attempts a fresh or unblocked SIM allows.
pub const PIN_ATTEMPTS: u8 = 3;
/// PUK attempts before the SIM is blocked for good.
pub const PUK_ATTEMPTS: u8 = 10;

/// What the SIM asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimState {
    /// No SIM inserted.
    Absent,
    /// Switched off (`AT+CFUN=0`).
    Off,
    /// Waiting for the PIN.
    PinRequired,
    /// PIN attempts used up; waiting for the PUK and a new PIN.
    PukRequired,
    /// PUK attempts used up: the card is dead.
    Blocked,
    /// Unlocked, or no PIN check.
    Ready,
}

/// The card. Attempt counters and the PIN live on the card, so they
/// survive a reboot; being unlocked does not.
#[derive(Debug, Clone)]
pub(crate) struct SimCard {
    present: bool,
    powered: bool,
    pin: String,
    pin_enabled: bool,
    puk: String,
    pub pin_attempts: u8,
    pub puk_attempts: u8,
    unlocked: bool,
}

impl SimCard {
    pub fn new(config: &ModemConfig) -> SimCard {
        SimCard {
            present: config.sim_present,
            powered: true,
            pin: config.pin.clone().unwrap_or_else(|| "0000".to_owned()),
            pin_enabled: config.pin.is_some(),
            puk: config.puk.clone(),
            pin_attempts: PIN_ATTEMPTS,
            puk_attempts: PUK_ATTEMPTS,
            unlocked: false,
        }
    }

    pub fn power_on(&mut self) {
        self.powered = true;
        self.unlocked = false;
    }

    pub fn power_off(&mut self) {
        self.powered = false;
        self.unlocked = false;
    }

    pub fn state(&self) -> SimState {
        if !self.present {
            SimState::Absent
        } else if !self.powered {
            SimState::Off
        } else if self.puk_attempts == 0 {
            SimState::Blocked
        } else if self.pin_attempts == 0 {
            SimState::PukRequired
        } else if self.pin_enabled && !self.unlocked {
            SimState::PinRequired
        } else {
            SimState::Ready
        }
    }

    pub fn is_ready(&self) -> bool {
        self.state() == SimState::Ready
    }

    /// The error a command that needs the SIM gets, if it is not ready.
    pub fn ready_or_error(&self) -> Result<(), Cme> {
        match self.state() {
            SimState::Ready => Ok(()),
            SimState::Absent => Err(Cme::SimNotInserted),
            SimState::Off | SimState::Blocked => Err(Cme::SimFailure),
            SimState::PinRequired => Err(Cme::SimPinRequired),
            SimState::PukRequired => Err(Cme::SimPukRequired),
        }
    }

    fn enter_pin(&mut self, pin: &str) -> Result<(), Cme> {
        if pin == self.pin {
            self.pin_attempts = PIN_ATTEMPTS;
            self.unlocked = true;
            Ok(())
        } else {
            self.pin_attempts -= 1;
            Err(Cme::IncorrectPassword)
        }
    }

    fn enter_puk(&mut self, puk: &str, new_pin: &str) -> Result<(), Cme> {
        if !(4..=8).contains(&new_pin.len()) || !new_pin.chars().all(|c| c.is_ascii_digit()) {
            return Err(Cme::IncorrectParameters);
        }
        if puk == self.puk {
            self.puk_attempts = PUK_ATTEMPTS;
            self.pin_attempts = PIN_ATTEMPTS;
            self.pin = new_pin.to_owned();
            self.unlocked = true;
            Ok(())
        } else {
            self.puk_attempts -= 1;
            Err(Cme::IncorrectPassword)
        }
    }

    /// `AT+CLCK="SC",<mode>,<pin>`: a PIN check costs an attempt if wrong.
    fn set_pin_check(&mut self, enabled: bool, pin: &str) -> Result<(), Cme> {
        self.ready_or_error()?;
        if pin != self.pin {
            self.pin_attempts -= 1;
            return Err(Cme::IncorrectPassword);
        }
        self.pin_attempts = PIN_ATTEMPTS;
        self.pin_enabled = enabled;
        self.unlocked = true;
        Ok(())
    }
}

impl Engine {
    /// `+CPIN: <code>` and, once ready, Quectel's SIM URCs.
    pub(crate) fn report_sim_state(&mut self) {
        let code = match self.sim.state() {
            SimState::Ready => "READY",
            SimState::PinRequired => "SIM PIN",
            SimState::PukRequired => "SIM PUK",
            SimState::Absent | SimState::Off | SimState::Blocked => "NOT READY",
        };
        self.urc(&format!("+CPIN: {code}"));
        if self.sim.is_ready() {
            self.urc("+QUSIM: 1");
            self.urc("+QIND: SMS DONE");
            self.urc("+QIND: PB DONE");
        }
    }

    pub(super) fn sim_command(&mut self, command: &Command) -> Reply {
        match (command.name.as_str(), &command.kind) {
            ("+CPIN", Kind::Read) => {
                let code = match self.sim.state() {
                    SimState::Ready => "READY",
                    SimState::PinRequired => "SIM PIN",
                    SimState::PukRequired => "SIM PUK",
                    _ => return Err(Fail::Cme(self.sim.ready_or_error().unwrap_err())),
                };
                self.info(&format!("+CPIN: {code}"));
            }
            ("+CPIN", Kind::Test) => {}
            ("+CPIN", Kind::Set(_)) => {
                let code = command.text(0).ok_or(Fail::Cme(Cme::IncorrectParameters))?;
                let result = match self.sim.state() {
                    SimState::PinRequired => self.sim.enter_pin(code),
                    SimState::PukRequired => {
                        let new_pin = command.text(1).ok_or(Fail::Cme(Cme::IncorrectParameters))?;
                        self.sim.enter_puk(code, new_pin)
                    }
                    SimState::Ready => Err(Cme::NotAllowed),
                    _ => self.sim.ready_or_error(),
                };
                result.map_err(Fail::Cme)?;
                self.report_sim_state();
                self.update_registration();
            }
            ("+QPINC", Kind::Read) => {
                let (pin, puk) = (self.sim.pin_attempts, self.sim.puk_attempts);
                self.info(&format!("+QPINC: \"SC\",{pin},{puk}"));
                self.info("+QPINC: \"P2\",3,10");
            }
            ("+QPINC", Kind::Set(_)) => {
                let facility = command.text(0).unwrap_or("");
                if !facility.eq_ignore_ascii_case("SC") {
                    return Err(Fail::Cme(Cme::IncorrectParameters));
                }
                let (pin, puk) = (self.sim.pin_attempts, self.sim.puk_attempts);
                self.info(&format!("+QPINC: \"SC\",{pin},{puk}"));
            }
            ("+CLCK", Kind::Set(_)) => {
                if !command
                    .text(0)
                    .is_some_and(|f| f.eq_ignore_ascii_case("SC"))
                {
                    return Err(Fail::Cme(Cme::NotSupported));
                }
                match command.int_in(1, 0..=2, None)? {
                    2 => {
                        self.sim.ready_or_error().map_err(Fail::Cme)?;
                        let status = u8::from(self.sim.pin_enabled);
                        self.info(&format!("+CLCK: {status}"));
                    }
                    mode => {
                        let pin = command.text(2).ok_or(Fail::Cme(Cme::IncorrectParameters))?;
                        self.sim.set_pin_check(mode == 1, pin).map_err(Fail::Cme)?;
                    }
                }
            }
            ("+CCID" | "+QCCID" | "+ICCID", Kind::Action | Kind::Read) => {
                if !matches!(self.sim.state(), SimState::Absent | SimState::Off) {
                    let iccid = self.config.iccid.clone();
                    self.info(&format!("{}: {iccid}", command.name));
                } else {
                    return Err(Fail::Cme(Cme::SimNotInserted));
                }
            }
            ("+CIMI", Kind::Action) => {
                self.sim.ready_or_error().map_err(Fail::Cme)?;
                let imsi = self.config.imsi.clone();
                self.info(&imsi);
            }
            ("+CNUM", Kind::Action) => {
                self.sim.ready_or_error().map_err(Fail::Cme)?;
                let number = self.config.own_number.clone();
                let toa = if number.starts_with('+') { 145 } else { 129 };
                self.info(&format!("+CNUM: \"\",\"{number}\",{toa}"));
            }
            _ => return Err(Fail::Unknown),
        }
        Ok(Done::Ok)
    }
}
