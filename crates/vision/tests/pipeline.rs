//! The real models on real faces (fixtures/faces: public-domain White House portraits).

use image::{imageops, Rgb, RgbImage};
use rollcall_testkit::PORTRAITS;
use rollcall_vision::{
    decode_image, default_models_dir, network_size, DecodeLimits, Face, Pipeline, PipelineConfig,
    Proposals, Yunet, DLIB_DIM,
};

/// A fixture portrait through the decoder the server uses.
fn fixture(name: &str) -> RgbImage {
    decode_image(
        &rollcall_testkit::fixture_bytes(name),
        &DecodeLimits::default(),
    )
    .unwrap()
}

fn pipeline() -> Pipeline {
    Pipeline::load(&PipelineConfig::default()).expect("models and ONNX Runtime (run `make ort`)")
}

/// Faces the detector is sure of. The portraits also hold a small low-score false positive (a 32-pixel
/// patch of shirt in obama.jpg at score ~0.8), which the reference Python MTCNN reports too.
fn confident(p: &mut Pipeline, img: &RgbImage) -> Vec<Face> {
    p.analyze(img)
        .unwrap()
        .into_iter()
        .filter(|f| f.quality.detector_score >= 0.95)
        .collect()
}

fn only_face(p: &mut Pipeline, img: &RgbImage) -> Face {
    let faces = confident(p, img);
    assert_eq!(faces.len(), 1, "expected one face, got {}", faces.len());
    faces.into_iter().next().unwrap()
}

/// The mean of the two embedders' cosines (each half of an embedding is a unit vector).
fn cosine(a: &Face, b: &Face) -> f32 {
    let dot: f32 = a
        .embedding
        .iter()
        .zip(&b.embedding)
        .map(|(x, y)| x * y)
        .sum();
    dot / 2.0
}

#[test]
fn same_person_scores_above_different_person() {
    let mut p = pipeline();
    let obama = only_face(&mut p, &fixture("obama.jpg"));
    let obama2 = only_face(&mut p, &fixture("obama2.jpg"));
    let obama3 = only_face(&mut p, &fixture("obama3.jpg"));
    let biden = only_face(&mut p, &fixture("biden.jpg"));
    let same = cosine(&obama, &obama2)
        .min(cosine(&obama, &obama3))
        .min(cosine(&obama2, &obama3));
    let different = cosine(&obama, &biden)
        .max(cosine(&obama2, &biden))
        .max(cosine(&obama3, &biden));
    assert!(
        same > different + 0.1,
        "same {same} vs different {different}"
    );
    for part in [&obama.embedding[..DLIB_DIM], &obama.embedding[DLIB_DIM..]] {
        let norm = part_norm(part);
        assert!((norm - 1.0).abs() < 1e-4, "{norm}");
    }
}

#[test]
fn landmarks_sit_inside_the_box_in_anatomical_order() {
    let mut p = pipeline();
    let face = only_face(&mut p, &fixture("obama.jpg"));
    let b = face.bbox;
    for [x, y] in face.landmarks {
        assert!(
            x > b.x1 && x < b.x2 && y > b.y1 && y < b.y2,
            "{:?} outside {:?}",
            face.landmarks,
            b
        );
    }
    let [le, re, nose, ml, mr] = face.landmarks;
    assert!(le[0] < re[0] && ml[0] < mr[0]);
    assert!(nose[1] > le[1] && nose[1] < ml[1]);
    let q = face.quality;
    assert!(
        q.detector_score > 0.9 && q.inter_eye > 30.0 && q.frontal > 0.5 && q.sharpness > 0.0,
        "{q:?}"
    );
}

#[test]
fn blank_and_noise_images_have_no_face() {
    let mut p = pipeline();
    assert!(p
        .analyze(&RgbImage::from_pixel(640, 480, Rgb([128, 128, 128])))
        .unwrap()
        .is_empty());
    let mut seed = 12345u32;
    let noise = RgbImage::from_fn(320, 240, |_, _| {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
        let v = (seed >> 16) as u8;
        Rgb([v, v.wrapping_mul(3), v.wrapping_mul(7)])
    });
    assert!(p.analyze(&noise).unwrap().is_empty());
}

