//! Network: registration (+CREG/+CGREG/+CEREG/+C5GREG), operator (+COPS),
//! signal (+CSQ, +CESQ), functionality (+CFUN).

use super::{Field, Fields, ParseError};

/// `<stat>` of the registration commands (TS 27.007 §7.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegStatus {
    NotRegistered,
    Home,
    Searching,
    Denied,
    Unknown,
    Roaming,
    HomeSmsOnly,
    RoamingSmsOnly,
    EmergencyOnly,
    HomeCsfbNotPreferred,
    RoamingCsfbNotPreferred,
    Other(u32),
}

impl RegStatus {
    pub fn from_code(code: u32) -> RegStatus {
        match code {
            0 => RegStatus::NotRegistered,
            1 => RegStatus::Home,
            2 => RegStatus::Searching,
            3 => RegStatus::Denied,
            4 => RegStatus::Unknown,
            5 => RegStatus::Roaming,
            6 => RegStatus::HomeSmsOnly,
            7 => RegStatus::RoamingSmsOnly,
            8 => RegStatus::EmergencyOnly,
            9 => RegStatus::HomeCsfbNotPreferred,
            10 => RegStatus::RoamingCsfbNotPreferred,
            other => RegStatus::Other(other),
        }
    }

    pub fn is_registered(self) -> bool {
        matches!(
            self,
            RegStatus::Home
                | RegStatus::Roaming
                | RegStatus::HomeSmsOnly
                | RegStatus::RoamingSmsOnly
                | RegStatus::HomeCsfbNotPreferred
                | RegStatus::RoamingCsfbNotPreferred
        )
    }
}

/// `<AcT>` (TS 27.007 §7.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessTech {
    Gsm,
    GsmCompact,
    Utran,
    GsmEgprs,
    UtranHsdpa,
    UtranHsupa,
    UtranHspa,
    Eutran,
    EcGsmIot,
    EutranNbS1,
    EutraConnected5gcn,
    Nr5gcn,
    NgRan,
    EutraNr,
    Other(u32),
}

impl AccessTech {
    pub fn from_code(code: u32) -> AccessTech {
        match code {
            0 => AccessTech::Gsm,
            1 => AccessTech::GsmCompact,
            2 => AccessTech::Utran,
            3 => AccessTech::GsmEgprs,
            4 => AccessTech::UtranHsdpa,
            5 => AccessTech::UtranHsupa,
            6 => AccessTech::UtranHspa,
            7 => AccessTech::Eutran,
            8 => AccessTech::EcGsmIot,
            9 => AccessTech::EutranNbS1,
            10 => AccessTech::EutraConnected5gcn,
            11 => AccessTech::Nr5gcn,
            12 => AccessTech::NgRan,
            13 => AccessTech::EutraNr,
            other => AccessTech::Other(other),
        }
    }
}

/// A registration state, from the read form (`+CREG: <n>,<stat>,...`) or
/// the unsolicited form (`+CREG: <stat>,...`). The fields after `<AcT>`
/// (reject causes of n=3, PSM timers of n=4/5, RAC) are ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    /// `<n>`, the unsolicited mode; only in the read form.
    pub mode: Option<u32>,
    pub status: RegStatus,
    /// `<lac>` or `<tac>`.
    pub area: Option<u32>,
    pub cell_id: Option<u32>,
    pub access_tech: Option<AccessTech>,
}

/// The registration prefixes, for [`parse_registration_query`].
pub const REGISTRATION_PREFIXES: [&str; 4] = ["+CREG", "+CGREG", "+CEREG", "+C5GREG"];

fn registration_fields(line: &str) -> Result<(&'static str, Fields), ParseError> {
    for prefix in REGISTRATION_PREFIXES {
        if let Ok(fields) = Fields::after_prefix(line, prefix) {
            return Ok((prefix, fields));
        }
    }
    Err(ParseError::WrongPrefix {
        expected: "+CREG/+CGREG/+CEREG/+C5GREG",
        line: line.to_owned(),
    })
}

fn registration_from(
    fields: &Fields,
    first: usize,
    mode: Option<u32>,
) -> Result<Registration, ParseError> {
    Ok(Registration {
        mode,
        status: RegStatus::from_code(fields.u32(first, "stat")?),
        area: fields.opt_hex(first + 1, "lac")?,
        cell_id: fields.opt_hex(first + 2, "ci")?,
        access_tech: fields
            .opt_u32(first + 3, "AcT")
            .ok()
            .flatten()
            .map(AccessTech::from_code),
    })
}

