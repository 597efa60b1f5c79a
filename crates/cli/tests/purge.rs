//! `rollcall purge --biometrics`: photos and templates go, for good and from the database files;
//! delegates, attendance and the audit chain stay.

use std::process::Command;

use rollcall_testkit::{fixture_bytes, TestServer};

fn purge(config: &std::path::Path, yes: bool) -> (i32, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rollcall"));
    cmd.args(["purge", "--biometrics", "--config"]).arg(config);
    if yes {
        cmd.arg("--yes");
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[tokio::test]
async fn purge_removes_biometrics_and_keeps_the_record() {
    let mut srv = TestServer::sqlite(|_| {}).await;
    let id = srv.delegate("P1", "Purged Photo", "North").await;
    let (s, _) = srv.enrol(id, "biden.jpg").await;
    assert_eq!(s, 201);
    let sitting = srv.open_sitting(1, 2, "more_than").await;
    let (s, _) = srv.checkin(sitting, id).await;
    assert_eq!(s, 201);
    srv.go_down().await;

    let dir = srv.state.config.data_dir.clone();
    let config = rollcall_testkit::config_file(&dir);
    let (code, out) = purge(&config, false);
    assert_eq!(code, 2, "nothing without --yes: {out}");
    let (code, out) = purge(&config, true);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("purged 1 photos, 1 templates"), "{out}");

    let db = std::fs::read(srv.sqlite_path()).unwrap();
    let photo = fixture_bytes("biden.jpg");
    let piece = &photo[photo.len() / 2..photo.len() / 2 + 32];
    assert!(
        !db.windows(32).any(|w| w == piece),
        "the photo's bytes are gone"
    );

    srv.come_back().await;
    let (_, d) = srv.get(&format!("/api/v1/delegates/{id}"), "staff").await;
    assert_eq!(
        (d["full_name"].as_str(), d["photos"].as_i64()),
        (Some("Purged Photo"), Some(0))
    );
    let (_, att) = srv
        .get(
            &format!("/api/v1/sittings/{sitting}/attendance"),
            "presidium",
        )
        .await;
    assert_eq!(att["present"], 1, "attendance stays");
    let log = srv.state.store.audit_log(1).await.unwrap();
    assert_eq!(log[0].2, "biometrics.purge");
    assert!(srv.state.store.verify_audit().await.unwrap().is_ok());
    srv.stop().await;
}
