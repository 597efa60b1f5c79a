//! The enrolment gate: exactly one clear, large, frontal face that is nobody else already. The
//! server's photo route, bulk import and `rollcall templates rebuild` choose a photo's face here.

use rollcall_api::PhotoSource;
use rollcall_vision::{largest_faces, Face};

use crate::{CheckinError, GateConfig, LivenessConfig, Recognizer};

/// Why a photo cannot be enrolled. Each has a stable machine-readable code.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    NoFace,
    MultipleFaces {
        faces: usize,
    },
    FaceTooSmall {
        inter_eye: f32,
        needed: f32,
    },
    Blurry {
        sharpness: f32,
        needed: f32,
    },
    NotFrontal {
        frontal: f32,
        needed: f32,
    },
    /// The face already matches another delegate.
    DuplicateOf {
        delegate_id: i64,
        score: f32,
    },
    /// The photo does not look like a live capture (a picture of a photo or a screen).
    SpoofSuspected {
        liveness: f32,
        needed: f32,
    },
}

impl Refusal {
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::NoFace => "no_face",
            Refusal::MultipleFaces { .. } => "multiple_faces",
            Refusal::FaceTooSmall { .. } => "face_too_small",
            Refusal::Blurry { .. } => "blurry",
            Refusal::NotFrontal { .. } => "not_frontal",
            Refusal::DuplicateOf { .. } => "duplicate_of",
            Refusal::SpoofSuspected { .. } => "spoof_suspected",
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::NoFace => write!(f, "no face was found in the photo"),
            Refusal::MultipleFaces { faces } => {
                write!(
                    f,
                    "the photo shows {faces} faces; enrol one person per photo"
                )
            }
            Refusal::FaceTooSmall { inter_eye, needed } => write!(
                f,
                "the eyes are {inter_eye:.0} px apart; at least {needed:.0} px are needed"
            ),
            Refusal::Blurry { sharpness, needed } => write!(
                f,
                "the face is blurred (sharpness {sharpness:.1}, at least {needed:.1} needed)"
            ),
            Refusal::NotFrontal { frontal, needed } => write!(
                f,
                "the face is turned (frontal {frontal:.2}, at least {needed:.2} needed)"
            ),
            Refusal::DuplicateOf { .. } => write!(f, "this face already matches another delegate"),
            Refusal::SpoofSuspected { liveness, needed } => write!(
                f,
                "the photo looks like a picture of a photo or a screen (liveness {liveness:.2}, at \
                 least {needed:.2} needed): photograph the delegate in person"
            ),
        }
    }
}

/// A face's liveness below what a kiosk face needs, when liveness is on: for a file, the advice
/// staff see and the audit records.
pub fn liveness_low(face: &Face, liveness: &LivenessConfig) -> bool {
    liveness.enabled && face.liveness.is_some_and(|l| l < liveness.threshold)
}

/// The photo's main face (the largest the detector is sure of), or `None`: the face
/// `templates rebuild` re-embeds, which the gate accepted when the photo was taken.
pub fn main_face(faces: Vec<Face>, gate: &GateConfig) -> Option<Face> {
    largest_faces(faces, gate.min_detector_score)
        .into_iter()
        .next()
}

/// The gate's judgement of the faces found in a photo: the one face to enrol, or why not.
/// `live_threshold`: the liveness a face needs, when enrolment photos are checked. It is judged
/// after size and sharpness (a small or blurred face scores low whatever it is, and a retake fixes
/// that) but before pose: a photo held up to the camera is often tilted too, and staff must hear
/// the reason that matters.
pub fn gate(
    faces: Vec<Face>,
    gate: &GateConfig,
    live_threshold: Option<f32>,
) -> Result<Face, Refusal> {
    let faces = largest_faces(faces, gate.min_detector_score);
    let Some(main) = faces.first().cloned() else {
        return Err(Refusal::NoFace);
    };
    // A face in the background, much smaller than the main one, is no reason to refuse.
    let others = faces
        .iter()
        .skip(1)
        .filter(|f| f.quality.inter_eye >= 0.5 * main.quality.inter_eye)
        .count();
    if others > 0 {
        return Err(Refusal::MultipleFaces { faces: others + 1 });
    }
    let q = main.quality;
    if q.inter_eye < gate.min_inter_eye {
        return Err(Refusal::FaceTooSmall {
            inter_eye: q.inter_eye,
            needed: gate.min_inter_eye,
        });
    }
    if q.sharpness < gate.min_sharpness {
        return Err(Refusal::Blurry {
            sharpness: q.sharpness,
            needed: gate.min_sharpness,
        });
    }
    if let Some(needed) = live_threshold {
        // A face the pipeline did not score is not taken for live.
        let live = main.liveness.unwrap_or(0.0);
        if live < needed {
            return Err(Refusal::SpoofSuspected {
                liveness: live,
                needed,
            });
        }
    }
    if q.frontal < gate.min_frontal {
        return Err(Refusal::NotFrontal {
            frontal: q.frontal,
            needed: gate.min_frontal,
        });
    }
    Ok(main)
}

