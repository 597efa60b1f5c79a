//! Sealing and erasure, on a real server's SQLite files: a photo and a template are never there in
//! plaintext; after a delegate is erased, neither their sealed photo and template nor their name
//! is anywhere in the database, its write-ahead log or its shared memory file, although kiosks had
//! greeted them by name. The files are the owner's only. On both databases, the stored columns are
//! sealed and a wrong data key stops the server at start with the fix named.

use rollcall_testkit::{camera_frame, captured, fixture_bytes, TestServer};

/// Every file of the database (the main file, `-wal`, `-shm`), concatenated.
fn database_bytes(srv: &TestServer) -> Vec<u8> {
    srv.database_bytes()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    rollcall_testkit::contains_bytes(haystack, needle)
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
    // What the database holds for them: the photo and template as sealed.
    let sealed: Vec<Vec<u8>> = {
        use sqlx::Row;
        let mut out = Vec::new();
        for sql in [
            "SELECT image AS v FROM photos WHERE delegate_id = $1",
            "SELECT embedding AS v FROM templates WHERE delegate_id = $1",
        ] {
            let row = sqlx::query(sql)
                .bind(id)
                .fetch_one(srv.state.store.pool())
                .await
                .unwrap();
            out.push(row.get::<Vec<u8>, _>("v"));
        }
        out
    };

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
    // Sealed at rest: not one piece of the photo or the template in plaintext.
    assert_eq!(
        pieces(&photo)
            .iter()
            .filter(|p| contains(&before, p))
            .count(),
        0
    );
    assert_eq!(
        pieces(&template)
            .iter()
            .filter(|p| contains(&before, p))
            .count(),
        0
    );
    for s in &sealed {
        assert!(
            pieces(s).iter().all(|p| contains(&before, p)),
            "stored sealed"
        );
    }

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
    for (what, s) in ["photo", "template"].iter().zip(&sealed) {
        let left = pieces(s).iter().filter(|p| contains(&after, p)).count();
        assert_eq!(left, 0, "of 25 pieces of the sealed {what}");
    }
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

#[tokio::test]
async fn photos_and_templates_are_stored_sealed_and_a_wrong_key_stops_the_start() {
    use sqlx::Row;
    for mut srv in TestServer::all(|_| {}).await {
        let label = srv.label;
        let id = srv.delegate("S1", "Sealed Member", "North").await;
        let (s, _) = srv.enrol(id, "biden.jpg").await;
        assert_eq!(s, 201);
        let photo = fixture_bytes("biden.jpg");
        let row = sqlx::query("SELECT image, key_id FROM photos WHERE delegate_id = $1")
            .bind(id)
            .fetch_one(srv.state.store.pool())
            .await
            .unwrap();
        let stored: Vec<u8> = row.get("image");
        let key_id: String = row.get("key_id");
        assert!(!key_id.is_empty(), "{label}");
        assert_eq!(
            pieces(&photo)
                .iter()
                .filter(|p| contains(&stored, p))
                .count(),
            0
        );
        let row = sqlx::query("SELECT embedding, key_id FROM templates WHERE delegate_id = $1")
            .bind(id)
            .fetch_one(srv.state.store.pool())
            .await
            .unwrap();
        assert_eq!(row.get::<String, _>("key_id"), key_id);
        let template: Vec<u8> = srv
            .state
            .store
            .delegate_templates(id, &srv.state.model_id)
            .await
            .unwrap()[0]
            .embedding
            .iter()
            .flat_map(|f| f.to_le_bytes())
            .collect();
        let stored: Vec<u8> = row.get("embedding");
        assert!(
            !contains(&stored, &template[..32]),
            "{label}: the template is sealed"
        );

        // Another key file: the server refuses to start, naming the key it lacks and the fix.
        srv.go_down().await;
        let mut cfg = (*srv.state.config).clone();
        let other = tempfile::tempdir().unwrap();
        cfg.data_key_file = Some(other.path().join("data-key"));
        let err = rollcall_server::AppState::start(cfg)
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(&key_id) && err.contains("ROLLCALL_DATA_KEY_FILE"),
            "{label}: {err}"
        );
        srv.come_back().await;
        let (_, h) = srv.get("/healthz", "admin").await;
        assert_eq!(
            h["templates"], 1,
            "{label}: the right key opens the gallery again"
        );
        srv.stop().await;
    }
}
