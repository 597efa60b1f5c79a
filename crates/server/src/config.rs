//! Configuration: defaults, then a TOML file (`config/rollcall.toml` unless told otherwise), then
//! `ROLLCALL_*` environment variables. Secrets (the database password) never appear in `Debug`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use rollcall_checkin::{GateConfig, LivenessConfig, RecognitionConfig};
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
    /// Largest accepted image in pixels (width x height, read from the header before decoding).
    pub max_pixels: u64,
    /// Enrolment photos are scaled down to fit this many pixels a side before detection (kiosk
    /// frames to `kiosk.frame_width` wide): detection's time and memory grow with the pixels.
    pub photo_max_side: u32,
    /// A request's headers must arrive within this time (and a TLS handshake finish), ms.
    pub header_timeout_ms: u64,
    /// A request (its body read and its answer begun) must be done within this time, ms.
    pub request_timeout_ms: u64,
    /// Open connections at most, in all and from one client address.
    pub max_connections: usize,
    pub max_connections_per_client: usize,
    /// Failed authentications allowed from one client address per `auth_failure_window_ms`
    /// (IPv6: per /64); beyond them the address gets 429 until enough of the window has passed.
    pub auth_failure_limit: u32,
    pub auth_failure_window_ms: u64,
    /// Inference workers (one pipeline each) and how many requests may wait for one. Unset: one
    /// worker per `threads_per_worker` cores (`Config::workers`).
    pub workers: Option<usize>,
    pub queue: usize,
    /// Threads each worker's models use. Default 1, one worker per core: two such workers serve
    /// about a third more frames a second than one worker of two threads, and held 60 frames/s
    /// where that one collapsed. With 2 the detector uses both, then SFace runs on one beside
    /// dlib and liveness on the other, so a lone frame is answered sooner (docs/performance.md,
    /// "Lending idle cores").
    pub threads_per_worker: usize,
    /// With single-threaded workers, a frame that starts while another worker is idle runs SFace
    /// on that worker's core, beside dlib and liveness: about 5 ms off the median answer. Default
    /// on; no effect with two threads a worker (those frames always run side by side).
    pub lend_idle_cores: bool,
    pub recognition: RecognitionConfig,
    pub liveness: LivenessConfig,
    pub enrolment: GateConfig,
    pub kiosk: Kiosk,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// The Ed25519 key roll calls are signed with (PKCS#8 PEM, 0600); created at first start.
    /// Default: `signing-key.pem` in `data_dir`. Servers sharing a database may share one key or
    /// each have their own: `GET /api/v1/keys` lists every key that has signed.
    pub signing_key: Option<PathBuf>,
    /// The AES-256 data key(s) photos and templates are sealed with (created 0600 at first start;
    /// never in the database). Default: `data-key` in `data_dir`.
    pub data_key_file: Option<PathBuf>,
    pub webhook: Webhook,
}

/// Delivery of each roll call to a voting system: a POST of the signed JSON, with an HMAC-SHA256
/// signature header keyed with `secret` (see `rollcall_record::webhook`), retried with exponential
/// backoff until the receiver answers 2xx once.
#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Webhook {
    /// Where to POST roll calls; none: no delivery.
    pub url: Option<String>,
    /// The shared secret, or a file holding it (one of the two when `url` is set).
    pub secret: Option<String>,
    pub secret_file: Option<PathBuf>,
    /// Attempts before a delivery is marked failed (an admin can retry it).
    pub max_attempts: i64,
    /// Wait before the second attempt, doubling each time up to `retry_max_ms`.
    pub retry_base_ms: i64,
    pub retry_max_ms: i64,
    /// How long one attempt may take.
    pub timeout_ms: u64,
}

impl Default for Webhook {
    fn default() -> Self {
        Webhook {
            url: None,
            secret: None,
            secret_file: None,
            max_attempts: 12,
            retry_base_ms: 2_000,
            retry_max_ms: 600_000,
            timeout_ms: 10_000,
        }
    }
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook")
            .field("url", &self.url)
            .field("secret", &self.secret.as_ref().map(|_| "***"))
            .field("secret_file", &self.secret_file)
            .field("max_attempts", &self.max_attempts)
            .field("retry_base_ms", &self.retry_base_ms)
            .field("retry_max_ms", &self.retry_max_ms)
            .field("timeout_ms", &self.timeout_ms)
            .finish()
    }
}

