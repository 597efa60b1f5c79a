//! Sizes a careless or hostile client cannot exceed: JSON bodies, names, reasons. Each refusal is a
//! clear 413 or 422 that changes nothing. On SQLite and PostgreSQL.

use reqwest::Method;
use rollcall_testkit::TestServer;
use serde_json::json;

#[tokio::test]
async fn oversized_json_and_overlong_text_are_refused_and_change_nothing() {
    for srv in TestServer::all(|_| {}).await {
        let label = srv.label;
        let quorum = json!({"numerator": 1, "denominator": 2, "rule": "more_than"});
        let sitting = |name: String| json!({"name": name, "quorum": quorum});
        // A megabyte of sitting name: stopped at the body limit, before it is parsed.
        let (s, v) = srv
            .json(
                Method::POST,
                "/api/v1/sittings",
                "admin",
                sitting("x".repeat(1 << 20)),
            )
            .await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (413, Some("payload_too_large")),
            "{label}"
        );
        // Within the body limit but longer than a name: 422 with the bound.
        let (s, v) = srv
            .json(
                Method::POST,
                "/api/v1/sittings",
                "admin",
                sitting("Đ".repeat(201)),
            )
            .await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (422, Some("invalid_name")),
            "{label}"
        );
        assert!(
            v["error"]["message"].as_str().unwrap().contains("200"),
            "{v}"
        );
        assert_eq!(
            srv.get("/api/v1/sittings", "admin").await.1,
            json!([]),
            "{label}"
        );
        let long_name = "Phiên họp trù bị, Đại hội Đảng bộ tỉnh Hà Tĩnh lần thứ XX ".repeat(3);
        let (s, _) = srv
            .json(
                Method::POST,
                "/api/v1/sittings",
                "admin",
                sitting(long_name),
            )
            .await;
        assert_eq!(s, 201, "{label}: 173 characters are a name");

        // Delegates' fields and the reasons of check-ins by hand.
        let (s, v) = srv
            .json(
                Method::POST,
                "/api/v1/delegates",
                "staff",
                json!({"external_id": "X1", "full_name": "n".repeat(257), "delegation": "N"}),
            )
            .await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (422, Some("invalid_field"))
        );
        let id = srv.delegate("X1", "Reason Giver", "North").await;
        let open = srv.open_sitting(1, 2, "more_than").await;
        let checkins = format!("/api/v1/sittings/{open}/checkins");
        for reason in [String::new(), "r".repeat(501)] {
            let (s, v) = srv
                .json(
                    Method::POST,
                    &checkins,
                    "staff",
                    json!({"delegate_id": id, "reason": reason}),
                )
                .await;
            assert_eq!(
                (s, v["error"]["code"].as_str()),
                (422, Some("reason_required")),
                "{label}"
            );
        }
        let (_, att) = srv
            .get(&format!("/api/v1/sittings/{open}/attendance"), "staff")
            .await;
        assert_eq!(att["present"], 0, "{label}: nothing was checked in");
        let (s, _) = srv
            .json(
                Method::POST,
                &checkins,
                "staff",
                json!({"delegate_id": id, "reason": "r".repeat(500)}),
            )
            .await;
        assert_eq!(s, 201);
        srv.stop().await;
    }
}

#[tokio::test]
async fn image_bombs_get_a_clear_413_while_kiosks_keep_being_served() {
    use rollcall_testkit::{bombs, camera_frame, captured};
    let srv = TestServer::sqlite(|c| {
        c.workers = Some(2);
        c.queue = 16;
    })
    .await;
    let id = srv.delegate("P1", "Photo Target", "North").await;
    srv.open_sitting(1, 2, "more_than").await;
    let bomb_list = [
        ("image/png", bombs::png(8192, 8192, false)),
        ("image/png", bombs::png(8000, 8000, true)),
        ("image/gif", bombs::gif_screen(6000, 6000)),
    ];
    let photos = format!("/api/v1/delegates/{id}/photos");
    let sent = bomb_list.iter().enumerate().map(|(i, (ty, bytes))| {
        let (srv, photos) = (&srv, &photos);
        async move {
            let to_desk = srv
                .req(Method::POST, photos, "staff")
                .header("content-type", *ty)
                .body(bytes.clone())
                .send();
            let to_kiosk = srv
                .req(Method::POST, "/api/v1/kiosk/frames", "kiosk")
                .query(&[
                    ("kiosk_frame_id", format!("bomb-{i}")),
                    ("captured_at", captured(0)),
                ])
                .header("content-type", *ty)
                .body(bytes.clone())
                .send();
            let (a, b) = tokio::join!(to_desk, to_kiosk);
            let mut out = Vec::new();
            for r in [a.unwrap(), b.unwrap()] {
                let status = r.status().as_u16();
                let v: serde_json::Value = r.json().await.unwrap();
                out.push((
                    status,
                    v["error"]["code"].as_str().unwrap_or("").to_string(),
                ));
            }
            out
        }
    });
    let healthy = async {
        let mut statuses = Vec::new();
        for i in 0..6 {
            let (s, v) = srv
                .frame(
                    &format!("ok-{i}"),
                    &captured(0),
                    camera_frame("biden.jpg", 1.0),
                )
                .await;
            statuses.push((s, v["faces"].is_array()));
        }
        statuses
    };
    let (bombed, healthy) = tokio::join!(futures_util::future::join_all(sent), healthy);
    for answers in bombed {
        for (status, code) in answers {
            assert_eq!((status, code.as_str()), (413, "image_too_large"));
        }
    }
    assert!(
        healthy.iter().all(|&(s, faces)| s == 200 && faces),
        "{healthy:?}"
    );
    let (_, d) = srv.get(&format!("/api/v1/delegates/{id}"), "staff").await;
    assert_eq!(d["photos"], 0, "{d}");
    srv.stop().await;
}
