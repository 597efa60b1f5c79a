//! `rollcall enrol --csv F --photos DIR`: the bulk import from the command line, row by row through
//! the server's API (so every photo passes the same enrolment gate), with a progress bar.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{json, Value};

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

fn error_code(v: &Value) -> String {
    v["error"]["code"].as_str().unwrap_or("error").to_string()
}

pub fn run(args: EnrolArgs) -> anyhow::Result<()> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(&args.csv)
        .with_context(|| format!("reading {}", args.csv.display()))?;
    let headers = reader.headers()?.clone();
    let col = |n: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(n));
    let (Some(ext), Some(name), Some(del)) =
        (col("external_id"), col("full_name"), col("delegation"))
    else {
        bail!(
            "{}: the header needs external_id, full_name and delegation",
            args.csv.display()
        );
    };
    let elig = col("eligible");
    let records: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>()?;
    let api = format!("{}/api/v1", args.server.trim_end_matches('/'));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let client = reqwest::Client::new();
        let bar = ProgressBar::new(records.len() as u64)
            .with_style(ProgressStyle::with_template("{elapsed_precise} [{bar:40}] {pos}/{len} delegates {msg}").expect("valid template"));
        let (mut created, mut enrolled, mut skipped, mut problems) = (0, 0, 0, Vec::new());
        for (i, r) in records.iter().enumerate() {
            let external_id = r.get(ext).unwrap_or("").to_string();
            let eligible = elig.map(|c| !matches!(r.get(c).unwrap_or("").to_ascii_lowercase().as_str(), "false" | "no" | "0")).unwrap_or(true);
            let body = json!({"external_id": external_id, "full_name": r.get(name).unwrap_or(""), "delegation": r.get(del).unwrap_or(""), "eligible": eligible});
            let resp = client.post(format!("{api}/delegates")).bearer_auth(&args.token).json(&body).send().await.context("contacting the server")?;
            let status = resp.status().as_u16();
            let v: Value = resp.json().await.unwrap_or(Value::Null);
            let id = match status {
                201 => {
                    created += 1;
                    v["id"].as_i64()
                }
                409 => {
                    // Already there (a re-run): its photo is enrolled again only if it has none yet.
                    let list: Value = client.get(format!("{api}/delegates")).query(&[("q", &external_id)]).bearer_auth(&args.token).send().await?.json().await?;
                    let found = list.as_array().and_then(|l| l.iter().find(|d| d["external_id"] == external_id.as_str())).cloned();
                    match found {
                        Some(d) if d["photos"].as_i64().unwrap_or(0) > 0 => {
                            skipped += 1;
                            None
                        }
                        Some(d) => d["id"].as_i64(),
                        None => None,
                    }
                }
                401 | 403 => bail!("the server refused the token: {}", v["error"]["message"]),
                _ => {
                    problems.push(format!("row {} ({external_id}): {}", i + 2, error_code(&v)));
                    None
                }
            };
            if let (Some(id), Some(dir)) = (id, &args.photos) {
                match photo_for(dir, &external_id) {
                    None => problems.push(format!("row {} ({external_id}): no photo in {}", i + 2, dir.display())),
                    Some(path) => {
                        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
                        loop {
                            let resp = client.post(format!("{api}/delegates/{id}/photos")).bearer_auth(&args.token).header("content-type", "image/jpeg").body(bytes.clone()).send().await?;
                            let status = resp.status().as_u16();
                            let v: Value = resp.json().await.unwrap_or(Value::Null);
                            match status {
                                201 => enrolled += 1,
                                503 => {
                                    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                                    continue;
                                }
                                _ => problems.push(format!("row {} ({external_id}): photo {}: {}", i + 2, error_code(&v), v["error"]["message"].as_str().unwrap_or(""))),
                            }
                            break;
                        }
                    }
                }
            }
            bar.set_message(format!("{created} created, {enrolled} photos"));
            bar.inc(1);
        }
        bar.finish_and_clear();
        for p in &problems {
            eprintln!("{p}");
        }
        println!("{}", json!({"rows": records.len(), "created": created, "enrolled": enrolled, "already_enrolled": skipped, "problems": problems.len()}));
        Ok(())
    })
}
