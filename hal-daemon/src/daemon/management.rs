//! `yunhal.IDaemon/default`: the daemon's management service, itself a
//! supervised service so that `yunctl list` shows it.

use std::sync::Arc;
use std::time::Instant;
use yunhal_daemon::api::{DaemonStatus, IDaemon, DAEMON_SERVICE};
use yunhal_daemon::supervisor::{HalService, ServiceContext, ServiceError, SupervisorHandle};
use yunhal_ipc::{Interface, Status, Strong};

/// What the management service reports about the daemon.
pub struct DaemonInfo {
    pub board: String,
    pub board_file: String,
    pub started: Instant,
    pub supervisor: SupervisorHandle,
}

/// The management service as the supervisor runs it.
pub struct ManagementService(Arc<DaemonInfo>);

impl ManagementService {
    pub fn new(info: DaemonInfo) -> ManagementService {
        ManagementService(Arc::new(info))
    }
}

impl HalService for ManagementService {
    fn name(&self) -> &str {
        DAEMON_SERVICE
    }

    fn descriptor(&self) -> &'static str {
        <dyn IDaemon as Interface>::DESCRIPTOR
    }

    fn version(&self) -> u32 {
        <dyn IDaemon as Interface>::VERSION
    }

    fn start(&self, ctx: &ServiceContext) -> Result<(), ServiceError> {
        let object: Arc<dyn IDaemon> = Arc::new(Management(self.0.clone()));
        ctx.publish(&Strong::new(object))
    }

    /// No hardware to power down.
    fn stop(&self) {}

    fn dump(&self) -> serde_json::Value {
        serde_json::json!({
            "board": self.0.board,
            "board_file": self.0.board_file,
            "pid": std::process::id(),
            "uptime_ms": self.0.started.elapsed().as_millis() as u64,
            "version": env!("CARGO_PKG_VERSION"),
        })
    }
}

/// The published object.
struct Management(Arc<DaemonInfo>);

impl IDaemon for Management {
    fn status(&self) -> Result<DaemonStatus, Status> {
        Ok(DaemonStatus {
            board: self.0.board.clone(),
            board_file: self.0.board_file.clone(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            pid: std::process::id() as i32,
            uptime_ms: self.0.started.elapsed().as_millis() as u64,
            services: self.0.supervisor.status(),
        })
    }

    fn dump(&self, name: String) -> Result<String, Status> {
        let dump = self.0.supervisor.dump(&name).ok_or_else(|| {
            Status::illegal_argument(format!("no supervised service named {name:?}"))
        })?;
        Ok(dump.to_string())
    }

    fn restart(&self, name: String) -> Result<(), Status> {
        if name == DAEMON_SERVICE {
            // Restarting it would close the connection this call is on.
            return Err(Status::illegal_argument(format!(
                "{DAEMON_SERVICE} cannot restart itself; restart yunhald"
            )));
        }
        if let Some(caller) = yunhal_ipc::caller() {
            tracing::info!(service = %name, uid = caller.uid, pid = caller.pid, "restart requested");
        }
        self.0.supervisor.restart(&name)
    }
}
