//! `yunctl sim ...`: drives the simulated handset through
//! `yunhal.sim.ISimControl/default` (and injects sensor events through
//! `ISensors`).

use crate::output::{or_dash, print_json, Table};
use crate::Global;
use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use std::process::ExitCode;
use yunhal::sensors::{SensorEvent, SensorType, SensorValue};
use yunhal::time::Nanos;
use yunhal::units::{
    Celsius, Centimeters, HectoPascal, Lux, MetersPerSecondSquared, MicroTesla, RadiansPerSecond,
};
use yunhal_daemon::api::{
    BusFault, ISimControl, ModemFault, NetworkAction, SimModemState, SimState, SIM_SERVICE,
};
use yunhal_ipc::Strong;

/// The simulated handset (simulated boards only).
#[derive(Debug, Subcommand)]
#[command(
    after_help = "Examples:\n  yunctl sim sensors state\n  yunctl sim sensors rotate landscape --over-ms 500"
)]
pub enum SimCommand {
    /// The world the simulated sensor chips sense, and their buses.
    #[command(subcommand)]
    Sensors(SimSensorsCommand),
    /// The simulated modem and the network around it.
    #[command(subcommand)]
    Modem(SimModemCommand),
}

/// The simulated modem and the network around it.
#[derive(Debug, Subcommand)]
#[command(
    after_help = "Examples:\n  yunctl sim modem state\n  yunctl sim modem call +4930123456\n  yunctl sim modem sms +4930123456 'Hello'\n  yunctl sim modem fault --silence"
)]
pub enum SimModemCommand {
    /// The modem and network now: registration, signal, calls, sent SMS.
    #[command(after_help = "Example:\n  yunctl sim modem state --json")]
    State,
    /// A call from NUMBER rings the modem.
    #[command(after_help = "Example:\n  yunctl sim modem call +4930123456")]
    Call { number: String },
    /// The far end answers the outgoing call.
    #[command(after_help = "Example:\n  yunctl sim modem answer")]
    Answer,
    /// The far end hangs up call ID, or every call.
    #[command(after_help = "Examples:\n  yunctl sim modem hangup\n  yunctl sim modem hangup 2")]
    Hangup { id: Option<u8> },
    /// An SMS from FROM arrives (long texts arrive in parts).
    #[command(after_help = "Example:\n  yunctl sim modem sms +4930123456 'Hello'")]
    Sms { from: String, text: String },
    /// The received signal moves to DBM (-140..=-40).
    #[command(after_help = "Example:\n  yunctl sim modem signal -- -95")]
    Signal {
        #[arg(allow_negative_numbers = true)]
        dbm: i32,
    },
    /// Registration changes: home, roaming, searching, denied,
    /// not-registered or unknown.
    #[command(after_help = "Example:\n  yunctl sim modem registration roaming")]
    Registration { state: String },
    /// Breaks or mends the modem's AT port.
    #[command(
        after_help = "Examples:\n  yunctl sim modem fault --silence\n  yunctl sim modem fault --silence-ms 5000\n  yunctl sim modem fault --restore\n  yunctl sim modem fault --reboot"
    )]
    Fault(ModemFaultArgs),
    /// Plays a modem scenario: a shipped one by name (incoming-call,
    /// messages, tunnel) or a TOML file of network actions and faults.
    #[command(
        after_help = "Examples:\n  yunctl sim modem scenario incoming-call\n  yunctl sim modem scenario my-scenario.toml"
    )]
    Scenario { scenario: String },
}

/// One of the modem faults.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct ModemFaultArgs {
    /// The modem stops answering until restored.
    #[arg(long)]
    pub silence: bool,
    /// The modem stops answering for MS milliseconds.
    #[arg(long, value_name = "MS")]
    pub silence_ms: Option<u64>,
    /// The modem answers again.
    #[arg(long)]
    pub restore: bool,
    /// The modem restarts (RDY; calls, data and settings are lost).
    #[arg(long)]
    pub reboot: bool,
    /// Bytes that are not AT appear on the port.
    #[arg(long, value_name = "TEXT")]
    pub garbage: Option<String>,
    /// A line without its end appears on the port.
    #[arg(long, value_name = "TEXT")]
    pub partial_line: Option<String>,
    /// Echo on or off, as ATE would set it.
    #[arg(long, value_name = "on|off")]
    pub echo: Option<String>,
}

