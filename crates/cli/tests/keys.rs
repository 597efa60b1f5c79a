//! `rollcall keys rotate` and `retire`: every photo and template is sealed again under a new key,
//! nothing is lost (the gallery and identification work after a restart), and the old key leaves
//! the key file only once nothing is sealed with it.

use std::process::Command;

use rollcall_testkit::{fixture_bytes, TestServer};

fn keys(cmd: &str, config: &std::path::Path) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rollcall"))
        .args(["keys", cmd, "--config"])
        .arg(config)
        .output()
        .unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[tokio::test]
async fn rotation_reseals_everything_and_loses_nothing() {
    let mut srv = TestServer::sqlite(|_| {}).await;
    let a = srv.delegate("K1", "Rotated One", "North").await;
    let b = srv.delegate("K2", "Rotated Two", "South").await;
    assert_eq!(srv.enrol(a, "biden.jpg").await.0, 201);
    assert_eq!(srv.enrol(b, "obama.jpg").await.0, 201);
    srv.go_down().await;

    let dir = srv.state.config.data_dir.clone();
    let config = rollcall_testkit::config_file(&dir);
    let key_file = dir.join("data-key");
    let old = std::fs::read_to_string(&key_file).unwrap();
    let old_id = old.split_whitespace().nth(2).unwrap().to_string();

    let (ok, out) = keys("rotate", &config);
    assert!(ok, "{out}");
    let new_id = out
        .split("new key ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .unwrap()
        .to_string();
    assert_ne!(new_id, old_id);
    assert!(
        out.contains(&format!("key {new_id}: 2 photos, 2 templates")),
        "{out}"
    );
    assert_eq!(
        std::fs::read_to_string(&key_file).unwrap().lines().count(),
        2,
        "old key kept"
    );

    let (ok, out) = keys("retire", &config);
    assert!(ok, "{out}");
    let file = std::fs::read_to_string(&key_file).unwrap();
    assert_eq!(file.lines().count(), 1);
    assert!(file.contains(&new_id) && !file.contains(&old_id));

    // Nothing lost: the gallery is whole and a face is still recognised.
    srv.come_back().await;
    let (_, h) = srv.get("/healthz", "admin").await;
    assert_eq!(h["templates"], 2);
    let (s, v) = srv
        .upload("/api/v1/identify", "staff", fixture_bytes("biden.jpg"))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["candidates"][0]["delegate"]["id"], a, "{v}");
    srv.stop().await;
}
