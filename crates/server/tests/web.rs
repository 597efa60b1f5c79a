//! The web pages in a real headless Chromium (Debian's `chromium` and `chromium-driver`) against a
//! real server: the login gate, enrolment at the desk, a sitting opened from the desk, kiosk frames
//! (over HTTP, and from the browser kiosk on Chromium's fake camera), and the dashboard following
//! all of it live, without a reload, across a server restart. Screenshots of each page at 1920x1080
//! and 1024x768 land in `target/tmp/web-screenshots/`. The browser tests skip with a message where
//! chromedriver or chromium is missing (`.ci/run` installs both).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use image::{Rgb, RgbImage};
use rollcall_testkit::fixtures::camera_image;
use rollcall_testkit::{fixture_path, jpeg, TestServer};
use serde_json::{json, Value};

const SIZES: [(u32, u32); 2] = [(1920, 1080), (1024, 768)];

/// Pages are empty shells: without a token nothing about delegates reaches the browser.
#[tokio::test]
async fn pages_are_data_free_shells_with_a_strict_policy() {
    let srv = TestServer::sqlite(|_| {}).await;
    srv.delegate("S1", "Secret Person", "Hidden Delegation")
        .await;
    for path in [
        "/",
        "/enrol",
        "/kiosk",
        "/report",
        "/assets/common.js",
        "/assets/rollcall.css",
    ] {
        let r = srv.client.get(srv.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let csp = r.headers()["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{csp}"
        );
        let etag = r.headers()["etag"].clone();
        let body = r.text().await.unwrap();
        assert!(!body.contains("Secret Person") && !body.contains("Hidden Delegation"));
        let again = srv
            .client
            .get(srv.url(path))
            .header("if-none-match", etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{path} revalidates by ETag");
    }
    for path in [
        "/assets/missing.js",
        "/assets/dashboard.html",
        "/assets/..%2FCargo.toml",
    ] {
        let r = srv.client.get(srv.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
    }
    let (s, v) = srv.get("/api/v1/session", "kiosk").await;
    assert_eq!(s, 200);
    assert_eq!(v["role"], "kiosk");
    assert_eq!(v["kiosk"]["fps"], 5.0);
    let r = srv
        .client
        .get(srv.url("/api/v1/session"))
        .bearer_auth("rc_wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_refuses_wrong_tokens_and_roles_in_chromium() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let srv = TestServer::sqlite(|_| {}).await;
    srv.delegate("S1", "Secret Person", "Hidden Delegation")
        .await;
    let (b, _profile) = driver.browser(&[]).await;

    b.goto(&srv.url("/enrol")).await.unwrap();
    wait_until(
        &b,
        "login form",
        "return !document.querySelector('#login').hidden",
    )
    .await;
    assert!(!b.source().await.unwrap().contains("Secret Person"));

    type_token(&b, "rc_wrong").await;
    wait_text(&b, "#login-message", "not valid").await;
    type_token(&b, &srv.tokens["kiosk"]).await;
    wait_text(&b, "#login-message", "role “kiosk”").await;
    assert!(!b.source().await.unwrap().contains("Secret Person"));

    type_token(&b, &srv.tokens["staff"]).await;
    wait_text(&b, "#delegates", "Secret Person").await;

    // The same tab keeps the staff token; the dashboard needs presidium and says so.
    b.goto(&srv.url("/")).await.unwrap();
    wait_text(&b, "#login-message", "cannot use this page").await;
    assert_eq!(
        js(&b, "return document.querySelector('#app').hidden").await,
        true
    );

    // The refused token is not kept; log in again at the desk, then log out: the tab forgets it.
    assert_eq!(
        js(&b, "return sessionStorage.getItem('rollcall.token')").await,
        Value::Null
    );
    login(&b, &srv, "/enrol", "staff").await;
    click(&b, ".logout").await;
    wait_until(
        &b,
        "login form",
        "return !document.querySelector('#login').hidden",
    )
    .await;
    assert_eq!(
        js(&b, "return sessionStorage.getItem('rollcall.token')").await,
        Value::Null
    );
    b.close().await.unwrap();
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn desk_kiosk_and_dashboard_work_together_live_in_chromium() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let mut srv = TestServer::sqlite(|_| {}).await;
    let files = tempfile::tempdir().unwrap();
    let shots = screenshot_dir();

    // Chromium's fake camera shows Joe Biden, at the desk and at the browser kiosk.
    let camera = fake_camera(files.path(), "biden.jpg");

    // ---- the enrolment desk, as staff --------------------------------------------------------
    let (desk, _p1) = driver.browser(&camera).await;
    login(&desk, &srv, "/enrol", "staff").await;
    assert_eq!(
        js(&desk, "return document.querySelector('#tokens').hidden").await,
        true,
        "tokens are for admins only"
    );
    add_delegate(&desk, "E1", "Barack Obama", "Illinois").await;
    upload(&desk, &fixture_path("obama.jpg")).await;
    wait_text(&desk, "#verdict.ok", "Accepted").await;

    add_delegate(&desk, "E2", "Joe Biden", "Delaware").await;
    upload(&desk, &fixture_path("obama2.jpg")).await;
    wait_text(&desk, "#verdict.error", "Duplicate of Barack Obama").await;
    let blank = files.path().join("blank.png");
    RgbImage::from_pixel(400, 400, Rgb([200, 200, 200]))
        .save(&blank)
        .unwrap();
    upload(&desk, &blank).await;
    wait_text(&desk, "#verdict.error", "No face found").await;
    upload(&desk, &fixture_path("biden.jpg")).await;
    wait_text(&desk, "#verdict.ok", "Accepted").await;

    add_delegate(&desk, "E3", "Eve Absent", "Delaware").await;
    // A photo taken with the desk camera goes through the same gate: it is Biden's face.
    click(&desk, "#camera-start").await;
    wait_until(
        &desk,
        "the desk camera running",
        "return document.querySelector('#video').videoWidth > 0",
    )
    .await;
    click(&desk, "#capture").await;
    wait_text(&desk, "#verdict.error", "Duplicate of Joe Biden").await;
    click(&desk, "#camera-stop").await;

    // Bulk import: two observers (not eligible), one photo with no face in it.
    let csv = files.path().join("import.csv");
    std::fs::write(
        &csv,
        "external_id,full_name,delegation,eligible\nI1,\"Observer, \
            One\",Observers,no\nI2,Observer Two,Observers,no\n",
    )
    .unwrap();
    let i1 = files.path().join("I1.png");
    std::fs::copy(&blank, &i1).unwrap();
    choose_file(&desk, "#import-csv", &csv).await;
    choose_file(&desk, "#import-photos", &i1).await;
    click(&desk, "#import-form button[type=submit]").await;
    wait_text(
        &desk,
        "#import-status",
        "Done: 1 of 2 rows imported, 1 refused",
    )
    .await;
    wait_text(&desk, "#import-report", "I1: No face found").await;
    wait_text(&desk, "#import-report", "I2: added without a photo").await;
    assert_eq!(
        js(
            &desk,
            "return [document.querySelector('#import-progress').value, \
            document.querySelector('#import-progress').max]"
        )
        .await,
        json!([2, 2])
    );
    desk.find(Locator::Css("#search"))
        .await
        .unwrap()
        .clear()
        .await
        .unwrap();
    click(&desk, "#search-form button").await;
    wait_until(
        &desk,
        "enrolment status per delegate",
        "const t = document.querySelector('#delegates tbody').innerText; \
         return /Barack Obama.*enrolled \\(1\\)/.test(t) && /Joe Biden.*enrolled \\(1\\)/.test(t) \
             && /Eve Absent.*no photo/.test(t)",
    )
    .await;

    // ---- an admin creates and opens the sitting at the desk --------------------------------
    click(&desk, ".logout").await;
    login(&desk, &srv, "/enrol", "admin").await;
    fill(&desk, "#sitting-name", "Plenary").await;
    click(&desk, "#sitting-form button[type=submit]").await;
    wait_text(&desk, "#sitting-list", "Plenary").await;
    click_at(
        &desk,
        Locator::XPath("//ul[@id='sitting-list']//button[text()='Open']"),
    )
    .await;
    wait_text(&desk, "#open-sitting", "Open sitting: Plenary").await;

    // ---- the admin makes a kiosk token, sees it once, and revokes it -----------------------
    fill(&desk, "#token-name", "door Z").await;
    click(&desk, "#token-form button[type=submit]").await;
    wait_text(&desk, "#token-secret", "rc_").await;
    wait_text(&desk, "#token-list", "door Z").await;
    let secret = js(
        &desk,
        "return document.querySelector('#token-secret code').textContent",
    )
    .await
    .as_str()
    .unwrap()
    .to_string();
    let session = |token: String| {
        let r = srv
            .client
            .get(srv.url("/api/v1/session"))
            .bearer_auth(token)
            .send();
        async move { r.await.unwrap().status().as_u16() }
    };
    assert_eq!(session(secret.clone()).await, 200, "the new token works");
    click_at(
        &desk,
        Locator::XPath("//ul[@id='token-list']/li[span[text()='door Z']]//button[text()='Revoke']"),
    )
    .await;
    wait_text(&desk, "#token-message", "revoked").await;
    assert_eq!(session(secret).await, 401, "a revoked token stops at once");

    // ---- the presidium's dashboard ---------------------------------------------------------
    let (dash, _p2) = driver.browser(&[]).await;
    login(&dash, &srv, "/", "presidium").await;
    wait_until(
        &dash,
        "an empty sitting",
        "return document.querySelector('#present').textContent === '0' \
            && document.querySelector('#eligible').textContent === '3' \
            && document.querySelector('#quorum').classList.contains('no') \
            && document.querySelector('#sitting-name').textContent === 'Plenary' \
            && document.querySelector('#live').textContent === 'live'",
    )
    .await;
    // Marks this page load: if the page reloaded, the mark would be gone.
    js(&dash, "window.__sameLoad = 'yes'; return null").await;
    let same_load = "window.__sameLoad === 'yes'";

    // ---- a native kiosk's frames over HTTP -------------------------------------------------
    assert_eq!(obama_walks_past(&srv, "kiosk").await, "checked_in");
    wait_until(
        &dash,
        "Obama counted live",
        &format!(
            "return document.querySelector('#present').textContent === '1' \
                && document.querySelector('#recent').innerText.includes('Barack Obama') \
                && document.querySelector('#delegations').innerText.includes('Illinois') \
                && {same_load}"
        ),
    )
    .await;

    // ---- the browser kiosk, where the camera shows Joe Biden -------------------------------
    let (kiosk, _p3) = driver.browser(&camera).await;
    login(&kiosk, &srv, "/kiosk", "kiosk").await;
    wait_text(&kiosk, "#message-title", "Welcome, Joe Biden").await;
    wait_text(&kiosk, "#message-sub", "Delaware").await;
    wait_until(
        &dash,
        "Biden counted live and quorum reached",
        &format!(
            "return document.querySelector('#present').textContent === '2' \
                && document.querySelector('#quorum').classList.contains('yes') \
                && document.querySelector('#quorum').textContent === 'QUORUM REACHED' \
                && document.querySelector('#recent').innerText.includes('Joe Biden') \
                && {same_load}"
        ),
    )
    .await;

    // ---- a manual check-in and its correction at the desk ---------------------------------
    // The desk lists who is expected and has not arrived, by delegation.
    wait_text(&desk, "#expected", "Eve Absent").await;
    fill(&desk, "#search", "Eve").await;
    click(&desk, "#search-form button").await;
    wait_text(&desk, "#delegates tbody", "Eve Absent").await;
    click(&desk, "#delegates tbody tr").await;
    wait_text(&desk, "#p-name", "Eve Absent").await;
    fill(&desk, "#reason", "ID checked at the desk").await;
    click(&desk, "#checkin-btn").await;
    wait_text(&desk, "#checkin-message", "is checked in").await;
    wait_until(
        &desk,
        "an arrival leaves the not-arrived list",
        "return !document.querySelector('#expected').innerText.includes('Eve Absent')",
    )
    .await;
    wait_until(
        &dash,
        "manual check-in shown",
        &format!("return document.querySelector('#present').textContent === '3' && {same_load}"),
    )
    .await;
    fill(&desk, "#reason", "checked in by mistake").await;
    click(&desk, "#undo-btn").await;
    wait_text(&desk, "#checkin-message", "was removed").await;
    wait_text(&desk, "#expected", "Eve Absent").await;
    wait_until(
        &dash,
        "correction shown",
        &format!(
            "return document.querySelector('#present').textContent === '2' \
                && !document.querySelector('#recent').innerText.includes('Eve Absent') \
                && /Delaware\\s*1 \\/ 2/.test(document.querySelector('#delegations').innerText) \
                && /Illinois\\s*1 \\/ 1/.test(document.querySelector('#delegations').innerText) \
                && {same_load}"
        ),
    )
    .await;

    // ---- Obama leaves past the exit kiosk; the dashboard keeps both counts --------------------
    assert_eq!(obama_walks_past(&srv, "exit").await, "checked_out");
    wait_until(
        &dash,
        "the exit shown: two checked in, one in the hall, the chart's two lines",
        &format!(
            "return document.querySelector('#present').textContent === '2' \
                && document.querySelector('#checked-in').textContent === '2' \
                && document.querySelector('#in-hall').textContent === '1' \
                && document.querySelector('#recent').innerText.includes('left the hall') \
                && document.querySelector('#arrivals path.series.checked') !== null \
                && document.querySelector('#arrivals path.series.hall') !== null \
                && document.querySelector('#arrivals line.quorum-line') !== null \
                && /Quorum reached at .*min after opening/\
                    .test(document.querySelector('#time-to-quorum').textContent) \
                && {same_load}"
        ),
    )
    .await;
    // At the desk he shows as having left; the desk lets him back in, and marks him out again.
    fill(&desk, "#search", "Obama").await;
    click(&desk, "#search-form button").await;
    wait_text(&desk, "#delegates tbody", "left the hall").await;
    click(&desk, "#delegates tbody tr").await;
    wait_text(&desk, "#checkin-state", "has left the hall").await;
    wait_text(&desk, "#checkin-btn", "Back in by hand").await;
    fill(&desk, "#reason", "came back through the side door").await;
    click(&desk, "#checkin-btn").await;
    wait_text(&desk, "#checkin-message", "is back in the hall").await;
    wait_until(
        &dash,
        "back in",
        &format!("return document.querySelector('#in-hall').textContent === '2' && {same_load}"),
    )
    .await;
    fill(&desk, "#reason", "called away").await;
    click(&desk, "#out-btn").await;
    wait_text(&desk, "#checkin-message", "has left the hall").await;
    wait_until(
        &dash,
        "out again",
        &format!(
            "return document.querySelector('#in-hall').textContent === '1' \
                && document.querySelector('#checked-in').textContent === '2' && {same_load}"
        ),
    )
    .await;

    // ---- a roll call for a vote, from the dashboard's button ---------------------------------
    wait_text(&dash, "#last-roll-call", "No roll call yet").await;
    click(&dash, "#take-roll-call").await;
    wait_until(
        &dash,
        "the roll call shown",
        &format!(
            "return /Roll call 1 at .*: 2 of 3 present, quorum reached/\
                .test(document.querySelector('#last-roll-call').textContent) \
                && !document.querySelector('#roll-call-files').hidden && {same_load}"
        ),
    )
    .await;
    let open = srv.get("/api/v1/sittings", "presidium").await.1[0]["id"]
        .as_i64()
        .unwrap();
    let (s, calls) = srv
        .get(&format!("/api/v1/sittings/{open}/roll-calls"), "presidium")
        .await;
    assert_eq!((s, calls[0]["present"].as_i64()), (200, Some(2)), "{calls}");

    // ---- the printable report of the sitting ------------------------------------------------
    let (report, _p4) = driver.browser(&[]).await;
    login(
        &report,
        &srv,
        &format!("/report?sitting={open}"),
        "presidium",
    )
    .await;
    wait_until(
        &report,
        "the report: the roll, passages, the roll call and the audit head",
        "const t = (s) => document.querySelector(s).innerText; \
         return !document.querySelector('#report').hidden \
            && document.querySelector('#r-name').textContent === 'Plenary' \
            && /Barack Obama\\s+present\\s+kiosk/.test(t('#r-roll')) \
            && /Eve Absent\\s+absent/.test(t('#r-roll')) \
            && /Barack Obama\\s+left the hall\\s+kiosk/.test(t('#r-movements')) \
            && /Barack Obama\\s+came back in\\s+desk/.test(t('#r-movements')) \
            && document.querySelectorAll('#r-roll-calls tr').length === 1 \
            && /More than 1\\/2 of the 3 eligible delegates \\(2 needed\\)/.test(t('#r-quorum')) \
            && /rollcall audit verify --head \\d+:[0-9a-f]{64}/.test(t('#r-audit'))",
    )
    .await;
    shoot(&report, &shots, "report", &["#r-name", "#r-roll", "#print"]).await;

    // ---- how each page looks on a hall screen and on a tablet -------------------------------
    shoot(
        &dash,
        &shots,
        "dashboard",
        &["#present", "#quorum", "#recent", "#take-roll-call"],
    )
    .await;
    shoot(&desk, &shots, "desk", &["#search", "#person", "#sittings"]).await;
    shoot(&kiosk, &shots, "kiosk", &["#message-title", "#net"]).await;
    kiosk.close().await.unwrap();
    report.close().await.unwrap();

    // ---- the server goes away and comes back: the dashboard reconnects by itself -------------
    srv.go_down().await;
    wait_text(&dash, "#live", "reconnecting").await;
    srv.come_back().await;
    wait_text(&dash, "#live", "live").await;
    let sitting = srv.get("/api/v1/sittings", "admin").await.1[0]["id"]
        .as_i64()
        .unwrap();
    let eve = srv.get("/api/v1/delegates?q=Eve", "staff").await.1[0]["id"]
        .as_i64()
        .unwrap();
    let (s, v) = srv
        .json(
            reqwest::Method::POST,
            &format!("/api/v1/sittings/{sitting}/checkins"),
            "staff",
            json!({"delegate_id": eve, "reason": "arrived late"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    wait_until(
        &dash,
        "a check-in after the restart shown live",
        &format!(
            "return document.querySelector('#present').textContent === '3' \
                && document.querySelector('#recent').innerText.includes('Eve Absent') \
                && {same_load}"
        ),
    )
    .await;

    desk.close().await.unwrap();
    dash.close().await.unwrap();
    srv.stop().await;
}

/// The pages' catalogue: no token needed, the browser's language by default, a page's choice
/// when it names one rollcall speaks, English otherwise.
#[tokio::test]
async fn the_catalogue_follows_the_browser_and_the_choice() {
    let srv = TestServer::sqlite(|_| {}).await;
    let get = |query: &'static str, accept: Option<&'static str>| {
        let mut r = srv.client.get(srv.url(&format!("/i18n{query}")));
        if let Some(a) = accept {
            r = r.header("accept-language", a);
        }
        async move {
            let r = r.send().await.unwrap();
            assert_eq!(r.status(), 200);
            assert_eq!(r.headers()["vary"], "Accept-Language");
            let lang = r.headers()["content-language"]
                .to_str()
                .unwrap()
                .to_string();
            let v: Value = r.json().await.unwrap();
            assert_eq!(v["lang"], lang.as_str());
            v
        }
    };
    let v = get("", Some("vi-VN,vi;q=0.9,en;q=0.8")).await;
    assert_eq!(v["lang"], "vi");
    assert!(v["catalogue"]
        .as_str()
        .unwrap()
        .contains("dash-quorum-reached = ĐỦ SỐ ĐẠI BIỂU"));
    assert_eq!(
        v["languages"],
        json!([{"tag": "en", "name": "English"}, {"tag": "vi", "name": "Tiếng Việt"}])
    );
    assert_eq!(get("", Some("de-DE,fr;q=0.9")).await["lang"], "en");
    assert_eq!(get("", None).await["lang"], "en");
    assert_eq!(get("?lang=en", Some("vi")).await["lang"], "en");
    assert_eq!(get("?lang=vi-VN", Some("en")).await["lang"], "vi");
    // A language picked once and no longer spoken falls back to the browser's.
    assert_eq!(get("?lang=fr", Some("vi")).await["lang"], "vi");
    srv.stop().await;
}

/// The pages in Vietnamese, chosen by the browser's language (the desk, the dashboard, the
/// report) or by the kiosk's address (`?lang=vi`): a search by an unaccented name, a kiosk
/// check-in, an exit, the two counts and the chart with 24-hour times and Vietnamese numbers, a
/// roll call, the report, and the switch back to English. Long Vietnamese names and delegations
/// must fit at both screen sizes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pages_speak_vietnamese_in_chromium() {
    let Some(driver) = Driver::start().await else {
        return;
    };
    let srv = TestServer::sqlite(|_| {}).await;
    let files = tempfile::tempdir().unwrap();
    let shots = screenshot_dir();
    const HA_TINH: &str = "Đoàn đại biểu tỉnh Hà Tĩnh";
    let thao = srv
        .delegate("HT-01", "Nguyễn Thị Phương Thảo", HA_TINH)
        .await;
    assert_eq!(srv.enrol(thao, "obama.jpg").await.0, 201);
    let hung = srv
        .delegate(
            "HP-07",
            "Đặng Văn Hùng",
            "Đoàn đại biểu thành phố Hải Phòng",
        )
        .await;
    assert_eq!(srv.enrol(hung, "biden.jpg").await.0, 201);
    // Stored as typed in decomposed form (NFD); found and shown composed.
    srv.delegate(
        "HT-02",
        "Đo\u{0302}\u{0303} Mu\u{031b}o\u{031b}\u{0300}i",
        HA_TINH,
    )
    .await;
    srv.delegate("LC-03", "Trần Thị Ánh", "Đoàn đại biểu tỉnh Lai Châu")
        .await;
    let sitting = srv
        .open_sitting_named(
            "Kỳ họp thứ nhất Hội đồng nhân dân tỉnh Hà Tĩnh, phiên toàn thể",
            (1, 2, "at_least"),
        )
        .await;
    let vietnamese = [
        "--lang=vi".to_string(),
        "--accept-lang=vi-VN,vi".to_string(),
    ];

    // ---- the desk, in the browser's language: found by unaccented names --------------------
    let (desk, _p1) = driver.browser(&vietnamese).await;
    desk.goto(&srv.url("/enrol")).await.unwrap();
    wait_text(&desk, "#login-form", "Mã truy cập").await;
    assert_eq!(
        js(&desk, "return document.documentElement.lang").await,
        "vi"
    );
    login(&desk, &srv, "/enrol", "staff").await;
    for (typed, found) in [
        ("nguyen", "Nguyễn Thị Phương Thảo"),
        ("dang", "Đặng Văn Hùng"),
        ("do muoi", "Đỗ Mười"),
        ("tran thi anh", "Trần Thị Ánh"),
    ] {
        fill(&desk, "#search", typed).await;
        click(&desk, "#search-form button").await;
        wait_until(
            &desk,
            &format!("{typed:?} finds {found}"),
            &format!(
                "const t = document.querySelector('#delegates tbody').innerText; \
                 return t.includes({found}) && t.trim().split('\\n').length === 1 \
                     && document.querySelector('#list-note').textContent === '1 đại biểu'",
                found = json!(found)
            ),
        )
        .await;
    }
    wait_text(&desk, "#expected", "Trần Thị Ánh").await;
    wait_text(
        &desk,
        "#expected",
        "Đoàn đại biểu tỉnh Lai Châu: 1/1 chưa đến",
    )
    .await;

    // ---- the browser kiosk, told its language by its address --------------------------------
    let camera = fake_camera(files.path(), "biden.jpg");
    let (kiosk, _p2) = driver.browser(&camera).await;
    login(&kiosk, &srv, "/kiosk?lang=vi", "kiosk").await;
    wait_text(&kiosk, "#door", "cửa vào").await;
    wait_text(&kiosk, "#message-title", "Xin chào Đặng Văn Hùng").await;
    wait_text(&kiosk, "#message-sub", "Hải Phòng · đã điểm danh").await;

    // ---- Thảo comes in past a native kiosk and leaves past the exit ---------------------------
    assert_eq!(obama_walks_past(&srv, "kiosk").await, "checked_in");
    assert_eq!(obama_walks_past(&srv, "exit").await, "checked_out");

    // ---- the dashboard ------------------------------------------------------------------------
    let (dash, _p3) = driver.browser(&vietnamese).await;
    login(&dash, &srv, "/", "presidium").await;
    wait_until(
        &dash,
        "two checked in, one in the hall, quorum, in Vietnamese with 24-hour times",
        "const q = (s) => document.querySelector(s).textContent; \
         return q('#present') === '2' && q('#checked-in') === '2' && q('#in-hall') === '1' \
            && q('#count-label') === 'Có mặt' && q('#quorum') === 'ĐỦ SỐ ĐẠI BIỂU' \
            && /^50,0\\s?%$/.test(q('#percent')) \
            && /^khai mạc lúc \\d{2}:\\d{2}:\\d{2}$/.test(q('#sitting-time')) \
            && /^\\d{2}:\\d{2}$/.test(q('#clock')) \
            && /^Đủ số đại biểu lúc \\d{2}:\\d{2}:\\d{2}, \\d+ phút sau khi khai mạc$/\
                .test(q('#time-to-quorum')) \
            && document.querySelector('#recent').innerText.includes('đã ra khỏi hội trường') \
            && document.querySelector('#arrivals path.series.checked') !== null \
            && document.querySelector('#arrivals path.series.hall') !== null \
            && q('#rule').startsWith('Số đại biểu cần thiết: ít nhất 1/2 trong 4')",
    )
    .await;
    click(&dash, "#take-roll-call").await;
    wait_until(
        &dash,
        "the roll call in Vietnamese",
        "return /^Lần chốt 1 lúc \\d{2}:\\d{2}:\\d{2}: 2\\/4 có mặt, đủ số đại biểu$/\
             .test(document.querySelector('#last-roll-call').textContent)",
    )
    .await;

    // ---- the desk sees who left ----------------------------------------------------------------
    fill(&desk, "#search", "thao").await;
    click(&desk, "#search-form button").await;
    wait_text(&desk, "#delegates tbody", "đã ra ngoài").await;
    click(&desk, "#delegates tbody tr").await;
    wait_text(&desk, "#checkin-state", "đã ra khỏi hội trường").await;
    wait_text(&desk, "#checkin-btn", "Cho vào lại thủ công").await;

    // ---- the printable report ----------------------------------------------------------------
    let (report, _p4) = driver.browser(&vietnamese).await;
    login(
        &report,
        &srv,
        &format!("/report?sitting={sitting}"),
        "presidium",
    )
    .await;
    wait_until(
        &report,
        "the report in Vietnamese",
        "const t = (s) => document.querySelector(s).innerText; \
         return !document.querySelector('#report').hidden \
            && /Nguyễn Thị Phương Thảo\\s+có mặt\\s+máy điểm danh\\s+\\d/.test(t('#r-roll')) \
            && /Trần Thị Ánh\\s+vắng mặt/.test(t('#r-roll')) \
            && /Nguyễn Thị Phương Thảo\\s+ra khỏi hội trường\\s+máy điểm danh/\
                .test(t('#r-movements')) \
            && /^Ít nhất 1\\/2 trong 4 đại biểu có quyền biểu quyết \\(cần 2\\)/\
                .test(t('#r-quorum')) \
            && /rollcall audit verify --head \\d+:[0-9a-f]{64}/.test(t('#r-audit')) \
            && !/\\b(AM|PM|SA|CH)\\b/.test(t('#r-roll'))",
    )
    .await;

    // ---- how each page looks, with the longest names, on a hall screen and on a tablet -------
    shoot(
        &report,
        &shots,
        "report-vi",
        &["#r-name", "#r-roll", "#print"],
    )
    .await;
    shoot(
        &dash,
        &shots,
        "dashboard-vi",
        &[
            "#present",
            "#quorum",
            "#recent",
            "#take-roll-call",
            "header .lang-switch",
        ],
    )
    .await;
    // The person panel, longer in Vietnamese, pushes the sittings below the first screen of a
    // tablet: the desk scrolls down, never sideways.
    shoot(
        &desk,
        &shots,
        "desk-vi",
        &["#search", "#person", "#checkin-btn", "header .lang-switch"],
    )
    .await;
    shoot(
        &kiosk,
        &shots,
        "kiosk-vi",
        &["#message-title", "#net", "#door"],
    )
    .await;

    // ---- the switch: English on this browser's pages, kept after a reload -----------------
    dash.find(Locator::Css("header .lang-switch"))
        .await
        .unwrap()
        .select_by_value("en")
        .await
        .unwrap();
    wait_until(
        &dash,
        "the dashboard back in English, still logged in",
        "return document.documentElement.lang === 'en' \
            && !document.querySelector('#app').hidden \
            && document.querySelector('#quorum').textContent === 'QUORUM REACHED' \
            && document.querySelector('#count-label').textContent === 'Present' \
            && localStorage.getItem('rollcall.lang') === 'en'",
    )
    .await;
    no_missing_messages(&dash, "dashboard after the switch").await;

    for b in [desk, kiosk, dash, report] {
        b.close().await.unwrap();
    }
    srv.stop().await;
}

/// Two distinct captures of Obama posted as a native kiosk would, with the kiosk token named `door`:
/// the status of the second.
async fn obama_walks_past(srv: &TestServer, door: &str) -> String {
    let mut last = Value::Null;
    for i in 0..2 {
        let r = srv
            .req(
                reqwest::Method::POST,
                &format!("/api/v1/kiosk/frames?kiosk_frame_id={door}-{i}"),
                door,
            )
            .body(jpeg(&camera_image("obama.jpg", 1.0 + 0.3 * i as f32)))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        last = r.json().await.unwrap();
    }
    last["faces"][0]["status"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

// ---- the browser ----------------------------------------------------------------------------

struct Driver {
    child: Child,
    url: String,
    chromium: PathBuf,
}

impl Driver {
    async fn start() -> Option<Driver> {
        let driver = std::env::var_os("ROLLCALL_CHROMEDRIVER")
            .map_or_else(|| "/usr/bin/chromedriver".into(), PathBuf::from);
        let chromium = std::env::var_os("ROLLCALL_CHROMIUM")
            .map_or_else(|| "/usr/bin/chromium".into(), PathBuf::from);
        if !driver.exists() || !chromium.exists() {
            rollcall_testkit::skip(&format!(
                "{} or {} is missing (apt-get install chromium chromium-driver)",
                driver.display(),
                chromium.display()
            ));
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(&driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let url = format!("http://127.0.0.1:{port}");
        let ready = Instant::now();
        loop {
            if let Ok(r) = reqwest::get(format!("{url}/status")).await {
                if r.status().is_success() {
                    break;
                }
            }
            assert!(
                ready.elapsed() < Duration::from_secs(30),
                "chromedriver did not start"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Some(Driver {
            child,
            url,
            chromium,
        })
    }

    /// A fresh browser with its own profile, flags as DEVELOPERS.md gives them for this machine.
    async fn browser(&self, extra: &[String]) -> (Client, tempfile::TempDir) {
        let profile = tempfile::tempdir().unwrap();
        let mut args: Vec<String> = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-dev-shm-usage",
            "--window-size=1920,1080",
        ]
        .iter()
        .map(ToString::to_string)
        .collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        args.extend(extra.iter().cloned());
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": self.chromium, "args": args},
        });
        let Value::Object(caps) = caps else {
            unreachable!()
        };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&self.url)
            .await
            .expect("a Chromium session");
        (client, profile)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn js(b: &Client, script: &str) -> Value {
    b.execute(script, vec![]).await.unwrap()
}

/// Polls `script` (a function body returning a boolean) until true; on timeout fails with what the
/// page showed.
async fn wait_until(b: &Client, what: &str, script: &str) {
    let start = Instant::now();
    loop {
        if b.execute(script, vec![]).await.ok() == Some(Value::Bool(true)) {
            return;
        }
        if start.elapsed() > Duration::from_secs(30) {
            let text = js(b, "return document.body.innerText").await;
            let path = screenshot_dir().join("failure.png");
            if let Ok(png) = b.screenshot().await {
                let _ = std::fs::write(&path, png);
            }
            panic!(
                "timed out waiting for {what}; the page showed:\n{}\n(screenshot {})",
                text.as_str().unwrap_or_default(),
                path.display()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn wait_text(b: &Client, css: &str, needle: &str) {
    let script = format!(
        "const e = document.querySelector({css}); return !!e && e.innerText.includes({needle})",
        css = json!(css),
        needle = json!(needle)
    );
    wait_until(b, &format!("{css} to show {needle:?}"), &script).await;
}

async fn click(b: &Client, css: &str) {
    click_at(b, Locator::Css(css)).await;
}

/// Finds and clicks, finding again when the page re-rendered the element in between (lists here are
/// redrawn on every refresh, as a person's second click would find too).
async fn click_at(b: &Client, at: Locator<'_>) {
    for attempt in 0.. {
        let result = match b.find(at).await {
            Ok(e) => e.click().await,
            Err(e) => Err(e),
        };
        match result {
            Ok(()) => return,
            Err(e)
                if attempt < 20 && (e.is_stale_element_reference() || e.is_no_such_element()) =>
            {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("clicking {at:?}: {e}"),
        }
    }
}

async fn fill(b: &Client, css: &str, text: &str) {
    let e = b.find(Locator::Css(css)).await.unwrap();
    e.clear().await.unwrap();
    e.send_keys(text).await.unwrap();
}

async fn type_token(b: &Client, token: &str) {
    wait_until(
        b,
        "login form",
        "return !document.querySelector('#login').hidden",
    )
    .await;
    fill(b, "#token", token).await;
    click(b, "#login-form button").await;
}

async fn login(b: &Client, srv: &TestServer, path: &str, role: &str) {
    b.goto(&srv.url(path)).await.unwrap();
    type_token(b, &srv.tokens[role]).await;
    wait_until(
        b,
        &format!("{path} after login as {role}"),
        "return !document.querySelector('#app').hidden",
    )
    .await;
}

async fn add_delegate(b: &Client, external_id: &str, name: &str, delegation: &str) {
    js(b, "document.querySelector('#add').open = true; return null").await;
    fill(b, "#add-external", external_id).await;
    fill(b, "#add-name", name).await;
    fill(b, "#add-delegation", delegation).await;
    click(b, "#add-form button[type=submit]").await;
    wait_text(b, "#add-message", &format!("Added {name}")).await;
    wait_text(b, "#p-name", name).await;
}

async fn upload(b: &Client, file: &Path) {
    js(
        b,
        "document.querySelector('#verdict').className = ''; return null",
    )
    .await;
    choose_file(b, "#photo-file", file).await;
}

/// What a person picking a file does: chromedriver types the path into the file input.
async fn choose_file(b: &Client, css: &str, file: &Path) {
    b.find(Locator::Css(css))
        .await
        .unwrap()
        .send_keys(&file.display().to_string())
        .await
        .unwrap();
}

/// Screenshots at each size, after checking that nothing spills sideways and that the page's key
/// elements are on screen.
async fn shoot(b: &Client, dir: &Path, page: &str, key: &[&str]) {
    no_missing_messages(b, page).await;
    for (w, h) in SIZES {
        b.set_window_size(w, h).await.unwrap();
        tokio::time::sleep(Duration::from_millis(700)).await;
        let check = js(
            b,
            &format!(
                "const keys = {keys}; const off = [];
                 for (const k of keys) {{
                   const r = document.querySelector(k).getBoundingClientRect();
                   if (r.width === 0 || r.right > innerWidth + 1 || r.top > innerHeight
                       || r.left < -1) off.push(k);
                 }}
                 return {{overflow: document.documentElement.scrollWidth > innerWidth + 1, off,
                          w: innerWidth, h: innerHeight}};",
                keys = json!(key)
            ),
        )
        .await;
        let path = dir.join(format!("{page}-{w}x{h}.png"));
        std::fs::write(&path, b.screenshot().await.unwrap()).unwrap();
        assert_eq!(
            check["overflow"],
            false,
            "{page} at {w}x{h} scrolls sideways: {check} ({})",
            path.display()
        );
        assert_eq!(
            check["off"],
            json!([]),
            "{page} at {w}x{h}: key elements off screen: {check} ({})",
            path.display()
        );
    }
    b.set_window_size(1920, 1080).await.unwrap();
}

/// Every message the page asked its catalogue for was there (the page records the ones that were
/// not, with any formatting error).
async fn no_missing_messages(b: &Client, page: &str) {
    let missing = js(
        b,
        "return [...(globalThis.rollcallMissingMessages || ['no catalogue'])]",
    )
    .await;
    assert_eq!(
        missing,
        json!([]),
        "{page} asked for messages its catalogue lacks"
    );
}

fn screenshot_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("web-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Chromium flags for a fake camera showing the fixture portrait `fixture`: a short loop of frames
/// with the person at slightly different distances, as someone in front of a camera moves (a still
/// picture would be one capture however often it is sent, and never check anyone in).
fn fake_camera(dir: &Path, fixture: &str) -> [String; 3] {
    let y4m = dir.join(format!("{fixture}.y4m"));
    let frames: Vec<RgbImage> = [1.0, 1.1, 1.2, 1.1]
        .iter()
        .map(|&zoom| camera_image(fixture, zoom))
        .collect();
    write_y4m(&y4m, &frames);
    [
        "--use-fake-device-for-media-stream".to_string(),
        "--use-fake-ui-for-media-stream".to_string(),
        format!("--use-file-for-fake-video-capture={}", y4m.display()),
    ]
}

/// YUV4MPEG2 frames (4:2:0, full-range BT.601), which Chromium's fake camera loops.
fn write_y4m(path: &Path, frames: &[RgbImage]) {
    let (w, h) = frames[0].dimensions();
    let mut out = format!("YUV4MPEG2 W{w} H{h} F5:1 Ip A1:1 C420jpeg\n").into_bytes();
    for img in frames {
        out.extend(b"FRAME\n");
        out.extend(yuv420(img));
    }
    std::fs::write(path, out).unwrap();
}

fn yuv420(img: &RgbImage) -> Vec<u8> {
    let (w, h) = img.dimensions();
    let mut out = Vec::new();
    let px = |x: u32, y: u32| {
        let p = img.get_pixel(x, y).0;
        (p[0] as f32, p[1] as f32, p[2] as f32)
    };
    for y in 0..h {
        for x in 0..w {
            let (r, g, b) = px(x, y);
            out.push(
                (0.299 * r + 0.587 * g + 0.114 * b)
                    .round()
                    .clamp(0.0, 255.0) as u8,
            );
        }
    }
    let mut u = Vec::new();
    let mut v = Vec::new();
    for y in (0..h).step_by(2) {
        for x in (0..w).step_by(2) {
            let (mut r, mut g, mut b) = (0.0, 0.0, 0.0);
            for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                let p = px((x + dx).min(w - 1), (y + dy).min(h - 1));
                r += p.0 / 4.0;
                g += p.1 / 4.0;
                b += p.2 / 4.0;
            }
            u.push(
                (128.0 - 0.168736 * r - 0.331264 * g + 0.5 * b)
                    .round()
                    .clamp(0.0, 255.0) as u8,
            );
            v.push(
                (128.0 + 0.5 * r - 0.418688 * g - 0.081312 * b)
                    .round()
                    .clamp(0.0, 255.0) as u8,
            );
        }
    }
    out.extend(u);
    out.extend(v);
    out
}
