//! YuNet (OpenCV Zoo, `face_detection_yunet_2023mar`, MIT) as the proposal stage of the kiosk's
//! detector: one small convolutional network over the whole frame at a reduced size, instead of
//! MTCNN's P-Net over an image pyramid and R-Net on every proposal. Its boxes go to MTCNN's O-Net,
//! which draws the final box and the five landmarks at full resolution, so alignment and the
//! liveness crop see the boxes and landmarks they were calibrated on.
//!
//! Pre- and post-processing follow OpenCV's `FaceDetectorYN` (`modules/objdetect/src/face_detect.cpp`):
//! BGR floats 0-255, the image padded at the right and bottom to a multiple of 32; for each stride
//! (8, 16, 32) and cell, score = sqrt(cls * obj), centre = (cell + offset) * stride, size =
//! exp(log-size) * stride.

use std::path::Path;

use image::RgbImage;
use ort::session::Session;
use ort::value::TensorRef;

use crate::geometry::{nms, BBox, NmsMethod};
use crate::runtime::load_session;
use crate::VisionError;

/// The model file under `models/` (input made size-agnostic by `tools/build_yunet.py`).
pub const YUNET_FILE: &str = "yunet.onnx";

const STRIDES: [usize; 3] = [8, 16, 32];
/// The network's input sides must be multiples of its coarsest stride.
const ALIGN: usize = 32;
/// OpenCV's default overlap for YuNet's own non-maximum suppression.
const NMS_IOU: f32 = 0.3;

/// A YuNet face in frame coordinates: box and five landmarks (eyes, nose tip, mouth corners,
/// image-left first, as MTCNN's).
#[derive(Debug, Clone, PartialEq)]
pub struct YunetFace {
    pub bbox: BBox,
    pub landmarks: [[f32; 2]; 5],
}

#[derive(Debug)]
pub struct Yunet {
    session: Session,
}

/// The size the frame is resized to before the network sees it: the longer side at most
/// `max_side`, aspect kept, never enlarged. Returns (width, height, factor from network pixels to
/// frame pixels).
pub fn network_size(width: u32, height: u32, max_side: u32) -> (usize, usize, f32) {
    let longer = width.max(height).max(1);
    if longer <= max_side {
        return (width as usize, height as usize, 1.0);
    }
    let k = max_side as f64 / longer as f64;
    let w = ((width as f64 * k).round() as usize).max(1);
    let h = ((height as f64 * k).round() as usize).max(1);
    (w, h, width as f32 / w as f32)
}

/// `v` rounded up to a multiple of the network's coarsest stride.
fn padded(v: usize) -> usize {
    v.div_ceil(ALIGN) * ALIGN
}

impl Yunet {
    pub fn load(models_dir: &Path, intra_threads: usize) -> Result<Self, VisionError> {
        Ok(Self {
            session: load_session(models_dir, YUNET_FILE, intra_threads)?,
        })
    }

    /// Faces scoring at least `min_score` in `img` (already at the network's size), with coordinates
    /// multiplied by `to_frame` to bring them back to the frame's pixels; best score first.
    pub fn detect(
        &mut self,
        img: &RgbImage,
        min_score: f32,
        to_frame: f32,
    ) -> Result<Vec<YunetFace>, VisionError> {
        let (w, h) = (img.width() as usize, img.height() as usize);
        let (pw, ph) = (padded(w), padded(h));
        // Planar BGR, zeros in the padding (OpenCV pads with a constant 0 border).
        let mut buf = vec![0f32; 3 * pw * ph];
        let plane = pw * ph;
        for (i, px) in img.as_raw().chunks_exact(3).enumerate() {
            let at = (i / w) * pw + i % w;
            buf[at] = f32::from(px[2]);
            buf[plane + at] = f32::from(px[1]);
            buf[2 * plane + at] = f32::from(px[0]);
        }
        let input = TensorRef::from_array_view(([1usize, 3, ph, pw], &buf[..]))?;
        let outputs = self.session.run(ort::inputs!["input" => input])?;
        let mut faces = Vec::new();
        for stride in STRIDES {
            let (_, cls) = outputs[format!("cls_{stride}").as_str()].try_extract_tensor::<f32>()?;
            let (_, obj) = outputs[format!("obj_{stride}").as_str()].try_extract_tensor::<f32>()?;
            let (_, bbox) =
                outputs[format!("bbox_{stride}").as_str()].try_extract_tensor::<f32>()?;
            let (_, kps) = outputs[format!("kps_{stride}").as_str()].try_extract_tensor::<f32>()?;
            let cols = pw / stride;
            let cells = cols * (ph / stride);
            if cls.len() != cells || bbox.len() != 4 * cells || kps.len() != 10 * cells {
                return Err(VisionError::BadOutput(format!(
                    "YuNet stride {stride}: {} cells for a {pw}x{ph} input",
                    cls.len()
                )));
            }
            let s = stride as f32;
            for idx in 0..cells {
                let score = (cls[idx].clamp(0.0, 1.0) * obj[idx].clamp(0.0, 1.0)).sqrt();
                if score < min_score {
                    continue;
                }
                let (c, r) = ((idx % cols) as f32, (idx / cols) as f32);
                let b = &bbox[idx * 4..idx * 4 + 4];
                let (cx, cy) = ((c + b[0]) * s, (r + b[1]) * s);
                let (bw, bh) = (b[2].exp() * s, b[3].exp() * s);
                let k = &kps[idx * 10..idx * 10 + 10];
                let mut landmarks = [[0f32; 2]; 5];
                for (n, lm) in landmarks.iter_mut().enumerate() {
                    *lm = [
                        (k[2 * n] + c) * s * to_frame,
                        (k[2 * n + 1] + r) * s * to_frame,
                    ];
                }
                faces.push(YunetFace {
                    // Inclusive corners, as the rest of the detector counts them.
                    bbox: BBox {
                        x1: (cx - bw / 2.0) * to_frame,
                        y1: (cy - bh / 2.0) * to_frame,
                        x2: (cx + bw / 2.0) * to_frame - 1.0,
                        y2: (cy + bh / 2.0) * to_frame - 1.0,
                        score,
                    },
                    landmarks,
                });
            }
        }
        let boxes: Vec<BBox> = faces.iter().map(|f| f.bbox).collect();
        Ok(nms(&boxes, NMS_IOU, NmsMethod::Union)
            .into_iter()
            .map(|i| faces[i].clone())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kiosk_frame_is_halved_and_a_small_photo_left_alone() {
        assert_eq!(network_size(640, 480, 320), (320, 240, 2.0));
        assert_eq!(network_size(250, 250, 320), (250, 250, 1.0));
        assert_eq!(network_size(480, 640, 320), (240, 320, 2.0));
        let (w, h, k) = network_size(1000, 333, 320);
        assert_eq!((w, h), (320, 107));
        assert!((k - 3.125).abs() < 1e-6);
    }

    #[test]
    fn inputs_are_padded_to_the_coarsest_stride() {
        assert_eq!(padded(240), 256);
        assert_eq!(padded(256), 256);
        assert_eq!(padded(1), 32);
    }
}
