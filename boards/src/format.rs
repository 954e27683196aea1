//! The board file format: serde types for `[board]`, `[buses.NAME]` and
//! `[devices.NAME]`.
//!
//! ```toml
//! [board]
//! name = "pinephone"
//! model = "Pine64 PinePhone (1.2)"
//! soc = "allwinner,sun50i-a64"
//!
//! [buses.i2c1]
//! kind = "i2c"
//! name = "1c2b000.i2c"        # the kernel's name for the controller
//! path = "/dev/i2c-1"         # or: simulated = true
//!
//! [buses.pio]
//! kind = "gpio"
//! name = "1c20800.pinctrl"
//! ports = "A-H"               # Allwinner pin names: "PH4" = line 7 * 32 + 4
//!
//! [devices.accel]
//! class = "sensor"
//! driver = "mpu6050"
//! bus = "i2c1"
//! address = 0x68
//! gpios = { interrupt = "PH5" }
//! mount_matrix = [[0, 1, 0], [-1, 0, 0], [0, 0, 1]]
//!
//! [devices.accel.params]      # free-form, checked by the driver's entry
//! ```
//!
//! Values keep their place in the file ([`Spanned`]) so that validation can
//! point at them; numbers are checked against their ranges by validation,
//! not by these types.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use toml::Spanned;

/// `[board]`: which handset this file describes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoardInfo {
    /// Short name, e.g. `pinephone`; what `yunctl` shows.
    pub name: Spanned<String>,
    /// Marketing name, e.g. the device tree's `model`.
    pub model: Option<String>,
    /// SoC compatible, e.g. `allwinner,sun50i-a64`.
    pub soc: Option<String>,
}

/// What a bus is. `simulated = true` gives the simulator's stand-in of the
/// same kind: a simulated I2C bus, a pty for a serial port, a display sink
/// for `drm`, an audio sink for `alsa`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BusKind {
    /// An I2C adapter: `/dev/i2c-N`.
    I2c,
    /// One SPI chip select: `/dev/spidevB.C`.
    Spi,
    /// A GPIO chip: `/dev/gpiochipN`, found by its label.
    Gpio,
    /// A serial port: `/dev/ttyS2`, `/dev/ttyUSB2`.
    Serial,
    /// A DRM/KMS card: `/dev/dri/cardN`, found by its driver name.
    Drm,
    /// An ALSA card, found by its card id.
    Alsa,
    /// A sysfs backlight: `/sys/class/backlight/NAME`.
    Backlight,
    /// An IIO device driven by the kernel: `/sys/bus/iio/devices/iio:deviceN`.
    Iio,
    /// An evdev input device driven by the kernel: `/dev/input/eventN`.
    Input,
}

/// How devices share a bus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BusSharing {
    /// Many devices, each at its own `address` (I2C).
    ByAddress,
    /// One device (a chip select, a tty, a card, a kernel device).
    Exclusive,
    /// Not shared by address; its users take lines (GPIO chips).
    Lines,
}

impl BusKind {
    pub const ALL: [BusKind; 9] = [
        BusKind::I2c,
        BusKind::Spi,
        BusKind::Gpio,
        BusKind::Serial,
        BusKind::Drm,
        BusKind::Alsa,
        BusKind::Backlight,
        BusKind::Iio,
        BusKind::Input,
    ];

    /// The name used in board files.
    pub fn as_str(self) -> &'static str {
        match self {
            BusKind::I2c => "i2c",
            BusKind::Spi => "spi",
            BusKind::Gpio => "gpio",
            BusKind::Serial => "serial",
            BusKind::Drm => "drm",
            BusKind::Alsa => "alsa",
            BusKind::Backlight => "backlight",
            BusKind::Iio => "iio",
            BusKind::Input => "input",
        }
    }

    pub fn sharing(self) -> BusSharing {
        match self {
            BusKind::I2c => BusSharing::ByAddress,
            BusKind::Gpio => BusSharing::Lines,
            _ => BusSharing::Exclusive,
        }
    }
}

