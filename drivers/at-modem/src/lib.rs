//! A 3GPP AT modem driver: V.250 framing over any byte stream
//! ([`at`]), the SMS PDU codec of TS 23.040 ([`pdu`]), and [`modem`]:
//! [`modem::AtModem`], yunhal's `ModemDevice` over an AT port, with the
//! vendor profiles (generic TS 27.007/27.005, Quectel EG25-G), URCs turned
//! into indications, and recovery of a modem that stops answering.

pub mod at;
pub mod modem;
pub mod pdu;
