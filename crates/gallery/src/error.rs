#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum GalleryError {
    #[error("vector has dimension {got}, the gallery holds dimension {expected}")]
    DimensionMismatch { expected: usize, got: usize },
    #[error("vector contains NaN or infinity")]
    NotFinite,
}
