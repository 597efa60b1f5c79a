//! `rollcall eval DATASET --enrolment-gate`: every photo of the dataset submitted as a file to the
//! server's whole enrolment gate (face rules, advisory liveness, duplicate check at the server's
//! threshold, self-calibration as the server runs it), identity by identity in the dataset's
//! order, each photo for its own identity's delegate. A dataset's photos are of people who are who
//! the folder says: every refusal is a false refusal, counted by its reason.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{mpsc, Arc};

use anyhow::Context;
use rollcall_api::PhotoSource;
use rollcall_checkin::enrolment::{admit, liveness_low};
use rollcall_checkin::{Calibration, GateConfig, LivenessConfig, RecognitionConfig, Recognizer};
use rollcall_vision::{
    decode_image, DecodeLimits, Face, InferencePool, PipelineConfig, Purpose, EMBEDDING_DIM,
};
use serde_json::{json, Value};

use super::dataset::Identity;

/// Self-calibration runs again after this many enrolments, as the server's does once changes settle.
const RECALIBRATE_EVERY: usize = 100;

#[derive(Debug, Default)]
pub(super) struct GateReport {
    pub photos: usize,
    pub accepted: usize,
    pub unreadable: usize,
    pub refused: BTreeMap<&'static str, usize>,
    /// Accepted files whose liveness was below the kiosk's threshold (advisory, recorded): a
    /// desk-camera capture scoring that would have been refused.
    pub liveness_low: usize,
    pub threshold_at_end: f32,
}

impl GateReport {
    pub fn refusals(&self) -> usize {
        self.refused.values().sum()
    }

    pub fn json(&self) -> Value {
        json!({
            "photos": self.photos, "accepted": self.accepted, "unreadable": self.unreadable,
            "refused": self.refusals(), "refused_share": self.refusals() as f64
                / self.photos.max(1) as f64,
            "by_reason": self.refused, "liveness_low": self.liveness_low,
            "threshold_at_end": self.threshold_at_end,
        })
    }
}

/// Every face of every photo, analysed as enrolment photos are (liveness scored when it is on).
fn analyse(
    photos: &[PathBuf],
    config: &PipelineConfig,
    workers: usize,
) -> anyhow::Result<Vec<Option<Vec<Face>>>> {
    let pool = InferencePool::new(config, workers, workers * 2)?;
    let (tx, rx) = mpsc::channel();
    let feeder = {
        let photos = photos.to_vec();
        let pool = Arc::clone(&pool);
        std::thread::spawn(move || {
            for (i, path) in photos.into_iter().enumerate() {
                let tx = tx.clone();
                let sent = pool.submit(move |pipeline| {
                    let faces = std::fs::read(&path)
                        .ok()
                        .and_then(|b| decode_image(&b, &DecodeLimits::default()).ok())
                        .and_then(|img| pipeline.analyze_for(&img, Purpose::Enrolment).ok());
                    let _ = tx.send((i, faces));
                });
                if sent.is_err() {
                    return;
                }
            }
        })
    };
    let mut out = vec![None; photos.len()];
    for _ in 0..photos.len() {
        let (i, faces) = rx.recv().context("inference workers stopped")?;
        out[i] = faces;
    }
    feeder.join().ok();
    pool.shutdown();
    Ok(out)
}

pub(super) fn measure(
    identities: &[Identity],
    pipeline: &PipelineConfig,
    workers: usize,
    rec: &RecognitionConfig,
    gate: &GateConfig,
    liveness: &LivenessConfig,
    calibration: &Arc<Calibration>,
) -> anyhow::Result<GateReport> {
    let mut pipeline = pipeline.clone();
    pipeline.liveness = liveness.mapping();
    let photos: Vec<(i64, PathBuf)> = identities
        .iter()
        .enumerate()
        .flat_map(|(id, who)| who.images.iter().map(move |p| (id as i64, p.clone())))
        .collect();
    let paths: Vec<PathBuf> = photos.iter().map(|(_, p)| p.clone()).collect();
    let analysed = analyse(&paths, &pipeline, workers)?;
    let recognizer = Recognizer::new(EMBEDDING_DIM, rec, Arc::clone(calibration))?;
    let mut report = GateReport {
        photos: photos.len(),
        ..GateReport::default()
    };
    for ((delegate, _), faces) in photos.iter().zip(analysed) {
        let Some(faces) = faces else {
            report.unreadable += 1;
            continue;
        };
        match admit(
            faces,
            *delegate,
            PhotoSource::File,
            gate,
            liveness,
            &recognizer,
        )? {
            Ok(face) => {
                report.accepted += 1;
                report.liveness_low += usize::from(liveness_low(&face, liveness));
                recognizer.add(*delegate, &face.embedding)?;
                if rec.self_calibrate && report.accepted.is_multiple_of(RECALIBRATE_EVERY) {
                    recognizer.measure_tail()?;
                }
            }
            Err(refusal) => *report.refused.entry(refusal.code()).or_default() += 1,
        }
    }
    report.threshold_at_end = recognizer.threshold();
    Ok(report)
}
