//! SMS in PDU mode: sending (split, concatenated, one `+CMGS` per part),
//! and receiving (stored messages, `+CMTI`, `+CMT`, `+CDS`, `+CDSI`) with
//! the parts joined.
//!
//! New messages are routed with `AT+CNMI=2,1,0,1,0`: a message is stored
//! and announced with `+CMTI`, then read, reported and deleted. Storing
//! first means a message that arrives while the driver is busy, restarting
//! or not running is not lost: it waits in the modem and the sweep at
//! start (`+CMGL=4`) finds it. Delivering with `+CMT` instead would need a
//! `+CNMA` within seconds on phase 2+ modems, or the network sends again
//! and some modems stop routing. Status reports come directly as `+CDS`:
//! they are small and would take storage from messages. When `+CSMS`
//! says phase 2+, `+CMT` and `+CDS` are acknowledged with `+CNMA`.
//!
//! Parts of a concatenated message are deleted from the modem as they are
//! read and held in memory until the message is whole.

use yunhal::modem::{Indication, SentSms};

use super::config::Vendor;
use super::convert;
use super::driver::{lock, Driver};
use super::error::ModemError;
use crate::at::commands;
use crate::at::parse::sms::{parse_cmgl, parse_cmgr, parse_cmgs, parse_csms_service, PduMessage};
use crate::at::Response;
use crate::pdu::{
    self, Address, ConcatReference, DataCoding, Direction, Pdu, Reassembler, SmsSubmit, UserData,
};

/// Incomplete concatenated messages held at once.
const REASSEMBLY_CAPACITY: usize = 16;
/// The longest destination, in digits (TS 23.040 TP-DA).
const MAX_NUMBER_DIGITS: usize = 20;

pub(crate) struct SmsState {
    reassembler: Reassembler,
    /// SMS set up since the modem last started.
    configured: bool,
    /// `+CMT`/`+CDS` need `+CNMA` (`+CSMS` service 1).
    ack_required: bool,
    /// The memory `+CMGR`/`+CMGD` work on, when the driver set it.
    read_memory: Option<String>,
    next_reference: u8,
}

impl SmsState {
    pub fn new() -> SmsState {
        SmsState {
            reassembler: Reassembler::new(REASSEMBLY_CAPACITY),
            configured: false,
            ack_required: false,
            read_memory: None,
            next_reference: 0,
        }
    }
}

fn check_destination(to: &str) -> Result<(), ModemError> {
    let digits = to.strip_prefix('+').unwrap_or(to);
    if digits.is_empty() || digits.len() > MAX_NUMBER_DIGITS {
        return Err(ModemError::invalid(
            "SMS destination",
            format!("must be 1 to {MAX_NUMBER_DIGITS} digits"),
        ));
    }
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(ModemError::invalid(
            "SMS destination",
            "must be digits with an optional leading +",
        ));
    }
    Ok(())
}

impl Driver {
    /// The modem forgot its SMS settings (it restarted).
    pub fn sms_forgotten(&self) {
        let mut sms = lock(&self.sms);
        sms.configured = false;
        sms.read_memory = None;
    }

    /// Sets up SMS once per modem start, when the SIM is ready: PDU mode,
    /// the memory (EG25-G: `"ME"`), the message service, routing, then the
    /// messages already stored.
    pub fn ensure_sms_setup(&self) -> Result<(), ModemError> {
        if lock(&self.sms).configured {
            return Ok(());
        }
        let required = |result: Result<Response, ModemError>| match result {
            Ok(_) => Ok(true),
            Err(e) if e.is_link_failure() => Err(e),
            Err(e) => {
                tracing::debug!(error = %e, "SMS not ready yet");
                Ok(false)
            }
        };
        if !required(self.run(commands::sms_pdu_mode()))? {
            return Ok(());
        }
        if self.config.vendor == Vendor::QuectelEg25 {
            if required(self.run(commands::preferred_storage("ME")))? {
                lock(&self.sms).read_memory = Some("ME".to_owned());
            } else {
                return Ok(());
            }
        }
        let service = self
            .run_optional(commands::sms_service_query())?
            .and_then(|r| r.line_with("+CSMS").map(parse_csms_service))
            .and_then(Result::ok);
        lock(&self.sms).ack_required = service == Some(1);
        if !required(self.run(commands::new_message_indications(1, 1)))? {
            return Ok(());
        }
        lock(&self.sms).configured = true;
        self.sweep_stored_messages()
    }

