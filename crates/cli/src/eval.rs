//! `rollcall eval`: open-set 1:N identification on a folder-per-identity dataset, exactly as
//! `../shared/eval/PROTOCOL.md` describes (NIST FRVT terms: FPIR, FNIR).

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Instant;

use anyhow::{bail, Context};
use indicatif::{ProgressBar, ProgressStyle};
use rollcall_checkin::{assess, Assessment, RecognitionConfig, Recognizer};
use rollcall_server::Config;
use rollcall_vision::{
    decode_image, DecodeLimits, Face, InferencePool, PipelineConfig, Purpose, EMBEDDING_DIM,
};
use serde_json::json;

#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// Dataset root: one folder per identity, image files inside.
    dataset: PathBuf,
    /// Server configuration whose recognition settings are measured (default: config/rollcall.toml
    /// when it exists, else the built-in defaults); the flags below override it.
    #[arg(long)]
    config: Option<PathBuf>,
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
    /// Extra chip scales averaged into enrolment embeddings (`none` for the standard chip only;
    /// default: the configuration's `enrol_scales`).
    #[arg(long, value_parser = parse_scales)]
    enrol_scales: Option<Scales>,
    /// Extra chip scales averaged into probe embeddings (default: the configuration's, none).
    #[arg(long, value_parser = parse_scales)]
    probe_scales: Option<Scales>,
    /// Side in pixels of the second embedder's (faceres) input; it was trained at 224.
    #[arg(long, default_value_t = PipelineConfig::default().faceres_side)]
    faceres_side: u32,
    /// Weight of faceres in the fused score, `(dlib + w * faceres) / (1 + w)`; 0 for dlib alone.
    #[arg(long, default_value_t = PipelineConfig::default().fusion_weight)]
    fusion_weight: f32,
    /// Smallest face side in pixels the detector looks for (default: the configuration's).
    #[arg(long)]
    min_face: Option<f32>,
    /// Report FNIR and thresholds at these FPIR values as well as 1e-2 and 1e-3.
    #[arg(long, value_delimiter = ',')]
    fpir: Vec<f64>,
    /// How a delegate's templates combine into one score: max (default) or mean.
    #[arg(long, default_value = "max")]
    combine: Combine,
    /// Score normalisation: `as-norm` (adaptive symmetric, cohort = the enrolled templates, as
    /// the server does from `min_cohort` templates on) or `none` (raw cosines at every size).
    #[arg(long, default_value = "as-norm")]
    norm: Norm,
    /// How many best cohort scores AS-norm averages (default: the configuration's).
    #[arg(long)]
    cohort_top_n: Option<usize>,
    /// Also write every image's role and embedding as JSON lines to this file (for offline analysis;
    /// it holds biometric templates of the dataset: keep it out of the repository).
    #[arg(long)]
    dump: Option<PathBuf>,
    /// Also write each probe's outcome as JSON lines to this file: its identity, the top match,
    /// the score and the single-frame assessment at the server's operating point.
    #[arg(long)]
    verdicts: Option<PathBuf>,
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
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

const IMAGE_EXTENSIONS: &[&str] = &[
    "jpg", "jpeg", "png", "webp", "gif", "bmp", "pgm", "ppm", "pnm", "tif", "tiff",
];

#[derive(Debug)]
struct Identity {
    /// The folder's name.
    name: String,
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
            .map(std::ffi::OsStr::as_encoded_bytes)
            .cmp(&b.file_name().map(std::ffi::OsStr::as_encoded_bytes))
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
                    .map(std::ffi::OsStr::as_encoded_bytes)
                    .cmp(&b.file_name().map(std::ffi::OsStr::as_encoded_bytes))
            });
            let name = d
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            Ok(Identity { name, images })
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

