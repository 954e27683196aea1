//! One connection between two processes: sending, reading, routing.
//!
//! Who reads the socket: whoever holds the connection's *reader token*. A
//! thread waiting for its reply takes the token when it is free and reads
//! itself, so a reply wakes exactly the thread that wants it, with no
//! hand-over between threads. A thread of the runtime's pool reads when epoll
//! reports the socket readable and no caller holds the token. A reader that
//! gets a message for someone else routes it: a reply goes into its caller's
//! slot, a transaction is run by the reader itself, as binder's threads do.
//!
//! Oneway transactions of one connection run in the order they were read,
//! one at a time; a two-way transaction runs after every oneway that came
//! before it on the same connection.

use crate::object::{with_caller, Binder, DeathRecipient, Handle, HandleInner, PeerInfo};
use crate::parcel::{self, decode_exact, encode_into, with_dispatch_context, OutFds};
use crate::runtime::RuntimeInner;
use crate::status::{ExceptionCode, Status, TransportError};
use crate::sys::{self, Received};
use crate::wire::{
    self, Header, Kind, CONTINUATION_HEADER_LEN, FLAG_MORE, FLAG_NESTED, FLAG_ONEWAY, FRAGMENT_MAX,
    HEADER_LEN,
};
use crate::Limits;
use rustix::fd::{AsFd, BorrowedFd, OwnedFd};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::io::IoSlice;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::time::Duration;

mod dispatch;
mod objects;
mod transmit;

/// Object ids from here up are exported per connection (callbacks); below
/// are the objects a runtime publishes to every connection (services).
pub(crate) const EXPORT_BASE: u64 = 1 << 32;

/// Messages a pool thread reads off one connection before it returns to epoll.
const POOL_BATCH: usize = 32;

/// A message as read off the socket.
pub(crate) struct Incoming {
    header: Header,
    /// Descriptor bytes, then payload.
    data: Vec<u8>,
    fds: Vec<OwnedFd>,
}

/// The calls of this connection waiting for their replies. A handful at
/// most (one per calling thread), so a vector beats a hash map.
#[derive(Default)]
struct Pending(Vec<(u64, Option<Incoming>)>);

impl Pending {
    fn insert(&mut self, call: u64, reply: Option<Incoming>) {
        self.0.push((call, reply));
    }

    fn get(&self, call: &u64) -> Option<&Option<Incoming>> {
        self.0.iter().find(|(c, _)| c == call).map(|(_, r)| r)
    }

    fn get_mut(&mut self, call: &u64) -> Option<&mut Option<Incoming>> {
        self.0.iter_mut().find(|(c, _)| c == call).map(|(_, r)| r)
    }

