//! Configuration: defaults, then a TOML file (`config/rollcall.toml` unless told otherwise), then
//! `ROLLCALL_*` environment variables. Secrets (the database password) never appear in `Debug`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub listen: SocketAddr,
    /// `sqlite://...` (default: `rollcall.db` in `data_dir`) or `postgres://...`.
    pub database_url: Option<String>,
    pub data_dir: PathBuf,
    pub models_dir: Option<PathBuf>,
    /// Largest accepted image (a photo or a frame), bytes.
    pub max_upload_bytes: usize,
    /// Largest accepted bulk import (CSV plus a zip of photos), bytes.
    pub max_import_bytes: usize,
    /// Inference workers (one pipeline each) and how many requests may wait for one.
    pub workers: usize,
    pub queue: usize,
    pub recognition: Recognition,
    pub enrolment: Enrolment,
    pub kiosk: Kiosk,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
}

/// How a kiosk face becomes a check-in. Scores are AS-normalised cosines (see README, Accuracy).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Recognition {
    /// Smallest face side the detector looks for, pixels.
    pub min_face: f32,
    /// A face matches its top delegate at or above this score: `thr_1e-3` of `rollcall eval` on
    /// LFW-dev (0.0424), rounded up, i.e. about one impostor in a thousand passes a single frame.
    pub match_threshold: f32,
    /// ... and only when the second-best delegate scores at least this much lower.
    pub margin: f32,
    /// AS-norm needs a cohort of other people. Until the gallery holds this many templates, raw
    /// cosines are used instead, with `raw_match_threshold`.
    pub min_cohort: usize,
    /// Raw-cosine threshold for small galleries: `thr_1e-3` of `rollcall eval ... --norm none` on
    /// LFW-dev (0.9501), rounded up.
    pub raw_match_threshold: f32,
    /// Frames from one kiosk that must agree within `window_ms` before the check-in is written.
    pub frames_required: usize,
    pub window_ms: i64,
    /// Faces with eyes closer than this (pixels) are too small to judge: status `rejected`.
    pub min_inter_eye: f32,
    /// AS-norm: best cohort scores averaged per side.
    pub cohort_top_n: usize,
    /// Largest cohort kept in memory (a sample of the gallery beyond that).
    pub cohort_max: usize,
    /// Extra chip scales averaged into enrolment templates (offline, no kiosk cost).
    pub enrol_scales: Vec<f32>,
    /// Extra chip scales averaged into kiosk and identification embeddings (each adds one
    /// embedding, about 2.6 ms on one core, to every frame).
    pub probe_scales: Vec<f32>,
}

/// The enrolment photo gate.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Enrolment {
    pub min_inter_eye: f32,
    /// Variance of the Laplacian of the aligned chip.
    pub min_sharpness: f32,
    /// 0..1 frontal-pose estimate from the landmarks.
    pub min_frontal: f32,
    /// Detector confidence for a face to count at all.
    pub min_detector_score: f32,
}

/// What kiosks are told to send (the browser kiosk reads it at login; the native one has flags).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Kiosk {
    /// Frames per second a kiosk sends at most.
    pub fps: f64,
    /// Frames are downscaled to this width before upload (faces 40+ px still fit at 640).
    pub frame_width: u32,
}

