//! From the AT layer's parsed values to the HAL's types.

use yunhal::modem::{
    AccessTechnology, Call, CallDirection, CallState, DeliveryReport, DeliveryStatus,
    RegistrationState, SimStatus, SmsMessage, SmsTimestamp, UssdResponse, UssdStatus,
};
use yunhal::units::{Dbm, Decibels};

use crate::at::parse::calls::{self, CallInfo, Ussd};
use crate::at::parse::network::{AccessTech, RegStatus};
use crate::at::parse::sim::PinState;
use crate::pdu::{self, Body, SmsDeliver, StatusCategory, StatusReport, Timestamp};

pub(crate) fn registration_state(status: RegStatus) -> RegistrationState {
    match status {
        RegStatus::NotRegistered => RegistrationState::NotRegistered,
        RegStatus::Home | RegStatus::HomeSmsOnly | RegStatus::HomeCsfbNotPreferred => {
            RegistrationState::Home
        }
        RegStatus::Searching => RegistrationState::Searching,
        RegStatus::Denied => RegistrationState::Denied,
        RegStatus::Roaming | RegStatus::RoamingSmsOnly | RegStatus::RoamingCsfbNotPreferred => {
            RegistrationState::Roaming
        }
        RegStatus::EmergencyOnly => RegistrationState::EmergencyOnly,
        RegStatus::Unknown | RegStatus::Other(_) => RegistrationState::Unknown,
    }
}

pub(crate) fn access_technology(tech: AccessTech) -> Option<AccessTechnology> {
    Some(match tech {
        AccessTech::Gsm | AccessTech::GsmCompact | AccessTech::EcGsmIot => AccessTechnology::Gsm,
        AccessTech::GsmEgprs => AccessTechnology::Edge,
        AccessTech::Utran => AccessTechnology::Umts,
        AccessTech::UtranHsdpa | AccessTech::UtranHsupa | AccessTech::UtranHspa => {
            AccessTechnology::Hspa
        }
        AccessTech::Eutran | AccessTech::EutranNbS1 | AccessTech::EutraConnected5gcn => {
            AccessTechnology::Lte
        }
        AccessTech::Nr5gcn | AccessTech::NgRan | AccessTech::EutraNr => AccessTechnology::Nr,
        AccessTech::Other(_) => return None,
    })
}

/// A voice call of `+CLCC`; data and fax calls, and states 27.007 does not
/// define, are left out.
pub(crate) fn call(info: &CallInfo) -> Option<Call> {
    if matches!(info.mode, 1 | 2) {
        return None;
    }
    let state = match info.state {
        calls::CallState::Active => CallState::Active,
        calls::CallState::Held => CallState::Held,
        calls::CallState::Dialing => CallState::Dialing,
        calls::CallState::Alerting => CallState::Alerting,
        calls::CallState::Incoming => CallState::Incoming,
        calls::CallState::Waiting => CallState::Waiting,
        calls::CallState::Other(_) => return None,
    };
    Some(Call {
        id: u8::try_from(info.id).ok()?,
        direction: if info.incoming {
            CallDirection::Incoming
        } else {
            CallDirection::Outgoing
        },
        state,
        number: info.number.clone().filter(|n| !n.is_empty()),
        multiparty: info.multiparty,
    })
}

pub(crate) fn sim_status(state: &PinState) -> SimStatus {
    match state {
        PinState::Ready | PinState::SimPin2 | PinState::SimPuk2 => SimStatus::Ready,
        // Phone and network locks also keep the SIM from being used until
        // a code is entered.
        PinState::SimPin | PinState::PhSimPin | PinState::PhNetPin => SimStatus::PinRequired,
        PinState::SimPuk => SimStatus::PukRequired,
        PinState::NotInserted => SimStatus::Absent,
        PinState::NotReady | PinState::Other(_) => SimStatus::NotReady,
    }
}

pub(crate) fn timestamp(t: &Timestamp) -> SmsTimestamp {
    SmsTimestamp {
        year: 2000 + u16::from(t.year),
        month: t.month,
        day: t.day,
        hour: t.hour,
        minute: t.minute,
        second: t.second,
        utc_offset_minutes: t.utc_offset_minutes() as i16,
    }
}