fn write_dump(path: &Path, jobs: &[(PathBuf, Role)], faces: &[Option<Face>]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
    );
    for ((p, role), face) in jobs.iter().zip(faces) {
        let (role, id) = match role {
            Role::Enrol(id) => ("enrol", Some(*id)),
            Role::Genuine(id) => ("genuine", Some(*id)),
            Role::Impostor => ("impostor", None),
        };
        let embedding = face.as_ref().map(|f| f.embedding.to_vec());
        let line = json!({
            "path": p.display().to_string(), "role": role, "id": id, "embedding": embedding,
        });
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

/// The server's recognition settings, with the command line's overrides.
fn recognition(args: &EvalArgs) -> anyhow::Result<RecognitionConfig> {
    let mut rec = Config::load(args.config.as_deref())?.recognition;
    if let Some(s) = &args.enrol_scales {
        rec.enrol_scales = s.0.clone();
    }
    if let Some(s) = &args.probe_scales {
        rec.probe_scales = s.0.clone();
    }
    if let Some(m) = args.min_face {
        rec.min_face = m;
    }
    if let Some(n) = args.cohort_top_n {
        rec.cohort_top_n = n;
    }
    if args.norm == Norm::None {
        // Raw cosines at every gallery size: the cohort never becomes large enough.
        rec.min_cohort = usize::MAX;
    }
    Ok(rec)
}

/// Analyses every image of the plan on `workers` pipelines, with a progress bar: the face each
/// image contributes (the one nearest the centre), or `None` where none was found or the file
/// could not be read.
fn analyse_all(
    jobs: &[(PathBuf, Role)],
    config: &PipelineConfig,
    workers: usize,
) -> anyhow::Result<(Vec<Option<Face>>, usize)> {
    let pool = InferencePool::new(config, workers, workers * 2)?;
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
                    let _ = tx.send((i, result, path));
                });
                if sent.is_err() {
                    return;
                }
            }
        })
    };
    let mut faces: Vec<Option<Face>> = vec![None; jobs.len()];
    let mut unreadable = 0usize;
    for _ in 0..jobs.len() {
        let (i, result, path) = rx.recv().context("inference workers stopped")?;
        match result {
            Ok(face) => faces[i] = face,
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
    Ok((faces, unreadable))
}

/// One probe's outcome: the protocol's top-1 (identity, score), and the single-frame assessment
/// the server would make at its operating point (threshold, margin, minimum face size).
#[derive(Debug, Clone, Copy)]
struct Outcome {
    top: Option<(u64, f32)>,
    assessment: Option<Assessment>,
}

impl Outcome {
    fn op_status(&self) -> &'static str {
        match self.assessment {
            None => "no_face",
            Some(Assessment::TooSmall) => "too_small",
            Some(Assessment::Unknown { .. }) => "unknown",
            Some(Assessment::Recognised(_)) => "recognised",
        }
    }

    /// Recognised at the operating point as `id`.
    fn op_identifies(&self, id: u64) -> bool {
        matches!(self.assessment, Some(Assessment::Recognised(m)) if m.delegate_id as u64 == id)
    }

    fn op_accepts(&self) -> bool {
        matches!(self.assessment, Some(Assessment::Recognised(_)))
    }
}

