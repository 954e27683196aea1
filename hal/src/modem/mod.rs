//! Modem: power, identity, SIM, network, voice calls, SMS, USSD and packet
//! data, and the trait a modem driver implements.
//!
//! ## For driver authors
//! Implement [`ModemDevice`]. Its methods take `&self`: a modem's port
//! serialises commands itself, and indications must keep flowing while a
//! long command (a dial, a USSD request) waits. A driver turns what the
//! modem reports on its own (ring, new SMS, registration, signal, a
//! restart) into [`Indication`]s, returned by
//! [`ModemDevice::next_indication`].
//!
//! ## For HAL authors
//! Values follow 3GPP TS 27.007 and TS 23.040 in meaning, not in encoding:
//! registration states, call states and signal figures are typed; numbers
//! are text as dialled (`+4930123456`, `*100#`); SMS text is Unicode.
//!
//! This module needs an allocator (feature `alloc`, part of `std`).

#[cfg(feature = "std")]
mod any;
#[cfg(feature = "std")]
pub mod ipc;

#[cfg(feature = "std")]
pub use any::{AnyModem, BoxedModem};

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;

use crate::error::ErrorType;
use crate::units::{Dbm, Decibels};

#[cfg(feature = "std")]
use serde::{Deserialize, Serialize};

/// The radio's power state (`+CFUN`).
#[derive(Debug, Copy, Clone, Eq, PartialEq, Hash)]
#[cfg_attr(feature = "std", derive(Serialize, Deserialize))]
pub enum PowerState {
    /// Minimum functionality: radio and SIM off (`+CFUN=0`).
    Off,
    /// Full functionality (`+CFUN=1`).
    On,
    /// Radio off, SIM on: airplane mode (`+CFUN=4`).
    Airplane,
}

impl PowerState {
    /// A short lower-case name, as `yunctl` prints and accepts it.
    pub const fn as_str(self) -> &'static str {
        match self {
            PowerState::Off => "off",
            PowerState::On => "on",
            PowerState::Airplane => "airplane",
        }
    }

    /// The state named `name` (see [`PowerState::as_str`]).
    pub fn from_name(name: &str) -> Option<PowerState> {
        [PowerState::Off, PowerState::On, PowerState::Airplane]
            .into_iter()
            .find(|s| s.as_str() == name)
    }
}

/// Who made the modem and what it runs.
#[derive(Debug, Clone, Default, Eq, PartialEq)]
#[cfg_attr(feature = "std", derive(Serialize, Deserialize))]
pub struct Identity {
    /// `+CGMI`.
    pub manufacturer: String,
    /// `+CGMM`.
    pub model: String,
    /// `+CGMR`.
    pub firmware: String,
    /// `+CGSN`: 15 digits with the Luhn check digit.
    pub imei: String,
}

/// The SIM's state (`+CPIN`).
#[derive(Debug, Copy, Clone, Eq, PartialEq, Hash)]
#[cfg_attr(feature = "std", derive(Serialize, Deserialize))]
#[non_exhaustive]
pub enum SimStatus {
    /// No SIM, or the modem cannot reach it.
    Absent,
    /// Unlocked and usable.
    Ready,
    /// Waiting for the PIN.
    PinRequired,
    /// The PIN was wrong too often: waiting for the PUK and a new PIN.
    PukRequired,
    /// The PUK was wrong too often: the SIM is unusable.
    Blocked,
    /// The modem is off or still reading the SIM.
    NotReady,
}

impl SimStatus {
    /// A short lower-case name, as `yunctl` prints it.
    pub const fn as_str(self) -> &'static str {
        match self {
            SimStatus::Absent => "absent",
            SimStatus::Ready => "ready",
            SimStatus::PinRequired => "pin-required",
            SimStatus::PukRequired => "puk-required",
            SimStatus::Blocked => "blocked",
            SimStatus::NotReady => "not-ready",
        }
    }
}

/// The SIM and what it says about the subscriber.
#[derive(Debug, Clone, Eq, PartialEq)]
#[cfg_attr(feature = "std", derive(Serialize, Deserialize))]
pub struct SimInfo {
    pub status: SimStatus,
    /// The card's serial number (`+CCID`), when the modem can read it.
    pub iccid: Option<String>,
    /// The subscriber identity (`+CIMI`), once the SIM is unlocked.
    pub imsi: Option<String>,
}

