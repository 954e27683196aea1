//! Command lines for the commands whose answers [`super::parse`] reads.

use super::command::{AtError, Command};
use super::parse::network::Functionality;
use super::parse::quote;

/// Which registration domain: circuit (+CREG), packet (+CGREG), EPS
/// (+CEREG), 5GS (+C5GREG).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationDomain {
    Circuit,
    Packet,
    Eps,
    FiveGs,
}

impl RegistrationDomain {
    pub fn prefix(self) -> &'static str {
        match self {
            RegistrationDomain::Circuit => "+CREG",
            RegistrationDomain::Packet => "+CGREG",
            RegistrationDomain::Eps => "+CEREG",
            RegistrationDomain::FiveGs => "+C5GREG",
        }
    }
}

/// `AT`: does the modem answer at all.
pub fn probe() -> Command {
    Command::new("AT")
}

pub fn echo(on: bool) -> Command {
    Command::new(if on { "ATE1" } else { "ATE0" })
}

/// `AT+CMEE=<n>`: 1 numeric, 2 verbose error codes.
pub fn report_errors(mode: u8) -> Command {
    Command::new(format!("AT+CMEE={mode}"))
}

pub fn functionality_query() -> Command {
    Command::new("AT+CFUN?")
}

pub fn set_functionality(fun: Functionality) -> Command {
    Command::new(format!("AT+CFUN={}", fun.code()))
}

/// `AT+CFUN=1,1`: restarts the modem (full functionality after the reset).
pub fn reboot() -> Command {
    Command::new("AT+CFUN=1,1")
}

pub fn manufacturer() -> Command {
    Command::new("AT+CGMI")
}

pub fn model() -> Command {
    Command::new("AT+CGMM")
}

pub fn revision() -> Command {
    Command::new("AT+CGMR")
}

pub fn imei() -> Command {
    Command::new("AT+CGSN")
}

pub fn imsi() -> Command {
    Command::new("AT+CIMI")
}

pub fn pin_status() -> Command {
    Command::new("AT+CPIN?")
}

/// `AT+CPIN="<pin>"` or, with a PUK, `AT+CPIN="<puk>","<new pin>"`.
pub fn enter_pin(pin: &str, new_pin: Option<&str>) -> Result<Command, AtError> {
    check_digits(pin, "PIN must be 4 to 16 digits")?;
    match new_pin {
        None => Ok(Command::new(format!("AT+CPIN={}", quote(pin)))),
        Some(new) => {
            check_digits(new, "new PIN must be 4 to 16 digits")?;
            Ok(Command::new(format!(
                "AT+CPIN={},{}",
                quote(pin),
                quote(new)
            )))
        }
    }
}

fn check_digits(value: &str, reason: &'static str) -> Result<(), AtError> {
    if (4..=16).contains(&value.len()) && value.chars().all(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err(AtError::InvalidCommand {
            command: "AT+CPIN".into(),
            reason,
        })
    }
}

/// `AT+CCID` (27.007 vendors), Quectel's `AT+QCCID`, Huawei's `AT^ICCID?`.
pub fn iccid(vendor_form: &str) -> Command {
    match vendor_form {
        "quectel" => Command::new("AT+QCCID"),
        "huawei" => Command::new("AT^ICCID?"),
        _ => Command::new("AT+CCID"),
    }
}

pub fn registration_query(domain: RegistrationDomain) -> Command {
    Command::new(format!("AT{}?", domain.prefix()))
}

/// `AT+CREG=<n>`: which unsolicited form to report (0..=5 for +CEREG).
pub fn set_registration_reports(domain: RegistrationDomain, n: u8) -> Command {
    Command::new(format!("AT{}={n}", domain.prefix()))
}

pub fn operator_query() -> Command {
    Command::new("AT+COPS?")
}

/// `AT+COPS=?`; the network scan takes minutes on real modems.
pub fn operator_scan() -> Command {
    Command::new("AT+COPS=?")
}

