//! The sensors service against the raw mechanisms it is built on, in one
//! run on the same machine. Each line reads `name: ratio (figures)`.
//!
//! `cargo bench -p yunhal-daemon --bench sensors_vs_raw` runs it;
//! `YUNHAL_BENCH_ONLY=throughput` or `=latency` runs one half.
//!
//! - Throughput: events per second from a device's `read` through the
//!   service's hub (per-session thinning, data checks) and the session's
//!   shared-memory queue to a client process that decodes them, against
//!   the hand-written path: the same device read by a thread of this
//!   process, its events encoded into a raw SPSC ring in shared memory (no
//!   index checks, no drop counter, no seals) and decoded by a child. The
//!   device is a flood: every read fills the buffer it is given, so the
//!   software, not a sample clock, sets the pace. Both producers drop what
//!   does not fit; the figure is what the reader got.
//! - Latency: from the moment the device's `read` stamps a sample to the
//!   moment the client process holds the decoded event, against a raw
//!   eventfd wake-up of a child process carrying a timestamp in shared
//!   memory. Both run on one sample clock: the device is read every 5 ms
//!   by the service's worker, and a seeded coin sends each sample either
//!   through the service to the client or, from inside `read`, raw to the
//!   waiting child. So both paths see the same moments, in particular the
//!   same phases of the kernel's timer tick: on a VM a sample taken just
//!   before a tick waits tens of microseconds for it, and with ticks every
//!   4 ms (HZ=250) a fixed 5 ms schedule of its own would put one sample
//!   in four on the tick, or none, by the luck of its start.
//!
//! The service side runs as in `yunhald`: the supervisor, the service's
//! own IPC runtime, the service manager. Each client is this executable
//! re-run with a role.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{fence, AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustix::event::EventfdFlags;
use rustix::mm::{MapFlags, ProtFlags};
use yunhal::sensors::ipc::{
    decode_event, encode_event, EventReader, ISensors, EVENT_RECORD_SIZE, SENSORS_SERVICE,
};
use yunhal::sensors::{
    DeviceError, DynSensorDevice, ReportingMode, SensorDescriptor, SensorEvent, SensorHandle,
    SensorType, SensorValue,
};
use yunhal::time::{Clock, Nanos};
use yunhal::units::MetersPerSecondSquared;
use yunhal_daemon::sensors::hub::HubDevice;
use yunhal_daemon::sensors::SensorsService;
use yunhal_daemon::supervisor::{Supervisor, SupervisorConfig, SystemClock};
use yunhal_ipc::{Runtime, ServiceManager, ServiceManagerService};

const THROUGHPUT_EVENTS: u64 = 5_000_000;
const QUEUE_EVENTS: u32 = 65_536;
const LATENCY_SAMPLES: usize = 2_000;
const LATENCY_PERIOD: Duration = Duration::from_millis(5);
const RUNS: usize = 3;

const FLOOD: SensorHandle = SensorHandle(0);
const TICK: SensorHandle = SensorHandle(0);

fn now() -> Nanos {
    Nanos::now(Clock::Boottime)
}

fn accel(handle: SensorHandle, name: &'static str, min_period: Nanos) -> SensorDescriptor {
    SensorDescriptor {
        handle,
        name,
        vendor: "yunhal bench",
        sensor_type: SensorType::Accelerometer,
        max_range: 20.0,
        resolution: 0.01,
        min_period,
        max_period: Nanos::from_secs(1),
        fifo_reserved_events: 0,
        fifo_max_events: 0,
        reporting_mode: ReportingMode::Continuous,
        wake_up: false,
    }
}

/// Fills every buffer it is given with events 1 ns apart.
struct Flood {
    descriptors: [SensorDescriptor; 1],
    on: bool,
    last: Nanos,
}

