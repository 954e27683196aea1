//! One requested line, as an embedded-hal output or input pin.

use std::path::Path;

use embedded_hal::digital::{ErrorType, InputPin, OutputPin, StatefulOutputPin};
use gpiocdev::line::Value;
use gpiocdev::{Chip, Request};

use super::chip::{find, FoundChip};
use super::error::{GpioError, LineId, LineOp};

/// Linux's EBUSY (the same on every architecture): another consumer, in the
/// kernel or in user space, holds the line.
const EBUSY: i32 = 16;

/// A line requested as an output. Dropping it releases the line.
#[derive(Debug)]
pub struct OutputLine {
    request: Request,
    line: LineId,
    /// Whether the line is asserted: what `is_set_high` answers, the value
    /// this request drives rather than one read back from the wire.
    asserted: bool,
}

impl OutputLine {
    /// Requests line `offset` of the chip labelled `chip_label` (found in
    /// `dev_dir`) as an output, asserted if `initial` is true. With
    /// `active_low`, asserted drives the wire low. `consumer` is the name
    /// the kernel shows for the line's holder (the uAPI keeps at most 31
    /// bytes of it).
    pub fn request(
        dev_dir: &Path,
        chip_label: &str,
        offset: u32,
        active_low: bool,
        consumer: &str,
        initial: bool,
    ) -> Result<OutputLine, GpioError> {
        let output = Direction::Output { asserted: initial };
        let (request, line) =
            request_line(dev_dir, chip_label, offset, active_low, consumer, output)?;
        Ok(OutputLine {
            request,
            line,
            asserted: initial,
        })
    }

    /// The chip label and offset this line was requested with.
    pub fn line(&self) -> &LineId {
        &self.line
    }

    fn set(&mut self, asserted: bool) -> Result<(), GpioError> {
        self.request
            .set_lone_value(Value::from(asserted))
            .map_err(|source| line_error(&self.line, LineOp::SetValue, source))?;
        self.asserted = asserted;
        Ok(())
    }
}

impl ErrorType for OutputLine {
    type Error = GpioError;
}

impl OutputPin for OutputLine {
    fn set_low(&mut self) -> Result<(), GpioError> {
        self.set(false)
    }

    fn set_high(&mut self) -> Result<(), GpioError> {
        self.set(true)
    }
}

impl StatefulOutputPin for OutputLine {
    fn is_set_high(&mut self) -> Result<bool, GpioError> {
        Ok(self.asserted)
    }

    fn is_set_low(&mut self) -> Result<bool, GpioError> {
        Ok(!self.asserted)
    }
}

/// A line requested as an input. Dropping it releases the line.
#[derive(Debug)]
pub struct InputLine {
    request: Request,
    line: LineId,
}

impl InputLine {
    /// Requests line `offset` of the chip labelled `chip_label` (found in
    /// `dev_dir`) as an input. With `active_low`, a low wire reads as high
    /// (asserted).
    pub fn request(
        dev_dir: &Path,
        chip_label: &str,
        offset: u32,
        active_low: bool,
        consumer: &str,
    ) -> Result<InputLine, GpioError> {
        let (request, line) = request_line(
            dev_dir,
            chip_label,
            offset,
            active_low,
            consumer,
            Direction::Input,
        )?;
        Ok(InputLine { request, line })
    }

    /// The chip label and offset this line was requested with.
    pub fn line(&self) -> &LineId {
        &self.line
    }

    fn is_asserted(&self) -> Result<bool, GpioError> {
        self.request
            .lone_value()
            .map(|value| value == Value::Active)
            .map_err(|source| line_error(&self.line, LineOp::GetValue, source))
    }
}

impl ErrorType for InputLine {
    type Error = GpioError;
}

impl InputPin for InputLine {
    fn is_high(&mut self) -> Result<bool, GpioError> {
        self.is_asserted()
    }

    fn is_low(&mut self) -> Result<bool, GpioError> {
        self.is_asserted().map(|asserted| !asserted)
    }
}

#[derive(Clone, Copy)]
enum Direction {
    Input,
    Output { asserted: bool },
}

fn request_line(
    dev_dir: &Path,
    chip_label: &str,
    offset: u32,
    active_low: bool,
    consumer: &str,
    direction: Direction,
) -> Result<(Request, LineId), GpioError> {
    let chip = find(dev_dir, chip_label)?;
    let line = LineId {
        chip_label: chip.label.clone(),
        offset,
    };
    if offset >= chip.num_lines {
        return Err(GpioError::NoSuchLine {
            line,
            num_lines: chip.num_lines,
        });
    }
    let mut builder = Request::builder();
    builder
        .on_chip(&chip.path)
        .with_consumer(consumer)
        .with_line(offset);
    let op = match direction {
        Direction::Input => {
            builder.as_input();
            LineOp::RequestInput
        }
        Direction::Output { asserted } => {
            builder.as_output(Value::from(asserted));
            LineOp::RequestOutput
        }
    };
    if active_low {
        builder.as_active_low();
    }
    match builder.request() {
        Ok(request) => Ok((request, line)),
        Err(source) if errno(&source) == Some(EBUSY) => {
            let holder = holder_of(&chip, offset);
            Err(GpioError::Busy { line, holder })
        }
        Err(source) => Err(line_error(&line, op, source)),
    }
}

/// The consumer name of whoever holds the line, if the kernel tells.
fn holder_of(chip: &FoundChip, offset: u32) -> Option<String> {
    let info = Chip::from_path(&chip.path)
        .and_then(|chip| chip.line_info(offset))
        .ok()?;
    Some(info.consumer).filter(|consumer| !consumer.is_empty())
}

fn errno(error: &gpiocdev::Error) -> Option<i32> {
    match error {
        gpiocdev::Error::Os(errno) | gpiocdev::Error::Uapi(_, gpiocdev_uapi::Error::Os(errno)) => {
            Some(errno.0)
        }
        _ => None,
    }
}

fn line_error(line: &LineId, op: LineOp, source: gpiocdev::Error) -> GpioError {
    GpioError::Line {
        line: line.clone(),
        op,
        source,
    }
}
