//! `rollcall eval` measures the code that decides check-ins: the same probe through eval and
//! through a real server's kiosk route gets the same best match, the same score and the same
//! single-frame verdict.

use std::collections::HashMap;
use std::path::Path;

use rollcall_api::FaceStatus;
use rollcall_testkit::{captured, fixture_bytes, TestServer};
use serde_json::Value;

/// A folder-per-identity dataset from the fixtures: Obama enrolled from obama.jpg with two genuine
/// probes, Biden (one image) an impostor.
fn dataset(root: &Path) {
    for (person, files) in [
        (
            "Barack_Obama",
            &["obama.jpg", "obama2.jpg", "obama3.jpg"][..],
        ),
        ("Joe_Biden", &["biden.jpg"][..]),
    ] {
        let dir = root.join(person);
        std::fs::create_dir_all(&dir).unwrap();
        for f in files {
            std::fs::write(dir.join(f), fixture_bytes(f)).unwrap();
        }
    }
}

fn run_eval(data: &Path, verdicts: &Path) -> Value {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rollcall"))
        .arg("eval")
        .arg(data)
        .args(["--workers", "1", "--verdicts"])
        .arg(verdicts)
        .output()
        .expect("run rollcall eval");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.lines().last().unwrap()).expect("a JSON last line")
}

#[tokio::test]
async fn eval_and_the_kiosk_route_score_a_probe_alike() {
    let dir = tempfile::tempdir().unwrap();
    dataset(&dir.path().join("data"));
    let verdicts = dir.path().join("verdicts.jsonl");
    let summary = run_eval(&dir.path().join("data"), &verdicts);
    for key in [
        "gallery",
        "genuine",
        "impostors",
        "rank1",
        "fnir_at_fpir_1e-2",
        "fnir_at_fpir_1e-3",
        "thr_1e-2",
        "thr_1e-3",
        "no_face",
        "images_per_s",
        "op_fnir",
        "op_fpir",
    ] {
        assert!(summary.get(key).is_some(), "{key} missing: {summary}");
    }
    assert_eq!(
        (
            &summary["gallery"],
            &summary["genuine"],
            &summary["impostors"]
        ),
        (&Value::from(1), &Value::from(2), &Value::from(1))
    );
    let by_file: HashMap<String, Value> = std::fs::read_to_string(&verdicts)
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            let file = Path::new(v["path"].as_str().unwrap())
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (file, v)
        })
        .collect();
    assert_eq!(by_file.len(), 3);

    let srv = TestServer::sqlite(|_| {}).await;
    let id = srv.delegate("O", "Barack_Obama", "USA").await;
    assert_eq!(srv.enrol(id, "obama.jpg").await.0, 201);
    srv.open_sitting(1, 2, "more_than").await;
    for (i, file) in ["obama2.jpg", "obama3.jpg", "biden.jpg"].iter().enumerate() {
        // Ten seconds apart (the window is three): no two frames agree, so each answer is its own
        // single-frame verdict.
        let at = captured(i as i64 * 10_000);
        let answer = srv
            .frame_answer(&format!("probe-{i}"), &at, fixture_bytes(file))
            .await;
        assert_eq!(answer.faces.len(), 1, "{file}: {answer:?}");
        let face = &answer.faces[0];
        let e = &by_file[*file];
        let expected = match e["op"].as_str().unwrap() {
            "recognised" => FaceStatus::Pending,
            "unknown" => FaceStatus::Unknown,
            other => panic!("{file}: eval says {other}"),
        };
        assert_eq!(face.status, expected, "{file}: server {face:?}, eval {e}");
        let eval_score = e["score"].as_f64().unwrap() as f32;
        assert!(
            (face.score - eval_score).abs() <= 1e-6,
            "{file}: server {} vs eval {eval_score}",
            face.score
        );
        assert_eq!(e["top"], "Barack_Obama", "the only enrolled identity");
    }
    assert_eq!(by_file["obama2.jpg"]["op"], "recognised");
    assert_eq!(by_file["biden.jpg"]["op"], "unknown");
    srv.stop().await;
}
