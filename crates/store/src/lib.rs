//! rollcall's database. One `Store` over sqlx's `Any` driver runs the same queries on SQLite (the
//! embedded default, WAL mode) and PostgreSQL (several servers behind a load balancer); each dialect
//! has its own migrations, run at start-up. Times are Unix milliseconds, booleans 0/1.

mod audit;
mod checkins;
mod delegates;
mod error;
mod frames;
mod notify;
mod photos;
mod record;
mod roll_calls;
mod sittings;
mod tokens;

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::AnyPool;

pub use audit::{AuditEntry, ChainBreak, ChainHead, GENESIS};
pub use checkins::CheckinOutcome;
pub use error::StoreError;
pub use notify::{TemplateChanges, TEMPLATES_CHANNEL};
pub use photos::{PhotoRecord, TemplateRecord};
pub use roll_calls::{AttemptOutcome, DueDelivery, RollCallDocs, RollCallFigures};
pub use tokens::TokenRecord;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    kind: DbKind,
    /// For connections outside the pool (PostgreSQL's LISTEN).
    url: String,
    /// Random, per connected store (shared by its clones): the payload of its template NOTIFYs, so
    /// that a server can tell its own changes, already applied in memory, from other servers'.
    instance: String,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("kind", &self.kind)
            .field("url", &redact_url(&self.url))
            .field("instance", &self.instance)
            .finish_non_exhaustive()
    }
}

/// Now, in Unix milliseconds (the unit of every stored time).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// The URL with any password replaced, for logs and errors.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme + 3],
                    &creds[..colon],
                    &url[at..]
                ),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

impl Store {
    /// Connects (creating a SQLite file if needed) and runs the migrations.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let kind = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            DbKind::Postgres
        } else if url.starts_with("sqlite:") {
            DbKind::Sqlite
        } else {
            return Err(StoreError::BadUrl(redact_url(url)));
        };
        let url = match kind {
            DbKind::Sqlite if !url.contains("mode=") && !url.contains(":memory:") => {
                format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' })
            }
            _ => url.to_string(),
        };
        let options = AnyConnectOptions::from_str(&url)
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let pool = AnyPoolOptions::new()
            .max_connections(if kind == DbKind::Sqlite { 4 } else { 8 })
            .acquire_timeout(Duration::from_secs(5))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if kind == DbKind::Sqlite {
                        // WAL lets readers run beside the writer; foreign keys make erasure cascade.
                        sqlx::query("PRAGMA journal_mode = WAL")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("PRAGMA busy_timeout = 5000")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("PRAGMA foreign_keys = ON")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("PRAGMA synchronous = FULL")
                            .execute(&mut *conn)
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let store = Store {
            pool,
            kind,
            url: url.clone(),
            instance: format!("{:016x}", rand::random::<u64>()),
        };
        store.migrate().await?;
        store.seal_unchained().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let result = match self.kind {
            DbKind::Sqlite => sqlx::migrate!("./migrations/sqlite").run(&self.pool).await,
            DbKind::Postgres => {
                sqlx::migrate!("./migrations/postgres")
                    .run(&self.pool)
                    .await
            }
        };
        result.map_err(|e| StoreError::Migration(e.to_string()))
    }

    pub fn kind(&self) -> DbKind {
        self.kind
    }

    /// This store's id in template notifications (see [`TEMPLATES_CHANNEL`]).
    pub fn instance(&self) -> &str {
        &self.instance
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Cheap liveness check for `/healthz`.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/x"),
            "postgres://app:***@db:5432/x"
        );
        assert_eq!(redact_url("postgres://app@db/x"), "postgres://app@db/x");
        assert_eq!(redact_url("sqlite:///tmp/a.db"), "sqlite:///tmp/a.db");
    }
}
