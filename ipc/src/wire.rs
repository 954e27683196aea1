//! The frame format on the socket.
//!
//! Every message travels as one or more SOCK_SEQPACKET records (fragments).
//! The kernel caps one record at the socket's send buffer (about 208 KiB by
//! default), so messages up to [`Limits::max_message`](crate::Limits) are cut
//! into fragments of at most [`FRAGMENT_MAX`] bytes; a sender holds its
//! connection's send lock for the whole message, so fragments of two messages
//! never interleave.
//!
//! First fragment, little-endian:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 4 | magic `YHAL` |
//! | 4 | 1 | protocol version (1) |
//! | 5 | 1 | kind ([`Kind`]) |
//! | 6 | 1 | flags ([`FLAG_ONEWAY`], [`FLAG_MORE`], [`FLAG_NESTED`]) |
//! | 7 | 1 | number of file descriptors sent with this message (SCM_RIGHTS) |
//! | 8 | 8 | call id (0 for oneway transactions) |
//! | 16 | 8 | target object id (transaction) or object id (release) |
//! | 24 | 4 | method code (transaction) or reference count (release) |
//! | 28 | 4 | the caller's interface version (transaction) |
//! | 32 | 4 | payload length in bytes, all fragments together |
//! | 36 | 2 | interface descriptor length in bytes (transaction) |
//! | 38 | 2 | reserved, zero |
//! | 40 | … | descriptor (UTF-8), then payload |
//!
//! Continuation fragment: the first 16 bytes of that layout (magic,
//! version, kind [`Kind::Continuation`], flags with [`FLAG_MORE`] unless it
//! is the last, a zero byte, the call id), then more payload.

use crate::status::TransportError;

/// `YHAL` read as a little-endian u32.
pub const MAGIC: u32 = u32::from_le_bytes(*b"YHAL");
/// The protocol version this crate speaks.
pub const PROTOCOL_VERSION: u8 = 1;
/// Header length of a first fragment.
pub const HEADER_LEN: usize = 40;
/// Header length of a continuation fragment.
pub const CONTINUATION_HEADER_LEN: usize = 16;
/// The largest record sent on the socket.
pub const FRAGMENT_MAX: usize = 64 * 1024;

/// The transaction is oneway: no reply is sent.
pub const FLAG_ONEWAY: u8 = 1 << 0;
/// More fragments of this message follow.
pub const FLAG_MORE: u8 = 1 << 1;
/// The call is made from inside a call that came over the same connection
/// (a callback calling back): it must not wait for that call's oneways.
pub const FLAG_NESTED: u8 = 1 << 2;

/// What a message is.
#[derive(Debug, Copy, Clone, Eq, PartialEq)]
#[repr(u8)]
pub enum Kind {
    /// A call on an object.
    Transaction = 1,
    /// The reply to a two-way transaction.
    Reply = 2,
    /// The sender dropped its last handle to one of the receiver's objects.
    Release = 3,
    /// The sender found a protocol error and is closing the connection; the
    /// payload is the reason, UTF-8.
    ProtocolError = 4,
    /// More payload of the message before it.
    Continuation = 5,
}

impl Kind {
    fn from_u8(b: u8) -> Option<Kind> {
        Some(match b {
            1 => Kind::Transaction,
            2 => Kind::Reply,
            3 => Kind::Release,
            4 => Kind::ProtocolError,
            5 => Kind::Continuation,
            _ => return None,
        })
    }
}

/// The decoded fixed part of a first fragment.
#[derive(Debug, Clone, Copy, Eq, PartialEq)]
pub struct Header {
    /// What the message is.
    pub kind: Kind,
    /// [`FLAG_ONEWAY`], [`FLAG_MORE`].
    pub flags: u8,
    /// File descriptors sent with the message.
    pub fd_count: u8,
    /// Matches a reply to its call.
    pub call_id: u64,
    /// Target object (transaction, release).
    pub object: u64,
    /// Method code (transaction) or count (release).
    pub code: u32,
    /// The caller's interface version.
    pub version: u32,
    /// Payload bytes in all fragments.
    pub payload_len: u32,
    /// Descriptor bytes, in the first fragment right after the header.
    pub descriptor_len: u16,
}

impl Header {
    /// A header with everything but the kind zero.
    pub fn new(kind: Kind) -> Header {
        Header {
            kind,
            flags: 0,
            fd_count: 0,
            call_id: 0,
            object: 0,
            code: 0,
            version: 0,
            payload_len: 0,
            descriptor_len: 0,
        }
    }

    /// Whether the transaction is oneway.
    pub fn is_oneway(&self) -> bool {
        self.flags & FLAG_ONEWAY != 0
    }

