//! Live capture with nokhwa (V4L2 on Linux). The camera runs on its own thread at its own rate and
//! keeps only the newest frame; the kiosk takes one at most every 1/fps seconds. So a slow server
//! never builds a backlog of stale frames in the capture path, and a person in front of the kiosk is
//! judged on what the camera sees now.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use image::RgbImage;
use nokhwa::pixel_format::RgbFormat;
use nokhwa::utils::{
    CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType, Resolution,
};
use nokhwa::Camera;

use crate::source::{Frame, Next};

/// Which camera and how it should deliver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CameraSpec {
    /// `0`, `1`, ... or a device path such as `/dev/video2`.
    pub device: String,
    pub width: u32,
    pub height: u32,
    /// The rate asked of the camera (it may pick the closest it supports).
    pub camera_fps: u32,
}

#[derive(Debug, thiserror::Error)]
#[error("camera {device}: {reason}")]
pub struct CameraError {
    pub device: String,
    pub reason: String,
}

struct Shared {
    latest: Mutex<Option<Frame>>,
    fresh: tokio::sync::Notify,
    stop: AtomicBool,
}

pub struct CameraSource {
    shared: Arc<Shared>,
    interval: Duration,
    last: Option<tokio::time::Instant>,
}

impl std::fmt::Debug for CameraSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CameraSource")
            .field("interval", &self.interval)
            .finish_non_exhaustive()
    }
}

/// nokhwa's V4L2 backend takes a number: `2`, `/dev/video2`, or a udev symlink to it
/// (`/dev/v4l/by-id/...`, which survives replugging) all become index 2.
fn index(device: &str) -> Result<CameraIndex, CameraError> {
    if let Ok(n) = device.parse::<u32>() {
        return Ok(CameraIndex::Index(n));
    }
    let resolved = std::fs::canonicalize(device).map_err(|e| CameraError {
        device: device.to_string(),
        reason: e.to_string(),
    })?;
    resolved
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_prefix("video"))
        .and_then(|n| n.parse::<u32>().ok())
        .map(CameraIndex::Index)
        .ok_or_else(|| CameraError {
            device: device.to_string(),
            reason: format!("{} is not a /dev/videoN device", resolved.display()),
        })
}

fn open_camera(spec: &CameraSpec) -> Result<Camera, CameraError> {
    let err = |e: nokhwa::NokhwaError| CameraError {
        device: spec.device.clone(),
        reason: e.to_string(),
    };
    let format =
        RequestedFormat::new::<RgbFormat>(RequestedFormatType::Closest(CameraFormat::new(
            Resolution::new(spec.width, spec.height),
            FrameFormat::MJPEG,
            spec.camera_fps,
        )));
    let mut camera = Camera::new(index(&spec.device)?, format).map_err(err)?;
    camera.open_stream().map_err(err)?;
    Ok(camera)
}

impl CameraSource {
    /// Opens the camera (failing at once with the device's own reason: missing, busy, no
    /// permission) and starts capturing. `fps` is the most frames a second the kiosk takes.
    pub fn open(spec: CameraSpec, fps: f64) -> Result<CameraSource, CameraError> {
        let shared = Arc::new(Shared {
            latest: Mutex::new(None),
            fresh: tokio::sync::Notify::new(),
            stop: AtomicBool::new(false),
        });
        let (opened_tx, opened_rx) = std::sync::mpsc::channel();
        let worker = Arc::clone(&shared);
        // nokhwa's camera is not Send: it lives and dies on this thread.
        std::thread::Builder::new()
            .name("camera".into())
            .spawn(move || capture(spec, worker, opened_tx))
            .map_err(|e| CameraError {
                device: "thread".into(),
                reason: e.to_string(),
            })?;
        opened_rx.recv().map_err(|_| CameraError {
            device: "thread".into(),
            reason: "the capture thread ended".into(),
        })??;
        Ok(CameraSource {
            shared,
            interval: Duration::from_secs_f64(1.0 / fps.max(0.01)),
            last: None,
        })
    }

