//! Our IPC against the raw kernel mechanism it is built on, in one run on
//! the same machine. Each line reads `name: ratio (figures, target)`.
//!
//! `cargo bench -p yunhal-ipc --bench ipc_vs_raw` runs it. The peer of each
//! measurement is this executable re-run as a child process with a role.

mod queue;

use rustix::fd::{AsFd, OwnedFd};
use rustix::net::{
    AddressFamily, RecvAncillaryBuffer, RecvFlags, SendAncillaryBuffer, SendAncillaryMessage,
    SendFlags, SocketAddrUnix, SocketFlags, SocketType,
};
use std::io::{BufRead, BufReader, IoSlice, IoSliceMut};
use std::mem::MaybeUninit;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use yunhal_ipc::{interface, Bytes, Fd, Runtime, Status, Strong};

/// One measured figure and its raw baseline.
pub struct Figure {
    pub name: String,
    pub ours: f64,
    pub raw: f64,
    pub unit: &'static str,
    pub higher_is_better: bool,
}

interface! {
    pub trait IBench: "yunhal.bench.IBench", version 1 {
        1 => fn echo(data: Bytes) -> Bytes;
        2 => oneway sink(data: Bytes);
        3 => fn received() -> u64;
        4 => fn take_fd(fd: Fd, data: Bytes) -> Bytes;
    }
}

#[derive(Default)]
struct Bench {
    received: AtomicU64,
}

