//! Validation of a parsed board: buses, devices, drivers, GPIO lines.
//!
//! Every check reports into the collector and goes on, so a file's
//! problems all show at once. Checks that need a registered driver (class,
//! bus kinds, required GPIO lines, `params`) run for every device whose
//! driver is registered; an unregistered driver is an error only for an
//! enabled device.

use std::collections::{BTreeMap, HashMap};
use std::ops::{Range, RangeInclusive};

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::board::{Bus, Device};
use crate::diagnostic::{join, list, suggestion, Collector, DiagnosticKind};
use crate::format::{BoardInfo, BusSharing, BusSpec, DeviceSpec, GpioRole};
use crate::gpio::GpioLine;
use crate::parse::{Named, RawBoard};
use crate::registry::{DriverCatalog, DriverInfo};
use crate::sections;

mod buses;
mod gpios;

use buses::check_buses;
use gpios::{resolve_gpios, Chip};

/// 7-bit I2C addresses a device may have; the rest are reserved.
pub const I2C_ADDRESSES: RangeInclusive<u16> = 0x08..=0x77;
/// Serial rates the format accepts.
pub const BAUD_RATES: RangeInclusive<u32> = 50..=4_000_000;
/// Sizes of a GPIO chip the format accepts.
pub const GPIO_LINE_COUNTS: RangeInclusive<u32> = 1..=65_535;

pub(crate) fn validate<D: DriverCatalog + ?Sized>(
    raw: RawBoard<'_>,
    drivers: &D,
    out: &mut Collector<'_>,
) -> Option<(BoardInfo, Vec<Bus>, Vec<Device>)> {
    let document = raw.document.get_ref();
    if let Some(info) = &raw.info {
        if info.name.get_ref().trim().is_empty() {
            let message = "the board name is empty; expected a short name like \"pinephone\"";
            out.report(
                info.name.span(),
                "board.name",
                DiagnosticKind::InvalidValue,
                message,
            );
        }
    }
    let chips = check_buses(&raw.buses, out);
    let mut wiring = Wiring::default();
    let devices: Vec<Device> = raw
        .devices
        .into_iter()
        .map(|device| {
            let gpios = check_device(
                &device,
                &raw.buses,
                &chips,
                drivers,
                document,
                &mut wiring,
                out,
            );
            Device {
                name: device.name,
                spec: device.spec,
                gpios,
            }
        })
        .collect();
    let buses = raw
        .buses
        .into_iter()
        .map(|bus| Bus {
            name: bus.name,
            spec: bus.spec,
        })
        .collect();
    Some((raw.info?, buses, devices))
}

/// Who already uses which address, exclusive bus and GPIO line: the key
/// path of the user and its line.
#[derive(Default)]
struct Wiring {
    addresses: HashMap<(String, u16), (String, usize)>,
    exclusive: HashMap<String, (String, usize)>,
    gpio_lines: HashMap<(String, u32), (String, usize)>,
}

fn check_device<D: DriverCatalog + ?Sized>(
    device: &Named<DeviceSpec>,
    buses: &[Named<BusSpec>],
    chips: &[Chip],
    drivers: &D,
    document: &DeTable<'_>,
    wiring: &mut Wiring,
    out: &mut Collector<'_>,
) -> BTreeMap<GpioRole, GpioLine> {
    let path = join("devices", &device.name);
    check_name(&device.name, device.span.clone(), &path, out);
    let spec = &device.spec;
    let driver = check_driver(spec, drivers, &path, out);
    let bus = spec
        .bus
        .as_ref()
        .and_then(|name| find_bus(name, buses, &path, out));
    if let Some(info) = driver {
        check_driver_bus(info, spec, bus, &path, out);
        for role in info.required_gpios {
            if !spec.gpios.contains_key(role) {
                let message = format!("driver `{}` needs `gpios.{role}`", info.name);
                out.report(
                    spec.driver.span(),
                    join(&path, "gpios"),
                    DiagnosticKind::MissingKey,
                    message,
                );
            }
        }
        check_params(info, device, &path, document, out);
    }
    if let Some(bus) = bus {
        check_placement(&device.name, spec, bus, &path, wiring, out);
    } else if let (None, Some(address)) = (&spec.bus, &spec.address) {
        let message = "`address` is for devices on an I2C bus, and this device has no `bus`";
        out.report(
            address.span(),
            join(&path, "address"),
            DiagnosticKind::Misplaced,
            message,
        );
    }
    sections::check(spec, &path, document, &device.name, out);
    resolve_gpios(spec, &path, buses, chips, wiring, out)
}

