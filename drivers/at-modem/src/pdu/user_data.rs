//! TP-UDL and TP-UD (TS 23.040 §9.2.3.16, §9.2.3.24): an optional user data
//! header, then text or octets coded as TP-DCS says.

use super::dcs::{Alphabet, DataCoding};
use super::error::{DecodeError, EncodeError};
use super::gsm7;
use super::reader::Reader;
use super::udh::UserDataHeader;

/// Most septets in one TP-UD.
pub const MAX_SEPTETS: usize = 160;
/// Most octets in one TP-UD.
pub const MAX_OCTETS: usize = 140;

/// The message content after the header.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Body {
    /// GSM 7-bit or UCS-2 text.
    Text(String),
    /// 8-bit data, or compressed data (not decompressed here).
    Binary(Vec<u8>),
}

/// TP-UD: an optional header and the body.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UserData {
    /// The user data header; its presence sets TP-UDHI.
    pub header: Option<UserDataHeader>,
    /// The content.
    pub body: Body,
}

impl UserData {
    /// Text without a header.
    pub fn text(text: &str) -> Self {
        Self {
            header: None,
            body: Body::Text(text.to_owned()),
        }
    }

    /// Octets without a header.
    pub fn binary(data: &[u8]) -> Self {
        Self {
            header: None,
            body: Body::Binary(data.to_vec()),
        }
    }

    /// The text, if the body is text.
    pub fn as_text(&self) -> Option<&str> {
        match &self.body {
            Body::Text(text) => Some(text),
            Body::Binary(_) => None,
        }
    }

    /// TP-UDL and the TP-UD octets for `coding`.
    pub fn encode(&self, coding: DataCoding) -> Result<(u8, Vec<u8>), EncodeError> {
        let header_len = self.header.as_ref().map_or(0, UserDataHeader::encoded_len);
        if header_len > MAX_OCTETS {
            return Err(EncodeError::HeaderTooLong(header_len));
        }
        let mut out = Vec::with_capacity(MAX_OCTETS);
        if let Some(header) = &self.header {
            header.encode(&mut out);
        }
        let (length, max, unit) = match (&self.body, coding.counts_septets(), coding.alphabet()) {
            (Body::Text(text), true, _) => {
                let septets = gsm7::encode(text).map_err(EncodeError::NotGsm7)?;
                let (header_septets, fill_bits) = septet_alignment(header_len);
                out.extend(gsm7::pack(&septets, fill_bits));
                (header_septets + septets.len(), MAX_SEPTETS, "septets")
            }
            (Body::Text(text), false, Alphabet::Ucs2) if !coding.is_compressed() => {
                out.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
                (out.len(), MAX_OCTETS, "octets")
            }
            // Octet-counted and not plain UCS-2: 8-bit data or compressed.
            (Body::Binary(data), false, alphabet)
                if alphabet != Alphabet::Ucs2 || coding.is_compressed() =>
            {
                out.extend_from_slice(data);
                (out.len(), MAX_OCTETS, "octets")
            }
            _ => return Err(EncodeError::BodyCodingMismatch),
        };
        if length > max {
            return Err(EncodeError::UserDataTooLong {
                needed: length,
                max,
                unit,
            });
        }
        // At most 160 by the check above.
        Ok((length as u8, out))
    }

    /// Appends TP-UDL and TP-UD for `coding`.
    pub(crate) fn append(&self, coding: DataCoding, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let (length, data) = self.encode(coding)?;
        out.push(length);
        out.extend_from_slice(&data);
        Ok(())
    }

    /// Reads TP-UDL and TP-UD. Octets after the user data are ignored.
    pub(crate) fn decode(
        reader: &mut Reader<'_>,
        coding: DataCoding,
        has_header: bool,
    ) -> Result<Self, DecodeError> {
        let length_at = reader.offset();
        let length = usize::from(reader.u8("TP-UDL")?);
        let septets = coding.counts_septets();
        let octet_count = if septets {
            (length * 7).div_ceil(8)
        } else {
            length
        };
        let data_at = reader.offset();
        let data = reader.take(octet_count, "TP-UD")?;

        let (header, header_len) = if has_header {
            let Some(&udhl) = data.first() else {
                return Err(reader.invalid(
                    length_at,
                    "TP-UDL",
                    "TP-UDHI is set but the user data is empty",
                ));
            };
            let header_len = 1 + usize::from(udhl);
            if header_len > data.len() {
                return Err(reader.invalid(data_at, "TP-UDHL", "header longer than the user data"));
            }
            (
                Some(UserDataHeader::decode(&data[1..header_len], data_at + 1)?),
                header_len,
            )
        } else {
            (None, 0)
        };
        let rest = &data[header_len..];

        let body = if septets {
            let (header_septets, fill_bits) = septet_alignment(header_len);
            let Some(text_septets) = length.checked_sub(header_septets) else {
                return Err(reader.invalid(
                    length_at,
                    "TP-UDL",
                    "shorter than the user data header",
                ));
            };
            Body::Text(gsm7::decode(&gsm7::unpack(rest, fill_bits, text_septets)))
        } else if coding.alphabet() == Alphabet::Ucs2 && !coding.is_compressed() {
            Body::Text(decode_ucs2(rest))
        } else {
            Body::Binary(rest.to_vec())
        };
        Ok(Self { header, body })
    }
}

/// Septets a header of `header_len` octets takes, and the fill bits after it
/// that start the text on a septet boundary.
fn septet_alignment(header_len: usize) -> (usize, usize) {
    let header_septets = (header_len * 8).div_ceil(7);
    (header_septets, header_septets * 7 - header_len * 8)
}

/// UTF-16BE to text. Unpaired surrogates and an odd final octet become
/// U+FFFD rather than an error: a receiver should show what it can.
pub fn decode_ucs2(octets: &[u8]) -> String {
    let units = octets.chunks(2).map(|pair| match *pair {
        [high, low] => u16::from_be_bytes([high, low]),
        _ => 0xFFFD,
    });
    char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}
