//! Scan-element types (`scan_elements/in_*_type`) and value extraction.
//!
//! The format, from the kernel's Documentation/ABI/testing/sysfs-bus-iio and
//! Documentation/iio/iio_devbuf.rst, is
//! `[be|le]:[s|u]bits/storagebits[Xrepeat][>>shift]`.

use thiserror::Error;

/// Byte order of a scan element in the buffer.
#[derive(Debug, Copy, Clone, PartialEq, Eq)]
pub enum Endianness {
    Little,
    Big,
}

/// How one channel's value is stored in a scan.
#[derive(Debug, Copy, Clone, PartialEq, Eq)]
pub struct ScanType {
    pub endianness: Endianness,
    pub signed: bool,
    /// Number of valid data bits.
    pub realbits: u8,
    /// Bits the value occupies in the buffer, padding included (8, 16, 32 or 64).
    pub storagebits: u8,
    /// Right shift to apply before masking out unused bits.
    pub shift: u8,
    /// Number of `storagebits` elements; 1 when the type has no `X` part.
    pub repeat: u8,
}

/// A scan type string that does not follow the ABI.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("scan type '{text}': {reason}")]
pub struct ScanTypeError {
    pub text: String,
    pub reason: String,
}

impl ScanType {
    /// Parses a type string such as `le:s12/16>>4` or `be:u16/16X3>>0`.
    pub fn parse(text: &str) -> Result<ScanType, ScanTypeError> {
        let fail = |reason: String| ScanTypeError {
            text: text.to_owned(),
            reason,
        };
        let trimmed = text.trim();
        let (endian, rest) = trimmed
            .split_once(':')
            .ok_or_else(|| fail("missing ':' after the endianness".into()))?;
        let endianness = match endian {
            "le" => Endianness::Little,
            "be" => Endianness::Big,
            other => return Err(fail(format!("endianness '{other}' is not 'le' or 'be'"))),
        };
        let signed = match rest.chars().next() {
            Some('s') => true,
            Some('u') => false,
            Some('f') => return Err(fail("floating-point elements are not supported".into())),
            _ => return Err(fail("expected 's' or 'u' after ':'".into())),
        };
        let rest = &rest[1..];
        let (bits_part, shift) = match rest.split_once(">>") {
            Some((bits, shift)) => (bits, parse_number(shift, "shift").map_err(fail)?),
            None => (rest, 0),
        };
        let (bits_part, repeat) = match bits_part.split_once('X') {
            Some((bits, repeat)) => (bits, parse_number(repeat, "repeat").map_err(fail)?),
            None => (bits_part, 1),
        };
        let (realbits, storagebits) = bits_part
            .split_once('/')
            .ok_or_else(|| fail("missing '/' between bits and storagebits".into()))?;
        let realbits = parse_number(realbits, "bits").map_err(fail)?;
        let storagebits = parse_number(storagebits, "storagebits").map_err(fail)?;
        if !matches!(storagebits, 8 | 16 | 32 | 64) {
            return Err(fail(format!(
                "storagebits {storagebits} is not 8, 16, 32 or 64"
            )));
        }
        if realbits == 0 || u16::from(realbits) + u16::from(shift) > u16::from(storagebits) {
            return Err(fail(format!(
                "{realbits} bits shifted by {shift} do not fit in {storagebits} storage bits"
            )));
        }
        Ok(ScanType {
            endianness,
            signed,
            realbits,
            storagebits,
            shift,
            // The ABI omits the repeat when it is 0 or 1; both mean one element.
            repeat: repeat.max(1),
        })
    }

    /// Bytes of one element.
    pub fn element_bytes(&self) -> usize {
        usize::from(self.storagebits / 8)
    }

    /// Bytes the channel takes in a scan, all repeats included; the kernel
    /// also aligns the channel to this size.
    pub fn total_bytes(&self) -> usize {
        self.element_bytes() * usize::from(self.repeat)
    }

    /// The value of one element stored at the start of `bytes`: read in the
    /// element's byte order, shifted, masked to `realbits`, sign-extended
    /// when signed. An unsigned 64-bit value above `i64::MAX` wraps.
    ///
    /// # Panics
    /// When `bytes` is shorter than [`ScanType::element_bytes`].
    pub fn extract(&self, bytes: &[u8]) -> i64 {
        let width = self.element_bytes();
        let mut word = [0u8; 8];
        let stored = match self.endianness {
            Endianness::Little => {
                word[..width].copy_from_slice(&bytes[..width]);
                u64::from_le_bytes(word)
            }
            Endianness::Big => {
                word[8 - width..].copy_from_slice(&bytes[..width]);
                u64::from_be_bytes(word)
            }
        };
        let shifted = stored >> self.shift;
        let bits = u32::from(self.realbits);
        if bits == 64 {
            return shifted as i64;
        }
        let masked = shifted & ((1u64 << bits) - 1);
        if self.signed {
            // Move the sign bit to bit 63, then shift back arithmetically.
            ((masked << (64 - bits)) as i64) >> (64 - bits)
        } else {
            masked as i64
        }
    }
}

fn parse_number(text: &str, what: &str) -> Result<u8, String> {
    text.parse::<u8>()
        .map_err(|_| format!("{what} '{text}' is not a number from 0 to 255"))
}
