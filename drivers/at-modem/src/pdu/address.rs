//! Addresses: TP-OA / TP-DA / TP-RA (TS 23.040 §9.1.2.5) and the SMSC
//! address that precedes the TPDU in AT PDU mode (TS 27.005 §3.1,
//! TS 24.011 §8.2.5.2).

use std::fmt;

use super::error::{DecodeError, EncodeError};
use super::gsm7;
use super::reader::Reader;

/// Most semi-octets a TP address may carry (12 octets, length and type
/// included).
pub const MAX_ADDRESS_SEMI_OCTETS: usize = 20;

/// Type of number, bits 6..4 of the type-of-address octet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TypeOfNumber {
    /// No prefix or escape information is known.
    Unknown,
    /// Digits include the country code (shown with a leading `+`).
    International,
    /// Digits are a national number.
    National,
    /// Administration/service number of the network.
    NetworkSpecific,
    /// Subscriber number.
    Subscriber,
    /// Text in the GSM 7-bit default alphabet (TS 23.038), e.g. a sender name.
    Alphanumeric,
    /// Abbreviated number.
    Abbreviated,
    /// The reserved value 7.
    Reserved,
}

impl TypeOfNumber {
    fn from_bits(bits: u8) -> Self {
        match bits & 0x07 {
            0 => Self::Unknown,
            1 => Self::International,
            2 => Self::National,
            3 => Self::NetworkSpecific,
            4 => Self::Subscriber,
            5 => Self::Alphanumeric,
            6 => Self::Abbreviated,
            _ => Self::Reserved,
        }
    }

    fn bits(self) -> u8 {
        match self {
            Self::Unknown => 0,
            Self::International => 1,
            Self::National => 2,
            Self::NetworkSpecific => 3,
            Self::Subscriber => 4,
            Self::Alphanumeric => 5,
            Self::Abbreviated => 6,
            Self::Reserved => 7,
        }
    }
}

/// Numbering plan identification, bits 3..0 of the type-of-address octet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NumberingPlan {
    /// Unknown (also the value used with alphanumeric addresses).
    Unknown,
    /// ISDN/telephone numbering plan (E.164/E.163).
    Isdn,
    /// Data numbering plan (X.121).
    Data,
    /// Telex numbering plan.
    Telex,
    /// National numbering plan.
    National,
    /// Private numbering plan.
    Private,
    /// ERMES numbering plan (ETSI DE/PS 3 01-3).
    Ermes,
    /// Any other value (service-centre specific or reserved); always one
    /// without a named variant.
    Other(u8),
}

impl NumberingPlan {
    fn from_bits(bits: u8) -> Self {
        match bits & 0x0F {
            0 => Self::Unknown,
            1 => Self::Isdn,
            3 => Self::Data,
            4 => Self::Telex,
            8 => Self::National,
            9 => Self::Private,
            10 => Self::Ermes,
            other => Self::Other(other),
        }
    }

    fn bits(self) -> u8 {
        match self {
            Self::Unknown => 0,
            Self::Isdn => 1,
            Self::Data => 3,
            Self::Telex => 4,
            Self::National => 8,
            Self::Private => 9,
            Self::Ermes => 10,
            Self::Other(bits) => bits & 0x0F,
        }
    }
}

/// A phone number or an alphanumeric sender.
///
/// `value` holds the digits without any `+` (which [`TypeOfNumber::International`]
/// implies; [`fmt::Display`] adds it), or the text of an alphanumeric address.
/// Digits are `0-9`, `*`, `#`, and `a`, `b`, `c` for the semi-octets 1100..1110.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Address {
    /// Type of number.
    pub type_of_number: TypeOfNumber,
    /// Numbering plan.
    pub numbering_plan: NumberingPlan,
    /// Digits or text.
    pub value: String,
}

impl Address {
    /// An international ISDN number; `digits` may start with `+`.
    pub fn international(digits: &str) -> Self {
        Self::numeric(TypeOfNumber::International, digits.trim_start_matches('+'))
    }

    /// A national ISDN number.
    pub fn national(digits: &str) -> Self {
        Self::numeric(TypeOfNumber::National, digits)
    }

    /// A number of unknown type in the ISDN plan (what a dialled string
    /// without `+` usually is).
    pub fn unknown(digits: &str) -> Self {
        Self::numeric(TypeOfNumber::Unknown, digits)
    }

    /// An alphanumeric address (a sender name such as `"InternetSMS"`).
    pub fn alphanumeric(text: &str) -> Self {
        Self {
            type_of_number: TypeOfNumber::Alphanumeric,
            numbering_plan: NumberingPlan::Unknown,
            value: text.to_owned(),
        }
    }

