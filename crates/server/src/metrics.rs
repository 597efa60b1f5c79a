//! Counters for `/metrics` (Prometheus text format).

use std::sync::atomic::{AtomicU64, Ordering};

use rollcall_api::FaceStatus;
use rollcall_checkin::ThresholdReport;

#[derive(Debug, Default)]
pub struct Metrics {
    pub frames: AtomicU64,
    pub frames_replayed: AtomicU64,
    /// Kiosk faces by the status they were given, indexed like `FaceStatus::ALL`.
    faces: [AtomicU64; FaceStatus::ALL.len()],
    pub busy: AtomicU64,
    /// Requests whose token was malformed, unknown or revoked.
    pub auth_failures: AtomicU64,
    pub inference_ns: AtomicU64,
    pub inference_count: AtomicU64,
    /// Enrolment files accepted with a liveness score below the kiosk's threshold (advisory).
    pub enrolment_liveness_low: AtomicU64,
}

impl Metrics {
    pub fn inc(c: &AtomicU64) {
        c.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one kiosk face with this status.
    pub fn face(&self, status: FaceStatus) {
        let i = FaceStatus::ALL
            .iter()
            .position(|s| *s == status)
            .expect("every status is in ALL");
        Self::inc(&self.faces[i]);
    }

    pub fn faces(&self, status: FaceStatus) -> u64 {
        let i = FaceStatus::ALL
            .iter()
            .position(|s| *s == status)
            .expect("every status is in ALL");
        self.faces[i].load(Ordering::Relaxed)
    }

    /// The counters, with the gallery's size and threshold and the inference jobs that panicked
    /// (the pool counts those itself).
    pub fn render(&self, gallery: &ThresholdReport, inference_panics: u64) -> String {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let mut s = String::new();
        s += "# TYPE rollcall_frames_total counter\n";
        s += &format!("rollcall_frames_total {}\n", g(&self.frames));
        s += "# TYPE rollcall_frames_replayed_total counter\n";
        s += &format!(
            "rollcall_frames_replayed_total {}\n",
            g(&self.frames_replayed)
        );
        s += "# TYPE rollcall_faces_total counter\n";
        for status in FaceStatus::ALL {
            s += &format!(
                "rollcall_faces_total{{status=\"{}\"}} {}\n",
                status.as_str(),
                self.faces(status)
            );
        }
        s += "# TYPE rollcall_busy_total counter\n";
        s += &format!("rollcall_busy_total {}\n", g(&self.busy));
        s += "# TYPE rollcall_auth_failures_total counter\n";
        s += &format!("rollcall_auth_failures_total {}\n", g(&self.auth_failures));
        s += "# TYPE rollcall_inference_seconds summary\n";
        s += &format!(
            "rollcall_inference_seconds_sum {}\n",
            g(&self.inference_ns) as f64 / 1e9
        );
        s += &format!(
            "rollcall_inference_seconds_count {}\n",
            g(&self.inference_count)
        );
        s += "# TYPE rollcall_inference_panics_total counter\n";
        s += &format!("rollcall_inference_panics_total {inference_panics}\n");
        s += "# TYPE rollcall_enrolment_liveness_low_total counter\n";
        s += &format!(
            "rollcall_enrolment_liveness_low_total {}\n",
            g(&self.enrolment_liveness_low)
        );
        s += "# TYPE rollcall_gallery_templates gauge\n";
        s += &format!("rollcall_gallery_templates {}\n", gallery.templates);
        s += "# HELP rollcall_match_threshold The score a kiosk face must reach now.\n";
        s += "# TYPE rollcall_match_threshold gauge\n";
        s += &format!("rollcall_match_threshold {}\n", gallery.threshold);
        s += "# HELP rollcall_match_threshold_raise How far self-calibration raised the threshold \
              above the calibration's (0: not raised).\n";
        s += "# TYPE rollcall_match_threshold_raise gauge\n";
        s += &format!(
            "rollcall_match_threshold_raise {}\n",
            gallery.threshold - gallery.reference
        );
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_face_status_has_its_own_counter() {
        let m = Metrics::default();
        m.face(FaceStatus::Pending);
        m.face(FaceStatus::Pending);
        m.face(FaceStatus::Rejected);
        let gallery = ThresholdReport {
            reference: 0.8,
            threshold: 0.825,
            templates: 3,
            normalised: false,
            tail: None,
        };
        let text = m.render(&gallery, 1);
        for status in FaceStatus::ALL {
            assert!(
                text.contains(&format!("status=\"{}\"", status.as_str())),
                "{text}"
            );
        }
        assert!(text.contains("rollcall_faces_total{status=\"pending\"} 2"));
        assert!(text.contains("rollcall_faces_total{status=\"rejected\"} 1"));
        assert!(text.contains("rollcall_gallery_templates 3"));
        assert!(text.contains("rollcall_inference_panics_total 1"));
        assert!(text.contains("rollcall_match_threshold 0.825"), "{text}");
        assert!(
            text.contains("rollcall_match_threshold_raise 0.02"),
            "{text}"
        );
    }
}
