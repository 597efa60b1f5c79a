//! The recognition path: frame -> faces -> aligned chips (dlib's ResNet at 150x150, SFace at
//! 112x112) -> one fused embedding.
//!
//! [`Pipeline`] owns the ONNX sessions (created once, reused); [`InferencePool`] runs pipelines on worker
//! threads with a bounded queue so that callers on an async runtime never run inference themselves and
//! get [`PoolError::Busy`] instead of an unbounded backlog.

mod align;
mod cpu;
mod decode;
mod detect;
mod embed;
mod error;
mod geometry;
mod idle_cores;
mod liveness;
mod pipeline;
mod pool;
mod quality;
mod resample;
mod runtime;
mod sface;
mod sface_thread;
mod yunet;

pub use align::{
    align_chip, align_chip_scaled, similarity_transform, warp_to, Similarity, CHIP_SIZE,
    CHIP_TEMPLATE,
};
pub use cpu::{Cpu, IsaLevel};
pub use decode::{decode_image, DecodeLimits, DEFAULT_MAX_PIXELS};
pub use detect::{DetectorConfig, MtcnnDetector, Proposals};
pub use embed::{l2_normalize, Embedder, Weights, DLIB_DIM};
pub use error::VisionError;
pub use geometry::{nms, BBox, NmsMethod};
pub use idle_cores::{CoreGuard, IdleCores};
pub use liveness::{crop_box, BoxMapping, LivenessModels, LIVENESS_SIZE};
pub use pipeline::{
    largest_faces, normalize_parts, Face, Pipeline, PipelineConfig, Purpose, EMBEDDING_DIM,
};
pub use pool::{InferencePool, PoolError};
pub use quality::Quality;
pub use runtime::{default_models_dir, ort_environment, ORT_VERSION};
pub use sface::{sface_crop, SfaceEmbedder, SFACE_DIM, SFACE_SIZE, SFACE_TEMPLATE};
pub use yunet::{network_size, Yunet, YunetFace, YUNET_FILE};

pub use image::RgbImage;
