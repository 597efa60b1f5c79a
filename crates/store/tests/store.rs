mod common;

use rollcall_api::{DelegatePatch, NewDelegate, QuorumBasis, QuorumRule, SittingStatus};
use rollcall_store::{CheckinOutcome, Store, StoreError};

fn delegate(ext: &str, name: &str, delegation: &str, eligible: bool) -> NewDelegate {
    NewDelegate {
        external_id: ext.into(),
        full_name: name.into(),
        delegation: delegation.into(),
        eligible,
    }
}

#[tokio::test]
async fn delegates_are_created_found_updated_and_unique() {
    for db in common::databases().await {
        let s = &db.store;
        let a = s
            .create_delegate(&delegate("A-1", "Ada Lovelace", "North", true))
            .await
            .unwrap();
        s.create_delegate(&delegate("B-2", "Charles Babbage", "South", true))
            .await
            .unwrap();
        let err = s
            .create_delegate(&delegate("A-1", "Someone Else", "North", true))
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Conflict(ref m) if m.contains("A-1")),
            "{}: {err}",
            db.label
        );
        assert_eq!(
            s.delegates(Some("lovel")).await.unwrap().len(),
            1,
            "{}",
            db.label
        );
        assert_eq!(
            s.delegates(Some("%")).await.unwrap().len(),
            0,
            "{}: wildcards are literal",
            db.label
        );
        assert_eq!(s.delegates(None).await.unwrap().len(), 2);
        let patched = s
            .update_delegate(
                a.id,
                &DelegatePatch {
                    eligible: Some(false),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert!(!patched.eligible && patched.full_name == "Ada Lovelace");
        let clash = s
            .update_delegate(
                a.id,
                &DelegatePatch {
                    external_id: Some("B-2".into()),
                    ..Default::default()
                },
            )
            .await;
        assert!(
            matches!(clash, Err(StoreError::Conflict(_))),
            "{}",
            db.label
        );
        assert!(matches!(
            s.update_delegate(999, &DelegatePatch::default()).await,
            Err(StoreError::NotFound(_))
        ));
        db.cleanup().await;
    }
}

#[tokio::test]
async fn erasing_a_delegate_removes_photos_templates_and_checkins() {
    for db in common::databases().await {
        let s = &db.store;
        let d = s
            .create_delegate(&delegate("X", "Grace Hopper", "East", true))
            .await
            .unwrap();
        let q = common::quality(50.0);
        let (p1, t1) = s
            .add_photo(d.id, b"jpeg bytes", &q, "m1", &[0.5, -0.5])
            .await
            .unwrap();
        s.add_photo(d.id, b"more", &q, "m1", &[0.1, 0.2])
            .await
            .unwrap();
        assert_eq!(s.templates("m1").await.unwrap().len(), 2);
        assert_eq!(
            s.templates("m1").await.unwrap()[0].embedding,
            vec![0.5, -0.5]
        );
        assert_eq!(t1.photo_id, p1.id);
        assert!(s.delete_photo(d.id, p1.id).await.unwrap());
        assert!(!s.delete_photo(d.id, p1.id).await.unwrap());
        assert_eq!(s.delegate(d.id).await.unwrap().unwrap().photos, 1);
        let sitting = s
            .create_sitting(
                "Plenary",
                1,
                2,
                QuorumRule::MoreThan,
                QuorumBasis::CheckedIn,
            )
            .await
            .unwrap();
        s.check_in(
            sitting.id,
            d.id,
            "manual",
            None,
            Some("desk"),
            "token:1",
            1,
            "",
        )
        .await
        .unwrap();
        assert!(s.delete_delegate(d.id).await.unwrap(), "{}", db.label);
        assert!(s.templates("m1").await.unwrap().is_empty());
        assert!(s.photos(d.id).await.unwrap().is_empty());
        assert_eq!(common::attendance(s, &sitting).await.checkins.len(), 0);
        assert!(!s.delete_delegate(d.id).await.unwrap());
        assert!(matches!(
            s.add_photo(d.id, b"x", &q, "m1", &[1.0]).await,
            Err(StoreError::NotFound(_))
        ));
        db.cleanup().await;
    }
}

