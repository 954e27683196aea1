//! SMS in PDU mode (TS 27.005): the message memories, sending with the
//! `> ` prompt, new-message indications as `+CNMI` routes them, status
//! reports, and the network's side (delivery, loop-back to the own number,
//! splitting incoming text into concatenated DELIVERs).

use super::command::{Command, Kind};
use super::config::{same_number, ModemConfig};
use super::engine::{Done, Engine, Fail, Reply, Timer};
use super::sim::SimState;
use yunhal::time::Nanos;
use yunhal_at_modem::pdu::{
    self, Address, Body, ConcatReference, DataCoding, Direction, Pdu, SmsDeliver, SmsSubmit,
    Status, StatusReport, Timestamp, UserData, UserDataHeader,
};

/// A message memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Memory {
    /// The modem's own ("ME").
    Me,
    /// The SIM's ("SM").
    Sm,
}

impl Memory {
    /// The 27.005 name.
    pub fn name(self) -> &'static str {
        match self {
            Memory::Me => "ME",
            Memory::Sm => "SM",
        }
    }

    fn parse(name: &str) -> Option<Memory> {
        match name.to_ascii_uppercase().as_str() {
            "ME" | "MT" => Some(Memory::Me),
            "SM" => Some(Memory::Sm),
            _ => None,
        }
    }
}

/// `<stat>` of a stored message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageStatus {
    /// 0.
    ReceivedUnread,
    /// 1.
    ReceivedRead,
    /// 2.
    StoredUnsent,
    /// 3.
    StoredSent,
}

impl MessageStatus {
    fn code(self) -> u8 {
        match self {
            MessageStatus::ReceivedUnread => 0,
            MessageStatus::ReceivedRead => 1,
            MessageStatus::StoredUnsent => 2,
            MessageStatus::StoredSent => 3,
        }
    }

    fn from_code(code: i64) -> Option<MessageStatus> {
        Some(match code {
            0 => MessageStatus::ReceivedUnread,
            1 => MessageStatus::ReceivedRead,
            2 => MessageStatus::StoredUnsent,
            3 => MessageStatus::StoredSent,
            _ => return None,
        })
    }
}

/// A message in a memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    pub memory: Memory,
    /// 1-based index in its memory.
    pub index: usize,
    pub status: MessageStatus,
    /// The TPDU (DELIVER, STATUS-REPORT or SUBMIT), no SMSC prefix.
    pub tpdu: Vec<u8>,
}