impl DynSensorDevice for Flood {
    fn sensors(&self) -> &[SensorDescriptor] {
        &self.descriptors
    }
    fn configure(
        &mut self,
        _: SensorHandle,
        period: Nanos,
        _: Nanos,
    ) -> Result<Nanos, DeviceError> {
        Ok(period)
    }
    fn set_enabled(&mut self, _: SensorHandle, on: bool) -> Result<(), DeviceError> {
        self.on = on;
        Ok(())
    }
    fn read(&mut self, now: Nanos, out: &mut [SensorEvent]) -> Result<usize, DeviceError> {
        if !self.on {
            return Ok(0);
        }
        let mut t = now.max(self.last + Nanos(1));
        for (i, slot) in out.iter_mut().enumerate() {
            // Values that vary, so that the stuck-data check has work.
            let v = MetersPerSecondSquared((i % 7) as f32);
            *slot = SensorEvent {
                handle: FLOOD,
                timestamp: t,
                value: SensorValue::Acceleration([v, v, v]),
            };
            t += Nanos(1);
        }
        self.last = t;
        Ok(out.len())
    }
}

/// The raw latency path's end: a timestamp and an end mark in shared
/// memory, and the eventfd that wakes the waiting child.
struct RawWake {
    shared: Shared,
    memfd: OwnedFd,
    eventfd: OwnedFd,
}

impl RawWake {
    fn new() -> RawWake {
        let (shared, memfd) = Shared::create(4096);
        let eventfd = rustix::event::eventfd(0, EventfdFlags::empty()).expect("eventfd");
        RawWake {
            shared,
            memfd,
            eventfd,
        }
    }
}

/// Samples at the service's reads, stamped with the time of the read; a
/// seeded coin sends each either to the service (an event) or raw to the
/// waiting child (no event).
struct Ticker {
    descriptors: [SensorDescriptor; 1],
    on: bool,
    n: u32,
    coin: u64,
    raw: Arc<RawWake>,
}

impl Ticker {
    /// xorshift64: the same sequence every run.
    fn flip(&mut self) -> bool {
        self.coin ^= self.coin << 13;
        self.coin ^= self.coin >> 7;
        self.coin ^= self.coin << 17;
        self.coin & 1 == 1
    }
}

impl DynSensorDevice for Ticker {
    fn sensors(&self) -> &[SensorDescriptor] {
        &self.descriptors
    }
    fn configure(
        &mut self,
        _: SensorHandle,
        period: Nanos,
        _: Nanos,
    ) -> Result<Nanos, DeviceError> {
        Ok(period)
    }
    fn set_enabled(&mut self, _: SensorHandle, on: bool) -> Result<(), DeviceError> {
        self.on = on;
        Ok(())
    }
    fn read(&mut self, _: Nanos, out: &mut [SensorEvent]) -> Result<usize, DeviceError> {
        if !self.on || out.is_empty() {
            return Ok(0);
        }
        if self.flip() {
            // The raw path: the sample is taken now, and the child woken.
            let raw = &self.raw;
            raw.shared
                .u64_at(0)
                .store(now().as_nanos(), Ordering::Release);
            wake(&raw.eventfd);
            return Ok(0);
        }
        self.n += 1;
        let v = MetersPerSecondSquared((self.n % 5) as f32);
        out[0] = SensorEvent {
            handle: TICK,
            // The sample is taken now: the latency starts here.
            timestamp: now(),
            value: SensorValue::Acceleration([v, v, v]),
        };
        Ok(1)
    }
}

/// Where the processes run, as in yunhal-ipc's benchmark: `same`
/// (default) puts every process and thread of the bench on CPU 0, so that
/// no wake-up crosses cores (on a VM one that does costs tens of
/// microseconds and lands at random); `split` puts the clients on CPU 1;
/// `any` leaves placement to the scheduler.
const CPUS_ENV: &str = "YUNHAL_BENCH_CPUS";

/// `throughput` or `latency` runs only that half (for profiling one).
const ONLY_ENV: &str = "YUNHAL_BENCH_ONLY";

