use rollcall_api::{Delegate, DelegatePatch, NewDelegate};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{now_ms, Store, StoreError};

const SELECT: &str = "SELECT d.id, d.external_id, d.full_name, d.delegation, d.eligible, \
     (SELECT COUNT(*) FROM photos p WHERE p.delegate_id = d.id) AS photos FROM delegates d";

fn from_row(r: &AnyRow) -> Result<Delegate, StoreError> {
    Ok(Delegate {
        id: r.try_get("id")?,
        external_id: r.try_get("external_id")?,
        full_name: r.try_get("full_name")?,
        delegation: r.try_get("delegation")?,
        eligible: r.try_get::<i64, _>("eligible")? != 0,
        photos: r.try_get("photos")?,
    })
}

fn unique_external_id(e: StoreError, external_id: &str) -> StoreError {
    match e {
        StoreError::Conflict(_) => {
            StoreError::Conflict(format!("external_id {external_id:?} is already taken"))
        }
        other => other,
    }
}

impl Store {
    pub async fn create_delegate(&self, d: &NewDelegate) -> Result<Delegate, StoreError> {
        let now = now_ms();
        let row = sqlx::query(
            "INSERT INTO delegates (external_id, full_name, delegation, eligible, created_at, \
                updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(&d.external_id)
        .bind(&d.full_name)
        .bind(&d.delegation)
        .bind(d.eligible as i64)
        .bind(now)
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .map_err(|e| unique_external_id(e.into(), &d.external_id))?;
        let id: i64 = row.try_get("id")?;
        self.delegate(id)
            .await?
            .ok_or(StoreError::NotFound("delegate"))
    }

    pub async fn delegate(&self, id: i64) -> Result<Option<Delegate>, StoreError> {
        let row = sqlx::query(&format!("{SELECT} WHERE d.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    pub async fn delegate_by_external_id(
        &self,
        external_id: &str,
    ) -> Result<Option<Delegate>, StoreError> {
        let row = sqlx::query(&format!("{SELECT} WHERE d.external_id = $1"))
            .bind(external_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// All delegates, or those whose name, delegation or external id contains `search` (case-insensitive).
    pub async fn delegates(&self, search: Option<&str>) -> Result<Vec<Delegate>, StoreError> {
        let rows = match search.filter(|s| !s.is_empty()) {
            Some(s) => {
                let pattern = format!(
                    "%{}%",
                    s.to_lowercase()
                        .replace('\\', "\\\\")
                        .replace('%', "\\%")
                        .replace('_', "\\_")
                );
                sqlx::query(&format!(
                    "{SELECT} WHERE LOWER(d.full_name) LIKE $1 ESCAPE '\\' OR LOWER(d.delegation) \
                        LIKE $1 ESCAPE '\\' \
                     OR LOWER(d.external_id) LIKE $1 ESCAPE '\\' ORDER BY d.full_name, d.id"
                ))
                .bind(pattern)
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(&format!("{SELECT} ORDER BY d.full_name, d.id"))
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        rows.iter().map(from_row).collect()
    }

    pub async fn update_delegate(
        &self,
        id: i64,
        patch: &DelegatePatch,
    ) -> Result<Delegate, StoreError> {
        let current = self
            .delegate(id)
            .await?
            .ok_or(StoreError::NotFound("delegate"))?;
        let external_id = patch.external_id.clone().unwrap_or(current.external_id);
        sqlx::query(
            "UPDATE delegates SET external_id = $1, full_name = $2, delegation = $3, eligible = \
                $4, updated_at = $5 WHERE id = $6",
        )
        .bind(&external_id)
        .bind(patch.full_name.clone().unwrap_or(current.full_name))
        .bind(patch.delegation.clone().unwrap_or(current.delegation))
        .bind(patch.eligible.unwrap_or(current.eligible) as i64)
        .bind(now_ms())
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(|e| unique_external_id(e.into(), &external_id))?;
        self.delegate(id)
            .await?
            .ok_or(StoreError::NotFound("delegate"))
    }

    /// Erases the delegate: photos, templates and check-ins go with the row (foreign keys cascade).
    /// Returns false when there was no such delegate.
    pub async fn delete_delegate(&self, id: i64) -> Result<bool, StoreError> {
        let mut tx = self.write_tx().await?;
        // Explicit deletes as well as the cascade, so erasure does not depend on a pragma being set.
        sqlx::query("DELETE FROM templates WHERE delegate_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM photos WHERE delegate_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM checkins WHERE delegate_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        // Kiosk answers that greeted them by name.
        sqlx::query("DELETE FROM kiosk_frames WHERE delegates LIKE $1")
            .bind(format!("%,{id},%"))
            .execute(&mut *tx)
            .await?;
        let r = sqlx::query("DELETE FROM delegates WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        self.notify_templates(&mut tx).await?;
        tx.commit().await?;
        self.scrub().await?;
        Ok(r.rows_affected() > 0)
    }
}
