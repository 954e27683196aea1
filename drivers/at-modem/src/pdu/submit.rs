//! SMS-SUBMIT (TS 23.040 §9.2.2.2): a message from the phone to the
//! service centre, as AT+CMGS sends it.

use super::address::Address;
use super::dcs::DataCoding;
use super::error::{DecodeError, EncodeError};
use super::reader::Reader;
use super::time::ValidityPeriod;
use super::user_data::UserData;
use super::{decode_typed, first_octet, MessageType};

/// An SMS-SUBMIT TPDU.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SmsSubmit {
    /// TP-RD: the service centre should reject a duplicate (same TP-MR and
    /// TP-DA from the same originator) it still holds.
    pub reject_duplicates: bool,
    /// TP-RP: a reply path is requested.
    pub reply_path: bool,
    /// TP-SRR: a status report is requested.
    pub status_report_request: bool,
    /// TP-MR. Modems usually replace it with their own counter.
    pub message_reference: u8,
    /// TP-DA.
    pub destination: Address,
    /// TP-PID (0 for plain SME-to-SME text).
    pub protocol_identifier: u8,
    /// TP-DCS.
    pub data_coding: DataCoding,
    /// TP-VP with its format (TP-VPF), or none.
    pub validity_period: Option<ValidityPeriod>,
    /// TP-UDL/TP-UD; a header sets TP-UDHI.
    pub user_data: UserData,
}

impl SmsSubmit {
    /// A SUBMIT with no flags, TP-MR 0, TP-PID 0 and no validity period.
    pub fn new(destination: Address, data_coding: DataCoding, user_data: UserData) -> Self {
        Self {
            reject_duplicates: false,
            reply_path: false,
            status_report_request: false,
            message_reference: 0,
            destination,
            protocol_identifier: 0,
            data_coding,
            validity_period: None,
            user_data,
        }
    }

    /// The TPDU octets (without the SMSC prefix; see [`super::encode_with_smsc`]).
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::with_capacity(176);
        out.push(
            MessageType::Submit.bits()
                | first_octet::flag(self.reject_duplicates, first_octet::REJECT_DUPLICATES)
                | ValidityPeriod::format_bits(self.validity_period.as_ref())
                | first_octet::flag(self.status_report_request, first_octet::STATUS_REPORT)
                | first_octet::flag(self.user_data.header.is_some(), first_octet::UDHI)
                | first_octet::flag(self.reply_path, first_octet::REPLY_PATH),
        );
        out.push(self.message_reference);
        self.destination.encode_tp(&mut out)?;
        out.push(self.protocol_identifier);
        out.push(self.data_coding.0);
        if let Some(period) = &self.validity_period {
            period.encode(&mut out);
        }
        self.user_data.append(self.data_coding, &mut out)?;
        Ok(out)
    }

    /// Decodes a TPDU that must be an SMS-SUBMIT.
    pub fn decode(tpdu: &[u8]) -> Result<Self, DecodeError> {
        decode_typed(tpdu, MessageType::Submit, Self::decode_after_first_octet)
    }

    pub(crate) fn decode_after_first_octet(
        reader: &mut Reader<'_>,
        first: u8,
    ) -> Result<Self, DecodeError> {
        let message_reference = reader.u8("TP-MR")?;
        let destination = Address::decode_tp(reader, "TP-DA")?;
        let protocol_identifier = reader.u8("TP-PID")?;
        let data_coding = DataCoding(reader.u8("TP-DCS")?);
        let validity_period = ValidityPeriod::decode(reader, first)?;
        let user_data = UserData::decode(reader, data_coding, first & first_octet::UDHI != 0)?;
        Ok(Self {
            reject_duplicates: first & first_octet::REJECT_DUPLICATES != 0,
            reply_path: first & first_octet::REPLY_PATH != 0,
            status_report_request: first & first_octet::STATUS_REPORT != 0,
            message_reference,
            destination,
            protocol_identifier,
            data_coding,
            validity_period,
            user_data,
        })
    }
}
