//! What rollcall's tests and benchmarks share, so that each is written once:
//!
//! - [`bombs`]: small files that describe huge images (decompression bombs);
//! - [`fixtures`]: the public-domain portraits in `fixtures/faces/` and kiosk frames made from them;
//! - [`pg`]: a fresh PostgreSQL schema per test (when `ROLLCALL_TEST_PG_URL` is set);
//! - [`TestServer`]: a real server on 127.0.0.1 with real models, a token per role, and HTTP helpers.

pub mod archive;
pub mod bombs;
pub mod fixtures;
pub mod mutate;
pub mod pg;
mod server;
mod templates;

pub use fixtures::{
    camera_frame, fixture, fixture_bytes, fixture_path, frame_with, jpeg, liveness_sample,
    with_exif_orientation, PORTRAITS,
};
pub use server::{TestServer, ROLES};
pub use templates::{lookalike_templates, plain_quality};

/// A test that cannot run here says so: on a developer's machine it prints `SKIPPED: why` and the
/// caller returns; under CI (`CI` set, as `.ci/run` runs) a missing dependency is a failure, so that
/// nothing CI is meant to check can pass by not running.
pub fn skip(why: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "{why}: CI must run this test (.ci/run installs and starts what it needs)"
    );
    eprintln!("SKIPPED: {why}");
}

/// Whether `needle` occurs in `haystack`.
pub fn contains_bytes(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A kiosk frame's `captured_at`: now plus `offset_ms`, RFC 3339 (frames must be captured while
/// their sitting is open).
pub fn captured(offset_ms: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::milliseconds(offset_ms))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Writes `rollcall.toml` into `data_dir` naming it as the data folder (what a command-line test
/// passes as `--config`), and returns its path.
pub fn config_file(data_dir: &std::path::Path) -> std::path::PathBuf {
    let path = data_dir.join("rollcall.toml");
    std::fs::write(
        &path,
        format!("data_dir = {:?}\n", data_dir.display().to_string()),
    )
    .expect("config file written");
    path
}
