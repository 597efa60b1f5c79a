//! Made-up templates for tests that need a gallery with a known shape faster than photos give one.

use rollcall_api::PhotoQuality;
use rollcall_vision::{DLIB_DIM, EMBEDDING_DIM};

/// Templates of `n` people who all look nearly alike: each embedder's part is one shared direction
/// plus a small one of their own, so that two of them score a cosine of about 0.96 (two different
/// people of the calibration data reach about 0.7 at the 10% point).
pub fn lookalike_templates(n: usize) -> Vec<Vec<f32>> {
    (0..n)
        .map(|i| {
            let mut v = vec![0f32; EMBEDDING_DIM];
            for (start, len) in [(0, DLIB_DIM), (DLIB_DIM, EMBEDDING_DIM - DLIB_DIM)] {
                v[start] = 1.0;
                v[start + 1 + i % (len - 1)] = 0.2;
                let norm = v[start..start + len]
                    .iter()
                    .map(|x| x * x)
                    .sum::<f32>()
                    .sqrt();
                v[start..start + len].iter_mut().for_each(|x| *x /= norm);
            }
            v
        })
        .collect()
}

/// The quality of a plain, frontal, sharp enrolment photo, for templates stored without one.
pub fn plain_quality() -> PhotoQuality {
    PhotoQuality {
        box_width: 120.0,
        box_height: 140.0,
        inter_eye: 50.0,
        sharpness: 100.0,
        yaw: 0.0,
        roll: 0.0,
        frontal: 1.0,
        detector_score: 0.99,
    }
}
