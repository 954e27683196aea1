//! `yunhal.sim.ISimControl/default`: drives the simulated world that the
//! chip models on the simulated buses sense.

use std::sync::{Arc, MutexGuard};
use yunhal::time::Nanos;
use yunhal_at_modem::pdu::Body;
use yunhal_daemon::api::{
    BusFault, ISimControl, ModemFault, NetworkAction, SimCall, SimModemState, SimSentSms, SimState,
    SIM_SERVICE,
};
use yunhal_daemon::platform::SimulatedWorld;
use yunhal_daemon::supervisor::{HalService, ServiceContext, ServiceError};
use yunhal_ipc::{Interface, Status, Strong};
use yunhal_sim::modem::scenario::{ModemScenario, ModemScenarioPlayer};
use yunhal_sim::modem::{self as sim_modem, ModemSim, RegState};
use yunhal_sim::scenario::Scenario;
use yunhal_sim::world::{Pose, World};

/// The simulator-control service as the supervisor runs it.
pub struct SimControlService(SimulatedWorld);

impl SimControlService {
    pub fn new(world: SimulatedWorld) -> SimControlService {
        SimControlService(world)
    }
}

impl HalService for SimControlService {
    fn name(&self) -> &str {
        SIM_SERVICE
    }

    fn descriptor(&self) -> &'static str {
        <dyn ISimControl as Interface>::DESCRIPTOR
    }

    fn version(&self) -> u32 {
        <dyn ISimControl as Interface>::VERSION
    }

    fn start(&self, ctx: &ServiceContext) -> Result<(), ServiceError> {
        let object: Arc<dyn ISimControl> = Arc::new(SimControl(self.0.clone()));
        ctx.publish(&Strong::new(object))
    }

    /// The world is the daemon's; nothing to power down.
    fn stop(&self) {}

    fn dump(&self) -> serde_json::Value {
        serde_json::to_value(SimControl(self.0.clone()).snapshot()).unwrap_or_default()
    }
}

/// The published object.
struct SimControl(SimulatedWorld);

impl SimControl {
    /// The world, with simulated time brought to now first, so that a
    /// change starts now and not at the last time a sensor was read.
    fn world(&self) -> (MutexGuard<'_, World>, Nanos) {
        let mut guard = self.0.lock_world();
        let now = self.0.update(&mut guard);
        (guard, now)
    }

    fn snapshot(&self) -> SimState {
        let (world, now) = self.world();
        let s = world.state_at(now);
        SimState {
            time_ns: now.as_nanos(),
            acceleration: s.acceleration,
            angular_velocity: s.angular_velocity,
            magnetic_field: s.magnetic_field,
            illuminance: s.illuminance,
            proximity: s.proximity,
            temperature: s.temperature,
        }
    }
}

fn finite(what: &str, value: f32, min: f32, max: f32) -> Result<f32, Status> {
    if value.is_finite() && (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(Status::illegal_argument(format!(
            "{what}: {value} is outside {min}..={max}"
        )))
    }
}

impl ISimControl for SimControl {
    fn state(&self) -> Result<SimState, Status> {
        Ok(self.snapshot())
    }

    fn rotate(&self, pose: String, over_ms: u64) -> Result<(), Status> {
        let target = Pose::from_name(&pose).ok_or_else(|| {
            Status::illegal_argument(format!(
                "pose {pose:?}: expected face-up, face-down, portrait, landscape or landscape-reverse"
            ))
        })?;
        let (mut world, _) = self.world();
        if over_ms == 0 {
            world.set_orientation(target.to_quat());
        } else {
            world.rotate_towards(target.to_quat(), Nanos::from_millis(over_ms));
        }
        Ok(())
    }

    fn set_light(&self, lux: f32) -> Result<(), Status> {
        let lux = finite("lux", lux, 0.0, 200_000.0)?;
        self.world().0.set_light(lux);
        Ok(())
    }

    fn set_proximity(&self, cm: f32) -> Result<(), Status> {
        let cm = finite("proximity cm", cm, 0.0, 1_000.0)?;
        self.world().0.set_proximity(cm);
        Ok(())
    }

