//! Worked examples, public PDUs and properties across the whole codec.

use proptest::prelude::*;

use super::*;

fn decode_hex(hex: &str, direction: Direction) -> (Option<Address>, Pdu) {
    Pdu::decode_with_smsc(&from_hex(hex).unwrap(), direction).unwrap()
}

fn deliver(hex: &str) -> (Option<Address>, SmsDeliver) {
    match decode_hex(hex, Direction::MobileTerminated) {
        (smsc, Pdu::Deliver(deliver)) => (smsc, deliver),
        other => panic!("not a DELIVER: {other:?}"),
    }
}

/// The TPDU of a PDU-mode hex string (its SMSC prefix dropped).
fn tpdu_of(hex: &str) -> Vec<u8> {
    let bytes = from_hex(hex).unwrap();
    bytes[1 + usize::from(bytes[0])..].to_vec()
}

fn timestamp(date: (u8, u8, u8), time: (u8, u8, u8), utc_offset_quarters: i8) -> Timestamp {
    let ((year, month, day), (hour, minute, second)) = (date, time);
    Timestamp {
        year,
        month,
        day,
        hour,
        minute,
        second,
        utc_offset_quarters,
    }
}

fn text(body: &Body) -> &str {
    match body {
        Body::Text(text) => text,
        Body::Binary(data) => panic!("binary body {data:?}"),
    }
}

// --- Public example PDUs ---------------------------------------------------

#[test]
fn classic_submit_example_decodes_and_encodes_back() {
    // The widely reproduced SMS-SUBMIT "hellohello" to +46708251358, VP 4 days.
    let hex = "0011000B916407281553F80000AA0AE8329BFD4697D9EC37";
    let (smsc, pdu) = decode_hex(hex, Direction::MobileOriginated);
    let Pdu::Submit(submit) = &pdu else {
        panic!("{pdu:?}")
    };

    assert_eq!(smsc, None);
    assert_eq!(submit.message_reference, 0);
    assert_eq!(submit.destination.to_string(), "+46708251358");
    assert_eq!(submit.validity_period, Some(ValidityPeriod::Relative(0xAA)));
    assert_eq!(
        submit
            .validity_period
            .unwrap()
            .duration()
            .unwrap()
            .as_secs(),
        4 * 86_400
    );
    assert_eq!(submit.user_data, UserData::text("hellohello"));
    assert!(!submit.status_report_request);
    assert_eq!(
        to_hex(&encode_with_smsc(None, &pdu.encode().unwrap()).unwrap()),
        hex
    );
}

#[test]
fn classic_deliver_example_decodes_and_encodes_back() {
    let hex = "07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37";
    let (smsc, deliver) = deliver(hex);

    assert_eq!(smsc.unwrap().to_string(), "+27381000015");
    assert_eq!(deliver.originator.type_of_number, TypeOfNumber::Subscriber);
    assert_eq!(deliver.originator.numbering_plan, NumberingPlan::National);
    assert_eq!(deliver.originator.value, "27838890001");
    assert_eq!(
        deliver.service_centre_timestamp,
        timestamp((99, 3, 29), (15, 16, 59), 8)
    );
    assert!(!deliver.more_messages_to_send);
    assert_eq!(deliver.user_data, UserData::text("hellohello"));
    assert_eq!(deliver.encode().unwrap(), tpdu_of(hex));
}

#[test]
fn deliver_with_extension_characters_and_negative_offset() {
    let hex =
        "07912104442961F4040B916171957291F800001120821105050A6AC8B2BC7C9A83C220F6DB7D2ECB41ED\
               F27C1E3E97411BDE06754FD3D1A0F9BB5D0695F1F4B29B5C2683C6E8B03C3CA697E5F34D6AE303D1D1F2\
               F7DD0D4ABB59A0797D8C0685E7A00028EC26832A960B28EC2683BE6050780EBA97D96C17";
    let (smsc, deliver) = deliver(hex);

    assert_eq!(smsc.unwrap().to_string(), "+12404492164");
    assert_eq!(deliver.originator.to_string(), "+16175927198");
    assert_eq!(
        deliver.service_centre_timestamp,
        timestamp((11, 2, 28), (11, 50, 50), -20)
    );
    assert_eq!(
        deliver.user_data.as_text().unwrap(),
        "Here's a longer message [{with some extended characters}] \
         thrown in, such as £ and ΩΠΨ and §¿ as well."
    );
    assert_eq!(deliver.encode().unwrap(), tpdu_of(hex));
}

