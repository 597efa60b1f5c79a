//! Self-calibration on the server: after the gallery changes, the enrolled delegates are compared
//! with one another off the request path (`rollcall_checkin::gallery_tail`), and where they
//! resemble one another more than the calibration's populations the threshold rises. The log, the
//! metrics and `GET /recognition/threshold` (read by the desk page) say so.

use std::time::Duration;

use rollcall_api::{RecognitionThreshold, SelfCalibration};
use rollcall_checkin::ThresholdReport;

use crate::{AppError, AppState};

/// Changes arriving closer together than this (a bulk import) are measured once.
const SETTLE: Duration = Duration::from_secs(2);

/// Compares the gallery with itself now, on a blocking thread, and reports the threshold.
pub(crate) async fn measure(state: &AppState) -> Result<ThresholdReport, AppError> {
    let before = state.recognizer.threshold_report();
    let recognizer = std::sync::Arc::clone(&state.recognizer);
    tokio::task::spawn_blocking(move || recognizer.measure_tail())
        .await
        .map_err(|e| AppError::Internal(format!("self-calibration stopped: {e}")))??;
    let after = state.recognizer.threshold_report();
    log_change(&before, &after);
    Ok(after)
}

/// One line when the raise appears, changes or goes.
fn log_change(before: &ThresholdReport, after: &ThresholdReport) {
    let excess = |r: &ThresholdReport| r.threshold - r.reference;
    if (excess(before) - excess(after)).abs() < 1e-4 && before.tail.is_some() {
        return;
    }
    match &after.tail {
        Some(t) if after.raised() => tracing::warn!(
            delegates = t.delegates,
            comparisons = t.comparisons,
            reference = after.reference,
            threshold = after.threshold,
            "the enrolled faces resemble one another more than the reference: threshold raised \
             from {:.4} to {:.4}; expect more 'please look at the camera'",
            after.reference,
            after.threshold
        ),
        Some(t) => tracing::info!(
            delegates = t.delegates,
            comparisons = t.comparisons,
            threshold = after.threshold,
            "self-calibration: the enrolled faces resemble one another no more than the reference"
        ),
        None => tracing::info!(
            templates = after.templates,
            threshold = after.threshold,
            "self-calibration: too few delegates enrolled to compare"
        ),
    }
}

/// Measures again after each change to the gallery, once changes settle.
pub(crate) fn follow(state: AppState) {
    tokio::spawn(async move {
        loop {
            state.gallery_changes.notified().await;
            tokio::time::sleep(SETTLE).await;
            if let Err(e) = measure(&state).await {
                tracing::warn!(error = %e, "self-calibration failed; the last threshold stays");
            }
        }
    });
}

/// The report as the API shows it.
pub(crate) fn answer(report: &ThresholdReport, fpir: f64) -> RecognitionThreshold {
    RecognitionThreshold {
        threshold: report.threshold,
        reference: report.reference,
        fpir,
        templates: report.templates,
        normalised: report.normalised,
        raised: report.raised(),
        self_calibration: report.tail.as_ref().map(|t| SelfCalibration {
            delegates: t.delegates,
            comparisons: t.comparisons,
            excess: t.excess,
            rarest_share: 10f64.powf(t.rarest_log_fmr),
        }),
    }
}