    fn numeric(type_of_number: TypeOfNumber, digits: &str) -> Self {
        Self {
            type_of_number,
            numbering_plan: NumberingPlan::Isdn,
            value: digits.to_owned(),
        }
    }

    /// Reads a dialled string: `+` and digits is international, digits
    /// alone are of unknown type, anything else is alphanumeric.
    pub fn parse(text: &str) -> Self {
        let is_digits = |s: &str| !s.is_empty() && s.chars().all(|c| digit_nibble(c).is_some());
        match text.strip_prefix('+') {
            Some(rest) if is_digits(rest) => Self::international(rest),
            _ if is_digits(text) => Self::unknown(text),
            _ => Self::alphanumeric(text),
        }
    }

    fn type_octet(&self) -> u8 {
        0x80 | self.type_of_number.bits() << 4 | self.numbering_plan.bits()
    }

    fn is_alphanumeric(&self) -> bool {
        self.type_of_number == TypeOfNumber::Alphanumeric
    }

    /// Appends the TP address field: length in semi-octets, type of
    /// address, then the semi-octets (or packed septets).
    pub fn encode_tp(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let (semi_octets, body) = if self.is_alphanumeric() {
            let septets = gsm7::encode(&self.value).map_err(EncodeError::NotGsm7)?;
            ((septets.len() * 7).div_ceil(4), gsm7::pack(&septets, 0))
        } else {
            (self.value.chars().count(), encode_semi_octets(&self.value)?)
        };
        if semi_octets > MAX_ADDRESS_SEMI_OCTETS {
            return Err(EncodeError::AddressTooLong(semi_octets));
        }
        // Bounded by the check above.
        out.push(semi_octets as u8);
        out.push(self.type_octet());
        out.extend_from_slice(&body);
        Ok(())
    }

    /// Reads a TP address field.
    pub(crate) fn decode_tp(
        reader: &mut Reader<'_>,
        field: &'static str,
    ) -> Result<Self, DecodeError> {
        let semi_octets = usize::from(reader.u8(field)?);
        let toa = reader.u8(field)?;
        let body = reader.take(semi_octets.div_ceil(2), field)?;
        // Septets are counted in semi-octets too, rounded up.
        let septets = semi_octets * 4 / 7;
        Ok(Self::from_parts(toa, body, semi_octets, septets))
    }

    /// `digits` and `septets` say how much of `body` is used, for a numeric
    /// and an alphanumeric type respectively.
    fn from_parts(toa: u8, body: &[u8], digits: usize, septets: usize) -> Self {
        let type_of_number = TypeOfNumber::from_bits(toa >> 4);
        let numbering_plan = NumberingPlan::from_bits(toa);
        let value = if type_of_number == TypeOfNumber::Alphanumeric {
            gsm7::decode(&gsm7::unpack(body, 0, septets))
        } else {
            decode_semi_octets(body, digits)
        };
        Self {
            type_of_number,
            numbering_plan,
            value,
        }
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.type_of_number == TypeOfNumber::International {
            f.write_str("+")?;
        }
        f.write_str(&self.value)
    }
}

/// Appends the SMSC prefix of a PDU-mode PDU: `00` for "use the SMSC stored
/// in the ME", else length in octets (type octet included), type, digits.
pub fn encode_smsc(smsc: Option<&Address>, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let Some(smsc) = smsc else {
        out.push(0);
        return Ok(());
    };
    let body = if smsc.is_alphanumeric() {
        gsm7::pack(&gsm7::encode(&smsc.value).map_err(EncodeError::NotGsm7)?, 0)
    } else {
        encode_semi_octets(&smsc.value)?
    };
    if body.len() > MAX_ADDRESS_SEMI_OCTETS / 2 {
        return Err(EncodeError::AddressTooLong(body.len() * 2));
    }
    out.push(body.len() as u8 + 1);
    out.push(smsc.type_octet());
    out.extend_from_slice(&body);
    Ok(())
}

/// Reads the SMSC prefix; `None` when its length is 0.
pub(crate) fn decode_smsc(reader: &mut Reader<'_>) -> Result<Option<Address>, DecodeError> {
    const FIELD: &str = "SMSC address";
    let at = reader.offset();
    let octets = usize::from(reader.u8(FIELD)?);
    if octets == 0 {
        return Ok(None);
    }
    if octets > 1 + MAX_ADDRESS_SEMI_OCTETS / 2 {
        return Err(reader.invalid(at, FIELD, "longer than 11 octets"));
    }
    let toa = reader.u8(FIELD)?;
    let body = reader.take(octets - 1, FIELD)?;
    Ok(Some(Address::from_parts(
        toa,
        body,
        body.len() * 2,
        body.len() * 8 / 7,
    )))
}

