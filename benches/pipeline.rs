//! The recognition pipeline on a 640x480 frame with one face, with and without liveness, beside dlib (the `face_recognition`
//! peer: HOG detector, 5-point shape predictor, ResNet descriptor) timed on the same frame in the same
//! run: `make bench-pipeline` (or `cargo bench -p rollcall-benches --bench pipeline`).

use std::sync::mpsc;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput};
use image::{imageops, Rgb, RgbImage};
use rollcall_benches::{criterion_median_ns, repo_root, run_peer};
use rollcall_vision::{
    align_chip, decode_image, sface_crop, DecodeLimits, Embedder, InferencePool, LivenessModels,
    MtcnnDetector, Pipeline, PipelineConfig, SfaceEmbedder,
};

/// A kiosk-like frame: the portrait scaled so the face box is about 85x120 pixels, on a grey wall.
fn frame() -> RgbImage {
    let bytes = rollcall_testkit::fixture_bytes("obama.jpg");
    let portrait = decode_image(&bytes, &DecodeLimits::default()).unwrap();
    let small = imageops::resize(&portrait, 320, 400, imageops::FilterType::Triangle);
    let mut f = RgbImage::from_pixel(640, 480, Rgb([118, 121, 125]));
    imageops::overlay(&mut f, &small, 160, 40);
    f
}

