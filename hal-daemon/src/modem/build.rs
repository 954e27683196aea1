//! Building the AT modem driver on its device's serial port: a tty of the
//! board, or the pty of the modem simulator on simulated boards.

use std::time::Duration;

use yunhal::modem::AnyModem;
use yunhal_at_modem::modem::{
    AtModem, AtModemConfig, PowerLines, PowerTiming, QuectelUrcPort, RecoveryConfig, TtyPort,
    Vendor,
};
use yunhal_boards::{BusKind, DeviceClass, DeviceRequest, DriverInfo, GpioRole, ParamError};

use crate::platform::{DaemonInput, DaemonOutput, DaemonPlatform, PlatformError, SerialPort};
use crate::registry::HalDevice;

/// A 3GPP AT modem on a serial port. Parameters: `vendor` (`generic` or
/// `quectel-eg25`), `urc_port` (EG25-G: the port the modem is reached on,
/// `usbat`, `usbmodem` or `uart1`), `pin` (entered when the SIM asks for it),
/// `command_timeout_ms`, `keepalive_ms` (0: no keep-alive),
/// `boot_timeout_ms`, `signal_poll_ms` (0: only the modem's reports),
/// `power_off_timeout_ms` (how long the modem may take to switch off after
/// its power key before RESET_N is used; 30 s when absent).
///
/// GPIO lines, all optional: `pwrkey`, `reset`, `w_disable` and `status`
/// make the last step of recovery a power cycle ([`PowerLines`]); each
/// line's value is "asserted" in the module's terms (key pressed, reset
/// held, radio disabled, module on), so a line is `active_low` when that
/// is a low level at the SoC: PWRKEY and RESET_N wired straight to the
/// module, STATUS read through an inverting transistor (the PinePhone).
pub const AT_MODEM: DriverInfo = DriverInfo::new("at-modem", DeviceClass::Modem)
    .buses(&[BusKind::Serial])
    .params(check_params);

const DURATIONS: [&str; 5] = [
    "command_timeout_ms",
    "keepalive_ms",
    "boot_timeout_ms",
    "signal_poll_ms",
    "power_off_timeout_ms",
];

fn check_params(params: &toml::Table) -> Vec<ParamError> {
    let mut errors = Vec::new();
    for (key, value) in params {
        let problem = match key.as_str() {
            "vendor" => match value.as_str() {
                Some("generic" | "quectel-eg25") => None,
                _ => Some(format!(
                    "expected \"generic\" or \"quectel-eg25\", got {value:?}"
                )),
            },
            "urc_port" => match value.as_str() {
                Some("usbat" | "usbmodem" | "uart1") => None,
                _ => Some(format!(
                    "expected \"usbat\", \"usbmodem\" or \"uart1\", got {value:?}"
                )),
            },
            "pin" => match value.as_str() {
                Some(pin)
                    if (4..=8).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    None
                }
                _ => Some("expected 4 to 8 digits as a string".to_string()),
            },
            key if DURATIONS.contains(&key) => match value.as_integer() {
                Some(ms) if (0..=600_000).contains(&ms) => None,
                _ => Some(format!(
                    "expected milliseconds, 0 to 600000, got {} {value:?}",
                    value.type_str()
                )),
            },
            _ => Some(format!(
                "unknown parameter (expected vendor, urc_port, pin, {})",
                DURATIONS.join(", ")
            )),
        };
        if let Some(message) = problem {
            errors.push(ParamError::new(key.as_str(), message));
        }
    }
    errors
}

fn millis(params: &toml::Table, key: &str) -> Option<Duration> {
    params
        .get(key)
        .and_then(|v| v.as_integer())
        .map(|ms| Duration::from_millis(ms as u64))
}

/// The driver's configuration from the device's `params`.
fn config(params: &toml::Table) -> AtModemConfig {
    let vendor = match params.get("vendor").and_then(|v| v.as_str()) {
        Some("quectel-eg25") => Vendor::QuectelEg25,
        _ => Vendor::Generic,
    };
    let mut config = AtModemConfig::new(vendor);
    match params.get("urc_port").and_then(|v| v.as_str()) {
        Some("usbmodem") => config = config.with_urc_port(QuectelUrcPort::UsbModem),
        Some("uart1") => config = config.with_urc_port(QuectelUrcPort::Uart1),
        _ => {}
    }
    if let Some(pin) = params.get("pin").and_then(|v| v.as_str()) {
        config = config.with_pin(pin);
    }
    if let Some(timeout) = millis(params, "command_timeout_ms") {
        config = config.with_command_timeout(timeout);
    }
    if let Some(interval) = millis(params, "keepalive_ms") {
        config = config.with_keepalive_interval((!interval.is_zero()).then_some(interval));
    }
    if let Some(interval) = millis(params, "signal_poll_ms") {
        config = config.with_signal_poll_interval((!interval.is_zero()).then_some(interval));
    }
    if let Some(boot) = millis(params, "boot_timeout_ms") {
        let recovery = RecoveryConfig {
            boot_timeout: boot,
            ..config.recovery.clone()
        };
        config = config.with_recovery(recovery);
    }
    config
}

