//! The audit log: an append-only hash chain of every state change, by ids and reason codes only.
//!
//! Entry n stores `prev_hash` (entry n-1's hash; 64 zeros for the first) and
//! `hash = SHA-256(prev_hash, id, at, actor, action, subject, detail)`, each field length-prefixed so
//! that no two different entries hash alike. Whoever edits, deletes or reorders rows in the database
//! breaks the chain at the first entry touched, and [`Store::verify_audit`] names it. Removing the
//! newest entries leaves a shorter intact chain: an exported head ([`Store::audit_head`]) shows that.
//! Free-text reasons are bounded by the callers and hashed with the rest: a reason cannot be changed
//! after the fact either.

use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{now_ms, DbKind, Store, StoreError};

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A transaction-scoped PostgreSQL advisory lock key: appends from several servers take turns.
const APPEND_LOCK: i64 = 0x726f_6c6c_6361_6c6c;

/// One audit entry as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// Where the chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("entry {id}: its content does not match its hash (changed after it was written)")]
    Altered { id: i64 },
    #[error(
        "entry {id}: it does not follow entry {previous} (an entry before it was removed or moved)"
    )]
    Unlinked { id: i64, previous: i64 },
    #[error("entry {id}: the first entry does not start the chain (earlier entries are missing)")]
    BadStart { id: i64 },
    #[error("entry {id}: it has no hash (written outside the chain, or its hash was removed)")]
    Unsealed { id: i64 },
}

/// Everything a walk of the chain found: every entry that breaks it, in order, and the newest entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReport {
    pub entries: i64,
    pub seq: i64,
    pub hash: String,
    pub problems: Vec<ChainBreak>,
}

/// An intact chain's length and newest entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    pub entries: i64,
    pub seq: i64,
    pub hash: String,
}

/// An entry's hash from the previous entry's and its own fields (what anyone checking the chain
/// computes, and what someone who can write the database can too: only an exported head or a
/// signed one protects the chain from being rewritten whole).
pub fn chain_hash(prev: &str, id: i64, at: i64, fields: [&str; 4]) -> String {
    let mut h = Sha256::new();
    let id = id.to_string();
    let at = at.to_string();
    for part in [prev, id.as_str(), at.as_str()].into_iter().chain(fields) {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

impl AuditEntry {
    fn expected_hash(&self) -> String {
        chain_hash(
            &self.prev_hash,
            self.id,
            self.at,
            [&self.actor, &self.action, &self.subject, &self.detail],
        )
    }
}

fn from_row(r: &AnyRow) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        id: r.try_get("id")?,
        at: r.try_get("at")?,
        actor: r.try_get("actor")?,
        action: r.try_get("action")?,
        subject: r.try_get("subject")?,
        detail: r.try_get("detail")?,
        prev_hash: r.try_get("prev_hash")?,
        hash: r.try_get("hash")?,
    })
}

const SELECT: &str = "SELECT id, at, actor, action, subject, detail, prev_hash, hash FROM audit";

