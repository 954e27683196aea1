//! The daemon's management interface, `yunhal.IDaemon`, and the types it
//! carries: what `yunctl list` and `yunctl dump` show.
//!
//! # For clients
//! ```no_run
//! use yunhal_daemon::api::{IDaemon, DAEMON_SERVICE};
//! use yunhal_ipc::{Runtime, ServiceManager};
//!
//! let rt = Runtime::new()?;
//! let sm = ServiceManager::connect(&rt)?;
//! let daemon = sm.get_service::<dyn IDaemon>(DAEMON_SERVICE)?;
//! for service in daemon.status()?.services {
//!     println!("{} {}", service.name, service.state);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::{Deserialize, Serialize};
use std::fmt;

/// The name `yunhald` registers its management service under.
pub const DAEMON_SERVICE: &str = "yunhal.IDaemon/default";

/// Methods of [`IDaemon`] that change the daemon's state; the default policy
/// lets only root and the daemon's own uid call them.
pub const DAEMON_STATE_CHANGING_METHODS: &[&str] = &["restart"];

yunhal_ipc::interface! {
    /// Manages `yunhald`: what runs, in which state, and a way to retry a
    /// service that was given up on.
    pub trait IDaemon: "yunhal.IDaemon", version 1 {
        /// The board, the daemon and every supervised service.
        1 => fn status() -> DaemonStatus;
        /// The state of one supervised service as JSON text (the
        /// supervisor's view and the service's own `dump`).
        2 => fn dump(name: String) -> String;
        /// Clears a service's failure history and restarts it now (also one
        /// marked failed). The daemon's own service cannot be restarted.
        3 => fn restart(name: String);
    }
}

/// What [`IDaemon::status`] returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DaemonStatus {
    /// The board's `[board] name`, e.g. `sim`.
    pub board: String,
    /// Where the board came from, e.g. `boards/sim.toml`.
    pub board_file: String,
    /// The daemon's version (its crate version).
    pub version: String,
    pub pid: i32,
    pub uptime_ms: u64,
    /// Every supervised service, in start order.
    pub services: Vec<ServiceStatus>,
}

/// One supervised service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceStatus {
    /// The name it registers under, e.g. `yunhal.sensors.ISensors/default`.
    pub name: String,
    pub descriptor: String,
    /// The interface version it implements.
    pub version: u32,
    pub state: ServiceState,
    /// How many times it was restarted since the daemon started.
    pub restarts: u32,
    /// The last failure, if any.
    pub last_error: Option<String>,
    /// Client connections open to the service's endpoint (the service
    /// manager's own connection is not counted).
    pub clients: u32,
}

/// Where a supervised service is in its life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ServiceState {
    /// Being started (drivers powered up, object being registered).
    Starting,
    /// Registered and serving.
    Running,
    /// Failed; restarts after `next_in_ms` (attempt `attempt` in the
    /// current failure window).
    Restarting { attempt: u32, next_in_ms: u64 },
    /// Failed too often; not retried until `yunctl restart`.
    Failed { reason: String },
    /// Stopped (the daemon is stopping).
    Stopped,
}

impl ServiceState {
    /// The state's one-word name, as tables show it.
    pub fn name(&self) -> &'static str {
        match self {
            ServiceState::Starting => "starting",
            ServiceState::Running => "running",
            ServiceState::Restarting { .. } => "restarting",
            ServiceState::Failed { .. } => "failed",
            ServiceState::Stopped => "stopped",
        }
    }
}

impl fmt::Display for ServiceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServiceState::Restarting {
                attempt,
                next_in_ms,
            } => write!(f, "restarting (attempt {attempt}, in {next_in_ms} ms)"),
            ServiceState::Failed { reason } => write!(f, "failed: {reason}"),
            other => f.write_str(other.name()),
        }
    }
}

/// A service's status as JSON, its state flattened (`"state": "restarting",
/// "attempt": 2, "next_in_ms": 200`), as `yunctl --json` prints it.
pub fn status_json(status: &ServiceStatus) -> serde_json::Value {
    let mut json = serde_json::json!({
        "name": status.name,
        "descriptor": status.descriptor,
        "version": status.version,
        "state": status.state.name(),
        "restarts": status.restarts,
        "last_error": status.last_error,
        "clients": status.clients,
    });
    match &status.state {
        ServiceState::Restarting {
            attempt,
            next_in_ms,
        } => {
            json["attempt"] = (*attempt).into();
            json["next_in_ms"] = (*next_in_ms).into();
        }
        ServiceState::Failed { reason } => json["reason"] = reason.as_str().into(),
        _ => {}
    }
    json
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_with_every_state_round_trips_through_postcard() {
        // The IPC encodes with postcard, which cannot carry self-describing
        // forms (internally tagged enums, serde_json::Value): keep it so.
        let service = |state| ServiceStatus {
            name: "yunhal.test.IFoo/default".into(),
            descriptor: "yunhal.test.IFoo".into(),
            version: 1,
            state,
            restarts: 3,
            last_error: Some("driver failed".into()),
            clients: 2,
        };
        let status = DaemonStatus {
            board: "sim".into(),
            board_file: "boards/sim.toml".into(),
            version: "0.1.0".into(),
            pid: 42,
            uptime_ms: 1234,
            services: vec![
                service(ServiceState::Starting),
                service(ServiceState::Running),
                service(ServiceState::Restarting {
                    attempt: 2,
                    next_in_ms: 200,
                }),
                service(ServiceState::Failed {
                    reason: "5 failures in 240 s".into(),
                }),
                service(ServiceState::Stopped),
            ],
        };

        let bytes = postcard::to_stdvec(&status).unwrap();
        let back: DaemonStatus = postcard::from_bytes(&bytes).unwrap();

        assert_eq!(back, status);
    }

    #[test]
    fn restarting_state_reads_with_attempt_and_delay() {
        let state = ServiceState::Restarting {
            attempt: 2,
            next_in_ms: 200,
        };

        assert_eq!(state.to_string(), "restarting (attempt 2, in 200 ms)");
        assert_eq!(state.name(), "restarting");
    }
}

