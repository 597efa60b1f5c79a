//! Every store test runs on a fresh SQLite file and, when `ROLLCALL_TEST_PG_URL` is set, on a fresh
//! PostgreSQL schema (dropped afterwards).

use rollcall_store::Store;

#[derive(Debug)]
pub struct TestDb {
    pub store: Store,
    pub label: &'static str,
    _dir: Option<tempfile::TempDir>,
    pg_schema: Option<(String, String)>,
}

impl TestDb {
    pub async fn cleanup(self) {
        self.store.close().await;
        if let Some((url, schema)) = self.pg_schema {
            drop_schema(&url, &schema).await;
        }
    }
}

pub async fn drop_schema(url: &str, schema: &str) {
    let admin = sqlx::PgPool::connect(url).await.unwrap();
    sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
        .execute(&admin)
        .await
        .unwrap();
    admin.close().await;
}

/// A fresh PostgreSQL schema on the test server, as a URL whose connections use it; `None` without
/// `ROLLCALL_TEST_PG_URL`.
pub async fn pg_schema_url() -> Option<(String, String, String)> {
    let url = std::env::var("ROLLCALL_TEST_PG_URL")
        .ok()
        .filter(|u| !u.is_empty())?;
    let schema = format!("rc_test_{}_{}", std::process::id(), rand_suffix());
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

fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{t}_{}", N.fetch_add(1, Ordering::Relaxed))
}

pub async fn databases() -> Vec<TestDb> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("rollcall.db").display());
    let mut out = vec![TestDb {
        store: Store::connect(&url).await.unwrap(),
        label: "sqlite",
        _dir: Some(dir),
        pg_schema: None,
    }];
    if let Some((schema_url, base, schema)) = pg_schema_url().await {
        out.push(TestDb {
            store: Store::connect(&schema_url).await.unwrap(),
            label: "postgres",
            _dir: None,
            pg_schema: Some((base, schema)),
        });
    } else {
        eprintln!("ROLLCALL_TEST_PG_URL is not set: PostgreSQL variant skipped");
    }
    out
}