impl IBench for Bench {
    fn echo(&self, data: Bytes) -> Result<Bytes, Status> {
        Ok(data)
    }
    fn sink(&self, _data: Bytes) -> Result<(), Status> {
        self.received.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
    fn received(&self) -> Result<u64, Status> {
        Ok(self.received.load(Ordering::Relaxed))
    }
    fn take_fd(&self, fd: Fd, data: Bytes) -> Result<Bytes, Status> {
        drop(fd);
        Ok(data)
    }
}

const PAYLOAD: usize = 64;
const WARMUP: usize = 2_000;
const SAMPLES: usize = 20_000;
const ONEWAY_CALLS: u64 = 200_000;
/// Blocks of alternation between ours and raw.
const ROUNDS: usize = 20;

/// Where the processes run: `same` (default) puts every process of the
/// bench on CPU 0, so that a wake-up never crosses cores: on a VM an
/// inter-processor wake-up costs tens of microseconds and lands at random,
/// which would swamp what is measured. `split` puts this process on CPU 0
/// and the peers on CPU 1; `any` leaves placement to the scheduler.
const CPUS_ENV: &str = "YUNHAL_BENCH_CPUS";

fn pin(peer: bool) {
    let mode = std::env::var(CPUS_ENV).unwrap_or_else(|_| "same".into());
    let cpu = match (mode.as_str(), peer) {
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
    pin(args.len() > 1 && !args[1].starts_with("--"));
    if let Some(role) = args.get(1) {
        if role.starts_with("queue-") || role.starts_with("raw-ring-") {
            queue::child(role, &args[2..]);
            return;
        }
        match role.as_str() {
            "ipc-server" => return ipc_server(Path::new(&args[2])),
            "raw-server" => return raw_server(Path::new(&args[2])),
            _ => {}
        }
    }
    let exe = std::env::current_exe().expect("own path");
    let dir = std::env::temp_dir().join(format!("yh-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("bench dir");

    // `--only calls` or `--only queue` runs one part.
    let only = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let wanted = |part: &str| only.as_deref().map_or(true, |o| o == part);
    println!(
        "# processes placed by {CPUS_ENV}={}",
        std::env::var(CPUS_ENV).unwrap_or_else(|_| "same".into())
    );
    let mut figures = Vec::new();
    if wanted("calls") {
        figures.extend(two_way_and_oneway(&exe, &dir));
    }
    if wanted("queue") {
        figures.extend(queue::run(&exe));
    }
    let _ = std::fs::remove_dir_all(&dir);

    println!("# ratio = ours / raw, for every figure");
    for f in &figures {
        let ratio = f.ours / f.raw;
        println!(
            "{}: {:.2} (ours {:.2} {}, raw {:.2} {}, {})",
            f.name,
            ratio,
            f.ours,
            f.unit,
            f.raw,
            f.unit,
            if f.higher_is_better {
                "higher is better"
            } else {
                "lower is better"
            }
        );
    }
}

// ---- peers ------------------------------------------------------------------

fn ipc_server(endpoint: &Path) {
    let rt = Runtime::new().expect("runtime");
    let service: Arc<dyn IBench> = Arc::new(Bench::default());
    let id = rt.publish(&Strong::new(service));
    assert_eq!(id, 1);
    rt.listen(endpoint).expect("listen");
    println!("ready");
    rt.join_thread_pool();
}

fn seqpacket() -> OwnedFd {
    rustix::net::socket_with(
        AddressFamily::UNIX,
        SocketType::SEQPACKET,
        SocketFlags::CLOEXEC,
        None,
    )
    .expect("socket")
}

/// The raw peer: echoes every record back (with no descriptors), counts
/// records of kind 'o' (oneway) and answers a 'c' (count) with the count.
fn raw_server(path: &Path) {
    let listener = seqpacket();
    rustix::net::bind(&listener, &SocketAddrUnix::new(path).expect("addr")).expect("bind");
    rustix::net::listen(&listener, 8).expect("listen");
    println!("ready");
    let conn = rustix::net::accept(&listener).expect("accept");
    let mut buf = [0u8; 4096];
    let mut count = 0u64;
    loop {
        let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(4))];
        let mut control = RecvAncillaryBuffer::new(&mut space);
        let n = {
            let mut iov = [IoSliceMut::new(&mut buf)];
            match rustix::net::recvmsg(&conn, &mut iov, &mut control, RecvFlags::CMSG_CLOEXEC) {
                Ok(m) if m.bytes > 0 => m.bytes,
                _ => return,
            }
        };
        // Received descriptors are closed here, as the service side does.
        let _closed = control.drain().count();
        match buf[0] {
            b'o' => count += 1,
            b'c' => {
                rustix::net::send(&conn, &count.to_le_bytes(), SendFlags::empty()).expect("send");
            }
            _ => {
                rustix::net::send(&conn, &buf[..n], SendFlags::empty()).expect("send");
            }
        }
    }
}

struct Peer(Child);

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(exe: &Path, role: &str, path: &Path) -> Peer {
    let mut child = Command::new(exe)
        .arg(role)
        .arg(path)
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn peer");
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().expect("stdout"))
        .read_line(&mut line)
        .expect("ready line");
    assert_eq!(line.trim(), "ready", "{role} did not start");
    Peer(child)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1e6
}

/// Times each call of `ours` and `raw`, alternating in blocks, so that
/// both see the same machine (a VM's wake-up latency drifts over seconds).
fn time_interleaved(
    mut ours: impl FnMut(),
    mut raw: impl FnMut(),
) -> (Vec<Duration>, Vec<Duration>) {
    for _ in 0..WARMUP {
        ours();
        raw();
    }
    let block = SAMPLES / ROUNDS;
    let (mut a, mut b) = (Vec::with_capacity(SAMPLES), Vec::with_capacity(SAMPLES));
    for _ in 0..ROUNDS {
        for (f, out) in [
            (&mut ours as &mut dyn FnMut(), &mut a),
            (&mut raw as &mut dyn FnMut(), &mut b),
        ] {
            for _ in 0..block {
                let t = Instant::now();
                f();
                out.push(t.elapsed());
            }
        }
    }
    a.sort();
    b.sort();
    (a, b)
}

fn two_way_and_oneway(exe: &Path, dir: &Path) -> Vec<Figure> {
    let ipc_path: PathBuf = dir.join("ipc.sock");
    let raw_path: PathBuf = dir.join("raw.sock");
    let _ipc_peer = spawn(exe, "ipc-server", &ipc_path);
    let _raw_peer = spawn(exe, "raw-server", &raw_path);

    let rt = Runtime::new().expect("runtime");
    let bench = rt.proxy::<dyn IBench>(&ipc_path, 1).expect("proxy");
    let raw = seqpacket();
    rustix::net::connect(&raw, &SocketAddrUnix::new(&raw_path).expect("addr")).expect("connect");

    let payload = vec![7u8; PAYLOAD];
    let mut rbuf = [0u8; 4096];

    // Two-way, 64 bytes each way.
    let (ours, raw_rt) = time_interleaved(
        || {
            let r = bench.echo(Bytes::from(payload.clone())).expect("echo");
            debug_assert_eq!(r.len(), PAYLOAD);
        },
        || {
            rustix::net::send(&raw, &payload, SendFlags::empty()).expect("send");
            rustix::net::recv(&raw, &mut rbuf, RecvFlags::empty()).expect("recv");
        },
    );

    // A call carrying one descriptor, against sendmsg with SCM_RIGHTS.
    let memfd = rustix::fs::memfd_create("bench", rustix::fs::MemfdFlags::CLOEXEC).expect("memfd");
    let (ours_fd, raw_fd) = time_interleaved(
        || {
            let dup = memfd.try_clone().expect("dup");
            bench
                .take_fd(Fd::new(dup), Bytes::from(payload.clone()))
                .expect("take_fd");
        },
        || {
            let fds = [memfd.as_fd()];
            let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
            let mut control = SendAncillaryBuffer::new(&mut space);
            control.push(SendAncillaryMessage::ScmRights(&fds));
            rustix::net::sendmsg(
                &raw,
                &[IoSlice::new(&payload)],
                &mut control,
                SendFlags::empty(),
            )
            .expect("sendmsg");
            rustix::net::recv(&raw, &mut rbuf, RecvFlags::empty()).expect("recv");
        },
    );

    // Oneway throughput: N sends, then a two-way call that returns once
    // all N were handled (ours: a two-way call runs after earlier oneways;
    // raw: the peer answers a count request after what it read before).
    // Alternating blocks again.
    let mut oneway_msg = payload.clone();
    oneway_msg[0] = b'o';
    let block = ONEWAY_CALLS / ROUNDS as u64;
    let (mut ours_time, mut raw_time) = (Duration::ZERO, Duration::ZERO);
    for round in 1..=ROUNDS as u64 {
        let t = Instant::now();
        for _ in 0..block {
            bench.sink(Bytes::from(payload.clone())).expect("sink");
        }
        assert_eq!(bench.received().expect("received"), round * block);
        ours_time += t.elapsed();

        let t = Instant::now();
        for _ in 0..block {
            rustix::net::send(&raw, &oneway_msg, SendFlags::empty()).expect("send");
        }
        rustix::net::send(&raw, b"c", SendFlags::empty()).expect("send");
        let n = rustix::net::recv(&raw, &mut rbuf, RecvFlags::empty())
            .expect("recv")
            .0;
        assert_eq!(
            u64::from_le_bytes(rbuf[..n.min(8)].try_into().expect("8 bytes")),
            round * block
        );
        raw_time += t.elapsed();
    }
    let ours_oneway = (block * ROUNDS as u64) as f64 / ours_time.as_secs_f64();
    let raw_oneway = (block * ROUNDS as u64) as f64 / raw_time.as_secs_f64();

    vec![
        Figure {
            name: "two_way_64b_median".into(),
            ours: percentile(&ours, 0.5),
            raw: percentile(&raw_rt, 0.5),
            unit: "µs",
            higher_is_better: false,
        },
        Figure {
            name: "two_way_64b_p99".into(),
            ours: percentile(&ours, 0.99),
            raw: percentile(&raw_rt, 0.99),
            unit: "µs",
            higher_is_better: false,
        },
        Figure {
            name: "oneway_calls_per_s".into(),
            ours: ours_oneway,
            raw: raw_oneway,
            unit: "calls/s",
            higher_is_better: true,
        },
        Figure {
            name: "fd_call_median".into(),
            ours: percentile(&ours_fd, 0.5),
            raw: percentile(&raw_fd, 0.5),
            unit: "µs",
            higher_is_better: false,
        },
        Figure {
            name: "fd_call_p99".into(),
            ours: percentile(&ours_fd, 0.99),
            raw: percentile(&raw_fd, 0.99),
            unit: "µs",
            higher_is_better: false,
        },
    ]
}
