use std::path::Path;

use image::RgbImage;
use ort::session::Session;
use ort::value::TensorRef;

use crate::align::CHIP_SIZE;
use crate::runtime::load_session;
use crate::VisionError;

/// Length of dlib's descriptor.
pub const DLIB_DIM: usize = 128;

/// dlib's face-recognition ResNet on aligned 150x150 chips, giving L2-normalised 128-d embeddings.
#[derive(Debug)]
pub struct Embedder {
    session: Session,
}

pub fn l2_normalize(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
}

/// Which of the ResNet's two builds runs: the float model, or the same model with 7-bit weights
/// (per output channel, stored as int8) and uint8 activations, quantised by
/// `tools/quantize_dlib.py`. ONNX Runtime's integer convolutions run the int8 build about twice as
/// fast on x86; its descriptors agree with the float model's to a cosine of 0.995 and above, and
/// are the same bits on every x86-64 instruction set (the 7-bit weights cannot saturate AVX2's
/// 16-bit pair sums), so templates made with one build or on one server are searched with the
/// other without a rebuild (scores move by a few thousandths).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weights {
    Float,
    Int8,
}

impl Weights {
    /// `Int8` when `int8` is set, else `Float` (the configuration's switches).
    pub fn from_int8(int8: bool) -> Self {
        if int8 {
            Weights::Int8
        } else {
            Weights::Float
        }
    }

    fn file(self) -> &'static str {
        match self {
            Weights::Float => "dlib_resnet128.onnx",
            Weights::Int8 => "dlib_resnet128_int8.onnx",
        }
    }
}

impl Embedder {
    pub fn load(
        models_dir: &Path,
        weights: Weights,
        intra_threads: usize,
    ) -> Result<Self, VisionError> {
        Ok(Self {
            session: load_session(models_dir, weights.file(), intra_threads)?,
        })
    }

    /// One unit descriptor per chip; with `flip`, the mean direction of the chip's and its mirror
    /// image's, which evens out pose and lighting asymmetry (and doubles the work).
    pub fn embed(
        &mut self,
        chips: &[RgbImage],
        flip: bool,
    ) -> Result<Vec<[f32; DLIB_DIM]>, VisionError> {
        if chips.is_empty() {
            return Ok(Vec::new());
        }
        let side = CHIP_SIZE as usize;
        let per = side * side * 3;
        let copies = if flip { 2 } else { 1 };
        let mut buf = Vec::with_capacity(chips.len() * copies * per);
        for chip in chips {
            assert_eq!(
                chip.dimensions(),
                (CHIP_SIZE, CHIP_SIZE),
                "chips come from align_chip"
            );
            buf.extend(chip.as_raw().iter().map(|&v| v as f32));
            if flip {
                for row in chip.as_raw().chunks_exact(side * 3) {
                    for px in row.chunks_exact(3).rev() {
                        buf.extend(px.iter().map(|&v| v as f32));
                    }
                }
            }
        }
        let n = chips.len() * copies;
        let input = TensorRef::from_array_view(([n, side, side, 3], &buf[..]))?;
        let outputs = self.session.run(ort::inputs![input])?;
        let (shape, data) = outputs["descriptor"].try_extract_tensor::<f32>()?;
        if shape.len() != 2 || shape[0] as usize != n || shape[1] as usize != DLIB_DIM {
            return Err(VisionError::BadOutput(format!(
                "descriptor shape {shape:?}"
            )));
        }
        Ok(data
            .chunks_exact(DLIB_DIM * copies)
            .map(mean_direction)
            .collect())
    }
}

/// The unit vector along the mean of the unit vectors in `group` (`D` floats each): one embedding for
/// a face from its copies (mirror image, other scales), each copy weighing the same.
pub(crate) fn mean_direction<const D: usize>(group: &[f32]) -> [f32; D] {
    let mut e = [0f32; D];
    for one in group.chunks_exact(D) {
        let mut v = [0f32; D];
        v.copy_from_slice(one);
        l2_normalize(&mut v);
        e.iter_mut().zip(v).for_each(|(a, b)| *a += b);
    }
    l2_normalize(&mut e);
    e
}
