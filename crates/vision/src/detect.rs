//! The MTCNN cascade (P-Net proposals over an image pyramid, R-Net refinement, O-Net boxes and five
//! landmarks), following the reference implementation of ipazc/mtcnn whose weights the models carry;
//! or, cheaper, YuNet's proposals on a reduced frame (`crate::yunet`) for the same O-Net.

use std::path::Path;

use image::RgbImage;
use ort::session::Session;
use ort::value::TensorRef;

use crate::geometry::{nms, BBox, NmsMethod};
use crate::resample::{normalized_transposed, resample_region, resize_rgb};
use crate::runtime::load_session;
use crate::yunet::{network_size, Yunet};
use crate::VisionError;

/// Where O-Net's candidate boxes come from. O-Net draws every final box and landmark either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proposals {
    /// MTCNN's own P-Net over an image pyramid down to `min_face`, then R-Net.
    Pyramid,
    /// YuNet on the frame resized so that its longer side is at most `max_side` pixels.
    Yunet { max_side: u32 },
}

#[derive(Debug, Clone)]
pub struct DetectorConfig {
    /// Smallest face side, in pixels, the pyramid looks for; larger values are faster. The default, 40,
    /// is about the smallest face dlib's HOG detector finds with one upsampling (the peer we compare
    /// with); a kiosk camera sees entering faces far larger.
    pub min_face: f32,
    pub scale_factor: f32,
    pub thresholds: [f32; 3],
    /// Run O-Net a second time on the square around its own final box, and take the landmarks from
    /// that better-centred crop. Off by default: on LFW-dev it changed rank-1 by -0.04 points and FNIR
    /// at FPIR 1% by -0.3 points, within noise, for one more O-Net run per face.
    pub refine_landmarks: bool,
    pub proposals: Proposals,
}

impl Default for DetectorConfig {
    fn default() -> Self {
        Self {
            min_face: 40.0,
            scale_factor: 0.709,
            thresholds: [0.6, 0.7, 0.7],
            refine_landmarks: false,
            proposals: Proposals::Yunet { max_side: 320 },
        }
    }
}

/// A detected face before alignment: box and the five landmarks (eye centres, nose tip, mouth corners,
/// image-left first).
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    pub bbox: BBox,
    pub landmarks: [[f32; 2]; 5],
}

#[derive(Debug)]
pub struct MtcnnDetector {
    pnet: Session,
    rnet: Session,
    onet: Session,
    /// Loaded when the configuration asks for YuNet's proposals.
    yunet: Option<Yunet>,
    pub config: DetectorConfig,
}

/// The frame and its pyramid levels (largest first). A box is cropped from the smallest level in which
/// it is still at least as large as the crop, so the area filter reads about `size^2` pixels per box
/// rather than the box's full-resolution area.
struct Sources<'a> {
    full: &'a RgbImage,
    levels: &'a [RgbImage],
}

impl Sources<'_> {
    fn level_for(&self, side: f64, size: usize) -> (&RgbImage, f64, f64) {
        let (w, h) = (self.full.width() as f64, self.full.height() as f64);
        self.levels
            .iter()
            .rev()
            .map(|l| (l, l.width() as f64 / w, l.height() as f64 / h))
            .find(|(_, sx, sy)| side * sx.min(*sy) >= size as f64 && *sx <= 1.0 && *sy <= 1.0)
            .unwrap_or((self.full, 1.0, 1.0))
    }
}

const PNET_CELL: f32 = 12.0;
const PNET_STRIDE: f32 = 2.0;

impl MtcnnDetector {
    pub fn load(
        models_dir: &Path,
        config: DetectorConfig,
        intra_threads: usize,
    ) -> Result<Self, VisionError> {
        Ok(Self {
            pnet: load_session(models_dir, "mtcnn_pnet.onnx", intra_threads)?,
            rnet: load_session(models_dir, "mtcnn_rnet.onnx", intra_threads)?,
            onet: load_session(models_dir, "mtcnn_onet.onnx", intra_threads)?,
            yunet: match config.proposals {
                Proposals::Yunet { .. } => Some(Yunet::load(models_dir, intra_threads)?),
                Proposals::Pyramid => None,
            },
            config,
        })
    }

    fn scales(&self, width: u32, height: u32) -> Vec<f32> {
        let m = PNET_CELL / self.config.min_face;
        let mut min_layer = width.min(height) as f32 * m;
        let mut scales = Vec::new();
        let mut scale = m;
        while min_layer >= PNET_CELL {
            scales.push(scale);
            scale *= self.config.scale_factor;
            min_layer *= self.config.scale_factor;
        }
        scales
    }