#[test]
fn deliver_from_alphanumeric_sender_in_ucs2() {
    let hex = "07919730071111F10414D04937BD2C7797E9D3E614000811309291024061080442043504410442";
    let (smsc, deliver) = deliver(hex);

    assert_eq!(smsc.unwrap().to_string(), "+79037011111");
    assert_eq!(deliver.originator, Address::alphanumeric("InternetSMS"));
    assert_eq!(deliver.data_coding.alphabet(), Alphabet::Ucs2);
    assert_eq!(
        deliver.service_centre_timestamp,
        timestamp((11, 3, 29), (19, 20, 4), 16)
    );
    assert_eq!(deliver.user_data.as_text(), Some("тест"));
    assert_eq!(deliver.encode().unwrap(), tpdu_of(hex));
}

#[test]
fn deliver_with_coding_group_f_class_1_and_160_septets() {
    let hex = "07913306091093F0040485810000F111604231805180A049B7F90D9A1AA5A01668F8769BD3E4B29B9E2EB3\
               59A03FC85D06A9C3ED707A0EA2CBC3EE79BB4CA7CBCBA05643617DA7C76990FD4D979741EE77DD5E0ED741\
               ED371D442E83E0E1F9BC0CD281E677D9B84C06C1DF7539E85C9097E520FB9B2E2F83C6EF369C5E064D8D52\
               D0BC2E07DDEF77D7DC2C7799E5A0771D040FCB41F402BB0047BFDD6550B80ECAD966"
;
    let (smsc, deliver) = deliver(hex);

    assert_eq!(smsc.unwrap().to_string(), "+33609001390");
    assert_eq!(deliver.originator.value, "1800");
    assert_eq!(deliver.data_coding.class(), Some(MessageClass::Class1));
    assert_eq!(
        deliver.service_centre_timestamp,
        timestamp((11, 6, 24), (13, 8, 15), 8)
    );
    assert_eq!(
        deliver.user_data.as_text().unwrap(),
        "Info SFR - Confidentiel, à ne jamais transmettre -\r\n\
         Voici votre nouveau mot de passe : sw2ced pour gérer \
         votre compte SFR sur www.sfr.fr ou par téléphone au 963"
    );
}

#[test]
fn deliver_with_8bit_data_in_both_coding_groups() {
    for dcs in ["04", "F4"] {
        let hex = format!(
            "07912143658709F1040B918100551512F200{dcs}111010214365000AE8329BFD4697D9EC37DE"
        );
        let (_, deliver) = deliver(&hex);
        assert_eq!(deliver.data_coding.alphabet(), Alphabet::Data8);
        assert_eq!(
            deliver.user_data.body,
            Body::Binary(vec![
                0xE8, 0x32, 0x9B, 0xFD, 0x46, 0x97, 0xD9, 0xEC, 0x37, 0xDE
            ])
        );
    }
}

#[test]
fn user_data_shorter_than_its_length_is_truncated_at_the_end() {
    // TP-UDL says 11 septets (10 octets) but 9 octets follow.
    let bytes =
        from_hex("07912143658709F1040B918100551512F20000111010214365000BE8329BFD4697D9EC37")
            .unwrap();
    let err = Pdu::decode_with_smsc(&bytes, Direction::MobileTerminated).unwrap_err();
    assert_eq!(
        err,
        DecodeError::Truncated {
            field: "TP-UD",
            offset: bytes.len()
        }
    );
}

#[test]
fn deliver_with_16bit_concatenation_header_and_no_fill_bits() {
    let hex = "07911356131313F64004850120390011609232239180A006080400100201D7327BFD6EB340E232\
               1BF46E83EA7790F59D1E97DBE1341B442F83C465763D3DA797E56537C81D0ECB41AB59CC1693C1\
               6031D96C064241E5656838AF03A96230982A269BCD462917C8FA4E8FCBED709A0D7ABBE9F6B0FB\
               5C7683D27350984D4FABC9A0B33C4C4FCF5D20EBFB2D079DCB62793DBD06D9C36E50FB2D4E97D9\
               A0B49B5E96BBCB";
    let (_, deliver) = deliver(hex);

    assert_eq!(deliver.originator.value, "1002");
    assert_eq!(deliver.originator.numbering_plan, NumberingPlan::Other(5));
    let header = deliver.user_data.header.as_ref().unwrap();
    assert_eq!(
        header.concatenation(),
        Some(Concatenation {
            reference: 0x10,
            total: 2,
            sequence: 1,
            wide_reference: true
        })
    );
    assert_eq!(
        deliver.user_data.as_text().unwrap(),
        "Welkom, bel om uw Voicemail te beluisteren naar +31612001233 \
         (PrePay: *100*1233#). Voicemail ontvangen is altijd gratis. \
         Voor gebruik van mobiel interne"
    );
    assert_eq!(deliver.encode().unwrap(), tpdu_of(hex));
}