    /// Reports and deletes every received message in the read memory.
    fn sweep_stored_messages(&self) -> Result<(), ModemError> {
        let command = commands::list_sms(4);
        let text = command.text().to_owned();
        let Some(response) = self.run_optional(command)? else {
            return Ok(());
        };
        let messages = parse_cmgl(&response.lines).map_err(|e| ModemError::parse(&text, e))?;
        for message in messages {
            // Stored outgoing messages (unsent, sent) are left alone.
            if !matches!(message.status, Some(0 | 1)) {
                continue;
            }
            self.report_pdu(&message.pdu);
            if let Some(index) = message.index {
                self.run_optional(commands::delete_sms(index))?;
            }
        }
        Ok(())
    }

    /// `+CMTI`/`+CDSI`: reads the stored message, reports it, deletes it.
    pub fn read_stored(&self, memory: &str, index: u32) -> Result<(), ModemError> {
        let switch = !lock(&self.sms)
            .read_memory
            .as_deref()
            .is_some_and(|m| m.eq_ignore_ascii_case(memory));
        if switch {
            self.run(commands::read_storage(memory))?;
            lock(&self.sms).read_memory = Some(memory.to_owned());
        }
        let command = commands::read_sms(index);
        let text = command.text().to_owned();
        let response = self.run(command)?;
        // An empty slot (read and deleted already) answers with no lines.
        if let Some(header) = response.line_with("+CMGR") {
            let position = response.lines.iter().position(|l| l == header);
            let pdu_line = position.and_then(|i| response.lines.get(i + 1));
            let message = parse_cmgr(header, pdu_line.map(String::as_str))
                .map_err(|e| ModemError::parse(&text, e))?;
            self.report_pdu(&message.pdu);
        }
        self.run_optional(commands::delete_sms(index))?;
        Ok(())
    }

    /// `+CMT`/`+CDS`: reports the message, acknowledges it if needed.
    pub fn on_routed_message(&self, message: &PduMessage) -> Result<(), ModemError> {
        self.report_pdu(&message.pdu);
        if lock(&self.sms).ack_required {
            self.run_optional(commands::acknowledge_sms())?;
        }
        Ok(())
    }

    /// Decodes a PDU line (SMSC first) and reports a whole message or a
    /// delivery report. A PDU that does not decode is logged and dropped:
    /// the modem would give the same bytes again.
    fn report_pdu(&self, hex: &str) {
        let decoded = pdu::from_hex(hex)
            .map_err(ModemError::from)
            .and_then(|bytes| {
                Pdu::decode_with_smsc(&bytes, Direction::MobileTerminated).map_err(ModemError::from)
            });
        match decoded {
            Ok((_, Pdu::Deliver(deliver))) => {
                let whole = lock(&self.sms).reassembler.push_deliver(&deliver);
                if let Some(body) = whole {
                    self.emit(Indication::NewSms(convert::sms_message(&deliver, body)));
                }
            }
            Ok((_, Pdu::StatusReport(report))) => {
                self.emit(Indication::DeliveryReport(convert::delivery_report(
                    &report,
                )));
            }
            Ok((_, Pdu::Submit(_))) => {}
            Err(e) => tracing::warn!(error = %e, pdu = hex, "received SMS dropped"),
        }
    }

    /// Sends `text` to `to`: GSM 7-bit when every character has a code
    /// there, else UCS-2; in concatenated parts when it does not fit one.
    pub fn send_sms(
        &self,
        to: &str,
        text: &str,
        request_report: bool,
    ) -> Result<SentSms, ModemError> {
        check_destination(to)?;
        let reference = {
            let mut sms = lock(&self.sms);
            sms.next_reference = sms.next_reference.wrapping_add(1);
            sms.next_reference
        };
        let mut template = SmsSubmit::new(Address::parse(to), DataCoding::GSM7, UserData::text(""));
        template.status_report_request = request_report;
        let parts = pdu::encode_text(&template, text, ConcatReference::Eight(reference))?;
        let mut references = Vec::with_capacity(parts.len());
        for part in parts {
            let tpdu = part.encode()?;
            let bytes = pdu::encode_with_smsc(None, &tpdu)?;
            let command =
                commands::send_sms_pdu(&bytes).map_err(|e| ModemError::command("AT+CMGS", e))?;
            let command_text = command.text().to_owned();
            let response = self.run_network(command)?;
            references.push(Driver::parse_line(
                &response,
                "+CMGS",
                &command_text,
                parse_cmgs,
            )?);
        }
        Ok(SentSms { references })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_are_checked_before_sending() {
        assert!(check_destination("+15550123").is_ok());
        assert!(check_destination("5550123").is_ok());
        assert!(check_destination("").is_err());
        assert!(check_destination("+").is_err());
        assert!(check_destination("555-0123").is_err());
        assert!(check_destination(&"1".repeat(21)).is_err());
    }
}