    fn remove(&mut self, call: &u64) -> Option<Option<Incoming>> {
        let i = self.0.iter().position(|(c, _)| c == call)?;
        Some(self.0.swap_remove(i).1)
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum ReaderState {
    Idle,
    Caller,
    Pool,
}

struct State {
    reader: ReaderState,
    /// Two-way calls waiting; `Some` once the reply arrived.
    pending: Pending,
    waiters: usize,
    dead: Option<TransportError>,
    registered: bool,
    rearm_pending: bool,
    rearm_deferred: bool,
    /// Armed in epoll and its event not yet delivered.
    armed: bool,
    /// The pool thread that reads this connection runs what it read, and
    /// nobody reads meanwhile (see `watchdog`).
    owner_running: bool,
    /// Counts what the owning pool thread ran, so that the watchdog can
    /// tell one long request from many short ones.
    run_gen: u64,
    /// On the watchdog's list.
    watched: bool,
    in_flight: usize,
    oneways: VecDeque<Incoming>,
    oneway_running: bool,
    oneway_received: u64,
    oneway_done: u64,
    /// What a pool thread read in one batch and has not run yet, in order.
    held: VecDeque<Work>,
}

struct Export {
    binder: Arc<dyn Binder>,
    key: usize,
    /// How many times the object was sent; the peer's releases count down.
    sent: u64,
}

struct Import {
    handle: Weak<HandleInner>,
    received: u64,
}

#[derive(Default)]
struct Objects {
    exports: HashMap<u64, Export>,
    by_key: HashMap<usize, u64>,
    next_export: u64,
    imports: HashMap<u64, Import>,
}

#[derive(Default)]
struct Outbox {
    queue: VecDeque<Outgoing>,
    flushing: bool,
}

struct Outgoing {
    header: Header,
    buf: Vec<u8>,
    fds: OutFds,
    /// A reply: it stops counting as in flight once sent.
    reply: bool,
}

enum Work {
    Nothing,
    TwoWay(Incoming, u64),
    DrainOneways,
    Release(u64, u64),
    Die(TransportError),
}

enum ReadError {
    WouldBlock,
    Closed(TransportError),
}

thread_local! {
    static RECV_BUFS: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
}

pub(crate) struct Connection {
    id: u64,
    /// Pool threads may wait on this socket directly (accepted connections).
    linger: bool,
    sock: OwnedFd,
    peer: Arc<PeerInfo>,
    runtime: Weak<RuntimeInner>,
    limits: Limits,
    outbox: Mutex<Outbox>,
    /// A message whose first fragments have arrived, with its descriptors;
    /// only the reader-token holder touches it.
    partial: Mutex<Option<(wire::Assembly, Vec<OwnedFd>)>>,
    state: Mutex<State>,
    cond: Condvar,
    next_call: AtomicU64,
    next_link: AtomicU64,
    objects: Mutex<Objects>,
}

impl Connection {
    /// `linger`: for connections accepted at the endpoint, how long a pool
    /// thread that just served this connection waits on its socket for the
    /// next message before handing it back to epoll (see `on_readable`).
    pub(crate) fn new(
        runtime: &Arc<RuntimeInner>,
        id: u64,
        sock: OwnedFd,
        limits: Limits,
        linger: Option<Duration>,
    ) -> std::io::Result<Arc<Connection>> {
        let creds = sys::peer_credentials(sock.as_fd())?;
        let pidfd = sys::peer_pidfd(sock.as_fd(), creds.pid);
        let peer = Arc::new(PeerInfo {
            pid: creds.pid,
            uid: creds.uid,
            gid: creds.gid,
            connection: id,
            pidfd,
        });
        sys::set_send_timeout(sock.as_fd(), limits.send_timeout)?;
        if let Some(linger) = linger {
            // Blocking reads on this socket wake up after `linger`: a
            // lingering pool thread then gives the socket back to epoll, a
            // caller waiting for a reply just reads again.
            sys::set_recv_timeout(sock.as_fd(), linger)?;
        }
        Ok(Arc::new(Connection {
            id,
            linger: linger.is_some(),
            sock,
            peer,
            runtime: Arc::downgrade(runtime),
            limits,
            outbox: Mutex::new(Outbox::default()),
            partial: Mutex::new(None),
            state: Mutex::new(State {
                reader: ReaderState::Idle,
                pending: Pending::default(),
                waiters: 0,
                dead: None,
                registered: false,
                rearm_pending: false,
                rearm_deferred: false,
                armed: false,
                owner_running: false,
                run_gen: 0,
                watched: false,
                in_flight: 0,
                oneways: VecDeque::new(),
                oneway_running: false,
                oneway_received: 0,
                oneway_done: 0,
                held: VecDeque::new(),
            }),
            cond: Condvar::new(),
            next_call: AtomicU64::new(1),
            next_link: AtomicU64::new(1),
            objects: Mutex::new(Objects {
                next_export: EXPORT_BASE,
                ..Objects::default()
            }),
        }))
    }

    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    pub(crate) fn peer(&self) -> &Arc<PeerInfo> {
        &self.peer
    }

    pub(crate) fn sock(&self) -> BorrowedFd<'_> {
        self.sock.as_fd()
    }

    pub(crate) fn is_dead(&self) -> bool {
        self.lock().dead.is_some()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn objects(&self) -> MutexGuard<'_, Objects> {
        self.objects.lock().unwrap_or_else(|p| p.into_inner())
    }

    // ---- calls ----------------------------------------------------------

    fn encode_transaction<A: Serialize + ?Sized>(
        self: &Arc<Self>,
        object: u64,
        descriptor: &str,
        version: u32,
        code: u32,
        args: &A,
        borrow_fds: bool,
    ) -> Result<(Header, Vec<u8>, OutFds), Status> {
        // Room for small arguments without growing (a 64-byte payload with
        // its length prefix would not fit in 64).
        let mut buf = Vec::with_capacity(HEADER_LEN + descriptor.len() + 256);
        buf.resize(HEADER_LEN, 0);
        buf.extend_from_slice(descriptor.as_bytes());
        let fds = encode_into(self, args, &mut buf, borrow_fds)?;
        let mut h = Header::new(Kind::Transaction);
        h.object = object;
        h.code = code;
        h.version = version;
        h.descriptor_len = u16::try_from(descriptor.len()).map_err(|_| {
            TransportError::Encode(format!("descriptor of {} bytes", descriptor.len()))
        })?;
        h.payload_len = (buf.len() - HEADER_LEN - descriptor.len()) as u32;
        Ok((h, buf, fds))
    }

    /// A two-way call. `borrow_fds`: the descriptors in `args` are sent as
    /// they are, not duplicated; only for arguments that the calling
    /// thread owns, by value, for the whole call (`OutFds::Borrowed`).
    pub(crate) fn call<A: Serialize + ?Sized, R: DeserializeOwned>(
        self: &Arc<Self>,
        object: u64,
        descriptor: &str,
        (version, code): (u32, u32),
        args: &A,
        borrow_fds: bool,
    ) -> Result<R, Status> {
        let (mut h, buf, fds) =
            self.encode_transaction(object, descriptor, version, code, args, borrow_fds)?;
        let call_id = self.next_call.fetch_add(1, Ordering::Relaxed);
        h.call_id = call_id;
        if crate::object::caller().is_some_and(|c| Arc::ptr_eq(&c, &self.peer)) {
            h.flags |= FLAG_NESTED;
        }
        {
            let mut st = self.lock();
            if let Some(reason) = &st.dead {
                return Err(reason.clone().into());
            }
            st.pending.insert(call_id, None);
        }
        if let Err(e) = self.send(h, buf, fds, false) {
            self.lock().pending.remove(&call_id);
            return Err(e);
        }
        let reply = self.wait_reply(call_id)?;
        decode_reply(self, reply)
    }

    /// A oneway call; `borrow_fds` as for [`call`](Self::call).
    pub(crate) fn call_oneway<A: Serialize + ?Sized>(
        self: &Arc<Self>,
        object: u64,
        descriptor: &str,
        (version, code): (u32, u32),
        args: &A,
        borrow_fds: bool,
    ) -> Result<(), Status> {
        if let Some(reason) = &self.lock().dead {
            return Err(reason.clone().into());
        }
        let (mut h, buf, fds) =
            self.encode_transaction(object, descriptor, version, code, args, borrow_fds)?;
        h.flags |= FLAG_ONEWAY;
        self.send(h, buf, fds, false)
    }

    fn wait_reply(self: &Arc<Self>, call_id: u64) -> Result<Incoming, Status> {
        loop {
            let mut st = self.lock();
            loop {
                if let Some(Some(_)) = st.pending.get(&call_id) {
                    let reply = st
                        .pending
                        .remove(&call_id)
                        .flatten()
                        .expect("reply present");
                    return Ok(reply);
                }
                if let Some(reason) = &st.dead {
                    let reason = reason.clone();
                    st.pending.remove(&call_id);
                    return Err(reason.into());
                }
                if st.reader == ReaderState::Idle {
                    break;
                }
                st.waiters += 1;
                st = self.cond.wait(st).unwrap_or_else(|p| p.into_inner());
                st.waiters -= 1;
            }
            st.reader = ReaderState::Caller;
            drop(st);
            let read = self.read_message(false);
            let work = self.finish_read(read);
            self.run(work);
        }
    }

    // ---- reading --------------------------------------------------------

    /// Called by a pool thread when epoll reports the socket.
    ///
    /// The thread becomes the connection's reader until the connection goes
    /// quiet: it reads what has arrived (several messages with one system
    /// call, as many as the in-flight and oneway limits leave room for),
    /// runs it itself (oneways, two-way calls) and reads again, with the
    /// connection out of epoll all along, so a busy connection costs no
    /// epoll calls. When it has caught up it waits on the socket for a
    /// moment (`linger`) before handing the connection back to epoll, and
    /// only while another pool thread watches epoll for everyone else. If
    /// what it runs takes long, the watchdog hands the connection to epoll
    /// meanwhile, and what else it had read to a spare thread, so the
    /// connection's other callers are served.
    pub(crate) fn on_readable(self: &Arc<Self>) {
        let mut blocking = self.may_linger();
        let mut served = 0;
        // After a two-way call its caller waits for the reply, so most
        // likely one message comes next: reading one saves the kernel a
        // second, empty, attempt. After a oneway, more may be queued.
        let mut batch = sys::RECV_BATCH;
        let mut st = self.lock();
        st.armed = false;
        loop {
            if st.dead.is_some() {
                return;
            }
            if st.reader != ReaderState::Idle {
                st.rearm_pending = true;
                return;
            }
            let room = self.read_room(&st).min(batch);
            if room == 0 {
                // Back-pressure: read again once a reply went out or a
                // oneway ran (`maybe_rearm`).
                st.rearm_deferred = true;
                return;
            }
            st.reader = ReaderState::Pool;
            drop(st);
            let (msgs, error) = self.read_batch(room, !blocking);
            st = self.lock();
            st.reader = ReaderState::Idle;
            if st.waiters > 0 {
                self.cond.notify_all();
            }
            if msgs.is_empty() && matches!(error, Some(ReadError::WouldBlock)) {
                if !blocking && self.may_linger() {
                    blocking = true;
                    continue;
                }
                self.maybe_rearm(&mut st, true);
                return;
            }
            served += msgs.len();
            batch = match msgs.last() {
                Some(m) if m.header.is_oneway() => sys::RECV_BATCH,
                _ => 1,
            };
            for msg in msgs {
                let work = self.route(&mut st, msg);
                if !matches!(work, Work::Nothing) {
                    st.held.push_back(work);
                }
            }
            let died = match error {
                Some(ReadError::Closed(reason)) => {
                    st.held.push_back(Work::Die(reason));
                    true
                }
                _ => false,
            };
            st.owner_running = true;
            if !st.watched {
                if let Some(rt) = self.runtime.upgrade() {
                    st.watched = true;
                    rt.watchdog.watch(self);
                }
            }
            st = self.run_held(st);
            if died || !std::mem::replace(&mut st.owner_running, false) {
                return;
            }
            if served >= POOL_BATCH {
                served = 0;
                // Stay only while another thread serves everyone else.
                blocking = self.may_linger();
                if !blocking {
                    self.maybe_rearm(&mut st, true);
                    return;
                }
            }
        }
    }

    /// Runs what a pool thread read and holds, in order, until nothing is
    /// left; `st` is locked on entry and on return.
    fn run_held<'a>(self: &'a Arc<Self>, mut st: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
        while let Some(work) = st.held.pop_front() {
            st.run_gen = st.run_gen.wrapping_add(1);
            drop(st);
            self.run(work);
            st = self.lock();
        }
        st
    }

