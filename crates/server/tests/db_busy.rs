//! Writers that meet: desks enrolling while another changes delegates get no 500s (SQLite writes
//! take the lock at `BEGIN IMMEDIATE` and wait their turn), and a database write-locked for longer
//! than the busy timeout answers 503 + Retry-After, with healthz saying so, while reads go on.

use reqwest::Method;
use rollcall_testkit::TestServer;
use serde_json::json;
use sqlx::Connection;

#[tokio::test]
async fn desks_writing_at_once_get_no_server_errors() {
    for srv in TestServer::all(|c| c.queue = 32).await {
        let label = srv.label;
        let mut ids = Vec::new();
        for i in 0..12 {
            ids.push(
                srv.delegate(&format!("B{i}"), &format!("Busy {i}"), "North")
                    .await,
            );
        }
        let photos = ["obama.jpg", "biden.jpg", "collins.jpg"];
        let srv = &srv;
        let desk = |part: usize| {
            let ids = ids.clone();
            async move {
                let mut statuses = Vec::new();
                for (n, id) in ids.iter().enumerate().filter(|(n, _)| n % 2 == part) {
                    let (s, v) = srv.enrol(*id, photos[n % photos.len()]).await;
                    statuses.push((s, v));
                    let (s, v) = srv
                        .json(
                            Method::POST,
                            "/api/v1/delegates",
                            "staff",
                            json!({"external_id": format!("N{part}-{n}"),
                                "full_name": "New Member", "delegation": "South"}),
                        )
                        .await;
                    statuses.push((s, v));
                }
                statuses
            }
        };
        let editor = async {
            let mut statuses = Vec::new();
            for round in 0..4 {
                for id in &ids {
                    let (s, v) = srv
                        .json(
                            Method::PATCH,
                            &format!("/api/v1/delegates/{id}"),
                            "staff",
                            json!({"delegation": format!("North {round}")}),
                        )
                        .await;
                    statuses.push((s, v));
                }
            }
            statuses
        };
        let (a, b, c) = tokio::join!(desk(0), desk(1), editor);
        let all: Vec<_> = a.into_iter().chain(b).chain(c).collect();
        assert_eq!(all.len(), 12 + 12 + 48);
        let errors: Vec<_> = all.iter().filter(|(s, _)| *s >= 500).collect();
        assert!(errors.is_empty(), "{label}: {errors:?}");
        // What the desks did is all there: every photo either enrolled or refused with a reason.
        assert!(
            all.iter()
                .all(|(s, v)| matches!(s, 200 | 201) || v["error"]["code"].is_string()),
            "{label}"
        );
        srv.state.store.verify_audit().await.unwrap().unwrap();
    }
}

/// Another process holding SQLite's write lock (a backup tool, a stuck script) until dropped or
/// rolled back.
async fn hold_write_lock(srv: &TestServer) -> sqlx::SqliteConnection {
    let url = format!("sqlite://{}", srv.sqlite_path().display());
    let mut other = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut other)
        .await
        .unwrap();
    other
}

#[tokio::test]
async fn a_write_locked_database_answers_503_with_retry_after_and_reads_go_on() {
    let srv = TestServer::sqlite(|_| {}).await;
    let id = srv.delegate("L1", "Locked Out", "North").await;
    let sitting = srv.open_sitting(1, 2, "more_than").await;

    let mut other = hold_write_lock(&srv).await;

    let health = srv.client.get(srv.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 503);
    assert!(health.headers().contains_key("retry-after"));
    let body: serde_json::Value = health.json().await.unwrap();
    assert_eq!(body["error"]["code"], "database_busy");

    let (s, att) = srv
        .get(
            &format!("/api/v1/sittings/{sitting}/attendance"),
            "presidium",
        )
        .await;
    assert_eq!((s, att["present"].as_i64()), (200, Some(0)), "reads go on");

    let r = srv
        .req(
            Method::POST,
            &format!("/api/v1/sittings/{sitting}/checkins"),
            "staff",
        )
        .json(&json!({"delegate_id": id, "reason": "badge"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503, "after the busy timeout");
    assert_eq!(r.headers()["retry-after"], "1");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "database_busy");

    sqlx::query("ROLLBACK").execute(&mut other).await.unwrap();
    drop(other);
    assert_eq!(
        srv.client
            .get(srv.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let (s, v) = srv.checkin(sitting, id).await;
    assert_eq!(s, 201, "the retry succeeds: {v}");
    srv.stop().await;
}

async fn import(srv: &TestServer, csv: &str) -> serde_json::Value {
    let (s, report) = srv.import(csv, None).await;
    assert_eq!(s, 200, "the report comes back whatever the rows met");
    report
}

#[tokio::test]
async fn an_import_that_meets_a_locked_database_reports_every_row_and_a_rerun_finishes() {
    let srv = TestServer::sqlite(|_| {}).await;
    srv.delegate("S0", "Warm Up", "North").await; // the staff token's first use is recorded
    let csv = "external_id,full_name,delegation\nI1,First Row,North\nI2,Second Row,South\n";
    let mut other = hold_write_lock(&srv).await;
    let report = import(&srv, csv).await;
    let codes: Vec<_> = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["row"].as_i64().unwrap(), r["code"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(
        codes,
        vec![(2, "database_busy"), (3, "database_busy")],
        "{report}"
    );
    assert_eq!(report["errors"], 2);
    sqlx::query("ROLLBACK").execute(&mut other).await.unwrap();
    drop(other);
    let report = import(&srv, csv).await;
    assert_eq!(
        (report["created"].as_i64(), report["errors"].as_i64()),
        (Some(2), Some(0)),
        "{report}"
    );
    srv.stop().await;
}
