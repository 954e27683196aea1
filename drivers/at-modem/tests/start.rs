//! Opening the driver on the simulated EG25-G: the init sequence, identity,
//! the SIM and its PIN, power, registration and signal.

mod common;

use std::time::Duration;

use common::*;
use yunhal::error::{Error, ErrorKind};
use yunhal::modem::{
    AccessTechnology, Indication, ModemDevice, PowerState, RegistrationState, SimStatus,
};
use yunhal_sim::modem::{ModemConfig, RegState, SimState};

#[test]
fn open_turns_echo_off_and_enters_the_configured_pin() {
    let rig = start();

    let state = rig.sim.state();

    assert!(!state.echo);
    assert_eq!(state.sim, SimState::Ready);
    assert_eq!(state.pin_attempts, 3);
}

#[test]
fn identity_and_sim_come_from_the_modem() {
    let rig = start();
    let config = ModemConfig::default();

    let identity = rig.modem.identity().unwrap();
    let sim = rig.modem.sim().unwrap();

    assert_eq!(
        (identity.manufacturer.as_str(), identity.model.as_str()),
        ("Quectel", "EG25")
    );
    assert_eq!(identity.firmware, "EG25GGBR07A08M2G");
    assert_eq!(identity.imei, config.imei());
    assert_eq!(sim.status, SimStatus::Ready);
    assert_eq!(sim.iccid.as_deref(), Some(config.iccid.as_str()));
    assert_eq!(sim.imsi.as_deref(), Some(config.imsi.as_str()));
}

#[test]
fn pin_entered_by_the_caller_unlocks_and_a_wrong_one_is_refused_with_the_reason() {
    let rig = start_with(ModemConfig::default(), simulated(), {
        let mut config = driver_config();
        config.pin = None;
        config
    });
    assert_eq!(rig.modem.sim().unwrap().status, SimStatus::PinRequired);

    let wrong = rig.modem.enter_pin("0000").unwrap_err();
    let status = rig.modem.enter_pin("1234").unwrap();
    rig.advance_ms(100);

    assert_eq!(wrong.kind(), ErrorKind::InvalidArgument);
    assert_eq!(wrong.cme_code(), Some(16));
    assert!(wrong.to_string().contains("incorrect password"), "{wrong}");
    assert_eq!(status, SimStatus::Ready);
    assert_eq!(rig.sim.state().pin_attempts, 3);
    rig.expect(|i| matches!(i, Indication::Registration(s) if s.is_registered()));
}

#[test]
fn registration_is_reported_with_operator_and_cell_as_the_network_changes() {
    let rig = start();

    rig.advance_ms(100);
    // +CREG and +CEREG come one after the other: two reports.
    let Indication::Registration(home) = rig
        .expect(|i| matches!(i, Indication::Registration(s) if s.eps == RegistrationState::Home))
    else {
        unreachable!()
    };
    rig.sim.set_registration(RegState::Roaming);
    rig.advance_ms(100);
    let Indication::Registration(roaming) = rig.expect(
        |i| matches!(i, Indication::Registration(s) if s.eps == RegistrationState::Roaming),
    ) else {
        unreachable!()
    };
    rig.sim.set_registration(RegState::Searching);
    let Indication::Registration(lost) =
        rig.expect(|i| matches!(i, Indication::Registration(s) if !s.is_registered()))
    else {
        unreachable!()
    };

    let home_operator = home.operator.unwrap();
    assert_eq!(home_operator.name.as_deref(), Some("Yunhal Test"));
    assert_eq!(home_operator.code.as_deref(), Some("00101"));
    assert_eq!(home.cs, RegistrationState::Home);
    assert_eq!(home.access_technology, Some(AccessTechnology::Lte));
    assert_eq!(home.area_code, Some(0x2A01));
    assert_eq!(home.cell_id, Some(0x01A2_D001));
    assert_eq!(roaming.operator.unwrap().name.as_deref(), Some("Other Net"));
    assert_eq!(lost.operator, None);
    assert_eq!(
        rig.modem.network().unwrap().cs,
        RegistrationState::Searching
    );
}

#[test]
fn signal_is_read_and_a_change_is_reported_by_polling() {
    let rig = start_with(
        ModemConfig::default(),
        simulated(),
        driver_config().with_signal_poll_interval(Some(Duration::from_millis(20))),
    );
    rig.advance_ms(100);

    let strong = rig.modem.signal().unwrap();
    rig.sim.set_signal(-101);
    let Indication::Signal(weak) =
        rig.expect(|i| matches!(i, Indication::Signal(s) if s.rssi.is_some_and(|r| r.0 < -95.0)))
    else {
        unreachable!()
    };

    let rssi = strong.rssi.unwrap().0;
    assert!((-79.0..=-71.0).contains(&rssi), "{rssi}");
    assert!(strong.rsrp.is_some() && strong.rsrq.is_some() && strong.sinr.is_some());
    assert!((-105.0..=-97.0).contains(&weak.rssi.unwrap().0), "{weak:?}");
    assert!(weak.bars() < strong.bars());
}

#[test]
fn airplane_mode_drops_registration_and_on_brings_it_back() {
    let rig = Rig::registered();

    rig.modem.set_power(PowerState::Airplane).unwrap();
    let power = rig.modem.power().unwrap();
    rig.expect(|i| matches!(i, Indication::Registration(s) if !s.is_registered()));
    rig.modem.set_power(PowerState::On).unwrap();
    rig.advance_ms(100);

    assert_eq!(power, PowerState::Airplane);
    rig.expect(|i| matches!(i, Indication::Registration(s) if s.is_registered()));
    assert_eq!(rig.modem.power().unwrap(), PowerState::On);
}

#[test]
fn sim_locked_again_by_power_off_is_reported_and_unlocked_with_the_known_pin() {
    let rig = Rig::registered();

    rig.modem.set_power(PowerState::Off).unwrap();
    rig.modem.set_power(PowerState::On).unwrap();

    rig.expect(|i| *i == Indication::Sim(SimStatus::PinRequired));
    rig.expect(|i| *i == Indication::Sim(SimStatus::Ready));
    let state = rig.sim.state();
    assert_eq!(state.sim, SimState::Ready);
    assert_eq!(state.pin_attempts, 3);
}