impl Webhook {
    /// The shared secret's bytes, when a webhook is configured.
    pub fn secret_bytes(&self) -> Result<Option<Vec<u8>>, ConfigError> {
        let Some(url) = &self.url else {
            return Ok(None);
        };
        let invalid = |reason: &str| ConfigError::Invalid {
            key: "webhook".into(),
            reason: reason.into(),
        };
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(invalid("webhook.url must be an http:// or https:// URL"));
        }
        let secret = match (&self.secret, &self.secret_file) {
            (Some(s), None) => s.clone(),
            (None, Some(path)) => std::fs::read_to_string(path)
                .map_err(|source| ConfigError::Read {
                    path: path.clone(),
                    source,
                })?
                .trim()
                .to_string(),
            _ => {
                return Err(invalid(
                    "webhook.url needs exactly one of webhook.secret and webhook.secret_file",
                ))
            }
        };
        if secret.len() < 16 {
            return Err(invalid("the webhook secret must be at least 16 characters"));
        }
        Ok(Some(secret.into_bytes()))
    }
}

/// What kiosks are told to send (the browser kiosk reads it at login; the native one has flags).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Kiosk {
    /// Frames per second a kiosk sends at most.
    pub fps: f64,
    /// Frames are downscaled to this width before upload (faces 40+ px still fit at 640).
    pub frame_width: u32,
    /// How far a frame's `captured_at` may lie before the sitting opened or after the server's
    /// clock, milliseconds (kiosk clocks drift; beyond this a frame is refused with 422).
    pub max_clock_skew_ms: i64,
}

