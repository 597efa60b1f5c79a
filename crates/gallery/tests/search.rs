use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rollcall_gallery::{Backend, Gallery, GalleryError, Hit, ScanMode};

fn unit(rng: &mut impl Rng, dim: usize) -> Vec<f32> {
    let mut v: Vec<f32> = (0..dim).map(|_| rng.gen_range(-1.0f32..1.0)).collect();
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter_mut().for_each(|x| *x /= n);
    v
}

/// Brute force in f64: per-delegate max, best first, ties by id.
fn reference(data: &[(u64, Vec<f32>)], q: &[f32], k: usize) -> Vec<(u64, f64)> {
    let mut best = std::collections::HashMap::<u64, f64>::new();
    for (id, v) in data {
        let s: f64 = v.iter().zip(q).map(|(a, b)| *a as f64 * *b as f64).sum();
        let e = best.entry(*id).or_insert(f64::NEG_INFINITY);
        *e = e.max(s);
    }
    let mut all: Vec<(u64, f64)> = best.into_iter().collect();
    all.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    all.truncate(k);
    all
}

fn assert_matches(got: &[Hit], want: &[(u64, f64)]) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert!((g.score as f64 - w.1).abs() < 1e-5, "{g:?} vs {w:?}");
    }
    // Ids must agree except where the reference itself has a near-tie.
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let tie = want
            .iter()
            .enumerate()
            .any(|(j, o)| j != i && (o.1 - w.1).abs() < 1e-5);
        if !tie {
            assert_eq!(g.id, w.0, "rank {i}");
        }
    }
}

fn random_gallery(
    seed: u64,
    delegates: u64,
    per: usize,
    dim: usize,
) -> (Gallery, Vec<(u64, Vec<f32>)>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let g = Gallery::new(dim);
    let mut data = Vec::new();
    for id in 0..delegates {
        for _ in 0..per {
            data.push((id, unit(&mut rng, dim)));
        }
    }
    g.add_many(data.iter().map(|(id, v)| (*id, v.as_slice())))
        .unwrap();
    (g, data)
}

#[test]
fn exact_and_int8_match_brute_force_on_every_backend() {
    for backend in Backend::available() {
        // 20k templates crosses the parallel threshold; 3 per delegate exercises the per-delegate max.
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let g = Gallery::with_backend(128, backend);
        let data: Vec<(u64, Vec<f32>)> =
            (0..20_000).map(|i| (i / 3, unit(&mut rng, 128))).collect();
        g.add_many(data.iter().map(|(id, v)| (*id, v.as_slice())))
            .unwrap();
        for _ in 0..20 {
            let q = unit(&mut rng, 128);
            let want = reference(&data, &q, 5);
            assert_matches(&g.search(&q, 5, ScanMode::Exact).unwrap(), &want);
            assert_matches(&g.search(&q, 5, ScanMode::Int8Rerank).unwrap(), &want);
        }
    }
}

#[test]
fn int8_top1_equals_exact_on_near_duplicates() {
    // Many templates a hair apart from the query: the int8 scan alone cannot order them, the re-rank must.
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let base = unit(&mut rng, 128);
    let g = Gallery::new(128);
    let data: Vec<(u64, Vec<f32>)> = (0..2000)
        .map(|i| {
            let mut v: Vec<f32> = base
                .iter()
                .map(|x| x + rng.gen_range(-0.002..0.002))
                .collect();
            let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            v.iter_mut().for_each(|x| *x /= n);
            (i, v)
        })
        .collect();
    g.add_many(data.iter().map(|(id, v)| (*id, v.as_slice())))
        .unwrap();
    let exact = g.search(&base, 1, ScanMode::Exact).unwrap();
    let int8 = g.search(&base, 1, ScanMode::Int8Rerank).unwrap();
    assert_eq!(exact, int8);
    assert_matches(&exact, &reference(&data, &base, 1));
}

#[test]
fn batch_equals_one_by_one() {
    let (g, _) = random_gallery(3, 500, 2, 64);
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let qs: Vec<Vec<f32>> = (0..9).map(|_| unit(&mut rng, 64)).collect();
    let refs: Vec<&[f32]> = qs.iter().map(Vec::as_slice).collect();
    for mode in [ScanMode::Exact, ScanMode::Int8Rerank] {
        let batch = g.search_batch(&refs, 3, mode).unwrap();
        for (q, b) in qs.iter().zip(batch) {
            assert_eq!(g.search(q, 3, mode).unwrap(), b);
        }
    }
}

