//! A fresh PostgreSQL schema per test on the server `ROLLCALL_TEST_PG_URL` names, dropped at the end.

/// A schema made for one test; its `url` makes every connection use it.
#[derive(Debug, Clone)]
pub struct PgSchema {
    /// The test server's URL with `search_path` set to the schema.
    pub url: String,
    base: String,
    schema: String,
}

fn unique_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .subsec_nanos();
    format!(
        "{}_{t}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

impl PgSchema {
    /// A new empty schema, or `None` (a visible skip, a failure under CI) when
    /// `ROLLCALL_TEST_PG_URL` is unset.
    pub async fn create() -> Option<PgSchema> {
        let Some(base) = std::env::var("ROLLCALL_TEST_PG_URL")
            .ok()
            .filter(|u| !u.is_empty())
        else {
            crate::skip("ROLLCALL_TEST_PG_URL is not set: the PostgreSQL variant");
            return None;
        };
        let schema = format!("rc_test_{}", unique_suffix());
        let admin = sqlx::PgPool::connect(&base)
            .await
            .expect("ROLLCALL_TEST_PG_URL is set but unreachable");
        sqlx::query(&format!("CREATE SCHEMA {schema}"))
            .execute(&admin)
            .await
            .expect("create the test schema");
        admin.close().await;
        let sep = if base.contains('?') { '&' } else { '?' };
        Some(PgSchema {
            url: format!("{base}{sep}options=-c%20search_path%3D{schema}"),
            base,
            schema,
        })
    }

    /// Runs SQL in the schema (for tests that change the database behind the server's back).
    pub async fn execute(&self, sql: &str) {
        let pool = sqlx::PgPool::connect(&self.url).await.expect("connect");
        sqlx::query(sql)
            .execute(&pool)
            .await
            .expect("test SQL runs");
        pool.close().await;
    }

    pub async fn drop(self) {
        let admin = sqlx::PgPool::connect(&self.base).await.expect("connect");
        sqlx::query(&format!("DROP SCHEMA {} CASCADE", self.schema))
            .execute(&admin)
            .await
            .expect("drop the test schema");
        admin.close().await;
    }
}
