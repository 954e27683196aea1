//! The modem's power pins, as the EG25-G's hardware design gives them:
//! PWRKEY pulled low for at least 500 ms switches the module on, and for
//! at least 650 ms switches it off (it logs off the network, says
//! `POWERED DOWN`, and STATUS falls); RESET_N pulled low for 150 ms to
//! 460 ms resets it. The firmware handles the power key, so a hung modem
//! ignores it; RESET_N is hardware and always works.
//!
//! Pins are given here as the module sees them: "pressed" is PWRKEY low,
//! "asserted" is RESET_N low, and STATUS is high while the module is on.
//! How a board wires them to the SoC (the PinePhone drives both through
//! inverting transistors, and reads STATUS inverted) is the board file's
//! business: its lines' `active_low`.

use super::engine::{Engine, Silence, Timer};
use yunhal::time::Nanos;

/// PWRKEY hold that switches an off module on.
pub const POWER_ON_PRESS: Nanos = Nanos::from_millis(500);
/// PWRKEY hold that switches a running module off.
pub const POWER_OFF_PRESS: Nanos = Nanos::from_millis(650);
/// Shortest RESET_N pulse that resets the module.
pub const RESET_PULSE: Nanos = Nanos::from_millis(150);

/// Whether the module has power, as STATUS tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PowerState {
    /// Running (or booting).
    On,
    /// Logging off after the power key; STATUS is still high.
    PoweringDown,
    /// Switched off: silent, STATUS low.
    Off,
}

/// The pins' history the module acts on.
#[derive(Debug, Clone)]
pub(crate) struct Pins {
    pub state: PowerState,
    pwrkey_pressed_at: Option<Nanos>,
    reset_asserted_at: Option<Nanos>,
}

impl Default for Pins {
    fn default() -> Self {
        Pins {
            state: PowerState::On,
            pwrkey_pressed_at: None,
            reset_asserted_at: None,
        }
    }
}

impl Engine {
    /// STATUS: high from power-on until the power-down completes.
    pub fn status_pin(&self) -> bool {
        self.pins.state != PowerState::Off
    }

    /// PWRKEY pressed (`true`, pulled low) or released. The module acts on
    /// the release, by how long the key was held.
    pub fn set_pwrkey(&mut self, pressed: bool) {
        let now = self.now;
        match (pressed, self.pins.pwrkey_pressed_at) {
            (true, None) => self.pins.pwrkey_pressed_at = Some(now),
            (false, Some(since)) => {
                self.pins.pwrkey_pressed_at = None;
                let held = now.saturating_sub(since);
                match self.pins.state {
                    PowerState::Off if held >= POWER_ON_PRESS => self.switch_on(),
                    PowerState::On if held >= POWER_OFF_PRESS && !self.is_hung() => {
                        self.power_down()
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }

    /// RESET_N asserted (`true`, pulled low) or released: a long enough
    /// pulse reboots a module that has power, hung or not.
    pub fn set_reset(&mut self, asserted: bool) {
        let now = self.now;
        match (asserted, self.pins.reset_asserted_at) {
            (true, None) => self.pins.reset_asserted_at = Some(now),
            (false, Some(since)) => {
                self.pins.reset_asserted_at = None;
                if now.saturating_sub(since) >= RESET_PULSE && self.pins.state != PowerState::Off {
                    self.pins.state = PowerState::On;
                    self.reboot();
                }
            }
            _ => {}
        }
    }

    /// Firmware that stopped answering until something clears it.
    fn is_hung(&self) -> bool {
        matches!(self.silence, Silence::UntilCleared)
    }

    fn switch_on(&mut self) {
        self.pins.state = PowerState::On;
        self.reboot();
    }

    fn power_down(&mut self) {
        self.drop_all_calls();
        self.urc("POWERED DOWN");
        self.timers.clear();
        self.pins.state = PowerState::PoweringDown;
        self.schedule(self.config.power_down_time, Timer::PoweredDown);
    }

    /// The end of a power-down: no power, nothing said or heard.
    pub(crate) fn powered_down(&mut self) {
        self.timers.clear();
        self.held_urcs.clear();
        self.pins.state = PowerState::Off;
        self.sim.power_off();
    }
}
