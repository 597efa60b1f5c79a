//! Face alignment: a similarity transform (rotation, uniform scale, translation) fitted by least squares
//! (Umeyama) from the five MTCNN landmarks to where dlib's own chips put those points, then a bilinear
//! warp into a 150x150 chip. The embedder was trained on dlib chips, so matching that geometry matters
//! more than anything else for accuracy.

use image::{Rgb, RgbImage};

use crate::resample::{floor_i64, round_u8_f64};

pub const CHIP_SIZE: u32 = 150;

/// Median positions of MTCNN's five points inside 150x150 `dlib.get_face_chip(img, shape, 150, 0.25)`
/// chips, measured on 297 LFW faces: left eye, right eye, nose tip, left and right mouth corner.
/// `tools/measure_template.py` re-measured them for this detector on 693 LFW-dev faces and found points
/// about 1.5 px right and 2 px lower; aligning to those lost 1.1 points of rank-1 (docs/accuracy.md),
/// so these stay.
pub const CHIP_TEMPLATE: [[f32; 2]; 5] = [
    [46.0, 44.0],
    [101.0, 44.0],
    [73.0, 77.0],
    [50.0, 104.0],
    [97.0, 105.0],
];

/// `p -> [a -b; b a] p + t`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Similarity {
    pub a: f64,
    pub b: f64,
    pub tx: f64,
    pub ty: f64,
}

impl Similarity {
    pub fn apply(&self, p: [f64; 2]) -> [f64; 2] {
        [
            self.a * p[0] - self.b * p[1] + self.tx,
            self.b * p[0] + self.a * p[1] + self.ty,
        ]
    }

    pub fn inverse(&self) -> Similarity {
        let d = self.a * self.a + self.b * self.b;
        let (a, b) = (self.a / d, -self.b / d);
        Similarity {
            a,
            b,
            tx: -(a * self.tx - b * self.ty),
            ty: -(b * self.tx + a * self.ty),
        }
    }

    pub fn scale(&self) -> f64 {
        (self.a * self.a + self.b * self.b).sqrt()
    }
}

/// Least-squares similarity mapping `src` onto `dst` (Umeyama 1991, 2-D closed form).
pub fn similarity_transform(src: &[[f32; 2]], dst: &[[f32; 2]]) -> Similarity {
    assert_eq!(src.len(), dst.len());
    let n = src.len() as f64;
    let mean = |pts: &[[f32; 2]]| {
        let (sx, sy) = pts
            .iter()
            .fold((0.0, 0.0), |(x, y), p| (x + p[0] as f64, y + p[1] as f64));
        (sx / n, sy / n)
    };
    let (sxm, sym) = mean(src);
    let (dxm, dym) = mean(dst);
    // With centred points, the optimal [a -b; b a] solves a = sum(x.u + y.v)/|src|^2, b = sum(x.v - y.u)/|src|^2.
    let (mut num_a, mut num_b, mut den) = (0.0, 0.0, 0.0);
    for (s, d) in src.iter().zip(dst) {
        let (x, y) = (s[0] as f64 - sxm, s[1] as f64 - sym);
        let (u, v) = (d[0] as f64 - dxm, d[1] as f64 - dym);
        num_a += x * u + y * v;
        num_b += x * v - y * u;
        den += x * x + y * y;
    }
    if den == 0.0 {
        return Similarity {
            a: 1.0,
            b: 0.0,
            tx: dxm - sxm,
            ty: dym - sym,
        };
    }
    let (a, b) = (num_a / den, num_b / den);
    Similarity {
        a,
        b,
        tx: dxm - (a * sxm - b * sym),
        ty: dym - (b * sxm + a * sym),
    }
}

/// Warps the face into a `CHIP_SIZE` square chip with bilinear sampling (black outside the frame).
pub fn align_chip(img: &RgbImage, landmarks: &[[f32; 2]; 5]) -> RgbImage {
    align_chip_scaled(img, landmarks, 1.0)
}

/// The chip with the template scaled by `scale` about the chip centre: above 1 the face fills more
/// of the chip (a tighter crop), below 1 it shows more of the head.
pub fn align_chip_scaled(img: &RgbImage, landmarks: &[[f32; 2]; 5], scale: f32) -> RgbImage {
    let c = CHIP_SIZE as f32 / 2.0;
    let template = CHIP_TEMPLATE.map(|p| [c + (p[0] - c) * scale, c + (p[1] - c) * scale]);
    warp_to(img, landmarks, &template, CHIP_SIZE)
}

