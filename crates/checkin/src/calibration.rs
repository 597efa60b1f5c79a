//! Thresholds that keep their promise at every gallery size.
//!
//! An impostor at the kiosk is compared with every enrolled template; they are accepted when the best
//! of those scores reaches the threshold. With N templates there are N chances to collide, so the
//! same threshold lets through far more impostors in a large gallery than in a small one. If one
//! comparison reaches score t with probability FMR(t), the impostor's best of N reaches it with
//! probability FPIR(t, N) = 1 - (1 - FMR(t))^N, taking the comparisons as independent. The
//! threshold for a configured FPIR is therefore the score whose FMR is 1 - (1 - FPIR)^(1/N).
//!
//! FMR(t) is measured, not assumed: `rollcall eval DATASET --write-calibration FILE` scores every
//! impostor probe against every enrolled template, once with raw fused scores and once with
//! AS-normalised ones, and writes the scores found at each share of comparisons (a [`Curve`]).
//! Beyond the rarest share the data can show (ten comparisons), the curve goes on in a straight line
//! in log10(FMR), at the slope of its last three decades: a tail that in fact bends (as a Gaussian
//! one does) then gets a higher threshold than it needs, never a lower one. How well the promise
//! holds, gallery size by gallery size, is what `rollcall eval --gallery-size` measures
//! (docs/accuracy.md).

use serde::{Deserialize, Serialize};

/// The embedded default, measured on LFW-dev (`config/calibration.toml`).
pub const DEFAULT_CALIBRATION: &str = include_str!("../../../config/calibration.toml");

/// Scores against the share of impostor comparisons that reach them, for one way of scoring.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Curve {
    /// `[log10 FMR, score]`, FMR falling and scores rising: at most that share of the measured
    /// impostor comparisons scored at or above the score.
    pub points: Vec<[f64; 2]>,
    /// How much the score rises per decade of FMR beyond the last point.
    pub tail_slope: f64,
}

/// Why a calibration cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CalibrationError {
    #[error("the calibration is not valid TOML: {0}")]
    Parse(String),
    #[error("the calibration's {0} curve is empty or not monotone")]
    Curve(&'static str),
    #[error("nothing to combine: give the calibrations of at least one population")]
    Empty,
    #[error(
        "the calibration was measured for scoring {found:?}, but this server scores {expected:?}; \
         measure one with `rollcall eval DATASET --write-calibration FILE` and set \
         recognition.calibration to it"
    )]
    Mismatch { expected: String, found: String },
}

/// The threshold below which a share `p` of impostor scores lies: the score just above the
/// `floor(p * n)`-th highest (0-based), so that at most `p * n` scores reach it.
pub fn threshold_at(scores_desc: &[f32], p: f64) -> f32 {
    let allowed = (p * scores_desc.len() as f64).floor() as usize;
    match scores_desc.get(allowed) {
        Some(&s) if s.is_finite() => next_up(s),
        _ => f32::NEG_INFINITY,
    }
}

/// The smallest `f32` above `x`.
fn next_up(x: f32) -> f32 {
    if x.is_nan() || x == f32::INFINITY {
        return x;
    }
    if x == 0.0 {
        return f32::from_bits(1);
    }
    let bits = x.to_bits();
    f32::from_bits(if x > 0.0 { bits + 1 } else { bits - 1 })
}

impl Curve {
    /// The curve of a set of impostor comparison scores, at quarter decades of FMR from 10% down to
    /// ten comparisons.
    pub fn fit(scores: Vec<f32>) -> Curve {
        Curve::fit_resolving(scores, 10)
    }