fn pin(client: bool) {
    let mode = std::env::var(CPUS_ENV).unwrap_or_else(|_| "same".into());
    let cpu = match (mode.as_str(), client) {
        ("same", _) | ("split", false) => 0,
        ("split", true) => 1,
        _ => return,
    };
    let mut set = rustix::thread::CpuSet::new();
    set.set(cpu);
    if let Err(e) = rustix::thread::sched_setaffinity(None, &set) {
        eprintln!("# cannot pin to CPU {cpu}: {e}");
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // Before any thread starts: threads inherit the placement.
    pin(args.len() > 1 && !args[1].starts_with("--"));
    if args.len() > 1 && !args[1].starts_with("--") {
        // A child never outlives the bench, whatever it waits for.
        rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::KILL))
            .expect("parent death signal");
    }
    match args.get(1).map(String::as_str) {
        Some("client-throughput") => return client_throughput(&args[2..]),
        Some("client-latency") => return client_latency(&args[2..]),
        Some("raw-consumer") => return raw_consumer(&args[2..]),
        Some("raw-waiter") => return raw_waiter(&args[2..]),
        _ => {}
    }
    let exe = std::env::current_exe().expect("own path");
    let dir = PathBuf::from(format!("/tmp/yunhal-sensors-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("bench dir");
    let socket = dir.join("sm.sock");

    let raw_wake = Arc::new(RawWake::new());
    let rt = Runtime::new().expect("runtime");
    ServiceManagerService::serve(&rt, &socket).expect("service manager");
    let mut supervisor = Supervisor::new(SupervisorConfig::new(&socket), Arc::new(SystemClock));
    supervisor.add(Arc::new(SensorsService::new(
        vec![
            HubDevice {
                name: "flood".into(),
                device: Box::new(Flood {
                    descriptors: [accel(FLOOD, "flood", Nanos(1))],
                    on: false,
                    last: Nanos(0),
                }),
            },
            HubDevice {
                name: "ticker".into(),
                device: Box::new(Ticker {
                    descriptors: [accel(TICK, "ticker", Nanos::from_millis(1))],
                    on: false,
                    n: 0,
                    coin: 0x9E37_79B9_7F4A_7C15,
                    raw: raw_wake.clone(),
                }),
            },
        ],
        false,
    )));
    supervisor.start_all();

    println!("# sensors service vs raw, {RUNS} runs each, best throughput and all latency samples");
    println!("# ratio = ours / raw");
    let only = std::env::var(ONLY_ENV).unwrap_or_default();
    if only != "latency" {
        throughput(&exe, &socket);
    }
    if only != "throughput" {
        latency(&exe, &socket, &raw_wake);
    }
    supervisor.stop_all();
    let _ = std::fs::remove_dir_all(&dir);
}

fn throughput(exe: &Path, socket: &Path) {
    let (mut ours, mut raw) = (0f64, 0f64);
    for _ in 0..RUNS {
        ours = ours.max(
            run_child(exe, "client-throughput", &[&socket.display().to_string()])
                .parse()
                .unwrap(),
        );
        raw = raw.max(raw_throughput(exe));
    }
    println!(
        "sensor_events_per_s: {:.2} (ours {:.2} M/s, raw ring {:.2} M/s, target >= 0.5)",
        ours / raw,
        ours / 1e6,
        raw / 1e6
    );
}

fn latency(exe: &Path, socket: &Path, raw_wake: &RawWake) {
    let mut ours_lat = Vec::new();
    let mut raw_lat = Vec::new();
    for _ in 0..RUNS {
        let waiter = spawn_raw_waiter(exe, raw_wake);
        let line = run_child(exe, "client-latency", &[&socket.display().to_string()]);
        ours_lat.extend(line.split(',').map(|v| v.parse::<u64>().unwrap()));
        raw_lat.extend(finish_raw_waiter(waiter, raw_wake));
    }
    println!(
        "# latency samples on one 200 Hz clock: {} through the service, {} raw",
        ours_lat.len(),
        raw_lat.len()
    );
    ours_lat.sort_unstable();
    raw_lat.sort_unstable();
    for (name, q) in [("median", 0.5), ("p99", 0.99)] {
        let o = quantile(&ours_lat, q);
        let r = quantile(&raw_lat, q);
        println!(
            "sensor_latency_{name}: {:.2} (ours {:.1} us, raw eventfd wake-up {:.1} us, target <= 1.5)",
            o / r,
            o / 1e3,
            r / 1e3
        );
    }
}

fn quantile(sorted: &[u64], q: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * q).round() as usize] as f64
}

/// Runs `exe role args...` and returns the last line it printed.
fn run_child(exe: &Path, role: &str, args: &[&str]) -> String {
    let out = Command::new(exe)
        .arg(role)
        .args(args)
        .stderr(Stdio::inherit())
        .output()
        .expect("client");
    assert!(out.status.success(), "{role} failed: {}", out.status);
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .last()
        .expect("a result line")
        .to_owned()
}

