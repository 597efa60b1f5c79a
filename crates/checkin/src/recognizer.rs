//! Embeddings -> matches: the gallery of enrolled templates with their AS-norm biases, the cohort
//! those biases come from, and the threshold on the scale of the scores. The server and
//! `rollcall eval` both score through [`Recognizer::best_match`], so the accuracy eval reports is
//! measured on the code that decides check-ins.
//!
//! A template is the embedders' unit vectors side by side; a score is their cosines added with the
//! configured weights (the query's blocks are weighted, the stored rows are not). Below `min_cohort`
//! templates the scores are raw; from it on each embedder's part is AS-normalised against the gallery.
//! The threshold comes from the calibration for the current number of templates, so that the
//! configured share of impostors per frame holds at every gallery size (`calibration`).

use std::sync::{Arc, Mutex, PoisonError, RwLock};

use rollcall_gallery::{Block, Cohort, Gallery, ScanMode};

use crate::calibration::Calibration;
use crate::gallery_tail::{self, GalleryTail};
use crate::{CheckinError, RecognitionConfig};

/// Self-calibration compares at most this many delegates with everyone (an even sample beyond), so
/// that its cost stops growing with the square of the gallery.
const TAIL_QUERIES: usize = 2000;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Match {
    pub delegate_id: i64,
    pub score: f32,
    /// Best score among all other delegates (`-inf` when there is none).
    pub runner_up: f32,
    /// The match threshold on the scale of `score`.
    pub threshold: f32,
}

impl Match {
    /// Above the threshold and clear of the runner-up by `margin`.
    pub fn is_confident(&self, margin: f32) -> bool {
        self.score >= self.threshold && self.score - self.runner_up >= margin
    }
}

/// Delegates with their scores, best first, and the threshold on the scale of those scores.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidates {
    pub hits: Vec<(i64, f32)>,
    pub threshold: f32,
}

/// The gallery and the cohort its biases were computed against, swapped together so that a search
/// never pairs one with the other's predecessor.
#[derive(Debug)]
struct Index {
    gallery: Arc<Gallery>,
    cohort: Arc<Cohort>,
}

#[derive(Debug)]
pub struct Recognizer {
    dim: usize,
    index: RwLock<Arc<Index>>,
    /// One change at a time (a full load, an added template, a removal): a change computed from one
    /// snapshot must not be swapped in over another writer's. Holds the number of changes so far.
    writer: Mutex<u64>,
    blocks: Vec<Block>,
    cohort_share: f32,
    cohort_max: usize,
    min_cohort: usize,
    fpir: f64,
    calibration: Arc<Calibration>,
    /// The last self-calibration ([`Recognizer::measure_tail`]); its excess is added to every
    /// threshold while the scores are of the kind it measured.
    tail: RwLock<Option<GalleryTail>>,
}

/// The threshold now, and where it came from.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ThresholdReport {
    /// What the calibration gives for this many templates.
    pub reference: f32,
    /// What scores are held to: the reference plus the gallery's excess, if any.
    pub threshold: f32,
    pub templates: usize,
    pub normalised: bool,
    /// The last self-calibration, if the gallery was large enough to make one.
    pub tail: Option<GalleryTail>,
}

impl ThresholdReport {
    /// Whether the gallery's own faces raised the threshold above the calibration's.
    pub fn raised(&self) -> bool {
        self.threshold > self.reference
    }
}

impl Recognizer {
    /// An empty recognizer for embeddings of length `dim` (the blocks of `cfg` must fit in it),
    /// with thresholds from `calibration`.
    pub fn new(
        dim: usize,
        cfg: &RecognitionConfig,
        calibration: Arc<Calibration>,
    ) -> Result<Self, CheckinError> {
        Self::with_blocks(dim, cfg.blocks(), cfg, calibration)
    }

