//! Cold start and idle memory of `yunhald` on the simulated board.
//!
//! ```sh
//! cargo build --release -p yunhal-daemon --bins
//! cargo run --release -p yunhal-daemon --example measure_startup [RUNS]
//! ```
//!
//! Each run spawns `yunhald` (the one built beside this example) with its
//! own service manager socket and a `NOTIFY_SOCKET` bound here, and times
//! spawn → `READY=1` (sent once every service is registered). Then it
//! waits a second, reads `VmRSS` from `/proc/PID/status`, and stops the
//! daemon with SIGTERM.

use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .map_or(10, |n| n.parse().expect("RUNS is a number"));
    let exe = std::env::current_exe().expect("own path");
    let yunhald = exe
        .parent()
        .and_then(|examples| examples.parent())
        .map(|dir| dir.join("yunhald"))
        .expect("target dir");
    assert!(
        yunhald.exists(),
        "{} missing: cargo build --release -p yunhal-daemon --bins",
        yunhald.display()
    );

    let mut ready_ms = Vec::new();
    let mut rss_kib = Vec::new();
    for run in 0..runs {
        let dir = PathBuf::from(format!("/tmp/yhm-{}-{run}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let notify = UnixDatagram::bind(dir.join("notify.sock")).unwrap();
        notify
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();

        let spawned = Instant::now();
        let mut child = Command::new(&yunhald)
            .arg("--socket")
            .arg(dir.join("sm.sock"))
            .env("NOTIFY_SOCKET", dir.join("notify.sock"))
            .env("RUST_LOG", "warn")
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut buf = [0u8; 256];
        loop {
            let n = notify.recv(&mut buf).expect("READY=1 within 10 s");
            if String::from_utf8_lossy(&buf[..n])
                .lines()
                .any(|l| l == "READY=1")
            {
                break;
            }
        }
        ready_ms.push(spawned.elapsed().as_secs_f64() * 1000.0);

        std::thread::sleep(Duration::from_secs(1));
        let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap();
        let rss = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .expect("VmRSS");
        rss_kib.push(rss as f64);

        rustix::process::kill_process(
            rustix::process::Pid::from_child(&child),
            rustix::process::Signal::TERM,
        )
        .unwrap();
        assert!(child.wait().unwrap().success());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    report("spawn to READY=1 (ms)", &mut ready_ms, 1.0);
    report("idle VmRSS (MB)", &mut rss_kib, 1.0 / 1024.0);
}

fn report(what: &str, values: &mut [f64], scale: f64) {
    values.sort_by(f64::total_cmp);
    let median = if values.len() % 2 == 1 {
        values[values.len() / 2]
    } else {
        (values[values.len() / 2 - 1] + values[values.len() / 2]) / 2.0
    };
    println!(
        "{what}: median {:.2}, min {:.2}, max {:.2} over {} runs",
        median * scale,
        values[0] * scale,
        values[values.len() - 1] * scale,
        values.len()
    );
}