fn main() {
    let mut c = Criterion::default()
        .configure_from_args()
        .sample_size(30)
        .measurement_time(Duration::from_secs(5))
        .warm_up_time(Duration::from_secs(1));
    let frame = frame();
    let data_dir = repo_root().join("target/bench-data");
    std::fs::create_dir_all(&data_dir).unwrap();
    let frame_path = data_dir.join("frame_640x480.png");
    frame.save(&frame_path).unwrap();
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    // The server's liveness setting (both Silent-Face models on every face).
    let liveness = rollcall_checkin::LivenessConfig::default().mapping();

    let mut g = c.benchmark_group("frame_640x480");
    // Recognition alone; the server's default (recognition and liveness); probes at the
    // enrolment scales too; dlib alone, no SFace (docs/accuracy.md, "What each lever bought").
    let off = None;
    for (min_face, threads, probe_scales, sface, live, name) in [
        (40.0, 1, vec![], true, off, "min40_t1".to_string()),
        (40.0, cores, vec![], true, off, format!("min40_t{cores}")),
        (
            40.0,
            1,
            vec![],
            true,
            liveness,
            "min40_t1_liveness".to_string(),
        ),
        (
            40.0,
            cores,
            vec![],
            true,
            liveness,
            format!("min40_t{cores}_liveness"),
        ),
        (20.0, 1, vec![], true, off, "min20_t1".to_string()),
        (
            40.0,
            cores,
            vec![1.1, 0.95],
            true,
            off,
            format!("min40_t{cores}_probe_scales"),
        ),
        (
            40.0,
            1,
            vec![],
            false,
            off,
            "min40_t1_dlib_only".to_string(),
        ),
        (
            40.0,
            cores,
            vec![],
            false,
            off,
            format!("min40_t{cores}_dlib_only"),
        ),
    ] {
        let mut config = PipelineConfig {
            intra_threads: threads,
            probe_scales,
            sface,
            liveness: live,
            ..PipelineConfig::default()
        };
        config.detector.min_face = min_face;
        let mut p = Pipeline::load(&config).unwrap();
        assert_eq!(
            p.analyze(&frame)
                .unwrap()
                .iter()
                .filter(|f| f.quality.detector_score > 0.95)
                .count(),
            1
        );
        g.bench_function(BenchmarkId::new("whole", name), |b| {
            b.iter(|| p.analyze(&frame).unwrap());
        });
    }
    let models = PipelineConfig::default().models_dir;
    let mut det = MtcnnDetector::load(&models, Default::default(), 1).unwrap();
    g.bench_function("detect_only_min40_t1", |b| {
        b.iter(|| det.detect(&frame).unwrap());
    });
    let lm = Pipeline::load(&PipelineConfig::default())
        .unwrap()
        .analyze(&frame)
        .unwrap()[0]
        .landmarks;
    g.bench_function("align_only", |b| b.iter(|| align_chip(&frame, &lm)));
    let chip = align_chip(&frame, &lm);
    for flip in [false, true] {
        let mut e = Embedder::load(&models, flip, 1).unwrap();
        g.bench_function(
            BenchmarkId::new("embed_one_chip_t1", if flip { "flip" } else { "no_flip" }),
            |b| b.iter(|| e.embed(std::slice::from_ref(&chip)).unwrap()),
        );
    }
    let crop = sface_crop(&frame, &lm);
    let mut sf = SfaceEmbedder::load(&models, 1).unwrap();
    for flip in [false, true] {
        g.bench_function(
            BenchmarkId::new("sface_one_face_t1", if flip { "flip" } else { "no_flip" }),
            |b| b.iter(|| sf.embed(std::slice::from_ref(&crop), flip).unwrap()),
        );
    }
    let face_box = Pipeline::load(&PipelineConfig::default())
        .unwrap()
        .analyze(&frame)
        .unwrap()[0]
        .bbox;
    let mut live = LivenessModels::load(&models, liveness.unwrap(), 1).unwrap();
    g.bench_function("liveness_one_face_t1", |b| {
        b.iter(|| live.score(&frame, &face_box).unwrap());
    });
    g.finish();

    // Throughput: frames spread over one single-threaded pipeline per core.
    const FRAMES: usize = 32;
    let mut g = c.benchmark_group("pool");
    g.throughput(Throughput::Elements(FRAMES as u64));
    for (sface, live, name) in [
        (true, off, format!("{cores}_workers")),
        (true, liveness, format!("{cores}_workers_liveness")),
        (false, off, format!("{cores}_workers_dlib_only")),
    ] {
        let config = PipelineConfig {
            sface,
            liveness: live,
            ..PipelineConfig::default()
        };
        let pool = InferencePool::new(&config, cores, FRAMES).unwrap(); // min face 40
        g.bench_function(BenchmarkId::new("faces", name), |b| {
            b.iter(|| {
                let (tx, rx) = mpsc::channel();
                for _ in 0..FRAMES {
                    let (tx, f) = (tx.clone(), frame.clone());
                    pool.submit(move |p| {
                        let _ = tx.send(p.analyze(&f).map(|v| v.len()));
                    })
                    .unwrap();
                }
                (0..FRAMES)
                    .map(|_| rx.recv().unwrap().unwrap())
                    .sum::<usize>()
            });
        });
    }
    g.finish();
    c.final_summary();

    let peer = run_peer(
        "dlib_peer.py",
        &["dlib-bin==20.0.1.post1", "face-recognition-models==0.3.0"],
        &["time".into(), frame_path.display().to_string()],
    );
    let ms = |g: &str, b: &str| criterion_median_ns(g, b).map(|ns| ns / 1e6);
    let fps = criterion_median_ns("pool", &format!("faces/{cores}_workers"))
        .map(|ns| FRAMES as f64 / (ns / 1e9));
    println!("\n| what (640x480 frame, one face) | median ms |");
    println!("|---|---|");
    for (label, g, b) in [
        (
            "rollcall, min face 40, 1 thread",
            "frame_640x480",
            "whole/min40_t1".to_string(),
        ),
        (
            &format!("rollcall, min face 40, {cores} threads"),
            "frame_640x480",
            format!("whole/min40_t{cores}"),
        ),
        (
            "rollcall with liveness (server default), min face 40, 1 thread",
            "frame_640x480",
            "whole/min40_t1_liveness".to_string(),
        ),
        (
            &format!("rollcall with liveness (server default), min face 40, {cores} threads"),
            "frame_640x480",
            format!("whole/min40_t{cores}_liveness"),
        ),
        (
            &format!("rollcall, min face 40, {cores} threads, probes at 3 scales"),
            "frame_640x480",
            format!("whole/min40_t{cores}_probe_scales"),
        ),
        (
            "rollcall without SFace (dlib alone), 1 thread",
            "frame_640x480",
            "whole/min40_t1_dlib_only".to_string(),
        ),
        (
            &format!("rollcall without SFace (dlib alone), {cores} threads"),
            "frame_640x480",
            format!("whole/min40_t{cores}_dlib_only"),
        ),
        (
            "rollcall, min face 20, 1 thread",
            "frame_640x480",
            "whole/min20_t1".to_string(),
        ),
        (
            "  detection only (min 40, 1 thread)",
            "frame_640x480",
            "detect_only_min40_t1".to_string(),
        ),
        (
            "  alignment only",
            "frame_640x480",
            "align_only".to_string(),
        ),
        (
            "  embedding, one chip + mirror (1 thread)",
            "frame_640x480",
            "embed_one_chip_t1/flip".to_string(),
        ),
        (
            "  embedding, one chip (1 thread)",
            "frame_640x480",
            "embed_one_chip_t1/no_flip".to_string(),
        ),
        (
            "  SFace, one face (1 thread)",
            "frame_640x480",
            "sface_one_face_t1/no_flip".to_string(),
        ),
        (
            "  SFace, one face + mirror (1 thread)",
            "frame_640x480",
            "sface_one_face_t1/flip".to_string(),
        ),
        (
            "  liveness, one face, both models (1 thread)",
            "frame_640x480",
            "liveness_one_face_t1".to_string(),
        ),
    ] {
        println!(
            "| {label} | {} |",
            ms(g, &b).map_or("-".into(), |x| format!("{x:.2}"))
        );
    }
    let dlib_ms = peer.as_ref().and_then(|p| p["ms_per_frame"].as_f64());
    println!(
        "| dlib peer (HOG upsample 1 + 5-point + ResNet), 1 thread | {} |",
        dlib_ms.map_or("-".into(), |x| format!("{x:.2}"))
    );
    for (what, bench) in [
        (
            "with liveness (the server's default)",
            "whole/min40_t1_liveness",
        ),
        ("recognition alone", "whole/min40_t1"),
    ] {
        if let (Some(d), Some(r)) = (dlib_ms, ms("frame_640x480", bench)) {
            println!(
                "rollcall {what} is {:.1}x faster than the dlib peer per frame (both on 1 \
                 thread; both find faces from about 40 px)",
                d / r
            );
        }
    }
    let fps_dlib = criterion_median_ns("pool", &format!("faces/{cores}_workers_dlib_only"))
        .map(|ns| FRAMES as f64 / (ns / 1e9));
    let fps_live = criterion_median_ns("pool", &format!("faces/{cores}_workers_liveness"))
        .map(|ns| FRAMES as f64 / (ns / 1e9));
    let show = |x: Option<f64>| x.map_or("-".into(), |x| format!("{x:.1}"));
    println!(
        "pool of {cores} single-threaded workers: {} faces/s with liveness (server default), \
         {} without, {} without SFace and liveness",
        show(fps_live),
        show(fps),
        show(fps_dlib)
    );
}