/// A registration state of TS 27.007 `+CREG`/`+CEREG`.
#[derive(Debug, Copy, Clone, Eq, PartialEq, Hash)]
#[cfg_attr(feature = "std", derive(Serialize, Deserialize))]
#[non_exhaustive]
pub enum RegistrationState {
    /// Not registered and not searching.
    NotRegistered,
    /// Registered on the home network.
    Home,
    /// Not registered, searching.
    Searching,
    /// Registration denied by the network.
    Denied,
    /// The modem does not know (out of coverage).
    Unknown,
    /// Registered on another network.
    Roaming,
    /// Registered for emergency calls only.
    EmergencyOnly,
}

impl RegistrationState {
    /// Whether the modem is registered (home or roaming).
    pub const fn is_registered(self) -> bool {
        matches!(self, RegistrationState::Home | RegistrationState::Roaming)
    }

    /// A short lower-case name, as `yunctl` prints it.
    pub const fn as_str(self) -> &'static str {
        match self {
            RegistrationState::NotRegistered => "not-registered",
            RegistrationState::Home => "home",
            RegistrationState::Searching => "searching",
            RegistrationState::Denied => "denied",
            RegistrationState::Unknown => "unknown",
            RegistrationState::Roaming => "roaming",
            RegistrationState::EmergencyOnly => "emergency-only",
        }
    }
}

/// The radio access technology of the serving cell.
#[derive(Debug, Copy, Clone, Eq, PartialEq, Hash)]
#[cfg_attr(feature = "std", derive(Serialize, Deserialize))]
#[non_exhaustive]
pub enum AccessTechnology {
    Gsm,
    /// GSM with EGPRS.
    Edge,
    Umts,
    /// UMTS with HSDPA and/or HSUPA.
    Hspa,
    Lte,
    /// 5G NR, connected to a 5G core or alongside LTE.
    Nr,
}

impl AccessTechnology {
    /// A short name, as `yunctl` prints it.
    pub const fn as_str(self) -> &'static str {
        match self {
            AccessTechnology::Gsm => "gsm",
            AccessTechnology::Edge => "edge",
            AccessTechnology::Umts => "umts",
            AccessTechnology::Hspa => "hspa",
            AccessTechnology::Lte => "lte",
            AccessTechnology::Nr => "nr",
        }
    }
}

/// A network operator.
#[derive(Debug, Clone, Eq, PartialEq, Hash)]
#[cfg_attr(feature = "std", derive(Serialize, Deserialize))]
pub struct Operator {
    /// The long alphanumeric name, when the modem reports one.
    pub name: Option<String>,
    /// MCC and MNC, five or six digits (`26201`).
    pub code: Option<String>,
}

/// Where the modem is registered, and on what.
#[derive(Debug, Clone, Eq, PartialEq)]
#[cfg_attr(feature = "std", derive(Serialize, Deserialize))]
pub struct NetworkStatus {
    /// Circuit-switched registration (`+CREG`): voice and SMS over GSM/UMTS.
    pub cs: RegistrationState,
    /// EPS registration (`+CEREG`): LTE.
    pub eps: RegistrationState,
    /// The operator registered on.
    pub operator: Option<Operator>,
    pub access_technology: Option<AccessTechnology>,
    /// Location or tracking area code.
    pub area_code: Option<u32>,
    /// Cell identity (28 bits on LTE).
    pub cell_id: Option<u32>,
}

impl NetworkStatus {
    /// Registered in either domain.
    pub fn is_registered(&self) -> bool {
        self.cs.is_registered() || self.eps.is_registered()
    }
}

/// Received signal. A figure the modem does not report (no LTE cell: no
/// RSRP) is `None`.
#[derive(Debug, Copy, Clone, Default, PartialEq)]
#[cfg_attr(feature = "std", derive(Serialize, Deserialize))]
pub struct SignalStrength {
    /// Received signal strength (`+CSQ`), -113..=-51 dBm.
    pub rssi: Option<Dbm>,
    /// LTE reference signal received power (`+CESQ`), -140..=-44 dBm.
    pub rsrp: Option<Dbm>,
    /// LTE reference signal received quality (`+CESQ`), -19.5..=-3 dB.
    pub rsrq: Option<Decibels>,
    /// LTE signal to interference plus noise (vendor report), dB.
    pub sinr: Option<Decibels>,
}

