//! GPIO lines through the Linux GPIO character device.
//!
//! For the control lines that no kernel driver owns and the daemon drives
//! itself: on the PinePhone, the modem's PWRKEY and RESET_N outputs and its
//! STATUS input, and the touch controller's reset. Each line is one
//! [`OutputLine`] or [`InputLine`], implementing embedded-hal's digital
//! traits so that chip drivers take it like any other pin.
//!
//! Lines are requested with the v2 uAPI (`/dev/gpiochipN`, Linux 5.10 and
//! later) through the `gpiocdev` crate, never the deprecated sysfs GPIO
//! interface. A request holds the line until the [`OutputLine`] or
//! [`InputLine`] is dropped; the kernel then releases it.
//!
//! # Finding a chip
//!
//! Which `gpiochipN` a controller gets depends on probe order, so board
//! files name a chip by its label (the kernel's name for the controller,
//! such as `1c20800.pinctrl` for the Allwinner A64's main pin controller).
//! [`find_chip`] opens every `gpiochip*` character device in a directory,
//! reads its chip info and picks the one with that label. The directory
//! is an argument ([`DEFAULT_DEV_DIR`] on a device) so tests can point it
//! at one they made; entries that are not GPIO chips are skipped and named
//! in the error if no chip matches.
//!
//! # Logical values
//!
//! A line requested with `active_low` is inverted by the kernel (the uAPI's
//! active-low flag), so every value here is logical: "high" means asserted.
//! An active-low RESET_N is held in reset by `set_high()`, which drives the
//! wire low.

mod chip;
mod error;
mod line;
#[cfg(test)]
mod tests;

pub use chip::find_chip;
pub use error::{GpioError, LineId, LineOp, SkipReason, SkippedEntry};
pub use line::{InputLine, OutputLine};

/// Where the kernel's device nodes are on a running system.
pub const DEFAULT_DEV_DIR: &str = "/dev";
