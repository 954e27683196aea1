//! SMS-DELIVER (TS 23.040 §9.2.2.1): a message from the service centre to
//! the phone, as +CMT and +CMGR report it.

use super::address::Address;
use super::dcs::DataCoding;
use super::error::{DecodeError, EncodeError};
use super::reader::Reader;
use super::time::Timestamp;
use super::user_data::UserData;
use super::{decode_typed, first_octet, MessageType};

/// An SMS-DELIVER TPDU.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SmsDeliver {
    /// More messages are waiting in the service centre (TP-MMS bit clear).
    pub more_messages_to_send: bool,
    /// TP-LP: the message was forwarded or spawned, loop prevention applies.
    pub loop_prevention: bool,
    /// TP-SRI: the originator asked for a status report.
    pub status_report_indication: bool,
    /// TP-RP: a reply path exists.
    pub reply_path: bool,
    /// TP-OA.
    pub originator: Address,
    /// TP-PID.
    pub protocol_identifier: u8,
    /// TP-DCS.
    pub data_coding: DataCoding,
    /// TP-SCTS.
    pub service_centre_timestamp: Timestamp,
    /// TP-UDL/TP-UD; a header sets TP-UDHI.
    pub user_data: UserData,
}

impl SmsDeliver {
    /// A DELIVER with no flags set, no more messages waiting, and TP-PID 0.
    pub fn new(
        originator: Address,
        data_coding: DataCoding,
        service_centre_timestamp: Timestamp,
        user_data: UserData,
    ) -> Self {
        Self {
            more_messages_to_send: false,
            loop_prevention: false,
            status_report_indication: false,
            reply_path: false,
            originator,
            protocol_identifier: 0,
            data_coding,
            service_centre_timestamp,
            user_data,
        }
    }

    /// The TPDU octets (without the SMSC prefix).
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::with_capacity(176);
        out.push(
            MessageType::Deliver.bits()
                | first_octet::flag(!self.more_messages_to_send, first_octet::NO_MORE_MESSAGES)
                | first_octet::flag(self.loop_prevention, first_octet::LOOP_PREVENTION)
                | first_octet::flag(self.status_report_indication, first_octet::STATUS_REPORT)
                | first_octet::flag(self.user_data.header.is_some(), first_octet::UDHI)
                | first_octet::flag(self.reply_path, first_octet::REPLY_PATH),
        );
        self.originator.encode_tp(&mut out)?;
        out.push(self.protocol_identifier);
        out.push(self.data_coding.0);
        self.service_centre_timestamp.encode(&mut out);
        self.user_data.append(self.data_coding, &mut out)?;
        Ok(out)
    }

    /// Decodes a TPDU that must be an SMS-DELIVER.
    pub fn decode(tpdu: &[u8]) -> Result<Self, DecodeError> {
        decode_typed(tpdu, MessageType::Deliver, Self::decode_after_first_octet)
    }

    pub(crate) fn decode_after_first_octet(
        reader: &mut Reader<'_>,
        first: u8,
    ) -> Result<Self, DecodeError> {
        let originator = Address::decode_tp(reader, "TP-OA")?;
        let protocol_identifier = reader.u8("TP-PID")?;
        let data_coding = DataCoding(reader.u8("TP-DCS")?);
        let service_centre_timestamp = Timestamp::decode(reader, "TP-SCTS")?;
        let user_data = UserData::decode(reader, data_coding, first & first_octet::UDHI != 0)?;
        Ok(Self {
            more_messages_to_send: first & first_octet::NO_MORE_MESSAGES == 0,
            loop_prevention: first & first_octet::LOOP_PREVENTION != 0,
            status_report_indication: first & first_octet::STATUS_REPORT != 0,
            reply_path: first & first_octet::REPLY_PATH != 0,
            originator,
            protocol_identifier,
            data_coding,
            service_centre_timestamp,
            user_data,
        })
    }
}
