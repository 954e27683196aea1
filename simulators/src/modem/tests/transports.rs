//! The modem on real ports, a pseudo-terminal and TCP, on the real clock:
//! what a driver opens, and the faults it has to live through.

use super::{line, take_through, wait_until_received, FINALS};
use crate::modem::{ModemClock, ModemConfig, ModemSim, SimState};
use rustix::event::{poll, PollFd, PollFlags, Timespec};
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::fd::AsFd;
use std::os::unix::fs::OpenOptionsExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};
use yunhal::time::Nanos;

/// How long a test waits for what should come.
const PATIENCE: Duration = Duration::from_secs(5);
/// How long a test listens to make sure that nothing comes.
const QUIET: Duration = Duration::from_millis(100);

/// A driver's end of a real port: a thread reads it and hands over what
/// arrives; the channel closes when the port hangs up. Dropping it closes
/// the port, as a driver closing its device does.
struct Port {
    writer: Box<dyn Write>,
    arrived: Receiver<Vec<u8>>,
    buf: Vec<u8>,
    /// Bytes written to the modem.
    written: u64,
    closing: Arc<AtomicBool>,
    reader: Option<JoinHandle<()>>,
}

impl Port {
    fn new(reader: impl Read + AsFd + Send + 'static, writer: impl Write + 'static) -> Port {
        let (sender, arrived) = mpsc::channel();
        let closing = Arc::new(AtomicBool::new(false));
        let closed = closing.clone();
        let reader = thread::spawn(move || {
            let mut reader = reader;
            let mut chunk = [0u8; 1024];
            let timeout = Timespec {
                tv_sec: 0,
                tv_nsec: 10_000_000,
            };
            while !closed.load(Ordering::Acquire) {
                if poll(&mut [PollFd::new(&reader, PollFlags::IN)], Some(&timeout)) == Ok(0) {
                    continue;
                }
                match reader.read(&mut chunk) {
                    Ok(n @ 1..) if sender.send(chunk[..n].to_vec()).is_ok() => {}
                    _ => break,
                }
            }
        });
        Port {
            writer: Box::new(writer),
            arrived,
            buf: Vec::new(),
            written: 0,
            closing,
            reader: Some(reader),
        }
    }

    /// The pty's slave device, opened as a driver opens a serial port.
    fn open_pty(sim: &ModemSim) -> Port {
        let file = open_tty(sim);
        Port::new(file.try_clone().unwrap(), file)
    }

    fn connect_tcp(sim: &ModemSim) -> Port {
        let stream = TcpStream::connect(sim.local_addr().unwrap()).unwrap();
        Port::new(stream.try_clone().unwrap(), stream)
    }

    fn write(&mut self, text: &str) {
        self.writer.write_all(text.as_bytes()).unwrap();
        self.writer.flush().unwrap();
        self.written += text.len() as u64;
    }

    fn read_until(&mut self, needle: &str) -> String {
        self.read_until_any(&[needle])
    }

    fn read_until_any(&mut self, needles: &[&str]) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(response) = take_through(&mut self.buf, needles) {
                return response;
            }
            let had = String::from_utf8_lossy(&self.buf).into_owned();
            let left = deadline.saturating_duration_since(Instant::now());
            match self.arrived.recv_timeout(left) {
                Ok(bytes) => self.buf.extend_from_slice(&bytes),
                Err(e) => panic!("waiting for {needles:?}: {e}; had {had:?}"),
            }
        }
    }

    fn command(&mut self, line: &str) -> String {
        self.write(&format!("{line}\r"));
        self.read_until_any(&FINALS)
    }

    /// Everything that arrives within `QUIET` once `sim` has handled what
    /// was written.
    fn listen(&mut self, sim: &ModemSim) -> String {
        wait_until_received(sim, self.written);
        let deadline = Instant::now() + QUIET;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.arrived.recv_timeout(left) {
                Ok(bytes) => self.buf.extend_from_slice(&bytes),
                Err(_) => break,
            }
        }
        String::from_utf8_lossy(&std::mem::take(&mut self.buf)).into_owned()
    }

    /// Waits for the port to hang up; what arrived before is dropped.
    fn hung_up(&mut self) -> bool {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.arrived.recv_timeout(left) {
                Ok(_) => continue,
                Err(RecvTimeoutError::Disconnected) => return true,
                Err(RecvTimeoutError::Timeout) => return false,
            }
        }
    }
}

