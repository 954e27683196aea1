//! Building the sensor chip drivers: each on its device's I2C bus, as its
//! adapter to [`yunhal::sensors::SensorDevice`].

use crate::platform::{DaemonI2c, DaemonPlatform, PlatformError};
use crate::registry::HalDevice;
use embedded_hal::delay::DelayNs;
use yunhal_boards::{BusKind, DeviceClass, DeviceRequest, DriverInfo};
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
