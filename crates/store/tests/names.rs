//! Vietnamese names as a secretariat types them, on SQLite and PostgreSQL: found without case or
//! diacritics, in either Unicode form, stored composed, listed in Vietnamese order; rows stored
//! before search keys existed are keyed when the store next opens.

mod common;

use rollcall_api::{DelegatePatch, NewDelegate};

fn new(ext: &str, name: &str, delegation: &str) -> NewDelegate {
    NewDelegate {
        external_id: ext.into(),
        full_name: name.into(),
        delegation: delegation.into(),
        eligible: true,
    }
}

/// "Nguyễn Văn An" as macOS file names and some keyboards give it: decomposed (NFD).
const NGUYEN_NFD: &str = "Nguye\u{0302}\u{0303}n Va\u{0306}n An";

#[tokio::test]
async fn names_are_found_as_people_type_them_and_listed_in_vietnamese_order() {
    for db in common::databases().await {
        let s = &db.store;
        for (ext, name, delegation) in [
            ("V1", NGUYEN_NFD, "Đoàn đại biểu tỉnh Hà Tĩnh"),
            ("V2", "ĐẶNG THỊ HOA", "Đoàn đại biểu tỉnh Lai Châu"),
            ("V3", "Đỗ Mười", "Đoàn đại biểu thành phố Hải Phòng"),
            ("V4", "Trần Thị Ánh", "Đoàn đại biểu tỉnh Hà Tĩnh"),
            ("V5", "Nguyễn Thị Phương Thảo", "Đoàn đại biểu tỉnh Hà Tĩnh"),
            ("V6", "Lê Văn An", "Đoàn đại biểu tỉnh Lai Châu"),
        ] {
            s.create_delegate(&new(ext, name, delegation))
                .await
                .unwrap();
        }
        let found = |q: &'static str| async move {
            let list = s.delegates(Some(q)).await.unwrap();
            list.into_iter().map(|d| d.external_id).collect::<Vec<_>>()
        };
        assert_eq!(found("nguyen").await, ["V1", "V5"], "{}", db.label);
        assert_eq!(found("NGUYỄN VĂN").await, ["V1"], "{}", db.label);
        assert_eq!(
            found("Nguyễn Văn An").await,
            ["V1"],
            "NFC finds NFD: {}",
            db.label
        );
        assert_eq!(found(NGUYEN_NFD).await, ["V1"], "{}", db.label);
        assert_eq!(found("đặng").await, ["V2"], "{}", db.label);
        assert_eq!(found("dang").await, ["V2"], "{}", db.label);
        // "Đỗ" also folds into every "Đoàn đại biểu": the exact match comes first.
        assert_eq!(found("Đỗ").await.len(), 6, "{}", db.label);
        assert_eq!(found("Đỗ").await[0], "V3", "{}", db.label);
        assert_eq!(found("do muoi").await, ["V3"], "{}", db.label);
        assert_eq!(found("ánh").await[0], "V4", "{}", db.label);
        assert_eq!(
            found("ha tinh").await.len(),
            3,
            "by delegation: {}",
            db.label
        );
        assert_eq!(found("v5").await, ["V5"], "by external id: {}", db.label);
        assert!(found("100%").await.is_empty(), "LIKE wildcards are literal");

        // Stored composed, so that what is shown and exported is one spelling.
        let v1 = s.delegate_by_external_id("V1").await.unwrap().unwrap();
        assert_eq!(v1.full_name, "Nguyễn Văn An", "{}", db.label);
        assert_eq!(v1.full_name.len(), "Nguyễn Văn An".len());

        // Given name first, in the Vietnamese alphabet (A < Á < ... < H < M < T; Đ after D).
        let all: Vec<String> = s
            .delegates(None)
            .await
            .unwrap()
            .into_iter()
            .map(|d| d.full_name)
            .collect();
        assert_eq!(
            all,
            [
                "Lê Văn An",
                "Nguyễn Văn An",
                "Trần Thị Ánh",
                "ĐẶNG THỊ HOA",
                "Đỗ Mười",
                "Nguyễn Thị Phương Thảo",
            ],
            "{}",
            db.label
        );

        // A renamed delegate is found by the new name only.
        s.update_delegate(
            v1.id,
            &DelegatePatch {
                full_name: Some("Nguyễn  Văn Bình ".into()),
                ..DelegatePatch::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(found("binh").await, ["V1"], "{}", db.label);
        assert!(
            found("van an").await.iter().all(|e| e != "V1"),
            "{}",
            db.label
        );
        let v1 = s.delegate(v1.id).await.unwrap().unwrap();
        assert_eq!(
            v1.full_name, "Nguyễn Văn Bình",
            "spaces tidied: {}",
            db.label
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn rows_from_before_search_keys_are_keyed_at_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("rollcall.db").display());
    let s = rollcall_store::Store::connect(&url).await.unwrap();
    s.create_delegate(&new("OLD", "Hoàng Văn Thụ", "Cao Bằng"))
        .await
        .unwrap();
    // As a row written by an earlier version: decomposed name, no key.
    sqlx::query("UPDATE delegates SET full_name = $1, search_key = '' WHERE external_id = 'OLD'")
        .bind("Hoa\u{0300}ng Va\u{0306}n Thu\u{0323}")
        .execute(s.pool())
        .await
        .unwrap();
    assert!(s.delegates(Some("hoang")).await.unwrap().is_empty());
    s.close().await;

    let s = rollcall_store::Store::connect(&url).await.unwrap();
    let found = s.delegates(Some("hoang van thu")).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].full_name, "Hoàng Văn Thụ");
    s.close().await;
}
