//! `rollcall calibration`: two populations' curves combined into the higher one, and `check` on a
//! database whose delegates resemble one another (raised) and on a folder of photos of too few
//! people to compare (kept, and says why).

use std::process::Command;

use rollcall_api::NewDelegate;
use rollcall_checkin::calibration::Curve;
use rollcall_checkin::Calibration;
use rollcall_server::Config;

fn rollcall(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rollcall"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// A population whose impostor scores above `shift + t` are a share 10^-(t / 0.05).
fn population(name: &str, shift: f32, n: usize) -> Calibration {
    let scores: Vec<f32> = (0..n)
        .map(|i| shift - 0.05 * ((i as f64 + 0.5) / n as f64).log10() as f32)
        .collect();
    let c = Curve::fit(scores);
    Calibration {
        scoring: "test".into(),
        measured_on: name.into(),
        raw: c.clone(),
        normalised: c.clone(),
        gallery_raw: Some(c.clone()),
        gallery_normalised: Some(c),
        populations: Vec::new(),
    }
}

#[test]
fn two_populations_combine_into_the_higher_curve() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (
        population("wide", 0.5, 200_000),
        population("lookalike", 0.55, 20_000),
    );
    let (pa, pb, out) = (
        dir.path().join("a.toml"),
        dir.path().join("b.toml"),
        dir.path().join("both.toml"),
    );
    std::fs::write(&pa, a.to_toml()).unwrap();
    std::fs::write(&pb, b.to_toml()).unwrap();
    let combine = || {
        rollcall(&[
            "calibration",
            "combine",
            "--out",
            out.to_str().unwrap(),
            pa.to_str().unwrap(),
            pb.to_str().unwrap(),
        ])
    };
    let (ok, text) = combine();
    assert!(ok, "{text}");
    let both = Calibration::from_toml(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(both.populations.len(), 2);
    // One template: FMR 1e-3, within what both measured: the higher of the two.
    let higher = a.threshold(false, 1, 1e-3).max(b.threshold(false, 1, 1e-3));
    assert!((both.threshold(false, 1, 1e-3) - higher).abs() < 1e-4);
    // Beyond the smaller population's data, still above the larger one's.
    for n in [20, 100, 1000] {
        assert!(
            both.threshold(false, n, 1e-3) > a.threshold(false, n, 1e-3),
            "{n}"
        );
    }
    assert!(text.contains("each population"), "{text}");
    // Curves for other scoring are not mixed.
    let mut other = population("other", 0.5, 20_000);
    other.scoring = "another model".into();
    std::fs::write(&pb, other.to_toml()).unwrap();
    let (ok, text) = combine();
    assert!(!ok && text.contains("another model"), "{text}");
}

#[tokio::test]
async fn check_reads_the_gallery_and_says_when_it_raises_the_threshold() {
    let dir = tempfile::tempdir().unwrap();
    let config_path = rollcall_testkit::config_file(dir.path());
    let config = Config::load(Some(&config_path)).unwrap();
    let store = config.open_store().await.unwrap();
    let model = config.pipeline().model_id();
    let quality = rollcall_testkit::plain_quality();
    for (i, t) in rollcall_testkit::lookalike_templates(30).iter().enumerate() {
        let d = store
            .create_delegate(&NewDelegate {
                external_id: format!("L{i}"),
                full_name: format!("Look Alike {i}"),
                delegation: "South".into(),
                eligible: true,
            })
            .await
            .unwrap();
        store
            .add_photo(
                d.id,
                &rollcall_testkit::fixture_bytes("obama.jpg"),
                &quality,
                &model,
                t,
            )
            .await
            .unwrap();
    }
    store.close().await;
    let (ok, text) = rollcall(&[
        "calibration",
        "check",
        "--config",
        config_path.to_str().unwrap(),
    ]);
    assert!(ok, "{text}");
    assert!(
        text.contains("30 delegates, 435 comparisons") && text.contains("threshold raised from"),
        "{text}"
    );
}

#[test]
fn check_on_too_few_photos_keeps_the_threshold_and_says_why() {
    let photos = tempfile::tempdir().unwrap();
    let obama = photos.path().join("obama");
    std::fs::create_dir(&obama).unwrap();
    for f in ["obama.jpg", "obama2.jpg"] {
        std::fs::copy(rollcall_testkit::fixture_path(f), obama.join(f)).unwrap();
    }
    for f in ["biden.jpg", "collins.jpg"] {
        std::fs::copy(rollcall_testkit::fixture_path(f), photos.path().join(f)).unwrap();
    }
    let (ok, text) = rollcall(&[
        "calibration",
        "check",
        "--photos",
        photos.path().to_str().unwrap(),
    ]);
    assert!(ok, "{text}");
    assert!(text.contains("3 people, 4 photos embedded"), "{text}");
    assert!(text.contains("too few to compare"), "{text}");
}
