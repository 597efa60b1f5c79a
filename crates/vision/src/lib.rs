//! The recognition path: frame -> faces -> aligned chips (dlib's ResNet) and face boxes (faceres) ->
//! one fused embedding.
//!
//! [`Pipeline`] owns the ONNX sessions (created once, reused); [`InferencePool`] runs pipelines on worker
//! threads with a bounded queue so that callers on an async runtime never run inference themselves and
//! get [`PoolError::Busy`] instead of an unbounded backlog.

mod align;
mod decode;
mod detect;
mod embed;
mod error;
mod faceres;
mod geometry;
mod pipeline;
mod pool;
mod quality;
mod resample;
mod runtime;

pub use align::{
    align_chip, align_chip_scaled, similarity_transform, Similarity, CHIP_SIZE, CHIP_TEMPLATE,
};
pub use decode::{decode_image, DecodeLimits};
pub use detect::{DetectorConfig, MtcnnDetector};
pub use embed::{l2_normalize, Embedder, DLIB_DIM};
pub use error::VisionError;
pub use faceres::{FaceresEmbedder, FACERES_DIM};
pub use geometry::{nms, BBox, NmsMethod};
pub use pipeline::{largest_faces, Face, Pipeline, PipelineConfig, Purpose, EMBEDDING_DIM};
pub use pool::{InferencePool, PoolError};
pub use quality::Quality;
pub use runtime::{default_models_dir, ort_environment, ORT_VERSION};

pub use image::RgbImage;
