//! Checks of the class-specific parts of a device: `mount_matrix` (sensor),
//! `touchscreen` (touch), `panel` (display), `routes` (audio).

use std::ops::{Range, RangeInclusive};

use toml::de::DeTable;
use toml::Spanned;

use crate::diagnostic::{join, Collector, DiagnosticKind};
use crate::format::{DeviceClass, DeviceSpec};
use crate::validate::{find_span, in_range};

/// Panel sizes in pixels the format accepts.
pub const PANEL_PIXELS: RangeInclusive<u32> = 1..=16_384;
/// Physical panel sizes in millimetres the format accepts.
pub const PANEL_MILLIMETRES: RangeInclusive<u32> = 1..=1_000;
/// Refresh rates the format accepts.
pub const REFRESH_HZ: RangeInclusive<f64> = 1.0..=360.0;
/// Touch coordinate space sizes the format accepts.
pub const TOUCH_SIZES: RangeInclusive<u32> = 1..=65_536;

/// How far a mount matrix may be from an exact rotation (rounding in
/// decimal fractions such as 0.7071).
const ROTATION_TOLERANCE: f64 = 1e-3;

/// Where in the file a device's keys are, for values without a span of
/// their own.
struct Place<'a, 'd> {
    document: &'a DeTable<'d>,
    device: &'a str,
    path: &'a str,
}

impl Place<'_, '_> {
    /// Key path and span of `section.field`, falling back to the section.
    fn of(&self, section: &str, field: &str, fallback: Range<usize>) -> (String, Range<usize>) {
        let span = find_span(self.document, &["devices", self.device, section, field]);
        (
            join(&join(self.path, section), field),
            span.unwrap_or(fallback),
        )
    }
}

pub(crate) fn check(
    spec: &DeviceSpec,
    path: &str,
    document: &DeTable<'_>,
    device: &str,
    out: &mut Collector<'_>,
) {
    let place = Place {
        document,
        device,
        path,
    };
    let class = spec.class();
    if let Some(matrix) = &spec.mount_matrix {
        if in_class(
            class,
            DeviceClass::Sensor,
            matrix.span(),
            path,
            "mount_matrix",
            out,
        ) {
            check_mount_matrix(matrix, &join(path, "mount_matrix"), out);
        }
    }
    if let Some(touchscreen) = &spec.touchscreen {
        if in_class(
            class,
            DeviceClass::Touch,
            touchscreen.span(),
            path,
            "touchscreen",
            out,
        ) {
            let spec = touchscreen.get_ref();
            for (field, value) in [("size_x", spec.size_x), ("size_y", spec.size_y)] {
                let (key, span) = place.of("touchscreen", field, touchscreen.span());
                in_range(value, &TOUCH_SIZES, span, &key, out);
            }
        }
    }
    if let Some(panel) = &spec.panel {
        if in_class(
            class,
            DeviceClass::Display,
            panel.span(),
            path,
            "panel",
            out,
        ) {
            check_panel(panel, &place, out);
        }
    }
    if let Some(routes) = &spec.routes {
        if in_class(
            class,
            DeviceClass::Audio,
            routes.span(),
            path,
            "routes",
            out,
        ) {
            for (index, route) in routes.get_ref().iter().enumerate() {
                for (field, name) in [("sink", &route.sink), ("source", &route.source)] {
                    if name.trim().is_empty() {
                        let key = format!("{path}.routes[{index}].{field}");
                        let message =
                            "an empty widget name; expected a DAPM widget such as \"Speaker\"";
                        out.report(routes.span(), key, DiagnosticKind::InvalidValue, message);
                    }
                }
            }
        }
    }
}

/// Reports a key that belongs to another class; `true` if it is in place.
fn in_class(
    class: DeviceClass,
    wanted: DeviceClass,
    span: Range<usize>,
    path: &str,
    key: &str,
    out: &mut Collector<'_>,
) -> bool {
    if class != wanted {
        let message =
            format!("`{key}` is for {wanted} devices, and this device is of class {class}");
        out.report(span, join(path, key), DiagnosticKind::Misplaced, message);
    }
    class == wanted
}

fn check_panel(
    panel: &Spanned<crate::format::PanelSpec>,
    place: &Place<'_, '_>,
    out: &mut Collector<'_>,
) {
    let spec = panel.get_ref();
    for (field, value) in [("width_px", spec.width_px), ("height_px", spec.height_px)] {
        let (key, span) = place.of("panel", field, panel.span());
        in_range(value, &PANEL_PIXELS, span, &key, out);
    }
    for (field, value) in [("width_mm", spec.width_mm), ("height_mm", spec.height_mm)] {
        if let Some(value) = value {
            let (key, span) = place.of("panel", field, panel.span());
            in_range(value, &PANEL_MILLIMETRES, span, &key, out);
        }
    }
    if let Some(refresh) = spec.refresh_hz {
        let (key, span) = place.of("panel", "refresh_hz", panel.span());
        in_range(refresh, &REFRESH_HZ, span, &key, out);
    }
}

/// A mount matrix must be a proper rotation: orthonormal rows and a
/// determinant of +1 (a mirror image would swap the handset's handedness).
fn check_mount_matrix(matrix: &Spanned<[[f64; 3]; 3]>, key: &str, out: &mut Collector<'_>) {
    let m = matrix.get_ref();
    if m.iter().flatten().any(|value| !value.is_finite()) {
        let message = "entries must be finite numbers";
        out.report(matrix.span(), key, DiagnosticKind::InvalidValue, message);
        return;
    }
    let dot = |a: &[f64; 3], b: &[f64; 3]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let orthonormal = (0..3).all(|i| {
        (0..3).all(|j| {
            let expected = if i == j { 1.0 } else { 0.0 };
            (dot(&m[i], &m[j]) - expected).abs() <= ROTATION_TOLERANCE
        })
    });
    if !orthonormal {
        let message =
            "is not a rotation: each row must have length 1 and be at right angles to the others";
        out.report(matrix.span(), key, DiagnosticKind::OutOfRange, message);
        return;
    }
    let determinant = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
        - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    if determinant < 0.0 {
        let message = "is a reflection (determinant -1), not a rotation; negate one row to fix the axis it mirrors";
        out.report(matrix.span(), key, DiagnosticKind::OutOfRange, message);
    }
}
