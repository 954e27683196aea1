//! Bringing a lost modem back, in steps of growing force: reopen the port
//! and probe; restart the modem with `AT+CFUN=1,1`; power-cycle it through
//! the board. After each, the driver waits for the modem (`RDY` on the
//! EG25-G) and runs the init sequence. Rounds that fail are repeated after
//! a backoff that doubles up to a bound. Meanwhile commands from callers
//! fail at once with [`ModemError::Recovering`](super::ModemError).

use std::time::Instant;

use yunhal::modem::Indication;

use super::driver::RETRY_PAUSE;
use super::link::Event;
use super::worker::{Stopped, Worker};
use crate::at::{commands, Notification, Unsolicited};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Reopen,
    Reboot,
    PowerCycle,
}

impl Step {
    const ALL: [Step; 3] = [Step::Reopen, Step::Reboot, Step::PowerCycle];

    fn done(self) -> &'static str {
        match self {
            Step::Reopen => "the port was reopened",
            Step::Reboot => "the modem was restarted with AT+CFUN=1,1",
            Step::PowerCycle => "the modem was power-cycled",
        }
    }
}

impl Worker {
    pub(super) fn recover(&mut self, reason: &str) -> Result<(), Stopped> {
        tracing::warn!(reason, "the modem is lost; recovering");
        let driver = self.driver.clone();
        driver.link.set_recovering(true);
        driver.emit(Indication::Available(false));
        driver.ussd.abort();
        let recovery = driver.config.recovery.clone();
        let mut backoff = recovery.initial_backoff;
        loop {
            for step in Step::ALL {
                if self.attempt(step)? {
                    tracing::info!(step = step.done(), "the modem answers again");
                    driver.link.set_recovering(false);
                    driver.emit(Indication::Available(true));
                    self.after_restart(format!("{reason}; {}", step.done()));
                    return Ok(());
                }
            }
            tracing::warn!(?backoff, "recovery failed; trying again");
            self.sleep(backoff)?;
            backoff = (backoff * 2).min(recovery.max_backoff.max(recovery.initial_backoff));
        }
    }

    /// One step; true once the modem answers and is set up.
    fn attempt(&mut self, step: Step) -> Result<bool, Stopped> {
        tracing::info!(?step, "recovery step");
        let driver = self.driver.clone();
        let answers = match step {
            Step::Reopen => {
                // Two probes: one answer lost on a noisy line is not enough
                // to go further.
                let deadline = Instant::now() + driver.config.command_timeout * 2;
                self.reopen() && driver.probe_until(deadline)
            }
            Step::Reboot => {
                // A modem that stopped answering may still obey.
                let _ = driver.run(commands::reboot());
                self.await_boot()?
            }
            Step::PowerCycle => match self.port.power_cycle() {
                Ok(true) => self.await_boot()?,
                Ok(false) => {
                    tracing::debug!("the board has no power control of the modem");
                    false
                }
                Err(e) => {
                    tracing::warn!(error = %e, "power cycle failed");
                    false
                }
            },
        };
        if !answers {
            return Ok(false);
        }
        self.discard_pending()?;
        match driver.initialize() {
            Ok(()) => Ok(true),
            Err(e) => {
                tracing::warn!(error = %e, "init after recovery failed");
                Ok(false)
            }
        }
    }

    fn reopen(&mut self) -> bool {
        match self.port.open() {
            Ok((reader, writer)) => match self.driver.link.install(reader, writer) {
                Ok(_) => true,
                Err(e) => {
                    tracing::warn!(error = %e, "no reader thread for the port");
                    false
                }
            },
            Err(e) => {
                tracing::debug!(error = %e, "the port does not open");
                false
            }
        }
    }

    /// After a restart: waits for `RDY` (EG25-G), opens the port again (a
    /// USB modem comes back as a new device) and probes, all within the
    /// boot timeout.
    fn await_boot(&mut self) -> Result<bool, Stopped> {
        let deadline = Instant::now() + self.driver.config.recovery.boot_timeout;
        if self.driver.config.vendor.sends_ready() {
            self.wait_for_ready(deadline)?;
        }
        while !self.reopen() {
            if Instant::now() >= deadline {
                return Ok(false);
            }
            self.sleep(RETRY_PAUSE)?;
        }
        Ok(self.driver.probe_until(deadline))
    }

    /// Waits for `RDY` on the current port, or its end, until `deadline`.
    fn wait_for_ready(&mut self, deadline: Instant) -> Result<(), Stopped> {
        while let Some(event) = self.next_event(Some(deadline))? {
            let Event::Note { generation, note } = event else {
                continue;
            };
            if generation != self.driver.link.generation() {
                continue;
            }
            match note {
                Notification::Urc(urc) if urc.parse() == Ok(Unsolicited::Ready) => return Ok(()),
                Notification::Closed(_) => return Ok(()),
                _ => {}
            }
        }
        Ok(())
    }
}
