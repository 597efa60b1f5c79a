//! A real server on 127.0.0.1:0 with real models, on a fresh SQLite file and, when
//! `ROLLCALL_TEST_PG_URL` is set, on a fresh PostgreSQL schema.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::PathBuf;

use image::{imageops, Rgb, RgbImage};
use rollcall_server::{hash_token, new_token, AppState, Config};
use serde_json::Value;

#[derive(Debug)]
pub struct TestServer {
    pub base: String,
    pub tokens: HashMap<&'static str, String>,
    pub state: AppState,
    pub client: reqwest::Client,
    pub label: &'static str,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    _dir: tempfile::TempDir,
    pg: Option<(String, String)>,
}

pub const ROLES: [&str; 4] = ["admin", "staff", "kiosk", "presidium"];

pub fn fixture_bytes(name: &str) -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/faces")
            .join(name),
    )
    .unwrap()
}

pub fn fixture(name: &str) -> RgbImage {
    image::load_from_memory(&fixture_bytes(name))
        .unwrap()
        .to_rgb8()
}

pub fn jpeg(img: &RgbImage) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

/// A 640x480 kiosk frame with the portrait scaled to `height` pixels at (x, y).
pub fn frame_with(name: &str, height: u32, x: i64, y: i64) -> Vec<u8> {
    let p = fixture(name);
    let w = p.width() * height / p.height();
    let small = imageops::resize(&p, w, height, imageops::FilterType::Triangle);
    let mut f = RgbImage::from_pixel(640, 480, Rgb([120, 120, 120]));
    imageops::overlay(&mut f, &small, x, y);
    jpeg(&f)
}

pub async fn pg_schema() -> Option<(String, String, String)> {
    let url = std::env::var("ROLLCALL_TEST_PG_URL")
        .ok()
        .filter(|u| !u.is_empty())?;
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let schema = format!("rc_srv_{}_{}", std::process::id(), t);
    let admin = sqlx::PgPool::connect(&url)
        .await
        .expect("ROLLCALL_TEST_PG_URL is set but unreachable");
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&admin)
        .await
        .unwrap();
    admin.close().await;
    let sep = if url.contains('?') { '&' } else { '?' };
    Some((
        format!("{url}{sep}options=-c%20search_path%3D{schema}"),
        url,
        schema,
    ))
}

/// Serves `state` on `listener` until the returned sender fires (or is dropped).
fn spawn_serve(
    listener: tokio::net::TcpListener,
    state: AppState,
) -> (
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        rollcall_server::serve(listener, state, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    (tx, task)
}

impl TestServer {
    pub async fn start_with(
        label: &'static str,
        database_url: Option<String>,
        pg: Option<(String, String)>,
        tweak: &dyn Fn(&mut Config),
    ) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            data_dir: dir.path().to_path_buf(),
            workers: 1,
            queue: 4,
            ..Config::default()
        };
        cfg.database_url = database_url;
        tweak(&mut cfg);
        let state = AppState::start(cfg)
            .await
            .expect("server starts (run `make ort` for ONNX Runtime)");
        let mut tokens = HashMap::new();
        for role in ROLES {
            let t = new_token();
            state
                .store
                .create_token(role, role, &hash_token(&t))
                .await
                .unwrap();
            tokens.insert(role, t);
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, task) = spawn_serve(listener, state.clone());
        TestServer {
            base,
            tokens,
            state,
            client: reqwest::Client::new(),
            label,
            shutdown: Some(tx),
            task: Some(task),
            _dir: dir,
            pg,
        }
    }

    /// One server per available database.
    pub async fn all(tweak: impl Fn(&mut Config)) -> Vec<TestServer> {
        let mut out = vec![Self::start_with("sqlite", None, None, &tweak).await];
        match pg_schema().await {
            Some((url, base, schema)) => out
                .push(Self::start_with("postgres", Some(url), Some((base, schema)), &tweak).await),
            None => eprintln!("ROLLCALL_TEST_PG_URL is not set: PostgreSQL variant skipped"),
        }
        out
    }

    pub async fn sqlite(tweak: impl Fn(&mut Config)) -> TestServer {
        Self::start_with("sqlite", None, None, &tweak).await
    }

    pub async fn stop(mut self) {
        self.go_down().await;
        if let Some((url, schema)) = self.pg.take() {
            let admin = sqlx::PgPool::connect(&url).await.unwrap();
            sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
                .execute(&admin)
                .await
                .unwrap();
            admin.close().await;
        }
    }

    /// Stops serving (clients see the connection drop) but keeps the database and address.
    pub async fn go_down(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
        self.state.store.close().await;
    }

    /// A fresh server process-equivalent on the same database and the same address.
    pub async fn come_back(&mut self) {
        let cfg = (*self.state.config).clone();
        self.state = AppState::start(cfg).await.unwrap();
        let addr = self.base.trim_start_matches("http://").to_string();
        let listener = tokio::net::TcpListener::bind(&addr).await.unwrap();
        let (tx, task) = spawn_serve(listener, self.state.clone());
        self.shutdown = Some(tx);
        self.task = Some(task);
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn req(&self, method: reqwest::Method, path: &str, role: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.url(path))
            .bearer_auth(&self.tokens[role])
    }

    pub async fn json(
        &self,
        method: reqwest::Method,
        path: &str,
        role: &str,
        body: Value,
    ) -> (u16, Value) {
        let r = self
            .req(method, path, role)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str, role: &str) -> (u16, Value) {
        let r = self
            .req(reqwest::Method::GET, path, role)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn upload(&self, path: &str, role: &str, bytes: Vec<u8>) -> (u16, Value) {
        let r = self
            .req(reqwest::Method::POST, path, role)
            .header("content-type", "image/jpeg")
            .body(bytes)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn delegate(&self, ext: &str, name: &str, delegation: &str) -> i64 {
        let (s, v) = self
            .json(reqwest::Method::POST, "/api/v1/delegates", "staff", serde_json::json!({"external_id": ext, "full_name": name, "delegation": delegation}))
            .await;
        assert_eq!(s, 201, "{v}");
        v["id"].as_i64().unwrap()
    }

    pub async fn enrol(&self, id: i64, fixture_name: &str) -> (u16, Value) {
        self.upload(
            &format!("/api/v1/delegates/{id}/photos"),
            "staff",
            fixture_bytes(fixture_name),
        )
        .await
    }

    pub async fn open_sitting(&self, num: i64, den: i64, rule: &str) -> i64 {
        let (s, v) = self
            .json(reqwest::Method::POST, "/api/v1/sittings", "admin", serde_json::json!({"name": "Plenary", "quorum": {"numerator": num, "denominator": den, "rule": rule}}))
            .await;
        assert_eq!(s, 201, "{v}");
        let id = v["id"].as_i64().unwrap();
        let (s, v) = self
            .json(
                reqwest::Method::POST,
                &format!("/api/v1/sittings/{id}/open"),
                "admin",
                Value::Null,
            )
            .await;
        assert_eq!(s, 200, "{v}");
        id
    }

    pub async fn frame(&self, frame_id: &str, captured_at: &str, bytes: Vec<u8>) -> (u16, Value) {
        let r = self
            .req(
                reqwest::Method::POST,
                &format!(
                    "/api/v1/kiosk/frames?kiosk_frame_id={frame_id}&captured_at={}",
                    captured_at.replace('+', "%2B")
                ),
                "kiosk",
            )
            .header("content-type", "image/jpeg")
            .body(bytes)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }
}
