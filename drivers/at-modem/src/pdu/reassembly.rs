//! Putting concatenated parts back together on the receiving side.

use super::address::Address;
use super::deliver::SmsDeliver;
use super::udh::Concatenation;
use super::user_data::{Body, UserData};

/// What identifies one concatenated message: its sender, reference and
/// number of parts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MessageKey {
    /// The originating address as shown (`+` for international numbers).
    pub originator: String,
    /// The concatenation reference.
    pub reference: u16,
    /// Whether the reference was coded on 16 bits.
    pub wide_reference: bool,
    /// The number of parts.
    pub total: u8,
}

struct Pending {
    key: MessageKey,
    parts: Vec<Option<Body>>,
    last_update: u64,
}

/// Collects the parts of concatenated messages until each is complete.
///
/// At most `capacity` messages are held; when a part of a new message
/// arrives and the buffer is full, the message that has waited longest since
/// its last part is dropped (a part lost on the network never completes it,
/// so something has to go).
pub struct Reassembler {
    capacity: usize,
    pending: Vec<Pending>,
    clock: u64,
}

impl Reassembler {
    /// A buffer for up to `capacity` (at least 1) incomplete messages.
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            pending: Vec::new(),
            clock: 0,
        }
    }

    /// Number of incomplete messages held.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Adds a received SMS-DELIVER; see [`Self::push`].
    pub fn push_deliver(&mut self, deliver: &SmsDeliver) -> Option<Body> {
        self.push(&deliver.originator, &deliver.user_data)
    }

    /// Adds a part. Returns the whole body once every part is in (at once
    /// for a message that is not concatenated). A part already held is
    /// ignored.
    ///
    /// Text parts join into text. If any part is binary, the whole is binary,
    /// with text parts as their UTF-8 octets.
    pub fn push(&mut self, originator: &Address, user_data: &UserData) -> Option<Body> {
        let Some(concatenation) = user_data.header.as_ref().and_then(|h| h.concatenation()) else {
            return Some(user_data.body.clone());
        };
        if concatenation.total == 1 {
            return Some(user_data.body.clone());
        }
        let key = key(originator, concatenation);
        self.clock += 1;
        let index = match self.pending.iter().position(|p| p.key == key) {
            Some(index) => index,
            None => {
                if self.pending.len() >= self.capacity {
                    self.evict_oldest();
                }
                let parts = vec![None; usize::from(concatenation.total)];
                self.pending.push(Pending {
                    key,
                    parts,
                    last_update: self.clock,
                });
                self.pending.len() - 1
            }
        };
        let entry = &mut self.pending[index];
        let slot = &mut entry.parts[usize::from(concatenation.sequence) - 1];
        if slot.is_some() {
            return None;
        }
        *slot = Some(user_data.body.clone());
        entry.last_update = self.clock;
        if entry.parts.iter().any(Option::is_none) {
            return None;
        }
        let parts = self.pending.swap_remove(index).parts.into_iter().flatten();
        Some(join(parts.collect()))
    }

    fn evict_oldest(&mut self) {
        if let Some(oldest) = (0..self.pending.len()).min_by_key(|&i| self.pending[i].last_update) {
            self.pending.swap_remove(oldest);
        }
    }
}

fn key(originator: &Address, concatenation: Concatenation) -> MessageKey {
    MessageKey {
        originator: originator.to_string(),
        reference: concatenation.reference,
        wide_reference: concatenation.wide_reference,
        total: concatenation.total,
    }
}

fn join(parts: Vec<Body>) -> Body {
    if parts.iter().all(|p| matches!(p, Body::Text(_))) {
        let text = parts
            .into_iter()
            .map(|p| {
                if let Body::Text(t) = p {
                    t
                } else {
                    String::new()
                }
            })
            .collect();
        return Body::Text(text);
    }
    let bytes = parts
        .into_iter()
        .flat_map(|p| match p {
            Body::Text(text) => text.into_bytes(),
            Body::Binary(data) => data,
        })
        .collect();
    Body::Binary(bytes)
}
