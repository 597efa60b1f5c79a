use std::ops::Range;

use crate::kernels::Backend;
use crate::GalleryError;

/// How many best cohort scores AS-norm averages, as a share of the cohort: 10 of the 830 people
/// enrolled in LFW-dev, where it was measured (docs/accuracy.md). A share rather than a fixed count,
/// so that the normalised scores mean the same whatever the cohort's size: the mean of the 10 best
/// of 100 people is a much lower bar than the 10 best of 5,000.
pub const DEFAULT_COHORT_SHARE: f32 = 10.0 / 830.0;

/// One embedder's part of a fused template: `range` of the vector, and the weight of its score in
/// the fused score.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub range: Range<usize>,
    pub weight: f32,
}

/// Adaptive symmetric score normalisation (AS-norm) against a cohort of impostor templates.
///
/// A raw cosine says little by itself: some faces resemble many others (every score is high), some
/// resemble nobody. AS-norm subtracts, for both sides of a comparison, the mean of that side's best
/// scores against a cohort of other people: `s'(p, t) = s(p, t) - (mu(t) + mu(p)) / 2`.
/// With a fused template (several embedders side by side) each embedder is normalised against its
/// own scores and the terms are added with the blocks' weights, which is what adding the embedders'
/// normalised scores with those weights gives.
/// The template's half is fixed at enrolment and stored as the gallery row's bias; the probe's half is
/// one more small scan per query. Measured effect on LFW-dev: see docs/accuracy.md.
#[derive(Debug, Clone)]
pub struct Cohort {
    dim: usize,
    blocks: Vec<Block>,
    share: f32,
    ids: Vec<u64>,
    /// Per block, the members' slices of that block, one after the other.
    rows: Vec<Vec<f32>>,
    backend: Backend,
}

impl Cohort {
    /// A cohort of `dim`-long templates scored as one block.
    pub fn new<'a>(
        dim: usize,
        share: f32,
        members: impl IntoIterator<Item = (u64, &'a [f32])>,
    ) -> Result<Self, GalleryError> {
        Self::with_blocks(
            dim,
            vec![Block {
                range: 0..dim,
                weight: 1.0,
            }],
            share,
            members,
        )
    }

