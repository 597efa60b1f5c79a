//! Template changes between servers sharing one PostgreSQL database: every transaction that changes
//! templates sends a NOTIFY (so listeners hear it only once the change is visible), and each server
//! listens for the others'. SQLite has one server and needs neither.

use std::time::Duration;

use sqlx::postgres::PgListener;

use crate::{DbKind, Store, StoreError};

/// The channel PostgreSQL servers listen on to learn that templates changed elsewhere.
pub const TEMPLATES_CHANNEL: &str = "rollcall_templates";

impl Store {
    /// Tells other servers that templates changed, in the changing transaction. The payload is this
    /// store's instance id, so that a server can skip its own changes (already applied in memory;
    /// reloading for them as well raced the in-memory update and could add a template twice).
    pub(crate) async fn notify_templates(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    ) -> Result<(), StoreError> {
        if self.kind == DbKind::Postgres {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(TEMPLATES_CHANNEL)
                .bind(&self.instance)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    /// Subscribes to template changes made by other stores (other servers, `rollcall templates
    /// rebuild`); `None` on SQLite. Subscribe before loading the gallery, so that no change falls
    /// between the load and the subscription.
    pub async fn template_changes(&self) -> Result<Option<TemplateChanges>, StoreError> {
        if self.kind != DbKind::Postgres {
            return Ok(None);
        }
        let mut listener = PgListener::connect(&self.url)
            .await
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        listener.listen(TEMPLATES_CHANNEL).await?;
        Ok(Some(TemplateChanges {
            listener,
            instance: self.instance.clone(),
        }))
    }
}

/// A subscription to other stores' template changes.
#[derive(Debug)]
pub struct TemplateChanges {
    listener: PgListener,
    instance: String,
}

impl TemplateChanges {
    /// Waits until another store changed templates. After a lost connection it reports a change
    /// too (notifications sent meanwhile are gone, so the caller should reload) and reconnects on
    /// the next call, retrying every two seconds while the database is away.
    pub async fn next(&mut self) {
        loop {
            match self.listener.try_recv().await {
                Ok(Some(note)) if note.payload() == self.instance => {}
                Ok(Some(_) | None) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "template listener cannot reconnect; retrying");
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
            }
        }
    }
}
