//! The worker thread: turns what the modem reports on its own into
//! indications, polls what the modem does not report, checks a modem that
//! stopped answering, and recovers it (`recovery.rs`).

use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use yunhal::modem::{CallEndReason, Indication};

use super::driver::Driver;
use super::error::ModemError;
use super::link::Event;
use super::port::Port;
use crate::at::parse::data::parse_cgev;
use crate::at::urc::QuectelIndication;
use crate::at::{commands, Notification, Unsolicited};

/// How long a `RING` waits for its `+CLIP` before it is reported without a
/// number.
const CLIP_WAIT: Duration = Duration::from_millis(250);

/// The modem is being dropped: the worker ends.
#[derive(Debug)]
pub(crate) struct Stopped;

pub(crate) struct Worker {
    pub(super) driver: Arc<Driver>,
    pub(super) port: Box<dyn Port>,
    events: Receiver<Event>,
    ring_without_number_at: Option<Instant>,
    next_call_poll: Option<Instant>,
    next_signal_poll: Option<Instant>,
}

impl Worker {
    pub fn new(driver: Arc<Driver>, port: Box<dyn Port>, events: Receiver<Event>) -> Worker {
        Worker {
            driver,
            port,
            events,
            ring_without_number_at: None,
            next_call_poll: None,
            next_signal_poll: None,
        }
    }

    pub fn run(mut self) {
        self.driver.link.set_worker();
        let _ = self.serve();
        tracing::debug!("modem worker stopped");
    }

    fn serve(&mut self) -> Result<(), Stopped> {
        loop {
            if let Some(reason) = self.driver.link.lost_reason() {
                self.recover(&reason)?;
                continue;
            }
            let deadline = self.next_deadline();
            match self.next_event(deadline)? {
                Some(Event::Note { generation, note }) => {
                    if generation == self.driver.link.generation() {
                        self.on_note(note)?;
                    }
                }
                Some(Event::Check) => self.check_link(),
                Some(Event::Wake | Event::Stop) | None => {}
            }
            self.run_timers();
        }
    }

    /// The next event, waiting until `deadline` (`None`: for ever).
    pub(super) fn next_event(
        &mut self,
        deadline: Option<Instant>,
    ) -> Result<Option<Event>, Stopped> {
        let event = match deadline {
            Some(deadline) => {
                let wait = deadline.saturating_duration_since(Instant::now());
                match self.events.recv_timeout(wait) {
                    Ok(event) => event,
                    Err(RecvTimeoutError::Timeout) => return Ok(None),
                    Err(RecvTimeoutError::Disconnected) => return Err(Stopped),
                }
            }
            None => self.events.recv().map_err(|_| Stopped)?,
        };
        match event {
            Event::Stop => Err(Stopped),
            event => Ok(Some(event)),
        }
    }

    /// Drops what has arrived: the boot URCs of a modem whose state the
    /// init sequence is about to read afresh.
    pub(super) fn discard_pending(&mut self) -> Result<(), Stopped> {
        while let Ok(event) = self.events.try_recv() {
            if matches!(event, Event::Stop) {
                return Err(Stopped);
            }
        }
        Ok(())
    }

    /// Waits `duration`, ignoring what arrives.
    pub(super) fn sleep(&mut self, duration: Duration) -> Result<(), Stopped> {
        let deadline = Instant::now() + duration;
        while self.next_event(Some(deadline))?.is_some() {}
        Ok(())
    }

    fn on_note(&mut self, note: Notification) -> Result<(), Stopped> {
        match note {
            Notification::Urc(urc) => match urc.parse() {
                Ok(unsolicited) => return self.on_unsolicited(unsolicited),
                Err(e) => tracing::warn!(line = %urc.line, error = %e, "URC does not parse"),
            },
            Notification::Closed(e) => {
                tracing::warn!(error = %e, "the modem's port closed");
                self.driver.link.mark_lost();
            }
            Notification::Framing(e) => tracing::debug!(error = %e, "framing error"),
            Notification::Stray(line) => tracing::debug!(%line, "stray line"),
        }
        Ok(())
    }

