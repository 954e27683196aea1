//! `ipc-peer`: the processes of the IPC end-to-end tests, one role per run.
//!
//! ```text
//! ipc-peer servicemanager --socket P
//! ipc-peer service --socket P [--name N] [--policy deny-method:M] [--policy deny-uid:U:M]
//! ipc-peer client --socket P [--name N] [-- COMMAND...]
//! ```
//!
//! Every role prints `ready` once it can be used. The client runs the
//! commands given after `--`, or else reads them from stdin one a line; it
//! answers each with one line that starts with the command's name (see
//! `client.rs`). Callbacks and death notices print their own lines.

mod client;
mod service;

use std::path::PathBuf;

struct Args {
    role: String,
    socket: PathBuf,
    name: Option<String>,
    policy: Vec<String>,
    commands: Vec<String>,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut argv = std::env::args().skip(1);
    let role = argv
        .next()
        .ok_or_else(|| anyhow::anyhow!("usage: ipc-peer ROLE --socket P ..."))?;
    let mut args = Args {
        role,
        socket: PathBuf::new(),
        name: None,
        policy: Vec::new(),
        commands: Vec::new(),
    };
    while let Some(arg) = argv.next() {
        let mut value = || {
            argv.next()
                .ok_or_else(|| anyhow::anyhow!("{arg} needs a value"))
        };
        match arg.as_str() {
            "--socket" => args.socket = PathBuf::from(value()?),
            "--name" => args.name = Some(value()?),
            "--policy" => args.policy.push(value()?),
            "--" => {
                args.commands = argv.collect();
                break;
            }
            other => anyhow::bail!("unknown argument {other:?}"),
        }
    }
    if args.socket.as_os_str().is_empty() {
        anyhow::bail!("--socket is required");
    }
    Ok(args)
}

fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    match args.role.as_str() {
        "servicemanager" => service::run_service_manager(&args.socket),
        "service" => service::run_service(&args.socket, args.name.as_deref(), &args.policy),
        "client" => client::run(&args.socket, args.name.as_deref(), &args.commands),
        other => anyhow::bail!("unknown role {other:?}"),
    }
}
