use sqlx::Row;

use crate::{now_ms, Store, StoreError};

impl Store {
    /// The answer already given to this kiosk for this frame, if any (idempotent retries).
    pub async fn frame_response(
        &self,
        token_id: i64,
        kiosk_frame_id: &str,
    ) -> Result<Option<String>, StoreError> {
        let row = sqlx::query(
            "SELECT response FROM kiosk_frames WHERE token_id = $1 AND kiosk_frame_id = $2",
        )
        .bind(token_id)
        .bind(kiosk_frame_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| r.try_get("response").map_err(StoreError::from))
            .transpose()
    }

    /// Keeps the answer, with the ids of the delegates it names (so that erasing one of them
    /// removes it); a concurrent duplicate keeps the first one stored and gets it back.
    pub async fn save_frame_response(
        &self,
        token_id: i64,
        kiosk_frame_id: &str,
        response: &str,
        names: &[i64],
    ) -> Result<String, StoreError> {
        let delegates: String = names.iter().map(|id| format!(",{id}")).collect();
        let delegates = if delegates.is_empty() {
            delegates
        } else {
            format!("{delegates},")
        };
        sqlx::query(
            "INSERT INTO kiosk_frames (token_id, kiosk_frame_id, response, created_at, delegates) \
                VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (token_id, kiosk_frame_id) DO NOTHING",
        )
        .bind(token_id)
        .bind(kiosk_frame_id)
        .bind(response)
        .bind(now_ms())
        .bind(delegates)
        .execute(&self.pool)
        .await?;
        Ok(self
            .frame_response(token_id, kiosk_frame_id)
            .await?
            .unwrap_or_else(|| response.to_string()))
    }
}
