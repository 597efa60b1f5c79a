//! Matches -> verdict: what one face in one kiosk frame means, and what the kiosk is told.

use rollcall_api::FaceStatus;
use rollcall_vision::Face;

use crate::presence::{Change, Standing};
use crate::{CheckinError, LivenessConfig, Match, RecognitionConfig, Recognizer};

/// What a single frame says about one face, before other frames and the roll are consulted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Assessment {
    /// The eyes are closer than `min_inter_eye`: too small to judge either way.
    TooSmall,
    /// Not a live person in front of the camera, by the liveness score. `resembles` is the
    /// delegate the face matches confidently, if any: whom the attack tried to check in (for the
    /// staff's alert only, never for the kiosk).
    Spoof {
        liveness: f32,
        resembles: Option<Match>,
    },
    /// Nobody matches well enough (the best score, when anyone is enrolled).
    Unknown { score: Option<f32> },
    /// The best delegate is above the threshold and clear of the runner-up by the margin.
    Recognised(Match),
}

impl Assessment {
    /// The score shown with the answer (0 when there is none).
    pub fn score(&self) -> f32 {
        match self {
            Assessment::TooSmall => 0.0,
            Assessment::Spoof { resembles, .. } => resembles.map_or(0.0, |m| m.score),
            Assessment::Unknown { score } => score.unwrap_or(0.0),
            Assessment::Recognised(m) => m.score,
        }
    }
}

/// One face's assessment: the size rule, the liveness rule, then the recognizer's best match against
/// the threshold and the margin. The kiosk route and `rollcall eval`'s operating-point figures both
/// call this.
pub fn assess(
    recognizer: &Recognizer,
    face: &Face,
    rules: &RecognitionConfig,
    liveness: &LivenessConfig,
) -> Result<Assessment, CheckinError> {
    assess_at(recognizer, face, rules, liveness, rules.fpir)
}

/// [`assess`] at the threshold for another share of impostors per frame (`rollcall eval`).
pub fn assess_at(
    recognizer: &Recognizer,
    face: &Face,
    rules: &RecognitionConfig,
    liveness: &LivenessConfig,
    fpir: f64,
) -> Result<Assessment, CheckinError> {
    if face.quality.inter_eye < rules.min_inter_eye {
        return Ok(Assessment::TooSmall);
    }
    let best = recognizer.best_match_at(&face.embedding, fpir)?;
    let confident = best.filter(|m| m.is_confident(rules.margin));
    if liveness.enabled {
        // A face the pipeline did not score is not taken for live.
        let live = face.liveness.unwrap_or(0.0);
        if live < liveness.threshold {
            return Ok(Assessment::Spoof {
                liveness: live,
                resembles: confident,
            });
        }
    }
    Ok(match (confident, best) {
        (Some(m), _) => Assessment::Recognised(m),
        (None, Some(m)) => Assessment::Unknown {
            score: Some(m.score),
        },
        (None, None) => Assessment::Unknown { score: None },
    })
}

/// What the kiosk is told about one face.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Verdict {
    /// This frame confirmed the passage and it is recorded: checked in, back in, or out.
    Recorded {
        change: Change,
        delegate_id: i64,
        score: f32,
    },
    /// Recognised; the passage changes nothing (already in, already out, never checked in).
    Standing {
        standing: Standing,
        delegate_id: i64,
        score: f32,
    },
    /// A confident match that waits for more agreeing frames; the name is not shown yet.
    Pending {
        score: f32,
    },
    Unknown {
        score: f32,
    },
    /// Too small to judge.
    Rejected,
    /// Not live: never checked in. `resembles` is for the staff's alert, not for the kiosk.
    SpoofSuspected {
        liveness: f32,
        resembles: Option<i64>,
    },
}

impl Verdict {
    /// The verdict for an assessment that did not lead to a recorded passage: a match whose
    /// passage changes nothing (`standing`), or that still waits for agreeing frames (`None`).
    pub fn unrecorded(assessment: Assessment, standing: Option<Standing>) -> Verdict {
        match (assessment, standing) {
            (Assessment::TooSmall, _) => Verdict::Rejected,
            (
                Assessment::Spoof {
                    liveness,
                    resembles,
                },
                _,
            ) => Verdict::SpoofSuspected {
                liveness,
                resembles: resembles.map(|m| m.delegate_id),
            },
            (Assessment::Unknown { score }, _) => Verdict::Unknown {
                score: score.unwrap_or(0.0),
            },
            (Assessment::Recognised(m), Some(standing)) => Verdict::Standing {
                standing,
                delegate_id: m.delegate_id,
                score: m.score,
            },
            (Assessment::Recognised(m), None) => Verdict::Pending { score: m.score },
        }
    }

