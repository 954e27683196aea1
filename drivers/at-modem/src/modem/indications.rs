//! The queue of [`Indication`]s between the worker thread and
//! `next_indication` callers.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use yunhal::modem::Indication;

pub(crate) struct Indications {
    queue: Mutex<VecDeque<Indication>>,
    arrived: Condvar,
    capacity: usize,
}

impl Indications {
    pub fn new(capacity: usize) -> Indications {
        Indications {
            queue: Mutex::new(VecDeque::new()),
            arrived: Condvar::new(),
            capacity: capacity.max(1),
        }
    }

    /// Queues `indication`; the oldest one goes if the queue is full.
    pub fn push(&self, indication: Indication) {
        let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        if queue.len() >= self.capacity {
            if let Some(dropped) = queue.pop_front() {
                tracing::warn!(?dropped, "indication queue full, oldest dropped");
            }
        }
        tracing::debug!(?indication, "indication");
        queue.push_back(indication);
        self.arrived.notify_one();
    }

    /// The oldest indication, waiting at most `timeout` for one.
    pub fn pop(&self, timeout: Duration) -> Option<Indication> {
        let deadline = Instant::now().checked_add(timeout);
        let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(indication) = queue.pop_front() {
                return Some(indication);
            }
            let wait = match deadline {
                Some(deadline) => deadline.checked_duration_since(Instant::now())?,
                // A timeout too long for the clock: wait in long steps.
                None => Duration::from_secs(3600),
            };
            if wait.is_zero() {
                return None;
            }
            queue = self
                .arrived
                .wait_timeout(queue, wait)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_queue_drops_the_oldest_and_keeps_order() {
        let queue = Indications::new(2);
        queue.push(Indication::Available(false));
        queue.push(Indication::Available(true));
        queue.push(Indication::Sim(yunhal::modem::SimStatus::Ready));

        assert_eq!(queue.pop(Duration::ZERO), Some(Indication::Available(true)));
        assert_eq!(
            queue.pop(Duration::ZERO),
            Some(Indication::Sim(yunhal::modem::SimStatus::Ready))
        );
        assert_eq!(queue.pop(Duration::from_millis(5)), None);
    }
}
