//! The service manager: a well-known socket where services register by
//! name and clients find them.
//!
//! A service process listens at its own endpoint socket and tells the
//! service manager "name → (endpoint, object id)"; the manager checks that
//! the endpoint really belongs to the caller (by the kernel's `SO_PEERCRED`
//! of the endpoint). A client asks for the name and connects to the endpoint
//! directly, so the service sees the client's own credentials. When the
//! registering process dies, its services disappear.

use crate::object::{caller, Handle, PeerInfo, Strong};
use crate::runtime::Runtime;
use crate::status::{ExceptionCode, Status, TransportError};
use crate::{Interface, Stub};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Environment variable naming the service manager's socket.
pub const SOCKET_ENV: &str = "YUNHAL_SERVICE_MANAGER";

/// The object id of the service manager at its socket.
pub const OBJECT_ID: u64 = 0;

/// A registered service.
#[derive(Debug, Clone, Eq, PartialEq, Serialize, Deserialize)]
pub struct ServiceInfo {
    /// E.g. `yunhal.sensors.ISensors/default`.
    pub name: String,
    /// The interface descriptor the object implements.
    pub descriptor: String,
    /// The interface version the service implements.
    pub version: u32,
    /// The endpoint socket of the service's process.
    pub endpoint: String,
    /// The object id at that endpoint.
    pub object: u64,
    /// The service process.
    pub pid: i32,
    /// Its user id.
    pub uid: u32,
}

crate::interface! {
    /// The service manager's interface.
    pub trait IServiceManager: "yunhal.IServiceManager", version 1 {
        /// Registers (or re-registers, from the same process) a service.
        1 => fn add_service(name: String, descriptor: String, version: u32, endpoint: String, object: u64);
        /// The service of that name, if registered.
        2 => fn check_service(name: String) -> Option<ServiceInfo>;
        /// Every registered service, by name.
        3 => fn list_services() -> Vec<ServiceInfo>;
        /// Calls `callback` for every service whose name starts with
        /// `prefix`, now for those registered and later as they register.
        4 => fn register_for_notifications(prefix: String, callback: Strong<dyn IServiceCallback>);
        /// Stops the notifications to `callback`.
        5 => fn unregister_for_notifications(callback: Strong<dyn IServiceCallback>);
    }
}

crate::interface! {
    /// Told when a service registers.
    pub trait IServiceCallback: "yunhal.IServiceCallback", version 1 {
        /// `service` registered.
        1 => oneway on_registration(service: ServiceInfo);
    }
}

/// The default socket path: `$YUNHAL_SERVICE_MANAGER`, else
/// `$XDG_RUNTIME_DIR/yunhal/servicemanager.sock`, else
/// `/run/yunhal/servicemanager.sock` for root and
/// `/tmp/yunhal-$UID/servicemanager.sock` for others.
pub fn default_socket_path() -> PathBuf {
    if let Some(p) = std::env::var_os(SOCKET_ENV) {
        return PathBuf::from(p);
    }
    if let Some(dir) = std::env::var_os("XDG_RUNTIME_DIR") {
        return Path::new(&dir).join("yunhal/servicemanager.sock");
    }
    let uid = rustix::process::getuid().as_raw();
    if uid == 0 {
        PathBuf::from("/run/yunhal/servicemanager.sock")
    } else {
        PathBuf::from(format!("/tmp/yunhal-{uid}/servicemanager.sock"))
    }
}

fn valid_name(name: &str) -> Result<(), Status> {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || "._/-@".contains(c);
    if name.is_empty() || name.len() > 256 || !name.chars().all(ok_char) {
        return Err(Status::illegal_argument(format!(
            "service name {name:?}: 1 to 256 characters of A-Z a-z 0-9 . _ / - @"
        )));
    }
    Ok(())
}

struct Registration {
    info: ServiceInfo,
    /// Keeps the connection to the service's process open; its death
    /// removes the registration.
    _keep_alive: Handle,
}

struct Watcher {
    prefix: String,
    callback: Strong<dyn IServiceCallback>,
    connection: u64,
}

#[derive(Default)]
struct Registry {
    services: BTreeMap<String, Registration>,
    watchers: Vec<Watcher>,
}

/// The service manager itself (the service side).
pub struct ServiceManagerService {
    rt: Runtime,
    registry: Arc<Mutex<Registry>>,
}

