//! Time fields: TP-SCTS / TP-DT timestamps (TS 23.040 §9.2.3.11) and TP-VP
//! (§9.2.3.12).

use std::time::Duration;

use super::error::DecodeError;
use super::reader::Reader;

/// A service-centre timestamp: local time and its offset from UTC.
///
/// `year` is the two digits on the wire (00..=99). Fields are not
/// range-checked beyond being decimal: networks are known to send odd values,
/// and a receiver should still get the message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Timestamp {
    /// Year within the century, 0..=99.
    pub year: u8,
    /// Month, 1..=12.
    pub month: u8,
    /// Day, 1..=31.
    pub day: u8,
    /// Hour, 0..=23.
    pub hour: u8,
    /// Minute, 0..=59.
    pub minute: u8,
    /// Second, 0..=59.
    pub second: u8,
    /// Offset of local time from UTC in quarters of an hour, -79..=79.
    pub utc_offset_quarters: i8,
}

impl Timestamp {
    /// Octets a timestamp takes.
    pub const LEN: usize = 7;

    /// The offset from UTC in minutes.
    pub fn utc_offset_minutes(&self) -> i32 {
        i32::from(self.utc_offset_quarters) * 15
    }

    /// Appends the seven swapped-BCD octets. Values above 99 (79 for the
    /// offset) are clamped, as the field cannot carry them.
    pub fn encode(&self, out: &mut Vec<u8>) {
        for value in [
            self.year,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
        ] {
            out.push(swapped_bcd(value.min(99)));
        }
        let quarters = self.utc_offset_quarters.unsigned_abs().min(79);
        let sign = if self.utc_offset_quarters < 0 {
            0x08
        } else {
            0
        };
        out.push(swapped_bcd(quarters) | sign);
    }

    pub(crate) fn decode(
        reader: &mut Reader<'_>,
        field: &'static str,
    ) -> Result<Self, DecodeError> {
        let at = reader.offset();
        let octets = reader.take(Self::LEN, field)?;
        let digit = |i: usize, tens_mask: u8| -> Result<u8, DecodeError> {
            let (tens, units) = (octets[i] & tens_mask, octets[i] >> 4);
            if tens > 9 || units > 9 {
                return Err(reader.invalid(at + i, field, "not a decimal semi-octet"));
            }
            Ok(tens * 10 + units)
        };
        let quarters = digit(6, 0x07)? as i8;
        Ok(Self {
            year: digit(0, 0x0F)?,
            month: digit(1, 0x0F)?,
            day: digit(2, 0x0F)?,
            hour: digit(3, 0x0F)?,
            minute: digit(4, 0x0F)?,
            second: digit(5, 0x0F)?,
            utc_offset_quarters: if octets[6] & 0x08 != 0 {
                -quarters
            } else {
                quarters
            },
        })
    }
}

fn swapped_bcd(value: u8) -> u8 {
    ((value % 10) << 4) | (value / 10)
}

/// TP-VP, in one of its three formats (TP-VPF says which).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValidityPeriod {
    /// Relative, coded in one octet; see [`ValidityPeriod::relative`].
    Relative(u8),
    /// An absolute expiry time.
    Absolute(Timestamp),
    /// The enhanced format (TS 23.040 §9.2.3.12.3), kept as its 7 octets.
    Enhanced([u8; 7]),
}

impl ValidityPeriod {
    /// The shortest relative period at least as long as `period` (5 minutes
    /// to 63 weeks; longer periods are capped).
    pub fn relative(period: Duration) -> Self {
        let minutes = period.as_secs().div_ceil(60);
        let code = match minutes {
            0..=720 => minutes.div_ceil(5).saturating_sub(1),
            721..=1440 => 143 + (minutes - 720).div_ceil(30),
            1441..=43_200 => 166 + minutes.div_ceil(1440),
            _ => (192 + minutes.div_ceil(10_080)).min(255),
        };
        // Every branch stays within 0..=255.
        Self::Relative(code as u8)
    }

    /// How long a relative period lasts; `None` for the other formats.
    pub fn duration(&self) -> Option<Duration> {
        let Self::Relative(code) = *self else {
            return None;
        };
        let code = u64::from(code);
        let minutes = match code {
            0..=143 => (code + 1) * 5,
            144..=167 => 720 + (code - 143) * 30,
            168..=196 => (code - 166) * 1440,
            _ => (code - 192) * 10_080,
        };
        Some(Duration::from_secs(minutes * 60))
    }

