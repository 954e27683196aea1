//! Feeds arbitrary bytes to the AT engine as a hostile or broken modem
//! would, with a prompt command and a registration query pending, and runs
//! every line parser on every line that comes out.
#![no_main]

use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use yunhal_at_modem::at::parse::{calls, data, network, sim, sms};
use yunhal_at_modem::at::{AtEngine, Command, Event};

fn parse_line(line: &str, next: Option<&str>) {
    let _ = network::parse_registration_query(line);
    let _ = network::parse_registration_urc(line);
    let _ = network::parse_cops_query(line);
    let _ = network::parse_cops_list(line);
    let _ = network::parse_csq(line);
    let _ = network::parse_cesq(line);
    let _ = network::parse_cfun(line);
    let _ = sim::parse_cpin(line);
    let _ = sim::parse_iccid(line);
    let _ = sim::parse_imsi(line);
    let _ = sim::parse_imei(line);
    let _ = calls::parse_clcc(line);
    let _ = calls::parse_clip(line);
    let _ = calls::parse_cusd(line);
    let _ = data::parse_cgdcont(line);
    let _ = data::parse_cgact(line);
    let _ = data::parse_cgpaddr(line);
    let _ = sms::parse_cmti(line);
    let _ = sms::parse_cmgs(line);
    let _ = sms::parse_cmgr(line, next);
    let _ = sms::parse_cmt(line, next);
}

fuzz_target!(|data: &[u8]| {
    let now = Instant::now();
    let timeout = Duration::from_secs(1);
    let mut engine = AtEngine::new();
    engine.submit(Command::with_prompt("AT+CMGS=1", b"0000".to_vec()), timeout, now);
    engine.submit(Command::new("AT+CREG?"), timeout, now);
    engine.submit(Command::new("AT+CMGL=4"), timeout, now);
    let (first, second) = data.split_at(data.len() / 2);
    engine.feed(first, now);
    engine.handle_timeout(now + timeout);
    engine.feed(second, now + timeout);
    let _ = engine.take_output();
    while let Some(event) = engine.poll_event() {
        match event {
            Event::Urc(urc) => {
                let _ = urc.parse();
            }
            Event::Done { result: Ok(response), .. } => {
                let _ = sms::parse_cmgl(&response.lines);
                for pair in response.lines.windows(2) {
                    parse_line(&pair[0], Some(&pair[1]));
                }
                if let Some(last) = response.lines.last() {
                    parse_line(last, None);
                }
            }
            _ => {}
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        parse_line(text, None);
    }
});
