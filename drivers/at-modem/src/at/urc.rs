//! Unsolicited result codes: which lines are URCs, and their typed forms.

use super::parse::calls::{parse_clip, parse_cring, parse_cusd, CallerId, Ussd};
use super::parse::network::{csq_from, parse_registration_urc, Registration, SignalQuality};
use super::parse::sim::{parse_cpin, PinState};
use super::parse::sms::{parse_cds, parse_cdsi, parse_cmt, parse_cmti, PduMessage, StoredMessage};
use super::parse::{has_prefix, strip_prefix, Field, Fields, ParseError};

/// One unsolicited result code as received: its line and, for `+CMT` and
/// `+CDS` in PDU mode, the PDU line that follows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Urc {
    pub line: String,
    pub pdu: Option<String>,
}

/// URCs that are words rather than `+NAME:` lines.
const WORD_URCS: &[&str] = &[
    "RING",
    "NO CARRIER",
    "BUSY",
    "NO ANSWER",
    "NO DIALTONE",
    "RDY",
    "POWERED DOWN",
    "NORMAL POWER DOWN",
];

/// True for a line that is an unsolicited result code when no command
/// expects it: a known word, or any `+`/`^` information line.
pub fn is_unsolicited_line(line: &str) -> bool {
    let line = line.trim();
    line.starts_with('+')
        || line.starts_with('^')
        || WORD_URCS.iter().any(|w| line.eq_ignore_ascii_case(w))
}

/// True for a `+CMT`/`+CDS` header in PDU mode, whose next line is the PDU:
/// `+CMT: [<alpha>],<length>` (two fields) and `+CDS: <length>` (one). The
/// text-mode forms have more fields and no PDU line.
pub fn needs_pdu_line(line: &str) -> bool {
    if let Ok(f) = Fields::after_prefix(line, "+CMT") {
        return f.len() == 2 && matches!(f.get(1), Field::Bare(_));
    }
    if let Ok(f) = Fields::after_prefix(line, "+CDS") {
        return f.len() == 1 && matches!(f.get(0), Field::Bare(_));
    }
    false
}

/// True if a `+CREG:`-style line has the shape of the unsolicited form
/// (`<stat>[,<lac>,<ci>...]`) rather than the read form (`<n>,<stat>...`):
/// one field, three fields, or a quoted second field (the `<lac>`).
pub fn registration_line_is_unsolicited(line: &str) -> bool {
    let Some(rest) = line.split_once(':').map(|(_, r)| r) else {
        return false;
    };
    let Ok(f) = Fields::split(rest, line) else {
        return false;
    };
    f.len() == 1 || f.len() == 3 || matches!(f.get(1), Field::Quoted(_))
}

/// Quectel's `+QIND` indications.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuectelIndication {
    SmsDone,
    PbDone,
    Csq(SignalQuality),
    Other(String),
}

/// A URC in typed form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unsolicited {
    /// `+CREG`/`+CGREG`/`+CEREG`/`+C5GREG` and which of them.
    Registration {
        prefix: &'static str,
        registration: Registration,
    },
    Ring,
    /// `+CRING: <type>`.
    CallingRing(String),
    CallerId(CallerId),
    /// `NO CARRIER` outside a dial command: a call ended.
    CallEnded,
    Busy,
    /// `NO ANSWER` outside a dial command: an outgoing call was not answered.
    NoAnswer,
    /// `+CMTI`: a message was stored.
    NewMessage(StoredMessage),
    /// `+CDSI`: a status report was stored (`AT+CNMI` with ds=2).
    NewStatusReport(StoredMessage),
    Message(PduMessage),
    StatusReport(PduMessage),
    Ussd(Ussd),
    /// `+CIEV: <ind>,<value>`.
    Indicator {
        index: u32,
        value: u32,
    },
    Pin(PinState),
    /// Quectel: the modem (re)started.
    Ready,
    PoweredDown,
    Quectel(QuectelIndication),
    /// `+CGEV: <text>`, packet domain events, kept as sent.
    PacketEvent(String),
    /// `+CTZV`/`+CTZE`: time zone report, kept as sent.
    TimeZone(String),
    /// Another `+`/`^` line, kept as sent.
    Other(String),
}

impl Urc {
    /// The typed form of this URC.
    pub fn parse(&self) -> Result<Unsolicited, ParseError> {
        let line = self.line.trim();
        let word = line.to_ascii_uppercase();
        match word.as_str() {
            "RING" => return Ok(Unsolicited::Ring),
            "NO CARRIER" => return Ok(Unsolicited::CallEnded),
            "BUSY" => return Ok(Unsolicited::Busy),
            "NO ANSWER" => return Ok(Unsolicited::NoAnswer),
            "RDY" => return Ok(Unsolicited::Ready),
            "POWERED DOWN" | "NORMAL POWER DOWN" => return Ok(Unsolicited::PoweredDown),
            _ => {}
        }
        let pdu = self.pdu.as_deref();
        if ["+CREG", "+CGREG", "+CEREG", "+C5GREG"]
            .iter()
            .any(|p| has_prefix(line, p))
        {
            let (prefix, registration) = parse_registration_urc(line)?;
            return Ok(Unsolicited::Registration {
                prefix,
                registration,
            });
        }
        Ok(if has_prefix(line, "+CRING") {
            Unsolicited::CallingRing(parse_cring(line)?)
        } else if has_prefix(line, "+CLIP") {
            Unsolicited::CallerId(parse_clip(line)?)
        } else if has_prefix(line, "+CMTI") {
            Unsolicited::NewMessage(parse_cmti(line)?)
        } else if has_prefix(line, "+CDSI") {
            Unsolicited::NewStatusReport(parse_cdsi(line)?)
        } else if has_prefix(line, "+CMT") {
            Unsolicited::Message(parse_cmt(line, pdu)?)
        } else if has_prefix(line, "+CDS") {
            Unsolicited::StatusReport(parse_cds(line, pdu)?)
        } else if has_prefix(line, "+CUSD") {
            Unsolicited::Ussd(parse_cusd(line)?)
        } else if has_prefix(line, "+CIEV") {
            let f = Fields::after_prefix(line, "+CIEV")?;
            Unsolicited::Indicator {
                index: f.u32(0, "ind")?,
                value: f.u32(1, "value")?,
            }
        } else if has_prefix(line, "+CPIN") {
            Unsolicited::Pin(parse_cpin(line)?)
        } else if has_prefix(line, "+QIND") {
            Unsolicited::Quectel(parse_qind(line)?)
        } else if let Some(rest) = strip_prefix(line, "+CGEV") {
            Unsolicited::PacketEvent(rest.trim().to_owned())
        } else if let Some(rest) =
            strip_prefix(line, "+CTZV").or_else(|| strip_prefix(line, "+CTZE"))
        {
            Unsolicited::TimeZone(rest.trim().to_owned())
        } else {
            Unsolicited::Other(line.to_owned())
        })
    }
}

