use std::time::{Duration, Instant};

use proptest::prelude::*;

use super::*;
use crate::at::command::Final;
use crate::at::parse::network::{parse_registration_query, RegStatus};

const T: Duration = Duration::from_secs(5);

fn drain(engine: &mut AtEngine) -> Vec<Event> {
    std::iter::from_fn(|| engine.poll_event()).collect()
}

fn ok(lines: &[&str]) -> Result<Response, AtError> {
    Ok(Response {
        lines: lines.iter().map(|s| s.to_string()).collect(),
        final_code: Final::Ok,
    })
}

fn urc(line: &str) -> Event {
    Event::Urc(Urc {
        line: line.into(),
        pdu: None,
    })
}

/// Submits `commands`, then feeds `reply` in `chunks`, returning the events.
fn run(commands: &[Command], reply: &[u8], split: &[usize]) -> Vec<Event> {
    let now = Instant::now();
    let mut engine = AtEngine::new();
    for c in commands {
        engine.submit(c.clone(), T, now);
    }
    let mut start = 0;
    for &end in split.iter().chain(std::iter::once(&reply.len())) {
        let end = end.clamp(start, reply.len());
        engine.feed(&reply[start..end], now);
        start = end;
    }
    drain(&mut engine)
}

fn done(id: u64, command: &str, result: Result<Response, AtError>) -> Event {
    Event::Done {
        id: CommandId(id),
        command: command.into(),
        result,
    }
}

/// A Quectel EG25-G start: boot URCs, then AT+CSQ with echo on and a
/// registration URC in the middle of the answer.
const EG25_TRANSCRIPT: &[u8] = b"\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n\r\n+QUSIM: 1\r\n\r\n+QIND: SMS DONE\r\n\
AT+CSQ\r\r\n+CSQ: 23,99\r\n\r\n+CEREG: 1,\"2F4C\",\"0A1B2C3D\",7\r\n\r\nOK\r\n\r\n+QIND: PB DONE\r\n";

fn eg25_expected() -> Vec<Event> {
    vec![
        urc("RDY"),
        urc("+CFUN: 1"),
        urc("+CPIN: READY"),
        urc("+QUSIM: 1"),
        urc("+QIND: SMS DONE"),
        urc("+CEREG: 1,\"2F4C\",\"0A1B2C3D\",7"),
        done(0, "AT+CSQ", ok(&["+CSQ: 23,99"])),
        urc("+QIND: PB DONE"),
    ]
}

#[test]
fn eg25_boot_and_csq_with_echo_and_urc_inside_the_answer() {
    let now = Instant::now();
    let mut engine = AtEngine::new();
    engine.submit(Command::new("AT+CSQ"), T, now);
    assert_eq!(engine.take_output(), b"AT+CSQ\r");
    engine.feed(EG25_TRANSCRIPT, now);
    assert_eq!(drain(&mut engine), eg25_expected());
}

#[test]
fn every_single_split_point_gives_the_same_events() {
    let commands = [Command::new("AT+CSQ")];
    for split in 0..=EG25_TRANSCRIPT.len() {
        assert_eq!(
            run(&commands, EG25_TRANSCRIPT, &[split]),
            eg25_expected(),
            "split at {split}"
        );
    }
}

#[test]
fn byte_at_a_time_gives_the_same_events() {
    let splits: Vec<usize> = (0..EG25_TRANSCRIPT.len()).collect();
    assert_eq!(
        run(&[Command::new("AT+CSQ")], EG25_TRANSCRIPT, &splits),
        eg25_expected()
    );
}

/// A transcript with everything: echo, several commands, prompt, +CMT with
/// its PDU, a multi-line answer and errors.
fn mixed_commands() -> Vec<Command> {
    vec![
        Command::new("AT+CGSN"),
        Command::new("AT+CLCC"),
        Command::with_prompt("AT+CMGS=4", b"0011000B91".to_vec()),
        Command::new("AT+CPIN?"),
        Command::new("AT+CMGR=9"),
    ]
}