/// The world the simulated sensor chips sense, and their buses.
#[derive(Debug, Subcommand)]
#[command(
    after_help = "Examples:\n  yunctl sim sensors state\n  yunctl sim sensors rotate landscape --over-ms 500\n  yunctl sim sensors light 5\n  yunctl sim sensors scenario walk\n  yunctl sim sensors fault accel --disconnect"
)]
pub enum SimSensorsCommand {
    /// What the simulated sensors sense now.
    #[command(after_help = "Example:\n  yunctl sim sensors state --json")]
    State,
    /// Turns the device to a pose.
    #[command(after_help = "Example:\n  yunctl sim sensors rotate landscape --over-ms 500")]
    Rotate(RotateArgs),
    /// Sets the illuminance at the light sensor, lux.
    #[command(after_help = "Example:\n  yunctl sim sensors light 5")]
    Light { lux: f32 },
    /// Sets the distance to the nearest object above the proximity sensor, cm.
    #[command(after_help = "Example:\n  yunctl sim sensors proximity 0.5")]
    Proximity { cm: f32 },
    /// Sets the temperature, °C.
    #[command(after_help = "Example:\n  yunctl sim sensors temperature 35")]
    Temperature { celsius: f32 },
    /// Plays a scenario: a shipped one by name (pocket,
    /// rotate-to-landscape, walk) or a TOML file; its times count from now.
    #[command(
        after_help = "Examples:\n  yunctl sim sensors scenario walk\n  yunctl sim sensors scenario my-scenario.toml"
    )]
    Scenario { scenario: String },
    /// Stops the scenario playing (the world stays where it is).
    #[command(after_help = "Example:\n  yunctl sim sensors stop-scenario")]
    StopScenario,
    /// Breaks or mends a simulated chip's bus connection.
    #[command(
        after_help = "Examples:\n  yunctl sim sensors fault accel --nacks 1\n  yunctl sim sensors fault accel --disconnect\n  yunctl sim sensors fault accel --reconnect"
    )]
    Fault(FaultArgs),
    /// Delivers a made-up event to the clients of a sensor, as if the
    /// hardware had produced it.
    #[command(
        after_help = "Examples:\n  yunctl sim sensors inject light 42\n  yunctl sim sensors inject accelerometer 0 9.81 0"
    )]
    Inject(InjectArgs),
}

#[derive(Debug, Args)]
pub struct FaultArgs {
    /// The board's name of the device, e.g. `accel`.
    pub device: String,
    #[command(flatten)]
    pub fault: FaultKind,
}

/// One of the faults.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct FaultKind {
    /// The next N transfers on its bus NACK.
    #[arg(long)]
    pub nacks: Option<u32>,
    /// The chip stops answering.
    #[arg(long)]
    pub disconnect: bool,
    /// The chip answers again.
    #[arg(long)]
    pub reconnect: bool,
}

#[derive(Debug, Args)]
pub struct InjectArgs {
    /// The sensor: a type (as `yunctl sensors list` prints it) or a handle.
    pub sensor: String,
    /// The values, in the type's unit (three for motion sensors; for
    /// proximity the distance in cm, near when below 1 cm).
    #[arg(allow_negative_numbers = true, required = true)]
    pub values: Vec<f32>,
}

#[derive(Debug, Args)]
pub struct RotateArgs {
    /// face-up, face-down, portrait, landscape or landscape-reverse.
    pub pose: String,
    /// How long the turn takes, ms (0: at once).
    #[arg(long, default_value_t = 0)]
    pub over_ms: u64,
}

