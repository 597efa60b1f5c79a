//! Who is expected and has not arrived, by delegation, as the desk sees it, on SQLite and
//! PostgreSQL: delegations and names in Vietnamese order, arrivals leave the list, a delegate
//! added after opening is not expected, and a closed sitting answers from its record.

use reqwest::Method;
use rollcall_testkit::TestServer;
use serde_json::{json, Value};

/// `(delegation, expected, [missing names])` rows of the answer.
fn rows(v: &Value) -> Vec<(String, i64, Vec<String>)> {
    v.as_array()
        .expect("a list")
        .iter()
        .map(|d| {
            let names = d["missing"].as_array().unwrap().iter();
            (
                d["delegation"].as_str().unwrap().to_string(),
                d["expected"].as_i64().unwrap(),
                names
                    .map(|m| m["full_name"].as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_desk_sees_who_has_not_arrived_by_delegation() {
    for srv in TestServer::all(|_| {}).await {
        let ha_tinh = "Đoàn đại biểu tỉnh Hà Tĩnh";
        let hai_phong = "Đoàn đại biểu thành phố Hải Phòng";
        let thao = srv
            .delegate("HT-1", "Nguyễn Thị Phương Thảo", ha_tinh)
            .await;
        srv.delegate("HT-2", "Trần Thị Ánh", ha_tinh).await;
        srv.delegate("HP-1", "Đỗ Mười", hai_phong).await;
        let an = srv.delegate("HP-2", "Lê Văn An", hai_phong).await;
        let sitting = srv.open_sitting(1, 2, "more_than").await;
        let path = format!("/api/v1/sittings/{sitting}/expected");

        let (s, v) = srv.get(&path, "staff").await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(
            rows(&v),
            [
                (
                    hai_phong.into(),
                    2,
                    vec!["Lê Văn An".into(), "Đỗ Mười".into()]
                ),
                (
                    ha_tinh.into(),
                    2,
                    vec!["Trần Thị Ánh".into(), "Nguyễn Thị Phương Thảo".into()]
                ),
            ],
            "{}",
            srv.label
        );

        // Arrivals leave the list; a delegate added after opening is not on the roll.
        assert_eq!(srv.checkin(sitting, thao).await.0, 201);
        assert_eq!(srv.checkin(sitting, an).await.0, 201);
        srv.delegate("HP-3", "Phạm Văn Đồng", hai_phong).await;
        let (_, v) = srv.get(&path, "presidium").await;
        assert_eq!(
            rows(&v),
            [
                (hai_phong.into(), 2, vec!["Đỗ Mười".into()]),
                (ha_tinh.into(), 2, vec!["Trần Thị Ánh".into()]),
            ],
            "{}",
            srv.label
        );

        // Closed: from the record, whatever is undone afterwards.
        let (s, _) = srv
            .json(
                Method::POST,
                &format!("/api/v1/sittings/{sitting}/close"),
                "admin",
                json!(null),
            )
            .await;
        assert_eq!(s, 200);
        let (_, closed) = srv.get(&path, "staff").await;
        assert_eq!(rows(&closed), rows(&v), "{}", srv.label);

        let (s, _) = srv.get(&path, "kiosk").await;
        assert_eq!(s, 403);
        let (s, _) = srv.get("/api/v1/sittings/9999/expected", "staff").await;
        assert_eq!(s, 404);
        srv.stop().await;
    }
}