fn digit_nibble(c: char) -> Option<u8> {
    Some(match c {
        '0'..='9' => c as u8 - b'0',
        '*' => 0xA,
        '#' => 0xB,
        'a' => 0xC,
        'b' => 0xD,
        'c' => 0xE,
        _ => return None,
    })
}

/// Digits to semi-octets, low nibble first, an odd count padded with `F`.
fn encode_semi_octets(digits: &str) -> Result<Vec<u8>, EncodeError> {
    let nibbles = digits
        .chars()
        .map(|c| digit_nibble(c).ok_or(EncodeError::InvalidAddressDigit(c)))
        .collect::<Result<Vec<u8>, _>>()?;
    Ok(nibbles
        .chunks(2)
        .map(|pair| pair[0] | pair.get(1).copied().unwrap_or(0xF) << 4)
        .collect())
}

/// Up to `count` semi-octets to digits; an `F` ends the number early.
fn decode_semi_octets(octets: &[u8], count: usize) -> String {
    const DIGITS: &[u8; 15] = b"0123456789*#abc";
    octets
        .iter()
        .flat_map(|&b| [b & 0x0F, b >> 4])
        .take(count)
        .take_while(|&n| n != 0xF)
        .map(|n| char::from(DIGITS[usize::from(n)]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tp(address: &Address) -> Vec<u8> {
        let mut out = Vec::new();
        address.encode_tp(&mut out).unwrap();
        out
    }

    #[test]
    fn international_number_is_padded_with_f() {
        let address = Address::parse("+19037029920");
        assert_eq!(
            tp(&address),
            [0x0B, 0x91, 0x91, 0x30, 0x07, 0x92, 0x29, 0xF0]
        );
        assert_eq!(address.to_string(), "+19037029920");
    }

    #[test]
    fn unknown_type_number_with_even_digits() {
        let address = Address::parse("9037029920");
        assert_eq!(tp(&address), [0x0A, 0x81, 0x09, 0x73, 0x20, 0x99, 0x02]);
    }

    #[test]
    fn smsc_length_counts_octets_including_the_type() {
        let mut out = Vec::new();
        encode_smsc(Some(&Address::parse("+19037029920")), &mut out).unwrap();
        assert_eq!(out, [0x07, 0x91, 0x91, 0x30, 0x07, 0x92, 0x29, 0xF0]);
        let decoded = decode_smsc(&mut Reader::new(&out)).unwrap().unwrap();
        assert_eq!(decoded.to_string(), "+19037029920");

        let mut none = Vec::new();
        encode_smsc(None, &mut none).unwrap();
        assert_eq!(none, [0x00]);
        assert_eq!(decode_smsc(&mut Reader::new(&none)).unwrap(), None);
    }

    #[test]
    fn alphanumeric_sender_decodes_from_packed_septets() {
        // TP-OA of a public SMS-DELIVER from "InternetSMS".
        let field = [
            0x14, 0xD0, 0x49, 0x37, 0xBD, 0x2C, 0x77, 0x97, 0xE9, 0xD3, 0xE6, 0x14,
        ];
        let address = Address::decode_tp(&mut Reader::new(&field), "TP-OA").unwrap();
        assert_eq!(address, Address::alphanumeric("InternetSMS"));
        assert_eq!(tp(&address), field);
    }

    #[test]
    fn star_hash_and_abc_digits_round_trip() {
        let address = Address::unknown("*100#abc");
        let field = tp(&address);
        assert_eq!(field[..3], [0x08, 0x81, 0x1A]);
        assert_eq!(
            Address::decode_tp(&mut Reader::new(&field), "TP-DA").unwrap(),
            address
        );
    }

    #[test]
    fn invalid_digit_and_overlong_numbers_are_rejected() {
        let mut out = Vec::new();
        assert_eq!(
            Address::unknown("12x").encode_tp(&mut out),
            Err(EncodeError::InvalidAddressDigit('x'))
        );
        assert_eq!(
            Address::unknown(&"1".repeat(21)).encode_tp(&mut out),
            Err(EncodeError::AddressTooLong(21))
        );
        assert!(Address::alphanumeric("TwelveChars!")
            .encode_tp(&mut out)
            .is_err());
    }

    #[test]
    fn truncated_address_names_the_field_and_offset() {
        let err = Address::decode_tp(&mut Reader::new(&[0x0B, 0x91, 0x21]), "TP-OA").unwrap_err();
        assert_eq!(
            err,
            DecodeError::Truncated {
                field: "TP-OA",
                offset: 3
            }
        );
    }

    #[test]
    fn type_of_address_bits_round_trip() {
        for toa in 0x80..=0xFFu8 {
            let address = Address::from_parts(toa, &[], 0, 0);
            assert_eq!(address.type_octet(), toa);
        }
    }
}
