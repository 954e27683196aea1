//! [`AtModem`]: a [`ModemDevice`] over an AT port.
//!
//! The driver opens its [`Port`], runs the init sequence, and keeps a
//! worker thread that turns what the modem reports on its own into
//! [`Indication`]s (`RING` and `+CLIP`, call changes, new SMS with their
//! parts joined, delivery reports, registration, signal, SIM, USSD, packet
//! data, restarts) and watches the link. A modem that stops answering
//! (three command timeouts in a row, or its port closing) is reported
//! `Available(false)` and brought back: the port reopened, the modem
//! restarted (`AT+CFUN=1,1`), power-cycled through the port (the board's
//! GPIO lines to PWRKEY, RESET_N and STATUS: [`PowerLines`]); then
//! `Available(true)`, `Reset` and the calls it lost.
//!
//! # For board authors
//! Hand in a [`Port`]: [`TtyPort`] for a serial tty or pty, with the
//! board's power control of the modem if it has one. A daemon hosting the
//! simulated EG25-G on a pty, its reboot standing in for the power switch:
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use yunhal::modem::ModemDevice;
//! use yunhal_at_modem::modem::{AtModem, AtModemConfig, TtyPort, Vendor};
//! use yunhal_sim::modem::{ModemClock, ModemConfig, ModemSim};
//!
//! let sim = Arc::new(ModemSim::spawn_pty(ModemConfig::default(), ModemClock::real())?);
//! let power = Arc::clone(&sim);
//! let port = TtyPort::new(sim.pty_path().unwrap()).with_power_control(move || {
//!     power.reboot();
//!     Ok(())
//! });
//! let config = AtModemConfig::new(Vendor::QuectelEg25)
//!     .with_pin("1234")
//!     .with_command_timeout(Duration::from_secs(1));
//! let modem = AtModem::open(Box::new(port), config)?;
//! assert_eq!(modem.identity()?.model, "EG25");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # For driver authors
//! Each concern is its own file with an `impl Driver` block: `sim.rs`,
//! `network.rs`, `calls.rs`, `sms.rs`, `ussd.rs`, `data.rs`; the init
//! sequence is `init.rs`, URC handling and polling `worker.rs`, recovery
//! `recovery.rs` (the power-line sequence of its last step `power.rs`),
//! and the EG25-G's own commands `quectel.rs`.

mod calls;
mod config;
mod convert;
mod data;
mod driver;
mod error;
mod indications;
mod init;
mod link;
mod network;
mod port;
mod power;
mod quectel;
mod recovery;
mod sim;
mod sms;
mod ussd;
mod worker;

#[cfg(test)]
mod tests;

pub use config::{AtModemConfig, QuectelUrcPort, RecoveryConfig, Vendor};
pub use error::ModemError;
pub use port::{Port, PowerControl, Stream, TtyPort};
pub use power::{PowerCycle, PowerError, PowerLines, PowerTiming};

use std::sync::{mpsc, Arc};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use yunhal::error::ErrorType;
use yunhal::modem::{
    Call, DataConnection, Identity, Indication, IpFamily, ModemDevice, NetworkStatus, PowerState,
    SentSms, SignalStrength, SimInfo, SimStatus, UssdResponse,
};

use driver::Driver;
use worker::Worker;

/// A modem driven over its AT port. Dropping it stops its threads.
pub struct AtModem {
    driver: Arc<Driver>,
    worker: Option<JoinHandle<()>>,
}

impl AtModem {
    /// Opens `port`, waits for the modem to answer (up to the boot
    /// timeout), runs the init sequence (entering the configured PIN if
    /// the SIM asks for it), reports and deletes the SMS stored in the
    /// modem, and starts the worker thread.
    pub fn open(mut port: Box<dyn Port>, config: AtModemConfig) -> Result<AtModem, ModemError> {
        let (events_sender, events) = mpsc::channel();
        let driver = Arc::new(Driver::new(config, events_sender));
        let (reader, writer) = port.open().map_err(ModemError::Port)?;
        driver
            .link
            .install(reader, writer)
            .map_err(ModemError::Port)?;
        let boot = driver.config.recovery.boot_timeout;
        if !driver.probe_until(Instant::now() + boot) {
            return Err(ModemError::NotResponding(boot));
        }
        // What came before the first answer belongs to the modem's boot;
        // the init sequence reads the state afresh.
        while events.try_recv().is_ok() {}
        driver.initialize()?;
        match driver.settle_calls() {
            Err(e) if e.is_link_failure() => return Err(e),
            _ => {}
        }
        let worker = Worker::new(Arc::clone(&driver), port, events);
        let worker = thread::Builder::new()
            .name("at-modem".into())
            .spawn(move || worker.run())
            .map_err(ModemError::Port)?;
        Ok(AtModem {
            driver,
            worker: Some(worker),
        })
    }

    pub fn config(&self) -> &AtModemConfig {
        &self.driver.config
    }
}

impl Drop for AtModem {
    fn drop(&mut self) {
        self.driver.stop();
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

impl ErrorType for AtModem {
    type Error = ModemError;
}

impl ModemDevice for AtModem {
    fn power(&self) -> Result<PowerState, ModemError> {
        self.driver.power()
    }

    fn set_power(&self, state: PowerState) -> Result<(), ModemError> {
        self.driver.set_power(state)
    }

    fn identity(&self) -> Result<Identity, ModemError> {
        self.driver.identity()
    }

    fn sim(&self) -> Result<SimInfo, ModemError> {
        self.driver.sim_info()
    }

    fn enter_pin(&self, pin: &str) -> Result<SimStatus, ModemError> {
        self.driver.enter_pin(pin)
    }

    fn enter_puk(&self, puk: &str, new_pin: &str) -> Result<SimStatus, ModemError> {
        self.driver.enter_puk(puk, new_pin)
    }

    fn network(&self) -> Result<NetworkStatus, ModemError> {
        self.driver.network_status()
    }

    fn signal(&self) -> Result<SignalStrength, ModemError> {
        self.driver.signal()
    }

    fn calls(&self) -> Result<Vec<Call>, ModemError> {
        self.driver.refresh_calls()
    }

    fn dial(&self, number: &str) -> Result<(), ModemError> {
        self.driver.dial(number)
    }

    fn answer(&self) -> Result<(), ModemError> {
        self.driver.answer()
    }

    fn hang_up(&self, id: Option<u8>) -> Result<(), ModemError> {
        self.driver.hang_up(id)
    }

    fn swap_calls(&self) -> Result<(), ModemError> {
        self.driver.swap_calls()
    }

    fn send_dtmf(&self, digits: &str) -> Result<(), ModemError> {
        self.driver.send_dtmf(digits)
    }

    fn send_sms(&self, to: &str, text: &str, request_report: bool) -> Result<SentSms, ModemError> {
        self.driver.send_sms(to, text, request_report)
    }

    fn ussd(&self, request: &str, timeout: Duration) -> Result<UssdResponse, ModemError> {
        self.driver.ussd(request, timeout)
    }

    fn data_connections(&self) -> Result<Vec<DataConnection>, ModemError> {
        self.driver.data_connections()
    }

    fn data_up(&self, apn: &str, family: IpFamily) -> Result<DataConnection, ModemError> {
        self.driver.data_up(apn, family)
    }

    fn data_down(&self, cid: u8) -> Result<(), ModemError> {
        self.driver.data_down(cid)
    }

    fn next_indication(&self, timeout: Duration) -> Option<Indication> {
        self.driver.indications.pop(timeout)
    }
}