    /// [`Curve::fit`], down to the share that `min_above` comparisons reach (never fewer than
    /// ten): a small sample's rarest points are its noisiest.
    pub fn fit_resolving(mut scores: Vec<f32>, min_above: usize) -> Curve {
        scores.retain(|s| s.is_finite());
        scores.sort_unstable_by(|a, b| b.total_cmp(a));
        let n = scores.len() as f64;
        let rarest = (min_above.max(10) as f64 / n).log10();
        let mut points: Vec<[f64; 2]> = Vec::new();
        let mut step = 0;
        loop {
            let log_p = -1.0 - 0.25 * f64::from(step);
            if log_p < rarest || scores.is_empty() {
                break;
            }
            let t = f64::from(threshold_at(&scores, 10f64.powf(log_p)));
            // Ties can repeat a score; the curve only ever rises.
            let t = points.last().map_or(t, |p| t.max(p[1]));
            points.push([log_p, t]);
            step += 1;
        }
        // Least-squares slope of score on -log10 FMR over the last three decades measured.
        let tail: Vec<&[f64; 2]> = points
            .iter()
            .filter(|p| p[0] <= points.last().map_or(0.0, |l| l[0]) + 3.0)
            .collect();
        let tail_slope = if tail.len() >= 2 {
            let k = tail.len() as f64;
            let mx = tail.iter().map(|p| -p[0]).sum::<f64>() / k;
            let my = tail.iter().map(|p| p[1]).sum::<f64>() / k;
            let sxy: f64 = tail.iter().map(|p| (-p[0] - mx) * (p[1] - my)).sum();
            let sxx: f64 = tail.iter().map(|p| (-p[0] - mx).powi(2)).sum();
            if sxx > 0.0 {
                (sxy / sxx).max(0.0)
            } else {
                0.0
            }
        } else {
            0.0
        };
        Curve { points, tail_slope }
    }

    /// The higher of two curves at every share of comparisons, for thresholds that hold on both
    /// populations they were measured on.
    ///
    /// Where both were measured, the higher score: both are sampled at the same quarter decades,
    /// so between two of them each is a straight line and the line through the higher ends lies
    /// above both. Beyond the rarest share the shorter one (fewer comparisons) resolves, its own
    /// straight tail would carry the slope of its bulk far out, where a tail bends; instead it
    /// runs parallel to the longer curve, lifted by the most it ran above it over its last decade:
    /// populations' impostor curves differ by a shift more than by shape (NIST FRVT's demographic
    /// reports find the FMR of one group a near-constant multiple of another's across
    /// thresholds). Past both, the longer curve's tail slope goes on.
    pub fn upper(&self, other: &Curve) -> Curve {
        let rarest = |c: &Curve| c.rarest().unwrap_or(0.0);
        let (long, short) = if rarest(self) <= rarest(other) {
            (self, other)
        } else {
            (other, self)
        };
        let short_end = rarest(short);
        let lift = short
            .points
            .iter()
            .filter(|p| p[0] <= short_end + 1.0)
            .map(|&[log_p, s]| s - f64::from(long.score_at(10f64.powf(log_p))))
            .fold(f64::NEG_INFINITY, f64::max);
        let mut points: Vec<[f64; 2]> = Vec::with_capacity(long.points.len());
        for &[log_p, s_long] in &long.points {
            let s_short = if log_p >= short_end {
                f64::from(short.score_at(10f64.powf(log_p)))
            } else {
                s_long + lift
            };
            let s = s_long.max(s_short);
            let s = points.last().map_or(s, |p| s.max(p[1]));
            points.push([log_p, s]);
        }
        let tail_slope = if short_end > rarest(long) {
            long.tail_slope
        } else {
            long.tail_slope.max(short.tail_slope)
        };
        Curve { points, tail_slope }
    }

    /// The rarest share of comparisons the curve was measured at, as log10 FMR.
    pub fn rarest(&self) -> Option<f64> {
        self.points.last().map(|p| p[0])
    }

    fn check(&self, name: &'static str) -> Result<(), CalibrationError> {
        let ok = !self.points.is_empty()
            && self.tail_slope.is_finite()
            && self.tail_slope >= 0.0
            && self
                .points
                .windows(2)
                .all(|w| w[1][0] < w[0][0] && w[1][1] >= w[0][1]);
        if ok {
            Ok(())
        } else {
            Err(CalibrationError::Curve(name))
        }
    }

