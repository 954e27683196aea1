//! A modem that stops answering or restarts: the simulator silenced and
//! restored, silenced until power-cycled (its reboot), and restarting by
//! itself. The first two run on the real clock: the driver's timeouts and
//! the modem's boot have to race each other.

mod common;

use std::time::{Duration, Instant};

use common::*;
use yunhal::error::{Error, ErrorKind};
use yunhal::modem::{CallEndReason, CallState, Indication, ModemDevice};
use yunhal_at_modem::modem::RecoveryConfig;
use yunhal_sim::modem::{ModemClock, ModemConfig, SimState};

/// Recovery takes a few command timeouts and a boot.
const RECOVERY_WAIT: Duration = Duration::from_secs(10);

fn real_clock_rig() -> Rig {
    let config = driver_config()
        .with_keepalive_interval(Some(Duration::from_millis(100)))
        .with_recovery(RecoveryConfig {
            timeouts: 3,
            boot_timeout: Duration::from_secs(1),
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(400),
        });
    let rig = start_with(ModemConfig::default(), ModemClock::real(), config);
    rig.expect(|i| matches!(i, Indication::Registration(s) if s.is_registered()));
    rig
}

fn reset_reason(rig: &Rig) -> String {
    match rig.expect_within(RECOVERY_WAIT, |i| matches!(i, Indication::Reset { .. })) {
        Indication::Reset { reason } => reason,
        _ => unreachable!(),
    }
}

#[test]
fn silent_modem_is_reported_unavailable_and_available_again_once_it_talks() {
    let rig = real_clock_rig();

    rig.sim.go_silent(None);
    rig.expect_within(RECOVERY_WAIT, |i| *i == Indication::Available(false));
    let during = rig.modem.signal().unwrap_err();
    rig.sim.clear_silence();
    rig.expect_within(RECOVERY_WAIT, |i| *i == Indication::Available(true));
    let reason = reset_reason(&rig);

    assert_eq!(during.kind(), ErrorKind::NotPresent);
    assert!(reason.contains("timed out"), "{reason}");
    assert!(rig.modem.signal().is_ok());
}

#[test]
fn modem_silent_for_good_is_power_cycled_and_its_call_ends_with_it() {
    let rig = real_clock_rig();
    rig.modem.dial("+15550123").unwrap();
    rig.expect(|i| {
        matches!(i, Indication::Calls(c) if c.first().is_some_and(|c| c.state == CallState::Active))
    });
    let started = Instant::now();

    rig.sim.go_silent(None);
    rig.expect_within(RECOVERY_WAIT, |i| *i == Indication::Available(false));
    let lost_after = started.elapsed();
    rig.expect_within(RECOVERY_WAIT, |i| *i == Indication::Available(true));
    let back_after = started.elapsed();
    let reason = reset_reason(&rig);
    let ended = rig.expect(|i| matches!(i, Indication::CallEnded { .. }));

    println!("lost after {lost_after:?}, back after {back_after:?}");
    assert!(reason.contains("power-cycled"), "{reason}");
    assert!(matches!(
        ended,
        Indication::CallEnded {
            reason: CallEndReason::ModemLost,
            ..
        }
    ));
    // The reboot locked the SIM; the driver entered the PIN again.
    assert_eq!(rig.sim.state().sim, SimState::Ready);
    assert!(rig.modem.calls().unwrap().is_empty());
}

#[test]
fn modem_restarting_by_itself_is_set_up_again_and_reported() {
    let rig = Rig::registered();
    assert!(rig.sim.incoming_call("+15550177"));
    rig.modem.answer().unwrap();
    rig.drain();

    rig.sim.reboot();
    rig.advance_ms(200);

    let reason = reset_reason(&rig);
    assert!(reason.contains("RDY"), "{reason}");
    rig.expect(|i| {
        matches!(
            i,
            Indication::CallEnded {
                reason: CallEndReason::ModemLost,
                ..
            }
        )
    });
    let state = rig.sim.state();
    assert_eq!(state.sim, SimState::Ready);
    assert!(!state.echo);
    rig.advance_ms(100);
    rig.expect(|i| matches!(i, Indication::Registration(s) if s.is_registered()));
}

#[test]
fn dropping_the_driver_closes_the_port() {
    let rig = start();
    let Rig { sim, modem } = rig;

    let started = Instant::now();
    drop(modem);
    let took = started.elapsed();

    assert!(took < Duration::from_millis(500), "{took:?}");
    // The port is free: a new driver opens it and is answered.
    let port = yunhal_at_modem::modem::TtyPort::new(sim.pty_path().unwrap());
    let again = yunhal_at_modem::modem::AtModem::open(Box::new(port), driver_config()).unwrap();
    assert!(again.identity().is_ok());
}
