//! `rollcall eval-pad`: presentation-attack detection as `../shared/eval/PAD-PROTOCOL.md` describes
//! it (ISO/IEC 30107-3 terms: APCER, BPCER). Every image takes a kiosk frame's path: downscaled to
//! the kiosk's frame width and JPEG-encoded as a kiosk sends it (when it is wider), decoded with the
//! server's limits, faces detected, and the liveness score of the largest face the detector is sure
//! of.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use indicatif::{ProgressBar, ProgressStyle};
use rollcall_checkin::GateConfig;
use rollcall_server::Config;
use rollcall_vision::{decode_image, BoxMapping, LivenessModels, MtcnnDetector, PipelineConfig};
use serde_json::json;

#[derive(Debug, clap::Args)]
pub struct EvalPadArgs {
    /// Dataset root with `labels.csv` (file, cls, attack, source, subject) and the images.
    dataset: PathBuf,
    /// Server configuration whose liveness settings are measured (default: config/rollcall.toml
    /// when it exists, else the built-in defaults); the flags below override it.
    #[arg(long)]
    config: Option<PathBuf>,
    /// The liveness threshold the APCER and BPCER are reported at (default: the configuration's).
    #[arg(long)]
    threshold: Option<f32>,
    /// Box mapping (docs/liveness.md): the centre's shift as a share of the box's width and height,
    /// and the size factors (default: the configuration's).
    #[arg(long)]
    box_dx: Option<f32>,
    #[arg(long)]
    box_dy: Option<f32>,
    #[arg(long)]
    box_sw: Option<f32>,
    #[arg(long)]
    box_sh: Option<f32>,
    /// Worker threads.
    #[arg(long, default_value_t = default_workers())]
    workers: usize,
    /// Also write every image's score and box as JSON lines to this file.
    #[arg(long)]
    scores: Option<PathBuf>,
}

fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

#[derive(Debug, Clone)]
struct Label {
    file: String,
    live: bool,
    attack: String,
}

fn read_labels(root: &Path) -> anyhow::Result<Vec<Label>> {
    let path = root.join("labels.csv");
    let mut reader =
        csv::Reader::from_path(&path).with_context(|| format!("reading {}", path.display()))?;
    let headers = reader.headers()?.clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .with_context(|| format!("{}: no `{name}` column", path.display()))
    };
    let (file, cls, attack) = (col("file")?, col("cls")?, col("attack")?);
    let mut labels = Vec::new();
    for record in reader.records() {
        let r = record?;
        let live = match r.get(cls) {
            Some("live") => true,
            Some("spoof") => false,
            other => bail!(
                "{}: cls {other:?} is neither live nor spoof",
                path.display()
            ),
        };
        labels.push(Label {
            file: r.get(file).unwrap_or("").to_string(),
            live,
            attack: r.get(attack).unwrap_or("unknown").to_string(),
        });
    }
    Ok(labels)
}

/// What one image gave: the face's liveness score (None: no face), its box, the time liveness took.
#[derive(Debug, Clone)]
struct Scored {
    score: Option<f32>,
    bbox: Option<[f32; 4]>,
    liveness_s: f64,
}

/// The kiosk's path for one image file.
fn score_one(
    path: &Path,
    detector: &mut MtcnnDetector,
    liveness: &mut LivenessModels,
    config: &Config,
    gate: &GateConfig,
) -> anyhow::Result<Scored> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let img = decode_image(&bytes, &rollcall_vision::DecodeLimits::default())?;
    // What a kiosk sends: at most `frame_width` wide, JPEG-encoded once. A file that is narrow
    // enough already is such a frame; encoding it again would add a compression generation no
    // kiosk adds (and compression traces are part of what liveness models look at).
    let img = if img.width() > config.kiosk.frame_width {
        let sent = rollcall_kiosk::encode_frame(&img, config.kiosk.frame_width);
        decode_image(
            &sent,
            &config.decode_limits_for(rollcall_vision::Purpose::Probe),
        )?
    } else {
        decode_image(
            &bytes,
            &config.decode_limits_for(rollcall_vision::Purpose::Probe),
        )?
    };
    let largest = detector
        .detect(&img)?
        .into_iter()
        .filter(|d| d.bbox.score >= gate.min_detector_score)
        .max_by(|a, b| inter_eye(&a.landmarks).total_cmp(&inter_eye(&b.landmarks)));
    let Some(face) = largest else {
        return Ok(Scored {
            score: None,
            bbox: None,
            liveness_s: 0.0,
        });
    };
    let t = Instant::now();
    let score = liveness.score(&img, &face.bbox)?;
    Ok(Scored {
        score: Some(score),
        bbox: Some([
            face.bbox.x1,
            face.bbox.y1,
            face.bbox.width(),
            face.bbox.height(),
        ]),
        liveness_s: t.elapsed().as_secs_f64(),
    })
}

