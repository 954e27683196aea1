//! `+CME ERROR` (TS 27.007 §9.2) and `+CMS ERROR` (TS 27.005 §3.2.5).
//!
//! With `AT+CMEE=1` the modem sends a number, with `AT+CMEE=2` a text; both
//! are kept, and the common numbers have their standard names.

use std::fmt;

use super::strip_prefix;

/// Numbers and names of the common `+CME ERROR` codes (TS 27.007 §9.2.1, §9.2.2).
const CME_NAMES: &[(u16, &str)] = &[
    (0, "phone failure"),
    (1, "no connection to phone"),
    (2, "phone-adaptor link reserved"),
    (3, "operation not allowed"),
    (4, "operation not supported"),
    (5, "PH-SIM PIN required"),
    (6, "PH-FSIM PIN required"),
    (7, "PH-FSIM PUK required"),
    (10, "SIM not inserted"),
    (11, "SIM PIN required"),
    (12, "SIM PUK required"),
    (13, "SIM failure"),
    (14, "SIM busy"),
    (15, "SIM wrong"),
    (16, "incorrect password"),
    (17, "SIM PIN2 required"),
    (18, "SIM PUK2 required"),
    (20, "memory full"),
    (21, "invalid index"),
    (22, "not found"),
    (23, "memory failure"),
    (24, "text string too long"),
    (25, "invalid characters in text string"),
    (26, "dial string too long"),
    (27, "invalid characters in dial string"),
    (30, "no network service"),
    (31, "network timeout"),
    (32, "network not allowed - emergency calls only"),
    (40, "network personalization PIN required"),
    (41, "network personalization PUK required"),
    (42, "network subset personalization PIN required"),
    (43, "network subset personalization PUK required"),
    (44, "service provider personalization PIN required"),
    (45, "service provider personalization PUK required"),
    (46, "corporate personalization PIN required"),
    (47, "corporate personalization PUK required"),
    (50, "incorrect parameters"),
    (100, "unknown"),
    (103, "illegal MS"),
    (106, "illegal ME"),
    (107, "GPRS services not allowed"),
    (111, "PLMN not allowed"),
    (112, "location area not allowed"),
    (113, "roaming not allowed in this location area"),
    (132, "service option not supported"),
    (133, "requested service option not subscribed"),
    (134, "service option temporarily out of order"),
    (148, "unspecified GPRS error"),
    (149, "PDP authentication failure"),
    (150, "invalid mobile class"),
];

/// Numbers and names of the ME/network `+CMS ERROR` codes (TS 27.005 §3.2.5).
const CMS_NAMES: &[(u16, &str)] = &[
    (300, "ME failure"),
    (301, "SMS service of ME reserved"),
    (302, "operation not allowed"),
    (303, "operation not supported"),
    (304, "invalid PDU mode parameter"),
    (305, "invalid text mode parameter"),
    (310, "SIM not inserted"),
    (311, "SIM PIN required"),
    (312, "PH-SIM PIN required"),
    (313, "SIM failure"),
    (314, "SIM busy"),
    (315, "SIM wrong"),
    (316, "SIM PUK required"),
    (317, "SIM PIN2 required"),
    (318, "SIM PUK2 required"),
    (320, "memory failure"),
    (321, "invalid memory index"),
    (322, "memory full"),
    (330, "SMSC address unknown"),
    (331, "no network service"),
    (332, "network timeout"),
    (340, "no +CNMA acknowledgement expected"),
    (500, "unknown error"),
];