fn parse_qind(line: &str) -> Result<QuectelIndication, ParseError> {
    let f = Fields::after_prefix(line, "+QIND")?;
    let kind = f.string(0, "ind")?;
    Ok(match kind.to_ascii_uppercase().as_str() {
        "SMS DONE" => QuectelIndication::SmsDone,
        "PB DONE" => QuectelIndication::PbDone,
        "CSQ" => QuectelIndication::Csq(csq_from(&f, 1)?),
        _ => QuectelIndication::Other(line.to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::at::parse::network::{AccessTech, Dbm, RegStatus};

    fn urc(line: &str) -> Unsolicited {
        Urc {
            line: line.into(),
            pdu: None,
        }
        .parse()
        .unwrap()
    }

    #[test]
    fn quectel_boot_urcs_parse() {
        assert_eq!(urc("RDY"), Unsolicited::Ready);
        assert_eq!(urc("+CPIN: READY"), Unsolicited::Pin(PinState::Ready));
        assert_eq!(
            urc("+QIND: SMS DONE"),
            Unsolicited::Quectel(QuectelIndication::SmsDone)
        );
        assert_eq!(
            urc("+QIND: PB DONE"),
            Unsolicited::Quectel(QuectelIndication::PbDone)
        );
        assert_eq!(
            urc("+QIND: \"csq\",20,99"),
            Unsolicited::Quectel(QuectelIndication::Csq(SignalQuality {
                rssi: Some(Dbm(-73)),
                ber: None
            }))
        );
        assert_eq!(urc("POWERED DOWN"), Unsolicited::PoweredDown);
    }

    #[test]
    fn registration_urc_is_typed() {
        let Unsolicited::Registration {
            prefix,
            registration,
        } = urc("+CEREG: 1,\"2F4C\",\"0A1B2C3D\",7")
        else {
            panic!("not a registration")
        };
        assert_eq!(prefix, "+CEREG");
        assert_eq!(registration.status, RegStatus::Home);
        assert_eq!(registration.access_tech, Some(AccessTech::Eutran));
    }

    #[test]
    fn call_and_sms_urcs_are_typed() {
        assert_eq!(urc("RING"), Unsolicited::Ring);
        assert_eq!(
            urc("+CRING: VOICE"),
            Unsolicited::CallingRing("VOICE".into())
        );
        assert!(matches!(
            urc("+CLIP: \"123\",129"),
            Unsolicited::CallerId(_)
        ));
        assert!(matches!(urc("+CMTI: \"ME\",0"), Unsolicited::NewMessage(_)));
        assert_eq!(
            urc("+CDSI: \"SM\",7"),
            Unsolicited::NewStatusReport(StoredMessage {
                memory: "SM".into(),
                index: 7
            })
        );
        assert_eq!(urc("NO ANSWER"), Unsolicited::NoAnswer);
        assert_eq!(
            urc("+CIEV: 2,5"),
            Unsolicited::Indicator { index: 2, value: 5 }
        );
        assert_eq!(urc("^MODE: 5,4"), Unsolicited::Other("^MODE: 5,4".into()));
        assert_eq!(urc("+CTZV: +32,0"), Unsolicited::TimeZone("+32,0".into()));
        let m = Urc {
            line: "+CMT: ,6".into(),
            pdu: Some("00000000000000".into()),
        }
        .parse()
        .unwrap();
        assert!(matches!(
            m,
            Unsolicited::Message(PduMessage { length: 6, .. })
        ));
    }

    #[test]
    fn pdu_headers_are_recognised_only_in_pdu_mode_form() {
        assert!(needs_pdu_line("+CMT: ,24"));
        assert!(needs_pdu_line("+CMT: \"Mum\",24"));
        assert!(needs_pdu_line("+CDS: 25"));
        assert!(!needs_pdu_line(
            "+CMT: \"+491234\",,\"24/01/01,10:00:00+04\""
        ));
        assert!(!needs_pdu_line("+CMTI: \"SM\",1"));
    }

    #[test]
    fn registration_shapes_are_told_apart() {
        assert!(registration_line_is_unsolicited("+CREG: 1"));
        assert!(registration_line_is_unsolicited("+CREG: 1,84CD,00D30156"));
        assert!(registration_line_is_unsolicited(
            "+CEREG: 1,\"2F4C\",\"0A1B2C3D\",7"
        ));
        assert!(!registration_line_is_unsolicited(
            "+CREG: 2,1,\"CE00\",\"01CEAD8F\""
        ));
        assert!(!registration_line_is_unsolicited("+CREG: 0,1"));
    }
}