    fn set_temperature(&self, celsius: f32) -> Result<(), Status> {
        let celsius = finite("temperature °C", celsius, -40.0, 125.0)?;
        self.world().0.set_temperature(celsius);
        Ok(())
    }

    fn play_scenario(&self, name: String, toml: String) -> Result<(), Status> {
        // Every error, each with its line, as `yunctl board check` gives them.
        let scenario = Scenario::parse(&name, &toml)
            .map_err(|errors| Status::illegal_argument(format!("play_scenario: {errors}")))?;
        tracing::info!(scenario = %name, "playing");
        self.0.play(scenario);
        Ok(())
    }

    fn stop_scenario(&self) -> Result<Option<String>, Status> {
        Ok(self.0.stop_scenario())
    }

    fn bus_fault(&self, device: String, fault: BusFault) -> Result<(), Status> {
        tracing::info!(%device, ?fault, "simulated bus fault");
        self.0
            .bus_fault(&device, fault)
            .map_err(|e| Status::illegal_argument(format!("bus_fault: {e}")))
    }

    fn modem_state(&self) -> Result<SimModemState, Status> {
        Ok(match self.0.modem() {
            Some(modem) => modem_state(&modem),
            None => SimModemState {
                present: false,
                functionality: 0,
                sim: "absent".into(),
                registration: "not-registered".into(),
                operator: None,
                signal_dbm: 0,
                calls: Vec::new(),
                dtmf: String::new(),
                stored_sms: 0,
                sent_sms: Vec::new(),
                data: Vec::new(),
                echo: false,
                silent: false,
                power: "off".into(),
            },
        })
    }

    fn modem_network(&self, action: NetworkAction) -> Result<(), Status> {
        let modem = self.modem("modem_network")?;
        tracing::info!(?action, "simulated network");
        match action {
            NetworkAction::IncomingCall { number } => {
                if number.is_empty() || number.len() > 20 {
                    return Err(Status::illegal_argument(format!(
                        "modem_network: number {number:?}: expected 1 to 20 characters"
                    )));
                }
                if !modem.incoming_call(&number) {
                    return Err(Status::illegal_state(
                        "modem_network: the modem cannot take another call (no registration, or every call slot in use)",
                    ));
                }
            }
            NetworkAction::RemoteAnswer => {
                if !modem.remote_answer() {
                    return Err(Status::illegal_state(
                        "modem_network: no outgoing call is ringing at the far end",
                    ));
                }
            }
            NetworkAction::RemoteHangup { id } => {
                let done = match id {
                    Some(id) => modem.remote_hangup_call(id),
                    None => modem.remote_hangup(),
                };
                if !done {
                    return Err(Status::illegal_state(format!(
                        "modem_network: no call {} to hang up",
                        id.map_or("at all".to_string(), |id| id.to_string())
                    )));
                }
            }
            NetworkAction::IncomingSms { from, text } => {
                if from.is_empty() {
                    return Err(Status::illegal_argument(
                        "modem_network: from: the sender is empty",
                    ));
                }
                modem.incoming_sms(&from, &text);
            }
            NetworkAction::Signal { dbm } => {
                if !(-140..=-40).contains(&dbm) {
                    return Err(Status::illegal_argument(format!(
                        "modem_network: signal {dbm} dBm is outside -140..=-40"
                    )));
                }
                modem.set_signal(dbm);
            }
            NetworkAction::Registration { state } => {
                let reg = match state.as_str() {
                    "home" => RegState::Home,
                    "roaming" => RegState::Roaming,
                    "searching" => RegState::Searching,
                    "denied" => RegState::Denied,
                    "not-registered" => RegState::NotRegistered,
                    "unknown" => RegState::Unknown,
                    _ => {
                        return Err(Status::illegal_argument(format!(
                            "modem_network: registration {state:?}: expected home, roaming, searching, denied, not-registered or unknown"
                        )))
                    }
                };
                modem.set_registration(reg);
            }
        }
        Ok(())
    }

