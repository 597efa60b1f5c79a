//! `rollcall enrol --csv F --photos DIR`: the bulk import from the command line, row by row through
//! the server's API (so every photo passes the same enrolment gate), with a progress bar. The CSV is
//! read by the same rules as `POST /delegates/import`.

use std::path::{Path, PathBuf};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use rollcall_api::NewDelegate;
use rollcall_checkin::roster::{read_roster, RosterRow};
use serde_json::json;

use crate::client::{Api, CallError};

#[derive(Debug, clap::Args)]
pub struct EnrolArgs {
    /// CSV with a header: external_id,full_name,delegation[,eligible]
    #[arg(long)]
    csv: PathBuf,
    /// Folder of photos named <external_id>.jpg|.jpeg|.png|.webp
    #[arg(long)]
    photos: Option<PathBuf>,
    /// Server base URL.
    #[arg(long, env = "ROLLCALL_SERVER", default_value = "http://127.0.0.1:8080")]
    server: String,
    /// A staff (or admin) token.
    #[arg(long, env = "ROLLCALL_TOKEN", hide_env_values = true)]
    token: String,
}

fn photo_for(dir: &Path, external_id: &str) -> Option<PathBuf> {
    ["jpg", "jpeg", "png", "webp", "JPG", "JPEG", "PNG", "WEBP"]
        .iter()
        .map(|e| dir.join(format!("{external_id}.{e}")))
        .find(|p| p.is_file())
}

/// A refused token stops the whole run: nothing else would be accepted either.
fn fatal(e: &CallError) -> Option<anyhow::Error> {
    match e {
        CallError::Refused {
            status: 401 | 403,
            error,
        } => Some(anyhow::anyhow!(
            "the server refused the token: {}",
            error.message
        )),
        CallError::Transport(e) => Some(anyhow::anyhow!("contacting the server: {e}")),
        CallError::Refused { .. } => None,
    }
}

#[derive(Debug, Default)]
struct Tally {
    created: usize,
    enrolled: usize,
    already_enrolled: usize,
    problems: Vec<String>,
}

/// The delegate a row names, created or (on a re-run) found; `None` when it already has a photo
/// or could not be created.
async fn delegate_for(
    api: &Api,
    new: &NewDelegate,
    line: usize,
    tally: &mut Tally,
) -> anyhow::Result<Option<i64>> {
    match api.create_delegate(new).await {
        Ok(d) => {
            tally.created += 1;
            Ok(Some(d.id))
        }
        Err(e) if e.status() == Some(409) => {
            // Already there (a re-run): its photo is enrolled again only if it has none yet.
            let found = api.delegates(&new.external_id).await?;
            match found.into_iter().find(|d| d.external_id == new.external_id) {
                Some(d) if d.photos > 0 => {
                    tally.already_enrolled += 1;
                    Ok(None)
                }
                Some(d) => Ok(Some(d.id)),
                None => Ok(None),
            }
        }
        Err(e) => match fatal(&e) {
            Some(f) => Err(f),
            None => {
                let code = e.code().unwrap_or("error");
                tally
                    .problems
                    .push(format!("row {line} ({}): {code}", new.external_id));
                Ok(None)
            }
        },
    }
}

/// Enrols the photo, waiting out a busy server.
async fn enrol_photo(
    api: &Api,
    id: i64,
    path: &Path,
    row: &str,
    tally: &mut Tally,
) -> anyhow::Result<()> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    loop {
        match api.add_photo(id, bytes.clone()).await {
            Ok(_) => tally.enrolled += 1,
            Err(e) if e.status() == Some(503) => {
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                continue;
            }
            Err(e) => {
                if let Some(f) = fatal(&e) {
                    return Err(f);
                }
                tally.problems.push(format!("{row}: photo {e}"));
            }
        }
        return Ok(());
    }
}

async fn enrol_rows(args: &EnrolArgs, rows: &[RosterRow]) -> anyhow::Result<Tally> {
    let api = Api::new(&args.server, &args.token);
    let bar = ProgressBar::new(rows.len() as u64).with_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:40}] {pos}/{len} delegates {msg}")
            .expect("valid template"),
    );
    let mut tally = Tally::default();
    for row in rows {
        bar.inc(1);
        let new = match &row.delegate {
            Ok(new) => new,
            Err(e) => {
                let who = row.external_id.as_deref().unwrap_or("?");
                tally
                    .problems
                    .push(format!("row {} ({who}): {}: {e}", row.line, e.code()));
                continue;
            }
        };
        let label = format!("row {} ({})", row.line, new.external_id);
        let id = delegate_for(&api, new, row.line, &mut tally).await?;
        if let (Some(id), Some(dir)) = (id, &args.photos) {
            match photo_for(dir, &new.external_id) {
                None => tally
                    .problems
                    .push(format!("{label}: no photo in {}", dir.display())),
                Some(path) => enrol_photo(&api, id, &path, &label, &mut tally).await?,
            }
        }
        bar.set_message(format!(
            "{} created, {} photos",
            tally.created, tally.enrolled
        ));
    }
    bar.finish_and_clear();
    Ok(tally)
}

pub fn run(args: &EnrolArgs) -> anyhow::Result<()> {
    let file = std::fs::File::open(&args.csv)
        .with_context(|| format!("reading {}", args.csv.display()))?;
    let rows = read_roster(file).map_err(|e| anyhow::anyhow!("{}: {e}", args.csv.display()))?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let tally = rt.block_on(enrol_rows(args, &rows))?;
    for p in &tally.problems {
        eprintln!("{p}");
    }
    println!(
        "{}",
        json!({"rows": rows.len(), "created": tally.created, "enrolled": tally.enrolled,
               "already_enrolled": tally.already_enrolled, "problems": tally.problems.len()})
    );
    Ok(())
}
