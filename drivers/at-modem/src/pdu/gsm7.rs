//! The GSM 7-bit default alphabet and its extension table (TS 23.038 §6.2.1),
//! and the packing of septets into octets (TS 23.038 §6.1.2.1).
//!
//! National language shift tables are not supported: text that needs them is
//! sent as UCS-2.

/// The escape to the extension table.
pub const ESCAPE: u8 = 0x1B;

/// The default alphabet, indexed by septet. 0x1B is the escape and decodes
/// through [`EXTENSION`]; the entry here is never emitted for it.
const DEFAULT: [char; 128] = [
    '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å', //
    'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', '\u{1B}', 'Æ', 'æ', 'ß', 'É', //
    ' ', '!', '"', '#', '¤', '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/', //
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?', //
    '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', //
    'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§', //
    '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', //
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à', //
];

/// The extension table: septet after [`ESCAPE`] and the character it means.
const EXTENSION: [(u8, char); 10] = [
    (0x0A, '\u{0C}'),
    (0x14, '^'),
    (0x28, '{'),
    (0x29, '}'),
    (0x2F, '\\'),
    (0x3C, '['),
    (0x3D, '~'),
    (0x3E, ']'),
    (0x40, '|'),
    (0x65, '€'),
];

/// The septet(s) coding `c`: one from the default table, or [`ESCAPE`] and
/// one from the extension table. `None` if `c` has no GSM 7-bit code.
pub fn encode_char(c: char) -> Option<([u8; 2], usize)> {
    if c != '\u{1B}' {
        if let Some(i) = DEFAULT.iter().position(|&d| d == c) {
            // The table has 128 entries, so the index fits a septet.
            return Some(([i as u8, 0], 1));
        }
    }
    EXTENSION
        .iter()
        .find(|&&(_, e)| e == c)
        .map(|&(code, _)| ([ESCAPE, code], 2))
}

/// How many septets `c` takes (1 or 2), or `None` if it has no GSM code.
pub fn septet_len(c: char) -> Option<usize> {
    encode_char(c).map(|(_, n)| n)
}

/// Whether every character of `text` has a GSM 7-bit code.
pub fn is_representable(text: &str) -> bool {
    text.chars().all(|c| encode_char(c).is_some())
}

/// Text to unpacked septets. Fails on the first character without a code.
pub fn encode(text: &str) -> Result<Vec<u8>, char> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        let (code, n) = encode_char(c).ok_or(c)?;
        out.extend_from_slice(&code[..n]);
    }
    Ok(out)
}

/// Unpacked septets to text. Only the low 7 bits of each value are used.
///
/// An escape followed by a septet the extension table does not define shows
/// that septet from the default table, as TS 23.038 asks of a receiver; an
/// escape followed by another escape, or ending the text, shows a space.
pub fn decode(septets: &[u8]) -> String {
    let mut out = String::with_capacity(septets.len());
    let mut iter = septets.iter().map(|s| s & 0x7F);
    while let Some(s) = iter.next() {
        if s != ESCAPE {
            out.push(DEFAULT[usize::from(s)]);
            continue;
        }
        match iter.next() {
            None | Some(ESCAPE) => out.push(' '),
            Some(next) => match EXTENSION.iter().find(|&&(code, _)| code == next) {
                Some(&(_, c)) => out.push(c),
                None => out.push(DEFAULT[usize::from(next)]),
            },
        }
    }
    out
}

/// Packs septets into octets, least significant bit first, after
/// `fill_bits` zero bits (the padding that aligns septets after a user data
/// header).
pub fn pack(septets: &[u8], fill_bits: usize) -> Vec<u8> {
    let total_bits = fill_bits + septets.len() * 7;
    let mut out = vec![0u8; total_bits.div_ceil(8)];
    for (i, &s) in septets.iter().enumerate() {
        let bit = fill_bits + i * 7;
        let value = u16::from(s & 0x7F) << (bit % 8);
        out[bit / 8] |= value as u8;
        if let Some(next) = out.get_mut(bit / 8 + 1) {
            *next |= (value >> 8) as u8;
        }
    }
    out
}

/// Unpacks `count` septets that start `fill_bits` bits into `octets`.
/// Returns fewer if the octets run out.
pub fn unpack(octets: &[u8], fill_bits: usize, count: usize) -> Vec<u8> {
    let available = (octets.len() * 8).saturating_sub(fill_bits) / 7;
    (0..count.min(available))
        .map(|i| {
            let bit = fill_bits + i * 7;
            let low = u16::from(octets[bit / 8]);
            let high = u16::from(octets.get(bit / 8 + 1).copied().unwrap_or(0));
            (((high << 8 | low) >> (bit % 8)) & 0x7F) as u8
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hellohello_packs_as_in_the_classic_example() {
        let septets = encode("hellohello").unwrap();
        assert_eq!(
            pack(&septets, 0),
            [0xE8, 0x32, 0x9B, 0xFD, 0x46, 0x97, 0xD9, 0xEC, 0x37]
        );
        assert_eq!(decode(&unpack(&pack(&septets, 0), 0, 10)), "hellohello");
    }

    #[test]
    fn extension_characters_take_two_septets() {
        assert_eq!(encode("€").unwrap(), [0x1B, 0x65]);
        assert_eq!(encode("^{}\\[~]|\u{0C}").unwrap().len(), 18);
        assert_eq!(
            decode(&encode("a^{}\\[~]|€\u{0C}b").unwrap()),
            "a^{}\\[~]|€\u{0C}b"
        );
        assert_eq!(septet_len('€'), Some(2));
        assert_eq!(septet_len('@'), Some(1));
    }

    #[test]
    fn characters_outside_both_tables_are_rejected() {
        assert_eq!(encode("héllo ж"), Err('ж'));
        assert_eq!(encode("\u{1B}"), Err('\u{1B}'));
        assert!(!is_representable("`"));
        assert!(is_representable("ΔΦΓΛΩΠΨΣΘΞ@£$¥"));
    }

    #[test]
    fn unknown_escape_falls_back_to_the_default_table() {
        assert_eq!(decode(&[0x1B, 0x41]), "A");
        assert_eq!(decode(&[0x1B, 0x1B, 0x41]), " A");
        assert_eq!(decode(&[0x41, 0x1B]), "A ");
    }

    #[test]
    fn fill_bits_shift_the_septets() {
        // One fill bit, as after a 6-octet concatenation header.
        let packed = pack(&[0x7F, 0x01], 1);
        assert_eq!(packed, [0xFE, 0x01]);
        assert_eq!(unpack(&packed, 1, 2), [0x7F, 0x01]);
    }

    #[test]
    fn eight_septets_fill_seven_octets_exactly() {
        let packed = pack(&[0x7F; 8], 0);
        assert_eq!(packed, [0xFF; 7]);
        assert_eq!(unpack(&packed, 0, 8), [0x7F; 8]);
        assert_eq!(unpack(&packed, 0, 9).len(), 8);
    }
}
