//! Power-cycling a modem through the board's GPIO lines: the last step of
//! recovery, when the modem answers neither a reopened port nor
//! `AT+CFUN=1,1`.
//!
//! [`PowerLines`] works in the module's terms, each line's value being
//! "asserted": PWRKEY pressed, RESET_N held in reset, W_DISABLE# in
//! airplane mode, STATUS reporting the module on. How the board wires
//! them (the PinePhone drives PWRKEY and RESET_N through transistors and
//! reads STATUS inverted) is the lines' polarity, set where they are
//! requested (the board file's `active_low`).
//!
//! The sequence, with the EG25-G's figures from its hardware design and
//! the hold eg25-manager uses:
//! - with STATUS: if the module is on, press PWRKEY for
//!   [`press`](PowerTiming::press) (≥ 650 ms switches it off) and wait for
//!   STATUS to fall. Firmware handles the power key, so a hung module may
//!   ignore it: if STATUS stays up past
//!   [`off_timeout`](PowerTiming::off_timeout), pulse RESET_N
//!   ([`reset_pulse`](PowerTiming::reset_pulse), 150 ms to 460 ms), which
//!   is hardware and reboots it. Once off, release W_DISABLE#, press
//!   PWRKEY again (≥ 500 ms switches it on) and wait for STATUS to rise;
//! - without STATUS a PWRKEY press toggles the module one way or the
//!   other with no way to tell which, so RESET_N is pulsed instead; with
//!   neither, the key is pressed twice, [`settle`](PowerTiming::settle)
//!   apart, which switches a running module off and on again.
//!
//! Time passes through the caller's `DelayNs`, so tests run the sequence
//! on a simulated clock.

use embedded_hal::delay::DelayNs;
use embedded_hal::digital::{InputPin, OutputPin};
use std::fmt;
use std::time::Duration;

/// The waits of the sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PowerTiming {
    /// How long PWRKEY is held for each press.
    pub press: Duration,
    /// How long RESET_N is held.
    pub reset_pulse: Duration,
    /// How long the module may take to log off the network and drop
    /// STATUS after the key.
    pub off_timeout: Duration,
    /// How long the module may take to raise STATUS after the key.
    pub on_timeout: Duration,
    /// The pause between switching off and pressing the key again.
    pub settle: Duration,
    /// How often STATUS is read while waiting.
    pub poll: Duration,
}

impl Default for PowerTiming {
    /// The EG25-G: 1 s presses (eg25-manager's), a 300 ms reset pulse, up
    /// to 30 s to log off, 10 s to come up.
    fn default() -> Self {
        PowerTiming {
            press: Duration::from_secs(1),
            reset_pulse: Duration::from_millis(300),
            off_timeout: Duration::from_secs(30),
            on_timeout: Duration::from_secs(10),
            settle: Duration::from_secs(1),
            poll: Duration::from_millis(50),
        }
    }
}

/// The board's lines to the modem's power pins. Each output's logical
/// value is "asserted"; STATUS reads asserted while the module is on.
#[derive(Debug)]
pub struct PowerLines<O, I> {
    pub pwrkey: O,
    pub reset: Option<O>,
    pub w_disable: Option<O>,
    pub status: Option<I>,
    pub timing: PowerTiming,
}

/// What a power cycle did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PowerCycle {
    /// Switched off and on with the power key.
    KeyedOffAndOn,
    /// The module ignored the power key (or its state cannot be read): it
    /// was reset through RESET_N.
    Reset,
    /// Without STATUS or RESET_N: the key pressed twice.
    KeyedTwiceBlind,
}

/// Why a power cycle failed; each names the line or the wait.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PowerError {
    #[error("cannot drive the modem's {line} line: {detail}")]
    Line { line: &'static str, detail: String },
    #[error("the modem stayed on {0:?} after the power key, and the board has no RESET_N line")]
    StayedOn(Duration),
    #[error("the modem did not come on within {0:?} of the power key (STATUS stayed low)")]
    StayedOff(Duration),
}

fn line_error(line: &'static str) -> impl Fn(&dyn fmt::Debug) -> PowerError {
    move |e| PowerError::Line {
        line,
        detail: format!("{e:?}"),
    }
}

