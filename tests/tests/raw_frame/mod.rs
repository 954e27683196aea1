//! A hostile client: its own SOCK_SEQPACKET connection to a service's
//! endpoint, and frames built by hand after the format documented in
//! `ipc/src/wire.rs` (deliberately not with the crate's own encoder, so a
//! change of the format on one side shows up here).

use rustix::fd::{BorrowedFd, OwnedFd};
use rustix::net::{
    self, AddressFamily, RecvFlags, SendAncillaryBuffer, SendAncillaryMessage, SendFlags,
    SocketType,
};
use std::io::IoSlice;
use std::mem::MaybeUninit;
use std::path::Path;
use yunhal_ipc::Status;
use yunhal_tests::harness::SAFETY_TIMEOUT;

pub const MAGIC: &[u8; 4] = b"YHAL";
pub const PROTOCOL_VERSION: u8 = 1;
pub const HEADER_LEN: usize = 40;
pub const KIND_TRANSACTION: u8 = 1;
pub const KIND_REPLY: u8 = 2;
pub const KIND_RELEASE: u8 = 3;
pub const KIND_PROTOCOL_ERROR: u8 = 4;
pub const FLAG_MORE: u8 = 1 << 1;

/// One first fragment, field by field.
#[derive(Debug, Clone)]
pub struct Frame {
    pub kind: u8,
    pub flags: u8,
    pub fd_count: u8,
    pub call_id: u64,
    pub object: u64,
    pub code: u32,
    pub version: u32,
    /// The announced payload length; `None`: the real one.
    pub payload_len: Option<u32>,
    pub descriptor: Vec<u8>,
    pub payload: Vec<u8>,
}

impl Frame {
    /// A well-formed two-way transaction.
    pub fn transaction(
        call_id: u64,
        object: u64,
        descriptor: &str,
        code: u32,
        payload: Vec<u8>,
    ) -> Frame {
        Frame {
            kind: KIND_TRANSACTION,
            flags: 0,
            fd_count: 0,
            call_id,
            object,
            code,
            version: 1,
            payload_len: None,
            descriptor: descriptor.as_bytes().to_vec(),
            payload,
        }
    }

    /// The bytes on the wire.
    pub fn encode(&self) -> Vec<u8> {
        let payload_len = self.payload_len.unwrap_or(self.payload.len() as u32);
        let mut out = Vec::with_capacity(HEADER_LEN + self.descriptor.len() + self.payload.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&[PROTOCOL_VERSION, self.kind, self.flags, self.fd_count]);
        out.extend_from_slice(&self.call_id.to_le_bytes());
        out.extend_from_slice(&self.object.to_le_bytes());
        out.extend_from_slice(&self.code.to_le_bytes());
        out.extend_from_slice(&self.version.to_le_bytes());
        out.extend_from_slice(&payload_len.to_le_bytes());
        out.extend_from_slice(&(self.descriptor.len() as u16).to_le_bytes());
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&self.descriptor);
        out.extend_from_slice(&self.payload);
        out
    }
}

/// A frame the service sent.
#[derive(Debug)]
pub struct Received {
    pub kind: u8,
    pub call_id: u64,
    /// After the header and the descriptor.
    pub payload: Vec<u8>,
}

impl Received {
    /// A reply's result: the encoded value, or the `Status` it carries.
    pub fn reply(&self) -> Result<Vec<u8>, Status> {
        assert_eq!(self.kind, KIND_REPLY, "not a reply: {self:?}");
        match self.payload.split_first() {
            Some((0, value)) => Ok(value.to_vec()),
            Some((1, status)) => {
                Err(postcard::from_bytes::<Status>(status).expect("a Status after status byte 1"))
            }
            _ => panic!("reply without a status byte: {self:?}"),
        }
    }

    /// A protocol error's reason.
    pub fn protocol_error(&self) -> String {
        assert_eq!(
            self.kind, KIND_PROTOCOL_ERROR,
            "not a protocol error: {self:?}"
        );
        String::from_utf8_lossy(&self.payload).into_owned()
    }
}

/// A raw connection to an endpoint.
pub struct RawConnection {
    sock: OwnedFd,
}

impl RawConnection {
    /// Connects to `endpoint`; receives time out after the safety time-out.
    pub fn connect(endpoint: &Path) -> RawConnection {
        let sock = net::socket_with(
            AddressFamily::UNIX,
            SocketType::SEQPACKET,
            net::SocketFlags::CLOEXEC,
            None,
        )
        .expect("socket");
        let addr = net::SocketAddrUnix::new(endpoint).expect("socket address");
        net::connect(&sock, &addr).expect("connect to the endpoint");
        net::sockopt::set_socket_timeout(&sock, net::sockopt::Timeout::Recv, Some(SAFETY_TIMEOUT))
            .expect("receive time-out");
        RawConnection { sock }
    }

