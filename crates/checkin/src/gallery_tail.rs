//! Self-calibration: the enrolled gallery checks the curve its threshold comes from.
//!
//! The delegates enrolled for a congress are a sample of the people the kiosks will see. A score
//! between two different delegates' templates is an impostor score of that very population, and a
//! gallery of N delegates holds N(N-1)/2 of them for free. Where their upper tail lies above the
//! calibration curve's prediction, the strangers at this door will resemble enrolled delegates more
//! often than the curve says, and the threshold it gives lets more of them through than promised.
//!
//! [`excess`] fits the gallery's own curve down to the rarest share it resolves and finds how far it
//! rises above the reference at worst; the recognizer then adds that much to every threshold it
//! derives. It never lowers one: a lighter local tail may be chance in a small sample, and the
//! reference was measured on far more comparisons. Beyond the rarest share the gallery resolves,
//! the assumption is that its tail runs at most that much above the reference's, which is what the
//! measurements in docs/accuracy.md ("Self-calibration") check.

use serde::Serialize;

use crate::calibration::Curve;

/// Comparisons that must reach a point of the gallery's curve for the point to count: fewer, and
/// one unlucky pair could raise the threshold.
pub const MIN_ABOVE: usize = 10;

/// Below this many comparisons (10 delegates give 45) not even the 10% point is resolved.
pub const MIN_COMPARISONS: usize = MIN_ABOVE * 10;

/// What the enrolled gallery's impostor scores say about the threshold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GalleryTail {
    /// Delegates whose templates were compared.
    pub delegates: usize,
    /// Scores between different delegates the local curve was fitted on.
    pub comparisons: usize,
    /// Whether they were AS-normalised scores (the gallery had reached `min_cohort`) or raw.
    pub normalised: bool,
    /// How far the gallery's curve rises above the reference at worst; 0 when it stays under it.
    pub excess: f32,
    /// The share of comparisons (log10 FMR) at which it rose the most, if it rose at all.
    pub at_log_fmr: Option<f64>,
    /// The rarest share of comparisons the gallery resolved (log10 FMR).
    pub rarest_log_fmr: f64,
}

/// How far the curve of `scores` (impostor comparisons) rises above `reference` at worst, and
/// where; `None` when there are too few scores to say.
pub fn excess(reference: &Curve, scores: Vec<f32>) -> Option<(f32, Option<f64>, f64)> {
    if scores.iter().filter(|s| s.is_finite()).count() < MIN_COMPARISONS {
        return None;
    }
    let local = Curve::fit_resolving(scores, MIN_ABOVE);
    let rarest = local.rarest()?;
    let mut worst: (f32, Option<f64>) = (0.0, None);
    for &[log_p, s] in &local.points {
        let over = s as f32 - reference.score_at(10f64.powf(log_p));
        if over > worst.0 {
            worst = (over, Some(log_p));
        }
    }
    Some((worst.0, worst.1, rarest))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reference whose share above t is 10^-(t / 0.1) for t from 0 (a tenth of a unit a decade).
    fn reference() -> Curve {
        Curve::fit(
            (0..1_000_000)
                .map(|i| -0.1 * ((i as f64 + 0.5) / 1e6).log10() as f32)
                .collect(),
        )
    }

    /// `n` scores of the reference's distribution shifted by `shift`, evenly spread over shares.
    fn sample(n: usize, shift: f32) -> Vec<f32> {
        (0..n)
            .map(|i| shift - 0.1 * ((i as f64 + 0.5) / n as f64).log10() as f32)
            .collect()
    }

    #[test]
    fn a_heavier_local_tail_is_measured_as_the_excess() {
        let (excess, at, rarest) = excess(&reference(), sample(4465, 0.05)).unwrap();
        assert!((excess - 0.05).abs() < 0.01, "{excess}");
        assert!(at.is_some());
        // 4465 comparisons resolve shares down to 10 of them.
        assert!(
            rarest <= -2.5 && rarest >= (10.0f64 / 4465.0).log10() - 1e-9,
            "{rarest}"
        );
    }

    #[test]
    fn the_same_or_a_lighter_tail_leaves_the_threshold() {
        let (same, _, _) = excess(&reference(), sample(4465, 0.0)).unwrap();
        assert!(same < 0.005, "{same}");
        let (lighter, at, _) = excess(&reference(), sample(4465, -0.05)).unwrap();
        assert_eq!((lighter, at), (0.0, None));
    }

    #[test]
    fn a_tail_heavier_only_far_out_is_still_found() {
        // The bulk as the reference, the rarest 1% of comparisons 0.08 higher.
        let mut scores = sample(20_000, 0.0);
        scores.iter_mut().take(200).for_each(|s| *s += 0.08);
        let (excess, at, _) = excess(&reference(), scores).unwrap();
        assert!(excess > 0.07, "{excess}");
        assert!(at.unwrap() <= -2.0, "{at:?}");
    }

    #[test]
    fn too_few_comparisons_say_nothing() {
        assert_eq!(excess(&reference(), sample(MIN_COMPARISONS - 1, 0.5)), None);
        assert!(excess(&reference(), sample(MIN_COMPARISONS, 0.5)).is_some());
    }
}
