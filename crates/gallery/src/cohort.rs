use crate::kernels::Backend;
use crate::GalleryError;

/// How many best cohort scores are averaged. Chosen as a round figure (about 1% of the LFW-dev gallery);
/// docs/accuracy.md shows 5 and 20 beside it.
pub const DEFAULT_COHORT_TOP_N: usize = 10;

/// Adaptive symmetric score normalisation (AS-norm) against a cohort of impostor templates.
///
/// A raw cosine says little by itself: some faces resemble many others (every score is high), some
/// resemble nobody. AS-norm subtracts, for both sides of a comparison, the mean of that side's `top_n`
/// best scores against a cohort of other people:
/// `s'(p, t) = s(p, t) - (mu_top_n(t) + mu_top_n(p)) / 2`.
/// The template's half is fixed at enrolment and stored as the gallery row's bias; the probe's half is
/// one more small scan per query. Measured effect on LFW-dev: see docs/accuracy.md.
#[derive(Debug, Clone)]
pub struct Cohort {
    dim: usize,
    top_n: usize,
    ids: Vec<u64>,
    rows: Vec<f32>,
    backend: Backend,
}

impl Cohort {
    pub fn new<'a>(
        dim: usize,
        top_n: usize,
        members: impl IntoIterator<Item = (u64, &'a [f32])>,
    ) -> Result<Self, GalleryError> {
        let mut c = Cohort {
            dim,
            top_n: top_n.max(1),
            ids: Vec::new(),
            rows: Vec::new(),
            backend: Backend::detect(),
        };
        for (id, v) in members {
            if v.len() != dim {
                return Err(GalleryError::DimensionMismatch {
                    expected: dim,
                    got: v.len(),
                });
            }
            c.ids.push(id);
            c.rows.extend_from_slice(v);
        }
        Ok(c)
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn push(&mut self, id: u64, v: &[f32]) -> Result<(), GalleryError> {
        if v.len() != self.dim {
            return Err(GalleryError::DimensionMismatch {
                expected: self.dim,
                got: v.len(),
            });
        }
        self.ids.push(id);
        self.rows.extend_from_slice(v);
        Ok(())
    }

    /// Drops every member of delegate `id` (erasure removes the vectors from memory).
    pub fn remove(&mut self, id: u64) {
        let dim = self.dim;
        let mut rows = Vec::with_capacity(self.rows.len());
        let mut ids = Vec::with_capacity(self.ids.len());
        for (i, &m) in self.ids.iter().enumerate() {
            if m != id {
                ids.push(m);
                rows.extend_from_slice(&self.rows[i * dim..(i + 1) * dim]);
            }
        }
        self.ids = ids;
        self.rows = rows;
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    fn scores(&self, v: &[f32]) -> Result<Vec<f32>, GalleryError> {
        if v.len() != self.dim {
            return Err(GalleryError::DimensionMismatch {
                expected: self.dim,
                got: v.len(),
            });
        }
        let mut out = vec![0f32; self.ids.len()];
        if !out.is_empty() {
            self.backend.dot_rows(v, &self.rows, &mut out);
        }
        Ok(out)
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

    /// The bias to store with an enrolled template of delegate `id`: minus half the mean of its
    /// `top_n` scores against cohort members who are not that delegate.
    pub fn template_bias(&self, v: &[f32], id: u64) -> Result<f32, GalleryError> {
        let scores = self.scores(v)?;
        let others: Vec<f32> = scores
            .into_iter()
            .zip(&self.ids)
            .filter(|(_, &m)| m != id)
            .map(|(s, _)| s)
            .collect();
        Ok(-0.5 * Self::mean_of_best(others, 0, self.top_n))
    }

    /// The offset to add to every score of probe `q`. Its single best cohort score is left out:
    /// when the cohort is the gallery itself, that one is likely the probe's own mate.
    pub fn probe_offset(&self, q: &[f32]) -> Result<f32, GalleryError> {
        Ok(-0.5 * Self::mean_of_best(self.scores(q)?, 1, self.top_n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_bias_ignores_the_same_delegate() {
        let a = [1.0f32, 0.0];
        let b = [0.0f32, 1.0];
        let c = Cohort::new(2, 1, [(1, &a[..]), (2, &b[..])]).unwrap();
        // Against itself the score would be 1; the only other member scores 0.
        assert_eq!(c.template_bias(&a, 1).unwrap(), 0.0);
        assert_eq!(c.template_bias(&a, 9).unwrap(), -0.5);
    }

    #[test]
    fn probe_offset_skips_the_best_match() {
        let rows = [[1.0f32, 0.0], [0.8, 0.6], [0.6, 0.8]];
        let c = Cohort::new(
            2,
            2,
            rows.iter().enumerate().map(|(i, r)| (i as u64, &r[..])),
        )
        .unwrap();
        // Scores 1.0, 0.8, 0.6: skip 1.0, mean of the next two is 0.7.
        assert!((c.probe_offset(&[1.0, 0.0]).unwrap() + 0.35).abs() < 1e-6);
    }

    #[test]
    fn push_and_remove_members() {
        let mut c = Cohort::new(2, 1, std::iter::empty()).unwrap();
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
        let c = Cohort::new(3, 10, std::iter::empty()).unwrap();
        assert_eq!(c.probe_offset(&[1.0, 0.0, 0.0]).unwrap(), 0.0);
        assert!(matches!(
            c.probe_offset(&[1.0]),
            Err(GalleryError::DimensionMismatch { .. })
        ));
    }
}
