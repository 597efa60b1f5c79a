//! Roll calls as taken and signed, the keys that signed them, and their webhook deliveries.

use rollcall_api::{
    AuditHead, DeliveryState, PublicKeyInfo, QuorumBasis, RollCallDelegate, RollCallSummary,
    Sitting, SittingStatus, WebhookDelivery,
};
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{now_ms, Store, StoreError};

/// What the caller makes of a roll call once its id and the audit head are known: the documents as
/// they will be served, signed.
#[derive(Debug, Clone)]
pub struct RollCallDocs {
    pub json: String,
    pub csv: String,
    pub key_id: String,
}

/// The figures a roll call is taken with (the caller computes them from the sitting's attendance).
#[derive(Debug, Clone, Copy)]
pub struct RollCallFigures {
    pub eligible: i64,
    pub present: i64,
    pub required: i64,
    pub quorum_reached: bool,
}

/// A delivery that is due, as the sender needs it.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    pub id: i64,
    pub roll_call_id: i64,
    pub url: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
}

/// How one delivery attempt ended.
#[derive(Debug, Clone)]
pub enum AttemptOutcome {
    Delivered {
        status: i64,
    },
    /// Failed; tried again at `retry_at`, or never when `None` (attempts exhausted).
    Failed {
        status: Option<i64>,
        error: String,
        retry_at: Option<i64>,
    },
}

const SUMMARY: &str = "SELECT id, sitting_id, taken_at, taken_by, eligible, present, required, \
     quorum_reached, audit_seq, audit_hash FROM roll_calls";

fn summary_from_row(r: &AnyRow) -> Result<RollCallSummary, StoreError> {
    Ok(RollCallSummary {
        id: r.try_get("id")?,
        sitting_id: r.try_get("sitting_id")?,
        taken_at: r.try_get("taken_at")?,
        taken_by: r.try_get("taken_by")?,
        eligible: r.try_get("eligible")?,
        present: r.try_get("present")?,
        required: r.try_get("required")?,
        quorum_reached: r.try_get::<i64, _>("quorum_reached")? != 0,
        audit_head: AuditHead {
            seq: r.try_get("audit_seq")?,
            hash: r.try_get("audit_hash")?,
        },
        delivery: None,
    })
}

const DELIVERY: &str = "SELECT id, roll_call_id, url, state, attempts, last_status, last_error, \
     next_attempt_at, delivered_at FROM webhook_deliveries";

fn delivery_from_row(r: &AnyRow) -> Result<WebhookDelivery, StoreError> {
    let state: String = r.try_get("state")?;
    Ok(WebhookDelivery {
        id: r.try_get("id")?,
        roll_call_id: r.try_get("roll_call_id")?,
        url: r.try_get("url")?,
        state: DeliveryState::parse(&state)
            .ok_or_else(|| StoreError::Database(format!("unknown delivery state {state:?}")))?,
        attempts: r.try_get("attempts")?,
        last_status: r.try_get("last_status")?,
        last_error: r.try_get("last_error")?,
        next_attempt_at: r.try_get("next_attempt_at")?,
        delivered_at: r.try_get("delivered_at")?,
    })
}