impl Drop for Port {
    fn drop(&mut self) {
        self.closing.store(true, Ordering::Release);
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
    }
}

fn open_tty(sim: &ModemSim) -> File {
    OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(rustix::fs::OFlags::NOCTTY.bits() as i32)
        .open(sim.pty_path().expect("a pty modem has a path"))
        .unwrap()
}

fn on_pty(config: ModemConfig) -> (ModemSim, Port) {
    let sim = ModemSim::spawn_pty(config, ModemClock::real()).unwrap();
    let port = Port::open_pty(&sim);
    (sim, port)
}

/// A modem on TCP, connected, its boot URCs read.
fn on_tcp(config: ModemConfig) -> (ModemSim, Port) {
    let addr = "127.0.0.1:0".parse().unwrap();
    let sim = ModemSim::spawn_tcp(addr, config, ModemClock::real()).unwrap();
    let mut port = Port::connect_tcp(&sim);
    port.read_until("+CPIN: SIM PIN\r\n");
    (sim, port)
}

/// A modem on TCP with its PIN entered, registered, echo off.
fn registered_on_tcp(config: ModemConfig) -> (ModemSim, Port) {
    let (sim, mut port) = on_tcp(config);
    port.command("ATE0;+CREG=1");
    port.command("AT+CPIN=\"1234\"");
    port.read_until("+CREG: 1\r\n");
    (sim, port)
}

#[test]
fn the_pty_is_raw_and_carries_the_boot_and_commands() {
    use rustix::termios::{tcgetattr, tcsetattr, LocalModes, OptionalActions};
    let (sim, mut port) = on_pty(ModemConfig::default());

    let termios = tcgetattr(open_tty(&sim)).unwrap();
    let mut raw = termios.clone();
    raw.make_raw();
    // A driver makes its port raw; here that changes nothing.
    tcsetattr(open_tty(&sim), OptionalActions::Now, &raw).unwrap();
    let boot = port.read_until("+CPIN: SIM PIN\r\n");
    let at = port.command("AT");
    port.command("ATE0;+CREG=1");
    let pin = port.command("AT+CPIN=\"1234\"");
    let registration = port.read_until("+CREG: 1\r\n");

    assert!(!termios
        .local_modes
        .intersects(LocalModes::ECHO | LocalModes::ICANON));
    assert_eq!(boot, "\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: SIM PIN\r\n");
    assert_eq!(at, "AT\r\r\nOK\r\n");
    assert_eq!(pin, "\r\nOK\r\n");
    assert!(
        registration.starts_with("\r\n+CPIN: READY\r\n"),
        "{registration:?}"
    );
    assert!(
        registration.ends_with("\r\n+CREG: 2\r\n\r\n+CREG: 1\r\n"),
        "{registration:?}"
    );
}

#[test]
fn the_pty_keeps_working_when_the_driver_closes_and_reopens_it() {
    let (sim, mut first) = on_pty(ModemConfig::default());
    first.read_until("+CPIN: SIM PIN\r\n");
    first.command("ATE0");
    drop(first);

    let mut second = Port::open_pty(&sim);
    let answer = second.command("AT+CGMM");

    assert_eq!(answer, "\r\nEG25\r\n\r\nOK\r\n");
}

#[test]
fn tcp_carries_commands_and_a_new_connection_replaces_the_old_one() {
    let addr = "127.0.0.1:0".parse().unwrap();
    let sim = ModemSim::spawn_tcp(addr, ModemConfig::default(), ModemClock::real()).unwrap();
    sim.set_signal(-80);
    let mut first = Port::connect_tcp(&sim);
    // The first connection finds the boot's URCs, which waited for a port.
    let boot = first.read_until("+CPIN: SIM PIN\r\n");
    let on_first = first.command("AT");

    let mut second = Port::connect_tcp(&sim);
    let on_second = second.command("ATE0");

    assert!(boot.starts_with("\r\nRDY\r\n"), "{boot:?}");
    assert_eq!(on_first, "AT\r\r\nOK\r\n");
    assert_eq!(on_second, "ATE0\r\r\nOK\r\n");
    assert!(first.hung_up());
    assert_eq!(second.command("AT+CGMI"), "\r\nQuectel\r\n\r\nOK\r\n");
}