impl fmt::Display for BusKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `[buses.NAME]`: one bus the daemon opens and hands to drivers.
///
/// A real bus has a `name`, a `path`, or both. `name` is the kernel's stable
/// name for it (the controller's platform device, `1c2b000.i2c`; a GPIO
/// chip's label; a DRM driver name; an ALSA card id; an IIO or input device
/// name) and wins when both are given, because `/dev` numbering can change
/// from boot to boot; `path` is then what it usually is.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusSpec {
    pub kind: Spanned<BusKind>,
    pub path: Option<Spanned<String>>,
    pub name: Option<Spanned<String>>,
    pub simulated: Option<Spanned<bool>>,
    /// Serial only; 115200 when absent.
    pub baud: Option<Spanned<u32>>,
    /// GPIO only: the Allwinner ports this chip serves, `"A-H"` or `"L"`;
    /// port N of the range is lines N*32..N*32+31.
    pub ports: Option<Spanned<String>>,
    /// GPIO only: how many lines the chip has, when known.
    pub lines: Option<Spanned<u32>>,
}

/// The baud rate of a serial bus without `baud`.
pub const DEFAULT_BAUD: u32 = 115_200;

impl BusSpec {
    pub fn kind(&self) -> BusKind {
        *self.kind.get_ref()
    }

    pub fn is_simulated(&self) -> bool {
        self.simulated.as_ref().is_some_and(|flag| *flag.get_ref())
    }

    pub fn path(&self) -> Option<&str> {
        self.path.as_ref().map(|path| path.get_ref().as_str())
    }

    pub fn kernel_name(&self) -> Option<&str> {
        self.name.as_ref().map(|name| name.get_ref().as_str())
    }

    /// The baud rate of a serial bus; `None` for other kinds.
    pub fn baud_rate(&self) -> Option<u32> {
        (self.kind() == BusKind::Serial).then(|| {
            self.baud
                .as_ref()
                .map_or(DEFAULT_BAUD, |baud| *baud.get_ref())
        })
    }
}

/// Which HAL a device serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeviceClass {
    Sensor,
    Touch,
    Display,
    Audio,
    Modem,
    /// Display brightness; kept apart from the display's frame path.
    Backlight,
}

impl DeviceClass {
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceClass::Sensor => "sensor",
            DeviceClass::Touch => "touch",
            DeviceClass::Display => "display",
            DeviceClass::Audio => "audio",
            DeviceClass::Modem => "modem",
            DeviceClass::Backlight => "backlight",
        }
    }
}

impl fmt::Display for DeviceClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `[devices.NAME]`: one device, its driver and its wiring.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceSpec {
    pub class: Spanned<DeviceClass>,
    /// A name in the driver registry.
    pub driver: Spanned<String>,
    /// `false` keeps a described device from being built, and from needing
    /// a registered driver; everything else about it is still checked.
    pub enabled: Option<bool>,
    pub bus: Option<Spanned<String>>,
    /// 7-bit I2C address, for devices on I2C buses.
    pub address: Option<Spanned<u16>>,
    /// GPIO lines by role.
    #[serde(default)]
    pub gpios: BTreeMap<GpioRole, Spanned<GpioRef>>,
    /// Sensors: maps the chip's axes onto the handset's (a rotation).
    pub mount_matrix: Option<Spanned<[[f64; 3]; 3]>>,
    /// Touch: the controller's coordinate space.
    pub touchscreen: Option<Spanned<TouchscreenSpec>>,
    /// Display: the panel.
    pub panel: Option<Spanned<PanelSpec>>,
    /// Audio: the card's routes, as (sink, source) pairs like DAPM routing.
    pub routes: Option<Spanned<Vec<AudioRoute>>>,
    /// Per-driver parameters, checked by the driver's registry entry.
    #[serde(default)]
    pub params: toml::Table,
}

impl DeviceSpec {
    pub fn class(&self) -> DeviceClass {
        *self.class.get_ref()
    }

    pub fn driver(&self) -> &str {
        self.driver.get_ref()
    }

    pub fn is_enabled(&self) -> bool {
        self.enabled.unwrap_or(true)
    }

    pub fn bus(&self) -> Option<&str> {
        self.bus.as_ref().map(|bus| bus.get_ref().as_str())
    }

    /// The I2C address; validation has checked that it fits 7 bits.
    pub fn address(&self) -> Option<u8> {
        self.address
            .as_ref()
            .and_then(|address| u8::try_from(*address.get_ref()).ok())
    }
}

