//! Linux kernel backends, one module per subsystem.
//!
//! - [`iio`]: sensors through Industrial I/O (sysfs and the buffer device).
//! - [`gpio`]: control lines through the GPIO character device, found by chip label.

pub mod gpio;
pub mod iio;

#[cfg(test)]
mod test_support;
