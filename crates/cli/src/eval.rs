//! `rollcall eval`: open-set 1:N identification on a folder-per-identity dataset, exactly as
//! `../shared/eval/PROTOCOL.md` describes (NIST FRVT terms: FPIR, FNIR).

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Instant;

use anyhow::{bail, Context};
use indicatif::{ProgressBar, ProgressStyle};
use rollcall_gallery::{Cohort, Gallery, Hit, ScanMode};
use rollcall_vision::{
    decode_image, DecodeLimits, InferencePool, PipelineConfig, Purpose, EMBEDDING_DIM,
};
use serde_json::json;

#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// Dataset root: one folder per identity, image files inside.
    dataset: PathBuf,
    /// Enrol the first K images of each identity (identities with 2..=K images are left out).
    #[arg(long, default_value_t = 1)]
    enrol: usize,
    /// Use only the first N identity folders (in byte order), for quick runs.
    #[arg(long)]
    limit: Option<usize>,
    /// Inference workers (each runs one pipeline on one core).
    #[arg(long, default_value_t = default_workers())]
    workers: usize,
    /// Embed each chip once instead of averaging it with its mirror image.
    #[arg(long)]
    no_flip: bool,
    /// Take landmarks from a second O-Net pass on the detector's own final box.
    #[arg(long)]
    refine_landmarks: bool,
    /// Extra chip scales averaged into enrolment embeddings (`none` for the standard chip only).
    #[arg(long, default_value = "1.1,0.95", value_parser = parse_scales)]
    enrol_scales: Scales,
    /// Extra chip scales averaged into probe embeddings (default none: they cost kiosk latency).
    #[arg(long, default_value = "none", value_parser = parse_scales)]
    probe_scales: Scales,
    /// Side in pixels of the second embedder's (faceres) input; it was trained at 224.
    #[arg(long, default_value_t = PipelineConfig::default().faceres_side)]
    faceres_side: u32,
    /// Weight of faceres in the fused score, `(dlib + w * faceres) / (1 + w)`; 0 for dlib alone.
    #[arg(long, default_value_t = PipelineConfig::default().fusion_weight)]
    fusion_weight: f32,
    /// Smallest face side in pixels the detector looks for.
    #[arg(long, default_value_t = rollcall_vision::DetectorConfig::default().min_face)]
    min_face: f32,
    /// Report FNIR and thresholds at these FPIR values as well as 1e-2 and 1e-3.
    #[arg(long, value_delimiter = ',')]
    fpir: Vec<f64>,
    /// How a delegate's templates combine into one score: max (default) or mean.
    #[arg(long, default_value = "max")]
    combine: Combine,
    /// Score normalisation: `as-norm` (adaptive symmetric, cohort = the enrolled templates) or `none`.
    #[arg(long, default_value = "as-norm")]
    norm: Norm,
    /// How many best cohort scores AS-norm averages.
    #[arg(long, default_value_t = rollcall_gallery::DEFAULT_COHORT_TOP_N)]
    cohort_top_n: usize,
    /// Also write every image's role and embedding as JSON lines to this file (for offline analysis;
    /// it holds biometric templates of the dataset: keep it out of the repository).
    #[arg(long)]
    dump: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
enum Norm {
    AsNorm,
    None,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
enum Combine {
    Max,
    Mean,
}

#[derive(Debug, Clone, PartialEq)]
struct Scales(Vec<f32>);

fn parse_scales(s: &str) -> Result<Scales, String> {
    if s == "none" || s.is_empty() {
        return Ok(Scales(Vec::new()));
    }
    s.split(',')
        .map(|p| {
            p.trim()
                .parse::<f32>()
                .ok()
                .filter(|v| (0.5..=2.0).contains(v))
                .ok_or_else(|| format!("{p:?}: a scale is a number from 0.5 to 2"))
        })
        .collect::<Result<_, _>>()
        .map(Scales)
}

fn default_workers() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

const IMAGE_EXTENSIONS: &[&str] = &[
    "jpg", "jpeg", "png", "webp", "gif", "bmp", "pgm", "ppm", "pnm", "tif", "tiff",
];

#[derive(Debug)]
struct Identity {
    images: Vec<PathBuf>,
}

fn list_dataset(root: &Path, limit: Option<usize>) -> anyhow::Result<Vec<Identity>> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .with_context(|| format!("reading dataset folder {}", root.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    // Byte order of the names, as the protocol says (PathBuf's order compares components bytewise).
    dirs.sort_by(|a, b| {
        a.file_name()
            .map(|n| n.as_encoded_bytes())
            .cmp(&b.file_name().map(|n| n.as_encoded_bytes()))
    });
    if let Some(n) = limit {
        dirs.truncate(n);
    }
    dirs.into_iter()
        .map(|d| {
            let mut images: Vec<PathBuf> = std::fs::read_dir(&d)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.is_file()
                        && p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                            IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str())
                        })
                })
                .collect();
            images.sort_by(|a, b| {
                a.file_name()
                    .map(|n| n.as_encoded_bytes())
                    .cmp(&b.file_name().map(|n| n.as_encoded_bytes()))
            });
            Ok(Identity { images })
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Role {
    Enrol(u64),
    Genuine(u64),
    Impostor,
}

