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
use crate::parcel::{self, decode_exact, encode_into, with_dispatch_context};
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

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum ReaderState {
    Idle,
    Caller,
    Pool,
}

struct State {
    reader: ReaderState,
    /// Two-way calls waiting; `Some` once the reply arrived.
    pending: HashMap<u64, Option<Incoming>>,
    waiters: usize,
    dead: Option<TransportError>,
    registered: bool,
    rearm_pending: bool,
    rearm_deferred: bool,
    in_flight: usize,
    oneways: VecDeque<Incoming>,
    oneway_running: bool,
    oneway_received: u64,
    oneway_done: u64,
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
    fds: Vec<OwnedFd>,
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
    static RECV_BUF: RefCell<Vec<u8>> = RefCell::new(vec![0u8; FRAGMENT_MAX]);
}

pub(crate) struct Connection {
    id: u64,
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
    pub(crate) fn new(
        runtime: &Arc<RuntimeInner>,
        id: u64,
        sock: OwnedFd,
        limits: Limits,
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
        Ok(Arc::new(Connection {
            id,
            sock,
            peer,
            runtime: Arc::downgrade(runtime),
            limits,
            outbox: Mutex::new(Outbox::default()),
            partial: Mutex::new(None),
            state: Mutex::new(State {
                reader: ReaderState::Idle,
                pending: HashMap::new(),
                waiters: 0,
                dead: None,
                registered: false,
                rearm_pending: false,
                rearm_deferred: false,
                in_flight: 0,
                oneways: VecDeque::new(),
                oneway_running: false,
                oneway_received: 0,
                oneway_done: 0,
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
    ) -> Result<(Header, Vec<u8>, Vec<OwnedFd>), Status> {
        let mut buf = Vec::with_capacity(HEADER_LEN + descriptor.len() + 64);
        buf.resize(HEADER_LEN, 0);
        buf.extend_from_slice(descriptor.as_bytes());
        let fds = encode_into(self, args, &mut buf)?;
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

    pub(crate) fn call<A: Serialize + ?Sized, R: DeserializeOwned>(
        self: &Arc<Self>,
        object: u64,
        descriptor: &str,
        version: u32,
        code: u32,
        args: &A,
    ) -> Result<R, Status> {
        let (mut h, buf, fds) = self.encode_transaction(object, descriptor, version, code, args)?;
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

    pub(crate) fn call_oneway<A: Serialize + ?Sized>(
        self: &Arc<Self>,
        object: u64,
        descriptor: &str,
        version: u32,
        code: u32,
        args: &A,
    ) -> Result<(), Status> {
        if let Some(reason) = &self.lock().dead {
            return Err(reason.clone().into());
        }
        let (mut h, buf, fds) = self.encode_transaction(object, descriptor, version, code, args)?;
        h.flags |= FLAG_ONEWAY;
        self.send(h, buf, fds, false)
    }

    /// Sends one message; `buf` starts with [`HEADER_LEN`] bytes of room.
    ///
    /// At most one thread sends on a connection at a time; a message that
    /// finds another being sent is queued and sent by that thread, so a peer
    /// that stops reading holds one thread (until the send timeout closes
    /// the connection), not every thread that has something to send it.
    /// A reply counts as in flight until it is on the socket.
    fn send(
        &self,
        mut h: Header,
        buf: Vec<u8>,
        fds: Vec<OwnedFd>,
        reply: bool,
    ) -> Result<(), Status> {
        let payload = buf.len() - HEADER_LEN - h.descriptor_len as usize;
        if payload > self.limits.max_message {
            return Err(TransportError::TooLarge {
                what: "payload bytes".into(),
                size: payload,
                limit: self.limits.max_message,
            }
            .into());
        }
        if fds.len() > self.limits.max_fds {
            return Err(TransportError::TooLarge {
                what: "file descriptors".into(),
                size: fds.len(),
                limit: self.limits.max_fds,
            }
            .into());
        }
        h.fd_count = fds.len() as u8;
        let message = Outgoing {
            header: h,
            buf,
            fds,
            reply,
        };
        {
            let mut outbox = self.outbox.lock().unwrap_or_else(|p| p.into_inner());
            if outbox.flushing {
                outbox.queue.push_back(message);
                return Ok(());
            }
            outbox.flushing = true;
        }
        let result = self.send_now(message);
        loop {
            let next = {
                let mut outbox = self.outbox.lock().unwrap_or_else(|p| p.into_inner());
                match outbox.queue.pop_front() {
                    Some(m) => m,
                    None => {
                        outbox.flushing = false;
                        break;
                    }
                }
            };
            if let Err(e) = self.send_now(next) {
                tracing::debug!(connection = self.id, "queued message not sent: {e}");
            }
        }
        result
    }

    fn send_now(&self, mut m: Outgoing) -> Result<(), Status> {
        let borrowed: Vec<BorrowedFd<'_>> = m.fds.iter().map(|f| f.as_fd()).collect();
        let buf = &mut m.buf;
        let h = &mut m.header;
        let result = if buf.len() <= FRAGMENT_MAX {
            h.flags &= !FLAG_MORE;
            h.encode(&mut buf[..HEADER_LEN]);
            sys::send_record(self.sock(), &[IoSlice::new(buf)], &borrowed)
        } else {
            h.flags |= FLAG_MORE;
            h.encode(&mut buf[..HEADER_LEN]);
            let mut r = sys::send_record(
                self.sock(),
                &[IoSlice::new(&buf[..FRAGMENT_MAX])],
                &borrowed,
            );
            let mut offset = FRAGMENT_MAX;
            while r.is_ok() && offset < buf.len() {
                let end = (offset + FRAGMENT_MAX - CONTINUATION_HEADER_LEN).min(buf.len());
                let mut ch = [0u8; CONTINUATION_HEADER_LEN];
                wire::encode_continuation(h.call_id, end < buf.len(), &mut ch);
                r = sys::send_record(
                    self.sock(),
                    &[IoSlice::new(&ch), IoSlice::new(&buf[offset..end])],
                    &[],
                );
                offset = end;
            }
            r
        };
        if m.reply {
            let mut st = self.lock();
            st.in_flight = st.in_flight.saturating_sub(1);
            self.maybe_rearm(&mut st, false);
        }
        result.map_err(|e| {
            let reason = match e.raw_os_error() {
                Some(libc::EPIPE) | Some(libc::ECONNRESET) | Some(libc::ENOTCONN) => {
                    TransportError::DeadObject
                }
                Some(libc::EAGAIN) => TransportError::Protocol(format!(
                    "peer pid {} did not read its socket for {:?}; connection closed",
                    self.peer.pid, self.limits.send_timeout
                )),
                _ => TransportError::Io(e.to_string()),
            };
            if !matches!(reason, TransportError::Io(_)) {
                // The reader sees the end and closes the connection.
                sys::shutdown(self.sock());
            }
            reason.into()
        })
    }

    fn send_control(
        &self,
        kind: Kind,
        object: u64,
        code: u32,
        payload: &[u8],
    ) -> Result<(), Status> {
        let mut buf = vec![0u8; HEADER_LEN];
        buf.extend_from_slice(payload);
        let mut h = Header::new(kind);
        h.object = object;
        h.code = code;
        h.payload_len = payload.len() as u32;
        self.send(h, buf, Vec::new(), false)
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
            let work = self.finish_read(read, None);
            self.run(work);
        }
    }

    // ---- reading --------------------------------------------------------

    /// Called by a pool thread when epoll reports the socket.
    pub(crate) fn on_readable(self: &Arc<Self>) {
        // A pool thread keeps reading while what it reads is quick to
        // handle (oneways, replies), so a stream of oneway calls costs one
        // recvmsg each, not an epoll round trip each; after a batch it lets
        // epoll pick the next ready connection.
        for _ in 0..POOL_BATCH {
            {
                let mut st = self.lock();
                if st.dead.is_some() {
                    return;
                }
                if st.reader != ReaderState::Idle {
                    st.rearm_pending = true;
                    return;
                }
                st.reader = ReaderState::Pool;
            }
            let read = self.read_message(true);
            let caught_up = matches!(read, Err(ReadError::WouldBlock));
            let work = self.finish_read(read, Some(caught_up));
            let read_on = !caught_up
                && matches!(work, Work::Nothing | Work::DrainOneways | Work::Release(..));
            self.run(work);
            if !read_on {
                return;
            }
        }
        let mut st = self.lock();
        self.maybe_rearm(&mut st, true);
    }

    /// Releases the reader token and routes what was read. `pool` is
    /// `Some(caught_up)` for a pool thread's read.
    fn finish_read(
        self: &Arc<Self>,
        read: Result<Incoming, ReadError>,
        pool: Option<bool>,
    ) -> Work {
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
        let wanted = match pool {
            // Re-arm before running a two-way call, so that other pool
            // threads serve this connection's other callers meanwhile.
            Some(caught_up) => caught_up || matches!(work, Work::TwoWay(..)),
            None => st.rearm_pending,
        };
        if !matches!(work, Work::Die(_)) {
            self.maybe_rearm(&mut st, wanted);
        }
        work
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
        if st.in_flight >= self.limits.max_in_flight
            || st.oneways.len() >= self.limits.max_oneway_queued
        {
            // Back-pressure: this client waits (its socket fills up and its
            // sends block); every other connection goes on being served.
            st.rearm_deferred = true;
            return;
        }
        st.rearm_pending = false;
        st.rearm_deferred = false;
        if let Some(rt) = self.runtime.upgrade() {
            if let Err(e) = rt.epoll.rearm(self.sock(), self.id) {
                tracing::error!(connection = self.id, "epoll re-arm failed: {e}");
            }
        }
    }

    fn read_message(&self, nonblocking: bool) -> Result<Incoming, ReadError> {
        RECV_BUF.with(|b| {
            let mut buf = b.borrow_mut();
            self.read_into(&mut buf, nonblocking)
        })
    }

    /// Reads one whole message. A message whose fragments have not all
    /// arrived is kept on the connection, and a non-blocking reader returns
    /// `WouldBlock`: a peer that stops in the middle of a message holds its
    /// own connection's buffer, not a thread.
    fn read_into(&self, buf: &mut [u8], nonblocking: bool) -> Result<Incoming, ReadError> {
        let protocol = |why: String| ReadError::Closed(TransportError::Protocol(why));
        let io = |e: std::io::Error| ReadError::Closed(TransportError::Io(e.to_string()));
        let mut partial = self.partial.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            let (len, fds) = match sys::recv_record(self.sock(), buf, nonblocking).map_err(io)? {
                Received::WouldBlock => return Err(ReadError::WouldBlock),
                Received::Closed => return Err(ReadError::Closed(TransportError::DeadObject)),
                Received::Record {
                    truncated: true, ..
                } => {
                    return Err(protocol(format!(
                        "a frame larger than {FRAGMENT_MAX} bytes"
                    )));
                }
                Received::Record {
                    fds_truncated: true,
                    ..
                } => {
                    return Err(protocol(format!(
                        "more than {} file descriptors in one message",
                        sys::MAX_FDS_HARD
                    )));
                }
                Received::Record { len, fds, .. } => (len, fds),
            };
            let (assembly, first_fds) = match partial.take() {
                Some((mut assembly, first_fds)) => {
                    if !fds.is_empty() {
                        return Err(protocol(
                            "file descriptors in a continuation fragment".into(),
                        ));
                    }
                    assembly.push(&buf[..len]).map_err(ReadError::Closed)?;
                    (assembly, first_fds)
                }
                None => {
                    let assembly = wire::Assembly::begin(
                        &buf[..len],
                        fds.len(),
                        self.limits.max_message,
                        self.limits.max_fds,
                    )
                    .map_err(ReadError::Closed)?;
                    (assembly, fds)
                }
            };
            if assembly.is_complete() {
                let (header, data) = assembly.finish();
                return Ok(Incoming {
                    header,
                    data,
                    fds: first_fds,
                });
            }
            *partial = Some((assembly, first_fds));
        }
    }

    // ---- running what was read -------------------------------------------

    fn run(self: &Arc<Self>, work: Work) {
        match work {
            Work::Nothing => {}
            Work::TwoWay(msg, after_oneways) => {
                {
                    let mut st = self.lock();
                    while st.oneway_done < after_oneways && st.dead.is_none() {
                        st.waiters += 1;
                        st = self.cond.wait(st).unwrap_or_else(|p| p.into_inner());
                        st.waiters -= 1;
                    }
                }
                let call_id = msg.header.call_id;
                let (result, fds) = self.dispatch(msg);
                let mut reply = vec![0u8; HEADER_LEN];
                let fds = match result {
                    Ok(bytes) => {
                        reply.push(0);
                        reply.extend_from_slice(&bytes);
                        fds
                    }
                    Err(status) => {
                        reply.push(1);
                        reply = postcard::to_extend(&status, reply)
                            .unwrap_or_else(|_| vec![0u8; HEADER_LEN]);
                        Vec::new()
                    }
                };
                let mut h = Header::new(Kind::Reply);
                h.call_id = call_id;
                h.payload_len = (reply.len() - HEADER_LEN) as u32;
                match self.send(h, reply, fds, true) {
                    Ok(()) => {}
                    // A result over the limits still gets an answer: the error.
                    Err(e @ Status::Transport(TransportError::TooLarge { .. })) => {
                        let mut reply = vec![0u8; HEADER_LEN];
                        reply.push(1);
                        let reply = postcard::to_extend(&e, reply)
                            .unwrap_or_else(|_| vec![0u8; HEADER_LEN]);
                        h.payload_len = (reply.len() - HEADER_LEN) as u32;
                        if let Err(e) = self.send(h, reply, Vec::new(), true) {
                            tracing::debug!(connection = self.id, "error reply not sent: {e}");
                        }
                    }
                    Err(e) => tracing::debug!(connection = self.id, "reply not sent: {e}"),
                }
            }
            Work::DrainOneways => loop {
                let msg = {
                    let mut st = self.lock();
                    if st.oneway_running {
                        return;
                    }
                    let Some(msg) = st.oneways.pop_front() else {
                        return;
                    };
                    st.oneway_running = true;
                    self.maybe_rearm(&mut st, false);
                    msg
                };
                let (result, _fds) = self.dispatch(msg);
                if let Err(status) = result {
                    tracing::warn!(
                        connection = self.id,
                        pid = self.peer.pid,
                        "oneway call failed: {status}"
                    );
                }
                let mut st = self.lock();
                st.oneway_running = false;
                st.oneway_done += 1;
                if st.waiters > 0 {
                    self.cond.notify_all();
                }
            },
            Work::Release(object, count) => {
                let mut objs = self.objects();
                let remove = match objs.exports.get_mut(&object) {
                    Some(e) => {
                        e.sent = e.sent.saturating_sub(count);
                        e.sent == 0
                    }
                    None => {
                        tracing::debug!(
                            connection = self.id,
                            object,
                            "release of an unknown object"
                        );
                        false
                    }
                };
                if remove {
                    if let Some(e) = objs.exports.remove(&object) {
                        objs.by_key.remove(&e.key);
                    }
                }
            }
            Work::Die(reason) => self.die(reason),
        }
    }

    /// Runs one transaction; returns the encoded result and its fds.
    fn dispatch(self: &Arc<Self>, msg: Incoming) -> (Result<Vec<u8>, Status>, Vec<OwnedFd>) {
        let h = msg.header;
        let desc_len = h.descriptor_len as usize;
        let Ok(descriptor) = std::str::from_utf8(&msg.data[..desc_len]) else {
            return (
                Err(Status::exception(
                    ExceptionCode::BadParcelable,
                    "descriptor is not UTF-8",
                )),
                Vec::new(),
            );
        };
        let Some(binder) = self.local_object(h.object) else {
            return (
                Err(Status::exception(
                    ExceptionCode::StaleHandle,
                    format!(
                        "object {} does not exist on this connection (released, or never existed)",
                        h.object
                    ),
                )),
                Vec::new(),
            );
        };
        if binder.descriptor() != descriptor {
            return (
                Err(Status::exception(
                    ExceptionCode::WrongInterface,
                    format!(
                        "object {} implements {}, the call names {descriptor}",
                        h.object,
                        binder.descriptor()
                    ),
                )),
                Vec::new(),
            );
        }
        let Some(method) = binder.method_name(h.code) else {
            return (
                Err(Status::exception(
                    ExceptionCode::UnknownMethod,
                    format!(
                        "method code {} is not part of {descriptor} version {} (the caller speaks version {})",
                        h.code,
                        binder.version(),
                        h.version
                    ),
                )),
                Vec::new(),
            );
        };
        if let Some(rt) = self.runtime.upgrade() {
            if let Err(status) = rt.check_policy(&self.peer, descriptor, method) {
                tracing::warn!(
                    uid = self.peer.uid,
                    pid = self.peer.pid,
                    "denied {descriptor}.{method}: {status}"
                );
                return (Err(status), Vec::new());
            }
        }
        let payload = &msg.data[desc_len..];
        let (result, fds) = with_dispatch_context(self, msg.fds, || {
            with_caller(&self.peer, || {
                let mut out = Vec::new();
                catch_unwind(AssertUnwindSafe(|| {
                    binder.transact(h.code, payload, &mut out)
                }))
                .map_err(|panic| {
                    let what = panic
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "a panic".into());
                    tracing::error!("{descriptor}.{method} panicked: {what}");
                    Status::exception(
                        ExceptionCode::ServiceFailed,
                        format!("{descriptor}.{method} panicked: {what}"),
                    )
                })
                .and_then(|r| r.map(|()| out))
            })
        });
        (result, fds)
    }

    // ---- objects ----------------------------------------------------------

    pub(crate) fn local_object(&self, id: u64) -> Option<Arc<dyn Binder>> {
        if id < EXPORT_BASE {
            self.runtime.upgrade()?.published(id)
        } else {
            self.objects().exports.get(&id).map(|e| e.binder.clone())
        }
    }

    /// Exports a local object on this connection; the same object gets the
    /// same id each time it is sent.
    pub(crate) fn export<T: ?Sized>(
        self: &Arc<Self>,
        object: &Arc<T>,
        binder: impl FnOnce() -> Arc<dyn Binder>,
    ) -> u64 {
        let key = Arc::as_ptr(object) as *const () as usize;
        // A published object keeps its one id on every connection.
        if let Some(id) = self.runtime.upgrade().and_then(|rt| rt.published_id(key)) {
            return id;
        }
        let id = {
            let mut objs = self.objects();
            if let Some(&id) = objs.by_key.get(&key) {
                objs.exports.get_mut(&id).expect("export of key").sent += 1;
                id
            } else {
                let id = objs.next_export;
                objs.next_export += 1;
                objs.exports.insert(
                    id,
                    Export {
                        binder: binder(),
                        key,
                        sent: 1,
                    },
                );
                objs.by_key.insert(key, id);
                id
            }
        };
        // The peer may call the object at any time: make sure someone reads.
        self.register();
        id
    }

    /// A handle to the peer's object `id`.
    pub(crate) fn import(self: &Arc<Self>, id: u64) -> Handle {
        let mut objs = self.objects();
        // A handle whose last reference is being dropped right now is
        // replaced; its drop then finds another handle in the table and
        // sends no release, so the new entry carries its count on.
        let mut received = 1;
        if let Some(imp) = objs.imports.get_mut(&id) {
            if let Some(inner) = imp.handle.upgrade() {
                imp.received += 1;
                return Handle { inner };
            }
            received += imp.received;
        }
        let inner = Arc::new(HandleInner {
            conn: self.clone(),
            id,
            recipients: Mutex::new(Vec::new()),
        });
        objs.imports.insert(
            id,
            Import {
                handle: Arc::downgrade(&inner),
                received,
            },
        );
        Handle { inner }
    }

    pub(crate) fn handle_dropped(&self, id: u64, inner: *const HandleInner) {
        let count = {
            let mut objs = self.objects();
            match objs.imports.get(&id) {
                Some(imp) if std::ptr::eq(imp.handle.as_ptr(), inner) => {
                    let n = imp.received;
                    objs.imports.remove(&id);
                    n
                }
                _ => return,
            }
        };
        if id >= EXPORT_BASE && !self.is_dead() {
            let count = u32::try_from(count).unwrap_or(u32::MAX);
            let _ = self.send_control(Kind::Release, id, count, &[]);
        }
    }

    pub(crate) fn link_to_death(
        self: &Arc<Self>,
        inner: &HandleInner,
        recipient: Arc<dyn DeathRecipient>,
    ) -> Result<u64, Status> {
        let link = self.next_link.fetch_add(1, Ordering::Relaxed);
        {
            // Under the state lock, so that `die` either sees the recipient
            // or this sees the death.
            let st = self.lock();
            if st.dead.is_some() {
                return Err(TransportError::DeadObject.into());
            }
            inner
                .recipients
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((link, recipient));
        }
        // Death must be noticed even when no call is in flight.
        self.register();
        Ok(link)
    }

    fn register(self: &Arc<Self>) {
        if self.lock().registered {
            return;
        }
        if let Some(rt) = self.runtime.upgrade() {
            rt.register_connection(self);
        }
    }

    /// Marks the connection registered with the pool's epoll set.
    pub(crate) fn set_registered(&self) -> bool {
        let mut st = self.lock();
        if st.registered || st.dead.is_some() {
            return false;
        }
        st.registered = true;
        true
    }

    // ---- death ----------------------------------------------------------

    /// Closes the connection: callers get `reason`, death recipients and
    /// the objects the peer could reach are told, once.
    pub(crate) fn die(self: &Arc<Self>, reason: TransportError) {
        {
            let mut st = self.lock();
            if st.dead.is_some() {
                return;
            }
            st.dead = Some(reason.clone());
            st.oneways.clear();
            self.cond.notify_all();
        }
        if let TransportError::Protocol(why) = &reason {
            tracing::warn!(
                connection = self.id,
                pid = self.peer.pid,
                "closing connection: {why}"
            );
            // Best effort: tell the peer why, so its caller sees the reason.
            if !why.starts_with("the peer closed") {
                let _ = self.send_control(Kind::ProtocolError, 0, 0, why.as_bytes());
            }
        }
        sys::shutdown(self.sock());
        let rt = self.runtime.upgrade();
        if let Some(rt) = &rt {
            rt.forget_connection(self);
        }
        let (handles, exports): (Vec<Arc<HandleInner>>, Vec<Arc<dyn Binder>>) = {
            let mut objs = self.objects();
            let handles = objs
                .imports
                .values()
                .filter_map(|i| i.handle.upgrade())
                .collect();
            let exports = objs.exports.drain().map(|(_, e)| e.binder).collect();
            objs.by_key.clear();
            (handles, exports)
        };
        for inner in handles {
            let recipients =
                std::mem::take(&mut *inner.recipients.lock().unwrap_or_else(|p| p.into_inner()));
            let handle = Handle { inner };
            for (_, r) in recipients {
                r.binder_died(&handle);
            }
        }
        for binder in exports {
            binder.on_peer_gone(&self.peer);
        }
        if let Some(rt) = rt {
            for binder in rt.published_all() {
                binder.on_peer_gone(&self.peer);
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
