use image::RgbImage;
use serde::Serialize;

use crate::geometry::BBox;

/// Signals for the enrolment gate; none of them decides anything by itself.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Quality {
    pub box_width: f32,
    pub box_height: f32,
    /// Pixels between the eye centres in the frame.
    pub inter_eye: f32,
    /// Variance of the Laplacian of the grey 150x150 chip: low means blurred.
    pub sharpness: f32,
    /// Nose offset from the eye midline, in eye distances: about 0 frontal, +-0.5 a strong turn.
    pub yaw: f32,
    /// Eye line angle in degrees.
    pub roll: f32,
    /// 1 for a frontal face, falling to 0 as yaw grows to 0.5 or roll to 45 degrees.
    pub frontal: f32,
    pub detector_score: f32,
}

impl Quality {
    pub fn measure(bbox: &BBox, lm: &[[f32; 2]; 5], chip: &RgbImage) -> Quality {
        let (le, re, nose) = (lm[0], lm[1], lm[2]);
        let (dx, dy) = (re[0] - le[0], re[1] - le[1]);
        let inter_eye = (dx * dx + dy * dy).sqrt();
        let roll = dy.atan2(dx).to_degrees();
        // Project the nose onto the eye line: its offset from the midpoint, along the line, is the turn.
        let mid = [(le[0] + re[0]) / 2.0, (le[1] + re[1]) / 2.0];
        let along = if inter_eye > 0.0 {
            ((nose[0] - mid[0]) * dx + (nose[1] - mid[1]) * dy) / (inter_eye * inter_eye)
        } else {
            0.0
        };
        let frontal = ((1.0 - along.abs() / 0.5).min(1.0 - roll.abs() / 45.0)).clamp(0.0, 1.0);
        Quality {
            box_width: bbox.width(),
            box_height: bbox.height(),
            inter_eye,
            sharpness: laplacian_variance(chip),
            yaw: along,
            roll,
            frontal,
            detector_score: bbox.score,
        }
    }
}

fn laplacian_variance(img: &RgbImage) -> f32 {
    let (w, h) = (img.width() as usize, img.height() as usize);
    if w < 3 || h < 3 {
        return 0.0;
    }
    let grey: Vec<f32> = img
        .pixels()
        .map(|p| 0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32)
        .collect();
    let mut sum = 0f64;
    let mut sum_sq = 0f64;
    let mut n = 0f64;
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let c = grey[y * w + x];
            let l = grey[y * w + x - 1]
                + grey[y * w + x + 1]
                + grey[(y - 1) * w + x]
                + grey[(y + 1) * w + x]
                - 4.0 * c;
            sum += l as f64;
            sum_sq += (l * l) as f64;
            n += 1.0;
        }
    }
    let mean = sum / n;
    (sum_sq / n - mean * mean) as f32
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    #[test]
    fn flat_image_has_no_sharpness_and_edges_do() {
        let flat = RgbImage::from_pixel(20, 20, Rgb([90, 90, 90]));
        assert_eq!(laplacian_variance(&flat), 0.0);
        let stripes = RgbImage::from_fn(20, 20, |x, _| {
            if x % 2 == 0 {
                Rgb([0, 0, 0])
            } else {
                Rgb([255, 255, 255])
            }
        });
        assert!(laplacian_variance(&stripes) > 1000.0);
    }

    #[test]
    fn pose_from_landmarks() {
        let bbox = BBox {
            x1: 0.,
            y1: 0.,
            x2: 99.,
            y2: 99.,
            score: 0.99,
        };
        let chip = RgbImage::new(150, 150);
        let frontal = [[30., 40.], [70., 40.], [50., 60.], [35., 80.], [65., 80.]];
        let q = Quality::measure(&bbox, &frontal, &chip);
        assert_eq!(q.inter_eye, 40.0);
        assert!(q.yaw.abs() < 1e-6 && q.roll.abs() < 1e-6 && q.frontal == 1.0);
        let turned = [[30., 40.], [70., 40.], [66., 60.], [35., 80.], [65., 80.]];
        let q = Quality::measure(&bbox, &turned, &chip);
        assert!((q.yaw - 0.4).abs() < 1e-5 && q.frontal < 0.25, "{q:?}");
    }
}
