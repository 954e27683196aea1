//! Building the sensor chip drivers: each on its device's I2C bus, as its
//! adapter to [`yunhal::sensors::SensorDevice`].

use crate::platform::{DaemonI2c, DaemonPlatform, PlatformError};
use crate::registry::HalDevice;
use embedded_hal::delay::DelayNs;
use std::path::Path;
use yunhal_boards::{BusKind, DeviceClass, DeviceRequest, DriverInfo, ParamError};
use yunhal_linux::iio::{find_device, IioDevice, IioSensors, IioSensorsConfig};
use yunhal_lis3mdl::sensor::Lis3mdlSensors;
use yunhal_mpu6050::sensor::Mpu6050Sensors;
use yunhal_sim::chips::{lis3mdl::Lis3mdlModel, mpu6050::Mpu6050Model, stk3311::Stk3311Model};
use yunhal_stk3311::sensor::Stk3311Sensors;

// The boards give each chip its `interrupt` line; the adapters poll, so the
// line is accepted but not required.
pub const MPU6050: DriverInfo =
    DriverInfo::new("mpu6050", DeviceClass::Sensor).buses(&[BusKind::I2c]);
pub const LIS3MDL: DriverInfo =
    DriverInfo::new("lis3mdl", DeviceClass::Sensor).buses(&[BusKind::I2c]);
pub const STK3311: DriverInfo =
    DriverInfo::new("stk3311", DeviceClass::Sensor).buses(&[BusKind::I2c]);

/// The waits a datasheet asks for (after a reset, say). A real chip gets
/// them by sleeping the calling thread: build functions run on the
/// daemon's startup thread, where blocking is what is wanted. A simulated
/// chip's model is ready at once, so the simulated handset skips them.
#[derive(Debug, Clone, Copy)]
pub struct ChipDelay {
    real: bool,
}

impl ChipDelay {
    /// The delay for a chip on `bus`.
    pub fn for_bus(bus: &DaemonI2c) -> ChipDelay {
        ChipDelay {
            real: !matches!(bus, DaemonI2c::Simulated(_)),
        }
    }
}

impl DelayNs for ChipDelay {
    fn delay_ns(&mut self, ns: u32) {
        if self.real {
            std::thread::sleep(std::time::Duration::from_nanos(u64::from(ns)));
        }
    }
}

pub fn build_mpu6050(
    platform: &mut DaemonPlatform,
    request: &DeviceRequest<'_>,
) -> Result<HalDevice, PlatformError> {
    let (bus, address) = platform.i2c_bus(request, || Box::new(Mpu6050Model::new()))?;
    let mut delay = ChipDelay::for_bus(&bus);
    let sensors = Mpu6050Sensors::init(bus, address, &mut delay)
        .map_err(|e| chip_error(request, address, e))?;
    Ok(HalDevice::Sensor(Box::new(sensors)))
}

pub fn build_lis3mdl(
    platform: &mut DaemonPlatform,
    request: &DeviceRequest<'_>,
) -> Result<HalDevice, PlatformError> {
    let (bus, address) = platform.i2c_bus(request, || Box::new(Lis3mdlModel::new()))?;
    let sensors =
        Lis3mdlSensors::init(bus, address).map_err(|e| chip_error(request, address, e))?;
    Ok(HalDevice::Sensor(Box::new(sensors)))
}

pub fn build_stk3311(
    platform: &mut DaemonPlatform,
    request: &DeviceRequest<'_>,
) -> Result<HalDevice, PlatformError> {
    let (bus, address) = platform.i2c_bus(request, || Box::new(Stk3311Model::new()))?;
    let mut delay = ChipDelay::for_bus(&bus);
    let sensors = Stk3311Sensors::init(bus, address, &mut delay)
        .map_err(|e| chip_error(request, address, e))?;
    Ok(HalDevice::Sensor(Box::new(sensors)))
}

/// A driver's init error, in the driver's own words (not every driver's
/// error has a `Display`).
fn chip_error(
    request: &DeviceRequest<'_>,
    address: u8,
    error: impl std::fmt::Debug,
) -> PlatformError {
    PlatformError::Chip {
        bus: request.bus.map_or_else(String::new, |bus| bus.name.clone()),
        address,
        detail: format!("{error:?}"),
    }
}