    fn on_unsolicited(&mut self, unsolicited: Unsolicited) -> Result<(), Stopped> {
        let driver = Arc::clone(&self.driver);
        let result: Result<(), ModemError> = match unsolicited {
            Unsolicited::Registration {
                prefix,
                registration,
            } => driver.on_registration(prefix, &registration),
            Unsolicited::Ring | Unsolicited::CallingRing(_) => {
                let result = driver.refresh_calls().map(drop);
                self.ring_without_number_at = Some(Instant::now() + CLIP_WAIT);
                result
            }
            Unsolicited::CallerId(caller) => {
                self.ring_without_number_at = None;
                driver.emit(Indication::Ring {
                    number: caller.number,
                });
                Ok(())
            }
            Unsolicited::CallEnded => driver.call_ended(CallEndReason::Remote),
            Unsolicited::Busy => driver.call_ended(CallEndReason::Busy),
            Unsolicited::NoAnswer => driver.call_ended(CallEndReason::NoAnswer),
            Unsolicited::NewMessage(stored) | Unsolicited::NewStatusReport(stored) => {
                driver.read_stored(&stored.memory, stored.index)
            }
            Unsolicited::Message(message) | Unsolicited::StatusReport(message) => {
                driver.on_routed_message(&message)
            }
            Unsolicited::Ussd(ussd) => {
                driver.on_ussd(&ussd);
                Ok(())
            }
            Unsolicited::Pin(state) => driver.on_sim_report(&state),
            Unsolicited::Ready => return self.on_restart(),
            Unsolicited::PoweredDown => {
                tracing::warn!("the modem powered down");
                driver.link.mark_lost();
                Ok(())
            }
            Unsolicited::Quectel(QuectelIndication::SmsDone) => driver.ensure_sms_setup(),
            Unsolicited::Quectel(QuectelIndication::Csq(quality)) => {
                driver.on_signal_report(&quality);
                Ok(())
            }
            Unsolicited::PacketEvent(text) => {
                driver.on_packet_event(&parse_cgev(&text));
                Ok(())
            }
            Unsolicited::Other(line) if line.starts_with("+CCWA") => {
                driver.refresh_calls().map(drop)
            }
            Unsolicited::Quectel(_)
            | Unsolicited::Indicator { .. }
            | Unsolicited::TimeZone(_)
            | Unsolicited::Other(_) => Ok(()),
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, "handling a URC failed");
        }
        Ok(())
    }

    /// `RDY` while the modem was in use: it restarted by itself.
    fn on_restart(&mut self) -> Result<(), Stopped> {
        tracing::warn!("the modem restarted");
        self.discard_pending()?;
        match self.driver.initialize() {
            Ok(()) => self.after_restart("the modem restarted by itself (RDY)".to_owned()),
            Err(e) => {
                tracing::warn!(error = %e, "init after the restart failed");
                self.driver.link.mark_lost();
            }
        }
        Ok(())
    }

    /// The modem was set up again: say so, and which calls it lost.
    pub(super) fn after_restart(&mut self, reason: String) {
        self.ring_without_number_at = None;
        self.next_call_poll = None;
        self.driver.emit(Indication::Reset { reason });
        self.driver.calls_after_restart();
    }

    /// A command timed out: probe until the modem answers or counts as
    /// lost.
    fn check_link(&mut self) {
        let link = &self.driver.link;
        while link.timeouts() > 0 && link.lost_reason().is_none() {
            match self.driver.run(commands::probe()) {
                Ok(_) => break,
                Err(e) if !e.is_link_failure() => break,
                Err(_) => {}
            }
        }
    }

    fn next_deadline(&self) -> Option<Instant> {
        let config = &self.driver.config;
        let now = Instant::now();
        let calls = self.next_call_poll.or_else(|| {
            self.driver
                .calls_are_settling()
                .then(|| now + config.call_poll_interval)
        });
        let keepalive = config
            .keepalive_interval
            .map(|k| now + k.saturating_sub(self.driver.link.quiet_for()));
        let signal = self
            .next_signal_poll
            .or_else(|| config.signal_poll_interval.map(|i| now + i));
        [self.ring_without_number_at, calls, signal, keepalive]
            .into_iter()
            .flatten()
            .min()
    }

    fn run_timers(&mut self) {
        if self.driver.link.lost_reason().is_some() {
            return;
        }
        let config = self.driver.config.clone();
        let now = Instant::now();
        if self.ring_without_number_at.is_some_and(|t| t <= now) {
            self.ring_without_number_at = None;
            self.driver.emit(Indication::Ring { number: None });
        }
        if self.driver.calls_are_settling() {
            let due = *self
                .next_call_poll
                .get_or_insert(now + config.call_poll_interval);
            if due <= now {
                self.next_call_poll = Some(now + config.call_poll_interval);
                log_failure("polling the calls", self.driver.refresh_calls().map(drop));
            }
        } else {
            self.next_call_poll = None;
        }
        if let Some(interval) = config.signal_poll_interval {
            let due = *self.next_signal_poll.get_or_insert(now + interval);
            if due <= now {
                self.next_signal_poll = Some(now + interval);
                log_failure("polling the signal", self.driver.poll_signal());
            }
        }
        if let Some(keepalive) = config.keepalive_interval {
            if self.driver.link.quiet_for() >= keepalive {
                log_failure("keep-alive", self.driver.run(commands::probe()).map(drop));
                self.check_link();
            }
        }
    }
}

fn log_failure(what: &str, result: Result<(), ModemError>) {
    if let Err(e) = result {
        tracing::debug!(error = %e, "{what} failed");
    }
}