/// Which image plays which part, per PROTOCOL.md.
fn plan(identities: &[Identity], k: usize) -> Vec<(PathBuf, Role)> {
    let mut jobs = Vec::new();
    for (idx, ident) in identities.iter().enumerate() {
        let id = idx as u64;
        let n = ident.images.len();
        if n == 1 {
            jobs.push((ident.images[0].clone(), Role::Impostor));
        } else if n > k {
            for (i, img) in ident.images.iter().enumerate().take(k + 10) {
                jobs.push((
                    img.clone(),
                    if i < k {
                        Role::Enrol(id)
                    } else {
                        Role::Genuine(id)
                    },
                ));
            }
        }
    }
    jobs
}

fn write_dump(
    path: &Path,
    jobs: &[(PathBuf, Role)],
    embeddings: &[Option<[f32; EMBEDDING_DIM]>],
) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
    );
    for ((p, role), e) in jobs.iter().zip(embeddings) {
        let (role, id) = match role {
            Role::Enrol(id) => ("enrol", Some(*id)),
            Role::Genuine(id) => ("genuine", Some(*id)),
            Role::Impostor => ("impostor", None),
        };
        let line = json!({"path": p.display().to_string(), "role": role, "id": id, "embedding": e.map(|e| e.to_vec())});
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    Ok(())
}

/// The threshold at which at most `fpir` of the impostor scores reach it: just above the
/// (floor(fpir * n) + 1)-th highest impostor score.
fn threshold_at(impostor_scores_desc: &[f32], fpir: f64) -> f32 {
    let allowed = (fpir * impostor_scores_desc.len() as f64).floor() as usize;
    match impostor_scores_desc.get(allowed) {
        Some(&s) if s.is_finite() => next_up(s),
        _ => f32::NEG_INFINITY,
    }
}

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

