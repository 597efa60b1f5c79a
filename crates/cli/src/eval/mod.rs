//! `rollcall eval`: open-set 1:N identification on a folder-per-identity dataset, exactly as
//! `../shared/eval/PROTOCOL.md` describes (NIST FRVT terms: FPIR, FNIR), scored by the server's own
//! recognizer with the server's configuration.

mod calibrate;
mod dataset;
mod gate;
mod sizes;

use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc};
use std::time::Instant;

use anyhow::{bail, Context};
use indicatif::{ProgressBar, ProgressStyle};
use rollcall_checkin::calibration::threshold_at;
use rollcall_checkin::{
    assess, Assessment, Calibration, LivenessConfig, ProposalSource, RecognitionConfig, Recognizer,
};
use rollcall_server::Config;
use rollcall_vision::{
    decode_image, DecodeLimits, Face, InferencePool, PipelineConfig, Purpose, EMBEDDING_DIM,
};
use serde_json::json;

use dataset::{list_dataset, plan, Identity, Role};
use sizes::{by_size, Probes};

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
    /// Never enrol every M-th identity: its images become impostor probes (for sets where everyone
    /// has several images, such as ORL and Yale).
    #[arg(long)]
    leave_out: Option<usize>,
    /// Use only the first N identity folders (in byte order), for quick runs.
    #[arg(long)]
    limit: Option<usize>,
    /// Inference workers (each runs one pipeline on one core).
    #[arg(long, default_value_t = default_workers())]
    workers: usize,
    /// Embed each chip once instead of averaging it with its mirror image.
    #[arg(long)]
    no_flip: bool,
    /// Average dlib's embedding of every probe with its mirror image's too (default: the
    /// configuration's `probe_mirror`, on).
    #[arg(long, value_name = "true|false")]
    probe_mirror: Option<bool>,
    /// Run dlib's ResNet in int8 (default: the configuration's `dlib_int8`, on) or, with false,
    /// its float model.
    #[arg(long, value_name = "true|false")]
    dlib_int8: Option<bool>,
    /// Run SFace with its dense layer in 8 bits (default: the configuration's `sface_dense_int8`,
    /// on) or, with false, its float model.
    #[arg(long, value_name = "true|false")]
    sface_dense_int8: Option<bool>,
    /// Take landmarks from a second O-Net pass on the detector's own final box.
    #[arg(long)]
    refine_landmarks: bool,
    /// Where the detector's candidate faces come from (default: the configuration's
    /// `proposals`, yunet).
    #[arg(long, value_name = "yunet|pyramid")]
    proposals: Option<ProposalArg>,
    /// Longer side, pixels, of the image YuNet reads (default: the configuration's
    /// `proposal_side`).
    #[arg(long)]
    proposal_side: Option<u32>,
    /// Extra chip scales averaged into enrolment embeddings (`none` for the standard chip only;
    /// default: the configuration's `enrol_scales`).
    #[arg(long, value_parser = parse_scales)]
    enrol_scales: Option<Scales>,
    /// Extra chip scales averaged into probe embeddings (default: the configuration's, none).
    #[arg(long, value_parser = parse_scales)]
    probe_scales: Option<Scales>,
    /// Share of SFace in the fused score, `(1 - w) * dlib + w * sface`; 0 runs dlib alone
    /// (default: the configuration's `sface_weight`).
    #[arg(long)]
    sface_weight: Option<f32>,
    /// Smallest face side in pixels the detector looks for (default: the configuration's).
    #[arg(long)]
    min_face: Option<f32>,
    /// Report FNIR and thresholds at these FPIR values as well as 1e-2 and 1e-3.
    #[arg(long, value_delimiter = ',')]
    fpir: Vec<f64>,
    /// How a delegate's templates combine into one score: max (default) or mean.
    #[arg(long, default_value = "max")]
    combine: Combine,
    /// Scores: `server` (raw below `min_cohort` templates, AS-normalised from it on, as the server
    /// scores), `as-norm` (AS-normalised at every size) or `none` (raw at every size).
    #[arg(long, default_value = "server")]
    norm: Normalisation,
    /// Share of the best cohort scores AS-norm averages (default: the configuration's).
    #[arg(long)]
    cohort_share: Option<f32>,
    /// Also measure galleries of these sizes (random disjoint subsets of the enrolled identities,
    /// fixed seed; impostors unchanged), e.g. `20,50,100,200,full`.
    #[arg(long, value_delimiter = ',', value_parser = parse_size)]
    gallery_size: Vec<usize>,
    /// Also submit every photo of the dataset to the server's whole enrolment gate as a file (its
    /// own identity's delegate each) and count the refusals by reason: all of them are false.
    #[arg(long)]
    enrolment_gate: bool,
    /// Write the score curves the server derives its thresholds from, measured on this run, to
    /// this file (TOML; point `recognition.calibration` at it, or combine several populations'
    /// with `rollcall calibration combine`).
    #[arg(long)]
    write_calibration: Option<PathBuf>,
    /// Derive thresholds from these curves (default: the configuration's `calibration`, else the
    /// built-in ones).
    #[arg(long)]
    calibration: Option<PathBuf>,
    /// Let each gallery raise its threshold from its own impostor scores, as the server does
    /// (default: the configuration's `self_calibrate`, on).
    #[arg(long, value_name = "true|false")]
    self_calibrate: Option<bool>,
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
enum Normalisation {
    Server,
    AsNorm,
    None,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
enum ProposalArg {
    Yunet,
    Pyramid,
}

impl From<ProposalArg> for ProposalSource {
    fn from(p: ProposalArg) -> Self {
        match p {
            ProposalArg::Yunet => ProposalSource::Yunet,
            ProposalArg::Pyramid => ProposalSource::Pyramid,
        }
    }
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

/// A gallery size: a positive number, or `full` (everyone enrolled).
fn parse_size(s: &str) -> Result<usize, String> {
    match s.trim() {
        "full" => Ok(usize::MAX),
        n => n
            .parse::<usize>()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| format!("{n:?}: a gallery size is a positive number or `full`")),
    }
}

/// Recognition is measured on its own (`rollcall eval-pad` measures liveness): every face counts as
/// live here.
const NO_LIVENESS: LivenessConfig = LivenessConfig {
    enabled: false,
    threshold: 0.0,
    check_enrolment: false,
    box_dx: 0.0,
    box_dy: 0.0,
    box_sw: 1.0,
    box_sh: 1.0,
};

fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

/// The server's recognition settings, with the command line's overrides.
fn recognition(args: &EvalArgs) -> anyhow::Result<(RecognitionConfig, Arc<Calibration>)> {
    let config = Config::load(args.config.as_deref())?;
    let mut rec = config.recognition.clone();
    if let Some(s) = &args.enrol_scales {
        rec.enrol_scales.clone_from(&s.0);
    }
    if let Some(s) = &args.probe_scales {
        rec.probe_scales.clone_from(&s.0);
    }
    if let Some(m) = args.min_face {
        rec.min_face = m;
    }
    if let Some(w) = args.sface_weight {
        rec.sface_weight = w;
    }
    if let Some(m) = args.probe_mirror {
        rec.probe_mirror = m;
    }
    if let Some(q) = args.dlib_int8 {
        rec.dlib_int8 = q;
    }
    if let Some(q) = args.sface_dense_int8 {
        rec.sface_dense_int8 = q;
    }
    if let Some(p) = args.proposals {
        rec.proposals = p.into();
    }
    if let Some(side) = args.proposal_side {
        rec.proposal_side = side;
    }
    if let Some(s) = args.cohort_share {
        rec.cohort_share = s;
    }
    if let Some(c) = &args.calibration {
        rec.calibration = Some(c.clone());
    }
    if let Some(on) = args.self_calibrate {
        rec.self_calibrate = on;
    }
    match args.norm {
        Normalisation::Server => {}
        Normalisation::AsNorm => rec.min_cohort = 0,
        Normalisation::None => rec.min_cohort = usize::MAX,
    }
    let calibration = match &rec.calibration {
        Some(path) => Calibration::from_toml(
            &std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?,
        )?,
        None => Calibration::default_curves(),
    };
    Ok((rec, Arc::new(calibration)))
}

/// One line on where the server's threshold came from.
fn describe_threshold(report: &rollcall_checkin::ThresholdReport, self_calibrate: bool) -> String {
    match (&report.tail, self_calibrate) {
        (_, false) => format!(
            "threshold from the calibration alone ({:.4}; self-calibration off)",
            report.reference
        ),
        (None, true) => format!(
            "threshold from the calibration ({:.4}): too few enrolled to self-calibrate",
            report.reference
        ),
        (Some(t), true) if report.raised() => format!(
            "self-calibration: the enrolled faces resemble one another more than the calibration's \
             ({} comparisons, up to {:+.4} at FMR 1e{:.2}): threshold raised from {:.4} to {:.4}",
            t.comparisons,
            t.excess,
            t.at_log_fmr.unwrap_or(0.0),
            report.reference,
            report.threshold
        ),
        (Some(t), true) => format!(
            "self-calibration: the enrolled faces' {} comparisons stay under the calibration's \
             curve (down to FMR 1e{:.2}): threshold {:.4} kept",
            t.comparisons, t.rarest_log_fmr, report.reference
        ),
    }
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
        let pool = Arc::clone(&pool);
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
            Some(Assessment::Spoof { .. }) => "spoof",
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

/// The enrolled templates, one per enrolment image (`max`) or one averaged per identity (`mean`),
/// in enrolment order (as the server loads them).
fn templates(
    jobs: &[(PathBuf, Role)],
    faces: &[Option<Face>],
    combine: Combine,
) -> (Vec<(u64, [f32; EMBEDDING_DIM])>, usize) {
    let mut enrolled = std::collections::BTreeMap::<u64, Vec<[f32; EMBEDDING_DIM]>>::new();
    let mut no_face = 0usize;
    for ((_, role), face) in jobs.iter().zip(faces) {
        if let Role::Enrol(id) = role {
            match face {
                Some(f) => enrolled.entry(*id).or_default().push(f.embedding),
                None => no_face += 1,
            }
        }
    }
    let templates = match combine {
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
                rollcall_vision::normalize_parts(&mut mean);
                (*id, mean)
            })
            .collect(),
    };
    (templates, no_face)
}

