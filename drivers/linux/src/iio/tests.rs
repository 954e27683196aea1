//! Tests over a fake sysfs tree built in a temporary directory.

use std::collections::VecDeque;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use super::buffer::scan_layout;
use super::test_support::{put, TempDir};
use super::*;

const ACCEL_SCALE: f64 = 0.000598;
const ANGLVEL_SCALE: f64 = 0.000133090;

/// The PinePhone's inv-mpu6050 as its driver lays it out in sysfs.
fn fake_mpu6050(root: &Path) -> PathBuf {
    let dir = root.join("iio:device0");
    put(&dir, "name", "mpu6050");
    for (axis, raw) in [("x", "100"), ("y", "-200"), ("z", "16384")] {
        put(&dir, &format!("in_accel_{axis}_raw"), raw);
        put(&dir, &format!("in_anglvel_{axis}_raw"), "-7");
    }
    put(&dir, "in_accel_scale", "0.000598");
    put(&dir, "in_anglvel_scale", "0.000133090");
    put(&dir, "in_temp_raw", "1000");
    put(&dir, "in_temp_offset", "12420");
    put(&dir, "in_temp_scale", "2.941176");
    put(&dir, "in_accel_mount_matrix", "0, 1, 0; -1, 0, 0; 0, 0, 1");
    put(&dir, "sampling_frequency", "50");
    put(&dir, "sampling_frequency_available", "10 20 50 100 200 500");
    for (index, axis) in ["x", "y", "z"].iter().enumerate() {
        put(&dir, &format!("scan_elements/in_accel_{axis}_en"), "0");
        put(
            &dir,
            &format!("scan_elements/in_accel_{axis}_index"),
            &index.to_string(),
        );
        put(
            &dir,
            &format!("scan_elements/in_accel_{axis}_type"),
            "le:s16/16>>0",
        );
    }
    put(&dir, "scan_elements/in_timestamp_en", "0");
    put(&dir, "scan_elements/in_timestamp_index", "7");
    put(&dir, "scan_elements/in_timestamp_type", "le:s64/64>>0");
    put(&dir, "buffer/enable", "0");
    put(&dir, "buffer/length", "0");
    put(&dir, "trigger/current_trigger", "");
    dir
}

fn fake_lis3mdl(root: &Path) -> PathBuf {
    let dir = root.join("iio:device10");
    put(&dir, "name", "lis3mdl");
    put(&dir, "in_magn_x_raw", "1000");
    put(&dir, "in_magn_x_scale", "0.000146");
    dir
}

fn accel_channels(device: &IioDevice) -> Vec<Channel> {
    ["x", "y", "z"]
        .iter()
        .map(|axis| device.channel("accel", Some(axis)).unwrap().clone())
        .collect()
}

fn assert_close(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() < 1e-9,
        "{actual} is not {expected}"
    );
}

#[test]
fn open_parses_name_and_channels_from_file_names() {
    let root = TempDir::new();
    let dir = fake_mpu6050(&root.0);

    let device = IioDevice::open(&dir).unwrap();

    assert_eq!(device.name(), "mpu6050");
    let x = device.channel("accel", Some("x")).unwrap();
    assert_eq!(x.prefix, "in_accel_x");
    assert_eq!(x.kind, ChannelKind::Accel);
    assert!(x.has_raw);
    assert_eq!(x.scale, Some(ACCEL_SCALE));
    assert_eq!(x.offset, None);
    let temp = device.channel("temp", None).unwrap();
    assert_eq!(temp.offset, Some(12420.0));
    assert_eq!(device.channels().len(), 7);
}

#[test]
fn read_channel_applies_offset_scale_and_hal_units() {
    let root = TempDir::new();
    let device = IioDevice::open(&fake_mpu6050(&root.0)).unwrap();
    let magnetometer = IioDevice::open(&fake_lis3mdl(&root.0)).unwrap();

    let read =
        |d: &IioDevice, t: &str, a: Option<&str>| d.read_channel(d.channel(t, a).unwrap()).unwrap();

    assert_close(read(&device, "accel", Some("z")), 16384.0 * ACCEL_SCALE);
    assert_close(read(&device, "accel", Some("y")), -200.0 * ACCEL_SCALE);
    assert_close(read(&device, "anglvel", Some("x")), -7.0 * ANGLVEL_SCALE);
    // milli-°C to °C
    assert_close(
        read(&device, "temp", None),
        (1000.0 + 12420.0) * 2.941176 / 1000.0,
    );
    // gauss to µT, with a per-axis scale
    assert_close(
        read(&magnetometer, "magn", Some("x")),
        1000.0 * 0.000146 * 100.0,
    );
}

