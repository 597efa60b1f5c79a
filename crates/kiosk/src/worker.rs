use std::path::PathBuf;
use std::time::Duration;

use image::imageops;
use rand::RngCore;
use rollcall_api::{FaceAnswer, FaceStatus};
use rollcall_i18n::Lang;

use crate::client::{Client, Delivery};
use crate::queue::{DiskQueue, FrameMeta, QueueError};
use crate::scene::{SceneGate, Thumb};
use crate::source::{FolderSource, Next, Source};

/// Where the kiosk's frames come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceSpec {
    /// Images in file-name order, replayed at `fps`; the run ends after the last.
    Folder(PathBuf),
    /// A live camera; the run goes on until the process is stopped.
    #[cfg(feature = "camera")]
    Camera(crate::camera::CameraSpec),
}

#[derive(Debug, Clone)]
pub struct KioskConfig {
    pub server: String,
    pub token: String,
    pub source: SourceSpec,
    /// Frames per second taken from the source (and so sent at most).
    pub fps: f64,
    pub queue_dir: PathBuf,
    pub max_queue: usize,
    /// Frames wider than this are downscaled before sending.
    pub max_width: u32,
    /// Exit once the source is exhausted, leaving undelivered frames queued for the next run.
    pub no_wait: bool,
    /// Name used in frame ids (so ids from different kiosks never collide).
    pub name: String,
    /// After the server saw no face in a frame, later frames are sent only once this many cells of
    /// a 32x24 thumbnail changed (see `scene`); 0 sends every frame.
    pub skip_still: usize,
    /// The language the kiosk speaks to delegates in.
    pub lang: Lang,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    pub captured: usize,
    pub delivered: usize,
    /// Not sent: the same empty scene the server had already seen.
    pub skipped: usize,
    pub dropped: usize,
    pub left_in_queue: usize,
    /// "Name (Delegation)" of everyone this run checked in.
    pub checked_in: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum KioskError {
    #[error(transparent)]
    Queue(#[from] QueueError),
    #[error("reading the source folder: {0}")]
    Source(std::io::Error),
    #[cfg(feature = "camera")]
    #[error(transparent)]
    Camera(#[from] crate::camera::CameraError),
    #[error("the server refused the kiosk token: {0}")]
    Refused(String),
}

/// The line shown to the person in front of the kiosk for one face, in the kiosk's language.
pub fn greeting(face: &FaceAnswer, lang: Lang) -> String {
    let (name, delegation) = face
        .delegate
        .as_ref()
        .map_or(("", ""), |d| (d.full_name.as_str(), d.delegation.as_str()));
    let id = match face.status {
        FaceStatus::CheckedIn => "kiosk-checked-in",
        FaceStatus::AlreadyCheckedIn => "kiosk-already-checked-in",
        FaceStatus::Pending => "kiosk-pending",
        FaceStatus::Unknown => "kiosk-unknown",
        FaceStatus::Rejected => "kiosk-rejected",
        FaceStatus::SpoofSuspected => "kiosk-spoof-suspected",
        FaceStatus::Returned => "kiosk-returned",
        FaceStatus::CheckedOut => "kiosk-checked-out",
        FaceStatus::AlreadyCheckedOut => "kiosk-already-checked-out",
        FaceStatus::NotCheckedIn => "kiosk-not-checked-in",
    };
    lang.say(id, &[("name", name), ("delegation", delegation)])
}

/// A frame as a kiosk sends it: at most `max_width` wide (triangle filter), JPEG quality 85.
pub fn encode_frame(image: &image::RgbImage, max_width: u32) -> Vec<u8> {
    let scaled;
    let img = if image.width() > max_width {
        let h = image.height() * max_width / image.width();
        scaled = imageops::resize(image, max_width, h.max(1), imageops::FilterType::Triangle);
        &scaled
    } else {
        image
    };
    let mut out = std::io::Cursor::new(Vec::new());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(img)
        .expect("JPEG encoding of an RGB image");
    out.into_inner()
}

/// Runs the kiosk: capture from the source into the queue, deliver the queue in order, show each
/// answer through `show`. Returns when the source is exhausted and the queue empty (or at once after
/// the source with `no_wait`).
pub async fn run(cfg: &KioskConfig, mut show: impl FnMut(&str)) -> Result<Report, KioskError> {
    let queue = DiskQueue::open(&cfg.queue_dir, cfg.max_queue)?;
    let mut source = match &cfg.source {
        SourceSpec::Folder(dir) => {
            Source::Folder(FolderSource::open(dir, cfg.fps).map_err(KioskError::Source)?)
        }
        #[cfg(feature = "camera")]
        SourceSpec::Camera(spec) => {
            Source::Camera(crate::camera::CameraSource::open(spec.clone(), cfg.fps)?)
        }
    };
    let mut scene = SceneGate::new(cfg.skip_still);
    let client = Client::new(&cfg.server, &cfg.token);
    let run_id = {
        let mut b = [0u8; 4];
        rand::thread_rng().fill_bytes(&mut b);
        hex::encode(b)
    };
    let mut report = Report::default();
    let mut backoff = Duration::from_millis(250);
    let mut next_try = tokio::time::Instant::now();
    let mut online = true;
    let mut source_done = false;
    loop {
        if !source_done {
            match source.next().await {
                Next::Frame(frame) => {
                    let thumb = Thumb::of(&frame.image);
                    if scene.should_send(&thumb) {
                        let meta = FrameMeta {
                            kiosk_frame_id: format!("{}-{run_id}-{:06}", cfg.name, report.captured),
                            captured_at: frame
                                .captured_at
                                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                            thumb: Some(thumb),
                        };
                        report.captured += 1;
                        let dropped =
                            queue.push(&encode_frame(&frame.image, cfg.max_width), &meta)?;
                        if dropped > 0 {
                            report.dropped += dropped;
                            show(&format!("[queue full: dropped {dropped} oldest frame(s)]"));
                        }
                    } else {
                        report.skipped += 1;
                    }
                }
                Next::Idle => {}
                Next::End => source_done = true,
            }
        }
        // Deliver what is queued, oldest first, unless we are waiting out a failure.
        while tokio::time::Instant::now() >= next_try {
            let Some((seq, meta, jpeg)) = queue.oldest()? else {
                break;
            };
            match client.send(&meta, jpeg).await {
                Delivery::Answered(answer) => {
                    if !answer.faces.is_empty() {
                        scene.answered_with_faces();
                    } else if let Some(thumb) = meta.thumb.clone() {
                        scene.answered_empty(thumb);
                    }
                    queue.remove(seq)?;
                    report.delivered += 1;
                    if !online {
                        online = true;
                        show(&format!("[online, queue {}]", queue.len()?));
                    }
                    backoff = Duration::from_millis(250);
                    for face in &answer.faces {
                        if let (FaceStatus::CheckedIn, Some(d)) = (face.status, &face.delegate) {
                            report
                                .checked_in
                                .push(format!("{} ({})", d.full_name, d.delegation));
                        }
                        show(&greeting(face, cfg.lang));
                    }
                }
                Delivery::Dropped(why) => {
                    queue.remove(seq)?;
                    report.dropped += 1;
                    tracing::info!(frame = %meta.kiosk_frame_id, reason = %why, "frame dropped");
                }
                Delivery::Retry(why) => {
                    if online {
                        online = false;
                        show(&format!("[offline: {why}; queue {}]", queue.len()?));
                    }
                    next_try = tokio::time::Instant::now() + backoff;
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                    break;
                }
                Delivery::Refused(why) => return Err(KioskError::Refused(why)),
            }
        }
        if source_done {
            if cfg.no_wait || queue.is_empty()? {
                break;
            }
            tokio::time::sleep_until(next_try).await;
        }
    }
    report.left_in_queue = queue.len()?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rollcall_api::DelegateRef;

    #[test]
    fn the_kiosk_greets_in_its_language() {
        let face = |status| FaceAnswer {
            bbox: [0, 0, 10, 10],
            status,
            delegate: Some(DelegateRef {
                id: 1,
                full_name: "Nguyễn Thị Phương Thảo".into(),
                delegation: "Hà Tĩnh".into(),
            }),
            score: 0.9,
        };
        assert_eq!(
            greeting(&face(FaceStatus::CheckedIn), Lang::VI),
            "Xin chào Nguyễn Thị Phương Thảo (Hà Tĩnh)"
        );
        assert_eq!(
            greeting(&face(FaceStatus::CheckedOut), Lang::EN),
            "Goodbye, Nguyễn Thị Phương Thảo"
        );
        // Every status has its own line in both languages.
        for &lang in Lang::ALL {
            let lines: std::collections::HashSet<String> = FaceStatus::ALL
                .iter()
                .map(|s| greeting(&face(*s), lang))
                .collect();
            assert_eq!(lines.len(), FaceStatus::ALL.len(), "{lang:?}: {lines:?}");
        }
    }
}
