//! SMS in PDU mode (TS 27.005): +CMTI, +CDSI, +CMT, +CDS, +CMGS, +CMGR,
//! +CMGL, +CSMS.
//! The PDUs themselves are decoded by [`crate::pdu`].

use super::{Fields, ParseError};

/// `+CMTI: <mem>,<index>`: a message was stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    pub memory: String,
    pub index: u32,
}

pub fn parse_cmti(line: &str) -> Result<StoredMessage, ParseError> {
    let f = Fields::after_prefix(line, "+CMTI")?;
    Ok(StoredMessage {
        memory: f.string(0, "mem")?,
        index: f.u32(1, "index")?,
    })
}

/// `+CDSI: <mem>,<index>`: a status report was stored.
pub fn parse_cdsi(line: &str) -> Result<StoredMessage, ParseError> {
    let f = Fields::after_prefix(line, "+CDSI")?;
    Ok(StoredMessage {
        memory: f.string(0, "mem")?,
        index: f.u32(1, "index")?,
    })
}

/// The message service of `AT+CSMS?`: `+CSMS: <service>,<mt>,<mo>,<bm>`.
/// Service 1 (phase 2+) means `+CMT` and `+CDS` must be acknowledged with
/// `AT+CNMA`.
pub fn parse_csms_service(line: &str) -> Result<u32, ParseError> {
    Fields::after_prefix(line, "+CSMS")?.u32(0, "service")
}

/// A PDU-mode message header and the PDU line after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PduMessage {
    /// `<stat>` for +CMGR/+CMGL: 0 unread, 1 read, 2 unsent, 3 sent.
    pub status: Option<u32>,
    /// `<index>` for +CMGL.
    pub index: Option<u32>,
    pub alpha: Option<String>,
    /// `<length>`: TPDU octets, without the SMSC address.
    pub length: u32,
    /// The hex PDU, SMSC address first.
    pub pdu: String,
}

fn pdu_line(header: &str, pdu: Option<&str>) -> Result<String, ParseError> {
    let pdu = pdu.map(str::trim).filter(|p| !p.is_empty());
    let pdu = pdu.ok_or_else(|| ParseError::MissingPduLine {
        header: header.to_owned(),
    })?;
    if pdu.len() % 2 == 0 && pdu.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(pdu.to_owned())
    } else {
        Err(ParseError::InvalidField {
            name: "pdu",
            value: pdu.to_owned(),
        })
    }
}

/// `+CMT: [<alpha>],<length>` and its PDU line: a message delivered
/// directly (AT+CNMI with mt=2).
pub fn parse_cmt(header: &str, pdu: Option<&str>) -> Result<PduMessage, ParseError> {
    let f = Fields::after_prefix(header, "+CMT")?;
    Ok(PduMessage {
        status: None,
        index: None,
        alpha: f.opt_string(0),
        length: f.u32(1, "length")?,
        pdu: pdu_line(header, pdu)?,
    })
}

/// `+CDS: <length>` and its PDU line: a status report.
pub fn parse_cds(header: &str, pdu: Option<&str>) -> Result<PduMessage, ParseError> {
    let f = Fields::after_prefix(header, "+CDS")?;
    Ok(PduMessage {
        status: None,
        index: None,
        alpha: None,
        length: f.u32(0, "length")?,
        pdu: pdu_line(header, pdu)?,
    })
}

/// `+CMGS: <mr>`: the message reference of a sent message.
pub fn parse_cmgs(line: &str) -> Result<u8, ParseError> {
    let mr = Fields::after_prefix(line, "+CMGS")?.u32(0, "mr")?;
    u8::try_from(mr).map_err(|_| ParseError::InvalidField {
        name: "mr",
        value: mr.to_string(),
    })
}

/// `+CMGR: <stat>,[<alpha>],<length>` and its PDU line.
pub fn parse_cmgr(header: &str, pdu: Option<&str>) -> Result<PduMessage, ParseError> {
    let f = Fields::after_prefix(header, "+CMGR")?;
    Ok(PduMessage {
        status: Some(f.u32(0, "stat")?),
        index: None,
        alpha: f.opt_string(1),
        length: f.u32(2, "length")?,
        pdu: pdu_line(header, pdu)?,
    })
}

/// The information lines of `AT+CMGL=<stat>`: pairs of
/// `+CMGL: <index>,<stat>,[<alpha>],<length>` and a PDU line.
pub fn parse_cmgl(lines: &[String]) -> Result<Vec<PduMessage>, ParseError> {
    let mut messages = Vec::new();
    let mut iter = lines.iter();
    while let Some(header) = iter.next() {
        let f = Fields::after_prefix(header, "+CMGL")?;
        messages.push(PduMessage {
            index: Some(f.u32(0, "index")?),
            status: Some(f.u32(1, "stat")?),
            alpha: f.opt_string(2),
            length: f.u32(3, "length")?,
            pdu: pdu_line(header, iter.next().map(String::as_str))?,
        });
    }
    Ok(messages)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PDU: &str =
        "07919730071111F1040B919746121611F10000811170021222230DC8329BFD6681EE6F399B1C02";

    #[test]
    fn cmti_and_cmgs_parse() {
        assert_eq!(
            parse_cmti("+CMTI: \"SM\",3").unwrap(),
            StoredMessage {
                memory: "SM".into(),
                index: 3
            }
        );
        assert_eq!(parse_cmgs("+CMGS: 12").unwrap(), 12);
        assert_eq!(parse_cdsi("+CDSI: \"ME\",4").unwrap().index, 4);
        assert_eq!(parse_csms_service("+CSMS: 1,1,1,1").unwrap(), 1);
        assert_eq!(parse_csms_service("+CSMS: 0,1,1,1").unwrap(), 0);
        assert!(parse_cmgs("+CMGS: 300").is_err());
    }

    #[test]
    fn cmt_and_cds_take_their_pdu_line() {
        let m = parse_cmt("+CMT: ,36", Some(PDU)).unwrap();
        assert_eq!((m.alpha, m.length, m.pdu.as_str()), (None, 36, PDU));
        assert_eq!(parse_cds("+CDS: 25", Some("0006")).unwrap().length, 25);
        assert_eq!(
            parse_cmt("+CMT: ,36", None).unwrap_err(),
            ParseError::MissingPduLine {
                header: "+CMT: ,36".into()
            }
        );
        assert!(parse_cmt("+CMT: ,36", Some("XYZ")).is_err());
    }

    #[test]
    fn cmgr_and_cmgl_parse() {
        let m = parse_cmgr("+CMGR: 0,,36", Some(PDU)).unwrap();
        assert_eq!((m.status, m.length), (Some(0), 36));
        let lines: Vec<String> = ["+CMGL: 1,1,,36", PDU, "+CMGL: 4,0,\"Mum\",36", PDU]
            .map(String::from)
            .into();
        let list = parse_cmgl(&lines).unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(
            (list[1].index, list[1].alpha.as_deref()),
            (Some(4), Some("Mum"))
        );
        assert!(parse_cmgl(&lines[..3]).is_err());
    }
}
