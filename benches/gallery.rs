//! Gallery search beside FAISS `IndexFlatIP`, same vectors, same queries, one run:
//! `make bench-gallery` (or `cargo bench -p rollcall-benches --bench gallery`).
//!
//! The vectors are laid out as the product's templates are: dlib's 128-d descriptor and SFace's
//! 128-d feature side by side, each a unit vector, and queries weighted per block as the
//! recognizer weights them (the server's default `sface_weight`), so the dimension and the scores'
//! spread follow the code.
//!
//! Criterion measures each variant; at the end a table puts criterion's medians beside FAISS's (timed by
//! `tools/faiss_peer.py` on the very same files), with the ratios, GB/s scanned, and the memory read
//! bandwidth measured here, in this process. `ROLLCALL_BENCH_SIZES=1000,10000` narrows the sizes.

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput};
use rayon::prelude::*;
use rollcall_benches::{criterion_median_ns, repo_root, run_peer, unit_vectors, write_f32};
use rollcall_checkin::RecognitionConfig;
use rollcall_gallery::{Backend, Gallery, ScanMode};
use rollcall_vision::{DLIB_DIM, SFACE_DIM};

/// The product's template: dlib's descriptor, then SFace's feature.
const DIM: usize = DLIB_DIM + SFACE_DIM;
const BATCH: usize = 64;

/// `n` templates as the pipeline makes them: each embedder's part a unit vector of its own.
fn templates(seed: u64, n: usize) -> Vec<f32> {
    let dlib = unit_vectors(seed, n, DLIB_DIM);
    let sface = unit_vectors(seed + 1_000, n, SFACE_DIM);
    dlib.chunks_exact(DLIB_DIM)
        .zip(sface.chunks_exact(SFACE_DIM))
        .flat_map(|(d, s)| d.iter().chain(s).copied())
        .collect()
}

/// `n` probes as the recognizer searches with them: templates with each block times its weight.
fn probes(seed: u64, n: usize) -> Vec<f32> {
    let blocks = RecognitionConfig::default().blocks();
    let mut q = templates(seed, n);
    for row in q.chunks_exact_mut(DIM) {
        for b in &blocks {
            row[b.range.clone()].iter_mut().for_each(|x| *x *= b.weight);
        }
    }
    q
}

fn sizes() -> Vec<usize> {
    std::env::var("ROLLCALL_BENCH_SIZES").ok().map_or_else(
        || vec![1_000, 10_000, 100_000, 1_000_000],
        |s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect(),
    )
}

fn build(n: usize, backend: Backend) -> (Gallery, Vec<f32>) {
    let data = templates(42, n);
    let g = Gallery::with_backend(DIM, backend);
    g.add_many(
        data.chunks_exact(DIM)
            .enumerate()
            .map(|(i, v)| (i as u64, v)),
    )
    .unwrap();
    (g, data)
}

/// Reads `buf` once per call with all cores (the bound any scan of it is held to).
fn read_all(buf: &[u64], threads: usize) -> u64 {
    if threads == 1 {
        return buf.iter().fold(0u64, |a, &x| a.wrapping_add(x));
    }
    buf.par_chunks(buf.len().div_ceil(threads))
        .map(|c| c.iter().fold(0u64, |a, &x| a.wrapping_add(x)))
        .reduce(|| 0, u64::wrapping_add)
}

