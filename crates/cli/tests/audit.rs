//! `rollcall audit verify` on a SQLite file: intact, then a row edited in the file is named, hashes
//! blanked from some entry on are named entry by entry (and stay blank: the verifier and a server
//! start write nothing), and an exported head that the database no longer holds is refused.

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

    // Blanking the stored hashes from entry 3 on: the verifier names each of those entries and
    // leaves the file as it found it (it opens the database read-only: nothing re-hashes them).
    sqlx::query("UPDATE audit SET hash = '' WHERE id >= 3")
        .execute(store.pool())
        .await
        .unwrap();
    drop(store);
    let db = dir.path().join("rollcall.db");
    let before = std::fs::read(&db).unwrap();
    let (ok, out) = verify(&config, None);
    assert!(!ok, "{out}");
    for id in 3..=5 {
        assert!(
            out.contains(&format!("BROKEN at entry {id}: it has no hash")),
            "{out}"
        );
    }
    assert!(out.contains("3 problem(s) in 5 entries"), "{out}");
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "audit verify changed the file"
    );

    // Opening the database as the server does seals nothing either.
    let store = Store::connect(&url).await.unwrap();
    assert!(store.verify_audit().await.unwrap().is_err());
    drop(store);
    let (ok, _) = verify(&config, None);
    assert!(!ok);

    // Rewriting the whole chain from entry 3 on (as someone with the database could) makes it
    // consistent again, but the head exported before no longer matches.
    let store = Store::connect(&url).await.unwrap();
    rewrite_chain_from(&store, 3).await;
    assert!(store.verify_audit().await.unwrap().is_ok());
    let (ok, _) = verify(&config, None);
    assert!(ok);
    let (ok, out) = verify(&config, Some(&head));
    assert!(!ok);
    assert!(out.contains("no longer has the exported hash"), "{out}");
}

/// What an attacker with write access to the database can do to an unkeyed chain: recompute every
/// hash from entry `from` on, with the chain's published formula.
async fn rewrite_chain_from(store: &Store, from: i64) {
    use sqlx::Row;
    let rows =
        sqlx::query("SELECT id, at, actor, action, subject, detail, hash FROM audit ORDER BY id")
            .fetch_all(store.pool())
            .await
            .unwrap();
    let mut prev = rollcall_store::GENESIS.to_string();
    for r in rows {
        let id: i64 = r.get("id");
        let hash = if id < from {
            r.get::<String, _>("hash")
        } else {
            let at: i64 = r.get("at");
            let fields: [String; 4] = ["actor", "action", "subject", "detail"].map(|c| r.get(c));
            let hash =
                rollcall_store::chain_hash(&prev, id, at, fields.each_ref().map(String::as_str));
            sqlx::query("UPDATE audit SET prev_hash = $1, hash = $2 WHERE id = $3")
                .bind(&prev)
                .bind(&hash)
                .bind(id)
                .execute(store.pool())
                .await
                .unwrap();
            hash
        };
        prev = hash;
    }
}

/// On PostgreSQL the verifier's store is read-only too: it reports a blanked hash, cannot write,
/// and leaves the row as it found it.
#[tokio::test]
async fn the_read_only_store_reports_and_writes_nothing_on_postgres() {
    let Some(pg) = rollcall_testkit::pg::PgSchema::create().await else {
        return;
    };
    let store = Store::connect(&pg.url).await.unwrap();
    for i in 1..=3 {
        store
            .audit("token:1", "delegate.create", &format!("delegate:{i}"), "")
            .await
            .unwrap();
    }
    let report = store.audit_report().await.unwrap();
    assert!(report.problems.is_empty(), "{report:?}");
    let second = report.seq - 1;
    pg.execute(&format!("UPDATE audit SET hash = '' WHERE id = {second}"))
        .await;
    drop(store);

    let ro = Store::open_read_only(&pg.url).await.unwrap();
    let report = ro.audit_report().await.unwrap();
    assert!(
        report
            .problems
            .contains(&rollcall_store::ChainBreak::Unsealed { id: second }),
        "{report:?}"
    );
    assert!(ro.audit("token:1", "x", "y", "").await.is_err());
    assert_eq!(
        ro.audit_entry_hash(second).await.unwrap().as_deref(),
        Some("")
    );
    drop(ro);
    pg.drop().await;
}