#[tokio::test]
async fn one_sitting_open_at_a_time() {
    for db in common::databases().await {
        let s = &db.store;
        let a = s
            .create_sitting(
                "Morning",
                1,
                2,
                QuorumRule::MoreThan,
                QuorumBasis::CheckedIn,
            )
            .await
            .unwrap();
        let b = s
            .create_sitting(
                "Afternoon",
                2,
                3,
                QuorumRule::AtLeast,
                QuorumBasis::CheckedIn,
            )
            .await
            .unwrap();
        assert_eq!(a.status, SittingStatus::Draft);
        assert_eq!(
            s.open_sitting(a.id).await.unwrap().status,
            SittingStatus::Open
        );
        let err = s.open_sitting(b.id).await.unwrap_err();
        assert!(
            matches!(err, StoreError::Conflict(ref m) if m.contains("another")),
            "{}: {err}",
            db.label
        );
        assert!(matches!(
            s.close_sitting(b.id).await,
            Err(StoreError::Conflict(_))
        ));
        assert_eq!(
            s.close_sitting(a.id).await.unwrap().status,
            SittingStatus::Closed
        );
        assert!(
            matches!(s.open_sitting(a.id).await, Err(StoreError::Conflict(_))),
            "closed stays closed"
        );
        assert_eq!(
            s.open_sitting(b.id).await.unwrap().status,
            SittingStatus::Open
        );
        assert_eq!(s.open_sitting_now().await.unwrap().unwrap().id, b.id);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn check_in_is_recorded_once_and_counts_toward_quorum() {
    for db in common::databases().await {
        let s = &db.store;
        let mut ids = Vec::new();
        for (i, (delegation, eligible)) in [
            ("North", true),
            ("North", true),
            ("South", true),
            ("South", false),
        ]
        .iter()
        .enumerate()
        {
            ids.push(
                s.create_delegate(&delegate(
                    &format!("E{i}"),
                    &format!("Person {i}"),
                    delegation,
                    *eligible,
                ))
                .await
                .unwrap()
                .id,
            );
        }
        let sitting = s
            .create_sitting("Vote", 1, 2, QuorumRule::MoreThan, QuorumBasis::CheckedIn)
            .await
            .unwrap();
        let att = common::attendance(s, &sitting).await;
        assert_eq!(
            (att.eligible, att.present, att.required, att.quorum_reached),
            (3, 0, 2, false)
        );
        let first = s
            .check_in(
                sitting.id,
                ids[0],
                "kiosk",
                Some(0.05),
                None,
                "token:7",
                1000,
                "",
            )
            .await
            .unwrap();
        assert!(matches!(first, CheckinOutcome::New(_)));
        let again = s
            .check_in(
                sitting.id,
                ids[0],
                "manual",
                None,
                Some("retry"),
                "token:8",
                2000,
                "",
            )
            .await
            .unwrap();
        match again {
            CheckinOutcome::Already(r) => {
                assert_eq!((r.method.as_str(), r.checked_in_at), ("kiosk", 1000));
            }
            other @ CheckinOutcome::New(_) => panic!("{}: {other:?}", db.label),
        }
        // The ineligible delegate may check in but does not count.
        s.check_in(
            sitting.id,
            ids[3],
            "manual",
            None,
            Some("observer"),
            "token:8",
            3000,
            "",
        )
        .await
        .unwrap();
        let att = common::attendance(s, &sitting).await;
        assert_eq!(
            (att.present, att.quorum_reached, att.checkins.len()),
            (1, false, 2),
            "{}",
            db.label
        );
        s.check_in(
            sitting.id,
            ids[2],
            "kiosk",
            Some(0.04),
            None,
            "token:7",
            4000,
            "",
        )
        .await
        .unwrap();
        let att = common::attendance(s, &sitting).await;
        assert_eq!((att.present, att.quorum_reached), (2, true));
        let north = att
            .by_delegation
            .iter()
            .find(|d| d.delegation == "North")
            .unwrap();
        assert_eq!((north.eligible, north.present), (2, 1));
        assert!(s.remove_checkin(sitting.id, ids[2]).await.unwrap());
        assert!(!s.remove_checkin(sitting.id, ids[2]).await.unwrap());
        assert!(!common::attendance(s, &sitting).await.quorum_reached);
        assert!(matches!(
            s.check_in(sitting.id, 9999, "manual", None, None, "t", 1, "")
                .await,
            Err(StoreError::NotFound(_))
        ));
        db.cleanup().await;
    }
}

#[tokio::test]
async fn concurrent_check_ins_of_one_delegate_make_one_record() {
    for db in common::databases().await {
        let s = db.store.clone();
        let d = s
            .create_delegate(&delegate("C", "Concurrent", "X", true))
            .await
            .unwrap();
        let sitting = s
            .create_sitting("S", 1, 2, QuorumRule::MoreThan, QuorumBasis::CheckedIn)
            .await
            .unwrap();
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let s = s.clone();
                tokio::spawn(async move {
                    s.check_in(sitting.id, d.id, "kiosk", Some(0.1), None, "k", i, "")
                        .await
                })
            })
            .collect();
        let mut new = 0;
        for t in tasks {
            if let CheckinOutcome::New(_) = t.await.unwrap().unwrap() {
                new += 1;
            }
        }
        assert_eq!(new, 1, "{}", db.label);
        assert_eq!(common::attendance(&s, &sitting).await.checkins.len(), 1);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn frames_and_tokens() {
    for db in common::databases().await {
        let s = &db.store;
        assert_eq!(s.frame_response(1, "f-1").await.unwrap(), None);
        assert_eq!(
            s.save_frame_response(1, "f-1", "first", &[]).await.unwrap(),
            "first"
        );
        assert_eq!(
            s.save_frame_response(1, "f-1", "second", &[])
                .await
                .unwrap(),
            "first",
            "{}",
            db.label
        );
        assert_eq!(
            s.frame_response(2, "f-1").await.unwrap(),
            None,
            "frame ids are per kiosk"
        );
        assert_eq!(s.count_tokens().await.unwrap(), 0);
        let id = s
            .create_token("door 1", "kiosk", "hash-abc", None, None)
            .await
            .unwrap()
            .id;
        let used = s.token_by_hash("hash-abc").await.unwrap().unwrap();
        assert_eq!(used.role, "kiosk");
        assert!(s.token(id).await.unwrap().unwrap().last_used_at.is_none());
        assert!(s.touch_token(&used).await.unwrap());
        let used = s.token(id).await.unwrap().unwrap();
        assert!(
            !s.touch_token(&used).await.unwrap(),
            "once a minute at most"
        );
        assert!(
            s.token(id).await.unwrap().unwrap().last_used_at.is_some(),
            "a use is recorded"
        );
        assert!(s.revoke_token(id).await.unwrap());
        assert!(!s.revoke_token(id).await.unwrap(), "revoked once");
        assert_eq!(s.token_by_hash("hash-abc").await.unwrap(), None);
        // Expired a moment ago: refused; expiring later: accepted.
        let now = chrono_ms();
        s.create_token("old", "staff", "hash-old", Some(now - 1), None)
            .await
            .unwrap();
        assert_eq!(s.token_by_hash("hash-old").await.unwrap(), None);
        s.create_token("new", "staff", "hash-new", Some(now + 3_600_000), None)
            .await
            .unwrap();
        assert!(s.token_by_hash("hash-new").await.unwrap().is_some());
        let listed = s.tokens().await.unwrap();
        assert_eq!(listed.len(), 3);
        assert_eq!(
            listed.iter().filter(|t| t.is_active(now)).count(),
            1,
            "{listed:?}"
        );
        s.audit("token:1", "delegate.erase", "delegate:5", "")
            .await
            .unwrap();
        assert_eq!(s.audit_log(10).await.unwrap()[0].2, "delegate.erase");
        db.cleanup().await;
    }
}

#[tokio::test]
async fn data_survives_reopening_the_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("r.db").display());
    let s = Store::connect(&url).await.unwrap();
    let d = s
        .create_delegate(&delegate("P", "Persistent", "Y", true))
        .await
        .unwrap();
    let sitting = s
        .create_sitting("S", 1, 2, QuorumRule::AtLeast, QuorumBasis::CheckedIn)
        .await
        .unwrap();
    s.check_in(sitting.id, d.id, "kiosk", Some(0.2), None, "k", 5, "")
        .await
        .unwrap();
    s.close().await;
    let s = Store::connect(&url).await.unwrap();
    assert_eq!(common::attendance(&s, &sitting).await.present, 1);
}