fn sim(global: &Global) -> anyhow::Result<Strong<dyn ISimControl>> {
    let sm = global.connect()?;
    sm.get_service::<dyn ISimControl>(SIM_SERVICE)
        .with_context(|| format!("cannot reach {SIM_SERVICE} (is the board simulated?)"))
}

/// The scenarios of `simulators/scenarios/`, built in.
const SHIPPED_SCENARIOS: [(&str, &str); 3] = [
    (
        "pocket",
        include_str!("../../../simulators/scenarios/pocket.toml"),
    ),
    (
        "rotate-to-landscape",
        include_str!("../../../simulators/scenarios/rotate-to-landscape.toml"),
    ),
    (
        "walk",
        include_str!("../../../simulators/scenarios/walk.toml"),
    ),
];

/// The modem scenarios of `simulators/scenarios/modem/`, built in.
const SHIPPED_MODEM_SCENARIOS: [(&str, &str); 3] = [
    (
        "incoming-call",
        include_str!("../../../simulators/scenarios/modem/incoming-call.toml"),
    ),
    (
        "messages",
        include_str!("../../../simulators/scenarios/modem/messages.toml"),
    ),
    (
        "tunnel",
        include_str!("../../../simulators/scenarios/modem/tunnel.toml"),
    ),
];

/// A shipped scenario by name, or the text of the file `scenario` names.
fn scenario_text(shipped: &[(&str, &str)], scenario: &str) -> anyhow::Result<(String, String)> {
    if let Some((name, text)) = shipped.iter().find(|(n, _)| *n == scenario) {
        return Ok((name.to_string(), text.to_string()));
    }
    let text = std::fs::read_to_string(scenario).with_context(|| {
        let names: Vec<&str> = shipped.iter().map(|(n, _)| *n).collect();
        format!(
            "scenario {scenario:?}: not a shipped one ({}) and not a readable file",
            names.join(", ")
        )
    })?;
    Ok((scenario.to_string(), text))
}

pub fn run(global: &Global, command: &SimCommand) -> anyhow::Result<ExitCode> {
    match command {
        SimCommand::Sensors(command) => run_sensors(global, command),
        SimCommand::Modem(command) => run_modem(global, command),
    }
}

fn run_modem(global: &Global, command: &SimModemCommand) -> anyhow::Result<ExitCode> {
    let sim = sim(global)?;
    let network = |action: NetworkAction| -> anyhow::Result<serde_json::Value> {
        let done = serde_json::to_value(&action).unwrap_or_default();
        sim.modem_network(action).context("sim modem")?;
        Ok(done)
    };
    let done = match command {
        SimModemCommand::State => {
            let state = sim.modem_state().context("sim modem state")?;
            print_modem_state(global, &state);
            return Ok(ExitCode::SUCCESS);
        }
        SimModemCommand::Call { number } => network(NetworkAction::IncomingCall {
            number: number.clone(),
        })?,
        SimModemCommand::Answer => network(NetworkAction::RemoteAnswer)?,
        SimModemCommand::Hangup { id } => network(NetworkAction::RemoteHangup { id: *id })?,
        SimModemCommand::Sms { from, text } => network(NetworkAction::IncomingSms {
            from: from.clone(),
            text: text.clone(),
        })?,
        SimModemCommand::Signal { dbm } => network(NetworkAction::Signal { dbm: *dbm })?,
        SimModemCommand::Registration { state } => network(NetworkAction::Registration {
            state: state.clone(),
        })?,
        SimModemCommand::Fault(args) => {
            let fault = if args.silence {
                ModemFault::Silence { ms: None }
            } else if let Some(ms) = args.silence_ms {
                ModemFault::Silence { ms: Some(ms) }
            } else if args.restore {
                ModemFault::Restore
            } else if args.reboot {
                ModemFault::Reboot
            } else if let Some(text) = &args.garbage {
                ModemFault::Garbage {
                    bytes: text.as_bytes().to_vec(),
                }
            } else if let Some(text) = &args.partial_line {
                ModemFault::PartialLine { text: text.clone() }
            } else {
                let on = match args.echo.as_deref() {
                    Some("on") => true,
                    Some("off") => false,
                    other => bail!("--echo takes on or off, got {other:?}"),
                };
                ModemFault::Echo { on }
            };
            let done = serde_json::to_value(&fault).unwrap_or_default();
            sim.modem_fault(fault).context("sim modem fault")?;
            done
        }
        SimModemCommand::Scenario { scenario } => {
            let (name, text) = scenario_text(&SHIPPED_MODEM_SCENARIOS, scenario)?;
            sim.play_modem_scenario(name.clone(), text)
                .context("sim modem scenario")?;
            serde_json::json!({ "scenario": name })
        }
    };
    if global.json {
        print_json(&done);
    } else {
        println!("done: {done}");
    }
    Ok(ExitCode::SUCCESS)
}

