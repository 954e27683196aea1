//! What the decoder reports, and what it accepts leniently.

use super::super::*;
use super::*;

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

#[test]
fn septet_length_shorter_than_the_header_is_an_error() {
    // TP-UDL 6 septets, but the 6-octet header alone takes 7.
    let tpdu = from_hex("40008100000000000000000006050003010201").unwrap();
    assert_eq!(
        Pdu::decode(&tpdu, Direction::MobileTerminated),
        Err(DecodeError::Invalid {
            field: "TP-UDL",
            offset: 12,
            reason: "shorter than the user data header"
        })
    );
}

#[test]
fn header_longer_than_the_user_data_is_an_error() {
    // TP-UDL 2 octets of 8-bit data, but TP-UDHL claims 5.
    let tpdu = from_hex("400081000400000000000000020500").unwrap();
    assert_eq!(
        Pdu::decode(&tpdu, Direction::MobileTerminated),
        Err(DecodeError::Invalid {
            field: "TP-UDHL",
            offset: 13,
            reason: "header longer than the user data"
        })
    );
}
