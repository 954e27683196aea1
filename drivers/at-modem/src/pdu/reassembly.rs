//! Putting concatenated parts back together on the receiving side.

use std::collections::VecDeque;

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

impl MessageKey {
    fn new(originator: &Address, concatenation: Concatenation) -> Self {
        Self {
            originator: originator.to_string(),
            reference: concatenation.reference,
            wide_reference: concatenation.wide_reference,
            total: concatenation.total,
        }
    }
}

struct Message {
    key: MessageKey,
    parts: Vec<Option<Body>>,
    last_update: u64,
}

impl Message {
    fn holds(&self, sequence: u8, body: &Body) -> bool {
        self.parts[usize::from(sequence) - 1].as_ref() == Some(body)
    }
}

/// Collects the parts of concatenated messages until each is complete.
///
/// At most `capacity` incomplete messages are held; when a part of a new
/// message arrives and the buffer is full, the message that has waited
/// longest since its last part is dropped (a part lost on the network never
/// completes it, so something has to go).
///
/// The last `capacity` completed messages are remembered too, so that a
/// part delivered again after its message was complete is recognised as a
/// duplicate rather than starting a message that would never complete.
pub struct Reassembler {
    capacity: usize,
    pending: Vec<Message>,
    completed: VecDeque<Message>,
    clock: u64,
}

impl Reassembler {
    /// A buffer for up to `capacity` (at least 1) incomplete messages.
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self {
            capacity,
            pending: Vec::new(),
            completed: VecDeque::new(),
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
    /// for a message that is not concatenated). A part already held, or
    /// identical to the same part of a recently completed message, is
    /// ignored.
    ///
    /// Text parts join into text. If any part is binary, the whole is binary,
    /// with text parts as their UTF-8 octets.
    pub fn push(&mut self, originator: &Address, user_data: &UserData) -> Option<Body> {
        let concatenation = user_data.header.as_ref().and_then(|h| h.concatenation());
        let Some(concatenation) = concatenation.filter(|c| c.total > 1) else {
            return Some(user_data.body.clone());
        };
        let (key, sequence, body) = (
            MessageKey::new(originator, concatenation),
            concatenation.sequence,
            &user_data.body,
        );
        self.clock += 1;
        let index = match self.pending.iter().position(|m| m.key == key) {
            Some(index) => index,
            None if self
                .completed
                .iter()
                .any(|m| m.key == key && m.holds(sequence, body)) =>
            {
                return None
            }
            None => self.start(key),
        };
        let message = &mut self.pending[index];
        let slot = &mut message.parts[usize::from(sequence) - 1];
        if slot.is_some() {
            return None;
        }
        *slot = Some(body.clone());
        message.last_update = self.clock;
        if message.parts.iter().any(Option::is_none) {
            return None;
        }
        let message = self.pending.swap_remove(index);
        let whole = join(message.parts.iter().flatten());
        if self.completed.len() >= self.capacity {
            self.completed.pop_front();
        }
        self.completed.push_back(message);
        Some(whole)
    }

    /// Makes room if needed and adds an empty message; returns its index.
    fn start(&mut self, key: MessageKey) -> usize {
        if self.pending.len() >= self.capacity {
            if let Some(oldest) =
                (0..self.pending.len()).min_by_key(|&i| self.pending[i].last_update)
            {
                self.pending.swap_remove(oldest);
            }
        }
        let parts = vec![None; usize::from(key.total)];
        self.pending.push(Message {
            key,
            parts,
            last_update: self.clock,
        });
        self.pending.len() - 1
    }
}

fn join<'a>(parts: impl Iterator<Item = &'a Body> + Clone) -> Body {
    let texts: Option<String> = parts
        .clone()
        .map(|part| match part {
            Body::Text(text) => Some(text.as_str()),
            Body::Binary(_) => None,
        })
        .collect();
    if let Some(text) = texts {
        return Body::Text(text);
    }
    let bytes = parts
        .flat_map(|part| match part {
            Body::Text(text) => text.as_bytes(),
            Body::Binary(data) => data.as_slice(),
        })
        .copied()
        .collect();
    Body::Binary(bytes)
}
