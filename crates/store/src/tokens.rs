use rollcall_api::KioskDirection;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{now_ms, Store, StoreError};

/// A token as stored: never the secret, which is shown once and kept only as its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    pub id: i64,
    pub name: String,
    pub role: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// A kiosk token's direction.
    pub direction: Option<KioskDirection>,
}

impl TokenRecord {
    /// Whether the token may be used at `now` (Unix ms): not revoked, not expired.
    pub fn is_active(&self, now: i64) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| e > now)
    }

    /// Whether a use at `now` (Unix ms) should write `last_used_at` again.
    pub fn last_use_is_stale(&self, now: i64) -> bool {
        self.last_used_at
            .is_none_or(|t| t < now - LAST_USED_RESOLUTION_MS)
    }
}

/// How stale `last_used_at` may get before a use writes it again: a kiosk authenticates every
/// frame, and one write a minute per token is enough to say when it was last seen.
const LAST_USED_RESOLUTION_MS: i64 = 60_000;

const SELECT: &str = "SELECT id, name, role, created_at, expires_at, last_used_at, revoked_at, \
    direction FROM tokens";

fn from_row(r: &AnyRow) -> Result<TokenRecord, StoreError> {
    let direction: Option<String> = r.try_get("direction")?;
    Ok(TokenRecord {
        direction: direction
            .map(|d| {
                KioskDirection::parse(&d)
                    .ok_or_else(|| StoreError::Database(format!("unknown direction {d:?}")))
            })
            .transpose()?,
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        role: r.try_get("role")?,
        created_at: r.try_get("created_at")?,
        expires_at: r.try_get("expires_at")?,
        last_used_at: r.try_get("last_used_at")?,
        revoked_at: r.try_get("revoked_at")?,
    })
}

impl Store {
    /// Stores a token by its hash (the secret itself is never stored); `expires_at` in Unix ms.
    /// A kiosk token faces the entrance unless told otherwise; other roles have no direction.
    pub async fn create_token(
        &self,
        name: &str,
        role: &str,
        hash: &str,
        expires_at: Option<i64>,
        direction: Option<KioskDirection>,
    ) -> Result<TokenRecord, StoreError> {
        let direction = (role == "kiosk").then(|| direction.unwrap_or_default());
        // Absent values are written as NULL literals, not bound (see `check_in` for why).
        let direction_sql = if direction.is_some() { "$5" } else { "NULL" };
        let expires_sql = match (direction.is_some(), expires_at.is_some()) {
            (_, false) => "NULL",
            (true, true) => "$6",
            (false, true) => "$5",
        };
        let sql = format!(
            "INSERT INTO tokens (name, role, hash, created_at, direction, expires_at) \
             VALUES ($1, $2, $3, $4, {direction_sql}, {expires_sql}) RETURNING id"
        );
        let mut q = sqlx::query(&sql)
            .bind(name)
            .bind(role)
            .bind(hash)
            .bind(now_ms());
        if let Some(d) = direction {
            q = q.bind(d.as_str());
        }
        if let Some(e) = expires_at {
            q = q.bind(e);
        }
        let id: i64 = q.fetch_one(&self.pool).await?.try_get("id")?;
        self.token(id).await?.ok_or(StoreError::NotFound("token"))
    }

    /// The active token with this hash (not revoked, not expired). A read only: recording the use
    /// ([`Store::touch_token`]) is the caller's, so that authentication never waits for a write.
    pub async fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRecord>, StoreError> {
        let row = sqlx::query(&format!("{SELECT} WHERE hash = $1"))
            .bind(hash)
            .fetch_optional(&self.pool)
            .await?;
        let Some(record) = row.as_ref().map(from_row).transpose()? else {
            return Ok(None);
        };
        let now = now_ms();
        if !record.is_active(now) {
            return Ok(None);
        }
        Ok(Some(record))
    }

    /// Records that a token was used now, when its last recorded use is older than a minute;
    /// true when it wrote.
    pub async fn touch_token(&self, record: &TokenRecord) -> Result<bool, StoreError> {
        let now = now_ms();
        if !record.last_use_is_stale(now) {
            return Ok(false);
        }
        sqlx::query("UPDATE tokens SET last_used_at = $1 WHERE id = $2")
            .bind(now)
            .bind(record.id)
            .execute(&self.pool)
            .await?;
        Ok(true)
    }

    pub async fn token(&self, id: i64) -> Result<Option<TokenRecord>, StoreError> {
        let row = sqlx::query(&format!("{SELECT} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Every token, revoked and expired ones included, newest first.
    pub async fn tokens(&self) -> Result<Vec<TokenRecord>, StoreError> {
        sqlx::query(&format!("{SELECT} ORDER BY id DESC"))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(from_row)
            .collect()
    }

    pub async fn count_tokens(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM tokens")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("n")?)
    }

    /// Revokes a token; false when it is unknown or already revoked.
    pub async fn revoke_token(&self, id: i64) -> Result<bool, StoreError> {
        let r =
            sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(now_ms())
                .bind(id)
                .execute(&self.pool)
                .await?;
        Ok(r.rows_affected() > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_use_is_written_at_most_once_a_resolution() {
        let mut t = TokenRecord {
            id: 1,
            name: "door A".into(),
            role: "kiosk".into(),
            created_at: 0,
            expires_at: None,
            last_used_at: None,
            revoked_at: None,
            direction: Some(KioskDirection::Entrance),
        };
        assert!(t.last_use_is_stale(1_000), "never used");
        t.last_used_at = Some(1_000);
        assert!(!t.last_use_is_stale(1_000 + LAST_USED_RESOLUTION_MS));
        assert!(t.last_use_is_stale(1_001 + LAST_USED_RESOLUTION_MS));
    }
}