#[test]
fn two_people_in_one_frame_are_two_faces_with_their_identities() {
    let mut p = pipeline();
    let obama = fixture("obama.jpg");
    let biden = fixture("biden.jpg");
    let obama_alone = only_face(&mut p, &obama);
    let biden_alone = only_face(&mut p, &biden);
    let mut frame =
        RgbImage::from_pixel(obama.width() + biden.width() + 40, 700, Rgb([30, 30, 30]));
    imageops::overlay(&mut frame, &obama, 0, 0);
    imageops::overlay(&mut frame, &biden, (obama.width() + 40) as i64, 20);
    let mut faces = confident(&mut p, &frame);
    assert_eq!(faces.len(), 2);
    faces.sort_by(|a, b| a.bbox.x1.total_cmp(&b.bbox.x1));
    assert!(cosine(&faces[0], &obama_alone) > 0.95 && cosine(&faces[1], &biden_alone) > 0.95);
    assert!(faces[1].bbox.x1 > obama.width() as f32);
}

#[test]
fn small_faces_need_a_small_enough_minimum_face_size() {
    let obama = fixture("obama.jpg");
    let tiny = imageops::resize(
        &obama,
        obama.width() / 8,
        obama.height() / 8,
        imageops::FilterType::Triangle,
    );
    let mut frame = RgbImage::from_pixel(320, 240, Rgb([90, 90, 90]));
    imageops::overlay(&mut frame, &tiny, 100, 60);
    let mut coarse = PipelineConfig::default();
    coarse.detector.min_face = 80.0;
    assert!(Pipeline::load(&coarse)
        .unwrap()
        .analyze(&frame)
        .unwrap()
        .is_empty());
    let mut fine = PipelineConfig::default();
    fine.detector.min_face = 12.0;
    assert_eq!(
        Pipeline::load(&fine)
            .unwrap()
            .analyze(&frame)
            .unwrap()
            .len(),
        1
    );
}

/// Enrolment embeddings average extra chip scales; probes use the standard chip unless configured.
/// Both describe the same face (and stay unit vectors); with no extra scales they are identical.
#[test]
fn enrolment_scales_change_enrolment_embeddings_only() {
    use rollcall_vision::Purpose;
    let img = fixture("obama.jpg");
    let mut p = pipeline();
    let central = |p: &mut Pipeline, purpose| p.analyze_central(&img, purpose).unwrap().unwrap();
    let probe = central(&mut p, Purpose::Probe);
    let enrol = central(&mut p, Purpose::Enrolment);
    for part in [&enrol.embedding[..DLIB_DIM], &enrol.embedding[DLIB_DIM..]] {
        let norm = part_norm(part);
        assert!((norm - 1.0).abs() < 1e-4, "{norm}");
    }
    let same = cosine(&probe, &enrol);
    assert!(same > 0.97 && same < 0.99999, "cosine {same}");
    assert_eq!(
        probe.quality, enrol.quality,
        "quality comes from the standard chip"
    );

    let mut plain = Pipeline::load(&PipelineConfig {
        enrol_scales: Vec::new(),
        ..PipelineConfig::default()
    })
    .unwrap();
    let a = central(&mut plain, Purpose::Probe);
    let b = central(&mut plain, Purpose::Enrolment);
    // dlib's part is the same chip either way; SFace adds the mirror image for enrolment only.
    assert_eq!(a.embedding[..DLIB_DIM], b.embedding[..DLIB_DIM]);
    assert_ne!(a.embedding[DLIB_DIM..], b.embedding[DLIB_DIM..]);
    assert_eq!(a.embedding, probe.embedding);
}

