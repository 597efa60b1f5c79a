//! The real models on real faces (fixtures/faces: public-domain White House portraits).

use image::{imageops, Rgb, RgbImage};
use rollcall_vision::{decode_image, DecodeLimits, Face, Pipeline, PipelineConfig, DLIB_DIM};

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

fn cosine(a: &Face, b: &Face) -> f32 {
    a.embedding
        .iter()
        .zip(&b.embedding)
        .map(|(x, y)| x * y)
        .sum()
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
    let norm: f32 = obama.embedding.iter().map(|x| x * x).sum();
    assert!((norm - 1.0).abs() < 1e-4);
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
    let norm: f32 = enrol.embedding.iter().map(|x| x * x).sum::<f32>().sqrt();
    assert!((norm - 1.0).abs() < 1e-4, "{norm}");
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
    // dlib's part is the same chip either way; faceres adds the mirror image for enrolment only.
    assert_eq!(a.embedding[..DLIB_DIM], b.embedding[..DLIB_DIM]);
    assert_ne!(a.embedding[DLIB_DIM..], b.embedding[DLIB_DIM..]);
    assert_eq!(a.embedding, probe.embedding);
}

fn part_norm(v: &[f32]) -> f32 {
    v.iter().map(|x| x * x).sum::<f32>().sqrt()
}

/// The fused embedding is dlib's descriptor and the faceres feature, each a unit vector, joined with
/// weights `1 : w`; weight 0 leaves dlib's descriptor alone. Fusion keeps same-person pairs apart from
/// different-person pairs, and faceres by itself tells the fixtures' people apart too.
#[test]
fn fused_embedding_joins_dlib_and_faceres_by_weight() {
    let img = fixture("obama.jpg");
    let w = PipelineConfig::default().fusion_weight;
    assert!(w > 0.0);
    let mut p = pipeline();
    let fused = only_face(&mut p, &img);
    let head = part_norm(&fused.embedding[..DLIB_DIM]);
    let tail = part_norm(&fused.embedding[DLIB_DIM..]);
    assert!((head - (1.0 / (1.0 + w)).sqrt()).abs() < 1e-4, "{head}");
    assert!((tail - (w / (1.0 + w)).sqrt()).abs() < 1e-4, "{tail}");

    let mut dlib_only = Pipeline::load(&PipelineConfig {
        fusion_weight: 0.0,
        ..PipelineConfig::default()
    })
    .unwrap();
    let alone = only_face(&mut dlib_only, &img);
    assert!(alone.embedding[DLIB_DIM..].iter().all(|&x| x == 0.0));
    let scaled = (1.0 + w).sqrt();
    for (a, f) in alone.embedding[..DLIB_DIM]
        .iter()
        .zip(&fused.embedding[..DLIB_DIM])
    {
        assert!((a - f * scaled).abs() < 1e-5);
    }

    let faceres_cos = |a: &Face, b: &Face| {
        let d: f32 = a.embedding[DLIB_DIM..]
            .iter()
            .zip(&b.embedding[DLIB_DIM..])
            .map(|(x, y)| x * y)
            .sum();
        d / (part_norm(&a.embedding[DLIB_DIM..]) * part_norm(&b.embedding[DLIB_DIM..]))
    };
    let obama2 = only_face(&mut p, &fixture("obama2.jpg"));
    let biden = only_face(&mut p, &fixture("biden.jpg"));
    let (same, different) = (faceres_cos(&fused, &obama2), faceres_cos(&fused, &biden));
    assert!(
        same > different,
        "faceres: same {same} vs different {different}"
    );
}
