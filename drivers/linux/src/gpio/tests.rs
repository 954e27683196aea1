//! Tests that need no kernel GPIO chip: device directories made in a
//! temporary directory, and the errors' messages. The tests against the
//! kernel's gpio-sim are in `tests/gpio_sim.rs`.

use std::fs;
use std::os::unix::fs::symlink;

use super::*;
use crate::test_support::TempDir;

const PIO: &str = "1c20800.pinctrl";

fn no_such_chip(error: GpioError) -> (Vec<String>, Vec<SkippedEntry>) {
    match error {
        GpioError::NoSuchChip { found, skipped, .. } => (found, skipped),
        other => panic!("expected NoSuchChip, got {other:?}"),
    }
}

fn skipped_names(skipped: &[SkippedEntry]) -> Vec<&str> {
    skipped.iter().map(|entry| entry.name.as_str()).collect()
}

#[test]
fn find_chip_in_dir_without_chips_reports_found_none_and_the_dir() {
    let dir = TempDir::new();

    let error = find_chip(dir.path(), PIO).unwrap_err();

    assert_eq!(
        error.to_string(),
        format!(
            "no GPIO chip labelled \"{PIO}\" (found: none) in {}",
            dir.path().display()
        )
    );
}

#[test]
fn find_chip_skips_regular_file_named_gpiochip_and_names_it_in_the_error() {
    let dir = TempDir::new();
    fs::write(dir.path().join("gpiochip0"), "").unwrap();

    let error = find_chip(dir.path(), PIO).unwrap_err();

    assert_eq!(
        error.to_string(),
        format!(
            "no GPIO chip labelled \"{PIO}\" (found: none) in {}; \
             skipped gpiochip0: not a character device",
            dir.path().display()
        )
    );
    let (found, skipped) = no_such_chip(error);
    assert!(found.is_empty());
    assert!(matches!(
        skipped[..],
        [SkippedEntry {
            reason: SkipReason::NotCharacterDevice,
            ..
        }]
    ));
}

#[test]
fn find_chip_skips_character_device_that_is_not_a_gpio_chip() {
    let dir = TempDir::new();
    symlink("/dev/null", dir.path().join("gpiochip3")).unwrap();

    let error = find_chip(dir.path(), PIO).unwrap_err();

    assert!(
        error
            .to_string()
            .ends_with("; skipped gpiochip3: not a GPIO chip"),
        "{error}"
    );
    let (_, skipped) = no_such_chip(error);
    assert!(matches!(skipped[0].reason, SkipReason::NotGpioChip));
}

#[test]
fn find_chip_reports_dangling_gpiochip_link_as_unreadable() {
    let dir = TempDir::new();
    symlink(dir.path().join("gone"), dir.path().join("gpiochip1")).unwrap();

    let error = find_chip(dir.path(), PIO).unwrap_err();

    assert!(
        error
            .to_string()
            .contains("skipped gpiochip1: No such file"),
        "{error}"
    );
    let (_, skipped) = no_such_chip(error);
    assert!(matches!(skipped[0].reason, SkipReason::Unreadable(_)));
}

#[test]
fn find_chip_lists_skipped_entries_in_chip_number_order() {
    let dir = TempDir::new();
    for name in ["gpiochip10", "gpiochip2", "gpiochip0"] {
        fs::write(dir.path().join(name), "").unwrap();
    }

    let error = find_chip(dir.path(), PIO).unwrap_err();

    let (_, skipped) = no_such_chip(error);
    assert_eq!(
        skipped_names(&skipped),
        ["gpiochip0", "gpiochip2", "gpiochip10"]
    );
}

#[test]
fn find_chip_looks_only_at_entries_named_gpiochip() {
    let dir = TempDir::new();
    for name in ["ttyS2", "gpio", "iio:device0"] {
        fs::write(dir.path().join(name), "").unwrap();
    }
    symlink("/dev/null", dir.path().join("null")).unwrap();

    let error = find_chip(dir.path(), PIO).unwrap_err();

    let (found, skipped) = no_such_chip(error);
    assert!(found.is_empty());
    assert!(skipped.is_empty(), "{skipped:?}");
}

#[test]
fn find_chip_in_missing_dir_names_the_dir() {
    let dir = TempDir::new();
    let missing = dir.path().join("no-dev");

    let error = find_chip(&missing, PIO).unwrap_err();

    let message = error.to_string();
    assert!(
        message.starts_with(&format!(
            "cannot list GPIO chips in {}: ",
            missing.display()
        )),
        "{message}"
    );
    assert!(matches!(
        &error,
        GpioError::ListDir { source, .. } if source.kind() == std::io::ErrorKind::NotFound
    ));
}

#[test]
fn output_request_without_the_chip_reports_no_such_chip() {
    let dir = TempDir::new();

    let error = OutputLine::request(dir.path(), PIO, 35, true, "yunhald", false).unwrap_err();

    assert!(
        error
            .to_string()
            .starts_with(&format!("no GPIO chip labelled \"{PIO}\"")),
        "{error}"
    );
}

#[test]
fn input_request_without_the_chip_reports_no_such_chip() {
    let dir = TempDir::new();
    fs::write(dir.path().join("gpiochip0"), "").unwrap();

    let error = InputLine::request(dir.path(), PIO, 3, false, "yunhald").unwrap_err();

    let (_, skipped) = no_such_chip(error);
    assert_eq!(skipped_names(&skipped), ["gpiochip0"]);
}

fn pio_line(offset: u32) -> LineId {
    LineId {
        chip_label: PIO.to_owned(),
        offset,
    }
}

#[test]
fn no_such_line_error_names_chip_offset_and_line_count() {
    let error = GpioError::NoSuchLine {
        line: pio_line(300),
        num_lines: 256,
    };

    assert_eq!(
        error.to_string(),
        "GPIO chip \"1c20800.pinctrl\" line 300: no such line, the chip has 256 lines"
    );
}

#[test]
fn busy_error_names_the_holder_when_the_kernel_reports_one() {
    let known = GpioError::Busy {
        line: pio_line(35),
        holder: Some("modem-power".to_owned()),
    };
    let unknown = GpioError::Busy {
        line: pio_line(35),
        holder: None,
    };

    assert_eq!(
        known.to_string(),
        "GPIO chip \"1c20800.pinctrl\" line 35: busy, held by \"modem-power\""
    );
    assert_eq!(
        unknown.to_string(),
        "GPIO chip \"1c20800.pinctrl\" line 35: busy, held by another consumer"
    );
}

#[test]
fn line_error_names_the_operation_that_failed() {
    let error = GpioError::Line {
        line: pio_line(2),
        op: LineOp::SetValue,
        source: gpiocdev::Error::InvalidArgument("bad".to_owned()),
    };

    assert_eq!(
        error.to_string(),
        "GPIO chip \"1c20800.pinctrl\" line 2: setting its value failed: bad"
    );
}

#[test]
fn gpio_errors_are_embedded_hal_other_and_keep_a_yunhal_kind() {
    let dir = TempDir::new();
    let missing = find_chip(dir.path(), PIO).unwrap_err();
    let busy = GpioError::Busy {
        line: pio_line(35),
        holder: None,
    };

    assert_eq!(
        embedded_hal::digital::Error::kind(&busy),
        embedded_hal::digital::ErrorKind::Other
    );
    assert_eq!(yunhal::Error::kind(&busy), yunhal::ErrorKind::InvalidState);
    assert_eq!(yunhal::Error::kind(&missing), yunhal::ErrorKind::NotPresent);
}