impl SignalStrength {
    /// Signal bars 0..=4 as phones show them: from RSRP on LTE, else RSSI.
    pub fn bars(&self) -> u8 {
        if let Some(rsrp) = self.rsrp {
            return match rsrp.0 {
                r if r >= -90.0 => 4,
                r if r >= -105.0 => 3,
                r if r >= -115.0 => 2,
                r if r >= -125.0 => 1,
                _ => 0,
            };
        }
        match self.rssi {
            Some(Dbm(r)) if r >= -73.0 => 4,
            Some(Dbm(r)) if r >= -83.0 => 3,
            Some(Dbm(r)) if r >= -93.0 => 2,
            Some(Dbm(r)) if r >= -109.0 => 1,
            _ => 0,
        }
    }
}

/// Who set up a call.
#[derive(Debug, Copy, Clone, Eq, PartialEq, Hash)]
#[cfg_attr(feature = "std", derive(Serialize, Deserialize))]
pub enum CallDirection {
    /// Dialled from this phone.
    Outgoing,
    /// From the network.
    Incoming,
}

/// A call's state, as `+CLCC` reports it.
#[derive(Debug, Copy, Clone, Eq, PartialEq, Hash)]
#[cfg_attr(feature = "std", derive(Serialize, Deserialize))]
pub enum CallState {
    Active,
    Held,
    /// Outgoing, not yet ringing at the other end.
    Dialing,
    /// Outgoing, ringing at the other end.
    Alerting,
    /// Incoming, ringing here.
    Incoming,
    /// Incoming while another call is up.
    Waiting,
}

impl CallState {
    /// A short lower-case name, as `yunctl` prints it.
    pub const fn as_str(self) -> &'static str {
        match self {
            CallState::Active => "active",
            CallState::Held => "held",
            CallState::Dialing => "dialing",
            CallState::Alerting => "alerting",
            CallState::Incoming => "incoming",
            CallState::Waiting => "waiting",
        }
    }
}

/// A voice call.
#[derive(Debug, Clone, Eq, PartialEq, Hash)]
#[cfg_attr(feature = "std", derive(Serialize, Deserialize))]
pub struct Call {
    /// The modem's call index (`+CLCC` `<idx>`, 1..=7), used by hang-up.
    pub id: u8,
    pub direction: CallDirection,
    pub state: CallState,
    /// The other party, when known (withheld numbers are `None`).
    pub number: Option<String>,
    /// Part of a conference.
    pub multiparty: bool,
}

/// Why a call ended, as far as the modem tells.
#[derive(Debug, Copy, Clone, Eq, PartialEq, Hash)]
#[cfg_attr(feature = "std", derive(Serialize, Deserialize))]
#[non_exhaustive]
pub enum CallEndReason {
    /// Hung up here.
    Local,
    /// Hung up by the other party or the network (`NO CARRIER`).
    Remote,
    /// The other party was busy.
    Busy,
    /// Nobody answered.
    NoAnswer,
    /// The modem restarted or stopped answering.
    ModemLost,
}

/// A service-centre timestamp (TS 23.040 TP-SCTS): local time at the
/// sender's network, and its offset from UTC.
#[derive(Debug, Copy, Clone, Default, Eq, PartialEq, Hash)]
#[cfg_attr(feature = "std", derive(Serialize, Deserialize))]
pub struct SmsTimestamp {
    /// Four-digit year (the wire carries two digits; 20xx is assumed).
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    /// Offset of local time from UTC, minutes.
    pub utc_offset_minutes: i16,
}

impl fmt::Display for SmsTimestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.utc_offset_minutes < 0 {
            '-'
        } else {
            '+'
        };
        let offset = self.utc_offset_minutes.unsigned_abs();
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}{:02}:{:02}",
            self.year,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
            sign,
            offset / 60,
            offset % 60
        )
    }
}