fn main() {
    rollcall_benches::print_machine();
    let mut c = Criterion::default()
        .configure_from_args()
        .sample_size(20)
        .measurement_time(Duration::from_secs(4))
        .warm_up_time(Duration::from_secs(1));
    let backend = Backend::detect();
    let threads = rayon::current_num_threads();
    let queries = probes(7, BATCH);
    let query_refs: Vec<&[f32]> = queries.chunks_exact(DIM).collect();
    let data_dir = repo_root().join("target/bench-data");
    std::fs::create_dir_all(&data_dir).unwrap();
    write_f32(&data_dir.join("queries.f32"), &queries);

    // Memory read bandwidth over 512 MiB, one thread and all threads.
    let mem: Vec<u64> = (0..64u64 << 20).collect();
    {
        let mut g = c.benchmark_group("membw");
        g.throughput(Throughput::Bytes((mem.len() * 8) as u64));
        for t in [1, threads] {
            g.bench_function(BenchmarkId::new("read", t), |b| {
                b.iter(|| read_all(&mem, t));
            });
        }
        g.finish();
    }
    drop(mem);

    // Where parallel scanning starts to pay: the same gallery scanned on one thread and with rayon.
    {
        let mut g = c.benchmark_group("crossover");
        for n in [2_048, 4_096, 8_192, 16_384, 32_768, 65_536] {
            let data = templates(3, n);
            for (label, min_rows) in [("serial", usize::MAX), ("parallel", 0)] {
                let gal = Gallery::with_backend(DIM, backend).with_parallel_min_rows(min_rows);
                gal.add_many(
                    data.chunks_exact(DIM)
                        .enumerate()
                        .map(|(i, v)| (i as u64, v)),
                )
                .unwrap();
                g.bench_function(BenchmarkId::new(label, n), |b| {
                    b.iter(|| gal.search(query_refs[0], 1, ScanMode::Exact).unwrap());
                });
            }
        }
        g.finish();
    }

    // Start-up: 100k templates from memory into a searchable gallery (quantisation included).
    {
        let data = templates(5, 100_000);
        let mut g = c.benchmark_group("load");
        g.sample_size(10);
        g.bench_function("100k", |b| {
            b.iter(|| {
                let gal = Gallery::with_backend(DIM, backend);
                gal.add_many(
                    data.chunks_exact(DIM)
                        .enumerate()
                        .map(|(i, v)| (i as u64, v)),
                )
                .unwrap();
                gal
            });
        });
        g.finish();
    }

    let mut exact_mismatch = Vec::new();
    for &n in &sizes() {
        let (g, data) = build(n, backend);
        let file = data_dir.join(format!("base_{n}.f32"));
        write_f32(&file, &data);
        drop(data);
        let scalar = (n <= 100_000).then(|| build(n, Backend::Scalar).0);

        let mut grp = c.benchmark_group(format!("search_b1_n{n}"));
        grp.throughput(Throughput::Bytes((n * DIM * 4) as u64));
        grp.bench_function("f32", |b| {
            b.iter(|| g.search(query_refs[0], 1, ScanMode::Exact).unwrap());
        });
        grp.bench_function("int8_rerank", |b| {
            b.iter(|| g.search(query_refs[0], 1, ScanMode::Int8Rerank).unwrap());
        });
        if let Some(s) = &scalar {
            grp.bench_function("f32_scalar", |b| {
                b.iter(|| s.search(query_refs[0], 1, ScanMode::Exact).unwrap());
            });
        }
        grp.finish();
        let mut grp = c.benchmark_group(format!("search_b{BATCH}_n{n}"));
        grp.throughput(Throughput::Bytes((n * DIM * 4) as u64));
        grp.bench_function("f32", |b| {
            b.iter(|| g.search_batch(&query_refs, 1, ScanMode::Exact).unwrap());
        });
        grp.bench_function("int8_rerank", |b| {
            b.iter(|| {
                g.search_batch(&query_refs, 1, ScanMode::Int8Rerank)
                    .unwrap()
            });
        });
        grp.finish();

        // Top-1 of int8 + re-rank against exact search, on 10,000 queries.
        let check = probes(99, 10_000);
        let check_refs: Vec<&[f32]> = check.chunks_exact(DIM).collect();
        let mut mismatches = 0;
        for chunk in check_refs.chunks(BATCH) {
            let a = g.search_batch(chunk, 1, ScanMode::Exact).unwrap();
            let b = g.search_batch(chunk, 1, ScanMode::Int8Rerank).unwrap();
            mismatches += a
                .iter()
                .zip(&b)
                .filter(|(x, y)| x.first().map(|h| h.id) != y.first().map(|h| h.id))
                .count();
        }
        exact_mismatch.push((n, mismatches));
    }
    c.final_summary();

    let faiss = run_peer(
        "faiss_peer.py",
        &["faiss-cpu==1.15.1"],
        &[
            data_dir.display().to_string(),
            sizes()
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(","),
            DIM.to_string(),
        ],
    );
    println!("\ncrossover (median us, serial / parallel):");
    for n in [2_048, 4_096, 8_192, 16_384, 32_768, 65_536] {
        let s = criterion_median_ns("crossover", &format!("serial/{n}")).unwrap_or(f64::NAN) / 1e3;
        let p =
            criterion_median_ns("crossover", &format!("parallel/{n}")).unwrap_or(f64::NAN) / 1e3;
        println!("  n={n:>6}: {s:8.1} / {p:8.1}  ({:.2}x)", s / p);
    }
    println!(
        "load 100k templates: {:.1} ms",
        criterion_median_ns("load", "100k").unwrap_or(f64::NAN) / 1e6
    );
    let bw = |t: usize| {
        criterion_median_ns("membw", &format!("read/{t}")).map(|ns| (64u64 << 20) as f64 * 8.0 / ns)
    };
    println!(
        "\nbackend {}, {} threads; memory read: {:.1} GB/s on 1 thread, {:.1} GB/s on {threads}",
        backend.name(),
        threads,
        bw(1).unwrap_or(f64::NAN),
        bw(threads).unwrap_or(f64::NAN)
    );
    println!(
        "| N | batch | rollcall f32 ms | rollcall int8 ms | FAISS ms | FAISS / f32 | FAISS / \
        int8 | f32 GB/s (% of read bw) | int8 top-1 = exact |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for &(n, mism) in &exact_mismatch {
        for batch in [1, BATCH] {
            let group = format!("search_b{batch}_n{n}");
            let f = criterion_median_ns(&group, "f32").map(|x| x / 1e6);
            let i = criterion_median_ns(&group, "int8_rerank").map(|x| x / 1e6);
            let fa = faiss
                .as_ref()
                .and_then(|v| v[format!("{n}")][format!("b{batch}_ms")].as_f64());
            let gbs = f.map(|ms| (n * DIM * 4) as f64 / (ms * 1e6));
            let fmt = |x: Option<f64>| x.map_or("-".into(), |x| format!("{x:.3}"));
            let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
                (Some(a), Some(b)) => format!("{:.2}x", a / b),
                _ => "-".into(),
            };
            println!(
                "| {n} | {batch} | {} | {} | {} | {} | {} | {} | {} |",
                fmt(f),
                fmt(i),
                fmt(fa),
                ratio(fa, f),
                ratio(fa, i),
                gbs.map_or("-".into(), |g| format!(
                    "{g:.1} ({:.0}%)",
                    100.0 * g / bw(threads).unwrap_or(f64::NAN)
                )),
                if batch == 1 {
                    format!("{}/10000", 10_000 - mism)
                } else {
                    String::new()
                },
            );
        }
    }
}
