//! SMS PDUs (3GPP TS 23.040) as AT PDU mode carries them (TS 27.005,
//! `AT+CMGF=0`): addresses, alphabets, user data headers, the SUBMIT,
//! DELIVER and STATUS-REPORT TPDUs, splitting long text into concatenated
//! parts and putting received parts back together.
//!
//! Decoding never panics: every failure is a [`DecodeError`] naming the
//! field and the octet offset. Encoding checks the limits of the format and
//! returns an [`EncodeError`].
//!
//! # For driver authors
//!
//! To send, build an [`SmsSubmit`] template and let [`encode_text`] split the
//! text; for each part, [`encode_with_smsc`] gives the octets to send as hex
//! ([`to_hex`]) after `AT+CMGS=<n>`, where `<n>` is the length of the TPDU
//! alone (the SMSC prefix not counted). To receive, [`from_hex`] the `+CMT`,
//! `+CDS` or `+CMGR` PDU line and call [`Pdu::decode_with_smsc`] with
//! [`Direction::MobileTerminated`]; feed DELIVERs to a [`Reassembler`].
//!
//! ```
//! use yunhal_at_modem::pdu::{self, Address, ConcatReference, DataCoding, Direction, Pdu};
//! use yunhal_at_modem::pdu::{SmsSubmit, UserData};
//!
//! let template = SmsSubmit::new(Address::parse("+4915112345678"), DataCoding::GSM7, UserData::text(""));
//! for part in pdu::encode_text(&template, "Price: 5 €", ConcatReference::Eight(1))? {
//!     let tpdu = part.encode()?;
//!     let line = pdu::to_hex(&pdu::encode_with_smsc(None, &tpdu)?);
//!     // Send `AT+CMGS={tpdu.len()}`, then `line` and Ctrl-Z.
//!     assert_eq!((tpdu.len(), &line[..4]), (24, "0001"));
//! }
//!
//! let received = pdu::from_hex("07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37")?;
//! let (smsc, Pdu::Deliver(deliver)) = Pdu::decode_with_smsc(&received, Direction::MobileTerminated)? else {
//!     unreachable!()
//! };
//! assert_eq!(smsc.unwrap().to_string(), "+27381000015");
//! assert_eq!(deliver.user_data.as_text(), Some("hellohello"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # For simulator authors
//!
//! The reverse: [`Pdu::decode_with_smsc`] with
//! [`Direction::MobileOriginated`] reads what the driver sends, and
//! [`SmsDeliver::encode`] / [`StatusReport::encode`] make what a network
//! would deliver.
//!
//! Not covered: SMS-COMMAND, SMS-SUBMIT-REPORT and SMS-DELIVER-REPORT,
//! national language shift tables, compression (compressed user data is
//! handed over as octets), and the interpretation of TP-PID.

mod address;
mod dcs;
mod deliver;
mod error;
pub mod gsm7;
mod hex;
mod reader;
mod reassembly;
mod split;
mod status_report;
mod submit;
mod time;
mod udh;
mod user_data;

#[cfg(test)]
mod tests;

pub use address::{encode_smsc, Address, NumberingPlan, TypeOfNumber, MAX_ADDRESS_SEMI_OCTETS};
pub use dcs::{Alphabet, DataCoding, MessageClass, MessageWaiting, WaitingKind};
pub use deliver::SmsDeliver;
pub use error::{DecodeError, EncodeError};
pub use hex::{from_hex, to_hex};
pub use reassembly::{MessageKey, Reassembler};
pub use split::{encode_binary, encode_text, split_text, ConcatReference, TextSplit};
pub use status_report::{Status, StatusCategory, StatusReport};
pub use submit::SmsSubmit;
pub use time::{Timestamp, ValidityPeriod};
pub use udh::{
    Concatenation, InformationElement, UserDataHeader, IEI_CONCAT_16BIT, IEI_CONCAT_8BIT,
};
pub use user_data::{decode_ucs2, Body, UserData, MAX_OCTETS, MAX_SEPTETS};

use reader::Reader;

/// Bits of the first octet of a TPDU (TS 23.040 §9.2.3).
pub(crate) mod first_octet {
    /// TP-MTI.
    pub const MTI: u8 = 0x03;
    /// TP-MMS in DELIVER and STATUS-REPORT; set means no more messages.
    pub const NO_MORE_MESSAGES: u8 = 0x04;
    /// TP-RD in SUBMIT.
    pub const REJECT_DUPLICATES: u8 = 0x04;
    /// TP-LP in DELIVER and STATUS-REPORT.
    pub const LOOP_PREVENTION: u8 = 0x08;
    /// TP-SRR in SUBMIT, TP-SRI in DELIVER, TP-SRQ in STATUS-REPORT.
    pub const STATUS_REPORT: u8 = 0x20;
    /// TP-UDHI.
    pub const UDHI: u8 = 0x40;
    /// TP-RP in SUBMIT and DELIVER.
    pub const REPLY_PATH: u8 = 0x80;

