//! One test per kind of validation error: each names the file, line,
//! column and key, and says what is wrong. Device text starts on line 20
//! of the test board (after `common::BUSES`).

mod common;

use common::{diagnostics, only_error, BUSES, CATALOG, FILE};
use yunhal_boards::{parse_board, DiagnosticKind, DriverInfo};

fn assert_error(devices: &str, kind: DiagnosticKind, expected_start: &str, expected_part: &str) {
    let error = only_error(devices);
    let printed = error.to_string();
    assert_eq!(error.kind, kind, "{printed}");
    assert!(
        printed.starts_with(expected_start),
        "{printed}\ndoes not start with\n{expected_start}"
    );
    assert!(
        printed.contains(expected_part),
        "{printed}\ndoes not contain\n{expected_part}"
    );
}

#[test]
fn toml_syntax_error_names_its_line_and_column() {
    let devices = "[devices.accel]\nclass = \"sensor\"\ndriver = \n";
    let found = diagnostics(devices);
    let syntax = found
        .iter()
        .find(|d| d.kind == DiagnosticKind::Syntax)
        .expect("no syntax error");
    assert!(
        syntax.to_string().starts_with("boards/test.toml:22:10: "),
        "{syntax}"
    );
}

#[test]
fn unknown_key_is_named_with_a_suggestion_and_the_known_keys() {
    let devices = "[devices.accel]\nclass = \"sensor\"\ndriver = \"test-accel\"\nbus = \"i2c1\"\naddress = 0x68\nadress = 0x69\n";
    assert_error(
        devices,
        DiagnosticKind::UnknownKey,
        "boards/test.toml:25:1: devices.accel.adress: unknown key `adress` (did you mean `address`?)",
        "expected one of: `class`, `driver`,",
    );
}

#[test]
fn missing_required_key_points_at_its_table() {
    let devices = "[devices.accel]\nclass = \"sensor\"\nbus = \"i2c1\"\naddress = 0x68\n";
    assert_error(
        devices,
        DiagnosticKind::MissingKey,
        "boards/test.toml:20:1: devices.accel.driver: required key is missing",
        "",
    );
}

#[test]
fn value_of_the_wrong_type_says_what_was_expected() {
    let devices = "[devices.accel]\nclass = \"sensor\"\ndriver = \"test-accel\"\nbus = \"i2c1\"\naddress = \"0x68\"\n";
    assert_error(
        devices,
        DiagnosticKind::InvalidValue,
        "boards/test.toml:24:11: devices.accel.address: invalid type: string \"0x68\", expected u16",
        "",
    );
}

#[test]
fn unknown_device_class_lists_the_classes() {
    let devices = "[devices.accel]\nclass = \"sensr\"\ndriver = \"test-accel\"\nbus = \"i2c1\"\naddress = 0x68\n";
    assert_error(
        devices,
        DiagnosticKind::InvalidValue,
        "boards/test.toml:21:9: devices.accel.class: unknown variant `sensr`",
        "`sensor`, `touch`, `display`, `audio`, `modem`, `backlight`",
    );
}

#[test]
fn unknown_driver_lists_the_registered_ones() {
    let devices = "[devices.accel]\nclass = \"sensor\"\ndriver = \"test-acel\"\nbus = \"i2c1\"\naddress = 0x68\n";
    assert_error(
        devices,
        DiagnosticKind::UnknownDriver,
        "boards/test.toml:22:10: devices.accel.driver: unknown driver `test-acel` (did you mean `test-accel`?)",
        "registered drivers: `test-accel`, `test-display`, `test-modem`, `test-touch`",
    );
}

#[test]
fn driver_of_another_class_is_rejected() {
    let devices = "[devices.touch]\nclass = \"touch\"\ndriver = \"test-accel\"\nbus = \"i2c1\"\naddress = 0x5d\n";
    assert_error(
        devices,
        DiagnosticKind::WrongClass,
        "boards/test.toml:22:10: devices.touch.driver: driver `test-accel` drives sensor devices, but this device is of class touch",
        "",
    );
}

#[test]
fn unknown_bus_lists_the_buses_of_the_board() {
    let devices = "[devices.accel]\nclass = \"sensor\"\ndriver = \"test-accel\"\nbus = \"i2c2\"\naddress = 0x68\n";
    assert_error(
        devices,
        DiagnosticKind::UnknownBus,
        "boards/test.toml:23:7: devices.accel.bus: no bus named `i2c2` (did you mean `i2c1`?)",
        "buses of this board: `i2c1`, `pio`, `uart`, `card`",
    );
}

