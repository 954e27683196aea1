//! `yunhald`: reads the board, builds its drivers, serves the service
//! manager and one supervised service per HAL, and tells systemd when it
//! is ready.

mod logging;
mod management;
mod services;
mod sim_control;

use anyhow::Context;
use clap::Parser;
use management::{DaemonInfo, ManagementService};
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;
use yunhal_boards::{build_board, BoardError};
use yunhal_daemon::board::BoardSource;
use yunhal_daemon::notify;
use yunhal_daemon::policy::CallPolicy;
use yunhal_daemon::registry::{driver_registry, DaemonPlatform};
use yunhal_daemon::supervisor::{Supervisor, SupervisorConfig, SystemClock};
use yunhal_ipc::{Runtime, ServiceManagerService};

/// The yunhal daemon: the HAL services of one handset.
#[derive(Debug, Parser)]
#[command(
    version,
    after_help = "Examples:\n  yunhald                                  # the simulated handset\n  yunhald --board /etc/yunhal/board.toml --policy /etc/yunhal/policy.toml\n  RUST_LOG=yunhal_ipc=debug yunhald -v"
)]
struct Args {
    /// Board file to run on [default: the built-in simulated handset, boards/sim.toml].
    #[arg(long, value_name = "PATH")]
    board: Option<PathBuf>,
    /// The service manager's socket [default: $YUNHAL_SERVICE_MANAGER, else
    /// $XDG_RUNTIME_DIR/yunhal/servicemanager.sock, else /run/yunhal/... for root].
    #[arg(long, value_name = "PATH")]
    socket: Option<PathBuf>,
    /// Policy file: who may call which service and method [default: built in].
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// More log output (-v debug, -vv trace); RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count)]
    verbose: u8,
}

fn main() -> ExitCode {
    let args = Args::parse();
    logging::init(args.verbose);
    match run(args) {
        Ok(code) => code,
        Err(error) => {
            tracing::error!("{error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    // Before anything starts, so that a stop request is never lost.
    let mut signals = Signals::new([SIGTERM, SIGINT]).context("installing signal handlers")?;

    let registry = driver_registry();
    let source = BoardSource::from_arg(args.board);
    let board = match source.load(&registry) {
        Ok(board) => board,
        Err(BoardError::Invalid(diagnostics)) => {
            for diagnostic in &diagnostics {
                eprintln!("{diagnostic}");
            }
            tracing::error!("the board has {} errors; not starting", diagnostics.len());
            return Ok(ExitCode::FAILURE);
        }
        Err(error) => return Err(error.into()),
    };
    let daemon_uid = rustix::process::getuid().as_raw();
    let policy = Arc::new(match &args.policy {
        Some(path) => CallPolicy::load(path, daemon_uid)?,
        None => CallPolicy::builtin(daemon_uid),
    });

    let mut platform = DaemonPlatform::default();
    let report = build_board(&board, &registry, &mut platform);
    for built in &report.built {
        tracing::info!(device = %built.name, class = %built.class, "built {:?}", built.device);
    }
    for failure in &report.failed {
        tracing::warn!("{failure}");
    }
    let simulation = platform.simulation(yunhal_daemon::board::is_simulated(&board));
    let hal_services = services::hal_services(&board, report.built, simulation);

    let socket = args
        .socket
        .unwrap_or_else(yunhal_ipc::service_manager::default_socket_path);
    let rt = Runtime::new().context("creating the IPC runtime")?;
    rt.set_policy(policy.clone());
    ServiceManagerService::serve(&rt, &socket)
        .with_context(|| format!("serving the service manager at {}", socket.display()))?;
    yunhal_daemon::supervisor::open_to_all_users(&socket)?;

    let mut config = SupervisorConfig::new(&socket);
    config.policy = Some(policy);
    let mut supervisor = Supervisor::new(config, Arc::new(SystemClock));
    supervisor.remove_stale_endpoints();
    let handle = supervisor.handle();
    supervisor.add(Arc::new(ManagementService::new(DaemonInfo {
        board: board.name().to_owned(),
        board_file: board.file().to_owned(),
        started,
        supervisor: handle.clone(),
    })));
    for service in hal_services {
        supervisor.add(service);
    }
    supervisor.start_all();
    let statuses = handle.status();
    let running = statuses
        .iter()
        .filter(|s| s.state == yunhal_daemon::api::ServiceState::Running)
        .count();
    tracing::info!(
        board = %board.name(),
        socket = %socket.display(),
        services = running,
        startup_ms = started.elapsed().as_millis() as u64,
        "ready"
    );
    let status = format!(
        "READY=1\nSTATUS={running} of {} services running",
        statuses.len()
    );
    if let Err(error) = notify::notify(&status) {
        tracing::warn!("sd_notify failed: {error}");
    }

    let supervising = std::thread::Builder::new()
        .name("supervisor".into())
        .spawn(move || supervisor.run())
        .context("starting the supervisor thread")?;
    let signal = signals.forever().next().unwrap_or(SIGTERM);
    let name = if signal == SIGINT {
        "SIGINT"
    } else {
        "SIGTERM"
    };
    tracing::info!("{name}: stopping");
    let _ = notify::notify("STOPPING=1");

    handle.shutdown();
    if supervising.join().is_err() {
        tracing::error!("the supervisor thread panicked");
    }
    // Closes every connection (clients see the death) and removes the
    // service manager's socket.
    rt.shutdown();
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}