/// Parses the answer to `AT+CREG?` (and +CGREG, +CEREG, +C5GREG).
pub fn parse_registration_query(line: &str) -> Result<Registration, ParseError> {
    let (_, fields) = registration_fields(line)?;
    let mode = fields.u32(0, "n")?;
    registration_from(&fields, 1, Some(mode))
}

/// Parses an unsolicited `+CREG: <stat>[,<lac>,<ci>[,<AcT>...]]`.
pub fn parse_registration_urc(line: &str) -> Result<(&'static str, Registration), ParseError> {
    let (prefix, fields) = registration_fields(line)?;
    Ok((prefix, registration_from(&fields, 0, None)?))
}

/// `<format>` of +COPS and the operator in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operator {
    Long(String),
    Short(String),
    Numeric(String),
}

/// The answer to `AT+COPS?`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentOperator {
    /// 0 automatic, 1 manual, 2 deregistered, 3 set format only, 4 manual/automatic.
    pub mode: u32,
    pub operator: Option<Operator>,
    pub access_tech: Option<AccessTech>,
}

/// Parses `+COPS: <mode>[,<format>,<oper>[,<AcT>]]`.
pub fn parse_cops_query(line: &str) -> Result<CurrentOperator, ParseError> {
    let f = Fields::after_prefix(line, "+COPS")?;
    let mode = f.u32(0, "mode")?;
    let operator = match (f.opt_u32(1, "format")?, f.opt_string(2)) {
        (Some(0), Some(name)) => Some(Operator::Long(name)),
        (Some(1), Some(name)) => Some(Operator::Short(name)),
        (Some(2), Some(name)) => Some(Operator::Numeric(name)),
        (Some(other), Some(_)) => {
            return Err(ParseError::InvalidField {
                name: "format",
                value: other.to_string(),
            })
        }
        _ => None,
    };
    let access_tech = f.opt_u32(3, "AcT")?.map(AccessTech::from_code);
    Ok(CurrentOperator {
        mode,
        operator,
        access_tech,
    })
}

/// `<stat>` of an operator in the `AT+COPS=?` list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperatorAvailability {
    Unknown,
    Available,
    Current,
    Forbidden,
}

/// One operator of the `AT+COPS=?` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkEntry {
    pub availability: OperatorAvailability,
    pub long_name: Option<String>,
    pub short_name: Option<String>,
    pub numeric: String,
    pub access_tech: Option<AccessTech>,
}

/// Parses `+COPS: (<stat>,long,short,numeric[,<AcT>]),...,,(modes),(formats)`.
/// The operator groups end at the first empty field; the lists of supported
/// modes and formats after it are skipped. Some modems answer with one
/// `+COPS:` line per operator: pass each line.
pub fn parse_cops_list(line: &str) -> Result<Vec<NetworkEntry>, ParseError> {
    let f = Fields::after_prefix(line, "+COPS")?;
    let mut entries = Vec::new();
    for item in f.items() {
        let Field::Group(inner) = item else { break };
        let g = Fields::split(inner, line)?;
        // The supported-modes list `(0,1,2,3,4)` holds numbers only.
        if !matches!(g.get(1), Field::Quoted(_) | Field::Empty) {
            break;
        }
        let availability = match g.u32(0, "stat")? {
            1 => OperatorAvailability::Available,
            2 => OperatorAvailability::Current,
            3 => OperatorAvailability::Forbidden,
            _ => OperatorAvailability::Unknown,
        };
        entries.push(NetworkEntry {
            availability,
            long_name: g.opt_string(1),
            short_name: g.opt_string(2),
            numeric: g.string(3, "numeric oper")?,
            access_tech: g.opt_u32(4, "AcT")?.map(AccessTech::from_code),
        });
    }
    Ok(entries)
}

/// Decibels relative to a milliwatt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Dbm(pub i16);

/// Decibels in steps of half a decibel (EcNo and RSRQ are given so).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct HalfDb(pub i16);

impl HalfDb {
    pub fn as_db(self) -> f32 {
        f32::from(self.0) / 2.0
    }
}

/// The answer to `AT+CSQ`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignalQuality {
    /// `<rssi>` 0..=31 as dBm: 0 is -113 or less, 31 is -51 or more; 99 is `None`.
    pub rssi: Option<Dbm>,
    /// `<ber>` 0..=7 (RXQUAL); 99 is `None`.
    pub ber: Option<u8>,
}

