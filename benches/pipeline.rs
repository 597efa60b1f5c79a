//! The recognition pipeline on a 640x480 frame with one face, with and without liveness, beside dlib (the `face_recognition`
//! peer: HOG detector, 5-point shape predictor, ResNet descriptor) timed on the same frame in the same
//! run: `make bench-pipeline` (or `cargo bench -p rollcall-benches --bench pipeline`).

use std::sync::mpsc;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput};
use image::{imageops, Rgb, RgbImage};
use rollcall_benches::{criterion_median_ns, repo_root, run_peer};
use rollcall_vision::{
    align_chip, decode_image, network_size, sface_crop, DecodeLimits, DetectorConfig, Embedder,
    InferencePool, LivenessModels, MtcnnDetector, Pipeline, PipelineConfig, Proposals,
    SfaceEmbedder, Weights, Yunet,
};

/// Each pipeline's median time for `frame` and the median of its time over the first pipeline's in
/// the same round, the pipelines taking the frame in turn for `rounds` rounds. Criterion measures
/// one variant after another; on a machine whose speed drifts within minutes (a shared virtual
/// machine) that compares variants under different conditions, and taken in turn they are not.
fn in_turn(pipelines: &mut [Pipeline], frame: &RgbImage, rounds: usize) -> Vec<(f64, f64)> {
    for p in pipelines.iter_mut() {
        p.analyze(frame).unwrap();
    }
    let mut times = vec![Vec::with_capacity(rounds); pipelines.len()];
    for _ in 0..rounds {
        for (p, t) in pipelines.iter_mut().zip(&mut times) {
            let start = Instant::now();
            std::hint::black_box(p.analyze(frame).unwrap());
            t.push(start.elapsed().as_secs_f64() * 1e3);
        }
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    times
        .iter()
        .map(|t| {
            let ratios = t.iter().zip(&times[0]).map(|(a, b)| a / b).collect();
            (median(t.clone()), median(ratios))
        })
        .collect()
}

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
    rollcall_benches::print_machine();
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

    // The server's default (YuNet's proposals for O-Net, dlib in int8, SFace's dense layer in 8
    // bits); the same with dlib's float model; with SFace's float model; with MTCNN's own pyramid
    // proposals; the default without liveness; without
    // dlib's mirror on probes (`probe_mirror = false`); dlib alone (docs/accuracy.md, "What each
    // lever bought").
    let recognition = rollcall_checkin::RecognitionConfig::default();
    let mut default = PipelineConfig {
        liveness,
        ..PipelineConfig::default()
    };
    default.detector.proposals = recognition.proposals();
    let mut pyramid = default.clone();
    pyramid.detector.proposals = Proposals::Pyramid;
    let variants: [(&str, PipelineConfig); 7] = [
        ("default", default.clone()),
        (
            "dlib_float",
            PipelineConfig {
                dlib_int8: false,
                ..default.clone()
            },
        ),
        (
            "sface_float",
            PipelineConfig {
                sface_dense_int8: false,
                ..default.clone()
            },
        ),
        ("pyramid_proposals", pyramid),
        (
            "no_liveness",
            PipelineConfig {
                liveness: None,
                ..default.clone()
            },
        ),
        (
            "unmirrored_probes",
            PipelineConfig {
                probe_flip: false,
                ..default.clone()
            },
        ),
        (
            "dlib_only",
            PipelineConfig {
                sface: false,
                liveness: None,
                ..default.clone()
            },
        ),
    ];
    let mut g = c.benchmark_group("frame_640x480");
    for (name, config) in &variants {
        for threads in [1, cores] {
            let mut p = Pipeline::load(&PipelineConfig {
                intra_threads: threads,
                ..config.clone()
            })
            .unwrap();
            let faces = p.analyze(&frame).unwrap();
            assert_eq!(
                faces
                    .iter()
                    .filter(|f| f.quality.detector_score > 0.95)
                    .count(),
                1
            );
            g.bench_function(
                BenchmarkId::new("whole", format!("{name}_t{threads}")),
                |b| {
                    b.iter(|| p.analyze(&frame).unwrap());
                },
            );
        }
    }
    let models = PipelineConfig::default().models_dir;
    for (name, proposals, min_face) in [
        ("yunet", default.detector.proposals, 40.0),
        ("pyramid_40", Proposals::Pyramid, 40.0),
        ("pyramid_80", Proposals::Pyramid, 80.0),
    ] {
        let mut det = MtcnnDetector::load(
            &models,
            DetectorConfig {
                min_face,
                proposals,
                ..DetectorConfig::default()
            },
            1,
        )
        .unwrap();
        g.bench_function(BenchmarkId::new("detect_only_t1", name), |b| {
            b.iter(|| det.detect(&frame).unwrap());
        });
    }
    // YuNet alone, on the frame as the detector reduces it.
    let mut yunet = Yunet::load(&models, 1).unwrap();
    let side = recognition.proposal_side;
    let (w, h, k) = network_size(frame.width(), frame.height(), side);
    let reduced = imageops::resize(&frame, w as u32, h as u32, imageops::FilterType::Triangle);
    g.bench_function("yunet_only_t1", |b| {
        b.iter(|| yunet.detect(&reduced, 0.6, k).unwrap());
    });
    // The frame's face, once: its landmarks feed the alignment and embedder stages, its box the
    // liveness models.
    let face = Pipeline::load(&default)
        .unwrap()
        .analyze(&frame)
        .unwrap()
        .swap_remove(0);
    let lm = face.landmarks;
    g.bench_function("align_only", |b| b.iter(|| align_chip(&frame, &lm)));
    let chip = align_chip(&frame, &lm);
    for (weights, name) in [(Weights::Int8, "int8"), (Weights::Float, "float")] {
        let mut e = Embedder::load(&models, weights, 1).unwrap();
        for flip in [false, true] {
            let id = format!("{name}_{}", if flip { "flip" } else { "no_flip" });
            g.bench_function(BenchmarkId::new("embed_one_chip_t1", id), |b| {
                b.iter(|| e.embed(std::slice::from_ref(&chip), flip).unwrap());
            });
        }
    }
    let crop = sface_crop(&frame, &lm);
    for (name, weights) in [("dense_int8", Weights::Int8), ("float", Weights::Float)] {
        let mut sf = SfaceEmbedder::load(&models, weights, 1).unwrap();
        for flip in [false, true] {
            let id = format!("{name}_{}", if flip { "flip" } else { "no_flip" });
            g.bench_function(BenchmarkId::new("sface_one_face_t1", id), |b| {
                b.iter(|| sf.embed(std::slice::from_ref(&crop), flip).unwrap());
            });
        }
    }
    let mut sf = SfaceEmbedder::load(&models, Weights::Int8, 1).unwrap();
    let face_box = face.bbox;
    let mut live = LivenessModels::load(&models, liveness.unwrap(), 1).unwrap();
    g.bench_function("liveness_one_face_t1", |b| {
        b.iter(|| live.score(&frame, &face_box).unwrap());
    });
    // SFace on a thread of its own beside dlib (int8, with its mirror), as two threads run a
    // frame without liveness: the caller finishes first and waits, blocking in `join` or
    // yielding; on a thread spawned for each frame or on one kept waiting for work, as the
    // pipeline keeps one (docs/performance.md, "Two threads on one frame").
    let mut dlib = Embedder::load(&models, Weights::Int8, 1).unwrap();
    for yielding in [false, true] {
        let id = if yielding { "yield" } else { "join" };
        g.bench_function(BenchmarkId::new("sface_beside_dlib", id), |b| {
            b.iter(|| {
                std::thread::scope(|scope| {
                    let helper =
                        scope.spawn(|| sf.embed(std::slice::from_ref(&crop), false).unwrap());
                    dlib.embed(std::slice::from_ref(&chip), true).unwrap();
                    while yielding && !helper.is_finished() {
                        std::thread::yield_now();
                    }
                    helper.join().unwrap()
                })
            });
        });
    }
    {
        let (jobs, queue) = mpsc::channel::<RgbImage>();
        let (answers, answer) = mpsc::channel();
        let kept = std::thread::spawn(move || {
            for crop in queue {
                let _ = answers.send(sf.embed(std::slice::from_ref(&crop), false).unwrap());
            }
        });
        g.bench_function(BenchmarkId::new("sface_beside_dlib", "kept_thread"), |b| {
            b.iter(|| {
                jobs.send(crop.clone()).unwrap();
                dlib.embed(std::slice::from_ref(&chip), true).unwrap();
                loop {
                    match answer.try_recv() {
                        Ok(features) => break features,
                        Err(mpsc::TryRecvError::Empty) => std::thread::yield_now(),
                        Err(e) => panic!("{e}"),
                    }
                }
            });
        });
        drop(jobs);
        kept.join().unwrap();
    }
    g.finish();

    // Throughput: frames spread over one single-threaded pipeline per core.
    const FRAMES: usize = 32;
    let mut g = c.benchmark_group("pool");
    g.throughput(Throughput::Elements(FRAMES as u64));
    for (name, config) in &variants {
        let pool = InferencePool::new(config, cores, FRAMES).unwrap();
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

    // The same variants again on one thread, taking the frame in turn (see `in_turn`). Not on
    // two: each idle pipeline's ONNX Runtime pool thread spins for a while after its run, on the
    // cores the next pipeline's run needs, which a server (one pipeline per worker) never sees.
    const ROUNDS: usize = 60;
    let mut pipelines: Vec<Pipeline> = variants
        .iter()
        .map(|(_, config)| Pipeline::load(config).unwrap())
        .collect();
    let turns = in_turn(&mut pipelines, &frame, ROUNDS);
    drop(pipelines);

    let peer = run_peer(
        "dlib_peer.py",
        &["dlib-bin==20.0.1.post1", "face-recognition-models==0.3.0"],
        &["time".into(), frame_path.display().to_string()],
    );
    let ms = |b: &str| criterion_median_ns("frame_640x480", b).map(|ns| ns / 1e6);
    let show = |x: Option<f64>, digits: usize| x.map_or("-".into(), |x| format!("{x:.digits$}"));
    let dlib_ms = peer.as_ref().and_then(|p| p["ms_per_frame"].as_f64());
    println!(
        "\n| what (640x480 frame, one face, min face 40) | 1 thread | {cores} threads | \
         faces/s, {cores} workers | dlib peer / this (1 thread) |"
    );
    println!("|---|---|---|---|---|");
    for (name, _) in &variants {
        let one = ms(&format!("whole/{name}_t1"));
        let fps = criterion_median_ns("pool", &format!("faces/{name}"))
            .map(|ns| FRAMES as f64 / (ns / 1e9));
        let ratio = dlib_ms.zip(one).map(|(d, r)| d / r);
        println!(
            "| {name} | {} ms | {} ms | {} | {}x |",
            show(one, 1),
            show(ms(&format!("whole/{name}_t{cores}")), 1),
            show(fps, 1),
            show(ratio, 2)
        );
    }
    println!(
        "| dlib peer (HOG upsample 1 + 5-point + ResNet) | {} ms | | | |",
        show(dlib_ms, 1)
    );
    println!("\n| taken in turn, {ROUNDS} rounds, 1 thread | median | / default, same round |");
    println!("|---|---|---|");
    for ((name, _), (ms, ratio)) in variants.iter().zip(&turns) {
        println!("| {name} | {ms:.1} ms | {ratio:.3} |");
    }
    println!("\n| stage (1 thread) | median ms |");
    println!("|---|---|");
    for (label, b) in [
        (
            "detection: YuNet proposals (frame at half size) + O-Net",
            "detect_only_t1/yunet",
        ),
        ("  of which YuNet", "yunet_only_t1"),
        (
            "detection: MTCNN pyramid, min face 40",
            "detect_only_t1/pyramid_40",
        ),
        (
            "detection: MTCNN pyramid, min face 80",
            "detect_only_t1/pyramid_80",
        ),
        ("alignment", "align_only"),
        ("dlib int8, one chip", "embed_one_chip_t1/int8_no_flip"),
        (
            "dlib int8, one chip + mirror",
            "embed_one_chip_t1/int8_flip",
        ),
        ("dlib float, one chip", "embed_one_chip_t1/float_no_flip"),
        (
            "dlib float, one chip + mirror",
            "embed_one_chip_t1/float_flip",
        ),
        (
            "SFace, dense layer in 8 bits, one face",
            "sface_one_face_t1/dense_int8_no_flip",
        ),
        (
            "SFace, dense layer in 8 bits, one face + mirror (enrolment)",
            "sface_one_face_t1/dense_int8_flip",
        ),
        ("SFace float, one face", "sface_one_face_t1/float_no_flip"),
        (
            "SFace float, one face + mirror",
            "sface_one_face_t1/float_flip",
        ),
        ("liveness, one face, both models", "liveness_one_face_t1"),
        (
            "SFace beside dlib + mirror, caller blocks in join",
            "sface_beside_dlib/join",
        ),
        (
            "SFace beside dlib + mirror, caller yields",
            "sface_beside_dlib/yield",
        ),
        (
            "SFace beside dlib + mirror, on a kept thread, caller yields",
            "sface_beside_dlib/kept_thread",
        ),
    ] {
        println!("| {label} | {} |", show(ms(b), 2));
    }
}
