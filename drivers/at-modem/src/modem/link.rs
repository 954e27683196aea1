//! The link to the modem: the channel of the port's current opening, and
//! the health of the link (consecutive timeouts, a lost port, recovery).
//!
//! Every command goes through [`Link::run`], which counts timeouts, and
//! wakes the worker thread when the modem looks lost. While the worker
//! recovers the modem, commands from other threads fail at once.

use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use super::error::ModemError;
use crate::at::{AtChannel, AtError, Command, Notification, Response};

/// What wakes the worker thread.
#[derive(Debug)]
pub(crate) enum Event {
    /// A notification of the channel of opening `generation`.
    Note { generation: u64, note: Notification },
    /// A command timed out or the port failed: look at the link's health.
    Check,
    /// Something the worker polls changed (a call started): plan again.
    Wake,
    /// The modem is being dropped.
    Stop,
}

struct Current {
    generation: u64,
    channel: Arc<AtChannel>,
}

/// Sees each notification on the reader thread, in line order, before the
/// worker does and before the command that the line preceded returns.
pub(crate) type Observer = Arc<dyn Fn(&Notification) + Send + Sync>;

pub(crate) struct Link {
    current: RwLock<Option<Current>>,
    observer: Observer,
    generations: AtomicU64,
    events: Sender<Event>,
    worker: OnceLock<ThreadId>,
    recovering: AtomicBool,
    lost: AtomicBool,
    timeouts: AtomicU32,
    threshold: u32,
    last_answer: Mutex<Instant>,
}

impl Link {
    pub fn new(events: Sender<Event>, threshold: u32, observer: Observer) -> Link {
        Link {
            current: RwLock::new(None),
            observer,
            generations: AtomicU64::new(0),
            events,
            worker: OnceLock::new(),
            recovering: AtomicBool::new(false),
            lost: AtomicBool::new(false),
            timeouts: AtomicU32::new(0),
            threshold: threshold.max(1),
            last_answer: Mutex::new(Instant::now()),
        }
    }

    /// Makes a channel over a fresh opening of the port the current one;
    /// its notifications go to the worker tagged with its generation.
    pub fn install<R, W>(&self, reader: R, writer: W) -> std::io::Result<u64>
    where
        R: Read + Send + 'static,
        W: Write + Send + 'static,
    {
        let generation = self.generations.fetch_add(1, Ordering::Relaxed) + 1;
        let events = self.events.clone();
        let observer = Arc::clone(&self.observer);
        let channel = AtChannel::with_sink(reader, writer, move |note| {
            observer(&note);
            // The worker gone means the modem is being dropped.
            let _ = events.send(Event::Note { generation, note });
        })?;
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Some(Current {
            generation,
            channel: Arc::new(channel),
        });
        self.lost.store(false, Ordering::Release);
        self.timeouts.store(0, Ordering::Release);
        Ok(generation)
    }

    /// The generation of the current opening (0: none yet).
    pub fn generation(&self) -> u64 {
        self.read_current().map_or(0, |(generation, _)| generation)
    }

    fn read_current(&self) -> Option<(u64, Arc<AtChannel>)> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map(|c| (c.generation, Arc::clone(&c.channel)))
    }

    /// Marks the calling thread as the worker, which may send commands
    /// during recovery.
    pub fn set_worker(&self) {
        let _ = self.worker.set(thread::current().id());
    }

    fn on_worker(&self) -> bool {
        self.worker.get() == Some(&thread::current().id())
    }

    /// Sends `command` and waits at most `timeout` for its end.
    pub fn run(&self, command: Command, timeout: Duration) -> Result<Response, ModemError> {
        if self.is_recovering() && !self.on_worker() {
            return Err(ModemError::Recovering);
        }
        let Some((_, channel)) = self.read_current() else {
            return Err(ModemError::Recovering);
        };
        let text = command.text().to_owned();
        let result = channel.command(command, timeout);
        match &result {
            Ok(_) | Err(AtError::Cme(_) | AtError::Cms(_) | AtError::Error) => {
                self.timeouts.store(0, Ordering::Release);
                *self.last_answer.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
            }
            Err(AtError::Timeout { .. }) => {
                self.timeouts.fetch_add(1, Ordering::AcqRel);
                self.ask_for_check();
            }
            Err(AtError::Closed | AtError::Io { .. }) => {
                self.lost.store(true, Ordering::Release);
                self.ask_for_check();
            }
            Err(_) => {}
        }
        result.map_err(|e| ModemError::command(&text, e))
    }

    fn ask_for_check(&self) {
        if !self.on_worker() {
            let _ = self.events.send(Event::Check);
        }
    }

    /// Makes the worker plan its polling again.
    pub fn wake_worker(&self) {
        if !self.on_worker() {
            let _ = self.events.send(Event::Wake);
        }
    }

    /// Tells the worker to end.
    pub fn stop_worker(&self) {
        let _ = self.events.send(Event::Stop);
    }

    /// The port failed (its channel reported the end of the stream).
    pub fn mark_lost(&self) {
        self.lost.store(true, Ordering::Release);
    }

    /// Consecutive timeouts since the modem last answered.
    pub fn timeouts(&self) -> u32 {
        self.timeouts.load(Ordering::Acquire)
    }

    /// Why the modem counts as lost, if it does.
    pub fn lost_reason(&self) -> Option<String> {
        if self.is_recovering() {
            return None;
        }
        if self.lost.load(Ordering::Acquire) {
            return Some("the port closed".to_owned());
        }
        let timeouts = self.timeouts();
        (timeouts >= self.threshold).then(|| format!("{timeouts} commands timed out"))
    }

    pub fn is_recovering(&self) -> bool {
        self.recovering.load(Ordering::Acquire)
    }

    pub fn set_recovering(&self, on: bool) {
        if !on {
            self.timeouts.store(0, Ordering::Release);
            self.lost.store(false, Ordering::Release);
        }
        self.recovering.store(on, Ordering::Release);
    }

    /// How long since the modem last answered a command.
    pub fn quiet_for(&self) -> Duration {
        self.last_answer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .elapsed()
    }
}