impl ServiceManagerService {
    /// Serves a new service manager at `path` on `rt` (which must not
    /// listen elsewhere yet).
    pub fn serve(rt: &Runtime, path: &Path) -> std::io::Result<Arc<ServiceManagerService>> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let service = Arc::new(ServiceManagerService {
            rt: rt.clone(),
            registry: Arc::default(),
        });
        let object: Arc<dyn IServiceManager> = service.clone();
        rt.publish_at(OBJECT_ID, Arc::new(Stub(object)));
        rt.listen(path)?;
        Ok(service)
    }

    fn registry(&self) -> std::sync::MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn current_caller() -> Result<Arc<PeerInfo>, Status> {
    caller().ok_or_else(|| Status::illegal_state("no caller: not inside an IPC call"))
}

impl IServiceManager for ServiceManagerService {
    fn add_service(
        &self,
        name: String,
        descriptor: String,
        version: u32,
        endpoint: String,
        object: u64,
    ) -> Result<(), Status> {
        let peer = current_caller()?;
        valid_name(&name)?;
        // The endpoint must be the caller's own: the kernel says who listens.
        let handle = self.rt.handle(Path::new(&endpoint), object).map_err(|e| {
            Status::illegal_argument(format!("endpoint {endpoint}: cannot connect: {e}"))
        })?;
        let owner = handle.peer();
        if owner.pid != peer.pid {
            return Err(Status::security(format!(
                "endpoint {endpoint} belongs to pid {}, not to the caller (pid {})",
                owner.pid, peer.pid
            )));
        }
        let info = ServiceInfo {
            name: name.clone(),
            descriptor,
            version,
            endpoint,
            object,
            pid: peer.pid,
            uid: peer.uid,
        };
        let registry = Arc::downgrade(&self.registry);
        let (gone_name, gone_endpoint, gone_object) = (name.clone(), info.endpoint.clone(), object);
        handle.link_to_death(Arc::new(move |_: &Handle| {
            let Some(registry) = registry.upgrade() else { return };
            let mut reg = registry.lock().unwrap_or_else(|p| p.into_inner());
            // Only this registration: the name may belong to a newer
            // instance (a restarted service) by now.
            if reg
                .services
                .get(&gone_name)
                .is_some_and(|r| r.info.endpoint == gone_endpoint && r.info.object == gone_object)
            {
                reg.services.remove(&gone_name);
                tracing::info!(service = %gone_name, endpoint = %gone_endpoint, "service gone: its endpoint closed");
            }
        }))?;
        let to_notify: Vec<_> = {
            let mut reg = self.registry();
            if let Some(existing) = reg.services.get(&name) {
                if existing.info.pid != peer.pid {
                    return Err(Status::illegal_state(format!(
                        "{name} is already registered by pid {}",
                        existing.info.pid
                    )));
                }
            }
            reg.services.insert(
                name.clone(),
                Registration {
                    info: info.clone(),
                    _keep_alive: handle,
                },
            );
            reg.watchers
                .iter()
                .filter(|w| name.starts_with(&w.prefix))
                .map(|w| w.callback.clone())
                .collect()
        };
        tracing::info!(service = %name, pid = peer.pid, uid = peer.uid, "service registered");
        for cb in to_notify {
            if let Err(e) = cb.on_registration(info.clone()) {
                tracing::debug!("registration notice not delivered: {e}");
            }
        }
        Ok(())
    }

    fn check_service(&self, name: String) -> Result<Option<ServiceInfo>, Status> {
        Ok(self.registry().services.get(&name).map(|r| r.info.clone()))
    }

    fn list_services(&self) -> Result<Vec<ServiceInfo>, Status> {
        Ok(self
            .registry()
            .services
            .values()
            .map(|r| r.info.clone())
            .collect())
    }

    fn register_for_notifications(
        &self,
        prefix: String,
        callback: Strong<dyn IServiceCallback>,
    ) -> Result<(), Status> {
        let peer = current_caller()?;
        let existing: Vec<ServiceInfo> = {
            let mut reg = self.registry();
            reg.watchers.push(Watcher {
                prefix: prefix.clone(),
                callback: callback.clone(),
                connection: peer.connection,
            });
            reg.services
                .values()
                .filter(|r| r.info.name.starts_with(&prefix))
                .map(|r| r.info.clone())
                .collect()
        };
        for info in existing {
            let _ = callback.on_registration(info);
        }
        Ok(())
    }

    fn unregister_for_notifications(
        &self,
        callback: Strong<dyn IServiceCallback>,
    ) -> Result<(), Status> {
        let mut reg = self.registry();
        let before = reg.watchers.len();
        reg.watchers.retain(|w| !w.callback.same_object(&callback));
        if reg.watchers.len() == before {
            return Err(Status::illegal_argument("callback is not registered"));
        }
        Ok(())
    }

    fn on_client_gone(&self, peer: &PeerInfo) {
        self.registry()
            .watchers
            .retain(|w| w.connection != peer.connection);
    }
}

/// A client of the service manager.
#[derive(Clone)]
pub struct ServiceManager {
    rt: Runtime,
    sm: Strong<dyn IServiceManager>,
    socket: PathBuf,
}

