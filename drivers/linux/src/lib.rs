//! Linux kernel backends, one module per subsystem.

pub mod iio;
