//! How an [`AtModem`](super::AtModem) drives its modem: the vendor profile,
//! timeouts, the SIM PIN, polling and recovery.

use std::fmt;
use std::time::Duration;

/// Which modem family's quirks apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Vendor {
    /// TS 27.007 / 27.005 only: `AT+CCID`, no boot URC to wait for.
    Generic,
    /// Quectel EG25-G: waits for `RDY` after a restart, routes URCs to the
    /// driver's port (`AT+QURCCFG`), reads the ICCID with `AT+QCCID`, keeps
    /// SMS in the modem's memory (`"ME"`), sets up SMS after `+QIND: SMS
    /// DONE`, reports signal changes (`+QIND: "csq"`), reads SINR from
    /// `AT+QENG`, and checks the PIN attempts left (`AT+QPINC`) before
    /// entering a PIN by itself.
    QuectelEg25,
}

impl Vendor {
    /// Whether the modem announces the end of its boot with `RDY`.
    pub(crate) fn sends_ready(self) -> bool {
        self == Vendor::QuectelEg25
    }
}

/// Which of the EG25-G's ports its URCs go to (`AT+QURCCFG="urcport"`):
/// the one the driver is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QuectelUrcPort {
    /// The USB AT port (`/dev/ttyUSB2` on most boards).
    UsbAt,
    /// The USB modem port (`/dev/ttyUSB3`).
    UsbModem,
    /// The main UART.
    Uart1,
}

impl QuectelUrcPort {
    pub(crate) fn name(self) -> &'static str {
        match self {
            QuectelUrcPort::UsbAt => "usbat",
            QuectelUrcPort::UsbModem => "usbmodem",
            QuectelUrcPort::Uart1 => "uart1",
        }
    }
}

/// When and how a silent modem is brought back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveryConfig {
    /// Consecutive command timeouts that make the modem count as lost.
    pub timeouts: u32,
    /// How long the modem may take to answer after it was opened, rebooted
    /// or power-cycled.
    pub boot_timeout: Duration,
    /// The wait after the first round of recovery steps failed; it doubles
    /// each round up to `max_backoff`.
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for RecoveryConfig {
    fn default() -> Self {
        RecoveryConfig {
            timeouts: 3,
            // The EG25-G takes about 13 s from power-on to RDY.
            boot_timeout: Duration::from_secs(30),
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
        }
    }
}

/// The configuration of an [`AtModem`](super::AtModem), built from
/// [`AtModemConfig::new`] with the `with_*` methods.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AtModemConfig {
    pub vendor: Vendor,
    /// The time a local command (a query, a setting) has to end.
    pub command_timeout: Duration,
    /// The time a command that waits for the network (dial, answer, SMS,
    /// USSD request, PDP activation, `+CFUN`) has to end.
    pub network_timeout: Duration,
    /// A PIN the driver enters when the SIM asks for one, at start and
    /// after every modem restart. It is entered once per restart: a wrong
    /// PIN is not tried again.
    pub pin: Option<String>,
    pub recovery: RecoveryConfig,
    /// How often the calls are read (`+CLCC`) while one is dialling,
    /// alerting or ringing: modems report those changes with no URC.
    pub call_poll_interval: Duration,
    /// How often the signal is read; a change is reported as
    /// `Indication::Signal`. `None`: only the modem's own reports.
    pub signal_poll_interval: Option<Duration>,
    /// How long the port may be idle before the driver checks the modem
    /// answers (`AT`), so a silent modem is noticed without a caller.
    pub keepalive_interval: Option<Duration>,
    /// Indications kept for [`next_indication`]; when full, the oldest is
    /// dropped.
    ///
    /// [`next_indication`]: yunhal::modem::ModemDevice::next_indication
    pub indication_capacity: usize,
    /// EG25-G only: the port the driver is on.
    pub urc_port: QuectelUrcPort,
}

impl AtModemConfig {
    /// Defaults for `vendor`: 5 s per command, 60 s for network
    /// operations, recovery after 3 timeouts, calls polled every 500 ms,
    /// signal every 30 s, keep-alive after 30 s of quiet.
    pub fn new(vendor: Vendor) -> AtModemConfig {
        AtModemConfig {
            vendor,
            command_timeout: Duration::from_secs(5),
            network_timeout: Duration::from_secs(60),
            pin: None,
            recovery: RecoveryConfig::default(),
            call_poll_interval: Duration::from_millis(500),
            signal_poll_interval: Some(Duration::from_secs(30)),
            keepalive_interval: Some(Duration::from_secs(30)),
            indication_capacity: 1024,
            urc_port: QuectelUrcPort::UsbAt,
        }
    }

    pub fn with_command_timeout(mut self, timeout: Duration) -> Self {
        self.command_timeout = timeout;
        self
    }

    pub fn with_network_timeout(mut self, timeout: Duration) -> Self {
        self.network_timeout = timeout;
        self
    }

    pub fn with_pin(mut self, pin: impl Into<String>) -> Self {
        self.pin = Some(pin.into());
        self
    }

    pub fn with_recovery(mut self, recovery: RecoveryConfig) -> Self {
        self.recovery = recovery;
        self
    }

    pub fn with_call_poll_interval(mut self, interval: Duration) -> Self {
        self.call_poll_interval = interval;
        self
    }

    pub fn with_signal_poll_interval(mut self, interval: Option<Duration>) -> Self {
        self.signal_poll_interval = interval;
        self
    }

    pub fn with_keepalive_interval(mut self, interval: Option<Duration>) -> Self {
        self.keepalive_interval = interval;
        self
    }

    pub fn with_indication_capacity(mut self, capacity: usize) -> Self {
        self.indication_capacity = capacity.max(1);
        self
    }

    pub fn with_urc_port(mut self, port: QuectelUrcPort) -> Self {
        self.urc_port = port;
        self
    }
}

impl Default for AtModemConfig {
    fn default() -> Self {
        AtModemConfig::new(Vendor::Generic)
    }
}

// By hand, so that the PIN never reaches a log.
impl fmt::Debug for AtModemConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AtModemConfig")
            .field("vendor", &self.vendor)
            .field("command_timeout", &self.command_timeout)
            .field("network_timeout", &self.network_timeout)
            .field("pin", &self.pin.as_ref().map(|_| "<set>"))
            .field("recovery", &self.recovery)
            .field("call_poll_interval", &self.call_poll_interval)
            .field("signal_poll_interval", &self.signal_poll_interval)
            .field("keepalive_interval", &self.keepalive_interval)
            .field("indication_capacity", &self.indication_capacity)
            .field("urc_port", &self.urc_port)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_pin() {
        let config = AtModemConfig::new(Vendor::QuectelEg25).with_pin("4711");

        let text = format!("{config:?}");

        assert!(!text.contains("4711"), "{text}");
        assert!(text.contains("<set>"), "{text}");
    }
}
