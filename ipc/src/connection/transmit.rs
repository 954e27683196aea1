//! The socket side of a connection: messages out (one sender at a time,
//! the rest queued) and in (fragments put back together).

use super::*;

impl Connection {
    /// Sends one message; `buf` starts with [`HEADER_LEN`] bytes of room.
    ///
    /// At most one thread sends on a connection at a time; a message that
    /// finds another being sent is queued and sent by that thread, so a peer
    /// that stops reading holds one thread (until the send timeout closes
    /// the connection), not every thread that has something to send it.
    /// A reply counts as in flight until it is on the socket.
    pub(super) fn send(
        &self,
        mut h: Header,
        buf: Vec<u8>,
        fds: OutFds,
        reply: bool,
    ) -> Result<(), Status> {
        let payload = buf.len() - HEADER_LEN - h.descriptor_len as usize;
        if payload > self.limits.max_message {
            return Err(TransportError::TooLarge {
                what: "payload bytes".into(),
                size: payload,
                limit: self.limits.max_message,
            }
            .into());
        }
        if fds.len() > self.limits.max_fds {
            return Err(TransportError::TooLarge {
                what: "file descriptors".into(),
                size: fds.len(),
                limit: self.limits.max_fds,
            }
            .into());
        }
        h.fd_count = fds.len() as u8;
        let mut message = Outgoing {
            header: h,
            buf,
            fds,
            reply,
        };
        {
            let mut outbox = self.outbox.lock().unwrap_or_else(|p| p.into_inner());
            if outbox.flushing {
                // Sent after this returns: it must own its descriptors.
                message.fds = message.fds.into_owned().map_err(|e| {
                    TransportError::Io(format!("file descriptor not duplicated: {e}"))
                })?;
                outbox.queue.push_back(message);
                return Ok(());
            }
            outbox.flushing = true;
        }
        let result = self.send_now(message);
        loop {
            let next = {
                let mut outbox = self.outbox.lock().unwrap_or_else(|p| p.into_inner());
                match outbox.queue.pop_front() {
                    Some(m) => m,
                    None => {
                        outbox.flushing = false;
                        break;
                    }
                }
            };
            if let Err(e) = self.send_now(next) {
                tracing::debug!(connection = self.id, "queued message not sent: {e}");
            }
        }
        result
    }

    pub(super) fn send_now(&self, mut m: Outgoing) -> Result<(), Status> {
        let borrowed = m.fds.as_fds();
        let buf = &mut m.buf;
        let h = &mut m.header;
        let result = if buf.len() <= FRAGMENT_MAX {
            h.flags &= !FLAG_MORE;
            h.encode(&mut buf[..HEADER_LEN]);
            sys::send_record(self.sock(), &[IoSlice::new(buf)], &borrowed)
        } else {
            h.flags |= FLAG_MORE;
            h.encode(&mut buf[..HEADER_LEN]);
            let mut r = sys::send_record(
                self.sock(),
                &[IoSlice::new(&buf[..FRAGMENT_MAX])],
                &borrowed,
            );
            let mut offset = FRAGMENT_MAX;
            while r.is_ok() && offset < buf.len() {
                let end = (offset + FRAGMENT_MAX - CONTINUATION_HEADER_LEN).min(buf.len());
                let mut ch = [0u8; CONTINUATION_HEADER_LEN];
                wire::encode_continuation(h.call_id, end < buf.len(), &mut ch);
                r = sys::send_record(
                    self.sock(),
                    &[IoSlice::new(&ch), IoSlice::new(&buf[offset..end])],
                    &[],
                );
                offset = end;
            }
            r
        };
        if m.reply {
            let mut st = self.lock();
            st.in_flight = st.in_flight.saturating_sub(1);
            self.maybe_rearm(&mut st, false);
        }
        result.map_err(|e| {
            let reason = match e.raw_os_error() {
                Some(libc::EPIPE) | Some(libc::ECONNRESET) | Some(libc::ENOTCONN) => {
                    TransportError::DeadObject
                }
                Some(libc::EAGAIN) => TransportError::Protocol(format!(
                    "peer pid {} did not read its socket for {:?}; connection closed",
                    self.peer.pid, self.limits.send_timeout
                )),
                _ => TransportError::Io(e.to_string()),
            };
            if !matches!(reason, TransportError::Io(_)) {
                // The reader sees the end and closes the connection.
                sys::shutdown(self.sock());
            }
            reason.into()
        })
    }

    pub(super) fn send_control(
        &self,
        kind: Kind,
        object: u64,
        code: u32,
        payload: &[u8],
    ) -> Result<(), Status> {
        let mut buf = vec![0u8; HEADER_LEN];
        buf.extend_from_slice(payload);
        let mut h = Header::new(kind);
        h.object = object;
        h.code = code;
        h.payload_len = payload.len() as u32;
        self.send(h, buf, Vec::new().into(), false)
    }

