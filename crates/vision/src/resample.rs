//! Area resampling of a rectangle of an RGB image into a small float tensor, the way OpenCV's
//! INTER_AREA does it (the detector was trained on such crops): each output pixel averages the source
//! pixels its footprint covers, with fractional weights at the edges; when enlarging, bilinear weights.
//! Pixels outside the image count as black, which is how the reference cascade pads boxes at the border.

use image::RgbImage;

/// `v.round()` as a byte, for `v` in [0, 255.5) (a weighted mean of bytes with non-negative
/// weights). The same value `f32::round` gives, half away from zero, without its library call:
/// x86-64 without SSE4.1 has no rounding instruction, and a call per channel cost a kiosk frame
/// about 0.8 ms (perf, 2026-12-04). For such `v`, `v - trunc(v)` is exact, so the comparison is.
#[inline]
pub(crate) fn round_u8(v: f32) -> u8 {
    let whole = v as u32;
    let rounded = whole + u32::from(v - whole as f32 >= 0.5);
    rounded.min(255) as u8
}

/// The same for `f64`.
#[inline]
pub(crate) fn round_u8_f64(v: f64) -> u8 {
    let whole = v as u32;
    let rounded = whole + u32::from(v - f64::from(whole) >= 0.5);
    rounded.min(255) as u8
}

/// `v.floor()` as an integer, for finite `v` of either sign well inside `i64`'s range, without the
/// library call (see `round_u8`).
#[inline]
pub(crate) fn floor_i64(v: f64) -> i64 {
    let t = v as i64;
    t - i64::from((t as f64) > v)
}

/// One output index's source taps.
struct Taps {
    start: i64,
    weights: Vec<f32>,
}

/// Source taps for each of `dst_len` outputs covering `[src_start, src_start + src_len)`, which may have
/// fractional ends (a box mapped into a smaller pyramid level).
fn taps(src_start: f64, src_len: f64, dst_len: usize) -> Vec<Taps> {
    let scale = src_len / dst_len as f64;
    (0..dst_len)
        .map(|d| {
            if scale >= 1.0 {
                let lo = src_start + d as f64 * scale;
                let hi = lo + scale;
                let first = lo.floor() as i64;
                let last = (hi.ceil() as i64).max(first + 1);
                let weights = (first..last)
                    .map(|s| {
                        let cover = (hi.min(s as f64 + 1.0) - lo.max(s as f64)).max(0.0);
                        (cover / scale) as f32
                    })
                    .collect();
                Taps {
                    start: first,
                    weights,
                }
            } else {
                let last_px = (src_start + src_len - 1.0).max(src_start);
                let centre = (src_start + (d as f64 + 0.5) * scale - 0.5).clamp(src_start, last_px);
                let first = centre.floor();
                let frac = (centre - first) as f32;
                let first = first as i64;
                let second = ((first + 1) as f64).min(last_px.ceil()) as i64;
                let weights = if second == first || frac == 0.0 {
                    vec![1.0]
                } else {
                    vec![1.0 - frac, frac]
                };
                Taps {
                    start: first,
                    weights,
                }
            }
        })
        .collect()
}

/// Resamples the rectangle `[x0, x0 + w) x [y0, y0 + h)` of `img` (which may reach outside the image)
/// into `out_w x out_h` RGB floats, written as `out[(x * out_h + y) * 3 + c]` when `transposed`
/// (the MTCNN nets take width-major input) or `out[(y * out_w + x) * 3 + c]` otherwise, each value mapped
/// through `(v - 127.5) / 128`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn resample_region(
    img: &RgbImage,
    x0: f64,
    y0: f64,
    w: f64,
    h: f64,
    out_w: usize,
    out_h: usize,
    transposed: bool,
    out: &mut [f32],
) {
    debug_assert_eq!(out.len(), out_w * out_h * 3);
    resample_with(img, x0, y0, w, h, out_w, out_h, |ox, oy, px| {
        let idx = if transposed {
            (ox * out_h + oy) * 3
        } else {
            (oy * out_w + ox) * 3
        };
        for c in 0..3 {
            out[idx + c] = (px[c] - 127.5) * 0.007_812_5;
        }
    });
}

/// The whole image resized to `out_w x out_h` with the same area filter (for the detector's pyramid,
/// where each level is made from the one before, so that the cost follows the level sizes).
pub(crate) fn resize_rgb(img: &RgbImage, out_w: usize, out_h: usize) -> RgbImage {
    let mut out = RgbImage::new(out_w as u32, out_h as u32);
    let raw: &mut [u8] = &mut out;
    resample_with(
        img,
        0.0,
        0.0,
        img.width() as f64,
        img.height() as f64,
        out_w,
        out_h,
        |ox, oy, px| {
            let idx = (oy * out_w + ox) * 3;
            for c in 0..3 {
                raw[idx + c] = round_u8(px[c]);
            }
        },
    );
    out
}

