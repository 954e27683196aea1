//! Real `yunhald` and `yunctl` processes, each test in its own directory.

#![allow(dead_code)] // Each test file uses a part.

use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

pub const YUNHALD: &str = env!("CARGO_BIN_EXE_yunhald");
pub const YUNCTL: &str = env!("CARGO_BIN_EXE_yunctl");
/// How long a daemon may take to become ready before the test fails.
const READY_TIMEOUT: Duration = Duration::from_secs(20);

/// A short directory under /tmp (socket paths must fit in 108 bytes),
/// removed on drop.
pub struct TestDir(pub PathBuf);

impl TestDir {
    pub fn new() -> TestDir {
        static N: AtomicU32 = AtomicU32::new(0);
        let path = PathBuf::from(format!(
            "/tmp/yhd-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        // Reachable by other users whatever the umask (the policy tests
        // run yunctl as another user).
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        TestDir(path)
    }

    pub fn socket(&self) -> PathBuf {
        self.0.join("sm.sock")
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    /// The sockets left in the directory, by file name.
    pub fn sockets(&self) -> Vec<String> {
        use std::os::unix::fs::FileTypeExt;
        let mut names: Vec<String> = std::fs::read_dir(&self.0)
            .unwrap()
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_socket()))
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

impl Drop for TestDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running `yunhald`, killed on drop.
pub struct Daemon {
    pub child: Child,
    /// What it sent to `NOTIFY_SOCKET` before it was ready.
    pub ready_message: String,
    log: PathBuf,
}

impl Daemon {
    /// Starts `yunhald --socket DIR/sm.sock ARGS` with `NOTIFY_SOCKET`
    /// bound by the test, and waits for `READY=1`.
    pub fn start(dir: &TestDir, args: &[&str]) -> Daemon {
        let (mut child, notify, log) = spawn(dir, args);
        let deadline = Instant::now() + READY_TIMEOUT;
        let mut buf = [0u8; 512];
        loop {
            match notify.recv(&mut buf) {
                Ok(n) => {
                    let message = String::from_utf8_lossy(&buf[..n]).into_owned();
                    if message.lines().any(|l| l == "READY=1") {
                        return Daemon {
                            child,
                            ready_message: message,
                            log,
                        };
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => panic!("notify socket: {e}"),
            }
            if let Some(status) = child.try_wait().unwrap() {
                panic!("yunhald exited ({status}) before READY=1:\n{}", read(&log));
            }
            assert!(
                Instant::now() < deadline,
                "no READY=1 in time:\n{}",
                read(&log)
            );
        }
    }

    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    pub fn signal(&self, signal: rustix::process::Signal) {
        rustix::process::kill_process(rustix::process::Pid::from_child(&self.child), signal)
            .unwrap();
    }

    /// Waits for the daemon to exit.
    pub fn wait(&mut self) -> ExitStatus {
        self.child.wait().unwrap()
    }

    pub fn log(&self) -> String {
        read(&self.log)
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

fn spawn(dir: &TestDir, args: &[&str]) -> (Child, UnixDatagram, PathBuf) {
    let notify_path = dir.0.join("notify.sock");
    let _ = std::fs::remove_file(&notify_path);
    let notify = UnixDatagram::bind(&notify_path).unwrap();
    notify
        .set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    let log = dir.0.join("yunhald.log");
    let child = Command::new(YUNHALD)
        .arg("--socket")
        .arg(dir.socket())
        .args(args)
        .env("NOTIFY_SOCKET", &notify_path)
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    (child, notify, log)
}

/// Runs `yunhald ARGS` to completion (for daemons that must not start).
pub fn yunhald_run(dir: &TestDir, args: &[&str]) -> Output {
    Command::new(YUNHALD)
        .arg("--socket")
        .arg(dir.socket())
        .args(args)
        .env_remove("NOTIFY_SOCKET")
        .output()
        .unwrap()
}

/// Runs `yunctl --socket DIR/sm.sock ARGS`.
pub fn yunctl(dir: &TestDir, args: &[&str]) -> Output {
    yunctl_command(dir, args).output().unwrap()
}

pub fn yunctl_command(dir: &TestDir, args: &[&str]) -> Command {
    let mut command = Command::new(YUNCTL);
    command.arg("--socket").arg(dir.socket()).args(args);
    command
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The JSON a successful `yunctl --json` printed.
pub fn json(output: &Output) -> serde_json::Value {
    assert!(output.status.success(), "{}", stderr(output));
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(output)))
}

/// A board with three errors, at lines 10, 11 and 12.
pub const BAD_BOARD: &str = "[board]
name = \"bad\"

[buses.i2c1]
kind = \"i2c\"
simulated = true

[devices.accel]
class = \"sensor\"
driver = \"mpu9250\"
bus = \"i2c9\"
adress = 0x68
";

/// `boards/NAME` of the workspace.
pub fn shipped_board(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../boards")
        .join(name)
}