/// A message the modem submitted to the network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMessage {
    /// The TP-MR the modem gave it (`+CMGS: <mr>`).
    pub message_reference: u8,
    pub submit: SmsSubmit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cnmi {
    mode: u8,
    mt: u8,
    ds: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Payload {
    Send { len: usize },
    Write { len: usize, status: MessageStatus },
}

#[derive(Debug, Clone)]
pub(crate) struct Sms {
    memories: [Vec<Option<StoredMessage>>; 2],
    pub sent: Vec<SentMessage>,
    /// Messages the network holds while the modem is not registered.
    queued: Vec<Vec<u8>>,
    smsc: String,
    cnmi: Cnmi,
    /// Read/delete, write/send, receive memories.
    cpms: [Memory; 3],
    payload: Option<Payload>,
    next_reference: u8,
    next_concat: u8,
}

impl Sms {
    pub fn new(config: &ModemConfig) -> Sms {
        Sms {
            memories: [
                vec![None; config.sms_capacity],
                vec![None; config.sms_capacity],
            ],
            sent: Vec::new(),
            queued: Vec::new(),
            smsc: config.smsc.clone(),
            cnmi: Cnmi {
                mode: 0,
                mt: 0,
                ds: 0,
            },
            cpms: [Memory::Me; 3],
            payload: None,
            next_reference: 0,
            next_concat: 0,
        }
    }

    pub fn reset_volatile(&mut self) {
        self.cnmi = Cnmi {
            mode: 0,
            mt: 0,
            ds: 0,
        };
        self.cpms = [Memory::Me; 3];
        self.payload = None;
    }

    fn memory(&mut self, memory: Memory) -> &mut Vec<Option<StoredMessage>> {
        &mut self.memories[memory as usize]
    }

    fn used(&self, memory: Memory) -> usize {
        self.memories[memory as usize].iter().flatten().count()
    }

    fn capacity(&self, memory: Memory) -> usize {
        self.memories[memory as usize].len()
    }

    fn store(&mut self, memory: Memory, status: MessageStatus, tpdu: Vec<u8>) -> Option<usize> {
        let slots = self.memory(memory);
        let free = slots.iter().position(Option::is_none)?;
        slots[free] = Some(StoredMessage {
            memory,
            index: free + 1,
            status,
            tpdu,
        });
        Some(free + 1)
    }

    /// Every stored message, memory by memory.
    pub fn stored(&self) -> Vec<StoredMessage> {
        self.memories.iter().flatten().flatten().cloned().collect()
    }
}

/// 27.005 §3.2.5 error codes used here.
mod cms {
    pub const NOT_ALLOWED: u16 = 302;
    pub const NOT_SUPPORTED: u16 = 303;
    pub const INVALID_PDU_PARAMETER: u16 = 304;
    pub const INVALID_INDEX: u16 = 321;
    pub const MEMORY_FULL: u16 = 322;
    pub const NO_NETWORK: u16 = 331;
}

/// The service centre time stamp for simulated time `now`: 2026-01-01
/// 00:00:00 UTC plus `now`.
fn timestamp(now: Nanos) -> Timestamp {
    const DAYS_IN_MONTH: [u64; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let seconds = now.as_nanos() / 1_000_000_000;
    let mut day = (seconds / 86_400) % 365;
    let mut month = 0;
    while day >= DAYS_IN_MONTH[month] {
        day -= DAYS_IN_MONTH[month];
        month += 1;
    }
    Timestamp {
        year: 26,
        month: month as u8 + 1,
        day: day as u8 + 1,
        hour: ((seconds / 3600) % 24) as u8,
        minute: ((seconds / 60) % 60) as u8,
        second: (seconds % 60) as u8,
        utc_offset_quarters: 0,
    }
}

impl Engine {
    fn sms_ready(&self) -> Result<(), Fail> {
        match self.sim.state() {
            SimState::Ready => Ok(()),
            SimState::Absent => Err(Fail::Cms(310)),
            SimState::PinRequired => Err(Fail::Cms(311)),
            SimState::PukRequired => Err(Fail::Cms(316)),
            _ => Err(Fail::Cms(313)),
        }
    }

    /// The PDU line of a stored or routed TPDU, with the SMSC prefix.
    fn pdu_line(&self, tpdu: &[u8], with_smsc: bool) -> String {
        let smsc = with_smsc.then(|| Address::parse(&self.sms.smsc));
        let bytes = pdu::encode_with_smsc(smsc.as_ref(), tpdu).unwrap_or_else(|_| tpdu.to_vec());
        pdu::to_hex(&bytes)
    }

    pub(super) fn sms_command(&mut self, command: &Command) -> Reply {
        let name = command.name.as_str();
        if !matches!(
            name,
            "+CMGF"
                | "+CSCA"
                | "+CSMS"
                | "+CPMS"
                | "+CNMI"
                | "+CMGS"
                | "+CMGW"
                | "+CMSS"
                | "+CMGR"
                | "+CMGL"
                | "+CMGD"
                | "+CNMA"
        ) {
            return Err(Fail::Unknown);
        }
        if !matches!(name, "+CMGF" | "+CNMI" | "+CSMS") {
            self.sms_ready()?;
        }
        let bad = Fail::Cms(cms::INVALID_PDU_PARAMETER);
        match (name, &command.kind) {
            ("+CMGF", Kind::Read) => self.info("+CMGF: 0"),
            ("+CMGF", Kind::Test) => self.info("+CMGF: (0)"),
            ("+CMGF", Kind::Set(_)) => match command.int(0).map_err(|_| bad)? {
                Some(0) | None => {}
                // Text mode is not modelled.
                Some(1) => return Err(Fail::Cms(cms::NOT_SUPPORTED)),
                Some(_) => return Err(bad),
            },
            ("+CSCA", Kind::Read) => {
                let smsc = &self.sms.smsc;
                let toa = if smsc.starts_with('+') { 145 } else { 129 };
                self.info(&format!("+CSCA: \"{smsc}\",{toa}"));
            }
            ("+CSCA", Kind::Set(_)) => self.sms.smsc = command.text(0).ok_or(bad)?.to_owned(),
            ("+CSMS", Kind::Read) => self.info("+CSMS: 0,1,1,1"),
            ("+CSMS", Kind::Set(_)) => self.info("+CSMS: 1,1,1"),
            ("+CPMS", Kind::Test) => {
                self.info("+CPMS: (\"ME\",\"SM\"),(\"ME\",\"SM\"),(\"ME\",\"SM\")")
            }
            ("+CPMS", Kind::Read) => {
                let parts: Vec<String> = self
                    .sms
                    .cpms
                    .iter()
                    .map(|&m| {
                        format!(
                            "\"{}\",{},{}",
                            m.name(),
                            self.sms.used(m),
                            self.sms.capacity(m)
                        )
                    })
                    .collect();
                self.info(&format!("+CPMS: {}", parts.join(",")));
            }
            ("+CPMS", Kind::Set(_)) => {
                let mut cpms = self.sms.cpms;
                for (i, slot) in cpms.iter_mut().enumerate() {
                    if let Some(name) = command.text(i) {
                        *slot = Memory::parse(name).ok_or(Fail::Cms(cms::NOT_ALLOWED))?;
                    }
                }
                self.sms.cpms = cpms;
                let parts: Vec<String> = cpms
                    .iter()
                    .map(|&m| format!("{},{}", self.sms.used(m), self.sms.capacity(m)))
                    .collect();
                self.info(&format!("+CPMS: {}", parts.join(",")));
            }
            ("+CNMI", Kind::Read) => {
                let Cnmi { mode, mt, ds } = self.sms.cnmi;
                self.info(&format!("+CNMI: {mode},{mt},0,{ds},0"));
            }
            ("+CNMI", Kind::Test) => self.info("+CNMI: (0-2),(0-3),(0,2),(0-2),(0,1)"),
            ("+CNMI", Kind::Set(_)) => {
                let mode = command.int_in(0, 0..=2, Some(0)).map_err(|_| bad)? as u8;
                let mt = command.int_in(1, 0..=3, Some(0)).map_err(|_| bad)? as u8;
                command.int_in(2, 0..=2, Some(0)).map_err(|_| bad)?;
                let ds = command.int_in(3, 0..=2, Some(0)).map_err(|_| bad)? as u8;
                self.sms.cnmi = Cnmi { mode, mt, ds };
            }
            ("+CNMA", _) => {}
            ("+CMGS", Kind::Set(_)) | ("+CMGW", Kind::Set(_)) => {
                let len = command.int_in(0, 1..=164, None).map_err(|_| bad)? as usize;
                self.sms.payload = Some(if name == "+CMGS" {
                    Payload::Send { len }
                } else {
                    let stat = command.int_in(1, 0..=3, Some(2)).map_err(|_| bad)?;
                    let status = MessageStatus::from_code(stat).ok_or(bad)?;
                    Payload::Write { len, status }
                });
                self.prompt();
                return Ok(Done::Pending);
            }
            ("+CMSS", Kind::Set(_)) => {
                let index = command.int(0).map_err(|_| bad)?.ok_or(bad)?;
                let memory = self.sms.cpms[1];
                let message = self
                    .slot(memory, index)?
                    .ok_or(Fail::Cms(cms::INVALID_INDEX))?;
                let Ok(Pdu::Submit(submit)) =
                    Pdu::decode(&message.tpdu, Direction::MobileOriginated)
                else {
                    return Err(Fail::Cms(cms::NOT_ALLOWED));
                };
                let reference = self.submit(submit)?;
                if let Some(Some(stored)) = self.sms.memory(memory).get_mut(index as usize - 1) {
                    stored.status = MessageStatus::StoredSent;
                }
                self.info(&format!("+CMSS: {reference}"));
            }
            ("+CMGR", Kind::Set(_)) => {
                let index = command.int(0).map_err(|_| bad)?.ok_or(bad)?;
                let memory = self.sms.cpms[0];
                if let Some(message) = self.slot(memory, index)? {
                    self.list_message(&message, false);
                }
            }
            ("+CMGL", Kind::Test) => self.info("+CMGL: (0-4)"),
            ("+CMGL", Kind::Set(_) | Kind::Action) => {
                let stat = command.int_in(0, 0..=4, Some(0)).map_err(|_| bad)?;
                let memory = self.sms.cpms[0];
                let matching: Vec<StoredMessage> = self.sms.memories[memory as usize]
                    .iter()
                    .flatten()
                    .filter(|m| stat == 4 || i64::from(m.status.code()) == stat)
                    .cloned()
                    .collect();
                for message in matching {
                    self.list_message(&message, true);
                }
            }
            ("+CMGD", Kind::Test) => self.info("+CMGD: (1-50),(0-4)"),
            ("+CMGD", Kind::Set(_)) => {
                let index = command.int(0).map_err(|_| bad)?.unwrap_or(0);
                let flag = command.int_in(1, 0..=4, Some(0)).map_err(|_| bad)?;
                let memory = self.sms.cpms[0];
                if flag == 0 {
                    self.slot(memory, index)?;
                    self.sms.memory(memory)[index as usize - 1] = None;
                } else {
                    let doomed = |s: MessageStatus| match flag {
                        1 => s == MessageStatus::ReceivedRead,
                        2 => matches!(s, MessageStatus::ReceivedRead | MessageStatus::StoredSent),
                        3 => s != MessageStatus::ReceivedUnread,
                        _ => true,
                    };
                    for slot in self.sms.memory(memory).iter_mut() {
                        if slot.as_ref().is_some_and(|m| doomed(m.status)) {
                            *slot = None;
                        }
                    }
                }
            }
            _ => return Err(Fail::Error),
        }
        Ok(Done::Ok)
    }

    /// The message at 1-based `index`, `None` for an empty slot, an error
    /// outside the memory.
    fn slot(&self, memory: Memory, index: i64) -> Result<Option<StoredMessage>, Fail> {
        let slots = &self.sms.memories[memory as usize];
        if index < 1 || index as usize > slots.len() {
            return Err(Fail::Cms(cms::INVALID_INDEX));
        }
        Ok(slots[index as usize - 1].clone())
    }

    /// `+CMGR`/`+CMGL` lines for `message`; reading marks it read.
    fn list_message(&mut self, message: &StoredMessage, with_index: bool) {
        let (stat, len) = (message.status.code(), message.tpdu.len());
        if with_index {
            self.info(&format!("+CMGL: {},{stat},,{len}", message.index));
        } else {
            self.info(&format!("+CMGR: {stat},,{len}"));
        }
        let line = self.pdu_line(&message.tpdu, true);
        self.raw_line(&line);
        if message.status == MessageStatus::ReceivedUnread {
            if let Some(Some(stored)) = self.sms.memory(message.memory).get_mut(message.index - 1) {
                stored.status = MessageStatus::ReceivedRead;
            }
        }
    }

    /// The PDU after the `> ` prompt.
    pub(crate) fn sms_payload(&mut self, hex: &str) -> Reply {
        let bad = Fail::Cms(cms::INVALID_PDU_PARAMETER);
        let payload = self.sms.payload.take().ok_or(Fail::Error)?;
        let bytes = pdu::from_hex(hex.trim()).map_err(|_| bad)?;
        let smsc_len = usize::from(*bytes.first().ok_or(bad)?) + 1;
        let (Payload::Send { len } | Payload::Write { len, .. }) = payload;
        if bytes.len() != smsc_len + len {
            return Err(bad);
        }
        let Ok((_, Pdu::Submit(submit))) =
            Pdu::decode_with_smsc(&bytes, Direction::MobileOriginated)
        else {
            return Err(bad);
        };
        match payload {
            Payload::Send { .. } => {
                let reference = self.submit(submit)?;
                self.info(&format!("+CMGS: {reference}"));
            }
            Payload::Write { status, .. } => {
                let memory = self.sms.cpms[1];
                let index = self
                    .sms
                    .store(memory, status, bytes[smsc_len..].to_vec())
                    .ok_or(Fail::Cms(cms::MEMORY_FULL))?;
                self.info(&format!("+CMGW: {index}"));
            }
        }
        Ok(Done::Ok)
    }

    /// Hands an SMS-SUBMIT to the network; gives its TP-MR.
    fn submit(&mut self, mut submit: SmsSubmit) -> Result<u8, Fail> {
        if !self.network.state.is_registered() {
            return Err(Fail::Cms(cms::NO_NETWORK));
        }
        let reference = self.sms.next_reference;
        self.sms.next_reference = reference.wrapping_add(1);
        submit.message_reference = reference;
        let delay = self.config.sms_delay;
        let sent_at = timestamp(self.now);
        if same_number(&submit.destination.to_string(), &self.config.own_number) {
            let originator = Address::parse(&self.config.own_number);
            let deliver = SmsDeliver::new(
                originator,
                submit.data_coding,
                sent_at,
                submit.user_data.clone(),
            );
            if let Ok(tpdu) = deliver.encode() {
                self.schedule(delay, Timer::NetworkSms(tpdu));
            }
        }
        if submit.status_report_request {
            let report = StatusReport {
                more_messages_to_send: false,
                loop_prevention: false,
                reports_on_command: false,
                message_reference: reference,
                recipient: submit.destination.clone(),
                service_centre_timestamp: sent_at,
                discharge_time: timestamp(self.now + delay),
                status: Status::RECEIVED,
                protocol_identifier: None,
                data_coding: None,
                user_data: None,
            };
            if let Ok(tpdu) = report.encode() {
                self.schedule(delay + delay, Timer::NetworkSms(tpdu));
            }
        }
        self.sms.sent.push(SentMessage {
            message_reference: reference,
            submit,
        });
        Ok(reference)
    }

    /// `text` from `from` arrives as one DELIVER per part.
    pub(crate) fn incoming_sms(&mut self, from: &str, text: &str) {
        let reference = self.sms.next_concat;
        self.sms.next_concat = reference.wrapping_add(1);
        let concat = ConcatReference::Eight(reference);
        let split = pdu::split_text(text, concat);
        let total = split.parts.len() as u8;
        let coding = DataCoding::new(split.alphabet, None);
        for (sequence, part) in (1..).zip(split.parts) {
            let header = (total > 1).then(|| {
                UserDataHeader::concatenated(pdu::Concatenation {
                    reference: u16::from(reference),
                    total,
                    sequence,
                    wide_reference: false,
                })
            });
            let user_data = UserData {
                header,
                body: Body::Text(part),
            };
            let deliver =
                SmsDeliver::new(Address::parse(from), coding, timestamp(self.now), user_data);
            if let Ok(tpdu) = deliver.encode() {
                self.network_sms(tpdu);
            }
        }
    }

    /// A TPDU from the network: DELIVER or STATUS-REPORT, routed as
    /// `+CNMI` says; held by the network while the modem is not registered.
    pub(crate) fn network_sms(&mut self, tpdu: Vec<u8>) {
        if !self.network.state.is_registered() || !self.sim.is_ready() {
            self.sms.queued.push(tpdu);
            return;
        }
        let is_report = tpdu.first().is_some_and(|b| b & 0x03 == 0x02);
        let Cnmi { mode, mt, ds } = self.sms.cnmi;
        let indicate = mode != 0;
        let memory = self.sms.cpms[2];
        if is_report {
            match ds {
                1 if indicate => {
                    let line = self.pdu_line(&tpdu, true);
                    self.urc_with_pdu(&format!("+CDS: {}", tpdu.len()), &line);
                }
                2 => {
                    if let Some(index) = self.sms.store(memory, MessageStatus::ReceivedUnread, tpdu)
                    {
                        if indicate {
                            self.urc(&format!("+CDSI: \"{}\",{index}", memory.name()));
                        }
                    }
                }
                _ => {}
            }
            return;
        }
        if mt == 2 && indicate {
            let line = self.pdu_line(&tpdu, true);
            self.urc_with_pdu(&format!("+CMT: ,{}", tpdu.len()), &line);
            return;
        }
        match self.sms.store(memory, MessageStatus::ReceivedUnread, tpdu) {
            Some(index) if indicate && mt != 0 => {
                self.urc(&format!("+CMTI: \"{}\",{index}", memory.name()));
            }
            Some(_) => {}
            None => self.urc(&format!("+QIND: \"smsfull\",\"{}\"", memory.name())),
        }
    }

    /// Messages the network held, now that the modem is reachable.
    pub(crate) fn flush_sms_queue(&mut self) {
        for tpdu in std::mem::take(&mut self.sms.queued) {
            self.network_sms(tpdu);
        }
    }
}