/// Runs the driver's check of `params`; each problem points at its key.
fn check_params(
    info: &DriverInfo,
    device: &Named<DeviceSpec>,
    path: &str,
    document: &DeTable<'_>,
    out: &mut Collector<'_>,
) {
    let params_key = join(path, "params");
    let params_span = find_span(document, &["devices", &device.name, "params"]);
    for problem in (info.check_params)(&device.spec.params) {
        let (key, span) = match &problem.key {
            Some(key) => {
                let mut keys = vec!["devices", device.name.as_str(), "params"];
                keys.extend(key.split('.'));
                (join(&params_key, key), find_span(document, &keys))
            }
            None => (params_key.clone(), None),
        };
        let span = span
            .or_else(|| params_span.clone())
            .unwrap_or_else(|| device.span.clone());
        out.report(span, key, DiagnosticKind::Params, problem.message);
    }
}

/// The registered driver of a device, after checking its class.
fn check_driver<'d, D: DriverCatalog + ?Sized>(
    spec: &DeviceSpec,
    drivers: &'d D,
    path: &str,
    out: &mut Collector<'_>,
) -> Option<&'d DriverInfo> {
    let key = join(path, "driver");
    let Some(info) = drivers.driver(spec.driver()) else {
        if spec.is_enabled() {
            let names = drivers.driver_names();
            let mut message = format!("unknown driver `{}`", spec.driver());
            if let Some(close) = suggestion(spec.driver(), names.iter().copied()) {
                message.push_str(&format!(" (did you mean `{close}`?)"));
            }
            if names.is_empty() {
                message.push_str("; no drivers are registered (`enabled = false` describes a device whose driver has not landed)");
            } else {
                message.push_str(&format!("; registered drivers: {}", list(names)));
            }
            out.report(
                spec.driver.span(),
                key,
                DiagnosticKind::UnknownDriver,
                message,
            );
        }
        return None;
    };
    if info.class != spec.class() {
        let message = format!(
            "driver `{}` drives {} devices, but this device is of class {}",
            info.name,
            info.class,
            spec.class()
        );
        out.report(spec.driver.span(), key, DiagnosticKind::WrongClass, message);
    }
    Some(info)
}

fn find_bus<'b>(
    name: &Spanned<String>,
    buses: &'b [Named<BusSpec>],
    path: &str,
    out: &mut Collector<'_>,
) -> Option<&'b Named<BusSpec>> {
    let found = buses.iter().find(|bus| bus.name == *name.get_ref());
    if found.is_none() {
        let names = buses.iter().map(|bus| bus.name.as_str());
        let mut message = format!("no bus named `{}`", name.get_ref());
        if let Some(close) = suggestion(name.get_ref(), names.clone()) {
            message.push_str(&format!(" (did you mean `{close}`?)"));
        }
        message.push_str(&format!("; buses of this board: {}", list(names)));
        out.report(
            name.span(),
            join(path, "bus"),
            DiagnosticKind::UnknownBus,
            message,
        );
    }
    found
}

fn check_driver_bus(
    info: &DriverInfo,
    spec: &DeviceSpec,
    bus: Option<&Named<BusSpec>>,
    path: &str,
    out: &mut Collector<'_>,
) {
    let key = join(path, "bus");
    let kinds = || list(info.buses.iter().map(|kind| kind.as_str()));
    match (&spec.bus, bus) {
        (Some(name), _) if info.buses.is_empty() => {
            let message = format!("driver `{}` takes no bus; remove `bus`", info.name);
            out.report(name.span(), key, DiagnosticKind::BusKindRejected, message);
        }
        (None, _) if !info.buses.is_empty() => {
            let message = format!("driver `{}` needs a bus of kind {}", info.name, kinds());
            out.report(spec.driver.span(), key, DiagnosticKind::MissingKey, message);
        }
        (Some(name), Some(bus)) if !info.buses.contains(&bus.spec.kind()) => {
            let message = format!(
                "driver `{}` takes a bus of kind {}, but bus `{}` is {}",
                info.name,
                kinds(),
                bus.name,
                bus.spec.kind()
            );
            out.report(name.span(), key, DiagnosticKind::BusKindRejected, message);
        }
        _ => {}
    }
}

