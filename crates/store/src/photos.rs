use rollcall_api::PhotoQuality;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::sealing::{DataKeys, Sealed};
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
        let keys = self.keys()?;
        let (key_id, sealed_image) = keys.seal(Sealed::Photo, delegate_id, image);
        let photo_id: i64 = sqlx::query(
            "INSERT INTO photos (delegate_id, image, quality, created_at, key_id) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(delegate_id)
        .bind(sealed_image)
        .bind(serde_json::to_string(quality).map_err(|e| StoreError::Database(e.to_string()))?)
        .bind(now_ms())
        .bind(&key_id)
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        let (key_id, sealed_template) =
            keys.seal(Sealed::Template, delegate_id, &to_bytes(embedding));
        let template_id: i64 = sqlx::query(
            "INSERT INTO templates (delegate_id, photo_id, model, embedding, key_id) VALUES \
                ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(delegate_id)
        .bind(photo_id)
        .bind(model)
        .bind(sealed_template)
        .bind(&key_id)
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
            "SELECT id, delegate_id, photo_id, embedding, key_id FROM templates WHERE \
            model = $1 ORDER BY id",
        )
        .bind(model)
        .fetch_all(&self.pool)
        .await?;
        self.template_rows(&rows)
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

    /// A stored photo's image bytes, opened.
    pub async fn photo_image(&self, photo_id: i64) -> Result<Option<Vec<u8>>, StoreError> {
        let row = sqlx::query("SELECT delegate_id, image, key_id FROM photos WHERE id = $1")
            .bind(photo_id)
            .fetch_optional(&self.pool)
            .await?;
        let Some(r) = row else {
            return Ok(None);
        };
        let sealed: Vec<u8> = r.try_get("image")?;
        let key_id: String = r.try_get("key_id")?;
        Ok(Some(self.keys()?.open(
            Sealed::Photo,
            r.try_get("delegate_id")?,
            &key_id,
            &sealed,
        )?))
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
        let (key_id, sealed) =
            self.keys()?
                .seal(Sealed::Template, delegate_id, &to_bytes(embedding));
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM templates WHERE photo_id = $1")
            .bind(photo_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO templates (delegate_id, photo_id, model, embedding, key_id) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(delegate_id)
        .bind(photo_id)
        .bind(model)
        .bind(sealed)
        .bind(key_id)
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
            "SELECT id, delegate_id, photo_id, embedding, key_id FROM templates WHERE \
            model = $1 AND delegate_id = $2 ORDER BY id",
        )
        .bind(model)
        .bind(delegate_id)
        .fetch_all(&self.pool)
        .await?;
        self.template_rows(&rows)
    }

    fn template_rows(&self, rows: &[AnyRow]) -> Result<Vec<TemplateRecord>, StoreError> {
        let keys = self.keys()?;
        rows.iter()
            .map(|r| {
                let sealed: Vec<u8> = r.try_get("embedding")?;
                let key_id: String = r.try_get("key_id")?;
                let delegate_id = r.try_get("delegate_id")?;
                let b = keys.open(Sealed::Template, delegate_id, &key_id, &sealed)?;
                Ok(TemplateRecord {
                    id: r.try_get("id")?,
                    delegate_id,
                    photo_id: r.try_get("photo_id")?,
                    embedding: from_bytes(&b),
                })
            })
            .collect()
    }

    fn keys(&self) -> Result<&DataKeys, StoreError> {
        self.keys.as_deref().ok_or_else(|| {
            StoreError::Sealing("no data key is loaded: photos and templates stay sealed".into())
        })
    }

    /// Loads the data keys: every key the database's photos and templates are sealed with must be
    /// among them (else a clear error naming the missing keys), and rows stored before sealing
    /// existed are sealed now.
    pub async fn with_keys(mut self, keys: DataKeys) -> Result<Store, StoreError> {
        let used = sqlx::query(
            "SELECT DISTINCT key_id FROM photos UNION SELECT DISTINCT key_id FROM templates",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut missing = Vec::new();
        for r in &used {
            let id: String = r.try_get("key_id")?;
            if !id.is_empty() && !keys.ids().any(|k| k == id) {
                missing.push(id);
            }
        }
        if !missing.is_empty() {
            return Err(StoreError::UnknownDataKey {
                missing: missing.join(", "),
                loaded: keys.ids().collect::<Vec<_>>().join(", "),
            });
        }
        self.keys = Some(std::sync::Arc::new(keys));
        let sealed = self.reseal().await?;
        if sealed > 0 {
            tracing::info!(
                rows = sealed,
                "photos and templates sealed under the current key"
            );
        }
        Ok(self)
    }

    /// How many photos and templates each data key seals: (key id, photos, templates), by key id
    /// (an empty id: stored before sealing, plaintext).
    pub async fn sealed_counts(&self) -> Result<Vec<(String, i64, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT key_id, SUM(p) AS photos, SUM(t) AS templates FROM ( \
                SELECT key_id, 1 AS p, 0 AS t FROM photos \
                UNION ALL SELECT key_id, 0 AS p, 1 AS t FROM templates) AS sealed \
             GROUP BY key_id ORDER BY key_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("key_id")?,
                    r.try_get("photos")?,
                    r.try_get("templates")?,
                ))
            })
            .collect()
    }

    /// Seals every photo and template not sealed with the current key (plaintext rows from before
    /// sealing, rows of an older key after a rotation) with the current key, a batch of rows per
    /// transaction. Returns how many rows changed.
    pub async fn reseal(&self) -> Result<usize, StoreError> {
        let keys = self.keys()?;
        let current = keys.current().to_string();
        let mut changed = 0;
        for (table, column, what) in [
            ("photos", "image", Sealed::Photo),
            ("templates", "embedding", Sealed::Template),
        ] {
            loop {
                let rows = sqlx::query(&format!(
                    // Two ranges rather than `<>`, and no order, so that the key_id index
                    // answers: at every start, when nothing needs sealing, no photo is read.
                    // Each batch leaves the ranges, so the next one finds the rest.
                    "SELECT id, delegate_id, {column} AS value, key_id FROM {table} \
                     WHERE key_id < $1 OR key_id > $1 LIMIT 100"
                ))
                .bind(&current)
                .fetch_all(&self.pool)
                .await?;
                if rows.is_empty() {
                    break;
                }
                let mut tx = self.write_tx().await?;
                for r in &rows {
                    let id: i64 = r.try_get("id")?;
                    let delegate_id: i64 = r.try_get("delegate_id")?;
                    let value: Vec<u8> = r.try_get("value")?;
                    let key_id: String = r.try_get("key_id")?;
                    let plain = if key_id.is_empty() {
                        value
                    } else {
                        keys.open(what, delegate_id, &key_id, &value)?
                    };
                    let (new_key, sealed) = keys.seal(what, delegate_id, &plain);
                    sqlx::query(&format!(
                        "UPDATE {table} SET {column} = $1, key_id = $2 WHERE id = $3"
                    ))
                    .bind(sealed)
                    .bind(new_key)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                    changed += 1;
                }
                tx.commit().await?;
            }
        }
        if changed > 0 {
            // The plaintext (or the old key's) pages go the way erased ones do.
            self.scrub().await?;
        }
        Ok(changed)
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
