//! Tokens for admins: a new token works at once and its secret is shown once; the list never shows
//! a secret; a revoked token is refused on its next request and its open event stream ends; an
//! expired token is refused; an address that keeps presenting bad tokens is held off for a while,
//! and other addresses are not.

use std::time::Duration;

use futures_util::StreamExt;
use reqwest::Method;
use rollcall_testkit::TestServer;
use serde_json::{json, Value};

#[tokio::test]
async fn admins_create_list_and_revoke_tokens() {
    for srv in TestServer::all(|_| {}).await {
        let (s, created) = srv
            .json(
                Method::POST,
                "/api/v1/tokens",
                "admin",
                json!({"name": "door B", "role": "presidium"}),
            )
            .await;
        assert_eq!(s, 201, "{}: {created}", srv.label);
        let secret = created["token"].as_str().unwrap().to_string();
        let id = created["info"]["id"].as_i64().unwrap();
        assert_eq!(created["info"]["role"], "presidium");
        assert_eq!(created["info"]["active"], true);

        // The new token works, as its role only.
        let with = |method: Method, path: &str| {
            srv.client
                .request(method, srv.url(path))
                .bearer_auth(&secret)
        };
        assert_eq!(
            with(Method::GET, "/api/v1/sittings")
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
        assert_eq!(
            with(Method::GET, "/api/v1/tokens")
                .send()
                .await
                .unwrap()
                .status(),
            403
        );

        // The list shows it, used, without its secret or hash.
        let (s, list) = srv.get("/api/v1/tokens", "admin").await;
        assert_eq!(s, 200);
        let text = list.to_string();
        assert!(
            !text.contains(&secret),
            "{}: a secret in the list",
            srv.label
        );
        assert!(!text.contains("hash"), "{text}");
        let listed = list
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == id)
            .expect("the new token is listed")
            .clone();
        assert_eq!(listed["name"], "door B");
        assert!(listed["last_used_at"].is_i64(), "{listed}");

        // An event stream opened with it ends when it is revoked; the token is refused at once.
        let sitting = srv.open_sitting(1, 2, "more_than").await;
        let stream = with(Method::GET, &format!("/api/v1/sittings/{sitting}/events"))
            .send()
            .await
            .unwrap();
        assert_eq!(stream.status(), 200);
        let mut body = stream.bytes_stream();
        let first = body.next().await.unwrap().unwrap();
        assert!(String::from_utf8_lossy(&first).contains("snapshot"));
        let (s, _) = srv
            .json(
                Method::DELETE,
                &format!("/api/v1/tokens/{id}"),
                "admin",
                Value::Null,
            )
            .await;
        assert_eq!(s, 204);
        let ended = tokio::time::timeout(Duration::from_secs(5), async {
            while let Some(chunk) = body.next().await {
                if chunk.is_err() {
                    break;
                }
            }
        })
        .await;
        assert!(
            ended.is_ok(),
            "{}: the stream outlived its token",
            srv.label
        );
        let r = with(Method::GET, "/api/v1/sittings").send().await.unwrap();
        assert_eq!(r.status(), 401, "{}", srv.label);
        let (s, list) = srv.get("/api/v1/tokens", "admin").await;
        assert_eq!(s, 200);
        let revoked = list
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == id)
            .unwrap();
        assert_eq!(revoked["active"], false);
        assert!(revoked["revoked_at"].is_i64());

        // Revoking again changes nothing; an unknown id is 404.
        let (s, _) = srv
            .json(
                Method::DELETE,
                &format!("/api/v1/tokens/{id}"),
                "admin",
                Value::Null,
            )
            .await;
        assert_eq!(s, 204);
        let (s, v) = srv
            .json(
                Method::DELETE,
                "/api/v1/tokens/987654",
                "admin",
                Value::Null,
            )
            .await;
        assert_eq!((s, v["error"]["code"].as_str()), (404, Some("not_found")));

        // Bad requests: no name, an expiry in the past, an unknown role.
        for (body, code) in [
            (json!({"name": " ", "role": "kiosk"}), "invalid_name"),
            (
                json!({"name": "x", "role": "kiosk", "expires_at": 1}),
                "invalid_expiry",
            ),
        ] {
            let (s, v) = srv
                .json(Method::POST, "/api/v1/tokens", "admin", body)
                .await;
            assert_eq!((s, v["error"]["code"].as_str()), (422, Some(code)), "{v}");
        }
        let (s, _) = srv
            .json(
                Method::POST,
                "/api/v1/tokens",
                "admin",
                json!({"name": "x", "role": "king"}),
            )
            .await;
        assert!(s == 400 || s == 422, "{s}");
        srv.stop().await;
    }
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    for srv in TestServer::all(|_| {}).await {
        let now = rollcall_store::now_ms();
        let (s, created) = srv
            .json(
                Method::POST,
                "/api/v1/tokens",
                "admin",
                json!({"name": "short", "role": "staff", "expires_at": now + 60_000}),
            )
            .await;
        assert_eq!(s, 201, "{created}");
        let id = created["info"]["id"].as_i64().unwrap();
        let secret = created["token"].as_str().unwrap();
        let get = || {
            srv.client
                .get(srv.url("/api/v1/delegates"))
                .bearer_auth(secret)
                .send()
        };
        assert_eq!(get().await.unwrap().status(), 200);
        // Its expiry passes (moved into the past in the database rather than waited for).
        sqlx::query("UPDATE tokens SET expires_at = $1 WHERE id = $2")
            .bind(now - 1)
            .bind(id)
            .execute(srv.state.store.pool())
            .await
            .unwrap();
        let r = get().await.unwrap();
        assert_eq!(r.status(), 401, "{}", srv.label);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthorized");
        srv.stop().await;
    }
}

#[tokio::test]
async fn an_address_that_keeps_failing_authentication_is_held_off_alone() {
    // 3 failures per 3 s: one drains each second.
    let srv = TestServer::sqlite(|c| {
        c.auth_failure_limit = 3;
        c.auth_failure_window_ms = 3000;
    })
    .await;
    let guesser = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 60]))
        .build()
        .unwrap();
    let call = |token: &str| {
        guesser
            .get(srv.url("/api/v1/delegates"))
            .bearer_auth(token)
            .send()
    };
    for i in 0..3 {
        let r = call(&format!("rc_guess{i}")).await.unwrap();
        assert_eq!(r.status(), 401, "guess {i}");
    }
    // Over the limit: refused before the token is looked at, a valid one too.
    let r = call(&srv.tokens["staff"]).await.unwrap();
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(wait, 1);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_many_auth_failures");
    // Other addresses are served meanwhile (the test client connects from 127.0.0.1).
    let (s, _) = srv.get("/api/v1/delegates", "staff").await;
    assert_eq!(s, 200);
    let metrics = srv.client.get(srv.url("/metrics")).send().await.unwrap();
    let metrics = metrics.text().await.unwrap();
    assert!(
        metrics.contains("rollcall_auth_failures_total 3"),
        "{metrics}"
    );
    // After the wait it was told, the address is served again.
    tokio::time::sleep(Duration::from_millis(wait * 1000 + 100)).await;
    assert_eq!(call(&srv.tokens["staff"]).await.unwrap().status(), 200);
    srv.stop().await;
}