    /// A cohort of fused templates: each block normalised on its own, the terms weighted.
    pub fn with_blocks<'a>(
        dim: usize,
        blocks: Vec<Block>,
        share: f32,
        members: impl IntoIterator<Item = (u64, &'a [f32])>,
    ) -> Result<Self, GalleryError> {
        if blocks
            .iter()
            .any(|b| b.range.end > dim || b.range.is_empty())
        {
            return Err(GalleryError::DimensionMismatch {
                expected: dim,
                got: blocks.iter().map(|b| b.range.end).max().unwrap_or(0),
            });
        }
        let mut c = Cohort {
            dim,
            rows: vec![Vec::new(); blocks.len()],
            blocks,
            share: share.max(0.0),
            ids: Vec::new(),
            backend: Backend::detect(),
        };
        for (id, v) in members {
            c.push(id, v)?;
        }
        Ok(c)
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub fn push(&mut self, id: u64, v: &[f32]) -> Result<(), GalleryError> {
        if v.len() != self.dim {
            return Err(GalleryError::DimensionMismatch {
                expected: self.dim,
                got: v.len(),
            });
        }
        self.ids.push(id);
        for (b, rows) in self.blocks.iter().zip(&mut self.rows) {
            rows.extend_from_slice(&v[b.range.clone()]);
        }
        Ok(())
    }

    /// Drops every member of delegate `id` (erasure removes the vectors from memory).
    pub fn remove(&mut self, id: u64) {
        let keep: Vec<bool> = self.ids.iter().map(|&m| m != id).collect();
        for (b, rows) in self.blocks.iter().zip(&mut self.rows) {
            let len = b.range.len();
            let mut kept = Vec::with_capacity(rows.len());
            for (row, &k) in rows.chunks_exact(len).zip(&keep) {
                if k {
                    kept.extend_from_slice(row);
                }
            }
            *rows = kept;
        }
        self.ids.retain(|&m| m != id);
    }

    /// How many best scores are averaged for a cohort of this size.
    fn top_n(&self) -> usize {
        ((self.share * self.ids.len() as f32).round() as usize).max(1)
    }

    /// Per block: every member's score against `v`'s slice of that block.
    fn scores(&self, v: &[f32]) -> Result<Vec<Vec<f32>>, GalleryError> {
        if v.len() != self.dim {
            return Err(GalleryError::DimensionMismatch {
                expected: self.dim,
                got: v.len(),
            });
        }
        Ok(self
            .blocks
            .iter()
            .zip(&self.rows)
            .map(|(b, rows)| {
                let mut out = vec![0f32; self.ids.len()];
                if !out.is_empty() {
                    self.backend.dot_rows(&v[b.range.clone()], rows, &mut out);
                }
                out
            })
            .collect())
    }

    fn mean_of_best(mut scores: Vec<f32>, skip: usize, n: usize) -> f32 {
        scores.sort_unstable_by(|a, b| b.total_cmp(a));
        let best: Vec<f32> = scores.into_iter().skip(skip).take(n).collect();
        if best.is_empty() {
            0.0
        } else {
            best.iter().sum::<f32>() / best.len() as f32
        }
    }

    /// The blocks' weighted means of best scores.
    fn weighted_mean_of_best(&self, per_block: Vec<Vec<f32>>, skip: usize) -> f32 {
        let n = self.top_n();
        self.blocks
            .iter()
            .zip(per_block)
            .map(|(b, s)| b.weight * Self::mean_of_best(s, skip, n))
            .sum()
    }

    /// The bias to store with an enrolled template of delegate `id`: minus half the weighted mean of
    /// its best scores against cohort members who are not that delegate.
    pub fn template_bias(&self, v: &[f32], id: u64) -> Result<f32, GalleryError> {
        let others: Vec<Vec<f32>> = self
            .scores(v)?
            .into_iter()
            .map(|s| {
                s.into_iter()
                    .zip(&self.ids)
                    .filter(|(_, &m)| m != id)
                    .map(|(s, _)| s)
                    .collect()
            })
            .collect();
        Ok(-0.5 * self.weighted_mean_of_best(others, 0))
    }

    /// The offset to add to every score of probe `q`. Its single best cohort score is left out:
    /// when the cohort is the gallery itself, that one is likely the probe's own mate.
    pub fn probe_offset(&self, q: &[f32]) -> Result<f32, GalleryError> {
        Ok(-0.5 * self.weighted_mean_of_best(self.scores(q)?, 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A share that averages exactly `n` best scores in a cohort of `len`.
    fn share(n: usize, len: usize) -> f32 {
        n as f32 / len as f32
    }

    #[test]
    fn template_bias_ignores_the_same_delegate() {
        let a = [1.0f32, 0.0];
        let b = [0.0f32, 1.0];
        let c = Cohort::new(2, share(1, 2), [(1, &a[..]), (2, &b[..])]).unwrap();
        // Against itself the score would be 1; the only other member scores 0.
        assert_eq!(c.template_bias(&a, 1).unwrap(), 0.0);
        assert_eq!(c.template_bias(&a, 9).unwrap(), -0.5);
    }

    #[test]
    fn probe_offset_skips_the_best_match() {
        let rows = [[1.0f32, 0.0], [0.8, 0.6], [0.6, 0.8]];
        let c = Cohort::new(
            2,
            share(2, 3),
            rows.iter().enumerate().map(|(i, r)| (i as u64, &r[..])),
        )
        .unwrap();
        // Scores 1.0, 0.8, 0.6: skip 1.0, mean of the next two is 0.7.
        assert!((c.probe_offset(&[1.0, 0.0]).unwrap() + 0.35).abs() < 1e-6);
    }

    #[test]
    fn the_number_averaged_grows_with_the_cohort() {
        let rows: Vec<[f32; 1]> = (0..100).map(|i| [i as f32 / 100.0]).collect();
        let members = |n: usize| {
            rows.iter()
                .take(n)
                .enumerate()
                .map(|(i, r)| (i as u64, &r[..]))
        };
        // 10% of 10 members: the single best (0.09); of 100: the best ten (0.90 .. 0.99).
        let small = Cohort::new(1, 0.1, members(10)).unwrap();
        assert!((small.template_bias(&[1.0], 999).unwrap() + 0.045).abs() < 1e-6);
        let large = Cohort::new(1, 0.1, members(100)).unwrap();
        assert!((large.template_bias(&[1.0], 999).unwrap() + 0.4725).abs() < 1e-5);
    }

    #[test]
    fn blocks_are_normalised_on_their_own_and_weighted() {
        // Two one-float blocks: the first scores 0.5 against the member, the second 1.0.
        let member = [0.5f32, 1.0];
        let blocks = vec![
            Block {
                range: 0..1,
                weight: 0.75,
            },
            Block {
                range: 1..2,
                weight: 0.25,
            },
        ];
        let c = Cohort::with_blocks(2, blocks, 1.0, [(1, &member[..])]).unwrap();
        let bias = c.template_bias(&[1.0, 1.0], 2).unwrap();
        assert!(
            (bias + 0.5 * (0.75 * 0.5 + 0.25 * 1.0)).abs() < 1e-6,
            "{bias}"
        );
        assert!(Cohort::with_blocks(
            2,
            vec![Block {
                range: 1..3,
                weight: 1.0
            }],
            1.0,
            std::iter::empty()
        )
        .is_err());
    }

    #[test]
    fn push_and_remove_members() {
        let mut c = Cohort::new(2, 0.5, std::iter::empty()).unwrap();
        c.push(1, &[1.0, 0.0]).unwrap();
        c.push(2, &[0.0, 1.0]).unwrap();
        c.push(1, &[0.6, 0.8]).unwrap();
        c.remove(1);
        assert_eq!(c.len(), 1);
        assert_eq!(c.template_bias(&[0.0, 1.0], 9).unwrap(), -0.5);
        assert!(c.push(3, &[1.0]).is_err());
    }

    #[test]
    fn empty_cohort_changes_nothing_and_wrong_dimension_is_an_error() {
        let c = Cohort::new(3, 0.1, std::iter::empty()).unwrap();
        assert_eq!(c.probe_offset(&[1.0, 0.0, 0.0]).unwrap(), 0.0);
        assert!(matches!(
            c.probe_offset(&[1.0]),
            Err(GalleryError::DimensionMismatch { .. })
        ));
    }
}
