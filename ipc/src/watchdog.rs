//! The spare-reader watchdog: hands a connection back to epoll when the
//! thread that owns its reading has been busy running one request for a
//! while.
//!
//! A pool thread that reads a request runs it itself without putting the
//! connection back into epoll first (two `epoll_ctl` calls per request
//! saved), so while it runs nobody reads that connection. That is fine for
//! quick requests; for a slow one, the connection's other callers would
//! wait for it. The watchdog looks at the connections whose owner is busy
//! once per tick, and one whose owner is still in the request it was in at
//! the previous tick (so busy for at least one tick) is re-armed in epoll,
//! where another pool thread takes it up, as binder's driver asks for a
//! spare looper (`BR_SPAWN_LOOPER`) when its threads are all busy.
//!
//! The thread ticks only while some connection was busy since the previous
//! tick, and sleeps otherwise; registering costs a connection one lock of
//! the list when it becomes busy after a quiet tick.

use crate::connection::Connection;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::time::Duration;

/// How long a request may hold its connection's reading before the
/// connection is handed to another thread: between one and two ticks.
const TICK: Duration = Duration::from_millis(4);

/// `seen` of a connection that no tick has looked at yet.
const NOT_SEEN: u64 = u64::MAX;

#[derive(Default)]
struct Watched {
    /// Each connection with the generation of its owner's work at the
    /// previous tick.
    conns: Vec<(Weak<Connection>, u64)>,
    started: bool,
    stopped: bool,
}

#[derive(Default)]
pub(crate) struct Watchdog {
    watched: Mutex<Watched>,
    cond: Condvar,
}

impl Watchdog {
    fn lock(&self) -> MutexGuard<'_, Watched> {
        self.watched.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts watching `conn` (which marks itself as watched, so this is
    /// called once per busy spell, not once per request).
    pub(crate) fn watch(self: &Arc<Self>, conn: &Arc<Connection>) {
        let mut w = self.lock();
        if w.stopped {
            return;
        }
        w.conns.push((Arc::downgrade(conn), NOT_SEEN));
        if !w.started {
            w.started = true;
            let dog = self.clone();
            if let Err(e) = std::thread::Builder::new()
                .name("yunhal-ipc-watchdog".into())
                .spawn(move || dog.run())
            {
                tracing::error!("IPC watchdog thread not started: {e}");
                w.started = false;
            }
        } else if w.conns.len() == 1 {
            self.cond.notify_one();
        }
    }

    /// Stops the thread (at runtime shutdown).
    pub(crate) fn stop(&self) {
        let mut w = self.lock();
        w.stopped = true;
        w.conns.clear();
        self.cond.notify_one();
    }

    fn run(&self) {
        loop {
            let mut w = self.lock();
            while w.conns.is_empty() && !w.stopped {
                w = self.cond.wait(w).unwrap_or_else(|p| p.into_inner());
            }
            if w.stopped {
                return;
            }
            w = self
                .cond
                .wait_timeout(w, TICK)
                .unwrap_or_else(|p| p.into_inner())
                .0;
            if w.stopped {
                return;
            }
            // Connections are looked at without the list locked: a
            // connection registers itself with its own state locked.
            let conns = std::mem::take(&mut w.conns);
            drop(w);
            let kept: Vec<_> = conns
                .into_iter()
                .filter_map(|(weak, seen)| {
                    let conn = weak.upgrade()?;
                    conn.watchdog_tick(seen)
                        .map(|generation| (weak, generation))
                })
                .collect();
            self.lock().conns.extend(kept);
        }
    }
}
