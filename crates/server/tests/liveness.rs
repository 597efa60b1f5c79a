//! Liveness at the kiosk and the desk, through a real server: a printed photo never checks anyone
//! in, staff are alerted on the live event stream (and the audit keeps ids only), the same picture
//! sent twice is one capture, and a print is no enrolment photo from the desk's camera (as a file
//! its low liveness is advisory, shown and recorded).

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
        let metrics = srv.metrics().await;
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
async fn a_printed_photo_is_refused_from_the_desk_camera_and_advisory_as_a_file() {
    // The print fixture is a phone photo of a print held at an angle (frontal 0.30): the pose rule
    // is relaxed here so that liveness is the only rule this photo meets.
    let srv = TestServer::sqlite(|c| c.enrolment.min_frontal = 0.25).await;
    let id = srv.delegate("P", "Printed Person", "USA").await;
    let photos = format!("/api/v1/delegates/{id}/photos");
    // Held up to the desk's camera, a print is a presentation attack: refused.
    let (s, v) = srv
        .upload(
            &format!("{photos}?source=camera"),
            "staff",
            liveness_sample("print.jpg"),
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (422, Some("spoof_suspected")),
        "{v}"
    );
    assert_eq!(srv.state.recognizer.len(), 0, "nothing enrolled");
    // The same picture uploaded as a file is a photograph by nature: accepted, with its score
    // shown and recorded.
    let (s, v) = srv
        .upload(&photos, "staff", liveness_sample("print.jpg"))
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["source"], "file", "{v}");
    assert_eq!(v["liveness_low"], true, "{v}");
    let liveness = v["liveness"].as_f64().expect("a score");
    assert!(
        liveness < f64::from(srv.state.config.liveness.threshold),
        "{v}"
    );
    let log = srv.state.store.audit_log(5).await.unwrap();
    let added = log.iter().find(|e| e.2 == "photo.add").expect("audited");
    assert!(
        added.4.contains("file liveness") && added.4.contains("below"),
        "{added:?}"
    );
    // A live capture from the camera passes, and is not flagged.
    let (s, v) = srv
        .upload(
            &format!("{photos}?source=camera"),
            "staff",
            liveness_sample("live.jpg"),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(
        (v["source"].as_str(), v["liveness_low"].as_bool()),
        (Some("camera"), Some(false))
    );
    let metrics = srv.metrics().await;
    assert!(
        metrics.contains("rollcall_enrolment_liveness_low_total 1"),
        "{metrics}"
    );
    // An unknown source is a clear 400, and nothing is added.
    let (s, v) = srv
        .upload(
            &format!("{photos}?source=scanner"),
            "staff",
            liveness_sample("live.jpg"),
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (400, Some("invalid_query")),
        "{v}"
    );
    assert_eq!(srv.state.recognizer.len(), 2);
    srv.stop().await;
}