#[test]
fn dropping_the_modem_hangs_up_its_pty_and_its_tcp_connection() {
    let (pty_sim, mut pty) = on_pty(ModemConfig::default());
    let (tcp_sim, mut tcp) = on_tcp(ModemConfig::default());
    pty.command("AT");
    tcp.command("AT");

    drop(pty_sim);
    drop(tcp_sim);

    assert!(pty.hung_up());
    assert!(tcp.hung_up());
}

#[test]
fn timers_run_by_themselves_on_the_real_clock() {
    let config = ModemConfig {
        ring_period: Nanos::from_millis(50),
        ..ModemConfig::default()
    };
    let (sim, mut port) = registered_on_tcp(config);

    assert!(sim.incoming_call("+15550123"));
    let first = port.read_until("RING\r\n");
    let again = port.read_until("RING\r\n");
    port.command("ATA");
    assert!(sim.remote_hangup());
    let hangup = port.read_until("NO CARRIER\r\n");

    assert_eq!(first, "\r\nRING\r\n");
    assert_eq!(again, "\r\nRING\r\n");
    assert_eq!(hangup, "\r\nNO CARRIER\r\n");
}

#[test]
fn a_timed_silence_ignores_commands_then_ends_by_itself() {
    let (sim, mut port) = on_tcp(ModemConfig::default());
    port.command("ATE0");

    sim.go_silent(Some(Nanos::from_millis(150)));
    port.write("AT\r");
    let during = port.listen(&sim);
    while sim.state().silent {
        thread::sleep(Duration::from_millis(10));
    }
    let after = port.command("AT");

    assert_eq!(during, "");
    assert_eq!(after, "\r\nOK\r\n");
}

#[test]
fn a_silence_until_cleared_drops_urcs_too() {
    let (sim, mut port) = registered_on_tcp(ModemConfig::default());
    port.command("AT+CLIP=1");

    sim.go_silent(None);
    port.write("AT\r");
    sim.incoming_call("+15550123");
    let during = port.listen(&sim);
    sim.clear_silence();
    let after = port.command("AT+CLCC");

    assert_eq!(during, "");
    assert_eq!(line(&after, "+CLCC"), "+CLCC: 1,1,4,0,0,\"+15550123\",145");
}

#[test]
fn garbage_and_a_partial_line_reach_the_driver_raw_and_commands_go_on() {
    let (sim, mut port) = on_pty(ModemConfig::default());
    port.read_until("+CPIN: SIM PIN\r\n");
    port.command("ATE0");

    sim.send_garbage(b"\x00\xffOK\r\n");
    sim.partial_line("+CSQ: 2");
    let raw = port.read_until("+CSQ: 2");
    let answer = port.command("AT");

    assert_eq!(raw, "\u{0}\u{fffd}OK\r\n+CSQ: 2");
    assert_eq!(answer, "\r\nOK\r\n");
}

#[test]
fn a_reboot_sends_rdy_by_itself_and_forgets_volatile_state() {
    let (sim, mut port) = on_pty(ModemConfig::default());
    port.read_until("+CPIN: SIM PIN\r\n");
    port.command("ATE0;+CMEE=2");
    port.command("AT+CPIN=\"1234\"");
    port.read_until("+QIND: PB DONE\r\n");

    sim.reboot();
    port.write("AT\r");
    let boot = port.read_until("+CPIN: SIM PIN\r\n");
    let echoed = port.command("AT+CMEE?");
    let pin = port.command("AT+CPIN?");

    assert!(boot.starts_with("\r\nRDY\r\n"), "{boot:?}");
    assert_eq!(echoed, "AT+CMEE?\r\r\n+CMEE: 0\r\n\r\nOK\r\n");
    assert_eq!(pin, "AT+CPIN?\r\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n");
    assert_eq!(sim.state().sim, SimState::PinRequired);
}

#[test]
fn echo_toggled_from_the_control_api_shows_on_the_port() {
    let (sim, mut port) = on_tcp(ModemConfig::default());

    sim.set_echo(false);
    let off = port.command("AT");
    sim.set_echo(true);
    let on = port.command("AT");

    assert_eq!(off, "\r\nOK\r\n");
    assert_eq!(on, "AT\r\r\nOK\r\n");
}