    /// Writes the header into the first [`HEADER_LEN`] bytes of `out`.
    pub fn encode(&self, out: &mut [u8]) {
        out[0..4].copy_from_slice(&MAGIC.to_le_bytes());
        out[4] = PROTOCOL_VERSION;
        out[5] = self.kind as u8;
        out[6] = self.flags;
        out[7] = self.fd_count;
        out[8..16].copy_from_slice(&self.call_id.to_le_bytes());
        out[16..24].copy_from_slice(&self.object.to_le_bytes());
        out[24..28].copy_from_slice(&self.code.to_le_bytes());
        out[28..32].copy_from_slice(&self.version.to_le_bytes());
        out[32..36].copy_from_slice(&self.payload_len.to_le_bytes());
        out[36..38].copy_from_slice(&self.descriptor_len.to_le_bytes());
        out[38..40].copy_from_slice(&[0, 0]);
    }

    /// Decodes and checks the header of a first fragment.
    pub fn decode(frame: &[u8]) -> Result<Header, TransportError> {
        if frame.len() < CONTINUATION_HEADER_LEN {
            return Err(protocol(format!(
                "truncated frame: {} bytes, a header needs {HEADER_LEN}",
                frame.len()
            )));
        }
        check_prefix(frame)?;
        let kind = Kind::from_u8(frame[5])
            .ok_or_else(|| protocol(format!("unknown message kind {}", frame[5])))?;
        if kind == Kind::Continuation {
            return Err(protocol(
                "continuation fragment without a message before it".into(),
            ));
        }
        if frame.len() < HEADER_LEN {
            return Err(protocol(format!(
                "truncated frame: {} bytes, a header needs {HEADER_LEN}",
                frame.len()
            )));
        }
        let u32_at = |o: usize| u32::from_le_bytes(frame[o..o + 4].try_into().expect("4 bytes"));
        let u64_at = |o: usize| u64::from_le_bytes(frame[o..o + 8].try_into().expect("8 bytes"));
        Ok(Header {
            kind,
            flags: frame[6],
            fd_count: frame[7],
            call_id: u64_at(8),
            object: u64_at(16),
            code: u32_at(24),
            version: u32_at(28),
            payload_len: u32_at(32),
            descriptor_len: u16::from_le_bytes([frame[36], frame[37]]),
        })
    }
}

/// Writes a continuation header for `call_id`.
pub fn encode_continuation(call_id: u64, more: bool, out: &mut [u8]) {
    out[0..4].copy_from_slice(&MAGIC.to_le_bytes());
    out[4] = PROTOCOL_VERSION;
    out[5] = Kind::Continuation as u8;
    out[6] = if more { FLAG_MORE } else { 0 };
    out[7] = 0;
    out[8..16].copy_from_slice(&call_id.to_le_bytes());
}

/// Checks a continuation fragment; returns whether more follow.
pub fn decode_continuation(frame: &[u8], call_id: u64) -> Result<bool, TransportError> {
    if frame.len() < CONTINUATION_HEADER_LEN {
        return Err(protocol(format!(
            "truncated continuation fragment: {} bytes, its header needs {CONTINUATION_HEADER_LEN}",
            frame.len()
        )));
    }
    check_prefix(frame)?;
    if frame[5] != Kind::Continuation as u8 {
        return Err(protocol(format!(
            "expected a continuation fragment of call {call_id}, got message kind {}",
            frame[5]
        )));
    }
    let id = u64::from_le_bytes(frame[8..16].try_into().expect("8 bytes"));
    if id != call_id {
        return Err(protocol(format!(
            "continuation fragment of call {id} inside call {call_id}"
        )));
    }
    Ok(frame[6] & FLAG_MORE != 0)
}

/// A message being put together from its fragments.
///
/// Pure (no socket): the connection feeds it what `recvmsg` returned, and
/// the fuzz target feeds it arbitrary bytes.
#[derive(Debug)]
pub struct Assembly {
    header: Header,
    data: Vec<u8>,
    total: usize,
    more: bool,
}

