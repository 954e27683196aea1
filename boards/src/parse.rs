//! From text to the format's types, reporting every syntax error, unknown
//! key and mistyped value on the way.
//!
//! The document is parsed once, with spans, and each `[board]`, bus and
//! device is deserialized on its own, so one bad device does not hide the
//! others. Unknown keys are reported and dropped before a table is
//! deserialized, so a typo does not hide the other problems of its table.

use std::ops::Range;

use serde::de::{self, DeserializeOwned, Visitor};
use serde::Deserializer;
use toml::de::{DeTable, DeValue, ValueDeserializer};
use toml::Spanned;

use crate::diagnostic::{join, key_path_at, list, suggestion, Collector, DiagnosticKind};
use crate::format::{
    AudioRoute, BoardInfo, BusSpec, DeviceSpec, GpioRole, PanelSpec, TouchscreenSpec,
};

/// A bus or a device with its name and where the name is.
pub(crate) struct Named<T> {
    pub name: String,
    pub span: Range<usize>,
    pub spec: T,
}

/// What deserialized; entries with errors are left out and reported.
pub(crate) struct RawBoard<'i> {
    pub document: Spanned<DeTable<'i>>,
    pub info: Option<BoardInfo>,
    pub buses: Vec<Named<BusSpec>>,
    pub devices: Vec<Named<DeviceSpec>>,
}

const TOP_LEVEL: &[&str] = &["board", "buses", "devices"];

pub(crate) fn parse<'i>(text: &'i str, out: &mut Collector<'_>) -> RawBoard<'i> {
    let (document, syntax_errors) = DeTable::parse_recoverable(text);
    for error in syntax_errors {
        let span = error.span().unwrap_or(0..0);
        let key = path_in_table(document.get_ref(), span.start);
        let message = error.message().trim().replace('\n', "; ");
        out.report(span, key, DiagnosticKind::Syntax, message);
    }

    let mut board = RawBoard {
        document: document.clone(),
        info: None,
        buses: Vec::new(),
        devices: Vec::new(),
    };
    let mut saw_board = false;
    for (key, value) in document.get_ref() {
        match key.get_ref().as_ref() {
            "board" => {
                saw_board = true;
                board.info = deserialize_entry(value.clone(), "board", out);
            }
            "buses" => {
                for (name, bus) in entries(value, "buses", out) {
                    let path = join("buses", name.get_ref());
                    if let Some(spec) = deserialize_entry::<BusSpec>(bus.clone(), &path, out) {
                        board.buses.push(named(name, spec));
                    }
                }
            }
            "devices" => {
                for (name, device) in entries(value, "devices", out) {
                    let path = join("devices", name.get_ref());
                    let mut device = device.clone();
                    strip_nested_unknown_keys(&mut device, &path, out);
                    if let Some(spec) = deserialize_entry::<DeviceSpec>(device, &path, out) {
                        board.devices.push(named(name, spec));
                    }
                }
            }
            other => report_unknown_key(out, key.span(), "", other, TOP_LEVEL),
        }
    }
    if !saw_board {
        out.report(
            0..0,
            "board",
            DiagnosticKind::MissingKey,
            "the file has no [board] table; expected one with `name` (and optionally `model`, `soc`)",
        );
    }
    board.buses.sort_by_key(|bus| bus.span.start);
    board.devices.sort_by_key(|device| device.span.start);
    board
}

fn named<T>(name: &Spanned<std::borrow::Cow<'_, str>>, spec: T) -> Named<T> {
    Named {
        name: name.get_ref().to_string(),
        span: name.span(),
        spec,
    }
}

type Entry<'t, 'i> = (
    &'t Spanned<std::borrow::Cow<'i, str>>,
    &'t Spanned<DeValue<'i>>,
);

/// The entries of `[buses]` or `[devices]`, each of which must be a table.
fn entries<'t, 'i>(
    value: &'t Spanned<DeValue<'i>>,
    path: &str,
    out: &mut Collector<'_>,
) -> Vec<Entry<'t, 'i>> {
    let DeValue::Table(table) = value.get_ref() else {
        out.report(
            value.span(),
            path,
            DiagnosticKind::InvalidValue,
            format!("expected a table of named entries, like [{path}.NAME]"),
        );
        return Vec::new();
    };
    table
        .iter()
        .filter(|(name, entry)| {
            let is_table = matches!(entry.get_ref(), DeValue::Table(_));
            if !is_table {
                out.report(
                    entry.span(),
                    join(path, name.get_ref()),
                    DiagnosticKind::InvalidValue,
                    format!("expected a table, like [{path}.{}]", name.get_ref()),
                );
            }
            is_table
        })
        .collect()
}

