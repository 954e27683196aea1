//! Splitting text into SMS-SUBMITs, concatenated (TS 23.040 §9.2.3.24.1)
//! when it does not fit one.

use super::dcs::Alphabet;
use super::error::EncodeError;
use super::gsm7;
use super::submit::SmsSubmit;
use super::udh::{Concatenation, UserDataHeader};
use super::user_data::{Body, UserData, MAX_OCTETS, MAX_SEPTETS};

/// The reference shared by the parts of one concatenated message. The
/// caller picks it (a counter per destination, say) so that parts of
/// different messages to the same recipient do not mix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConcatReference {
    /// IEI 0x00: a one-octet reference, 6 header octets per part.
    Eight(u8),
    /// IEI 0x08: a two-octet reference, 7 header octets per part.
    Sixteen(u16),
}

impl ConcatReference {
    fn header_len(self) -> usize {
        match self {
            Self::Eight(_) => 6,
            Self::Sixteen(_) => 7,
        }
    }

    fn concatenation(self, total: u8, sequence: u8) -> Concatenation {
        let (reference, wide_reference) = match self {
            Self::Eight(reference) => (u16::from(reference), false),
            Self::Sixteen(reference) => (reference, true),
        };
        Concatenation {
            reference,
            total,
            sequence,
            wide_reference,
        }
    }
}

/// Text cut into the bodies of its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextSplit {
    /// GSM 7-bit if every character has a code there, else UCS-2.
    pub alphabet: Alphabet,
    /// The text of each part; one part means no concatenation header.
    pub parts: Vec<String>,
}

/// Chooses the alphabet and cuts `text` into parts: one part of up to 160
/// septets (70 UTF-16 units), else parts that leave room for the
/// concatenation header of `reference` (153 septets / 67 units with an 8-bit
/// reference). A character is never cut, so neither is an escape pair nor a
/// surrogate pair. Empty text is one empty part.
pub fn split_text(text: &str, reference: ConcatReference) -> TextSplit {
    let header_len = reference.header_len();
    if gsm7::is_representable(text) {
        let cost = |c: char| gsm7::septet_len(c).unwrap_or(1);
        let concatenated_limit = MAX_SEPTETS - (header_len * 8).div_ceil(7);
        TextSplit {
            alphabet: Alphabet::Gsm7,
            parts: cut(text, cost, MAX_SEPTETS, concatenated_limit),
        }
    } else {
        let cost = char::len_utf16;
        let concatenated_limit = (MAX_OCTETS - header_len) / 2;
        TextSplit {
            alphabet: Alphabet::Ucs2,
            parts: cut(text, cost, MAX_OCTETS / 2, concatenated_limit),
        }
    }
}

fn cut(
    text: &str,
    cost: impl Fn(char) -> usize,
    single_limit: usize,
    part_limit: usize,
) -> Vec<String> {
    if text.chars().map(&cost).sum::<usize>() <= single_limit {
        return vec![text.to_owned()];
    }
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut used = 0;
    for c in text.chars() {
        if used + cost(c) > part_limit {
            parts.push(std::mem::take(&mut current));
            used = 0;
        }
        current.push(c);
        used += cost(c);
    }
    parts.push(current);
    parts
}

/// One SMS-SUBMIT per part of `text`, each a copy of `template` with the
/// user data replaced and the alphabet of TP-DCS set (its class kept). The
/// parts of a concatenated message carry `reference`.
pub fn encode_text(
    template: &SmsSubmit,
    text: &str,
    reference: ConcatReference,
) -> Result<Vec<SmsSubmit>, EncodeError> {
    let split = split_text(text, reference);
    let bodies = split.parts.into_iter().map(Body::Text).collect();
    build_parts(template, split.alphabet, bodies, reference)
}

/// One SMS-SUBMIT of 8-bit data per part of `data`: up to 140 octets in one
/// part, else 134 per part (133 with a 16-bit reference). Otherwise as
/// [`encode_text`].
pub fn encode_binary(
    template: &SmsSubmit,
    data: &[u8],
    reference: ConcatReference,
) -> Result<Vec<SmsSubmit>, EncodeError> {
    let part_len = if data.len() <= MAX_OCTETS {
        MAX_OCTETS
    } else {
        MAX_OCTETS - reference.header_len()
    };
    let mut bodies: Vec<Body> = data
        .chunks(part_len)
        .map(|c| Body::Binary(c.to_vec()))
        .collect();
    if bodies.is_empty() {
        bodies.push(Body::Binary(Vec::new()));
    }
    build_parts(template, Alphabet::Data8, bodies, reference)
}

fn build_parts(
    template: &SmsSubmit,
    alphabet: Alphabet,
    bodies: Vec<Body>,
    reference: ConcatReference,
) -> Result<Vec<SmsSubmit>, EncodeError> {
    let total = u8::try_from(bodies.len()).map_err(|_| EncodeError::TooManyParts(bodies.len()))?;
    let data_coding = template.data_coding.with_alphabet(alphabet);
    let parts = bodies.into_iter().zip(1..=total).map(|(body, sequence)| {
        let header = (total > 1)
            .then(|| UserDataHeader::concatenated(reference.concatenation(total, sequence)));
        let mut submit = template.clone();
        submit.data_coding = data_coding;
        submit.user_data = UserData { header, body };
        submit
    });
    Ok(parts.collect())
}
