//! The Quectel EG25-G's own commands and answers (Quectel EC2x/EG2x AT
//! Commands Manual): URC routing, signal reports, PIN attempts and the
//! serving cell.

use super::config::QuectelUrcPort;
use crate::at::parse::{Fields, ParseError};
use crate::at::Command;

/// `AT+QURCCFG="urcport","<port>"`: URCs go to the driver's port.
pub(crate) fn route_urcs(port: QuectelUrcPort) -> Command {
    Command::new(format!("AT+QURCCFG=\"urcport\",\"{}\"", port.name()))
}

/// `AT+QINDCFG="csq",1,0`: `+QIND: "csq",<rssi>,<ber>` when the signal
/// changes, not saved to flash.
pub(crate) fn signal_reports() -> Command {
    Command::new("AT+QINDCFG=\"csq\",1,0")
}

/// `AT+QPINC="SC"`: PIN and PUK attempts left.
pub(crate) fn pin_attempts() -> Command {
    Command::new("AT+QPINC=\"SC\"")
}

/// `AT+QENG="servingcell"`.
pub(crate) fn serving_cell() -> Command {
    Command::new("AT+QENG=\"servingcell\"")
}

/// `+QPINC: "SC",<pin attempts>,<puk attempts>`.
pub(crate) fn parse_pin_attempts(line: &str) -> Result<(u32, u32), ParseError> {
    let f = Fields::after_prefix(line, "+QPINC")?;
    Ok((f.u32(1, "pincounter")?, f.u32(2, "pukcounter")?))
}

/// The SINR of an LTE serving cell, dB: `+QENG: "servingcell",<state>,
/// "LTE",<is_tdd>,<MCC>,<MNC>,<cellID>,<PCID>,<earfcn>,<band>,<UL_bw>,
/// <DL_bw>,<TAC>,<RSRP>,<RSRQ>,<RSSI>,<SINR>,<srxlev>`. The manual gives
/// `<SINR>` in fifths of a dB from -20 dB (0..=250). `None` for other
/// technologies or no cell.
pub(crate) fn parse_lte_sinr(line: &str) -> Result<Option<f32>, ParseError> {
    let f = Fields::after_prefix(line, "+QENG")?;
    if !f
        .opt_string(2)
        .is_some_and(|t| t.eq_ignore_ascii_case("LTE"))
    {
        return Ok(None);
    }
    let Some(text) = f.opt_string(16) else {
        return Ok(None);
    };
    let value: i32 = text.parse().map_err(|_| ParseError::InvalidField {
        name: "SINR",
        value: text.clone(),
    })?;
    if !(0..=250).contains(&value) {
        return Ok(None);
    }
    Ok(Some(value as f32 / 5.0 - 20.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_have_the_manuals_form() {
        assert_eq!(
            route_urcs(QuectelUrcPort::UsbAt).text(),
            "AT+QURCCFG=\"urcport\",\"usbat\""
        );
        assert_eq!(pin_attempts().expected_prefix(), Some("+QPINC"));
        assert_eq!(serving_cell().expected_prefix(), Some("+QENG"));
    }

    #[test]
    fn pin_attempts_parse() {
        assert_eq!(parse_pin_attempts("+QPINC: \"SC\",2,10").unwrap(), (2, 10));
        assert!(parse_pin_attempts("+QPINC: \"SC\"").is_err());
    }

    #[test]
    fn lte_sinr_is_read_in_fifths_of_a_db() {
        let lte = "+QENG: \"servingcell\",\"NOCONN\",\"LTE\",\"FDD\",262,01,1A2D001,101,1300,3,5,5,2A01,-100,-11,-75,150,40";
        assert_eq!(parse_lte_sinr(lte).unwrap(), Some(10.0));
        assert_eq!(
            parse_lte_sinr("+QENG: \"servingcell\",\"SEARCH\"").unwrap(),
            None
        );
        assert_eq!(
            parse_lte_sinr("+QENG: \"servingcell\",\"NOCONN\",\"GSM\"").unwrap(),
            None
        );
    }
}
