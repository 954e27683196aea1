//! The board files shipped in boards/: each parses and validates, and the
//! PinePhone's facts resolve to the lines other tools use.

use std::path::Path;

use yunhal_boards::{
    load_board, parse_board, shipped, Board, BusKind, DeviceClass, DriverInfo, GpioRole,
};

/// How the drivers the shipped boards name register (metadata only). The
/// first [`LANDED`] are in the daemon, and enabled in the boards; the
/// others are not in the tree yet.
const FUTURE_DRIVERS: [DriverInfo; 13] = [
    DriverInfo::new("mpu6050", DeviceClass::Sensor).buses(&[BusKind::I2c]),
    DriverInfo::new("lis3mdl", DeviceClass::Sensor).buses(&[BusKind::I2c]),
    DriverInfo::new("stk3311", DeviceClass::Sensor).buses(&[BusKind::I2c]),
    DriverInfo::new("linux-iio", DeviceClass::Sensor).buses(&[BusKind::Iio]),
    // Its parameters are the daemon's to check.
    DriverInfo::new("at-modem", DeviceClass::Modem)
        .buses(&[BusKind::Serial])
        .params(|_| Vec::new()),
    DriverInfo::new("goodix", DeviceClass::Touch)
        .buses(&[BusKind::I2c])
        .required_gpios(&[GpioRole::Interrupt, GpioRole::Reset]),
    DriverInfo::new("linux-evdev", DeviceClass::Touch).buses(&[BusKind::Input]),
    DriverInfo::new("linux-drm", DeviceClass::Display).buses(&[BusKind::Drm]),
    DriverInfo::new("linux-alsa", DeviceClass::Audio).buses(&[BusKind::Alsa]),
    DriverInfo::new("linux-backlight", DeviceClass::Backlight).buses(&[BusKind::Backlight]),
    DriverInfo::new("sim-display", DeviceClass::Display).buses(&[BusKind::Drm]),
    DriverInfo::new("sim-audio", DeviceClass::Audio).buses(&[BusKind::Alsa]),
    DriverInfo::new("sim-backlight", DeviceClass::Backlight).buses(&[BusKind::Backlight]),
];

/// How many of [`FUTURE_DRIVERS`] the daemon registers: the sensor chips,
/// the IIO backend and the AT modem.
const LANDED: usize = 5;

fn shipped_board(file: &str) -> Board {
    let board = shipped::ALL
        .iter()
        .find(|board| board.file == file)
        .unwrap();
    parse_board(board.file, board.text, &FUTURE_DRIVERS[..])
        .unwrap_or_else(|errors| panic!("{errors}"))
}

#[test]
fn every_shipped_board_validates_with_only_the_landed_drivers_registered() {
    let landed = &FUTURE_DRIVERS[..LANDED];
    for board in shipped::ALL {
        if let Err(errors) = parse_board(board.file, board.text, landed) {
            panic!("{errors}");
        }
    }
}

#[test]
fn every_shipped_board_validates_with_all_its_devices_enabled() {
    for board in shipped::ALL {
        let enabled = board.text.replace("enabled = false\n", "");
        let parsed = parse_board(board.file, &enabled, &FUTURE_DRIVERS[..])
            .unwrap_or_else(|errors| panic!("{errors}"));
        assert!(
            parsed.enabled_devices().count() > 0,
            "{} has no devices",
            board.file
        );
        assert_eq!(parsed.enabled_devices().count(), parsed.devices().len());
    }
}

#[test]
fn shipped_files_load_from_disk() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    for name in ["sim.toml", "pinephone.toml", "linux-generic.toml"] {
        let board = load_board(&crate_dir.join(name), &FUTURE_DRIVERS[..]).unwrap();
        assert!(board.file().ends_with(name));
    }
}

#[test]
fn pinephone_pins_resolve_to_the_lines_of_the_device_tree_and_eg25_manager() {
    let board = shipped_board("boards/pinephone.toml");
    let line = |device: &str, role: GpioRole| {
        let line = board.device(device).unwrap().gpio(role).unwrap();
        (line.chip.as_str(), line.line)
    };
    // <&pio 7 4 ...> and <&pio 7 11 ...>: bank * 32 + pin.
    assert_eq!(line("touch", GpioRole::Interrupt), ("pio", 228));
    assert_eq!(line("touch", GpioRole::Reset), ("pio", 235));
    assert_eq!(line("accel", GpioRole::Interrupt), ("pio", 229));
    assert_eq!(line("light", GpioRole::Interrupt), ("pio", 32));
    assert_eq!(line("magnetometer", GpioRole::Interrupt), ("pio", 33));
    // eg25-manager's pine64,pinephone-1.2.toml, offsets on 1c20800.pinctrl.
    assert_eq!(line("modem", GpioRole::Dtr), ("pio", 34));
    assert_eq!(line("modem", GpioRole::Pwrkey), ("pio", 35));
    assert_eq!(line("modem", GpioRole::Reset), ("pio", 68));
    assert_eq!(line("modem", GpioRole::ApReady), ("pio", 231));
    assert_eq!(line("modem", GpioRole::WDisable), ("pio", 232));
    assert_eq!(line("modem", GpioRole::Status), ("pio", 233));
    assert_eq!(
        board.bus("pio").unwrap().spec.kernel_name(),
        Some("1c20800.pinctrl")
    );
}

#[test]
fn pinephone_devices_sit_at_their_device_tree_addresses() {
    let board = shipped_board("boards/pinephone.toml");
    let wiring = |device: &str| {
        let spec = &board.device(device).unwrap().spec;
        (spec.bus().unwrap().to_owned(), spec.address())
    };
    assert_eq!(wiring("accel"), ("i2c1".to_owned(), Some(0x68)));
    assert_eq!(wiring("magnetometer"), ("i2c1".to_owned(), Some(0x1e)));
    assert_eq!(wiring("light"), ("i2c1".to_owned(), Some(0x48)));
    assert_eq!(wiring("touch"), ("i2c0".to_owned(), Some(0x5d)));
    assert_eq!(
        board.bus("i2c1").unwrap().spec.kernel_name(),
        Some("1c2b000.i2c")
    );
    assert_eq!(
        board.bus("i2c0").unwrap().spec.kernel_name(),
        Some("1c2ac00.i2c")
    );
    let uart = &board.bus("modem-uart").unwrap().spec;
    assert_eq!(
        (uart.path(), uart.baud_rate()),
        (Some("/dev/ttyS2"), Some(115_200))
    );
    assert_eq!(
        board.bus("sound").unwrap().spec.kernel_name(),
        Some("PinePhone")
    );
}

#[test]
fn sim_is_wired_like_the_pinephone() {
    let sim = shipped_board("boards/sim.toml");
    let phone = shipped_board("boards/pinephone.toml");
    for device in sim.devices() {
        let twin = phone
            .device(&device.name)
            .unwrap_or_else(|| panic!("{} is not on the PinePhone", device.name));
        assert_eq!(device.spec.class(), twin.spec.class(), "{}", device.name);
        assert_eq!(device.spec.bus(), twin.spec.bus(), "{}", device.name);
        assert_eq!(
            device.spec.address(),
            twin.spec.address(),
            "{}",
            device.name
        );
        assert_eq!(device.gpios, twin.gpios, "{}", device.name);
    }
    assert!(sim.buses().iter().all(|bus| bus.spec.is_simulated()));
}
