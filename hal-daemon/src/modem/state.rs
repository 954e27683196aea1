//! What the modem service knows: the last status of each part of the
//! modem, the calls as `+CLCC` last listed them, and the SMS inbox. Kept
//! apart from threads and IPC so that it is tested alone.

use yunhal::modem::ipc::{InboxEntry, ModemStatus};
use yunhal::modem::{Call, CallEndReason, DataConnection, Indication, SmsMessage};

/// How many messages the inbox keeps; the oldest go first.
pub const INBOX_CAPACITY: usize = 500;

/// The service's view of the modem.
#[derive(Debug, Clone)]
pub struct ModemView {
    pub status: ModemStatus,
    /// Calls that left the list and whose end the driver has not told yet
    /// (it tells why: hung up here, by the far end, busy...).
    vanished: Vec<Call>,
    inbox: Vec<InboxEntry>,
    next_sms_id: u32,
}

/// Vanished calls kept for their end; older ones are forgotten.
const VANISHED_CAPACITY: usize = 8;

/// A call that ended, with what the service knew of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndedCall {
    pub call: Option<Call>,
    pub reason: CallEndReason,
}

impl Default for ModemView {
    fn default() -> Self {
        ModemView::new()
    }
}

impl ModemView {
    /// Nothing known yet; the modem counts as available until it fails.
    pub fn new() -> ModemView {
        ModemView {
            status: ModemStatus {
                available: true,
                power: None,
                identity: None,
                sim: None,
                network: None,
                signal: None,
                calls: Vec::new(),
                data: Vec::new(),
                unread_sms: 0,
                recoveries: 0,
            },
            vanished: Vec::new(),
            inbox: Vec::new(),
            next_sms_id: 1,
        }
    }

    /// Takes `indication` in; returns the calls it ended, if any. A call
    /// end the service was told before comes back with `call: None`.
    pub fn apply(&mut self, indication: &Indication) -> Vec<EndedCall> {
        let status = &mut self.status;
        match indication {
            Indication::Calls(calls) => self.set_calls(calls.clone()),
            Indication::CallEnded { id, reason } => {
                let listed = status.calls.iter().position(|c| c.id == *id);
                let call = match listed {
                    Some(i) => Some(status.calls.remove(i)),
                    None => {
                        let gone = self.vanished.iter().position(|c| c.id == *id);
                        gone.map(|i| self.vanished.remove(i))
                    }
                };
                return vec![EndedCall {
                    call,
                    reason: *reason,
                }];
            }
            Indication::NewSms(message) => {
                self.receive_sms(message.clone());
            }
            Indication::Registration(network) => status.network = Some(network.clone()),
            Indication::Signal(signal) => status.signal = Some(*signal),
            Indication::Sim(sim) => match &mut status.sim {
                Some(info) => info.status = *sim,
                None => {
                    status.sim = Some(yunhal::modem::SimInfo {
                        status: *sim,
                        iccid: None,
                        imsi: None,
                    })
                }
            },
            Indication::DataDisconnected { cid } => {
                if let Some(context) = status.data.iter_mut().find(|c| c.cid == *cid) {
                    context.active = false;
                    context.addresses.clear();
                }
            }
            Indication::Reset { .. } => {
                status.recoveries += 1;
                for context in &mut status.data {
                    context.active = false;
                    context.addresses.clear();
                }
                let mut lost = std::mem::take(&mut status.calls);
                lost.append(&mut self.vanished);
                return lost
                    .into_iter()
                    .map(|call| EndedCall {
                        call: Some(call),
                        reason: CallEndReason::ModemLost,
                    })
                    .collect();
            }
            Indication::Available(available) => status.available = *available,
            _ => {}
        }
        Vec::new()
    }

    /// Replaces the calls with what the modem lists now; a call no longer
    /// listed waits for the driver to tell how it ended.
    pub fn set_calls(&mut self, calls: Vec<Call>) {
        let old = std::mem::replace(&mut self.status.calls, calls);
        for call in old {
            if !self.status.calls.iter().any(|n| n.id == call.id) {
                if self.vanished.len() == VANISHED_CAPACITY {
                    self.vanished.remove(0);
                }
                self.vanished.push(call);
            }
        }
    }

    /// Records `connection` as the modem reported it.
    pub fn set_data(&mut self, connection: DataConnection) {
        match self
            .status
            .data
            .iter_mut()
            .find(|c| c.cid == connection.cid)
        {
            Some(known) => *known = connection,
            None => {
                self.status.data.push(connection);
                self.status.data.sort_by_key(|c| c.cid);
            }
        }
    }

