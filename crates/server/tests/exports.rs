//! The attendance exports as a secretariat opens them, on SQLite and PostgreSQL: the CSV is UTF-8
//! with a byte-order mark (Excel shows Vietnamese names as typed) with formula-like names defused;
//! the XLSX reads back with the same names as strings and the check-in times as date-times.

use calamine::{Data, DataType, Reader, Xlsx};
use rollcall_testkit::TestServer;

async fn download(srv: &TestServer, path: &str) -> (String, Vec<u8>) {
    let (status, kind, bytes) = srv.fetch(path, "presidium").await;
    assert_eq!(status, 200, "{path}");
    (kind, bytes)
}

#[tokio::test]
async fn attendance_opens_in_a_spreadsheet_with_vietnamese_names_intact() {
    for srv in TestServer::all(|_| {}).await {
        // Typed decomposed, as some keyboards do; stored and exported composed.
        let thao = srv
            .delegate(
                "HT-01",
                "Nguye\u{0302}\u{0303}n Thi\u{0323} Phu\u{031b}o\u{031b}ng Tha\u{0309}o",
                "Đoàn đại biểu tỉnh Hà Tĩnh",
            )
            .await;
        let sly = srv
            .delegate("X-1", "=HYPERLINK(\"http://evil\")", "Khác")
            .await;
        let sitting = srv.open_sitting(1, 2, "more_than").await;
        for id in [thao, sly] {
            assert_eq!(srv.checkin(sitting, id).await.0, 201);
        }

        let (kind, csv) =
            download(&srv, &format!("/api/v1/sittings/{sitting}/attendance.csv")).await;
        assert_eq!(kind, "text/csv; charset=utf-8");
        assert!(
            csv.starts_with("\u{feff}".as_bytes()),
            "{}: a BOM",
            srv.label
        );
        let text = String::from_utf8(csv).unwrap();
        assert!(
            text.contains("Nguyễn Thị Phương Thảo,Đoàn đại biểu tỉnh Hà Tĩnh,manual,"),
            "{}: {text}",
            srv.label
        );
        assert!(
            text.contains("\"'=HYPERLINK(\"\"http://evil\"\")\""),
            "{text}"
        );

        let (kind, xlsx) =
            download(&srv, &format!("/api/v1/sittings/{sitting}/attendance.xlsx")).await;
        assert_eq!(
            kind,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        let mut book = Xlsx::new(std::io::Cursor::new(xlsx)).unwrap();
        let range = book.worksheet_range("Plenary").unwrap();
        assert_eq!(range.get((0, 1)), Some(&Data::String("full_name".into())));
        let names: Vec<String> = (1..range.height())
            .map(|r| range.get((r, 1)).unwrap().to_string())
            .collect();
        assert!(
            names.contains(&"Nguyễn Thị Phương Thảo".to_string()),
            "{names:?}"
        );
        assert!(
            names.contains(&"=HYPERLINK(\"http://evil\")".to_string()),
            "a string"
        );
        let at = range
            .get((1, 4))
            .unwrap()
            .as_datetime()
            .expect("a date-time");
        let now = chrono::Utc::now().naive_utc();
        assert!((now - at).num_minutes().abs() < 5, "{at} vs {now}");
        srv.stop().await;
    }
}

#[tokio::test]
async fn the_exports_speak_the_secretariats_language() {
    let srv = TestServer::sqlite(|_| {}).await;
    let an = srv.delegate("HT-02", "Nguyễn Văn An", "Hà Tĩnh").await;
    let sitting = srv.open_sitting(1, 2, "more_than").await;
    assert_eq!(srv.checkin(sitting, an).await.0, 201);
    let csv_path = format!("/api/v1/sittings/{sitting}/attendance.csv");
    let first_line = |bytes: Vec<u8>| {
        let text = String::from_utf8(bytes).unwrap();
        text.trim_start_matches('\u{feff}')
            .lines()
            .next()
            .unwrap()
            .to_string()
    };

    // Asked for by name, or by the browser's Accept-Language; English otherwise.
    let (_, vi) = download(&srv, &format!("{csv_path}?lang=vi")).await;
    assert_eq!(
        first_line(vi),
        "Mã số,Họ và tên,Đoàn đại biểu,Hình thức,Thời gian điểm danh"
    );
    let r = srv
        .req(reqwest::Method::GET, &csv_path, "presidium")
        .header("accept-language", "vi-VN,vi;q=0.9,en;q=0.5")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(first_line(r.bytes().await.unwrap().to_vec()).starts_with("Mã số,"));
    let (_, en) = download(&srv, &csv_path).await;
    assert_eq!(
        first_line(en),
        "delegate_id,full_name,delegation,method,checked_in_at"
    );
    let (s, _, _) = srv.fetch(&format!("{csv_path}?lang=fr"), "presidium").await;
    assert_eq!(s, 422, "a language rollcall does not speak is refused");

    let (_, xlsx) = download(
        &srv,
        &format!("/api/v1/sittings/{sitting}/attendance.xlsx?lang=vi"),
    )
    .await;
    let mut book = Xlsx::new(std::io::Cursor::new(xlsx)).unwrap();
    let range = book.worksheet_range("Plenary").unwrap();
    assert_eq!(range.get((0, 1)), Some(&Data::String("Họ và tên".into())));
    assert_eq!(
        range.get((1, 1)),
        Some(&Data::String("Nguyễn Văn An".into()))
    );
    srv.stop().await;
}
