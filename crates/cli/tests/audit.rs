//! `rollcall audit verify` on a SQLite file: intact, then a row edited in the file is named, and an
//! exported head that the database no longer holds is refused.

use std::process::Command;

use rollcall_store::Store;

fn verify(config: &std::path::Path, head: Option<&str>) -> (bool, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rollcall"));
    cmd.args(["audit", "verify", "--config"]).arg(config);
    if let Some(h) = head {
        cmd.args(["--head", h]);
    }
    let out = cmd.output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[tokio::test]
async fn a_row_edited_in_the_database_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let config = rollcall_testkit::config_file(dir.path());
    let url = format!("sqlite://{}", dir.path().join("rollcall.db").display());
    let store = Store::connect(&url).await.unwrap();
    for i in 1..=5 {
        store
            .audit("token:1", "delegate.create", &format!("delegate:{i}"), "")
            .await
            .unwrap();
    }
    let (seq, hash) = store.audit_head().await.unwrap();
    let head = format!("{seq}:{hash}");
    let (ok, out) = verify(&config, Some(&head));
    assert!(ok, "{out}");
    assert!(out.contains("intact: 5 entries"), "{out}");

    sqlx::query("UPDATE audit SET subject = 'delegate:9' WHERE id = 3")
        .execute(store.pool())
        .await
        .unwrap();
    let (ok, out) = verify(&config, None);
    assert!(!ok);
    assert!(out.contains("BROKEN at entry 3"), "{out}");

    // Rewriting the whole chain from entry 3 on (as someone with the database could) makes it
    // consistent again, but the head exported before no longer matches.
    sqlx::query("UPDATE audit SET hash = '' WHERE id >= 3")
        .execute(store.pool())
        .await
        .unwrap();
    drop(store);
    let store = Store::connect(&url).await.unwrap(); // reseals entries without a hash
    assert!(store.verify_audit().await.unwrap().is_ok());
    let (ok, _) = verify(&config, None);
    assert!(ok);
    let (ok, out) = verify(&config, Some(&head));
    assert!(!ok);
    assert!(out.contains("no longer has the exported hash"), "{out}");
}
