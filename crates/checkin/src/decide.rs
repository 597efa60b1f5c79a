//! Verdict -> check-in: a confident, live match becomes a check-in only when enough distinct captures
//! from one kiosk agree on the same delegate within a time window of the open sitting (by the frames'
//! own capture times, so that frames a kiosk replays late still count correctly).
//!
//! Distinct means distinct captures, not just distinct frame ids: the same picture posted twice, or
//! re-encoded and posted again, counts once. Two frames are the same capture when both embedders
//! find their faces all but identical (cosines of at least [`SAME_CAPTURE_DLIB`] and
//! [`SAME_CAPTURE_SFACE`]); consecutive live frames of one person differ by far more (docs/liveness.md).

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};

use rollcall_vision::DLIB_DIM;

/// dlib's cosine above which two faces are the same capture (re-encodes of one JPEG at quality 75
/// to 95 measured 0.9998 and more; consecutive live frames 0.992 to 0.998).
pub const SAME_CAPTURE_DLIB: f32 = 0.999;
/// SFace's cosine above which two faces are the same capture (re-encodes 0.996 and more; consecutive
/// live frames 0.92 to 0.973).
pub const SAME_CAPTURE_SFACE: f32 = 0.99;

/// One kiosk face that confidently and livingly matched a delegate.
#[derive(Debug, Clone, Copy)]
pub struct Sighting<'a> {
    pub sitting: i64,
    pub kiosk: i64,
    pub delegate: i64,
    /// Capture time, Unix milliseconds.
    pub at_ms: i64,
    pub frame_id: &'a str,
    /// The face's embedding (dlib's part, then SFace's).
    pub embedding: &'a [f32],
}

#[derive(Debug)]
struct Seen {
    at_ms: i64,
    delegate: i64,
    frame_id: String,
    embedding: Vec<f32>,
}

#[derive(Debug)]
pub struct Decider {
    frames_required: usize,
    window_ms: i64,
    /// Per (sitting, kiosk token): the agreeing sightings, oldest first.
    seen: Mutex<HashMap<(i64, i64), VecDeque<Seen>>>,
}