/// Sensors of a Linux IIO device (`bus` of kind `iio`: its sysfs directory
/// as `path`, or the device's `name`). Parameters: `buffered` (read the
/// character device instead of sysfs), `buffer_length` and `trigger` for
/// buffered mode, `proximity_near_level` (raw reading from which a
/// proximity sensor counts as near).
pub const LINUX_IIO: DriverInfo = DriverInfo::new("linux-iio", DeviceClass::Sensor)
    .buses(&[BusKind::Iio])
    .params(check_iio_params);

/// Where the kernel lists IIO devices.
const SYSFS_IIO_DEVICES: &str = "/sys/bus/iio/devices";

fn check_iio_params(params: &toml::Table) -> Vec<ParamError> {
    let mut errors = Vec::new();
    for (key, value) in params {
        let ok = match key.as_str() {
            "buffered" => value.is_bool(),
            "buffer_length" => value
                .as_integer()
                .is_some_and(|n| (1..=65_536).contains(&n)),
            "trigger" => value.as_str().is_some_and(|s| !s.is_empty()),
            "proximity_near_level" => value
                .as_float()
                .or_else(|| value.as_integer().map(|n| n as f64))
                .is_some_and(|v| v.is_finite() && v >= 0.0),
            _ => {
                errors.push(ParamError::new(
                    key.as_str(),
                    "unknown parameter (expected buffered, buffer_length, trigger or proximity_near_level)",
                ));
                continue;
            }
        };
        if !ok {
            let expected = match key.as_str() {
                "buffered" => "true or false",
                "buffer_length" => "a number of scans, 1 to 65536",
                "trigger" => "a trigger's name",
                _ => "a raw reading, 0 or more",
            };
            errors.push(ParamError::new(
                key.as_str(),
                format!("expected {expected}, got {} {value:?}", value.type_str()),
            ));
        }
    }
    errors
}

pub fn build_linux_iio(
    platform: &mut DaemonPlatform,
    request: &DeviceRequest<'_>,
) -> Result<HalDevice, PlatformError> {
    let bus = request.bus.ok_or(PlatformError::Missing("bus"))?;
    if bus.spec.kind() != BusKind::Iio || bus.spec.is_simulated() {
        return Err(PlatformError::WrongBus {
            bus: bus.name.clone(),
            expected: "a kernel IIO device",
        });
    }
    let device = match (bus.spec.path(), bus.spec.kernel_name()) {
        (Some(path), _) => IioDevice::open(&platform.host_path(Path::new(path))),
        (None, Some(name)) => find_device(&platform.host_path(Path::new(SYSFS_IIO_DEVICES)), name),
        (None, None) => return Err(PlatformError::Missing("IIO device path or name")),
    }
    .map_err(|e| open_error(&bus.name, e))?;
    let params = &request.device.spec.params;
    let mut config = IioSensorsConfig::default();
    if let Some(level) = params
        .get("proximity_near_level")
        .and_then(|v| v.as_float().or_else(|| v.as_integer().map(|n| n as f64)))
    {
        config = config.proximity_near_level(level);
    }
    if let Some(scans) = params.get("buffer_length").and_then(|v| v.as_integer()) {
        config = config.buffer_length(scans as usize);
    }
    if let Some(trigger) = params.get("trigger").and_then(|v| v.as_str()) {
        config = config.trigger(trigger);
    }
    let buffered = params
        .get("buffered")
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    let sensors: Box<dyn yunhal::sensors::DynSensorDevice> = if buffered {
        let node = device
            .dev_node()
            .ok_or(PlatformError::Missing("IIO character device"))?;
        let file = std::fs::File::open(&node).map_err(|source| PlatformError::Open {
            what: node.display().to_string(),
            source,
        })?;
        Box::new(IioSensors::buffered(device, file, config).map_err(|e| open_error(&bus.name, e))?)
    } else {
        Box::new(IioSensors::direct(device, config).map_err(|e| open_error(&bus.name, e))?)
    };
    Ok(HalDevice::Sensor(sensors))
}

fn open_error(bus: &str, error: impl std::error::Error + Send + Sync + 'static) -> PlatformError {
    PlatformError::Open {
        what: format!("IIO device of bus `{bus}`"),
        source: std::io::Error::other(error),
    }
}
