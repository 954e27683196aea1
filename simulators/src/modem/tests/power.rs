//! The power pins: PWRKEY presses switch the module off and on, RESET_N
//! reboots it, STATUS follows, and a board's GPIO lines drive them.

use super::Host;
use crate::clock::SimClock;
use crate::gpio::SimGpioChip;
use crate::modem::{ModemClock, ModemConfig, ModemSim, PinLine, PowerPin, PowerState, SimState};
use embedded_hal::digital::{InputPin, OutputPin};
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use yunhal::time::Nanos;

fn press(host: &mut Host, ms: u64) {
    host.sim.set_pwrkey(true);
    host.advance_ms(ms);
    host.sim.set_pwrkey(false);
}

#[test]
fn a_long_press_powers_down_and_another_boots_with_volatile_state_lost() {
    let mut host = Host::registered();

    press(&mut host, 700);
    let going = host.read_until("POWERED DOWN\r\n");
    let logging_off = host.sim.state();
    host.advance_ms(300);
    host.write("AT\r");
    let while_off = host.pending();
    let off = host.sim.state();
    press(&mut host, 500);
    host.advance_ms(200);
    let boot = host.read_until("+CPIN: SIM PIN\r\n");

    assert!(going.ends_with("\r\nPOWERED DOWN\r\n"), "{going:?}");
    assert_eq!(logging_off.power, PowerState::PoweringDown);
    assert_eq!(off.power, PowerState::Off);
    assert!(off.silent);
    assert_eq!(while_off, "");
    assert!(boot.starts_with("\r\nRDY\r\n"), "{boot:?}");
    let on = host.sim.state();
    assert_eq!(on.power, PowerState::On);
    assert_eq!(on.sim, SimState::PinRequired);
}

#[test]
fn presses_shorter_than_the_datasheets_minimums_do_nothing() {
    let mut host = Host::registered();

    press(&mut host, 600);
    host.advance_ms(1_000);
    let still_on = host.command("AT");
    press(&mut host, 700);
    host.advance_ms(300);
    press(&mut host, 400);
    host.advance_ms(1_000);

    assert_eq!(still_on, "\r\nOK\r\n");
    assert_eq!(host.sim.state().power, PowerState::Off);
}

#[test]
fn a_hung_modem_ignores_the_power_key_but_a_reset_pulse_reboots_it() {
    let mut host = Host::registered();
    host.sim.go_silent(None);

    press(&mut host, 1_000);
    host.advance_ms(1_000);
    let after_key = host.sim.state();
    host.sim.set_reset(true);
    host.advance_ms(100);
    host.sim.set_reset(false);
    host.advance_ms(1_000);
    let after_short_pulse = host.sim.state();
    host.sim.set_reset(true);
    host.advance_ms(300);
    host.sim.set_reset(false);
    host.advance_ms(200);
    let boot = host.read_until("+CPIN: SIM PIN\r\n");

    assert_eq!(after_key.power, PowerState::On);
    assert!(after_key.silent);
    assert!(after_short_pulse.silent);
    assert!(boot.contains("RDY\r\n"), "{boot:?}");
    assert!(!host.sim.state().silent);
}

#[test]
fn gpio_lines_drive_the_pins_through_the_boards_wiring() {
    let (_host, port) = UnixStream::pair().unwrap();
    let clock = ModemClock::Simulated(SimClock::new());
    let sim = Arc::new(ModemSim::run(port, ModemConfig::default(), clock).unwrap());
    let chip = SimGpioChip::new("pio", 256);
    // Wired as on the PinePhone: transistors drive PWRKEY and RESET_N
    // (a high line presses or resets) and invert STATUS.
    for (pin, line, active_low) in [
        (PowerPin::Pwrkey, 35, false),
        (PowerPin::Reset, 68, false),
        (PowerPin::Status, 233, true),
    ] {
        let line = PinLine { line, active_low };
        sim.wire_power_pin(&chip, pin, line).unwrap();
    }
    let mut pwrkey = chip.request_output(35, false, false).unwrap();
    let _reset = chip.request_output(68, false, false).unwrap();
    let mut status = chip.request_input(233, true).unwrap();
    let physical_status = chip.level(233);

    let on_before = status.is_high().unwrap();
    pwrkey.set_high().unwrap();
    sim.advance(Nanos::from_millis(1_000));
    pwrkey.set_low().unwrap();
    sim.advance(Nanos::from_millis(300));
    let on_after = status.is_high().unwrap();

    assert!(on_before);
    assert!(!physical_status);
    assert!(!on_after);
    assert!(chip.level(233));
    assert_eq!(sim.state().power, PowerState::Off);
    // The chip holds the modem weakly: once it is gone, the module reads
    // as off.
    drop(sim);
    assert!(status.is_low().unwrap());
}
