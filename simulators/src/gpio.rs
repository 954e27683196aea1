//! A simulated GPIO chip: the lines between the SoC and the simulated
//! parts (a modem's PWRKEY, RESET_N and STATUS).
//!
//! A consumer (a driver, the daemon) requests a line as output or input,
//! as it would through the kernel's GPIO character device, and gets an
//! embedded-hal pin. A model on the other side of the wire watches the
//! outputs it is connected to ([`SimGpioChip::on_output`]) and drives the
//! inputs ([`SimGpioChip::connect_input`]). Levels on the wire are
//! physical; a requested line may be active-low, like a kernel line
//! request, and then its logical value is the inverse.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use embedded_hal::digital::{self, ErrorType, InputPin, OutputPin, StatefulOutputPin};

/// What a model runs when the level a consumer drives on its line changes
/// (the new physical level). It runs on the consumer's thread, outside
/// the chip's lock.
pub type OutputWatcher = Arc<dyn Fn(bool) + Send + Sync>;

/// What a model gives for a line it drives: the physical level now.
pub type InputSource = Arc<dyn Fn() -> bool + Send + Sync>;

/// A simulated GPIO chip; clones share the chip.
#[derive(Clone)]
pub struct SimGpioChip {
    label: Arc<str>,
    lines: u32,
    state: Arc<Mutex<BTreeMap<u32, Line>>>,
}

#[derive(Default)]
struct Line {
    /// Held by a consumer (requested and not yet dropped).
    requested: bool,
    /// The physical level the consumer drives, while it holds the line
    /// as output.
    driven: Option<bool>,
    watcher: Option<OutputWatcher>,
    source: Option<InputSource>,
}

/// Why a line could not be requested or used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SimGpioError {
    /// No such line on the chip.
    NoLine { chip: String, line: u32, lines: u32 },
    /// Another consumer holds the line.
    Busy { chip: String, line: u32 },
}

impl fmt::Display for SimGpioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SimGpioError::NoLine { chip, line, lines } => {
                write!(f, "gpio chip `{chip}` has no line {line} (it has {lines})")
            }
            SimGpioError::Busy { chip, line } => {
                write!(
                    f,
                    "line {line} of gpio chip `{chip}` is busy: another consumer holds it"
                )
            }
        }
    }
}

impl std::error::Error for SimGpioError {}

impl digital::Error for SimGpioError {
    fn kind(&self) -> digital::ErrorKind {
        digital::ErrorKind::Other
    }
}

impl SimGpioChip {
    /// A chip labelled `label` with lines `0..lines`, none connected.
    pub fn new(label: &str, lines: u32) -> SimGpioChip {
        SimGpioChip {
            label: label.into(),
            lines,
            state: Arc::default(),
        }
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<u32, Line>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn check(&self, line: u32) -> Result<(), SimGpioError> {
        if line < self.lines {
            Ok(())
        } else {
            Err(SimGpioError::NoLine {
                chip: self.label.to_string(),
                line,
                lines: self.lines,
            })
        }
    }

    fn claim(&self, line: u32) -> Result<(), SimGpioError> {
        self.check(line)?;
        let mut lines = self.lock();
        let entry = lines.entry(line).or_default();
        if entry.requested {
            return Err(SimGpioError::Busy {
                chip: self.label.to_string(),
                line,
            });
        }
        entry.requested = true;
        Ok(())
    }

    /// Requests `line` as an output driven to the logical value `initial`.
    pub fn request_output(
        &self,
        line: u32,
        active_low: bool,
        initial: bool,
    ) -> Result<SimOutputLine, SimGpioError> {
        self.claim(line)?;
        let mut output = SimOutputLine {
            chip: self.clone(),
            line,
            active_low,
            logical: initial,
        };
        output.drive(initial);
        Ok(output)
    }

    /// Requests `line` as an input.
    pub fn request_input(&self, line: u32, active_low: bool) -> Result<SimInputLine, SimGpioError> {
        self.claim(line)?;
        Ok(SimInputLine {
            chip: self.clone(),
            line,
            active_low,
        })
    }

    /// A model's side: `watcher` runs whenever the level a consumer drives
    /// on `line` changes.
    pub fn on_output(
        &self,
        line: u32,
        watcher: impl Fn(bool) + Send + Sync + 'static,
    ) -> Result<(), SimGpioError> {
        self.check(line)?;
        self.lock().entry(line).or_default().watcher = Some(Arc::new(watcher));
        Ok(())
    }

    /// A model's side: `source` gives the level of `line` whenever a
    /// consumer reads it. A line nobody drives reads low.
    pub fn connect_input(
        &self,
        line: u32,
        source: impl Fn() -> bool + Send + Sync + 'static,
    ) -> Result<(), SimGpioError> {
        self.check(line)?;
        self.lock().entry(line).or_default().source = Some(Arc::new(source));
        Ok(())
    }

    /// The physical level on `line`: what a consumer drives, else what a
    /// model drives, else low.
    pub fn level(&self, line: u32) -> bool {
        let source = {
            let lines = self.lock();
            match lines.get(&line) {
                Some(Line {
                    driven: Some(level),
                    ..
                }) => return *level,
                Some(entry) => entry.source.clone(),
                None => None,
            }
        };
        source.is_some_and(|source| source())
    }

    fn drive(&self, line: u32, level: Option<bool>) {
        let watcher = {
            let mut lines = self.lock();
            let entry = lines.entry(line).or_default();
            let changed = entry.driven != level;
            entry.driven = level;
            changed.then(|| entry.watcher.clone()).flatten()
        };
        if let (Some(watcher), Some(level)) = (watcher, level) {
            watcher(level);
        }
    }

    fn release(&self, line: u32) {
        let mut lines = self.lock();
        if let Some(entry) = lines.get_mut(&line) {
            entry.requested = false;
            entry.driven = None;
        }
    }
}

impl fmt::Debug for SimGpioChip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimGpioChip")
            .field("label", &self.label)
            .field("lines", &self.lines)
            .finish()
    }
}

