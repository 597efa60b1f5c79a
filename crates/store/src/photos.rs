use rollcall_api::PhotoQuality;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{now_ms, Store, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct PhotoRecord {
    pub id: i64,
    pub delegate_id: i64,
    pub quality: PhotoQuality,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TemplateRecord {
    pub id: i64,
    pub delegate_id: i64,
    pub photo_id: i64,
    pub embedding: Vec<f32>,
}

fn to_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn from_bytes(b: &[u8]) -> Vec<f32> {
    b.chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

impl Store {
    /// Stores an enrolment photo and its template in one transaction.
    pub async fn add_photo(
        &self,
        delegate_id: i64,
        image: &[u8],
        quality: &PhotoQuality,
        model: &str,
        embedding: &[f32],
    ) -> Result<(PhotoRecord, TemplateRecord), StoreError> {
        let mut tx = self.write_tx().await?;
        let exists = sqlx::query("SELECT id FROM delegates WHERE id = $1")
            .bind(delegate_id)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            return Err(StoreError::NotFound("delegate"));
        }
        let photo_id: i64 = sqlx::query(
            "INSERT INTO photos (delegate_id, image, quality, \
            created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(delegate_id)
        .bind(image.to_vec())
        .bind(serde_json::to_string(quality).map_err(|e| StoreError::Database(e.to_string()))?)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        let template_id: i64 = sqlx::query(
            "INSERT INTO templates (delegate_id, photo_id, model, embedding) VALUES \
                ($1, $2, $3, $4) RETURNING id",
        )
        .bind(delegate_id)
        .bind(photo_id)
        .bind(model)
        .bind(to_bytes(embedding))
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        sqlx::query("UPDATE delegates SET updated_at = $1 WHERE id = $2")
            .bind(now_ms())
            .bind(delegate_id)
            .execute(&mut *tx)
            .await?;
        self.notify_templates(&mut tx).await?;
        tx.commit().await?;
        Ok((
            PhotoRecord {
                id: photo_id,
                delegate_id,
                quality: *quality,
            },
            TemplateRecord {
                id: template_id,
                delegate_id,
                photo_id,
                embedding: embedding.to_vec(),
            },
        ))
    }

    /// Erases one photo and its template; false when the delegate has no such photo.
    pub async fn delete_photo(&self, delegate_id: i64, photo_id: i64) -> Result<bool, StoreError> {
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM templates WHERE photo_id = $1 AND delegate_id = $2")
            .bind(photo_id)
            .bind(delegate_id)
            .execute(&mut *tx)
            .await?;
        let r = sqlx::query("DELETE FROM photos WHERE id = $1 AND delegate_id = $2")
            .bind(photo_id)
            .bind(delegate_id)
            .execute(&mut *tx)
            .await?;
        self.notify_templates(&mut tx).await?;
        tx.commit().await?;
        self.scrub().await?;
        Ok(r.rows_affected() > 0)
    }

    pub async fn photos(&self, delegate_id: i64) -> Result<Vec<PhotoRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, delegate_id, quality FROM photos WHERE delegate_id = $1 ORDER BY id",
        )
        .bind(delegate_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let q: String = r.try_get("quality")?;
                Ok(PhotoRecord {
                    id: r.try_get("id")?,
                    delegate_id: r.try_get("delegate_id")?,
                    quality: serde_json::from_str(&q)
                        .map_err(|e| StoreError::Database(format!("photo quality: {e}")))?,
                })
            })
            .collect()
    }

    /// Every template of the given model (start-up loading of the gallery).
    pub async fn templates(&self, model: &str) -> Result<Vec<TemplateRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, delegate_id, photo_id, embedding FROM templates WHERE \
            model = $1 ORDER BY id",
        )
        .bind(model)
        .fetch_all(&self.pool)
        .await?;
        Self::template_rows(&rows)
    }

    /// Every stored photo as (photo id, delegate id), oldest first: re-embedding reads them one at a
    /// time rather than every image at once.
    pub async fn photo_ids(&self) -> Result<Vec<(i64, i64)>, StoreError> {
        let rows = sqlx::query("SELECT id, delegate_id FROM photos ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("delegate_id")?)))
            .collect()
    }

    /// A stored photo's image bytes.
    pub async fn photo_image(&self, photo_id: i64) -> Result<Option<Vec<u8>>, StoreError> {
        let row = sqlx::query("SELECT image FROM photos WHERE id = $1")
            .bind(photo_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(r) => Some(r.try_get("image")?),
            None => None,
        })
    }

    /// Makes `embedding` (of `model`) the photo's only template, telling other servers in the same
    /// transaction. Templates of other models go too: after a model change they match nothing, and a
    /// biometric template kept for no purpose should not be kept at all.
    pub async fn set_template(
        &self,
        photo_id: i64,
        delegate_id: i64,
        model: &str,
        embedding: &[f32],
    ) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM templates WHERE photo_id = $1")
            .bind(photo_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO templates (delegate_id, photo_id, model, embedding) VALUES ($1, $2, $3, \
                $4)",
        )
        .bind(delegate_id)
        .bind(photo_id)
        .bind(model)
        .bind(to_bytes(embedding))
        .execute(&mut *tx)
        .await?;
        self.notify_templates(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// One delegate's templates of `model`.
    pub async fn delegate_templates(
        &self,
        delegate_id: i64,
        model: &str,
    ) -> Result<Vec<TemplateRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, delegate_id, photo_id, embedding FROM templates WHERE \
            model = $1 AND delegate_id = $2 ORDER BY id",
        )
        .bind(model)
        .bind(delegate_id)
        .fetch_all(&self.pool)
        .await?;
        Self::template_rows(&rows)
    }

    fn template_rows(rows: &[AnyRow]) -> Result<Vec<TemplateRecord>, StoreError> {
        rows.iter()
            .map(|r| {
                let b: Vec<u8> = r.try_get("embedding")?;
                Ok(TemplateRecord {
                    id: r.try_get("id")?,
                    delegate_id: r.try_get("delegate_id")?,
                    photo_id: r.try_get("photo_id")?,
                    embedding: from_bytes(&b),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embeddings_round_trip_through_bytes() {
        let v = vec![0.5f32, -1.25, f32::MIN_POSITIVE, 3.0e-8];
        assert_eq!(from_bytes(&to_bytes(&v)), v);
    }
}
