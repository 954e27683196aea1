//! The init sequence, run when the port is opened and after every modem
//! restart: the port's settings and URCs, the SIM (PIN), SMS, and a fresh
//! reading of registration and packet data.
//!
//! `+CSCS` is left alone: SMS go as PDUs, which carry their own
//! alphabet, and the only text the modem converts (USSD, `+CLIP`, `+COPS`
//! names) is read as sent, UCS-2 hex decoded where the data coding says so.
//!
//! A command the modem refuses is skipped (a modem may lack `+CEREG` or a
//! vendor command); one it does not answer stops the sequence, since
//! nothing after it would be answered either.

use yunhal::modem::SimStatus;

use super::config::Vendor;
use super::driver::Driver;
use super::error::ModemError;
use super::quectel;
use crate::at::commands::{self, RegistrationDomain};

impl Driver {
    pub fn initialize(&self) -> Result<(), ModemError> {
        // Echo off first, so that every answer after it is plain.
        self.run(commands::echo(false))?;
        // Numeric error codes; the parser also reads verbose ones, which a
        // modem that refuses this keeps sending.
        self.run_optional(commands::report_errors(1))?;
        if self.config.vendor == Vendor::QuectelEg25 {
            self.run_optional(quectel::route_urcs(self.config.urc_port))?;
            self.run_optional(quectel::signal_reports())?;
        }
        for domain in [RegistrationDomain::Circuit, RegistrationDomain::Eps] {
            // Form 2: state, area, cell and technology.
            self.run_optional(commands::set_registration_reports(domain, 2))?;
        }
        self.run_optional(commands::caller_id_reports(true))?;
        self.run_optional(commands::call_waiting_reports(true))?;
        self.run_optional(commands::ussd_reports(true))?;
        self.run_optional(commands::packet_event_reports())?;

        self.sms_forgotten();
        let status = match self
            .read_sim_status()
            .and_then(|status| self.unlock_sim(status))
        {
            Ok(status) => status,
            Err(e) if e.is_link_failure() => return Err(e),
            Err(e) => {
                tracing::warn!(error = %e, "SIM state not read at start");
                SimStatus::NotReady
            }
        };
        self.set_sim_status(status, false);
        if status == SimStatus::Ready {
            self.ensure_sms_setup()?;
        }

        match self.network_status() {
            Ok(_) => self.settle_network_report(),
            Err(e) if e.is_link_failure() => return Err(e),
            Err(e) => tracing::debug!(error = %e, "registration not read at start"),
        }
        self.settle_data()
    }
}
