//! A sitting's count cannot change after the fact: the eligible roll is fixed when it opens, a
//! closed sitting's attendance, quorum and CSV read from what was recorded, and the only change to
//! a closed sitting is an admin's amendment with a reason, shown as such. On SQLite and PostgreSQL.

use reqwest::Method;
use rollcall_testkit::TestServer;
use serde_json::{json, Value};

async fn figures(srv: &TestServer, sitting: i64) -> (i64, i64, i64, bool, Value) {
    let (s, a) = srv
        .get(
            &format!("/api/v1/sittings/{sitting}/attendance"),
            "presidium",
        )
        .await;
    assert_eq!(s, 200, "{a}");
    (
        a["eligible"].as_i64().unwrap(),
        a["present"].as_i64().unwrap(),
        a["required"].as_i64().unwrap(),
        a["quorum_reached"].as_bool().unwrap(),
        a,
    )
}

async fn csv(srv: &TestServer, sitting: i64) -> String {
    srv.req(
        Method::GET,
        &format!("/api/v1/sittings/{sitting}/attendance.csv"),
        "presidium",
    )
    .send()
    .await
    .unwrap()
    .text()
    .await
    .unwrap()
}

#[tokio::test]
async fn a_closed_sitting_keeps_its_count_whatever_happens_to_delegates() {
    for srv in TestServer::all(|_| {}).await {
        let mut ids = Vec::new();
        for i in 0..4 {
            ids.push(
                srv.delegate(&format!("R{i}"), &format!("Member {i}"), "North")
                    .await,
            );
        }
        let sitting = srv.open_sitting(1, 2, "more_than").await;
        let checkins = format!("/api/v1/sittings/{sitting}/checkins");
        for &id in &ids[..3] {
            let (s, v) = srv.checkin(sitting, id).await;
            assert_eq!(s, 201, "{v}");
        }

        // Added after opening: not on the roll until an admin puts them there, with a reason.
        let late = srv.delegate("R9", "Late Member", "South").await;
        assert_eq!(
            figures(&srv, sitting).await.0,
            4,
            "{}: the roll is fixed",
            srv.label
        );
        let roll = format!("/api/v1/sittings/{sitting}/roll");
        let (s, v) = srv
            .json(
                Method::POST,
                &roll,
                "staff",
                json!({"delegate_id": late, "reason": "x"}),
            )
            .await;
        assert_eq!((s, v["error"]["code"].as_str()), (403, Some("forbidden")));
        let (s, v) = srv
            .json(
                Method::POST,
                &roll,
                "admin",
                json!({"delegate_id": late, "reason": ""}),
            )
            .await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (422, Some("reason_required"))
        );
        let (s, _) = srv
            .json(
                Method::POST,
                &roll,
                "admin",
                json!({"delegate_id": late, "reason": "credentials accepted"}),
            )
            .await;
        assert_eq!(s, 201);
        assert_eq!(figures(&srv, sitting).await.0, 5);

        srv.json(
            Method::POST,
            &format!("/api/v1/sittings/{sitting}/close"),
            "admin",
            Value::Null,
        )
        .await;
        let before = figures(&srv, sitting).await;
        assert_eq!(
            (before.0, before.1, before.2, before.3),
            (5, 3, 3, true),
            "{}",
            srv.label
        );
        let csv_before = csv(&srv, sitting).await;

        // Twenty more delegates, one made ineligible, one present delegate erased.
        for i in 0..20 {
            srv.delegate(&format!("N{i}"), &format!("New {i}"), "East")
                .await;
        }
        let (s, _) = srv
            .json(
                Method::PATCH,
                &format!("/api/v1/delegates/{}", ids[3]),
                "staff",
                json!({"eligible": false}),
            )
            .await;
        assert_eq!(s, 200);
        let (s, _) = srv
            .json(
                Method::DELETE,
                &format!("/api/v1/delegates/{}", ids[0]),
                "admin",
                Value::Null,
            )
            .await;
        assert_eq!(s, 204);
        let after = figures(&srv, sitting).await;
        assert_eq!(
            (after.0, after.1, after.2, after.3),
            (before.0, before.1, before.2, before.3),
            "{}: the closed sitting's count changed",
            srv.label
        );
        let csv_after = csv(&srv, sitting).await;
        assert_eq!(csv_after.lines().count(), csv_before.lines().count());
        assert!(
            !csv_after.contains("Member 0"),
            "the erased delegate's name is gone"
        );

        // Corrections of a closed sitting: not at the desk; an admin amends, with a reason.
        let r = srv
            .req(
                Method::DELETE,
                &format!(
                    "/api/v1/sittings/{sitting}/checkins/{}?reason=wrong",
                    ids[1]
                ),
                "staff",
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 409);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["code"], "sitting_closed");
        let (s, v) = srv
            .json(
                Method::POST,
                &checkins,
                "staff",
                json!({"delegate_id": ids[3], "reason": "late"}),
            )
            .await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (409, Some("sitting_not_open"))
        );
        let amend = format!("/api/v1/sittings/{sitting}/amendments");
        let remove =
            json!({"delegate_id": ids[1], "action": "remove", "reason": "left before the vote"});
        let (s, _) = srv
            .json(Method::POST, &amend, "staff", remove.clone())
            .await;
        assert_eq!(s, 403);
        let no_reason = json!({"delegate_id": ids[1], "action": "remove", "reason": " "});
        let (s, v) = srv.json(Method::POST, &amend, "admin", no_reason).await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (422, Some("reason_required"))
        );
        let (s, v) = srv
            .json(Method::POST, &amend, "admin", remove.clone())
            .await;
        assert_eq!(s, 201, "{v}");
        let (s, v) = srv.json(Method::POST, &amend, "admin", remove).await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (409, Some("conflict")),
            "nothing to remove"
        );
        let (e, p, r, q, a) = figures(&srv, sitting).await;
        assert_eq!((e, p, r, q), (5, 2, 3, false), "{}: {a}", srv.label);
        assert_eq!(a["amendments"][0]["action"], "remove");
        assert_eq!(a["amendments"][0]["reason"], "left before the vote");
        assert!(csv(&srv, sitting).await.contains("amendment:remove"));
        let add = json!({"delegate_id": late, "action": "add", "reason": "signed the register"});
        let (s, _) = srv.json(Method::POST, &amend, "admin", add).await;
        assert_eq!(s, 201);
        let (e, p, _, q, _) = figures(&srv, sitting).await;
        assert_eq!((e, p, q), (5, 3, true));
        // Only delegates on the roll can be amended.
        let stranger = json!({"delegate_id": 987654, "action": "add", "reason": "x"});
        let (s, _) = srv.json(Method::POST, &amend, "admin", stranger).await;
        assert_eq!(s, 404);

        // An open sitting is not amended: it is corrected at the desk.
        let other = srv.open_sitting(1, 2, "more_than").await;
        let (s, v) = srv
            .json(
                Method::POST,
                &format!("/api/v1/sittings/{other}/amendments"),
                "admin",
                json!({"delegate_id": ids[1], "action": "add", "reason": "x"}),
            )
            .await;
        assert_eq!((s, v["error"]["code"].as_str()), (409, Some("conflict")));
        srv.stop().await;
    }
}
