//! The per-process IPC runtime: the endpoint socket other processes connect
//! to, the published objects, the connections, and the thread pool that
//! serves them.

use crate::connection::{Connection, EXPORT_BASE};
use crate::object::{Binder, Handle, Interface, PeerInfo, Strong};
use crate::status::{Status, TransportError};
use crate::sys::{self, Epoll};
use crate::watchdog::Watchdog;
use crate::Limits;
use rustix::fd::{AsFd, OwnedFd};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};

const LISTENER_TOKEN: u64 = 0;
const WAKE_TOKEN: u64 = u64::MAX;

/// Decides whether a caller may call a method.
///
/// The runtime asks it before every incoming transaction, with the caller's
/// kernel-given identity; a denial reaches the caller as the `Status` the
/// policy returns (a security exception, normally) and is logged.
pub trait Policy: Send + Sync {
    /// `Ok` to allow `descriptor.method` for `caller`.
    fn check(&self, caller: &PeerInfo, descriptor: &str, method: &str) -> Result<(), Status>;
}

pub(crate) struct RuntimeInner {
    pub(crate) epoll: Epoll,
    limits: Limits,
    wake: OwnedFd,
    shutting_down: AtomicBool,
    next_connection: AtomicU64,
    next_published: AtomicU64,
    connections: RwLock<HashMap<u64, Arc<Connection>>>,
    outgoing: Mutex<HashMap<PathBuf, Weak<Connection>>>,
    published: RwLock<HashMap<u64, Arc<dyn Binder>>>,
    /// Published objects by the address of their implementation, so that
    /// sending one in a call names it by its published id.
    published_keys: RwLock<HashMap<usize, u64>>,
    listener: Mutex<Option<(OwnedFd, PathBuf)>>,
    policy: RwLock<Option<Arc<dyn Policy>>>,
    pool: Mutex<PoolState>,
    /// Pool threads waiting in epoll right now.
    idle_threads: AtomicUsize,
    pub(crate) watchdog: Arc<Watchdog>,
}

#[derive(Default)]
struct PoolState {
    started: usize,
    size: usize,
}

/// One process's IPC runtime. Cheap to clone; all clones are the same runtime.
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<RuntimeInner>,
}

impl Runtime {
    /// A runtime with the default limits and a pool of 4 threads (started
    /// when first needed).
    pub fn new() -> std::io::Result<Runtime> {
        Runtime::with_limits(Limits::default())
    }

    /// A runtime with the given limits.
    pub fn with_limits(limits: Limits) -> std::io::Result<Runtime> {
        let epoll = Epoll::new()?;
        let wake = rustix::event::eventfd(0, rustix::event::EventfdFlags::CLOEXEC)
            .map_err(|e| std::io::Error::from_raw_os_error(e.raw_os_error()))?;
        // Level-triggered and never consumed: once written, every pool
        // thread sees it and leaves.
        rustix::event::epoll::add(
            epoll.as_fd(),
            &wake,
            rustix::event::epoll::EventData::new_u64(WAKE_TOKEN),
            rustix::event::epoll::EventFlags::IN,
        )
        .map_err(|e| std::io::Error::from_raw_os_error(e.raw_os_error()))?;
        Ok(Runtime {
            inner: Arc::new(RuntimeInner {
                epoll,
                limits,
                wake,
                shutting_down: AtomicBool::new(false),
                next_connection: AtomicU64::new(1),
                next_published: AtomicU64::new(1),
                connections: RwLock::new(HashMap::new()),
                outgoing: Mutex::new(HashMap::new()),
                published: RwLock::new(HashMap::new()),
                published_keys: RwLock::new(HashMap::new()),
                listener: Mutex::new(None),
                policy: RwLock::new(None),
                pool: Mutex::new(PoolState {
                    started: 0,
                    size: 4,
                }),
                idle_threads: AtomicUsize::new(0),
                watchdog: Arc::default(),
            }),
        })
    }

    /// The limits this runtime enforces.
    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    /// Sets how many pool threads serve incoming calls (default 4). Only
    /// takes effect before the pool starts.
    pub fn set_thread_pool_size(&self, threads: usize) {
        self.inner.pool.lock().expect("pool").size = threads.max(1);
    }

    /// Installs the policy every incoming call is checked against.
    pub fn set_policy(&self, policy: Arc<dyn Policy>) {
        *self.inner.policy.write().expect("policy") = Some(policy);
    }

