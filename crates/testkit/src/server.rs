//! A real server on 127.0.0.1 with real models, on a fresh SQLite file and, when
//! `ROLLCALL_TEST_PG_URL` is set, on a fresh PostgreSQL schema.

use std::collections::HashMap;

use rollcall_api::{FrameAnswer, KioskDirection, Role};
use rollcall_server::{hash_token, new_token, AppState, Config};
use serde_json::Value;

use crate::fixtures::fixture_bytes;
use crate::pg::PgSchema;

pub const ROLES: [&str; 4] = ["admin", "staff", "kiosk", "presidium"];

#[derive(Debug)]
pub struct TestServer {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// One token per role, by role name; "kiosk" faces the entrance, "exit" is a kiosk at the
    /// exit.
    pub tokens: HashMap<&'static str, String>,
    pub state: AppState,
    pub client: reqwest::Client,
    /// `sqlite` or `postgres`.
    pub label: &'static str,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    _dir: tempfile::TempDir,
    pg: Option<PgSchema>,
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
        .expect("the test server serves");
    });
    (tx, task)
}

impl TestServer {
    async fn start_with(
        label: &'static str,
        pg: Option<PgSchema>,
        tweak: &dyn Fn(&mut Config),
    ) -> TestServer {
        let dir = tempfile::tempdir().expect("temporary folder");
        let mut cfg = Config {
            listen: "127.0.0.1:0".parse().expect("address"),
            data_dir: dir.path().to_path_buf(),
            workers: Some(1),
            queue: 4,
            ..Config::default()
        };
        cfg.database_url = pg.as_ref().map(|p| p.url.clone());
        tweak(&mut cfg);
        let state = AppState::start(cfg.clone())
            .await
            .expect("server starts (run `make ort` for ONNX Runtime)");
        let listener = tokio::net::TcpListener::bind(cfg.listen)
            .await
            .expect("bind 127.0.0.1");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let (tx, task) = spawn_serve(listener, state.clone());
        let mut srv = TestServer {
            base,
            tokens: HashMap::new(),
            state,
            client: reqwest::Client::new(),
            label,
            shutdown: Some(tx),
            task: Some(task),
            _dir: dir,
            pg,
        };
        for role in ROLES {
            let t = srv.token(role, role).await;
            srv.tokens.insert(role, t);
        }
        // A second kiosk, at the hall's exit, under the name "exit".
        let t = srv.exit_kiosk_token("exit").await;
        srv.tokens.insert("exit", t);
        srv
    }

    /// One server per available database: SQLite, and PostgreSQL when `ROLLCALL_TEST_PG_URL` is set.
    pub async fn all(tweak: impl Fn(&mut Config)) -> Vec<TestServer> {
        let mut out = vec![Self::start_with("sqlite", None, &tweak).await];
        if let Some(pg) = PgSchema::create().await {
            out.push(Self::start_with("postgres", Some(pg), &tweak).await);
        }
        out
    }

    /// A server on a fresh PostgreSQL schema, or `None` when `ROLLCALL_TEST_PG_URL` is unset.
    pub async fn postgres(tweak: impl Fn(&mut Config)) -> Option<TestServer> {
        let pg = PgSchema::create().await?;
        Some(Self::start_with("postgres", Some(pg), &tweak).await)
    }

    pub async fn sqlite(tweak: impl Fn(&mut Config)) -> TestServer {
        Self::start_with("sqlite", None, &tweak).await
    }

    /// A second server on this one's database and data key file (its own address, models and
    /// memory), as a second machine behind a load balancer would be. The first server keeps ownership of the database.
    pub async fn beside(&self, label: &'static str) -> TestServer {
        let url = self.state.config.database_url();
        // Servers sharing a database share its data key file, as a deployment must.
        let key = self.state.config.data_key_path();
        Self::start_with(label, None, &|c: &mut Config| {
            c.database_url = Some(url.clone());
            c.data_key_file = Some(key.clone());
        })
        .await
    }

    /// A new token with `role` (a role name), stored hashed like every token (a kiosk's faces
    /// the entrance).
    pub async fn token(&self, role: &str, name: &str) -> String {
        self.token_facing(role, name, None).await
    }

    /// A kiosk token at an exit.
    pub async fn exit_kiosk_token(&self, name: &str) -> String {
        self.token_facing("kiosk", name, Some(KioskDirection::Exit))
            .await
    }

    async fn token_facing(
        &self,
        role: &str,
        name: &str,
        direction: Option<KioskDirection>,
    ) -> String {
        let role = Role::parse(role).expect("a known role");
        let t = new_token();
        self.state
            .store
            .create_token(name, role.as_str(), &hash_token(&t), None, direction)
            .await
            .expect("token stored");
        t
    }

    /// The PostgreSQL schema this server runs on, if any.
    pub fn pg(&self) -> Option<&PgSchema> {
        self.pg.as_ref()
    }

    /// The SQLite file of a server on SQLite.
    pub fn sqlite_path(&self) -> std::path::PathBuf {
        self.state.config.data_dir.join("rollcall.db")
    }