fn write_verdicts(
    path: &Path,
    identities: &[Identity],
    jobs: &[(PathBuf, Role)],
    outcomes: &[Option<Outcome>],
) -> anyhow::Result<()> {
    use std::io::Write;
    let name = |id: u64| identities[id as usize].name.clone();
    let mut out = std::io::BufWriter::new(
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
    );
    for ((p, role), o) in jobs.iter().zip(outcomes) {
        let Some(o) = o else { continue };
        let (role, identity) = match role {
            Role::Enrol(_) => continue,
            Role::Genuine(id) => ("genuine", Some(name(*id))),
            Role::Impostor => ("impostor", None),
        };
        let line = json!({
            "path": p.display().to_string(), "role": role, "identity": identity,
            "top": o.top.map(|(id, _)| name(id)), "score": o.top.map(|(_, s)| s),
            "op": o.op_status(),
        });
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    Ok(())
}

pub fn run(args: &EvalArgs) -> anyhow::Result<()> {
    if args.enrol == 0 {
        bail!("--enrol must be at least 1");
    }
    let rec = recognition(args)?;
    let identities = list_dataset(&args.dataset, args.limit)?;
    let jobs = plan(&identities, args.enrol);
    if jobs.is_empty() {
        bail!("no images found under {}", args.dataset.display());
    }
    let mut config = PipelineConfig {
        flip: !args.no_flip,
        ..PipelineConfig::default()
    };
    config.detector.min_face = rec.min_face;
    config.detector.refine_landmarks = args.refine_landmarks;
    config.enrol_scales = rec.enrol_scales.clone();
    config.probe_scales = rec.probe_scales.clone();
    config.faceres_side = args.faceres_side;
    config.fusion_weight = args.fusion_weight;

    let started = Instant::now();
    let (faces, unreadable) = analyse_all(&jobs, &config, args.workers)?;
    if let Some(path) = &args.dump {
        write_dump(path, &jobs, &faces)?;
    }

    let mut enrolled = std::collections::HashMap::<u64, Vec<[f32; EMBEDDING_DIM]>>::new();
    let mut enrol_no_face = 0usize;
    for ((_, role), face) in jobs.iter().zip(&faces) {
        if let Role::Enrol(id) = role {
            match face {
                Some(f) => enrolled.entry(*id).or_default().push(f.embedding),
                None => enrol_no_face += 1,
            }
        }
    }
    let mut templates: Vec<(u64, [f32; EMBEDDING_DIM])> = match args.combine {
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
    // The server loads templates in the order they were enrolled.
    templates.sort_by_key(|(id, _)| *id);
    // The same recognizer the server runs, with the server's settings.
    let recognizer = Recognizer::new(EMBEDDING_DIM, &rec)?;
    recognizer.load(templates.iter().map(|(id, t)| (*id as i64, &t[..])))?;

    let outcomes: Vec<Option<Outcome>> = jobs
        .iter()
        .zip(&faces)
        .map(|((_, role), face)| match (role, face) {
            (Role::Enrol(_), _) => Ok(None),
            (_, None) => Ok(Some(Outcome {
                top: None,
                assessment: None,
            })),
            (_, Some(f)) => Ok::<_, anyhow::Error>(Some(Outcome {
                top: recognizer
                    .best_match(&f.embedding)?
                    .map(|m| (m.delegate_id as u64, m.score)),
                assessment: Some(assess(&recognizer, f, &rec)?),
            })),
        })
        .collect::<Result<_, _>>()?;
    if let Some(path) = &args.verdicts {
        write_verdicts(path, &identities, &jobs, &outcomes)?;
    }

    let mut genuine: Vec<(bool, f32)> = Vec::new(); // (top-1 is the right identity, its score)
    let mut impostor: Vec<f32> = Vec::new();
    let (mut op_missed, mut op_accepted) = (0usize, 0usize);
    let mut probe_no_face = 0usize;
    for ((_, role), outcome) in jobs.iter().zip(&outcomes) {
        let Some(o) = outcome else { continue };
        if o.assessment.is_none() {
            probe_no_face += 1;
        }
        match role {
            Role::Enrol(_) => {}
            Role::Genuine(id) => {
                genuine.push(
                    o.top
                        .map_or((false, f32::NEG_INFINITY), |(t, s)| (t == *id, s)),
                );
                op_missed += usize::from(!o.op_identifies(*id));
            }
            Role::Impostor => {
                impostor.push(o.top.map_or(f32::NEG_INFINITY, |(_, s)| s));
                op_accepted += usize::from(o.op_accepts());
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
    let op_fnir = op_missed as f64 / genuine.len() as f64;
    let op_fpir = op_accepted as f64 / impostor.len() as f64;

    let mut levels = vec![1e-2, 1e-3];
    for f in &args.fpir {
        if !levels.contains(f) {
            levels.push(*f);
        }
    }
    let thr: Vec<f32> = levels.iter().map(|&f| threshold_at(&impostor, f)).collect();
    let images_per_s = jobs.len() as f64 / elapsed;
    let gallery = recognizer.delegates();
    let norm = if recognizer.is_normalised() {
        "as-norm"
    } else {
        "none"
    };

    println!("dataset     {}", args.dataset.display());
    println!(
        "gallery     {gallery} identities ({enrol_no_face} enrolment images without a face), \
            enrol K={}, combine {:?}, scores {norm}",
        args.enrol, args.combine,
    );
    println!(
        "probes      {} genuine, {} impostor, {probe_no_face} without a face, {unreadable} \
            unreadable",
        genuine.len(),
        impostor.len(),
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
        "server      one frame at the configured threshold and margin: FNIR {:.2}%, FPIR {:.3}%",
        op_fnir * 100.0,
        op_fpir * 100.0
    );
    println!(
        "throughput  {images_per_s:.1} images/s ({} images, {} workers, {elapsed:.1} s)",
        jobs.len(),
        args.workers
    );

    let mut out = json!({
        "gallery": gallery,
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
        "op_fnir": op_fnir,
        "op_fpir": op_fpir,
        "enrol": args.enrol,
        "combine": format!("{:?}", args.combine).to_lowercase(),
        "flip": !args.no_flip,
        "enrol_scales": rec.enrol_scales,
        "probe_scales": rec.probe_scales,
        "faceres_side": args.faceres_side,
        "fusion_weight": args.fusion_weight,
        "refine_landmarks": args.refine_landmarks,
        "norm": norm,
        "cohort_top_n": rec.cohort_top_n,
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
            name: format!("person{n}"),
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
