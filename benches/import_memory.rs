//! What a bulk import costs the server in memory as its archive grows: a real server on 127.0.0.1
//! (in this process), an archive of two enrolment photos among incompressible filler, sent from a
//! file as a stream (so the client holds a chunk at a time). The server spools the archive to an
//! unnamed temporary file and reads one photo at a time, so its peak should not grow with the
//! archive. Peak resident memory is reset (`/proc/self/clear_refs`) after a warm-up import, and
//! each size reports the peak above the resident set before it.
//!
//! `make bench-import` (`cargo bench -p rollcall-benches --bench import_memory`).

use std::io::Write;
use std::time::Instant;

use futures_util::stream;
use rollcall_testkit::{fixture_bytes, TestServer};
use serde_json::Value;

const ROSTER: &str = "external_id,full_name,delegation\nOB,Barack Obama,USA\nJB,Joe Biden,USA\n";

/// A `VmRSS:` or `VmHWM:` line of /proc/self/status, MB.
fn status_mb(key: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Resets the peak resident set to the current one (Linux).
fn reset_peak() {
    std::fs::write("/proc/self/clear_refs", "5").expect("clear_refs");
}

/// Writes a zip of `mb` MB: the two photos and 1 MB filler files, streamed to `path`.
fn write_archive(path: &std::path::Path, mb: usize) {
    write_zip(
        path,
        mb,
        &[("OB.jpg", "obama.jpg"), ("JB.jpg", "biden.jpg")],
    );
}

/// A zip of the `(entry, fixture)` photos among `mb` MB of filler.
fn write_zip(path: &std::path::Path, mb: usize, photos: &[(&str, &str)]) {
    let file = std::fs::File::create(path).expect("archive file");
    let mut w = zip::ZipWriter::new(std::io::BufWriter::new(file));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut chunk = vec![0u8; 1 << 20];
    for (entry, fixture) in photos {
        w.start_file(*entry, opts).unwrap();
        w.write_all(&fixture_bytes(fixture)).unwrap();
    }
    for i in 0..mb {
        for b in &mut chunk {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = (x >> 24) as u8;
        }
        w.start_file(format!("filler/{i:05}.jpg"), opts).unwrap();
        w.write_all(&chunk).unwrap();
    }
    w.finish().unwrap().flush().unwrap();
}

/// Posts `roster` and the archive at `path`, streamed from the file.
async fn import(srv: &TestServer, roster: &str, path: &std::path::Path) -> Value {
    let file = tokio::fs::File::open(path).await.expect("archive");
    let len = file.metadata().await.unwrap().len();
    let chunks = stream::unfold(file, |mut f| async move {
        use tokio::io::AsyncReadExt;
        let mut buf = vec![0u8; 256 * 1024];
        match f.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok::<_, std::io::Error>(buf), f))
            }
            Err(e) => Some((Err(e), f)),
        }
    });
    let photos =
        reqwest::multipart::Part::stream_with_length(reqwest::Body::wrap_stream(chunks), len)
            .file_name("photos.zip");
    let form = reqwest::multipart::Form::new()
        .part("csv", reqwest::multipart::Part::text(roster.to_string()))
        .part("photos", photos);
    let r = srv
        .req(reqwest::Method::POST, "/api/v1/delegates/import", "staff")
        .multipart(form)
        .send()
        .await
        .expect("answer");
    assert_eq!(r.status(), 200);
    r.json().await.expect("report")
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    rollcall_benches::print_machine();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let files = tempfile::tempdir().expect("temporary folder");
        println!("bulk import, peak resident memory above the server at rest");
        println!("{:>12} {:>12} {:>10}  outcome", "archive", "peak", "time");
        for mb in [4usize, 64, 256, 480] {
            // A fresh server each time, so that every import enrols the same two photos.
            let srv = TestServer::sqlite(|c| c.workers = Some(1)).await;
            let path = files.path().join(format!("photos-{mb}.zip"));
            write_archive(&path, mb);
            // Warm the inference worker and the allocator on a small import of someone else.
            let warm = files.path().join("warm.zip");
            write_zip(&warm, 1, &[("SC.jpg", "collins.jpg")]);
            let warmed = import(
                &srv,
                "external_id,full_name,delegation\nSC,Susan Collins,USA\n",
                &warm,
            )
            .await;
            assert_eq!(warmed["enrolled"], 1, "{warmed}");
            reset_peak();
            let base = status_mb("VmRSS:");
            let start = Instant::now();
            let report = import(&srv, ROSTER, &path).await;
            let secs = start.elapsed().as_secs_f64();
            let peak = status_mb("VmHWM:") - base;
            let size = std::fs::metadata(&path).unwrap().len() as f64 / 1048576.0;
            println!(
                "{:>9.0} MB {:>9.0} MB {:>8.2} s  {} rows, {} enrolled",
                size,
                peak,
                secs,
                report["rows"].as_array().map_or(0, Vec::len),
                report["enrolled"]
            );
            srv.stop().await;
        }
    });
}
