use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::VisionError;

/// The ONNX Runtime release whose shared library `make ort` installs (from the PyPI wheel of the same
/// version); `ort`'s `api-22` feature needs 1.22 or newer.
pub const ORT_VERSION: &str = "1.31.1";

static ENVIRONMENT: OnceLock<Result<ort::environment::Environment, String>> = OnceLock::new();

fn dylib_path() -> PathBuf {
    if let Some(p) = std::env::var_os("ORT_DYLIB_PATH") {
        return PathBuf::from(p);
    }
    // `make ort` puts the library here; a binary started from the checkout finds it without settings.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.join(".cache/onnxruntime")
        .join(format!("libonnxruntime.so.{ORT_VERSION}"))
}

/// The process-wide ONNX Runtime environment, loaded once from `ORT_DYLIB_PATH`
/// (or the library `make ort` installs in the checkout).
pub fn ort_environment() -> Result<&'static ort::environment::Environment, VisionError> {
    let path = dylib_path();
    if !path.exists() {
        return Err(VisionError::RuntimeMissing {
            path,
            version: ORT_VERSION,
        });
    }
    let env = ENVIRONMENT.get_or_init(|| {
        let builder = ort::init_from(&path).map_err(|e| e.to_string())?;
        builder
            .with_name("rollcall")
            .build()
            .map_err(|e| e.to_string())
    });
    env.as_ref()
        .map_err(|e| VisionError::RuntimeInit(e.clone()))
}

/// Where the bundled models live: `ROLLCALL_MODELS_DIR`, else `models/` of this checkout.
pub fn default_models_dir() -> PathBuf {
    if let Some(p) = std::env::var_os("ROLLCALL_MODELS_DIR") {
        return PathBuf::from(p);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models")
}

pub(crate) fn load_session(
    models_dir: &Path,
    file: &str,
    intra_threads: usize,
) -> Result<ort::session::Session, VisionError> {
    let path = models_dir.join(file);
    if !path.exists() {
        return Err(VisionError::ModelMissing { path });
    }
    let env = ort_environment()?;
    let session = ort::session::Session::builder(env)?
        .with_intra_threads(intra_threads)
        .map_err(ort::Error::from)?
        .with_inter_threads(1)
        .map_err(ort::Error::from)?
        // Spinning idle threads steal the core that another pipeline (or the caller) needs next.
        .with_intra_op_spinning(false)
        .map_err(ort::Error::from)?
        .commit_from_file(&path)?;
    Ok(session)
}
