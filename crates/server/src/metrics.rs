use std::sync::atomic::{AtomicU64, Ordering};

/// Counters for `/metrics` (Prometheus text format).
#[derive(Debug, Default)]
pub struct Metrics {
    pub frames: AtomicU64,
    pub frames_replayed: AtomicU64,
    pub faces_checked_in: AtomicU64,
    pub faces_already: AtomicU64,
    pub faces_pending: AtomicU64,
    pub faces_unknown: AtomicU64,
    pub faces_rejected: AtomicU64,
    pub busy: AtomicU64,
    pub inference_ns: AtomicU64,
    pub inference_count: AtomicU64,
}

impl Metrics {
    pub fn inc(c: &AtomicU64) {
        c.fetch_add(1, Ordering::Relaxed);
    }

    pub fn render(&self, templates: usize) -> String {
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
        for (status, c) in [
            ("checked_in", &self.faces_checked_in),
            ("already_checked_in", &self.faces_already),
            ("pending", &self.faces_pending),
            ("unknown", &self.faces_unknown),
            ("rejected", &self.faces_rejected),
        ] {
            s += &format!("rollcall_faces_total{{status=\"{status}\"}} {}\n", g(c));
        }
        s += "# TYPE rollcall_busy_total counter\n";
        s += &format!("rollcall_busy_total {}\n", g(&self.busy));
        s += "# TYPE rollcall_inference_seconds summary\n";
        s += &format!(
            "rollcall_inference_seconds_sum {}\n",
            g(&self.inference_ns) as f64 / 1e9
        );
        s += &format!(
            "rollcall_inference_seconds_count {}\n",
            g(&self.inference_count)
        );
        s += "# TYPE rollcall_gallery_templates gauge\n";
        s += &format!("rollcall_gallery_templates {templates}\n");
        s
    }
}
