//! The error shape shared by every device trait, after embedded-hal 1.0.
//!
//! A device trait declares `trait Foo: ErrorType`; its methods return
//! `Result<T, Self::Error>`. `Self::Error` is the driver's own rich error and
//! implements [`Error`], whose [`Error::kind`] maps it to the coarse,
//! driver-independent [`ErrorKind`] that services and generic code act on.

use core::fmt;

/// What went wrong, independent of the driver that reports it.
///
/// Services decide their recovery from this: [`ErrorKind::Bus`] and
/// [`ErrorKind::Timeout`] are retried, [`ErrorKind::NotPresent`] marks the
/// device unavailable, [`ErrorKind::InvalidArgument`] goes back to the caller.
#[derive(Debug, Copy, Clone, Eq, PartialEq, Hash)]
#[cfg_attr(feature = "std", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum ErrorKind {
    /// The bus transfer failed (NACK, arbitration loss, overrun); the
    /// embedded-hal bus error kind is kept by the driver's own error.
    Bus,
    /// The device did not answer in time.
    Timeout,
    /// The device is not there, or identified itself as another part
    /// (a WHO_AM_I mismatch).
    NotPresent,
    /// The device answered with data that cannot be right (out of range,
    /// stuck, a checksum mismatch).
    InvalidData,
    /// The caller asked for something outside the device's range or a
    /// configuration the device cannot take.
    InvalidArgument,
    /// The device is in a state where the operation is not allowed (not
    /// initialised, powered down, busy).
    InvalidState,
    /// The device cannot do this at all.
    Unsupported,
    /// A FIFO or buffer overran and data was lost.
    Overrun,
    /// The operating system refused (permission, missing device node).
    Os,
    /// Anything else; the driver's error says more.
    Other,
}

impl ErrorKind {
    /// A short, stable, lower-case name, used in logs and on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Bus => "bus error",
            ErrorKind::Timeout => "timeout",
            ErrorKind::NotPresent => "device not present",
            ErrorKind::InvalidData => "invalid data from device",
            ErrorKind::InvalidArgument => "invalid argument",
            ErrorKind::InvalidState => "invalid state",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::Overrun => "overrun",
            ErrorKind::Os => "operating system error",
            ErrorKind::Other => "other error",
        }
    }

    /// Whether a service should retry the operation before reporting it.
    pub const fn is_transient(self) -> bool {
        matches!(
            self,
            ErrorKind::Bus | ErrorKind::Timeout | ErrorKind::Overrun
        )
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A device error: keeps its detail, and says what kind it is.
pub trait Error: fmt::Debug {
    /// The driver-independent kind of this error.
    fn kind(&self) -> ErrorKind;
}

impl Error for ErrorKind {
    fn kind(&self) -> ErrorKind {
        *self
    }
}

impl Error for core::convert::Infallible {
    fn kind(&self) -> ErrorKind {
        match *self {}
    }
}

/// Names the error type of a device; every device trait has it as supertrait.
pub trait ErrorType {
    /// The driver's error.
    type Error: Error;
}

impl<T: ErrorType + ?Sized> ErrorType for &mut T {
    type Error = T::Error;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    enum ChipError {
        Nack,
        WrongId,
    }

    impl Error for ChipError {
        fn kind(&self) -> ErrorKind {
            match self {
                ChipError::Nack => ErrorKind::Bus,
                ChipError::WrongId => ErrorKind::NotPresent,
            }
        }
    }

    #[test]
    fn driver_error_maps_to_its_kind() {
        assert_eq!(ChipError::Nack.kind(), ErrorKind::Bus);
        assert_eq!(ChipError::WrongId.kind(), ErrorKind::NotPresent);
    }

    #[test]
    fn bus_and_timeout_are_transient_but_not_present_is_not() {
        assert!(ErrorKind::Bus.is_transient());
        assert!(ErrorKind::Timeout.is_transient());
        assert!(!ErrorKind::NotPresent.is_transient());
        assert!(!ErrorKind::InvalidArgument.is_transient());
    }
}

/// A device error with its kind and its driver's detail, for code that
/// holds devices of different drivers behind one type.
#[cfg(feature = "std")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceError {
    /// What kind of failure.
    pub kind: crate::error::ErrorKind,
    /// The driver's own error, as text.
    pub detail: std::string::String,
}

#[cfg(feature = "std")]
impl core::fmt::Display for DeviceError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}: {}", self.kind, self.detail)
    }
}

#[cfg(feature = "std")]
impl std::error::Error for DeviceError {}

#[cfg(feature = "std")]
impl crate::error::Error for DeviceError {
    fn kind(&self) -> crate::error::ErrorKind {
        self.kind
    }
}

#[cfg(feature = "std")]
impl DeviceError {
    /// `error`'s kind, and its debug form as the detail.
    pub fn from_error<E: crate::error::Error>(error: &E) -> DeviceError {
        DeviceError {
            kind: error.kind(),
            detail: std::format!("{error:?}"),
        }
    }
}