/// How much history a kiosk keeps, in windows: enough for a replayed queue to interleave with live frames.
const KEEP_WINDOWS: i64 = 20;
const MAX_PER_KIOSK: usize = 2_000;

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Whether two faces come from the same capture (see the module's documentation).
pub fn same_capture(a: &[f32], b: &[f32]) -> bool {
    let split = DLIB_DIM.min(a.len()).min(b.len());
    let (a_dlib, a_rest) = a.split_at(split);
    let (b_dlib, b_rest) = b.split_at(split);
    if dot(a_dlib, b_dlib) < SAME_CAPTURE_DLIB {
        return false;
    }
    // Without SFace its part is zero and only dlib's says anything.
    let sface_on = a_rest.iter().any(|&x| x != 0.0) && b_rest.iter().any(|&x| x != 0.0);
    !sface_on || dot(a_rest, b_rest) >= SAME_CAPTURE_SFACE
}

impl Decider {
    pub fn new(frames_required: usize, window_ms: i64) -> Self {
        Self {
            frames_required: frames_required.max(1),
            window_ms,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Records a sighting; true once enough distinct captures of the delegate from this kiosk
    /// agree within the window.
    pub fn observe(&self, s: Sighting<'_>) -> bool {
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        // Sittings do not share sightings; a closed sitting's are dropped with the next sitting's.
        seen.retain(|(sitting, _), _| *sitting == s.sitting);
        let log = seen.entry((s.sitting, s.kiosk)).or_default();
        let repeated = log.iter().any(|e| {
            e.delegate == s.delegate
                && (e.frame_id == s.frame_id || same_capture(&e.embedding, s.embedding))
        });
        if !repeated {
            log.push_back(Seen {
                at_ms: s.at_ms,
                delegate: s.delegate,
                frame_id: s.frame_id.to_string(),
                embedding: s.embedding.to_vec(),
            });
        }
        let newest = log.iter().map(|e| e.at_ms).max().unwrap_or(s.at_ms);
        while log
            .front()
            .is_some_and(|e| e.at_ms < newest - KEEP_WINDOWS * self.window_ms)
            || log.len() > MAX_PER_KIOSK
        {
            log.pop_front();
        }
        let agreeing = log
            .iter()
            .filter(|e| e.delegate == s.delegate && (e.at_ms - s.at_ms).abs() <= self.window_ms)
            .count();
        agreeing >= self.frames_required
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A unit-block embedding for capture `i` of a person: dlib and SFace parts each a unit vector,
    /// turned by `i` small steps, so that different captures differ as live frames do.
    fn capture(person: usize, i: usize) -> Vec<f32> {
        let mut v = vec![0f32; 2 * DLIB_DIM];
        for block in [0, DLIB_DIM] {
            let angle = 0.3 * i as f32;
            v[block + person] = angle.cos();
            v[block + 64] = angle.sin();
        }
        v
    }

    fn sighting<'a>(
        kiosk: i64,
        delegate: i64,
        at_ms: i64,
        frame_id: &'a str,
        e: &'a [f32],
    ) -> Sighting<'a> {
        Sighting {
            sitting: 1,
            kiosk,
            delegate,
            at_ms,
            frame_id,
            embedding: e,
        }
    }

    #[test]
    fn needs_distinct_frames_within_the_window() {
        let d = Decider::new(2, 3000);
        let e: Vec<Vec<f32>> = (0..6).map(|i| capture(7, i)).collect();
        assert!(!d.observe(sighting(1, 7, 1000, "a", &e[0])));
        assert!(
            !d.observe(sighting(1, 7, 1000, "a", &e[0])),
            "the same frame twice is one frame"
        );
        assert!(
            !d.observe(sighting(2, 7, 1500, "b", &e[1])),
            "another kiosk does not count"
        );
        assert!(
            !d.observe(sighting(1, 8, 1500, "c", &e[2])),
            "another delegate does not count"
        );
        assert!(
            !d.observe(sighting(1, 7, 5000, "d", &e[3])),
            "outside the window"
        );
        assert!(d.observe(sighting(1, 7, 3500, "e", &e[4])));
    }

    #[test]
    fn late_frames_count_by_capture_time() {
        let d = Decider::new(2, 3000);
        let e: Vec<Vec<f32>> = (0..3).map(|i| capture(7, i)).collect();
        assert!(!d.observe(sighting(1, 7, 60_000, "live", &e[0])));
        // A frame replayed from the kiosk's queue, captured a minute earlier, has no partner yet.
        assert!(!d.observe(sighting(1, 7, 1000, "old-1", &e[1])));
        assert!(d.observe(sighting(1, 7, 2000, "old-2", &e[2])));
    }

    #[test]
    fn the_same_picture_under_two_frame_ids_counts_once() {
        let d = Decider::new(2, 3000);
        let picture = capture(7, 0);
        let mut reencoded = picture.clone();
        reencoded[100] = 0.01; // a re-encode moves the embedding a hair
        assert!(same_capture(&picture, &reencoded));
        assert!(!d.observe(sighting(1, 7, 1000, "a", &picture)));
        assert!(!d.observe(sighting(1, 7, 1200, "b", &picture)), "identical");
        assert!(
            !d.observe(sighting(1, 7, 1400, "c", &reencoded)),
            "near-identical"
        );
        assert!(
            d.observe(sighting(1, 7, 1600, "d", &capture(7, 1))),
            "a new capture"
        );
    }

    #[test]
    fn sightings_do_not_carry_over_to_the_next_sitting() {
        let d = Decider::new(2, 3000);
        let (a, b) = (capture(7, 0), capture(7, 1));
        assert!(!d.observe(sighting(1, 7, 1000, "a", &a)));
        let next = Sighting {
            sitting: 2,
            ..sighting(1, 7, 1500, "b", &b)
        };
        assert!(
            !d.observe(next),
            "the first sitting's frame does not count in the second"
        );
    }

    #[test]
    fn without_sface_dlib_alone_decides_what_is_the_same_capture() {
        let mut a = vec![0f32; 2 * DLIB_DIM];
        a[3] = 1.0;
        let mut b = a.clone();
        assert!(same_capture(&a, &b));
        b[3] = 0.99;
        b[4] = 0.141;
        assert!(!same_capture(&a, &b));
    }
}
