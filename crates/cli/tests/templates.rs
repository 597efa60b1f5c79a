//! `rollcall templates rebuild` on a real SQLite database: stored photos get templates made by the
//! current pipeline; a photo with no face left keeps its old template and is reported.

use rollcall_api::{NewDelegate, PhotoQuality};
use rollcall_server::Config;
use rollcall_testkit::fixture_bytes as fixture;
use rollcall_vision::{decode_image, DecodeLimits, Pipeline, Purpose};

#[tokio::test]
async fn rebuild_replaces_templates_from_the_stored_photos() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: dir.path().to_path_buf(),
        ..Config::default()
    };
    let config_file = rollcall_testkit::config_file(dir.path());

    let store = config.open_store().await.unwrap();
    let d = store
        .create_delegate(&NewDelegate {
            external_id: "O".into(),
            full_name: "Barack Obama".into(),
            delegation: "USA".into(),
            eligible: true,
        })
        .await
        .unwrap();
    let mut blank = std::io::Cursor::new(Vec::new());
    image::RgbImage::from_pixel(300, 300, image::Rgb([128, 128, 128]))
        .write_to(&mut blank, image::ImageFormat::Png)
        .unwrap();
    // Templates as an older pipeline left them: of an older model, and of the current model made
    // with other settings.
    const OLDER_MODEL: &str = "mtcnn+dlib-resnet128-v1/flip";
    let older = vec![0.125f32; 128];
    let old = vec![0.03125f32; rollcall_vision::EMBEDDING_DIM];
    let q = PhotoQuality {
        box_width: 100.0,
        box_height: 120.0,
        inter_eye: 40.0,
        sharpness: 50.0,
        yaw: 0.0,
        roll: 0.0,
        frontal: 1.0,
        detector_score: 0.99,
    };
    let model_id = config.pipeline().model_id();
    let (face_photo, _) = store
        .add_photo(d.id, &fixture("obama.jpg"), &q, OLDER_MODEL, &older)
        .await
        .unwrap();
    let (blank_photo, _) = store
        .add_photo(d.id, &blank.into_inner(), &q, &model_id, &old)
        .await
        .unwrap();
    store.close().await;

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rollcall"))
        .args(["templates", "rebuild", "--config"])
        .arg(&config_file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("1 templates rebuilt (") && stdout.contains("1 photos could not be used"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("photo {}: no face found now", blank_photo.id)),
        "{stdout}"
    );

    let expected = Pipeline::load(&config.pipeline())
        .unwrap()
        .analyze_central(
            &decode_image(&fixture("obama.jpg"), &DecodeLimits::default()).unwrap(),
            Purpose::Enrolment,
        )
        .unwrap()
        .unwrap()
        .embedding;
    let store = config.open_store().await.unwrap();
    let templates = store.templates(&model_id).await.unwrap();
    assert_eq!(templates.len(), 2);
    for t in templates {
        if t.photo_id == face_photo.id {
            let cos: f32 = t.embedding.iter().zip(&expected).map(|(a, b)| a * b).sum();
            assert!(cos > 0.9999, "rebuilt template vs pipeline: {cos}");
        } else {
            assert_eq!(t.photo_id, blank_photo.id);
            assert_eq!(t.embedding, old, "kept as it was");
        }
    }
    assert!(
        store.templates(OLDER_MODEL).await.unwrap().is_empty(),
        "the older model's template is replaced, not kept beside the new one"
    );
    store.close().await;
}
