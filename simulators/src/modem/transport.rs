//! Where the modem's bytes go: the thread that runs the engine, reader
//! threads for its ports, and the ports themselves (any stream, a
//! pseudo-terminal, TCP connections).

use super::engine::Engine;
use super::ModemClock;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

/// A job the engine thread runs on the engine (control API calls); what
/// it returns runs once the job's output is written.
pub(crate) type Job = Box<dyn FnOnce(&mut Engine) -> Box<dyn FnOnce() + Send> + Send>;

/// What the engine thread waits for.
pub(crate) enum Input {
    /// Bytes from the port of connection `generation`.
    Bytes(u64, Vec<u8>),
    /// That connection ended.
    Closed(u64),
    /// A new connection replaces the previous one.
    Attach(u64, Box<dyn Write + Send>),
    Job(Job),
    Stop,
}

/// Runs the engine until [`Input::Stop`]: input and control jobs in
/// arrival order, timers as the clock reaches them, output written after
/// each step. With a simulated clock it only wakes for input (a test
/// moving the clock sends a job); with the real clock it also wakes at the
/// next deadline.
///
/// Output before the first port is attached (the boot's URCs) waits for
/// it; later output while no port is attached is lost, as on an unplugged
/// line.
pub(crate) fn run_engine(mut engine: Engine, clock: ModemClock, inputs: Receiver<Input>) {
    let mut port: Option<(u64, Box<dyn Write + Send>)> = None;
    let mut ever_attached = false;
    engine.poll(clock.now());
    if engine.config.powered_at_start {
        engine.power_on();
    } else {
        engine.powered_down();
    }
    loop {
        let input = match (clock.is_real(), engine.next_deadline()) {
            (true, Some(deadline)) => {
                let wait = deadline.saturating_sub(clock.now()).to_duration();
                match inputs.recv_timeout(wait) {
                    Ok(input) => Some(input),
                    Err(RecvTimeoutError::Timeout) => None,
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            }
            _ => match inputs.recv() {
                Ok(input) => Some(input),
                Err(_) => return,
            },
        };
        let now = clock.now();
        engine.poll(now);
        let mut after_output = None;
        let current = |generation: u64| port.as_ref().is_some_and(|(g, _)| *g == generation);
        match input {
            // Bytes from a replaced connection are dropped.
            Some(Input::Bytes(generation, bytes)) if current(generation) => {
                engine.receive(&bytes, now);
            }
            Some(Input::Closed(generation)) if current(generation) => port = None,
            None | Some(Input::Bytes(..) | Input::Closed(_)) => {}
            Some(Input::Attach(generation, writer)) => {
                port = Some((generation, writer));
                ever_attached = true;
            }
            Some(Input::Job(job)) => after_output = Some(job(&mut engine)),
            Some(Input::Stop) => return,
        }
        let output = if ever_attached {
            engine.take_output()
        } else {
            Vec::new()
        };
        if let (false, Some((_, writer))) = (output.is_empty(), port.as_mut()) {
            if writer
                .write_all(&output)
                .and_then(|()| writer.flush())
                .is_err()
            {
                port = None;
            }
        }
        if let Some(notify) = after_output {
            notify();
        }
    }
}

/// How often a reader looks whether it should stop.
const STOP_CHECK: Duration = Duration::from_millis(50);

/// Reads `reader` into the engine's inputs until it ends or `stop` says
/// so; then it lets go of the stream, so that the port hangs up once the
/// engine has let go of its writer too.
pub(crate) fn spawn_reader(
    generation: u64,
    mut reader: impl Read + AsFd + Send + 'static,
    inputs: Sender<Input>,
    stop: impl Fn() -> bool + Send + 'static,
) -> io::Result<()> {
    use rustix::event::{poll, PollFd, PollFlags, Timespec};

    let timeout = Timespec {
        tv_sec: 0,
        tv_nsec: STOP_CHECK.as_nanos() as _,
    };
    thread::Builder::new()
        .name("modem-sim-read".to_owned())
        .spawn(move || {
            let mut buf = [0u8; 1024];
            while !stop() {
                let mut fds = [PollFd::new(&reader, PollFlags::IN)];
                match poll(&mut fds, Some(&timeout)) {
                    Ok(0) => continue,
                    Ok(_) => {}
                    Err(rustix::io::Errno::INTR) => continue,
                    Err(_) => break,
                }
                match reader.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        if inputs
                            .send(Input::Bytes(generation, buf[..n].to_vec()))
                            .is_err()
                        {
                            return;
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(_) => break,
                }
            }
            let _ = inputs.send(Input::Closed(generation));
        })?;
    Ok(())
}

/// A shared stream read by one thread and written by another, for stream
/// types whose `&S` reads and writes (`UnixStream`, `TcpStream`, `File`).
pub(crate) struct SharedStream<S>(pub Arc<S>);

impl<S> Read for SharedStream<S>
where
    for<'a> &'a S: Read,
{
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        (&*self.0).read(buf)
    }
}

