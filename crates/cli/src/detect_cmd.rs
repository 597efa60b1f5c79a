use std::path::PathBuf;

use anyhow::Context;
use rollcall_server::Config;
use rollcall_vision::{decode_image, Pipeline};

#[derive(Debug, clap::Args)]
pub struct DetectArgs {
    /// Image files.
    #[arg(required = true)]
    images: Vec<PathBuf>,
    /// Smallest face side in pixels (default: the configuration's).
    #[arg(long)]
    min_face: Option<f32>,
    /// Configuration file (default: config/rollcall.toml when it exists): the pipeline, liveness
    /// and decoding limits the server uses.
    #[arg(long)]
    config: Option<PathBuf>,
}

pub fn run(args: &DetectArgs) -> anyhow::Result<()> {
    let server = Config::load(args.config.as_deref())?;
    let mut config = server.pipeline();
    if let Some(m) = args.min_face {
        config.detector.min_face = m;
    }
    let mut pipeline = Pipeline::load(&config)?;
    for path in &args.images {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let img = decode_image(&bytes, &server.decode_limits())
            .with_context(|| format!("decoding {}", path.display()))?;
        for face in pipeline.analyze(&img)? {
            let line = serde_json::json!({
                "image": path.display().to_string(),
                "box": face.box_xywh(),
                "score": face.bbox.score,
                "landmarks": face.landmarks,
                "quality": face.quality,
                "liveness": face.liveness,
            });
            println!("{line}");
        }
    }
    Ok(())
}
