//! SMS-STATUS-REPORT (TS 23.040 §9.2.2.3): the service centre's word on a
//! message the phone submitted with TP-SRR set.

use super::address::Address;
use super::dcs::DataCoding;
use super::error::{DecodeError, EncodeError};
use super::reader::Reader;
use super::time::Timestamp;
use super::user_data::UserData;
use super::{decode_typed, first_octet, MessageType};

/// TP-PI bits: which optional fields follow.
const PI_PID: u8 = 0x01;
const PI_DCS: u8 = 0x02;
const PI_UDL: u8 = 0x04;
const PI_EXTENSION: u8 = 0x80;

/// What a [`Status`] means for the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusCategory {
    /// Transaction completed: delivered (or forwarded, or replaced).
    Delivered,
    /// Temporary error; the service centre is still trying.
    Pending,
    /// Permanent error; the service centre has stopped trying.
    PermanentFailure,
    /// Temporary error, but the service centre has stopped trying.
    TemporaryFailure,
}

/// TP-ST (TS 23.040 §9.2.3.15).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Status(pub u8);

impl Status {
    /// Short message received by the SME.
    pub const RECEIVED: Self = Self(0x00);
    /// Congestion; the service centre is still trying.
    pub const CONGESTION: Self = Self(0x20);
    /// Validity period expired.
    pub const EXPIRED: Self = Self(0x46);

    /// The category. Reserved values (bit 7 set) count as permanent
    /// failures: they tell of no delivery, and no retry can be expected.
    pub fn category(self) -> StatusCategory {
        match self.0 {
            0x00..=0x1F => StatusCategory::Delivered,
            0x20..=0x3F => StatusCategory::Pending,
            0x60..=0x7F => StatusCategory::TemporaryFailure,
            _ => StatusCategory::PermanentFailure,
        }
    }

    /// Whether no further report should be expected for the message.
    pub fn is_final(self) -> bool {
        self.category() != StatusCategory::Pending
    }
}

/// An SMS-STATUS-REPORT TPDU.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StatusReport {
    /// More messages are waiting in the service centre (TP-MMS bit clear).
    pub more_messages_to_send: bool,
    /// TP-LP.
    pub loop_prevention: bool,
    /// TP-SRQ: the report is on an SMS-COMMAND rather than an SMS-SUBMIT.
    pub reports_on_command: bool,
    /// TP-MR of the submitted message.
    pub message_reference: u8,
    /// TP-RA: the recipient of the submitted message.
    pub recipient: Address,
    /// TP-SCTS: when the service centre received the message.
    pub service_centre_timestamp: Timestamp,
    /// TP-DT: when the status was reached (delivery, or the last attempt).
    pub discharge_time: Timestamp,
    /// TP-ST.
    pub status: Status,
    /// Optional TP-PID.
    pub protocol_identifier: Option<u8>,
    /// Optional TP-DCS; user data without it is GSM 7-bit.
    pub data_coding: Option<DataCoding>,
    /// Optional TP-UDL/TP-UD.
    pub user_data: Option<UserData>,
}

impl StatusReport {
    /// The TPDU octets (without the SMSC prefix).
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        let has_header = self
            .user_data
            .as_ref()
            .is_some_and(|ud| ud.header.is_some());
        let mut out = Vec::with_capacity(32);
        out.push(
            MessageType::StatusReport.bits()
                | first_octet::flag(!self.more_messages_to_send, first_octet::NO_MORE_MESSAGES)
                | first_octet::flag(self.loop_prevention, first_octet::LOOP_PREVENTION)
                | first_octet::flag(self.reports_on_command, first_octet::STATUS_REPORT)
                | first_octet::flag(has_header, first_octet::UDHI),
        );
        out.push(self.message_reference);
        self.recipient.encode_tp(&mut out)?;
        self.service_centre_timestamp.encode(&mut out);
        self.discharge_time.encode(&mut out);
        out.push(self.status.0);
        let indicator = first_octet::flag(self.protocol_identifier.is_some(), PI_PID)
            | first_octet::flag(self.data_coding.is_some(), PI_DCS)
            | first_octet::flag(self.user_data.is_some(), PI_UDL);
        if indicator != 0 {
            out.push(indicator);
        }
        out.extend(self.protocol_identifier);
        out.extend(self.data_coding.map(|dcs| dcs.0));
        if let Some(user_data) = &self.user_data {
            user_data.append(self.data_coding.unwrap_or_default(), &mut out)?;
        }
        Ok(out)
    }

    /// Decodes a TPDU that must be an SMS-STATUS-REPORT.
    pub fn decode(tpdu: &[u8]) -> Result<Self, DecodeError> {
        decode_typed(
            tpdu,
            MessageType::StatusReport,
            Self::decode_after_first_octet,
        )
    }

    pub(crate) fn decode_after_first_octet(
        reader: &mut Reader<'_>,
        first: u8,
    ) -> Result<Self, DecodeError> {
        let message_reference = reader.u8("TP-MR")?;
        let recipient = Address::decode_tp(reader, "TP-RA")?;
        let service_centre_timestamp = Timestamp::decode(reader, "TP-SCTS")?;
        let discharge_time = Timestamp::decode(reader, "TP-DT")?;
        let status = Status(reader.u8("TP-ST")?);

        // TP-PI is optional; its extension octets carry only reserved bits.
        let indicator = if reader.remaining() > 0 {
            reader.u8("TP-PI")?
        } else {
            0
        };
        let mut extension = indicator;
        while extension & PI_EXTENSION != 0 {
            extension = reader.u8("TP-PI")?;
        }
        let protocol_identifier = if indicator & PI_PID != 0 {
            Some(reader.u8("TP-PID")?)
        } else {
            None
        };
        let data_coding = if indicator & PI_DCS != 0 {
            Some(DataCoding(reader.u8("TP-DCS")?))
        } else {
            None
        };
        let user_data = if indicator & PI_UDL != 0 {
            let has_header = first & first_octet::UDHI != 0;
            Some(UserData::decode(
                reader,
                data_coding.unwrap_or_default(),
                has_header,
            )?)
        } else {
            None
        };
        Ok(Self {
            more_messages_to_send: first & first_octet::NO_MORE_MESSAGES == 0,
            loop_prevention: first & first_octet::LOOP_PREVENTION != 0,
            reports_on_command: first & first_octet::STATUS_REPORT != 0,
            message_reference,
            recipient,
            service_centre_timestamp,
            discharge_time,
            status,
            protocol_identifier,
            data_coding,
            user_data,
        })
    }
}