/// The whole gate for delegate `delegate_id`: the face rules, liveness (when enrolment photos are
/// checked and the photo was taken with the desk's camera: a file's liveness is advisory, see
/// [`PhotoSource`]), then no other delegate may match it.
pub fn admit(
    faces: Vec<Face>,
    delegate_id: i64,
    source: PhotoSource,
    config: &GateConfig,
    liveness: &LivenessConfig,
    recognizer: &Recognizer,
) -> Result<Result<Face, Refusal>, CheckinError> {
    let live_threshold =
        (liveness.enabled && liveness.check_enrolment && source == PhotoSource::Camera)
            .then_some(liveness.threshold);
    let face = match gate(faces, config, live_threshold) {
        Ok(f) => f,
        Err(r) => return Ok(Err(r)),
    };
    Ok(
        match recognizer.duplicate_of(&face.embedding, delegate_id)? {
            Some((other, score)) => Err(Refusal::DuplicateOf {
                delegate_id: other,
                score,
            }),
            None => Ok(face),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use rollcall_vision::{BBox, Quality, EMBEDDING_DIM};

    fn face(inter_eye: f32, sharpness: f32, frontal: f32) -> Face {
        Face {
            bbox: BBox {
                x1: 0.0,
                y1: 0.0,
                x2: 2.0 * inter_eye,
                y2: 2.0 * inter_eye,
                score: 0.99,
            },
            landmarks: [[0.0; 2]; 5],
            quality: Quality {
                box_width: 2.0 * inter_eye,
                box_height: 2.0 * inter_eye,
                inter_eye,
                sharpness,
                yaw: 0.0,
                roll: 0.0,
                frontal,
                detector_score: 0.99,
            },
            embedding: [0.0; EMBEDDING_DIM],
            liveness: None,
        }
    }

    #[test]
    fn each_rule_refuses_with_its_code() {
        let g = GateConfig::default();
        let code = |faces| gate(faces, &g, None).unwrap_err().code();
        assert_eq!(code(vec![]), "no_face");
        assert_eq!(
            code(vec![face(60.0, 50.0, 1.0), face(40.0, 50.0, 1.0)]),
            "multiple_faces"
        );
        assert_eq!(code(vec![face(20.0, 50.0, 1.0)]), "face_too_small");
        assert_eq!(code(vec![face(60.0, 5.0, 1.0)]), "blurry");
        assert_eq!(code(vec![face(60.0, 50.0, 0.2)]), "not_frontal");
        let ok = gate(vec![face(60.0, 50.0, 1.0), face(20.0, 50.0, 1.0)], &g, None).unwrap();
        assert_eq!(
            ok.quality.inter_eye, 60.0,
            "a small face behind is not a second person"
        );
    }

    #[test]
    fn a_suspected_photo_of_a_photo_is_named_before_its_pose() {
        let g = GateConfig::default();
        let spoof = |live: Option<f32>, sharpness, frontal| {
            let mut f = face(60.0, sharpness, frontal);
            f.liveness = live;
            gate(vec![f], &g, Some(0.64))
        };
        assert_eq!(
            spoof(Some(0.1), 50.0, 0.2).unwrap_err().code(),
            "spoof_suspected"
        );
        assert_eq!(
            spoof(None, 50.0, 1.0).unwrap_err().code(),
            "spoof_suspected"
        );
        // Blur lowers a live face's score too: blur is the reason given.
        assert_eq!(spoof(Some(0.1), 5.0, 1.0).unwrap_err().code(), "blurry");
        assert_eq!(
            spoof(Some(0.9), 50.0, 0.2).unwrap_err().code(),
            "not_frontal"
        );
        assert!(spoof(Some(0.9), 50.0, 1.0).is_ok());
        // Too small to judge: the size is the reason, whatever the score.
        let mut tiny = face(20.0, 50.0, 1.0);
        tiny.liveness = Some(0.1);
        assert_eq!(
            gate(vec![tiny], &g, Some(0.64)).unwrap_err().code(),
            "face_too_small"
        );
    }

    #[test]
    fn a_low_liveness_file_is_admitted_with_advice_and_a_camera_capture_refused() {
        let recognizer = Recognizer::new(
            EMBEDDING_DIM,
            &crate::RecognitionConfig::default(),
            std::sync::Arc::new(crate::Calibration::default_curves()),
        )
        .unwrap();
        let (g, live) = (GateConfig::default(), LivenessConfig::default());
        let mut portrait = face(60.0, 50.0, 1.0);
        portrait.embedding[0] = 1.0;
        portrait.liveness = Some(0.3);
        let admit_from = |face: &Face, source| {
            admit(vec![face.clone()], 1, source, &g, &live, &recognizer)
                .unwrap()
                .map_err(|r| r.code())
        };
        let admitted =
            admit_from(&portrait, PhotoSource::File).expect("a file's liveness is advisory");
        assert!(liveness_low(&admitted, &live));
        assert_eq!(
            admit_from(&portrait, PhotoSource::Camera).unwrap_err(),
            "spoof_suspected"
        );
        portrait.liveness = Some(0.9);
        let admitted = admit_from(&portrait, PhotoSource::File).unwrap();
        assert!(!liveness_low(&admitted, &live));
        let off = LivenessConfig {
            enabled: false,
            ..LivenessConfig::default()
        };
        assert!(!liveness_low(&admitted, &off));
    }

    #[test]
    fn refusals_say_what_was_measured_and_needed() {
        let r = Refusal::FaceTooSmall {
            inter_eye: 21.4,
            needed: 30.0,
        };
        assert_eq!(
            r.to_string(),
            "the eyes are 21 px apart; at least 30 px are needed"
        );
    }
}
