use rollcall_api::{QuorumBasis, QuorumRule, Sitting, SittingStatus};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{now_ms, Store, StoreError};

fn from_row(r: &AnyRow) -> Result<Sitting, StoreError> {
    let rule: String = r.try_get("quorum_rule")?;
    let status: String = r.try_get("status")?;
    let basis: String = r.try_get("quorum_basis")?;
    Ok(Sitting {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        quorum_numerator: r.try_get("quorum_num")?,
        quorum_denominator: r.try_get("quorum_den")?,
        quorum_rule: QuorumRule::parse(&rule)
            .ok_or_else(|| StoreError::Database(format!("unknown quorum rule {rule:?}")))?,
        status: SittingStatus::parse(&status)
            .ok_or_else(|| StoreError::Database(format!("unknown sitting status {status:?}")))?,
        quorum_basis: QuorumBasis::parse(&basis)
            .ok_or_else(|| StoreError::Database(format!("unknown quorum basis {basis:?}")))?,
        opened_at: r.try_get("opened_at")?,
        closed_at: r.try_get("closed_at")?,
    })
}

const SELECT: &str = "SELECT id, name, quorum_num, quorum_den, quorum_rule, quorum_basis, status, \
    opened_at, closed_at FROM sittings";

impl Store {
    pub async fn create_sitting(
        &self,
        name: &str,
        numerator: i64,
        denominator: i64,
        rule: QuorumRule,
        basis: QuorumBasis,
    ) -> Result<Sitting, StoreError> {
        let id: i64 = sqlx::query(
            "INSERT INTO sittings (name, quorum_num, quorum_den, quorum_rule, quorum_basis, \
                status, created_at) VALUES ($1, $2, $3, $4, $5, 'draft', $6) RETURNING id",
        )
        .bind(name)
        .bind(numerator)
        .bind(denominator)
        .bind(rule.as_str())
        .bind(basis.as_str())
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await?
        .try_get("id")?;
        self.sitting(id)
            .await?
            .ok_or(StoreError::NotFound("sitting"))
    }

    pub async fn sitting(&self, id: i64) -> Result<Option<Sitting>, StoreError> {
        let row = sqlx::query(&format!("{SELECT} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    pub async fn sittings(&self) -> Result<Vec<Sitting>, StoreError> {
        let rows = sqlx::query(&format!("{SELECT} ORDER BY id DESC"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(from_row).collect()
    }

    pub async fn open_sitting_now(&self) -> Result<Option<Sitting>, StoreError> {
        let row = sqlx::query(&format!("{SELECT} WHERE status = 'open'"))
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Opens a draft sitting. The database allows one open sitting at a time.
    pub async fn open_sitting(&self, id: i64) -> Result<Sitting, StoreError> {
        let current = self
            .sitting(id)
            .await?
            .ok_or(StoreError::NotFound("sitting"))?;
        match current.status {
            SittingStatus::Open => return Ok(current),
            SittingStatus::Closed => {
                return Err(StoreError::Conflict("the sitting is closed".into()))
            }
            SittingStatus::Draft => {}
        }
        // Opening fixes the eligible roll, in the same transaction: delegates added or made
        // eligible later join it only through `add_to_roll`.
        let now = now_ms();
        let mut tx = self.write_tx().await?;
        let opened = sqlx::query(
            "UPDATE sittings SET status = 'open', opened_at = $1 WHERE id = $2 AND status \
            = 'draft'",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Conflict(_) => StoreError::Conflict("another sitting is open".into()),
            other => other,
        })?;
        if opened.rows_affected() > 0 {
            sqlx::query(
                "INSERT INTO sitting_roll (sitting_id, delegate_id, delegation, added_at) \
                 SELECT $1, id, delegation, $2 FROM delegates WHERE eligible = 1",
            )
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        self.sitting(id)
            .await?
            .ok_or(StoreError::NotFound("sitting"))
    }

    pub async fn close_sitting(&self, id: i64) -> Result<Sitting, StoreError> {
        let current = self
            .sitting(id)
            .await?
            .ok_or(StoreError::NotFound("sitting"))?;
        if current.status == SittingStatus::Draft {
            return Err(StoreError::Conflict("the sitting was never opened".into()));
        }
        // Closing copies the check-ins into the sitting's record, in the same transaction: from
        // now on its attendance reads from there, and only amendments change it.
        let mut tx = self.write_tx().await?;
        let closed = sqlx::query(
            "UPDATE sittings SET status = 'closed', closed_at = $1 WHERE id = $2 AND \
            status = 'open'",
        )
        .bind(now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if closed.rows_affected() > 0 {
            sqlx::query(
                "INSERT INTO sitting_record (sitting_id, delegate_id, method, score, \
                 checked_in_at, in_hall) SELECT sitting_id, delegate_id, method, score, \
                 checked_in_at, in_hall FROM checkins WHERE sitting_id = $1",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        self.sitting(id)
            .await?
            .ok_or(StoreError::NotFound("sitting"))
    }
}
