//! Passive presentation-attack detection: is the face in front of the camera a live person, or a
//! printed photo or a screen held up to it?
//!
//! Minivision's Silent-Face pair (Apache-2.0): MiniFASNetV2 on a crop 2.7 times the face box and
//! MiniFASNetV1SE on a crop 4 times it, each resized to 80x80, fed as BGR floats 0-255 without
//! normalisation; each gives a softmax over (spoof, live, spoof), and the two are averaged: the score
//! is the mean probability of class 1 (live), 0 to 1. The crops are made exactly as Minivision's
//! `CropImage` makes them (the box scaled about its centre, shifted back inside the frame, corners
//! truncated to whole pixels) and resized as OpenCV's `resize` with `INTER_LINEAR` does.
//!
//! The models were trained on boxes from Minivision's RetinaFace detector, whose boxes are shaped
//! differently from MTCNN's. [`BoxMapping`] turns an MTCNN box into the box RetinaFace would have
//! drawn around the same face (calibrated on `pad-dev`; docs/liveness.md).

use std::path::Path;

use image::RgbImage;
use ort::session::Session;
use ort::value::TensorRef;

use crate::geometry::BBox;
use crate::resample::round_u8_f64;
use crate::runtime::load_session;
use crate::VisionError;

/// Side of the models' input, pixels.
pub const LIVENESS_SIZE: u32 = 80;

/// How a detector's box relates to the box the liveness models were trained on: the centre moves
/// by (`dx`, `dy`) times the box's width and height, and the size is multiplied by `sw` and `sh`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoxMapping {
    pub dx: f32,
    pub dy: f32,
    pub sw: f32,
    pub sh: f32,
}

impl BoxMapping {
    /// The detector's box as it is.
    pub const IDENTITY: BoxMapping = BoxMapping {
        dx: 0.0,
        dy: 0.0,
        sw: 1.0,
        sh: 1.0,
    };

    /// `[x, y, w, h]` of the mapped box.
    pub fn apply(&self, b: &BBox) -> [f32; 4] {
        let (w, h) = (b.width(), b.height());
        let (cx, cy) = (b.x1 + w / 2.0 + self.dx * w, b.y1 + h / 2.0 + self.dy * h);
        let (nw, nh) = (w * self.sw, h * self.sh);
        [cx - nw / 2.0, cy - nh / 2.0, nw, nh]
    }
}

/// Minivision's `CropImage._get_new_box`: the box scaled by `scale` about its centre (less when the
/// frame is too small for it), shifted back inside the frame; whole-pixel corners, both inclusive.
/// `scale` is a double as in Python: 2.7 as a single-precision float is 2.70000005, which moves
/// some corners by a pixel.
pub fn crop_box(src_w: u32, src_h: u32, bbox: [f32; 4], scale: f64) -> [u32; 4] {
    let [x, y, box_w, box_h] = bbox.map(f64::from);
    let (src_w, src_h) = (f64::from(src_w), f64::from(src_h));
    let scale = scale.min((src_w - 1.0) / box_w).min((src_h - 1.0) / box_h);
    let (new_w, new_h) = (box_w * scale, box_h * scale);
    let (cx, cy) = (box_w / 2.0 + x, box_h / 2.0 + y);
    let (mut lx, mut ly) = (cx - new_w / 2.0, cy - new_h / 2.0);
    let (mut rx, mut ry) = (cx + new_w / 2.0, cy + new_h / 2.0);
    if lx < 0.0 {
        rx -= lx;
        lx = 0.0;
    }
    if ly < 0.0 {
        ry -= ly;
        ly = 0.0;
    }
    if rx > src_w - 1.0 {
        lx -= rx - src_w + 1.0;
        rx = src_w - 1.0;
    }
    if ry > src_h - 1.0 {
        ly -= ry - src_h + 1.0;
        ry = src_h - 1.0;
    }
    // Python's int() truncates toward zero.
    [lx, ly, rx, ry].map(|v| v.trunc().max(0.0) as u32)
}

/// OpenCV's `resize(..., INTER_LINEAR)` of the inclusive region `[x0, y0, x1, y1]` of `img` to
/// `side` x `side`: pixel centres at half-pixels, edges clamped. Returns planar BGR floats.
fn resize_region_bgr(img: &RgbImage, region: [u32; 4], side: u32, out: &mut [f32]) {
    let [x0, y0, x1, y1] = region;
    let (w, h) = (
        (x1.min(img.width() - 1) + 1).saturating_sub(x0).max(1),
        (y1.min(img.height() - 1) + 1).saturating_sub(y0).max(1),
    );
    let (sx, sy) = (
        f64::from(w) / f64::from(side),
        f64::from(h) / f64::from(side),
    );
    let plane = (side * side) as usize;
    let raw = img.as_raw();
    let stride = img.width() as usize * 3;
    let axis = |d: u32, s: f64, len: u32| -> (u32, u32, f64) {
        let f = ((f64::from(d) + 0.5) * s - 0.5).max(0.0);
        let i = (f.floor() as u32).min(len - 1);
        (i, (i + 1).min(len - 1), f - f64::from(i))
    };
    for dy in 0..side {
        let (ya, yb, fy) = axis(dy, sy, h);
        for dx in 0..side {
            let (xa, xb, fx) = axis(dx, sx, w);
            let at = |x: u32, y: u32, c: usize| {
                f64::from(raw[(y0 + y) as usize * stride + (x0 + x) as usize * 3 + c])
            };
            let o = (dy * side + dx) as usize;
            for (plane_index, c) in [2usize, 1, 0].into_iter().enumerate() {
                let top = at(xa, ya, c) * (1.0 - fx) + at(xb, ya, c) * fx;
                let bottom = at(xa, yb, c) * (1.0 - fx) + at(xb, yb, c) * fx;
                // OpenCV rounds the 8-bit result; the models were trained on those bytes.
                out[plane_index * plane + o] =
                    f32::from(round_u8_f64(top * (1.0 - fy) + bottom * fy));
            }
        }
    }
}