#[test]
fn two_part_deliver_reassembles_to_the_whole_text() {
    let part1 = "07912160130320F5440B916171056429F5000021405291650569A00500034C0201A9E8F41C949E\
                 83C2207B599E07B1DFEE33885E9ED341E4F23C7D7697C920FA1B54C697E5E3F4BC0C6AD7D9F434\
                 081E96D341E3303C2C4EB3D3F4BC0B94A483E6E8779D4D06CDD1EF3BA80E0785E7A0B7BB0C6A97\
                 E7F3F0B9CC02B9DF7450780EA2DFDF2C50780EA2A3CBA0BA9B5C96B3F369F71954768FDFE4B4FB\
                 0C9297E1F2F2BCECA6CF41";
    let part2 = "07912160130320F6440B916171056429F5000021405291651569320500034C0202E9E8301D4447\
                 9741F0B09C3E0785E56590BCCC0ED3CB6410FD0D7ABBCBA0B0FB4D4797E52E10";
    let (_, first) = deliver(part1);
    let (_, second) = deliver(part2);
    assert_eq!(
        first.service_centre_timestamp,
        timestamp((12, 4, 25), (19, 56, 50), -16)
    );
    let mut reassembler = Reassembler::new(4);

    // The second part arrives first.
    assert_eq!(reassembler.push_deliver(&second), None);
    let whole = reassembler.push_deliver(&first).unwrap();

    assert_eq!(
        text(&whole),
        "This is a very long test designed to exercise multi part capability. It should \
         show up as one message, not as two, as the underlying encoding represents \
         that the parts are related to one another. "
    );
    assert_eq!(reassembler.pending(), 0);
}

#[test]
fn stored_submit_with_status_report_request_in_ucs2() {
    let hex = "002100098136397339F70008224F60597D4F60597D4F60597D4F60597D4F60597D4F60597D4F60597D4F60597D4F60";
    let (_, pdu) = decode_hex(hex, Direction::MobileOriginated);
    let Pdu::Submit(submit) = &pdu else {
        panic!("{pdu:?}")
    };

    assert!(submit.status_report_request);
    assert_eq!(submit.validity_period, None);
    assert_eq!(submit.destination, Address::unknown("639337937"));
    assert_eq!(
        submit.user_data.as_text(),
        Some("你好你好你好你好你好你好你好你好你")
    );
    assert_eq!(submit.encode().unwrap(), tpdu_of(hex));
}

#[test]
fn status_report_decodes_with_pending_status() {
    let hex = "07914356060013F1065A098136397339F7219011700463802190117004638030";
    let (smsc, pdu) = decode_hex(hex, Direction::MobileTerminated);
    let Pdu::StatusReport(report) = &pdu else {
        panic!("{pdu:?}")
    };

    assert_eq!(smsc.unwrap().to_string(), "+34656000311");
    assert_eq!(report.message_reference, 0x5A);
    assert_eq!(report.recipient, Address::unknown("639337937"));
    assert_eq!(
        report.service_centre_timestamp,
        timestamp((12, 9, 11), (7, 40, 36), 8)
    );
    assert_eq!(report.discharge_time, report.service_centre_timestamp);
    assert_eq!(report.status, Status(0x30));
    assert_eq!(report.status.category(), StatusCategory::Pending);
    assert!(!report.status.is_final());
    assert_eq!(
        (
            report.protocol_identifier,
            report.data_coding,
            &report.user_data
        ),
        (None, None, &None)
    );
    assert_eq!(report.encode().unwrap(), tpdu_of(hex));
}

