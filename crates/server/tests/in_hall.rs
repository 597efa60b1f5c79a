//! Who is in the hall now: a delegate walks in past the entrance kiosk, out past the exit kiosk and
//! back in; the desk marks someone out and back in; attendance keeps both counts, the sitting's
//! basis says which one its quorum and its roll calls take.

use rollcall_api::{
    Attendance, FaceStatus, FrameAnswer, KioskDirection, Movement, QuorumBasis, RollCall,
    SignedRollCall,
};
use rollcall_testkit::{camera_frame, captured, TestServer};
use serde_json::json;

/// Creates and opens a sitting counting more than half, on `basis`.
async fn open_on(srv: &TestServer, basis: &str) -> i64 {
    let (s, v) = srv
        .json(
            reqwest::Method::POST,
            "/api/v1/sittings",
            "admin",
            json!({"name": "Plenary", "quorum":
                {"numerator": 1, "denominator": 2, "rule": "more_than", "basis": basis}}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["quorum_basis"], basis);
    let id = v["id"].as_i64().unwrap();
    let (s, v) = srv
        .json(
            reqwest::Method::POST,
            &format!("/api/v1/sittings/{id}/open"),
            "admin",
            serde_json::Value::Null,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    id
}

/// Two distinct captures of Obama at `door` (zooms `a` and `b`), `at_ms` apart from now: the
/// statuses answered.
async fn walk_past(
    srv: &TestServer,
    door: &str,
    tag: &str,
    at_ms: i64,
    zooms: [f32; 2],
) -> Vec<(FaceStatus, Option<String>)> {
    let mut out = Vec::new();
    for (k, zoom) in zooms.into_iter().enumerate() {
        let (s, v) = srv
            .frame_at(
                door,
                &format!("{tag}-{k}"),
                &captured(at_ms + k as i64 * 300),
                camera_frame("obama.jpg", zoom),
            )
            .await;
        assert_eq!(s, 200, "{}: {v}", srv.label);
        let answer: FrameAnswer = serde_json::from_value(v).unwrap();
        assert_eq!(answer.faces.len(), 1, "{}: {answer:?}", srv.label);
        let face = &answer.faces[0];
        out.push((
            face.status,
            face.delegate.as_ref().map(|d| d.full_name.clone()),
        ));
    }
    out
}

/// What two agreeing captures get: the first waits, namelessly; the second records `status`.
fn confirmed(status: FaceStatus, name: &Option<String>) -> Vec<(FaceStatus, Option<String>)> {
    vec![(FaceStatus::Pending, None), (status, name.clone())]
}

/// (checked in, in the hall, counted for quorum).
async fn counts(srv: &TestServer, sitting: i64) -> (i64, i64, i64) {
    let a = attendance(srv, sitting).await;
    (a.checked_in, a.in_hall, a.present)
}

async fn attendance(srv: &TestServer, sitting: i64) -> Attendance {
    let (s, v) = srv
        .get(
            &format!("/api/v1/sittings/{sitting}/attendance"),
            "presidium",
        )
        .await;
    assert_eq!(s, 200, "{v}");
    serde_json::from_value(v).unwrap()
}

#[tokio::test]
async fn a_delegate_walks_in_out_and_back_in() {
    for srv in TestServer::all(|_| {}).await {
        let obama = srv.delegate("O", "Barack Obama", "USA").await;
        let biden = srv.delegate("B", "Joe Biden", "USA").await;
        assert_eq!(srv.enrol(obama, "obama.jpg").await.0, 201);
        let sitting = open_on(&srv, "in_hall").await;
        let name = Some("Barack Obama".to_string());

        // Leaving before ever checking in records nothing.
        let early = walk_past(&srv, "exit", "early", 0, [1.0, 1.3]).await;
        assert_eq!(
            early,
            [
                (FaceStatus::NotCheckedIn, name.clone()),
                (FaceStatus::NotCheckedIn, name.clone())
            ],
            "{}",
            srv.label
        );

        // In: the second distinct capture checks him in.
        let entering = walk_past(&srv, "kiosk", "in", 1_000, [1.0, 1.3]).await;
        assert_eq!(
            entering,
            confirmed(FaceStatus::CheckedIn, &name),
            "{}",
            srv.label
        );
        assert_eq!(counts(&srv, sitting).await, (1, 1, 1), "{}", srv.label);

        // Out: the exit needs agreeing captures too (a wrong check-out is a wrong count), and
        // names nobody until it is sure.
        let leaving = walk_past(&srv, "exit", "out", 3_000, [1.0, 1.3]).await;
        assert_eq!(
            leaving,
            confirmed(FaceStatus::CheckedOut, &name),
            "{}",
            srv.label
        );
        let again = walk_past(&srv, "exit", "out-again", 3_600, [1.15, 1.45]).await;
        assert!(
            again.iter().all(|f| f.0 == FaceStatus::AlreadyCheckedOut),
            "{}: {again:?}",
            srv.label
        );
        let a = attendance(&srv, sitting).await;
        assert_eq!(a.basis, QuorumBasis::InHall);
        assert_eq!(
            (a.checked_in, a.in_hall, a.present),
            (1, 0, 0),
            "{}",
            srv.label
        );
        assert_eq!(a.by_delegation[0].present, 1);
        assert_eq!(a.by_delegation[0].in_hall, 0);
        assert!(!a.checkins[0].in_hall, "{}: {:?}", srv.label, a.checkins);

        // Back in through the entrance.
        // Other distances than on the way in: enlargements of one portrait closer in scale than
        // about 1.2 can be all but the same picture to the embedders, hence one capture.
        let back = walk_past(&srv, "kiosk", "back", 6_000, [1.6, 2.0]).await;
        assert_eq!(
            back,
            confirmed(FaceStatus::Returned, &name),
            "{}",
            srv.label
        );
        assert_eq!(counts(&srv, sitting).await, (1, 1, 1), "{}", srv.label);

        // The desk marks Biden, checked in by hand, out and back in.
        assert_eq!(srv.checkin(sitting, biden).await.0, 201);
        let checkout = |reason: &str| json!({"delegate_id": biden, "reason": reason});
        let path = format!("/api/v1/sittings/{sitting}/checkouts");
        let (s, v) = srv
            .json(
                reqwest::Method::POST,
                &path,
                "staff",
                checkout("went to the press room"),
            )
            .await;
        assert_eq!((s, v["status"].as_str()), (201, Some("checked_out")), "{v}");
        let (s, v) = srv
            .json(reqwest::Method::POST, &path, "staff", checkout("again"))
            .await;
        assert_eq!((s, v["status"].as_str()), (200, Some("already_out")), "{v}");
        assert_eq!(counts(&srv, sitting).await, (2, 1, 1), "{}", srv.label);
        let (s, v) = srv.checkin(sitting, biden).await;
        assert_eq!((s, v["status"].as_str()), (200, Some("returned")), "{v}");
        let (s, v) = srv.checkin(sitting, biden).await;
        assert_eq!(
            (s, v["status"].as_str()),
            (200, Some("already_checked_in")),
            "{v}"
        );

        // Every passage after a check-in is kept, in the order of its time (a kiosk's is the
        // frame's capture time, here ahead of the desk's), with how it was made.
        let (s, v) = srv
            .get(
                &format!("/api/v1/sittings/{sitting}/movements"),
                "presidium",
            )
            .await;
        assert_eq!(s, 200, "{v}");
        let moves: Vec<Movement> = serde_json::from_value(v).unwrap();
        assert!(moves.windows(2).all(|w| w[0].at <= w[1].at), "{moves:?}");
        let of = |id: i64| -> Vec<_> {
            moves
                .iter()
                .filter(|m| m.delegate_id == id)
                .map(|m| (m.direction, m.method.clone()))
                .collect()
        };
        assert_eq!(
            of(obama),
            [
                (KioskDirection::Exit, "kiosk".to_string()),
                (KioskDirection::Entrance, "kiosk".to_string())
            ],
            "{}",
            srv.label
        );
        assert_eq!(
            of(biden),
            [
                (KioskDirection::Exit, "manual".to_string()),
                (KioskDirection::Entrance, "manual".to_string())
            ],
            "{}",
            srv.label
        );

        // The audit has each passage, ids only.
        let audit = srv.state.store.audit_log(100).await.unwrap();
        let actions: Vec<&str> = audit.iter().map(|e| e.2.as_str()).collect();
        for action in [
            "exit.kiosk",
            "reentry.kiosk",
            "exit.manual",
            "reentry.manual",
        ] {
            assert!(actions.contains(&action), "{}: {actions:?}", srv.label);
        }
        assert!(audit.iter().all(|e| !e.4.contains("Obama")));
        srv.stop().await;
    }
}

#[tokio::test]
async fn the_desk_cannot_mark_out_whom_it_does_not_know() {
    for srv in TestServer::all(|_| {}).await {
        let never = srv.delegate("N", "Nguyễn Văn An", "Hà Tĩnh").await;
        let sitting = open_on(&srv, "checked_in").await;
        let path = format!("/api/v1/sittings/{sitting}/checkouts");
        let post = |body| srv.json(reqwest::Method::POST, &path, "staff", body);
        let (s, v) = post(json!({"delegate_id": never, "reason": "left"})).await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (409, Some("not_checked_in")),
            "{v}"
        );
        let (s, v) = post(json!({"delegate_id": 999_999, "reason": "left"})).await;
        assert_eq!(s, 404, "{v}");
        let (s, v) = post(json!({"delegate_id": never, "reason": " "})).await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (422, Some("reason_required")),
            "{v}"
        );
        // A kiosk may not mark anyone out by hand.
        let (s, _) = srv
            .json(
                reqwest::Method::POST,
                &path,
                "kiosk",
                json!({"delegate_id": never, "reason": "x"}),
            )
            .await;
        assert_eq!(s, 403);
        // Nor may a sitting carry an unknown basis.
        let (s, v) = srv
            .json(
                reqwest::Method::POST,
                "/api/v1/sittings",
                "admin",
                json!({"name": "X", "quorum":
                    {"numerator": 1, "denominator": 2, "rule": "more_than", "basis": "seated"}}),
            )
            .await;
        assert_eq!(s, 422, "{v}");
        srv.stop().await;
    }
}

