//! Resolution of a device's GPIO references to chip lines, and the check
//! that no line has two users.

use std::collections::BTreeMap;

use super::Wiring;
use crate::diagnostic::{join, Collector, DiagnosticKind};
use crate::format::{BusSpec, DeviceClass, DeviceSpec, GpioRef, GpioRole};
use crate::gpio::{AllwinnerPin, GpioLine, PortRange};
use crate::parse::Named;

/// A gpio bus, as GPIO references resolve against it.
pub(super) struct Chip {
    pub(super) name: String,
    pub(super) ports: Option<PortRange>,
    pub(super) lines: Option<u32>,
}

impl Chip {
    /// How many lines the chip is known to have.
    fn line_limit(&self) -> Option<u32> {
        self.lines
            .or_else(|| self.ports.as_ref().map(PortRange::line_count))
    }

    fn describe(&self, line: u32) -> String {
        match self.ports.as_ref().and_then(|ports| ports.pin_at(line)) {
            Some(pin) => format!("`{}` line {line} ({pin})", self.name),
            None => format!("`{}` line {line}", self.name),
        }
    }
}

/// Resolves each of the device's GPIO references to a chip line and
/// checks that no line has two users.
pub(super) fn resolve_gpios(
    spec: &DeviceSpec,
    path: &str,
    buses: &[Named<BusSpec>],
    chips: &[Chip],
    wiring: &mut Wiring,
    out: &mut Collector<'_>,
) -> BTreeMap<GpioRole, GpioLine> {
    let mut resolved = BTreeMap::new();
    for (role, reference) in &spec.gpios {
        let key = join(&join(path, "gpios"), role.as_str());
        if role.is_modem_only() && spec.class() != DeviceClass::Modem {
            let message = format!(
                "`{role}` is a modem line, and this device is of class {}",
                spec.class()
            );
            out.report(reference.span(), &key, DiagnosticKind::Misplaced, message);
        }
        let line = match resolve(reference.get_ref(), buses, chips) {
            Ok(line) => line,
            Err((kind, message)) => {
                out.report(reference.span(), &key, kind, message);
                continue;
            }
        };
        let chip = chips.iter().find(|chip| chip.name == line.chip);
        let described = chip.map_or_else(
            || format!("line {}", line.line),
            |chip| chip.describe(line.line),
        );
        let user_line = out.line(&reference.span());
        match wiring.gpio_lines.get(&(line.chip.clone(), line.line)) {
            Some((other, other_line)) => {
                let message = format!("{described} is already used by {other} (line {other_line})");
                out.report(
                    reference.span(),
                    &key,
                    DiagnosticKind::GpioConflict,
                    message,
                );
            }
            None => {
                wiring
                    .gpio_lines
                    .insert((line.chip.clone(), line.line), (key.clone(), user_line));
            }
        }
        resolved.insert(*role, line);
    }
    resolved
}

fn resolve(
    reference: &GpioRef,
    buses: &[Named<BusSpec>],
    chips: &[Chip],
) -> Result<GpioLine, (DiagnosticKind, String)> {
    let chip_list = || {
        let described: Vec<String> = chips
            .iter()
            .map(|chip| match &chip.ports {
                Some(ports) => format!("`{}` (ports {ports})", chip.name),
                None => format!("`{}`", chip.name),
            })
            .collect();
        if described.is_empty() {
            "(none)".to_owned()
        } else {
            described.join(", ")
        }
    };
    let (chip, line) = match reference {
        GpioRef::Pin { pin, .. } => {
            let pin = AllwinnerPin::parse(pin)
                .map_err(|message| (DiagnosticKind::InvalidValue, message))?;
            let Some((chip, line)) = chips
                .iter()
                .find_map(|chip| Some((chip, chip.ports.as_ref()?.line_of(pin)?)))
            else {
                let message = format!(
                    "no gpio bus serves port {} of {pin}; give a gpio bus `ports` that include it (gpio buses: {})",
                    pin.port,
                    chip_list()
                );
                return Err((DiagnosticKind::UnknownBus, message));
            };
            (chip, line)
        }
        GpioRef::Line {
            chip: name, line, ..
        } => {
            let Some(chip) = chips.iter().find(|chip| chip.name == *name) else {
                let message = match buses.iter().find(|bus| bus.name == *name) {
                    Some(bus) => format!(
                        "bus `{name}` is {}, not a gpio chip; gpio buses: {}",
                        bus.spec.kind(),
                        chip_list()
                    ),
                    None => format!("no gpio bus named `{name}`; gpio buses: {}", chip_list()),
                };
                return Err((DiagnosticKind::UnknownBus, message));
            };
            (chip, *line)
        }
    };
    if let Some(limit) = chip.line_limit() {
        if line >= limit {
            let message = format!(
                "line {line} is out of range; gpio bus `{}` has lines 0..={}",
                chip.name,
                limit - 1
            );
            return Err((DiagnosticKind::OutOfRange, message));
        }
    }
    Ok(GpioLine {
        chip: chip.name.clone(),
        line,
        active_low: reference.active_low(),
    })
}