fn print_modem_state(global: &Global, s: &SimModemState) {
    if global.json {
        print_json(&serde_json::to_value(s).unwrap_or_default());
        return;
    }
    if !s.present {
        println!("the board has no simulated modem");
        return;
    }
    let mut table = Table::headless();
    table.row(vec!["functionality".into(), s.functionality.to_string()]);
    table.row(vec!["sim".into(), s.sim.clone()]);
    table.row(vec!["registration".into(), s.registration.clone()]);
    table.row(vec!["operator".into(), or_dash(s.operator.clone())]);
    table.row(vec!["signal".into(), format!("{} dBm", s.signal_dbm)]);
    table.row(vec!["stored sms".into(), s.stored_sms.to_string()]);
    table.row(vec!["sent sms".into(), s.sent_sms.len().to_string()]);
    table.row(vec!["dtmf".into(), s.dtmf.clone()]);
    table.row(vec!["echo".into(), s.echo.to_string()]);
    table.row(vec!["silent".into(), s.silent.to_string()]);
    table.row(vec!["power".into(), s.power.clone()]);
    table.print();
    if !s.calls.is_empty() {
        let mut calls = Table::new(&["ID", "DIRECTION", "STATE", "NUMBER"]);
        for call in &s.calls {
            calls.row(vec![
                call.id.to_string(),
                call.direction.clone(),
                call.state.clone(),
                call.number.clone(),
            ]);
        }
        println!();
        calls.print();
    }
    if !s.data.is_empty() {
        let mut data = Table::new(&["CID", "APN", "ADDRESS"]);
        for (cid, apn, address) in &s.data {
            data.row(vec![cid.to_string(), apn.clone(), address.clone()]);
        }
        println!();
        data.print();
    }
}

fn run_sensors(global: &Global, command: &SimSensorsCommand) -> anyhow::Result<ExitCode> {
    if let SimSensorsCommand::Inject(args) = command {
        return inject(global, args);
    }
    let sim = sim(global)?;
    let done = match command {
        SimSensorsCommand::State => {
            print_state(global, &sim.state().context("sim state")?);
            return Ok(ExitCode::SUCCESS);
        }
        SimSensorsCommand::Rotate(args) => {
            sim.rotate(args.pose.clone(), args.over_ms)
                .context("sim rotate")?;
            serde_json::json!({ "rotate": args.pose, "over_ms": args.over_ms })
        }
        SimSensorsCommand::Light { lux } => {
            sim.set_light(*lux).context("sim light")?;
            serde_json::json!({ "light_lux": lux })
        }
        SimSensorsCommand::Proximity { cm } => {
            sim.set_proximity(*cm).context("sim proximity")?;
            serde_json::json!({ "proximity_cm": cm })
        }
        SimSensorsCommand::Temperature { celsius } => {
            sim.set_temperature(*celsius).context("sim temperature")?;
            serde_json::json!({ "temperature_c": celsius })
        }
        SimSensorsCommand::Scenario { scenario } => {
            let (name, text) = scenario_text(&SHIPPED_SCENARIOS, scenario)?;
            sim.play_scenario(name.clone(), text)
                .context("sim scenario")?;
            serde_json::json!({ "scenario": name })
        }
        SimSensorsCommand::StopScenario => {
            let stopped = sim.stop_scenario().context("sim stop-scenario")?;
            serde_json::json!({ "stopped": stopped })
        }
        SimSensorsCommand::Fault(args) => {
            let kind = &args.fault;
            let fault = match (kind.nacks, kind.disconnect, kind.reconnect) {
                (Some(n), _, _) => BusFault::Nacks(n),
                (None, true, _) => BusFault::Disconnect,
                _ => BusFault::Reconnect,
            };
            sim.bus_fault(args.device.clone(), fault)
                .context("sim fault")?;
            serde_json::json!({ "device": args.device, "fault": format!("{fault:?}") })
        }
        SimSensorsCommand::Inject(_) => unreachable!("handled above"),
    };
    if global.json {
        print_json(&done);
    } else {
        println!("done: {done}");
    }
    Ok(ExitCode::SUCCESS)
}

