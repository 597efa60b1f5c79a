//! A bounded fuzz of the bulk import on a real server on 127.0.0.1: valid zip archives (stored,
//! deflated, in folders, zip64) and valid multipart bodies are mutated (bytes flipped, set,
//! inserted, removed, header words set to extreme values, bodies cut short). Whatever arrives, the
//! answer is a report (200) or a clear client error (400, 413), never a server error or a dropped
//! connection, and the server goes on serving.
//!
//! `ROLLCALL_FUZZ_CASES` scales the cases (default 150,000: 600 archives and 600 bodies, about
//! half a minute on two cores); a failure is shrunk and kept in
//! `fuzz_import.proptest-regressions`, replayed first by every later run.

use rollcall_testkit::archive::{zip_of, zip_with};
use rollcall_testkit::mutate::{apply, cases, mutations, runner};
use rollcall_testkit::{jpeg, TestServer};
use serde_json::Value;

const REGRESSIONS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fuzz_import.proptest-regressions"
);

const ROSTER: &str = "external_id,full_name,delegation,eligible\n\
                      OB,Barack Obama,USA,yes\n\
                      SC,Susan Collins,USA,\n";

/// A fixture portrait made small enough that inference on a mutated copy is quick (and still
/// large enough for the enrolment gate).
fn small_photo(name: &str) -> Vec<u8> {
    let face = rollcall_testkit::fixture(name);
    jpeg(&image::imageops::thumbnail(&face, 360, 450))
}

fn archives() -> Vec<Vec<u8>> {
    let photos = [
        ("OB.jpg", small_photo("obama.jpg")),
        ("photos/SC.jpeg", small_photo("collins.jpg")),
        ("notes.txt", b"not a photo".to_vec()),
    ];
    let mut out = vec![
        zip_of(&photos),
        zip_with(&photos, zip::CompressionMethod::Deflated),
    ];
    // zip64 records, as large archives carry.
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().large_file(true);
    w.start_file("SC.jpg", opts).unwrap();
    std::io::Write::write_all(&mut w, &small_photo("collins.jpg")).unwrap();
    out.push(w.finish().unwrap().into_inner());
    out
}

const BOUNDARY: &str = "rollcall-fuzz-boundary";

/// A multipart body as a browser sends it: the roster and a zip.
fn body(csv: &str, zip: &[u8]) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csv\"; \
             filename=\"delegates.csv\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n\
             --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"photos\"; \
             filename=\"photos.zip\"\r\nContent-Type: application/zip\r\n\r\n"
        )
        .as_bytes(),
    );
    b.extend_from_slice(zip);
    b.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    b
}

/// Posts a raw multipart body; the status and the JSON answer.
async fn post(srv: &TestServer, body: Vec<u8>) -> (u16, Value) {
    let r = srv
        .req(reqwest::Method::POST, "/api/v1/delegates/import", "staff")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        // A mangled form may be refused before its body is read, and the server then closes the
        // connection: the next request must not be written into that closing connection (a
        // broken pipe on the client's side, not an answer from the server).
        .header("connection", "close")
        .body(body)
        .send()
        .await
        .expect("the server answers (no dropped connection)");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Erases every delegate, so that the next case imports (and enrols) afresh.
async fn erase_all(srv: &TestServer) {
    let (_, list) = srv.get("/api/v1/delegates", "staff").await;
    for d in list.as_array().into_iter().flatten() {
        let id = d["id"].as_i64().expect("an id");
        let path = format!("/api/v1/delegates/{id}");
        let (status, _) = srv
            .json(reqwest::Method::DELETE, &path, "admin", Value::Null)
            .await;
        assert!(status < 300, "erasing {id}: {status}");
    }
}

/// The import's contract: a report of every row, or a client error with a code.
fn check(status: u16, answer: &Value) {
    match status {
        200 => assert_eq!(
            answer["rows"].as_array().map(Vec::len),
            Some(2),
            "a report of every row: {answer}"
        ),
        400 | 413 => assert!(answer["error"]["code"].is_string(), "{answer}"),
        other => panic!("status {other}: {answer}"),
    }
}

#[test]
fn mutated_imports_get_a_report_or_a_clear_refusal() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let srv = rt.block_on(TestServer::sqlite(|c| c.max_upload_bytes = 512 * 1024));
    let archives = archives();
    let n = (cases(150_000) / 250).max(1);
    // What the answers were, to show the mutations reach past the parsers.
    let seen = std::cell::RefCell::new(std::collections::BTreeMap::<String, usize>::new());
    let note = |what: &str, status: u16, answer: &Value| {
        let photos = answer["rows"].as_array().map_or(String::new(), |rows| {
            let p: Vec<&str> = rows.iter().filter_map(|r| r["photo"].as_str()).collect();
            format!(" {}", p.join(","))
        });
        let code = answer["error"]["code"].as_str().unwrap_or("");
        *seen
            .borrow_mut()
            .entry(format!("{what} {status} {code}{photos}"))
            .or_default() += 1;
    };

    // The archive alone mutated, inside a well-formed form.
    let strategy = (0..archives.len(), mutations());
    runner(n, REGRESSIONS)
        .run(&strategy, |(seed, m)| {
            let zip = apply(archives[seed].clone(), &m);
            let (status, answer) = rt.block_on(post(&srv, body(ROSTER, &zip)));
            note("archive", status, &answer);
            check(status, &answer);
            rt.block_on(erase_all(&srv));
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));

    // The whole form mutated: boundaries, headers, the roster and the archive.
    let forms: Vec<Vec<u8>> = archives.iter().map(|z| body(ROSTER, z)).collect();
    let strategy = (0..forms.len(), mutations());
    runner(n, REGRESSIONS)
        .run(&strategy, |(seed, m)| {
            let form = apply(forms[seed].clone(), &m);
            let (status, answer) = rt.block_on(post(&srv, form));
            note("form", status, &answer);
            rt.block_on(erase_all(&srv));
            // A mangled roster can hold any number of rows.
            if status == 200 {
                assert!(answer["rows"].is_array(), "{answer}");
            } else {
                check(status, &answer);
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));

    for (outcome, n) in seen.borrow().iter() {
        println!("{n:>5} {outcome}");
    }
    rt.block_on(async {
        let health = srv.client.get(srv.url("/healthz")).send().await.unwrap();
        assert_eq!(health.status(), 200);
        srv.stop().await;
    });
}