    /// The newest frame, no sooner than 1/fps after the previous one; `Idle` when the camera has
    /// produced nothing for a second (unplugged, say), so the kiosk can go on delivering its queue.
    pub async fn next(&mut self) -> Next {
        if let Some(last) = self.last {
            tokio::time::sleep_until(last + self.interval).await;
        }
        self.last = Some(tokio::time::Instant::now());
        loop {
            if let Some(frame) = self.shared.latest.lock().ok().and_then(|mut l| l.take()) {
                return Next::Frame(frame);
            }
            if tokio::time::timeout(Duration::from_secs(1), self.shared.fresh.notified())
                .await
                .is_err()
            {
                return Next::Idle;
            }
        }
    }
}

impl Drop for CameraSource {
    fn drop(&mut self) {
        // The thread notices at its next frame and closes the device.
        self.shared.stop.store(true, Ordering::Relaxed);
    }
}

// The capture thread's entry point: it owns what it is given until it ends.
#[allow(clippy::needless_pass_by_value)]
fn capture(
    spec: CameraSpec,
    shared: Arc<Shared>,
    opened: std::sync::mpsc::Sender<Result<(), CameraError>>,
) {
    let mut camera = match open_camera(&spec) {
        Ok(c) => {
            let _ = opened.send(Ok(()));
            c
        }
        Err(e) => {
            let _ = opened.send(Err(e));
            return;
        }
    };
    let mut failures = 0u32;
    while !shared.stop.load(Ordering::Relaxed) {
        let image = camera
            .frame()
            .and_then(|buf| buf.decode_image::<RgbFormat>());
        match image {
            Ok(img) => {
                failures = 0;
                let (w, h) = img.dimensions();
                let Some(image) = RgbImage::from_raw(w, h, img.into_raw()) else {
                    continue;
                };
                if let Ok(mut latest) = shared.latest.lock() {
                    *latest = Some(Frame {
                        image,
                        captured_at: chrono::Utc::now(),
                    });
                }
                shared.fresh.notify_one();
            }
            Err(e) => {
                failures += 1;
                tracing::warn!(device = %spec.device, error = %e, failures, "camera frame failed");
                std::thread::sleep(Duration::from_millis(200 * u64::from(failures.min(10))));
                if failures.is_multiple_of(10) {
                    // A camera that was unplugged and plugged back needs to be opened again.
                    let _ = camera.stop_stream();
                    match open_camera(&spec) {
                        Ok(c) => camera = c,
                        Err(e) => tracing::warn!(error = %e, "camera reopen failed"),
                    }
                }
            }
        }
    }
    let _ = camera.stop_stream();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_names_map_to_indexes() {
        assert_eq!(index("0").unwrap(), CameraIndex::Index(0));
        assert_eq!(index("2").unwrap(), CameraIndex::Index(2));
        let dir = tempfile::tempdir().unwrap();
        let not_video = dir.path().join("camera");
        std::fs::write(&not_video, b"").unwrap();
        let err = index(not_video.to_str().unwrap()).unwrap_err();
        assert!(err.reason.contains("is not a /dev/videoN device"), "{err}");
        #[cfg(unix)]
        {
            // A udev-style symlink resolves to the index of its target's name.
            let target = dir.path().join("video7");
            std::fs::write(&target, b"").unwrap();
            let link = dir.path().join("usb-cam");
            std::os::unix::fs::symlink(&target, &link).unwrap();
            assert_eq!(
                index(link.to_str().unwrap()).unwrap(),
                CameraIndex::Index(7)
            );
        }
    }

    /// A machine without that camera (CI has none) gets the device's reason, not a hang or a panic.
    #[test]
    fn a_missing_camera_is_a_clear_error() {
        let err = CameraSource::open(
            CameraSpec {
                device: "/dev/video-rollcall-missing".into(),
                width: 640,
                height: 480,
                camera_fps: 15,
            },
            5.0,
        )
        .expect_err("no such device");
        assert!(
            err.to_string()
                .starts_with("camera /dev/video-rollcall-missing: "),
            "{err}"
        );
        assert!(err.reason.len() > 3, "{err}");
    }
}