const MIXED: &[u8] = b"AT+CGSN\r\r\n867698041234567\r\n\r\nOK\r\n\
\r\n+CLCC: 1,0,0,0,0,\"+15551234567\",145\r\n\r\nRING\r\n\r\n+CLCC: 2,1,5,0,0,\"5550000\",129\r\n\r\nOK\r\n\
AT+CMGS=4\r\r\n> 0011000B91\x1a\r\n\r\n+CMT: ,6\r\n00000000000000\r\n+CMGS: 12\r\n\r\nOK\r\n\
\r\n+CME ERROR: 10\r\n\
\r\n+CMGR: 0,,6\r\n00000000000000\r\n\r\n+CMS ERROR: 321\r\n";

fn mixed_expected() -> Vec<Event> {
    use crate::at::parse::errors::CmsError;
    vec![
        done(0, "AT+CGSN", ok(&["867698041234567"])),
        urc("RING"),
        done(
            1,
            "AT+CLCC",
            ok(&[
                "+CLCC: 1,0,0,0,0,\"+15551234567\",145",
                "+CLCC: 2,1,5,0,0,\"5550000\",129",
            ]),
        ),
        Event::Urc(Urc {
            line: "+CMT: ,6".into(),
            pdu: Some("00000000000000".into()),
        }),
        done(2, "AT+CMGS=4", ok(&["+CMGS: 12"])),
        done(
            3,
            "AT+CPIN?",
            Err(AtError::Cme(
                crate::at::parse::errors::CmeError::parse_line("+CME ERROR: 10").unwrap(),
            )),
        ),
        done(
            4,
            "AT+CMGR=9",
            Err(AtError::Cms(
                CmsError::parse_line("+CMS ERROR: 321").unwrap(),
            )),
        ),
    ]
}

#[test]
fn mixed_transcript_sorts_responses_urcs_prompt_and_errors() {
    assert_eq!(run(&mixed_commands(), MIXED, &[]), mixed_expected());
}

#[test]
fn prompt_command_writes_payload_and_ctrl_z_after_the_prompt() {
    let now = Instant::now();
    let mut engine = AtEngine::new();
    engine.submit(
        Command::with_prompt("AT+CMGS=4", b"0011000B91".to_vec()),
        T,
        now,
    );
    assert_eq!(engine.take_output(), b"AT+CMGS=4\r");
    engine.feed(b"\r\n> ", now);
    assert_eq!(engine.take_output(), b"0011000B91\x1a");
    engine.feed(b"\r\n+CMGS: 7\r\n\r\nOK\r\n", now);
    assert_eq!(
        drain(&mut engine),
        vec![done(0, "AT+CMGS=4", ok(&["+CMGS: 7"]))]
    );
}

#[test]
fn prompt_command_timing_out_sends_esc_and_the_next_command_starts() {
    let now = Instant::now();
    let mut engine = AtEngine::new();
    engine.submit(Command::with_prompt("AT+CMGS=4", b"00".to_vec()), T, now);
    engine.submit(Command::new("AT"), T, now);
    assert_eq!(engine.take_output(), b"AT+CMGS=4\r");
    engine.handle_timeout(now + T - Duration::from_millis(1));
    assert!(drain(&mut engine).is_empty());
    engine.handle_timeout(now + T);
    assert_eq!(engine.take_output(), b"\x1bAT\r");
    assert_eq!(
        drain(&mut engine),
        vec![done(
            0,
            "AT+CMGS=4",
            Err(AtError::Timeout {
                command: "AT+CMGS=4".into()
            })
        )]
    );
    assert_eq!(engine.next_deadline(), Some(now + T + T));
}

#[test]
fn late_answer_after_a_timeout_is_stray() {
    let now = Instant::now();
    let mut engine = AtEngine::new();
    engine.submit(Command::new("AT+COPS=?"), T, now);
    engine.handle_timeout(now + T);
    engine.feed(b"\r\nOK\r\n", now + T);
    let events = drain(&mut engine);
    assert_eq!(events[1], Event::Stray("OK".into()));
}

#[test]
fn registration_urc_crossing_a_registration_query_stays_a_urc() {
    let reply = b"\r\n+CREG: 5\r\n\r\n+CREG: 2,1,\"CE00\",\"01CEAD8F\"\r\n\r\n+CREG: 1,\"CE00\",\"00005449\"\r\n\r\nOK\r\n";
    let events = run(&[Command::new("AT+CREG?")], reply, &[]);
    assert_eq!(events[0], urc("+CREG: 5"));
    assert_eq!(events[1], urc("+CREG: 1,\"CE00\",\"00005449\""));
    let Event::Done {
        result: Ok(response),
        ..
    } = &events[2]
    else {
        panic!("{events:?}")
    };
    let reg = parse_registration_query(&response.lines[0]).unwrap();
    assert_eq!((reg.mode, reg.status), (Some(2), RegStatus::Home));
}