#[tokio::test]
async fn a_roll_call_on_the_in_hall_basis_takes_who_is_in_the_hall() {
    for srv in TestServer::all(|_| {}).await {
        let mut ids = Vec::new();
        for (ext, name) in [
            ("A", "Đặng Thị Hoa"),
            ("B", "Trần Thị Ánh"),
            ("C", "Đỗ Mười"),
        ] {
            ids.push(srv.delegate(ext, name, "Hà Tĩnh").await);
        }
        for basis in ["in_hall", "checked_in"] {
            let sitting = open_on(&srv, basis).await;
            for id in &ids {
                assert_eq!(srv.checkin(sitting, *id).await.0, 201);
            }
            let (s, v) = srv
                .json(
                    reqwest::Method::POST,
                    &format!("/api/v1/sittings/{sitting}/checkouts"),
                    "staff",
                    json!({"delegate_id": ids[1], "reason": "left for lunch"}),
                )
                .await;
            assert_eq!(s, 201, "{v}");
            let (s, v) = srv
                .json(
                    reqwest::Method::POST,
                    &format!("/api/v1/sittings/{sitting}/roll-calls"),
                    "presidium",
                    serde_json::Value::Null,
                )
                .await;
            assert_eq!(s, 201, "{v}");
            let signed: SignedRollCall = serde_json::from_value(v).unwrap();
            let rc: RollCall = signed.roll_call;
            let present: Vec<i64> = rc.delegates.iter().map(|d| d.delegate_id).collect();
            if basis == "in_hall" {
                assert_eq!(rc.quorum.basis, QuorumBasis::InHall);
                assert_eq!(present, [ids[0], ids[2]], "{}", srv.label);
                assert_eq!((rc.present, rc.eligible, rc.required), (2, 3, 2));
            } else {
                assert_eq!(rc.quorum.basis, QuorumBasis::CheckedIn);
                assert_eq!(present, ids, "{}", srv.label);
                assert_eq!((rc.present, rc.eligible, rc.required), (3, 3, 2));
            }
            let (s, v) = srv
                .json(
                    reqwest::Method::POST,
                    &format!("/api/v1/sittings/{sitting}/close"),
                    "admin",
                    serde_json::Value::Null,
                )
                .await;
            assert_eq!(s, 200, "{v}");
            // Closed, the record keeps who was in the hall at closing.
            let a = attendance(&srv, sitting).await;
            assert_eq!((a.checked_in, a.in_hall), (3, 2), "{}", srv.label);
        }
        srv.stop().await;
    }
}

#[tokio::test]
async fn kiosk_tokens_carry_their_door() {
    let srv = TestServer::sqlite(|_| {}).await;
    let create = |body| srv.json(reqwest::Method::POST, "/api/v1/tokens", "admin", body);
    let (s, v) = create(json!({"name": "door B out", "role": "kiosk", "direction": "exit"})).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["info"]["direction"], "exit");
    let exit = v["token"].as_str().unwrap().to_string();
    let (s, v) = create(json!({"name": "door A", "role": "kiosk"})).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(
        v["info"]["direction"], "entrance",
        "a kiosk faces the entrance by default"
    );
    let (s, v) = create(json!({"name": "desk", "role": "staff", "direction": "exit"})).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (422, Some("invalid_direction")),
        "{v}"
    );
    let (s, v) = create(json!({"name": "desk", "role": "staff"})).await;
    assert_eq!(s, 201);
    assert!(v["info"]["direction"].is_null(), "{v}");
    // The kiosk learns its door from its session.
    let session: serde_json::Value = srv
        .client
        .get(srv.url("/api/v1/session"))
        .bearer_auth(&exit)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(session["direction"], "exit", "{session}");
    srv.stop().await;
}