fn inject(global: &Global, args: &InjectArgs) -> anyhow::Result<ExitCode> {
    let sensors = crate::sensors::service(global)?;
    let list = sensors.get_sensor_list().context("get_sensor_list")?;
    let sensor = crate::sensors::find(&list, &args.sensor)?;
    let v = &args.values;
    let three = |what: &str| -> anyhow::Result<[f32; 3]> {
        <[f32; 3]>::try_from(v.as_slice())
            .map_err(|_| anyhow::anyhow!("{what} takes three values (x y z), got {}", v.len()))
    };
    let one = |what: &str| -> anyhow::Result<f32> {
        match v.as_slice() {
            [x] => Ok(*x),
            _ => Err(anyhow::anyhow!("{what} takes one value, got {}", v.len())),
        }
    };
    let value = match sensor.sensor_type {
        SensorType::Accelerometer => {
            SensorValue::Acceleration(three("acceleration")?.map(MetersPerSecondSquared))
        }
        SensorType::Gyroscope => {
            SensorValue::AngularVelocity(three("angular velocity")?.map(RadiansPerSecond))
        }
        SensorType::MagneticField => {
            SensorValue::MagneticField(three("magnetic field")?.map(MicroTesla))
        }
        SensorType::Light => SensorValue::Light(Lux(one("light")?)),
        SensorType::Proximity => {
            let cm = one("proximity")?;
            SensorValue::Proximity {
                distance: Centimeters(cm),
                near: cm < 1.0,
            }
        }
        SensorType::Temperature => SensorValue::Temperature(Celsius(one("temperature")?)),
        SensorType::Pressure => SensorValue::Pressure(HectoPascal(one("pressure")?)),
        other => bail!("injecting into {} sensors is not supported", other.as_str()),
    };
    sensors
        .inject(SensorEvent {
            handle: sensor.handle,
            timestamp: Nanos(0),
            value,
        })
        .context("inject")?;
    let done = serde_json::json!({ "injected": sensor.name, "values": v });
    if global.json {
        print_json(&done);
    } else {
        println!("done: {done}");
    }
    Ok(ExitCode::SUCCESS)
}

fn print_state(global: &Global, s: &SimState) {
    if global.json {
        print_json(&serde_json::to_value(s).unwrap_or_default());
        return;
    }
    let xyz = |v: [f32; 3]| format!("{:8.3} {:8.3} {:8.3}", v[0], v[1], v[2]);
    let mut table = Table::headless();
    table.row(vec![
        "time".into(),
        format!("{:.3} s", s.time_ns as f64 / 1e9),
    ]);
    table.row(vec!["acceleration m/s²".into(), xyz(s.acceleration)]);
    table.row(vec![
        "angular velocity rad/s".into(),
        xyz(s.angular_velocity),
    ]);
    table.row(vec!["magnetic field µT".into(), xyz(s.magnetic_field)]);
    table.row(vec!["light lx".into(), format!("{}", s.illuminance)]);
    table.row(vec!["proximity cm".into(), format!("{}", s.proximity)]);
    table.row(vec!["temperature °C".into(), format!("{}", s.temperature)]);
    table.print();
}