/// Warps the face so that its five `landmarks` land on `template` in a `size` x `size` image:
/// least-squares similarity, bilinear sampling, black outside the frame (as OpenCV's `warpAffine`
/// with a constant border does, pixel centres at integer coordinates).
pub fn warp_to(
    img: &RgbImage,
    landmarks: &[[f32; 2]; 5],
    template: &[[f32; 2]; 5],
    size: u32,
) -> RgbImage {
    let inv = similarity_transform(landmarks, template).inverse();
    let (w, h) = (img.width() as i64, img.height() as i64);
    let raw = img.as_raw();
    let px = |x: i64, y: i64| -> [f64; 3] {
        if x < 0 || y < 0 || x >= w || y >= h {
            return [0.0; 3];
        }
        let i = ((y * w + x) * 3) as usize;
        [raw[i] as f64, raw[i + 1] as f64, raw[i + 2] as f64]
    };
    RgbImage::from_fn(size, size, |u, v| {
        let [sx, sy] = inv.apply([u as f64, v as f64]);
        let (x0, y0) = (floor_i64(sx), floor_i64(sy));
        let (fx, fy) = (sx - x0 as f64, sy - y0 as f64);
        let (p00, p10, p01, p11) = (
            px(x0, y0),
            px(x0 + 1, y0),
            px(x0, y0 + 1),
            px(x0 + 1, y0 + 1),
        );
        let mut out = [0u8; 3];
        for c in 0..3 {
            let top = p00[c] * (1.0 - fx) + p10[c] * fx;
            let bottom = p01[c] * (1.0 - fx) + p11[c] * fx;
            out[c] = round_u8_f64(top * (1.0 - fy) + bottom * fy);
        }
        Rgb(out)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_similarity_is_recovered_exactly() {
        let truth = Similarity {
            a: 1.5 * 0.3f64.cos(),
            b: 1.5 * 0.3f64.sin(),
            tx: 12.0,
            ty: -7.0,
        };
        let src = [
            [10.0f32, 20.0],
            [40.0, 22.0],
            [25.0, 40.0],
            [14.0, 55.0],
            [38.0, 56.0],
        ];
        let dst: Vec<[f32; 2]> = src
            .iter()
            .map(|p| {
                let q = truth.apply([p[0] as f64, p[1] as f64]);
                [q[0] as f32, q[1] as f32]
            })
            .collect();
        let fit = similarity_transform(&src, &dst);
        for (s, d) in src.iter().zip(&dst) {
            let q = fit.apply([s[0] as f64, s[1] as f64]);
            assert!((q[0] - d[0] as f64).abs() < 1e-3 && (q[1] - d[1] as f64).abs() < 1e-3);
        }
        assert!((fit.scale() - 1.5).abs() < 1e-5);
    }

    #[test]
    fn inverse_undoes_the_transform() {
        let t = Similarity {
            a: 0.8,
            b: -0.4,
            tx: 3.0,
            ty: 9.0,
        };
        let p = t.inverse().apply(t.apply([17.0, -4.0]));
        assert!((p[0] - 17.0).abs() < 1e-9 && (p[1] + 4.0).abs() < 1e-9);
    }

    #[test]
    fn template_landmarks_give_the_identity_warp() {
        let img = RgbImage::from_fn(CHIP_SIZE, CHIP_SIZE, |x, y| Rgb([x as u8, y as u8, 7]));
        let chip = align_chip(&img, &CHIP_TEMPLATE);
        assert_eq!(chip, img);
    }

    #[test]
    fn landmarks_land_on_the_template() {
        // A face twice the chip size, shifted: the chip must sample the pixel under each landmark.
        let lm: [[f32; 2]; 5] = CHIP_TEMPLATE.map(|p| [p[0] * 2.0 + 30.0, p[1] * 2.0 + 10.0]);
        let img = RgbImage::from_fn(400, 400, |x, y| Rgb([(x / 2) as u8, (y / 2) as u8, 0]));
        let chip = align_chip(&img, &lm);
        for p in CHIP_TEMPLATE {
            let px = chip.get_pixel(p[0] as u32, p[1] as u32);
            assert!(
                (px[0] as f32 - (p[0] + 15.0)).abs() <= 1.0,
                "{px:?} at {p:?}"
            );
            assert!(
                (px[1] as f32 - (p[1] + 5.0)).abs() <= 1.0,
                "{px:?} at {p:?}"
            );
        }
    }
}