/// `AT+COPS=3,<format>`: 0 long, 1 short, 2 numeric names in +COPS?.
pub fn operator_format(format: u8) -> Command {
    Command::new(format!("AT+COPS=3,{format}"))
}

pub fn operator_automatic() -> Command {
    Command::new("AT+COPS=0")
}

/// `AT+COPS=1,2,"<mcc mnc>"[,<AcT>]`: manual selection.
pub fn operator_manual(numeric: &str, access_tech: Option<u8>) -> Result<Command, AtError> {
    if !(5..=6).contains(&numeric.len()) || !numeric.chars().all(|c| c.is_ascii_digit()) {
        return Err(AtError::InvalidCommand {
            command: "AT+COPS".into(),
            reason: "operator must be 5 or 6 digits",
        });
    }
    Ok(Command::new(match access_tech {
        Some(act) => format!("AT+COPS=1,2,{},{act}", quote(numeric)),
        None => format!("AT+COPS=1,2,{}", quote(numeric)),
    }))
}

pub fn signal_quality() -> Command {
    Command::new("AT+CSQ")
}

pub fn extended_signal_quality() -> Command {
    Command::new("AT+CESQ")
}

pub fn list_calls() -> Command {
    Command::new("AT+CLCC")
}

/// `ATD<number>;` — a voice call.
pub fn dial(number: &str) -> Result<Command, AtError> {
    let valid = !number.is_empty()
        && number.len() <= 40
        && number
            .chars()
            .enumerate()
            .all(|(i, c)| c.is_ascii_digit() || matches!(c, '*' | '#') || (c == '+' && i == 0));
    if !valid {
        return Err(AtError::InvalidCommand {
            command: "ATD".into(),
            reason: "dial string must be digits, * and #, with an optional leading +",
        });
    }
    Ok(Command::new(format!("ATD{number};")))
}

pub fn answer() -> Command {
    Command::new("ATA")
}

/// `AT+CHUP`: hangs up every call.
pub fn hang_up() -> Command {
    Command::new("AT+CHUP")
}

pub fn caller_id_reports(on: bool) -> Command {
    Command::new(format!("AT+CLIP={}", u8::from(on)))
}

/// `AT+CCWA=<n>`: `+CCWA` reports of a call waiting during another.
pub fn call_waiting_reports(on: bool) -> Command {
    Command::new(format!("AT+CCWA={}", u8::from(on)))
}

/// What `AT+CHLD` does to the calls (TS 22.030 §6.5.5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallHold {
    /// `0`: releases the held calls, or the waiting call.
    ReleaseHeldOrWaiting,
    /// `1`: releases the active calls and takes the held or waiting one.
    ReleaseActiveAcceptOther,
    /// `1x`: releases active call x.
    Release(u8),
    /// `2`: holds the active calls and takes the held or waiting one.
    HoldActiveAcceptOther,
    /// `2x`: holds every active call but x.
    PrivateWith(u8),
    /// `3`: joins the held calls to the conversation.
    Conference,
}

/// `AT+CHLD=<n>`.
pub fn call_hold(operation: CallHold) -> Command {
    let n = match operation {
        CallHold::ReleaseHeldOrWaiting => "0".to_owned(),
        CallHold::ReleaseActiveAcceptOther => "1".to_owned(),
        CallHold::Release(id) => format!("1{id}"),
        CallHold::HoldActiveAcceptOther => "2".to_owned(),
        CallHold::PrivateWith(id) => format!("2{id}"),
        CallHold::Conference => "3".to_owned(),
    };
    Command::new(format!("AT+CHLD={n}"))
}

/// `AT+VTS=<tone>`: one DTMF tone (`0-9`, `*`, `#`, `A-D`) in the active
/// call, of the length `AT+VTD` sets.
pub fn dtmf(tone: char) -> Result<Command, AtError> {
    if !is_dtmf(tone) {
        return Err(AtError::InvalidCommand {
            command: "AT+VTS".into(),
            reason: "a DTMF tone is one of 0-9, *, #, A-D",
        });
    }
    Ok(Command::new(format!("AT+VTS={tone}")))
}