/// A received SMS, its concatenated parts joined.
#[derive(Debug, Clone, Eq, PartialEq)]
#[cfg_attr(feature = "std", derive(Serialize, Deserialize))]
pub struct SmsMessage {
    /// The sender's address (a number, or an alphanumeric name).
    pub from: String,
    /// The text; 8-bit data messages are shown as hex.
    pub text: String,
    /// When the service centre received it.
    pub timestamp: SmsTimestamp,
    /// How many SMS it arrived in.
    pub parts: u8,
}

/// An outgoing SMS, as the network took it.
#[derive(Debug, Clone, Eq, PartialEq)]
#[cfg_attr(feature = "std", derive(Serialize, Deserialize))]
pub struct SentSms {
    /// The TP-MR of each part, in order: delivery reports carry them.
    pub references: Vec<u8>,
}

/// What a delivery report says (TS 23.040 TP-ST).
#[derive(Debug, Copy, Clone, Eq, PartialEq, Hash)]
#[cfg_attr(feature = "std", derive(Serialize, Deserialize))]
pub enum DeliveryStatus {
    /// Delivered to the recipient.
    Delivered,
    /// The service centre is still trying.
    Pending,
    /// The service centre gave up.
    Failed,
}

/// A delivery report for one part of an SMS sent earlier.
#[derive(Debug, Clone, Eq, PartialEq)]
#[cfg_attr(feature = "std", derive(Serialize, Deserialize))]
pub struct DeliveryReport {
    /// The TP-MR of the part it reports on.
    pub reference: u8,
    pub recipient: String,
    pub status: DeliveryStatus,
    /// TP-ST as sent (0x00 delivered, 0x2x pending, 0x4x/0x6x failed).
    pub status_code: u8,
    /// When the message was delivered or the attempt ended.
    pub discharge_time: SmsTimestamp,
}

/// The network's answer to a USSD request (`+CUSD` `<m>`).
#[derive(Debug, Copy, Clone, Eq, PartialEq, Hash)]
#[cfg_attr(feature = "std", derive(Serialize, Deserialize))]
pub enum UssdStatus {
    /// The dialogue is over.
    Done,
    /// The network waits for a reply (send it with another request).
    ActionRequired,
    /// The network ended the dialogue.
    Terminated,
    /// Another client of the modem answered.
    OtherClient,
    /// The network does not support the request.
    NotSupported,
    /// The network did not answer in time.
    TimedOut,
}

/// A USSD answer.
#[derive(Debug, Clone, Eq, PartialEq)]
#[cfg_attr(feature = "std", derive(Serialize, Deserialize))]
pub struct UssdResponse {
    pub status: UssdStatus,
    /// The network's text, if it sent one.
    pub text: Option<String>,
}

/// The IP versions a packet data context carries.
#[derive(Debug, Copy, Clone, Eq, PartialEq, Hash)]
#[cfg_attr(feature = "std", derive(Serialize, Deserialize))]
pub enum IpFamily {
    Ipv4,
    Ipv6,
    Ipv4v6,
}

impl IpFamily {
    /// The PDP type of `+CGDCONT`.
    pub const fn pdp_type(self) -> &'static str {
        match self {
            IpFamily::Ipv4 => "IP",
            IpFamily::Ipv6 => "IPV6",
            IpFamily::Ipv4v6 => "IPV4V6",
        }
    }

    /// The family of a `+CGDCONT` PDP type.
    pub fn from_pdp_type(pdp_type: &str) -> Option<IpFamily> {
        match pdp_type.to_ascii_uppercase().as_str() {
            "IP" => Some(IpFamily::Ipv4),
            "IPV6" => Some(IpFamily::Ipv6),
            "IPV4V6" => Some(IpFamily::Ipv4v6),
            _ => None,
        }
    }
}

/// A packet data context: its APN, and its addresses when active.
#[derive(Debug, Clone, Eq, PartialEq)]
#[cfg_attr(feature = "std", derive(Serialize, Deserialize))]
pub struct DataConnection {
    /// The context identifier (`<cid>`).
    pub cid: u8,
    pub apn: String,
    pub family: IpFamily,
    pub active: bool,
    /// The addresses the network assigned (`+CGPADDR`), as text.
    pub addresses: Vec<String>,
}

