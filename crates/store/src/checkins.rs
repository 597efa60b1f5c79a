use rollcall_api::{
    CheckinRecord, DelegateRef, DelegationCount, KioskDirection, Movement, Sitting, SittingStatus,
};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{Store, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub enum CheckinOutcome {
    New(CheckinRecord),
    Already(CheckinRecord),
}

/// How a passage after the check-in ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoveOutcome {
    /// Recorded: the delegate is now where the passage took them.
    Moved,
    /// They were there already (another kiosk or the desk was first).
    Already,
    /// No check-in for this sitting: nothing to move.
    NotCheckedIn,
}

/// One passage to record: who, which way, how, by whom, when.
#[derive(Debug, Clone, Copy)]
pub struct Passing<'a> {
    pub sitting_id: i64,
    pub delegate_id: i64,
    /// `Entrance`: back in the hall; `Exit`: out of it.
    pub direction: KioskDirection,
    /// `kiosk` or `manual`.
    pub method: &'a str,
    pub reason: Option<&'a str>,
    pub actor: &'a str,
    pub at_ms: i64,
}

const SELECT: &str =
    "SELECT c.delegate_id, d.full_name, d.delegation, c.method, c.score, c.checked_in_at, \
        c.in_hall, CASE WHEN r.delegate_id IS NULL THEN 0 ELSE 1 END AS on_roll \
     FROM checkins c JOIN delegates d ON d.id = c.delegate_id \
     LEFT JOIN sitting_roll r ON r.sitting_id = c.sitting_id AND r.delegate_id = c.delegate_id";

fn from_row(r: &AnyRow) -> Result<CheckinRecord, StoreError> {
    Ok(CheckinRecord {
        delegate_id: r.try_get("delegate_id")?,
        full_name: r.try_get("full_name")?,
        delegation: r.try_get("delegation")?,
        method: r.try_get("method")?,
        score: r.try_get("score")?,
        checked_in_at: r.try_get("checked_in_at")?,
        in_hall: r.try_get::<i64, _>("in_hall")? != 0,
        on_roll: r.try_get::<i64, _>("on_roll")? != 0,
    })
}

impl Store {
    /// Records a check-in once, with its audit entry (`checkin.<method>`, subject the delegate,
    /// `sitting:<id>` and `detail`) in the same transaction: a check-in without its entry, or an
    /// entry without its check-in, cannot be left behind by a crash or a failing database. A second
    /// check-in for the same delegate and sitting writes nothing and returns the first. Committed
    /// before this returns, so an acknowledged check-in survives a crash.
    #[allow(clippy::too_many_arguments)]
    pub async fn check_in(
        &self,
        sitting_id: i64,
        delegate_id: i64,
        method: &str,
        score: Option<f64>,
        reason: Option<&str>,
        actor: &str,
        at_ms: i64,
        detail: &str,
    ) -> Result<CheckinOutcome, StoreError> {
        if self.delegate(delegate_id).await?.is_none() {
            return Err(StoreError::NotFound("delegate"));
        }
        // Absent values are written as SQL NULL literals rather than bound: through the Any driver a
        // bound NULL reaches PostgreSQL as an integer, the connection caches the statement prepared
        // that way, and a later real score in the same position is refused ("incorrect binary data
        // format"). Test: check_ins_with_and_without_score_and_reason_mix_freely.
        let score_sql = if score.is_some() { "$4" } else { "NULL" };
        let reason_sql = match (score.is_some(), reason.is_some()) {
            (true, true) => "$5",
            (false, true) => "$4",
            (_, false) => "NULL",
        };
        let next = 4 + score.is_some() as usize + reason.is_some() as usize;
        let sql = format!(
            "INSERT INTO checkins \
             (sitting_id, delegate_id, method, score, reason, actor, checked_in_at) \
             VALUES ($1, $2, $3, {score_sql}, {reason_sql}, ${next}, ${}) \
             ON CONFLICT (sitting_id, delegate_id) DO NOTHING",
            next + 1
        );
        let mut q = sqlx::query(&sql)
            .bind(sitting_id)
            .bind(delegate_id)
            .bind(method);
        if let Some(score) = score {
            q = q.bind(score);
        }
        if let Some(reason) = reason {
            q = q.bind(reason);
        }
        let mut tx = self.write_tx().await?;
        let r = q.bind(actor).bind(at_ms).execute(&mut *tx).await?;
        let new = r.rows_affected() > 0;
        if new {
            let detail = format!("sitting:{sitting_id} {detail}");
            self.append(
                &mut tx,
                actor,
                &format!("checkin.{method}"),
                &format!("delegate:{delegate_id}"),
                detail.trim_end(),
            )
            .await?;
        }
        let record = sqlx::query(&format!(
            "{SELECT} WHERE c.sitting_id = $1 AND c.delegate_id = $2"
        ))
        .bind(sitting_id)
        .bind(delegate_id)
        .fetch_one(&mut *tx)
        .await?;
        let record = from_row(&record)?;
        tx.commit().await?;
        Ok(if new {
            CheckinOutcome::New(record)
        } else {
            CheckinOutcome::Already(record)
        })
    }