    /// The TP-VPF bits (4..3 of the first octet) for this format.
    pub(crate) fn format_bits(this: Option<&Self>) -> u8 {
        match this {
            None => 0b00 << 3,
            Some(Self::Enhanced(_)) => 0b01 << 3,
            Some(Self::Relative(_)) => 0b10 << 3,
            Some(Self::Absolute(_)) => 0b11 << 3,
        }
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Self::Relative(code) => out.push(*code),
            Self::Absolute(timestamp) => timestamp.encode(out),
            Self::Enhanced(octets) => out.extend_from_slice(octets),
        }
    }

    /// Reads TP-VP in the format that `first_octet`'s TP-VPF names.
    pub(crate) fn decode(
        reader: &mut Reader<'_>,
        first_octet: u8,
    ) -> Result<Option<Self>, DecodeError> {
        const FIELD: &str = "TP-VP";
        Ok(match first_octet >> 3 & 0x03 {
            0b00 => None,
            0b10 => Some(Self::Relative(reader.u8(FIELD)?)),
            0b11 => Some(Self::Absolute(Timestamp::decode(reader, FIELD)?)),
            _ => {
                let mut octets = [0; 7];
                octets.copy_from_slice(reader.take(7, FIELD)?);
                Some(Self::Enhanced(octets))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(octets: &[u8]) -> Result<Timestamp, DecodeError> {
        Timestamp::decode(&mut Reader::new(octets), "TP-SCTS")
    }

    #[test]
    fn timestamp_with_positive_offset() {
        // 99-03-29 15:16:59, +2 h (eight quarters): the classic SMS-DELIVER example.
        let octets = [0x99, 0x30, 0x92, 0x51, 0x61, 0x95, 0x80];
        let timestamp = decode(&octets).unwrap();
        assert_eq!(
            timestamp,
            Timestamp {
                year: 99,
                month: 3,
                day: 29,
                hour: 15,
                minute: 16,
                second: 59,
                utc_offset_quarters: 8
            }
        );
        let mut out = Vec::new();
        timestamp.encode(&mut out);
        assert_eq!(out, octets);
    }

    #[test]
    fn negative_offset_sets_the_sign_bit() {
        // 2011-02-28 11:50:50 -05:00 (twenty quarters, sign bit set).
        let timestamp = decode(&[0x11, 0x20, 0x82, 0x11, 0x05, 0x05, 0x0A]).unwrap();
        assert_eq!(timestamp.utc_offset_quarters, -20);
        assert_eq!(timestamp.utc_offset_minutes(), -300);
        let mut out = Vec::new();
        timestamp.encode(&mut out);
        assert_eq!(out[6], 0x0A);
    }

    #[test]
    fn non_decimal_semi_octet_is_an_error_at_its_octet() {
        let err = decode(&[0x11, 0x20, 0x8A, 0x11, 0x05, 0x05, 0x0A]).unwrap_err();
        assert_eq!(
            err,
            DecodeError::Invalid {
                field: "TP-SCTS",
                offset: 2,
                reason: "not a decimal semi-octet"
            }
        );
    }

    #[test]
    fn relative_validity_boundaries() {
        let minutes = |m: u64| Duration::from_secs(m * 60);
        assert_eq!(
            ValidityPeriod::relative(minutes(5)),
            ValidityPeriod::Relative(0)
        );
        assert_eq!(
            ValidityPeriod::relative(minutes(720)),
            ValidityPeriod::Relative(143)
        );
        assert_eq!(
            ValidityPeriod::relative(minutes(750)),
            ValidityPeriod::Relative(144)
        );
        assert_eq!(
            ValidityPeriod::relative(minutes(1440)),
            ValidityPeriod::Relative(167)
        );
        assert_eq!(
            ValidityPeriod::relative(minutes(2 * 1440)),
            ValidityPeriod::Relative(168)
        );
        assert_eq!(
            ValidityPeriod::relative(minutes(4 * 1440)),
            ValidityPeriod::Relative(0xAA)
        );
        assert_eq!(
            ValidityPeriod::relative(minutes(30 * 1440)),
            ValidityPeriod::Relative(196)
        );
        assert_eq!(
            ValidityPeriod::relative(minutes(5 * 10_080)),
            ValidityPeriod::Relative(197)
        );
        assert_eq!(
            ValidityPeriod::relative(minutes(100 * 10_080)),
            ValidityPeriod::Relative(255)
        );
        assert_eq!(
            ValidityPeriod::Relative(0xAA).duration(),
            Some(minutes(4 * 1440))
        );
        assert_eq!(
            ValidityPeriod::Relative(255).duration(),
            Some(minutes(63 * 10_080))
        );
    }

    #[test]
    fn relative_code_duration_round_trips() {
        for code in 0..=255u8 {
            let period = ValidityPeriod::Relative(code);
            assert_eq!(ValidityPeriod::relative(period.duration().unwrap()), period);
        }
    }
}
