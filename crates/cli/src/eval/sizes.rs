//! `rollcall eval --gallery-size N,...`: the same probes against galleries of N enrolled people,
//! to see whether the server's threshold keeps its promise at every size.
//!
//! For each N the enrolled identities are shuffled (fixed seed) and cut into as many disjoint
//! galleries of N as fit, so that every genuine probe is used once; every impostor probe is searched
//! in every gallery. FNIR at FPIR 1% uses the threshold chosen from those impostor scores (the
//! protocol's way); the server's rows use the threshold the server derives for N from its
//! calibration, and report the FPIR and FNIR it gives.

use std::sync::Arc;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rollcall_checkin::calibration::threshold_at;
use rollcall_checkin::{assess_at, Assessment, Calibration, RecognitionConfig, Recognizer};
use rollcall_vision::{Face, EMBEDDING_DIM};
use serde_json::{json, Value};

/// The shares of impostors per frame the server's rows are measured at.
pub(super) const LEVELS: [f64; 2] = [1e-2, 1e-3];

#[derive(Debug, Clone)]
pub(super) struct ServerRow {
    pub fpir_nominal: f64,
    pub threshold: f32,
    pub fpir: f64,
    pub fnir: f64,
}

#[derive(Debug, Clone)]
pub(super) struct SizeRow {
    pub n: usize,
    pub galleries: usize,
    pub genuine: usize,
    pub impostor_searches: usize,
    pub normalised: bool,
    /// Galleries whose own impostor scores raised their threshold (self-calibration).
    pub raised: usize,
    pub fnir_at_fpir_1e2: f64,
    pub server: Vec<ServerRow>,
}

impl SizeRow {
    pub fn json(&self) -> Value {
        let server: Vec<Value> = self
            .server
            .iter()
            .map(|s| {
                json!({"fpir_nominal": s.fpir_nominal, "threshold": s.threshold,
                       "fpir": s.fpir, "fnir": s.fnir})
            })
            .collect();
        json!({
            "n": self.n, "galleries": self.galleries, "genuine": self.genuine,
            "impostor_searches": self.impostor_searches,
            "scores": if self.normalised { "as-norm" } else { "raw" },
            "raised": self.raised,
            "fnir_at_fpir_1e-2": self.fnir_at_fpir_1e2, "server": server,
        })
    }
}

/// Genuine probes (their identity and face, if one was found) and impostor probes.
#[derive(Debug)]
pub(super) struct Probes<'a> {
    pub genuine: Vec<(u64, Option<&'a Face>)>,
    pub impostors: Vec<Option<&'a Face>>,
}

pub(super) fn by_size(
    sizes: &[usize],
    templates: &[(u64, [f32; EMBEDDING_DIM])],
    probes: &Probes,
    rec: &RecognitionConfig,
    calibration: &Arc<Calibration>,
) -> anyhow::Result<Vec<SizeRow>> {
    let mut ids: Vec<u64> = templates.iter().map(|(id, _)| *id).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut rows = Vec::new();
    for &n in sizes {
        let mut order = ids.clone();
        order.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(42));
        let n = n.clamp(1, order.len());
        let galleries: Vec<&[u64]> = order.chunks_exact(n).collect();
        let mut impostor_tops = Vec::new();
        let mut genuine = Vec::new(); // (right identity on top, its score)
        let mut accepted = [0usize; LEVELS.len()];
        let mut missed = [0usize; LEVELS.len()];
        let mut thresholds = [f32::NAN; LEVELS.len()];
        let mut normalised = false;
        let mut raised = 0usize;
        let mut threshold_sum = [0f64; LEVELS.len()];
        for members in &galleries {
            let recognizer = Recognizer::new(EMBEDDING_DIM, rec, Arc::clone(calibration))?;
            recognizer.load(
                templates
                    .iter()
                    .filter(|(id, _)| members.contains(id))
                    .map(|(id, t)| (*id as i64, &t[..])),
            )?;
            normalised = recognizer.is_normalised();
            if rec.self_calibrate {
                recognizer.measure_tail()?;
            }
            raised += usize::from(recognizer.threshold_report().raised());
            for face in &probes.impostors {
                let Some(face) = face else {
                    impostor_tops.push(f32::NEG_INFINITY);
                    continue;
                };
                let top = recognizer.best_match(&face.embedding)?;
                impostor_tops.push(top.map_or(f32::NEG_INFINITY, |m| m.score));
                for (i, &level) in LEVELS.iter().enumerate() {
                    let a = assess_at(&recognizer, face, rec, &super::NO_LIVENESS, level)?;
                    accepted[i] += usize::from(matches!(a, Assessment::Recognised(_)));
                }
            }
            for &(id, face) in probes.genuine.iter().filter(|(id, _)| members.contains(id)) {
                let Some(face) = face else {
                    genuine.push((false, f32::NEG_INFINITY));
                    missed.iter_mut().for_each(|m| *m += 1);
                    continue;
                };
                let top = recognizer.best_match(&face.embedding)?;
                genuine.push(top.map_or((false, f32::NEG_INFINITY), |m| {
                    (m.delegate_id as u64 == id, m.score)
                }));
                for (i, &level) in LEVELS.iter().enumerate() {
                    let a = assess_at(&recognizer, face, rec, &super::NO_LIVENESS, level)?;
                    let right =
                        matches!(a, Assessment::Recognised(m) if m.delegate_id as u64 == id);
                    missed[i] += usize::from(!right);
                }
            }
            for (i, &level) in LEVELS.iter().enumerate() {
                let probe = probes
                    .impostors
                    .iter()
                    .chain(probes.genuine.iter().map(|g| &g.1));
                if let Some(face) = probe.flatten().next() {
                    if let Some(m) = recognizer.best_match_at(&face.embedding, level)? {
                        threshold_sum[i] += f64::from(m.threshold);
                    }
                }
            }
        }
        for (t, sum) in thresholds.iter_mut().zip(threshold_sum) {
            *t = (sum / galleries.len().max(1) as f64) as f32;
        }
        impostor_tops.sort_by(|a, b| b.total_cmp(a));
        let t = threshold_at(&impostor_tops, 1e-2);
        let fnir = genuine.iter().filter(|(ok, s)| !ok || *s < t).count() as f64
            / genuine.len().max(1) as f64;
        let searches = impostor_tops.len().max(1) as f64;
        rows.push(SizeRow {
            n,
            galleries: galleries.len(),
            genuine: genuine.len(),
            impostor_searches: impostor_tops.len(),
            normalised,
            raised,
            fnir_at_fpir_1e2: fnir,
            server: LEVELS
                .iter()
                .enumerate()
                .map(|(i, &level)| ServerRow {
                    fpir_nominal: level,
                    threshold: thresholds[i],
                    fpir: accepted[i] as f64 / searches,
                    fnir: missed[i] as f64 / genuine.len().max(1) as f64,
                })
                .collect(),
        });
    }
    Ok(rows)
}
