//! Self-calibration through a real server: the enrolled gallery is compared with itself after it
//! changes; when the delegates resemble one another more than the calibration's populations did,
//! the threshold rises, and the desk's endpoint, the metrics and a restarted server all say so.

use rollcall_testkit::{fixture_bytes, lookalike_templates, plain_quality, TestServer};
use serde_json::Value;

async fn threshold(srv: &TestServer) -> Value {
    let (s, v) = srv.get("/api/v1/recognition/threshold", "staff").await;
    assert_eq!(s, 200, "{}: {v}", srv.label);
    v
}

#[tokio::test]
async fn lookalike_delegates_raise_the_threshold_and_everyone_is_told() {
    for srv in TestServer::all(|_| {}).await {
        for (ext, name, photo) in [
            ("O", "Barack Obama", "obama.jpg"),
            ("B", "Joe Biden", "biden.jpg"),
            ("C", "Eileen Collins", "collins.jpg"),
        ] {
            let id = srv.delegate(ext, name, "North").await;
            assert_eq!(srv.enrol(id, photo).await.0, 201, "{}", srv.label);
        }
        let v = threshold(&srv).await;
        assert_eq!(v["templates"], 3, "{v}");
        assert_eq!(v["raised"], false, "{v}");
        assert!(
            v["self_calibration"].is_null(),
            "three people are too few to compare: {v}"
        );
        assert_eq!(v["threshold"], v["reference"], "{v}");
        let (s, _) = srv.get("/api/v1/recognition/threshold", "kiosk").await;
        assert_eq!(s, 403, "staff and admins only");

        // Forty more whose templates resemble one another far more than any two people of the
        // reference populations: stored as the enrolment route stores them.
        let quality = plain_quality();
        for (i, t) in lookalike_templates(40).iter().enumerate() {
            let id = srv
                .delegate(&format!("L{i}"), &format!("Look Alike {i}"), "South")
                .await;
            srv.state
                .store
                .add_photo(
                    id,
                    &fixture_bytes("obama.jpg"),
                    &quality,
                    &srv.state.model_id,
                    t,
                )
                .await
                .unwrap();
            srv.state.recognizer.add(id, t).unwrap();
        }
        srv.state.gallery_changed();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let v = loop {
            let v = threshold(&srv).await;
            if v["raised"] == true || std::time::Instant::now() > deadline {
                break v;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        };
        assert_eq!(v["raised"], true, "{}: {v}", srv.label);
        assert_eq!(v["self_calibration"]["delegates"], 43, "{v}");
        let excess = v["self_calibration"]["excess"].as_f64().unwrap();
        let (t, r) = (
            v["threshold"].as_f64().unwrap(),
            v["reference"].as_f64().unwrap(),
        );
        assert!(excess > 0.05 && (t - r - excess).abs() < 1e-4, "{v}");
        assert!((f64::from(srv.state.recognizer.threshold()) - t).abs() < 1e-6);
        let metrics = srv.metrics().await;
        let raise: f64 = metrics
            .lines()
            .find_map(|l| l.strip_prefix("rollcall_match_threshold_raise "))
            .expect("the raise is a metric")
            .parse()
            .unwrap();
        assert!((raise - excess).abs() < 1e-4, "{metrics}");

        // A server started on the same database holds the raised threshold from its first frame.
        let second = srv.beside("second").await;
        let v2 = threshold(&second).await;
        assert_eq!(
            (v2["raised"].as_bool(), v2["threshold"].as_f64()),
            (Some(true), Some(t))
        );
        second.stop().await;
        srv.stop().await;
    }
}
