//! The sensors HAL in the daemon: building the chips' drivers
//! ([`build`]), the arbitration between clients ([`hub`]) and the
//! `ISensors` service that serves it ([`service`]).

pub mod build;
pub mod hub;
pub mod service;

pub use build::{
    build_linux_iio, build_lis3mdl, build_mpu6050, build_stk3311, ChipDelay, LINUX_IIO, LIS3MDL,
    MPU6050, STK3311,
};
pub use hub::{Hub, HubError};
pub use service::SensorsService;
