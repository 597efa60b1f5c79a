//! The enrolment gate: exactly one clear, large, frontal face that is nobody else already. The
//! server's photo route, bulk import and `rollcall templates rebuild` choose a photo's face here.

use rollcall_vision::{largest_faces, Face};

use crate::{CheckinError, GateConfig, Recognizer};

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
        }
    }
}

/// The photo's main face (the largest the detector is sure of), or `None`: the face
/// `templates rebuild` re-embeds, which the gate accepted when the photo was taken.
pub fn main_face(faces: Vec<Face>, gate: &GateConfig) -> Option<Face> {
    largest_faces(faces, gate.min_detector_score)
        .into_iter()
        .next()
}

/// The gate's judgement of the faces found in a photo: the one face to enrol, or why not.
pub fn gate(faces: Vec<Face>, gate: &GateConfig) -> Result<Face, Refusal> {
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
    if q.frontal < gate.min_frontal {
        return Err(Refusal::NotFrontal {
            frontal: q.frontal,
            needed: gate.min_frontal,
        });
    }
    Ok(main)
}

/// The whole gate for delegate `delegate_id`: the face rules, then no other delegate may match it.
pub fn admit(
    faces: Vec<Face>,
    delegate_id: i64,
    config: &GateConfig,
    recognizer: &Recognizer,
) -> Result<Result<Face, Refusal>, CheckinError> {
    let face = match gate(faces, config) {
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
        }
    }

    #[test]
    fn each_rule_refuses_with_its_code() {
        let g = GateConfig::default();
        let code = |faces| gate(faces, &g).unwrap_err().code();
        assert_eq!(code(vec![]), "no_face");
        assert_eq!(
            code(vec![face(60.0, 50.0, 1.0), face(40.0, 50.0, 1.0)]),
            "multiple_faces"
        );
        assert_eq!(code(vec![face(20.0, 50.0, 1.0)]), "face_too_small");
        assert_eq!(code(vec![face(60.0, 5.0, 1.0)]), "blurry");
        assert_eq!(code(vec![face(60.0, 50.0, 0.2)]), "not_frontal");
        let ok = gate(vec![face(60.0, 50.0, 1.0), face(20.0, 50.0, 1.0)], &g).unwrap();
        assert_eq!(
            ok.quality.inter_eye, 60.0,
            "a small face behind is not a second person"
        );
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
