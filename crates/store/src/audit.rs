use crate::{now_ms, Store, StoreError};

impl Store {
    /// Records an action. Callers pass identifiers and reason codes only: never names, photos or
    /// templates, so the audit trail survives erasure without keeping personal data.
    pub async fn audit(
        &self,
        actor: &str,
        action: &str,
        subject: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO audit (at, actor, action, subject, detail) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(now_ms())
        .bind(actor)
        .bind(action)
        .bind(subject)
        .bind(detail)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The newest audit entries, newest first: (at, actor, action, subject, detail).
    pub async fn audit_log(
        &self,
        limit: i64,
    ) -> Result<Vec<(i64, String, String, String, String)>, StoreError> {
        use sqlx::Row;
        let rows = sqlx::query(
            "SELECT at, actor, action, subject, detail FROM audit ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("at")?,
                    r.try_get("actor")?,
                    r.try_get("action")?,
                    r.try_get("subject")?,
                    r.try_get("detail")?,
                ))
            })
            .collect()
    }
}