/// A line requested as output. Dropping it releases the line (the wire
/// then floats: the model sees no further change).
#[derive(Debug)]
pub struct SimOutputLine {
    chip: SimGpioChip,
    line: u32,
    active_low: bool,
    logical: bool,
}

impl SimOutputLine {
    fn drive(&mut self, logical: bool) {
        self.logical = logical;
        self.chip.drive(self.line, Some(logical != self.active_low));
    }

    pub fn line(&self) -> u32 {
        self.line
    }
}

impl Drop for SimOutputLine {
    fn drop(&mut self) {
        self.chip.release(self.line);
    }
}

impl ErrorType for SimOutputLine {
    type Error = SimGpioError;
}

impl OutputPin for SimOutputLine {
    fn set_low(&mut self) -> Result<(), SimGpioError> {
        self.drive(false);
        Ok(())
    }

    fn set_high(&mut self) -> Result<(), SimGpioError> {
        self.drive(true);
        Ok(())
    }
}

impl StatefulOutputPin for SimOutputLine {
    fn is_set_high(&mut self) -> Result<bool, SimGpioError> {
        Ok(self.logical)
    }

    fn is_set_low(&mut self) -> Result<bool, SimGpioError> {
        Ok(!self.logical)
    }
}

/// A line requested as input. Dropping it releases the line.
#[derive(Debug)]
pub struct SimInputLine {
    chip: SimGpioChip,
    line: u32,
    active_low: bool,
}

impl SimInputLine {
    pub fn line(&self) -> u32 {
        self.line
    }
}

impl Drop for SimInputLine {
    fn drop(&mut self) {
        self.chip.release(self.line);
    }
}

impl ErrorType for SimInputLine {
    type Error = SimGpioError;
}

impl InputPin for SimInputLine {
    fn is_high(&mut self) -> Result<bool, SimGpioError> {
        Ok(self.chip.level(self.line) != self.active_low)
    }

    fn is_low(&mut self) -> Result<bool, SimGpioError> {
        self.is_high().map(|high| !high)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[test]
    fn a_model_sees_the_physical_level_of_an_active_low_output() {
        let chip = SimGpioChip::new("pio", 256);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = seen.clone();
        chip.on_output(35, move |level| record.lock().unwrap().push(level))
            .unwrap();
        let mut reset = chip.request_output(35, true, false).unwrap();
        reset.set_high().unwrap();
        reset.set_high().unwrap();
        reset.set_low().unwrap();
        // Deasserted (high on the wire), asserted (low), no change, released.
        assert_eq!(*seen.lock().unwrap(), [true, false, true]);
        assert!(reset.is_set_low().unwrap());
        assert!(chip.level(35));
    }

    #[test]
    fn inputs_read_the_models_level_through_their_polarity() {
        let chip = SimGpioChip::new("pio", 256);
        let on = Arc::new(AtomicBool::new(true));
        let level = on.clone();
        chip.connect_input(233, move || level.load(Ordering::SeqCst))
            .unwrap();
        let mut status = chip.request_input(233, false).unwrap();
        let mut inverted = chip.request_input(234, true).unwrap();
        assert!(status.is_high().unwrap());
        on.store(false, Ordering::SeqCst);
        assert!(status.is_low().unwrap());
        // Nobody drives line 234: it reads low, so active-low reads high.
        assert!(inverted.is_high().unwrap());
    }

    #[test]
    fn a_held_line_is_busy_until_dropped_and_unknown_lines_are_named() {
        let chip = SimGpioChip::new("1c20800.pinctrl", 256);
        let held = chip.request_output(35, false, false).unwrap();
        let busy = chip.request_input(35, false).unwrap_err();
        assert_eq!(
            busy.to_string(),
            "line 35 of gpio chip `1c20800.pinctrl` is busy: another consumer holds it"
        );
        drop(held);
        chip.request_input(35, false).unwrap();
        let missing = chip.request_output(300, false, false).unwrap_err();
        assert_eq!(
            missing.to_string(),
            "gpio chip `1c20800.pinctrl` has no line 300 (it has 256)"
        );
    }
}