/// A whole message: `body` is what the reassembler joined, `deliver` the
/// part that completed it.
pub(crate) fn sms_message(deliver: &SmsDeliver, body: Body) -> SmsMessage {
    let parts = deliver
        .user_data
        .header
        .as_ref()
        .and_then(|h| h.concatenation())
        .map_or(1, |c| c.total.max(1));
    SmsMessage {
        from: deliver.originator.to_string(),
        text: match body {
            Body::Text(text) => text,
            Body::Binary(data) => pdu::to_hex(&data),
        },
        timestamp: timestamp(&deliver.service_centre_timestamp),
        parts,
    }
}

pub(crate) fn delivery_report(report: &StatusReport) -> DeliveryReport {
    DeliveryReport {
        reference: report.message_reference,
        recipient: report.recipient.to_string(),
        status: match report.status.category() {
            StatusCategory::Delivered => DeliveryStatus::Delivered,
            StatusCategory::Pending => DeliveryStatus::Pending,
            StatusCategory::PermanentFailure | StatusCategory::TemporaryFailure => {
                DeliveryStatus::Failed
            }
        },
        status_code: report.status.0,
        discharge_time: timestamp(&report.discharge_time),
    }
}

pub(crate) fn ussd(ussd: &Ussd) -> UssdResponse {
    let status = match ussd.status {
        0 => UssdStatus::Done,
        1 => UssdStatus::ActionRequired,
        2 => UssdStatus::Terminated,
        3 => UssdStatus::OtherClient,
        5 => UssdStatus::TimedOut,
        _ => UssdStatus::NotSupported,
    };
    let text = ussd.text.as_deref().map(|t| ussd_text(t, ussd.dcs));
    UssdResponse { status, text }
}

/// The text of a `+CUSD`: as sent, unless the data coding scheme (TS
/// 23.038 §5, cell broadcast coding) says UCS-2, which modems send as hex.
fn ussd_text(text: &str, dcs: Option<u32>) -> String {
    let ucs2 = match dcs {
        Some(0x11) => true,
        Some(d) if d & 0xc0 == 0x40 || d & 0xf0 == 0x90 => d & 0x0c == 0x08,
        _ => false,
    };
    if ucs2 {
        if let Ok(octets) = pdu::from_hex(text) {
            return pdu::decode_ucs2(&octets);
        }
    }
    text.to_owned()
}

pub(crate) fn dbm(value: i16) -> Dbm {
    Dbm(f32::from(value))
}

pub(crate) fn decibels(value: f32) -> Decibels {
    Decibels(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sms_only_and_csfb_registrations_count_as_registered() {
        assert!(registration_state(RegStatus::HomeSmsOnly).is_registered());
        assert_eq!(
            registration_state(RegStatus::RoamingCsfbNotPreferred),
            RegistrationState::Roaming
        );
        assert_eq!(
            registration_state(RegStatus::Other(42)),
            RegistrationState::Unknown
        );
    }

    #[test]
    fn data_calls_are_not_voice_calls() {
        let mut info = calls::parse_clcc("+CLCC: 1,0,0,1,0,\"123\",129").unwrap();
        assert_eq!(call(&info), None);
        info.mode = 0;
        assert_eq!(call(&info).unwrap().state, CallState::Active);
    }

    #[test]
    fn ucs2_ussd_text_is_decoded_from_hex() {
        let cusd = calls::parse_cusd("+CUSD: 0,\"004F004B\",72").unwrap();
        assert_eq!(ussd(&cusd).text.as_deref(), Some("OK"));
        let plain = calls::parse_cusd("+CUSD: 1,\"Menu\",15").unwrap();
        assert_eq!(
            ussd(&plain),
            UssdResponse {
                status: UssdStatus::ActionRequired,
                text: Some("Menu".into())
            }
        );
    }

    #[test]
    fn timestamp_takes_the_century_and_offset() {
        let t = Timestamp {
            year: 26,
            month: 1,
            day: 2,
            hour: 3,
            minute: 4,
            second: 5,
            utc_offset_quarters: -8,
        };
        assert_eq!(timestamp(&t).to_string(), "2026-01-02T03:04:05-02:00");
    }
}
