//! The in-memory gallery of enrolled templates and its nearest-neighbour search.
//!
//! Templates are L2-normalised vectors, several per delegate; a delegate's score for a query is the
//! maximum inner product over its templates (its best-matching photo). The data lives in fixed-size
//! segments behind `Arc`s: a search takes a snapshot (a vector of segment pointers) and scans it
//! without holding any lock, while enrolment and erasure copy only the one segment they change and
//! swap the snapshot in. Erased vectors leave memory as soon as the last search that saw them ends.
//!
//! `unsafe` is confined to `kernels` (the SIMD instruction sets); everything else is safe code.

mod cohort;
mod error;
mod gallery;
pub mod kernels;
mod quant;
mod topk;

pub use cohort::{Block, Cohort, DEFAULT_COHORT_SHARE};
pub use error::GalleryError;
pub use gallery::{Gallery, GalleryStats, Hit, ScanMode, PARALLEL_MIN_ROWS};
pub use kernels::{dot, dot_i8, Backend};
pub use quant::QuantizedVector;