    pub fn detect(&mut self, img: &RgbImage) -> Result<Vec<Detection>, VisionError> {
        let mut levels = Vec::new();
        let boxes = match self.config.proposals {
            Proposals::Pyramid => {
                let boxes = self.stage1(img, &mut levels)?;
                if boxes.is_empty() {
                    return Ok(Vec::new());
                }
                let src = Sources {
                    full: img,
                    levels: &levels,
                };
                self.stage2(&src, &boxes)?
            }
            Proposals::Yunet { max_side } => self.yunet_proposals(img, max_side, &mut levels)?,
        };
        if boxes.is_empty() {
            return Ok(Vec::new());
        }
        let src = Sources {
            full: img,
            levels: &levels,
        };
        let found = self.stage3(&src, &boxes)?;
        if !self.config.refine_landmarks || found.is_empty() {
            return Ok(found);
        }
        let squares: Vec<BBox> = found.iter().map(|d| d.bbox.squared()).collect();
        let refined = self.onet_pass(&src, &squares)?;
        Ok(found
            .into_iter()
            .zip(refined)
            .map(|(d, (_, landmarks, _))| Detection {
                bbox: d.bbox,
                landmarks,
            })
            .collect())
    }

    /// O-Net on each box: (score, landmarks in frame coordinates, box regression).
    #[allow(clippy::type_complexity)]
    fn onet_pass(
        &mut self,
        src: &Sources,
        boxes: &[BBox],
    ) -> Result<Vec<(f32, [[f32; 2]; 5], [f32; 4])>, VisionError> {
        let boxes: Vec<BBox> = boxes.iter().map(BBox::truncated).collect();
        let buf = Self::crops(src, &boxes, 48);
        let input = TensorRef::from_array_view(([boxes.len(), 48, 48, 3], &buf[..]))?;
        let outputs = self.onet.run(ort::inputs![input])?;
        let (_, reg) = outputs["dense_5"].try_extract_tensor::<f32>()?;
        let (_, pts) = outputs["dense_6"].try_extract_tensor::<f32>()?;
        let (_, prob) = outputs["softmax_2"].try_extract_tensor::<f32>()?;
        Ok(boxes
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let (w, h) = (b.width(), b.height());
                let p = &pts[i * 10..i * 10 + 10];
                let mut landmarks = [[0f32; 2]; 5];
                for (k, lm) in landmarks.iter_mut().enumerate() {
                    *lm = [w * p[k] + b.x1 - 1.0, h * p[k + 5] + b.y1 - 1.0];
                }
                (
                    prob[i * 2 + 1],
                    landmarks,
                    [reg[i * 4], reg[i * 4 + 1], reg[i * 4 + 2], reg[i * 4 + 3]],
                )
            })
            .collect())
    }

    fn stage1(
        &mut self,
        img: &RgbImage,
        levels: &mut Vec<RgbImage>,
    ) -> Result<Vec<BBox>, VisionError> {
        let (w, h) = img.dimensions();
        let mut all = Vec::new();
        let mut buf = Vec::new();
        for scale in self.scales(w, h) {
            let sw = (w as f32 * scale).ceil() as usize;
            let sh = (h as f32 * scale).ceil() as usize;
            // Each level is made from the previous one: the cost follows the (shrinking) level sizes.
            let next = resize_rgb(levels.last().unwrap_or(img), sw, sh);
            normalized_transposed(&next, &mut buf);
            levels.push(next);
            let input = TensorRef::from_array_view(([1usize, sw, sh, 3], &buf[..]))?;
            let outputs = self.pnet.run(ort::inputs![input])?;
            let (reg_shape, reg) = outputs["conv2d_4"].try_extract_tensor::<f32>()?;
            let (_, prob) = outputs["softmax"].try_extract_tensor::<f32>()?;
            // Output layout follows the transposed input: [1, W', H', C].
            let (ow, oh) = (reg_shape[1] as usize, reg_shape[2] as usize);
            let mut level = Vec::new();
            let mut regs = Vec::new();
            for col in 0..ow {
                for row in 0..oh {
                    let cell = col * oh + row;
                    let score = prob[cell * 2 + 1];
                    if score < self.config.thresholds[0] {
                        continue;
                    }
                    let (c, r) = (col as f32, row as f32);
                    level.push(BBox {
                        x1: ((PNET_STRIDE * c + 1.0) / scale).trunc(),
                        y1: ((PNET_STRIDE * r + 1.0) / scale).trunc(),
                        x2: ((PNET_STRIDE * c + PNET_CELL) / scale).trunc(),
                        y2: ((PNET_STRIDE * r + PNET_CELL) / scale).trunc(),
                        score,
                    });
                    regs.push([
                        reg[cell * 4],
                        reg[cell * 4 + 1],
                        reg[cell * 4 + 2],
                        reg[cell * 4 + 3],
                    ]);
                }
            }
            for i in nms(&level, 0.5, NmsMethod::Union) {
                all.push((level[i], regs[i]));
            }
        }
        let boxes: Vec<BBox> = all.iter().map(|(b, _)| *b).collect();
        let out = nms(&boxes, 0.7, NmsMethod::Union)
            .into_iter()
            .map(|i| {
                let (b, r) = all[i];
                // P-Net's regression uses the box size without the +1 of the later stages.
                let (bw, bh) = (b.x2 - b.x1, b.y2 - b.y1);
                BBox {
                    x1: b.x1 + r[0] * bw,
                    y1: b.y1 + r[1] * bh,
                    x2: b.x2 + r[2] * bw,
                    y2: b.y2 + r[3] * bh,
                    score: b.score,
                }
                .squared()
                .truncated()
            })
            .collect();
        Ok(out)
    }

    /// YuNet's faces on the reduced frame (kept in `levels`, where O-Net's crops of large faces are
    /// read from), squared as R-Net's boxes are before O-Net. A face is proposed when its longer
    /// side reaches `min_face`, the smallest face the pyramid looks for.
    fn yunet_proposals(
        &mut self,
        img: &RgbImage,
        max_side: u32,
        levels: &mut Vec<RgbImage>,
    ) -> Result<Vec<BBox>, VisionError> {
        let Some(yunet) = self.yunet.as_mut() else {
            return Err(VisionError::ModelMissing {
                path: crate::yunet::YUNET_FILE.into(),
            });
        };
        let (w, h, to_frame) = network_size(img.width(), img.height(), max_side);
        let faces = if to_frame == 1.0 {
            yunet.detect(img, self.config.thresholds[0], 1.0)?
        } else {
            let small = resize_rgb(img, w, h);
            let faces = yunet.detect(&small, self.config.thresholds[0], to_frame)?;
            levels.push(small);
            faces
        };
        Ok(faces
            .into_iter()
            .map(|f| f.bbox)
            .filter(|b| b.width().max(b.height()) >= self.config.min_face)
            .map(|b| b.squared())
            .collect())
    }

    /// Crops each box (inclusive corners; pixels outside the frame are black) to `size x size`.
    fn crops(src: &Sources, boxes: &[BBox], size: usize) -> Vec<f32> {
        let per = size * size * 3;
        let mut buf = vec![0f32; boxes.len() * per];
        for (b, out) in boxes.iter().zip(buf.chunks_exact_mut(per)) {
            let bw = (b.x2 - b.x1 + 1.0).max(1.0).trunc() as f64;
            let bh = (b.y2 - b.y1 + 1.0).max(1.0).trunc() as f64;
            let (x0, y0) = ((b.x1.trunc() - 1.0) as f64, (b.y1.trunc() - 1.0) as f64);
            let (level, sx, sy) = src.level_for(bw.max(bh), size);
            resample_region(
                level,
                x0 * sx,
                y0 * sy,
                bw * sx,
                bh * sy,
                size,
                size,
                true,
                out,
            );
        }
        buf
    }

    fn stage2(&mut self, src: &Sources, boxes: &[BBox]) -> Result<Vec<BBox>, VisionError> {
        let buf = Self::crops(src, boxes, 24);
        let input = TensorRef::from_array_view(([boxes.len(), 24, 24, 3], &buf[..]))?;
        let outputs = self.rnet.run(ort::inputs![input])?;
        let (_, reg) = outputs["dense_2"].try_extract_tensor::<f32>()?;
        let (_, prob) = outputs["softmax_1"].try_extract_tensor::<f32>()?;
        let mut kept = Vec::new();
        let mut regs = Vec::new();
        for (i, b) in boxes.iter().enumerate() {
            let score = prob[i * 2 + 1];
            if score > self.config.thresholds[1] {
                kept.push(BBox { score, ..*b });
                regs.push([reg[i * 4], reg[i * 4 + 1], reg[i * 4 + 2], reg[i * 4 + 3]]);
            }
        }
        Ok(nms(&kept, 0.7, NmsMethod::Union)
            .into_iter()
            .map(|i| kept[i].regress(regs[i]).squared())
            .collect())
    }

    fn stage3(&mut self, src: &Sources, boxes: &[BBox]) -> Result<Vec<Detection>, VisionError> {
        let boxes: Vec<BBox> = boxes.iter().map(BBox::truncated).collect();
        let mut found = Vec::new();
        for (b, (score, landmarks, reg)) in boxes.iter().zip(self.onet_pass(src, &boxes)?) {
            if score > self.config.thresholds[2] {
                found.push(Detection {
                    bbox: BBox { score, ..*b }.regress(reg),
                    landmarks,
                });
            }
        }
        let regressed: Vec<BBox> = found.iter().map(|d| d.bbox).collect();
        Ok(nms(&regressed, 0.7, NmsMethod::Min)
            .into_iter()
            .map(|i| found[i].clone())
            .collect())
    }
}