/// What a device uses a GPIO line for (the keys of `gpios`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GpioRole {
    Interrupt,
    Reset,
    Power,
    Enable,
    /// Modem: the power key.
    Pwrkey,
    /// Modem: DTR, wakes the modem's UART.
    Dtr,
    /// Modem: tells the modem the host is awake.
    ApReady,
    /// Modem: W_DISABLE#, airplane mode.
    WDisable,
    /// Modem: STATUS, the modem reports it is on.
    Status,
}

impl GpioRole {
    pub fn as_str(self) -> &'static str {
        match self {
            GpioRole::Interrupt => "interrupt",
            GpioRole::Reset => "reset",
            GpioRole::Power => "power",
            GpioRole::Enable => "enable",
            GpioRole::Pwrkey => "pwrkey",
            GpioRole::Dtr => "dtr",
            GpioRole::ApReady => "ap_ready",
            GpioRole::WDisable => "w_disable",
            GpioRole::Status => "status",
        }
    }

    /// Roles only a modem has.
    pub fn is_modem_only(self) -> bool {
        matches!(
            self,
            GpioRole::Pwrkey
                | GpioRole::Dtr
                | GpioRole::ApReady
                | GpioRole::WDisable
                | GpioRole::Status
        )
    }
}

impl fmt::Display for GpioRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A GPIO line as written in a board file: an Allwinner pin name (`"PH4"`,
/// `{ pin = "PH11", active_low = true }`) resolved through the gpio buses'
/// `ports`, or a chip and line (`{ chip = "pio", line = 228 }`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GpioRef {
    Pin {
        pin: String,
        active_low: bool,
    },
    Line {
        chip: String,
        line: u32,
        active_low: bool,
    },
}

impl GpioRef {
    pub fn active_low(&self) -> bool {
        match self {
            GpioRef::Pin { active_low, .. } | GpioRef::Line { active_low, .. } => *active_low,
        }
    }
}

const GPIO_REF_EXPECTED: &str =
    "a pin name like \"PH4\" or a table { chip = \"pio\", line = 228 } (or { pin = \"PH4\" }), with optional active_low";

impl<'de> Deserialize<'de> for GpioRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(GpioRefVisitor)
    }
}

struct GpioRefVisitor;

impl<'de> Visitor<'de> for GpioRefVisitor {
    type Value = GpioRef;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(GPIO_REF_EXPECTED)
    }

    fn visit_str<E: de::Error>(self, pin: &str) -> Result<GpioRef, E> {
        Ok(GpioRef::Pin {
            pin: pin.to_owned(),
            active_low: false,
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<GpioRef, A::Error> {
        const KEYS: &[&str] = &["pin", "chip", "line", "active_low"];
        let (mut pin, mut chip, mut line, mut active_low) = (None, None, None, false);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "pin" => pin = Some(map.next_value::<String>()?),
                "chip" => chip = Some(map.next_value::<String>()?),
                "line" => line = Some(map.next_value::<u32>()?),
                "active_low" => active_low = map.next_value::<bool>()?,
                other => return Err(de::Error::unknown_field(other, KEYS)),
            }
        }
        match (pin, chip, line) {
            (Some(pin), None, None) => Ok(GpioRef::Pin { pin, active_low }),
            (None, Some(chip), Some(line)) => Ok(GpioRef::Line {
                chip,
                line,
                active_low,
            }),
            _ => Err(de::Error::custom(format!("expected {GPIO_REF_EXPECTED}"))),
        }
    }
}

/// `[devices.NAME.touchscreen]`, as the device tree's `touchscreen-*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TouchscreenSpec {
    /// Largest X the controller reports, plus one.
    pub size_x: u32,
    /// Largest Y the controller reports, plus one.
    pub size_y: u32,
    #[serde(default)]
    pub swap_xy: bool,
    #[serde(default)]
    pub invert_x: bool,
    #[serde(default)]
    pub invert_y: bool,
}

/// `[devices.NAME.panel]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PanelSpec {
    pub width_px: u32,
    pub height_px: u32,
    pub width_mm: Option<u32>,
    pub height_mm: Option<u32>,
    pub refresh_hz: Option<f64>,
}

/// One audio route, as a (sink, source) pair of DAPM widget names.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AudioRoute {
    pub sink: String,
    pub source: String,
}
