//! The driver's errors.

use core::fmt;

/// What went wrong talking to an MPU-6050.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error<E> {
    /// The I2C bus failed; the bus's own error, with its `ErrorKind`.
    Bus(E),
    /// WHO_AM_I did not read 0x68: another chip answers at this address.
    WrongDevice {
        /// What WHO_AM_I read.
        who_am_i: u8,
    },
    /// The request does not fit the configuration (e.g. reading the FIFO
    /// while no sensor is enabled into it).
    InvalidConfig,
    /// The FIFO overflowed and lost its oldest data; the driver has
    /// emptied it, so the next read starts on a frame boundary.
    FifoOverflow,
}

/// The kind of an [`Error`], for code that branches without the bus type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A bus error, with embedded-hal's kind.
    Bus(embedded_hal::i2c::ErrorKind),
    /// Another chip answers at the address.
    WrongDevice,
    /// The request does not fit the configuration.
    InvalidConfig,
    /// The FIFO overflowed.
    FifoOverflow,
}

impl<E: embedded_hal::i2c::Error> Error<E> {
    /// This error's kind.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Bus(e) => ErrorKind::Bus(e.kind()),
            Error::WrongDevice { .. } => ErrorKind::WrongDevice,
            Error::InvalidConfig => ErrorKind::InvalidConfig,
            Error::FifoOverflow => ErrorKind::FifoOverflow,
        }
    }
}

impl<E: fmt::Debug> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Bus(e) => write!(f, "I2C bus error: {e:?}"),
            Error::WrongDevice { who_am_i } => {
                write!(f, "not an MPU-6050: WHO_AM_I reads {who_am_i:#04x}")
            }
            Error::InvalidConfig => f.write_str("invalid configuration for this request"),
            Error::FifoOverflow => f.write_str("FIFO overflowed; it was reset"),
        }
    }
}

impl<E: embedded_hal::i2c::Error> yunhal::Error for Error<E> {
    fn kind(&self) -> yunhal::ErrorKind {
        match self {
            Error::Bus(_) => yunhal::ErrorKind::Bus,
            Error::WrongDevice { .. } => yunhal::ErrorKind::NotPresent,
            Error::InvalidConfig => yunhal::ErrorKind::InvalidState,
            Error::FifoOverflow => yunhal::ErrorKind::Overrun,
        }
    }
}
