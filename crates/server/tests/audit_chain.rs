//! The audit log is a hash chain: intact after real use, and an entry changed, deleted or moved
//! directly in the database (SQLite file or PostgreSQL) is named by the verification.

use reqwest::Method;
use rollcall_store::ChainBreak;
use rollcall_testkit::TestServer;
use serde_json::json;

/// Some real audited actions: delegates, a sitting opened, manual check-ins, a correction.
async fn use_it(srv: &TestServer) {
    let a = srv.delegate("A1", "First", "North").await;
    let b = srv.delegate("A2", "Second", "North").await;
    let sitting = srv.open_sitting(1, 2, "more_than").await;
    for id in [a, b] {
        let (s, _) = srv.checkin(sitting, id).await;
        assert_eq!(s, 201);
    }
    let r = srv
        .req(
            Method::DELETE,
            &format!("/api/v1/sittings/{sitting}/checkins/{b}?reason=left"),
            "staff",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
}

async fn exec(srv: &TestServer, sql: &str) {
    sqlx::query(sql)
        .execute(srv.state.store.pool())
        .await
        .unwrap();
}

async fn verify(srv: &TestServer) -> Result<rollcall_store::ChainHead, ChainBreak> {
    srv.state.store.verify_audit().await.unwrap()
}

#[tokio::test]
async fn edits_deletions_and_reordering_break_the_chain_where_they_happen() {
    // One fresh server per kind of tampering, on each database.
    for tamper in ["edit", "delete", "swap"] {
        for srv in TestServer::all(|_| {}).await {
            use_it(&srv).await;
            let head = verify(&srv).await.expect("an intact chain after real use");
            assert!(head.entries >= 6, "{}: {head:?}", srv.label);
            let (s, v) = srv.get("/api/v1/audit/head", "presidium").await;
            assert_eq!(s, 200);
            assert_eq!(v["seq"], head.seq);
            assert_eq!(v["hash"], head.hash.as_str());
            let (s, _) = srv.get("/api/v1/audit/head", "kiosk").await;
            assert_eq!(s, 403);

            let third = head.seq - head.entries + 3;
            let expected = match tamper {
                "edit" => {
                    exec(
                        &srv,
                        &format!("UPDATE audit SET detail = 'sitting:1' WHERE id = {third}"),
                    )
                    .await;
                    ChainBreak::Altered { id: third }
                }
                "delete" => {
                    exec(&srv, &format!("DELETE FROM audit WHERE id = {third}")).await;
                    ChainBreak::Unlinked {
                        id: third + 1,
                        previous: third - 1,
                    }
                }
                _ => {
                    // Two entries' contents exchanged: each row is self-consistent no more.
                    exec(
                        &srv,
                        &format!(
                            "UPDATE audit SET action = CASE id WHEN {third} THEN \
                             (SELECT action FROM audit WHERE id = {n}) ELSE \
                             (SELECT action FROM audit WHERE id = {third}) END \
                             WHERE id IN ({third}, {n})",
                            n = third + 1
                        ),
                    )
                    .await;
                    ChainBreak::Altered { id: third }
                }
            };
            assert_eq!(verify(&srv).await, Err(expected), "{}: {tamper}", srv.label);
            srv.stop().await;
        }
    }
}

#[tokio::test]
async fn appends_from_many_requests_at_once_stay_one_chain() {
    for srv in TestServer::all(|_| {}).await {
        let creates = (0..16).map(|i| {
            srv.json(
                Method::POST,
                "/api/v1/delegates",
                "staff",
                json!({"external_id": format!("C{i}"), "full_name": format!("P {i}"),
                       "delegation": "X"}),
            )
        });
        for (s, v) in futures_util::future::join_all(creates).await {
            assert_eq!(s, 201, "{v}");
        }
        let head = verify(&srv).await.expect("one chain");
        assert!(head.entries >= 16, "{}: {head:?}", srv.label);
        srv.stop().await;
    }
}
