//! Voice calls on the simulated EG25-G: outgoing and incoming calls with
//! their state changes, why each ended, DTMF, call waiting and swap.

mod common;

use common::*;
use yunhal::error::{Error, ErrorKind};
use yunhal::modem::{Call, CallDirection, CallEndReason, CallState, Indication, ModemDevice};

fn calls_in(state: CallState) -> impl Fn(&Indication) -> bool {
    move |i| matches!(i, Indication::Calls(calls) if calls.iter().any(|c| c.state == state))
}

fn ended(reason: CallEndReason) -> impl Fn(&Indication) -> bool {
    move |i| matches!(i, Indication::CallEnded { reason: r, .. } if *r == reason)
}

fn only_call(indication: Indication) -> Call {
    match indication {
        Indication::Calls(mut calls) if calls.len() == 1 => calls.remove(0),
        other => panic!("not one call: {other:?}"),
    }
}

#[test]
fn outgoing_call_dials_alerts_is_answered_and_hung_up_here() {
    let rig = Rig::registered();

    rig.modem.dial("+15550123").unwrap();
    let dialing = only_call(rig.expect(calls_in(CallState::Dialing)));
    rig.advance_ms(100);
    rig.expect(calls_in(CallState::Alerting));
    assert!(rig.sim.remote_answer());
    rig.expect(calls_in(CallState::Active));
    rig.modem.hang_up(None).unwrap();
    let end = rig.expect(|i| matches!(i, Indication::CallEnded { .. }));

    assert_eq!(dialing.direction, CallDirection::Outgoing);
    assert_eq!(dialing.number.as_deref(), Some("+15550123"));
    assert_eq!(
        end,
        Indication::CallEnded {
            id: dialing.id,
            reason: CallEndReason::Local
        }
    );
    assert!(rig.sim.state().calls.is_empty());
}

#[test]
fn incoming_call_rings_with_the_number_is_answered_and_ended_remotely() {
    let rig = Rig::registered();

    assert!(rig.sim.incoming_call("+15550177"));
    let ring = rig.expect(|i| matches!(i, Indication::Ring { .. }));
    rig.modem.answer().unwrap();
    let active = only_call(rig.expect(calls_in(CallState::Active)));
    rig.modem.send_dtmf("12#A").unwrap();
    assert!(rig.sim.remote_hangup());
    let end = rig.expect(|i| matches!(i, Indication::CallEnded { .. }));

    assert_eq!(
        ring,
        Indication::Ring {
            number: Some("+15550177".into())
        }
    );
    assert_eq!(active.direction, CallDirection::Incoming);
    assert_eq!(rig.sim.state().dtmf, "12#A");
    assert_eq!(
        end,
        Indication::CallEnded {
            id: active.id,
            reason: CallEndReason::Remote
        }
    );
}

#[test]
fn busy_and_unanswered_calls_end_with_their_reason() {
    let rig = Rig::registered();

    rig.modem.dial("+15550111").unwrap();
    rig.advance_ms(100);
    rig.expect(ended(CallEndReason::Busy));
    rig.modem.dial("+15550122").unwrap();
    rig.advance_ms(100);
    rig.expect(calls_in(CallState::Alerting));
    rig.advance_ms(30_000);

    rig.expect(ended(CallEndReason::NoAnswer));
}

#[test]
fn waiting_call_is_swapped_in_and_the_held_one_hung_up_alone() {
    let rig = Rig::registered();
    rig.modem.dial("+15550123").unwrap();
    rig.advance_ms(100);
    assert!(rig.sim.remote_answer());
    let first = only_call(rig.expect(calls_in(CallState::Active)));

    assert!(rig.sim.incoming_call("+15550188"));
    rig.expect(calls_in(CallState::Waiting));
    rig.modem.swap_calls().unwrap();
    rig.expect(calls_in(CallState::Held));
    rig.modem.hang_up(Some(first.id)).unwrap();

    rig.expect(|i| {
        *i == Indication::CallEnded {
            id: first.id,
            reason: CallEndReason::Local,
        }
    });
    let calls = rig.sim.state().calls;
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].number, "+15550188");
}

#[test]
fn answering_with_no_call_and_hanging_up_an_unknown_call_are_invalid_state() {
    let rig = Rig::registered();

    let answer = rig.modem.answer().unwrap_err();
    let hang_up = rig.modem.hang_up(Some(5)).unwrap_err();

    assert_eq!(answer.kind(), ErrorKind::InvalidState);
    assert_eq!(hang_up.kind(), ErrorKind::InvalidState);
    assert_eq!(hang_up.to_string(), "there is no call 5");
}
