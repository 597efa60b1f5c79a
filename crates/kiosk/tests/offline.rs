//! The kiosk against a real server that goes away and comes back, and a kiosk that is stopped with
//! frames still queued: every delegate who walked past is checked in exactly once.

use std::path::{Path, PathBuf};
use std::time::Duration;

use image::{imageops, Rgb, RgbImage};
use rollcall_kiosk::{run, KioskConfig, SourceSpec};
use rollcall_server::{hash_token, new_token, AppState, Config};

fn fixture(name: &str) -> RgbImage {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/faces")
        .join(name);
    image::open(p).unwrap().to_rgb8()
}

/// A walk-by: the enrolled portrait at a few sizes and places, between empty frames.
fn walk_by(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let p = fixture("obama.jpg");
    for (i, (h, x)) in [(0, 0), (300, 60), (340, 160), (380, 260), (0, 0)]
        .iter()
        .enumerate()
    {
        let mut f = RgbImage::from_pixel(640, 480, Rgb([110, 110, 110]));
        if *h > 0 {
            let small = imageops::resize(
                &p,
                p.width() * h / p.height(),
                *h,
                imageops::FilterType::Triangle,
            );
            imageops::overlay(&mut f, &small, *x, 480 - *h as i64);
        }
        f.save(dir.join(format!("frame_{i:03}.jpg"))).unwrap();
    }
}

struct Server {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

async fn start(data: &Path, port: u16) -> (AppState, Server) {
    let cfg = Config {
        listen: format!("127.0.0.1:{port}").parse().unwrap(),
        data_dir: data.to_path_buf(),
        workers: 1,
        ..Config::default()
    };
    let state = AppState::start(cfg).await.unwrap();
    let listener = loop {
        match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
            Ok(l) => break l,
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    };
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let st = state.clone();
    let task = tokio::spawn(async move {
        rollcall_server::serve(listener, st, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    (state, Server { stop: tx, task })
}

async fn stop(s: Server, state: AppState) {
    let _ = s.stop.send(());
    let _ = s.task.await;
    state.store.close().await;
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Enrols the portrait, opens a sitting, returns (kiosk token, delegate id).
async fn prepare(state: &AppState) -> (String, i64) {
    let kiosk = new_token();
    state
        .store
        .create_token("door", "kiosk", &hash_token(&kiosk))
        .await
        .unwrap();
    let staff = new_token();
    state
        .store
        .create_token("desk", "staff", &hash_token(&staff))
        .await
        .unwrap();
    let base = format!("http://{}/api/v1", state.config.listen);
    let http = reqwest::Client::new();
    let d: serde_json::Value = http
        .post(format!("{base}/delegates"))
        .bearer_auth(&staff)
        .json(&serde_json::json!({"external_id": "O", "full_name": "Barack Obama", "delegation": "USA"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = d["id"].as_i64().unwrap();
    let bytes = std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/faces/obama.jpg"),
    )
    .unwrap();
    let r = http
        .post(format!("{base}/delegates/{id}/photos"))
        .bearer_auth(&staff)
        .header("content-type", "image/jpeg")
        .body(bytes)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let s = state
        .store
        .create_sitting("Plenary", 1, 2, rollcall_store::QuorumRule::MoreThan)
        .await
        .unwrap();
    state.store.open_sitting(s.id).await.unwrap();
    (kiosk, id)
}

async fn present(state: &AppState) -> Vec<i64> {
    let s = state.store.open_sitting_now().await.unwrap().unwrap();
    state
        .store
        .attendance(&s)
        .await
        .unwrap()
        .checkins
        .iter()
        .map(|c| c.delegate_id)
        .collect()
}

fn config(
    server: String,
    token: String,
    source: PathBuf,
    queue: PathBuf,
    no_wait: bool,
) -> KioskConfig {
    KioskConfig {
        server,
        token,
        source: SourceSpec::Folder(source),
        fps: 20.0,
        queue_dir: queue,
        max_queue: 100,
        max_width: 640,
        no_wait,
        name: "door-a".into(),
        skip_still: 4,
    }
}

#[tokio::test]
async fn frames_taken_while_the_server_is_down_are_delivered_once_it_is_back() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let (state, server) = start(&dir.path().join("data"), port).await;
    let (token, id) = prepare(&state).await;
    stop(server, state).await;
    walk_by(&dir.path().join("walk"));
    let cfg = config(
        format!("http://127.0.0.1:{port}"),
        token,
        dir.path().join("walk"),
        dir.path().join("queue"),
        false,
    );
    let data = dir.path().join("data");
    // The server comes back 1.5 s after the kiosk starts capturing.
    let restart = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        start(&data, port).await
    });
    let mut lines = Vec::new();
    let report = run(&cfg, |l| lines.push(l.to_string())).await.unwrap();
    let (state, server) = restart.await.unwrap();
    assert_eq!(report.captured, 5);
    assert_eq!(
        (report.delivered, report.left_in_queue),
        (5, 0),
        "{lines:?}"
    );
    assert!(lines.iter().any(|l| l.starts_with("[offline")), "{lines:?}");
    assert_eq!(
        report.checked_in,
        vec!["Barack Obama (USA)".to_string()],
        "{lines:?}"
    );
    assert!(lines.iter().any(|l| l == "Welcome, Barack Obama (USA)"));
    assert_eq!(present(&state).await, vec![id]);
    stop(server, state).await;
}

#[tokio::test]
async fn a_kiosk_stopped_with_a_full_queue_delivers_it_after_restart_once() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let (state, server) = start(&dir.path().join("data"), port).await;
    let (token, id) = prepare(&state).await;
    stop(server, state).await;
    walk_by(&dir.path().join("walk"));
    let server_url = format!("http://127.0.0.1:{port}");
    // First run: the server is down; --no-wait leaves everything queued (as if the kiosk were killed).
    let cfg = config(
        server_url.clone(),
        token.clone(),
        dir.path().join("walk"),
        dir.path().join("queue"),
        true,
    );
    let first = run(&cfg, |_| {}).await.unwrap();
    assert_eq!(
        (first.captured, first.delivered, first.left_in_queue),
        (5, 0, 5)
    );
    // Restart with the server up and nothing new to capture: the queue drains, in order, once.
    let (state, server) = start(&dir.path().join("data"), port).await;
    std::fs::create_dir_all(dir.path().join("empty")).unwrap();
    let cfg = config(
        server_url.clone(),
        token.clone(),
        dir.path().join("empty"),
        dir.path().join("queue"),
        false,
    );
    let second = run(&cfg, |_| {}).await.unwrap();
    assert_eq!(
        (second.captured, second.delivered, second.left_in_queue),
        (0, 5, 0)
    );
    assert_eq!(second.checked_in.len(), 1);
    // Replaying the same walk-by again changes nothing: already checked in.
    let cfg = config(
        server_url,
        token,
        dir.path().join("walk"),
        dir.path().join("queue"),
        false,
    );
    let third = run(&cfg, |_| {}).await.unwrap();
    assert!(third.checked_in.is_empty());
    assert_eq!(present(&state).await, vec![id], "exactly one check-in");
    stop(server, state).await;
}