impl Store {
    /// Lists a server's public key for verifiers (once; later starts with the same key keep the
    /// first date).
    pub async fn register_signing_key(&self, key: &PublicKeyInfo) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO signing_keys (key_id, algorithm, public_key, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (key_id) DO NOTHING",
        )
        .bind(&key.key_id)
        .bind(&key.algorithm)
        .bind(&key.public_key)
        .bind(key.created_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Every key any server of this deployment has signed with, oldest first.
    pub async fn signing_keys(&self) -> Result<Vec<PublicKeyInfo>, StoreError> {
        sqlx::query(
            "SELECT key_id, algorithm, public_key, created_at FROM signing_keys \
             ORDER BY created_at, key_id",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(PublicKeyInfo {
                key_id: r.try_get("key_id")?,
                algorithm: r.try_get("algorithm")?,
                public_key: r.try_get("public_key")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
    }

    /// An open sitting's present, eligible delegates (on its roll and checked in; with the
    /// in-hall basis, only those in the hall now), in check-in order.
    pub async fn present_on_roll(
        &self,
        sitting: &Sitting,
    ) -> Result<Vec<RollCallDelegate>, StoreError> {
        if sitting.status != SittingStatus::Open {
            return Err(StoreError::Conflict(
                "a roll call is taken while the sitting is open".into(),
            ));
        }
        let in_hall_only = match sitting.quorum_basis {
            QuorumBasis::CheckedIn => "",
            QuorumBasis::InHall => "AND c.in_hall = 1",
        };
        sqlx::query(&format!(
            "SELECT c.delegate_id, d.external_id, d.full_name, r.delegation, c.method, \
                c.checked_in_at \
             FROM sitting_roll r \
             JOIN checkins c ON c.sitting_id = r.sitting_id AND c.delegate_id = r.delegate_id \
             JOIN delegates d ON d.id = c.delegate_id \
             WHERE r.sitting_id = $1 {in_hall_only} ORDER BY c.checked_in_at, c.delegate_id",
        ))
        .bind(sitting.id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(RollCallDelegate {
                delegate_id: r.try_get("delegate_id")?,
                external_id: r.try_get("external_id")?,
                full_name: r.try_get("full_name")?,
                delegation: r.try_get("delegation")?,
                method: r.try_get("method")?,
                checked_in_at: r.try_get("checked_in_at")?,
            })
        })
        .collect()
    }

    /// Records a roll call in one transaction: its row, its documents (made by `build` from the
    /// new id and the audit chain's head, which no other append can move meanwhile), its audit
    /// entry (with the JSON document's SHA-256) and, with a webhook, its queued delivery. Returns
    /// the roll call's summary and its JSON document.
    pub async fn take_roll_call(
        &self,
        sitting_id: i64,
        taken_by: &str,
        taken_at: i64,
        figures: RollCallFigures,
        webhook: Option<&str>,
        build: impl FnOnce(i64, AuditHead) -> RollCallDocs,
    ) -> Result<(RollCallSummary, String), StoreError> {
        let mut tx = self.write_tx().await?;
        self.lock_chain(&mut tx).await?;
        // The insert comes first: on SQLite it takes the write lock before the head is read.
        let id: i64 = sqlx::query(
            "INSERT INTO roll_calls (sitting_id, taken_at, taken_by, eligible, present, required, \
                quorum_reached, audit_seq, audit_hash, key_id, json, csv) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 0, '', '', '', '') RETURNING id",
        )
        .bind(sitting_id)
        .bind(taken_at)
        .bind(taken_by)
        .bind(figures.eligible)
        .bind(figures.present)
        .bind(figures.required)
        .bind(i64::from(figures.quorum_reached))
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        let (seq, hash) = Self::head_in(&mut tx).await?;
        let docs = build(
            id,
            AuditHead {
                seq,
                hash: hash.clone(),
            },
        );
        sqlx::query(
            "UPDATE roll_calls SET audit_seq = $1, audit_hash = $2, key_id = $3, json = $4, \
                csv = $5 WHERE id = $6",
        )
        .bind(seq)
        .bind(&hash)
        .bind(&docs.key_id)
        .bind(&docs.json)
        .bind(&docs.csv)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let digest = hex::encode(Sha256::digest(docs.json.as_bytes()));
        self.append(
            &mut tx,
            taken_by,
            "roll_call.take",
            &format!("sitting:{sitting_id} roll_call:{id}"),
            &format!("sha256:{digest}"),
        )
        .await?;
        if let Some(url) = webhook {
            sqlx::query(
                "INSERT INTO webhook_deliveries (roll_call_id, url, state, attempts, \
                    next_attempt_at, created_at) VALUES ($1, $2, 'pending', 0, $3, $3)",
            )
            .bind(id)
            .bind(url)
            .bind(taken_at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        let summary = RollCallSummary {
            id,
            sitting_id,
            taken_at,
            taken_by: taken_by.to_string(),
            eligible: figures.eligible,
            present: figures.present,
            required: figures.required,
            quorum_reached: figures.quorum_reached,
            audit_head: AuditHead { seq, hash },
            delivery: None,
        };
        Ok((summary, docs.json))
    }

    /// A sitting's roll calls, oldest first.
    pub async fn roll_calls(&self, sitting_id: i64) -> Result<Vec<RollCallSummary>, StoreError> {
        sqlx::query(&format!("{SUMMARY} WHERE sitting_id = $1 ORDER BY id"))
            .bind(sitting_id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(summary_from_row)
            .collect()
    }

    /// A roll call's signed documents: (sitting id, JSON, CSV).
    pub async fn roll_call_documents(
        &self,
        id: i64,
    ) -> Result<Option<(i64, String, String)>, StoreError> {
        let row = sqlx::query("SELECT sitting_id, json, csv FROM roll_calls WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok((
                r.try_get("sitting_id")?,
                r.try_get("json")?,
                r.try_get("csv")?,
            ))
        })
        .transpose()
    }

    /// Webhook deliveries, newest first.
    pub async fn deliveries(&self, limit: i64) -> Result<Vec<WebhookDelivery>, StoreError> {
        sqlx::query(&format!("{DELIVERY} ORDER BY id DESC LIMIT $1"))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(delivery_from_row)
            .collect()
    }

    pub async fn delivery(&self, id: i64) -> Result<Option<WebhookDelivery>, StoreError> {
        sqlx::query(&format!("{DELIVERY} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(delivery_from_row)
            .transpose()
    }

    /// The deliveries of a sitting's roll calls, by roll call.
    pub async fn sitting_deliveries(
        &self,
        sitting_id: i64,
    ) -> Result<Vec<WebhookDelivery>, StoreError> {
        sqlx::query(&format!(
            "{DELIVERY} WHERE roll_call_id IN (SELECT id FROM roll_calls WHERE sitting_id = $1) \
             ORDER BY id"
        ))
        .bind(sitting_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(delivery_from_row)
        .collect()
    }

    /// Pending deliveries due at `now`, oldest first.
    pub async fn due_deliveries(
        &self,
        now: i64,
        limit: i64,
    ) -> Result<Vec<DueDelivery>, StoreError> {
        sqlx::query(
            "SELECT id, roll_call_id, url, attempts, next_attempt_at FROM webhook_deliveries \
             WHERE state = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at, id \
             LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(DueDelivery {
                id: r.try_get("id")?,
                roll_call_id: r.try_get("roll_call_id")?,
                url: r.try_get("url")?,
                attempts: r.try_get("attempts")?,
                next_attempt_at: r.try_get("next_attempt_at")?,
            })
        })
        .collect()
    }

    /// Claims a due delivery for one attempt until `lease_until`: false when another sender (this
    /// server's or another's on the same database) claimed it first.
    pub async fn claim_delivery(
        &self,
        d: &DueDelivery,
        lease_until: i64,
    ) -> Result<bool, StoreError> {
        let r = sqlx::query(
            "UPDATE webhook_deliveries SET next_attempt_at = $1, attempts = attempts + 1 \
             WHERE id = $2 AND state = 'pending' AND next_attempt_at = $3",
        )
        .bind(lease_until)
        .bind(d.id)
        .bind(d.next_attempt_at)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Records how a claimed attempt ended.
    pub async fn finish_attempt(
        &self,
        id: i64,
        outcome: &AttemptOutcome,
    ) -> Result<(), StoreError> {
        // Absent values are written as NULL literals, never bound (see `check_in`), so the
        // placeholders are numbered by what is present.
        match outcome {
            AttemptOutcome::Delivered { status } => {
                sqlx::query(
                    "UPDATE webhook_deliveries SET state = 'delivered', last_status = $1, \
                        last_error = NULL, next_attempt_at = NULL, delivered_at = $2 \
                     WHERE id = $3",
                )
                .bind(*status)
                .bind(now_ms())
                .bind(id)
                .execute(&self.pool)
                .await?;
            }
            AttemptOutcome::Failed {
                status,
                error,
                retry_at,
            } => {
                let mut n = 2;
                let mut slot = |present: bool| {
                    if present {
                        n += 1;
                        format!("${n}")
                    } else {
                        "NULL".to_string()
                    }
                };
                let status_sql = slot(status.is_some());
                let next_sql = slot(retry_at.is_some());
                let state = if retry_at.is_some() {
                    "pending"
                } else {
                    "failed"
                };
                let sql = format!(
                    "UPDATE webhook_deliveries SET state = '{state}', last_error = $1, \
                        last_status = {status_sql}, next_attempt_at = {next_sql} WHERE id = $2"
                );
                let mut q = sqlx::query(&sql).bind(error.as_str()).bind(id);
                if let Some(s) = status {
                    q = q.bind(*s);
                }
                if let Some(at) = retry_at {
                    q = q.bind(*at);
                }
                q.execute(&self.pool).await?;
            }
        }
        Ok(())
    }

    /// Puts a failed delivery back in the queue, due now, with its attempts counted afresh.
    pub async fn retry_delivery(&self, id: i64) -> Result<bool, StoreError> {
        let r = sqlx::query(
            "UPDATE webhook_deliveries SET state = 'pending', attempts = 0, next_attempt_at = $1 \
             WHERE id = $2 AND state = 'failed'",
        )
        .bind(now_ms())
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }
}