    /// Takes a check-in back (a correction), with the passages recorded after it: they were the
    /// same mistaken person's.
    pub async fn remove_checkin(
        &self,
        sitting_id: i64,
        delegate_id: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write_tx().await?;
        let r = sqlx::query("DELETE FROM checkins WHERE sitting_id = $1 AND delegate_id = $2")
            .bind(sitting_id)
            .bind(delegate_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM movements WHERE sitting_id = $1 AND delegate_id = $2")
            .bind(sitting_id)
            .bind(delegate_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(r.rows_affected() > 0)
    }

    /// Where the delegate stands in the (open) sitting: `None` without a check-in, else whether
    /// they are in the hall (`rollcall_checkin::Presence::from_row` names the three cases).
    pub async fn in_hall(
        &self,
        sitting_id: i64,
        delegate_id: i64,
    ) -> Result<Option<bool>, StoreError> {
        let row =
            sqlx::query("SELECT in_hall FROM checkins WHERE sitting_id = $1 AND delegate_id = $2")
                .bind(sitting_id)
                .bind(delegate_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row
            .map(|r| r.try_get::<i64, _>("in_hall").map(|v| v != 0))
            .transpose()?)
    }

    /// Records a passage of a checked-in delegate: out of the hall, or back in. The change and its
    /// movement row are written together, and only when the delegate was on the other side, so
    /// two kiosks (or a kiosk and the desk) seeing the same passage record it once.
    pub async fn record_passage(&self, p: Passing<'_>) -> Result<MoveOutcome, StoreError> {
        let to_hall = i64::from(p.direction == KioskDirection::Entrance);
        let mut tx = self.write_tx().await?;
        let changed = sqlx::query(
            "UPDATE checkins SET in_hall = $1 \
             WHERE sitting_id = $2 AND delegate_id = $3 AND in_hall <> $1",
        )
        .bind(to_hall)
        .bind(p.sitting_id)
        .bind(p.delegate_id)
        .execute(&mut *tx)
        .await?;
        if changed.rows_affected() == 0 {
            let exists = sqlx::query(
                "SELECT 1 AS one FROM checkins WHERE sitting_id = $1 AND delegate_id = $2",
            )
            .bind(p.sitting_id)
            .bind(p.delegate_id)
            .fetch_optional(&mut *tx)
            .await?;
            tx.commit().await?;
            return Ok(if exists.is_some() {
                MoveOutcome::Already
            } else {
                MoveOutcome::NotCheckedIn
            });
        }
        // An absent reason is a NULL literal, not bound (see `check_in` for why).
        let sql = format!(
            "INSERT INTO movements (sitting_id, delegate_id, direction, method, actor, at, reason) \
             VALUES ($1, $2, $3, $4, $5, $6, {})",
            if p.reason.is_some() { "$7" } else { "NULL" }
        );
        let mut q = sqlx::query(&sql)
            .bind(p.sitting_id)
            .bind(p.delegate_id)
            .bind(p.direction.as_str())
            .bind(p.method)
            .bind(p.actor)
            .bind(p.at_ms);
        if let Some(reason) = p.reason {
            q = q.bind(reason);
        }
        q.execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(MoveOutcome::Moved)
    }

    /// The sitting's passages after check-ins (out and back in), in the order they happened.
    pub async fn movements(&self, sitting_id: i64) -> Result<Vec<Movement>, StoreError> {
        sqlx::query(
            "SELECT delegate_id, direction, method, at FROM movements WHERE sitting_id = $1 \
             ORDER BY at, id",
        )
        .bind(sitting_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            let direction: String = r.try_get("direction")?;
            Ok(Movement {
                delegate_id: r.try_get("delegate_id")?,
                direction: KioskDirection::parse(&direction).ok_or_else(|| {
                    StoreError::Database(format!("unknown direction {direction:?}"))
                })?,
                method: r.try_get("method")?,
                at: r.try_get("at")?,
            })
        })
        .collect()
    }

    /// Per delegation: eligible delegates and how many of them are present. A draft sitting
    /// previews today's eligible delegates; an open one counts its roll against its check-ins; a
    /// closed one its roll against its record (the check-ins at closing, with amendments).
    /// The delegates expected at `sitting` who have not arrived: on its roll (before opening, every
    /// eligible delegate) with no check-in (after closing, none in its record). Erased delegates,
    /// whom nobody can look for, are left out.
    pub async fn not_arrived(&self, sitting: &Sitting) -> Result<Vec<DelegateRef>, StoreError> {
        // Before opening, every eligible delegate is expected; then the roll, checked against
        // the live check-ins (open) or the frozen record (closed).
        let sql =
            match sitting.status {
                SittingStatus::Draft => "SELECT d.id, d.full_name, d.delegation FROM delegates d \
                 LEFT JOIN checkins c ON c.delegate_id = d.id AND c.sitting_id = $1 \
                 WHERE d.eligible = 1 AND c.delegate_id IS NULL"
                    .to_string(),
                status => {
                    format!(
                "SELECT r.delegate_id AS id, d.full_name, r.delegation FROM sitting_roll r \
                 JOIN delegates d ON d.id = r.delegate_id \
                 LEFT JOIN {} c ON c.delegate_id = r.delegate_id AND c.sitting_id = r.sitting_id \
                 WHERE r.sitting_id = $1 AND c.delegate_id IS NULL",
                if status == SittingStatus::Open { "checkins" } else { "sitting_record" }
            )
                }
            };
        sqlx::query(&sql)
            .bind(sitting.id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(DelegateRef {
                    id: r.try_get("id")?,
                    full_name: r.try_get("full_name")?,
                    delegation: r.try_get("delegation")?,
                })
            })
            .collect()
    }