    /// The lowest score that at most a share `fmr` of impostor comparisons reach.
    pub fn score_at(&self, fmr: f64) -> f32 {
        let log_p = fmr.max(f64::MIN_POSITIVE).log10();
        let Some(first) = self.points.first() else {
            return f32::INFINITY;
        };
        if log_p >= first[0] {
            return first[1] as f32;
        }
        for w in self.points.windows(2) {
            let ([p0, s0], [p1, s1]) = (w[0], w[1]);
            if log_p >= p1 {
                let f = (p0 - log_p) / (p0 - p1);
                return (s0 + f * (s1 - s0)) as f32;
            }
        }
        let [p_last, s_last] = *self.points.last().expect("not empty");
        (s_last + self.tail_slope * (p_last - log_p)) as f32
    }
}

/// The two curves of one way of scoring (embedders, weights, cohort share), and what they were
/// measured on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// What the curves are valid for (see [`crate::RecognitionConfig::scoring_id`]).
    pub scoring: String,
    /// The data they were measured on, for people reading the file.
    pub measured_on: String,
    /// Raw fused cosines (galleries smaller than `min_cohort`).
    pub raw: Curve,
    /// AS-normalised fused scores.
    pub normalised: Curve,
    /// Scores between different enrolled people's templates on the same data, raw and
    /// AS-normalised: what self-calibration compares a deployment's own gallery with
    /// (`gallery_tail`). Enrolment templates resemble one another a little more than a probe
    /// resembles a template (each averages several chips), so they are compared like with like.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gallery_raw: Option<Curve>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gallery_normalised: Option<Curve>,
    /// When the curves above are the higher of several populations' ([`Calibration::worst_of`]),
    /// each population's own, so that anyone can see which one sets the threshold where.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub populations: Vec<Population>,
}

/// One population's curves inside a combined calibration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Population {
    pub measured_on: String,
    pub raw: Curve,
    pub normalised: Curve,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gallery_raw: Option<Curve>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gallery_normalised: Option<Curve>,
}

