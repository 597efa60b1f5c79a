//! Erasure that erases. Deleted rows leave their bytes behind unless told otherwise: SQLite keeps
//! them in free pages and in the write-ahead log, so the store runs with `secure_delete` (deleted
//! content is overwritten with zeros) and, after each erasure, checkpoints the log into the
//! database and truncates it. The database file and its log are created readable by their owner
//! only.

use std::time::Duration;

use sqlx::Row;

use crate::{DbKind, Store, StoreError};

/// What a purge removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    pub photos: i64,
    pub templates: i64,
    pub kiosk_answers: i64,
}

/// Creates the SQLite file of `url` (if it does not exist yet) readable and writable by its owner
/// only; SQLite gives its `-wal` and `-shm` files the same permissions.
pub(crate) fn create_private_sqlite_file(url: &str) -> Result<(), StoreError> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or("");
    if path.is_empty() || path.contains(":memory:") || std::path::Path::new(path).exists() {
        return Ok(());
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::Unavailable(format!("creating {path}: {e}"))),
    }
}

impl Store {
    /// After an erasure: on SQLite, moves the write-ahead log (which still holds the erased pages
    /// as they were) into the database, where `secure_delete` has zeroed them, and truncates it.
    /// A reader in the middle of a long query can hold the log for a moment: retried briefly.
    pub(crate) async fn scrub(&self) -> Result<(), StoreError> {
        if self.kind != DbKind::Sqlite {
            return Ok(());
        }
        for attempt in 0..20 {
            let row = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .fetch_one(&self.pool)
                .await?;
            // (busy, log frames, checkpointed frames): busy 0 means the log was emptied.
            if row.try_get::<i32, _>(0)? == 0 {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(25 * (attempt + 1))).await;
        }
        Err(StoreError::Busy(
            "the write-ahead log could not be emptied after an erasure; it will be at the next \
             checkpoint"
                .into(),
        ))
    }

    /// Removes every enrolment photo and template, and every stored kiosk answer (they name
    /// delegates), keeping delegates, sittings, attendance, roll calls and the audit chain: what
    /// a congress keeps once its biometric data has served its purpose.
    pub async fn purge_biometrics(&self) -> Result<Purged, StoreError> {
        let mut tx = self.write_tx().await?;
        let templates = sqlx::query("DELETE FROM templates")
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let photos = sqlx::query("DELETE FROM photos")
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let kiosk_answers = sqlx::query("DELETE FROM kiosk_frames")
            .execute(&mut *tx)
            .await?
            .rows_affected();
        self.notify_templates(&mut tx).await?;
        tx.commit().await?;
        self.scrub().await?;
        if self.kind == DbKind::Sqlite {
            // Gives the freed pages back to the file system as well.
            sqlx::query("VACUUM").execute(&self.pool).await?;
            self.scrub().await?;
        }
        let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        Ok(Purged {
            photos: n(photos),
            templates: n(templates),
            kiosk_answers: n(kiosk_answers),
        })
    }
}
