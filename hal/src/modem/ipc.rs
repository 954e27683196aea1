//! The modem service as clients see it: `yunhal.modem.IModem` and the
//! listener a client passes to receive indications.
//!
//! # For clients
//! ```no_run
//! use std::sync::Arc;
//! use yunhal::modem::ipc::{IModem, IModemListener, MODEM_SERVICE};
//! use yunhal::modem::Indication;
//! use yunhal_ipc::{Runtime, ServiceManager, Status, Strong};
//!
//! struct Printer;
//! impl IModemListener for Printer {
//!     fn on_indication(&self, indication: Indication) -> Result<(), Status> {
//!         println!("{indication:?}");
//!         Ok(())
//!     }
//! }
//!
//! let rt = Runtime::new()?;
//! let modem = ServiceManager::connect(&rt)?.get_service::<dyn IModem>(MODEM_SERVICE)?;
//! let listener: Arc<dyn IModemListener> = Arc::new(Printer);
//! modem.add_listener(Strong::new(listener))?;
//! println!("{:?}", modem.get_status()?.network);
//! modem.dial("+4930123456".into())?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::{Deserialize, Serialize};
use yunhal_ipc::Strong;

use super::{
    Call, DataConnection, Identity, Indication, IpFamily, NetworkStatus, PowerState, SentSms,
    SignalStrength, SimInfo, SimStatus, SmsMessage, UssdResponse,
};

/// The name `yunhald` registers the modem service under.
pub const MODEM_SERVICE: &str = "yunhal.modem.IModem/default";

/// Service-specific error: the modem refused the command; the message
/// carries its answer (`+CME ERROR: incorrect password`).
pub const ERROR_MODEM_REFUSED: i32 = 1;
/// Service-specific error: the modem does not answer (recovery runs).
pub const ERROR_MODEM_UNAVAILABLE: i32 = 2;

yunhal_ipc::interface! {
    /// The board's modem, shared between clients. Indications reach every
    /// listener; a listener's process dying removes it.
    pub trait IModem: "yunhal.modem.IModem", version 1 {
        /// What the service knows now, without asking the modem.
        1 => fn get_status() -> ModemStatus;
        /// Radio on, off or airplane mode.
        2 => fn set_power(state: PowerState);
        /// Enters the SIM PIN; returns the SIM state after it.
        3 => fn enter_pin(pin: String) -> SimStatus;
        /// Enters the PUK and a new PIN; returns the SIM state after it.
        4 => fn enter_puk(puk: String, new_pin: String) -> SimStatus;
        /// The calls, as the modem lists them now.
        5 => fn list_calls() -> Vec<Call>;
        /// Dials a voice call.
        6 => fn dial(number: String);
        /// Answers the ringing call.
        7 => fn answer();
        /// Hangs up call `id`, or every call.
        8 => fn hang_up(id: Option<u8>);
        /// Holds the active call and takes up the held or waiting one.
        9 => fn swap_calls();
        /// Sends DTMF tones in the active call.
        10 => fn send_dtmf(digits: String);
        /// Sends an SMS (split into parts as needed).
        11 => fn send_sms(to: String, text: String, request_report: bool) -> SentSms;
        /// The inbox: every SMS received since the daemon started.
        12 => fn list_sms() -> Vec<InboxEntry>;
        /// Deletes inbox entry `id`.
        13 => fn delete_sms(id: u32);
        /// Sends a USSD request and returns the network's answer.
        14 => fn send_ussd(request: String) -> UssdResponse;
        /// Brings up packet data on `apn`.
        15 => fn data_up(apn: String, family: IpFamily) -> DataConnection;
        /// Takes data context `cid` down.
        16 => fn data_down(cid: u8);
        /// Adds a listener for indications, until its process goes away.
        17 => fn add_listener(listener: Strong<dyn IModemListener>);
    }
}

yunhal_ipc::interface! {
    /// A client's receiver of modem indications.
    pub trait IModemListener: "yunhal.modem.IModemListener", version 1 {
        /// Something the modem reported, in the order it happened.
        1 => oneway on_indication(indication: Indication);
    }
}

/// The modem as the service last saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModemStatus {
    /// The modem answers commands.
    pub available: bool,
    pub power: Option<PowerState>,
    pub identity: Option<Identity>,
    pub sim: Option<SimInfo>,
    pub network: Option<NetworkStatus>,
    pub signal: Option<SignalStrength>,
    pub calls: Vec<Call>,
    pub data: Vec<DataConnection>,
    /// Inbox entries not yet listed by any client.
    pub unread_sms: u32,
    /// How often the modem was recovered (port reopened, reset, power
    /// cycled) since the daemon started.
    pub recoveries: u32,
}

/// One SMS of the service's inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxEntry {
    /// Stable while the daemon runs; `delete_sms` takes it.
    pub id: u32,
    /// Listed by a client before.
    pub read: bool,
    pub message: SmsMessage,
}
