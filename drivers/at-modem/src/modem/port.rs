//! Where the modem's byte stream comes from: [`Port`], which the driver
//! opens again when it recovers a silent modem, and [`TtyPort`], a serial
//! tty or pty in raw mode.
//!
//! Who opens device nodes is decided by the board wiring (the daemon); a
//! test hands in a port over a socket pair.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::fd::OwnedFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use rustix::event::{poll, PollFd, PollFlags};
use rustix::io::Errno;
use rustix::pipe::{pipe_with, PipeFlags};
use rustix::termios::{
    tcflush, tcgetattr, tcsetattr, ControlModes, OptionalActions, QueueSelector, SpecialCodeIndex,
};

/// A reader and a writer of the modem's AT port.
pub type Stream = (Box<dyn Read + Send>, Box<dyn Write + Send>);

/// The modem's AT port, and the board's power control of the modem.
///
/// For port authors: [`open`](Port::open) may be called again while a
/// reader from an earlier call is still blocked in `read`; that reader
/// should then end (return `Ok(0)` or an error), and so should every
/// reader when the port is dropped, so that no reader thread outlives the
/// driver.
pub trait Port: Send {
    /// Opens the port (again): a fresh stream, settings applied, stale
    /// input discarded.
    fn open(&mut self) -> io::Result<Stream>;

    /// Cuts the modem's power and switches it on again. `Ok(false)`: the
    /// board has no power control.
    fn power_cycle(&mut self) -> io::Result<bool>;
}

impl<P: Port + ?Sized> Port for Box<P> {
    fn open(&mut self) -> io::Result<Stream> {
        (**self).open()
    }

    fn power_cycle(&mut self) -> io::Result<bool> {
        (**self).power_cycle()
    }
}

/// The board's way to power-cycle the modem (a GPIO on the PWRKEY or
/// RESET_N line, a USB hub port, a simulator's reboot).
pub type PowerControl = Box<dyn FnMut() -> io::Result<()> + Send>;

/// A serial tty (`/dev/ttyUSB2`) or pty opened in raw mode: 8N1, no echo,
/// no line editing, no CR/LF translation, modem control lines ignored.
pub struct TtyPort {
    path: PathBuf,
    baud: Option<u32>,
    hardware_flow_control: bool,
    power: Option<PowerControl>,
    /// Dropped to end the reader of the last open (its poll sees the
    /// pipe's other end hang up).
    stop_last_reader: Option<OwnedFd>,
}

impl TtyPort {
    /// A port on `path` at 115200 baud, no flow control, no power control.
    pub fn new(path: impl Into<PathBuf>) -> TtyPort {
        TtyPort {
            path: path.into(),
            baud: Some(115_200),
            hardware_flow_control: false,
            power: None,
            stop_last_reader: None,
        }
    }

    /// The line speed; `None` leaves it as it is (USB serial and ptys
    /// ignore it).
    pub fn with_baud(mut self, baud: Option<u32>) -> Self {
        self.baud = baud;
        self
    }

    /// RTS/CTS flow control (the EG25-G's UART supports it).
    pub fn with_hardware_flow_control(mut self, on: bool) -> Self {
        self.hardware_flow_control = on;
        self
    }

    /// How the board power-cycles the modem.
    pub fn with_power_control(
        mut self,
        power_cycle: impl FnMut() -> io::Result<()> + Send + 'static,
    ) -> Self {
        self.power = Some(Box::new(power_cycle));
        self
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn configure(&self, tty: &File) -> io::Result<()> {
        let mut termios = tcgetattr(tty)?;
        termios.make_raw();
        if let Some(baud) = self.baud {
            termios.set_speed(baud)?;
        }
        termios.control_modes |= ControlModes::CLOCAL | ControlModes::CREAD;
        termios
            .control_modes
            .set(ControlModes::CRTSCTS, self.hardware_flow_control);
        termios.special_codes[SpecialCodeIndex::VMIN] = 1;
        termios.special_codes[SpecialCodeIndex::VTIME] = 0;
        tcsetattr(tty, OptionalActions::Now, &termios)?;
        // What the modem said before this open belongs to another session.
        tcflush(tty, QueueSelector::IFlush)?;
        Ok(())
    }
}

impl Port for TtyPort {
    fn open(&mut self) -> io::Result<Stream> {
        self.stop_last_reader = None;
        let tty = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(rustix::fs::OFlags::NOCTTY.bits() as i32)
            .open(&self.path)?;
        self.configure(&tty)?;
        let (stop, stop_writer) = pipe_with(PipeFlags::CLOEXEC)?;
        let reader = TtyReader {
            tty: tty.try_clone()?,
            stop,
        };
        self.stop_last_reader = Some(stop_writer);
        Ok((Box::new(reader), Box::new(tty)))
    }

    fn power_cycle(&mut self) -> io::Result<bool> {
        match &mut self.power {
            Some(power_cycle) => power_cycle().map(|()| true),
            None => Ok(false),
        }
    }
}

impl fmt::Debug for TtyPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TtyPort")
            .field("path", &self.path)
            .field("baud", &self.baud)
            .field("hardware_flow_control", &self.hardware_flow_control)
            .field("power_control", &self.power.is_some())
            .finish()
    }
}

/// Reads the tty until the port is reopened or dropped, then reports the
/// end of the stream.
struct TtyReader {
    tty: File,
    stop: OwnedFd,
}

impl Read for TtyReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let mut fds = [
                PollFd::new(&self.tty, PollFlags::IN),
                PollFd::new(&self.stop, PollFlags::IN),
            ];
            match poll(&mut fds, None) {
                Ok(_) => {}
                Err(Errno::INTR) => continue,
                Err(e) => return Err(e.into()),
            }
            if !fds[1].revents().is_empty() {
                return Ok(0);
            }
            if fds[0]
                .revents()
                .intersects(PollFlags::IN | PollFlags::HUP | PollFlags::ERR)
            {
                return self.tty.read(buf);
            }
        }
    }
}
