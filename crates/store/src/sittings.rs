use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{now_ms, Store, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuorumRule {
    /// present / eligible > numerator / denominator
    MoreThan,
    /// present / eligible >= numerator / denominator
    AtLeast,
}

impl QuorumRule {
    fn as_str(self) -> &'static str {
        match self {
            QuorumRule::MoreThan => "more_than",
            QuorumRule::AtLeast => "at_least",
        }
    }

    /// Delegates needed for quorum, in exact integer arithmetic. A quorum always needs at least one
    /// delegate present: with nobody eligible it cannot be reached.
    pub fn required(self, numerator: i64, denominator: i64, eligible: i64) -> i64 {
        let product = eligible * numerator;
        let needed = match self {
            QuorumRule::MoreThan => product / denominator + 1,
            QuorumRule::AtLeast => (product + denominator - 1) / denominator,
        };
        needed.max(1)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SittingStatus {
    Draft,
    Open,
    Closed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Sitting {
    pub id: i64,
    pub name: String,
    pub quorum_numerator: i64,
    pub quorum_denominator: i64,
    pub quorum_rule: QuorumRule,
    pub status: SittingStatus,
    pub opened_at: Option<i64>,
    pub closed_at: Option<i64>,
}

fn from_row(r: &AnyRow) -> Result<Sitting, StoreError> {
    let rule: String = r.try_get("quorum_rule")?;
    let status: String = r.try_get("status")?;
    Ok(Sitting {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        quorum_numerator: r.try_get("quorum_num")?,
        quorum_denominator: r.try_get("quorum_den")?,
        quorum_rule: if rule == "at_least" {
            QuorumRule::AtLeast
        } else {
            QuorumRule::MoreThan
        },
        status: match status.as_str() {
            "open" => SittingStatus::Open,
            "closed" => SittingStatus::Closed,
            _ => SittingStatus::Draft,
        },
        opened_at: r.try_get("opened_at")?,
        closed_at: r.try_get("closed_at")?,
    })
}

const SELECT: &str = "SELECT id, name, quorum_num, quorum_den, quorum_rule, status, opened_at, closed_at FROM sittings";

impl Store {
    pub async fn create_sitting(
        &self,
        name: &str,
        numerator: i64,
        denominator: i64,
        rule: QuorumRule,
    ) -> Result<Sitting, StoreError> {
        let id: i64 = sqlx::query(
            "INSERT INTO sittings (name, quorum_num, quorum_den, quorum_rule, status, created_at) VALUES ($1, $2, $3, $4, 'draft', $5) RETURNING id",
        )
        .bind(name)
        .bind(numerator)
        .bind(denominator)
        .bind(rule.as_str())
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
        sqlx::query("UPDATE sittings SET status = 'open', opened_at = $1 WHERE id = $2 AND status = 'draft'")
            .bind(now_ms())
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(|e| match StoreError::from(e) {
                StoreError::Conflict(_) => StoreError::Conflict("another sitting is open".into()),
                other => other,
            })?;
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
        sqlx::query("UPDATE sittings SET status = 'closed', closed_at = $1 WHERE id = $2 AND status = 'open'")
            .bind(now_ms())
            .bind(id)
            .execute(&self.pool)
            .await?;
        self.sitting(id)
            .await?
            .ok_or(StoreError::NotFound("sitting"))
    }
}

#[cfg(test)]
mod tests {
    use super::QuorumRule::*;

    #[test]
    fn quorum_arithmetic_on_the_edges() {
        // Exactly half of 100: "more than half" needs 51, "at least half" needs 50.
        assert_eq!(MoreThan.required(1, 2, 100), 51);
        assert_eq!(AtLeast.required(1, 2, 100), 50);
        // Odd counts: half of 101 is 50.5.
        assert_eq!(MoreThan.required(1, 2, 101), 51);
        assert_eq!(AtLeast.required(1, 2, 101), 51);
        // Two thirds of 10 is 6.67.
        assert_eq!(AtLeast.required(2, 3, 10), 7);
        assert_eq!(MoreThan.required(2, 3, 9), 7);
        assert_eq!(AtLeast.required(2, 3, 9), 6);
        // Nobody eligible: never reached.
        assert_eq!(MoreThan.required(1, 2, 0), 1);
        assert_eq!(AtLeast.required(1, 2, 0), 1);
        // Unanimity.
        assert_eq!(AtLeast.required(1, 1, 7), 7);
        assert_eq!(MoreThan.required(1, 1, 7), 8);
    }
}