/// `(v - 127.5) / 128` of every pixel, width-major (the layout the MTCNN nets take).
pub(crate) fn normalized_transposed(img: &RgbImage, out: &mut Vec<f32>) {
    let (w, h) = (img.width() as usize, img.height() as usize);
    out.clear();
    out.resize(w * h * 3, 0.0);
    for (i, px) in img.as_raw().chunks_exact(3).enumerate() {
        let (x, y) = (i % w, i / w);
        let idx = (x * h + y) * 3;
        for c in 0..3 {
            out[idx + c] = (px[c] as f32 - 127.5) * 0.007_812_5;
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn resample_with(
    img: &RgbImage,
    x0: f64,
    y0: f64,
    w: f64,
    h: f64,
    out_w: usize,
    out_h: usize,
    mut emit: impl FnMut(usize, usize, [f32; 3]),
) {
    let (iw, ih) = (img.width() as i64, img.height() as i64);
    let xt = taps(x0, w, out_w);
    let yt = taps(y0, h, out_h);
    let raw = img.as_raw();
    // Horizontal pass over every source row the vertical taps touch, then the vertical pass.
    let row_lo = yt.first().map_or(0, |t| t.start);
    let row_hi = yt.last().map_or(0, |t| t.start + t.weights.len() as i64);
    let rows = (row_hi - row_lo).max(0) as usize;
    let mut tmp = vec![0f32; rows * out_w * 3];
    for r in 0..rows {
        let sy = row_lo + r as i64;
        if sy < 0 || sy >= ih {
            continue;
        }
        let row = &raw[(sy * iw * 3) as usize..((sy + 1) * iw * 3) as usize];
        let dst = &mut tmp[r * out_w * 3..(r + 1) * out_w * 3];
        for (ox, t) in xt.iter().enumerate() {
            let mut acc = [0f32; 3];
            let sx0 = t.start;
            for (k, &wgt) in t.weights.iter().enumerate() {
                let sx = sx0 + k as i64;
                if sx < 0 || sx >= iw {
                    continue;
                }
                let p = &row[(sx * 3) as usize..(sx * 3 + 3) as usize];
                acc[0] += wgt * p[0] as f32;
                acc[1] += wgt * p[1] as f32;
                acc[2] += wgt * p[2] as f32;
            }
            dst[ox * 3..ox * 3 + 3].copy_from_slice(&acc);
        }
    }
    for (oy, t) in yt.iter().enumerate() {
        let r0 = (t.start - row_lo) as usize;
        for ox in 0..out_w {
            let mut acc = [0f32; 3];
            for (k, &wgt) in t.weights.iter().enumerate() {
                let p = &tmp[((r0 + k) * out_w + ox) * 3..((r0 + k) * out_w + ox) * 3 + 3];
                acc[0] += wgt * p[0];
                acc[1] += wgt * p[1];
                acc[2] += wgt * p[2];
            }
            emit(ox, oy, acc);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    fn norm(v: f32) -> f32 {
        (v - 127.5) / 128.0
    }

    /// The call-free helpers give exactly what `round` and `floor` give, ties and the values
    /// either side of every tie included.
    #[test]
    fn rounding_helpers_equal_the_library_functions() {
        for i in 0..=255 * 8 {
            let tie = i as f32 / 8.0;
            for v in [tie, tie.next_down(), tie.next_up()] {
                if (0.0..255.5).contains(&v) {
                    assert_eq!(round_u8(v), v.round() as u8, "{v}");
                    let w = f64::from(v);
                    assert_eq!(round_u8_f64(w), w.round() as u8, "{w}");
                }
            }
            for w in [f64::from(tie) - 300.0, f64::from(tie) * 3.7 - 1000.0] {
                for w in [w, w.next_down(), w.next_up()] {
                    assert_eq!(floor_i64(w), w.floor() as i64, "{w}");
                }
            }
        }
    }

    #[test]
    fn halving_averages_two_by_two_blocks() {
        let img = RgbImage::from_fn(4, 2, |x, _| Rgb([x as u8 * 10, 0, 255]));
        let mut out = vec![0f32; 2 * 3];
        resample_region(&img, 0.0, 0.0, 4.0, 2.0, 2, 1, false, &mut out);
        assert!((out[0] - norm(5.0)).abs() < 1e-5);
        assert!((out[3] - norm(25.0)).abs() < 1e-5);
        assert!((out[2] - norm(255.0)).abs() < 1e-5);
    }

    #[test]
    fn outside_the_image_is_black_and_transpose_swaps_axes() {
        let img = RgbImage::from_pixel(2, 2, Rgb([200, 200, 200]));
        let mut out = vec![0f32; 4 * 4 * 3];
        // Region twice the image, starting 2 pixels left of it: the left half of the output is black.
        resample_region(&img, -2.0, 0.0, 4.0, 4.0, 4, 4, true, &mut out);
        let at = |x: usize, y: usize| out[(x * 4 + y) * 3];
        assert!((at(0, 0) - norm(0.0)).abs() < 1e-5);
        assert!((at(3, 0) - norm(200.0)).abs() < 1e-5);
        assert!((at(3, 3) - norm(0.0)).abs() < 1e-5);
    }

    #[test]
    fn resized_image_and_normalised_layout_agree_with_direct_resampling() {
        let img = RgbImage::from_fn(9, 7, |x, y| Rgb([(x * 20) as u8, (y * 30) as u8, 77]));
        let small = resize_rgb(&img, 4, 3);
        let mut direct = vec![0f32; 4 * 3 * 3];
        resample_region(&img, 0.0, 0.0, 9.0, 7.0, 4, 3, true, &mut direct);
        let mut via = Vec::new();
        normalized_transposed(&small, &mut via);
        for (a, b) in direct.iter().zip(&via) {
            assert!((a - b).abs() <= 0.5 / 128.0 + 1e-6, "{a} vs {b}");
        }
    }

    #[test]
    fn enlarging_interpolates() {
        let img = RgbImage::from_fn(2, 1, |x, _| Rgb([x as u8 * 100, 0, 0]));
        let mut out = vec![0f32; 4 * 3];
        resample_region(&img, 0.0, 0.0, 2.0, 1.0, 4, 1, false, &mut out);
        let vals: Vec<f32> = (0..4).map(|i| out[i * 3] * 128.0 + 127.5).collect();
        assert!((vals[0] - 0.0).abs() < 1e-3 && (vals[3] - 100.0).abs() < 1e-3);
        assert!(vals[1] > 0.0 && vals[1] < vals[2] && vals[2] < 100.0);
    }
}