impl<O: OutputPin, I: InputPin> PowerLines<O, I> {
    /// Switches the modem off and on again (see the module docs). When it
    /// returns `Ok`, the module is booting.
    pub fn power_cycle(&mut self, delay: &mut impl DelayNs) -> Result<PowerCycle, PowerError> {
        if self.status.is_none() {
            if self.reset.is_some() {
                self.pulse_reset(delay)?;
                return Ok(PowerCycle::Reset);
            }
            self.press(delay)?;
            delay.delay_ms(millis(self.timing.settle));
            self.enable_radio()?;
            self.press(delay)?;
            return Ok(PowerCycle::KeyedTwiceBlind);
        }
        if self.is_on()? {
            self.press(delay)?;
            if !self.wait_for(false, self.timing.off_timeout, delay)? {
                if self.reset.is_none() {
                    return Err(PowerError::StayedOn(self.timing.off_timeout));
                }
                self.pulse_reset(delay)?;
                return Ok(PowerCycle::Reset);
            }
            delay.delay_ms(millis(self.timing.settle));
        }
        self.switch_on(delay)?;
        Ok(PowerCycle::KeyedOffAndOn)
    }

    /// Switches the modem on if STATUS says it is off (a board's modem is
    /// off until its key is pressed); `Ok(false)` when it already was on,
    /// or when there is no STATUS line to tell.
    pub fn power_on(&mut self, delay: &mut impl DelayNs) -> Result<bool, PowerError> {
        if self.status.is_none() || self.is_on()? {
            return Ok(false);
        }
        self.switch_on(delay)?;
        Ok(true)
    }

    /// Presses the key of a module that is off, radio enabled, and waits
    /// for STATUS to rise.
    fn switch_on(&mut self, delay: &mut impl DelayNs) -> Result<(), PowerError> {
        self.enable_radio()?;
        self.press(delay)?;
        if !self.wait_for(true, self.timing.on_timeout, delay)? {
            return Err(PowerError::StayedOff(self.timing.on_timeout));
        }
        Ok(())
    }

    fn press(&mut self, delay: &mut impl DelayNs) -> Result<(), PowerError> {
        let error = line_error("PWRKEY");
        self.pwrkey.set_high().map_err(|e| error(&e))?;
        delay.delay_ms(millis(self.timing.press));
        self.pwrkey.set_low().map_err(|e| error(&e))
    }

    fn pulse_reset(&mut self, delay: &mut impl DelayNs) -> Result<(), PowerError> {
        let Some(reset) = &mut self.reset else {
            return Ok(());
        };
        let error = line_error("RESET_N");
        reset.set_high().map_err(|e| error(&e))?;
        delay.delay_ms(millis(self.timing.reset_pulse));
        reset.set_low().map_err(|e| error(&e))
    }

    /// Releases W_DISABLE#, so that the module does not come up in
    /// airplane mode.
    fn enable_radio(&mut self) -> Result<(), PowerError> {
        match &mut self.w_disable {
            Some(line) => line.set_low().map_err(|e| line_error("W_DISABLE#")(&e)),
            None => Ok(()),
        }
    }

    fn is_on(&mut self) -> Result<bool, PowerError> {
        match &mut self.status {
            Some(status) => status.is_high().map_err(|e| line_error("STATUS")(&e)),
            None => Ok(true),
        }
    }

    /// Reads STATUS every `poll` until it is `on`, for up to `timeout`.
    fn wait_for(
        &mut self,
        on: bool,
        timeout: Duration,
        delay: &mut impl DelayNs,
    ) -> Result<bool, PowerError> {
        let poll = self.timing.poll.max(Duration::from_millis(1));
        let mut waited = Duration::ZERO;
        loop {
            if self.is_on()? == on {
                return Ok(true);
            }
            if waited >= timeout {
                return Ok(false);
            }
            delay.delay_ms(millis(poll));
            waited += poll;
        }
    }
}