impl Calibration {
    pub fn from_toml(text: &str) -> Result<Calibration, CalibrationError> {
        let c: Calibration =
            toml::from_str(text).map_err(|e| CalibrationError::Parse(e.to_string()))?;
        c.raw.check("raw")?;
        c.normalised.check("normalised")?;
        if let Some(g) = &c.gallery_raw {
            g.check("gallery_raw")?;
        }
        if let Some(g) = &c.gallery_normalised {
            g.check("gallery_normalised")?;
        }
        Ok(c)
    }

    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a calibration serialises")
    }

    /// The calibration that holds on every population given: at each share of comparisons, the
    /// higher of their scores. A threshold fitted to the average population lets the population
    /// whose strangers resemble one another more (East Asian faces under models trained mostly on
    /// Western ones: docs/accuracy.md) past far more often than promised; the worse one's curve
    /// keeps the promise on both, at the better one's cost in misses.
    pub fn worst_of(parts: &[Calibration]) -> Result<Calibration, CalibrationError> {
        let (first, rest) = parts.split_first().ok_or(CalibrationError::Empty)?;
        let upper = |a: &Option<Curve>, b: &Option<Curve>| match (a, b) {
            (Some(a), Some(b)) => Some(a.upper(b)),
            _ => None,
        };
        let mut out = first.clone();
        out.populations = Vec::new();
        for p in rest {
            p.check_scoring(&first.scoring)?;
            out.raw = out.raw.upper(&p.raw);
            out.normalised = out.normalised.upper(&p.normalised);
            out.gallery_raw = upper(&out.gallery_raw, &p.gallery_raw);
            out.gallery_normalised = upper(&out.gallery_normalised, &p.gallery_normalised);
        }
        for p in parts {
            if p.populations.is_empty() {
                out.populations.push(Population {
                    measured_on: p.measured_on.clone(),
                    raw: p.raw.clone(),
                    normalised: p.normalised.clone(),
                    gallery_raw: p.gallery_raw.clone(),
                    gallery_normalised: p.gallery_normalised.clone(),
                });
            } else {
                out.populations.extend(p.populations.iter().cloned());
            }
        }
        out.measured_on = format!(
            "the higher curve of {}",
            out.populations
                .iter()
                .map(|p| p.measured_on.as_str())
                .collect::<Vec<_>>()
                .join(" and of ")
        );
        Ok(out)
    }

    /// The built-in calibration.
    pub fn default_curves() -> Calibration {
        Calibration::from_toml(DEFAULT_CALIBRATION).expect("the embedded calibration is valid")
    }

    /// Refuses curves measured for another way of scoring: their scores mean something else.
    pub fn check_scoring(&self, expected: &str) -> Result<(), CalibrationError> {
        if self.scoring == expected {
            Ok(())
        } else {
            Err(CalibrationError::Mismatch {
                expected: expected.to_string(),
                found: self.scoring.clone(),
            })
        }
    }

    /// The impostor curve for raw or normalised scores.
    pub fn curve(&self, normalised: bool) -> &Curve {
        if normalised {
            &self.normalised
        } else {
            &self.raw
        }
    }

    /// The curve of scores between enrolled templates, when it was measured.
    pub fn gallery_curve(&self, normalised: bool) -> Option<&Curve> {
        if normalised {
            self.gallery_normalised.as_ref()
        } else {
            self.gallery_raw.as_ref()
        }
    }

    /// The threshold that lets at most a share `fpir` of impostors past one frame when `templates`
    /// are enrolled, for raw or AS-normalised scores.
    pub fn threshold(&self, normalised: bool, templates: usize, fpir: f64) -> f32 {
        let n = templates.max(1) as f64;
        // 1 - (1 - fpir)^(1/n), without losing the small difference to rounding.
        let fmr = -((-fpir).ln_1p() / n).exp_m1();
        self.curve(normalised).score_at(fmr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Scores whose share above t is exactly 10^-t for t in 0..6 (one million comparisons).
    fn exponential_scores() -> Vec<f32> {
        (0..1_000_000)
            .map(|i| -((i as f64 + 0.5) / 1e6).log10() as f32)
            .collect()
    }

    fn calibration() -> Calibration {
        let c = Curve::fit(exponential_scores());
        Calibration {
            scoring: "test".into(),
            measured_on: "generated".into(),
            raw: c.clone(),
            normalised: c.clone(),
            gallery_raw: Some(c.clone()),
            gallery_normalised: Some(c),
            populations: Vec::new(),
        }
    }

    #[test]
    fn a_fitted_curve_reads_back_the_measured_shares_and_extends_the_tail() {
        let c = Curve::fit(exponential_scores());
        assert_eq!(c.points.first().unwrap()[0], -1.0);
        assert!(c.points.last().unwrap()[0] >= -5.0);
        for log_p in [-1.0, -2.5, -4.0] {
            let s = c.score_at(10f64.powf(log_p));
            assert!((f64::from(s) + log_p).abs() < 0.01, "{log_p}: {s}");
        }
        // Past the data, the straight tail: one more decade, one more unit of score.
        assert!((c.tail_slope - 1.0).abs() < 0.02, "{}", c.tail_slope);
        assert!((f64::from(c.score_at(1e-8)) - 8.0).abs() < 0.1);
    }

    #[test]
    fn the_threshold_rises_with_the_number_enrolled() {
        let cal = calibration();
        let mut last = f32::NEG_INFINITY;
        for n in [1, 2, 5, 10, 20, 50, 100, 1000, 10_000, 100_000, 1_000_000] {
            let t = cal.threshold(false, n, 1e-3);
            assert!(t > last, "{n}: {t} after {last}");
            last = t;
        }
        // One template: the threshold of FMR 0.1%; a thousand: FMR of about 1e-6.
        assert!((cal.threshold(false, 1, 1e-3) - 3.0).abs() < 0.02);
        assert!((cal.threshold(false, 1000, 1e-3) - 6.0).abs() < 0.05);
    }

    #[test]
    fn a_threshold_admits_at_most_the_allowed_share() {
        let scores: Vec<f32> = (0..1000).rev().map(|i| i as f32 / 1000.0).collect();
        let t = threshold_at(&scores, 0.01);
        assert_eq!(scores.iter().filter(|&&s| s >= t).count(), 10);
        let t = threshold_at(&scores, 0.001);
        assert_eq!(scores.iter().filter(|&&s| s >= t).count(), 1);
        let t = threshold_at(&[0.5, 0.5, 0.5], 0.5);
        assert_eq!(
            [0.5f32, 0.5, 0.5].iter().filter(|&&s| s >= t).count(),
            0,
            "ties cannot sneak in"
        );
    }

    #[test]
    fn calibrations_round_trip_and_are_checked() {
        let cal = calibration();
        let back = Calibration::from_toml(&cal.to_toml()).unwrap();
        assert_eq!(back, cal);
        assert!(back.check_scoring("test").is_ok());
        let err = back.check_scoring("other").unwrap_err();
        assert!(err.to_string().contains("--write-calibration"), "{err}");
        let mut broken = cal.clone();
        broken.raw.points.reverse();
        assert_eq!(
            Calibration::from_toml(&broken.to_toml()),
            Err(CalibrationError::Curve("raw"))
        );
        assert!(matches!(
            Calibration::from_toml("scoring = 3"),
            Err(CalibrationError::Parse(_))
        ));
    }

    #[test]
    fn the_worst_of_two_populations_is_above_both_everywhere() {
        // Population B's impostors score 0.3 higher in the bulk and have a steeper, shorter tail.
        let a = calibration();
        let b_scores: Vec<f32> = (0..20_000)
            .map(|i| 0.3 - 1.2 * ((i as f64 + 0.5) / 2e4).log10() as f32)
            .collect();
        let b = Calibration {
            scoring: "test".into(),
            measured_on: "b".into(),
            raw: Curve::fit(b_scores.clone()),
            normalised: Curve::fit(b_scores),
            gallery_raw: None,
            gallery_normalised: None,
            populations: Vec::new(),
        };
        let both = Calibration::worst_of(&[a.clone(), b.clone()]).unwrap();
        assert_eq!(both.populations.len(), 2);
        let b_end = b.raw.rarest().unwrap();
        // B ran 0.3 + 0.2 a decade above A, 0.95 at its rarest share (10^-3.25).
        let lift = 0.3 + 0.2 * -b_end;
        for i in 0..80 {
            let log_p = -0.1 * f64::from(i) - 1.0;
            let fmr = 10f64.powf(log_p);
            let s = both.raw.score_at(fmr);
            assert!(s >= a.raw.score_at(fmr) - 1e-6, "{fmr}");
            if log_p >= b_end {
                assert!(s >= b.raw.score_at(fmr) - 1e-6, "{fmr}");
            } else {
                // Beyond B's data: A's shape, lifted by B's last excess, not B's steeper bulk.
                let parallel = f64::from(a.raw.score_at(fmr)) + lift;
                assert!(
                    (f64::from(s) - parallel).abs() < 0.03,
                    "{fmr}: {s} vs {parallel}"
                );
            }
        }
        assert_eq!(both.raw.tail_slope, a.raw.tail_slope);
        // Self-calibration needs every population's gallery curve.
        assert!(both.gallery_raw.is_none() && a.gallery_raw.is_some());
        for n in [1, 20, 100, 1000] {
            assert!(both.threshold(false, n, 1e-3) > a.threshold(false, n, 1e-3));
        }
        assert!(both.measured_on.contains("generated") && both.measured_on.contains('b'));
        let back = Calibration::from_toml(&both.to_toml()).unwrap();
        assert_eq!(back, both);
        // Other scoring cannot be combined; nothing cannot either.
        let mut other = b;
        other.scoring = "other".into();
        assert!(Calibration::worst_of(&[a, other]).is_err());
        assert_eq!(Calibration::worst_of(&[]), Err(CalibrationError::Empty));
    }

    #[test]
    fn the_shipped_calibration_is_valid() {
        let c = Calibration::default_curves();
        assert!(c.raw.points.len() > 10 && c.normalised.points.len() > 10);
    }
}
