//! The bulk import: a roster CSV and a zip of photos named by external id. The zip arrives spooled
//! to an unnamed temporary file (`routes::body::spool`), so an import of hundreds of megabytes
//! costs the server one photo at a time in memory, not the archive; reading it is blocking file
//! work and runs off the async executor.

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use rollcall_api::{ImportReport, ImportRow, PhotoSource, RowStatus};
use rollcall_checkin::roster::{self, RosterError};

use super::enrol::{create_delegate, enrol_photo};
use crate::auth::Caller;
use crate::{AppError, AppState};

/// Photo files in the zip by external id (the file's stem); the first of a stem wins.
pub(crate) struct PhotoArchive {
    archive: Arc<Mutex<zip::ZipArchive<File>>>,
    /// External id -> (entry index, entry name).
    by_id: HashMap<String, (usize, String)>,
}

fn invalid_zip(e: impl std::fmt::Display) -> AppError {
    AppError::bad_request("invalid_zip", e.to_string())
}

fn is_photo(ext: &str) -> bool {
    matches!(
        ext.to_ascii_lowercase().as_str(),
        "jpg" | "jpeg" | "png" | "webp"
    )
}

impl PhotoArchive {
    /// Reads the zip's directory from `file` (its start is the zip's start).
    pub(crate) async fn open(file: File) -> Result<PhotoArchive, AppError> {
        let opened = tokio::task::spawn_blocking(move || {
            let archive = zip::ZipArchive::new(file).map_err(invalid_zip)?;
            let mut by_id = HashMap::new();
            // From the central directory alone: nothing is inflated until a row asks for it.
            // Only the last component of a name counts (nothing is ever written to disk).
            for i in 0..archive.len() {
                let Some(Ok(name)) = archive.name_for_index(i) else {
                    continue;
                };
                if name.ends_with('/') || name.contains('\0') {
                    continue;
                }
                let path = std::path::Path::new(name.as_ref());
                let stem = path.file_stem().and_then(|s| s.to_str());
                let ext = path.extension().and_then(|s| s.to_str()).unwrap_or("");
                if let Some(stem) = stem.filter(|_| is_photo(ext)) {
                    by_id
                        .entry(stem.to_string())
                        .or_insert_with(|| (i, name.to_string()));
                }
            }
            Ok(PhotoArchive {
                archive: Arc::new(Mutex::new(archive)),
                by_id,
            })
        });
        opened
            .await
            .map_err(|e| AppError::Internal(format!("reading the zip: {e}")))?
    }

    /// The photo named after `external_id`, if any; a file over `max` bytes is refused before it
    /// is inflated (zip bombs).
    async fn photo(&self, external_id: &str, max: usize) -> Result<Option<Vec<u8>>, AppError> {
        let Some((i, name)) = self.by_id.get(external_id).cloned() else {
            return Ok(None);
        };
        let archive = Arc::clone(&self.archive);
        let read = tokio::task::spawn_blocking(move || {
            let mut archive = archive
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let mut file = archive.by_index(i).map_err(invalid_zip)?;
            let too_large = || {
                AppError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    format!("{name} is over {max} bytes"),
                )
            };
            if file.size() > max as u64 {
                return Err(too_large());
            }
            let mut out = Vec::with_capacity(file.size() as usize);
            (&mut file)
                .take(max as u64 + 1)
                .read_to_end(&mut out)
                .map_err(invalid_zip)?;
            if out.len() > max {
                return Err(too_large());
            }
            Ok(Some(out))
        });
        read.await
            .map_err(|e| AppError::Internal(format!("reading the zip: {e}")))?
    }
}

/// Each CSV row is created (or found, when the external id exists) and its photo from the zip goes
/// through the enrolment gate; every row is reported, and one bad row does not stop the others.
pub(crate) async fn import(
    state: &AppState,
    caller: &Caller,
    csv_text: &str,
    photos: Option<PhotoArchive>,
) -> Result<ImportReport, AppError> {
    let rows = roster::read_roster(csv_text.as_bytes()).map_err(|e| match e {
        RosterError::Header | RosterError::Csv(_) => {
            AppError::bad_request("invalid_csv", e.to_string())
        }
    })?;
    let mut report = ImportReport::default();
    for row in rows {
        let line = row.line;
        let external_id = row.external_id.clone();
        match import_row(state, caller, row, photos.as_ref(), &mut report).await {
            Ok(out) => report.rows.push(out),
            // A failure outside the row (the database busy or down, a bug) is reported on the
            // row, and the import goes on: a re-run picks the row up, since nothing is done twice.
            Err(e) => {
                let e = e.public();
                let mut out = ImportRow::new(line, external_id, RowStatus::Error);
                out.code = Some(e.code.to_string());
                out.message = Some(e.message);
                out.detail = e.detail;
                report.errors += 1;
                report.rows.push(out);
            }
        }
    }
    Ok(report)
}

/// One row of an import: its delegate created (or found) and its photo enrolled; the row's own
/// faults (a bad field, a refused photo) are in the returned row, anything else is an error.
async fn import_row(
    state: &AppState,
    caller: &Caller,
    row: roster::RosterRow,
    photos: Option<&PhotoArchive>,
    report: &mut ImportReport,
) -> Result<ImportRow, AppError> {
    let mut out = ImportRow::new(row.line, row.external_id.clone(), RowStatus::Error);
    let new = match row.delegate {
        Ok(new) => new,
        Err(e) => {
            report.errors += 1;
            out.code = Some(e.code().to_string());
            out.message = Some(e.to_string());
            return Ok(out);
        }
    };
    let delegate = match state
        .store
        .delegate_by_external_id(&new.external_id)
        .await?
    {
        Some(d) => {
            out.status = RowStatus::Exists;
            d
        }
        None => {
            let d = create_delegate(state, caller, &new, "import").await?;
            report.created += 1;
            out.status = RowStatus::Created;
            d
        }
    };
    out.delegate_id = Some(delegate.id);
    if delegate.photos > 0 {
        // A re-run of the same import: the delegate keeps the photos it has.
        out.photo = Some("already_enrolled".into());
        return Ok(out);
    }
    let image = match photos {
        Some(archive) => {
            archive
                .photo(&new.external_id, state.config.max_upload_bytes)
                .await
        }
        None => Ok(None),
    };
    let enrolled = match image {
        Ok(None) => {
            out.photo = Some("missing".into());
            return Ok(out);
        }
        Ok(Some(bytes)) => {
            enrol_photo(state, caller, &delegate, bytes, PhotoSource::File, true).await
        }
        Err(e) => Err(e),
    };
    match enrolled {
        Ok(accepted) => {
            report.enrolled += 1;
            out.photo = Some("enrolled".into());
            out.photo_id = Some(accepted.photo_id);
        }
        Err(AppError::Client {
            code,
            message,
            detail,
            ..
        }) => {
            report.errors += 1;
            out.photo = Some(code.to_string());
            out.message = Some(message);
            out.detail = detail;
        }
        Err(other) => return Err(other),
    }
    Ok(out)
}