impl Default for Kiosk {
    fn default() -> Self {
        Kiosk {
            fps: 5.0,
            frame_width: 640,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        Config {
            listen: "127.0.0.1:8080".parse().expect("valid address"),
            database_url: None,
            data_dir: PathBuf::from("data"),
            models_dir: None,
            max_upload_bytes: 10 * 1024 * 1024,
            max_import_bytes: 512 * 1024 * 1024,
            workers: cores,
            queue: cores * 2,
            recognition: Recognition::default(),
            enrolment: Enrolment::default(),
            kiosk: Kiosk::default(),
            tls_cert: None,
            tls_key: None,
        }
    }
}

impl Default for Recognition {
    fn default() -> Self {
        Recognition {
            min_face: 40.0,
            match_threshold: 0.043,
            margin: 0.010,
            min_cohort: 100,
            raw_match_threshold: 0.951,
            frames_required: 2,
            window_ms: 3000,
            min_inter_eye: 20.0,
            cohort_top_n: rollcall_gallery::DEFAULT_COHORT_TOP_N,
            cohort_max: 5000,
            enrol_scales: vec![1.1, 0.95],
            probe_scales: Vec::new(),
        }
    }
}

impl Default for Enrolment {
    fn default() -> Self {
        Enrolment {
            min_inter_eye: 30.0,
            min_sharpness: 20.0,
            min_frontal: 0.5,
            min_detector_score: 0.9,
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field(
                "database_url",
                &self.database_url.as_deref().map(rollcall_store::redact_url),
            )
            .field("data_dir", &self.data_dir)
            .field("models_dir", &self.models_dir)
            .field("max_upload_bytes", &self.max_upload_bytes)
            .field("max_import_bytes", &self.max_import_bytes)
            .field("workers", &self.workers)
            .field("queue", &self.queue)
            .field("recognition", &self.recognition)
            .field("enrolment", &self.enrolment)
            .field("kiosk", &self.kiosk)
            .field("tls_cert", &self.tls_cert)
            .field("tls_key", &self.tls_key.as_ref().map(|_| "***"))
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("reading {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Parse {
        path: PathBuf,
        source: toml::de::Error,
    },
    #[error("environment variable {name}={value:?}: {reason}")]
    Env {
        name: String,
        value: String,
        reason: String,
    },
}

impl Config {
    /// Defaults, then `file` (or `config/rollcall.toml` when it exists), then the environment.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        let default_file = Path::new("config/rollcall.toml");
        let path = file
            .map(Path::to_path_buf)
            .or_else(|| default_file.exists().then(|| default_file.to_path_buf()));
        let mut cfg = match path {
            Some(path) => {
                let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
                    path: path.clone(),
                    source,
                })?;
                toml::from_str(&text).map_err(|source| ConfigError::Parse { path, source })?
            }
            None => Config::default(),
        };
        cfg.apply_env(|name| std::env::var(name).ok())?;
        Ok(cfg)
    }

    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        fn parse<T: std::str::FromStr>(name: &str, value: String) -> Result<T, ConfigError>
        where
            T::Err: std::fmt::Display,
        {
            value.parse().map_err(|e: T::Err| ConfigError::Env {
                name: name.into(),
                value,
                reason: e.to_string(),
            })
        }
        macro_rules! env {
            ($name:literal, $field:expr) => {
                if let Some(v) = get($name) {
                    $field = parse($name, v)?;
                }
            };
            ($name:literal, some $field:expr) => {
                if let Some(v) = get($name) {
                    $field = Some(parse($name, v)?);
                }
            };
        }
        env!("ROLLCALL_LISTEN", self.listen);
        env!("ROLLCALL_DATABASE_URL", some self.database_url);
        env!("ROLLCALL_DATA_DIR", self.data_dir);
        env!("ROLLCALL_MODELS_DIR", some self.models_dir);
        env!("ROLLCALL_MAX_UPLOAD_BYTES", self.max_upload_bytes);
        env!("ROLLCALL_MAX_IMPORT_BYTES", self.max_import_bytes);
        env!("ROLLCALL_WORKERS", self.workers);
        env!("ROLLCALL_QUEUE", self.queue);
        env!("ROLLCALL_MIN_FACE", self.recognition.min_face);
        env!("ROLLCALL_MATCH_THRESHOLD", self.recognition.match_threshold);
        env!("ROLLCALL_MARGIN", self.recognition.margin);
        env!("ROLLCALL_FRAMES_REQUIRED", self.recognition.frames_required);
        env!("ROLLCALL_WINDOW_MS", self.recognition.window_ms);
        env!("ROLLCALL_KIOSK_FPS", self.kiosk.fps);
        env!("ROLLCALL_KIOSK_FRAME_WIDTH", self.kiosk.frame_width);
        env!("ROLLCALL_TLS_CERT", some self.tls_cert);
        env!("ROLLCALL_TLS_KEY", some self.tls_key);
        Ok(())
    }

    /// The recognition pipeline these settings describe (the server's, and `rollcall templates
    /// rebuild`'s, so both embed photos the same way).
    pub fn pipeline(&self) -> rollcall_vision::PipelineConfig {
        let mut pipeline = rollcall_vision::PipelineConfig::default();
        if let Some(dir) = &self.models_dir {
            pipeline.models_dir = dir.clone();
        }
        pipeline.detector.min_face = self.recognition.min_face;
        pipeline.enrol_scales = self.recognition.enrol_scales.clone();
        pipeline.probe_scales = self.recognition.probe_scales.clone();
        pipeline
    }

    /// Image decoding limits for photos and frames: the upload limit, and the decoder's defaults.
    pub fn decode_limits(&self) -> rollcall_vision::DecodeLimits {
        rollcall_vision::DecodeLimits {
            max_bytes: self.max_upload_bytes,
            ..rollcall_vision::DecodeLimits::default()
        }
    }

    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("rollcall.db").display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_apply_in_order_and_secrets_stay_hidden() {
        let mut cfg: Config =
            toml::from_str("workers = 3\n[recognition]\nframes_required = 4\n").unwrap();
        assert_eq!(
            (
                cfg.workers,
                cfg.recognition.frames_required,
                cfg.recognition.window_ms
            ),
            (3, 4, 3000)
        );
        cfg.apply_env(|name| match name {
            "ROLLCALL_WORKERS" => Some("5".into()),
            "ROLLCALL_DATABASE_URL" => Some("postgres://u:hunter2@db/x".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(cfg.workers, 5);
        let shown = format!("{cfg:?}");
        assert!(
            !shown.contains("hunter2") && shown.contains("postgres://u:***@db/x"),
            "{shown}"
        );
    }

    #[test]
    fn bad_values_are_named() {
        let mut cfg = Config::default();
        let err = cfg
            .apply_env(|n| (n == "ROLLCALL_LISTEN").then(|| "not an address".into()))
            .unwrap_err();
        assert!(err.to_string().contains("ROLLCALL_LISTEN"));
        assert!(
            toml::from_str::<Config>("wrokers = 2").is_err(),
            "typos are refused"
        );
    }

    #[test]
    fn shipped_config_file_parses() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/rollcall.toml");
        let cfg = Config::load(Some(&path)).unwrap();
        assert_eq!(
            cfg.recognition.match_threshold,
            Recognition::default().match_threshold
        );
    }
}