#[tokio::test]
async fn unreachable_database_is_a_clear_unavailable_error() {
    let err = Store::connect("postgres://nobody:secret@127.0.0.1:1/none")
        .await
        .unwrap_err();
    assert!(err.is_unavailable(), "{err}");
    assert!(!err.to_string().contains("secret"));
    assert!(matches!(
        Store::connect("mysql://x").await,
        Err(StoreError::BadUrl(_))
    ));
    let dir = tempfile::tempdir().unwrap();
    let s = Store::connect(&format!("sqlite://{}", dir.path().join("d.db").display()))
        .await
        .unwrap();
    s.close().await;
    let err = s.delegates(None).await.unwrap_err();
    assert!(err.is_unavailable(), "{err}");
}

/// Regression: on PostgreSQL through the Any driver, a statement first prepared with a NULL score
/// rejected a real score on the same connection ("incorrect binary data format in bind parameter").
#[tokio::test]
async fn check_ins_with_and_without_score_and_reason_mix_freely() {
    for db in common::databases().await {
        let s = &db.store;
        let sitting = s
            .create_sitting("Mix", 1, 2, QuorumRule::MoreThan, QuorumBasis::CheckedIn)
            .await
            .unwrap();
        for i in 0..24 {
            let d = s
                .create_delegate(&delegate(
                    &format!("M{i}"),
                    &format!("Mixed {i}"),
                    "X",
                    true,
                ))
                .await
                .unwrap();
            let score = (i % 2 == 1).then_some(0.05 + i as f64 / 1000.0);
            let reason = (i % 3 == 0).then_some("desk");
            let out = s
                .check_in(
                    sitting.id,
                    d.id,
                    if score.is_some() { "kiosk" } else { "manual" },
                    score,
                    reason,
                    "t",
                    i,
                    "",
                )
                .await;
            match out {
                Ok(CheckinOutcome::New(r)) => assert_eq!(r.score, score, "{}", db.label),
                other => panic!("{}: check-in {i}: {other:?}", db.label),
            }
        }
        assert_eq!(common::attendance(s, &sitting).await.present, 24);
        db.cleanup().await;
    }
}

