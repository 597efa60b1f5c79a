//! The recognizer's templates come from the store: loaded at start-up, and reloaded whenever
//! another server on the same PostgreSQL database changes them.

use rollcall_checkin::Recognizer;
use rollcall_store::{Store, TemplateChanges};

use crate::{AppState, StartError};

/// Replaces the recognizer's templates with the store's templates of `model_id`. A change this
/// server makes meanwhile (an enrolment, an erasure) is in the database before it is in memory, so
/// when one comes in during the read, the read is simply done again.
pub(crate) async fn load(
    store: &Store,
    recognizer: &Recognizer,
    model_id: &str,
) -> Result<usize, StartError> {
    loop {
        let generation = recognizer.generation();
        let templates = store.templates(model_id).await?;
        let rows = templates
            .iter()
            .map(|t| (t.delegate_id, t.embedding.as_slice()));
        if let Some(n) = recognizer.load_if_unchanged(generation, rows)? {
            return Ok(n);
        }
    }
}

/// Reloads the gallery after each change another server (or `rollcall templates rebuild`) makes.
pub(crate) fn follow(state: AppState, mut changes: TemplateChanges) {
    tokio::spawn(async move {
        loop {
            changes.next().await;
            match load(&state.store, &state.recognizer, &state.model_id).await {
                Ok(_) => state.gallery_changed(),
                Err(e) => tracing::warn!(error = %e, "gallery reload failed"),
            }
        }
    });
}