fn millis(duration: Duration) -> u32 {
    u32::try_from(duration.as_millis()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use embedded_hal::digital::{ErrorKind, ErrorType};
    use std::cell::RefCell;
    use std::rc::Rc;

    /// A module's power pins on a millisecond clock: what the board's
    /// lines did, and when.
    #[derive(Default)]
    struct Module {
        now: u64,
        on: bool,
        /// Firmware hung: the key does nothing.
        hung: bool,
        /// Time the module takes from the key to STATUS falling.
        logs_off_in: u64,
        off_at: Option<u64>,
        pressed_at: Option<u64>,
        reset_at: Option<u64>,
        log: Vec<String>,
    }

    impl Module {
        fn tick(&mut self) {
            if self.off_at.is_some_and(|at| self.now >= at) {
                self.off_at = None;
                self.on = false;
                self.log.push(format!("{} off", self.now));
            }
        }

        fn key(&mut self, pressed: bool) {
            self.log.push(format!("{} pwrkey {pressed}", self.now));
            if pressed {
                self.pressed_at = Some(self.now);
                return;
            }
            let held = self.now - self.pressed_at.take().unwrap();
            if !self.on && held >= 500 {
                self.on = true;
            } else if self.on && held >= 650 && !self.hung {
                self.off_at = Some(self.now + self.logs_off_in);
            }
        }

        fn reset(&mut self, asserted: bool) {
            self.log.push(format!("{} reset {asserted}", self.now));
            if asserted {
                self.reset_at = Some(self.now);
            } else if self.now - self.reset_at.take().unwrap() >= 150 {
                self.hung = false;
            }
        }
    }

    type Shared = Rc<RefCell<Module>>;

    #[derive(Debug)]
    struct Broken;

    impl embedded_hal::digital::Error for Broken {
        fn kind(&self) -> ErrorKind {
            ErrorKind::Other
        }
    }

    enum Role {
        Pwrkey,
        Reset,
        WDisable,
    }

    struct Out(Shared, Role, bool);
    struct Status(Shared);

    impl ErrorType for Out {
        type Error = Broken;
    }
    impl ErrorType for Status {
        type Error = Broken;
    }

    impl OutputPin for Out {
        fn set_low(&mut self) -> Result<(), Broken> {
            self.set(false)
        }
        fn set_high(&mut self) -> Result<(), Broken> {
            self.set(true)
        }
    }

    impl Out {
        fn set(&mut self, level: bool) -> Result<(), Broken> {
            if self.2 {
                return Err(Broken);
            }
            let mut module = self.0.borrow_mut();
            match self.1 {
                Role::Pwrkey => module.key(level),
                Role::Reset => module.reset(level),
                Role::WDisable => {
                    let line = format!("{} w_disable {level}", module.now);
                    module.log.push(line)
                }
            }
            Ok(())
        }
    }

    impl InputPin for Status {
        fn is_high(&mut self) -> Result<bool, Broken> {
            Ok(self.0.borrow().on)
        }
        fn is_low(&mut self) -> Result<bool, Broken> {
            Ok(!self.0.borrow().on)
        }
    }

    struct Clock(Shared);

    impl DelayNs for Clock {
        fn delay_ns(&mut self, ns: u32) {
            let mut module = self.0.borrow_mut();
            module.now += u64::from(ns) / 1_000_000;
            module.tick();
        }
    }

    fn lines(module: &Shared, reset: bool, status: bool) -> PowerLines<Out, Status> {
        PowerLines {
            pwrkey: Out(module.clone(), Role::Pwrkey, false),
            reset: reset.then(|| Out(module.clone(), Role::Reset, false)),
            w_disable: Some(Out(module.clone(), Role::WDisable, false)),
            status: status.then(|| Status(module.clone())),
            timing: PowerTiming {
                off_timeout: Duration::from_secs(5),
                ..PowerTiming::default()
            },
        }
    }

    fn module(on: bool, hung: bool) -> Shared {
        Rc::new(RefCell::new(Module {
            on,
            hung,
            logs_off_in: 2_000,
            ..Module::default()
        }))
    }

    #[test]
    fn a_running_module_is_keyed_off_then_on_after_status_falls() {
        let module = module(true, false);
        let outcome = lines(&module, true, true)
            .power_cycle(&mut Clock(module.clone()))
            .unwrap();

        assert_eq!(outcome, PowerCycle::KeyedOffAndOn);
        let module = module.borrow();
        assert!(module.on);
        assert_eq!(
            module.log,
            [
                "0 pwrkey true",
                "1000 pwrkey false",
                "3000 off",
                "4000 w_disable false",
                "4000 pwrkey true",
                "5000 pwrkey false"
            ]
        );
    }

    #[test]
    fn a_module_that_is_off_is_only_switched_on() {
        let module = module(false, false);
        let outcome = lines(&module, true, true)
            .power_cycle(&mut Clock(module.clone()))
            .unwrap();

        assert_eq!(outcome, PowerCycle::KeyedOffAndOn);
        assert_eq!(
            module.borrow().log,
            ["0 w_disable false", "0 pwrkey true", "1000 pwrkey false"]
        );
    }

    #[test]
    fn power_on_presses_the_key_only_for_a_module_that_is_off() {
        let off = module(false, false);
        let switched = lines(&off, true, true)
            .power_on(&mut Clock(off.clone()))
            .unwrap();
        let on = module(true, false);
        let left = lines(&on, true, true)
            .power_on(&mut Clock(on.clone()))
            .unwrap();
        let blind = module(false, false);
        let unknown = lines(&blind, true, false)
            .power_on(&mut Clock(blind.clone()))
            .unwrap();

        assert!(switched);
        assert!(off.borrow().on);
        assert!(!left);
        assert!(on.borrow().log.is_empty());
        assert!(!unknown);
        assert!(blind.borrow().log.is_empty());
    }

    #[test]
    fn a_hung_module_that_ignores_the_key_is_reset_after_the_off_timeout() {
        let module = module(true, true);
        let outcome = lines(&module, true, true)
            .power_cycle(&mut Clock(module.clone()))
            .unwrap();

        assert_eq!(outcome, PowerCycle::Reset);
        let module = module.borrow();
        assert!(!module.hung);
        assert_eq!(
            module.log,
            [
                "0 pwrkey true",
                "1000 pwrkey false",
                "6000 reset true",
                "6300 reset false"
            ]
        );
    }

    #[test]
    fn without_a_reset_line_a_module_that_stays_on_is_an_error() {
        let module = module(true, true);
        let error = lines(&module, false, true)
            .power_cycle(&mut Clock(module.clone()))
            .unwrap_err();

        assert_eq!(error, PowerError::StayedOn(Duration::from_secs(5)));
        assert!(error.to_string().contains("no RESET_N line"), "{error}");
    }

    #[test]
    fn without_status_reset_is_preferred_to_a_blind_toggle() {
        let with_reset = module(true, true);
        let outcome = lines(&with_reset, true, false)
            .power_cycle(&mut Clock(with_reset.clone()))
            .unwrap();
        let blind = module(true, false);
        blind.borrow_mut().logs_off_in = 500;
        let blind_outcome = lines(&blind, false, false)
            .power_cycle(&mut Clock(blind.clone()))
            .unwrap();

        assert_eq!(outcome, PowerCycle::Reset);
        assert_eq!(with_reset.borrow().log, ["0 reset true", "300 reset false"]);
        assert_eq!(blind_outcome, PowerCycle::KeyedTwiceBlind);
        let blind = blind.borrow();
        assert!(blind.on);
        assert_eq!(
            blind.log[..3],
            ["0 pwrkey true", "1000 pwrkey false", "2000 off"]
        );
    }

    #[test]
    fn a_module_that_never_comes_on_and_a_broken_line_are_named() {
        let dead = module(false, false);
        let mut dead_lines = lines(&dead, true, true);
        dead_lines.timing.press = Duration::from_millis(100);
        let stayed_off = dead_lines
            .power_cycle(&mut Clock(dead.clone()))
            .unwrap_err();
        let module = module(true, false);
        let mut broken = lines(&module, true, true);
        broken.pwrkey.2 = true;
        let line = broken.power_cycle(&mut Clock(module.clone())).unwrap_err();

        assert_eq!(stayed_off, PowerError::StayedOff(Duration::from_secs(10)));
        assert_eq!(
            line.to_string(),
            "cannot drive the modem's PWRKEY line: Broken"
        );
    }
}
