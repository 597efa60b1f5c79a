//! rollcall's HTTP API (axum). Every route but `/healthz` needs a bearer token with a role; inference
//! runs on a bounded worker pool (503 + Retry-After when it is full); check-ins are committed before
//! the response leaves.
#![forbid(unsafe_code)]

pub mod auth;
pub mod config;
mod decide;
mod error;
mod events;
mod metrics;
pub mod openapi;
mod recognizer;
mod routes;
pub mod tls;
mod web;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use rollcall_store::{DbKind, Store};
use tokio::net::TcpListener;

pub use auth::{hash_token, new_token, Role};
pub use config::Config;
pub use decide::Decider;
pub use error::AppError;
pub use events::{AttendanceEvent, Events};
pub use metrics::Metrics;
pub use recognizer::{Candidates, Match, Recognizer, MODEL_ID};

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub recognizer: Arc<Recognizer>,
    pub decider: Arc<Decider>,
    pub events: Events,
    pub metrics: Arc<Metrics>,
    pub config: Arc<Config>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.config)
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
    Gallery(String),
    #[error("creating {path}: {source}")]
    DataDir {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

impl AppState {
    /// Connects to the database (running migrations), loads the models and the gallery.
    pub async fn start(config: Config) -> Result<AppState, StartError> {
        let url = config.database_url();
        if config.database_url.is_none() {
            std::fs::create_dir_all(&config.data_dir).map_err(|source| StartError::DataDir {
                path: config.data_dir.clone(),
                source,
            })?;
        }
        let store = Store::connect(&url).await?;
        let recognizer = Arc::new(Recognizer::new(&config)?);
        let n = recognizer
            .load(&store)
            .await
            .map_err(|e| StartError::Gallery(e.to_string()))?;
        tracing::info!(templates = n, "gallery loaded");
        // Once at start-up (not on every reload): after a model change the stored templates are of
        // the old model and are not loaded until they are rebuilt from the photos.
        let photos = store.photo_ids().await?.len();
        if photos > n {
            tracing::warn!(
                photos,
                templates = n,
                model = MODEL_ID,
                "enrolment photos without a template of the current model are not recognised: \
                 run `rollcall templates rebuild`"
            );
        }
        let state = AppState {
            store,
            recognizer,
            decider: Arc::new(Decider::new(
                config.recognition.frames_required,
                config.recognition.window_ms,
            )),
            events: Events::new(),
            metrics: Arc::new(Metrics::default()),
            config: Arc::new(config),
        };
        if state.store.kind() == DbKind::Postgres {
            state.spawn_template_listener(url);
        }
        Ok(state)
    }

    /// With several servers on one PostgreSQL database, reload the gallery whenever another server
    /// changes templates (the store sends NOTIFY in the changing transaction).
    fn spawn_template_listener(&self, url: String) {
        let state = self.clone();
        tokio::spawn(async move {
            loop {
                match sqlx::postgres::PgListener::connect(&url).await {
                    Ok(mut listener) => {
                        if listener
                            .listen(rollcall_store::TEMPLATES_CHANNEL)
                            .await
                            .is_ok()
                        {
                            while let Ok(note) = listener.recv().await {
                                // This server's own changes are already in its gallery; reloading
                                // for them as well raced the in-memory update and could add a
                                // template twice.
                                if note.payload() == state.store.instance() {
                                    continue;
                                }
                                if let Err(e) = state.recognizer.load(&state.store).await {
                                    tracing::warn!(error = %e, "gallery reload failed");
                                }
                            }
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "template listener cannot connect; retrying")
                    }
                }
                tokio::time::sleep(std::time::Duration::from_secs(2)).await;
            }
        });
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
            .create_token("initial admin", Role::Admin.as_str(), &hash_token(&token))
            .await?;
        Ok(Some(token))
    }
}

pub fn router(state: AppState) -> Router {
    routes::router(state)
}

/// Serves until `shutdown` resolves; in-flight requests finish first. With `tls_cert` and `tls_key`
/// configured, connections are TLS (rustls); otherwise plain HTTP.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let recognizer = Arc::clone(&state.recognizer);
    let events = state.events.clone();
    let tls = match (&state.config.tls_cert, &state.config.tls_key) {
        (Some(cert), Some(key)) => Some(tls::acceptor(cert, key).map_err(std::io::Error::other)?),
        (None, None) => None,
        _ => return Err(std::io::Error::other("TLS needs both tls_cert and tls_key")),
    };
    let app = router(state);
    let shutdown = async move {
        shutdown.await;
        events.close();
    };
    let result = match tls {
        Some(acceptor) => {
            axum::serve(tls::TlsListener::new(listener, acceptor)?, app)
                .with_graceful_shutdown(shutdown)
                .await
        }
        None => {
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
        }
    };
    recognizer.shutdown();
    result
}