fn part_norm(v: &[f32]) -> f32 {
    v.iter().map(|x| x * x).sum::<f32>().sqrt()
}

/// The embedding is dlib's descriptor and SFace's feature side by side, each a unit vector (how much
/// each counts is the recognizer's weighting); without SFace its part is zero and dlib's is the same.
/// SFace by itself tells the fixtures' people apart, and by a wider gap than dlib's ResNet.
#[test]
fn the_embedding_joins_dlib_and_sface_unit_vectors() {
    let img = fixture("obama.jpg");
    let mut p = pipeline();
    let both = only_face(&mut p, &img);
    assert!((part_norm(&both.embedding[..DLIB_DIM]) - 1.0).abs() < 1e-4);
    assert!((part_norm(&both.embedding[DLIB_DIM..]) - 1.0).abs() < 1e-4);

    let mut dlib_only = Pipeline::load(&PipelineConfig {
        sface: false,
        ..PipelineConfig::default()
    })
    .unwrap();
    let alone = only_face(&mut dlib_only, &img);
    assert!(alone.embedding[DLIB_DIM..].iter().all(|&x| x == 0.0));
    for (a, b) in alone.embedding[..DLIB_DIM]
        .iter()
        .zip(&both.embedding[..DLIB_DIM])
    {
        assert!((a - b).abs() < 1e-5);
    }

    let part_cos = |a: &Face, b: &Face, r: std::ops::Range<usize>| -> f32 {
        a.embedding[r.clone()]
            .iter()
            .zip(&b.embedding[r])
            .map(|(x, y)| x * y)
            .sum()
    };
    let obama2 = only_face(&mut p, &fixture("obama2.jpg"));
    let biden = only_face(&mut p, &fixture("biden.jpg"));
    let sface = DLIB_DIM..DLIB_DIM * 2;
    let (same, different) = (
        part_cos(&both, &obama2, sface.clone()),
        part_cos(&both, &biden, sface),
    );
    assert!(
        same > different + 0.2,
        "SFace: same {same} vs different {different}"
    );
    let (dsame, ddifferent) = (
        part_cos(&both, &obama2, 0..DLIB_DIM),
        part_cos(&both, &biden, 0..DLIB_DIM),
    );
    assert!(
        same - different > dsame - ddifferent,
        "SFace {same}/{different} vs dlib {dsame}/{ddifferent}"
    );
}

