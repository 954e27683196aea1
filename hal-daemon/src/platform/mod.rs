//! What building a device needs from the daemon: the buses of the board,
//! opened once each, real (`/dev` nodes) or simulated.
//!
//! # For HAL authors
//! A build function asks [`DaemonPlatform`] for its device's bus (e.g.
//! [`DaemonPlatform::i2c_bus`]); which node is opened, or which simulator
//! stands in, is decided here and nowhere else.

mod gpio;
mod linux_i2c;
mod simulated;

pub use gpio::{DaemonGpioError, DaemonInput, DaemonOutput};

pub use simulated::{BusFault, SimulatedI2c, SimulatedWorld, SimulationError};

use embedded_hal::i2c::{self, ErrorKind, Operation, SevenBitAddress};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use yunhal_boards::DeviceRequest;
use yunhal_sim::gpio::SimGpioChip;
use yunhal_sim::i2c::{I2cDeviceModel, SharedI2cBus, SimI2cBus, SimI2cError};
use yunhal_sim::modem::{ModemClock, ModemConfig, ModemSim, PinLine, PowerPin};
use yunhal_sim::world::World;

/// Where the daemon finds I2C adapters by their controller's kernel name.
const SYSFS_I2C_DEVICES: &str = "/sys/bus/i2c/devices";

/// The buses and simulators the daemon's devices are built on.
#[derive(Default)]
pub struct DaemonPlatform {
    /// Started on first use, so a real board carries no simulator.
    world: Option<SimulatedWorld>,
    simulated_i2c: BTreeMap<String, SharedI2cBus>,
    simulated_gpio: BTreeMap<String, SimGpioChip>,
    /// The simulated modem's subscriber and network; `None` for
    /// [`simulated_modem_config`].
    simulated_modem: Option<ModemConfig>,
    /// Where `/sys` paths of the board are looked up: `None` for `/`;
    /// tests point it at a fake tree.
    sysfs_root: Option<PathBuf>,
}

impl std::fmt::Debug for DaemonPlatform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DaemonPlatform")
            .field("simulated", &self.world.is_some())
            .field("simulated_i2c", &self.simulated_i2c.keys())
            .finish()
    }
}

