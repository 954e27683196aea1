//! Shared-memory event queue against a hand-written SPSC ring.
//!
//! Both runs stream 64-byte events from a producer child process (this
//! executable re-run with a role, see [`child`]) to a consumer in this
//! process that reads 64 events per batch and sleeps on an eventfd when the
//! ring is empty. The producer pushes one event at a time and, when the ring
//! is full, backs off until there is room (so nothing is dropped). The raw
//! ring does what a person would hand-write: the same header of atomics, the
//! same wake-up rule (wake only a reader that announced it sleeps), but no
//! validation of the peer's indices, no drop counter, no magic or geometry
//! checks and no seals.
//!
//! The rate depends on how often the consumer catches up and has to be
//! woken (a syscall on each side), which small timing differences tip one
//! way or the other: on a 2-CPU host, expect the ratio to move by ±15 %
//! from one run of the binary to the next.

use std::hint::spin_loop;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::ptr;
use std::sync::atomic::{fence, AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rustix::event::{EventfdFlags, PollFd, PollFlags};
use rustix::mm::{MapFlags, ProtFlags};
use yunhal_ipc::queue::{EventQueue, QueueFds, QueueWriter};

use super::Figure;

const EVENT_SIZE: usize = 64;
const CAPACITY: usize = 1024;
const BATCH: usize = 64;
const EVENTS: u64 = 5_000_000;
const RUNS: usize = 5;
/// A side that makes no progress for this long gives up (so a failed run
/// never leaves a producer spinning).
const STALL_LIMIT: Duration = Duration::from_secs(10);

const QUEUE_PRODUCER: &str = "queue-producer";
const RAW_PRODUCER: &str = "raw-ring-producer";

/// Entry point of the re-executed bench binary: `exe <role> <memfd> <eventfd>
/// <events>`, with both descriptors inherited.
pub fn child(role: &str, args: &[String]) {
    let [memfd, eventfd, events] = args else {
        panic!("{role}: expected <memfd> <eventfd> <events>, got {args:?}");
    };
    let events: u64 = events.parse().expect("event count");
    // SAFETY: the parent cleared close-on-exec on exactly these two
    // descriptors for us and passed their numbers; nothing else in this
    // process owns them.
    let (memfd, eventfd) = unsafe { (inherited_fd(memfd), inherited_fd(eventfd)) };
    match role {
        QUEUE_PRODUCER => produce_queue(memfd, eventfd, events),
        RAW_PRODUCER => produce_raw(memfd, eventfd, events),
        _ => panic!("unknown queue bench role {role:?}"),
    }
}

/// # Safety
/// `number` must name an open descriptor that nothing else owns.
unsafe fn inherited_fd(number: &str) -> OwnedFd {
    let fd: RawFd = number.parse().expect("fd number");
    // SAFETY: guaranteed by the caller.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

pub fn run(exe: &Path) -> Vec<Figure> {
    let mut ours = 0f64;
    let mut raw = 0f64;
    // Interleaved, so drift in machine load hits both alike.
    for _ in 0..RUNS {
        ours = ours.max(consume_queue(exe));
        raw = raw.max(consume_raw(exe));
    }
    vec![Figure {
        name: "shm_queue_events_per_s".to_owned(),
        ours,
        raw,
        unit: "events/s",
        higher_is_better: true,
    }]
}

/// Kills the producer if the consumer fails half-way.
struct Producer(Child);

impl Producer {
    /// Starts `exe <role> <memfd> <eventfd> EVENTS`, handing over the two fds.
    fn spawn(exe: &Path, role: &str, memfd: OwnedFd, eventfd: OwnedFd) -> Producer {
        for fd in [&memfd, &eventfd] {
            rustix::io::fcntl_setfd(fd, rustix::io::FdFlags::empty()).expect("clear FD_CLOEXEC");
        }
        let child = Command::new(exe)
            .arg(role)
            .arg(memfd.as_raw_fd().to_string())
            .arg(eventfd.as_raw_fd().to_string())
            .arg(EVENTS.to_string())
            .stdout(Stdio::null())
            .spawn()
            .expect("spawn producer");
        // Our copies close here; the child keeps its own.
        Producer(child)
    }

    fn finish(mut self) {
        let status = self.0.wait().expect("wait for producer");
        assert!(status.success(), "producer failed: {status}");
    }
}

impl Drop for Producer {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Waits for room in a full ring: spin briefly, then yield the CPU.
struct Backoff {
    rounds: u32,
    since: Option<Instant>,
}

impl Backoff {
    fn new() -> Backoff {
        Backoff {
            rounds: 0,
            since: None,
        }
    }

    fn snooze(&mut self) {
        self.rounds += 1;
        if self.rounds < 64 {
            spin_loop();
            return;
        }
        std::thread::yield_now();
        if self.rounds % 1024 == 0 {
            let since = *self.since.get_or_insert_with(Instant::now);
            assert!(since.elapsed() < STALL_LIMIT, "consumer stopped reading");
        }
    }

    fn reset(&mut self) {
        self.rounds = 0;
        self.since = None;
    }
}

/// Rate measured from the first batch received, so process start-up is not
/// counted; also checks that events arrive complete and in order.
struct Meter {
    received: u64,
    start: Option<(Instant, u64)>,
}

impl Meter {
    fn new() -> Meter {
        Meter {
            received: 0,
            start: None,
        }
    }

    fn done(&self) -> bool {
        self.received == EVENTS
    }

    fn record(&mut self, batch: &[u8]) {
        let events = (batch.len() / EVENT_SIZE) as u64;
        let last = &batch[batch.len() - EVENT_SIZE..];
        let seq = u64::from_ne_bytes(last[..8].try_into().expect("8 bytes"));
        assert_eq!(seq, self.received + events - 1, "events lost or reordered");
        self.received += events;
        self.start
            .get_or_insert_with(|| (Instant::now(), self.received));
    }

    fn events_per_s(&self) -> f64 {
        let (start, at_start) = self.start.expect("no events received");
        (self.received - at_start) as f64 / start.elapsed().as_secs_f64()
    }
}

fn stamp(event: &mut [u8; EVENT_SIZE], seq: u64) {
    event[..8].copy_from_slice(&seq.to_ne_bytes());
}

// ---- ours ----

fn consume_queue(exe: &Path) -> f64 {
    let (mut reader, fds) =
        EventQueue::create_reader("bench-queue", EVENT_SIZE as u32, CAPACITY as u32)
            .expect("create queue");
    let producer = Producer::spawn(exe, QUEUE_PRODUCER, fds.memfd, fds.eventfd);
    let mut buf = vec![0u8; BATCH * EVENT_SIZE];
    let mut meter = Meter::new();
    while !meter.done() {
        let events = reader.read_batch(&mut buf).expect("read_batch");
        if events == 0 {
            assert!(
                reader.wait(Some(STALL_LIMIT)).expect("wait"),
                "producer stalled"
            );
            continue;
        }
        meter.record(&buf[..events * EVENT_SIZE]);
    }
    let rate = meter.events_per_s();
    producer.finish();
    assert_eq!(reader.dropped(), 0, "producer dropped events");
    rate
}

fn produce_queue(memfd: OwnedFd, eventfd: OwnedFd, events: u64) {
    let mut writer = QueueWriter::attach(QueueFds {
        memfd,
        eventfd,
        event_size: EVENT_SIZE as u32,
        capacity: CAPACITY as u32,
    })
    .expect("attach writer");
    let mut event = [0u8; EVENT_SIZE];
    let mut backoff = Backoff::new();
    for seq in 0..events {
        stamp(&mut event, seq);
        while writer.space().expect("space") == 0 {
            backoff.snooze();
        }
        backoff.reset();
        writer.push(&event).expect("push");
    }
}

// ---- raw baseline ----

// Same offsets as the queue's header, so that cache-line placement is not
// what the comparison measures.
const RAW_WRITE: usize = 64;
const RAW_READ: usize = 128;
const RAW_WAITING: usize = 192;
const RAW_SLOTS: usize = 256;
const RAW_LEN: usize = RAW_SLOTS + CAPACITY * EVENT_SIZE;

/// The hand-written ring: a plain memfd mapped in both processes.
struct RawRing {
    base: *mut u8,
    _memfd: OwnedFd,
}

impl RawRing {
    fn create() -> (RawRing, OwnedFd) {
        let memfd = rustix::fs::memfd_create("bench-raw-ring", rustix::fs::MemfdFlags::CLOEXEC)
            .expect("memfd_create");
        rustix::fs::ftruncate(&memfd, RAW_LEN as u64).expect("ftruncate");
        let peer = memfd.try_clone().expect("dup memfd");
        (RawRing::map(memfd), peer)
    }

    fn map(memfd: OwnedFd) -> RawRing {
        // SAFETY: a fresh mapping (null hint) of RAW_LEN bytes of a memfd that
        // both sides size to RAW_LEN and never truncate.
        let base = unsafe {
            rustix::mm::mmap(
                ptr::null_mut(),
                RAW_LEN,
                ProtFlags::READ | ProtFlags::WRITE,
                MapFlags::SHARED,
                &memfd,
                0,
            )
        }
        .expect("mmap");
        RawRing {
            base: base.cast(),
            _memfd: memfd,
        }
    }

    fn index(&self, offset: usize) -> &AtomicU64 {
        // SAFETY: offsets are 8-aligned header fields inside the live,
        // page-aligned mapping, accessed only atomically by both processes.
        unsafe { &*self.base.add(offset).cast::<AtomicU64>() }
    }

    fn waiting(&self) -> &AtomicU32 {
        // SAFETY: as in `index`.
        unsafe { &*self.base.add(RAW_WAITING).cast::<AtomicU32>() }
    }

    fn slot(&self, index: u64) -> *mut u8 {
        // SAFETY: the slot number is masked below CAPACITY, so the slot lies
        // inside the mapping.
        unsafe {
            self.base
                .add(RAW_SLOTS + (index as usize & (CAPACITY - 1)) * EVENT_SIZE)
        }
    }
}

impl Drop for RawRing {
    fn drop(&mut self) {
        // SAFETY: unmaps the mapping made in `map`; no reference into it
        // outlives `self`.
        let _ = unsafe { rustix::mm::munmap(self.base.cast(), RAW_LEN) };
    }
}

fn consume_raw(exe: &Path) -> f64 {
    let (ring, peer_memfd) = RawRing::create();
    let eventfd =
        rustix::event::eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK).expect("eventfd");
    let producer = Producer::spawn(
        exe,
        RAW_PRODUCER,
        peer_memfd,
        eventfd.try_clone().expect("dup"),
    );
    let mut buf = vec![0u8; BATCH * EVENT_SIZE];
    let mut meter = Meter::new();
    let mut read = 0u64;
    while !meter.done() {
        let write = ring.index(RAW_WRITE).load(Ordering::Acquire);
        let events = (write - read).min(BATCH as u64) as usize;
        if events == 0 {
            ring.waiting().store(1, Ordering::Relaxed);
            fence(Ordering::SeqCst);
            if ring.index(RAW_WRITE).load(Ordering::Acquire) == read {
                let timeout = rustix::event::Timespec::try_from(STALL_LIMIT).expect("timeout");
                let mut fds = [PollFd::new(&eventfd, PollFlags::IN)];
                let ready = rustix::event::poll(&mut fds, Some(&timeout)).expect("poll");
                assert!(ready > 0, "producer stalled");
                let _ = rustix::io::read(&eventfd, &mut [0u8; 8]);
            }
            ring.waiting().store(0, Ordering::Relaxed);
            continue;
        }
        let first = events.min(CAPACITY - (read as usize & (CAPACITY - 1)));
        // SAFETY: `first` events fit before the end of the slots and the
        // rest (< CAPACITY) start at slot 0; `buf` holds BATCH events.
        unsafe {
            ptr::copy_nonoverlapping(ring.slot(read), buf.as_mut_ptr(), first * EVENT_SIZE);
            ptr::copy_nonoverlapping(
                ring.slot(0),
                buf.as_mut_ptr().add(first * EVENT_SIZE),
                (events - first) * EVENT_SIZE,
            );
        }
        read += events as u64;
        ring.index(RAW_READ).store(read, Ordering::Release);
        meter.record(&buf[..events * EVENT_SIZE]);
    }
    let rate = meter.events_per_s();
    producer.finish();
    rate
}

fn produce_raw(memfd: OwnedFd, eventfd: OwnedFd, events: u64) {
    let ring = RawRing::map(memfd);
    let mut event = [0u8; EVENT_SIZE];
    let mut backoff = Backoff::new();
    let mut cached_read = 0u64;
    for write in 0..events {
        stamp(&mut event, write);
        while write - cached_read == CAPACITY as u64 {
            cached_read = ring.index(RAW_READ).load(Ordering::Acquire);
            if write - cached_read == CAPACITY as u64 {
                backoff.snooze();
            }
        }
        backoff.reset();
        // SAFETY: the slot is inside the mapping and free (the reader has
        // moved past it); `event` is local.
        unsafe { ptr::copy_nonoverlapping(event.as_ptr(), ring.slot(write), EVENT_SIZE) };
        ring.index(RAW_WRITE).store(write + 1, Ordering::Release);
        fence(Ordering::SeqCst);
        let waiting = ring.waiting();
        if waiting.load(Ordering::Relaxed) != 0 && waiting.swap(0, Ordering::Relaxed) != 0 {
            let _ = rustix::io::write(&eventfd, &1u64.to_ne_bytes());
        }
    }
}