pub fn run(args: EvalArgs) -> anyhow::Result<()> {
    if args.enrol == 0 {
        bail!("--enrol must be at least 1");
    }
    let identities = list_dataset(&args.dataset, args.limit)?;
    let jobs = plan(&identities, args.enrol);
    if jobs.is_empty() {
        bail!("no images found under {}", args.dataset.display());
    }
    let mut config = PipelineConfig {
        flip: !args.no_flip,
        ..PipelineConfig::default()
    };
    config.detector.min_face = args.min_face;
    config.detector.refine_landmarks = args.refine_landmarks;
    config.enrol_scales = args.enrol_scales.0.clone();
    config.probe_scales = args.probe_scales.0.clone();
    config.faceres_side = args.faceres_side;
    config.fusion_weight = args.fusion_weight;
    let pool = InferencePool::new(&config, args.workers, args.workers * 2)?;

    let started = Instant::now();
    let bar = ProgressBar::new(jobs.len() as u64).with_style(
        ProgressStyle::with_template(
            "{elapsed_precise} [{bar:40}] {pos}/{len} images ({per_sec}, eta {eta})",
        )
        .expect("valid template"),
    );
    let (tx, rx) = mpsc::channel();
    let feeder = {
        let jobs: Vec<(PathBuf, Purpose)> = jobs
            .iter()
            .map(|(p, role)| {
                let purpose = match role {
                    Role::Enrol(_) => Purpose::Enrolment,
                    _ => Purpose::Probe,
                };
                (p.clone(), purpose)
            })
            .collect();
        let pool = std::sync::Arc::clone(&pool);
        std::thread::spawn(move || {
            for (i, (path, purpose)) in jobs.into_iter().enumerate() {
                let tx = tx.clone();
                let sent = pool.submit(move |pipeline| {
                    let result = std::fs::read(&path)
                        .map_err(|e| e.to_string())
                        .and_then(|b| {
                            decode_image(&b, &DecodeLimits::default()).map_err(|e| e.to_string())
                        })
                        .and_then(|img| {
                            pipeline
                                .analyze_central(&img, purpose)
                                .map_err(|e| e.to_string())
                        });
                    let _ = tx.send((i, result.map(|f| f.map(|f| f.embedding)), path));
                });
                if sent.is_err() {
                    return;
                }
            }
        })
    };
    let mut embeddings: Vec<Option<[f32; EMBEDDING_DIM]>> = vec![None; jobs.len()];
    let mut unreadable = 0usize;
    for _ in 0..jobs.len() {
        let (i, result, path) = rx.recv().context("inference workers stopped")?;
        match result {
            Ok(e) => embeddings[i] = e,
            Err(err) => {
                unreadable += 1;
                bar.suspend(|| eprintln!("warning: {}: {err}", path.display()));
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    feeder.join().ok();
    pool.shutdown();

    if let Some(path) = &args.dump {
        write_dump(path, &jobs, &embeddings)?;
    }

    let gallery = Gallery::new(EMBEDDING_DIM);
    let mut enrolled = std::collections::HashMap::<u64, Vec<[f32; EMBEDDING_DIM]>>::new();
    let mut enrol_no_face = 0usize;
    for ((_, role), emb) in jobs.iter().zip(&embeddings) {
        if let Role::Enrol(id) = role {
            match emb {
                Some(e) => enrolled.entry(*id).or_default().push(*e),
                None => enrol_no_face += 1,
            }
        }
    }
    let templates: Vec<(u64, [f32; EMBEDDING_DIM])> = match args.combine {
        Combine::Max => enrolled
            .iter()
            .flat_map(|(id, ts)| ts.iter().map(|t| (*id, *t)))
            .collect(),
        Combine::Mean => enrolled
            .iter()
            .map(|(id, ts)| {
                let mut mean = [0f32; EMBEDDING_DIM];
                for t in ts {
                    mean.iter_mut().zip(t).for_each(|(m, x)| *m += x);
                }
                rollcall_vision::l2_normalize(&mut mean);
                (*id, mean)
            })
            .collect(),
    };
    let cohort = match args.norm {
        Norm::AsNorm => Some(Cohort::new(
            EMBEDDING_DIM,
            args.cohort_top_n,
            templates.iter().map(|(id, t)| (*id, &t[..])),
        )?),
        Norm::None => None,
    };
    let mut rows = Vec::with_capacity(templates.len());
    for (id, t) in &templates {
        let bias = match &cohort {
            Some(c) => c.template_bias(t, *id)?,
            None => 0.0,
        };
        rows.push((*id, &t[..], bias));
    }
    gallery.add_biased(rows)?;

    let mut genuine: Vec<(bool, f32)> = Vec::new(); // (top-1 is the right identity, its score)
    let mut impostor: Vec<f32> = Vec::new();
    let mut probe_no_face = 0usize;
    for ((_, role), emb) in jobs.iter().zip(&embeddings) {
        let top = match emb {
            Some(e) => {
                let offset = match &cohort {
                    Some(c) => c.probe_offset(e)?,
                    None => 0.0,
                };
                gallery
                    .search(e, 1, ScanMode::Exact)?
                    .into_iter()
                    .next()
                    .map(|h| Hit {
                        score: h.score + offset,
                        ..h
                    })
            }
            None => None,
        };
        match role {
            Role::Enrol(_) => continue,
            Role::Genuine(id) => {
                if emb.is_none() {
                    probe_no_face += 1;
                }
                genuine.push(top.map_or((false, f32::NEG_INFINITY), |h| (h.id == *id, h.score)));
            }
            Role::Impostor => {
                if emb.is_none() {
                    probe_no_face += 1;
                }
                impostor.push(top.map_or(f32::NEG_INFINITY, |h| h.score));
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    if genuine.is_empty() || impostor.is_empty() {
        bail!("the dataset needs both identities with several images and identities with one");
    }
    impostor.sort_by(|a, b| b.total_cmp(a));
    let rank1 = genuine.iter().filter(|g| g.0).count() as f64 / genuine.len() as f64;
    let fnir_at =
        |t: f32| genuine.iter().filter(|g| !g.0 || g.1 < t).count() as f64 / genuine.len() as f64;
    let fpir_at =
        |t: f32| impostor.iter().filter(|&&s| s >= t).count() as f64 / impostor.len() as f64;

    let mut levels = vec![1e-2, 1e-3];
    for f in &args.fpir {
        if !levels.contains(f) {
            levels.push(*f);
        }
    }
    let thr: Vec<f32> = levels.iter().map(|&f| threshold_at(&impostor, f)).collect();
    let images_per_s = jobs.len() as f64 / elapsed;

    println!("dataset     {}", args.dataset.display());
    println!(
        "gallery     {} identities ({} enrolment images without a face), enrol K={}, combine {:?}, norm {:?}",
        gallery.stats().delegates,
        enrol_no_face,
        args.enrol,
        args.combine,
        args.norm
    );
    println!(
        "probes      {} genuine, {} impostor, {} without a face, {} unreadable",
        genuine.len(),
        impostor.len(),
        probe_no_face,
        unreadable
    );
    println!("rank-1      {:.2}%", rank1 * 100.0);
    for (f, t) in levels.iter().zip(&thr) {
        println!(
            "FPIR {:<7} threshold {:.4}  FNIR {:.2}%  (measured FPIR {:.3}%)",
            f,
            t,
            fnir_at(*t) * 100.0,
            fpir_at(*t) * 100.0
        );
    }
    println!(
        "throughput  {images_per_s:.1} images/s ({} images, {} workers, {elapsed:.1} s)",
        jobs.len(),
        args.workers
    );

    let mut out = json!({
        "gallery": gallery.stats().delegates,
        "genuine": genuine.len(),
        "impostors": impostor.len(),
        "rank1": rank1,
        "fnir_at_fpir_1e-2": fnir_at(thr[0]),
        "fnir_at_fpir_1e-3": fnir_at(thr[1]),
        "thr_1e-2": thr[0],
        "thr_1e-3": thr[1],
        "no_face": probe_no_face + enrol_no_face,
        "probe_no_face": probe_no_face,
        "enrol_no_face": enrol_no_face,
        "images_per_s": images_per_s,
        "enrol": args.enrol,
        "combine": format!("{:?}", args.combine).to_lowercase(),
        "flip": !args.no_flip,
        "enrol_scales": args.enrol_scales.0,
        "probe_scales": args.probe_scales.0,
        "faceres_side": args.faceres_side,
        "fusion_weight": args.fusion_weight,
        "refine_landmarks": args.refine_landmarks,
        "norm": match args.norm { Norm::AsNorm => "as-norm", Norm::None => "none" },
        "cohort_top_n": args.cohort_top_n,
        "workers": args.workers,
    });
    for (f, t) in levels.iter().zip(&thr).skip(2) {
        out[format!("fnir_at_fpir_{f}")] = json!(fnir_at(*t));
        out[format!("thr_{f}")] = json!(t);
    }
    println!("{out}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ident(n: usize) -> Identity {
        Identity {
            images: (0..n)
                .map(|i| PathBuf::from(format!("img{i:02}.jpg")))
                .collect(),
        }
    }

    #[test]
    fn single_enrolment_plan_follows_the_protocol() {
        let ids = [ident(1), ident(2), ident(15)];
        let p = plan(&ids, 1);
        assert_eq!(p[0].1, Role::Impostor);
        assert_eq!(p[1].1, Role::Enrol(1));
        assert_eq!(p[2].1, Role::Genuine(1));
        let third: Vec<_> = p
            .iter()
            .filter(|(_, r)| matches!(r, Role::Enrol(2) | Role::Genuine(2)))
            .collect();
        assert_eq!(
            third.len(),
            11,
            "one enrolment image and at most ten probes"
        );
        assert_eq!(third[10].0, PathBuf::from("img10.jpg"));
    }

    #[test]
    fn multi_enrolment_leaves_out_small_identities() {
        let ids = [ident(1), ident(3), ident(4)];
        let p = plan(&ids, 3);
        assert!(p
            .iter()
            .all(|(_, r)| !matches!(r, Role::Enrol(1) | Role::Genuine(1))));
        assert_eq!(p.iter().filter(|(_, r)| *r == Role::Enrol(2)).count(), 3);
        assert_eq!(p.iter().filter(|(_, r)| *r == Role::Genuine(2)).count(), 1);
        assert_eq!(p[0].1, Role::Impostor);
    }

    #[test]
    fn threshold_admits_at_most_the_allowed_share() {
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
}
