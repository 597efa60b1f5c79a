use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use rayon::prelude::*;

use crate::kernels::Backend;
use crate::quant::QuantizedVector;
use crate::topk::TopK;
use crate::GalleryError;

/// Vectors per segment: small enough that an enrolment copies little (2 MB at d=128), large enough
/// that a scan is a few long sequential reads.
const SEGMENT_ROWS: usize = 4096;

/// Rows scored per kernel call: the scores stay in L1 and a batch of queries reuses the block from L2.
const BLOCK_ROWS: usize = 256;

/// Galleries smaller than this are scanned on the calling thread. Work is split by segment, so below two
/// segments there is nothing to share; from 8,192 rows on, the parallel scan was faster at every size
/// measured (`benches/gallery.rs`, group `crossover`: 1.12x at 8k, 2.0x at 32k on 2 cores; docs/performance.md).
pub const PARALLEL_MIN_ROWS: usize = 2 * SEGMENT_ROWS;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanMode {
    /// Exact inner products on f32.
    Exact,
    /// Int8 scan, then exact f32 re-ranking of every candidate the quantisation error could promote:
    /// the result equals `Exact`'s.
    Int8Rerank,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub id: u64,
    pub score: f32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GalleryStats {
    pub templates: usize,
    pub delegates: usize,
    pub dim: usize,
}

#[derive(Debug, Clone, Default)]
struct Segment {
    ids: Vec<u64>,
    /// Added to every score of the row (score normalisation's per-template term; 0 without it).
    bias: Vec<f32>,
    f32s: Vec<f32>,
    i8s: Vec<i8>,
    scales: Vec<f32>,
    max_error: f32,
    max_norm: f32,
}

impl Segment {
    fn len(&self) -> usize {
        self.ids.len()
    }

    fn push(&mut self, id: u64, v: &[f32], bias: f32, q: &QuantizedVector) {
        self.ids.push(id);
        self.bias.push(bias);
        self.f32s.extend_from_slice(v);
        self.i8s.extend_from_slice(&q.values);
        self.scales.push(q.scale);
        self.max_error = self.max_error.max(q.error);
        self.max_norm = self.max_norm.max(q.norm);
    }

    fn without(&self, id: u64, dim: usize) -> Segment {
        let mut out = Segment {
            max_error: self.max_error,
            max_norm: self.max_norm,
            ..Segment::default()
        };
        for (row, &rid) in self.ids.iter().enumerate() {
            if rid != id {
                out.ids.push(rid);
                out.bias.push(self.bias[row]);
                out.f32s
                    .extend_from_slice(&self.f32s[row * dim..(row + 1) * dim]);
                out.i8s
                    .extend_from_slice(&self.i8s[row * dim..(row + 1) * dim]);
                out.scales.push(self.scales[row]);
            }
        }
        out
    }
}

#[derive(Debug, Default)]
struct Snapshot {
    segments: Vec<Arc<Segment>>,
    templates: usize,
    delegates: usize,
}

/// A concurrent gallery: searches run on a snapshot without locks held; writers copy what they change.
#[derive(Debug)]
pub struct Gallery {
    dim: usize,
    backend: Backend,
    parallel_min_rows: usize,
    current: RwLock<Arc<Snapshot>>,
    /// Templates per delegate; only writers touch it, one at a time.
    writer: Mutex<HashMap<u64, usize>>,
}

impl Gallery {
    pub fn new(dim: usize) -> Self {
        Self::with_backend(dim, Backend::detect())
    }

    pub fn with_backend(dim: usize, backend: Backend) -> Self {
        Self {
            dim,
            backend,
            parallel_min_rows: PARALLEL_MIN_ROWS,
            current: RwLock::new(Arc::default()),
            writer: Mutex::new(HashMap::new()),
        }
    }

    /// Scan in parallel from `rows` templates up (`usize::MAX`: never; 0: always).
    pub fn with_parallel_min_rows(mut self, rows: usize) -> Self {
        self.parallel_min_rows = rows;
        self
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    fn snapshot(&self) -> Arc<Snapshot> {
        Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }

    fn check(&self, v: &[f32]) -> Result<(), GalleryError> {
        if v.len() != self.dim {
            return Err(GalleryError::DimensionMismatch {
                expected: self.dim,
                got: v.len(),
            });
        }
        if v.iter().any(|x| !x.is_finite()) {
            return Err(GalleryError::NotFinite);
        }
        Ok(())
    }

    pub fn stats(&self) -> GalleryStats {
        let s = self.snapshot();
        GalleryStats {
            templates: s.templates,
            delegates: s.delegates,
            dim: self.dim,
        }
    }

    pub fn len(&self) -> usize {
        self.snapshot().templates
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds one template for `id` (a delegate may have several).
    pub fn add(&self, id: u64, v: &[f32]) -> Result<(), GalleryError> {
        self.add_biased(std::iter::once((id, v, 0.0)))
    }

    /// Adds many templates with one snapshot swap (start-up loading).
    pub fn add_many<'a>(
        &self,
        items: impl IntoIterator<Item = (u64, &'a [f32])>,
    ) -> Result<(), GalleryError> {
        self.add_biased(items.into_iter().map(|(id, v)| (id, v, 0.0)))
    }

    /// Adds templates whose every score is offset by a per-template `bias` (see `Cohort`), with one
    /// snapshot swap.
    pub fn add_biased<'a>(
        &self,
        items: impl IntoIterator<Item = (u64, &'a [f32], f32)>,
    ) -> Result<(), GalleryError> {
        let mut counts = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let old = self.snapshot();
        let mut segments = old.segments.clone();
        let mut tail: Option<Segment> = match segments.last() {
            Some(last) if last.len() < SEGMENT_ROWS => segments.pop().map(|s| (*s).clone()),
            _ => None,
        };
        let mut added = Vec::new();
        for (id, v, bias) in items {
            self.check(v)?;
            if !bias.is_finite() {
                return Err(GalleryError::NotFinite);
            }
            let seg = tail.get_or_insert_with(Segment::default);
            seg.push(id, v, bias, &QuantizedVector::new(v));
            added.push(id);
            if seg.len() == SEGMENT_ROWS {
                segments.push(Arc::new(tail.take().expect("just filled")));
            }
        }
        if let Some(seg) = tail {
            segments.push(Arc::new(seg));
        }
        for id in &added {
            *counts.entry(*id).or_insert(0) += 1;
        }
        let next = Snapshot {
            segments,
            templates: old.templates + added.len(),
            delegates: counts.len(),
        };
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(next);
        Ok(())
    }

    /// Removes every template of `id`; returns how many there were. Searches that start after this
    /// returns no longer see them, and their memory is freed when the last older search finishes.
    pub fn remove(&self, id: u64) -> usize {
        let mut counts = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(n) = counts.remove(&id) else {
            return 0;
        };
        let old = self.snapshot();
        let segments = old
            .segments
            .iter()
            .filter_map(|s| {
                if s.ids.contains(&id) {
                    let smaller = s.without(id, self.dim);
                    (smaller.len() > 0).then(|| Arc::new(smaller))
                } else {
                    Some(Arc::clone(s))
                }
            })
            .collect();
        let next = Snapshot {
            segments,
            templates: old.templates - n,
            delegates: counts.len(),
        };
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(next);
        n
    }

    /// Every template as (id, vector), in gallery order (oldest first). For rebuilding the gallery
    /// with new biases when the score normalisation changes; a copy, so it costs memory only while
    /// the caller holds it.
    pub fn rows(&self) -> Vec<(u64, Vec<f32>)> {
        let snapshot = self.snapshot();
        let mut out = Vec::with_capacity(snapshot.templates);
        for seg in &snapshot.segments {
            for (row, &id) in seg.ids.iter().enumerate() {
                out.push((id, seg.f32s[row * self.dim..(row + 1) * self.dim].to_vec()));
            }
        }
        out
    }

    /// The `k` best delegates for `query` (score = max over the delegate's templates), best first.
    pub fn search(
        &self,
        query: &[f32],
        k: usize,
        mode: ScanMode,
    ) -> Result<Vec<Hit>, GalleryError> {
        Ok(self
            .search_batch(&[query], k, mode)?
            .pop()
            .unwrap_or_default())
    }

    pub fn search_batch(
        &self,
        queries: &[&[f32]],
        k: usize,
        mode: ScanMode,
    ) -> Result<Vec<Vec<Hit>>, GalleryError> {
        for q in queries {
            self.check(q)?;
        }
        let snap = self.snapshot();
        let parallel = snap.templates >= self.parallel_min_rows;
        let scan = |qs: &[&[f32]], parallel: bool| match mode {
            ScanMode::Exact => self.scan_exact(&snap, qs, k, parallel),
            ScanMode::Int8Rerank => self.scan_int8(&snap, qs, k, parallel),
        };
        // A small gallery cannot be split by segment, but a batch of queries can be split instead.
        let results = if !parallel && queries.len() > 1 && self.parallel_min_rows != usize::MAX {
            let per = queries.len().div_ceil(rayon::current_num_threads());
            queries
                .par_chunks(per)
                .flat_map_iter(|qs| scan(qs, false))
                .collect()
        } else {
            scan(queries, parallel)
        };
        Ok(results
            .into_iter()
            .map(|t| {
                t.into_sorted()
                    .into_iter()
                    .map(|(id, score)| Hit { id, score })
                    .collect()
            })
            .collect())
    }

    /// Runs `scan` over segments, in parallel or not, and merges the per-query partial results.
    fn over_segments<'s, T: Send>(
        snap: &'s Snapshot,
        parallel: bool,
        init: impl Fn() -> T + Sync + Send,
        scan: impl Fn(&mut T, &'s Segment) + Sync + Send,
        merge: impl Fn(T, T) -> T + Sync + Send,
    ) -> T {
        if parallel {
            snap.segments
                .par_iter()
                .fold(&init, |mut acc, seg| {
                    scan(&mut acc, seg);
                    acc
                })
                .reduce(&init, &merge)
        } else {
            let mut acc = init();
            for seg in &snap.segments {
                scan(&mut acc, seg);
            }
            acc
        }
    }

    fn scan_exact(
        &self,
        snap: &Snapshot,
        queries: &[&[f32]],
        k: usize,
        parallel: bool,
    ) -> Vec<TopK> {
        let dim = self.dim;
        let backend = self.backend;
        Self::over_segments(
            snap,
            parallel,
            || vec![TopK::new(k); queries.len()],
            |tops, seg| {
                let mut scores = [0f32; BLOCK_ROWS];
                for start in (0..seg.len()).step_by(BLOCK_ROWS) {
                    let n = BLOCK_ROWS.min(seg.len() - start);
                    let rows = &seg.f32s[start * dim..(start + n) * dim];
                    for (q, top) in queries.iter().zip(tops.iter_mut()) {
                        backend.dot_rows(q, rows, &mut scores[..n]);
                        let mut floor = top.floor();
                        for (i, (&s, &b)) in scores[..n]
                            .iter()
                            .zip(&seg.bias[start..start + n])
                            .enumerate()
                        {
                            let s = s + b;
                            if s >= floor {
                                top.push(seg.ids[start + i], s);
                                floor = top.floor();
                            }
                        }
                    }
                }
            },
            merge_tops,
        )
    }

    fn scan_int8<'s>(
        &self,
        snap: &'s Snapshot,
        queries: &[&[f32]],
        k: usize,
        parallel: bool,
    ) -> Vec<TopK> {
        let dim = self.dim;
        let backend = self.backend;
        let qs: Vec<QuantizedVector> = queries.iter().map(|q| QuantizedVector::new(q)).collect();
        let (max_error, max_norm) = snap.segments.iter().fold((0f32, 0f32), |(e, n), s| {
            (e.max(s.max_error), n.max(s.max_norm))
        });
        // |q.v - q'.v'| <= |q| |v - v'| + |q - q'| |v'|: one bound for every row of this search, doubled
        // because a candidate's approximation and the k-th best's can be off in opposite directions.
        let slack: Vec<f32> = queries
            .iter()
            .zip(&qs)
            .map(|(q, qq)| {
                let qn = q.iter().map(|x| x * x).sum::<f32>().sqrt();
                2.0 * (qn * max_error + qq.error * max_norm) * (1.0 + 1e-5) + 1e-6
            })
            .collect();
        let candidates = Self::over_segments(
            snap,
            parallel,
            || vec![(TopK::new(k), Vec::<(f32, &'s Segment, usize)>::new()); queries.len()],
            |state, seg| {
                let mut raw = [0i32; BLOCK_ROWS];
                for start in (0..seg.len()).step_by(BLOCK_ROWS) {
                    let n = BLOCK_ROWS.min(seg.len() - start);
                    let rows = &seg.i8s[start * dim..(start + n) * dim];
                    for ((qq, (top, cands)), &slack) in qs.iter().zip(state.iter_mut()).zip(&slack)
                    {
                        backend.dot_rows_i8(&qq.values, rows, &mut raw[..n]);
                        let mut cut = top.floor() - slack;
                        for (i, &r) in raw[..n].iter().enumerate() {
                            let approx =
                                r as f32 * qq.scale * seg.scales[start + i] + seg.bias[start + i];
                            if approx >= cut {
                                top.push(seg.ids[start + i], approx);
                                cands.push((approx, seg, start + i));
                                cut = top.floor() - slack;
                                if cands.len() > 4096 {
                                    cands.retain(|c| c.0 >= cut);
                                }
                            }
                        }
                    }
                }
            },
            |a, b| {
                merge_pairwise(a, b, |(ta, ca), (tb, cb)| {
                    ta.merge(tb);
                    ca.extend(cb);
                })
            },
        );
        candidates
            .into_iter()
            .zip(queries)
            .zip(&slack)
            .map(|(((top, cands), q), &slack)| {
                let cut = top.floor() - slack;
                let mut exact = TopK::new(k);
                let mut one = [0f32];
                for (approx, seg, row) in cands {
                    if approx >= cut {
                        backend.dot_rows(q, &seg.f32s[row * dim..(row + 1) * dim], &mut one);
                        exact.push(seg.ids[row], one[0] + seg.bias[row]);
                    }
                }
                exact
            })
            .collect()
    }
}

fn merge_tops(a: Vec<TopK>, b: Vec<TopK>) -> Vec<TopK> {
    merge_pairwise(a, b, TopK::merge)
}

/// Two segments' per-query results folded into one, query by query.
fn merge_pairwise<T>(a: Vec<T>, b: Vec<T>, merge: impl Fn(&mut T, T)) -> Vec<T> {
    a.into_iter()
        .zip(b)
        .map(|(mut x, y)| {
            merge(&mut x, y);
            x
        })
        .collect()
}
