use std::path::PathBuf;

use anyhow::Context;
use rollcall_vision::{decode_image, DecodeLimits, Pipeline, PipelineConfig};

#[derive(Debug, clap::Args)]
pub struct DetectArgs {
    /// Image files.
    #[arg(required = true)]
    images: Vec<PathBuf>,
    /// Smallest face side in pixels.
    #[arg(long, default_value_t = rollcall_vision::DetectorConfig::default().min_face)]
    min_face: f32,
}

pub fn run(args: &DetectArgs) -> anyhow::Result<()> {
    let mut config = PipelineConfig::default();
    config.detector.min_face = args.min_face;
    let mut pipeline = Pipeline::load(&config)?;
    for path in &args.images {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let img = decode_image(&bytes, &DecodeLimits::default())
            .with_context(|| format!("decoding {}", path.display()))?;
        for face in pipeline.analyze(&img)? {
            let line = serde_json::json!({
                "image": path.display().to_string(),
                "box": face.box_xywh(),
                "score": face.bbox.score,
                "landmarks": face.landmarks,
                "quality": face.quality,
            });
            println!("{line}");
        }
    }
    Ok(())
}
