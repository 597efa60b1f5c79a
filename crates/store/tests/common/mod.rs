//! Every store test runs on a fresh SQLite file and, when `ROLLCALL_TEST_PG_URL` is set, on a fresh
//! PostgreSQL schema (dropped afterwards).

// Each test file uses its own part of this module.
#![allow(dead_code)]

use rollcall_api::{Attendance, PhotoQuality, Sitting};
use rollcall_store::Store;
use rollcall_testkit::pg::PgSchema;

#[derive(Debug)]
pub struct TestDb {
    pub store: Store,
    pub label: &'static str,
    _dir: Option<tempfile::TempDir>,
    pg: Option<PgSchema>,
}

impl TestDb {
    /// The PostgreSQL schema's URL, for a second store on the same database.
    pub fn pg_url(&self) -> Option<String> {
        self.pg.as_ref().map(|p| p.url.clone())
    }

    pub async fn cleanup(self) {
        self.store.close().await;
        if let Some(pg) = self.pg {
            pg.drop().await;
        }
    }
}

/// One data key for every store of this test process (two stores on one database share it, as
/// servers sharing a database share their key file).
pub fn keys() -> rollcall_store::DataKeys {
    static KEYS: std::sync::OnceLock<rollcall_store::DataKeys> = std::sync::OnceLock::new();
    KEYS.get_or_init(rollcall_store::DataKeys::generate).clone()
}

pub async fn databases() -> Vec<TestDb> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("rollcall.db").display());
    let mut out = vec![TestDb {
        store: Store::connect(&url)
            .await
            .unwrap()
            .with_keys(keys())
            .await
            .unwrap(),
        label: "sqlite",
        _dir: Some(dir),
        pg: None,
    }];
    if let Some(pg) = PgSchema::create().await {
        out.push(TestDb {
            store: Store::connect(&pg.url)
                .await
                .unwrap()
                .with_keys(keys())
                .await
                .unwrap(),
            label: "postgres",
            _dir: None,
            pg: Some(pg),
        });
    }
    out
}

/// The sitting's attendance as the server builds it: the store's counts, the quorum rule's
/// arithmetic.
pub async fn attendance(s: &Store, sitting: &Sitting) -> Attendance {
    rollcall_checkin::quorum::attendance(
        sitting,
        s.delegation_counts(sitting).await.unwrap(),
        s.checkins(sitting).await.unwrap(),
        s.amendments(sitting.id).await.unwrap(),
    )
}

/// A photo's quality record (the store keeps it as given).
pub fn quality(inter_eye: f32) -> PhotoQuality {
    PhotoQuality {
        box_width: 2.0 * inter_eye,
        box_height: 2.4 * inter_eye,
        inter_eye,
        sharpness: 80.0,
        yaw: 0.0,
        roll: 0.0,
        frontal: 1.0,
        detector_score: 0.99,
    }
}
