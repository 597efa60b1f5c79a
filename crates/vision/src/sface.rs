//! The second embedder: SFace (OpenCV Zoo's `face_recognition_sface_2021dec`, a MobileFaceNet trained
//! with the sigmoid-constrained hypersphere loss; Apache-2.0), fused with dlib's descriptor.
//!
//! Preprocessing as OpenCV's `FaceRecognizerSF` does it: the five landmarks are mapped onto the
//! ArcFace 112x112 template by a least-squares similarity, the face is warped bilinearly with a black
//! border, and the crop goes in as RGB floats 0-255 with no mean and no scaling (feeding BGR costs
//! about a point of rank-1).

use std::path::Path;

use image::RgbImage;
use ort::session::Session;
use ort::value::TensorRef;

use crate::align::warp_to;
use crate::embed::{mean_direction, Weights};
use crate::runtime::load_session;
use crate::VisionError;

/// Length of SFace's feature.
pub const SFACE_DIM: usize = 128;

/// Side of SFace's input, pixels.
pub const SFACE_SIZE: u32 = 112;

/// Where the ArcFace family puts the five landmarks in a 112x112 crop: left eye, right eye, nose tip,
/// left and right mouth corner (the points OpenCV's `FaceRecognizerSF::alignCrop` uses).
pub const SFACE_TEMPLATE: [[f32; 2]; 5] = [
    [38.2946, 51.6963],
    [73.5318, 51.5014],
    [56.0252, 71.7366],
    [41.5493, 92.3655],
    [70.7299, 92.2041],
];

#[derive(Debug)]
pub struct SfaceEmbedder {
    session: Session,
}

/// The 112x112 crop SFace reads for a face with these landmarks.
pub fn sface_crop(img: &RgbImage, landmarks: &[[f32; 2]; 5]) -> RgbImage {
    sface_crop_scaled(img, landmarks, 1.0)
}

/// The crop with the template scaled by `scale` about the crop's centre (above 1: tighter).
pub fn sface_crop_scaled(img: &RgbImage, landmarks: &[[f32; 2]; 5], scale: f32) -> RgbImage {
    let c = SFACE_SIZE as f32 / 2.0;
    let template = SFACE_TEMPLATE.map(|p| [c + (p[0] - c) * scale, c + (p[1] - c) * scale]);
    warp_to(img, landmarks, &template, SFACE_SIZE)
}

impl SfaceEmbedder {
    /// `Weights::Int8` loads `sface_dense_int8.onnx`: the same convolutions, the last dense layer's
    /// weights in 8 bits (`tools/quantize_sface_dense.py`; about 1.2 ms less a face).
    pub fn load(
        models_dir: &Path,
        weights: Weights,
        intra_threads: usize,
    ) -> Result<Self, VisionError> {
        let file = match weights {
            Weights::Float => "sface.onnx",
            Weights::Int8 => "sface_dense_int8.onnx",
        };
        Ok(Self {
            session: load_session(models_dir, file, intra_threads)?,
        })
    }

    /// One L2-normalised feature per crop (from [`sface_crop`]); with `flip`, the mean direction of
    /// the crop's and its mirror image's.
    pub fn embed(
        &mut self,
        crops: &[RgbImage],
        flip: bool,
    ) -> Result<Vec<[f32; SFACE_DIM]>, VisionError> {
        if crops.is_empty() {
            return Ok(Vec::new());
        }
        let side = SFACE_SIZE as usize;
        let plane = side * side;
        let copies = if flip { 2 } else { 1 };
        let n = crops.len() * copies;
        let mut buf = vec![0f32; n * 3 * plane];
        for (crop, out) in crops.iter().zip(buf.chunks_exact_mut(copies * 3 * plane)) {
            assert_eq!(
                crop.dimensions(),
                (SFACE_SIZE, SFACE_SIZE),
                "crops come from sface_crop"
            );
            // Planar RGB (NCHW), values 0-255 as they are.
            let (plain, mirrored) = out.split_at_mut(3 * plane);
            for (i, px) in crop.as_raw().chunks_exact(3).enumerate() {
                for c in 0..3 {
                    plain[c * plane + i] = f32::from(px[c]);
                }
                if flip {
                    let (y, x) = (i / side, i % side);
                    let j = y * side + (side - 1 - x);
                    for c in 0..3 {
                        mirrored[c * plane + j] = f32::from(px[c]);
                    }
                }
            }
        }
        let input = TensorRef::from_array_view(([n, 3, side, side], &buf[..]))?;
        let outputs = self.session.run(ort::inputs![input])?;
        let (shape, data) = outputs["fc1"].try_extract_tensor::<f32>()?;
        if shape.len() != 2 || shape[0] as usize != n || shape[1] as usize != SFACE_DIM {
            return Err(VisionError::BadOutput(format!(
                "SFace output shape {shape:?}"
            )));
        }
        Ok(data
            .chunks_exact(SFACE_DIM * copies)
            .map(mean_direction)
            .collect())
    }
}
