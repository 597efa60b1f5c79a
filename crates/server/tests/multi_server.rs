use rollcall_testkit::{fixture_bytes, TestServer};
use serde_json::Value;

async fn top_candidate(srv: &TestServer) -> Option<i64> {
    let (_, v) = srv
        .upload("/api/v1/identify", "staff", fixture_bytes("obama2.jpg"))
        .await;
    v["candidates"][0]["delegate"]["id"].as_i64()
}

/// Two servers on one PostgreSQL database: what one enrols or erases, the other's gallery learns
/// through LISTEN/NOTIFY. Skipped without `ROLLCALL_TEST_PG_URL`.
#[tokio::test]
async fn templates_changed_on_one_server_reach_the_other() {
    let Some(a) = TestServer::postgres(|_| {}).await else {
        return;
    };
    let b = a.beside("postgres-b").await;
    assert_eq!(top_candidate(&b).await, None);
    let id = a.delegate("O", "Barack Obama", "USA").await;
    let (s, v): (u16, Value) = a.enrol(id, "obama.jpg").await;
    assert_eq!(s, 201, "{v}");
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while top_candidate(&b).await != Some(id) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "server B never saw the enrolment"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let r = a
        .req(
            reqwest::Method::DELETE,
            &format!("/api/v1/delegates/{id}"),
            "admin",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    while top_candidate(&b).await.is_some() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "server B kept an erased delegate searchable"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    b.stop().await;
    a.stop().await;
}
