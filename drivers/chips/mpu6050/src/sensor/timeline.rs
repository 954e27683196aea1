//! Timestamps for frames drained from the FIFO.
//!
//! The FIFO keeps no times. At a read, the newest of the `n` frames waiting
//! was sampled within one period before `now`, so `now - (n - 1 - i) ×
//! period` is an upper bound on frame `i`'s sample time that is less than
//! one period late. The frame after the last one issued, continuing the
//! series by one period, is another upper bound (as long as the chip's
//! clock does not run slow); the earlier of the two is the better
//! estimate, and keeping it holds the series evenly spaced from read to
//! read. Whatever the estimate, an issued timestamp is always later than
//! the one before.

use yunhal::time::Nanos;

/// The timestamps issued so far, and where the series would go on.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Timeline {
    /// The last timestamp issued; the next is later, whatever happens.
    last_issued: Option<Nanos>,
    /// The timestamp the frame after the last one issued gets if the FIFO
    /// kept sampling since; `None` after a FIFO reset (a gap in the series).
    next_in_series: Option<Nanos>,
}

impl Timeline {
    /// The FIFO was emptied: the next frame does not follow the last one.
    pub(crate) fn restart(&mut self) {
        self.next_in_series = None;
    }

    /// The estimated timestamp of the oldest of `waiting` frames in the
    /// FIFO at `now`, the chip sampling every `period`.
    pub(crate) fn oldest(&self, now: Nanos, waiting: usize, period: Nanos) -> Nanos {
        let behind = u64::try_from(waiting.saturating_sub(1)).unwrap_or(u64::MAX);
        let from_now = now - Nanos(period.as_nanos().saturating_mul(behind));
        match self.next_in_series {
            // Both are no earlier than the sample; the series is kept
            // unless it falls a period behind `from_now` (a chip clock
            // slower than its nominal rate), when it no longer bounds it.
            Some(next) if next <= from_now && from_now - next < period => next,
            _ => from_now,
        }
    }

    /// Issues the timestamp for a frame estimated at `estimate`: that, or
    /// just after the last one issued if it would not be later.
    pub(crate) fn issue(&mut self, estimate: Nanos, period: Nanos) -> Nanos {
        let timestamp = match self.last_issued {
            Some(last) if estimate <= last => last + Nanos(1),
            _ => estimate,
        };
        self.last_issued = Some(timestamp);
        self.next_in_series = Some(timestamp + period);
        timestamp
    }

    /// Records a timestamp issued outside the FIFO (a direct read), so that
    /// FIFO timestamps after it stay later.
    pub(crate) fn note_issued(&mut self, timestamp: Nanos) {
        self.last_issued = Some(self.last_issued.map_or(timestamp, |l| l.max(timestamp)));
        self.next_in_series = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PERIOD: Nanos = Nanos::from_millis(10);

    fn issue_batch(
        timeline: &mut Timeline,
        now_ms: u64,
        waiting: usize,
        taken: usize,
    ) -> [Nanos; 4] {
        let oldest = timeline.oldest(Nanos::from_millis(now_ms), waiting, PERIOD);
        let mut stamps = [Nanos::ZERO; 4];
        for (i, stamp) in stamps.iter_mut().enumerate().take(taken) {
            *stamp = timeline.issue(oldest + Nanos(PERIOD.as_nanos() * i as u64), PERIOD);
        }
        stamps
    }

    #[test]
    fn first_batch_ends_at_now() {
        let mut timeline = Timeline::default();

        let stamps = issue_batch(&mut timeline, 100, 3, 3);

        assert_eq!(stamps[..3], [80, 90, 100].map(Nanos::from_millis));
    }

    #[test]
    fn frames_left_in_the_fifo_continue_the_series_at_the_next_read() {
        let mut timeline = Timeline::default();
        issue_batch(&mut timeline, 100, 4, 2); // 70, 80 issued; 90, 100 left

        let stamps = issue_batch(&mut timeline, 120, 4, 4);

        assert_eq!(stamps, [90, 100, 110, 120].map(Nanos::from_millis));
    }

    #[test]
    fn a_read_late_in_the_period_does_not_shift_the_series_later() {
        let mut timeline = Timeline::default();
        issue_batch(&mut timeline, 100, 1, 1);

        // Sampled at 110 and 120; read at 129.
        let stamps = issue_batch(&mut timeline, 129, 2, 2);

        assert_eq!(stamps[..2], [110, 120].map(Nanos::from_millis));
    }

    #[test]
    fn a_read_early_in_the_period_moves_the_series_earlier() {
        let mut timeline = Timeline::default();
        issue_batch(&mut timeline, 109, 1, 1); // sampled at 100, stamped 109

        let stamps = issue_batch(&mut timeline, 120, 2, 2);

        assert_eq!(stamps[..2], [110, 120].map(Nanos::from_millis));
    }

    #[test]
    fn after_a_restart_the_series_starts_again_from_now() {
        let mut timeline = Timeline::default();
        issue_batch(&mut timeline, 100, 1, 1);

        timeline.restart();
        let stamps = issue_batch(&mut timeline, 500, 2, 2);

        assert_eq!(stamps[..2], [490, 500].map(Nanos::from_millis));
    }

    #[test]
    fn more_frames_than_the_time_allows_never_go_back() {
        let mut timeline = Timeline::default();
        issue_batch(&mut timeline, 100, 1, 1);

        let stamps = issue_batch(&mut timeline, 110, 3, 3);

        assert!(stamps[0] > Nanos::from_millis(100), "{stamps:?}");
        assert!(stamps[0] < stamps[1] && stamps[1] < stamps[2], "{stamps:?}");
    }
}
