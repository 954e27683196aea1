//! GPIO naming: Allwinner pin names (`PH4`) and their lines.
//!
//! Allwinner pin controllers number their pins in banks of 32: port A is
//! bank 0, port B bank 1, and so on, and a pin's GPIO line offset on its
//! chip is `bank * 32 + pin`. The Linux driver (`pinctrl-sunxi`) registers
//! one gpiochip per controller, labelled with the controller's device name,
//! with offsets counted from the controller's first bank:
//!
//! | A64 controller | device tree node | gpiochip label | banks | `ports` |
//! |---|---|---|---|---|
//! | PIO   | `pio: pinctrl@1c20800`   | `1c20800.pinctrl` | A..H (A is not bonded out) | `"A-H"` |
//! | R_PIO | `r_pio: pinctrl@1f02c00` | `1f02c00.pinctrl` | L                          | `"L"`   |
//!
//! So `PH4` is line 7 * 32 + 4 = 228 of `1c20800.pinctrl`, and `PL7` is line
//! 7 of `1f02c00.pinctrl`. A device tree's `<&pio 7 4 ...>` is the same pin:
//! its cells are (bank, pin, flags). Which `/dev/gpiochipN` each chip gets
//! depends on probe order, so board files name chips by label.

use std::fmt;
use std::ops::RangeInclusive;

/// Lines per Allwinner bank (port).
pub const LINES_PER_PORT: u32 = 32;

/// An Allwinner pin name, e.g. `PH4`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllwinnerPin {
    pub port: char,
    pub pin: u32,
}

impl AllwinnerPin {
    /// Parses `P<port letter><pin number>`, e.g. `PH4` or `PL10`.
    pub fn parse(name: &str) -> Result<Self, String> {
        let expected =
            "expected an Allwinner pin name: P, a port letter and a pin number, like \"PH4\"";
        let rest = name
            .strip_prefix('P')
            .ok_or_else(|| format!("`{name}` is not a pin name; {expected}"))?;
        let mut chars = rest.chars();
        let port = chars
            .next()
            .filter(char::is_ascii_uppercase)
            .ok_or_else(|| format!("`{name}` has no port letter; {expected}"))?;
        let digits = chars.as_str();
        let pin: u32 = digits
            .parse()
            .ok()
            .filter(|_| digits.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| format!("`{name}` has no pin number; {expected}"))?;
        if pin >= LINES_PER_PORT {
            return Err(format!(
                "`{name}`: pin {pin} is out of range; a port has pins 0..={}",
                LINES_PER_PORT - 1
            ));
        }
        Ok(Self { port, pin })
    }
}

impl fmt::Display for AllwinnerPin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "P{}{}", self.port, self.pin)
    }
}

/// The ports a GPIO chip serves, from its `ports = "A-H"` key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortRange(RangeInclusive<char>);

impl PortRange {
    /// Parses `"L"` or `"A-H"`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let expected = "expected a port letter or a range of them, like \"L\" or \"A-H\"";
        let letters: Vec<char> = text.chars().collect();
        let (first, last) = match letters.as_slice() {
            [only] => (*only, *only),
            [first, '-', last] => (*first, *last),
            _ => return Err(format!("`{text}` is not a port range; {expected}")),
        };
        if !first.is_ascii_uppercase() || !last.is_ascii_uppercase() || first > last {
            return Err(format!("`{text}` is not a port range; {expected}"));
        }
        Ok(Self(first..=last))
    }

    pub fn contains(&self, port: char) -> bool {
        self.0.contains(&port)
    }

    pub fn overlaps(&self, other: &PortRange) -> bool {
        self.0.start() <= other.0.end() && other.0.start() <= self.0.end()
    }

    /// Lines spanned by the range: 32 per port.
    pub fn line_count(&self) -> u32 {
        (u32::from(*self.0.end()) - u32::from(*self.0.start()) + 1) * LINES_PER_PORT
    }

    /// The line of a pin of one of these ports.
    pub fn line_of(&self, pin: AllwinnerPin) -> Option<u32> {
        self.contains(pin.port)
            .then(|| (u32::from(pin.port) - u32::from(*self.0.start())) * LINES_PER_PORT + pin.pin)
    }

    /// The pin at a line of this chip, for messages.
    pub fn pin_at(&self, line: u32) -> Option<AllwinnerPin> {
        let port = char::from_u32(u32::from(*self.0.start()) + line / LINES_PER_PORT)?;
        self.contains(port).then_some(AllwinnerPin {
            port,
            pin: line % LINES_PER_PORT,
        })
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.start() == self.0.end() {
            write!(f, "{}", self.0.start())
        } else {
            write!(f, "{}-{}", self.0.start(), self.0.end())
        }
    }
}

/// A GPIO line after validation: a gpio bus of the board and an offset on it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GpioLine {
    /// The name of a `kind = "gpio"` bus.
    pub chip: String,
    pub line: u32,
    pub active_low: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pin_names_map_to_bank_times_32_plus_pin() {
        let pio = PortRange::parse("A-H").unwrap();
        let r_pio = PortRange::parse("L").unwrap();
        let line = |range: &PortRange, name| range.line_of(AllwinnerPin::parse(name).unwrap());

        assert_eq!(line(&pio, "PH4"), Some(228));
        assert_eq!(line(&pio, "PB2"), Some(34));
        assert_eq!(line(&pio, "PC4"), Some(68));
        assert_eq!(line(&r_pio, "PL7"), Some(7));
        assert_eq!(line(&pio, "PL7"), None);
    }

    #[test]
    fn pin_at_is_the_inverse_of_line_of() {
        let pio = PortRange::parse("A-H").unwrap();
        assert_eq!(pio.pin_at(233).unwrap().to_string(), "PH9");
        assert_eq!(pio.pin_at(256), None);
    }

    #[test]
    fn malformed_pin_names_are_rejected() {
        for bad in ["H4", "P4", "Ph4", "PH", "PH+4", "PH32"] {
            assert!(AllwinnerPin::parse(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn port_ranges_parse_and_overlap() {
        assert!(PortRange::parse("H-A").is_err());
        assert!(PortRange::parse("AB").is_err());
        let pio = PortRange::parse("A-H").unwrap();
        assert!(pio.overlaps(&PortRange::parse("H").unwrap()));
        assert!(!pio.overlaps(&PortRange::parse("L").unwrap()));
        assert_eq!(pio.line_count(), 256);
    }
}