fn sensors(socket: &str) -> (Runtime, yunhal_ipc::Strong<dyn ISensors>) {
    let rt = Runtime::new().expect("runtime");
    let sm = ServiceManager::connect_at(&rt, Path::new(socket)).expect("service manager");
    let sensors = sm
        .get_service::<dyn ISensors>(SENSORS_SERVICE)
        .expect("sensors service");
    (rt, sensors)
}

/// Receives `THROUGHPUT_EVENTS` flood events; prints events/s.
fn client_throughput(args: &[String]) {
    let (_rt, sensors) = sensors(&args[0]);
    let setup = sensors.open_session(QUEUE_EVENTS).expect("session");
    let mut reader = EventReader::attach(setup.queue).expect("queue");
    let flood = SensorHandle(1);
    setup.session.batch(flood, 1, 0).expect("batch");
    let mut events = Vec::with_capacity(QUEUE_EVENTS as usize);
    // The first events start the clock.
    setup.session.activate(flood, true).expect("activate");
    reader.wait(Some(Duration::from_secs(5))).expect("wait");
    let start = Instant::now();
    let mut got = 0u64;
    while got < THROUGHPUT_EVENTS {
        events.clear();
        if reader.read(&mut events).expect("read") == 0 {
            reader.wait(Some(Duration::from_secs(5))).expect("wait");
            continue;
        }
        got += events.len() as u64;
    }
    let rate = got as f64 / start.elapsed().as_secs_f64();
    setup.session.activate(flood, false).expect("deactivate");
    println!("{rate}");
}

/// Prints the latency of `LATENCY_SAMPLES` ticker events, ns, comma-separated.
fn client_latency(args: &[String]) {
    let (_rt, sensors) = sensors(&args[0]);
    let setup = sensors.open_session(1024).expect("session");
    let mut reader = EventReader::attach(setup.queue).expect("queue");
    let ticker = SensorHandle(2);
    setup
        .session
        .batch(ticker, LATENCY_PERIOD.as_nanos() as u64, 0)
        .expect("batch");
    setup.session.activate(ticker, true).expect("activate");
    let mut samples = Vec::with_capacity(LATENCY_SAMPLES);
    let mut events = Vec::new();
    while samples.len() < LATENCY_SAMPLES {
        // Without a timeout, as the raw waiter: a reader thread that has
        // nothing else to do sleeps until events come. (A timeout arms a
        // kernel timer for every sleep; it measured about a microsecond
        // on the wake-up path here.) If the service dies, the parent dies
        // with it and takes this process along.
        reader.wait(None).expect("wait");
        events.clear();
        reader.read(&mut events).expect("read");
        let at = now();
        samples.extend(events.iter().map(|e| (at - e.timestamp).as_nanos()));
    }
    setup.session.activate(ticker, false).expect("deactivate");
    let text: Vec<String> = samples.iter().map(u64::to_string).collect();
    println!("{}", text.join(","));
}

// ---- the raw baselines ---------------------------------------------------

const RING_SLOTS: u64 = QUEUE_EVENTS as u64;
const RECORD: usize = EVENT_RECORD_SIZE as usize;
/// write index, read index, reader-waiting flag, then the slots.
const RING_HEADER: usize = 192;

/// A shared mapping of `len` bytes of a memfd.
struct Shared {
    ptr: *mut u8,
    len: usize,
}

impl Shared {
    fn create(len: usize) -> (Shared, OwnedFd) {
        let fd =
            rustix::fs::memfd_create("raw-ring", rustix::fs::MemfdFlags::empty()).expect("memfd");
        rustix::fs::ftruncate(&fd, len as u64).expect("ftruncate");
        (Shared::map(&fd, len), fd)
    }

    fn map(fd: &OwnedFd, len: usize) -> Shared {
        // SAFETY: a fresh shared mapping of a memfd at least `len` long.
        let ptr = unsafe {
            rustix::mm::mmap(
                std::ptr::null_mut(),
                len,
                ProtFlags::READ | ProtFlags::WRITE,
                MapFlags::SHARED,
                fd,
                0,
            )
        }
        .expect("mmap");
        Shared {
            ptr: ptr.cast(),
            len,
        }
    }