#[test]
fn echo_off_on_toggle_and_reboot_all_work() {
    let cmds = [
        Command::new("ATE0"),
        Command::new("AT+CFUN?"),
        Command::new("ATE1"),
        Command::new("AT+CFUN?"),
    ];
    // ATE0 is echoed (echo still on), then off; ATE1 not echoed; then on.
    let reply =
        b"ATE0\r\r\nOK\r\n\r\n+CFUN: 1\r\n\r\nOK\r\n\r\nOK\r\nAT+CFUN?\r\r\n+CFUN: 1\r\n\r\nOK\r\n";
    let events = run(&cmds, reply, &[]);
    assert_eq!(
        events,
        vec![
            done(0, "ATE0", ok(&[])),
            done(1, "AT+CFUN?", ok(&["+CFUN: 1"])),
            done(2, "ATE1", ok(&[])),
            done(3, "AT+CFUN?", ok(&["+CFUN: 1"])),
        ]
    );
}

#[test]
fn no_carrier_ends_a_dial_but_is_a_urc_otherwise() {
    let events = run(&[Command::new("ATD5551234;")], b"\r\nNO CARRIER\r\n", &[]);
    assert_eq!(
        events,
        vec![done(0, "ATD5551234;", Err(AtError::NoCarrier))]
    );
    let events = run(
        &[Command::new("AT+CSQ")],
        b"\r\nNO CARRIER\r\n\r\n+CSQ: 5,99\r\n\r\nOK\r\n",
        &[],
    );
    assert_eq!(
        events,
        vec![urc("NO CARRIER"), done(0, "AT+CSQ", ok(&["+CSQ: 5,99"]))]
    );
}

#[test]
fn garbage_and_overlong_lines_give_errors_and_resync() {
    let mut reply = b"\x00\xff\r\n".to_vec();
    reply.extend(std::iter::repeat_n(b'x', crate::at::MAX_LINE + 1));
    reply.extend_from_slice(b"\r\n+CSQ: 5,99\r\nOK\r\n");
    let events = run(&[Command::new("AT+CSQ")], &reply, &[]);
    assert!(matches!(
        events[0],
        Event::Framing(crate::at::FrameError::Garbage { .. })
    ));
    assert!(matches!(
        events[1],
        Event::Framing(crate::at::FrameError::Overflow { .. })
    ));
    assert_eq!(events[2], done(0, "AT+CSQ", ok(&["+CSQ: 5,99"])));
}

#[test]
fn idle_unknown_text_is_stray_and_plus_lines_are_urcs() {
    let events = run(&[], b"hello\r\n^BOOT:1,0,0\r\n", &[]);
    assert_eq!(
        events,
        vec![Event::Stray("hello".into()), urc("^BOOT:1,0,0")]
    );
}

#[test]
fn fail_all_ends_running_and_queued_commands() {
    let now = Instant::now();
    let mut engine = AtEngine::new();
    engine.submit(Command::new("AT"), T, now);
    engine.submit(Command::new("AT+CSQ"), T, now);
    engine.fail_all(AtError::Closed);
    assert_eq!(
        drain(&mut engine),
        vec![
            done(0, "AT", Err(AtError::Closed)),
            done(1, "AT+CSQ", Err(AtError::Closed))
        ]
    );
    assert!(engine.is_idle());
}

proptest! {
    #[test]
    fn any_chunking_of_the_mixed_transcript_gives_the_same_events(
        mut splits in proptest::collection::vec(0..MIXED.len(), 0..40)
    ) {
        splits.sort_unstable();
        prop_assert_eq!(run(&mixed_commands(), MIXED, &splits), mixed_expected());
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let now = Instant::now();
        let mut engine = AtEngine::new();
        engine.submit(Command::with_prompt("AT+CMGS=1", b"00".to_vec()), T, now);
        engine.submit(Command::new("AT+CREG?"), T, now);
        engine.feed(&bytes, now);
        engine.handle_timeout(now + T);
        for event in drain(&mut engine) {
            if let Event::Urc(u) = event {
                let _ = u.parse();
            }
        }
    }
}
