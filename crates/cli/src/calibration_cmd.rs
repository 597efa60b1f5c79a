//! `rollcall calibration`: combine populations' curves into the one the server uses, and check
//! before the day what self-calibration will make of a deployment's gallery or photos.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use rollcall_checkin::{Calibration, Recognizer, ThresholdReport};
use rollcall_server::Config;
use rollcall_vision::{decode_image, Pipeline, Purpose, EMBEDDING_DIM};

#[derive(Debug, clap::Subcommand)]
pub enum CalibrationCommand {
    /// Write the calibration that holds on every population given: at each share of impostor
    /// comparisons, the higher of their curves (each measured with `rollcall eval DATASET
    /// --write-calibration FILE`).
    Combine {
        /// Where to write the combined curves.
        #[arg(long)]
        out: PathBuf,
        /// Each population's calibration.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
    },
    /// Say whether the enrolled gallery (or, with --photos, a folder of a deployment's own
    /// photos) resembles itself more than the calibration's populations, and the threshold the
    /// server will hold it to.
    Check {
        /// Configuration file (default: config/rollcall.toml when it exists).
        #[arg(long)]
        config: Option<PathBuf>,
        /// A folder of photos instead of the database: each file one person, or each sub-folder
        /// one person with several photos.
        #[arg(long)]
        photos: Option<PathBuf>,
    },
}

pub fn run(cmd: CalibrationCommand) -> anyhow::Result<()> {
    match cmd {
        CalibrationCommand::Combine { out, inputs } => combine(&out, &inputs),
        CalibrationCommand::Check { config, photos } => check(config.as_deref(), photos.as_deref()),
    }
}

fn read(path: &Path) -> anyhow::Result<Calibration> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Calibration::from_toml(&text).with_context(|| path.display().to_string())
}

fn combine(out: &Path, inputs: &[PathBuf]) -> anyhow::Result<()> {
    let parts = inputs
        .iter()
        .map(|p| read(p))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let combined = Calibration::worst_of(&parts)?;
    std::fs::write(out, combined.to_toml())
        .with_context(|| format!("writing {}", out.display()))?;
    println!("{}: {}", out.display(), combined.measured_on);
    for fpir in [1e-2, 1e-3] {
        for n in [20, 100, 400, 1000] {
            let normalised = n >= rollcall_checkin::RecognitionConfig::default().min_cohort;
            let each: Vec<String> = parts
                .iter()
                .map(|p| format!("{:.4}", p.threshold(normalised, n, fpir)))
                .collect();
            println!(
                "  FPIR {fpir} with {n} templates: {:.4} (each population: {})",
                combined.threshold(normalised, n, fpir),
                each.join(", ")
            );
        }
    }
    Ok(())
}

/// What the report means, in one paragraph an organiser can act on.
pub fn describe(report: &ThresholdReport) -> String {
    match &report.tail {
        None => format!(
            "{} templates: too few to compare with one another (or the calibration has no \
             curve of enrolled people's scores); threshold {:.4} from the calibration",
            report.templates, report.reference
        ),
        Some(t) if report.raised() => format!(
            "{} delegates, {} comparisons between them: the enrolled faces resemble one another \
             more than the calibration's populations (by up to {:.4} at one comparison in \
             {:.0}): threshold raised from {:.4} to {:.4}; expect more 'please look at the \
             camera' and more delegates sent to the desk",
            t.delegates,
            t.comparisons,
            t.excess,
            10f64.powf(-t.at_log_fmr.unwrap_or(0.0)),
            report.reference,
            report.threshold
        ),
        Some(t) => format!(
            "{} delegates, {} comparisons between them: they resemble one another no more than \
             the calibration's populations (checked down to one comparison in {:.0}): threshold \
             {:.4} kept",
            t.delegates,
            t.comparisons,
            10f64.powf(-t.rarest_log_fmr),
            report.reference
        ),
    }
}

fn check(config: Option<&Path>, photos: Option<&Path>) -> anyhow::Result<()> {
    let config = Config::load(config)?;
    let calibration = Arc::new(config.calibration()?);
    let recognizer = Recognizer::new(EMBEDDING_DIM, &config.recognition, calibration)?;
    let templates = match photos {
        Some(dir) => embed_folder(&config, dir)?,
        None => stored_templates(&config)?,
    };
    recognizer.load(templates.iter().map(|(id, t)| (*id, t.as_slice())))?;
    recognizer.measure_tail()?;
    println!("{}", describe(&recognizer.threshold_report()));
    Ok(())
}

fn stored_templates(config: &Config) -> anyhow::Result<Vec<(i64, Vec<f32>)>> {
    let model_id = config.pipeline().model_id();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let store = config
            .open_store()
            .await
            .context("opening the database with its data key")?;
        let templates = store.templates(&model_id).await?;
        store.close().await;
        anyhow::Ok(
            templates
                .into_iter()
                .map(|t| (t.delegate_id, t.embedding))
                .collect(),
        )
    })
}

/// One person per file at the top, or per sub-folder: each photo's main face, embedded as an
/// enrolment photo is.
fn embed_folder(config: &Config, dir: &Path) -> anyhow::Result<Vec<(i64, Vec<f32>)>> {
    let mut people: Vec<Vec<PathBuf>> = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(&path)?
                .map(|e| e.map(|e| e.path()))
                .collect::<Result<_, _>>()?;
            files.retain(|p| p.is_file());
            files.sort();
            people.push(files);
        } else {
            people.push(vec![path]);
        }
    }
    let mut pipeline = Pipeline::load(&config.pipeline())?;
    let limits = config.decode_limits_for(Purpose::Enrolment);
    let mut out = Vec::new();
    let mut skipped = 0usize;
    for (id, files) in people.iter().enumerate() {
        for file in files {
            let face = std::fs::read(file)
                .map_err(anyhow::Error::from)
                .and_then(|b| Ok(decode_image(&b, &limits)?))
                .and_then(|img| Ok(pipeline.analyze_for(&img, Purpose::Enrolment)?))
                .map(|faces| rollcall_checkin::enrolment::main_face(faces, &config.enrolment));
            match face {
                Ok(Some(face)) => out.push((id as i64, face.embedding.to_vec())),
                Ok(None) | Err(_) => skipped += 1,
            }
        }
    }
    println!(
        "{} people, {} photos embedded, {skipped} without a usable face",
        people.len(),
        out.len()
    );
    Ok(out)
}