/// Two builds of one embedder on every portrait's crop (`crop` at the landmarks the default
/// pipeline finds), with and without the mirror image: every feature is a unit vector within
/// `min_cosine` of the other build's. Returns both builds' features, without and with the mirror.
fn assert_builds_agree(
    crop: fn(&RgbImage, &[[f32; 2]; 5]) -> RgbImage,
    mut embed: impl FnMut(&[RgbImage], bool) -> [Vec<[f32; 128]>; 2],
    min_cosine: f32,
) -> Vec<[Vec<[f32; 128]>; 2]> {
    let mut p = pipeline();
    let crops: Vec<RgbImage> = PORTRAITS
        .iter()
        .map(|n| {
            let img = fixture(n);
            crop(&img, &only_face(&mut p, &img).landmarks)
        })
        .collect();
    [false, true]
        .into_iter()
        .map(|flip| {
            let [q, f] = embed(&crops, flip);
            for ((name, a), b) in PORTRAITS.iter().zip(&q).zip(&f) {
                assert!((part_norm(a) - 1.0).abs() < 1e-4);
                let c = dot(a, b);
                assert!(c > min_cosine, "{name} (flip {flip}): cosine {c}");
            }
            [q, f]
        })
        .collect()
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Obama against Obama, less Obama against Biden, on the portraits' features.
fn same_minus_different(e: &[[f32; 128]]) -> f32 {
    dot(&e[0], &e[1]).min(dot(&e[0], &e[2])) - dot(&e[0], &e[3]).max(dot(&e[1], &e[3]))
}

/// dlib's int8 build (the default) gives descriptors within a cosine of 0.995 of the float model's
/// on every fixture face, with and without the mirror image, and the same people stay apart.
#[test]
fn dlib_int8_descriptors_agree_with_the_float_models() {
    use rollcall_vision::{align_chip, Embedder, Weights};
    let models = PipelineConfig::default().models_dir;
    let mut int8 = Embedder::load(&models, Weights::Int8, 1).unwrap();
    let mut float = Embedder::load(&models, Weights::Float, 1).unwrap();
    let both = |chips: &[RgbImage], flip: bool| {
        [int8.embed(chips, flip), float.embed(chips, flip)].map(Result::unwrap)
    };
    for [q, _] in assert_builds_agree(align_chip, both, 0.995) {
        let gap = same_minus_different(&q);
        assert!(gap > 0.1, "int8: same minus different {gap}");
    }
}

/// SFace with its dense layer in 8 bits (the default) gives features within a cosine of 0.9995 of
/// the float model's on every fixture face, with and without the mirror image, and the same people
/// stay apart by as much.
#[test]
fn sface_dense_int8_features_agree_with_the_float_model() {
    use rollcall_vision::{sface_crop, SfaceEmbedder, Weights};
    let models = PipelineConfig::default().models_dir;
    let mut int8 = SfaceEmbedder::load(&models, Weights::Int8, 1).unwrap();
    let mut float = SfaceEmbedder::load(&models, Weights::Float, 1).unwrap();
    let both = |crops: &[RgbImage], flip: bool| {
        [int8.embed(crops, flip), float.embed(crops, flip)].map(Result::unwrap)
    };
    for [q, f] in assert_builds_agree(sface_crop, both, 0.9995) {
        let (gap, float_gap) = (same_minus_different(&q), same_minus_different(&f));
        assert!(
            gap > 0.1 && (gap - float_gap).abs() < 0.01,
            "same minus different {gap} in 8 bits, {float_gap} in float"
        );
    }
}

/// SFace's crop puts the landmarks where the ArcFace template says, and its feature is a unit vector
/// that barely changes with a 1-pixel shift of the face (the model is fed what it expects).
#[test]
fn sface_crops_follow_the_template_and_features_are_stable() {
    use rollcall_vision::{
        sface_crop, similarity_transform, SfaceEmbedder, SFACE_SIZE, SFACE_TEMPLATE,
    };
    let img = fixture("obama.jpg");
    let mut p = pipeline();
    let face = only_face(&mut p, &img);
    let crop = sface_crop(&img, &face.landmarks);
    assert_eq!(crop.dimensions(), (SFACE_SIZE, SFACE_SIZE));
    let fit = similarity_transform(&face.landmarks, &SFACE_TEMPLATE);
    for (lm, t) in face.landmarks.iter().zip(SFACE_TEMPLATE) {
        let [x, y] = fit.apply([f64::from(lm[0]), f64::from(lm[1])]);
        assert!((x - f64::from(t[0])).abs() < 6.0 && (y - f64::from(t[1])).abs() < 6.0);
    }
    let config = PipelineConfig::default();
    let mut sface = SfaceEmbedder::load(&config.models_dir, config.sface_weights(), 1).unwrap();
    let shifted = {
        let mut lm = face.landmarks;
        lm.iter_mut().for_each(|p| p[0] += 1.0);
        sface_crop(&img, &lm)
    };
    let out = sface.embed(&[crop.clone(), shifted], false).unwrap();
    assert_eq!(out.len(), 2);
    let dot: f32 = out[0].iter().zip(&out[1]).map(|(a, b)| a * b).sum();
    assert!((part_norm(&out[0]) - 1.0).abs() < 1e-4);
    assert!(
        dot > 0.95,
        "a 1-pixel shift moved the feature to cosine {dot}"
    );
    let flipped = sface.embed(&[crop], true).unwrap();
    let with_mirror: f32 = flipped[0].iter().zip(&out[0]).map(|(a, b)| a * b).sum();
    assert!(with_mirror > 0.9 && with_mirror < 0.99999, "{with_mirror}");
}

/// The server's mapping from the detector's box to the liveness models' (`[liveness]` in config/).
const LIVENESS_MAPPING: rollcall_vision::BoxMapping = rollcall_vision::BoxMapping {
    dx: 0.01,
    dy: 0.06,
    sw: 1.13,
    sh: 0.90,
};

/// The liveness models on Minivision's own samples: a live person scores live, a printed photo
/// held up to the camera scores as one; the scores are probabilities.
#[test]
fn liveness_tells_a_live_face_from_a_printed_photo() {
    let mut p = Pipeline::load(&PipelineConfig {
        liveness: Some(LIVENESS_MAPPING),
        ..PipelineConfig::default()
    })
    .unwrap();
    let score = |p: &mut Pipeline, name: &str| {
        let bytes = rollcall_testkit::liveness_sample(name);
        let img = decode_image(&bytes, &DecodeLimits::default()).unwrap();
        let faces = confident(p, &img);
        assert_eq!(faces.len(), 1, "{name}");
        faces[0].liveness.expect("scored")
    };
    let live = score(&mut p, "live.jpg");
    let print = score(&mut p, "print.jpg");
    assert!(live > 0.9, "live sample scored {live}");
    assert!(print < 0.2, "print sample scored {print}");
    // Without liveness configured, faces carry no score.
    let mut plain = pipeline();
    let img = fixture("obama.jpg");
    assert!(confident(&mut plain, &img)[0].liveness.is_none());
}

/// Enrolment averages dlib's embedding with the mirror image's; kiosk probes do too by default,
/// and skip the mirror when `probe_flip` is off.
#[test]
fn probes_skip_dlibs_mirror_only_when_told() {
    let img = fixture("obama2.jpg");
    let config = PipelineConfig {
        enrol_scales: Vec::new(),
        ..PipelineConfig::default()
    };
    let dlib = |config: &PipelineConfig, purpose| {
        let mut p = Pipeline::load(config).unwrap();
        let faces: Vec<Face> = p
            .analyze_for(&img, purpose)
            .unwrap()
            .into_iter()
            .filter(|f| f.quality.detector_score >= 0.95)
            .collect();
        assert_eq!(faces.len(), 1);
        faces[0].embedding[..DLIB_DIM].to_vec()
    };
    use rollcall_vision::Purpose::{Enrolment, Probe};
    let enrolled = dlib(&config, Enrolment);
    let mirrored = dlib(&config, Probe);
    let worst = enrolled
        .iter()
        .zip(&mirrored)
        .map(|(a, b)| (a - b).abs())
        .fold(0f32, f32::max);
    assert!(worst < 1e-6, "{worst}");
    let once = dlib(
        &PipelineConfig {
            probe_flip: false,
            ..config.clone()
        },
        Probe,
    );
    let dot: f32 = enrolled.iter().zip(&once).map(|(a, b)| a * b).sum();
    assert!(dot > 0.95 && dot < 0.99999, "mirrored vs not: cosine {dot}");
}

fn with_proposals(proposals: Proposals) -> Pipeline {
    let mut config = PipelineConfig::default();
    config.detector.proposals = proposals;
    Pipeline::load(&config).unwrap()
}

/// YuNet's decoding (strides, cell offsets, landmark order) read the way OpenCV reads it: the face
/// it finds sits on the face, its five points in the order MTCNN gives them.
#[test]
fn yunet_finds_the_portrait_face_with_landmarks_in_mtcnn_order() {
    let img = fixture("obama.jpg");
    let mut yunet = Yunet::load(&default_models_dir(), 1).unwrap();
    let (w, h, k) = network_size(img.width(), img.height(), 320);
    let small = imageops::resize(&img, w as u32, h as u32, imageops::FilterType::Triangle);
    let faces = yunet.detect(&small, 0.9, k).unwrap();
    assert_eq!(faces.len(), 1, "{faces:?}");
    let mtcnn = only_face(&mut with_proposals(Proposals::Pyramid), &img);
    let f = &faces[0];
    let [le, re, nose, ml, mr] = f.landmarks;
    assert!(le[0] < re[0] && ml[0] < mr[0] && nose[1] > le[1] && nose[1] < ml[1]);
    // The same face: YuNet's points within a fifth of the eye distance of MTCNN's (a detector's
    // landmark error is a few per cent of it; another face would be a whole face away).
    let eyes = mtcnn.quality.inter_eye;
    for (a, b) in f.landmarks.iter().zip(&mtcnn.landmarks) {
        let d = ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt();
        assert!(d < 0.2 * eyes, "{a:?} vs {b:?} (eyes {eyes})");
    }
}

/// With YuNet's proposals O-Net still draws the final box and points, so faces and identities are
/// the pyramid's: the same faces, landmarks within a few per cent of the eye distance, and
/// embeddings of the same person.
#[test]
fn yunet_proposals_give_the_pyramids_faces() {
    let mut pyramid = with_proposals(Proposals::Pyramid);
    let mut yunet = with_proposals(Proposals::Yunet { max_side: 320 });
    for name in [
        "obama.jpg",
        "obama2.jpg",
        "obama3.jpg",
        "biden.jpg",
        "collins.jpg",
    ] {
        let img = fixture(name);
        let a = only_face(&mut pyramid, &img);
        let b = only_face(&mut yunet, &img);
        let eyes = a.quality.inter_eye;
        let worst = a
            .landmarks
            .iter()
            .zip(&b.landmarks)
            .map(|(p, q)| ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)).sqrt())
            .fold(0f32, f32::max);
        assert!(worst < 0.05 * eyes, "{name}: {worst} px of {eyes}");
        assert!(cosine(&a, &b) > 0.95, "{name}: {}", cosine(&a, &b));
    }
}

