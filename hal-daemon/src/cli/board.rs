//! `yunctl board check`: validates a board file offline, against the same
//! driver registry as the daemon.

use crate::output::{print_json, Table};
use crate::Global;
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use yunhal_boards::{Board, BoardError, Diagnostic};
use yunhal_daemon::board::BoardSource;
use yunhal_daemon::registry::driver_registry;

#[derive(Debug, Subcommand)]
pub enum BoardCommand {
    Check(CheckArgs),
}

/// Validate a board file: print every problem with file:line:column and
/// key, or the devices it describes. Exits 1 when the file has errors.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  yunctl board check boards/pinephone.toml\n  yunctl board check my-phone.toml --json"
)]
pub struct CheckArgs {
    /// The board file.
    pub file: PathBuf,
}

pub fn run(global: &Global, command: &BoardCommand) -> anyhow::Result<ExitCode> {
    match command {
        BoardCommand::Check(args) => check(global, args),
    }
}

fn check(global: &Global, args: &CheckArgs) -> anyhow::Result<ExitCode> {
    match BoardSource::File(args.file.clone()).load(&driver_registry()) {
        Ok(board) => {
            if global.json {
                print_json(&valid_json(&board));
            } else {
                print_valid(&board);
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(BoardError::Invalid(diagnostics)) => {
            if global.json {
                print_json(&serde_json::json!({
                    "file": args.file.display().to_string(),
                    "valid": false,
                    "diagnostics": diagnostics.iter().map(diagnostic_json).collect::<Vec<_>>(),
                }));
            } else {
                for diagnostic in &diagnostics {
                    println!("{diagnostic}");
                }
                eprintln!("{}: {} errors", args.file.display(), diagnostics.len());
            }
            Ok(ExitCode::FAILURE)
        }
        Err(error) => Err(error.into()),
    }
}

fn print_valid(board: &Board) {
    let enabled = board.enabled_devices().count();
    println!(
        "{}: valid; board {}, {} buses, {} devices ({enabled} enabled)",
        board.file(),
        board.name(),
        board.buses().len(),
        board.devices().len()
    );
    let mut table = Table::new(&["DEVICE", "CLASS", "DRIVER", "BUS", "ENABLED"]);
    for device in board.devices() {
        table.row(vec![
            device.name.clone(),
            device.spec.class().as_str().to_owned(),
            device.spec.driver().to_owned(),
            device.spec.bus().unwrap_or("-").to_owned(),
            if device.spec.is_enabled() {
                "yes"
            } else {
                "no"
            }
            .to_owned(),
        ]);
    }
    table.print();
}

fn valid_json(board: &Board) -> serde_json::Value {
    let devices: Vec<serde_json::Value> = board
        .devices()
        .iter()
        .map(|device| {
            serde_json::json!({
                "name": device.name,
                "class": device.spec.class().as_str(),
                "driver": device.spec.driver(),
                "bus": device.spec.bus(),
                "enabled": device.spec.is_enabled(),
            })
        })
        .collect();
    serde_json::json!({
        "file": board.file(),
        "valid": true,
        "board": board.name(),
        "buses": board.buses().iter().map(|b| b.name.as_str()).collect::<Vec<_>>(),
        "devices": devices,
        "diagnostics": [],
    })
}

fn diagnostic_json(diagnostic: &Diagnostic) -> serde_json::Value {
    serde_json::json!({
        "file": diagnostic.file,
        "line": diagnostic.line,
        "column": diagnostic.column,
        "key": diagnostic.key,
        "kind": diagnostic.kind.as_str(),
        "message": diagnostic.message,
        "text": diagnostic.to_string(),
    })
}
