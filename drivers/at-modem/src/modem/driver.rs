//! [`Driver`]: what the caller's threads and the worker thread share. Each
//! concern adds its state here and its methods in its own file (`sim.rs`,
//! `network.rs`, `calls.rs`, `sms.rs`, `ussd.rs`, `data.rs`, `init.rs`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use yunhal::modem::{CallEndReason, Indication};

use super::calls::{end_reason_of, CallTracker};
use super::config::AtModemConfig;
use super::data::DataState;
use super::error::ModemError;
use super::indications::Indications;
use super::link::{Event, Link};
use super::network::NetworkCache;
use super::sim::SimCache;
use super::sms::SmsState;
use super::ussd::UssdSlot;
use crate::at::parse::{has_prefix, ParseError};
use crate::at::{commands, Command, Notification, Response};

pub(crate) struct Driver {
    pub config: AtModemConfig,
    pub link: Link,
    pub indications: Indications,
    pub calls: Mutex<CallTracker>,
    /// Why the call that is gone at the next `+CLCC` reading ended, as the
    /// modem said (`NO CARRIER`, `BUSY`, `NO ANSWER`): set on the reader
    /// thread, so that a reading whose answer came after the word sees it.
    pub call_end_hint: Arc<Mutex<Option<CallEndReason>>>,
    pub network: Mutex<NetworkCache>,
    pub sim: Mutex<SimCache>,
    pub sms: Mutex<SmsState>,
    pub ussd: UssdSlot,
    pub data: Mutex<DataState>,
    stopping: AtomicBool,
}

impl Driver {
    pub fn new(config: AtModemConfig, events: Sender<Event>) -> Driver {
        let call_end_hint = Arc::new(Mutex::new(None));
        let hint = Arc::clone(&call_end_hint);
        let observer = Arc::new(move |note: &Notification| {
            if let Notification::Urc(urc) = note {
                if let Some(reason) = end_reason_of(&urc.line) {
                    *lock(&hint) = Some(reason);
                }
            }
        });
        Driver {
            link: Link::new(events, config.recovery.timeouts, observer),
            call_end_hint,
            indications: Indications::new(config.indication_capacity),
            calls: Mutex::default(),
            network: Mutex::default(),
            sim: Mutex::default(),
            sms: Mutex::new(SmsState::new()),
            ussd: UssdSlot::default(),
            data: Mutex::default(),
            stopping: AtomicBool::new(false),
            config,
        }
    }

    /// A local command, with the command timeout.
    pub fn run(&self, command: Command) -> Result<Response, ModemError> {
        self.link.run(command, self.config.command_timeout)
    }

    /// A command that waits for the network, with the network timeout.
    pub fn run_network(&self, command: Command) -> Result<Response, ModemError> {
        self.link.run(command, self.config.network_timeout)
    }

    /// A command whose refusal does not matter (a setting the modem may
    /// not have); only a link failure is an error.
    pub fn run_optional(&self, command: Command) -> Result<Option<Response>, ModemError> {
        let text = command.text().to_owned();
        match self.run(command) {
            Ok(response) => Ok(Some(response)),
            Err(e) if e.is_link_failure() => Err(e),
            Err(e) => {
                tracing::debug!(command = %text, error = %e, "optional command refused");
                Ok(None)
            }
        }
    }

    /// The one line of `response` with `prefix`, or a parse error naming
    /// `command`.
    pub fn line<'r>(
        response: &'r Response,
        prefix: &'static str,
        command: &str,
    ) -> Result<&'r str, ModemError> {
        response.line_with(prefix).ok_or_else(|| {
            ModemError::parse(
                command,
                ParseError::WrongPrefix {
                    expected: prefix,
                    line: response.lines.join(" | "),
                },
            )
        })
    }

    /// The modem is being dropped: waits end early, the worker ends.
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::Release);
        self.link.stop_worker();
    }

    /// The `prefix` line of `response`, parsed with `parse`.
    pub fn parse_line<T>(
        response: &Response,
        prefix: &'static str,
        command: &str,
        parse: fn(&str) -> Result<T, ParseError>,
    ) -> Result<T, ModemError> {
        let line = Driver::line(response, prefix, command)?;
        parse(line).map_err(|e| ModemError::parse(command, e))
    }

    /// Runs `command` and parses its `prefix` line with `parse`.
    pub fn query<T>(
        &self,
        command: Command,
        prefix: &'static str,
        parse: fn(&str) -> Result<T, ParseError>,
    ) -> Result<T, ModemError> {
        let text = command.text().to_owned();
        let response = self.run(command)?;
        Driver::parse_line(&response, prefix, &text, parse)
    }

    /// Runs `command` and parses each of its `prefix` lines (a list:
    /// `+CLCC`, `+CGDCONT`).
    pub fn query_all<T>(
        &self,
        command: Command,
        prefix: &'static str,
        parse: fn(&str) -> Result<T, ParseError>,
    ) -> Result<Vec<T>, ModemError> {
        let text = command.text().to_owned();
        let response = self.run(command)?;
        response
            .lines
            .iter()
            .filter(|l| has_prefix(l, prefix))
            .map(|l| parse(l).map_err(|e| ModemError::parse(&text, e)))
            .collect()
    }

    pub fn emit(&self, indication: Indication) {
        self.indications.push(indication);
    }

    /// Sends `AT` until the modem answers or `deadline` passes; any answer,
    /// even `ERROR`, counts.
    pub fn probe_until(&self, deadline: Instant) -> bool {
        loop {
            if self.stopping.load(Ordering::Acquire) {
                return false;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            let timeout = self.config.command_timeout.min(left).max(MIN_PROBE);
            match self.link.run(commands::probe(), timeout) {
                Ok(_) => return true,
                Err(e) if !e.is_link_failure() => return true,
                Err(e) => {
                    if Instant::now() >= deadline {
                        return false;
                    }
                    if !e.is_timeout() {
                        // A closed port fails at once: do not spin.
                        std::thread::sleep(RETRY_PAUSE.min(left));
                    }
                }
            }
        }
    }
}

/// The shortest wait for an answer to a probe.
const MIN_PROBE: Duration = Duration::from_millis(20);
/// The pause between attempts that fail at once.
pub(crate) const RETRY_PAUSE: Duration = Duration::from_millis(100);

/// Locks `mutex`; a panic in another thread leaves plain data behind, which
/// is still usable.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}