/// A kiosk frame is read at half size: a face 40 pixels wide in a 640x480 frame is still found.
#[test]
fn yunet_at_half_size_finds_a_small_face_in_a_kiosk_frame() {
    let obama = fixture("obama.jpg");
    let face = only_face(&mut with_proposals(Proposals::Pyramid), &obama);
    let shrink = 40.0 / face.bbox.width();
    let small = imageops::resize(
        &obama,
        (obama.width() as f32 * shrink) as u32,
        (obama.height() as f32 * shrink) as u32,
        imageops::FilterType::Triangle,
    );
    let mut frame = RgbImage::from_pixel(640, 480, Rgb([90, 90, 90]));
    imageops::overlay(&mut frame, &small, 300, 200);
    let found = confident(
        &mut with_proposals(Proposals::Yunet { max_side: 320 }),
        &frame,
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].bbox.x1 >= 290.0 && found[0].bbox.y1 >= 190.0);
}

/// With two threads SFace runs on its own thread beside dlib and liveness: the faces, their
/// embeddings and their liveness scores are those of one thread, for one face and for two.
#[test]
fn models_side_by_side_give_what_one_thread_gives() {
    let config = |intra_threads| PipelineConfig {
        intra_threads,
        liveness: Some(LIVENESS_MAPPING),
        ..PipelineConfig::default()
    };
    let mut one = Pipeline::load(&config(1)).unwrap();
    let mut two = Pipeline::load(&config(2)).unwrap();
    let (obama, biden) = (fixture("obama.jpg"), fixture("biden.jpg"));
    let mut pair = RgbImage::from_pixel(obama.width() + biden.width() + 40, 700, Rgb([30, 30, 30]));
    imageops::overlay(&mut pair, &obama, 0, 0);
    imageops::overlay(&mut pair, &biden, (obama.width() + 40) as i64, 20);
    for (img, n) in [(obama, 1), (pair, 2)] {
        let by_x = |mut faces: Vec<Face>| {
            faces.sort_by(|a, b| a.bbox.x1.total_cmp(&b.bbox.x1));
            faces
        };
        let a = by_x(confident(&mut one, &img));
        let b = by_x(confident(&mut two, &img));
        assert_eq!((a.len(), b.len()), (n, n));
        for (x, y) in a.iter().zip(&b) {
            assert!(
                (x.bbox.x1 - y.bbox.x1).abs() < 0.5,
                "{:?} {:?}",
                x.bbox,
                y.bbox
            );
            assert!(cosine(x, y) > 0.9999, "{}", cosine(x, y));
            let (lx, ly) = (x.liveness.unwrap(), y.liveness.unwrap());
            assert!((lx - ly).abs() < 1e-3, "{lx} {ly}");
        }
    }
    // Without a face nothing runs beside the detector.
    assert!(confident(&mut two, &RgbImage::from_pixel(320, 240, Rgb([90, 90, 90]))).is_empty());
}

