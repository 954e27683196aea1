//! The SIM: its state (`+CPIN`), identifiers, PIN and PUK entry, and the
//! driver entering a known PIN by itself after a modem restart.

use yunhal::modem::{Indication, SimInfo, SimStatus};

use super::config::Vendor;
use super::convert;
use super::driver::{lock, Driver};
use super::error::ModemError;
use super::quectel;
use crate::at::commands;
use crate::at::parse::errors::CmeError;
use crate::at::parse::network::{parse_cfun, Functionality};
use crate::at::parse::sim::{parse_cpin, parse_iccid, parse_imsi, PinState};

#[derive(Default)]
pub(crate) struct SimCache {
    status: Option<SimStatus>,
    /// The PIN that last unlocked the SIM (the configured one or one a
    /// caller entered), entered again when a restart locks the SIM.
    known_pin: Option<String>,
    /// The known PIN was refused: never try it again by itself, as every
    /// try costs one of the SIM's few attempts.
    known_pin_refused: bool,
}

/// Refuses a PIN or PUK that is not `len` digits before it reaches the
/// modem.
fn check_code(
    what: &'static str,
    code: &str,
    len: std::ops::RangeInclusive<usize>,
) -> Result<(), ModemError> {
    if !len.contains(&code.len()) {
        return Err(ModemError::invalid(
            what,
            format!("must be {} to {} digits", len.start(), len.end()),
        ));
    }
    if !code.chars().all(|c| c.is_ascii_digit()) {
        return Err(ModemError::invalid(what, "must be digits only"));
    }
    Ok(())
}

impl Driver {
    /// The SIM's state; the errors modems give instead of a `+CPIN` line
    /// for a missing, failed or busy SIM are states too.
    pub fn read_sim_status(&self) -> Result<SimStatus, ModemError> {
        let command = commands::pin_status();
        let text = command.text().to_owned();
        match self.run(command) {
            Ok(response) => {
                let state = Driver::parse_line(&response, "+CPIN", &text, parse_cpin)?;
                Ok(convert::sim_status(&state))
            }
            Err(e) => match e.cme_code() {
                Some(CmeError::SIM_NOT_INSERTED) => Ok(SimStatus::Absent),
                Some(CmeError::SIM_BUSY) => Ok(SimStatus::NotReady),
                // SIM failure: the card is off with the radio (+CFUN=0), or
                // blocked for good.
                Some(13) if self.radio_is_off()? => Ok(SimStatus::NotReady),
                Some(13) => Ok(SimStatus::Blocked),
                _ => Err(e),
            },
        }
    }

    fn radio_is_off(&self) -> Result<bool, ModemError> {
        let fun = self.query(commands::functionality_query(), "+CFUN", parse_cfun)?;
        Ok(fun == Functionality::Minimum)
    }

    pub fn sim_info(&self) -> Result<SimInfo, ModemError> {
        let status = self.read_sim_status()?;
        self.set_sim_status(status, false);
        let iccid = match self.vendor_iccid() {
            Ok(iccid) => iccid,
            Err(e) if e.is_link_failure() => return Err(e),
            Err(_) => None,
        };
        let imsi = if status == SimStatus::Ready {
            let command = commands::imsi();
            let text = command.text().to_owned();
            let response = self.run(command)?;
            response
                .lines
                .iter()
                .find_map(|l| parse_imsi(l).ok())
                .map(Some)
                .ok_or_else(|| {
                    ModemError::parse(
                        &text,
                        crate::at::ParseError::MissingField {
                            name: "imsi",
                            line: response.lines.join(" | "),
                        },
                    )
                })?
        } else {
            None
        };
        Ok(SimInfo {
            status,
            iccid,
            imsi,
        })
    }

    fn vendor_iccid(&self) -> Result<Option<String>, ModemError> {
        let form = match self.config.vendor {
            Vendor::QuectelEg25 => "quectel",
            Vendor::Generic => "",
        };
        let response = self.run(commands::iccid(form))?;
        Ok(response.lines.iter().find_map(|l| parse_iccid(l).ok()))
    }