/// Parses `+CSQ: <rssi>,<ber>` (also Quectel's `+QIND: "csq",<rssi>,<ber>`
/// once its prefix is removed by the caller).
pub fn parse_csq(line: &str) -> Result<SignalQuality, ParseError> {
    let f = Fields::after_prefix(line, "+CSQ")?;
    csq_from(&f, 0)
}

pub(crate) fn csq_from(f: &Fields, first: usize) -> Result<SignalQuality, ParseError> {
    let rssi = f.u32(first, "rssi")?;
    let ber = f.u32(first + 1, "ber")?;
    let rssi = match rssi {
        0..=31 => Some(Dbm(-113 + 2 * rssi as i16)),
        99 => None,
        _ => {
            return Err(ParseError::InvalidField {
                name: "rssi",
                value: rssi.to_string(),
            })
        }
    };
    let ber = match ber {
        0..=7 => Some(ber as u8),
        99 => None,
        _ => {
            return Err(ParseError::InvalidField {
                name: "ber",
                value: ber.to_string(),
            })
        }
    };
    Ok(SignalQuality { rssi, ber })
}

/// The answer to `AT+CESQ`, each value the lower bound of its 27.007 range
/// (so `rsrp` 0, "below -140 dBm", is -141 dBm); unknown values are `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtendedSignalQuality {
    /// GSM `<rxlev>` 0..=63: -111 + rxlev dBm (99 unknown).
    pub rxlev: Option<Dbm>,
    /// GSM `<ber>` 0..=7 (99 unknown).
    pub ber: Option<u8>,
    /// UTRAN `<rscp>` 0..=96: -121 + rscp dBm (255 unknown).
    pub rscp: Option<Dbm>,
    /// UTRAN `<ecno>` 0..=49: -24.5 + ecno/2 dB (255 unknown).
    pub ecno: Option<HalfDb>,
    /// E-UTRAN `<rsrq>` 0..=34: -20 + rsrq/2 dB (255 unknown).
    pub rsrq: Option<HalfDb>,
    /// E-UTRAN `<rsrp>` 0..=97: -141 + rsrp dBm (255 unknown).
    pub rsrp: Option<Dbm>,
}

/// Parses `+CESQ: <rxlev>,<ber>,<rscp>,<ecno>,<rsrq>,<rsrp>`.
pub fn parse_cesq(line: &str) -> Result<ExtendedSignalQuality, ParseError> {
    let f = Fields::after_prefix(line, "+CESQ")?;
    let ranged =
        |i: usize, name: &'static str, max: u32, unknown: u32| -> Result<Option<i16>, ParseError> {
            let v = f.u32(i, name)?;
            if v == unknown {
                Ok(None)
            } else if v <= max {
                Ok(Some(v as i16))
            } else {
                Err(ParseError::InvalidField {
                    name,
                    value: v.to_string(),
                })
            }
        };
    Ok(ExtendedSignalQuality {
        rxlev: ranged(0, "rxlev", 63, 99)?.map(|v| Dbm(-111 + v)),
        ber: ranged(1, "ber", 7, 99)?.map(|v| v as u8),
        rscp: ranged(2, "rscp", 96, 255)?.map(|v| Dbm(-121 + v)),
        ecno: ranged(3, "ecno", 49, 255)?.map(|v| HalfDb(-49 + v)),
        rsrq: ranged(4, "rsrq", 34, 255)?.map(|v| HalfDb(-40 + v)),
        rsrp: ranged(5, "rsrp", 97, 255)?.map(|v| Dbm(-141 + v)),
    })
}

/// `<fun>` of +CFUN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Functionality {
    Minimum,
    Full,
    TransmitOff,
    ReceiveOff,
    RadioOff,
    Other(u32),
}

impl Functionality {
    pub fn from_code(code: u32) -> Functionality {
        match code {
            0 => Functionality::Minimum,
            1 => Functionality::Full,
            2 => Functionality::TransmitOff,
            3 => Functionality::ReceiveOff,
            4 => Functionality::RadioOff,
            other => Functionality::Other(other),
        }
    }

    pub fn code(self) -> u32 {
        match self {
            Functionality::Minimum => 0,
            Functionality::Full => 1,
            Functionality::TransmitOff => 2,
            Functionality::ReceiveOff => 3,
            Functionality::RadioOff => 4,
            Functionality::Other(c) => c,
        }
    }
}

