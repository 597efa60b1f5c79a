//! The second embedder: HSE's MobileNet identity feature ("faceres"), fused with dlib's descriptor.
//!
//! Alone it is far weaker than dlib's ResNet (rank-1 about 78% on LFW-dev against 95.5%), but it errs on
//! other faces: its input is the detector's box rather than a landmark-aligned chip, and it was trained on
//! other data (VGGFace2). Fused with a small weight it lifts rank-1 by about 1.5 points (docs/accuracy.md,
//! "What each lever bought").

use std::path::Path;

use image::RgbImage;
use ort::session::Session;
use ort::value::TensorRef;

use crate::embed::mean_direction;
use crate::geometry::BBox;
use crate::resample::resample_with;
use crate::runtime::load_session;
use crate::VisionError;

pub const FACERES_DIM: usize = 1024;

/// The VGG mean pixel (B, G, R) the network was trained with.
const MEAN_BGR: [f32; 3] = [103.939, 116.779, 123.68];

/// Margin added around the detector's box on each side, as a share of the box's width and height
/// (HSE's code adds 10 pixels to boxes of about 100).
const MARGIN: f64 = 0.1;

#[derive(Debug)]
pub struct FaceresEmbedder {
    session: Session,
    side: usize,
}

impl FaceresEmbedder {
    /// `side`: the square input in pixels. The network was trained at 224; it ends in a global average
    /// pool, so a smaller input runs faster at some cost in accuracy (docs/accuracy.md).
    pub fn load(models_dir: &Path, side: u32, intra_threads: usize) -> Result<Self, VisionError> {
        Ok(Self {
            session: load_session(models_dir, "faceres.onnx", intra_threads)?,
            side: side.max(32) as usize,
        })
    }

    /// One L2-normalised feature per box; with `flip`, the mean of the crop's and its mirror's.
    pub fn embed(
        &mut self,
        img: &RgbImage,
        boxes: &[BBox],
        flip: bool,
    ) -> Result<Vec<[f32; FACERES_DIM]>, VisionError> {
        if boxes.is_empty() {
            return Ok(Vec::new());
        }
        let side = self.side;
        let per = side * side * 3;
        let copies = if flip { 2 } else { 1 };
        let mut buf = vec![0f32; boxes.len() * copies * per];
        for (b, out) in boxes.iter().zip(buf.chunks_exact_mut(copies * per)) {
            let (x0, y0, x1, y1) = crop_rect(img, b);
            let (plain, mirror) = out.split_at_mut(per);
            resample_with(img, x0, y0, x1 - x0, y1 - y0, side, side, |ox, oy, px| {
                let i = (oy * side + ox) * 3;
                for c in 0..3 {
                    plain[i + c] = px[2 - c] - MEAN_BGR[c];
                }
                if flip {
                    let j = (oy * side + (side - 1 - ox)) * 3;
                    for c in 0..3 {
                        mirror[j + c] = px[2 - c] - MEAN_BGR[c];
                    }
                }
            });
        }
        let n = boxes.len() * copies;
        let input = TensorRef::from_array_view(([n, side, side, 3], &buf[..]))?;
        let outputs = self.session.run(ort::inputs![input])?;
        let (shape, data) = outputs["global_pooling/Mean:0"].try_extract_tensor::<f32>()?;
        if shape.len() != 2 || shape[0] as usize != n || shape[1] as usize != FACERES_DIM {
            return Err(VisionError::BadOutput(format!("faceres shape {shape:?}")));
        }
        Ok(data
            .chunks_exact(FACERES_DIM * copies)
            .map(mean_direction)
            .collect())
    }
}

/// The box plus its margin, clipped to the image (as HSE's code crops), at least one pixel wide.
fn crop_rect(img: &RgbImage, b: &BBox) -> (f64, f64, f64, f64) {
    let (w, h) = ((b.x2 - b.x1) as f64, (b.y2 - b.y1) as f64);
    let (iw, ih) = (img.width() as f64, img.height() as f64);
    let x0 = (b.x1 as f64 - MARGIN * w).clamp(0.0, iw - 1.0);
    let y0 = (b.y1 as f64 - MARGIN * h).clamp(0.0, ih - 1.0);
    let x1 = (b.x2 as f64 + MARGIN * w).clamp(x0 + 1.0, iw);
    let y1 = (b.y2 as f64 + MARGIN * h).clamp(y0 + 1.0, ih);
    (x0, y0, x1, y1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crop_rect_adds_the_margin_and_stays_inside_the_image() {
        let img = RgbImage::new(200, 100);
        let b = BBox {
            x1: 50.0,
            y1: 20.0,
            x2: 150.0,
            y2: 120.0,
            score: 1.0,
        };
        assert_eq!(crop_rect(&img, &b), (40.0, 10.0, 160.0, 100.0));
        let outside = BBox {
            x1: -30.0,
            y1: -30.0,
            x2: -10.0,
            y2: -10.0,
            score: 1.0,
        };
        let (x0, y0, x1, y1) = crop_rect(&img, &outside);
        assert!(x0 >= 0.0 && y0 >= 0.0 && x1 - x0 >= 1.0 && y1 - y0 >= 1.0);
    }
}