    pub(super) fn read_message(&self, nonblocking: bool) -> Result<Incoming, ReadError> {
        with_recv_bufs(1, |bufs| self.read_into(&mut bufs[0], nonblocking))
    }

    /// Reads one whole message. A message whose fragments have not all
    /// arrived is kept on the connection, and a non-blocking reader returns
    /// `WouldBlock`: a peer that stops in the middle of a message holds its
    /// own connection's buffer, not a thread.
    pub(super) fn read_into(
        &self,
        buf: &mut [u8],
        nonblocking: bool,
    ) -> Result<Incoming, ReadError> {
        let io = |e: std::io::Error| ReadError::Closed(TransportError::Io(e.to_string()));
        let mut partial = self.partial.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            let received = sys::recv_record(self.sock(), buf, nonblocking).map_err(io)?;
            if let Some(msg) = self.take_record(&mut partial, buf, received)? {
                return Ok(msg);
            }
        }
    }

    /// Reads what has arrived, up to `max` records, with one system call
    /// (waiting for the first unless `nonblocking`), like [`read_into`]
    /// otherwise. Gives the whole messages read, then the error that ended
    /// the batch if one did (`WouldBlock` only when nothing was read).
    ///
    /// [`read_into`]: Self::read_into
    pub(super) fn read_batch(
        &self,
        max: usize,
        nonblocking: bool,
    ) -> (Vec<Incoming>, Option<ReadError>) {
        let io = |e: std::io::Error| ReadError::Closed(TransportError::Io(e.to_string()));
        let max = max.clamp(1, sys::RECV_BATCH);
        with_recv_bufs(max, |bufs| {
            let mut partial = self.partial.lock().unwrap_or_else(|p| p.into_inner());
            let mut msgs = Vec::new();
            loop {
                let records = match sys::recv_records(self.sock(), &mut bufs[..max], nonblocking) {
                    Ok(r) => r,
                    Err(e) => return (msgs, Some(io(e))),
                };
                for (buf, received) in bufs.iter().zip(records) {
                    match self.take_record(&mut partial, buf, received) {
                        Ok(Some(msg)) => msgs.push(msg),
                        Ok(None) => {}
                        Err(ReadError::WouldBlock) if !msgs.is_empty() => return (msgs, None),
                        Err(e) => return (msgs, Some(e)),
                    }
                }
                if !msgs.is_empty() {
                    return (msgs, None);
                }
                // Only fragments of a message not yet whole: read on.
            }
        })
    }

    /// Puts one received record into the message being assembled; gives
    /// the message once it is whole.
    fn take_record(
        &self,
        partial: &mut Option<(wire::Assembly, Vec<OwnedFd>)>,
        buf: &[u8],
        received: Received,
    ) -> Result<Option<Incoming>, ReadError> {
        let protocol = |why: String| ReadError::Closed(TransportError::Protocol(why));
        let (len, fds) = match received {
            Received::WouldBlock => return Err(ReadError::WouldBlock),
            Received::Closed => return Err(ReadError::Closed(TransportError::DeadObject)),
            Received::Record {
                truncated: true, ..
            } => {
                return Err(protocol(format!(
                    "a frame larger than {FRAGMENT_MAX} bytes"
                )));
            }
            Received::Record {
                fds_truncated: true,
                ..
            } => {
                return Err(protocol(format!(
                    "more than {} file descriptors in one message",
                    sys::MAX_FDS_HARD
                )));
            }
            Received::Record { len, fds, .. } => (len, fds),
        };
        let (assembly, first_fds) = match partial.take() {
            Some((mut assembly, first_fds)) => {
                if !fds.is_empty() {
                    return Err(protocol(
                        "file descriptors in a continuation fragment".into(),
                    ));
                }
                assembly.push(&buf[..len]).map_err(ReadError::Closed)?;
                (assembly, first_fds)
            }
            None => {
                let assembly = wire::Assembly::begin(
                    &buf[..len],
                    fds.len(),
                    self.limits.max_message,
                    self.limits.max_fds,
                )
                .map_err(ReadError::Closed)?;
                (assembly, fds)
            }
        };
        if assembly.is_complete() {
            let (header, data) = assembly.finish();
            return Ok(Some(Incoming {
                header,
                data,
                fds: first_fds,
            }));
        }
        *partial = Some((assembly, first_fds));
        Ok(None)
    }
}

/// Runs `f` with this thread's receive buffers, at least `n` of
/// [`FRAGMENT_MAX`] bytes each (made when first needed; untouched pages
/// cost no memory).
fn with_recv_bufs<R>(n: usize, f: impl FnOnce(&mut [Vec<u8>]) -> R) -> R {
    RECV_BUFS.with(|b| {
        let mut bufs = b.borrow_mut();
        while bufs.len() < n {
            bufs.push(vec![0u8; FRAGMENT_MAX]);
        }
        f(&mut bufs)
    })
}
