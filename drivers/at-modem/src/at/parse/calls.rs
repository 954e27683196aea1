//! Calls and supplementary services: +CLCC, +CLIP, +CRING, +CUSD.

use super::{Fields, ParseError};

/// `<stat>` of a call in +CLCC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallState {
    Active,
    Held,
    Dialing,
    Alerting,
    Incoming,
    Waiting,
    Other(u32),
}

/// One call of `AT+CLCC`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallInfo {
    pub id: u32,
    /// True for a call the phone received (mobile terminated).
    pub incoming: bool,
    pub state: CallState,
    /// `<mode>`: 0 voice, 1 data, 2 fax, 9 unknown.
    pub mode: u32,
    pub multiparty: bool,
    pub number: Option<String>,
    /// `<type>` of address: 145 international, 129 national/unknown.
    pub number_type: Option<u32>,
    pub alpha: Option<String>,
}

/// Parses `+CLCC: <id>,<dir>,<stat>,<mode>,<mpty>[,<number>,<type>[,<alpha>...]]`.
pub fn parse_clcc(line: &str) -> Result<CallInfo, ParseError> {
    let f = Fields::after_prefix(line, "+CLCC")?;
    let state = match f.u32(2, "stat")? {
        0 => CallState::Active,
        1 => CallState::Held,
        2 => CallState::Dialing,
        3 => CallState::Alerting,
        4 => CallState::Incoming,
        5 => CallState::Waiting,
        other => CallState::Other(other),
    };
    Ok(CallInfo {
        id: f.u32(0, "id")?,
        incoming: f.u32(1, "dir")? == 1,
        state,
        mode: f.u32(3, "mode")?,
        multiparty: f.u32(4, "mpty")? == 1,
        number: f.opt_string(5),
        number_type: f.opt_u32(6, "type")?,
        alpha: f.opt_string(7),
    })
}

/// An unsolicited `+CLIP: <number>,<type>[,<subaddr>,<satype>,<alpha>,<CLI validity>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerId {
    pub number: Option<String>,
    pub number_type: Option<u32>,
    pub alpha: Option<String>,
    /// 0 valid, 1 withheld, 2 not available.
    pub validity: Option<u32>,
}

pub fn parse_clip(line: &str) -> Result<CallerId, ParseError> {
    let f = Fields::after_prefix(line, "+CLIP")?;
    Ok(CallerId {
        number: f.opt_string(0),
        number_type: f.opt_u32(1, "type")?,
        alpha: f.opt_string(4),
        validity: f.opt_u32(5, "CLI validity")?,
    })
}

/// Parses `+CRING: <type>` (`VOICE`, `REL ASYNC`, `GPRS ...`): the type as sent.
pub fn parse_cring(line: &str) -> Result<String, ParseError> {
    Fields::after_prefix(line, "+CRING")?.string(0, "type")
}

/// A USSD result or network-initiated USSD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ussd {
    /// `<m>`: 0 no further action, 1 further action required, 2 terminated
    /// by network, 3 other client responded, 4 not supported, 5 timeout.
    pub status: u32,
    /// `<str>` as sent (text in the TE character set, or hex when `dcs` says so).
    pub text: Option<String>,
    pub dcs: Option<u32>,
}

/// Parses `+CUSD: <m>[,<str>,<dcs>]`.
pub fn parse_cusd(line: &str) -> Result<Ussd, ParseError> {
    let f = Fields::after_prefix(line, "+CUSD")?;
    Ok(Ussd {
        status: f.u32(0, "m")?,
        text: f.opt_string(1),
        dcs: f.opt_u32(2, "dcs")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clcc_lines_parse_with_and_without_number() {
        let c = parse_clcc("+CLCC: 1,0,0,0,0,\"+15551234567\",145,\"\"").unwrap();
        assert_eq!((c.id, c.incoming, c.state), (1, false, CallState::Active));
        assert_eq!(c.number.as_deref(), Some("+15551234567"));
        assert_eq!((c.number_type, c.alpha), (Some(145), None));
        let c = parse_clcc("+CLCC: 2,1,4,0,0,\"5551234567\",129,\"Bob\"").unwrap();
        assert_eq!(
            (c.incoming, c.state, c.alpha.as_deref()),
            (true, CallState::Incoming, Some("Bob"))
        );
        let c = parse_clcc("+CLCC: 3,1,5,0,1").unwrap();
        assert_eq!(
            (c.state, c.multiparty, c.number),
            (CallState::Waiting, true, None)
        );
        assert!(parse_clcc("+CLCC: 1,0").is_err());
    }

    #[test]
    fn clip_cring_and_cusd_parse() {
        let c = parse_clip("+CLIP: \"+8613800138000\",145,\"\",0,\"\",0").unwrap();
        assert_eq!(
            (c.number.as_deref(), c.number_type, c.validity),
            (Some("+8613800138000"), Some(145), Some(0))
        );
        let c = parse_clip("+CLIP: \"\",128,,,,1").unwrap();
        assert_eq!((c.number, c.validity), (None, Some(1)));
        assert_eq!(parse_cring("+CRING: VOICE").unwrap(), "VOICE");
        let u = parse_cusd("+CUSD: 0,\"Your balance is 5.00\",15").unwrap();
        assert_eq!(
            (u.status, u.text.as_deref(), u.dcs),
            (0, Some("Your balance is 5.00"), Some(15))
        );
        assert_eq!(parse_cusd("+CUSD: 4").unwrap().text, None);
    }
}