    /// How many messages a pool thread may read now: what the in-flight
    /// and oneway limits leave room for (each message is at most one of
    /// either), at most a batch.
    fn read_room(&self, st: &State) -> usize {
        let calls = self.limits.max_in_flight.saturating_sub(st.in_flight);
        let oneways = self
            .limits
            .max_oneway_queued
            .saturating_sub(st.oneways.len());
        calls.min(oneways).min(sys::RECV_BATCH)
    }

    /// Whether a pool thread may wait on this connection's socket: it was
    /// accepted here (so blocking reads time out) and another pool thread
    /// waits in epoll.
    fn may_linger(&self) -> bool {
        self.linger
            && self
                .runtime
                .upgrade()
                .is_some_and(|rt| rt.has_idle_pool_thread())
    }

    fn over_limits(&self, st: &State) -> bool {
        st.in_flight >= self.limits.max_in_flight
            || st.oneways.len() >= self.limits.max_oneway_queued
    }

    /// Releases a caller's reader token and routes what it read.
    fn finish_read(self: &Arc<Self>, read: Result<Incoming, ReadError>) -> Work {
        let mut st = self.lock();
        st.reader = ReaderState::Idle;
        let work = match read {
            Ok(msg) => self.route(&mut st, msg),
            Err(ReadError::WouldBlock) => Work::Nothing,
            Err(ReadError::Closed(reason)) => Work::Die(reason),
        };
        if st.waiters > 0 {
            self.cond.notify_all();
        }
        if !matches!(work, Work::Die(_)) {
            let wanted = st.rearm_pending;
            self.maybe_rearm(&mut st, wanted);
        }
        work
    }