    /// The verdict for a recorded passage of the matched delegate.
    pub fn recorded(change: Change, m: Match) -> Verdict {
        Verdict::Recorded {
            change,
            delegate_id: m.delegate_id,
            score: m.score,
        }
    }

    pub fn status(&self) -> FaceStatus {
        match self {
            Verdict::Recorded { change, .. } => change.status(),
            Verdict::Standing { standing, .. } => standing.status(),
            Verdict::Pending { .. } => FaceStatus::Pending,
            Verdict::Unknown { .. } => FaceStatus::Unknown,
            Verdict::Rejected => FaceStatus::Rejected,
            Verdict::SpoofSuspected { .. } => FaceStatus::SpoofSuspected,
        }
    }

    /// The delegate named in the answer: only once the match is certain (recorded, or its
    /// standing known), never for a pending match or a spoof.
    pub fn delegate_id(&self) -> Option<i64> {
        match self {
            Verdict::Recorded { delegate_id, .. } | Verdict::Standing { delegate_id, .. } => {
                Some(*delegate_id)
            }
            _ => None,
        }
    }

    pub fn score(&self) -> f32 {
        match self {
            Verdict::Recorded { score, .. }
            | Verdict::Standing { score, .. }
            | Verdict::Pending { score }
            | Verdict::Unknown { score } => *score,
            Verdict::Rejected | Verdict::SpoofSuspected { .. } => 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matched(score: f32) -> Assessment {
        Assessment::Recognised(Match {
            delegate_id: 7,
            score,
            runner_up: 0.0,
            threshold: 0.5,
        })
    }

    #[test]
    fn names_are_shown_only_for_check_ins() {
        assert_eq!(
            Verdict::unrecorded(matched(0.8), None),
            Verdict::Pending { score: 0.8 }
        );
        let already = Verdict::unrecorded(matched(0.8), Some(Standing::AlreadyIn));
        assert_eq!(already.status(), FaceStatus::AlreadyCheckedIn);
        assert_eq!(already.delegate_id(), Some(7));
        let out = Verdict::unrecorded(matched(0.8), Some(Standing::AlreadyOut));
        assert_eq!(out.status(), FaceStatus::AlreadyCheckedOut);
        assert_eq!(out.delegate_id(), Some(7));
        assert_eq!(Verdict::Pending { score: 0.8 }.delegate_id(), None);
        assert_eq!(
            Verdict::unrecorded(
                Assessment::Unknown { score: None },
                Some(Standing::AlreadyIn)
            ),
            Verdict::Unknown { score: 0.0 }
        );
        assert_eq!(
            Verdict::unrecorded(Assessment::TooSmall, None).status(),
            FaceStatus::Rejected
        );
    }

    #[test]
    fn a_spoof_is_never_named_to_the_kiosk() {
        let v = Verdict::unrecorded(
            Assessment::Spoof {
                liveness: 0.2,
                resembles: Some(Match {
                    delegate_id: 7,
                    score: 0.9,
                    runner_up: 0.0,
                    threshold: 0.5,
                }),
            },
            Some(Standing::AlreadyIn),
        );
        assert_eq!(v.status(), FaceStatus::SpoofSuspected);
        assert_eq!(v.delegate_id(), None);
        assert_eq!(v.score(), 0.0);
        assert!(matches!(
            v,
            Verdict::SpoofSuspected {
                resembles: Some(7),
                ..
            }
        ));
    }

    #[test]
    fn every_verdict_has_its_own_status() {
        let mut all = vec![
            Verdict::Pending { score: 1.0 },
            Verdict::Unknown { score: 1.0 },
            Verdict::Rejected,
            Verdict::SpoofSuspected {
                liveness: 0.1,
                resembles: Some(1),
            },
        ];
        let m = Match {
            delegate_id: 1,
            score: 1.0,
            runner_up: 0.0,
            threshold: 0.5,
        };
        for change in [Change::CheckIn, Change::Return, Change::Leave] {
            all.push(Verdict::recorded(change, m));
        }
        for standing in [
            Standing::AlreadyIn,
            Standing::AlreadyOut,
            Standing::NeverCheckedIn,
        ] {
            all.push(Verdict::unrecorded(
                Assessment::Recognised(m),
                Some(standing),
            ));
        }
        let statuses: std::collections::HashSet<_> = all.iter().map(Verdict::status).collect();
        assert_eq!(statuses.len(), FaceStatus::ALL.len());
    }
}