    pub async fn stop(mut self) {
        self.go_down().await;
        if let Some(pg) = self.pg.take() {
            pg.drop().await;
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
        self.state = AppState::start(cfg).await.expect("server restarts");
        let addr = self.base.trim_start_matches("http://").to_string();
        // The old socket may linger for a moment after the old server let go of it.
        let listener = loop {
            match tokio::net::TcpListener::bind(&addr).await {
                Ok(l) => break l,
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
            }
        };
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

    async fn answer(r: reqwest::RequestBuilder) -> (u16, Value) {
        let r = r.send().await.expect("the test server answers");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn json(
        &self,
        method: reqwest::Method,
        path: &str,
        role: &str,
        body: Value,
    ) -> (u16, Value) {
        Self::answer(self.req(method, path, role).json(&body)).await
    }

    /// Every byte of a SQLite server's database as it is on disk: the main file, its write-ahead
    /// log and its shared-memory index (what a stolen disk would hold).
    pub fn database_bytes(&self) -> Vec<u8> {
        let main = self.sqlite_path();
        let mut all = Vec::new();
        for suffix in ["", "-wal", "-shm"] {
            if let Ok(bytes) = std::fs::read(format!("{}{suffix}", main.display())) {
                all.extend(bytes);
            }
        }
        all
    }

    /// `/metrics` as Prometheus text (open on the loopback listener tests use).
    pub async fn metrics(&self) -> String {
        self.client
            .get(self.url("/metrics"))
            .send()
            .await
            .expect("the test server answers")
            .text()
            .await
            .expect("metrics are text")
    }

    pub async fn get(&self, path: &str, role: &str) -> (u16, Value) {
        Self::answer(self.req(reqwest::Method::GET, path, role)).await
    }

    pub async fn upload(&self, path: &str, role: &str, bytes: Vec<u8>) -> (u16, Value) {
        Self::answer(
            self.req(reqwest::Method::POST, path, role)
                .header("content-type", "image/jpeg")
                .body(bytes),
        )
        .await
    }

    /// A GET with `role`'s token: the status, the content type and the body's bytes.
    pub async fn fetch(&self, path: &str, role: &str) -> (u16, String, Vec<u8>) {
        let r = self
            .req(reqwest::Method::GET, path, role)
            .send()
            .await
            .expect("the test server answers");
        let status = r.status().as_u16();
        let kind = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        (status, kind, r.bytes().await.expect("a body").to_vec())
    }

    /// A bulk import of `csv` and, when given, a zip of photos.
    pub async fn import(&self, csv: &str, photos: Option<Vec<u8>>) -> (u16, Value) {
        let mut form = reqwest::multipart::Form::new().part(
            "csv",
            reqwest::multipart::Part::text(csv.to_string()).file_name("delegates.csv"),
        );
        if let Some(zip) = photos {
            form = form.part(
                "photos",
                reqwest::multipart::Part::bytes(zip).file_name("photos.zip"),
            );
        }
        Self::answer(
            self.req(reqwest::Method::POST, "/api/v1/delegates/import", "staff")
                .multipart(form),
        )
        .await
    }

    /// Creates a delegate through the API; returns its id.
    pub async fn delegate(&self, ext: &str, name: &str, delegation: &str) -> i64 {
        let (s, v) = self
            .json(
                reqwest::Method::POST,
                "/api/v1/delegates",
                "staff",
                serde_json::json!({
                    "external_id": ext, "full_name": name, "delegation": delegation,
                }),
            )
            .await;
        assert_eq!(s, 201, "{v}");
        v["id"].as_i64().expect("an id")
    }

    /// Enrols a fixture portrait as the delegate's photo.
    pub async fn enrol(&self, id: i64, fixture_name: &str) -> (u16, Value) {
        self.upload(
            &format!("/api/v1/delegates/{id}/photos"),
            "staff",
            fixture_bytes(fixture_name),
        )
        .await
    }

    /// Creates and opens a sitting with the quorum `rule` `num/den`; returns its id.
    pub async fn open_sitting(&self, num: i64, den: i64, rule: &str) -> i64 {
        self.open_sitting_named("Plenary", (num, den, rule)).await
    }

    /// Creates and opens the sitting `name` with the quorum `(num, den, rule)`; returns its id.
    pub async fn open_sitting_named(&self, name: &str, (num, den, rule): (i64, i64, &str)) -> i64 {
        let (s, v) = self
            .json(
                reqwest::Method::POST,
                "/api/v1/sittings",
                "admin",
                serde_json::json!({
                    "name": name,
                    "quorum": {"numerator": num, "denominator": den, "rule": rule},
                }),
            )
            .await;
        assert_eq!(s, 201, "{v}");
        let id = v["id"].as_i64().expect("an id");
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

    /// Checks a delegate in by hand at the desk (staff token, reason "badge shown").
    pub async fn checkin(&self, sitting: i64, delegate: i64) -> (u16, Value) {
        self.json(
            reqwest::Method::POST,
            &format!("/api/v1/sittings/{sitting}/checkins"),
            "staff",
            serde_json::json!({"delegate_id": delegate, "reason": "badge shown"}),
        )
        .await
    }

    /// Posts a kiosk frame with the (entrance) kiosk token.
    pub async fn frame(&self, frame_id: &str, captured_at: &str, bytes: Vec<u8>) -> (u16, Value) {
        self.frame_at("kiosk", frame_id, captured_at, bytes).await
    }

    /// Posts a frame with the kiosk token named `door` ("kiosk", the entrance, or "exit").
    pub async fn frame_at(
        &self,
        door: &str,
        frame_id: &str,
        captured_at: &str,
        bytes: Vec<u8>,
    ) -> (u16, Value) {
        Self::answer(
            self.req(reqwest::Method::POST, "/api/v1/kiosk/frames", door)
                .query(&[("kiosk_frame_id", frame_id), ("captured_at", captured_at)])
                .header("content-type", "image/jpeg")
                .body(bytes),
        )
        .await
    }

    /// [`TestServer::frame`], answered 200 and read as the typed answer.
    pub async fn frame_answer(
        &self,
        frame_id: &str,
        captured_at: &str,
        bytes: Vec<u8>,
    ) -> FrameAnswer {
        let (s, v) = self.frame(frame_id, captured_at, bytes).await;
        assert_eq!(s, 200, "{v}");
        serde_json::from_value(v).expect("a FrameAnswer")
    }
}
