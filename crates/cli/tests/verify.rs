//! `rollcall verify`: a roll call taken from a real server verifies offline with the saved keys, in
//! both forms, and is refused after one byte changes or with another deployment's key.

use std::process::Command;

use reqwest::Method;
use rollcall_testkit::TestServer;

fn verify(file: &std::path::Path, keys: &std::path::Path) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rollcall"))
        .arg("verify")
        .arg(file)
        .arg("--keys")
        .arg(keys)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

async fn body(srv: &TestServer, method: Method, path: &str) -> String {
    let r = srv.req(method, path, "presidium").send().await.unwrap();
    assert!(r.status().is_success(), "{path}: {}", r.status());
    r.text().await.unwrap()
}

#[tokio::test]
async fn a_roll_call_verifies_offline_and_fails_after_one_byte_changes() {
    let srv = TestServer::sqlite(|_| {}).await;
    let id = srv.delegate("C1", "Lê Văn Lương", "Hải Phòng").await;
    srv.delegate("C2", "Absent Member", "Hải Phòng").await;
    let sitting = srv.open_sitting(1, 2, "at_least").await;
    let (s, v) = srv.checkin(sitting, id).await;
    assert_eq!(s, 201, "{v}");
    let doc = body(
        &srv,
        Method::POST,
        &format!("/api/v1/sittings/{sitting}/roll-calls"),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys.json");
    std::fs::write(&keys, body(&srv, Method::GET, "/api/v1/keys").await).unwrap();
    let json_file = dir.path().join("roll-call-1.json");
    std::fs::write(&json_file, &doc).unwrap();
    let csv_file = dir.path().join("roll-call-1.csv");
    std::fs::write(
        &csv_file,
        body(&srv, Method::GET, "/api/v1/roll-calls/1/csv").await,
    )
    .unwrap();

    for file in [&json_file, &csv_file] {
        let (ok, out) = verify(file, &keys);
        assert!(ok, "{out}");
        assert!(
            out.contains("VALID roll call 1")
                && out.contains("present 1 of 2 eligible")
                && out.contains("REACHED")
                && out.contains("rollcall audit verify --head"),
            "{out}"
        );
        let mut bytes = std::fs::read(file).unwrap();
        let at = bytes.len() / 2;
        bytes[at] ^= 0x01;
        let changed = dir.path().join("changed");
        std::fs::write(&changed, bytes).unwrap();
        let (ok, out) = verify(&changed, &keys);
        assert!(!ok && out.starts_with("INVALID"), "{out}");
    }

    // Another deployment's key does not vouch for this roll call.
    let other = dir.path().join("other.pem");
    let other_key = rollcall_record::ServerKey::load_or_create(&other).unwrap();
    let other_keys = dir.path().join("other-keys.json");
    std::fs::write(
        &other_keys,
        serde_json::to_string(&vec![other_key.public_info(0)]).unwrap(),
    )
    .unwrap();
    let (ok, out) = verify(&json_file, &other_keys);
    assert!(
        !ok && out.contains("not among the given public keys"),
        "{out}"
    );
    srv.stop().await;
}