#[test]
fn bus_of_a_kind_the_driver_does_not_take_is_rejected() {
    let devices = "[devices.modem]\nclass = \"modem\"\ndriver = \"test-modem\"\nbus = \"i2c1\"\naddress = 0x30\n";
    assert_error(
        devices,
        DiagnosticKind::BusKindRejected,
        "boards/test.toml:23:7: devices.modem.bus: driver `test-modem` takes a bus of kind `serial`, but bus `i2c1` is i2c",
        "",
    );
}

#[test]
fn two_devices_at_one_address_name_both() {
    let devices = "[devices.accel]\nclass = \"sensor\"\ndriver = \"test-accel\"\nbus = \"i2c1\"\naddress = 0x68\n\n\
                   [devices.gyro]\nclass = \"sensor\"\ndriver = \"test-accel\"\nbus = \"i2c1\"\naddress = 0x68\n";
    assert_error(
        devices,
        DiagnosticKind::AddressConflict,
        "boards/test.toml:30:11: devices.gyro.address: 0x68 on bus `i2c1` is already used by devices.accel (line 24)",
        "",
    );
}

#[test]
fn two_devices_on_a_one_device_bus_name_both() {
    let devices = "[devices.modem]\nclass = \"modem\"\ndriver = \"test-modem\"\nbus = \"uart\"\n\n\
                   [devices.modem2]\nclass = \"modem\"\ndriver = \"test-modem\"\nbus = \"uart\"\n";
    assert_error(
        devices,
        DiagnosticKind::BusConflict,
        "boards/test.toml:28:7: devices.modem2.bus: bus `uart` is already used by devices.modem (line 23); a serial bus takes one device",
        "",
    );
}

#[test]
fn gpio_line_used_twice_names_both_users() {
    let devices = "[devices.touch]\nclass = \"touch\"\ndriver = \"test-touch\"\nbus = \"i2c1\"\naddress = 0x5d\n\
                   gpios = { interrupt = \"PH4\" }\n\n\
                   [devices.accel]\nclass = \"sensor\"\ndriver = \"test-accel\"\nbus = \"i2c1\"\naddress = 0x68\n\
                   gpios = { interrupt = { chip = \"pio\", line = 228 } }\n";
    assert_error(
        devices,
        DiagnosticKind::GpioConflict,
        "boards/test.toml:32:23: devices.accel.gpios.interrupt: `pio` line 228 (PH4) is already used by devices.touch.gpios.interrupt (line 25)",
        "",
    );
}

#[test]
fn address_outside_7_bits_is_out_of_range() {
    let devices = "[devices.accel]\nclass = \"sensor\"\ndriver = \"test-accel\"\nbus = \"i2c1\"\naddress = 0x88\n";
    assert_error(
        devices,
        DiagnosticKind::OutOfRange,
        "boards/test.toml:24:11: devices.accel.address: 0x88 is not a 7-bit I2C address (0x08..=0x77)",
        "",
    );
}

#[test]
fn baud_rate_out_of_range() {
    let text = BUSES.replace(
        "path = \"/dev/ttyS2\"\n",
        "path = \"/dev/ttyS2\"\nbaud = 0\n",
    );
    let error = parse_board(FILE, &text, &CATALOG[..])
        .unwrap_err()
        .into_vec()
        .remove(0);
    assert_eq!(error.kind, DiagnosticKind::OutOfRange);
    assert_eq!(
        error.to_string(),
        "boards/test.toml:16:8: buses.uart.baud: 0 is out of range; expected 50..=4000000"
    );
}

#[test]
fn mount_matrix_that_is_not_a_rotation_is_rejected() {
    let devices = "[devices.accel]\nclass = \"sensor\"\ndriver = \"test-accel\"\nbus = \"i2c1\"\naddress = 0x68\n\
                   mount_matrix = [[1, 1, 0], [0, 1, 0], [0, 0, 1]]\n";
    assert_error(
        devices,
        DiagnosticKind::OutOfRange,
        "boards/test.toml:25:16: devices.accel.mount_matrix: is not a rotation",
        "",
    );
}

#[test]
fn mount_matrix_that_mirrors_an_axis_is_rejected() {
    let devices = "[devices.accel]\nclass = \"sensor\"\ndriver = \"test-accel\"\nbus = \"i2c1\"\naddress = 0x68\n\
                   mount_matrix = [[0, 1, 0], [1, 0, 0], [0, 0, 1]]\n";
    assert_error(
        devices,
        DiagnosticKind::OutOfRange,
        "boards/test.toml:25:16: devices.accel.mount_matrix: is a reflection (determinant -1)",
        "",
    );
}

