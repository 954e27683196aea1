//! GPIO lines as the daemon hands them to drivers: a line of a simulated
//! chip, or a line requested from the kernel's GPIO character device of
//! the chip the board names by label. One type for both, so each driver
//! is built once.

use std::path::Path;

use embedded_hal::digital::{self, ErrorType, InputPin, OutputPin};
use yunhal_boards::{DeviceRequest, GpioLine, GpioRole};
use yunhal_sim::gpio::{SimGpioChip, SimGpioError, SimInputLine, SimOutputLine};

use super::{DaemonPlatform, PlatformError};

/// What the daemon's line requests are labelled with (`gpioinfo` shows it).
const CONSUMER: &str = "yunhald";
/// Where GPIO character devices are.
const DEV_DIR: &str = yunhal_linux::gpio::DEFAULT_DEV_DIR;

/// A line requested as output.
#[derive(Debug)]
pub enum DaemonOutput {
    Simulated(SimOutputLine),
    Linux(yunhal_linux::gpio::OutputLine),
}

/// A line requested as input.
#[derive(Debug)]
pub enum DaemonInput {
    Simulated(SimInputLine),
    Linux(yunhal_linux::gpio::InputLine),
}

/// The error of a line: its chip and line are in the text.
#[derive(Debug, thiserror::Error)]
pub enum DaemonGpioError {
    #[error(transparent)]
    Simulated(#[from] SimGpioError),
    #[error(transparent)]
    Linux(#[from] yunhal_linux::gpio::GpioError),
}

impl digital::Error for DaemonGpioError {
    fn kind(&self) -> digital::ErrorKind {
        digital::ErrorKind::Other
    }
}

impl ErrorType for DaemonOutput {
    type Error = DaemonGpioError;
}

impl OutputPin for DaemonOutput {
    fn set_low(&mut self) -> Result<(), DaemonGpioError> {
        match self {
            DaemonOutput::Simulated(line) => Ok(line.set_low()?),
            DaemonOutput::Linux(line) => Ok(line.set_low()?),
        }
    }

    fn set_high(&mut self) -> Result<(), DaemonGpioError> {
        match self {
            DaemonOutput::Simulated(line) => Ok(line.set_high()?),
            DaemonOutput::Linux(line) => Ok(line.set_high()?),
        }
    }
}

impl ErrorType for DaemonInput {
    type Error = DaemonGpioError;
}

impl InputPin for DaemonInput {
    fn is_high(&mut self) -> Result<bool, DaemonGpioError> {
        match self {
            DaemonInput::Simulated(line) => Ok(line.is_high()?),
            DaemonInput::Linux(line) => Ok(line.is_high()?),
        }
    }

    fn is_low(&mut self) -> Result<bool, DaemonGpioError> {
        self.is_high().map(|high| !high)
    }
}

impl DaemonPlatform {
    /// The simulated chip of the board's gpio bus `bus`, made on first
    /// use with the lines its `lines` or `ports` give.
    pub(super) fn simulated_gpio_chip(&mut self, bus: &yunhal_boards::Bus) -> SimGpioChip {
        self.simulated_gpio
            .entry(bus.name.clone())
            .or_insert_with(|| {
                let ports = bus.spec.ports.as_ref().and_then(|ports| {
                    yunhal_boards::PortRange::parse(ports.get_ref())
                        .ok()
                        .map(|range| range.line_count())
                });
                let lines = bus
                    .spec
                    .lines
                    .as_ref()
                    .map(|lines| *lines.get_ref())
                    .or(ports)
                    .unwrap_or(u32::MAX);
                SimGpioChip::new(&bus.name, lines)
            })
            .clone()
    }

    /// The device's `role` line, requested as output at the logical value
    /// `initial` (asserted or not, after the board's `active_low`); `None`
    /// when the board gives the device no such line.
    pub fn gpio_output(
        &mut self,
        request: &DeviceRequest<'_>,
        role: GpioRole,
        initial: bool,
    ) -> Result<Option<DaemonOutput>, PlatformError> {
        self.request_line(
            request,
            role,
            |chip, line| {
                chip.request_output(line.line, line.active_low, initial)
                    .map(DaemonOutput::Simulated)
            },
            |label, line| {
                yunhal_linux::gpio::OutputLine::request(
                    Path::new(DEV_DIR),
                    label,
                    line.line,
                    line.active_low,
                    CONSUMER,
                    initial,
                )
                .map(DaemonOutput::Linux)
            },
        )
    }

    /// The device's `role` line, requested as input; `None` when the board
    /// gives the device no such line.
    pub fn gpio_input(
        &mut self,
        request: &DeviceRequest<'_>,
        role: GpioRole,
    ) -> Result<Option<DaemonInput>, PlatformError> {
        self.request_line(
            request,
            role,
            |chip, line| {
                chip.request_input(line.line, line.active_low)
                    .map(DaemonInput::Simulated)
            },
            |label, line| {
                yunhal_linux::gpio::InputLine::request(
                    Path::new(DEV_DIR),
                    label,
                    line.line,
                    line.active_low,
                    CONSUMER,
                )
                .map(DaemonInput::Linux)
            },
        )
    }

    /// Requests the device's `role` line from its chip: `simulated` on a
    /// simulated chip, `linux` with the label of a kernel one.
    fn request_line<T>(
        &mut self,
        request: &DeviceRequest<'_>,
        role: GpioRole,
        simulated: impl FnOnce(&SimGpioChip, &GpioLine) -> Result<T, SimGpioError>,
        linux: impl FnOnce(&str, &GpioLine) -> Result<T, yunhal_linux::gpio::GpioError>,
    ) -> Result<Option<T>, PlatformError> {
        let Some(line) = request.device.gpio(role) else {
            return Ok(None);
        };
        let bus = gpio_bus(request, &line.chip)?;
        let requested = if bus.spec.is_simulated() {
            let chip = self.simulated_gpio_chip(bus);
            simulated(&chip, line).map_err(DaemonGpioError::from)
        } else {
            linux(chip_label(bus)?, line).map_err(DaemonGpioError::from)
        };
        requested
            .map(Some)
            .map_err(|source| gpio_error(request, role, source))
    }
}

fn gpio_bus<'a>(
    request: &DeviceRequest<'a>,
    chip: &str,
) -> Result<&'a yunhal_boards::Bus, PlatformError> {
    // Validation checked that every line's chip is a gpio bus of the board.
    request
        .board
        .bus(chip)
        .ok_or(PlatformError::Missing("the gpio bus of a line"))
}

fn chip_label(bus: &yunhal_boards::Bus) -> Result<&str, PlatformError> {
    bus.spec
        .kernel_name()
        .ok_or(PlatformError::Missing("gpio chip label (`name`)"))
}

fn gpio_error(
    request: &DeviceRequest<'_>,
    role: GpioRole,
    source: DaemonGpioError,
) -> PlatformError {
    PlatformError::Open {
        what: format!("the {} line of `{}`", role.as_str(), request.device.name),
        source: std::io::Error::other(source),
    }
}