fn name_of(table: &[(u16, &'static str)], code: u16) -> Option<&'static str> {
    table.iter().find(|(c, _)| *c == code).map(|(_, n)| *n)
}

fn code_of(table: &[(u16, &'static str)], text: &str) -> Option<u16> {
    table
        .iter()
        .find(|(_, n)| n.eq_ignore_ascii_case(text))
        .map(|(c, _)| *c)
}

/// What a `+CME ERROR` / `+CMS ERROR` said: a number, a text, or both when
/// the text is one of the standard names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorReport {
    pub code: Option<u16>,
    pub text: Option<String>,
}

impl ErrorReport {
    fn parse(value: &str, table: &[(u16, &'static str)]) -> ErrorReport {
        let value = value.trim().trim_matches('"').trim();
        match value.parse::<u16>() {
            Ok(code) => ErrorReport {
                code: Some(code),
                text: None,
            },
            Err(_) => ErrorReport {
                code: code_of(table, value),
                text: Some(value.to_owned()),
            },
        }
    }

    fn describe(&self, table: &[(u16, &'static str)], f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.code, &self.text) {
            (_, Some(text)) => write!(f, "{text}"),
            (Some(code), None) => match name_of(table, code) {
                Some(name) => write!(f, "{code} ({name})"),
                None => write!(f, "{code}"),
            },
            (None, None) => write!(f, "no detail"),
        }
    }
}

/// A `+CME ERROR`: an equipment, SIM or network failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CmeError(pub ErrorReport);

impl CmeError {
    pub const SIM_NOT_INSERTED: u16 = 10;
    pub const SIM_PIN_REQUIRED: u16 = 11;
    pub const SIM_PUK_REQUIRED: u16 = 12;
    pub const SIM_BUSY: u16 = 14;
    pub const INCORRECT_PASSWORD: u16 = 16;
    pub const NO_NETWORK_SERVICE: u16 = 30;
    pub const UNKNOWN: u16 = 100;

    /// Parses a `+CME ERROR: <err>` line; `None` if it is not one.
    pub fn parse_line(line: &str) -> Option<CmeError> {
        strip_prefix(line, "+CME ERROR").map(|v| CmeError(ErrorReport::parse(v, CME_NAMES)))
    }

    pub fn code(&self) -> Option<u16> {
        self.0.code
    }

    /// The standard name of the code, if it is a common one.
    pub fn name(&self) -> Option<&'static str> {
        self.0.code.and_then(|c| name_of(CME_NAMES, c))
    }
}

impl fmt::Display for CmeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.describe(CME_NAMES, f)
    }
}

/// A `+CMS ERROR`: a failure of a message service command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CmsError(pub ErrorReport);

impl CmsError {
    /// Parses a `+CMS ERROR: <err>` line; `None` if it is not one.
    pub fn parse_line(line: &str) -> Option<CmsError> {
        strip_prefix(line, "+CMS ERROR").map(|v| CmsError(ErrorReport::parse(v, CMS_NAMES)))
    }

    pub fn code(&self) -> Option<u16> {
        self.0.code
    }

    /// The standard name: TS 27.005's for 300..=500; codes below 128 are
    /// TS 24.011 RP causes and 128..=255 TS 23.040 TP failure causes.
    pub fn name(&self) -> Option<&'static str> {
        match self.0.code? {
            c @ 300..=500 => name_of(CMS_NAMES, c),
            0..=127 => Some("network failure cause (TS 24.011)"),
            128..=255 => Some("TP failure cause (TS 23.040)"),
            _ => None,
        }
    }
}

impl fmt::Display for CmsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.0.code, &self.0.text, self.name()) {
            (Some(code), None, Some(name)) => write!(f, "{code} ({name})"),
            _ => self.0.describe(CMS_NAMES, f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_cme_error_has_its_standard_name() {
        let e = CmeError::parse_line("+CME ERROR: 10").unwrap();
        assert_eq!(e.code(), Some(CmeError::SIM_NOT_INSERTED));
        assert_eq!(e.name(), Some("SIM not inserted"));
        assert_eq!(e.to_string(), "10 (SIM not inserted)");
    }

    #[test]
    fn verbose_cme_error_maps_back_to_its_number() {
        let e = CmeError::parse_line("+CME ERROR: SIM PIN required").unwrap();
        assert_eq!(e.code(), Some(11));
        assert_eq!(e.to_string(), "SIM PIN required");
        let e = CmeError::parse_line("+CME ERROR: vendor specific thing").unwrap();
        assert_eq!(e.code(), None);
    }

    #[test]
    fn cms_error_names_cover_the_27005_range_and_the_network_causes() {
        assert_eq!(
            CmsError::parse_line("+CMS ERROR: 330").unwrap().name(),
            Some("SMSC address unknown")
        );
        assert_eq!(
            CmsError::parse_line("+CMS ERROR: 500").unwrap().to_string(),
            "500 (unknown error)"
        );
        assert!(CmsError::parse_line("+CMS ERROR: 38")
            .unwrap()
            .name()
            .unwrap()
            .contains("24.011"));
        assert_eq!(
            CmsError::parse_line("+CMS ERROR: unknown error")
                .unwrap()
                .code(),
            Some(500)
        );
    }

    #[test]
    fn other_lines_are_not_errors() {
        assert!(CmeError::parse_line("+CMS ERROR: 300").is_none());
        assert!(CmsError::parse_line("ERROR").is_none());
    }
}