/// Template changes on PostgreSQL reach every other store (other servers, `templates rebuild`);
/// a store does not hear its own, which its server has applied in memory already. SQLite has no
/// other servers and no subscription.
#[tokio::test]
async fn template_changes_reach_other_stores_only() {
    for db in common::databases().await {
        let ours = db.store.clone();
        let Some(mut changes) = ours.template_changes().await.unwrap() else {
            assert_eq!(db.label, "sqlite");
            db.cleanup().await;
            continue;
        };
        let theirs = Store::connect(&db.pg_url().unwrap())
            .await
            .unwrap()
            .with_keys(common::keys())
            .await
            .unwrap();
        assert_ne!(ours.instance(), theirs.instance());
        let d = ours
            .create_delegate(&delegate("N", "Ada Lovelace", "North", true))
            .await
            .unwrap();
        let q = common::quality(40.0);
        ours.add_photo(d.id, b"jpeg", &q, "m1", &[1.0, 0.0])
            .await
            .unwrap();
        let quiet =
            tokio::time::timeout(std::time::Duration::from_millis(500), changes.next()).await;
        assert!(quiet.is_err(), "a store's own change is not reported to it");
        theirs
            .add_photo(d.id, b"jpeg", &q, "m1", &[0.0, 1.0])
            .await
            .unwrap();
        tokio::time::timeout(std::time::Duration::from_secs(10), changes.next())
            .await
            .expect("the other store's change within 10 s");
        theirs.close().await;
        db.cleanup().await;
    }
}