#[test]
fn refresh_rate_out_of_range_points_at_the_value() {
    let devices =
        "[devices.display]\nclass = \"display\"\ndriver = \"test-display\"\nbus = \"card\"\n\n\
                   [devices.display.panel]\nwidth_px = 720\nheight_px = 1440\nrefresh_hz = 0.5\n";
    assert_error(
        devices,
        DiagnosticKind::OutOfRange,
        "boards/test.toml:28:14: devices.display.panel.refresh_hz: 0.5 is out of range; expected 1..=360",
        "",
    );
}

#[test]
fn driver_parameter_errors_point_at_the_parameter() {
    let devices = "[devices.accel]\nclass = \"sensor\"\ndriver = \"test-accel\"\nbus = \"i2c1\"\naddress = 0x68\n\
                   params = { range_g = 3 }\n";
    assert_error(
        devices,
        DiagnosticKind::Params,
        "boards/test.toml:25:22: devices.accel.params.range_g: 3 is not a range; expected 2, 4, 8 or 16",
        "",
    );
}

#[test]
fn key_of_another_class_is_misplaced() {
    let devices = "[devices.accel]\nclass = \"sensor\"\ndriver = \"test-accel\"\nbus = \"i2c1\"\naddress = 0x68\n\
                   touchscreen = { size_x = 720, size_y = 1440 }\n";
    assert_error(
        devices,
        DiagnosticKind::Misplaced,
        "boards/test.toml:25:15: devices.accel.touchscreen: `touchscreen` is for touch devices, and this device is of class sensor",
        "",
    );
}

#[test]
fn modem_line_on_another_class_is_misplaced() {
    let devices = "[devices.touch]\nclass = \"touch\"\ndriver = \"test-touch\"\nbus = \"i2c1\"\naddress = 0x5d\n\
                   gpios = { interrupt = \"PH4\", pwrkey = \"PB3\" }\n";
    assert_error(
        devices,
        DiagnosticKind::Misplaced,
        "boards/test.toml:25:39: devices.touch.gpios.pwrkey: `pwrkey` is a modem line, and this device is of class touch",
        "",
    );
}

#[test]
fn gpio_line_the_driver_needs_is_missing() {
    let devices = "[devices.touch]\nclass = \"touch\"\ndriver = \"test-touch\"\nbus = \"i2c1\"\naddress = 0x5d\n";
    assert_error(
        devices,
        DiagnosticKind::MissingKey,
        "boards/test.toml:22:10: devices.touch.gpios: driver `test-touch` needs `gpios.interrupt`",
        "",
    );
}

#[test]
fn pin_of_a_port_no_gpio_bus_serves_is_an_unknown_bus() {
    let devices = "[devices.accel]\nclass = \"sensor\"\ndriver = \"test-accel\"\nbus = \"i2c1\"\naddress = 0x68\n\
                   gpios = { interrupt = \"PL7\" }\n";
    assert_error(
        devices,
        DiagnosticKind::UnknownBus,
        "boards/test.toml:25:23: devices.accel.gpios.interrupt: no gpio bus serves port L of PL7",
        "gpio buses: `pio` (ports A-H)",
    );
}

#[test]
fn malformed_pin_name_says_what_a_pin_name_looks_like() {
    let devices = "[devices.accel]\nclass = \"sensor\"\ndriver = \"test-accel\"\nbus = \"i2c1\"\naddress = 0x68\n\
                   gpios = { interrupt = \"H4\" }\n";
    assert_error(
        devices,
        DiagnosticKind::InvalidValue,
        "boards/test.toml:25:23: devices.accel.gpios.interrupt: `H4` is not a pin name",
        "like \"PH4\"",
    );
}

#[test]
fn gpio_line_beyond_the_chip_is_out_of_range() {
    let devices = "[devices.accel]\nclass = \"sensor\"\ndriver = \"test-accel\"\nbus = \"i2c1\"\naddress = 0x68\n\
                   gpios = { interrupt = { chip = \"pio\", line = 300 } }\n";
    assert_error(
        devices,
        DiagnosticKind::OutOfRange,
        "boards/test.toml:25:23: devices.accel.gpios.interrupt: line 300 is out of range; gpio bus `pio` has lines 0..=255",
        "",
    );
}

#[test]
fn device_node_of_the_wrong_kind_is_rejected() {
    let text = BUSES.replace("path = \"/dev/i2c-1\"", "path = \"/dev/ttyS1\"");
    let error = parse_board(FILE, &text, &CATALOG[..])
        .unwrap_err()
        .into_vec()
        .remove(0);
    assert_eq!(error.kind, DiagnosticKind::InvalidValue);
    assert_eq!(
        error.to_string(),
        "boards/test.toml:6:8: buses.i2c1.path: `/dev/ttyS1` is not a i2c node; expected /dev/i2c-N"
    );
}