/// The device's address on its bus, and who else is on that bus.
fn check_placement(
    device: &str,
    spec: &DeviceSpec,
    bus: &Named<BusSpec>,
    path: &str,
    wiring: &mut Wiring,
    out: &mut Collector<'_>,
) {
    let kind = bus.spec.kind();
    let bus_span = spec.bus.as_ref().map_or(0..0, Spanned::span);
    let here = out.line(&bus_span);
    match (kind.sharing(), &spec.address) {
        (BusSharing::ByAddress, None) => {
            let message = format!("a device on I2C bus `{}` needs `address`", bus.name);
            out.report(
                bus_span,
                join(path, "address"),
                DiagnosticKind::MissingKey,
                message,
            );
        }
        (BusSharing::ByAddress, Some(address)) => {
            let key = join(path, "address");
            let value = *address.get_ref();
            if !I2C_ADDRESSES.contains(&value) {
                let message = format!(
                    "{value:#04x} is not a 7-bit I2C address ({:#04x}..={:#04x})",
                    I2C_ADDRESSES.start(),
                    I2C_ADDRESSES.end()
                );
                out.report(address.span(), key, DiagnosticKind::OutOfRange, message);
                return;
            }
            let line = out.line(&address.span());
            let user = (join("devices", device), line);
            if let Some((other, other_line)) = wiring.addresses.get(&(bus.name.clone(), value)) {
                let message = format!(
                    "{value:#04x} on bus `{}` is already used by {other} (line {other_line})",
                    bus.name
                );
                out.report(
                    address.span(),
                    key,
                    DiagnosticKind::AddressConflict,
                    message,
                );
            } else {
                wiring.addresses.insert((bus.name.clone(), value), user);
            }
        }
        (_, Some(address)) => {
            let message = format!(
                "`address` is for devices on I2C buses, and bus `{}` is {kind}",
                bus.name
            );
            out.report(
                address.span(),
                join(path, "address"),
                DiagnosticKind::Misplaced,
                message,
            );
        }
        (BusSharing::Exclusive, None) => {
            if let Some((other, other_line)) = wiring.exclusive.get(&bus.name) {
                let message = format!(
                    "bus `{}` is already used by {other} (line {other_line}); a {kind} bus takes one device",
                    bus.name
                );
                out.report(
                    bus_span,
                    join(path, "bus"),
                    DiagnosticKind::BusConflict,
                    message,
                );
            } else {
                wiring
                    .exclusive
                    .insert(bus.name.clone(), (join("devices", device), here));
            }
        }
        (BusSharing::Lines, None) => {}
    }
}

/// Reports a value outside its range; `true` if it is inside.
pub(crate) fn in_range<T: PartialOrd + std::fmt::Display>(
    value: T,
    range: &RangeInclusive<T>,
    span: Range<usize>,
    key: &str,
    out: &mut Collector<'_>,
) -> bool {
    let inside = range.contains(&value);
    if !inside {
        let message = format!(
            "{value} is out of range; expected {}..={}",
            range.start(),
            range.end()
        );
        out.report(span, key, DiagnosticKind::OutOfRange, message);
    }
    inside
}

/// Bus and device names: what `yunctl` and logs show.
fn check_name(name: &str, span: Range<usize>, path: &str, out: &mut Collector<'_>) {
    let valid = name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !valid {
        let message =
            format!("`{name}` is not a valid name; use lowercase letters, digits, `-` and `_`");
        out.report(span, path, DiagnosticKind::InvalidValue, message);
    }
}

/// The span of the value at a key path of the document.
pub(crate) fn find_span(document: &DeTable<'_>, keys: &[&str]) -> Option<Range<usize>> {
    let (first, rest) = keys.split_first()?;
    let mut value = document.get(*first)?;
    for key in rest {
        let DeValue::Table(table) = value.get_ref() else {
            return None;
        };
        value = table.get(*key)?;
    }
    Some(value.span())
}
