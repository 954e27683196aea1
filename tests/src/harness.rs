//! For tests: short temp dirs, `ipc-peer` child processes driven line by
//! line (and killed and reaped on drop, so none outlives a failed test), and
//! a service manager with its services.
//!
//! Waiting is on events: a child prints a line when something happened (a
//! `ready` after registering, a result after a call). Every wait has a
//! safety time-out, only so a broken build fails instead of hanging.

use crate::interfaces::{ITestService, TEST_SERVICE};
use crate::outcome::Outcome;
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use yunhal_ipc::{Runtime, ServiceInfo, ServiceManager, Strong};

/// How long any single wait may take before the test fails: a safety net,
/// never what a test asserts.
pub const SAFETY_TIMEOUT: Duration = Duration::from_secs(10);

/// A fresh directory `/tmp/yh-<pid>-<n>`, short enough for socket paths
/// (108 bytes), removed on drop.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// Creates the directory.
    pub fn new() -> TempDir {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = PathBuf::from(format!("/tmp/yh-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir { path }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Lets every user create and open files in it.
    pub fn open_to_all(&self) {
        std::fs::set_permissions(&self.path, std::fs::Permissions::from_mode(0o777))
            .expect("chmod temp dir");
    }
}

impl Default for TempDir {
    fn default() -> TempDir {
        TempDir::new()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// A child process that takes commands on stdin and answers with lines on
/// stdout. Killed (SIGKILL) and reaped on drop; its stderr is shown if the
/// test is failing.
pub struct Peer {
    name: String,
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
    /// Lines read while looking for another one.
    backlog: VecDeque<String>,
    stderr: Arc<Mutex<String>>,
    exit: Option<ExitStatus>,
}

impl Peer {
    /// Starts `command` (its stdio is taken over).
    pub fn spawn(name: &str, mut command: Command) -> Peer {
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {name}: {e}"));
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut child_stderr = child.stderr.take().expect("piped stderr");
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = child_stderr.read(&mut buf) {
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let stdin = child.stdin.take();
        Peer {
            name: format!("{name} (pid {})", child.id()),
            child,
            stdin,
            lines,
            backlog: VecDeque::new(),
            stderr,
            exit: None,
        }
    }

    /// The process id.
    pub fn pid(&self) -> i32 {
        i32::try_from(self.child.id()).expect("pid fits i32")
    }

    /// Sends one command line.
    pub fn send(&mut self, command: &str) {
        let stdin = self
            .stdin
            .as_mut()
            .unwrap_or_else(|| panic!("{}: stdin closed", self.name));
        writeln!(stdin, "{command}")
            .unwrap_or_else(|e| panic!("{}: write {command:?}: {e}", self.name));
    }

    /// Closes stdin: an interactive child finishes and exits.
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// The first line that starts with `prefix` followed by a space (or is
    /// `prefix`), without the prefix; earlier other lines are kept for later.
    pub fn expect(&mut self, prefix: &str) -> String {
        self.expect_within(prefix, SAFETY_TIMEOUT)
    }

    /// [`expect`](Self::expect) with a shorter safety time-out, for a wait
    /// that a known bug can make hang.
    pub fn expect_within(&mut self, prefix: &str, timeout: Duration) -> String {
        let strip = |line: &str| -> Option<String> {
            if line == prefix {
                return Some(String::new());
            }
            line.strip_prefix(prefix)?
                .strip_prefix(' ')
                .map(str::to_string)
        };
        if let Some(i) = self.backlog.iter().position(|l| strip(l).is_some()) {
            let line = self.backlog.remove(i).expect("index in backlog");
            return strip(&line).expect("matched");
        }
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => match strip(&line) {
                    Some(rest) => return rest,
                    None => self.backlog.push_back(line),
                },
                Err(e) => panic!(
                    "{}: no line {prefix:?} ({e:?}); other lines: {:?}; stderr:\n{}",
                    self.name,
                    self.backlog,
                    self.stderr()
                ),
            }
        }
    }

    /// Sends `command` and returns its answer: the line that starts with the
    /// command's first word.
    pub fn ask(&mut self, command: &str) -> String {
        self.send(command);
        let word = command.split_whitespace().next().expect("a command");
        self.expect(word)
    }

    /// [`ask`](Self::ask), with the answer parsed as an [`Outcome`].
    pub fn ask_outcome(&mut self, command: &str) -> Outcome {
        Outcome::parse(&self.ask(command))
    }

    /// Lines received so far (without waiting) that start with `prefix`.
    pub fn count_lines(&mut self, prefix: &str) -> usize {
        while let Ok(line) = self.lines.try_recv() {
            self.backlog.push_back(line);
        }
        self.backlog
            .iter()
            .filter(|l| l.starts_with(prefix))
            .count()
    }

    /// What the child wrote to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Whether the child is still running.
    pub fn is_running(&mut self) -> bool {
        self.exit.is_none() && self.child.try_wait().expect("try_wait").is_none()
    }

    /// SIGKILLs the child and reaps it.
    pub fn kill(&mut self) {
        if self.exit.is_none() {
            let _ = self.child.kill();
            self.exit = Some(self.child.wait().expect("wait for killed child"));
        }
    }

    /// Waits for the child to exit by itself (closing its stdin first); on
    /// the safety time-out, kills it and fails.
    pub fn wait_exit(&mut self) -> ExitStatus {
        self.close_stdin();
        if let Some(status) = self.exit {
            return status;
        }
        let pid = rustix::process::Pid::from_raw(self.pid()).expect("nonzero pid");
        // The child is not reaped yet, so its pid cannot have been reused.
        let exited = match rustix::process::pidfd_open(pid, rustix::process::PidfdFlags::empty()) {
            Ok(pidfd) => {
                let timeout = rustix::time::Timespec {
                    tv_sec: SAFETY_TIMEOUT.as_secs() as i64,
                    tv_nsec: 0,
                };
                let mut fds = [rustix::event::PollFd::new(
                    &pidfd,
                    rustix::event::PollFlags::IN,
                )];
                loop {
                    match rustix::event::poll(&mut fds, Some(&timeout)) {
                        Err(rustix::io::Errno::INTR) => continue,
                        ready => break matches!(ready, Ok(1..)),
                    }
                }
            }
            // Without pidfds, block on the exit itself.
            Err(_) => true,
        };
        if !exited {
            self.kill();
            panic!("{}: did not exit; stderr:\n{}", self.name, self.stderr());
        }
        let status = self.child.wait().expect("wait for child");
        self.exit = Some(status);
        status
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            let stderr = self.stderr();
            if !stderr.is_empty() {
                eprintln!("--- stderr of {} ---\n{stderr}", self.name);
            }
        }
    }
}

/// A service manager process in its own temp dir, the `ipc-peer` binary to
/// start more processes with, and a runtime of the test process itself (to
/// look services up and ask them what they saw).
pub struct Cluster {
    peer_binary: PathBuf,
    socket: PathBuf,
    rt: Runtime,
    /// Kept for its drop: killed and reaped with the cluster.
    _service_manager: Peer,
    dir: TempDir,
}

impl Cluster {
    /// Starts a service manager; `peer_binary` is
    /// `env!("CARGO_BIN_EXE_ipc-peer")`.
    pub fn start(peer_binary: &str) -> Cluster {
        let dir = TempDir::new();
        let socket = dir.path().join("sm.sock");
        let mut command = Command::new(peer_binary);
        command.arg("servicemanager").arg("--socket").arg(&socket);
        let mut service_manager = Peer::spawn("servicemanager", command);
        service_manager.expect("ready");
        let rt = Runtime::new().expect("test runtime");
        Cluster {
            peer_binary: PathBuf::from(peer_binary),
            socket,
            rt,
            _service_manager: service_manager,
            dir,
        }
    }

    /// The temp dir.
    pub fn dir(&self) -> &TempDir {
        &self.dir
    }

    /// The service manager's socket.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// A command for `ipc-peer <role> --socket <sm> <args>`.
    pub fn command(&self, role: &str, args: &[&str]) -> Command {
        let mut command = Command::new(&self.peer_binary);
        command
            .arg(role)
            .arg("--socket")
            .arg(&self.socket)
            .args(args);
        command
    }

    /// Starts `ipc-peer service` and waits until it has registered.
    pub fn service(&self, args: &[&str]) -> Peer {
        let mut service = Peer::spawn("service", self.command("service", args));
        service.expect("ready");
        service
    }

    /// Starts an interactive `ipc-peer client` of the test service and waits
    /// until it holds a proxy.
    pub fn client(&self) -> Peer {
        self.start_client(self.command("client", &[]))
    }

    /// Starts an interactive client from `command` and waits until it holds
    /// a proxy.
    pub fn start_client(&self, command: Command) -> Peer {
        let mut client = Peer::spawn("client", command);
        client.expect("ready");
        client
    }

    /// A client of the service manager in the test process.
    pub fn service_manager(&self) -> ServiceManager {
        ServiceManager::connect_at(&self.rt, &self.socket).expect("connect to the service manager")
    }

    /// The registration of `name`.
    pub fn info(&self, name: &str) -> ServiceInfo {
        self.service_manager()
            .check_service(name)
            .expect("check_service")
            .unwrap_or_else(|| panic!("{name} is not registered"))
    }

    /// A proxy of the test service in the test process.
    pub fn test_service(&self) -> Strong<dyn ITestService> {
        self.service_manager()
            .get_service::<dyn ITestService>(TEST_SERVICE)
            .expect("get the test service")
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.rt.shutdown();
    }
}
