//! The kiosk against a real server that goes away and comes back, and a kiosk that is stopped with
//! frames still queued: every delegate who walked past is checked in exactly once.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rollcall_kiosk::{run, KioskConfig, SourceSpec};
use rollcall_testkit::fixtures::{camera_image, empty_frame};
use rollcall_testkit::TestServer;

/// A walk-by: the enrolled delegate stepping closer to the camera, between empty frames.
fn walk_by(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    for (i, zoom) in [0.0, 1.0, 1.15, 1.3, 0.0].iter().enumerate() {
        let f = if *zoom > 0.0 {
            camera_image("obama.jpg", *zoom)
        } else {
            empty_frame(110)
        };
        f.save(dir.join(format!("frame_{i:03}.jpg"))).unwrap();
    }
}

/// A server with the portrait enrolled and a sitting open; returns it with its delegate's id.
async fn prepare() -> (TestServer, i64) {
    let srv = TestServer::sqlite(|_| {}).await;
    let id = srv.delegate("O", "Barack Obama", "USA").await;
    let (s, v) = srv.enrol(id, "obama.jpg").await;
    assert_eq!(s, 201, "{v}");
    srv.open_sitting(1, 2, "more_than").await;
    (srv, id)
}

/// Who is checked in to the open sitting.
async fn present(srv: &TestServer) -> Vec<i64> {
    let s = srv.state.store.open_sitting_now().await.unwrap().unwrap();
    srv.state
        .store
        .checkins(&s)
        .await
        .unwrap()
        .iter()
        .map(|c| c.delegate_id)
        .collect()
}

fn config(srv: &TestServer, source: PathBuf, queue: PathBuf, no_wait: bool) -> KioskConfig {
    KioskConfig {
        server: srv.base.clone(),
        token: srv.tokens["kiosk"].clone(),
        source: SourceSpec::Folder(source),
        fps: 20.0,
        queue_dir: queue,
        max_queue: 100,
        max_width: 640,
        no_wait,
        name: "door-a".into(),
        skip_still: 4,
        lang: rollcall_kiosk::Lang::EN,
    }
}

#[tokio::test]
async fn frames_taken_while_the_server_is_down_are_delivered_once_it_is_back() {
    let dir = tempfile::tempdir().unwrap();
    let (mut srv, id) = prepare().await;
    srv.go_down().await;
    walk_by(&dir.path().join("walk"));
    let cfg = config(
        &srv,
        dir.path().join("walk"),
        dir.path().join("queue"),
        false,
    );
    // The server comes back 1.5 s after the kiosk starts capturing.
    let restart = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        srv.come_back().await;
        srv
    });
    let mut lines = Vec::new();
    let report = run(&cfg, |l| lines.push(l.to_string())).await.unwrap();
    let srv = restart.await.unwrap();
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
    assert_eq!(present(&srv).await, vec![id]);
    srv.stop().await;
}

#[tokio::test]
async fn a_kiosk_stopped_with_a_full_queue_delivers_it_after_restart_once() {
    let dir = tempfile::tempdir().unwrap();
    let (mut srv, id) = prepare().await;
    srv.go_down().await;
    walk_by(&dir.path().join("walk"));
    // First run: the server is down; --no-wait leaves everything queued (as if the kiosk were killed).
    let cfg = config(
        &srv,
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
    srv.come_back().await;
    std::fs::create_dir_all(dir.path().join("empty")).unwrap();
    let cfg = config(
        &srv,
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
        &srv,
        dir.path().join("walk"),
        dir.path().join("queue"),
        false,
    );
    let third = run(&cfg, |_| {}).await.unwrap();
    assert!(third.checked_in.is_empty());
    assert_eq!(present(&srv).await, vec![id], "exactly one check-in");
    srv.stop().await;
}