/// Whether `c` is a DTMF tone.
pub fn is_dtmf(c: char) -> bool {
    c.is_ascii_digit() || matches!(c, '*' | '#' | 'A'..='D')
}

/// `AT+CUSD=1,"<str>",15`: a USSD request in the TE character set.
pub fn ussd(request: &str) -> Command {
    Command::new(format!("AT+CUSD=1,{},15", quote(request)))
}

/// `AT+CUSD=<n>`: whether network-initiated USSD is reported as `+CUSD`.
pub fn ussd_reports(on: bool) -> Command {
    Command::new(format!("AT+CUSD={}", u8::from(on)))
}

/// `AT+CUSD=2`: ends the USSD dialogue.
pub fn cancel_ussd() -> Command {
    Command::new("AT+CUSD=2")
}

/// `AT+CGEREP=2,1`: packet domain events as `+CGEV` (buffered while the
/// link is reserved, then flushed).
pub fn packet_event_reports() -> Command {
    Command::new("AT+CGEREP=2,1")
}

pub fn pdp_contexts() -> Command {
    Command::new("AT+CGDCONT?")
}

/// `AT+CGDCONT=<cid>,"<type>","<apn>"`.
pub fn define_pdp_context(cid: u8, pdp_type: &str, apn: &str) -> Command {
    Command::new(format!(
        "AT+CGDCONT={cid},{},{}",
        quote(pdp_type),
        quote(apn)
    ))
}

pub fn pdp_activation_states() -> Command {
    Command::new("AT+CGACT?")
}

pub fn activate_pdp_context(cid: u8, active: bool) -> Command {
    Command::new(format!("AT+CGACT={},{cid}", u8::from(active)))
}

pub fn pdp_addresses(cid: Option<u8>) -> Command {
    Command::new(match cid {
        Some(cid) => format!("AT+CGPADDR={cid}"),
        None => "AT+CGPADDR".to_owned(),
    })
}

/// `AT+CMGF=0`: PDU mode for the SMS commands.
pub fn sms_pdu_mode() -> Command {
    Command::new("AT+CMGF=0")
}

/// `AT+CNMI=2,<mt>,0,<ds>,0`: how new messages (1 stored and +CMTI, 2
/// delivered as +CMT) and status reports are indicated.
pub fn new_message_indications(mt: u8, ds: u8) -> Command {
    Command::new(format!("AT+CNMI=2,{mt},0,{ds},0"))
}

/// `AT+CMGS=<length>` then the PDU after the prompt. `pdu` is the whole
/// PDU as sent (SMSC address first, `00` for the default SMSC); the
/// length counts the TPDU octets without the SMSC address, as TS 27.005
/// asks.
pub fn send_sms_pdu(pdu: &[u8]) -> Result<Command, AtError> {
    let invalid = |reason| AtError::InvalidCommand {
        command: "AT+CMGS".into(),
        reason,
    };
    let smsc_len = usize::from(*pdu.first().ok_or_else(|| invalid("PDU is empty"))?);
    let tpdu_len = pdu
        .len()
        .checked_sub(1 + smsc_len)
        .filter(|&n| n > 0)
        .ok_or_else(|| invalid("PDU is shorter than its SMSC address"))?;
    let hex: String = pdu.iter().map(|b| format!("{b:02X}")).collect();
    Ok(Command::with_prompt(
        format!("AT+CMGS={tpdu_len}"),
        hex.into_bytes(),
    ))
}

/// `AT+CSMS?`: the message service (whether `+CMT`/`+CDS` need `+CNMA`).
pub fn sms_service_query() -> Command {
    Command::new("AT+CSMS?")
}

/// `AT+CPMS="<mem>","<mem>","<mem>"`: one memory to read, write and
/// receive into.
pub fn preferred_storage(memory: &str) -> Command {
    let m = quote(memory);
    Command::new(format!("AT+CPMS={m},{m},{m}"))
}