#[test]
fn status_report_with_optional_fields_round_trips() {
    let report = StatusReport {
        more_messages_to_send: true,
        loop_prevention: false,
        reports_on_command: false,
        message_reference: 7,
        recipient: Address::international("+4915112345678"),
        service_centre_timestamp: timestamp((24, 12, 31), (23, 59, 58), -14),
        discharge_time: timestamp((25, 1, 1), (0, 0, 1), 4),
        status: Status::RECEIVED,
        protocol_identifier: Some(0),
        data_coding: Some(DataCoding::UCS2),
        user_data: Some(UserData::text("ok ✓")),
    };
    let tpdu = report.encode().unwrap();
    // TP-PI (PID, DCS and UDL present), TP-PID, TP-DCS.
    assert_eq!(tpdu[tpdu.len() - 12..tpdu.len() - 9], [0x07, 0x00, 0x08]);
    assert_eq!(
        Pdu::decode(&tpdu, Direction::MobileTerminated).unwrap(),
        Pdu::StatusReport(report)
    );
}

#[test]
fn status_categories_follow_the_value_ranges() {
    assert_eq!(Status(0x00).category(), StatusCategory::Delivered);
    assert_eq!(Status(0x02).category(), StatusCategory::Delivered);
    assert_eq!(Status::CONGESTION.category(), StatusCategory::Pending);
    assert_eq!(Status::EXPIRED.category(), StatusCategory::PermanentFailure);
    assert_eq!(Status(0x62).category(), StatusCategory::TemporaryFailure);
    assert_eq!(Status(0x80).category(), StatusCategory::PermanentFailure);
}

// --- Encoding to known octets ----------------------------------------------

fn submit_template(destination: &str, validity: Option<ValidityPeriod>) -> SmsSubmit {
    let mut template = SmsSubmit::new(
        Address::parse(destination),
        DataCoding::GSM7,
        UserData::text(""),
    );
    template.validity_period = validity;
    template
}

fn single_pdu(template: &SmsSubmit, text: &str, smsc: Option<&Address>) -> Vec<u8> {
    let parts = encode_text(template, text, ConcatReference::Eight(0)).unwrap();
    assert_eq!(parts.len(), 1);
    encode_with_smsc(smsc, &parts[0].encode().unwrap()).unwrap()
}

#[test]
fn ucs2_submit_with_smsc_encodes_to_known_octets() {
    let template = submit_template("+15555551234", Some(ValidityPeriod::Relative(0)));
    let smsc = Address::parse("+19037029920");
    let pdu = single_pdu(&template, "Да здравствует король, детка!", Some(&smsc));
    assert_eq!(
        to_hex(&pdu),
        "07919130079229F011000B915155551532F40008003A04140430002004370434044004300432044104420432\
         0443043504420020043A043E0440043E043B044C002C0020043404350442043A04300021"
    );
}

#[test]
fn gsm_submit_encodes_to_known_octets() {
    let template = submit_template("+15555551234", Some(ValidityPeriod::Relative(0)));
    let pdu = single_pdu(
        &template,
        "Hi there...Tue 17th Jan 2012 05:30.18 pm (GMT+1) ΔΔΔΔΔ",
        None,
    );
    assert_eq!(
        to_hex(&pdu),
        "0011000B915155551532F400000036C834888E2ECBCB2E978B5A2F8362373A1AA40CBB4132584C0682D574\
         33982B8603C1DB20D4B1495DC552200804028100"
    );
}

#[test]
fn gsm_submit_whose_last_septet_starts_an_octet_without_validity() {
    let template = submit_template("+15556661234", None);
    let pdu = single_pdu(&template, "This is really cool ΔΔΔΔΔ", None);
    assert_eq!(
        to_hex(&pdu),
        "0001000B915155661632F400001954747A0E4ACF41F27298CDCE83C6EF371B0481402010"
    );
}

// --- Splitting -------------------------------------------------------------

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

// --- Decoder errors --------------------------------------------------------

