//! The bulk import at its limits, on a real server on 127.0.0.1: a large archive goes through
//! (photos spooled to an unnamed temporary file, whatever order the form's fields come in, and
//! nothing left on disk after), while an archive over the import limit, a roster over its limit
//! and a photo that inflates past the upload limit get clear 413s and change nothing they should
//! not.

use rollcall_testkit::archive::{zip_of, zip_with};
use rollcall_testkit::{fixture_bytes, TestServer};
use serde_json::Value;

const ROSTER: &str = "external_id,full_name,delegation\nOB,Barack Obama,USA\nJB,Joe Biden,USA\n";

/// Bytes that do not compress: a stand-in for the many other photos of a real archive.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn entries(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A multipart form with the photos first and the roster after.
fn photos_first(csv: &str, zip: Vec<u8>) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .part(
            "photos",
            reqwest::multipart::Part::bytes(zip).file_name("photos.zip"),
        )
        .part("csv", reqwest::multipart::Part::text(csv.to_string()))
}

#[tokio::test]
async fn a_large_archive_is_imported_and_leaves_nothing_on_disk() {
    let srv = TestServer::sqlite(|c| c.max_import_bytes = 64 * 1024 * 1024).await;
    let dir = srv.state.config.data_dir.clone();
    let before = entries(&dir);
    // 40 MB of other files around the two photos.
    let mut files: Vec<(String, Vec<u8>)> = (0..20)
        .map(|i| (format!("other/{i:03}.jpg"), noise(2 << 20, i)))
        .collect();
    files.insert(7, ("OB.jpg".into(), fixture_bytes("obama.jpg")));
    files.push(("JB.jpg".into(), fixture_bytes("biden.jpg")));
    let named: Vec<(&str, Vec<u8>)> = files.iter().map(|(n, d)| (n.as_str(), d.clone())).collect();
    let r = srv
        .req(reqwest::Method::POST, "/api/v1/delegates/import", "staff")
        .multipart(photos_first(ROSTER, zip_of(&named)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        (v["created"].as_i64(), v["enrolled"].as_i64()),
        (Some(2), Some(2)),
        "{v}"
    );
    assert_eq!(entries(&dir), before, "the spooled archive is gone");
    srv.stop().await;
}

#[tokio::test]
async fn an_archive_over_the_import_limit_is_refused_and_creates_nobody() {
    let srv = TestServer::sqlite(|c| c.max_import_bytes = 4 * 1024 * 1024).await;
    let dir = srv.state.config.data_dir.clone();
    let before = entries(&dir);
    let zip = zip_of(&[
        ("OB.jpg", fixture_bytes("obama.jpg")),
        ("big.bin", noise(6 << 20, 9)),
    ]);
    let r = srv
        .req(reqwest::Method::POST, "/api/v1/delegates/import", "staff")
        .multipart(photos_first(ROSTER, zip))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "payload_too_large", "{v}");
    let (_, list) = srv.get("/api/v1/delegates", "staff").await;
    assert_eq!(list.as_array().map(Vec::len), Some(0), "{list}");
    assert_eq!(entries(&dir), before);
    srv.stop().await;
}

#[tokio::test]
async fn a_roster_over_its_limit_is_refused() {
    let srv = TestServer::sqlite(|_| {}).await;
    let mut csv = String::from("external_id,full_name,delegation\n");
    let mut i = 0;
    while csv.len() <= 16 * 1024 * 1024 {
        csv += &format!("D{i:07},Delegate Number {i},Delegation of the North\n");
        i += 1;
    }
    let (s, v) = srv.import(&csv, None).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (413, Some("payload_too_large")),
        "{v}"
    );
    let (_, list) = srv.get("/api/v1/delegates", "staff").await;
    assert_eq!(list.as_array().map(Vec::len), Some(0));
    srv.stop().await;
}

#[tokio::test]
async fn a_photo_that_inflates_past_the_upload_limit_is_refused_on_its_row_alone() {
    let srv = TestServer::sqlite(|c| c.max_upload_bytes = 1024 * 1024).await;
    // 64 MB of zeros deflate to about 64 KB.
    let zip = zip_with(
        &[
            ("OB.jpg", fixture_bytes("obama.jpg")),
            ("JB.jpg", vec![0u8; 64 << 20]),
        ],
        zip::CompressionMethod::Deflated,
    );
    assert!(zip.len() < 1024 * 1024, "{}", zip.len());
    let (s, v) = srv.import(ROSTER, Some(zip)).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["rows"][0]["photo"], "enrolled", "{v}");
    assert_eq!(v["rows"][1]["photo"], "payload_too_large", "{v}");
    assert_eq!(v["rows"][1]["status"], "created");
    srv.stop().await;
}