    /// A recognizer whose embeddings are made of `blocks` (each scored with its weight).
    pub fn with_blocks(
        dim: usize,
        blocks: Vec<Block>,
        cfg: &RecognitionConfig,
        calibration: Arc<Calibration>,
    ) -> Result<Self, CheckinError> {
        Ok(Recognizer {
            dim,
            index: RwLock::new(Arc::new(Index {
                gallery: Arc::new(Gallery::new(dim)),
                cohort: Arc::new(Cohort::with_blocks(
                    dim,
                    blocks.clone(),
                    cfg.cohort_share,
                    std::iter::empty(),
                )?),
            })),
            writer: Mutex::new(0),
            blocks,
            cohort_share: cfg.cohort_share,
            cohort_max: cfg.cohort_max,
            min_cohort: cfg.min_cohort,
            fpir: cfg.fpir,
            calibration,
            tail: RwLock::new(None),
        })
    }

    fn snapshot(&self) -> Arc<Index> {
        Arc::clone(&self.index.read().unwrap_or_else(PoisonError::into_inner))
    }

    fn swap(&self, gallery: Arc<Gallery>, cohort: Arc<Cohort>) {
        *self.index.write().unwrap_or_else(PoisonError::into_inner) =
            Arc::new(Index { gallery, cohort });
    }