pub fn build_at_modem(
    platform: &mut DaemonPlatform,
    request: &DeviceRequest<'_>,
) -> Result<HalDevice, PlatformError> {
    let config = config(&request.device.spec.params);
    let port = match platform.serial_port(request)? {
        SerialPort::Simulated { path } => TtyPort::new(path),
        SerialPort::Tty { path, baud } => TtyPort::new(path).with_baud(baud),
    };
    let port = match power_lines(platform, request) {
        Ok(Some(mut lines)) => {
            lines.timing = timing(&request.device.spec.params);
            match lines.power_on(&mut linux_embedded_hal::Delay) {
                Ok(true) => tracing::info!("modem switched on through its power key"),
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "cannot switch the modem on"),
            }
            port.with_power_control(move || {
                let done = lines
                    .power_cycle(&mut linux_embedded_hal::Delay)
                    .map_err(std::io::Error::other)?;
                tracing::info!(?done, "modem power-cycled through its GPIO lines");
                Ok(())
            })
        }
        Ok(None) => port,
        // A line another program holds (eg25-manager, say) leaves the modem
        // usable; only the last recovery step is missing.
        Err(e) => {
            tracing::warn!(error = %e, "the modem has no power control");
            port
        }
    };
    let what = request.device.name.clone();
    let modem = AtModem::open(Box::new(port), config).map_err(|e| PlatformError::Open {
        what: format!("the modem `{what}`"),
        source: std::io::Error::other(e.to_string()),
    })?;
    Ok(HalDevice::Modem(AnyModem::boxed(modem)))
}

/// The board's lines to the modem's PWRKEY, RESET_N, W_DISABLE# and
/// STATUS, outputs released; `None` without a PWRKEY line.
fn power_lines(
    platform: &mut DaemonPlatform,
    request: &DeviceRequest<'_>,
) -> Result<Option<PowerLines<DaemonOutput, DaemonInput>>, PlatformError> {
    let Some(pwrkey) = platform.gpio_output(request, GpioRole::Pwrkey, false)? else {
        return Ok(None);
    };
    Ok(Some(PowerLines {
        pwrkey,
        reset: platform.gpio_output(request, GpioRole::Reset, false)?,
        w_disable: platform.gpio_output(request, GpioRole::WDisable, false)?,
        status: platform.gpio_input(request, GpioRole::Status)?,
        timing: PowerTiming::default(),
    }))
}

/// The power sequence's waits: the EG25-G's, with `power_off_timeout_ms`
/// from the board.
fn timing(params: &toml::Table) -> PowerTiming {
    let mut timing = PowerTiming::default();
    if let Some(timeout) = millis(params, "power_off_timeout_ms") {
        timing.off_timeout = timeout;
    }
    timing
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::board::BoardSource;
    use crate::platform::simulated_modem_config;
    use crate::registry::driver_registry;
    use yunhal_sim::modem::ModemConfig;

    #[test]
    fn a_modem_that_is_off_is_switched_on_through_the_boards_lines() {
        let board = BoardSource::default().load(&driver_registry()).unwrap();
        let device = board.device("modem").unwrap();
        let request = DeviceRequest {
            board: &board,
            device,
            bus: device.spec.bus().and_then(|bus| board.bus(bus)),
        };
        let mut platform = DaemonPlatform::default().with_simulated_modem(ModemConfig {
            powered_at_start: false,
            ..simulated_modem_config()
        });

        let built = build_at_modem(&mut platform, &request);

        let Ok(HalDevice::Modem(modem)) = built else {
            panic!("the modem was not built: {:?}", built.err());
        };
        assert_eq!(modem.identity().unwrap().model, "EG25");
        let state = platform.simulation(false).unwrap().modem().unwrap().state();
        assert_eq!(state.power, yunhal_sim::modem::PowerState::On);
    }
}