#[test]
fn ties_are_broken_by_smaller_id() {
    let g = Gallery::new(2);
    for id in [7, 3, 5] {
        g.add(id, &[1.0, 0.0]).unwrap();
    }
    let hits = g.search(&[1.0, 0.0], 2, ScanMode::Exact).unwrap();
    assert_eq!(hits.iter().map(|h| h.id).collect::<Vec<_>>(), vec![3, 5]);
    assert_eq!(
        g.search(&[1.0, 0.0], 2, ScanMode::Int8Rerank).unwrap(),
        hits
    );
}

#[test]
fn empty_gallery_and_k_beyond_size() {
    let g = Gallery::new(4);
    assert!(g
        .search(&[1.0, 0.0, 0.0, 0.0], 3, ScanMode::Exact)
        .unwrap()
        .is_empty());
    assert!(g
        .search(&[1.0, 0.0, 0.0, 0.0], 3, ScanMode::Int8Rerank)
        .unwrap()
        .is_empty());
    g.add(1, &[1.0, 0.0, 0.0, 0.0]).unwrap();
    g.add(1, &[0.0, 1.0, 0.0, 0.0]).unwrap();
    g.add(2, &[0.0, 0.0, 1.0, 0.0]).unwrap();
    let hits = g
        .search(&[0.6, 0.8, 0.0, 0.0], 10, ScanMode::Exact)
        .unwrap();
    assert_eq!(hits.len(), 2, "two delegates, however many templates");
    assert_eq!(hits[0], Hit { id: 1, score: 0.8 });
    assert!(g
        .search(&[0.6, 0.8, 0.0, 0.0], 0, ScanMode::Exact)
        .unwrap()
        .is_empty());
    assert_eq!(g.stats().templates, 3);
    assert_eq!(g.stats().delegates, 2);
}

#[test]
fn dimension_mismatch_and_nan_are_clear_errors() {
    let g = Gallery::new(128);
    assert_eq!(
        g.add(1, &[0.0; 127]),
        Err(GalleryError::DimensionMismatch {
            expected: 128,
            got: 127
        })
    );
    assert_eq!(
        g.search(&[0.0; 64], 1, ScanMode::Exact)
            .unwrap_err()
            .to_string(),
        "vector has dimension 64, the gallery holds dimension 128"
    );
    let mut nan = vec![0.0; 128];
    nan[5] = f32::NAN;
    assert_eq!(g.add(1, &nan), Err(GalleryError::NotFinite));
    assert!(g.is_empty());
}

#[test]
fn remove_takes_a_delegate_out_of_search() {
    let (g, data) = random_gallery(5, 5000, 2, 32);
    let (victim, v) = &data[1234];
    assert_eq!(g.search(v, 1, ScanMode::Exact).unwrap()[0].id, *victim);
    assert_eq!(g.remove(*victim), 2);
    assert_eq!(g.remove(*victim), 0);
    for mode in [ScanMode::Exact, ScanMode::Int8Rerank] {
        assert!(g
            .search(v, 50, mode)
            .unwrap()
            .iter()
            .all(|h| h.id != *victim));
    }
    assert_eq!(g.stats().templates, 9998);
    assert_eq!(g.stats().delegates, 4999);
}

#[test]
fn rows_export_every_template_in_order() {
    let (g, data) = random_gallery(6, 3000, 2, 16);
    assert_eq!(g.rows(), data, "across segments, in insertion order");
    g.remove(7);
    let rows = g.rows();
    assert_eq!(rows.len(), data.len() - 2);
    assert!(rows.iter().all(|(id, _)| *id != 7));
}

#[test]
fn searches_run_while_delegates_are_enrolled_and_erased() {
    let (g, data) = random_gallery(6, 3000, 1, 64);
    let g = Arc::new(g);
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (g, stop) = (Arc::clone(&g), Arc::clone(&stop));
        std::thread::spawn(move || {
            let mut rng = ChaCha8Rng::seed_from_u64(7);
            let mut id = 100_000;
            let mut rounds = 0;
            while !stop.load(Ordering::Relaxed) || rounds < 50 {
                g.add(id, &unit(&mut rng, 64)).unwrap();
                g.remove(id - 1);
                id += 1;
                rounds += 1;
            }
            rounds
        })
    };
    // Delegates 0..3000 are never touched, so every one of them must always be found as itself.
    for (i, (id, v)) in data.iter().enumerate().take(400) {
        let mode = if i % 2 == 0 {
            ScanMode::Exact
        } else {
            ScanMode::Int8Rerank
        };
        assert_eq!(g.search(v, 1, mode).unwrap()[0].id, *id);
    }
    stop.store(true, Ordering::Relaxed);
    assert!(writer.join().unwrap() >= 50);
    let s = g.stats();
    assert_eq!(
        s.delegates, 3001,
        "3000 stable delegates plus the last one the writer enrolled"
    );
}
