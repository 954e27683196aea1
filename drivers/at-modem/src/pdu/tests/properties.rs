//! Properties over random text and random octets.

use proptest::prelude::*;

use super::super::*;
use super::*;

fn gsm_chars() -> Vec<char> {
    let mut chars: Vec<char> = (0..128u8)
        .filter(|&s| s != gsm7::ESCAPE)
        .flat_map(|s| gsm7::decode(&[s]).chars().collect::<Vec<_>>())
        .collect();
    chars.extend("^{}\\[~]|€\u{0C}".chars());
    chars
}

fn gsm_text(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(gsm_chars()), 0..max)
        .prop_map(|chars| chars.into_iter().collect())
}

/// Encodes `text` as SUBMITs, sends every part through hex and the
/// decoder, and reassembles what comes out.
fn through_the_air(text: &str, reference: ConcatReference) -> (usize, Body) {
    let template = submit_template("+4915112345678", Some(ValidityPeriod::Relative(167)));
    let parts = encode_text(&template, text, reference).unwrap();
    let mut reassembler = Reassembler::new(1);
    let mut whole = None;
    for part in &parts {
        let hex = to_hex(&encode_with_smsc(None, &part.encode().unwrap()).unwrap());
        let (_, Pdu::Submit(decoded)) = decode_hex(&hex, Direction::MobileOriginated) else {
            panic!()
        };
        assert_eq!(&decoded, part);
        whole = reassembler.push(&decoded.destination, &decoded.user_data);
    }
    (parts.len(), whole.expect("complete after the last part"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn gsm_text_survives_encode_split_decode_reassemble(text in gsm_text(400)) {
        let (_, whole) = through_the_air(&text, ConcatReference::Eight(7));
        prop_assert_eq!(whole, Body::Text(text));
    }

    #[test]
    fn any_unicode_text_survives_encode_split_decode_reassemble(text in "\\PC{0,250}", wide in any::<bool>()) {
        let reference = if wide { ConcatReference::Sixteen(0xBEEF) } else { ConcatReference::Eight(3) };
        let (_, whole) = through_the_air(&text, reference);
        prop_assert_eq!(whole, Body::Text(text));
    }

    #[test]
    fn binary_survives_encode_split_decode_reassemble(data in proptest::collection::vec(any::<u8>(), 0..700)) {
        let template = submit_template("+4915112345678", None);
        let parts = encode_binary(&template, &data, ConcatReference::Sixteen(513)).unwrap();
        let mut reassembler = Reassembler::new(1);
        let mut whole = None;
        for part in &parts {
            let decoded = SmsSubmit::decode(&part.encode().unwrap()).unwrap();
            whole = reassembler.push(&decoded.destination, &decoded.user_data);
        }
        prop_assert_eq!(whole, Some(Body::Binary(data)));
    }

    #[test]
    fn parts_respect_the_limits(text in "\\PC{0,400}") {
        let split = split_text(&text, ConcatReference::Eight(0));
        let costs: Vec<usize> = split.parts.iter().map(|part| match split.alphabet {
            Alphabet::Gsm7 => gsm7::encode(part).unwrap().len(),
            _ => part.encode_utf16().count(),
        }).collect();
        let (single, multi) = if split.alphabet == Alphabet::Gsm7 { (160, 153) } else { (70, 67) };
        let limit = if costs.len() == 1 { single } else { multi };
        prop_assert!(costs.iter().all(|&c| c <= limit), "{:?}", costs);
        prop_assert_eq!(split.parts.concat(), text);
    }

    #[test]
    fn deliver_round_trips(
        text in gsm_text(160),
        digits in "[0-9*#]{1,20}",
        ts in (0..100u8, 1..13u8, 1..32u8, 0..24u8, 0..60u8, 0..60u8, -79..80i8),
        flags in any::<[bool; 4]>(),
    ) {
        let service_centre_timestamp = Timestamp {
            year: ts.0, month: ts.1, day: ts.2, hour: ts.3, minute: ts.4, second: ts.5, utc_offset_quarters: ts.6,
        };
        let mut deliver = SmsDeliver::new(Address::national(&digits), DataCoding::GSM7, service_centre_timestamp, UserData::text(""));
        deliver.user_data = UserData::text(&text.chars().take(80).collect::<String>());
        [deliver.more_messages_to_send, deliver.loop_prevention, deliver.status_report_indication, deliver.reply_path] = flags;
        let tpdu = deliver.encode().unwrap();
        prop_assert_eq!(Pdu::decode(&tpdu, Direction::MobileTerminated).unwrap(), Pdu::Deliver(deliver));
    }

    #[test]
    fn user_data_with_any_header_round_trips_in_every_alphabet(
        elements in proptest::collection::vec((any::<u8>(), proptest::collection::vec(any::<u8>(), 0..12)), 0..4),
        text in gsm_text(60),
        alphabet in proptest::sample::select(vec![Alphabet::Gsm7, Alphabet::Ucs2, Alphabet::Data8]),
    ) {
        // Up to 57 header octets; every header length modulo 7 gets its fill bits tested.
        let header = UserDataHeader {
            elements: elements.into_iter().map(|(id, data)| InformationElement { id, data }).collect(),
        };
        let body = match alphabet {
            Alphabet::Gsm7 => Body::Text(text),
            Alphabet::Ucs2 => Body::Text(text.chars().take(40).collect()),
            Alphabet::Data8 => Body::Binary(text.bytes().take(80).collect()),
        };
        let user_data = UserData { header: Some(header), body };
        let submit = SmsSubmit::new(Address::unknown("12345"), DataCoding::new(alphabet, None), user_data);

        let decoded = SmsSubmit::decode(&submit.encode().unwrap()).unwrap();

        prop_assert_eq!(decoded, submit);
    }

    #[test]
    fn decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        for direction in [Direction::MobileTerminated, Direction::MobileOriginated] {
            let _ = Pdu::decode_with_smsc(&bytes, direction);
            let _ = Pdu::decode(&bytes, direction);
        }
        let _ = SmsSubmit::decode(&bytes);
        let _ = SmsDeliver::decode(&bytes);
        let _ = StatusReport::decode(&bytes);
    }

    #[test]
    fn mutated_valid_pdus_never_panic(flips in proptest::collection::vec((0..80usize, any::<u8>()), 1..6)) {
        let mut bytes = from_hex("07917283010010F5440BC87238880900F10000993092516195800F0500034C0201E8329BFD4697D9EC37").unwrap();
        for (at, value) in flips {
            let len = bytes.len();
            bytes[at % len] = value;
        }
        let _ = Pdu::decode_with_smsc(&bytes, Direction::MobileTerminated);
    }

    #[test]
    fn reassembly_ignores_order_and_duplicates(
        order in Just((0..6u8).chain(0..3).collect::<Vec<_>>()).prop_shuffle(),
    ) {
        let sender = Address::international("+1");
        let mut reassembler = Reassembler::new(1);
        let mut completed = Vec::new();
        for sequence in order {
            let body = char::from(b'a' + sequence).to_string();
            completed.extend(reassembler.push(&sender, &part(5, 6, sequence + 1, &body)));
        }
        prop_assert_eq!(completed.len(), 1);
        prop_assert_eq!(reassembler.pending(), 0);
        prop_assert_eq!(&completed[0], &Body::Text("abcdef".into()));
    }
}