/// Parses `+CFUN: <fun>`.
pub fn parse_cfun(line: &str) -> Result<Functionality, ParseError> {
    Ok(Functionality::from_code(
        Fields::after_prefix(line, "+CFUN")?.u32(0, "fun")?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reg(
        mode: Option<u32>,
        stat: u32,
        area: Option<u32>,
        ci: Option<u32>,
        act: Option<u32>,
    ) -> Registration {
        Registration {
            mode,
            status: RegStatus::from_code(stat),
            area,
            cell_id: ci,
            access_tech: act.map(AccessTech::from_code),
        }
    }

    #[test]
    fn registration_queries_of_real_modems_parse() {
        // Sierra Mercury, Sony Ericsson K850i, Huawei E160G, Iridium (leading zeros).
        let cases = [
            ("+CREG: 1,3", reg(Some(1), 3, None, None, None)),
            (
                "+CREG: 0,1,84CD,00D30173",
                reg(Some(0), 1, Some(0x84cd), Some(0xd30173), None),
            ),
            (
                "+CREG: 2,1,\"CE00\",\"01CEAD8F\"",
                reg(Some(2), 1, Some(0xce00), Some(0x01cead8f), None),
            ),
            ("+CREG: 2,0,00,0", reg(Some(2), 0, Some(0), Some(0), None)),
            (
                "+CREG:002,001,\"18d8\",\"ffff\"",
                reg(Some(2), 1, Some(0x18d8), Some(0xffff), None),
            ),
            (
                "+CGREG: 2,1,\"8BE3\",\"00002B5D\",3",
                reg(Some(2), 1, Some(0x8be3), Some(0x2b5d), Some(3)),
            ),
            (
                "+CEREG: 2,1,\"1A2B\",\"01A2B3C4\",7",
                reg(Some(2), 1, Some(0x1a2b), Some(0x01a2b3c4), Some(7)),
            ),
            // n=3 adds cause type and reject cause; n=4/5 add PSM timers.
            (
                "+CEREG: 3,3,\"FFFE\",\"0FFFFFFF\",7,0,15",
                reg(Some(3), 3, Some(0xfffe), Some(0x0fffffff), Some(7)),
            ),
            (
                "+CEREG: 4,1,\"1A2B\",\"01A2B3C4\",7,,,\"00100100\",\"01000111\"",
                reg(Some(4), 1, Some(0x1a2b), Some(0x01a2b3c4), Some(7)),
            ),
        ];
        for (line, expected) in cases {
            assert_eq!(parse_registration_query(line).unwrap(), expected, "{line}");
        }
    }

    #[test]
    fn unsolicited_registrations_of_real_modems_parse() {
        let cases = [
            ("+CREG: 3", "+CREG", reg(None, 3, None, None, None)),
            (
                "+CREG: 1,84CD,00D30156",
                "+CREG",
                reg(None, 1, Some(0x84cd), Some(0xd30156), None),
            ),
            (
                "+CREG: 2,8BE3,2BAF",
                "+CREG",
                reg(None, 2, Some(0x8be3), Some(0x2baf), None),
            ),
            ("+CREG: 2,,", "+CREG", reg(None, 2, None, None, None)),
            (
                "+CGREG: 5,\"0502\",\"0404736D\",2",
                "+CGREG",
                reg(None, 5, Some(0x502), Some(0x0404736d), Some(2)),
            ),
            (
                "+CGREG: 1,\"1422\",\"00000142\",3,\"00\"",
                "+CGREG",
                reg(None, 1, Some(0x1422), Some(0x142), Some(3)),
            ),
            (
                "+CGREG: 1, 81ED, 1A9CEB",
                "+CGREG",
                reg(None, 1, Some(0x81ed), Some(0x1a9ceb), None),
            ),
            (
                "+CEREG: 1,\"2F4C\",\"0A1B2C3D\",7,,,\"00000000\",\"00111000\"",
                "+CEREG",
                reg(None, 1, Some(0x2f4c), Some(0x0a1b2c3d), Some(7)),
            ),
        ];
        for (line, prefix, expected) in cases {
            assert_eq!(
                parse_registration_urc(line).unwrap(),
                (prefix, expected),
                "{line}"
            );
        }
    }

    #[test]
    fn registration_with_a_bad_lac_names_the_field() {
        assert_eq!(
            parse_registration_urc("+CREG: 1,\"XYZ\",\"1\"").unwrap_err(),
            ParseError::InvalidField {
                name: "lac",
                value: "XYZ".into()
            }
        );
    }

    #[test]
    fn cops_query_in_each_format() {
        let q = parse_cops_query("+COPS: 0,0,\"T-Mobile US\",7").unwrap();
        assert_eq!(q.operator, Some(Operator::Long("T-Mobile US".into())));
        assert_eq!(q.access_tech, Some(AccessTech::Eutran));
        let q = parse_cops_query("+COPS: 0,2,\"310260\",2").unwrap();
        assert_eq!(q.operator, Some(Operator::Numeric("310260".into())));
        let q = parse_cops_query("+COPS: 0").unwrap();
        assert_eq!((q.mode, q.operator, q.access_tech), (0, None, None));
    }

    #[test]
    fn cops_lists_of_real_modems_parse() {
        // Huawei E160G.
        let list = parse_cops_list(
            "+COPS: (2,\"T-Mobile\",\"TMO\",\"31026\",0),(1,\"AT&T\",\"AT&T\",\"310410\",0),,(0,1,2,3,4),(0,1,2)",
        )
        .unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].availability, OperatorAvailability::Current);
        assert_eq!(list[0].short_name.as_deref(), Some("TMO"));
        assert_eq!(list[1].numeric, "310410");
        // Sierra Mercury: empty names.
        let list = parse_cops_list(
            "+COPS: (2,\"\",\"\",\"310410\",2),(1,\"AT&T\",\"AT&T\",\"310410\",0),(1,\"T-Mobile\",\"TMO\",\"31026\",0),,(0,1,2,3,4),(0,1,2)",
        )
        .unwrap();
        assert_eq!(list.len(), 3);
        assert_eq!(
            (list[0].long_name.as_ref(), list[0].access_tech),
            (None, Some(AccessTech::Utran))
        );
        // Nokia N80: no short names, no AcT.
        let list = parse_cops_list(
            "+COPS: (2,\"T - Mobile\",,\"31026\"),(1,\"Einstein PCS\",,\"31064\"),(1,\"Cingular\",,\"31041\"),,(0,1,3),(0,2)",
        )
        .unwrap();
        assert_eq!(list.len(), 3);
        assert_eq!(list[2].access_tech, None);
        // ZTE MF627: forbidden operator, trailing comma.
        let list = parse_cops_list(
            "+COPS: (2,\"AT&T@\",\"AT&TD\",\"310410\",0),(3,\"Voicestream Wireless Corporation\",\"VSTREAM\",\"31026\",0),",
        )
        .unwrap();
        assert_eq!(list[1].availability, OperatorAvailability::Forbidden);
    }

    #[test]
    fn csq_maps_rssi_to_dbm_and_99_to_unknown() {
        assert_eq!(parse_csq("+CSQ: 0,0").unwrap().rssi, Some(Dbm(-113)));
        assert_eq!(
            parse_csq("+CSQ: 15,99").unwrap(),
            SignalQuality {
                rssi: Some(Dbm(-83)),
                ber: None
            }
        );
        assert_eq!(parse_csq("+CSQ: 31,7").unwrap().rssi, Some(Dbm(-51)));
        assert_eq!(parse_csq("+CSQ: 99,99").unwrap().rssi, None);
        assert!(parse_csq("+CSQ: 40,99").is_err());
    }

    #[test]
    fn cesq_maps_each_field_and_255_to_unknown() {
        let q = parse_cesq("+CESQ: 99,99,255,255,20,80").unwrap();
        assert_eq!(q.rxlev, None);
        assert_eq!(q.rscp, None);
        assert_eq!(q.rsrq, Some(HalfDb(-20)));
        assert_eq!(q.rsrq.unwrap().as_db(), -10.0);
        assert_eq!(q.rsrp, Some(Dbm(-61)));
        let q = parse_cesq("+CESQ: 63,0,96,49,0,0").unwrap();
        assert_eq!(
            (q.rxlev, q.rscp, q.ecno, q.rsrp),
            (
                Some(Dbm(-48)),
                Some(Dbm(-25)),
                Some(HalfDb(0)),
                Some(Dbm(-141))
            )
        );
        assert!(parse_cesq("+CESQ: 99,99,255,255,35,80").is_err());
    }

    #[test]
    fn cfun_parses() {
        assert_eq!(parse_cfun("+CFUN: 1").unwrap(), Functionality::Full);
        assert_eq!(parse_cfun("+CFUN: 4").unwrap(), Functionality::RadioOff);
    }
}
