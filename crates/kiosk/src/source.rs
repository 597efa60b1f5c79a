use std::path::{Path, PathBuf};
use std::time::Duration;

use image::RgbImage;

/// One captured frame.
#[derive(Debug)]
pub struct Frame {
    pub image: RgbImage,
    pub captured_at: chrono::DateTime<chrono::Utc>,
}

/// What a source gives when asked for a frame.
#[derive(Debug)]
pub enum Next {
    Frame(Frame),
    /// Nothing this time (a camera that is not delivering); ask again.
    Idle,
    /// The source is exhausted (the last file of a folder).
    End,
}

/// Where frames come from: a replay folder, or a live camera (feature `camera`).
#[derive(Debug)]
pub enum Source {
    Folder(FolderSource),
    #[cfg(feature = "camera")]
    Camera(crate::camera::CameraSource),
}

impl Source {
    pub async fn next(&mut self) -> Next {
        match self {
            Source::Folder(f) => match f.next_frame().await {
                Some(frame) => Next::Frame(frame),
                None => Next::End,
            },
            #[cfg(feature = "camera")]
            Source::Camera(c) => c.next().await,
        }
    }
}

/// A folder of images replayed in file-name order at a fixed rate, as if a camera had taken them
/// (tests, demos, audits).
#[derive(Debug)]
pub struct FolderSource {
    files: Vec<PathBuf>,
    next: usize,
    interval: Duration,
    last: Option<tokio::time::Instant>,
}

impl FolderSource {
    pub fn open(dir: &Path, fps: f64) -> std::io::Result<Self> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                    matches!(
                        e.to_ascii_lowercase().as_str(),
                        "jpg" | "jpeg" | "png" | "webp" | "bmp"
                    )
                })
            })
            .collect();
        files.sort();
        Ok(Self {
            files,
            next: 0,
            interval: Duration::from_secs_f64(1.0 / fps.max(0.01)),
            last: None,
        })
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The next frame at the source's rate; `None` after the last. Unreadable files are skipped
    /// with a warning (a camera would not have produced them).
    pub async fn next_frame(&mut self) -> Option<Frame> {
        while self.next < self.files.len() {
            if let Some(last) = self.last {
                tokio::time::sleep_until(last + self.interval).await;
            }
            self.last = Some(tokio::time::Instant::now());
            let path = &self.files[self.next];
            self.next += 1;
            match image::open(path) {
                Ok(img) => {
                    return Some(Frame {
                        image: img.to_rgb8(),
                        captured_at: chrono::Utc::now(),
                    })
                }
                Err(e) => {
                    tracing::warn!(file = %path.display(), error = %e, "skipping unreadable frame");
                }
            }
        }
        None
    }
}
