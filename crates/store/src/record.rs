//! A sitting's fixed record: its eligible roll (from opening) and, once closed, its amendments.

use rollcall_api::{Amendment, AmendmentAction, SittingStatus};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{now_ms, Store, StoreError};

fn amendment_from_row(r: &AnyRow) -> Result<Amendment, StoreError> {
    let action: String = r.try_get("action")?;
    Ok(Amendment {
        id: r.try_get("id")?,
        delegate_id: r.try_get("delegate_id")?,
        action: AmendmentAction::parse(&action)
            .ok_or_else(|| StoreError::Database(format!("unknown amendment {action:?}")))?,
        reason: r.try_get("reason")?,
        actor: r.try_get("actor")?,
        at: r.try_get("at")?,
    })
}

impl Store {
    /// Adds a delegate to an open sitting's roll, and audits it with its reason in the same
    /// transaction (the text kept erasably, the chain holding its digest: `reasons`); false, and
    /// nothing written, when they are on it already.
    pub async fn add_to_roll(
        &self,
        sitting_id: i64,
        delegate_id: i64,
        reason: &str,
        actor: &str,
    ) -> Result<bool, StoreError> {
        let sitting = self
            .sitting(sitting_id)
            .await?
            .ok_or(StoreError::NotFound("sitting"))?;
        if sitting.status != SittingStatus::Open {
            return Err(StoreError::Conflict(
                "only an open sitting's roll can be added to".into(),
            ));
        }
        let delegate = self
            .delegate(delegate_id)
            .await?
            .ok_or(StoreError::NotFound("delegate"))?;
        let mut tx = self.write_tx().await?;
        self.lock_chain(&mut tx).await?;
        let digest = Self::keep_reason(&mut tx, delegate_id, reason).await?;
        let r = sqlx::query(
            "INSERT INTO sitting_roll (sitting_id, delegate_id, delegation, added_at, \
                reason_digest) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (sitting_id, delegate_id) DO NOTHING",
        )
        .bind(sitting_id)
        .bind(delegate_id)
        .bind(&delegate.delegation)
        .bind(now_ms())
        .bind(&digest)
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        self.append(
            &mut tx,
            actor,
            "sitting.roll_add",
            &format!("delegate:{delegate_id}"),
            &format!("sitting:{sitting_id} reason:{digest}"),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Amends a closed sitting's record: counts a delegate on its roll present, or takes their
    /// presence back, and keeps the amendment. Conflict when it would change nothing.
    pub async fn amend(
        &self,
        sitting_id: i64,
        delegate_id: i64,
        action: AmendmentAction,
        reason: &str,
        actor: &str,
    ) -> Result<Amendment, StoreError> {
        let sitting = self
            .sitting(sitting_id)
            .await?
            .ok_or(StoreError::NotFound("sitting"))?;
        if sitting.status != SittingStatus::Closed {
            return Err(StoreError::Conflict(
                "only a closed sitting is amended; correct an open one at the desk".into(),
            ));
        }
        let now = now_ms();
        let mut tx = self.write_tx().await?;
        let on_roll = sqlx::query(
            "SELECT 1 AS one FROM sitting_roll WHERE sitting_id = $1 AND delegate_id = $2",
        )
        .bind(sitting_id)
        .bind(delegate_id)
        .fetch_optional(&mut *tx)
        .await?
        .is_some();
        if !on_roll {
            return Err(StoreError::NotFound("delegate on the sitting's roll"));
        }
        let changed = match action {
            AmendmentAction::Add => sqlx::query(
                "INSERT INTO sitting_record (sitting_id, delegate_id, method, checked_in_at) \
                 VALUES ($1, $2, 'amendment', $3) ON CONFLICT (sitting_id, delegate_id) DO NOTHING",
            )
            .bind(sitting_id)
            .bind(delegate_id)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected(),
            AmendmentAction::Remove => {
                sqlx::query("DELETE FROM sitting_record WHERE sitting_id = $1 AND delegate_id = $2")
                    .bind(sitting_id)
                    .bind(delegate_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
            }
        };
        if changed == 0 {
            return Err(StoreError::Conflict(match action {
                AmendmentAction::Add => "the delegate is already counted present".into(),
                AmendmentAction::Remove => "the delegate is not counted present".into(),
            }));
        }
        let id: i64 = sqlx::query(
            "INSERT INTO amendments (sitting_id, delegate_id, action, reason, actor, at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(sitting_id)
        .bind(delegate_id)
        .bind(action.as_str())
        .bind(reason)
        .bind(actor)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        tx.commit().await?;
        Ok(Amendment {
            id,
            delegate_id,
            action,
            reason: reason.to_string(),
            actor: actor.to_string(),
            at: now,
        })
    }

    /// A sitting's amendments, oldest first.
    pub async fn amendments(&self, sitting_id: i64) -> Result<Vec<Amendment>, StoreError> {
        sqlx::query(
            "SELECT id, delegate_id, action, reason, actor, at FROM amendments \
             WHERE sitting_id = $1 ORDER BY id",
        )
        .bind(sitting_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(amendment_from_row)
        .collect()
    }
}
