//! SIM and identity: +CPIN, +CCID/+QCCID/^ICCID, +CIMI, +CGSN, +CGMI/+CGMM/+CGMR.

use super::{strip_prefix, Fields, ParseError};

/// `<code>` of +CPIN: what the SIM waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinState {
    Ready,
    SimPin,
    SimPuk,
    SimPin2,
    SimPuk2,
    PhSimPin,
    PhNetPin,
    /// No SIM in the slot.
    NotInserted,
    /// The SIM is there but cannot be used yet (switched off, still
    /// starting) or any more (blocked): Quectel's URC after a SIM failure.
    NotReady,
    /// Another code, kept as sent.
    Other(String),
}

/// Parses `+CPIN: READY` (also as an unsolicited code).
pub fn parse_cpin(line: &str) -> Result<PinState, ParseError> {
    let f = Fields::after_prefix(line, "+CPIN")?;
    let code = f.string(0, "code")?;
    Ok(match code.to_ascii_uppercase().as_str() {
        "READY" => PinState::Ready,
        "SIM PIN" => PinState::SimPin,
        "SIM PUK" => PinState::SimPuk,
        "SIM PIN2" => PinState::SimPin2,
        "SIM PUK2" => PinState::SimPuk2,
        "PH-SIM PIN" => PinState::PhSimPin,
        "PH-NET PIN" => PinState::PhNetPin,
        "NOT INSERTED" => PinState::NotInserted,
        "NOT READY" => PinState::NotReady,
        _ => PinState::Other(code),
    })
}

/// Parses the ICCID from `+CCID: <iccid>`, `+QCCID: <iccid>`, `^ICCID:
/// <iccid>`, `+ICCID: <iccid>` or a bare line of digits. A trailing `F`
/// pad nibble is dropped.
pub fn parse_iccid(line: &str) -> Result<String, ParseError> {
    let value = ["+CCID", "+QCCID", "^ICCID", "+ICCID"]
        .iter()
        .find_map(|p| strip_prefix(line, p))
        .unwrap_or(line);
    let value = value.trim().trim_matches('"').trim_end_matches(['F', 'f']);
    if (10..=20).contains(&value.len()) && value.chars().all(|c| c.is_ascii_digit()) {
        Ok(value.to_owned())
    } else {
        Err(ParseError::InvalidField {
            name: "iccid",
            value: value.to_owned(),
        })
    }
}

fn digits_line(
    line: &str,
    prefix: &str,
    name: &'static str,
    len: std::ops::RangeInclusive<usize>,
) -> Result<String, ParseError> {
    let value = strip_prefix(line, prefix)
        .unwrap_or(line)
        .trim()
        .trim_matches('"');
    if len.contains(&value.len()) && value.chars().all(|c| c.is_ascii_digit()) {
        Ok(value.to_owned())
    } else {
        Err(ParseError::InvalidField {
            name,
            value: value.to_owned(),
        })
    }
}

/// Parses the IMSI answer of `AT+CIMI` (bare digits, or `+CIMI: `).
pub fn parse_imsi(line: &str) -> Result<String, ParseError> {
    digits_line(line, "+CIMI", "imsi", 6..=15)
}

/// Parses the IMEI answer of `AT+CGSN` (bare digits, or `+CGSN: `).
pub fn parse_imei(line: &str) -> Result<String, ParseError> {
    digits_line(line, "+CGSN", "imei", 14..=17)
}

/// The text of a plain information line (+CGMI, +CGMM, +CGMR), with the
/// `+CGMI: ` style prefix some modems add removed.
pub fn parse_identity_line(line: &str) -> String {
    ["+CGMI", "+CGMM", "+CGMR", "+GMI", "+GMM", "+GMR"]
        .iter()
        .find_map(|p| strip_prefix(line, p))
        .unwrap_or(line)
        .trim()
        .trim_matches('"')
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpin_codes_parse() {
        assert_eq!(parse_cpin("+CPIN: READY").unwrap(), PinState::Ready);
        assert_eq!(parse_cpin("+CPIN: SIM PIN").unwrap(), PinState::SimPin);
        assert_eq!(parse_cpin("+CPIN: SIM PUK").unwrap(), PinState::SimPuk);
        assert_eq!(
            parse_cpin("+CPIN: NOT INSERTED").unwrap(),
            PinState::NotInserted
        );
        assert_eq!(parse_cpin("+CPIN: NOT READY").unwrap(), PinState::NotReady);
        assert_eq!(
            parse_cpin("+CPIN: \"PH-NET PIN\"").unwrap(),
            PinState::PhNetPin
        );
        assert_eq!(parse_cpin("+CPIN: X").unwrap(), PinState::Other("X".into()));
    }

    #[test]
    fn iccid_from_every_vendor_form() {
        for line in [
            "+CCID: 89860318760237587654",
            "+QCCID: 8986031876023758765F",
            "^ICCID: \"89860318760237587654\"",
            "89860318760237587654",
        ] {
            assert!(
                parse_iccid(line)
                    .unwrap()
                    .starts_with("8986031876023758765"),
                "{line}"
            );
        }
        assert!(parse_iccid("+QCCID: hello").is_err());
    }

    #[test]
    fn imsi_imei_and_identity_lines() {
        assert_eq!(parse_imsi("310260123456789").unwrap(), "310260123456789");
        assert_eq!(
            parse_imei("+CGSN: \"867698041234567\"").unwrap(),
            "867698041234567"
        );
        assert!(parse_imei("ERROR").is_err());
        assert_eq!(parse_identity_line("Quectel"), "Quectel");
        assert_eq!(
            parse_identity_line("+CGMR: EG25GGBR07A08M2G"),
            "EG25GGBR07A08M2G"
        );
    }
}