/// The kiosk acts on the largest face (by the distance between the eyes, as the gate orders them).
fn inter_eye(lm: &[[f32; 2]; 5]) -> f32 {
    ((lm[1][0] - lm[0][0]).powi(2) + (lm[1][1] - lm[0][1]).powi(2)).sqrt()
}

/// The threshold at which at most `share` of the live images are rejected: a live image with no face
/// is rejected at any threshold, and a score below the threshold is rejected.
fn threshold_for_bpcer(live_scores: &[Option<f32>], share: f64) -> f32 {
    let mut scores: Vec<f32> = live_scores
        .iter()
        .map(|s| s.unwrap_or(f32::NEG_INFINITY))
        .collect();
    scores.sort_by(f32::total_cmp);
    let allowed = (share * scores.len() as f64).floor() as usize;
    scores.get(allowed).copied().unwrap_or(f32::INFINITY)
}

/// Share of `scores` accepted as live at `t` (no face: not accepted).
fn accepted(scores: &[Option<f32>], t: f32) -> f64 {
    if scores.is_empty() {
        return 0.0;
    }
    scores.iter().filter(|s| s.is_some_and(|s| s >= t)).count() as f64 / scores.len() as f64
}

#[allow(clippy::too_many_lines)] // one report, printed in order
pub fn run(args: &EvalPadArgs) -> anyhow::Result<()> {
    let config = Config::load(args.config.as_deref())?;
    let mut live_cfg = config.liveness.clone();
    for (value, field) in [
        (args.box_dx, &mut live_cfg.box_dx),
        (args.box_dy, &mut live_cfg.box_dy),
        (args.box_sw, &mut live_cfg.box_sw),
        (args.box_sh, &mut live_cfg.box_sh),
    ] {
        if let Some(v) = value {
            *field = v;
        }
    }
    let threshold = args.threshold.unwrap_or(live_cfg.threshold);
    let mapping = BoxMapping {
        dx: live_cfg.box_dx,
        dy: live_cfg.box_dy,
        sw: live_cfg.box_sw,
        sh: live_cfg.box_sh,
    };
    let labels = read_labels(&args.dataset)?;
    if labels.is_empty() {
        bail!("{}: labels.csv lists no images", args.dataset.display());
    }
    let pipeline: PipelineConfig = config.pipeline();
    let bar = ProgressBar::new(labels.len() as u64).with_style(
        ProgressStyle::with_template(
            "{elapsed_precise} [{bar:40}] {pos}/{len} images ({per_sec}, eta {eta})",
        )
        .expect("valid template"),
    );
    let workers = args.workers.max(1);
    let chunk = labels.len().div_ceil(workers);
    let results: Vec<anyhow::Result<Vec<Scored>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = labels
            .chunks(chunk)
            .map(|part| {
                let (pipeline, config, bar) = (&pipeline, &config, &bar);
                scope.spawn(move || -> anyhow::Result<Vec<Scored>> {
                    let mut detector =
                        MtcnnDetector::load(&pipeline.models_dir, pipeline.detector.clone(), 1)?;
                    let mut liveness = LivenessModels::load(&pipeline.models_dir, mapping, 1)?;
                    let mut out = Vec::with_capacity(part.len());
                    for label in part {
                        let path = args.dataset.join(&label.file);
                        let scored = score_one(
                            &path,
                            &mut detector,
                            &mut liveness,
                            config,
                            &config.enrolment,
                        )
                        .with_context(|| path.display().to_string())?;
                        out.push(scored);
                        bar.inc(1);
                    }
                    Ok(out)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a PAD worker panicked"))
            .collect()
    });
    bar.finish_and_clear();
    let mut scored = Vec::with_capacity(labels.len());
    for part in results {
        scored.extend(part?);
    }

    if let Some(path) = &args.scores {
        use std::io::Write;
        let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
        for (l, s) in labels.iter().zip(&scored) {
            let line = json!({"file": l.file, "live": l.live, "attack": l.attack,
                              "score": s.score, "box": s.bbox});
            writeln!(out, "{line}")?;
        }
        out.flush()?;
    }

    let live: Vec<Option<f32>> = labels
        .iter()
        .zip(&scored)
        .filter(|(l, _)| l.live)
        .map(|(_, s)| s.score)
        .collect();
    let mut by_attack: BTreeMap<String, Vec<Option<f32>>> = BTreeMap::new();
    for (l, s) in labels.iter().zip(&scored).filter(|(l, _)| !l.live) {
        by_attack.entry(l.attack.clone()).or_default().push(s.score);
    }
    let spoof: Vec<Option<f32>> = by_attack.values().flatten().copied().collect();
    if live.is_empty() || spoof.is_empty() {
        bail!("the dataset needs both live and spoof images");
    }
    let no_face = scored.iter().filter(|s| s.score.is_none()).count();
    let faces = scored.iter().filter(|s| s.score.is_some()).count().max(1);
    let ms_per_face = scored.iter().map(|s| s.liveness_s).sum::<f64>() * 1e3 / faces as f64;
    let bpcer_at = |t: f32| 1.0 - accepted(&live, t);
    let worst_at = |t: f32| {
        by_attack
            .values()
            .filter(|v| v.len() >= 20)
            .map(|v| accepted(v, t))
            .fold(0.0, f64::max)
    };
    let (apcer, bpcer) = (accepted(&spoof, threshold), bpcer_at(threshold));
    let t5 = threshold_for_bpcer(&live, 0.05);
    let apcer5 = accepted(&spoof, t5);

    let cpu = rollcall_vision::Cpu::detect();
    println!("machine     {cpu}");
    println!("dataset     {}", args.dataset.display());
    println!(
        "images      {} live, {} spoof ({}), {no_face} without a face",
        live.len(),
        spoof.len(),
        by_attack
            .iter()
            .map(|(k, v)| format!("{k} {}", v.len()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "box mapping dx {} dy {} sw {} sh {}",
        mapping.dx, mapping.dy, mapping.sw, mapping.sh
    );
    println!(
        "at {threshold:.4}: APCER {:.2}%  BPCER {:.2}%  ACER {:.2}%  worst type {:.2}%",
        apcer * 100.0,
        bpcer * 100.0,
        (apcer + bpcer) * 50.0,
        worst_at(threshold) * 100.0
    );
    println!(
        "at {t5:.4} (BPCER {:.2}%): APCER {:.2}%  {}",
        bpcer_at(t5) * 100.0,
        apcer5 * 100.0,
        by_attack
            .iter()
            .map(|(k, v)| format!("{k} {:.2}%", accepted(v, t5) * 100.0))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!("liveness    {ms_per_face:.2} ms per face (both models, 1 thread)");
    let by: serde_json::Map<String, serde_json::Value> = by_attack
        .iter()
        .map(|(k, v)| (k.clone(), json!(accepted(v, t5))))
        .collect();
    let counts: serde_json::Map<String, serde_json::Value> = by_attack
        .iter()
        .map(|(k, v)| (k.clone(), json!(v.len())))
        .collect();
    let out = json!({
        "bona_fide": live.len(),
        "attacks": spoof.len(),
        "attacks_by_type": counts,
        "no_face": no_face,
        "threshold": threshold,
        "apcer": apcer,
        "bpcer": bpcer,
        "acer": (apcer + bpcer) / 2.0,
        "apcer_worst_type": worst_at(threshold),
        "thr_bpcer_5pct": t5,
        "bpcer_at_thr_bpcer_5pct": bpcer_at(t5),
        "apcer_at_bpcer_5pct": apcer5,
        "apcer_worst_type_at_bpcer_5pct": worst_at(t5),
        "apcer_by_attack": by,
        "ms_per_face": ms_per_face,
        "box_mapping": [mapping.dx, mapping.dy, mapping.sw, mapping.sh],
        "cpu": cpu,
    });
    println!("{out}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bpcer_threshold_rejects_at_most_the_share_and_counts_missing_faces() {
        let live: Vec<Option<f32>> = (0..100).map(|i| Some(i as f32 / 100.0)).collect();
        let t = threshold_for_bpcer(&live, 0.05);
        assert!((1.0 - accepted(&live, t) - 0.05).abs() < 1e-9, "{t}");
        let mut with_missing = live.clone();
        with_missing[0] = None;
        let t2 = threshold_for_bpcer(&with_missing, 0.05);
        assert!(1.0 - accepted(&with_missing, t2) <= 0.05 + 1e-9);
        assert_eq!(
            accepted(&[None, Some(0.9)], 0.5),
            0.5,
            "no face is not accepted"
        );
    }
}