    fn modem_fault(&self, fault: ModemFault) -> Result<(), Status> {
        let modem = self.modem("modem_fault")?;
        tracing::info!(?fault, "simulated modem fault");
        match fault {
            ModemFault::Silence { ms } => modem.go_silent(ms.map(Nanos::from_millis)),
            ModemFault::Restore => modem.clear_silence(),
            ModemFault::Reboot => modem.reboot(),
            ModemFault::Garbage { bytes } => modem.send_garbage(&bytes),
            ModemFault::PartialLine { text } => modem.partial_line(&text),
            ModemFault::Echo { on } => modem.set_echo(on),
        }
        Ok(())
    }

    fn play_modem_scenario(&self, name: String, toml: String) -> Result<(), Status> {
        let modem = self.modem("play_modem_scenario")?;
        let scenario = ModemScenario::parse(&name, &toml)
            .map_err(|errors| Status::illegal_argument(format!("play_modem_scenario: {errors}")))?;
        tracing::info!(scenario = %name, "playing on the modem");
        let start = modem.clock().now();
        let mut player = ModemScenarioPlayer::new(scenario);
        std::thread::Builder::new()
            .name("modem-scenario".into())
            .spawn(move || {
                while !player.is_finished() {
                    let t = modem.clock().now().saturating_sub(start);
                    player.step_to(&modem, t);
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
            })
            .map_err(|e| Status::illegal_state(format!("play_modem_scenario: {e}")))?;
        Ok(())
    }
}

impl SimControl {
    fn modem(&self, method: &str) -> Result<Arc<ModemSim>, Status> {
        self.0.modem().ok_or_else(|| {
            Status::illegal_state(format!("{method}: the board has no simulated modem"))
        })
    }
}

fn modem_state(modem: &ModemSim) -> SimModemState {
    let state = modem.state();
    let calls = state
        .calls
        .iter()
        .map(|call| SimCall {
            id: call.id,
            direction: match call.direction {
                sim_modem::Direction::Outgoing => "outgoing".into(),
                sim_modem::Direction::Incoming => "incoming".into(),
            },
            state: format!("{:?}", call.state).to_ascii_lowercase(),
            number: call.number.clone(),
        })
        .collect();
    let sent_sms = state
        .sent_sms
        .iter()
        .map(|sent| {
            let user_data = &sent.submit.user_data;
            SimSentSms {
                reference: sent.message_reference,
                to: sent.submit.destination.to_string(),
                text: match &user_data.body {
                    Body::Text(text) => text.clone(),
                    Body::Binary(bytes) => yunhal_at_modem::pdu::to_hex(bytes),
                },
                part: user_data
                    .header
                    .as_ref()
                    .and_then(|h| h.concatenation())
                    .map(|c| (c.reference as u8, c.sequence, c.total)),
            }
        })
        .collect();
    SimModemState {
        present: true,
        functionality: state.functionality,
        sim: match state.sim {
            sim_modem::SimState::Absent => "absent",
            sim_modem::SimState::Off => "off",
            sim_modem::SimState::PinRequired => "pin",
            sim_modem::SimState::PukRequired => "puk",
            sim_modem::SimState::Blocked => "blocked",
            sim_modem::SimState::Ready => "ready",
        }
        .into(),
        registration: match state.registration {
            RegState::NotRegistered => "not-registered",
            RegState::Home => "home",
            RegState::Searching => "searching",
            RegState::Denied => "denied",
            RegState::Unknown => "unknown",
            RegState::Roaming => "roaming",
        }
        .into(),
        operator: state.operator.map(|o| o.long_name),
        signal_dbm: state.signal_dbm,
        calls,
        dtmf: state.dtmf,
        stored_sms: state.stored_sms.len(),
        sent_sms,
        data: state
            .contexts
            .iter()
            .filter_map(|c| c.address.map(|a| (c.cid, c.apn.clone(), a.to_string())))
            .collect(),
        echo: state.echo,
        silent: state.silent,
        power: match state.power {
            sim_modem::PowerState::On => "on",
            sim_modem::PowerState::PoweringDown => "powering-down",
            sim_modem::PowerState::Off => "off",
        }
        .into(),
    }
}
