//! `rollcall kiosk` refuses what it cannot use with one clear line, before touching the server.

use std::process::Command;

fn kiosk(source: &str) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rollcall"))
        .args([
            "kiosk",
            "--server",
            "http://127.0.0.1:9",
            "--token",
            "rc_x",
            "--source",
            source,
        ])
        .arg("--queue")
        .arg(tempfile::tempdir().unwrap().path().join("q"))
        .output()
        .expect("run rollcall kiosk");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_missing_camera_names_the_device() {
    let (ok, err) = kiosk("camera:/dev/video-rollcall-missing");
    assert!(!ok);
    assert!(err.contains("camera /dev/video-rollcall-missing:"), "{err}");
}

#[test]
fn a_missing_folder_says_how_to_ask_for_a_camera() {
    let (ok, err) = kiosk("/nonexistent/frames");
    assert!(!ok);
    assert!(err.contains("not a folder of frames"), "{err}");
    assert!(err.contains("--source camera"), "{err}");
}
