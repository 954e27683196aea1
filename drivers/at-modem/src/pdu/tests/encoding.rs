//! SMS-SUBMITs encoded to octets known from public tests.

use super::super::*;
use super::*;

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