    /// Listens for connections at `path` (the process's endpoint).
    pub fn listen(&self, path: &Path) -> std::io::Result<()> {
        let mut slot = self.inner.listener.lock().expect("listener");
        if slot.is_some() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "runtime already listens",
            ));
        }
        let fd = sys::listen(path)?;
        rustix::fs::fcntl_setfl(&fd, rustix::fs::OFlags::NONBLOCK)
            .map_err(|e| std::io::Error::from_raw_os_error(e.raw_os_error()))?;
        self.inner.epoll.add_oneshot(fd.as_fd(), LISTENER_TOKEN)?;
        *slot = Some((fd, path.to_path_buf()));
        drop(slot);
        self.inner.start_pool();
        Ok(())
    }

    /// The path this runtime listens at, if it does.
    pub fn endpoint(&self) -> Option<PathBuf> {
        self.inner
            .listener
            .lock()
            .expect("listener")
            .as_ref()
            .map(|(_, p)| p.clone())
    }

    /// Publishes a local object to every connection; returns its object id.
    pub fn publish<I: ?Sized + Interface>(&self, object: &Strong<I>) -> u64 {
        let id = self.inner.next_published.fetch_add(1, Ordering::Relaxed);
        self.publish_at(id, object.binder_for_publish());
        let key = Arc::as_ptr(object.as_arc()) as *const () as usize;
        self.inner
            .published_keys
            .write()
            .expect("published keys")
            .insert(key, id);
        id
    }

    /// Publishes `binder` under a fixed id (the service manager is 0).
    pub fn publish_at(&self, id: u64, binder: Arc<dyn Binder>) {
        assert!(id < EXPORT_BASE, "published ids are below {EXPORT_BASE}");
        self.inner
            .published
            .write()
            .expect("published")
            .insert(id, binder);
    }

    /// Withdraws a published object; calls to it get a stale-handle error.
    pub fn unpublish(&self, id: u64) {
        self.inner.published.write().expect("published").remove(&id);
        self.inner
            .published_keys
            .write()
            .expect("published keys")
            .retain(|_, v| *v != id);
    }

    /// A handle to object `object` of the process listening at `endpoint`.
    /// Connections are shared: one per endpoint per process.
    pub fn handle(&self, endpoint: &Path, object: u64) -> Result<Handle, Status> {
        let conn = self.connect(endpoint)?;
        Ok(conn.import(object))
    }

    /// A typed proxy for object `object` at `endpoint`.
    pub fn proxy<I: ?Sized + Interface>(
        &self,
        endpoint: &Path,
        object: u64,
    ) -> Result<Strong<I>, Status> {
        Ok(Strong::new(I::new_proxy(self.handle(endpoint, object)?)))
    }

    fn connect(&self, endpoint: &Path) -> Result<Arc<Connection>, Status> {
        let mut out = self.inner.outgoing.lock().expect("outgoing");
        if let Some(conn) = out.get(endpoint).and_then(Weak::upgrade) {
            if !conn.is_dead() {
                return Ok(conn);
            }
        }
        let sock = sys::connect(endpoint).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused => {
                Status::from(TransportError::DeadObject)
            }
            _ => TransportError::Io(format!("connect to {}: {e}", endpoint.display())).into(),
        })?;
        let id = self.inner.next_connection.fetch_add(1, Ordering::Relaxed);
        let conn = Connection::new(&self.inner, id, sock, self.inner.limits.clone(), None)
            .map_err(|e| TransportError::Io(e.to_string()))?;
        out.retain(|_, w| w.strong_count() > 0);
        out.insert(endpoint.to_path_buf(), Arc::downgrade(&conn));
        Ok(conn)
    }

    /// Serves calls on the calling thread too, until [`shutdown`](Self::shutdown).
    pub fn join_thread_pool(&self) {
        self.inner.start_pool();
        self.inner.pool_loop();
    }

    /// Stops serving: pool threads leave, the endpoint socket is removed,
    /// every connection is closed (peers see the death).
    pub fn shutdown(&self) {
        if self.inner.shutting_down.swap(true, Ordering::SeqCst) {
            return;
        }
        let _ = rustix::io::write(&self.inner.wake, &1u64.to_ne_bytes());
        self.inner.watchdog.stop();
        if let Some((fd, path)) = self.inner.listener.lock().expect("listener").take() {
            self.inner.epoll.remove(fd.as_fd());
            let _ = std::fs::remove_file(path);
        }
        let conns: Vec<_> = self
            .inner
            .connections
            .read()
            .expect("connections")
            .values()
            .cloned()
            .collect();
        for c in conns {
            c.die(TransportError::DeadObject);
        }
        let outgoing: Vec<_> = self
            .inner
            .outgoing
            .lock()
            .expect("outgoing")
            .values()
            .filter_map(Weak::upgrade)
            .collect();
        for c in outgoing {
            c.die(TransportError::DeadObject);
        }
    }

    /// Connections currently open to this process's endpoint.
    pub fn incoming_connections(&self) -> usize {
        self.inner.connections.read().expect("connections").len()
    }
}

