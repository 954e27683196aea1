//! Feeds arbitrary bytes to the SMS PDU decoders as a modem (or, for the
//! simulator, a driver) might send them, and checks that whatever decodes
//! also encodes.
//!
//! Input layout: one byte choosing how to read the rest (bit 0: direction,
//! bit 1: through the hex parser), then the PDU.
#![no_main]

use libfuzzer_sys::fuzz_target;
use yunhal_at_modem::pdu::{self, Direction, Pdu, Reassembler};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let direction = if mode & 1 == 0 {
        Direction::MobileTerminated
    } else {
        Direction::MobileOriginated
    };
    let bytes = if mode & 2 == 0 {
        rest.to_vec()
    } else {
        match std::str::from_utf8(rest)
            .ok()
            .and_then(|text| pdu::from_hex(text).ok())
        {
            Some(bytes) => bytes,
            None => return,
        }
    };

    let _ = Pdu::decode(&bytes, direction);
    let _ = pdu::SmsSubmit::decode(&bytes);
    let _ = pdu::StatusReport::decode(&bytes);
    let Ok((_, decoded)) = Pdu::decode_with_smsc(&bytes, direction) else {
        return;
    };
    // A decoded PDU may not re-encode (an over-long alphanumeric address, say),
    // but must not panic trying.
    let _ = decoded.encode();
    if let Pdu::Deliver(deliver) = &decoded {
        let mut reassembler = Reassembler::new(2);
        let _ = reassembler.push_deliver(deliver);
        let _ = reassembler.push_deliver(deliver);
    }
});