    pub fn flag(set: bool, bit: u8) -> u8 {
        if set {
            bit
        } else {
            0
        }
    }
}

/// TP-MTI values of the message types this codec handles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MessageType {
    Deliver,
    Submit,
    StatusReport,
}

impl MessageType {
    pub(crate) fn bits(self) -> u8 {
        match self {
            Self::Deliver => 0b00,
            Self::Submit => 0b01,
            Self::StatusReport => 0b10,
        }
    }
}

/// Reads a TPDU that must be of type `expected`, the rest of it with
/// `decode_rest`.
pub(crate) fn decode_typed<T>(
    tpdu: &[u8],
    expected: MessageType,
    decode_rest: fn(&mut Reader<'_>, u8) -> Result<T, DecodeError>,
) -> Result<T, DecodeError> {
    let mut reader = Reader::new(tpdu);
    let first = reader.u8("first octet")?;
    let mti = first & first_octet::MTI;
    if mti != expected.bits() {
        return Err(DecodeError::UnsupportedMessageType { mti, offset: 0 });
    }
    decode_rest(&mut reader, first)
}

/// Which way a PDU travels, since TP-MTI values mean different types each
/// way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Service centre to phone: SMS-DELIVER and SMS-STATUS-REPORT (`+CMT`,
    /// `+CDS`, `+CMGR` of a received message).
    MobileTerminated,
    /// Phone to service centre: SMS-SUBMIT (`AT+CMGS`, `+CMGR` of a stored
    /// outgoing message).
    MobileOriginated,
}

/// A decoded TPDU.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Pdu {
    /// SMS-SUBMIT.
    Submit(SmsSubmit),
    /// SMS-DELIVER.
    Deliver(SmsDeliver),
    /// SMS-STATUS-REPORT.
    StatusReport(StatusReport),
}

impl Pdu {
    /// Decodes a TPDU (no SMSC prefix).
    pub fn decode(tpdu: &[u8], direction: Direction) -> Result<Self, DecodeError> {
        Self::decode_from(&mut Reader::new(tpdu), direction)
    }

    /// Decodes an SMSC address prefix and the TPDU after it, as `+CMT`,
    /// `+CMGR` and `AT+CMGS` carry them. Error offsets count from the start
    /// of `bytes`.
    pub fn decode_with_smsc(
        bytes: &[u8],
        direction: Direction,
    ) -> Result<(Option<Address>, Self), DecodeError> {
        let mut reader = Reader::new(bytes);
        let smsc = address::decode_smsc(&mut reader)?;
        Ok((smsc, Self::decode_from(&mut reader, direction)?))
    }

    fn decode_from(reader: &mut Reader<'_>, direction: Direction) -> Result<Self, DecodeError> {
        let at = reader.offset();
        let first = reader.u8("first octet")?;
        let mti = first & first_octet::MTI;
        match (direction, mti) {
            // A reserved TP-MTI is read as SMS-DELIVER, as TS 23.040 §9.2.3.1
            // asks of a receiving phone.
            (Direction::MobileTerminated, 0b00 | 0b11) => {
                SmsDeliver::decode_after_first_octet(reader, first).map(Self::Deliver)
            }
            (Direction::MobileTerminated, 0b10) => {
                StatusReport::decode_after_first_octet(reader, first).map(Self::StatusReport)
            }
            (Direction::MobileOriginated, 0b01) => {
                SmsSubmit::decode_after_first_octet(reader, first).map(Self::Submit)
            }
            _ => Err(DecodeError::UnsupportedMessageType { mti, offset: at }),
        }
    }

    /// The TPDU octets (no SMSC prefix).
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        match self {
            Self::Submit(submit) => submit.encode(),
            Self::Deliver(deliver) => deliver.encode(),
            Self::StatusReport(report) => report.encode(),
        }
    }
}

/// The SMSC prefix (`None`: `00`, "use the stored SMSC") followed by `tpdu`.
/// `AT+CMGS=<n>` takes `tpdu.len()` as `<n>`.
pub fn encode_with_smsc(smsc: Option<&Address>, tpdu: &[u8]) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::with_capacity(12 + tpdu.len());
    encode_smsc(smsc, &mut out)?;
    out.extend_from_slice(tpdu);
    Ok(out)
}
