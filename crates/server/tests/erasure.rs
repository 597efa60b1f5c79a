//! Erasure that erases, on a real server's SQLite files: after a delegate is erased, neither their
//! photo's bytes, nor their template, nor their name is anywhere in the database, its write-ahead
//! log or its shared memory file, although kiosks had greeted them by name. The files are the
//! owner's only.

use rollcall_testkit::{camera_frame, captured, fixture_bytes, TestServer};

/// Every file of the database (the main file, `-wal`, `-shm`), concatenated.
fn database_bytes(srv: &TestServer) -> Vec<u8> {
    let main = srv.sqlite_path();
    let mut all = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let path = format!("{}{suffix}", main.display());
        if let Ok(bytes) = std::fs::read(&path) {
            all.extend(bytes);
        }
    }
    all
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// 25 pieces of 32 bytes spread over `bytes`, after the first 1 KB (a JPEG's first bytes, its
/// headers and tables, are the same in many photos: the kept colleague's share them).
fn pieces(bytes: &[u8]) -> Vec<&[u8]> {
    let body = &bytes[1024.min(bytes.len() / 2)..];
    (0..25)
        .map(|i| {
            let at = (body.len() - 32) * i / 24;
            &body[at..at + 32]
        })
        .collect()
}

#[tokio::test]
async fn an_erased_delegate_leaves_no_photo_template_or_name_in_the_database_files() {
    let srv = TestServer::sqlite(|_| {}).await;
    let name = "Zbigniew Erasable-Delegate";
    let id = srv.delegate("E1", name, "North").await;
    let keep = srv.delegate("E2", "Kept Colleague", "North").await;
    let photo = fixture_bytes("biden.jpg");
    let (s, v) = srv
        .upload(
            &format!("/api/v1/delegates/{id}/photos"),
            "staff",
            photo.clone(),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let (s, _) = srv.enrol(keep, "obama.jpg").await;
    assert_eq!(s, 201);
    let template: Vec<u8> = srv
        .state
        .store
        .delegate_templates(id, &srv.state.model_id)
        .await
        .unwrap()
        .iter()
        .flat_map(|t| t.embedding.iter().flat_map(|f| f.to_le_bytes()))
        .collect();
    assert!(!template.is_empty());

    // Kiosks greet them by name, twice: two stored answers name them.
    srv.open_sitting(1, 2, "more_than").await;
    for i in 0..3 {
        let a = srv
            .frame_answer(
                &format!("door-{i}"),
                &captured(i * 200),
                camera_frame("biden.jpg", 1.0 + 0.2 * i as f32),
            )
            .await;
        assert_eq!(a.faces.len(), 1);
    }
    let before = database_bytes(&srv);
    assert!(contains(&before, name.as_bytes()), "the name was stored");
    assert!(
        pieces(&photo).iter().all(|p| contains(&before, p)),
        "the photo was stored as sent"
    );

    let (s, _) = srv
        .json(
            reqwest::Method::DELETE,
            &format!("/api/v1/delegates/{id}"),
            "admin",
            serde_json::Value::Null,
        )
        .await;
    assert_eq!(s, 204);
    let after = database_bytes(&srv);
    let photo_left = pieces(&photo)
        .iter()
        .filter(|p| contains(&after, p))
        .count();
    assert_eq!(photo_left, 0, "of 25 pieces of the photo");
    let template_left = pieces(&template)
        .iter()
        .filter(|p| contains(&after, p))
        .count();
    assert_eq!(template_left, 0, "of 25 pieces of the template");
    assert!(!contains(&after, name.as_bytes()), "the name is gone");
    assert!(contains(&after, b"Kept Colleague"), "the others stay");

    // A retry of a frame that greeted them is judged afresh, not answered with their name.
    let a = srv
        .frame_answer("door-1", &captured(0), camera_frame("biden.jpg", 1.2))
        .await;
    assert!(a.faces.iter().all(|f| f.delegate.is_none()), "{a:?}");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&srv.sqlite_path()), 0o600, "the database file");
        let wal = std::path::PathBuf::from(format!("{}-wal", srv.sqlite_path().display()));
        if wal.exists() {
            assert_eq!(mode(&wal), 0o600, "its log");
        }
    }
    srv.stop().await;
}