fn chrono_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

#[tokio::test]
async fn a_passage_is_recorded_once_however_many_kiosks_see_it() {
    use rollcall_api::KioskDirection::{Entrance, Exit};
    use rollcall_store::{MoveOutcome, Passing};
    for db in common::databases().await {
        let s = &db.store;
        let d = s
            .create_delegate(&delegate("P1", "Nguyễn Thị Phương Thảo", "Hà Tĩnh", true))
            .await
            .unwrap();
        let other = s
            .create_delegate(&delegate("P2", "Đỗ Mười", "Hà Tĩnh", true))
            .await
            .unwrap();
        let sitting = s
            .create_sitting("S", 1, 2, QuorumRule::MoreThan, QuorumBasis::InHall)
            .await
            .unwrap();
        let sitting = s.open_sitting(sitting.id).await.unwrap();
        let passing = |delegate_id, direction, at_ms| Passing {
            sitting_id: sitting.id,
            delegate_id,
            direction,
            method: "kiosk",
            reason: None,
            actor: "token:9",
            at_ms,
        };
        assert_eq!(
            s.record_passage(passing(d.id, Exit, 5)).await.unwrap(),
            MoveOutcome::NotCheckedIn,
            "{}",
            db.label
        );
        assert_eq!(s.in_hall(sitting.id, d.id).await.unwrap(), None);
        for id in [d.id, other.id] {
            s.check_in(sitting.id, id, "kiosk", Some(0.9), None, "token:9", 10, "")
                .await
                .unwrap();
        }
        assert_eq!(s.in_hall(sitting.id, d.id).await.unwrap(), Some(true));

        // Eight kiosks (or desks) see the same exit at once: one records it.
        let outcomes = futures_util::future::join_all(
            (0..8).map(|k| s.record_passage(passing(d.id, Exit, 20 + k))),
        )
        .await;
        let moved = outcomes
            .iter()
            .filter(|o| matches!(o, Ok(MoveOutcome::Moved)))
            .count();
        let already = outcomes
            .iter()
            .filter(|o| matches!(o, Ok(MoveOutcome::Already)))
            .count();
        assert_eq!((moved, already), (1, 7), "{}: {outcomes:?}", db.label);
        assert_eq!(s.in_hall(sitting.id, d.id).await.unwrap(), Some(false));
        let counts = s.delegation_counts(&sitting).await.unwrap();
        assert_eq!(
            (counts[0].present, counts[0].in_hall),
            (2, 1),
            "{}",
            db.label
        );

        assert_eq!(
            s.record_passage(passing(d.id, Entrance, 40)).await.unwrap(),
            MoveOutcome::Moved
        );
        let moves = s.movements(sitting.id).await.unwrap();
        assert_eq!(moves.len(), 2, "{}: {moves:?}", db.label);
        assert_eq!((moves[0].direction, moves[1].direction), (Exit, Entrance));

        // Taking the check-in back takes its passages with it.
        assert!(s.remove_checkin(sitting.id, d.id).await.unwrap());
        assert!(s.movements(sitting.id).await.unwrap().is_empty());
        db.cleanup().await;
    }
}