#[allow(clippy::too_many_lines)] // one report, printed in order
pub fn run(args: &EvalArgs) -> anyhow::Result<()> {
    if args.enrol == 0 {
        bail!("--enrol must be at least 1");
    }
    let (rec, calibration) = recognition(args)?;
    let identities = list_dataset(&args.dataset, args.limit)?;
    let jobs = plan(&identities, args.enrol, args.leave_out);
    if jobs.is_empty() {
        bail!("no images found under {}", args.dataset.display());
    }
    let mut config = PipelineConfig {
        flip: !args.no_flip,
        probe_flip: rec.probe_mirror,
        dlib_int8: rec.dlib_int8,
        sface_dense_int8: rec.sface_dense_int8,
        sface: rec.sface_weight > 0.0,
        ..PipelineConfig::default()
    };
    config.detector.min_face = rec.min_face;
    config.detector.refine_landmarks = args.refine_landmarks;
    config.detector.proposals = rec.proposals();
    config.enrol_scales.clone_from(&rec.enrol_scales);
    config.probe_scales.clone_from(&rec.probe_scales);
    let scoring = rec.scoring_id(&config.scoring_model());
    let calibration = match calibration.check_scoring(&scoring) {
        Ok(()) => calibration,
        Err(_) if args.write_calibration.is_some() => calibration,
        Err(e) => {
            eprintln!(
                "note: {e}\nnote: the server's single-frame figures below are therefore not the \
                 server's; the protocol's figures do not depend on the calibration"
            );
            calibration
        }
    };

    let started = Instant::now();
    let (faces, unreadable) = analyse_all(&jobs, &config, args.workers)?;
    if let Some(path) = &args.dump {
        write_dump(path, &jobs, &faces)?;
    }
    let (templates, enrol_no_face) = templates(&jobs, &faces, args.combine);
    let impostor_faces: Vec<&Face> = jobs
        .iter()
        .zip(&faces)
        .filter(|((_, role), _)| *role == Role::Impostor)
        .filter_map(|(_, f)| f.as_ref())
        .collect();
    // A calibration measured here is the one the figures below use, as a server given it would.
    let calibration = match &args.write_calibration {
        Some(path) => {
            let dataset = args.dataset.file_name().map_or_else(
                || args.dataset.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            let enrolled = templates
                .iter()
                .map(|(id, _)| id)
                .collect::<std::collections::BTreeSet<_>>();
            let measured = calibrate::measure(
                &templates,
                &impostor_faces,
                &rec,
                scoring.clone(),
                &format!("{dataset}, {} enrolled", enrolled.len()),
                &calibration,
            )?;
            std::fs::write(path, measured.to_toml())
                .with_context(|| format!("writing {}", path.display()))?;
            println!("calibration written to {} ({scoring})", path.display());
            Arc::new(measured)
        }
        None => calibration,
    };
    // The same recognizer the server runs, with the server's settings.
    let recognizer = Recognizer::new(EMBEDDING_DIM, &rec, Arc::clone(&calibration))?;
    recognizer.load(templates.iter().map(|(id, t)| (*id as i64, &t[..])))?;
    if rec.self_calibrate {
        recognizer.measure_tail()?;
    }

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
                assessment: Some(assess(&recognizer, f, &rec, &NO_LIVENESS)?),
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
    let analysed = started.elapsed().as_secs_f64();
    if genuine.is_empty() || impostor.is_empty() {
        bail!(
            "the dataset needs both identities with several images and identities with one \
             (or --leave-out to make impostors of some)"
        );
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
    let images_per_s = jobs.len() as f64 / analysed;
    let gallery = recognizer.delegates();
    let norm = if recognizer.is_normalised() {
        "as-norm"
    } else {
        "raw"
    };

    let cpu = rollcall_vision::Cpu::detect();
    let report = recognizer.threshold_report();
    let population = args.dataset.file_name().map_or_else(
        || args.dataset.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    println!("machine     {cpu}");
    println!("dataset     {}", args.dataset.display());
    println!("calibration {}", calibration.measured_on);
    println!(
        "gallery     {gallery} identities ({enrol_no_face} enrolment images without a face), \
         enrol K={}, combine {:?}, scores {norm}, dlib {} + sface {}",
        args.enrol,
        args.combine,
        1.0 - rec.sface_weight,
        rec.sface_weight
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
        "server      one frame at its threshold {:.4} (FPIR {} for {} templates) and margin {}: \
         FNIR {:.2}%, FPIR {:.3}%",
        recognizer.threshold(),
        rec.fpir,
        recognizer.len(),
        rec.margin,
        op_fnir * 100.0,
        op_fpir * 100.0
    );
    println!(
        "            {}",
        describe_threshold(&report, rec.self_calibrate)
    );
    println!(
        "throughput  {images_per_s:.1} images/s ({} images, {} workers, {analysed:.1} s)",
        jobs.len(),
        args.workers
    );

    let mut out = json!({
        "population": population,
        "calibration": calibration.measured_on,
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
        "op_threshold": report.threshold,
        "op_reference_threshold": report.reference,
        "self_calibrate": rec.self_calibrate,
        "gallery_tail": report.tail,
        "op_fnir": op_fnir,
        "op_fpir": op_fpir,
        "enrol": args.enrol,
        "leave_out": args.leave_out,
        "combine": format!("{:?}", args.combine).to_lowercase(),
        "flip": !args.no_flip,
        "probe_mirror": rec.probe_mirror,
        "dlib_int8": rec.dlib_int8,
        "sface_dense_int8": rec.sface_dense_int8,
        "enrol_scales": rec.enrol_scales,
        "probe_scales": rec.probe_scales,
        "sface_weight": rec.sface_weight,
        "refine_landmarks": args.refine_landmarks,
        "proposals": format!("{:?}", config.detector.proposals),
        "norm": norm,
        "cohort_share": rec.cohort_share,
        "workers": args.workers,
        "cpu": cpu,
    });
    for (f, t) in levels.iter().zip(&thr).skip(2) {
        out[format!("fnir_at_fpir_{f}")] = json!(fnir_at(*t));
        out[format!("thr_{f}")] = json!(t);
    }

    if args.enrolment_gate {
        let server = Config::load(args.config.as_deref())?;
        let g = gate::measure(
            &identities,
            &config,
            args.workers,
            &rec,
            &server.enrolment,
            &server.liveness,
            &calibration,
        )?;
        println!(
            "enrolment   {} photos as files: {} accepted, {} refused ({:.2}%), {} unreadable; \
             {} accepted with liveness below {} (advisory, recorded); threshold at the end {:.4}",
            g.photos,
            g.accepted,
            g.refusals(),
            100.0 * g.refusals() as f64 / g.photos.max(1) as f64,
            g.unreadable,
            g.liveness_low,
            server.liveness.threshold,
            g.threshold_at_end
        );
        for (code, n) in &g.refused {
            println!(
                "            {code}: {n} ({:.2}%)",
                100.0 * *n as f64 / g.photos.max(1) as f64
            );
        }
        out["enrolment_gate"] = g.json();
    }

    if !args.gallery_size.is_empty() {
        let probes = Probes {
            genuine: jobs
                .iter()
                .zip(&faces)
                .filter_map(|((_, role), f)| match role {
                    Role::Genuine(id) => Some((*id, f.as_ref())),
                    _ => None,
                })
                .collect(),
            impostors: jobs
                .iter()
                .zip(&faces)
                .filter(|((_, role), _)| *role == Role::Impostor)
                .map(|(_, f)| f.as_ref())
                .collect(),
        };
        let rows = by_size(&args.gallery_size, &templates, &probes, &rec, &calibration)?;
        println!(
            "by gallery size (disjoint random galleries, seed 42; every impostor searched in each):"
        );
        println!(
            "  N      galleries  raised  genuine  scores   FNIR@FPIR1%   server at FPIR 1%: thr / \
             FPIR / FNIR        at FPIR 0.1%: thr / FPIR / FNIR"
        );
        for r in &rows {
            let s = |i: usize| {
                let s = &r.server[i];
                format!(
                    "{:.4} / {:.3}% / {:.2}%",
                    s.threshold,
                    s.fpir * 100.0,
                    s.fnir * 100.0
                )
            };
            println!(
                "  {:<6} {:<10} {:<7} {:<8} {:<8} {:<13} {:<34} {}",
                r.n,
                r.galleries,
                r.raised,
                r.genuine,
                if r.normalised { "as-norm" } else { "raw" },
                format!("{:.2}%", r.fnir_at_fpir_1e2 * 100.0),
                s(0),
                s(1)
            );
        }
        out["by_gallery_size"] = rows.iter().map(sizes::SizeRow::json).collect();
    }
    println!("{out}");
    Ok(())
}