impl<I: ?Sized + Interface> Strong<I> {
    fn binder_for_publish(&self) -> Arc<dyn Binder> {
        self.binder()
    }
}

impl Drop for RuntimeInner {
    fn drop(&mut self) {
        self.watchdog.stop();
    }
}

impl RuntimeInner {
    pub(crate) fn published(&self, id: u64) -> Option<Arc<dyn Binder>> {
        self.published.read().expect("published").get(&id).cloned()
    }

    /// Whether another pool thread waits in epoll, so that this one may
    /// stay with one connection for a moment.
    pub(crate) fn has_idle_pool_thread(&self) -> bool {
        self.idle_threads.load(Ordering::SeqCst) > 0
    }

    pub(crate) fn published_id(&self, key: usize) -> Option<u64> {
        self.published_keys
            .read()
            .expect("published keys")
            .get(&key)
            .copied()
    }

    pub(crate) fn published_all(&self) -> Vec<Arc<dyn Binder>> {
        self.published
            .read()
            .expect("published")
            .values()
            .cloned()
            .collect()
    }

    pub(crate) fn check_policy(
        &self,
        caller: &PeerInfo,
        descriptor: &str,
        method: &str,
    ) -> Result<(), Status> {
        match &*self.policy.read().expect("policy") {
            Some(p) => p.check(caller, descriptor, method),
            None => Ok(()),
        }
    }

    pub(crate) fn register_connection(self: &Arc<Self>, conn: &Arc<Connection>) {
        if !conn.set_registered() {
            return;
        }
        self.connections
            .write()
            .expect("connections")
            .insert(conn.id(), conn.clone());
        if let Err(e) = self.epoll.add_oneshot(conn.sock(), conn.id()) {
            tracing::error!(connection = conn.id(), "epoll add failed: {e}");
        }
        self.start_pool();
    }

    pub(crate) fn forget_connection(&self, conn: &Connection) {
        if self
            .connections
            .write()
            .expect("connections")
            .remove(&conn.id())
            .is_some()
        {
            self.epoll.remove(conn.sock());
        }
    }

    fn start_pool(self: &Arc<Self>) {
        let mut pool = self.pool.lock().expect("pool");
        while pool.started < pool.size {
            pool.started += 1;
            let rt = self.clone();
            let n = pool.started;
            std::thread::Builder::new()
                .name(format!("yunhal-ipc-{n}"))
                .spawn(move || rt.pool_loop())
                .expect("spawn IPC pool thread");
        }
    }

    fn pool_loop(self: &Arc<Self>) {
        while !self.shutting_down.load(Ordering::SeqCst) {
            self.idle_threads.fetch_add(1, Ordering::SeqCst);
            let ready = self.epoll.wait_one();
            self.idle_threads.fetch_sub(1, Ordering::SeqCst);
            let ready = match ready {
                Ok(r) => r,
                Err(e) => {
                    tracing::error!("epoll wait failed: {e}");
                    return;
                }
            };
            match ready.token {
                WAKE_TOKEN => return,
                LISTENER_TOKEN => self.accept_all(),
                id => {
                    let conn = self
                        .connections
                        .read()
                        .expect("connections")
                        .get(&id)
                        .cloned();
                    if let Some(conn) = conn {
                        conn.on_readable();
                    }
                }
            }
        }
    }

    fn accept_all(self: &Arc<Self>) {
        let listener = self.listener.lock().expect("listener");
        let Some((fd, _)) = listener.as_ref() else {
            return;
        };
        loop {
            match sys::accept(fd.as_fd()) {
                Ok(Some(sock)) => {
                    let id = self.next_connection.fetch_add(1, Ordering::Relaxed);
                    match Connection::new(
                        self,
                        id,
                        sock,
                        self.limits.clone(),
                        (!self.limits.linger.is_zero()).then_some(self.limits.linger),
                    ) {
                        Ok(conn) => self.register_connection(&conn),
                        Err(e) => tracing::warn!("accepted connection dropped: {e}"),
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!("accept failed: {e}");
                    break;
                }
            }
        }
        if let Err(e) = self.epoll.rearm(fd.as_fd(), LISTENER_TOKEN) {
            tracing::error!("listener re-arm failed: {e}");
        }
    }
}
