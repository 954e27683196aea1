//! Public PDUs decoded, their values checked, and encoded back.

use super::super::*;
use super::*;

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