/// The name the simulator-control service registers under.
pub const SIM_SERVICE: &str = "yunhal.sim.ISimControl/default";

yunhal_ipc::interface! {
    /// Drives the simulated handset's physical world (simulated boards
    /// only; the default policy lets only root and the daemon's user call it).
    pub trait ISimControl: "yunhal.sim.ISimControl", version 4 {
        /// What the sensors sense now.
        1 => fn state() -> SimState;
        /// Turns the device to `pose` (`face-up`, `face-down`, `portrait`,
        /// `landscape`, `landscape-reverse`) over `over_ms` (0: at once).
        2 => fn rotate(pose: String, over_ms: u64);
        /// Sets the illuminance at the light sensor, lux.
        3 => fn set_light(lux: f32);
        /// Sets the distance to the nearest object, cm.
        4 => fn set_proximity(cm: f32);
        /// Sets the temperature, °C.
        5 => fn set_temperature(celsius: f32);
        /// Plays a scenario (the TOML of `simulators/scenarios/`) from now
        /// on, in place of the one playing; `name` names it in errors.
        6 => fn play_scenario(name: String, toml: String);
        /// Stops the scenario playing; returns its name.
        7 => fn stop_scenario() -> Option<String>;
        /// Injects a fault on the bus connection of the simulated chip of
        /// board device `device` (e.g. `accel`).
        8 => fn bus_fault(device: String, fault: BusFault);
        /// The simulated modem and its network now.
        9 => fn modem_state() -> SimModemState;
        /// The network acts: a call comes in, the far end answers or hangs
        /// up, an SMS arrives, the signal or the registration changes.
        10 => fn modem_network(action: NetworkAction);
        /// A fault of the modem's AT port.
        11 => fn modem_fault(fault: ModemFault);
        /// Plays a modem scenario (TOML timeline of network actions and
        /// faults) from now on; `name` names it in errors.
        12 => fn play_modem_scenario(name: String, toml: String);
    }
}

/// What the network around the simulated modem does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum NetworkAction {
    /// A call from `number` rings the modem.
    IncomingCall { number: String },
    /// The far end of the outgoing call answers.
    RemoteAnswer,
    /// The far end hangs up call `id`, or every call.
    RemoteHangup { id: Option<u8> },
    /// An SMS from `from` arrives (in as many parts as its text needs).
    IncomingSms { from: String, text: String },
    /// The received signal moves to `dbm`.
    Signal { dbm: i32 },
    /// Registration changes: `home`, `roaming`, `searching`, `denied`,
    /// `not-registered` or `unknown`.
    Registration { state: String },
}

/// A fault of the simulated modem's AT port.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ModemFault {
    /// The modem stops answering, for `ms` or until restored.
    Silence { ms: Option<u64> },
    /// The modem answers again.
    Restore,
    /// The modem restarts: `RDY`, and everything volatile is lost.
    Reboot,
    /// Bytes that are not AT on the port.
    Garbage { bytes: Vec<u8> },
    /// A line without its end.
    PartialLine { text: String },
    /// Echo on or off, as `ATE` would set it.
    Echo { on: bool },
}

/// One call of the simulated network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimCall {
    pub id: u8,
    /// `incoming` or `outgoing`.
    pub direction: String,
    /// As `+CLCC` names the state: `active`, `held`, `dialing`,
    /// `alerting`, `incoming`, `waiting`.
    pub state: String,
    pub number: String,
}

/// One SMS the modem submitted to the network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimSentSms {
    pub reference: u8,
    pub to: String,
    /// The part's text (with its concatenation header removed).
    pub text: String,
    /// `(reference, part, of)` when the SMS is a part of a longer one.
    pub part: Option<(u8, u8, u8)>,
}

/// The simulated modem and network at one instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimModemState {
    /// Whether the board has a simulated modem.
    pub present: bool,
    /// `+CFUN` level.
    pub functionality: u8,
    /// `ready`, `pin`, `puk`, `blocked`, `absent`.
    pub sim: String,
    /// `home`, `roaming`, `searching`, ...
    pub registration: String,
    pub operator: Option<String>,
    pub signal_dbm: i32,
    pub calls: Vec<SimCall>,
    pub dtmf: String,
    /// SMS stored in the modem's memories.
    pub stored_sms: usize,
    /// SMS the modem sent, in order.
    pub sent_sms: Vec<SimSentSms>,
    /// Active data contexts: `(cid, apn, address)`.
    pub data: Vec<(u8, String, String)>,
    pub echo: bool,
    pub silent: bool,
    /// `on`, `powering-down` or `off`, as the modem's STATUS pin shows.
    pub power: String,
}

pub use crate::platform::BusFault;

/// The simulated world at one instant, in the device frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimState {
    /// Simulated time since the simulator started, ns.
    pub time_ns: u64,
    /// Specific force, m/s².
    pub acceleration: [f32; 3],
    /// Angular velocity, rad/s.
    pub angular_velocity: [f32; 3],
    /// Magnetic field, µT.
    pub magnetic_field: [f32; 3],
    /// Illuminance, lux.
    pub illuminance: f32,
    /// Distance to the nearest object, cm.
    pub proximity: f32,
    /// Temperature, °C.
    pub temperature: f32,
}
