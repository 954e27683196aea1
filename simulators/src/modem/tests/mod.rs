//! The modem driven with raw AT text, as a host would: over a Unix socket
//! pair on a simulated clock, and over a pty and TCP.

mod basics;
mod calls;
mod network;
mod power;
mod scenario;
mod sms;
mod transports;

use super::{ModemClock, ModemConfig, ModemSim};
use crate::clock::SimClock;
use std::io::{ErrorKind, Read, Write};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};
use yunhal::time::Nanos;

/// The host's end of the modem's port.
pub(super) struct Host {
    stream: UnixStream,
    buf: Vec<u8>,
    /// Bytes written to the modem.
    written: u64,
    pub sim: ModemSim,
}

/// Results that end a response.
const FINALS: [&str; 6] = [
    "\r\nOK\r\n",
    "ERROR\r\n",
    "NO CARRIER\r\n",
    "BUSY\r\n",
    "ERROR: ",
    "\r\n> ",
];

impl Host {
    /// A modem with the default config on a simulated clock; its boot
    /// URCs are read.
    pub fn start() -> Host {
        Host::start_with(ModemConfig::default())
    }

    pub fn start_with(config: ModemConfig) -> Host {
        let (host, modem) = UnixStream::pair().unwrap();
        host.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let sim_clock = SimClock::new();
        let pin = config.pin.is_some();
        let sim = ModemSim::run(modem, config, ModemClock::Simulated(sim_clock)).unwrap();
        let mut host = Host {
            stream: host,
            buf: Vec::new(),
            written: 0,
            sim,
        };
        host.read_until(if pin {
            "+CPIN: SIM PIN\r\n"
        } else {
            "+QIND: PB DONE\r\n"
        });
        host
    }

    /// A modem with the PIN entered, registered on its home network, and
    /// echo off.
    pub fn registered() -> Host {
        let mut host = Host::start();
        host.command("ATE0");
        host.command("AT+CPIN=\"1234\"");
        host.read_until("+QIND: PB DONE\r\n");
        host.advance_ms(100);
        host
    }

    pub fn write(&mut self, text: &str) {
        self.write_bytes(text.as_bytes());
    }

    pub fn write_bytes(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).unwrap();
        self.written += bytes.len() as u64;
    }

    /// Everything up to and including `needle`.
    pub fn read_until(&mut self, needle: &str) -> String {
        self.read_until_any(&[needle])
    }

    fn read_until_any(&mut self, needles: &[&str]) -> String {
        loop {
            if let Some(response) = take_through(&mut self.buf, needles) {
                return response;
            }
            let mut chunk = [0u8; 512];
            match self.stream.read(&mut chunk) {
                Ok(n) if n > 0 => self.buf.extend_from_slice(&chunk[..n]),
                result => {
                    let had = String::from_utf8_lossy(&self.buf);
                    panic!("waiting for {needles:?}: {result:?}; had {had:?}");
                }
            }
        }
    }

    /// Sends `line` with CR and returns the response up to its final
    /// result.
    pub fn command(&mut self, line: &str) -> String {
        self.write(&format!("{line}\r"));
        self.read_until_any(&FINALS)
    }

    /// Whatever has arrived, without waiting (after a sync with the
    /// modem).
    pub fn pending(&mut self) -> String {
        wait_until_received(&self.sim, self.written);
        self.stream.set_nonblocking(true).unwrap();
        let mut chunk = [0u8; 4096];
        loop {
            match self.stream.read(&mut chunk) {
                Ok(n) if n > 0 => self.buf.extend_from_slice(&chunk[..n]),
                Ok(_) => break,
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) => panic!("{e}"),
            }
        }
        self.stream.set_nonblocking(false).unwrap();
        String::from_utf8_lossy(&std::mem::take(&mut self.buf)).into_owned()
    }

    pub fn advance_ms(&mut self, ms: u64) {
        self.sim.advance(Nanos::from_millis(ms));
    }
}

/// Waits until the modem has taken in the first `count` bytes written to
/// it (they pass through its reader thread first), and handled them.
fn wait_until_received(sim: &ModemSim, count: u64) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while sim.state().bytes_received < count {
        assert!(
            Instant::now() < deadline,
            "the modem did not take in {count} bytes"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Takes from `buf` everything up to and including the first of
/// `needles` (with the rest of the line after an `ERROR: `), if one has
/// arrived.
fn take_through(buf: &mut Vec<u8>, needles: &[&str]) -> Option<String> {
    let find = |bytes: &[u8], needle: &[u8]| bytes.windows(needle.len()).position(|w| w == needle);
    let mut end = needles
        .iter()
        .filter_map(|n| find(buf, n.as_bytes()).map(|at| at + n.len()))
        .min()?;
    if buf[..end].ends_with(b"ERROR: ") {
        end += find(&buf[end..], b"\r\n").map_or(0, |i| i + 2);
    }
    let taken: Vec<u8> = buf.drain(..end).collect();
    Some(String::from_utf8_lossy(&taken).into_owned())
}

/// The quoted fields and numbers of a response line `+X: a,"b",c`.
pub(super) fn fields(line: &str) -> Vec<String> {
    let values = line.split_once(": ").map_or(line, |(_, v)| v);
    values
        .trim()
        .split(',')
        .map(|f| f.trim_matches('"').to_owned())
        .collect()
}

/// The line of `response` that starts with `prefix`.
pub(super) fn line<'a>(response: &'a str, prefix: &str) -> &'a str {
    response
        .lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no {prefix} in {response:?}"))
}
