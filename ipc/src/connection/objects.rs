//! Objects on a connection: exported (ours, with reference counts),
//! imported (handles to the peer's), death notices, and the death itself.

use super::*;

impl Connection {
    pub(crate) fn local_object(&self, id: u64) -> Option<Arc<dyn Binder>> {
        if id < EXPORT_BASE {
            self.runtime.upgrade()?.published(id)
        } else {
            self.objects().exports.get(&id).map(|e| e.binder.clone())
        }
    }

    /// Exports a local object on this connection; the same object gets the
    /// same id each time it is sent.
    pub(crate) fn export<T: ?Sized>(
        self: &Arc<Self>,
        object: &Arc<T>,
        binder: impl FnOnce() -> Arc<dyn Binder>,
    ) -> u64 {
        let key = Arc::as_ptr(object) as *const () as usize;
        // A published object keeps its one id on every connection.
        if let Some(id) = self.runtime.upgrade().and_then(|rt| rt.published_id(key)) {
            return id;
        }
        let id = {
            let mut objs = self.objects();
            if let Some(&id) = objs.by_key.get(&key) {
                objs.exports.get_mut(&id).expect("export of key").sent += 1;
                id
            } else {
                let id = objs.next_export;
                objs.next_export += 1;
                objs.exports.insert(
                    id,
                    Export {
                        binder: binder(),
                        key,
                        sent: 1,
                    },
                );
                objs.by_key.insert(key, id);
                id
            }
        };
        // The peer may call the object at any time: make sure someone reads.
        self.register();
        id
    }

    /// A handle to the peer's object `id`.
    pub(crate) fn import(self: &Arc<Self>, id: u64) -> Handle {
        let mut objs = self.objects();
        // A handle whose last reference is being dropped right now is
        // replaced; its drop then finds another handle in the table and
        // sends no release, so the new entry carries its count on.
        let mut received = 1;
        if let Some(imp) = objs.imports.get_mut(&id) {
            if let Some(inner) = imp.handle.upgrade() {
                imp.received += 1;
                return Handle { inner };
            }
            received += imp.received;
        }
        let inner = Arc::new(HandleInner {
            conn: self.clone(),
            id,
            recipients: Mutex::new(Vec::new()),
        });
        objs.imports.insert(
            id,
            Import {
                handle: Arc::downgrade(&inner),
                received,
            },
        );
        Handle { inner }
    }

    pub(crate) fn handle_dropped(&self, id: u64, inner: *const HandleInner) {
        let count = {
            let mut objs = self.objects();
            match objs.imports.get(&id) {
                Some(imp) if std::ptr::eq(imp.handle.as_ptr(), inner) => {
                    let n = imp.received;
                    objs.imports.remove(&id);
                    n
                }
                _ => return,
            }
        };
        if id >= EXPORT_BASE && !self.is_dead() {
            let count = u32::try_from(count).unwrap_or(u32::MAX);
            let _ = self.send_control(Kind::Release, id, count, &[]);
        }
    }

    pub(crate) fn link_to_death(
        self: &Arc<Self>,
        inner: &HandleInner,
        recipient: Arc<dyn DeathRecipient>,
    ) -> Result<u64, Status> {
        let link = self.next_link.fetch_add(1, Ordering::Relaxed);
        {
            // Under the state lock, so that `die` either sees the recipient
            // or this sees the death.
            let st = self.lock();
            if st.dead.is_some() {
                return Err(TransportError::DeadObject.into());
            }
            inner
                .recipients
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((link, recipient));
        }
        // Death must be noticed even when no call is in flight.
        self.register();
        Ok(link)
    }

    pub(super) fn register(self: &Arc<Self>) {
        if self.lock().registered {
            return;
        }
        if let Some(rt) = self.runtime.upgrade() {
            rt.register_connection(self);
        }
    }

    /// Marks the connection registered with the pool's epoll set.
    pub(crate) fn set_registered(&self) -> bool {
        let mut st = self.lock();
        if st.registered || st.dead.is_some() {
            return false;
        }
        st.registered = true;
        true
    }

    // ---- death ----------------------------------------------------------

    /// Closes the connection: callers get `reason`, death recipients and
    /// the objects the peer could reach are told, once.
    pub(crate) fn die(self: &Arc<Self>, reason: TransportError) {
        {
            let mut st = self.lock();
            if st.dead.is_some() {
                return;
            }
            st.dead = Some(reason.clone());
            st.oneways.clear();
            self.cond.notify_all();
        }
        if let TransportError::Protocol(why) = &reason {
            tracing::warn!(
                connection = self.id,
                pid = self.peer.pid,
                "closing connection: {why}"
            );
            // Best effort: tell the peer why, so its caller sees the reason.
            if !why.starts_with("the peer closed") {
                let _ = self.send_control(Kind::ProtocolError, 0, 0, why.as_bytes());
            }
        }
        sys::shutdown(self.sock());
        let rt = self.runtime.upgrade();
        if let Some(rt) = &rt {
            rt.forget_connection(self);
        }
        let (handles, exports): (Vec<Arc<HandleInner>>, Vec<Arc<dyn Binder>>) = {
            let mut objs = self.objects();
            let handles = objs
                .imports
                .values()
                .filter_map(|i| i.handle.upgrade())
                .collect();
            let exports = objs.exports.drain().map(|(_, e)| e.binder).collect();
            objs.by_key.clear();
            (handles, exports)
        };
        for inner in handles {
            let recipients =
                std::mem::take(&mut *inner.recipients.lock().unwrap_or_else(|p| p.into_inner()));
            let handle = Handle { inner };
            for (_, r) in recipients {
                r.binder_died(&handle);
            }
        }
        for binder in exports {
            binder.on_peer_gone(&self.peer);
        }
        if let Some(rt) = rt {
            for binder in rt.published_all() {
                binder.on_peer_gone(&self.peer);
            }
        }
    }
}
