//! What can go wrong when reading or writing a PDU.

use thiserror::Error;

/// A PDU could not be decoded. Every variant names the field being read and
/// the octet offset (from the start of the decoded buffer, SMSC prefix
/// included) at which the problem was found.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The buffer ended while `field` still needed octets.
    #[error("PDU ends at octet {offset} while reading {field}")]
    Truncated {
        /// The field being read.
        field: &'static str,
        /// Where the missing octets were expected.
        offset: usize,
    },
    /// An octet had a value the field does not allow.
    #[error("invalid {field} at octet {offset}: {reason}")]
    Invalid {
        /// The field being read.
        field: &'static str,
        /// The offending octet.
        offset: usize,
        /// What was wrong with it.
        reason: &'static str,
    },
    /// TP-MTI names a message type this codec does not decode in the given
    /// direction (SMS-DELIVER-REPORT, SMS-SUBMIT-REPORT, SMS-COMMAND).
    #[error("unsupported message type {mti:#04b} at octet {offset}")]
    UnsupportedMessageType {
        /// The two TP-MTI bits.
        mti: u8,
        /// The first octet of the TPDU.
        offset: usize,
    },
    /// A hex string had an odd length or a character outside `0-9a-fA-F`.
    #[error("invalid hex at character {index}")]
    Hex {
        /// Character index of the first bad digit (or the length, if odd).
        index: usize,
    },
}

impl DecodeError {
    /// The octet (or, for [`DecodeError::Hex`], character) offset at which
    /// decoding stopped.
    pub fn offset(&self) -> usize {
        match *self {
            Self::Truncated { offset, .. }
            | Self::Invalid { offset, .. }
            | Self::UnsupportedMessageType { offset, .. } => offset,
            Self::Hex { index } => index,
        }
    }
}

/// A message could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// A character has no code in the GSM 7-bit default alphabet or its
    /// extension table.
    #[error("{0:?} is not in the GSM 7-bit default alphabet")]
    NotGsm7(char),
    /// An address character is not a semi-octet digit (`0-9 * # a b c`).
    #[error("{0:?} cannot be coded as an address semi-octet")]
    InvalidAddressDigit(char),
    /// An address is longer than TS 23.040 allows (20 digits, or 11
    /// alphanumeric characters).
    #[error("address is too long ({0} semi-octets, at most 20)")]
    AddressTooLong(usize),
    /// The user data does not fit in one TPDU.
    #[error("user data needs {needed} {unit}, at most {max} fit")]
    UserDataTooLong {
        /// Septets or octets the user data would take, header included.
        needed: usize,
        /// The limit for the coding.
        max: usize,
        /// `"septets"` or `"octets"`.
        unit: &'static str,
    },
    /// Text user data with an 8-bit data coding, or binary user data with a
    /// text coding.
    #[error("user data body does not match the data coding scheme")]
    BodyCodingMismatch,
    /// A message would need more than 255 concatenated parts.
    #[error("message needs {0} parts, at most 255 can be concatenated")]
    TooManyParts(usize),
    /// A user data header is longer than the user data can hold.
    #[error("user data header is too long ({0} octets)")]
    HeaderTooLong(usize),
}