    /// Takes the writer's lock and counts the change it is about to make.
    fn lock_writer(&self) -> std::sync::MutexGuard<'_, u64> {
        let mut changes = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        *changes += 1;
        changes
    }

    /// How many changes the recognizer has taken so far. A caller that reads templates from a
    /// database reads this first and passes it to [`Recognizer::load_if_unchanged`].
    pub fn generation(&self) -> u64 {
        *self.writer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Replaces every template with `templates` (delegate id, embedding); returns how many.
    pub fn load<'a>(
        &self,
        templates: impl IntoIterator<Item = (i64, &'a [f32])>,
    ) -> Result<usize, CheckinError> {
        let _one_writer = self.lock_writer();
        let templates: Vec<(i64, &[f32])> = templates.into_iter().collect();
        self.rebuild(&templates)
    }

    /// Like [`Recognizer::load`], unless another change came in since [`Recognizer::generation`]
    /// returned `generation`: then nothing is loaded and `None` returned. A reload that read the
    /// database before a concurrent enrolment must not swap in a gallery without it; the caller
    /// reads again.
    pub fn load_if_unchanged<'a>(
        &self,
        generation: u64,
        templates: impl IntoIterator<Item = (i64, &'a [f32])>,
    ) -> Result<Option<usize>, CheckinError> {
        let mut changes = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        if *changes != generation {
            return Ok(None);
        }
        *changes += 1;
        let templates: Vec<(i64, &[f32])> = templates.into_iter().collect();
        self.rebuild(&templates).map(Some)
    }

    /// Builds the gallery and the cohort from `templates` and swaps them in.
    fn rebuild(&self, templates: &[(i64, &[f32])]) -> Result<usize, CheckinError> {
        // The cohort is the gallery itself, or an evenly spaced sample of it when it is larger.
        let step = templates.len().div_ceil(self.cohort_max.max(1)).max(1);
        let cohort = Cohort::with_blocks(
            self.dim,
            self.blocks.clone(),
            self.cohort_share,
            templates
                .iter()
                .step_by(step)
                .map(|&(id, t)| (id as u64, t)),
        )?;
        let gallery = Gallery::new(self.dim);
        let mut rows = Vec::with_capacity(templates.len());
        for &(id, t) in templates {
            rows.push((id as u64, t, self.bias(&cohort, t, id)?));
        }
        gallery.add_biased(rows)?;
        self.swap(Arc::new(gallery), Arc::new(cohort));
        Ok(templates.len())
    }

    /// Rebuilds from the current gallery's own templates plus `extra`, leaving out `without`.
    fn rebuild_from_gallery(
        &self,
        index: &Index,
        without: Option<i64>,
        extra: &[(i64, &[f32])],
    ) -> Result<(), CheckinError> {
        let rows = index.gallery.rows();
        let mut templates: Vec<(i64, &[f32])> = rows
            .iter()
            .map(|(id, v)| (*id as i64, v.as_slice()))
            .filter(|(id, _)| Some(*id) != without)
            .collect();
        templates.extend_from_slice(extra);
        self.rebuild(&templates).map(|_| ())
    }

    /// A template's AS-norm bias against `cohort`, or 0 while the cohort is too small to normalise.
    fn bias(
        &self,
        cohort: &Cohort,
        embedding: &[f32],
        delegate_id: i64,
    ) -> Result<f32, CheckinError> {
        if !self.normalises(cohort) {
            return Ok(0.0);
        }
        Ok(cohort.template_bias(embedding, delegate_id as u64)?)
    }

    /// Whether scores against this cohort are AS-normalised (enough people in it) or raw cosines.
    fn normalises(&self, cohort: &Cohort) -> bool {
        cohort.len() >= self.min_cohort
    }

    /// Adds one template of `delegate_id` and makes it searchable at once.
    pub fn add(&self, delegate_id: i64, embedding: &[f32]) -> Result<(), CheckinError> {
        let _one_writer = self.lock_writer();
        let index = self.snapshot();
        let cohort = &index.cohort;
        if cohort.len() < self.cohort_max && cohort.len() + 1 == self.min_cohort {
            // The cohort becomes large enough for AS-norm: every bias is computed afresh.
            return self.rebuild_from_gallery(&index, None, &[(delegate_id, embedding)]);
        }
        let bias = self.bias(cohort, embedding, delegate_id)?;
        index
            .gallery
            .add_biased([(delegate_id as u64, embedding, bias)])?;
        if cohort.len() < self.cohort_max {
            let mut next = (**cohort).clone();
            next.push(delegate_id as u64, embedding)?;
            self.swap(Arc::clone(&index.gallery), Arc::new(next));
        }
        Ok(())
    }

    /// Takes the delegate out of search and out of the cohort, at once.
    pub fn remove_delegate(&self, delegate_id: i64) -> Result<(), CheckinError> {
        self.replace_delegate(delegate_id, &[])
    }

    /// Makes `remaining` the delegate's only templates (after one of their photos was erased): the
    /// erased one leaves the gallery and the cohort without rebuilding everyone else's rows.
    pub fn replace_delegate(
        &self,
        delegate_id: i64,
        remaining: &[&[f32]],
    ) -> Result<(), CheckinError> {
        let _one_writer = self.lock_writer();
        let index = self.snapshot();
        let was_normalised = self.normalises(&index.cohort);
        let mut cohort = (*index.cohort).clone();
        cohort.remove(delegate_id as u64);
        for t in remaining {
            if cohort.len() < self.cohort_max {
                cohort.push(delegate_id as u64, t)?;
            }
        }
        if self.normalises(&cohort) != was_normalised {
            // Crossing the AS-norm line changes every bias.
            let extra: Vec<(i64, &[f32])> = remaining.iter().map(|t| (delegate_id, *t)).collect();
            return self.rebuild_from_gallery(&index, Some(delegate_id), &extra);
        }
        let mut rows = Vec::with_capacity(remaining.len());
        for t in remaining {
            rows.push((delegate_id as u64, *t, self.bias(&cohort, t, delegate_id)?));
        }
        index.gallery.remove(delegate_id as u64);
        index.gallery.add_biased(rows)?;
        self.swap(Arc::clone(&index.gallery), Arc::new(cohort));
        Ok(())
    }

    /// The best `k` delegates for an embedding, and the threshold on the scale of those scores. Both
    /// come from one cohort snapshot, so an enrolment that switches between raw and AS-normalised
    /// scoring mid-request cannot pair scores of one kind with the threshold of the other.
    pub fn candidates(&self, embedding: &[f32], k: usize) -> Result<Candidates, CheckinError> {
        self.candidates_at(embedding, k, self.fpir)
    }

    /// [`Recognizer::candidates`] with the threshold for another share of impostors per frame
    /// (`rollcall eval` measures several).
    pub fn candidates_at(
        &self,
        embedding: &[f32],
        k: usize,
        fpir: f64,
    ) -> Result<Candidates, CheckinError> {
        let index = self.snapshot();
        let cohort = &index.cohort;
        let normalised = self.normalises(cohort);
        let threshold = self.threshold_for(&index, fpir).threshold;
        let offset = if normalised {
            cohort.probe_offset(embedding)?
        } else {
            0.0
        };
        let query = self.weighted(embedding);
        // Int8 first, then every candidate the quantisation could have misplaced scored again in
        // f32: the same hits as an exact scan, reading a quarter of the bytes (a million 256-float
        // templates are 1 GB in f32; docs/performance.md).
        let hits = index
            .gallery
            .search(&query, k, ScanMode::Int8Rerank)?
            .into_iter()
            .map(|h| (h.id as i64, h.score + offset))
            .collect();
        Ok(Candidates { hits, threshold })
    }

    /// The best delegate for an embedding, with the runner-up's score and the threshold.
    pub fn best_match(&self, embedding: &[f32]) -> Result<Option<Match>, CheckinError> {
        self.best_match_at(embedding, self.fpir)
    }

    /// [`Recognizer::best_match`] with the threshold for another share of impostors per frame.
    pub fn best_match_at(
        &self,
        embedding: &[f32],
        fpir: f64,
    ) -> Result<Option<Match>, CheckinError> {
        let c = self.candidates_at(embedding, 2, fpir)?;
        Ok(c.hits.first().map(|&(delegate_id, score)| Match {
            delegate_id,
            score,
            runner_up: c.hits.get(1).map_or(f32::NEG_INFINITY, |x| x.1),
            threshold: c.threshold,
        }))
    }

    /// Another delegate this embedding already matches (score at or above the threshold): an
    /// enrolment photo of someone who is already enrolled under another record.
    pub fn duplicate_of(
        &self,
        embedding: &[f32],
        delegate_id: i64,
    ) -> Result<Option<(i64, f32)>, CheckinError> {
        let c = self.candidates(embedding, 2)?;
        Ok(c.hits
            .into_iter()
            .find(|&(other, score)| other != delegate_id && score >= c.threshold))
    }

    /// The query with each embedder's part multiplied by its weight, so that its inner product
    /// with a stored template is the weighted sum of the embedders' cosines.
    fn weighted(&self, embedding: &[f32]) -> Vec<f32> {
        let mut q = embedding.to_vec();
        for b in &self.blocks {
            if let Some(part) = q.get_mut(b.range.clone()) {
                part.iter_mut().for_each(|x| *x *= b.weight);
            }
        }
        q
    }

    /// The threshold scores are held to now (it depends on how many templates are enrolled and on
    /// what the last self-calibration found).
    pub fn threshold(&self) -> f32 {
        self.threshold_report().threshold
    }

    /// The threshold now, the calibration's for this gallery size, and the self-calibration.
    pub fn threshold_report(&self) -> ThresholdReport {
        self.threshold_for(&self.snapshot(), self.fpir)
    }

    fn threshold_for(&self, index: &Index, fpir: f64) -> ThresholdReport {
        let normalised = self.normalises(&index.cohort);
        let templates = index.gallery.len();
        let reference = self.calibration.threshold(normalised, templates, fpir);
        let tail = self
            .tail
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        // A tail measured on the other kind of scores says nothing about these.
        let excess = tail
            .as_ref()
            .filter(|t| t.normalised == normalised)
            .map_or(0.0, |t| t.excess);
        ThresholdReport {
            reference,
            threshold: reference + excess,
            templates,
            normalised,
            tail,
        }
    }

    /// Scores between different delegates' templates, as a stranger's frame would be scored: every
    /// delegate's first template against every other delegate (an even sample of `TAIL_QUERIES`
    /// delegates against everyone in a larger gallery). Returns the scores, the delegates and
    /// whether they are AS-normalised. About N^2 comparisons: off the request path.
    pub fn gallery_scores(&self) -> Result<(Vec<f32>, usize, bool), CheckinError> {
        let index = self.snapshot();
        let normalised = self.normalises(&index.cohort);
        let mut seen = std::collections::HashSet::new();
        let firsts: Vec<(u64, Vec<f32>)> = index
            .gallery
            .rows()
            .into_iter()
            .filter(|(id, _)| seen.insert(*id))
            .collect();
        let delegates = firsts.len();
        let step = delegates.div_ceil(TAIL_QUERIES).max(1);
        let queries: Vec<&(u64, Vec<f32>)> = firsts.iter().step_by(step).collect();
        let mut scores = Vec::new();
        for chunk in queries.chunks(64) {
            let weighted: Vec<Vec<f32>> = chunk.iter().map(|(_, v)| self.weighted(v)).collect();
            let refs: Vec<&[f32]> = weighted.iter().map(Vec::as_slice).collect();
            let hits = index
                .gallery
                .search_batch(&refs, delegates, ScanMode::Int8Rerank)?;
            for (&(id, v), hits) in chunk.iter().zip(hits) {
                let offset = if normalised {
                    index.cohort.probe_offset(v)?
                } else {
                    0.0
                };
                // Raw scores are symmetric: each pair once. Normalised ones are not (each side's
                // own cohort scores enter): both directions.
                scores.extend(
                    hits.iter()
                        .filter(|h| h.id != *id && (normalised || h.id > *id))
                        .map(|h| h.score + offset),
                );
            }
        }
        Ok((scores, delegates, normalised))
    }

    /// Self-calibration (`gallery_tail`): compares the curve of [`Recognizer::gallery_scores`]
    /// with the calibration's curve of the same kind of scores and keeps the excess for every
    /// threshold from now on. Returns what it found; `None` (and no raise) while the gallery is
    /// too small to say or the calibration has no gallery curve. Callers run it off the request
    /// path after the gallery changes.
    pub fn measure_tail(&self) -> Result<Option<GalleryTail>, CheckinError> {
        let (scores, delegates, normalised) = self.gallery_scores()?;
        let comparisons = scores.len();
        let tail = self
            .calibration
            .gallery_curve(normalised)
            .and_then(|reference| gallery_tail::excess(reference, scores))
            .map(|(excess, at, rarest)| GalleryTail {
                delegates,
                comparisons,
                normalised,
                excess,
                at_log_fmr: at,
                rarest_log_fmr: rarest,
            });
        tail.clone_into(&mut self.tail.write().unwrap_or_else(PoisonError::into_inner));
        Ok(tail)
    }

    /// The last self-calibration's finding.
    pub fn gallery_tail(&self) -> Option<GalleryTail> {
        self.tail
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Templates in the searchable gallery.
    pub fn len(&self) -> usize {
        self.snapshot().gallery.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Distinct delegates in the gallery.
    pub fn delegates(&self) -> usize {
        self.snapshot().gallery.stats().delegates
    }

    /// Whether scores are AS-normalised now (the cohort is large enough) or raw cosines.
    pub fn is_normalised(&self) -> bool {
        self.normalises(&self.snapshot().cohort)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calibration::Curve;

    /// Unit vectors in `dim` dimensions: person `i` points mostly along axis `i`.
    fn person(i: usize, dim: usize, wobble: f32) -> Vec<f32> {
        let mut v = vec![0.02f32; dim];
        v[i % dim] = 1.0;
        v[(i + 1) % dim] += wobble;
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter().map(|x| x / n).collect()
    }

    fn config(min_cohort: usize) -> RecognitionConfig {
        RecognitionConfig {
            min_cohort,
            cohort_share: 0.5,
            fpir: 0.01,
            ..RecognitionConfig::default()
        }
    }

    /// Curves under which raw scores need 0.9 and normalised ones 0.05 at every size.
    fn calibration() -> Arc<Calibration> {
        let flat = |s: f64| Curve {
            points: vec![[-1.0, s], [-6.0, s]],
            tail_slope: 0.0,
        };
        Arc::new(Calibration {
            scoring: "test".into(),
            measured_on: "test".into(),
            raw: flat(0.9),
            normalised: flat(0.05),
            gallery_raw: Some(flat(0.9)),
            gallery_normalised: Some(flat(0.05)),
            populations: Vec::new(),
        })
    }

    fn recognizer(dim: usize, min_cohort: usize) -> Recognizer {
        let block = Block {
            range: 0..dim,
            weight: 1.0,
        };
        Recognizer::with_blocks(dim, vec![block], &config(min_cohort), calibration()).unwrap()
    }

    /// `n` delegates in `dim` dimensions who share a common direction: cosine between two of them
    /// 1 / (1 + spread^2).
    fn lookalikes(n: usize, dim: usize, spread: f32) -> Vec<Vec<f32>> {
        (0..n)
            .map(|i| {
                let mut v = vec![0f32; dim];
                v[0] = 1.0;
                v[1 + i % (dim - 1)] = spread;
                let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
                v.iter().map(|x| x / norm).collect()
            })
            .collect()
    }

    fn load_all(r: &Recognizer, people: &[Vec<f32>]) {
        r.load(
            people
                .iter()
                .enumerate()
                .map(|(i, v)| (i as i64, v.as_slice())),
        )
        .unwrap();
    }

    #[test]
    fn a_gallery_of_lookalikes_raises_its_own_threshold() {
        // Delegates whose cosines to one another are 0.96, against curves that put the raw
        // threshold at 0.9: in this hall 0.9 would let strangers through.
        let r = recognizer(64, 1000);
        load_all(&r, &lookalikes(40, 64, 0.2));
        assert_eq!(r.threshold(), 0.9, "nothing measured yet");
        let tail = r.measure_tail().unwrap().expect("780 comparisons");
        assert_eq!((tail.delegates, tail.comparisons), (40, 780));
        assert!(!tail.normalised);
        assert!((tail.excess - (0.96 - 0.9)).abs() < 0.005, "{tail:?}");
        let report = r.threshold_report();
        assert!(report.raised());
        assert_eq!(report.reference, 0.9);
        assert_eq!(report.threshold, 0.9 + tail.excess);
        // Every decision uses the raised threshold: a stranger resembling them all is refused.
        let m = r.best_match(&lookalikes(41, 64, 0.2)[40]).unwrap().unwrap();
        assert_eq!(m.threshold, report.threshold);
        assert!(m.score < m.threshold, "{m:?}");
        assert_eq!(
            r.duplicate_of(&lookalikes(41, 64, 0.2)[40], 99).unwrap(),
            None
        );
    }

    #[test]
    fn a_gallery_of_distinct_faces_keeps_the_calibrated_threshold() {
        let r = recognizer(64, 1000);
        load_all(&r, &(0..40).map(|i| person(i, 64, 0.0)).collect::<Vec<_>>());
        let tail = r.measure_tail().unwrap().expect("780 comparisons");
        assert_eq!((tail.excess, tail.at_log_fmr), (0.0, None));
        assert!(!r.threshold_report().raised());
        assert_eq!(r.threshold(), 0.9);
        // Too small a gallery says nothing, and takes back an earlier raise.
        let small = recognizer(64, 1000);
        load_all(&small, &lookalikes(40, 64, 0.2));
        small.measure_tail().unwrap();
        load_all(&small, &lookalikes(10, 64, 0.2));
        assert_eq!(small.measure_tail().unwrap(), None);
        assert_eq!(small.threshold(), 0.9);
    }

    #[test]
    fn a_tail_measured_on_raw_scores_is_not_applied_to_normalised_ones() {
        let r = recognizer(64, 41);
        load_all(&r, &lookalikes(40, 64, 0.2));
        assert!(r.measure_tail().unwrap().unwrap().excess > 0.0);
        r.add(40, &lookalikes(41, 64, 0.2)[40]).unwrap();
        assert!(r.is_normalised());
        assert_eq!(r.threshold(), 0.05, "the raw excess does not apply");
    }

    #[test]
    fn finds_the_enrolled_person_with_raw_cosines_in_a_small_gallery() {
        let r = recognizer(8, 100);
        let people: Vec<Vec<f32>> = (0..5).map(|i| person(i, 8, 0.0)).collect();
        r.load(
            people
                .iter()
                .enumerate()
                .map(|(i, v)| (i as i64, v.as_slice())),
        )
        .unwrap();
        assert!(!r.is_normalised());
        let m = r.best_match(&person(3, 8, 0.1)).unwrap().unwrap();
        assert_eq!(m.delegate_id, 3);
        assert_eq!(m.threshold, 0.9);
        assert!(m.is_confident(0.01), "{m:?}");
        assert!(m.runner_up < m.score);
    }

    #[test]
    fn crossing_the_cohort_line_switches_to_as_norm_and_back() {
        let r = recognizer(8, 4);
        let people: Vec<Vec<f32>> = (0..4).map(|i| person(i, 8, 0.0)).collect();
        for (i, v) in people.iter().enumerate().take(3) {
            r.add(i as i64, v).unwrap();
        }
        assert!(!r.is_normalised());
        r.add(3, &people[3]).unwrap();
        assert!(
            r.is_normalised(),
            "the fourth template completes the cohort"
        );
        let before = r.best_match(&person(2, 8, 0.1)).unwrap().unwrap();
        assert_eq!(before.threshold, 0.05);
        // The same result as loading all four at once.
        let fresh = recognizer(8, 4);
        fresh
            .load(
                people
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (i as i64, v.as_slice())),
            )
            .unwrap();
        assert_eq!(
            fresh.best_match(&person(2, 8, 0.1)).unwrap().unwrap(),
            before
        );
        r.remove_delegate(0).unwrap();
        assert!(!r.is_normalised());
        assert_eq!((r.len(), r.delegates()), (3, 3));
        let after = r.best_match(&person(0, 8, 0.0)).unwrap().unwrap();
        assert_ne!(after.delegate_id, 0, "an erased delegate is never found");
    }

    #[test]
    fn replacing_a_delegates_templates_keeps_the_others() {
        let r = recognizer(8, 100);
        let (a, b) = (person(1, 8, 0.0), person(1, 8, 0.3));
        r.add(1, &a).unwrap();
        r.add(1, &b).unwrap();
        r.add(2, &person(2, 8, 0.0)).unwrap();
        r.replace_delegate(1, &[&b]).unwrap();
        assert_eq!((r.len(), r.delegates()), (2, 2));
        let m = r.best_match(&b).unwrap().unwrap();
        assert_eq!(m.delegate_id, 1);
        assert!((m.score - 1.0).abs() < 1e-5);
    }

    #[test]
    fn a_face_already_enrolled_under_another_record_is_a_duplicate() {
        let r = recognizer(8, 100);
        r.add(1, &person(1, 8, 0.0)).unwrap();
        assert_eq!(r.duplicate_of(&person(1, 8, 0.05), 1).unwrap(), None);
        let (other, score) = r.duplicate_of(&person(1, 8, 0.05), 7).unwrap().unwrap();
        assert_eq!(other, 1);
        assert!(score > 0.9);
        assert_eq!(r.duplicate_of(&person(4, 8, 0.0), 7).unwrap(), None);
    }

    #[test]
    fn a_load_read_before_a_concurrent_change_is_not_swapped_in() {
        let r = recognizer(8, 100);
        let stale = r.generation();
        r.add(1, &person(1, 8, 0.0)).unwrap();
        let before_add: Vec<(i64, &[f32])> = Vec::new();
        assert_eq!(r.load_if_unchanged(stale, before_add).unwrap(), None);
        assert_eq!(r.len(), 1, "the added template is still there");
        let fresh = r.generation();
        let a = person(1, 8, 0.0);
        let b = person(2, 8, 0.0);
        assert_eq!(
            r.load_if_unchanged(fresh, [(1, a.as_slice()), (2, b.as_slice())])
                .unwrap(),
            Some(2)
        );
        assert_eq!(r.len(), 2);
    }

    #[test]
    fn an_empty_gallery_matches_nobody() {
        let r = recognizer(8, 100);
        assert!(r.is_empty());
        assert_eq!(r.best_match(&person(1, 8, 0.0)).unwrap(), None);
    }
}
