use std::path::PathBuf;

/// Everything that can go wrong between bytes and embeddings.
#[derive(Debug, thiserror::Error)]
pub enum VisionError {
    #[error("image is empty")]
    EmptyImage,
    #[error("image data is {size} bytes, over the limit of {max} bytes")]
    DataTooLarge { size: usize, max: usize },
    #[error("image is {width}x{height} pixels, over the limit of {max_side} pixels per side")]
    DimensionsTooLarge {
        width: u32,
        height: u32,
        max_side: u32,
    },
    #[error("image is {width}x{height} pixels, over the limit of {max_pixels} pixels")]
    TooManyPixels {
        width: u32,
        height: u32,
        max_pixels: u64,
    },
    #[error("image would need more than {max_bytes} bytes to decode")]
    DecodeTooLarge { max_bytes: u64 },
    #[error("unsupported or unrecognised image format")]
    UnsupportedFormat,
    #[error("image data is corrupt or truncated: {0}")]
    Corrupt(String),
    #[error(
        "ONNX Runtime library not found at {path}: run `make ort` (installs it from the PyPI \
            onnxruntime=={version} wheel) or set ORT_DYLIB_PATH"
    )]
    RuntimeMissing {
        path: PathBuf,
        version: &'static str,
    },
    #[error("ONNX Runtime failed to start: {0}")]
    RuntimeInit(String),
    #[error("model file {path} is missing: run `make models` or set ROLLCALL_MODELS_DIR")]
    ModelMissing { path: PathBuf },
    #[error("inference failed: {0}")]
    Inference(#[from] ort::Error),
    #[error("could not start a thread for inference: {0}")]
    ThreadStart(std::io::Error),
    #[error("model output has an unexpected shape: {0}")]
    BadOutput(String),
}
