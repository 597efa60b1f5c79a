//! Liveness at the kiosk and the desk, through a real server: a printed photo never checks anyone
//! in, staff are alerted on the live event stream (and the audit keeps ids only), the same picture
//! sent twice is one capture, and a print is no enrolment photo.

use futures_util::StreamExt;
use rollcall_api::FaceStatus;
use rollcall_testkit::{camera_frame, captured, liveness_sample, TestServer};
use serde_json::Value;

/// Reads server-sent events from `resp` until one named `name` arrives (or ten seconds pass).
async fn next_event(resp: reqwest::Response, name: &str) -> Option<Value> {
    let mut stream = resp.bytes_stream();
    let mut buf = String::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while let Ok(Some(chunk)) = tokio::time::timeout_at(deadline, stream.next()).await {
        buf.push_str(&String::from_utf8_lossy(&chunk.ok()?));
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            let event = block
                .lines()
                .find_map(|l| l.strip_prefix("event:"))
                .map(str::trim);
            let data = block.lines().find_map(|l| l.strip_prefix("data:"));
            if event == Some(name) {
                return data.and_then(|d| serde_json::from_str(d.trim()).ok());
            }
        }
    }
    None
}

#[tokio::test]
async fn a_printed_photo_never_checks_in_and_staff_are_alerted() {
    for srv in TestServer::all(|_| {}).await {
        let id = srv.delegate("O", "Barack Obama", "USA").await;
        assert_eq!(srv.enrol(id, "obama.jpg").await.0, 201);
        let sitting = srv.open_sitting(1, 2, "more_than").await;
        let events = srv
            .req(
                reqwest::Method::GET,
                &format!("/api/v1/sittings/{sitting}/events"),
                "staff",
            )
            .send()
            .await
            .unwrap();
        assert_eq!(events.status(), 200);

        // The print, held up twice: two frames, neither checks in, and the kiosk names nobody.
        for k in 0..2 {
            let answer = srv
                .frame_answer(
                    &format!("print-{k}"),
                    &captured(k * 400),
                    liveness_sample("print.jpg"),
                )
                .await;
            assert_eq!(answer.faces.len(), 1, "{}: {answer:?}", srv.label);
            assert_eq!(
                answer.faces[0].status,
                FaceStatus::SpoofSuspected,
                "{}",
                srv.label
            );
            assert_eq!(answer.faces[0].delegate, None);
        }
        let alert = next_event(events, "alert").await.expect("an alert event");
        assert_eq!(alert["kind"], "spoof_suspected", "{alert}");
        assert_eq!(alert["kiosk"]["name"], "kiosk", "{alert}");
        assert!(alert["liveness"].as_f64().unwrap() < 0.5, "{alert}");
        assert!(alert.get("photo").is_none() && alert.get("image").is_none());

        let (_, att) = srv
            .get(
                &format!("/api/v1/sittings/{sitting}/attendance"),
                "presidium",
            )
            .await;
        assert_eq!(att["present"], 0, "{}: {att}", srv.label);
        let log = srv.state.store.audit_log(5).await.unwrap();
        let spoof = log
            .iter()
            .find(|e| e.2 == "liveness.spoof_suspected")
            .expect("audited");
        assert!(spoof.4.contains("liveness:") && !spoof.4.contains("Obama"));
        let metrics = srv
            .client
            .get(srv.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            metrics.contains("rollcall_faces_total{status=\"spoof_suspected\"} 2"),
            "{metrics}"
        );
        srv.stop().await;
    }
}

#[tokio::test]
async fn the_same_picture_twice_is_one_capture() {
    let srv = TestServer::sqlite(|_| {}).await;
    let id = srv.delegate("O", "Barack Obama", "USA").await;
    assert_eq!(srv.enrol(id, "obama.jpg").await.0, 201);
    srv.open_sitting(1, 2, "more_than").await;
    let picture = camera_frame("obama.jpg", 1.0);
    let mut statuses = Vec::new();
    for (k, frame) in [picture.clone(), picture, camera_frame("obama.jpg", 1.3)]
        .into_iter()
        .enumerate()
    {
        let answer = srv
            .frame_answer(&format!("f{k}"), &captured(k as i64 * 300), frame)
            .await;
        statuses.push(answer.faces[0].status);
    }
    assert_eq!(
        statuses,
        [
            FaceStatus::Pending,
            FaceStatus::Pending,
            FaceStatus::CheckedIn
        ],
        "the repeated picture did not count as a second frame; a new capture did"
    );
    srv.stop().await;
}

#[tokio::test]
async fn a_printed_photo_is_no_enrolment_photo() {
    let srv = TestServer::sqlite(|_| {}).await;
    let id = srv.delegate("P", "Printed Person", "USA").await;
    let (s, v) = srv
        .upload(
            &format!("/api/v1/delegates/{id}/photos"),
            "staff",
            liveness_sample("print.jpg"),
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (422, Some("spoof_suspected")),
        "{v}"
    );
    let (s, v) = srv
        .upload(
            &format!("/api/v1/delegates/{id}/photos"),
            "staff",
            liveness_sample("live.jpg"),
        )
        .await;
    assert_eq!(s, 201, "the same person, live: {v}");
    srv.stop().await;
}
