//! Where text is cut into parts, and the limits of one part.

use super::super::*;
use super::*;

const DIGITS_40: &str = "0123456789012345678901234567890123456789";

#[test]
fn gsm_text_of_160_septets_is_one_part() {
    let text = DIGITS_40.repeat(4);
    let split = split_text(&text, ConcatReference::Eight(1));
    assert_eq!(
        split,
        TextSplit {
            alphabet: Alphabet::Gsm7,
            parts: vec![text]
        }
    );
}

#[test]
fn gsm_text_of_161_septets_is_153_plus_8() {
    let text = DIGITS_40.repeat(4) + "0";
    let split = split_text(&text, ConcatReference::Eight(1));
    assert_eq!(split.parts.len(), 2);
    assert_eq!(split.parts[0], text[..153]);
    assert_eq!(split.parts[1], "34567890");

    let template = submit_template("+15555551234", None);
    let parts = encode_text(&template, &text, ConcatReference::Eight(0x4C)).unwrap();
    let first = parts[0].encode().unwrap();
    // TP-UDL of a full concatenated part: 7 header septets + 153 text septets.
    assert_eq!(first[first.len() - 140 - 1], 160);
    assert_eq!(
        first[first.len() - 140..][..6],
        [0x05, 0x00, 0x03, 0x4C, 0x02, 0x01]
    );
    assert_eq!(first[0] & 0x40, 0x40);
}

#[test]
fn sixteen_bit_reference_leaves_152_septets_per_part() {
    let split = split_text(&"a".repeat(161), ConcatReference::Sixteen(0x1234));
    assert_eq!(
        split.parts.iter().map(String::len).collect::<Vec<_>>(),
        [152, 9]
    );
}

#[test]
fn extension_character_at_the_boundary_moves_whole_to_the_next_part() {
    // 152 septets, then a two-septet '€' that would end at septet 154.
    let text = "a".repeat(152) + "€" + &"b".repeat(10);
    let split = split_text(&text, ConcatReference::Eight(1));
    assert_eq!(
        split.parts,
        ["a".repeat(152), "€".to_owned() + &"b".repeat(10)]
    );

    // 158 + '€' = 160 septets still fits one part.
    let fits = "a".repeat(158) + "€";
    assert_eq!(split_text(&fits, ConcatReference::Eight(1)).parts.len(), 1);
    let over = "a".repeat(159) + "€";
    assert_eq!(
        split_text(&over, ConcatReference::Eight(1)).parts,
        ["a".repeat(153), "a".repeat(6) + "€"]
    );
}

#[test]
fn ucs2_text_of_70_units_is_one_part_and_71_is_67_plus_4() {
    let seventy = "你好".repeat(35);
    let single = split_text(&seventy, ConcatReference::Eight(1));
    assert_eq!(single.parts, std::slice::from_ref(&seventy));
    let split = split_text(&(seventy.clone() + "好"), ConcatReference::Eight(1));
    assert_eq!(split.alphabet, Alphabet::Ucs2);
    assert_eq!(
        split
            .parts
            .iter()
            .map(|p| p.chars().count())
            .collect::<Vec<_>>(),
        [67, 4]
    );
}

#[test]
fn emoji_at_the_boundary_is_not_split_into_surrogates() {
    // 66 units, then a surrogate pair that would end at unit 68.
    let text = "你".repeat(66) + "😀" + &"x".repeat(10);
    let split = split_text(&text, ConcatReference::Eight(1));
    assert_eq!(
        split.parts,
        ["你".repeat(66), "😀".to_owned() + &"x".repeat(10)]
    );

    // 68 units + a pair = 70 units: one part.
    let fits = "你".repeat(68) + "😀";
    let template = submit_template("+15555551234", None);
    let parts = encode_text(&template, &fits, ConcatReference::Eight(1)).unwrap();
    assert_eq!(parts.len(), 1);
    let tpdu = parts[0].encode().unwrap();
    assert_eq!(&tpdu[tpdu.len() - 4..], [0xD8, 0x3D, 0xDE, 0x00]);
}

#[test]
fn binary_of_140_octets_is_one_part_and_141_is_134_plus_7() {
    let template = submit_template("+15555551234", None);
    let one = encode_binary(&template, &[0xAB; 140], ConcatReference::Eight(1)).unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].data_coding.alphabet(), Alphabet::Data8);
    assert_eq!(one[0].user_data, UserData::binary(&[0xAB; 140]));

    let two = encode_binary(&template, &[0xAB; 141], ConcatReference::Eight(1)).unwrap();
    let lengths: Vec<usize> = two
        .iter()
        .map(|part| match &part.user_data.body {
            Body::Binary(data) => data.len(),
            Body::Text(_) => 0,
        })
        .collect();
    assert_eq!(lengths, [134, 7]);
    // 13 octets before the user data, then a full 140.
    assert_eq!(two[0].encode().unwrap().len(), 13 + 140);
}

#[test]
fn split_keeps_class_and_picks_the_alphabet() {
    let mut template = submit_template("+15555551234", None);
    template.data_coding = DataCoding::new(Alphabet::Gsm7, Some(MessageClass::Class0));
    let parts = encode_text(&template, "Ж", ConcatReference::Eight(1)).unwrap();
    assert_eq!(parts[0].data_coding, DataCoding(0x18));
}

#[test]
fn text_needing_more_than_255_parts_is_refused() {
    let template = submit_template("+15555551234", None);
    let err = encode_text(
        &template,
        &"a".repeat(153 * 255 + 1),
        ConcatReference::Eight(1),
    )
    .unwrap_err();
    assert_eq!(err, EncodeError::TooManyParts(256));
}

#[test]
fn oversized_single_user_data_is_refused() {
    let submit = SmsSubmit::new(
        Address::unknown("1"),
        DataCoding::GSM7,
        UserData::text(&"a".repeat(161)),
    );
    assert_eq!(
        submit.encode(),
        Err(EncodeError::UserDataTooLong {
            needed: 161,
            max: 160,
            unit: "septets"
        })
    );
    let binary = SmsSubmit::new(
        Address::unknown("1"),
        DataCoding::DATA8,
        UserData::binary(&[0; 141]),
    );
    assert_eq!(
        binary.encode(),
        Err(EncodeError::UserDataTooLong {
            needed: 141,
            max: 140,
            unit: "octets"
        })
    );
    let mismatch = SmsSubmit::new(
        Address::unknown("1"),
        DataCoding::DATA8,
        UserData::text("a"),
    );
    assert_eq!(mismatch.encode(), Err(EncodeError::BodyCodingMismatch));
}
