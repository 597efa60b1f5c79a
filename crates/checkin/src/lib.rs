//! The check-in half of rollcall, as plain Rust: what a recognised face means and when it counts.
//!
//! ```text
//! embeddings --recognizer--> matches --verdict--> verdict --decide--> check-in --quorum--> quorum
//! ```
//!
//! - [`Recognizer`]: the enrolled templates (gallery), the AS-norm cohort and the thresholds, swapped
//!   together; `best_match` is the one scoring path the server and `rollcall eval` share.
//! - [`verdict`]: one face in one frame -> [`Assessment`] (too small, unknown, or a match), and the
//!   [`Verdict`] the kiosk is told.
//! - [`presence`]: what a passage past an entrance or an exit kiosk calls for (check in, back in,
//!   out, or nothing).
//! - [`Decider`]: a match becomes a recorded passage only when enough distinct frames agree.
//! - [`enrolment`]: the enrolment photo gate and its refusal reasons.
//! - [`roster`]: delegate fields and bulk-import rows (CSV), for the API and the CLI alike.
//! - [`quorum`]: exact integer quorum arithmetic and the attendance figures.
//!
//! Nothing here performs I/O: the server and the CLI feed it faces and stored rows.

pub mod calibration;
mod config;
mod decide;
pub mod enrolment;
mod error;
pub mod gallery_tail;
pub mod presence;
pub mod quorum;
mod recognizer;
pub mod roster;
pub mod verdict;

pub use calibration::Calibration;
pub use config::{GateConfig, LivenessConfig, ProposalSource, RecognitionConfig};
pub use decide::{same_capture, Decider, Sighting};
pub use error::CheckinError;
pub use gallery_tail::GalleryTail;
pub use presence::{passage, Change, Passage, Presence, Standing};
pub use recognizer::{Candidates, Match, Recognizer, ThresholdReport};
pub use verdict::{assess, assess_at, Assessment, Verdict};