/// `AT+CPMS="<mem>"`: the memory `+CMGR`, `+CMGL` and `+CMGD` work on.
pub fn read_storage(memory: &str) -> Command {
    Command::new(format!("AT+CPMS={}", quote(memory)))
}

pub fn read_sms(index: u32) -> Command {
    Command::new(format!("AT+CMGR={index}"))
}

/// `AT+CMGL=<stat>`: 0 unread, 1 read, 2 unsent, 3 sent, 4 all.
pub fn list_sms(stat: u8) -> Command {
    Command::new(format!("AT+CMGL={stat}"))
}

pub fn delete_sms(index: u32) -> Command {
    Command::new(format!("AT+CMGD={index}"))
}

/// `AT+CNMA`: acknowledges a +CMT delivered message (phase 2+ only).
pub fn acknowledge_sms() -> Command {
    Command::new("AT+CNMA")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::at::command::CommandKind;

    #[test]
    fn cmgs_length_counts_the_tpdu_without_the_smsc() {
        let pdu = [0x00, 0x11, 0x00, 0x0b, 0x91];
        let cmd = send_sms_pdu(&pdu).unwrap();
        assert_eq!(cmd.text(), "AT+CMGS=4");
        assert_eq!(
            *cmd.kind(),
            CommandKind::Prompt {
                payload: b"0011000B91".to_vec()
            }
        );
        let with_smsc = [0x07, 0x91, 0x97, 0x30, 0x07, 0x11, 0x11, 0xf1, 0x01, 0x00];
        assert_eq!(send_sms_pdu(&with_smsc).unwrap().text(), "AT+CMGS=2");
        assert!(send_sms_pdu(&[0x07, 0x91]).is_err());
        assert!(send_sms_pdu(&[]).is_err());
    }

    #[test]
    fn builders_make_the_expected_lines() {
        assert_eq!(
            registration_query(RegistrationDomain::Eps).text(),
            "AT+CEREG?"
        );
        assert_eq!(
            set_registration_reports(RegistrationDomain::Packet, 2).text(),
            "AT+CGREG=2"
        );
        assert_eq!(enter_pin("1234", None).unwrap().text(), "AT+CPIN=\"1234\"");
        assert_eq!(
            enter_pin("12345678", Some("0000")).unwrap().text(),
            "AT+CPIN=\"12345678\",\"0000\""
        );
        assert!(enter_pin("12\"4", None).is_err());
        assert_eq!(dial("+15551234567").unwrap().text(), "ATD+15551234567;");
        assert!(dial("555;ATH").is_err());
        assert_eq!(
            operator_manual("310260", Some(7)).unwrap().text(),
            "AT+COPS=1,2,\"310260\",7"
        );
        assert_eq!(
            define_pdp_context(1, "IPV4V6", "internet").text(),
            "AT+CGDCONT=1,\"IPV4V6\",\"internet\""
        );
        assert_eq!(ussd("*100#").text(), "AT+CUSD=1,\"*100#\",15");
        assert_eq!(set_functionality(Functionality::Full).text(), "AT+CFUN=1");
        assert_eq!(iccid("quectel").expected_prefix(), Some("+QCCID"));
        assert_eq!(reboot().text(), "AT+CFUN=1,1");
        assert_eq!(call_hold(CallHold::Release(2)).text(), "AT+CHLD=12");
        assert_eq!(
            call_hold(CallHold::HoldActiveAcceptOther).text(),
            "AT+CHLD=2"
        );
        assert_eq!(dtmf('#').unwrap().text(), "AT+VTS=#");
        assert_eq!(dtmf('D').unwrap().text(), "AT+VTS=D");
        assert!(dtmf('E').is_err());
        assert!(dtmf(';').is_err());
        assert_eq!(
            preferred_storage("ME").text(),
            "AT+CPMS=\"ME\",\"ME\",\"ME\""
        );
        assert_eq!(read_storage("SM").text(), "AT+CPMS=\"SM\"");
        assert_eq!(ussd_reports(true).text(), "AT+CUSD=1");
        assert_eq!(sms_service_query().expected_prefix(), Some("+CSMS"));
    }
}
