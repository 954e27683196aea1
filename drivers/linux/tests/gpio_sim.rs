//! GPIO lines against the kernel's gpio-sim: real chips, found by label in
//! `/dev`, whose wires the test reads and drives through sysfs.
//!
//! gpio-sim needs configfs mounted, the `gpio-sim` module (Linux 5.19 or
//! later) and root, so these tests are ignored by default; run them with
//! `cargo test -p yunhal-linux --test gpio_sim -- --ignored` where gpio-sim
//! is there (they fail, saying why, where it is not). The tests in
//! `src/gpio/tests.rs` run everywhere.

use std::path::Path;

use embedded_hal::digital::{InputPin, OutputPin, StatefulOutputPin};
use gpiosim::{Bank, Direction, Level, Sim};
use yunhal_linux::gpio::{find_chip, GpioError, InputLine, OutputLine, DEFAULT_DEV_DIR};

const CONSUMER: &str = "yunhal-test";

fn require_gpio_sim() {
    assert!(
        Path::new("/sys/kernel/config/gpio-sim").exists(),
        "/sys/kernel/config/gpio-sim does not exist: these tests need configfs, \
         the gpio-sim module (Linux 5.19 or later) and root"
    );
}

fn dev_dir() -> &'static Path {
    Path::new(DEFAULT_DEV_DIR)
}

/// A label no other chip on the machine has. Short: the kernel keeps 31
/// bytes of a chip's label.
fn unique_label(tag: &str) -> String {
    format!("yh-{}-{tag}", std::process::id())
}

fn live(banks: &[Bank]) -> Sim {
    let mut builder = gpiosim::builder();
    for bank in banks {
        builder.with_bank(bank);
    }
    builder
        .live()
        .expect("gpio-sim is there but would not go live")
}

#[test]
#[ignore = "needs the kernel's gpio-sim; run with --ignored where it is there"]
fn sim_chip_is_found_by_its_label() {
    require_gpio_sim();
    let label = unique_label("found");
    let sim = live(&[Bank::new(4, "yunhal-other"), Bank::new(8, &label)]);

    let path = find_chip(dev_dir(), &label).unwrap();

    assert_eq!(&path, sim.chips()[1].dev_path());
}

#[test]
#[ignore = "needs the kernel's gpio-sim; run with --ignored where it is there"]
fn output_line_drives_its_initial_and_set_values() {
    require_gpio_sim();
    let label = unique_label("out");
    let sim = live(&[Bank::new(8, &label)]);
    let chip = &sim.chips()[0];

    let mut line = OutputLine::request(dev_dir(), &label, 3, false, CONSUMER, true).unwrap();
    assert_eq!(chip.get_level(3).unwrap(), Level::High);
    line.set_low().unwrap();

    assert_eq!(chip.get_level(3).unwrap(), Level::Low);
    assert!(line.is_set_low().unwrap());
}

#[test]
#[ignore = "needs the kernel's gpio-sim; run with --ignored where it is there"]
fn active_low_output_drives_the_wire_low_when_asserted() {
    require_gpio_sim();
    let label = unique_label("out-low");
    let sim = live(&[Bank::new(8, &label)]);
    let chip = &sim.chips()[0];

    let mut line = OutputLine::request(dev_dir(), &label, 5, true, CONSUMER, false).unwrap();
    assert_eq!(chip.get_level(5).unwrap(), Level::High);
    line.set_high().unwrap();

    assert_eq!(chip.get_level(5).unwrap(), Level::Low);
    assert!(line.is_set_high().unwrap());
}

#[test]
#[ignore = "needs the kernel's gpio-sim; run with --ignored where it is there"]
fn input_line_reads_the_wire_and_active_low_inverts_it() {
    require_gpio_sim();
    let label = unique_label("in");
    let sim = live(&[Bank::new(8, &label)]);
    let chip = &sim.chips()[0];
    chip.pullup(1).unwrap();
    chip.pullup(2).unwrap();

    let mut plain = InputLine::request(dev_dir(), &label, 1, false, CONSUMER).unwrap();
    let mut inverted = InputLine::request(dev_dir(), &label, 2, true, CONSUMER).unwrap();

    assert!(plain.is_high().unwrap());
    assert!(inverted.is_low().unwrap());
}

#[test]
#[ignore = "needs the kernel's gpio-sim; run with --ignored where it is there"]
fn dropping_a_line_releases_it() {
    require_gpio_sim();
    let label = unique_label("release");
    let _sim = live(&[Bank::new(8, &label)]);
    let first = OutputLine::request(dev_dir(), &label, 0, false, CONSUMER, false).unwrap();

    drop(first);

    OutputLine::request(dev_dir(), &label, 0, false, CONSUMER, true).unwrap();
}

#[test]
#[ignore = "needs the kernel's gpio-sim; run with --ignored where it is there"]
fn line_held_by_another_consumer_is_reported_busy_with_the_holder() {
    require_gpio_sim();
    let label = unique_label("busy");
    let mut bank = Bank::new(8, &label);
    bank.hog(4, "modem-power", Direction::OutputLow);
    let _sim = live(&[bank]);

    let error = OutputLine::request(dev_dir(), &label, 4, false, CONSUMER, false).unwrap_err();

    assert!(matches!(error, GpioError::Busy { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        format!("GPIO chip \"{label}\" line 4: busy, held by \"modem-power\"")
    );
}

#[test]
#[ignore = "needs the kernel's gpio-sim; run with --ignored where it is there"]
fn offset_beyond_the_chip_names_its_label_and_line_count() {
    require_gpio_sim();
    let label = unique_label("beyond");
    let _sim = live(&[Bank::new(8, &label)]);

    let error = InputLine::request(dev_dir(), &label, 8, false, CONSUMER).unwrap_err();

    assert_eq!(
        error.to_string(),
        format!("GPIO chip \"{label}\" line 8: no such line, the chip has 8 lines")
    );
}

#[test]
#[ignore = "needs the kernel's gpio-sim; run with --ignored where it is there"]
fn two_chips_with_one_label_are_reported_ambiguous() {
    require_gpio_sim();
    let label = unique_label("twice");
    let _sim = live(&[Bank::new(4, &label), Bank::new(4, &label)]);

    let error = find_chip(dev_dir(), &label).unwrap_err();

    assert!(
        matches!(&error, GpioError::AmbiguousChip { names, .. } if names.len() == 2),
        "{error:?}"
    );
}