impl Store {
    /// Appends an action to the chain. Callers pass identifiers and reason codes only: never
    /// names, photos or templates, so the audit trail survives erasure without keeping personal
    /// data.
    pub async fn audit(
        &self,
        actor: &str,
        action: &str,
        subject: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        self.append(&mut tx, actor, action, subject, detail).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Appends an entry inside the caller's transaction (which then holds the chain until it
    /// commits): on PostgreSQL, other servers' appends wait on an advisory lock; on SQLite, writing
    /// first takes the database's write lock before the previous hash is read, so no other append
    /// can slip in between (a read-then-write transaction could not upgrade its lock). Returns the
    /// new entry's sequence number.
    pub(crate) async fn append(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        actor: &str,
        action: &str,
        subject: &str,
        detail: &str,
    ) -> Result<i64, StoreError> {
        self.lock_chain(tx).await?;
        let at = now_ms();
        let id: i64 = sqlx::query(
            "INSERT INTO audit (at, actor, action, subject, detail) VALUES ($1, $2, $3, $4, $5) \
             RETURNING id",
        )
        .bind(at)
        .bind(actor)
        .bind(action)
        .bind(subject)
        .bind(detail)
        .fetch_one(&mut **tx)
        .await?
        .try_get("id")?;
        let prev: String =
            sqlx::query("SELECT hash FROM audit WHERE id < $1 ORDER BY id DESC LIMIT 1")
                .bind(id)
                .fetch_optional(&mut **tx)
                .await?
                .map(|r| r.try_get("hash"))
                .transpose()?
                .unwrap_or_else(|| GENESIS.to_string());
        let hash = chain_hash(&prev, id, at, [actor, action, subject, detail]);
        sqlx::query("UPDATE audit SET prev_hash = $1, hash = $2 WHERE id = $3")
            .bind(&prev)
            .bind(&hash)
            .bind(id)
            .execute(&mut **tx)
            .await?;
        Ok(id)
    }

    /// On PostgreSQL, waits until no other transaction can append to the chain before this one
    /// ends (SQLite needs nothing: its writers take turns on the whole database).
    pub(crate) async fn lock_chain(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    ) -> Result<(), StoreError> {
        if self.kind == DbKind::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(APPEND_LOCK)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    /// The newest entry as `tx` sees it.
    pub(crate) async fn head_in(
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    ) -> Result<(i64, String), StoreError> {
        let row = sqlx::query("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1")
            .fetch_optional(&mut **tx)
            .await?;
        Ok(match row {
            Some(r) => (r.try_get("id")?, r.try_get("hash")?),
            None => (0, GENESIS.to_string()),
        })
    }

    /// Walks the whole chain: its head when intact, else the first entry where it breaks.
    pub async fn verify_audit(&self) -> Result<Result<ChainHead, ChainBreak>, StoreError> {
        let mut report = self.audit_report().await?;
        if report.problems.is_empty() {
            Ok(Ok(ChainHead {
                entries: report.entries,
                seq: report.seq,
                hash: report.hash,
            }))
        } else {
            Ok(Err(report.problems.swap_remove(0)))
        }
    }

    /// Walks the whole chain and names every entry that breaks it: changed (its content no longer
    /// gives its hash), unlinked (an entry before it was removed or moved), without a hash, or a
    /// first entry that does not start the chain. Reads only: run on a read-only store
    /// ([`Store::open_read_only`]) it changes nothing, so what it reports is what is there.
    pub async fn audit_report(&self) -> Result<AuditReport, StoreError> {
        let rows = sqlx::query(&format!("{SELECT} ORDER BY id"))
            .fetch_all(&self.pool)
            .await?;
        let mut problems = Vec::new();
        let mut prev: Option<AuditEntry> = None;
        for row in &rows {
            let e = from_row(row)?;
            if e.hash.is_empty() {
                problems.push(ChainBreak::Unsealed { id: e.id });
            } else {
                let link = match &prev {
                    None if e.prev_hash != GENESIS => Some(ChainBreak::BadStart { id: e.id }),
                    Some(p) if e.prev_hash != p.hash => Some(ChainBreak::Unlinked {
                        id: e.id,
                        previous: p.id,
                    }),
                    _ => None,
                };
                problems.extend(link);
                if e.hash != e.expected_hash() {
                    problems.push(ChainBreak::Altered { id: e.id });
                }
            }
            prev = Some(e);
        }
        Ok(AuditReport {
            entries: rows.len() as i64,
            seq: prev.as_ref().map_or(0, |e| e.id),
            hash: prev.map_or_else(|| GENESIS.to_string(), |e| e.hash),
            problems,
        })
    }

    /// The newest entry's sequence number and hash (the genesis value before any entry): publish it
    /// (in a roll call, a report) and anyone can check later that nothing before it changed.
    pub async fn audit_head(&self) -> Result<(i64, String), StoreError> {
        let row = sqlx::query("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1")
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(r) => (r.try_get("id")?, r.try_get("hash")?),
            None => (0, GENESIS.to_string()),
        })
    }

    /// The stored hash of entry `seq`, if it exists.
    pub async fn audit_entry_hash(&self, seq: i64) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT hash FROM audit WHERE id = $1")
            .bind(seq)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get("hash")).transpose()?)
    }

    /// The newest audit entries, newest first: (at, actor, action, subject, detail).
    pub async fn audit_log(
        &self,
        limit: i64,
    ) -> Result<Vec<(i64, String, String, String, String)>, StoreError> {
        let rows = sqlx::query(&format!("{SELECT} ORDER BY id DESC LIMIT $1"))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let e = from_row(r)?;
                Ok((e.at, e.actor, e.action, e.subject, e.detail))
            })
            .collect()
    }
}
