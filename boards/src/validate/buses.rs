//! Checks of `[buses.NAME]`: how each bus is found, its kind's keys and
//! their ranges.

use std::ops::Range;

use toml::Spanned;

use super::gpios::Chip;
use super::{check_name, in_range, BAUD_RATES, GPIO_LINE_COUNTS};
use crate::diagnostic::{join, Collector, DiagnosticKind};
use crate::format::{BusKind, BusSpec};
use crate::gpio::PortRange;
use crate::parse::Named;

pub(super) fn check_buses(buses: &[Named<BusSpec>], out: &mut Collector<'_>) -> Vec<Chip> {
    let mut chips: Vec<Chip> = Vec::new();
    for bus in buses {
        let path = join("buses", &bus.name);
        check_name(&bus.name, bus.span.clone(), &path, out);
        let spec = &bus.spec;
        let kind = spec.kind();
        check_locator(spec, &path, out);
        if let Some(baud) = &spec.baud {
            if only_for_kind(kind, BusKind::Serial, baud.span(), &path, "baud", out) {
                in_range(
                    *baud.get_ref(),
                    &BAUD_RATES,
                    baud.span(),
                    &join(&path, "baud"),
                    out,
                );
            }
        }
        let mut ports = None;
        if let Some(text) = &spec.ports {
            if only_for_kind(kind, BusKind::Gpio, text.span(), &path, "ports", out) {
                ports = parse_ports(text, &path, &chips, out);
            }
        }
        let mut lines = None;
        if let Some(count) = &spec.lines {
            if only_for_kind(kind, BusKind::Gpio, count.span(), &path, "lines", out) {
                let key = join(&path, "lines");
                let count_ok =
                    in_range(*count.get_ref(), &GPIO_LINE_COUNTS, count.span(), &key, out);
                lines = count_ok.then_some(*count.get_ref());
            }
        }
        if kind == BusKind::Gpio {
            chips.push(Chip {
                name: bus.name.clone(),
                ports,
                lines,
            });
        }
    }
    chips
}

/// `simulated = true`, or a `path` and/or `name` for a real bus.
fn check_locator(spec: &BusSpec, path: &str, out: &mut Collector<'_>) {
    if spec.is_simulated() {
        for (key, value) in [("path", &spec.path), ("name", &spec.name)] {
            if let Some(value) = value {
                let message = format!(
                    "a simulated bus has no `{key}`; remove it, or drop `simulated = true`"
                );
                out.report(
                    value.span(),
                    join(path, key),
                    DiagnosticKind::Misplaced,
                    message,
                );
            }
        }
        return;
    }
    if spec.path.is_none() && spec.name.is_none() {
        let message = "a real bus needs `path` or `name`; a simulated one needs `simulated = true`";
        out.report(spec.kind.span(), path, DiagnosticKind::MissingKey, message);
    }
    if let Some(device_path) = &spec.path {
        if let Err(expected) = check_path_shape(spec.kind(), device_path.get_ref()) {
            let message = format!(
                "`{}` is not a {} node; expected {expected}",
                device_path.get_ref(),
                spec.kind()
            );
            out.report(
                device_path.span(),
                join(path, "path"),
                DiagnosticKind::InvalidValue,
                message,
            );
        }
    }
}

/// Whether a device path fits its bus kind; the expected shape if not.
fn check_path_shape(kind: BusKind, path: &str) -> Result<(), &'static str> {
    let digits = |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    let (fits, expected) = match kind {
        BusKind::I2c => (
            path.strip_prefix("/dev/i2c-").is_some_and(digits),
            "/dev/i2c-N",
        ),
        BusKind::Spi => (
            path.strip_prefix("/dev/spidev")
                .and_then(|rest| rest.split_once('.'))
                .is_some_and(|(bus, select)| digits(bus) && digits(select)),
            "/dev/spidevB.C",
        ),
        BusKind::Gpio => (
            path.strip_prefix("/dev/gpiochip").is_some_and(digits),
            "/dev/gpiochipN",
        ),
        BusKind::Serial => (
            path.strip_prefix("/dev/tty")
                .is_some_and(|rest| !rest.is_empty()),
            "/dev/tty followed by the port name, e.g. /dev/ttyS2",
        ),
        BusKind::Drm => (
            path.strip_prefix("/dev/dri/card").is_some_and(digits),
            "/dev/dri/cardN",
        ),
        BusKind::Alsa => (
            false,
            "no `path`: an ALSA card is found by `name`, its card id",
        ),
        BusKind::Backlight => (
            path.strip_prefix("/sys/class/backlight/")
                .is_some_and(|rest| !rest.is_empty()),
            "/sys/class/backlight/NAME",
        ),
        BusKind::Iio => (
            path.strip_prefix("/sys/bus/iio/devices/iio:device")
                .is_some_and(digits),
            "/sys/bus/iio/devices/iio:deviceN",
        ),
        BusKind::Input => (
            path.strip_prefix("/dev/input/event").is_some_and(digits),
            "/dev/input/eventN",
        ),
    };
    if fits {
        Ok(())
    } else {
        Err(expected)
    }
}

fn parse_ports(
    text: &Spanned<String>,
    path: &str,
    chips: &[Chip],
    out: &mut Collector<'_>,
) -> Option<PortRange> {
    let key = join(path, "ports");
    let ports = PortRange::parse(text.get_ref())
        .map_err(|message| out.report(text.span(), &key, DiagnosticKind::InvalidValue, message))
        .ok()?;
    let clash = chips.iter().find_map(|chip| {
        let theirs = chip.ports.as_ref()?;
        ports
            .overlaps(theirs)
            .then_some((chip.name.as_str(), theirs))
    });
    if let Some((other, theirs)) = clash {
        let message = format!("ports {ports} overlap ports {theirs} of gpio bus `{other}`; a pin name must resolve to one chip");
        out.report(text.span(), key, DiagnosticKind::GpioConflict, message);
        return None;
    }
    Some(ports)
}

/// Reports a key that is only for one bus kind; `true` if it is in place.
fn only_for_kind(
    kind: BusKind,
    wanted: BusKind,
    span: Range<usize>,
    path: &str,
    key: &str,
    out: &mut Collector<'_>,
) -> bool {
    if kind != wanted {
        let message = format!("`{key}` is for {wanted} buses, and this bus is {kind}");
        out.report(span, join(path, key), DiagnosticKind::Misplaced, message);
    }
    kind == wanted
}