    /// One tick of the watchdog (`seen`: the generation of what the pool
    /// thread that reads this connection runs, at the previous tick). If it
    /// is still running the same thing, the connection goes back to epoll
    /// and what else it read and holds goes to a spare thread. Returns the
    /// generation to compare with next time, or `None` to stop watching a
    /// connection that was quiet for a tick.
    pub(crate) fn watchdog_tick(self: &Arc<Self>, seen: u64) -> Option<u64> {
        let mut st = self.lock();
        if st.dead.is_some() {
            st.watched = false;
            return None;
        }
        if st.run_gen == seen {
            if !st.owner_running && st.held.is_empty() {
                st.watched = false;
                return None;
            }
            if st.owner_running {
                st.owner_running = false;
                self.maybe_rearm(&mut st, true);
            }
            if !st.held.is_empty() {
                let conn = self.clone();
                let spawned = std::thread::Builder::new()
                    .name("yunhal-ipc-spare".into())
                    .spawn(move || drop(conn.run_held(conn.lock())));
                if let Err(e) = spawned {
                    tracing::error!(connection = self.id, "spare thread not started: {e}");
                }
            }
        }
        Some(st.run_gen)
    }

    fn route(&self, st: &mut State, msg: Incoming) -> Work {
        match msg.header.kind {
            Kind::Reply => {
                match st.pending.get_mut(&msg.header.call_id) {
                    Some(slot @ None) => *slot = Some(msg),
                    _ => tracing::warn!(
                        connection = self.id,
                        call = msg.header.call_id,
                        "reply to a call that is not waiting; dropped"
                    ),
                }
                Work::Nothing
            }
            Kind::Transaction if msg.header.is_oneway() => {
                st.oneways.push_back(msg);
                st.oneway_received += 1;
                Work::DrainOneways
            }
            Kind::Transaction => {
                st.in_flight += 1;
                // A two-way call runs after the oneways read before it,
                // unless it is nested in one of them (which would deadlock).
                let after = if msg.header.flags & FLAG_NESTED != 0 {
                    0
                } else {
                    st.oneway_received
                };
                Work::TwoWay(msg, after)
            }
            Kind::Release => Work::Release(msg.header.object, u64::from(msg.header.code)),
            Kind::ProtocolError => Work::Die(TransportError::Protocol(format!(
                "the peer closed the connection: {}",
                String::from_utf8_lossy(&msg.data)
            ))),
            Kind::Continuation => Work::Die(TransportError::Protocol(
                "stray continuation fragment".into(),
            )),
        }
    }