impl Default for Kiosk {
    fn default() -> Self {
        Kiosk {
            fps: 5.0,
            frame_width: 640,
            max_clock_skew_ms: 30_000,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        // One single-threaded worker per core, lending idle cores to lone frames: within the
        // kiosks' targets at 40 frames/s, and still so at 60, where one worker of two threads
        // fell behind (docs/performance.md, "Lending idle cores").
        let threads_per_worker = 1;
        Config {
            listen: "127.0.0.1:8080".parse().expect("valid address"),
            database_url: None,
            data_dir: PathBuf::from("data"),
            models_dir: None,
            max_upload_bytes: 10 * 1024 * 1024,
            max_import_bytes: 512 * 1024 * 1024,
            max_pixels: rollcall_vision::DEFAULT_MAX_PIXELS,
            header_timeout_ms: 10_000,
            request_timeout_ms: 120_000,
            max_connections: 4096,
            max_connections_per_client: 256,
            auth_failure_limit: 20,
            auth_failure_window_ms: 60_000,
            photo_max_side: 1600,
            workers: None,
            queue: cores * 2,
            threads_per_worker,
            lend_idle_cores: true,
            recognition: RecognitionConfig::default(),
            liveness: LivenessConfig::default(),
            enrolment: GateConfig::default(),
            kiosk: Kiosk::default(),
            tls_cert: None,
            tls_key: None,
            signing_key: None,
            data_key_file: None,
            webhook: Webhook::default(),
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
            .field("max_pixels", &self.max_pixels)
            .field("photo_max_side", &self.photo_max_side)
            .field("header_timeout_ms", &self.header_timeout_ms)
            .field("request_timeout_ms", &self.request_timeout_ms)
            .field("max_connections", &self.max_connections)
            .field(
                "max_connections_per_client",
                &self.max_connections_per_client,
            )
            .field("auth_failure_limit", &self.auth_failure_limit)
            .field("auth_failure_window_ms", &self.auth_failure_window_ms)
            .field("workers", &self.workers)
            .field("queue", &self.queue)
            .field("threads_per_worker", &self.threads_per_worker)
            .field("lend_idle_cores", &self.lend_idle_cores)
            .field("recognition", &self.recognition)
            .field("liveness", &self.liveness)
            .field("enrolment", &self.enrolment)
            .field("kiosk", &self.kiosk)
            .field("tls_cert", &self.tls_cert)
            .field("tls_key", &self.tls_key.as_ref().map(|_| "***"))
            .field("signing_key", &self.signing_key)
            .field("data_key_file", &self.data_key_file)
            .field("webhook", &self.webhook)
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
    #[error("{path}: {reason}")]
    Calibration { path: String, reason: String },
    #[error("{key}: {reason}")]
    Invalid { key: String, reason: String },
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
        env!("ROLLCALL_MAX_PIXELS", self.max_pixels);
        env!("ROLLCALL_MAX_CONNECTIONS", self.max_connections);
        env!(
            "ROLLCALL_MAX_CONNECTIONS_PER_CLIENT",
            self.max_connections_per_client
        );
        env!("ROLLCALL_AUTH_FAILURE_LIMIT", self.auth_failure_limit);
        env!(
            "ROLLCALL_AUTH_FAILURE_WINDOW_MS",
            self.auth_failure_window_ms
        );
        env!("ROLLCALL_WORKERS", some self.workers);
        env!("ROLLCALL_QUEUE", self.queue);
        env!("ROLLCALL_THREADS_PER_WORKER", self.threads_per_worker);
        env!("ROLLCALL_LEND_IDLE_CORES", self.lend_idle_cores);
        env!("ROLLCALL_MIN_FACE", self.recognition.min_face);
        env!("ROLLCALL_FPIR", self.recognition.fpir);
        env!("ROLLCALL_SFACE_WEIGHT", self.recognition.sface_weight);
        env!("ROLLCALL_DLIB_INT8", self.recognition.dlib_int8);
        env!(
            "ROLLCALL_SFACE_DENSE_INT8",
            self.recognition.sface_dense_int8
        );
        env!("ROLLCALL_CALIBRATION", some self.recognition.calibration);
        env!("ROLLCALL_LIVENESS", self.liveness.enabled);
        env!("ROLLCALL_LIVENESS_THRESHOLD", self.liveness.threshold);
        env!("ROLLCALL_MARGIN", self.recognition.margin);
        env!("ROLLCALL_FRAMES_REQUIRED", self.recognition.frames_required);
        env!("ROLLCALL_WINDOW_MS", self.recognition.window_ms);
        env!("ROLLCALL_KIOSK_FPS", self.kiosk.fps);
        env!("ROLLCALL_KIOSK_FRAME_WIDTH", self.kiosk.frame_width);
        env!("ROLLCALL_TLS_CERT", some self.tls_cert);
        env!("ROLLCALL_TLS_KEY", some self.tls_key);
        env!("ROLLCALL_SIGNING_KEY", some self.signing_key);
        env!("ROLLCALL_DATA_KEY_FILE", some self.data_key_file);
        env!("ROLLCALL_WEBHOOK_URL", some self.webhook.url);
        env!("ROLLCALL_WEBHOOK_SECRET", some self.webhook.secret);
        env!("ROLLCALL_WEBHOOK_SECRET_FILE", some self.webhook.secret_file);
        Ok(())
    }

    /// How many inference workers run: `workers` when set, else as many as the cores hold at
    /// `threads_per_worker` threads each (at least one).
    pub fn workers(&self) -> usize {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        self.workers
            .unwrap_or(cores / self.threads_per_worker.max(1))
            .max(1)
    }

    /// The recognition pipeline these settings describe (the server's, and `rollcall templates
    /// rebuild`'s, so both embed photos the same way).
    pub fn pipeline(&self) -> rollcall_vision::PipelineConfig {
        let mut pipeline = rollcall_vision::PipelineConfig::default();
        if let Some(dir) = &self.models_dir {
            pipeline.models_dir = dir.clone();
        }
        pipeline.detector.min_face = self.recognition.min_face;
        pipeline.detector.proposals = self.recognition.proposals();
        pipeline.sface = self.recognition.sface_weight > 0.0;
        pipeline.liveness = self.liveness.mapping();
        pipeline.enrol_scales = self.recognition.enrol_scales.clone();
        pipeline.probe_scales = self.recognition.probe_scales.clone();
        pipeline.probe_flip = self.recognition.probe_mirror;
        pipeline.dlib_int8 = self.recognition.dlib_int8;
        pipeline.sface_dense_int8 = self.recognition.sface_dense_int8;
        pipeline.intra_threads = self.threads_per_worker.max(1);
        pipeline.lend_idle_cores = self.lend_idle_cores;
        pipeline
    }

    /// The score curves thresholds are derived from: `recognition.calibration`, or the built-in
    /// ones; refused when they were measured for another way of scoring.
    pub fn calibration(&self) -> Result<rollcall_checkin::Calibration, ConfigError> {
        use rollcall_checkin::Calibration;
        let calibration = match &self.recognition.calibration {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.clone(),
                    source,
                })?;
                Calibration::from_toml(&text).map_err(|e| ConfigError::Calibration {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                })?
            }
            None => Calibration::default_curves(),
        };
        let scoring = self
            .recognition
            .scoring_id(&self.pipeline().scoring_model());
        calibration
            .check_scoring(&scoring)
            .map_err(|e| ConfigError::Calibration {
                path: self.recognition.calibration.as_ref().map_or_else(
                    || "the built-in calibration".to_string(),
                    |p| p.display().to_string(),
                ),
                reason: e.to_string(),
            })?;
        Ok(calibration)
    }

    /// Image decoding limits: the upload limit, the pixel budget, and the decoder's defaults.
    pub fn decode_limits(&self) -> rollcall_vision::DecodeLimits {
        rollcall_vision::DecodeLimits {
            max_bytes: self.max_upload_bytes,
            max_pixels: self.max_pixels,
            ..rollcall_vision::DecodeLimits::default()
        }
    }

    /// The limits for one kind of image, with the box it is scaled into before detection: a
    /// kiosk frame to the width kiosks are told to send (and twice that in height, for portrait
    /// cameras), an enrolment photo to `photo_max_side` a side.
    pub fn decode_limits_for(
        &self,
        purpose: rollcall_vision::Purpose,
    ) -> rollcall_vision::DecodeLimits {
        let fit = match purpose {
            rollcall_vision::Purpose::Probe => (
                self.kiosk.frame_width,
                self.kiosk.frame_width.saturating_mul(2),
            ),
            rollcall_vision::Purpose::Enrolment => (self.photo_max_side, self.photo_max_side),
        };
        rollcall_vision::DecodeLimits {
            fit_within: Some(fit),
            ..self.decode_limits()
        }
    }

    /// Where the roll-call signing key lives.
    pub fn signing_key_path(&self) -> PathBuf {
        self.signing_key
            .clone()
            .unwrap_or_else(|| self.data_dir.join("signing-key.pem"))
    }

    /// Where the data key file lives.
    pub fn data_key_path(&self) -> PathBuf {
        self.data_key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("data-key"))
    }

    /// The data keys (created at first start) and the store opened with them.
    pub async fn open_store(&self) -> Result<rollcall_store::Store, crate::StartError> {
        let path = self.data_key_path();
        if let Some(dir) = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty() && !d.exists())
        {
            crate::create_private_dir(dir).map_err(|source| crate::StartError::DataDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let keys = rollcall_store::DataKeys::load_or_create(&path)?;
        Ok(rollcall_store::Store::connect(&self.database_url())
            .await?
            .with_keys(keys)
            .await?)
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
                cfg.workers(),
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
        assert_eq!(cfg.workers(), 5);
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
    fn a_calibration_for_other_settings_is_refused_with_the_fix() {
        let mut cfg = Config::default();
        cfg.recognition.sface_weight = 0.5;
        let err = cfg.calibration().unwrap_err().to_string();
        assert!(err.contains("--write-calibration"), "{err}");
        cfg.recognition.calibration = Some("/nonexistent/calibration.toml".into());
        assert!(cfg.calibration().is_err());
    }

    #[test]
    fn shipped_config_file_parses() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/rollcall.toml");
        let cfg = Config::load(Some(&path)).unwrap();
        assert_eq!(cfg.recognition, RecognitionConfig::default());
        cfg.calibration()
            .expect("the shipped calibration fits the shipped settings");
    }

    #[test]
    fn threads_per_worker_reach_the_pipeline() {
        let mut cfg = Config::default();
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        assert_eq!(cfg.pipeline().intra_threads, 1);
        assert_eq!(cfg.workers(), cores);
        assert!(cfg.pipeline().lend_idle_cores);
        cfg.apply_env(|n| match n {
            "ROLLCALL_THREADS_PER_WORKER" => Some("2".into()),
            "ROLLCALL_LEND_IDLE_CORES" => Some("false".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(cfg.pipeline().intra_threads, 2);
        assert!(!cfg.pipeline().lend_idle_cores);
        // Unless set, the workers follow: one per two cores (at least one).
        assert_eq!(cfg.workers(), (cores / 2).max(1));
        // Zero threads would run nothing; it means one.
        cfg.threads_per_worker = 0;
        assert_eq!(cfg.pipeline().intra_threads, 1);
    }

    /// The 8-bit builds (dlib's ResNet, SFace's dense layer) are the default; `ROLLCALL_<KEY>=false`
    /// (or `key = false` in TOML) selects the float model, and the scoring it names changes with it,
    /// so curves measured for one are refused for the other.
    #[test]
    fn the_8_bit_builds_are_the_default_and_part_of_the_scoring() {
        type Switch = fn(&rollcall_vision::PipelineConfig) -> bool;
        let switches: [(&str, Switch); 2] = [
            ("dlib_int8", |p| p.dlib_int8),
            ("sface_dense_int8", |p| p.sface_dense_int8),
        ];
        for (key, on) in switches {
            let mut cfg = Config::default();
            assert!(on(&cfg.pipeline()), "{key}");
            let default = cfg.pipeline().scoring_model();
            assert!(cfg.calibration().is_ok(), "the built-in curves are for it");
            let var = format!("ROLLCALL_{}", key.to_uppercase());
            cfg.apply_env(|n| (n == var).then(|| "false".into()))
                .unwrap();
            assert!(!on(&cfg.pipeline()), "{var}");
            assert_ne!(cfg.pipeline().scoring_model(), default);
            assert!(cfg.calibration().is_err());
            let toml: Config = toml::from_str(&format!("[recognition]\n{key} = false\n")).unwrap();
            assert!(!on(&toml.pipeline()), "{key} in TOML");
        }
    }
}