    pub fn enter_pin(&self, pin: &str) -> Result<SimStatus, ModemError> {
        check_code("PIN", pin, 4..=8)?;
        let command =
            commands::enter_pin(pin, None).map_err(|e| ModemError::command("AT+CPIN", e))?;
        self.run_network(command)?;
        self.remember_pin(pin);
        let status = self.read_sim_status()?;
        self.set_sim_status(status, false);
        Ok(status)
    }

    pub fn enter_puk(&self, puk: &str, new_pin: &str) -> Result<SimStatus, ModemError> {
        check_code("PUK", puk, 8..=8)?;
        check_code("new PIN", new_pin, 4..=8)?;
        let command = commands::enter_pin(puk, Some(new_pin))
            .map_err(|e| ModemError::command("AT+CPIN", e))?;
        self.run_network(command)?;
        self.remember_pin(new_pin);
        let status = self.read_sim_status()?;
        self.set_sim_status(status, false);
        Ok(status)
    }

    fn remember_pin(&self, pin: &str) {
        let mut sim = lock(&self.sim);
        sim.known_pin = Some(pin.to_owned());
        sim.known_pin_refused = false;
    }

    /// Records the SIM's state; reports it when it changed and `report`.
    /// Returns whether it changed.
    pub fn set_sim_status(&self, status: SimStatus, report: bool) -> bool {
        let changed = lock(&self.sim).status.replace(status) != Some(status);
        if changed && report {
            self.emit(Indication::Sim(status));
        }
        changed
    }

    /// Enters the known PIN if the SIM waits for one and the PIN was not
    /// refused before; returns the state after.
    pub fn unlock_sim(&self, status: SimStatus) -> Result<SimStatus, ModemError> {
        if status != SimStatus::PinRequired {
            return Ok(status);
        }
        let pin = {
            let mut sim = lock(&self.sim);
            if sim.known_pin.is_none() {
                sim.known_pin.clone_from(&self.config.pin);
            }
            match (&sim.known_pin, sim.known_pin_refused) {
                (Some(pin), false) => pin.clone(),
                _ => return Ok(status),
            }
        };
        if self.config.vendor == Vendor::QuectelEg25 && !self.pin_attempts_left_for_a_guess()? {
            tracing::warn!("one PIN attempt left: the driver does not use it");
            return Ok(status);
        }
        let command =
            commands::enter_pin(&pin, None).map_err(|e| ModemError::command("AT+CPIN", e))?;
        match self.run_network(command) {
            Ok(_) => self.read_sim_status(),
            Err(e) if e.is_link_failure() => Err(e),
            Err(e) => {
                tracing::warn!(error = %e, "the SIM refused the known PIN; it will not be tried again");
                lock(&self.sim).known_pin_refused = true;
                Ok(status)
            }
        }
    }

    /// EG25-G: more than one PIN attempt left (unknown counts as yes).
    fn pin_attempts_left_for_a_guess(&self) -> Result<bool, ModemError> {
        let Some(response) = self.run_optional(quectel::pin_attempts())? else {
            return Ok(true);
        };
        let attempts = response
            .line_with("+QPINC")
            .and_then(|l| quectel::parse_pin_attempts(l).ok());
        Ok(attempts.map_or(true, |(pin, _)| pin > 1))
    }

    /// A `+CPIN` URC: report the new state, enter the known PIN when the
    /// SIM asks for it, set up SMS once it is ready.
    pub fn on_sim_report(&self, state: &PinState) -> Result<(), ModemError> {
        let status = convert::sim_status(state);
        self.set_sim_status(status, true);
        match status {
            SimStatus::PinRequired => {
                let after = self.unlock_sim(status)?;
                self.set_sim_status(after, true);
                Ok(())
            }
            SimStatus::Ready => self.ensure_sms_setup(),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_checked_before_sending() {
        assert!(check_code("PIN", "1234", 4..=8).is_ok());
        let short = check_code("PIN", "12", 4..=8).unwrap_err();
        assert_eq!(short.to_string(), "invalid PIN: must be 4 to 8 digits");
        let letters = check_code("PIN", "12a4", 4..=8).unwrap_err();
        assert_eq!(letters.to_string(), "invalid PIN: must be digits only");
        assert!(check_code("PUK", "1234567", 8..=8).is_err());
    }
}