    pub async fn delegation_counts(
        &self,
        sitting: &Sitting,
    ) -> Result<Vec<DelegationCount>, StoreError> {
        let sql = match sitting.status {
            SittingStatus::Draft => {
                "SELECT d.delegation AS delegation, COUNT(*) AS eligible, COUNT(c.delegate_id) \
                    AS present, COUNT(CASE WHEN c.in_hall = 1 THEN 1 END) AS in_hall \
                 FROM delegates d LEFT JOIN checkins c ON c.delegate_id = d.id \
                    AND c.sitting_id = $1 \
                 WHERE d.eligible = 1 GROUP BY d.delegation ORDER BY d.delegation"
            }
            SittingStatus::Open => {
                "SELECT r.delegation AS delegation, COUNT(*) AS eligible, COUNT(c.delegate_id) \
                    AS present, COUNT(CASE WHEN c.in_hall = 1 THEN 1 END) AS in_hall \
                 FROM sitting_roll r LEFT JOIN checkins c ON c.delegate_id = r.delegate_id \
                    AND c.sitting_id = r.sitting_id \
                 WHERE r.sitting_id = $1 GROUP BY r.delegation ORDER BY r.delegation"
            }
            SittingStatus::Closed => {
                "SELECT r.delegation AS delegation, COUNT(*) AS eligible, COUNT(c.delegate_id) \
                    AS present, COUNT(CASE WHEN c.in_hall = 1 THEN 1 END) AS in_hall \
                 FROM sitting_roll r LEFT JOIN sitting_record c \
                    ON c.delegate_id = r.delegate_id AND c.sitting_id = r.sitting_id \
                 WHERE r.sitting_id = $1 GROUP BY r.delegation ORDER BY r.delegation"
            }
        };
        let rows = sqlx::query(sql)
            .bind(sitting.id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(DelegationCount {
                    delegation: r.try_get("delegation")?,
                    eligible: r.try_get("eligible")?,
                    present: r.try_get("present")?,
                    in_hall: r.try_get("in_hall")?,
                })
            })
            .collect()
    }

    /// The sitting's check-ins, in the order they happened; for a closed sitting, its record (a
    /// delegate erased since shows without a name).
    pub async fn checkins(&self, sitting: &Sitting) -> Result<Vec<CheckinRecord>, StoreError> {
        let sql = if sitting.status == SittingStatus::Closed {
            "SELECT c.delegate_id, COALESCE(d.full_name, '') AS full_name, \
                COALESCE(r.delegation, d.delegation, '') AS delegation, c.method, c.score, \
                c.checked_in_at, c.in_hall, \
                CASE WHEN r.delegate_id IS NULL THEN 0 ELSE 1 END AS on_roll \
             FROM sitting_record c \
             LEFT JOIN delegates d ON d.id = c.delegate_id \
             LEFT JOIN sitting_roll r ON r.sitting_id = c.sitting_id \
                AND r.delegate_id = c.delegate_id \
             WHERE c.sitting_id = $1 ORDER BY c.checked_in_at, c.delegate_id"
                .to_string()
        } else {
            format!("{SELECT} WHERE c.sitting_id = $1 ORDER BY c.checked_in_at, c.id")
        };
        sqlx::query(&sql)
            .bind(sitting.id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(from_row)
            .collect()
    }
}
