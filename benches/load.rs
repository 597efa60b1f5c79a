//! Load benchmark of the check-in server: 8 kiosks post frames with faces at a fixed total rate to a
//! real server on 127.0.0.1 (SQLite in a temporary folder), for a fixed time. Reports frames/s served,
//! latency percentiles, 503s, and whether every delegate who walked past was checked in exactly once.
//! `make bench-load` (or `cargo bench -p rollcall-benches --bench load`); `ROLLCALL_LOAD_FPS` and
//! `ROLLCALL_LOAD_SECONDS` change the rate (default 30) and the duration (default 20).

use std::time::{Duration, Instant};

use image::{imageops, Rgb, RgbImage};
use rollcall_benches::repo_root;
use rollcall_server::{hash_token, new_token, AppState, Config};
use rollcall_vision::{decode_image, DecodeLimits};

const KIOSKS: usize = 8;

fn frame(name: &str, height: u32, x: i64) -> Vec<u8> {
    let bytes = std::fs::read(repo_root().join("fixtures/faces").join(name)).unwrap();
    let p = decode_image(&bytes, &DecodeLimits::default()).unwrap();
    let small = imageops::resize(
        &p,
        p.width() * height / p.height(),
        height,
        imageops::FilterType::Triangle,
    );
    let mut f = RgbImage::from_pixel(640, 480, Rgb([120, 120, 120]));
    imageops::overlay(&mut f, &small, x, 480 - height as i64);
    let mut out = std::io::Cursor::new(Vec::new());
    f.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let fps: f64 = std::env::var("ROLLCALL_LOAD_FPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30.0);
    let seconds: f64 = std::env::var("ROLLCALL_LOAD_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20.0);
    let dir = tempfile::tempdir().unwrap();
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let cfg = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().to_path_buf(),
        workers: cores,
        queue: 16,
        ..Config::default()
    };
    let state = AppState::start(cfg).await.unwrap();
    let staff = new_token();
    state
        .store
        .create_token("staff", "staff", &hash_token(&staff))
        .await
        .unwrap();
    let admin = new_token();
    state
        .store
        .create_token("admin", "admin", &hash_token(&admin))
        .await
        .unwrap();
    let kiosks: Vec<String> = (0..KIOSKS).map(|_| new_token()).collect();
    for (i, t) in kiosks.iter().enumerate() {
        state
            .store
            .create_token(&format!("kiosk {i}"), "kiosk", &hash_token(t))
            .await
            .unwrap();
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/api/v1", listener.local_addr().unwrap());
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(rollcall_server::serve(listener, state.clone(), async {
        let _ = stop_rx.await;
    }));
    let client = reqwest::Client::new();

    // Two delegates with their portraits; one sitting.
    let mut ids = Vec::new();
    for (ext, name, photo) in [
        ("L1", "Barack Obama", "obama.jpg"),
        ("L2", "Joe Biden", "biden.jpg"),
    ] {
        let d: serde_json::Value = client
            .post(format!("{base}/delegates"))
            .bearer_auth(&staff)
            .json(&serde_json::json!({"external_id": ext, "full_name": name, "delegation": "X"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = d["id"].as_i64().unwrap();
        let r = client
            .post(format!("{base}/delegates/{id}/photos"))
            .bearer_auth(&staff)
            .header("content-type", "image/jpeg")
            .body(std::fs::read(repo_root().join("fixtures/faces").join(photo)).unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        ids.push(id);
    }
    let s: serde_json::Value = client.post(format!("{base}/sittings")).bearer_auth(&admin)
        .json(&serde_json::json!({"name": "Load", "quorum": {"numerator": 1, "denominator": 2, "rule": "more_than"}})).send().await.unwrap().json().await.unwrap();
    let sitting = s["id"].as_i64().unwrap();
    client
        .post(format!("{base}/sittings/{sitting}/open"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();

    // Frames: both delegates at several sizes and places, and an empty hall.
    let frames: Vec<Vec<u8>> = vec![
        frame("obama.jpg", 300, 80),
        frame("obama.jpg", 360, 260),
        frame("biden.jpg", 420, 120),
        frame("biden.jpg", 460, 300),
        frame("obama.jpg", 400, 200),
        {
            let mut out = std::io::Cursor::new(Vec::new());
            RgbImage::from_pixel(640, 480, Rgb([120, 120, 120]))
                .write_to(&mut out, image::ImageFormat::Jpeg)
                .unwrap();
            out.into_inner()
        },
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
                        let r = client
                            .post(&url)
                            .bearer_auth(&token)
                            .header("content-type", "image/jpeg")
                            .body(body.clone())
                            .send()
                            .await
                            .unwrap();
                        if r.status() == 503 {
                            busy += 1;
                            tokio::time::sleep(Duration::from_millis(200)).await;
                            continue;
                        }
                        assert_eq!(r.status(), 200);
                        let v: serde_json::Value = r.json().await.unwrap();
                        return (t.elapsed().as_secs_f64() * 1e3, busy, v);
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
    let (mut busy, mut acknowledged) = (0, Vec::new());
    for t in tasks {
        for (ms, b, v) in t.await.unwrap() {
            latencies.push(ms);
            busy += b;
            for f in v["faces"].as_array().unwrap() {
                if f["status"] == "checked_in" {
                    acknowledged.push(f["delegate"]["id"].as_i64().unwrap());
                }
            }
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    latencies.sort_by(|a, b| a.total_cmp(b));
    let att = state
        .store
        .attendance(&state.store.sitting(sitting).await.unwrap().unwrap())
        .await
        .unwrap();
    let mut recorded: Vec<i64> = att.checkins.iter().map(|c| c.delegate_id).collect();
    recorded.sort();
    acknowledged.sort();
    let lost = acknowledged
        .iter()
        .filter(|id| !recorded.contains(id))
        .count();
    println!("load: {KIOSKS} kiosks, {fps} frames/s offered for {seconds} s, server with {cores} inference workers");
    println!("| frames | served frames/s | p50 ms | p99 ms | max ms | 503s (retried) | check-ins acknowledged | recorded | lost |");
    println!("|---|---|---|---|---|---|---|---|---|");
    println!(
        "| {} | {:.1} | {:.1} | {:.1} | {:.1} | {} | {} | {} | {} |",
        latencies.len(),
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
    let _ = stop_tx.send(());
    let _ = server.await;
}

fn chrono_now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
