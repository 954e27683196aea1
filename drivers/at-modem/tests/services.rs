//! USSD and packet data on the simulated EG25-G.

mod common;

use std::time::Duration;

use common::*;
use yunhal::error::{Error, ErrorKind};
use yunhal::modem::{Indication, IpFamily, ModemDevice, UssdStatus};
use yunhal_sim::modem::RegState;

#[test]
fn ussd_request_gets_the_networks_answer() {
    let rig = Rig::registered();
    let rig = std::sync::Arc::new(rig);
    let asking = std::sync::Arc::clone(&rig);

    let answer = rig
        .while_advancing(move || asking.modem.ussd("*100#", Duration::from_secs(2)))
        .unwrap();

    assert_eq!(answer.status, UssdStatus::Done);
    assert_eq!(answer.text.as_deref(), Some("Your balance is 12.34 EUR"));
}

#[test]
fn unknown_ussd_code_is_not_supported() {
    let rig = std::sync::Arc::new(Rig::registered());
    let asking = std::sync::Arc::clone(&rig);

    let answer = rig
        .while_advancing(move || asking.modem.ussd("*999#", Duration::from_secs(2)))
        .unwrap();

    assert_eq!(answer.status, UssdStatus::NotSupported);
    assert_eq!(answer.text, None);
}

#[test]
fn data_comes_up_with_an_address_reuses_its_context_and_goes_down() {
    let rig = Rig::registered();

    let up = rig.modem.data_up("internet", IpFamily::Ipv4).unwrap();
    let again = rig.modem.data_up("internet", IpFamily::Ipv4).unwrap();
    let listed = rig.modem.data_connections().unwrap();
    rig.modem.data_down(up.cid).unwrap();
    let after = rig.modem.data_connections().unwrap();

    // cid 1 is the modem's default context (empty APN), left alone.
    assert_eq!(up.cid, 2);
    assert!(up.active);
    assert_eq!(up.addresses, vec!["10.64.0.2".to_owned()]);
    assert_eq!(again.cid, up.cid);
    let context = listed.iter().find(|c| c.cid == up.cid).unwrap();
    assert_eq!((context.apn.as_str(), context.active), ("internet", true));
    assert_eq!(context.addresses, up.addresses);
    assert!(!after.iter().find(|c| c.cid == up.cid).unwrap().active);
    assert!(rig.sim.state().contexts.iter().all(|c| c.address.is_none()));
}

#[test]
fn network_taking_the_context_down_is_reported() {
    let rig = Rig::registered();
    let up = rig.modem.data_up("internet", IpFamily::Ipv4v6).unwrap();

    rig.sim.set_registration(RegState::Searching);

    rig.expect(|i| *i == Indication::DataDisconnected { cid: up.cid });
}

#[test]
fn bad_apn_and_cid_are_refused() {
    let rig = Rig::registered();

    let apn = rig.modem.data_up("inter net", IpFamily::Ipv4).unwrap_err();
    let cid = rig.modem.data_down(0).unwrap_err();

    assert_eq!(apn.kind(), ErrorKind::InvalidArgument);
    assert_eq!(cid.kind(), ErrorKind::InvalidArgument);
}
