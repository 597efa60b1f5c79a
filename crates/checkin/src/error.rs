/// A failure of the recognizer itself (a wrong vector length, a non-finite score): a bug or a
/// corrupt template, never a bad request.
#[derive(Debug, thiserror::Error)]
pub enum CheckinError {
    #[error(transparent)]
    Gallery(#[from] rollcall_gallery::GalleryError),
}