impl Assembly {
    /// Starts a message from its first fragment, which arrived with
    /// `fds_received` file descriptors.
    pub fn begin(
        frame: &[u8],
        fds_received: usize,
        max_message: usize,
        max_fds: usize,
    ) -> Result<Assembly, TransportError> {
        let h = Header::decode(frame)?;
        if usize::from(h.fd_count) != fds_received {
            return Err(protocol(format!(
                "fd-count mismatch: the header announces {} file descriptors, {fds_received} arrived",
                h.fd_count
            )));
        }
        if fds_received > max_fds {
            return Err(protocol(format!(
                "{fds_received} file descriptors exceed the limit of {max_fds}"
            )));
        }
        if h.payload_len as usize > max_message {
            return Err(protocol(format!(
                "message of {} bytes exceeds the limit of {max_message} bytes",
                h.payload_len
            )));
        }
        let total = h.descriptor_len as usize + h.payload_len as usize;
        let first = frame.len() - HEADER_LEN;
        if first > total {
            return Err(protocol(format!(
                "frame carries {first} bytes after its header, the header announces {total}"
            )));
        }
        let more = h.flags & FLAG_MORE != 0;
        if !more && first != total {
            return Err(protocol(format!(
                "truncated message: {first} of {total} bytes, and no more fragments announced"
            )));
        }
        if more && first == total {
            return Err(protocol(
                "more fragments announced after the last byte".into(),
            ));
        }
        let mut data = Vec::with_capacity(total);
        data.extend_from_slice(&frame[HEADER_LEN..]);
        Ok(Assembly {
            header: h,
            data,
            total,
            more,
        })
    }

    /// Whether every byte has arrived.
    pub fn is_complete(&self) -> bool {
        self.data.len() == self.total
    }

    /// Bytes so far and in all.
    pub fn progress(&self) -> (usize, usize) {
        (self.data.len(), self.total)
    }

    /// Adds a continuation fragment.
    pub fn push(&mut self, frame: &[u8]) -> Result<(), TransportError> {
        if !self.more {
            return Err(protocol("continuation fragment after the last one".into()));
        }
        self.more = decode_continuation(frame, self.header.call_id)?;
        self.data
            .extend_from_slice(&frame[CONTINUATION_HEADER_LEN..]);
        if self.data.len() > self.total {
            return Err(protocol(format!(
                "message overran its announced {} bytes",
                self.total
            )));
        }
        if self.more == (self.data.len() == self.total) {
            return Err(protocol(format!(
                "fragment flags disagree with the length: {} of {} bytes, more fragments {}",
                self.data.len(),
                self.total,
                if self.more {
                    "announced"
                } else {
                    "not announced"
                }
            )));
        }
        Ok(())
    }

    /// The header and the bytes (descriptor, then payload) of a complete message.
    pub fn finish(self) -> (Header, Vec<u8>) {
        debug_assert!(self.is_complete());
        (self.header, self.data)
    }
}

fn check_prefix(frame: &[u8]) -> Result<(), TransportError> {
    let magic = u32::from_le_bytes(frame[0..4].try_into().expect("4 bytes"));
    if magic != MAGIC {
        return Err(protocol(format!(
            "bad magic {magic:#010x}, expected {MAGIC:#010x}"
        )));
    }
    if frame[4] != PROTOCOL_VERSION {
        return Err(protocol(format!(
            "protocol version {} is not the supported {PROTOCOL_VERSION}",
            frame[4]
        )));
    }
    Ok(())
}

fn protocol(why: String) -> TransportError {
    TransportError::Protocol(why)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips() {
        let h = Header {
            kind: Kind::Transaction,
            flags: FLAG_ONEWAY,
            fd_count: 3,
            call_id: 0x1122334455667788,
            object: 7,
            code: 42,
            version: 2,
            payload_len: 1000,
            descriptor_len: 17,
        };
        let mut buf = [0u8; HEADER_LEN];
        h.encode(&mut buf);
        assert_eq!(Header::decode(&buf).unwrap(), h);
    }

    #[test]
    fn short_frame_is_a_protocol_error_naming_the_length() {
        let err = Header::decode(&[0u8; 5]).unwrap_err();
        assert_eq!(
            err,
            TransportError::Protocol("truncated frame: 5 bytes, a header needs 40".into())
        );
    }

    #[test]
    fn bad_magic_is_a_protocol_error() {
        let mut buf = [0u8; HEADER_LEN];
        Header::new(Kind::Reply).encode(&mut buf);
        buf[0] = b'X';
        assert!(
            matches!(Header::decode(&buf), Err(TransportError::Protocol(m)) if m.contains("bad magic"))
        );
    }

    #[test]
    fn unknown_kind_is_a_protocol_error() {
        let mut buf = [0u8; HEADER_LEN];
        Header::new(Kind::Reply).encode(&mut buf);
        buf[5] = 99;
        assert!(
            matches!(Header::decode(&buf), Err(TransportError::Protocol(m)) if m.contains("unknown message kind 99"))
        );
    }

    #[test]
    fn continuation_of_another_call_is_rejected() {
        let mut buf = [0u8; CONTINUATION_HEADER_LEN];
        encode_continuation(5, false, &mut buf);
        assert_eq!(decode_continuation(&buf, 5), Ok(false));
        assert!(decode_continuation(&buf, 6).is_err());
    }
}
