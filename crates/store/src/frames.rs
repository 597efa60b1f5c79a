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

    /// Keeps the answer; a concurrent duplicate keeps the first one stored and gets it back.
    pub async fn save_frame_response(
        &self,
        token_id: i64,
        kiosk_frame_id: &str,
        response: &str,
    ) -> Result<String, StoreError> {
        sqlx::query(
            "INSERT INTO kiosk_frames (token_id, kiosk_frame_id, response, created_at) VALUES \
                ($1, $2, $3, $4) \
             ON CONFLICT (token_id, kiosk_frame_id) DO NOTHING",
        )
        .bind(token_id)
        .bind(kiosk_frame_id)
        .bind(response)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(self
            .frame_response(token_id, kiosk_frame_id)
            .await?
            .unwrap_or_else(|| response.to_string()))
    }
}
