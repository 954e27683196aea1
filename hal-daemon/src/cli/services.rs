//! `yunctl list`, `yunctl dump`, `yunctl restart`: the registered services
//! and the daemon's view of them.

use crate::output::{or_dash, print_json, Table};
use crate::Global;
use anyhow::Context;
use clap::Args;
use std::collections::BTreeMap;
use std::process::ExitCode;
use yunhal_daemon::api::{
    status_json, DaemonStatus, IDaemon, ServiceState, ServiceStatus, DAEMON_SERVICE,
};
use yunhal_ipc::{ServiceInfo, ServiceManager, Strong};

/// List the services: name, descriptor, version, pid, state, clients.
///
/// Shows every service the service manager has registered and every
/// service yunhald supervises (also those restarting or failed, which are
/// not registered).
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  yunctl list\n  yunctl list --json")]
pub struct ListArgs {}

/// Show the state of one service, as yunhald sees it and as it reports itself.
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  yunctl dump yunhal.IDaemon/default")]
pub struct DumpArgs {
    /// The service's registered name.
    pub service: String,
}

/// Restart a service now and clear its failure history (also one marked failed).
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  yunctl restart yunhal.sensors.ISensors/default")]
pub struct RestartArgs {
    /// The service's registered name.
    pub service: String,
}

fn daemon(sm: &ServiceManager) -> anyhow::Result<Strong<dyn IDaemon>> {
    sm.get_service::<dyn IDaemon>(DAEMON_SERVICE)
        .with_context(|| format!("cannot reach {DAEMON_SERVICE}"))
}

/// One line of `yunctl list`: a registration, a supervised service, or both.
struct Row {
    registered: Option<ServiceInfo>,
    supervised: Option<ServiceStatus>,
}

pub fn list(global: &Global, _args: &ListArgs) -> anyhow::Result<ExitCode> {
    let sm = global.connect()?;
    let registered = sm.list().context("listing services")?;
    // Without the management service the registrations still show.
    let status: Option<DaemonStatus> = daemon(&sm).ok().and_then(|d| d.status().ok());

    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    for info in registered {
        let row = rows.entry(info.name.clone()).or_insert(Row {
            registered: None,
            supervised: None,
        });
        row.registered = Some(info);
    }
    for service in status.iter().flat_map(|s| s.services.iter()) {
        let row = rows.entry(service.name.clone()).or_insert(Row {
            registered: None,
            supervised: None,
        });
        row.supervised = Some(service.clone());
    }

    if global.json {
        print_json(&serde_json::json!({
            "daemon": status.as_ref().map(daemon_json),
            "services": rows.values().map(row_json).collect::<Vec<_>>(),
        }));
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(status) = &status {
        println!(
            "yunhald {} on board {} ({}), pid {}, up {:.1} s",
            status.version,
            status.board,
            status.board_file,
            status.pid,
            status.uptime_ms as f64 / 1000.0
        );
    }
    let mut table = Table::new(&["NAME", "DESCRIPTOR", "VERSION", "PID", "STATE", "CLIENTS"]);
    for (name, row) in &rows {
        let info = row.registered.as_ref();
        let supervised = row.supervised.as_ref();
        table.row(vec![
            name.clone(),
            info.map(|i| i.descriptor.clone())
                .or_else(|| supervised.map(|s| s.descriptor.clone()))
                .unwrap_or_default(),
            or_dash(info.map(|i| i.version).or(supervised.map(|s| s.version))),
            or_dash(info.map(|i| i.pid)),
            supervised.map_or_else(|| "registered".to_owned(), |s| short_state(&s.state)),
            or_dash(supervised.map(|s| s.clients)),
        ]);
    }
    table.print();
    for service in rows.values().filter_map(|r| r.supervised.as_ref()) {
        if let ServiceState::Failed { reason } = &service.state {
            println!("{}: {reason}", service.name);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn short_state(state: &ServiceState) -> String {
    match state {
        ServiceState::Restarting {
            attempt,
            next_in_ms,
        } => format!("restarting #{attempt} in {next_in_ms} ms"),
        other => other.name().to_owned(),
    }
}

fn daemon_json(status: &DaemonStatus) -> serde_json::Value {
    serde_json::json!({
        "version": status.version,
        "pid": status.pid,
        "uptime_ms": status.uptime_ms,
        "board": status.board,
        "board_file": status.board_file,
    })
}

fn row_json(row: &Row) -> serde_json::Value {
    let mut json = match (&row.supervised, &row.registered) {
        (Some(status), _) => status_json(status),
        (None, Some(info)) => serde_json::json!({
            "name": info.name,
            "descriptor": info.descriptor,
            "version": info.version,
            "state": "registered",
        }),
        (None, None) => unreachable!("a row has a registration or a status"),
    };
    json["supervised"] = row.supervised.is_some().into();
    json["registered"] = row.registered.is_some().into();
    if let Some(info) = &row.registered {
        json["pid"] = info.pid.into();
        json["uid"] = info.uid.into();
        json["endpoint"] = info.endpoint.as_str().into();
    }
    json
}

pub fn dump(global: &Global, args: &DumpArgs) -> anyhow::Result<ExitCode> {
    let sm = global.connect()?;
    let text = daemon(&sm)?
        .dump(args.service.clone())
        .with_context(|| format!("dump of {}", args.service))?;
    let dump: serde_json::Value =
        serde_json::from_str(&text).context("the daemon's dump is not JSON")?;
    if global.json {
        print_json(&dump);
        return Ok(ExitCode::SUCCESS);
    }
    for section in ["supervisor", "service"] {
        let Some(fields) = dump[section].as_object() else {
            continue;
        };
        println!("{section}:");
        let mut table = Table::headless();
        for (key, value) in fields {
            let text = match value {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => "-".to_owned(),
                other => other.to_string(),
            };
            table.row(vec![format!("  {key}"), text]);
        }
        table.print();
    }
    Ok(ExitCode::SUCCESS)
}

pub fn restart(global: &Global, args: &RestartArgs) -> anyhow::Result<ExitCode> {
    let sm = global.connect()?;
    daemon(&sm)?
        .restart(args.service.clone())
        .with_context(|| format!("restart of {}", args.service))?;
    if global.json {
        print_json(&serde_json::json!({ "restart_requested": args.service }));
    } else {
        println!("restart of {} requested", args.service);
    }
    Ok(ExitCode::SUCCESS)
}