#[test]
fn enumerate_lists_devices_in_number_order_and_skips_others() {
    let root = TempDir::new();
    fake_lis3mdl(&root.0);
    fake_mpu6050(&root.0);
    put(&root.0.join("trigger0"), "name", "mpu6050-dev0");

    let names: Vec<String> = enumerate(&root.0)
        .iter()
        .map(|d| d.name().to_owned())
        .collect();

    assert_eq!(names, ["mpu6050", "lis3mdl"]);
    assert!(enumerate(&root.0.join("missing")).is_empty());
}

#[test]
fn mount_matrix_is_parsed_and_identity_when_absent() {
    let root = TempDir::new();
    let device = IioDevice::open(&fake_mpu6050(&root.0)).unwrap();

    let matrix = device.mount_matrix("accel").unwrap();

    assert_eq!(
        matrix,
        MountMatrix([[0.0, 1.0, 0.0], [-1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    );
    assert_eq!(matrix.apply([1.0, 2.0, 3.0]), [2.0, -1.0, 3.0]);
    assert_eq!(
        device.mount_matrix("anglvel").unwrap(),
        MountMatrix::IDENTITY
    );
}

#[test]
fn malformed_mount_matrix_gives_error_naming_the_file() {
    let root = TempDir::new();
    let dir = fake_mpu6050(&root.0);
    put(&dir, "in_accel_mount_matrix", "0, 1, 0; -1, 0; 0, 0, 1");
    let device = IioDevice::open(&dir).unwrap();

    let message = device.mount_matrix("accel").unwrap_err().to_string();

    let path = dir.join("in_accel_mount_matrix");
    assert!(
        message.starts_with(&format!("{}:", path.display())),
        "{message}"
    );
    assert!(message.contains("row 2 has 2 values"), "{message}");
}

#[test]
fn malformed_scale_gives_error_naming_the_file_and_text() {
    let root = TempDir::new();
    let dir = fake_mpu6050(&root.0);
    put(&dir, "in_accel_scale", "abc");

    let message = IioDevice::open(&dir).unwrap_err().to_string();

    assert_eq!(
        message,
        format!(
            "{}: 'abc' is not a number",
            dir.join("in_accel_scale").display()
        )
    );
}

#[test]
fn missing_name_gives_error_naming_the_file() {
    let root = TempDir::new();
    let dir = root.0.join("iio:device3");
    put(&dir, "in_accel_x_raw", "1");

    let error = IioDevice::open(&dir).unwrap_err();

    assert!(matches!(&error, IioError::Io { path, .. } if *path == dir.join("name")));
}

#[test]
fn set_sampling_frequency_picks_lowest_available_at_or_above_request() {
    let root = TempDir::new();
    let dir = fake_mpu6050(&root.0);
    let device = IioDevice::open(&dir).unwrap();
    assert_eq!(device.sampling_frequency().unwrap(), 50.0);

    assert_eq!(device.set_sampling_frequency(60.0).unwrap(), 100.0);
    assert_eq!(device.sampling_frequency().unwrap(), 100.0);
    assert_eq!(device.set_sampling_frequency(5000.0).unwrap(), 500.0);

    fs::remove_file(dir.join("sampling_frequency_available")).unwrap();
    assert_eq!(device.set_sampling_frequency(60.0).unwrap(), 60.0);
    assert_eq!(
        fs::read_to_string(dir.join("sampling_frequency")).unwrap(),
        "60"
    );
}

#[test]
fn scan_type_parses_every_variant() {
    let parse = |text| ScanType::parse(text).unwrap();
    let le_s16 = parse("le:s16/16>>0");
    assert_eq!(
        le_s16,
        ScanType {
            endianness: Endianness::Little,
            signed: true,
            realbits: 16,
            storagebits: 16,
            shift: 0,
            repeat: 1,
        }
    );
    let be_u12 = parse("be:u12/16>>4");
    assert_eq!(be_u12.endianness, Endianness::Big);
    assert!(!be_u12.signed);
    assert_eq!(
        (be_u12.realbits, be_u12.storagebits, be_u12.shift),
        (12, 16, 4)
    );
    assert_eq!(parse("le:s16/16"), le_s16);
    assert_eq!(parse("le:s16/16X3>>0").repeat, 3);
    assert_eq!(parse("le:s16/16X0>>0").repeat, 1);
    assert_eq!(parse("le:s64/64>>0\n").storagebits, 64);
    assert_eq!(parse("le:u8/8").total_bytes(), 1);
}

#[test]
fn scan_type_errors_name_the_string_and_the_fault() {
    let cases = [
        ("xe:s16/16>>0", "endianness 'xe'"),
        ("le:q16/16>>0", "'s' or 'u'"),
        ("le:f32/32>>0", "floating-point"),
        ("les16/16", "missing ':'"),
        ("le:s16", "missing '/'"),
        ("le:s16/12>>0", "storagebits 12"),
        ("le:s12/16>>8", "do not fit"),
        ("le:s0/16", "do not fit"),
        ("le:s16/16>>x", "shift 'x'"),
        ("le:s16/16Xq", "repeat 'q'"),
    ];
    for (text, fault) in cases {
        let message = ScanType::parse(text).unwrap_err().to_string();
        assert!(
            message.starts_with(&format!("scan type '{text}'")),
            "{message}"
        );
        assert!(message.contains(fault), "{text}: {message}");
    }
}

#[test]
fn extract_shifts_masks_and_sign_extends() {
    let parse = |text| ScanType::parse(text).unwrap();

    assert_eq!(parse("be:u12/16>>4").extract(&[0xAB, 0xC5]), 0xABC);
    assert_eq!(parse("le:s12/16>>4").extract(&[0xF5, 0xFF]), -1);
    assert_eq!(parse("le:s12/16>>4").extract(&[0x00, 0x80]), -2048);
    assert_eq!(parse("le:u12/16>>4").extract(&[0x00, 0x80]), 2048);
    assert_eq!(parse("le:s16/16>>0").extract(&[0x00, 0x80]), -32768);
    assert_eq!(parse("be:s16/16>>0").extract(&[0xFF, 0xFE]), -2);
    assert_eq!(parse("le:s10/16>>0").extract(&[0xFF, 0xFF]), -1);
    assert_eq!(
        parse("be:s24/32>>8").extract(&[0x80, 0, 0, 0x12]),
        -(1 << 23)
    );
    assert_eq!(parse("le:u8/8").extract(&[0xFE]), 254);
    let timestamp = -123_456_789_012i64;
    assert_eq!(
        parse("le:s64/64>>0").extract(&timestamp.to_le_bytes()),
        timestamp
    );
}

#[test]
fn scan_layout_aligns_each_element_to_its_size_and_pads_the_scan() {
    let types: Vec<ScanType> = ["le:u8/8", "le:s32/32", "le:s16/16", "le:s64/64"]
        .iter()
        .map(|t| ScanType::parse(t).unwrap())
        .collect();

    assert_eq!(scan_layout(&types), (vec![0, 4, 8, 16], 24));
    assert_eq!(scan_layout(&types[..3]), (vec![0, 4, 8], 12));
}

fn accel_scan(x: i16, y: i16, z: i16, timestamp_ns: i64) -> Vec<u8> {
    let mut scan = Vec::new();
    for value in [x, y, z] {
        scan.extend_from_slice(&value.to_le_bytes());
    }
    scan.extend_from_slice(&[0, 0]);
    scan.extend_from_slice(&timestamp_ns.to_le_bytes());
    scan
}

/// Hands out the given chunks, one per `read`, as a character device would.
struct ChunkReader(VecDeque<Vec<u8>>);

impl Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(mut chunk) = self.0.pop_front() else {
            return Ok(0);
        };
        let n = chunk.len().min(buf.len());
        buf[..n].copy_from_slice(&chunk[..n]);
        if n < chunk.len() {
            self.0.push_front(chunk.split_off(n));
        }
        Ok(n)
    }
}

#[test]
fn enable_buffer_writes_scan_elements_length_trigger_and_enable() {
    let root = TempDir::new();
    let dir = fake_mpu6050(&root.0);
    let device = IioDevice::open(&dir).unwrap();
    let read = |file: &str| fs::read_to_string(dir.join(file)).unwrap();

    device
        .enable_buffer(128, &accel_channels(&device)[..2], Some("mpu6050-dev0"))
        .unwrap();

    assert_eq!(read("scan_elements/in_accel_x_en"), "1");
    assert_eq!(read("scan_elements/in_accel_y_en"), "1");
    assert_eq!(read("scan_elements/in_accel_z_en"), "0");
    assert_eq!(read("scan_elements/in_timestamp_en"), "1");
    assert_eq!(read("buffer/length"), "128");
    assert_eq!(read("trigger/current_trigger"), "mpu6050-dev0");
    assert_eq!(read("buffer/enable"), "1");
}

#[test]
fn buffered_stream_decodes_whole_scans_and_keeps_partial_ones() {
    let root = TempDir::new();
    let device = IioDevice::open(&fake_mpu6050(&root.0)).unwrap();
    let channels = accel_channels(&device);
    device.enable_buffer(64, &channels, None).unwrap();
    let mut stream = accel_scan(100, -200, 16384, 1_000);
    stream.extend(accel_scan(-1, 2, -32768, 2_000));
    stream.extend(accel_scan(7, 8, 9, 3_000));
    let rest = stream.split_off(40);
    let chunks = VecDeque::from([stream, rest]);
    let mut reader = BufferedReader::new(&device, &channels, ChunkReader(chunks)).unwrap();
    let mut samples = Vec::new();

    assert_eq!(reader.scan_bytes(), 16);
    assert_eq!(reader.read_samples(&mut samples).unwrap(), 2);
    assert_eq!(reader.read_samples(&mut samples).unwrap(), 1);
    assert_eq!(reader.read_samples(&mut samples).unwrap(), 0);

    let timestamps: Vec<Option<i64>> = samples.iter().map(|s| s.timestamp_ns).collect();
    assert_eq!(timestamps, [Some(1_000), Some(2_000), Some(3_000)]);
    let expected = [
        [100.0, -200.0, 16384.0],
        [-1.0, 2.0, -32768.0],
        [7.0, 8.0, 9.0],
    ];
    for (sample, raw) in samples.iter().zip(expected) {
        assert_eq!(sample.values().len(), 3);
        for (value, raw) in sample.values().iter().zip(raw) {
            assert_close(*value, raw * ACCEL_SCALE);
        }
    }
}

#[test]
fn buffered_reader_reads_a_file_and_orders_values_as_channels_were_given() {
    let root = TempDir::new();
    let dir = fake_mpu6050(&root.0);
    let device = IioDevice::open(&dir).unwrap();
    let channels = accel_channels(&device);
    let reversed: Vec<Channel> = channels.iter().rev().cloned().collect();
    // Timestamp left disabled: the scan is x, y, z only, 6 bytes.
    let cdev = root.0.join("cdev");
    fs::write(
        &cdev,
        [accel_scan(1, 2, 3, 0)[..6].to_vec(), vec![4, 0, 5, 0, 6, 0]].concat(),
    )
    .unwrap();
    let file = fs::File::open(&cdev).unwrap();
    let mut reader = BufferedReader::new(&device, &reversed, file).unwrap();
    let mut samples = Vec::new();

    reader.read_samples(&mut samples).unwrap();

    assert_eq!(reader.scan_bytes(), 6);
    assert_eq!(samples.len(), 2);
    assert_eq!(samples[0].timestamp_ns, None);
    assert_close(samples[0].values()[0], 3.0 * ACCEL_SCALE);
    assert_close(samples[1].values()[2], 4.0 * ACCEL_SCALE);
}

#[test]
fn malformed_scan_type_file_gives_error_naming_the_file() {
    let root = TempDir::new();
    let dir = fake_mpu6050(&root.0);
    put(&dir, "scan_elements/in_accel_y_type", "le:s16/15>>0");
    let device = IioDevice::open(&dir).unwrap();

    let error = BufferedReader::new(&device, &accel_channels(&device), io::empty()).unwrap_err();

    let path = dir.join("scan_elements/in_accel_y_type");
    assert_eq!(
        error.to_string(),
        format!(
            "{}: scan type 'le:s16/15>>0': storagebits 15 is not 8, 16, 32 or 64",
            path.display()
        )
    );
}
