//! Free-text reasons, out of what erasure cannot remove. Staff type reasons (a check-in taken back,
//! a delegate marked out by hand, a late addition to the roll), and a reason can name a person. The
//! audit chain cannot forget, so it records `reason:sha256:<hex>`, the SHA-256 of a random salt
//! and the text; the text and the salt are kept in `reasons` with the delegate they concern and
//! erased with that delegate. Once the salt is gone the digest cannot be tested against a guess
//! (a short reason could be, unsalted), and the chain still verifies (ARCHITECTURE.md, "Reasons").

use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::{now_ms, Store, StoreError};

/// The digest the chain records for `text` with `salt`.
fn digest(salt: &[u8], text: &str) -> String {
    let mut h = Sha256::new();
    h.update(salt);
    h.update(text.as_bytes());
    format!("sha256:{}", hex::encode(h.finalize()))
}

/// A reason kept: its text, and whether its salt and text still give the digest the chain holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptReason {
    pub delegate_id: i64,
    pub text: String,
    pub intact: bool,
}

impl Store {
    /// Keeps `text` for `delegate_id` inside the caller's transaction; returns the digest to put
    /// in the audit entry written in the same transaction.
    pub(crate) async fn keep_reason(
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        delegate_id: i64,
        text: &str,
    ) -> Result<String, StoreError> {
        let mut salt = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut salt);
        let d = digest(&salt, text);
        sqlx::query(
            "INSERT INTO reasons (delegate_id, digest, salt, text, at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(delegate_id)
        .bind(&d)
        .bind(hex::encode(salt))
        .bind(text)
        .bind(now_ms())
        .execute(&mut **tx)
        .await?;
        Ok(d)
    }

    /// Appends an audit entry about `delegate_id` whose detail is `detail` followed by
    /// `reason:<digest>`, and keeps the reason's text, in one transaction.
    pub async fn audit_with_reason(
        &self,
        actor: &str,
        action: &str,
        delegate_id: i64,
        detail: &str,
        reason: &str,
    ) -> Result<String, StoreError> {
        let mut tx = self.write_tx().await?;
        self.lock_chain(&mut tx).await?;
        let d = Self::keep_reason(&mut tx, delegate_id, reason).await?;
        self.append(
            &mut tx,
            actor,
            action,
            &format!("delegate:{delegate_id}"),
            &format!("{detail} reason:{d}"),
        )
        .await?;
        tx.commit().await?;
        Ok(d)
    }

    /// The reason a digest stands for, while its delegate is not erased.
    pub async fn reason(&self, digest_: &str) -> Result<Option<KeptReason>, StoreError> {
        let row = sqlx::query("SELECT delegate_id, salt, text FROM reasons WHERE digest = $1")
            .bind(digest_)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            let salt: String = r.try_get("salt")?;
            let text: String = r.try_get("text")?;
            let salt = hex::decode(&salt).map_err(|e| StoreError::Database(e.to_string()))?;
            Ok(KeptReason {
                delegate_id: r.try_get("delegate_id")?,
                intact: digest(&salt, &text) == digest_,
                text,
            })
        })
        .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::digest;

    #[test]
    fn the_digest_depends_on_the_salt_and_the_text() {
        let a = digest(&[1; 16], "delegate Nguyen Van A is in hospital");
        assert!(a.starts_with("sha256:") && a.len() == 7 + 64);
        assert_ne!(a, digest(&[2; 16], "delegate Nguyen Van A is in hospital"));
        assert_ne!(a, digest(&[1; 16], "delegate Nguyen Van B is in hospital"));
        assert_eq!(a, digest(&[1; 16], "delegate Nguyen Van A is in hospital"));
    }
}
