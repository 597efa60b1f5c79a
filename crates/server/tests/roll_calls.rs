//! Roll calls for votes, on SQLite and PostgreSQL: frozen present-and-eligible delegates with counts,
//! quorum and the audit head, signed in JSON and CSV (verifiable offline, refused after any byte
//! changes), and delivered to a real webhook receiver on 127.0.0.1 exactly once even when it fails
//! the first two tries.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use reqwest::Method;
use rollcall_api::{RollCallSummary, SignedRollCall, WebhookDelivery};
use rollcall_record::{verify, webhook, PublicKeys};
use rollcall_testkit::TestServer;
use serde_json::{json, Value};

const SECRET: &str = "a shared secret of the voting system";

async fn checkin(srv: &TestServer, sitting: i64, delegate: i64) {
    let (s, v) = srv.checkin(sitting, delegate).await;
    assert_eq!(s, 201, "{v}");
}

async fn take(srv: &TestServer, sitting: i64, role: &str) -> (u16, String) {
    let r = srv
        .req(
            Method::POST,
            &format!("/api/v1/sittings/{sitting}/roll-calls"),
            role,
        )
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn text(srv: &TestServer, path: &str) -> String {
    let (status, _, bytes) = srv.fetch(path, "presidium").await;
    assert_eq!(status, 200, "{path}");
    String::from_utf8(bytes).expect("UTF-8")
}

async fn keys(srv: &TestServer) -> PublicKeys {
    PublicKeys::parse(&text(srv, "/api/v1/keys").await).unwrap()
}

#[tokio::test]
async fn a_roll_call_freezes_who_is_present_and_verifies_offline() {
    for srv in TestServer::all(|_| {}).await {
        let label = srv.label;
        let a = srv.delegate("V1", "Nguyễn Văn An", "Hà Tĩnh").await;
        let b = srv.delegate("V2", "Trần Thị Ánh", "Hà Tĩnh").await;
        // Eligible and absent.
        srv.delegate("V3", "Đỗ Mười", "Lai Châu").await;
        let observer = srv.delegate("OBS", "Observer", "Guests").await;
        let (s, _) = srv
            .json(
                Method::PATCH,
                &format!("/api/v1/delegates/{observer}"),
                "staff",
                json!({"eligible": false}),
            )
            .await;
        assert_eq!(s, 200);
        let sitting = srv.open_sitting(1, 2, "more_than").await;
        checkin(&srv, sitting, a).await;
        checkin(&srv, sitting, observer).await;

        // Who may take one: the presidium and admins.
        for role in ["staff", "kiosk"] {
            assert_eq!(take(&srv, sitting, role).await.0, 403, "{label} {role}");
        }
        let (s, first) = take(&srv, sitting, "presidium").await;
        assert_eq!(s, 201, "{label}: {first}");
        let first: SignedRollCall = serde_json::from_str(&first).unwrap();
        let rc = &first.roll_call;
        assert_eq!(
            (rc.eligible, rc.present, rc.required, rc.quorum_reached),
            (3, 1, 2, false),
            "{label}: the observer is present but not eligible"
        );
        assert_eq!(
            rc.delegates
                .iter()
                .map(|d| (d.delegate_id, d.external_id.as_str()))
                .collect::<Vec<_>>(),
            vec![(a, "V1")]
        );

        checkin(&srv, sitting, b).await;
        let (s, json_doc) = take(&srv, sitting, "admin").await;
        assert_eq!(s, 201);
        let second: SignedRollCall = serde_json::from_str(&json_doc).unwrap();
        let rc = second.roll_call.clone();
        assert_eq!((rc.present, rc.quorum_reached), (2, true), "{label}");
        assert_eq!(rc.delegates[1].full_name, "Trần Thị Ánh");

        // The first roll call did not change when the second was taken.
        let again = text(&srv, &format!("/api/v1/roll-calls/{}", first.roll_call.id)).await;
        let again: SignedRollCall = serde_json::from_str(&again).unwrap();
        assert_eq!(again, first, "{label}");

        // Served byte for byte as signed; both forms verify with the keys from GET /keys.
        let served = text(&srv, &format!("/api/v1/roll-calls/{}", rc.id)).await;
        assert_eq!(served, json_doc);
        let csv = text(&srv, &format!("/api/v1/roll-calls/{}/csv", rc.id)).await;
        let keys = keys(&srv).await;
        for file in [&served, &csv] {
            let v = verify(file.as_bytes(), &keys).unwrap();
            assert_eq!(v.roll_call, rc, "{label} {}", v.form);
        }
        for file in [&served, &csv] {
            let i = file.find("Trần").unwrap() + 1;
            let mut bytes = file.clone().into_bytes();
            bytes[i] ^= 0x01;
            assert!(verify(&bytes, &keys).is_err(), "{label}: one byte changed");
        }

        // The audit chain: the head in the roll call is the entry just before the roll call's own,
        // which carries the document's SHA-256, and the chain is intact.
        let log = srv.state.store.audit_log(1).await.unwrap();
        let (_, actor, action, subject, detail) = &log[0];
        assert_eq!(
            (action.as_str(), subject.clone(), actor.as_str()),
            (
                "roll_call.take",
                format!("sitting:{sitting} roll_call:{}", rc.id),
                rc.taken_by.as_str()
            )
        );
        use sha2::Digest;
        assert_eq!(
            detail,
            &format!("sha256:{}", hex::encode(sha2::Sha256::digest(&json_doc)))
        );
        let head = srv.state.store.verify_audit().await.unwrap().unwrap();
        assert_eq!(head.seq, rc.audit_head.seq + 1, "{label}");
        assert_eq!(
            srv.state
                .store
                .audit_entry_hash(rc.audit_head.seq)
                .await
                .unwrap(),
            Some(rc.audit_head.hash.clone())
        );

        // The list: figures without names; no webhook here, so no delivery.
        let (s, list) = srv
            .get(&format!("/api/v1/sittings/{sitting}/roll-calls"), "staff")
            .await;
        assert_eq!(s, 200);
        let list: Vec<RollCallSummary> = serde_json::from_value(list).unwrap();
        assert_eq!(
            list.iter()
                .map(|r| (r.present, r.quorum_reached))
                .collect::<Vec<_>>(),
            vec![(1, false), (2, true)]
        );
        assert!(list.iter().all(|r| r.delivery.is_none()));

        // Unknown ids and closed sittings.
        assert_eq!(srv.get("/api/v1/roll-calls/999", "presidium").await.0, 404);
        assert_eq!(take(&srv, 999, "admin").await.0, 404);
        srv.json(
            Method::POST,
            &format!("/api/v1/sittings/{sitting}/close"),
            "admin",
            Value::Null,
        )
        .await;
        let (s, body) = take(&srv, sitting, "admin").await;
        assert_eq!(s, 409, "{label}");
        assert!(body.contains("sitting_not_open"), "{body}");
        srv.stop().await;
    }
}

#[tokio::test]
async fn the_signing_key_is_private_and_survives_a_restart() {
    let mut srv = TestServer::sqlite(|_| {}).await;
    let path = srv.state.config.signing_key_path();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let before = text(&srv, "/api/v1/keys").await;
    let id = srv.delegate("K1", "Key Keeper", "North").await;
    let sitting = srv.open_sitting(1, 2, "more_than").await;
    checkin(&srv, sitting, id).await;
    let (_, doc) = take(&srv, sitting, "presidium").await;
    srv.go_down().await;
    srv.come_back().await;
    assert_eq!(
        text(&srv, "/api/v1/keys").await,
        before,
        "the same key after a restart"
    );
    assert!(verify(doc.as_bytes(), &keys(&srv).await).is_ok());
    srv.stop().await;
}

/// A webhook receiver on 127.0.0.1 that fails its first `fail_first` requests with 500.
#[derive(Clone, Default)]
struct Receiver {
    seen: Arc<Mutex<Vec<(HeaderMap, Bytes, u16)>>>,
    fail_first: usize,
}

impl Receiver {
    async fn start(fail_first: usize) -> (Receiver, String) {
        let receiver = Receiver {
            fail_first,
            ..Receiver::default()
        };
        let r = receiver.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: Bytes| {
                let r = r.clone();
                async move {
                    let mut seen = r.seen.lock().unwrap();
                    let status = if seen.len() < r.fail_first {
                        StatusCode::INTERNAL_SERVER_ERROR
                    } else {
                        StatusCode::OK
                    };
                    seen.push((headers, body, status.as_u16()));
                    status
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (receiver, url)
    }

    fn seen(&self) -> Vec<(HeaderMap, Bytes, u16)> {
        self.seen.lock().unwrap().clone()
    }
}

async fn deliveries(srv: &TestServer) -> Vec<WebhookDelivery> {
    let (s, v) = srv.get("/api/v1/webhook/deliveries", "admin").await;
    assert_eq!(s, 200, "{v}");
    serde_json::from_value(v).unwrap()
}

/// Waits until delivery `id` is no longer pending.
async fn settled(srv: &TestServer, id: i64) -> WebhookDelivery {
    for _ in 0..200 {
        if let Some(d) = deliveries(srv).await.into_iter().find(|d| d.id == id) {
            if d.state != rollcall_api::DeliveryState::Pending {
                return d;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("delivery {id} still pending after 20 s");
}

#[tokio::test]
async fn the_webhook_gets_each_roll_call_once_despite_two_failures() {
    let mut receivers = Vec::new();
    let mut urls = Vec::new();
    for _ in 0..2 {
        let (r, url) = Receiver::start(2).await;
        receivers.push(r);
        urls.push(url);
    }
    let urls = Arc::new(Mutex::new(urls));
    let servers = TestServer::all(|c| {
        c.webhook.url = Some(urls.lock().unwrap().remove(0));
        c.webhook.secret = Some(SECRET.into());
        c.webhook.retry_base_ms = 100;
    })
    .await;
    for (srv, receiver) in servers.into_iter().zip(receivers) {
        let label = srv.label;
        let id = srv.delegate("W1", "Webhook Member", "North").await;
        let sitting = srv.open_sitting(1, 2, "more_than").await;
        checkin(&srv, sitting, id).await;
        let (s, doc) = take(&srv, sitting, "presidium").await;
        assert_eq!(s, 201);
        let rc: SignedRollCall = serde_json::from_str(&doc).unwrap();

        let pending = deliveries(&srv).await;
        assert_eq!(pending.len(), 1, "{label}: queued with the roll call");
        let d = settled(&srv, pending[0].id).await;
        assert_eq!(
            (d.state, d.attempts, d.last_status, d.roll_call_id),
            (
                rollcall_api::DeliveryState::Delivered,
                3,
                Some(200),
                rc.roll_call.id
            ),
            "{label}: {d:?}"
        );
        // Nothing more arrives once it was accepted.
        tokio::time::sleep(Duration::from_millis(800)).await;
        let seen = receiver.seen();
        assert_eq!(
            seen.iter().map(|s| s.2).collect::<Vec<_>>(),
            vec![500, 500, 200],
            "{label}: accepted exactly once"
        );
        let keys = keys(&srv).await;
        for (headers, body, _) in &seen {
            let h = |name: &str| headers.get(name).unwrap().to_str().unwrap().to_string();
            assert_eq!(h(webhook::DELIVERY_HEADER), d.id.to_string());
            assert_eq!(h(webhook::EVENT_HEADER), "roll_call");
            let ts: i64 = h(webhook::TIMESTAMP_HEADER).parse().unwrap();
            assert!(webhook::check(
                SECRET.as_bytes(),
                ts,
                body,
                &h(webhook::SIGNATURE_HEADER)
            ));
            assert!(!webhook::check(
                b"another secret entirely",
                ts,
                body,
                &h(webhook::SIGNATURE_HEADER)
            ));
            assert_eq!(body.as_ref(), doc.as_bytes(), "the signed roll call itself");
            assert!(verify(body, &keys).is_ok());
        }

        // Admins see the delivery in the list; others do not.
        let (_, list) = srv
            .get(&format!("/api/v1/sittings/{sitting}/roll-calls"), "admin")
            .await;
        assert_eq!(list[0]["delivery"]["state"], "delivered", "{label}");
        let (_, list) = srv
            .get(
                &format!("/api/v1/sittings/{sitting}/roll-calls"),
                "presidium",
            )
            .await;
        assert!(list[0].get("delivery").is_none());
        assert_eq!(
            srv.get("/api/v1/webhook/deliveries", "presidium").await.0,
            403
        );
        let (s, v) = srv
            .json(
                Method::POST,
                &format!("/api/v1/webhook/deliveries/{}/retry", d.id),
                "admin",
                Value::Null,
            )
            .await;
        assert_eq!((s, v["error"]["code"].as_str()), (409, Some("not_failed")));
        srv.stop().await;
    }
}

#[tokio::test]
async fn an_unreachable_receiver_ends_failed_and_an_admin_can_retry() {
    // A port nothing listens on: bind one, note it, let it go.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    for srv in TestServer::all(|c| {
        c.webhook.url = Some(format!("http://{dead}/hook"));
        c.webhook.secret = Some(SECRET.into());
        c.webhook.retry_base_ms = 50;
        c.webhook.max_attempts = 2;
    })
    .await
    {
        let sitting = srv.open_sitting(1, 2, "more_than").await;
        let (s, _) = take(&srv, sitting, "admin").await;
        assert_eq!(
            s, 201,
            "a roll call with nobody present is still a roll call"
        );
        let id = deliveries(&srv).await[0].id;
        let d = settled(&srv, id).await;
        assert_eq!(
            (d.state, d.attempts, d.last_status),
            (rollcall_api::DeliveryState::Failed, 2, None),
            "{}: {d:?}",
            srv.label
        );
        assert!(
            d.last_error
                .as_deref()
                .unwrap_or("")
                .contains("could not reach"),
            "{d:?}"
        );
        let (s, v) = srv
            .json(
                Method::POST,
                &format!("/api/v1/webhook/deliveries/{id}/retry"),
                "admin",
                Value::Null,
            )
            .await;
        assert_eq!(s, 200, "{v}");
        let d = settled(&srv, id).await;
        assert_eq!(
            (d.state, d.attempts),
            (rollcall_api::DeliveryState::Failed, 2)
        );
        assert_eq!(
            srv.json(
                Method::POST,
                "/api/v1/webhook/deliveries/999/retry",
                "admin",
                Value::Null
            )
            .await
            .0,
            404
        );
        srv.stop().await;
    }
}