/// The two Silent-Face models, loaded once.
#[derive(Debug)]
pub struct LivenessModels {
    /// (session, crop scale): MiniFASNetV2 at 2.7, MiniFASNetV1SE at 4.0.
    models: Vec<(Session, f64)>,
    mapping: BoxMapping,
}

impl LivenessModels {
    pub fn load(
        models_dir: &Path,
        mapping: BoxMapping,
        intra_threads: usize,
    ) -> Result<Self, VisionError> {
        Ok(Self {
            models: vec![
                (
                    load_session(models_dir, "minifasnet_v2.onnx", intra_threads)?,
                    2.7,
                ),
                (
                    load_session(models_dir, "minifasnet_v1se.onnx", intra_threads)?,
                    4.0,
                ),
            ],
            mapping,
        })
    }

    /// The live probability of the face in `bbox` (0 to 1): the two models' softmaxes averaged.
    pub fn score(&mut self, img: &RgbImage, bbox: &BBox) -> Result<f32, VisionError> {
        let mapped = self.mapping.apply(bbox);
        if !(mapped[2] > 1.0 && mapped[3] > 1.0) {
            return Ok(0.0);
        }
        let side = LIVENESS_SIZE as usize;
        let mut input = vec![0f32; 3 * side * side];
        let mut live = 0.0f32;
        for (session, scale) in &mut self.models {
            let region = crop_box(img.width(), img.height(), mapped, *scale);
            resize_region_bgr(img, region, LIVENESS_SIZE, &mut input);
            let tensor = TensorRef::from_array_view(([1usize, 3, side, side], &input[..]))?;
            let outputs = session.run(ort::inputs![tensor])?;
            let (shape, logits) = outputs["output"].try_extract_tensor::<f32>()?;
            if shape.len() != 2 || shape[1] != 3 {
                return Err(VisionError::BadOutput(format!(
                    "liveness output shape {shape:?}"
                )));
            }
            let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let exp: Vec<f32> = logits.iter().map(|l| (l - max).exp()).collect();
            live += exp[1] / exp.iter().sum::<f32>();
        }
        Ok(live / self.models.len() as f32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crop_boxes_match_minivisions_for_a_few_boxes() {
        // Values computed with Minivision's `CropImage._get_new_box` (src/generate_patches.py).
        // A face in the middle of a 640x480 frame, scale 2.7.
        assert_eq!(
            crop_box(640, 480, [270.0, 170.0, 100.0, 120.0], 2.7),
            [185, 68, 455, 392]
        );
        // Near the left edge: shifted right to stay inside.
        assert_eq!(
            crop_box(640, 480, [10.0, 170.0, 100.0, 120.0], 2.7),
            [0, 68, 270, 392]
        );
        // Too large for the frame at 4.0: the scale shrinks to what fits (479 / 120).
        assert_eq!(
            crop_box(640, 480, [270.0, 170.0, 100.0, 120.0], 4.0),
            [120, 0, 519, 479]
        );
        // Near the bottom-right corner: shifted up and left.
        assert_eq!(
            crop_box(640, 480, [560.0, 400.0, 60.0, 70.0], 2.7),
            [477, 290, 639, 479]
        );
        // A box with fractional corners, as a detector gives them.
        assert_eq!(
            crop_box(640, 480, [270.6, 170.3, 101.2, 119.9], 2.7),
            [184, 68, 457, 392]
        );
    }

    #[test]
    fn mapping_moves_and_scales_about_the_centre() {
        // Corners are inclusive: x1 100 to x2 199 is 100 pixels wide.
        let b = BBox {
            x1: 100.0,
            y1: 100.0,
            x2: 199.0,
            y2: 219.0,
            score: 1.0,
        };
        assert_eq!(BoxMapping::IDENTITY.apply(&b), [100.0, 100.0, 100.0, 120.0]);
        let m = BoxMapping {
            dx: 0.0,
            dy: 0.1,
            sw: 1.2,
            sh: 1.0,
        };
        let got = m.apply(&b);
        for (g, want) in got.iter().zip([90.0, 112.0, 120.0, 120.0]) {
            assert!((g - want).abs() < 1e-3, "{got:?}");
        }
    }

    #[test]
    fn resize_is_opencv_bilinear_with_half_pixel_centres() {
        // A 4x1 horizontal ramp 0, 100, 200, 300->255 halved to 2 pixels: centres at 0.5 and 2.5.
        let img = RgbImage::from_fn(4, 2, |x, _| {
            let v = [0u8, 100, 200, 250][x as usize];
            image::Rgb([v, v, v])
        });
        let mut out = vec![0f32; 3 * 2 * 2];
        resize_region_bgr(&img, [0, 0, 3, 1], 2, &mut out);
        assert_eq!(&out[..2], &[50.0, 225.0]);
    }
}