#[test]
fn simulated_bus_with_a_path_is_misplaced() {
    let text = BUSES.replace(
        "simulated = true\n",
        "simulated = true\npath = \"/dev/dri/card0\"\n",
    );
    let error = parse_board(FILE, &text, &CATALOG[..])
        .unwrap_err()
        .into_vec()
        .remove(0);
    assert_eq!(error.kind, DiagnosticKind::Misplaced);
    assert!(
        error
            .to_string()
            .starts_with("boards/test.toml:20:8: buses.card.path: a simulated bus has no `path`"),
        "{error}"
    );
}

#[test]
fn file_without_a_board_table_says_so() {
    let error = parse_board(
        FILE,
        "[buses.i2c1]\nkind = \"i2c\"\nsimulated = true\n",
        &CATALOG[..],
    )
    .unwrap_err()
    .into_vec()
    .remove(0);
    assert_eq!(error.kind, DiagnosticKind::MissingKey);
    assert!(
        error
            .to_string()
            .starts_with("boards/test.toml:1:1: board: the file has no [board] table"),
        "{error}"
    );
}

#[test]
fn disabled_device_needs_no_registered_driver_but_is_still_checked() {
    let devices = "[devices.future]\nclass = \"sensor\"\ndriver = \"not-yet\"\nenabled = false\nbus = \"i2c1\"\naddress = 0x78\n";
    assert_error(
        devices,
        DiagnosticKind::OutOfRange,
        "boards/test.toml:25:11: devices.future.address: 0x78 is not a 7-bit I2C address",
        "",
    );
    let fine = "[devices.future]\nclass = \"sensor\"\ndriver = \"not-yet\"\nenabled = false\nbus = \"i2c1\"\naddress = 0x18\n";
    assert!(diagnostics(fine).is_empty());
}

#[test]
fn every_error_of_a_file_is_reported_in_file_order() {
    let devices = r#"[devices.accel]
class = "sensor"
driver = "test-accel"
bus = "i2c1"
address = 0x68
gpios = { interrupt = "PH5" }
mount_matrix = [[1, 0, 0], [0, 1, 0], [0, 0, -1]]
params = { range_g = 5 }

[devices.gyro]
class = "sensor"
driver = "test-gyro"
bus = "i2c1"
address = 0x68
colour = "blue"

[devices.touch]
class = "touch"
driver = "test-touch"
bus = "i2c1"
address = "0x5d"
gpios = { interrupt = "PH5" }

[devices.modem]
class = "modem"
driver = "test-modem"
bus = "uart"
gpios = { pwrkey = "PB3", status = "PB3", dtr = "PZ2" }
"#;
    let printed: Vec<String> = diagnostics(devices)
        .iter()
        .map(ToString::to_string)
        .collect();
    let expected_prefixes = [
        "boards/test.toml:26:16: devices.accel.mount_matrix: is a reflection",
        "boards/test.toml:27:22: devices.accel.params.range_g: 5 is not a range",
        "boards/test.toml:31:10: devices.gyro.driver: unknown driver `test-gyro`",
        "boards/test.toml:33:11: devices.gyro.address: 0x68 on bus `i2c1` is already used by devices.accel (line 24)",
        "boards/test.toml:34:1: devices.gyro.colour: unknown key `colour`",
        "boards/test.toml:40:11: devices.touch.address: invalid type: string \"0x5d\", expected u16",
        "boards/test.toml:47:36: devices.modem.gpios.status: `pio` line 35 (PB3) is already used by devices.modem.gpios.pwrkey (line 47)",
        "boards/test.toml:47:49: devices.modem.gpios.dtr: no gpio bus serves port Z of PZ2",
    ];
    assert_eq!(printed.len(), expected_prefixes.len(), "{printed:#?}");
    for (line, prefix) in printed.iter().zip(expected_prefixes) {
        assert!(
            line.starts_with(prefix),
            "{line}\ndoes not start with\n{prefix}"
        );
    }
}

#[test]
fn metadata_alone_is_a_catalog() {
    let catalog: &[DriverInfo] = &[];
    let devices = "[devices.accel]\nclass = \"sensor\"\ndriver = \"test-accel\"\nbus = \"i2c1\"\naddress = 0x68\n";
    let text = format!("{BUSES}{devices}");
    let error = parse_board(FILE, &text, catalog)
        .unwrap_err()
        .into_vec()
        .remove(0);
    assert_eq!(error.kind, DiagnosticKind::UnknownDriver);
    assert!(
        error.message.contains("no drivers are registered"),
        "{error}"
    );
}