    /// Sends one record, with `fds` attached.
    pub fn send(&self, record: &[u8], fds: &[BorrowedFd<'_>]) {
        let mut space = [MaybeUninit::<u8>::uninit(); rustix::cmsg_space!(ScmRights(32))];
        let mut control = SendAncillaryBuffer::new(&mut space);
        if !fds.is_empty() {
            assert!(
                control.push(SendAncillaryMessage::ScmRights(fds)),
                "room for the fds"
            );
        }
        net::sendmsg(
            &self.sock,
            &[IoSlice::new(record)],
            &mut control,
            SendFlags::NOSIGNAL,
        )
        .expect("sendmsg");
    }

    /// Sends a frame without fds.
    pub fn send_frame(&self, frame: &Frame) {
        self.send(&frame.encode(), &[]);
    }

    /// The next frame, `None` at end of stream. Panics on the safety
    /// time-out.
    pub fn recv(&self) -> Option<Received> {
        let mut buf = vec![0u8; 64 * 1024];
        let (_, len) = net::recv(&self.sock, &mut buf[..], RecvFlags::empty())
            .unwrap_or_else(|e| panic!("no frame and no end of stream: {e}"));
        if len == 0 {
            return None;
        }
        assert!(
            len >= HEADER_LEN,
            "short frame from the service: {:?}",
            &buf[..len]
        );
        let u32_at = |o: usize| u32::from_le_bytes(buf[o..o + 4].try_into().expect("4 bytes"));
        assert_eq!(&buf[0..4], MAGIC);
        let payload_len = u32_at(32) as usize;
        let descriptor_len = u16::from_le_bytes([buf[36], buf[37]]) as usize;
        let start = HEADER_LEN + descriptor_len;
        assert_eq!(len, start + payload_len, "one unfragmented frame");
        Some(Received {
            kind: buf[5],
            call_id: u64::from_le_bytes(buf[8..16].try_into().expect("8 bytes")),
            payload: buf[start..len].to_vec(),
        })
    }

    /// Sends `frame` and returns the reply's result.
    pub fn call(&self, frame: &Frame) -> Result<Vec<u8>, Status> {
        self.send_frame(frame);
        let reply = self.recv().expect("a reply, not the end of the stream");
        assert_eq!(reply.call_id, frame.call_id, "the reply names the call");
        reply.reply()
    }

    /// Expects a protocol-error frame, then the end of the stream; returns
    /// the reason.
    pub fn expect_protocol_error_then_eof(&self) -> String {
        let frame = self
            .recv()
            .expect("a protocol error frame before the end of the stream");
        let reason = frame.protocol_error();
        assert!(
            self.recv().is_none(),
            "the service closes the connection after a protocol error"
        );
        reason
    }
}

impl RawConnection {
    /// Sends `frame` again and again without reading replies, until the
    /// service stops taking them (the socket stays full for `quiet`);
    /// returns how many were sent.
    pub fn flood(&self, frame: &Frame, quiet: std::time::Duration) -> usize {
        let record = frame.encode();
        let mut sent = 0;
        loop {
            match net::send(
                &self.sock,
                &record,
                SendFlags::NOSIGNAL | SendFlags::DONTWAIT,
            ) {
                Ok(_) => sent += 1,
                Err(rustix::io::Errno::AGAIN) => {
                    let mut fds = [rustix::event::PollFd::new(
                        &self.sock,
                        rustix::event::PollFlags::OUT,
                    )];
                    let t = rustix::time::Timespec {
                        tv_sec: quiet.as_secs() as i64,
                        tv_nsec: i64::from(quiet.subsec_nanos()),
                    };
                    if rustix::event::poll(&mut fds, Some(&t)).expect("poll") == 0 {
                        return sent;
                    }
                }
                Err(e) => panic!("send: {e}"),
            }
        }
    }

    /// Whether the service shut the connection down (without reading what
    /// is queued).
    pub fn is_hung_up(&self) -> bool {
        let mut fds = [rustix::event::PollFd::new(
            &self.sock,
            rustix::event::PollFlags::RDHUP,
        )];
        let zero = rustix::time::Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        rustix::event::poll(&mut fds, Some(&zero)).expect("poll");
        fds[0]
            .revents()
            .intersects(rustix::event::PollFlags::RDHUP | rustix::event::PollFlags::HUP)
    }
}
