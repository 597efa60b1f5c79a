//! Load benchmark of the check-in server: 8 kiosks post frames with faces at a fixed total rate to a
//! real server on 127.0.0.1 (SQLite in a temporary folder), for a fixed time. Reports frames/s served,
//! latency percentiles, 503s, and whether every delegate who walked past was checked in exactly once;
//! once with the server's default (liveness on) and once with liveness off, in the same run.
//! `make bench-load` (or `cargo bench -p rollcall-benches --bench load`); `ROLLCALL_LOAD_FPS` and
//! `ROLLCALL_LOAD_SECONDS` change the rate (default 40: eight browser kiosks at their default 5
//! frames/s) and the duration (default 60); `ROLLCALL_LOAD_THREADS_PER_WORKER=2` runs the server
//! with one worker of two threads per two cores instead of its default (one single-threaded worker
//! per core), and `ROLLCALL_LOAD_LEND_IDLE_CORES=false` its default without lending idle cores.

use std::time::{Duration, Instant};

use rollcall_api::{FaceStatus, FrameAnswer};
use rollcall_testkit::fixtures::{camera_frame, empty_frame, jpeg};
use rollcall_testkit::TestServer;

const KIOSKS: usize = 8;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::main]
async fn main() {
    rollcall_benches::print_machine();
    let fps: f64 = std::env::var("ROLLCALL_LOAD_FPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40.0);
    let seconds: f64 = std::env::var("ROLLCALL_LOAD_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60.0);
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    // Another `threads_per_worker` than the server's default, if asked for.
    let threads: Option<usize> = std::env::var("ROLLCALL_LOAD_THREADS_PER_WORKER")
        .ok()
        .and_then(|v| v.parse().ok())
        .map(|t: usize| t.clamp(1, cores));
    let lend: Option<bool> = std::env::var("ROLLCALL_LOAD_LEND_IDLE_CORES")
        .ok()
        .and_then(|v| v.parse().ok());
    println!(
        "load: {KIOSKS} kiosks, {fps} frames/s offered for {seconds} s, server on {cores} cores \
        (workers x threads each; \"lending\": lone frames borrow an idle core)"
    );
    println!(
        "| server | frames served | connections refused | served frames/s | p50 ms | p99 ms | \
        max ms | 503s (retried) | check-ins acknowledged | recorded | lost |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for (label, liveness) in [("default (liveness on)", true), ("liveness off", false)] {
        run(label, fps, seconds, (threads, lend), liveness).await;
    }
}

async fn run(
    label: &str,
    fps: f64,
    seconds: f64,
    (threads, lend): (Option<usize>, Option<bool>),
    liveness: bool,
) {
    let pool = std::cell::Cell::new((0, 0, false));
    let srv = TestServer::sqlite(|c| {
        if let Some(t) = threads {
            c.threads_per_worker = t;
        }
        if let Some(l) = lend {
            c.lend_idle_cores = l;
        }
        // The server's own count (test servers have one worker): as many workers as the cores
        // hold at its threads per worker.
        c.workers = None;
        let workers = c.workers();
        pool.set((
            workers,
            c.threads_per_worker,
            c.pipeline().lends_idle_cores(workers),
        ));
        c.queue = 16;
        c.liveness.enabled = liveness;
    })
    .await;
    let mut kiosks = Vec::new();
    for i in 0..KIOSKS {
        kiosks.push(srv.token("kiosk", &format!("kiosk {i}")).await);
    }
    let client = reqwest::Client::new();
    let base = srv.url("/api/v1");

    // Two delegates with their portraits; one sitting.
    let mut ids = Vec::new();
    for (ext, name, photo) in [
        ("L1", "Barack Obama", "obama.jpg"),
        ("L2", "Joe Biden", "biden.jpg"),
    ] {
        let id = srv.delegate(ext, name, "X").await;
        let (s, v) = srv.enrol(id, photo).await;
        assert_eq!(s, 201, "{v}");
        ids.push(id);
    }
    let sitting = srv.open_sitting(1, 2, "more_than").await;

    // Frames: both delegates as a kiosk camera sees them at several distances, and an empty hall.
    let frames: Vec<Vec<u8>> = vec![
        camera_frame("obama.jpg", 1.0),
        camera_frame("obama.jpg", 1.2),
        camera_frame("biden.jpg", 1.0),
        camera_frame("biden.jpg", 1.2),
        camera_frame("obama.jpg", 1.4),
        jpeg(&empty_frame(120)),
    ];
    let per_kiosk_interval = Duration::from_secs_f64(KIOSKS as f64 / fps);
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(seconds);
    let mut tasks = Vec::new();
    for (k, token) in kiosks.iter().enumerate() {
        let (client, base, token, frames) =
            (client.clone(), base.clone(), token.clone(), frames.clone());
        tasks.push(tokio::spawn(async move {
            // Open loop: frames leave on schedule whatever the answers, staggered across kiosks.
            let mut next = Instant::now() + per_kiosk_interval.mul_f64(k as f64 / KIOSKS as f64);
            let mut sent = Vec::new();
            let mut n = 0usize;
            while next < deadline {
                tokio::time::sleep_until(next.into()).await;
                next += per_kiosk_interval;
                let body = frames[(n + k) % frames.len()].clone();
                let url = format!(
                    "{base}/kiosk/frames?kiosk_frame_id=k{k}-{n}&captured_at={}",
                    chrono_now()
                );
                let (client, token) = (client.clone(), token.clone());
                sent.push(tokio::spawn(async move {
                    let t = Instant::now();
                    let mut busy = 0;
                    loop {
                        // A connection the server refuses (over its per-client cap, which one
                        // address standing in for eight kiosks reaches when frames queue) is a
                        // frame lost to the kiosk: counted, not retried.
                        let Ok(r) = client
                            .post(&url)
                            .bearer_auth(&token)
                            .header("content-type", "image/jpeg")
                            .body(body.clone())
                            .send()
                            .await
                        else {
                            return None;
                        };
                        if r.status() == 503 {
                            busy += 1;
                            tokio::time::sleep(Duration::from_millis(200)).await;
                            continue;
                        }
                        assert_eq!(r.status(), 200);
                        let v: FrameAnswer = r.json().await.ok()?;
                        return Some((t.elapsed().as_secs_f64() * 1e3, busy, v));
                    }
                }));
                n += 1;
            }
            let mut out = Vec::new();
            for s in sent {
                out.push(s.await.unwrap());
            }
            out
        }));
    }
    let mut latencies = Vec::new();
    let (mut busy, mut refused, mut acknowledged) = (0, 0, Vec::new());
    for t in tasks {
        for answer in t.await.unwrap() {
            let Some((ms, b, v)) = answer else {
                refused += 1;
                continue;
            };
            latencies.push(ms);
            busy += b;
            for f in &v.faces {
                if let (FaceStatus::CheckedIn, Some(d)) = (f.status, &f.delegate) {
                    acknowledged.push(d.id);
                }
            }
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    let sitting = srv.state.store.sitting(sitting).await.unwrap().unwrap();
    let checkins = srv.state.store.checkins(&sitting).await.unwrap();
    let mut recorded: Vec<i64> = checkins.iter().map(|c| c.delegate_id).collect();
    recorded.sort();
    acknowledged.sort();
    let lost = acknowledged
        .iter()
        .filter(|id| !recorded.contains(id))
        .count();
    println!(
        "| {label}, {} x {}{} | {} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {} | {} | {} | {} |",
        pool.get().0,
        pool.get().1,
        if pool.get().2 { ", lending" } else { "" },
        latencies.len(),
        refused,
        latencies.len() as f64 / elapsed,
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or(f64::NAN),
        busy,
        acknowledged.len(),
        recorded.len(),
        lost
    );
    assert_eq!(
        recorded, ids,
        "every delegate who walked past is checked in exactly once"
    );
    assert_eq!(
        acknowledged, ids,
        "each check-in was acknowledged exactly once"
    );
    srv.stop().await;
}

fn chrono_now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