    fn u64_at(&self, offset: usize) -> &AtomicU64 {
        assert!(offset + 8 <= self.len);
        // SAFETY: in bounds (checked), 8-aligned (offsets are), and the
        // mapping lives as long as `self`.
        unsafe { &*self.ptr.add(offset).cast::<AtomicU64>() }
    }

    fn u32_at(&self, offset: usize) -> &AtomicU32 {
        assert!(offset + 4 <= self.len);
        // SAFETY: as `u64_at`.
        unsafe { &*self.ptr.add(offset).cast::<AtomicU32>() }
    }

    fn slot(&self, index: u64) -> *mut u8 {
        let offset = RING_HEADER + (index % RING_SLOTS) as usize * RECORD;
        assert!(offset + RECORD <= self.len);
        // SAFETY: in bounds (checked).
        unsafe { self.ptr.add(offset) }
    }
}

// SAFETY: the mapping is shared memory used only through atomics and the
// slots of a single writer; the pointer itself is never changed, and the
// mapping belongs to no thread.
unsafe impl Sync for Shared {}
// SAFETY: as above.
unsafe impl Send for Shared {}

impl Drop for Shared {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `map`, unmapped once.
        unsafe {
            let _ = rustix::mm::munmap(self.ptr.cast(), self.len);
        }
    }
}

const WRITE: usize = 0;
const READ: usize = 64;
const WAITING: usize = 128;

fn pass_fds(cmd: &mut Command, fds: &[&OwnedFd]) {
    for fd in fds {
        rustix::io::fcntl_setfd(fd, rustix::io::FdFlags::empty()).expect("clear FD_CLOEXEC");
        cmd.arg(fd.as_raw_fd().to_string());
    }
}

/// # Safety
/// `number` must name an inherited descriptor nothing else owns.
unsafe fn inherited(number: &str) -> OwnedFd {
    let fd: RawFd = number.parse().expect("fd number");
    // SAFETY: the caller's promise.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

fn wake(eventfd: &OwnedFd) {
    rustix::io::write(eventfd, &1u64.to_ne_bytes()).expect("eventfd write");
}

fn sleep_on(eventfd: &OwnedFd) {
    let mut buf = [0u8; 8];
    rustix::io::read(eventfd, &mut buf).expect("eventfd read");
}

/// A producer thread here pushes batches of records as fast as it can,
/// dropping what does not fit; a child reads them; returns what the child
/// read per second.
fn raw_throughput(exe: &Path) -> f64 {
    let len = RING_HEADER + RING_SLOTS as usize * RECORD;
    let (ring, memfd) = Shared::create(len);
    let eventfd = rustix::event::eventfd(0, EventfdFlags::empty()).expect("eventfd");
    let mut cmd = Command::new(exe);
    cmd.arg("raw-consumer");
    pass_fds(&mut cmd, &[&memfd, &eventfd]);
    let child = cmd.stdout(Stdio::piped()).spawn().expect("raw consumer");
    let stop = AtomicBool::new(false);
    let mut device = Flood {
        descriptors: [accel(FLOOD, "flood", Nanos(1))],
        on: true,
        last: Nanos(0),
    };
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let mut events = vec![
                SensorEvent {
                    handle: FLOOD,
                    timestamp: Nanos(0),
                    value: SensorValue::FlushComplete,
                };
                1024
            ];
            let mut write = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let n = device.read(now(), &mut events).expect("flood read");
                let read = ring.u64_at(READ).load(Ordering::Acquire);
                let room = RING_SLOTS - (write - read);
                for event in &events[..n.min(room as usize)] {
                    let record = encode_event(event);
                    // SAFETY: the slot lies in the mapping (checked).
                    unsafe {
                        std::ptr::copy_nonoverlapping(record.as_ptr(), ring.slot(write), RECORD)
                    };
                    write += 1;
                }
                ring.u64_at(WRITE).store(write, Ordering::Release);
                fence(Ordering::SeqCst);
                if ring.u32_at(WAITING).swap(0, Ordering::AcqRel) == 1 {
                    wake(&eventfd);
                }
                if room == 0 {
                    std::thread::yield_now();
                }
            }
        });
        let out = child.wait_with_output().expect("raw consumer");
        stop.store(true, Ordering::Relaxed);
        String::from_utf8(out.stdout)
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    })
}

