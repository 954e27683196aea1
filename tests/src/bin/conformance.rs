//! `yunhal-conformance [--socket PATH]`: runs the conformance suites against
//! a running `yunhald` (the service manager at PATH, `$YUNHAL_SERVICE_MANAGER`
//! or the default) and exits non-zero when a check fails.

use std::path::PathBuf;
use std::process::ExitCode;
use yunhal_ipc::{Runtime, ServiceManager};
use yunhal_tests::conformance::sensors;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut socket = yunhal_ipc::service_manager::default_socket_path();
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--socket", Some(path)) => socket = PathBuf::from(path),
            _ => {
                eprintln!("usage: yunhal-conformance [--socket PATH]");
                return ExitCode::from(2);
            }
        }
    }
    let sm = match Runtime::new()
        .map_err(|e| e.to_string())
        .and_then(|rt| ServiceManager::connect_at(&rt, &socket).map_err(|e| e.to_string()))
    {
        Ok(sm) => sm,
        Err(e) => {
            eprintln!(
                "yunhal-conformance: cannot reach the service manager at {}: {e}",
                socket.display()
            );
            return ExitCode::from(2);
        }
    };
    let checks = sensors::run(&sm);
    for check in &checks {
        println!("sensors: {check}");
    }
    let failed = checks.iter().filter(|c| c.failed()).count();
    println!("{} checks, {failed} failed", checks.len());
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