/// A pool of two single-threaded workers: a frame alone in the pool borrows the idle core for
/// SFace, a frame that arrives while the other worker is busy runs on its own core only, and both
/// give the faces a lone pipeline gives.
#[test]
fn a_lone_frame_borrows_the_idle_core_and_a_busy_pool_lends_none() {
    use rollcall_vision::InferencePool;
    use std::sync::mpsc;
    let config = PipelineConfig {
        liveness: Some(LIVENESS_MAPPING),
        ..PipelineConfig::default()
    };
    let img = fixture("obama.jpg");
    let expected = only_face(&mut Pipeline::load(&config).unwrap(), &img);
    let pool = InferencePool::new(&config, 2, 4).unwrap();
    let cores = pool
        .idle_cores()
        .expect("two single-threaded workers lend cores")
        .clone();
    let analyze = |img: RgbImage| {
        let (tx, rx) = mpsc::channel();
        pool.try_submit(move |p| {
            tx.send(confident(p, &img)).unwrap();
        })
        .unwrap();
        rx
    };

    let alone = analyze(img.clone()).recv().unwrap();
    assert_eq!(cores.lent(), 1, "the other core was idle");
    assert!(cosine(&alone[0], &expected) > 0.9999);

    // Hold one worker until the other has analysed its frame.
    let (hold_tx, hold_rx) = mpsc::channel::<()>();
    let (held_tx, held_rx) = mpsc::channel();
    pool.try_submit(move |_| {
        held_tx.send(()).unwrap();
        hold_rx.recv().unwrap();
    })
    .unwrap();
    held_rx.recv().unwrap();
    let busy = analyze(img).recv().unwrap();
    assert_eq!(cores.lent(), 1, "no core was idle");
    assert!(cosine(&busy[0], &expected) > 0.9999);
    hold_tx.send(()).unwrap();
}

/// A job that panics costs that job, not its worker: with a single worker the next frame is analysed
/// as before, the panicking job's own channel is dropped unanswered (its caller reports an error for
/// that image), and the panic is counted.
#[test]
fn a_panicking_job_costs_one_frame_not_the_worker() {
    use rollcall_vision::InferencePool;
    use std::sync::mpsc;
    use std::time::Duration;
    let pool = InferencePool::new(&PipelineConfig::default(), 1, 2).unwrap();
    let (doomed_tx, doomed_rx) = mpsc::channel::<()>();
    pool.try_submit(move |_| {
        let _answer_never_sent = doomed_tx;
        panic!("injected panic");
    })
    .unwrap();
    let (tx, rx) = mpsc::channel();
    let img = fixture("obama.jpg");
    pool.try_submit(move |p| tx.send(confident(p, &img)).unwrap())
        .unwrap();
    let faces = rx
        .recv_timeout(Duration::from_secs(120))
        .expect("the worker went on after the panic");
    assert_eq!(faces.len(), 1);
    assert!(doomed_rx.recv().is_err(), "the panicked job answered");
    assert_eq!(pool.panics(), 1);
}