    /// Puts `message` in the inbox; returns its id.
    pub fn receive_sms(&mut self, message: SmsMessage) -> u32 {
        let id = self.next_sms_id;
        self.next_sms_id = self.next_sms_id.wrapping_add(1).max(1);
        if self.inbox.len() == INBOX_CAPACITY {
            self.inbox.remove(0);
        }
        self.inbox.push(InboxEntry {
            id,
            read: false,
            message,
        });
        self.count_unread();
        id
    }

    /// The inbox, oldest first; every entry counts as read afterwards.
    pub fn list_sms(&mut self) -> Vec<InboxEntry> {
        let entries = self.inbox.clone();
        for entry in &mut self.inbox {
            entry.read = true;
        }
        self.count_unread();
        entries
    }

    /// Deletes inbox entry `id`; false if there is none.
    pub fn delete_sms(&mut self, id: u32) -> bool {
        let before = self.inbox.len();
        self.inbox.retain(|e| e.id != id);
        self.count_unread();
        self.inbox.len() != before
    }

    fn count_unread(&mut self) {
        self.status.unread_sms = self.inbox.iter().filter(|e| !e.read).count() as u32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use yunhal::modem::{CallDirection, CallState, SmsTimestamp};

    fn call(id: u8, state: CallState) -> Call {
        Call {
            id,
            direction: CallDirection::Incoming,
            state,
            number: Some("+4930123456".into()),
            multiparty: false,
        }
    }

    fn sms(text: &str) -> SmsMessage {
        SmsMessage {
            from: "+4930123456".into(),
            text: text.into(),
            timestamp: SmsTimestamp::default(),
            parts: 1,
        }
    }

    #[test]
    fn a_call_that_left_the_list_ends_once_with_the_drivers_reason() {
        let mut view = ModemView::new();
        view.apply(&Indication::Calls(vec![call(1, CallState::Active)]));
        assert!(view.apply(&Indication::Calls(vec![])).is_empty());

        let ended = view.apply(&Indication::CallEnded {
            id: 1,
            reason: CallEndReason::Local,
        });
        let again = view.apply(&Indication::CallEnded {
            id: 1,
            reason: CallEndReason::Local,
        });

        assert_eq!(
            ended,
            vec![EndedCall {
                call: Some(call(1, CallState::Active)),
                reason: CallEndReason::Local
            }]
        );
        assert_eq!(again[0].call, None);
        assert!(view.status.calls.is_empty());
    }

    #[test]
    fn call_ended_keeps_the_drivers_reason() {
        let mut view = ModemView::new();
        view.apply(&Indication::Calls(vec![call(2, CallState::Alerting)]));

        let ended = view.apply(&Indication::CallEnded {
            id: 2,
            reason: CallEndReason::Busy,
        });

        assert_eq!(ended[0].reason, CallEndReason::Busy);
        assert_eq!(ended[0].call.as_ref().map(|c| c.id), Some(2));
    }

    #[test]
    fn a_reset_ends_every_call_and_data_context() {
        let mut view = ModemView::new();
        view.apply(&Indication::Calls(vec![
            call(1, CallState::Active),
            call(2, CallState::Waiting),
        ]));
        view.set_data(DataConnection {
            cid: 1,
            apn: "internet".into(),
            family: yunhal::modem::IpFamily::Ipv4,
            active: true,
            addresses: vec!["10.0.0.2".into()],
        });

        let ended = view.apply(&Indication::Reset {
            reason: "RDY".into(),
        });

        assert_eq!(ended.len(), 2);
        assert!(ended.iter().all(|e| e.reason == CallEndReason::ModemLost));
        assert!(!view.status.data[0].active);
        assert!(view.status.data[0].addresses.is_empty());
        assert_eq!(view.status.recoveries, 1);
    }

    #[test]
    fn inbox_counts_unread_until_listed_and_deletes_by_id() {
        let mut view = ModemView::new();
        let first = view.receive_sms(sms("one"));
        view.apply(&Indication::NewSms(sms("two")));
        assert_eq!(view.status.unread_sms, 2);

        let listed = view.list_sms();

        assert_eq!(listed.len(), 2);
        assert!(listed.iter().all(|e| !e.read));
        assert_eq!(view.status.unread_sms, 0);
        assert!(view.delete_sms(first));
        assert!(!view.delete_sms(first));
        assert_eq!(view.list_sms()[0].message.text, "two");
    }

    #[test]
    fn inbox_drops_the_oldest_when_full() {
        let mut view = ModemView::new();
        for n in 0..=INBOX_CAPACITY {
            view.receive_sms(sms(&n.to_string()));
        }

        let listed = view.list_sms();

        assert_eq!(listed.len(), INBOX_CAPACITY);
        assert_eq!(listed[0].message.text, "1");
    }

    #[test]
    fn unavailable_and_back() {
        let mut view = ModemView::new();
        view.apply(&Indication::Available(false));
        assert!(!view.status.available);
        view.apply(&Indication::Available(true));
        assert!(view.status.available);
    }
}