/// Something the modem reported on its own.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "std", derive(Serialize, Deserialize))]
#[non_exhaustive]
pub enum Indication {
    /// An incoming call rings (`RING`/`+CRING`, with `+CLIP` when sent).
    Ring {
        number: Option<String>,
    },
    /// The calls changed: every call now.
    Calls(Vec<Call>),
    /// A call is gone.
    CallEnded {
        id: u8,
        reason: CallEndReason,
    },
    /// A whole SMS arrived (all its parts). Messages found in the modem's
    /// storage at start come this way too, and are then deleted from it.
    NewSms(SmsMessage),
    DeliveryReport(DeliveryReport),
    Registration(NetworkStatus),
    Signal(SignalStrength),
    Sim(SimStatus),
    /// The network sent a USSD message or answered a request.
    Ussd(UssdResponse),
    /// A data context went down without being asked to.
    DataDisconnected {
        cid: u8,
    },
    /// The modem restarted (by itself, or by recovery): calls and data
    /// contexts are gone, the state was read again.
    Reset {
        reason: String,
    },
    /// The modem stopped answering and recovery has not brought it back
    /// yet (`false`), or it answers again (`true`).
    Available(bool),
}

/// A modem, as a driver drives it.
///
/// Errors map to [`crate::ErrorKind`]: a command the modem refused with
/// an argument error is `InvalidArgument`, one that needs another state
/// (no SIM PIN yet, no call to answer) `InvalidState`, no answer in time
/// `Timeout`, a lost port `NotPresent`.
pub trait ModemDevice: ErrorType + Send + Sync {
    /// The radio's power state.
    fn power(&self) -> Result<PowerState, Self::Error>;
    /// Sets the radio's power state.
    fn set_power(&self, state: PowerState) -> Result<(), Self::Error>;
    /// Manufacturer, model, firmware and IMEI.
    fn identity(&self) -> Result<Identity, Self::Error>;

    /// The SIM's state and identifiers.
    fn sim(&self) -> Result<SimInfo, Self::Error>;
    /// Enters the SIM PIN; returns the state after it.
    fn enter_pin(&self, pin: &str) -> Result<SimStatus, Self::Error>;
    /// Enters the PUK and sets a new PIN; returns the state after it.
    fn enter_puk(&self, puk: &str, new_pin: &str) -> Result<SimStatus, Self::Error>;

    /// Registration, operator and serving cell.
    fn network(&self) -> Result<NetworkStatus, Self::Error>;
    /// The received signal.
    fn signal(&self) -> Result<SignalStrength, Self::Error>;

    /// The calls (`+CLCC`).
    fn calls(&self) -> Result<Vec<Call>, Self::Error>;
    /// Dials a voice call to `number`; returns once the modem set it up.
    fn dial(&self, number: &str) -> Result<(), Self::Error>;
    /// Answers the ringing call.
    fn answer(&self) -> Result<(), Self::Error>;
    /// Hangs up call `id`, or every call.
    fn hang_up(&self, id: Option<u8>) -> Result<(), Self::Error>;
    /// Holds the active calls and takes a held or waiting call up, if any
    /// (`+CHLD=2`): hold and resume are the same swap.
    fn swap_calls(&self) -> Result<(), Self::Error>;
    /// Sends DTMF tones in the active call (`0-9*#A-D`).
    fn send_dtmf(&self, digits: &str) -> Result<(), Self::Error>;

    /// Sends `text` to `to`, in as many parts as it needs; asks for a
    /// delivery report of each part when `request_report`.
    fn send_sms(&self, to: &str, text: &str, request_report: bool) -> Result<SentSms, Self::Error>;
    /// Sends a USSD request (`*100#`), or a reply in an open dialogue,
    /// and waits at most `timeout` for the network's answer.
    fn ussd(&self, request: &str, timeout: Duration) -> Result<UssdResponse, Self::Error>;

    /// The data contexts defined on the modem.
    fn data_connections(&self) -> Result<Vec<DataConnection>, Self::Error>;
    /// Defines a context for `apn` (or reuses the one that has it),
    /// activates it and returns it with its addresses.
    fn data_up(&self, apn: &str, family: IpFamily) -> Result<DataConnection, Self::Error>;
    /// Deactivates context `cid`.
    fn data_down(&self, cid: u8) -> Result<(), Self::Error>;

    /// Waits at most `timeout` for what the modem reports on its own.
    fn next_indication(&self, timeout: Duration) -> Option<Indication>;
}