/// Reports and drops unknown keys of a table, then deserializes it. serde
/// stops at the first bad value, so each bad key is reported, dropped, and
/// the table tried again, until it deserializes or a required key is
/// missing.
fn deserialize_entry<T: DeserializeOwned>(
    mut value: Spanned<DeValue<'_>>,
    path: &str,
    out: &mut Collector<'_>,
) -> Option<T> {
    strip_unknown_keys(&mut value, serde_names::<T>(), path, out);
    let span = value.span();
    let mut dropped: Vec<String> = Vec::new();
    loop {
        let error = match T::deserialize(ValueDeserializer::from(value.clone())) {
            Ok(entry) if dropped.is_empty() => return Some(entry),
            Ok(_) => return None,
            Err(error) => error,
        };
        let at = error.span().unwrap_or(span.clone());
        let message = error.message().trim().replace('\n', "; ");
        let key = append(path, &key_path_at(&value, at.start));
        if let Some(field) = missing_field(&message) {
            // A key dropped for a bad value was reported already.
            if !dropped.contains(&field) {
                let message = "required key is missing";
                out.report(at, join(&key, &field), DiagnosticKind::MissingKey, message);
            }
            return None;
        }
        out.report(at.clone(), key, DiagnosticKind::InvalidValue, message);
        let DeValue::Table(table) = value.get_mut() else {
            return None;
        };
        let culprit = table
            .iter()
            .find(|(key, entry)| key.span().contains(&at.start) || entry.span().contains(&at.start))
            .map(|(key, _)| key.get_ref().to_string());
        let culprit = culprit?;
        table.remove(culprit.as_str());
        dropped.push(culprit);
    }
}

/// The field name in serde's "missing field `x`".
fn missing_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("missing field `")?;
    Some(rest.split('`').next()?.to_owned())
}

/// Unknown keys of the tables inside a device: `gpios`, `panel`,
/// `touchscreen`, each of `routes`.
fn strip_nested_unknown_keys(
    device: &mut Spanned<DeValue<'_>>,
    path: &str,
    out: &mut Collector<'_>,
) {
    let DeValue::Table(table) = device.get_mut() else {
        return;
    };
    if let Some(gpios) = table.get_mut("gpios") {
        strip_unknown_keys(gpios, serde_names::<GpioRole>(), &join(path, "gpios"), out);
    }
    if let Some(panel) = table.get_mut("panel") {
        strip_unknown_keys(panel, serde_names::<PanelSpec>(), &join(path, "panel"), out);
    }
    if let Some(touchscreen) = table.get_mut("touchscreen") {
        let fields = serde_names::<TouchscreenSpec>();
        strip_unknown_keys(touchscreen, fields, &join(path, "touchscreen"), out);
    }
    if let Some(DeValue::Array(routes)) = table.get_mut("routes").map(Spanned::get_mut) {
        for (index, route) in routes.iter_mut().enumerate() {
            let route_path = format!("{path}.routes[{index}]");
            strip_unknown_keys(route, serde_names::<AudioRoute>(), &route_path, out);
        }
    }
}

fn strip_unknown_keys(
    value: &mut Spanned<DeValue<'_>>,
    known: &[&str],
    path: &str,
    out: &mut Collector<'_>,
) {
    // Non-tables are left for serde to report with their type.
    let DeValue::Table(table) = value.get_mut() else {
        return;
    };
    let unknown: Vec<(String, Range<usize>)> = table
        .keys()
        .filter(|key| !known.contains(&key.get_ref().as_ref()))
        .map(|key| (key.get_ref().to_string(), key.span()))
        .collect();
    for (key, span) in unknown {
        report_unknown_key(out, span, path, &key, known);
        table.remove(key.as_str());
    }
}

fn report_unknown_key(
    out: &mut Collector<'_>,
    span: Range<usize>,
    path: &str,
    key: &str,
    known: &[&str],
) {
    let mut message = format!("unknown key `{key}`");
    if let Some(close) = suggestion(key, known.iter().copied()) {
        message.push_str(&format!(" (did you mean `{close}`?)"));
    }
    message.push_str(&format!(
        "; expected one of: {}",
        list(known.iter().copied())
    ));
    out.report(span, join(path, key), DiagnosticKind::UnknownKey, message);
}

/// The innermost key path of a table's descendants covering `offset`.
fn path_in_table(table: &DeTable<'_>, offset: usize) -> String {
    table
        .iter()
        .find(|(key, value)| key.span().contains(&offset) || value.span().contains(&offset))
        .map(|(key, value)| append(key.get_ref(), &key_path_at(value, offset)))
        .unwrap_or_default()
}

/// `append("routes", "[2].sink")` is `routes[2].sink`.
fn append(path: &str, child: &str) -> String {
    if child.is_empty() {
        path.to_owned()
    } else if child.starts_with('[') {
        format!("{path}{child}")
    } else {
        join(path, child)
    }
}

/// The field names of a derived `Deserialize` struct (or variant names of
/// an enum), read from what it asks of a deserializer. Keeps the list of
/// known keys in one place: the type.
fn serde_names<T: DeserializeOwned>() -> &'static [&'static str] {
    let mut names: &'static [&'static str] = &[];
    let _ = T::deserialize(NameProbe(&mut names));
    names
}

struct NameProbe<'a>(&'a mut &'static [&'static str]);

impl<'de> Deserializer<'de> for NameProbe<'_> {
    type Error = de::value::Error;

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = fields;
        Err(de::Error::custom("names probed"))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = variants;
        Err(de::Error::custom("names probed"))
    }

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("not a struct or an enum"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_names_reads_struct_fields_and_enum_variants() {
        assert!(serde_names::<DeviceSpec>().contains(&"mount_matrix"));
        assert!(serde_names::<GpioRole>().contains(&"ap_ready"));
    }
}
