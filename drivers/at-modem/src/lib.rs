//! A 3GPP AT modem driver: V.250 framing over any byte stream
//! ([`at`]), and the SMS PDU codec of TS 23.040 ([`pdu`]).

pub mod at;
pub mod pdu;
