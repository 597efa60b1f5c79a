//! rollcall's database. One `Store` over sqlx's `Any` driver runs the same queries on SQLite (the
//! embedded default, WAL mode) and PostgreSQL (several servers behind a load balancer); each dialect
//! has its own migrations, run at start-up. Times are Unix milliseconds, booleans 0/1.

mod audit;
mod checkins;
mod delegates;
mod erasure;
mod error;
mod frames;
mod notify;
mod photos;
mod reasons;
mod record;
mod roll_calls;
mod sealing;
mod sittings;
mod tokens;

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::AnyPool;
use sqlx::Row;

pub use audit::{chain_hash, AuditEntry, AuditReport, ChainBreak, ChainHead, GENESIS};
pub use checkins::{CheckinOutcome, MoveOutcome, Passing};
pub use erasure::Purged;
pub use error::StoreError;
pub use notify::{TemplateChanges, TEMPLATES_CHANNEL};
pub use photos::{PhotoRecord, TemplateRecord};
pub use roll_calls::{AttemptOutcome, DueDelivery, RollCallDocs, RollCallFigures};
pub use sealing::{DataKeys, KeyFileError};
pub use tokens::TokenRecord;

/// How long a SQLite write waits for another writer before giving up with [`StoreError::Busy`]
/// (answered 503 + Retry-After).
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How long `/healthz` waits for SQLite's write lock before reporting the database busy.
const HEALTH_LOCK_WAIT: Duration = Duration::from_millis(250);

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
    /// Seal and open photos and templates; without them those are refused.
    keys: Option<std::sync::Arc<DataKeys>>,
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
        let store = Self::open(url, false).await?;
        // Entries are hashed in the transaction that appends them: a row without a hash was
        // written or blanked outside the server, and is reported by `audit verify`, never sealed.
        store.migrate().await?;
        store.key_unkeyed_names().await?;
        Ok(store)
    }

    /// Opens an existing database for reading only, for a check that must not change what it
    /// checks (`rollcall audit verify`): SQLite in `mode=ro`, every PostgreSQL transaction read-only;
    /// no migration, no sealing, no file created.
    pub async fn open_read_only(url: &str) -> Result<Self, StoreError> {
        Self::open(url, true).await
    }

    async fn open(url: &str, read_only: bool) -> Result<Self, StoreError> {
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
                let mode = if read_only { "ro" } else { "rwc" };
                format!(
                    "{url}{}mode={mode}",
                    if url.contains('?') { '&' } else { '?' }
                )
            }
            _ => url.to_string(),
        };
        if kind == DbKind::Sqlite && !read_only {
            erasure::create_private_sqlite_file(&url)?;
        }
        let options = AnyConnectOptions::from_str(&url)
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let pool = AnyPoolOptions::new()
            .max_connections(if kind == DbKind::Sqlite { 4 } else { 8 })
            .acquire_timeout(Duration::from_secs(5))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if kind == DbKind::Postgres && read_only {
                        sqlx::query("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
                            .execute(&mut *conn)
                            .await?;
                    }
                    if kind == DbKind::Sqlite && !read_only {
                        // WAL lets readers run beside the writer (setting it writes the file).
                        sqlx::query("PRAGMA journal_mode = WAL")
                            .execute(&mut *conn)
                            .await?;
                    }
                    if kind == DbKind::Sqlite {
                        sqlx::query(&format!(
                            "PRAGMA busy_timeout = {}",
                            BUSY_TIMEOUT.as_millis()
                        ))
                        .execute(&mut *conn)
                        .await?;
                        // Foreign keys make erasure cascade.
                        sqlx::query("PRAGMA foreign_keys = ON")
                            .execute(&mut *conn)
                            .await?;
                        // Deleted content is overwritten, not left in free pages (erasure).
                        sqlx::query("PRAGMA secure_delete = ON")
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
            keys: None,
        };
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

    /// A transaction that writes. On SQLite it takes the write lock at `BEGIN IMMEDIATE`, waiting
    /// up to the busy timeout for it: a deferred transaction that reads first could not upgrade its
    /// lock once another writer had committed, and would fail at once with "database is locked".
    pub(crate) async fn write_tx(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Any>, StoreError> {
        Ok(match self.kind {
            DbKind::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            DbKind::Postgres => self.pool.begin().await?,
        })
    }

    /// For `/healthz`: the database answers and can take a write now. On SQLite, a write lock
    /// held elsewhere for longer than `HEALTH_LOCK_WAIT` makes this [`StoreError::Busy`]; on
    /// PostgreSQL, a read-only server (a standby, or one out of disk) is reported as unavailable.
    pub async fn ping(&self) -> Result<(), StoreError> {
        match self.kind {
            DbKind::Sqlite => {
                let mut conn = self.pool.acquire().await?;
                sqlx::query(&format!(
                    "PRAGMA busy_timeout = {}",
                    HEALTH_LOCK_WAIT.as_millis()
                ))
                .execute(&mut *conn)
                .await?;
                let took = sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await;
                if took.is_ok() {
                    sqlx::query("ROLLBACK").execute(&mut *conn).await?;
                }
                sqlx::query(&format!(
                    "PRAGMA busy_timeout = {}",
                    BUSY_TIMEOUT.as_millis()
                ))
                .execute(&mut *conn)
                .await?;
                took?;
            }
            DbKind::Postgres => {
                let row = sqlx::query(
                    "SELECT CASE WHEN pg_is_in_recovery() \
                        OR current_setting('transaction_read_only') = 'on' THEN 1 ELSE 0 END \
                        AS read_only",
                )
                .fetch_one(&self.pool)
                .await?;
                if row.try_get::<i32, _>("read_only")? != 0 {
                    return Err(StoreError::Unavailable("the database is read-only".into()));
                }
            }
        }
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
