//! `yunctl`: the command line of yunhal. One module per command group:
//! [`services`] (list, dump, restart), [`board`] (board check) and [`sim`]
//! (the simulated world); each HAL adds its own (sensors.rs, modem.rs).

mod board;
mod modem;
mod output;
mod sensors;
mod services;
mod sim;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::OnceLock;
use yunhal_ipc::{Runtime, ServiceManager};

/// Pokes yunhald and its HAL services.
#[derive(Debug, Parser)]
#[command(
    name = "yunctl",
    version,
    after_help = "Examples:\n  yunctl list\n  yunctl dump yunhal.IDaemon/default --json\n  yunctl board check boards/pinephone.toml"
)]
struct Cli {
    /// The service manager's socket [default: $YUNHAL_SERVICE_MANAGER, else
    /// $XDG_RUNTIME_DIR/yunhal/servicemanager.sock, else /run/yunhal/... for root].
    #[arg(long, global = true, value_name = "PATH")]
    socket: Option<PathBuf>,
    /// Print machine-readable JSON instead of tables.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    List(services::ListArgs),
    Dump(services::DumpArgs),
    Restart(services::RestartArgs),
    /// Board files.
    #[command(subcommand)]
    Board(board::BoardCommand),
    /// The board's sensors.
    #[command(subcommand)]
    Sensors(sensors::SensorsCommand),
    /// The board's modem: calls, SMS, USSD, data.
    #[command(subcommand)]
    Modem(modem::ModemCommand),
    /// The simulated handset (simulated boards only).
    #[command(subcommand)]
    Sim(sim::SimCommand),
    // Each HAL issue adds its group here, from its own module.
}

/// What every command gets besides its own arguments.
pub struct Global {
    pub socket: PathBuf,
    pub json: bool,
    /// The command's IPC runtime, made on first use. It lives as long as
    /// the command, so that objects passed to services (listeners) are
    /// served until the command ends.
    rt: OnceLock<Runtime>,
}

impl Global {
    /// A client of the daemon's service manager.
    pub fn connect(&self) -> anyhow::Result<ServiceManager> {
        let rt = match self.rt.get() {
            Some(rt) => rt,
            None => {
                let rt = Runtime::new()?;
                self.rt.get_or_init(|| rt)
            }
        };
        let sm = ServiceManager::connect_at(rt, &self.socket).map_err(|e| {
            anyhow::anyhow!(
                "cannot reach the service manager at {} (is yunhald running?): {e}",
                self.socket.display()
            )
        })?;
        Ok(sm)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let global = Global {
        socket: cli
            .socket
            .unwrap_or_else(yunhal_ipc::service_manager::default_socket_path),
        json: cli.json,
        rt: OnceLock::new(),
    };
    let result = match &cli.command {
        Command::List(args) => services::list(&global, args),
        Command::Dump(args) => services::dump(&global, args),
        Command::Restart(args) => services::restart(&global, args),
        Command::Board(command) => board::run(&global, command),
        Command::Sensors(command) => sensors::run(&global, command),
        Command::Modem(command) => modem::run(&global, command),
        Command::Sim(command) => sim::run(&global, command),
    };
    result.unwrap_or_else(|error| {
        if global.json {
            output::print_json(&serde_json::json!({ "error": format!("{error:#}") }));
        }
        eprintln!("yunctl: {error:#}");
        ExitCode::FAILURE
    })
}
