//! PDUs travel through AT commands as hex strings (TS 27.005 §3.1, `<pdu>`).

use super::error::DecodeError;

/// Upper-case hex, two digits per octet, as modems send and expect it.
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0F)]));
    }
    out
}

/// Parses a hex string (either case). Surrounding whitespace is ignored,
/// since modems end lines with CR LF.
pub fn from_hex(text: &str) -> Result<Vec<u8>, DecodeError> {
    let leading = text.len() - text.trim_start().len();
    let digits = text.trim().as_bytes();
    if digits.len() % 2 != 0 {
        return Err(DecodeError::Hex {
            index: leading + digits.len(),
        });
    }
    let nibble = |i: usize| -> Result<u8, DecodeError> {
        match digits[i] {
            c @ b'0'..=b'9' => Ok(c - b'0'),
            c @ b'a'..=b'f' => Ok(c - b'a' + 10),
            c @ b'A'..=b'F' => Ok(c - b'A' + 10),
            _ => Err(DecodeError::Hex { index: leading + i }),
        }
    };
    (0..digits.len() / 2)
        .map(|i| Ok(nibble(2 * i)? << 4 | nibble(2 * i + 1)?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_is_upper_case() {
        let bytes = [0x00, 0x0B, 0x91, 0xF8, 0xff];
        assert_eq!(to_hex(&bytes), "000B91F8FF");
        assert_eq!(from_hex("000b91F8ff\r\n").unwrap(), bytes);
    }

    #[test]
    fn bad_hex_digit_reports_its_index() {
        assert_eq!(from_hex("00G1"), Err(DecodeError::Hex { index: 2 }));
        assert_eq!(from_hex("  0"), Err(DecodeError::Hex { index: 3 }));
    }
}