    fn maybe_rearm(&self, st: &mut State, wanted: bool) {
        if !(wanted || st.rearm_deferred) || !st.registered || st.dead.is_some() {
            return;
        }
        if self.over_limits(st) {
            // Back-pressure: this client waits (its socket fills up and its
            // sends block); every other connection goes on being served.
            st.rearm_deferred = true;
            return;
        }
        st.rearm_pending = false;
        st.rearm_deferred = false;
        if let Some(rt) = self.runtime.upgrade() {
            match rt.epoll.rearm(self.sock(), self.id) {
                Ok(()) => st.armed = true,
                Err(e) => tracing::error!(connection = self.id, "epoll re-arm failed: {e}"),
            }
        }
    }
}

fn decode_reply<R: DeserializeOwned>(conn: &Arc<Connection>, reply: Incoming) -> Result<R, Status> {
    let data = &reply.data[reply.header.descriptor_len as usize..];
    match data.first() {
        Some(0) => decode_exact::<R>(conn, &data[1..], reply.fds, "result"),
        Some(1) => Err(parcel::decode_exact::<Status>(
            conn,
            &data[1..],
            Vec::new(),
            "status",
        )?),
        _ => Err(Status::exception(
            ExceptionCode::BadParcelable,
            "reply without a status byte",
        )),
    }
}