/// Why a device could not be built.
#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    /// A device node or bus could not be opened.
    #[error("cannot open {what}: {source}")]
    Open {
        what: String,
        #[source]
        source: std::io::Error,
    },
    /// An i2c-dev node could not be opened.
    #[error("cannot open {path}: {source}")]
    OpenI2c {
        path: String,
        #[source]
        source: linux_embedded_hal::i2cdev::linux::LinuxI2CError,
    },
    /// The board gives the device no bus or address the driver needs.
    #[error("the device has no {0}")]
    Missing(&'static str),
    /// The bus is of a kind the driver cannot use.
    #[error("bus `{bus}` is not {expected}")]
    WrongBus { bus: String, expected: &'static str },
    /// The chip did not answer as its driver expects.
    #[error("the chip at {address:#04x} on `{bus}` did not initialise: {detail}")]
    Chip {
        bus: String,
        address: u8,
        detail: String,
    },
}

impl yunhal_boards::Platform for DaemonPlatform {
    type Device = crate::registry::HalDevice;
    type Error = PlatformError;
}

impl DaemonPlatform {
    /// A platform whose board paths under `/sys` are looked up below
    /// `root` (a fake sysfs tree in tests).
    pub fn with_sysfs_root(root: impl Into<PathBuf>) -> DaemonPlatform {
        DaemonPlatform {
            sysfs_root: Some(root.into()),
            ..DaemonPlatform::default()
        }
    }

    /// Simulated modems get `config` instead of [`simulated_modem_config`].
    pub fn with_simulated_modem(mut self, config: ModemConfig) -> DaemonPlatform {
        self.simulated_modem = Some(config);
        self
    }

    /// `path` (absolute, from the board) as this platform sees it.
    pub fn host_path(&self, path: &Path) -> PathBuf {
        match &self.sysfs_root {
            Some(root) if path.starts_with("/sys") => {
                root.join(path.strip_prefix("/").unwrap_or(path))
            }
            _ => path.to_path_buf(),
        }
    }

    /// The simulated world every simulated device senses, started on first
    /// use; the simulator-control service drives it.
    pub fn world(&mut self) -> Arc<Mutex<World>> {
        self.simulated_world().world()
    }

    /// The simulated world, if the board has a simulated device (or
    /// `force`): what the simulator-control service drives.
    pub fn simulation(&mut self, force: bool) -> Option<SimulatedWorld> {
        if force {
            self.simulated_world();
        }
        self.world.clone()
    }

    fn simulated_world(&mut self) -> &SimulatedWorld {
        self.world.get_or_insert_with(SimulatedWorld::start)
    }

    /// The I2C bus of `request`'s device, and its address on it. On a
    /// simulated bus, `model` (the chip the board says is there) is
    /// attached at that address first.
    pub fn i2c_bus(
        &mut self,
        request: &DeviceRequest<'_>,
        model: impl FnOnce() -> Box<dyn I2cDeviceModel>,
    ) -> Result<(DaemonI2c, u8), PlatformError> {
        let bus = request.bus.ok_or(PlatformError::Missing("bus"))?;
        let address = request
            .device
            .spec
            .address()
            .ok_or(PlatformError::Missing("address"))?;
        if bus.spec.kind() != yunhal_boards::BusKind::I2c {
            return Err(PlatformError::WrongBus {
                bus: bus.name.clone(),
                expected: "an I2C bus",
            });
        }
        if bus.spec.is_simulated() {
            let world = self.simulated_world().clone();
            let shared = self
                .simulated_i2c
                .entry(bus.name.clone())
                .or_insert_with(|| SharedI2cBus::new(SimI2cBus::new()));
            shared.lock().attach(address, model());
            world.add_chip(&request.device.name, shared.clone(), address);
            let i2c = SimulatedI2c::new(shared.clone(), world);
            return Ok((DaemonI2c::Simulated(i2c), address));
        }
        let path = linux_i2c::node_path(
            Path::new(SYSFS_I2C_DEVICES),
            bus.spec.kernel_name(),
            bus.spec.path(),
        )?;
        let i2c =
            linux_embedded_hal::I2cdev::new(&path).map_err(|source| PlatformError::OpenI2c {
                path: path.display().to_string(),
                source,
            })?;
        Ok((DaemonI2c::Linux(i2c), address))
    }

    /// The serial port of `request`'s device. On a simulated bus, a modem
    /// simulator is started behind a pseudo-terminal (on real time) and
    /// becomes the world's modem, which the simulator-control service
    /// drives.
    pub fn serial_port(
        &mut self,
        request: &DeviceRequest<'_>,
    ) -> Result<SerialPort, PlatformError> {
        let bus = request.bus.ok_or(PlatformError::Missing("bus"))?;
        if bus.spec.kind() != yunhal_boards::BusKind::Serial {
            return Err(PlatformError::WrongBus {
                bus: bus.name.clone(),
                expected: "a serial port",
            });
        }
        if bus.spec.is_simulated() {
            let config = self
                .simulated_modem
                .clone()
                .unwrap_or_else(simulated_modem_config);
            let modem = ModemSim::spawn_pty(config, ModemClock::real()).map_err(|source| {
                PlatformError::Open {
                    what: format!(
                        "a pseudo-terminal for the simulated modem of `{}`",
                        bus.name
                    ),
                    source,
                }
            })?;
            let path = modem
                .pty_path()
                .ok_or(PlatformError::Missing("the simulated modem's pty"))?
                .to_path_buf();
            let modem = Arc::new(modem);
            self.wire_modem_power_pins(request, &modem)?;
            self.simulated_world().attach_modem(modem.clone());
            return Ok(SerialPort::Simulated { path });
        }
        let path = bus
            .spec
            .path()
            .ok_or(PlatformError::Missing("serial port path"))?;
        Ok(SerialPort::Tty {
            path: PathBuf::from(path),
            baud: bus.spec.baud_rate(),
        })
    }
}

impl DaemonPlatform {
    /// Connects the simulated modem's PWRKEY, RESET_N and STATUS to the
    /// simulated lines the board gives the device for them, wired as the
    /// lines' polarity says.
    fn wire_modem_power_pins(
        &mut self,
        request: &DeviceRequest<'_>,
        modem: &Arc<ModemSim>,
    ) -> Result<(), PlatformError> {
        use yunhal_boards::GpioRole;
        for (role, pin) in [
            (GpioRole::Pwrkey, PowerPin::Pwrkey),
            (GpioRole::Reset, PowerPin::Reset),
            (GpioRole::Status, PowerPin::Status),
        ] {
            let Some(line) = request.device.gpio(role) else {
                continue;
            };
            let Some(bus) = request.board.bus(&line.chip) else {
                continue;
            };
            if !bus.spec.is_simulated() {
                continue;
            }
            let chip = self.simulated_gpio_chip(bus);
            let wired = PinLine {
                line: line.line,
                active_low: line.active_low,
            };
            modem
                .wire_power_pin(&chip, pin, wired)
                .map_err(|e| PlatformError::Open {
                    what: format!(
                        "the simulated {} line of `{}`",
                        role.as_str(),
                        request.device.name
                    ),
                    source: std::io::Error::other(e),
                })?;
        }
        Ok(())
    }
}

/// A serial port as the daemon hands it to a modem driver.
pub enum SerialPort {
    /// The pseudo-terminal of the modem simulator started for the device
    /// (the world holds the simulator; its power pins are on the board's
    /// simulated lines).
    Simulated { path: PathBuf },
    /// A tty of the board.
    Tty { path: PathBuf, baud: Option<u32> },
}

/// The simulated modem's subscriber and network: the SIM's PIN is 1234;
/// calls to +15550100 are answered by the far end at once, +15550111 is
/// busy, +15550122 never answers, and other numbers ring until
/// `yunctl sim modem answer`.
pub fn simulated_modem_config() -> ModemConfig {
    ModemConfig {
        answering_numbers: vec!["+15550100".to_owned()],
        ..ModemConfig::default()
    }
}

/// An I2C bus as the daemon hands it to a driver: one type for both kinds,
/// so each driver is built once.
pub enum DaemonI2c {
    Simulated(SimulatedI2c),
    Linux(linux_embedded_hal::I2cdev),
}

/// The error of a [`DaemonI2c`] transfer.
#[derive(Debug)]
pub enum DaemonI2cError {
    Simulated(SimI2cError),
    Linux(linux_embedded_hal::I2CError),
}

impl i2c::Error for DaemonI2cError {
    fn kind(&self) -> ErrorKind {
        match self {
            DaemonI2cError::Simulated(e) => e.kind(),
            DaemonI2cError::Linux(e) => e.kind(),
        }
    }
}

impl i2c::ErrorType for DaemonI2c {
    type Error = DaemonI2cError;
}

impl i2c::I2c<SevenBitAddress> for DaemonI2c {
    fn transaction(
        &mut self,
        address: u8,
        operations: &mut [Operation<'_>],
    ) -> Result<(), DaemonI2cError> {
        match self {
            DaemonI2c::Simulated(bus) => bus
                .transaction(address, operations)
                .map_err(DaemonI2cError::Simulated),
            DaemonI2c::Linux(bus) => bus
                .transaction(address, operations)
                .map_err(DaemonI2cError::Linux),
        }
    }
}
