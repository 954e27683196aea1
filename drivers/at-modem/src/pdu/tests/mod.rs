//! Worked examples, public PDUs and properties across the whole codec.
//!
//! The example PDUs are public ones (classic tutorial PDUs and those that
//! ModemManager's tests decode), with the values they are known to carry.

mod encoding;
mod errors;
mod properties;
mod public_pdus;
mod reassembly;
mod splitting;

use super::*;

pub(super) fn decode_hex(hex: &str, direction: Direction) -> (Option<Address>, Pdu) {
    Pdu::decode_with_smsc(&from_hex(hex).unwrap(), direction).unwrap()
}

pub(super) fn deliver(hex: &str) -> (Option<Address>, SmsDeliver) {
    match decode_hex(hex, Direction::MobileTerminated) {
        (smsc, Pdu::Deliver(deliver)) => (smsc, deliver),
        other => panic!("not a DELIVER: {other:?}"),
    }
}

/// The TPDU of a PDU-mode hex string (its SMSC prefix dropped).
pub(super) fn tpdu_of(hex: &str) -> Vec<u8> {
    let bytes = from_hex(hex).unwrap();
    bytes[1 + usize::from(bytes[0])..].to_vec()
}

pub(super) fn timestamp(
    date: (u8, u8, u8),
    time: (u8, u8, u8),
    utc_offset_quarters: i8,
) -> Timestamp {
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

pub(super) fn text(body: &Body) -> &str {
    match body {
        Body::Text(text) => text,
        Body::Binary(data) => panic!("binary body {data:?}"),
    }
}

pub(super) fn submit_template(destination: &str, validity: Option<ValidityPeriod>) -> SmsSubmit {
    let mut template = SmsSubmit::new(
        Address::parse(destination),
        DataCoding::GSM7,
        UserData::text(""),
    );
    template.validity_period = validity;
    template
}

pub(super) fn single_pdu(template: &SmsSubmit, text: &str, smsc: Option<&Address>) -> Vec<u8> {
    let parts = encode_text(template, text, ConcatReference::Eight(0)).unwrap();
    assert_eq!(parts.len(), 1);
    encode_with_smsc(smsc, &parts[0].encode().unwrap()).unwrap()
}

pub(super) fn part(reference: u16, total: u8, sequence: u8, body: &str) -> UserData {
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
