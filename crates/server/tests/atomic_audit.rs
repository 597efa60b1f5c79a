//! A change and its audit entry are one transaction: with the audit insert made to fail (a trigger
//! on the audit table), a roll addition or a check-in by hand is answered with an error and leaves
//! nothing behind; once the database writes again, the same request succeeds, audited.

use reqwest::Method;
use rollcall_testkit::TestServer;
use serde_json::json;
use sqlx::Row;

/// Makes every audit insert fail until [`heal`].
async fn break_audit(srv: &TestServer) {
    let sql: &[&str] = if srv.label == "sqlite" {
        &["CREATE TRIGGER fail_audit BEFORE INSERT ON audit \
           BEGIN SELECT RAISE(ABORT, 'injected failure'); END"]
    } else {
        &[
            "CREATE FUNCTION fail_audit() RETURNS trigger AS $$ \
             BEGIN RAISE EXCEPTION 'injected failure'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER fail_audit BEFORE INSERT ON audit \
             FOR EACH ROW EXECUTE FUNCTION fail_audit()",
        ]
    };
    for q in sql {
        sqlx::query(q)
            .execute(srv.state.store.pool())
            .await
            .unwrap();
    }
}

async fn heal(srv: &TestServer) {
    let sql = if srv.label == "sqlite" {
        "DROP TRIGGER fail_audit"
    } else {
        "DROP TRIGGER fail_audit ON audit"
    };
    sqlx::query(sql)
        .execute(srv.state.store.pool())
        .await
        .unwrap();
}

async fn count(srv: &TestServer, sql: &str, sitting: i64, delegate: i64) -> i64 {
    sqlx::query(sql)
        .bind(sitting)
        .bind(delegate)
        .fetch_one(srv.state.store.pool())
        .await
        .unwrap()
        .get("n")
}

#[tokio::test]
async fn a_failed_audit_insert_leaves_no_roll_addition_and_no_check_in() {
    for srv in TestServer::all(|_| {}).await {
        let sitting = srv.open_sitting(1, 2, "more_than").await;
        let late = srv.delegate("L", "Late Member", "North").await;
        let entries = srv.state.store.audit_head().await.unwrap().0;
        break_audit(&srv).await;

        let roll = format!("/api/v1/sittings/{sitting}/roll");
        let addition = json!({"delegate_id": late, "reason": "credentials checked"});
        let (s, v) = srv
            .json(Method::POST, &roll, "admin", addition.clone())
            .await;
        assert_eq!(s, 500, "{}: {v}", srv.label);
        let on_roll = "SELECT COUNT(*) AS n FROM sitting_roll \
                       WHERE sitting_id = $1 AND delegate_id = $2";
        assert_eq!(
            count(&srv, on_roll, sitting, late).await,
            0,
            "{}",
            srv.label
        );
        let reasons: i64 = sqlx::query("SELECT COUNT(*) AS n FROM reasons")
            .fetch_one(srv.state.store.pool())
            .await
            .unwrap()
            .get("n");
        assert_eq!(reasons, 0, "{}: the reason was rolled back", srv.label);

        let (s, v) = srv.checkin(sitting, late).await;
        assert_eq!(s, 500, "{}: {v}", srv.label);
        let checked_in = "SELECT COUNT(*) AS n FROM checkins \
                          WHERE sitting_id = $1 AND delegate_id = $2";
        assert_eq!(
            count(&srv, checked_in, sitting, late).await,
            0,
            "{}",
            srv.label
        );
        assert_eq!(srv.state.store.audit_head().await.unwrap().0, entries);

        heal(&srv).await;
        assert_eq!(
            srv.json(Method::POST, &roll, "admin", addition).await.0,
            201
        );
        assert_eq!(srv.checkin(sitting, late).await.0, 201, "{}", srv.label);
        let log = srv.state.store.audit_log(5).await.unwrap();
        let actions: Vec<&str> = log.iter().map(|e| e.2.as_str()).collect();
        assert!(
            actions.contains(&"sitting.roll_add") && actions.contains(&"checkin.manual"),
            "{}: {actions:?}",
            srv.label
        );
        srv.stop().await;
    }
}