fn raw_consumer(args: &[String]) {
    // SAFETY: the parent passed exactly these two descriptors.
    let (memfd, eventfd) = unsafe { (inherited(&args[0]), inherited(&args[1])) };
    let ring = Shared::map(&memfd, RING_HEADER + RING_SLOTS as usize * RECORD);
    let mut out = Vec::with_capacity(RING_SLOTS as usize);
    let mut read = 0u64;
    let mut start = None;
    while read < THROUGHPUT_EVENTS {
        let write = ring.u64_at(WRITE).load(Ordering::Acquire);
        if write == read {
            ring.u32_at(WAITING).store(1, Ordering::SeqCst);
            fence(Ordering::SeqCst);
            if ring.u64_at(WRITE).load(Ordering::Acquire) == read {
                sleep_on(&eventfd);
            } else {
                ring.u32_at(WAITING).store(0, Ordering::SeqCst);
            }
            continue;
        }
        start.get_or_insert_with(Instant::now);
        out.clear();
        for i in read..write {
            // SAFETY: the slot lies in the mapping (checked).
            let record = unsafe { std::slice::from_raw_parts(ring.slot(i), RECORD) };
            out.push(decode_event(record).expect("a record"));
        }
        read = write;
        ring.u64_at(READ).store(read, Ordering::Release);
    }
    let rate = read as f64 / start.expect("events").elapsed().as_secs_f64();
    println!("{rate}");
}

/// The parent writes its clock into shared memory and wakes a child
/// every `LATENCY_PERIOD`; the child reports each wake-up's latency.
/// Starts the child that the ticking device wakes raw.
fn spawn_raw_waiter(exe: &Path, raw: &RawWake) -> std::process::Child {
    raw.shared.u64_at(8).store(0, Ordering::Release);
    raw.shared.u64_at(16).store(0, Ordering::Release);
    let mut cmd = Command::new(exe);
    cmd.arg("raw-waiter");
    pass_fds(&mut cmd, &[&raw.memfd, &raw.eventfd]);
    let child = cmd.stdout(Stdio::piped()).spawn().expect("raw waiter");
    // No sample before the waiter waits: it would read one stamped before
    // it started.
    let deadline = Instant::now() + Duration::from_secs(10);
    while raw.shared.u64_at(16).load(Ordering::Acquire) == 0 {
        assert!(Instant::now() < deadline, "the raw waiter did not start");
        std::thread::sleep(Duration::from_millis(1));
    }
    child
}

/// Ends the raw waiter once the device has stopped, and returns its
/// samples.
fn finish_raw_waiter(mut child: std::process::Child, raw: &RawWake) -> Vec<u64> {
    // Two wakes that land before the waiter reads count as one: the waiter
    // ends on this mark, not on a count of wakes.
    std::thread::sleep(LATENCY_PERIOD);
    raw.shared.u64_at(8).store(1, Ordering::Release);
    wake(&raw.eventfd);
    let mut text = String::new();
    use std::io::Read;
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    child.wait().unwrap();
    text.trim()
        .split(',')
        .filter(|v| !v.is_empty())
        .map(|v| v.parse().unwrap())
        .collect()
}

fn raw_waiter(args: &[String]) {
    // SAFETY: the parent passed exactly these two descriptors.
    let (memfd, eventfd) = unsafe { (inherited(&args[0]), inherited(&args[1])) };
    let shared = Shared::map(&memfd, 4096);
    let mut samples = Vec::with_capacity(LATENCY_SAMPLES);
    shared.u64_at(16).store(1, Ordering::Release);
    loop {
        sleep_on(&eventfd);
        let at = now();
        if shared.u64_at(8).load(Ordering::Acquire) != 0 {
            break;
        }
        let sent = shared.u64_at(0).load(Ordering::Acquire);
        samples.push(at.as_nanos().saturating_sub(sent));
    }
    let text: Vec<String> = samples.iter().map(u64::to_string).collect();
    println!("{}", text.join(","));
}
