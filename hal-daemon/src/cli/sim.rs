//! `yunctl sim ...`: drives the simulated handset's world through
//! `yunhal.sim.ISimControl/default`.

use crate::output::{print_json, Table};
use crate::Global;
use anyhow::Context;
use clap::{Args, Subcommand};
use std::process::ExitCode;
use yunhal_daemon::api::{ISimControl, SimState, SIM_SERVICE};
use yunhal_ipc::Strong;

/// The simulated world (simulated boards only).
#[derive(Debug, Subcommand)]
#[command(
    after_help = "Examples:\n  yunctl sim state\n  yunctl sim rotate landscape --over-ms 500\n  yunctl sim light 5\n  yunctl sim proximity 0.5"
)]
pub enum SimCommand {
    /// What the simulated sensors sense now.
    #[command(after_help = "Example:\n  yunctl sim state --json")]
    State,
    /// Turns the device to a pose.
    #[command(after_help = "Example:\n  yunctl sim rotate landscape --over-ms 500")]
    Rotate(RotateArgs),
    /// Sets the illuminance at the light sensor, lux.
    #[command(after_help = "Example:\n  yunctl sim light 5")]
    Light { lux: f32 },
    /// Sets the distance to the nearest object above the proximity sensor, cm.
    #[command(after_help = "Example:\n  yunctl sim proximity 0.5")]
    Proximity { cm: f32 },
    /// Sets the temperature, °C.
    #[command(after_help = "Example:\n  yunctl sim temperature 35")]
    Temperature { celsius: f32 },
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

pub fn run(global: &Global, command: &SimCommand) -> anyhow::Result<ExitCode> {
    let sim = sim(global)?;
    let done = match command {
        SimCommand::State => {
            print_state(global, &sim.state().context("sim state")?);
            return Ok(ExitCode::SUCCESS);
        }
        SimCommand::Rotate(args) => {
            sim.rotate(args.pose.clone(), args.over_ms)
                .context("sim rotate")?;
            serde_json::json!({ "rotate": args.pose, "over_ms": args.over_ms })
        }
        SimCommand::Light { lux } => {
            sim.set_light(*lux).context("sim light")?;
            serde_json::json!({ "light_lux": lux })
        }
        SimCommand::Proximity { cm } => {
            sim.set_proximity(*cm).context("sim proximity")?;
            serde_json::json!({ "proximity_cm": cm })
        }
        SimCommand::Temperature { celsius } => {
            sim.set_temperature(*celsius).context("sim temperature")?;
            serde_json::json!({ "temperature_c": celsius })
        }
    };
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