struct ChannelCallback(Mutex<mpsc::Sender<ServiceInfo>>);

impl IServiceCallback for ChannelCallback {
    fn on_registration(&self, service: ServiceInfo) -> Result<(), Status> {
        let _ = self
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(service);
        Ok(())
    }
}

impl ServiceManager {
    /// Connects to the service manager at [`default_socket_path`].
    pub fn connect(rt: &Runtime) -> Result<ServiceManager, Status> {
        ServiceManager::connect_at(rt, &default_socket_path())
    }

    /// Connects to the service manager at `socket`.
    pub fn connect_at(rt: &Runtime, socket: &Path) -> Result<ServiceManager, Status> {
        let sm = rt.proxy::<dyn IServiceManager>(socket, OBJECT_ID)?;
        Ok(ServiceManager {
            rt: rt.clone(),
            sm,
            socket: socket.to_path_buf(),
        })
    }

    /// The raw interface.
    pub fn interface(&self) -> &Strong<dyn IServiceManager> {
        &self.sm
    }

    /// Publishes `service` in this process and registers it under `name`.
    /// The runtime starts listening at an endpoint beside the service
    /// manager's socket if it does not listen yet.
    pub fn add_service<I: ?Sized + Interface>(
        &self,
        name: &str,
        service: &Strong<I>,
    ) -> Result<u64, Status> {
        let endpoint = match self.rt.endpoint() {
            Some(p) => p,
            None => {
                let dir = self.socket.parent().unwrap_or(Path::new("/tmp"));
                let path = dir.join(format!("ep-{}.sock", std::process::id()));
                self.rt.listen(&path).map_err(|e| {
                    TransportError::Io(format!("listen at {}: {e}", path.display()))
                })?;
                path
            }
        };
        let id = self.rt.publish(service);
        let result = self.sm.add_service(
            name.to_string(),
            I::DESCRIPTOR.to_string(),
            I::VERSION,
            endpoint.to_string_lossy().into_owned(),
            id,
        );
        if result.is_err() {
            self.rt.unpublish(id);
        }
        result.map(|()| id)
    }

    /// The registration of `name`, if any.
    pub fn check_service(&self, name: &str) -> Result<Option<ServiceInfo>, Status> {
        self.sm.check_service(name.to_string())
    }

    /// Every registered service.
    pub fn list(&self) -> Result<Vec<ServiceInfo>, Status> {
        self.sm.list_services()
    }

    /// A proxy to the service `name`, which must implement `I`.
    pub fn get_service<I: ?Sized + Interface>(&self, name: &str) -> Result<Strong<I>, Status> {
        let info = self
            .check_service(name)?
            .ok_or_else(|| TransportError::NameNotFound(name.to_string()))?;
        self.open::<I>(&info)
    }

    /// A proxy to a registered service.
    pub fn open<I: ?Sized + Interface>(&self, info: &ServiceInfo) -> Result<Strong<I>, Status> {
        if info.descriptor != I::DESCRIPTOR {
            return Err(Status::exception(
                ExceptionCode::WrongInterface,
                format!(
                    "{} implements {}, not {}",
                    info.name,
                    info.descriptor,
                    I::DESCRIPTOR
                ),
            ));
        }
        self.rt.proxy::<I>(Path::new(&info.endpoint), info.object)
    }

    /// Waits up to `timeout` for `name` to register, then opens it.
    pub fn wait_for_service<I: ?Sized + Interface>(
        &self,
        name: &str,
        timeout: Duration,
    ) -> Result<Strong<I>, Status> {
        let (tx, rx) = mpsc::channel();
        let callback: Arc<dyn IServiceCallback> = Arc::new(ChannelCallback(Mutex::new(tx)));
        let callback = Strong::new(callback);
        self.sm
            .register_for_notifications(name.to_string(), callback.clone())?;
        let deadline = std::time::Instant::now() + timeout;
        let found = loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match rx.recv_timeout(left) {
                Ok(info) if info.name == name => break Some(info),
                Ok(_) => continue,
                Err(_) => break None,
            }
        };
        let _ = self.sm.unregister_for_notifications(callback);
        match found {
            Some(info) => self.open::<I>(&info),
            None => {
                Err(TransportError::NameNotFound(format!("{name} (waited {timeout:?})")).into())
            }
        }
    }

    /// Calls `callback` for each service whose name starts with `prefix`.
    pub fn register_for_notifications(
        &self,
        prefix: &str,
        callback: Arc<dyn IServiceCallback>,
    ) -> Result<(), Status> {
        self.sm
            .register_for_notifications(prefix.to_string(), Strong::new(callback))
    }
}
