use rollcall_api::{Delegate, DelegatePatch, NewDelegate};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{now_ms, Store, StoreError};

/// The folded text a search runs over: name, delegation and external id.
fn search_key(full_name: &str, delegation: &str, external_id: &str) -> String {
    rollcall_names::search_key(&format!("{full_name} | {delegation} | {external_id}"))
}

/// Delegates in the order lists show them: Vietnamese collation, given name first.
fn sort_by_name(delegates: &mut [Delegate]) {
    let order = rollcall_names::NameOrder::new();
    delegates.sort_by(|a, b| {
        order
            .compare(&a.full_name, &b.full_name)
            .then(a.id.cmp(&b.id))
    });
}

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
    /// Creates a delegate; the name and delegation are stored in NFC with tidy spaces.
    pub async fn create_delegate(&self, d: &NewDelegate) -> Result<Delegate, StoreError> {
        let now = now_ms();
        let full_name = rollcall_names::normalize(&d.full_name);
        let delegation = rollcall_names::normalize(&d.delegation);
        let row = sqlx::query(
            "INSERT INTO delegates (external_id, full_name, delegation, eligible, created_at, \
                updated_at, search_key) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(&d.external_id)
        .bind(&full_name)
        .bind(&delegation)
        .bind(d.eligible as i64)
        .bind(now)
        .bind(now)
        .bind(search_key(&full_name, &delegation, &d.external_id))
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

    /// All delegates, or those whose name, delegation or external id contains `search`, ignoring
    /// case and diacritics ("nguyen" finds "Nguyễn", "dang" finds "Đặng"); in Vietnamese
    /// alphabetical order by given name, those that match with the query's own diacritics first.
    pub async fn delegates(&self, search: Option<&str>) -> Result<Vec<Delegate>, StoreError> {
        let folded = search.map(rollcall_names::search_key).unwrap_or_default();
        let rows = if folded.is_empty() {
            sqlx::query(SELECT).fetch_all(&self.pool).await?
        } else {
            let pattern = format!(
                "%{}%",
                folded
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            );
            sqlx::query(&format!("{SELECT} WHERE d.search_key LIKE $1 ESCAPE '\\'"))
                .bind(pattern)
                .fetch_all(&self.pool)
                .await?
        };
        let mut delegates = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
        sort_by_name(&mut delegates);
        if let Some(q) = search {
            // Typed with its diacritics ("Đỗ"), a query's exact matches come first ("Đỗ Mười"
            // before every "Đoàn đại biểu ..."); the sort is stable, so each part stays in order.
            let exact = rollcall_names::normalize(q).to_lowercase();
            delegates.sort_by_key(|d| {
                let text = format!("{} | {} | {}", d.full_name, d.delegation, d.external_id);
                !text.to_lowercase().contains(&exact)
            });
        }
        Ok(delegates)
    }

    /// Keys the rows stored before names were searched by key (and puts their names in NFC):
    /// once, at start-up, for rows whose key is empty.
    pub(crate) async fn key_unkeyed_names(&self) -> Result<usize, StoreError> {
        let rows = sqlx::query(
            "SELECT id, external_id, full_name, delegation FROM delegates WHERE search_key = ''",
        )
        .fetch_all(&self.pool)
        .await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let mut tx = self.write_tx().await?;
        for r in &rows {
            let id: i64 = r.try_get("id")?;
            let external_id: String = r.try_get("external_id")?;
            let full_name = rollcall_names::normalize(&r.try_get::<String, _>("full_name")?);
            let delegation = rollcall_names::normalize(&r.try_get::<String, _>("delegation")?);
            sqlx::query(
                "UPDATE delegates SET full_name = $1, delegation = $2, search_key = $3 \
                 WHERE id = $4",
            )
            .bind(&full_name)
            .bind(&delegation)
            .bind(search_key(&full_name, &delegation, &external_id))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(rows.len())
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
        let full_name =
            rollcall_names::normalize(patch.full_name.as_deref().unwrap_or(&current.full_name));
        let delegation =
            rollcall_names::normalize(patch.delegation.as_deref().unwrap_or(&current.delegation));
        sqlx::query(
            "UPDATE delegates SET external_id = $1, full_name = $2, delegation = $3, eligible = \
                $4, updated_at = $5, search_key = $6 WHERE id = $7",
        )
        .bind(&external_id)
        .bind(&full_name)
        .bind(&delegation)
        .bind(patch.eligible.unwrap_or(current.eligible) as i64)
        .bind(now_ms())
        .bind(search_key(&full_name, &delegation, &external_id))
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
        // Reasons given about them: their digests stay in the chain, unlinkable without the salt.
        sqlx::query("DELETE FROM reasons WHERE delegate_id = $1")
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