impl<S: AsFd> AsFd for SharedStream<S> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.0.as_fd()
    }
}

impl<S> Write for SharedStream<S>
where
    for<'a> &'a S: Write,
{
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        (&*self.0).write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        (&*self.0).flush()
    }
}

/// A pseudo-terminal: the master for the modem, the slave for the driver.
pub(crate) struct Pty {
    pub master: File,
    /// Held open so that the terminal's settings and the master's reads
    /// survive the driver closing and reopening the device.
    pub slave: File,
    pub path: PathBuf,
}

/// Opens a pty pair with the slave in raw mode (no echo, no line editing,
/// no CR/LF translation), as a serial port to a modem is set up.
pub(crate) fn open_pty() -> io::Result<Pty> {
    use rustix::pty::{grantpt, openpt, ptsname, unlockpt, OpenptFlags};
    use rustix::termios::{tcgetattr, tcsetattr, OptionalActions};

    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC)?;
    grantpt(&master)?;
    unlockpt(&master)?;
    let name = ptsname(&master, Vec::new())?;
    let path = PathBuf::from(name.to_string_lossy().into_owned());
    let slave = OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(rustix::fs::OFlags::NOCTTY.bits() as i32)
        .open(&path)?;
    let mut termios = tcgetattr(&slave)?;
    termios.make_raw();
    tcsetattr(&slave, OptionalActions::Now, &termios)?;
    Ok(Pty {
        master: File::from(master),
        slave,
        path,
    })
}

/// Accepts connections on `listener` until `stop`; each one becomes the
/// modem's port, replacing (and hanging up) the previous one.
pub(crate) fn spawn_acceptor(
    listener: TcpListener,
    inputs: Sender<Input>,
    stop: Arc<AtomicBool>,
) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let current = Arc::new(AtomicU64::new(0));
    thread::Builder::new()
        .name("modem-sim-accept".to_owned())
        .spawn(move || {
            while !stop.load(Ordering::Acquire) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let generation = current.fetch_add(1, Ordering::AcqRel) + 1;
                        let attached = stream
                            .set_nonblocking(false)
                            .and_then(|()| stream.try_clone())
                            .map(|writer| {
                                let _ = writer.set_nodelay(true);
                                inputs.send(Input::Attach(generation, Box::new(writer)))
                            });
                        if matches!(attached, Ok(Ok(()))) {
                            let (stop, current) = (stop.clone(), current.clone());
                            let replaced_or_stopped = move || {
                                stop.load(Ordering::Acquire)
                                    || current.load(Ordering::Acquire) != generation
                            };
                            let _ = spawn_reader(
                                generation,
                                stream,
                                inputs.clone(),
                                replaced_or_stopped,
                            );
                        }
                    }
                    Err(_) => thread::sleep(Duration::from_millis(10)),
                }
            }
        })?;
    Ok(())
}

/// The listener's address, for a caller that bound port 0.
pub(crate) fn bind(addr: SocketAddr) -> io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(addr)?;
    let local = listener.local_addr()?;
    Ok((listener, local))
}
