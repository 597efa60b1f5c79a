//! Reasons typed at the desk can name people; the audit chain cannot forget. A roll addition's
//! reason is stored and audited in one transaction, the chain holding only its salted digest;
//! erasing the delegate deletes the text and the salt, and the chain still verifies
//! (`atomic_audit.rs`: a failing audit insert leaves no roll addition behind).

use reqwest::Method;
use rollcall_testkit::TestServer;
use serde_json::json;
use sqlx::Row;

const REASON: &str = "credentials of Tran Thi Reasonname checked by Nguyen Van Witness";

async fn digest_of(srv: &TestServer, action: &str) -> Vec<String> {
    srv.state
        .store
        .audit_log(100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.2 == action)
        .map(|e| {
            assert!(!e.4.contains("Reasonname"), "{}: {e:?}", srv.label);
            e.4.split("reason:")
                .nth(1)
                .expect("the digest is in the entry")
                .to_string()
        })
        .collect()
}

#[tokio::test]
async fn a_roll_addition_keeps_its_reason_erasably_and_audits_its_digest() {
    for srv in TestServer::all(|_| {}).await {
        srv.delegate("A", "Early Member", "North").await;
        let sitting = srv.open_sitting(1, 2, "more_than").await;
        let late = srv.delegate("L", "Late Member", "North").await;
        let roll = format!("/api/v1/sittings/{sitting}/roll");
        let add = || {
            srv.json(
                Method::POST,
                &roll,
                "admin",
                json!({"delegate_id": late, "reason": REASON}),
            )
        };
        assert_eq!(add().await.0, 201, "{}", srv.label);
        let digests = digest_of(&srv, "sitting.roll_add").await;
        assert_eq!(digests.len(), 1);
        let kept = srv.state.store.reason(&digests[0]).await.unwrap().unwrap();
        assert_eq!(
            (kept.text.as_str(), kept.delegate_id, kept.intact),
            (REASON, late, true)
        );
        let on_roll: Option<String> = sqlx::query(
            "SELECT reason_digest FROM sitting_roll WHERE sitting_id = $1 AND delegate_id = $2",
        )
        .bind(sitting)
        .bind(late)
        .fetch_one(srv.state.store.pool())
        .await
        .unwrap()
        .get("reason_digest");
        assert_eq!(on_roll.as_deref(), Some(digests[0].as_str()));
        // Already on the roll: nothing stored, nothing audited.
        assert_eq!(add().await.0, 200);
        assert_eq!(digest_of(&srv, "sitting.roll_add").await.len(), 1);

        // A check-in taken back at the desk: its reason goes the same way.
        assert_eq!(srv.checkin(sitting, late).await.0, 201);
        let (s, v) = srv
            .json(
                Method::DELETE,
                &format!(
                    "/api/v1/sittings/{sitting}/checkins/{late}?reason=Reasonname%20left%20early"
                ),
                "staff",
                serde_json::Value::Null,
            )
            .await;
        assert_eq!(s, 204, "{v}");
        let removed = digest_of(&srv, "checkin.remove").await;
        assert_eq!(removed.len(), 1);

        // Erased: the texts and salts go, the digests stay and the chain verifies.
        let (s, _) = srv
            .json(
                Method::DELETE,
                &format!("/api/v1/delegates/{late}"),
                "admin",
                serde_json::Value::Null,
            )
            .await;
        assert_eq!(s, 204);
        for d in digests.iter().chain(&removed) {
            assert_eq!(srv.state.store.reason(d).await.unwrap(), None, "{d}");
        }
        assert_eq!(digest_of(&srv, "sitting.roll_add").await, digests);
        let report = srv.state.store.audit_report().await.unwrap();
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        if srv.label == "sqlite" {
            let bytes = srv.database_bytes();
            assert!(
                !rollcall_testkit::contains_bytes(&bytes, b"Reasonname"),
                "on disk"
            );
        }
        srv.stop().await;
    }
}
