//! `rollcall enrol --csv --photos` against a real server: rows are created and their photos go
//! through the enrolment gate; bad rows are reported without stopping the others; a re-run adds
//! nothing twice; a wrong token stops at once.

use std::path::Path;

use rollcall_testkit::{fixture_bytes, TestServer};
use serde_json::Value;

fn enrol(base: &str, dir: &Path, token: &str) -> (bool, Value, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rollcall"))
        .arg("enrol")
        .arg("--csv")
        .arg(dir.join("delegates.csv"))
        .arg("--photos")
        .arg(dir.join("photos"))
        .args(["--server", base, "--token", token])
        .output()
        .expect("run rollcall enrol");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let last = stdout
        .lines()
        .last()
        .and_then(|l| serde_json::from_str(l).ok())
        .unwrap_or(Value::Null);
    (out.status.success(), last, stderr)
}

/// Runs the command off the runtime, so that the in-process server keeps answering.
async fn run(srv: &TestServer, dir: &Path, token: String) -> (bool, Value, String) {
    let (base, dir) = (srv.base.clone(), dir.to_path_buf());
    tokio::task::spawn_blocking(move || enrol(&base, &dir, &token))
        .await
        .unwrap()
}

#[tokio::test]
async fn rows_are_enrolled_through_the_gate_and_a_rerun_adds_nothing() {
    let srv = TestServer::sqlite(|_| {}).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("photos")).unwrap();
    for (id, file) in [
        ("O-1", "obama.jpg"),
        ("X-2", "obama2.jpg"),
        ("B-3", "biden.jpg"),
    ] {
        std::fs::write(
            dir.path().join("photos").join(format!("{id}.jpg")),
            fixture_bytes(file),
        )
        .unwrap();
    }
    std::fs::write(
        dir.path().join("delegates.csv"),
        "external_id,full_name,delegation,eligible\n\
         O-1,Barack Obama,North,yes\n\
         X-2,Second Record,North,yes\n\
         B-3,Joe Biden,South,no\n\
         M-4,Ada Lovelace,South,yes\n\
         E-5,,South,yes\n",
    )
    .unwrap();
    let staff = srv.tokens["staff"].clone();
    let (ok, report, stderr) = run(&srv, dir.path(), staff).await;
    assert!(ok, "{stderr}");
    assert_eq!(
        report,
        serde_json::json!({
            "rows": 5, "created": 4, "enrolled": 2, "already_enrolled": 0, "problems": 3,
        }),
        "{stderr}"
    );
    assert!(
        stderr.contains("row 3 (X-2): photo duplicate_of"),
        "{stderr}"
    );
    assert!(stderr.contains("row 5 (M-4): no photo in"), "{stderr}");
    assert!(stderr.contains("row 6 (E-5): invalid_field"), "{stderr}");
    let (_, biden) = srv.get("/api/v1/delegates?q=B-3", "staff").await;
    assert_eq!(biden[0]["eligible"], false);
    assert_eq!(biden[0]["photos"], 1);

    // Again: the two with photos are left alone, the others get their photo tried once more.
    let staff = srv.tokens["staff"].clone();
    let (ok, report, stderr) = run(&srv, dir.path(), staff).await;
    assert!(ok, "{stderr}");
    assert_eq!(report["created"], 0, "{report}");
    assert_eq!(report["already_enrolled"], 2, "{report}");
    let (_, all) = srv.get("/api/v1/delegates", "staff").await;
    assert_eq!(all.as_array().unwrap().len(), 4, "nothing created twice");

    // A kiosk token may not enrol: the run stops with the server's reason.
    let kiosk = srv.tokens["kiosk"].clone();
    let (ok, _, stderr) = run(&srv, dir.path(), kiosk).await;
    assert!(!ok);
    assert!(stderr.contains("the server refused the token"), "{stderr}");
    srv.stop().await;
}
