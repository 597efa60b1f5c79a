//! When a recognised face becomes a check-in: the same delegate, top match above the threshold with
//! a margin over the runner-up, in at least N distinct frames from one kiosk within a time window
//! (by the frames' own capture times, so that frames a kiosk replays late still count correctly).

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};

/// One agreeing frame: (captured_at ms, delegate id, kiosk frame id).
type Observation = (i64, i64, String);

#[derive(Debug)]
pub struct Decider {
    frames_required: usize,
    window_ms: i64,
    /// Per kiosk token: (captured_at ms, delegate, frame id) of agreeing observations.
    seen: Mutex<HashMap<i64, VecDeque<Observation>>>,
}

/// How much history a kiosk keeps, in windows: enough for a replayed queue to interleave with live frames.
const KEEP_WINDOWS: i64 = 20;
const MAX_PER_KIOSK: usize = 10_000;

impl Decider {
    pub fn new(frames_required: usize, window_ms: i64) -> Self {
        Self {
            frames_required: frames_required.max(1),
            window_ms,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Records that `frame_id` of `kiosk` showed `delegate` at `at_ms`; true once enough distinct
    /// frames within the window agree.
    pub fn observe(&self, kiosk: i64, delegate: i64, at_ms: i64, frame_id: &str) -> bool {
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        let log = seen.entry(kiosk).or_default();
        if !log.iter().any(|(_, d, f)| *d == delegate && f == frame_id) {
            log.push_back((at_ms, delegate, frame_id.to_string()));
        }
        let newest = log.iter().map(|e| e.0).max().unwrap_or(at_ms);
        while log
            .front()
            .is_some_and(|e| e.0 < newest - KEEP_WINDOWS * self.window_ms)
            || log.len() > MAX_PER_KIOSK
        {
            log.pop_front();
        }
        let agreeing = log
            .iter()
            .filter(|(t, d, _)| *d == delegate && (t - at_ms).abs() <= self.window_ms)
            .count();
        agreeing >= self.frames_required
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_distinct_frames_within_the_window() {
        let d = Decider::new(2, 3000);
        assert!(!d.observe(1, 7, 1000, "a"));
        assert!(
            !d.observe(1, 7, 1000, "a"),
            "the same frame twice is one frame"
        );
        assert!(!d.observe(2, 7, 1500, "b"), "another kiosk does not count");
        assert!(
            !d.observe(1, 8, 1500, "c"),
            "another delegate does not count"
        );
        assert!(!d.observe(1, 7, 5000, "d"), "outside the window");
        assert!(d.observe(1, 7, 3500, "e"));
    }

    #[test]
    fn late_frames_count_by_capture_time() {
        let d = Decider::new(2, 3000);
        assert!(!d.observe(1, 7, 60_000, "live"));
        // A frame replayed from the kiosk's queue, captured a minute earlier, has no partner yet.
        assert!(!d.observe(1, 7, 1000, "old-1"));
        assert!(d.observe(1, 7, 2000, "old-2"));
    }
}
