/// The best `k` distinct delegates seen so far, each with its best score.
///
/// A delegate that drops out can never come back with a lower score (the floor only rises), so keeping
/// one entry per delegate gives exactly the top-k of per-delegate maxima.
#[derive(Debug, Clone)]
pub(crate) struct TopK {
    k: usize,
    entries: Vec<(u64, f32)>,
}

impl TopK {
    pub(crate) fn new(k: usize) -> Self {
        Self {
            k,
            entries: Vec::with_capacity(k + 1),
        }
    }

    /// The score a newcomer must beat (`-inf` until `k` delegates are held).
    #[inline]
    pub(crate) fn floor(&self) -> f32 {
        if self.entries.len() < self.k || self.k == 0 {
            f32::NEG_INFINITY
        } else {
            self.entries
                .iter()
                .map(|e| e.1)
                .fold(f32::INFINITY, f32::min)
        }
    }

    #[inline]
    pub(crate) fn push(&mut self, id: u64, score: f32) {
        if self.k == 0 {
            return;
        }
        if let Some(e) = self.entries.iter_mut().find(|e| e.0 == id) {
            if score > e.1 {
                e.1 = score;
            }
            return;
        }
        if self.entries.len() < self.k {
            self.entries.push((id, score));
            return;
        }
        // Replace the weakest; ties go to the smaller id so results do not depend on scan order.
        let (pos, weakest) = self
            .entries
            .iter()
            .enumerate()
            .min_by(|a, b| a.1 .1.total_cmp(&b.1 .1).then(b.1 .0.cmp(&a.1 .0)))
            .map(|(i, e)| (i, *e))
            .expect("k > 0");
        if score > weakest.1 || (score == weakest.1 && id < weakest.0) {
            self.entries[pos] = (id, score);
        }
    }

    pub(crate) fn merge(&mut self, other: TopK) {
        for (id, s) in other.entries {
            self.push(id, s);
        }
    }

    /// Best first; equal scores in ascending id order.
    pub(crate) fn into_sorted(mut self) -> Vec<(u64, f32)> {
        self.entries
            .sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        self.entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_best_score_per_delegate() {
        let mut t = TopK::new(2);
        for (id, s) in [(1, 0.5), (2, 0.4), (1, 0.9), (3, 0.6), (2, 0.95), (3, 0.1)] {
            t.push(id, s);
        }
        assert_eq!(t.into_sorted(), vec![(2, 0.95), (1, 0.9)]);
    }

    #[test]
    fn ties_resolve_to_smaller_id_whatever_the_order() {
        let mut a = TopK::new(1);
        a.push(9, 0.5);
        a.push(4, 0.5);
        let mut b = TopK::new(1);
        b.push(4, 0.5);
        b.push(9, 0.5);
        assert_eq!(a.into_sorted(), b.into_sorted());
    }
}
