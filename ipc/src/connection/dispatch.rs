//! Running what was read: transactions (two-way and oneway, in order),
//! releases, death.

use super::*;

impl Connection {
    pub(super) fn run(self: &Arc<Self>, work: Work) {
        match work {
            Work::Nothing => {}
            Work::TwoWay(msg, after_oneways) => {
                {
                    let mut st = self.lock();
                    while st.oneway_done < after_oneways && st.dead.is_none() {
                        st.waiters += 1;
                        st = self.cond.wait(st).unwrap_or_else(|p| p.into_inner());
                        st.waiters -= 1;
                    }
                }
                let call_id = msg.header.call_id;
                let (result, fds) = self.dispatch(msg);
                let (reply, fds) = match result {
                    // Already laid out as the reply (see `dispatch`).
                    Ok(reply) => (reply, fds),
                    Err(status) => {
                        let mut reply = vec![0u8; HEADER_LEN];
                        reply.push(1);
                        let reply = crate::parcel::append(&status, reply)
                            .unwrap_or_else(|_| vec![0u8; HEADER_LEN]);
                        (reply, Vec::new())
                    }
                };
                let mut h = Header::new(Kind::Reply);
                h.call_id = call_id;
                h.payload_len = (reply.len() - HEADER_LEN) as u32;
                match self.send(h, reply, fds.into(), true) {
                    Ok(()) => {}
                    // A result over the limits still gets an answer: the error.
                    Err(e @ Status::Transport(TransportError::TooLarge { .. })) => {
                        let mut reply = vec![0u8; HEADER_LEN];
                        reply.push(1);
                        let reply = crate::parcel::append(&e, reply)
                            .unwrap_or_else(|_| vec![0u8; HEADER_LEN]);
                        h.payload_len = (reply.len() - HEADER_LEN) as u32;
                        if let Err(e) = self.send(h, reply, Vec::new().into(), true) {
                            tracing::debug!(connection = self.id, "error reply not sent: {e}");
                        }
                    }
                    Err(e) => tracing::debug!(connection = self.id, "reply not sent: {e}"),
                }
            }
            Work::DrainOneways => loop {
                let msg = {
                    let mut st = self.lock();
                    if st.oneway_running {
                        return;
                    }
                    let Some(msg) = st.oneways.pop_front() else {
                        return;
                    };
                    st.oneway_running = true;
                    self.maybe_rearm(&mut st, false);
                    msg
                };
                let (result, _fds) = self.dispatch(msg);
                if let Err(status) = result {
                    tracing::warn!(
                        connection = self.id,
                        pid = self.peer.pid,
                        "oneway call failed: {status}"
                    );
                }
                let mut st = self.lock();
                st.oneway_running = false;
                st.oneway_done += 1;
                if st.waiters > 0 {
                    self.cond.notify_all();
                }
            },
            Work::Release(object, count) => {
                let mut objs = self.objects();
                let remove = match objs.exports.get_mut(&object) {
                    Some(e) => {
                        e.sent = e.sent.saturating_sub(count);
                        e.sent == 0
                    }
                    None => {
                        tracing::debug!(
                            connection = self.id,
                            object,
                            "release of an unknown object"
                        );
                        false
                    }
                };
                if remove {
                    if let Some(e) = objs.exports.remove(&object) {
                        objs.by_key.remove(&e.key);
                    }
                }
            }
            Work::Die(reason) => self.die(reason),
        }
    }

    /// Runs one transaction; returns the encoded result and its fds. The
    /// result comes after room for the reply's header and its status byte
    /// (0, success), so that it is sent without another copy.
    pub(super) fn dispatch(
        self: &Arc<Self>,
        msg: Incoming,
    ) -> (Result<Vec<u8>, Status>, Vec<OwnedFd>) {
        let h = msg.header;
        let desc_len = h.descriptor_len as usize;
        let Ok(descriptor) = std::str::from_utf8(&msg.data[..desc_len]) else {
            return (
                Err(Status::exception(
                    ExceptionCode::BadParcelable,
                    "descriptor is not UTF-8",
                )),
                Vec::new(),
            );
        };
        let Some(binder) = self.local_object(h.object) else {
            return (
                Err(Status::exception(
                    ExceptionCode::StaleHandle,
                    format!(
                        "object {} does not exist on this connection (released, or never existed)",
                        h.object
                    ),
                )),
                Vec::new(),
            );
        };
        if binder.descriptor() != descriptor {
            return (
                Err(Status::exception(
                    ExceptionCode::WrongInterface,
                    format!(
                        "object {} implements {}, the call names {descriptor}",
                        h.object,
                        binder.descriptor()
                    ),
                )),
                Vec::new(),
            );
        }
        let Some(method) = binder.method_name(h.code) else {
            return (
                Err(Status::exception(
                    ExceptionCode::UnknownMethod,
                    format!(
                        "method code {} is not part of {descriptor} version {} (the caller speaks version {})",
                        h.code,
                        binder.version(),
                        h.version
                    ),
                )),
                Vec::new(),
            );
        };
        if let Some(rt) = self.runtime.upgrade() {
            if let Err(status) = rt.check_policy(&self.peer, descriptor, method) {
                tracing::warn!(
                    uid = self.peer.uid,
                    pid = self.peer.pid,
                    "denied {descriptor}.{method}: {status}"
                );
                return (Err(status), Vec::new());
            }
        }
        let payload = &msg.data[desc_len..];
        let (result, fds) = with_dispatch_context(self, msg.fds, || {
            with_caller(&self.peer, || {
                let mut out = Vec::with_capacity(256);
                out.resize(HEADER_LEN + 1, 0);
                catch_unwind(AssertUnwindSafe(|| {
                    binder.transact(h.code, payload, &mut out)
                }))
                .map_err(|panic| {
                    let what = panic
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "a panic".into());
                    tracing::error!("{descriptor}.{method} panicked: {what}");
                    Status::exception(
                        ExceptionCode::ServiceFailed,
                        format!("{descriptor}.{method} panicked: {what}"),
                    )
                })
                .and_then(|r| r.map(|()| out))
            })
        });
        (result, fds)
    }
}