#[test]
fn decoder_errors_name_the_field_and_offset() {
    assert_eq!(
        Pdu::decode_with_smsc(&[], Direction::MobileTerminated),
        Err(DecodeError::Truncated {
            field: "SMSC address",
            offset: 0
        })
    );
    assert_eq!(
        Pdu::decode_with_smsc(&[0x00, 0x01], Direction::MobileTerminated),
        Err(DecodeError::UnsupportedMessageType {
            mti: 0b01,
            offset: 1
        })
    );
    assert_eq!(
        Pdu::decode_with_smsc(&[0x0C, 0x91], Direction::MobileTerminated),
        Err(DecodeError::Invalid {
            field: "SMSC address",
            offset: 0,
            reason: "longer than 11 octets"
        })
    );
    // UDHI set, TP-UDL 0.
    let err = Pdu::decode(
        &from_hex("4000018100000000000000000000").unwrap(),
        Direction::MobileTerminated,
    );
    assert!(
        matches!(
            err,
            Err(DecodeError::Invalid {
                field: "TP-UDL",
                offset: 12,
                ..
            })
        ),
        "{err:?}"
    );
}

#[test]
fn reserved_message_type_is_read_as_deliver() {
    let mut tpdu =
        tpdu_of("07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37");
    tpdu[0] |= 0x03;
    assert!(matches!(
        Pdu::decode(&tpdu, Direction::MobileTerminated),
        Ok(Pdu::Deliver(_))
    ));
}

#[test]
fn absolute_and_enhanced_validity_decode() {
    let mut submit = submit_template("+15555551234", None);
    submit.user_data = UserData::text("hi");
    for period in [
        ValidityPeriod::Absolute(timestamp((26, 11, 22), (7, 36, 0), 4)),
        ValidityPeriod::Enhanced([0x42, 0x12, 0, 0, 0, 0, 0]),
    ] {
        submit.validity_period = Some(period);
        let decoded = SmsSubmit::decode(&submit.encode().unwrap()).unwrap();
        assert_eq!(decoded.validity_period, Some(period));
    }
}

// --- Reassembly ------------------------------------------------------------

fn part(reference: u16, total: u8, sequence: u8, body: &str) -> UserData {
    UserData {
        header: Some(UserDataHeader::concatenated(Concatenation {
            reference,
            total,
            sequence,
            wide_reference: false,
        })),
        body: Body::Text(body.to_owned()),
    }
}

#[test]
fn duplicate_parts_are_ignored() {
    let sender = Address::international("+491511");
    let mut reassembler = Reassembler::new(2);
    assert_eq!(reassembler.push(&sender, &part(1, 2, 1, "a")), None);
    assert_eq!(reassembler.push(&sender, &part(1, 2, 1, "X")), None);
    assert_eq!(
        reassembler.push(&sender, &part(1, 2, 2, "b")),
        Some(Body::Text("ab".into()))
    );
}

#[test]
fn parts_from_different_senders_do_not_mix() {
    let (alice, bob) = (Address::international("+1"), Address::international("+2"));
    let mut reassembler = Reassembler::new(4);
    assert_eq!(reassembler.push(&alice, &part(9, 2, 1, "a1")), None);
    assert_eq!(reassembler.push(&bob, &part(9, 2, 2, "b2")), None);
    assert_eq!(
        reassembler.push(&alice, &part(9, 2, 2, "a2")),
        Some(Body::Text("a1a2".into()))
    );
    assert_eq!(reassembler.pending(), 1);
}

#[test]
fn full_buffer_evicts_the_message_idle_longest() {
    let sender = Address::international("+1");
    let mut reassembler = Reassembler::new(2);
    reassembler.push(&sender, &part(1, 2, 1, "old"));
    reassembler.push(&sender, &part(2, 2, 1, "new"));
    reassembler.push(&sender, &part(1, 3, 1, "x")); // evicts reference 1 of 2 parts
    assert_eq!(reassembler.pending(), 2);
    assert_eq!(reassembler.push(&sender, &part(1, 2, 2, "!")), None);
    assert_eq!(
        reassembler.push(&sender, &part(2, 2, 2, "!")),
        None,
        "evicted in turn by the line above"
    );
    assert_eq!(reassembler.pending(), 2);
}

#[test]
fn unconcatenated_message_passes_straight_through() {
    let mut reassembler = Reassembler::new(1);
    let body = reassembler.push(&Address::unknown("1"), &UserData::text("hi"));
    assert_eq!(body, Some(Body::Text("hi".into())));
}

// --- Properties ------------------------------------------------------------

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
    #![proptest_config(ProptestConfig::with_cases(64))]

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
        // Duplicates after completion start a new message that never
        // completes; the bounded buffer is what disposes of it.
        prop_assert_eq!(completed.len(), 1);
        prop_assert_eq!(&completed[0], &Body::Text("abcdef".into()));
    }
}
