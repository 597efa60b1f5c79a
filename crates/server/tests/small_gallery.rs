//! A small sitting: three people enrolled from one photo each, far below the size the thresholds
//! were once tuned for. Each walks past the kiosk and is checked in from another picture; nobody is
//! taken for somebody else. The threshold the server uses is the one derived for three templates.

use rollcall_api::FaceStatus;
use rollcall_testkit::{camera_frame, captured, TestServer};

#[tokio::test]
async fn three_people_enrolled_each_check_in_from_another_picture() {
    // One frame decides here: agreeing frames need distinct captures, and zoomed copies of one
    // photograph may rightly count as one (the walk-by tests cover agreement).
    for srv in TestServer::all(|c| c.recognition.frames_required = 1).await {
        let people = [
            ("O", "Barack Obama", "obama.jpg", "obama3.jpg"),
            ("B", "Joe Biden", "biden.jpg", "biden.jpg"),
            ("C", "Eileen Collins", "collins.jpg", "collins.jpg"),
        ];
        let mut ids = Vec::new();
        for (ext, name, enrol, _) in people {
            let id = srv.delegate(ext, name, "North").await;
            let (s, v) = srv.enrol(id, enrol).await;
            assert_eq!(s, 201, "{}: {name}: {v}", srv.label);
            ids.push(id);
        }
        let small = srv.state.recognizer.threshold();
        assert!(!srv.state.recognizer.is_normalised());
        // The threshold is the one the shipped curves give for three raw-scored templates at the
        // configured FPIR, and below the one they give for the 830 of the development set.
        let curves = rollcall_checkin::Calibration::default_curves();
        let fpir = srv.state.config.recognition.fpir;
        assert_eq!(srv.state.recognizer.len(), 3, "{}", srv.label);
        assert_eq!(small, curves.threshold(false, 3, fpir), "{}", srv.label);
        assert!(small < curves.threshold(false, 830, fpir), "{}", srv.label);
        let sitting = srv.open_sitting(1, 2, "more_than").await;
        for ((_, name, _, probe), id) in people.iter().zip(&ids) {
            // Another picture at the kiosk: Obama's third portrait, and for the two with one
            // photo, their portrait as a kiosk camera would frame them (scaled, cropped and
            // JPEG-encoded anew), at two distances. Liveness is on, as in production.
            let frames = [camera_frame(probe, 1.0), camera_frame(probe, 1.3)];
            let mut statuses = Vec::new();
            for (k, frame) in frames.into_iter().enumerate() {
                let answer = srv
                    .frame_answer(&format!("{name}-{k}"), &captured(k as i64 * 500), frame)
                    .await;
                assert_eq!(answer.faces.len(), 1, "{}: {name}: {answer:?}", srv.label);
                let face = &answer.faces[0];
                assert!(
                    face.score >= small,
                    "{}: {name} scored {} under the threshold {small}",
                    srv.label,
                    face.score
                );
                if let Some(d) = &face.delegate {
                    assert_eq!(d.id, *id, "{}: {name} taken for {}", srv.label, d.full_name);
                }
                statuses.push(face.status);
            }
            assert_eq!(
                statuses,
                [FaceStatus::CheckedIn, FaceStatus::AlreadyCheckedIn],
                "{}: {name}",
                srv.label
            );
        }
        let (_, att) = srv
            .get(
                &format!("/api/v1/sittings/{sitting}/attendance"),
                "presidium",
            )
            .await;
        assert_eq!(att["present"], 3, "{}: {att}", srv.label);
        srv.stop().await;
    }
}

/// The thresholds the shipped calibration gives rise with the number enrolled, in both scoring
/// modes, from one template to a hundred thousand: more people enrolled, more chances for an
/// impostor to collide, a higher bar.
#[test]
fn the_shipped_thresholds_rise_with_the_gallery() {
    let calibration = rollcall_checkin::Calibration::default_curves();
    for normalised in [false, true] {
        let mut last = f32::NEG_INFINITY;
        for n in [
            1, 2, 3, 5, 10, 20, 50, 100, 200, 400, 830, 2000, 10_000, 100_000,
        ] {
            let t = calibration.threshold(normalised, n, 1e-3);
            assert!(
                t > last,
                "normalised {normalised}: {n} templates: {t} after {last}"
            );
            last = t;
        }
    }
}
