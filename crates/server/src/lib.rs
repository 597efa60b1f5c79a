//! rollcall's HTTP API (axum). Every route but `/healthz` needs a bearer token with a role; inference
//! runs on a bounded worker pool (503 + Retry-After when it is full, before a frame's upload is read);
//! check-ins are committed before the response leaves.
//!
//! The check-in rules live in `rollcall-checkin`; this crate parses requests, calls those rules and
//! the store (`app`), and maps the outcome to HTTP (`routes`). Request and response bodies are the
//! `rollcall-api` types, and the OpenAPI document is generated from the routes as registered.

mod app;
pub mod auth;
mod auth_failures;
pub mod config;
mod conn;
mod error;
mod events;
mod inference;
mod metrics;
pub mod openapi;
mod routes;
pub mod tls;
mod web;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use rollcall_checkin::{Decider, Recognizer};
use rollcall_store::Store;
use tokio::net::TcpListener;

pub use auth::{hash_token, new_token};
pub use config::Config;
pub use error::AppError;
pub use events::Events;
pub use inference::{Inference, Slot};
pub use metrics::Metrics;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub inference: Arc<Inference>,
    pub recognizer: Arc<Recognizer>,
    pub decider: Arc<Decider>,
    pub events: Events,
    pub metrics: Arc<Metrics>,
    pub config: Arc<Config>,
    /// The embedding space of this server's templates (`PipelineConfig::model_id`).
    pub model_id: Arc<str>,
    /// Signs roll calls.
    pub signer: Arc<rollcall_record::ServerKey>,
    /// Delivers roll calls to the voting system, when configured.
    pub webhook: Option<Arc<app::webhook::Webhook>>,
    /// Failed authentications per client address.
    pub auth_failures: Arc<auth_failures::AuthFailures>,
    /// Woken after every change to the gallery: self-calibration measures it again.
    pub gallery_changes: Arc<tokio::sync::Notify>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.config)
            .field("model_id", &self.model_id)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Store(#[from] rollcall_store::StoreError),
    #[error(transparent)]
    Vision(#[from] rollcall_vision::VisionError),
    #[error("loading the gallery: {0}")]
    Gallery(#[from] rollcall_checkin::CheckinError),
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error("the roll-call signing key: {0}")]
    Key(#[from] rollcall_record::KeyError),
    #[error("the data key: {0}")]
    DataKey(#[from] rollcall_store::KeyFileError),
    #[error("self-calibration: {0}")]
    SelfCalibration(String),
    #[error("creating {path}: {source}")]
    DataDir {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

impl AppState {
    /// Connects to the database (running migrations), loads the models and the gallery.
    pub async fn start(config: Config) -> Result<AppState, StartError> {
        if config.database_url.is_none() {
            create_private_dir(&config.data_dir).map_err(|source| StartError::DataDir {
                path: config.data_dir.clone(),
                source,
            })?;
        }
        let webhook = app::webhook::Webhook::new(&config.webhook)?.map(Arc::new);
        let signer = Arc::new(rollcall_record::ServerKey::load_or_create(
            &config.signing_key_path(),
        )?);
        let store = config.open_store().await?;
        store
            .register_signing_key(&signer.public_info(rollcall_store::now_ms()))
            .await?;
        let model_id: Arc<str> = config.pipeline().model_id().into();
        // Which builds run, and on what: the 8-bit builds are chosen so that they give the same
        // results on every x86-64 instruction set (docs/accuracy.md), and the log says so.
        let rec = &config.recognition;
        tracing::info!(
            cpu = %rollcall_vision::Cpu::detect(),
            dlib = if rec.dlib_int8 {
                "int8 (7-bit weights: the same descriptors on AVX2, AVX-512 VNNI and AMX)"
            } else {
                "float (configured)"
            },
            sface = if rec.sface_dense_int8 {
                "dense layer in 8 bits (weight-only: the same features on every instruction set)"
            } else {
                "float (configured)"
            },
            "recognition models"
        );
        let calibration = Arc::new(config.calibration()?);
        let recognizer = Arc::new(Recognizer::new(
            rollcall_vision::EMBEDDING_DIM,
            &config.recognition,
            calibration,
        )?);
        // Subscribed before loading, so that no other server's change falls in between.
        let changes = store.template_changes().await?;
        let n = app::gallery::load(&store, &recognizer, &model_id).await?;
        tracing::info!(templates = n, "gallery loaded");
        // Once at start-up (not on every reload): after a model change the stored templates are of
        // the old model and are not loaded until they are rebuilt from the photos.
        let photos = store.photo_ids().await?.len();
        if photos > n {
            tracing::warn!(
                photos,
                templates = n,
                model = %model_id,
                "enrolment photos without a template of the current model are not recognised: \
                 run `rollcall templates rebuild`"
            );
        }
        let auth_failures = Arc::new(auth_failures::AuthFailures::new(
            config.auth_failure_limit,
            std::time::Duration::from_millis(config.auth_failure_window_ms),
        ));
        let state = AppState {
            store,
            inference: Arc::new(Inference::new(&config)?),
            recognizer,
            decider: Arc::new(Decider::new(
                config.recognition.frames_required,
                config.recognition.window_ms,
            )),
            events: Events::new(),
            metrics: Arc::new(Metrics::default()),
            config: Arc::new(config),
            model_id,
            signer,
            webhook,
            auth_failures,
            gallery_changes: Arc::new(tokio::sync::Notify::new()),
        };
        if let Some(changes) = changes {
            app::gallery::follow(state.clone(), changes);
        }
        if state.config.recognition.self_calibrate {
            // Before the first frame: the threshold the kiosks meet is already this gallery's.
            app::self_calibration::measure(&state)
                .await
                .map_err(|e| StartError::SelfCalibration(e.to_string()))?;
            app::self_calibration::follow(state.clone());
        }
        if let Some(webhook) = &state.webhook {
            app::webhook::spawn(
                Arc::clone(webhook),
                state.store.clone(),
                state.events.closed(),
            );
        }
        Ok(state)
    }

    /// Tells self-calibration that the gallery changed (an enrolment, an erasure, a reload).
    pub fn gallery_changed(&self) {
        if self.config.recognition.self_calibrate {
            self.gallery_changes.notify_one();
        }
    }

    /// On a database without tokens, creates an admin token and returns it (shown once, never stored).
    pub async fn bootstrap_admin_token(
        &self,
    ) -> Result<Option<String>, rollcall_store::StoreError> {
        if self.store.count_tokens().await? > 0 {
            return Ok(None);
        }
        let token = new_token();
        self.store
            .create_token(
                "initial admin",
                rollcall_api::Role::Admin.as_str(),
                &hash_token(&token),
                None,
                None,
            )
            .await?;
        Ok(Some(token))
    }
}

/// Creates a folder (and any missing parents) that only its owner can enter: it holds the database,
/// its log and the keys.
pub(crate) fn create_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    rollcall_record::private_file::create_dir(dir)
}

pub fn router(state: AppState) -> Router {
    routes::router(state)
}

/// Serves until `shutdown` resolves; in-flight requests finish first. With `tls_cert` and `tls_key`
/// configured, connections are TLS (rustls); otherwise plain HTTP. The accept loop bounds header
/// time and open connections (`conn`).
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let inference = Arc::clone(&state.inference);
    let events = state.events.clone();
    let tls = match (&state.config.tls_cert, &state.config.tls_key) {
        (Some(cert), Some(key)) => Some(tls::acceptor(cert, key).map_err(std::io::Error::other)?),
        (None, None) => None,
        _ => return Err(std::io::Error::other("TLS needs both tls_cert and tls_key")),
    };
    let config = &state.config;
    let limits = conn::ConnLimits {
        header_timeout: std::time::Duration::from_millis(config.header_timeout_ms),
        max_connections: config.max_connections,
        max_per_client: config.max_connections_per_client,
    };
    let app = router(state);
    let shutdown = async move {
        shutdown.await;
        events.close();
    };
    let result = conn::serve(listener, app, tls, limits, shutdown).await;
    inference.shutdown();
    result
}
