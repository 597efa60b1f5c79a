use std::io::Cursor;

use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageError, ImageReader, Limits, RgbImage};

use crate::VisionError;

/// Bounds checked before any pixel is decoded, so a hostile file (a 20000x20000 PNG of a few KB, a
/// decompression bomb) is refused without allocating its pixels.
#[derive(Debug, Clone, Copy)]
pub struct DecodeLimits {
    pub max_bytes: usize,
    pub max_side: u32,
    /// Largest width x height, checked from the header before any pixel is decoded: a small file
    /// (a PNG of one colour, a GIF's logical screen) can describe a huge image.
    pub max_pixels: u64,
    /// What the decoder may allocate in all; with `max_pixels` it bounds a decode's memory.
    pub max_alloc: u64,
    /// Images wider or taller than this box (width, height) are scaled down into it, keeping
    /// their shape, right after decoding and before detection sees them (detection's time and
    /// memory grow with the pixel count).
    pub fit_within: Option<(u32, u32)>,
}

/// 24 megapixels: a phone's or a camera's full-resolution photo (4000x6000) still fits.
pub const DEFAULT_MAX_PIXELS: u64 = 24_000_000;

impl Default for DecodeLimits {
    fn default() -> Self {
        Self {
            max_bytes: 10 * 1024 * 1024,
            max_side: 8192,
            max_pixels: DEFAULT_MAX_PIXELS,
            // 24 MP at 16-bit RGBA (8 bytes a pixel) is 192 MB: the worst accepted image fits.
            max_alloc: 200 * 1024 * 1024,
            fit_within: None,
        }
    }
}

/// Decodes JPEG, PNG, WebP, GIF, BMP, TIFF and PNM into 8-bit RGB with the EXIF orientation applied.
/// Greyscale, 16-bit and alpha inputs are converted (alpha is dropped).
pub fn decode_image(bytes: &[u8], limits: &DecodeLimits) -> Result<RgbImage, VisionError> {
    if bytes.is_empty() {
        return Err(VisionError::EmptyImage);
    }
    if bytes.len() > limits.max_bytes {
        return Err(VisionError::DataTooLarge {
            size: bytes.len(),
            max: limits.max_bytes,
        });
    }
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| VisionError::Corrupt(e.to_string()))?;
    match reader.format() {
        None => return Err(VisionError::UnsupportedFormat),
        Some(image::ImageFormat::Jpeg) if !jpeg_is_complete(bytes) => {
            // The JPEG decoder fills a cut-off image with grey rather than failing; a half photo
            // must not be enrolled or judged, so a missing end-of-image marker is an error.
            return Err(VisionError::Corrupt(
                "truncated JPEG (no end-of-image marker after the last scan)".into(),
            ));
        }
        Some(_) => {}
    }
    let mut image_limits = Limits::default();
    image_limits.max_image_width = Some(limits.max_side);
    image_limits.max_image_height = Some(limits.max_side);
    image_limits.max_alloc = Some(limits.max_alloc);
    reader.limits(image_limits);

    let mut decoder = reader.into_decoder().map_err(|e| map_error(e, limits))?;
    let (width, height) = decoder.dimensions();
    if width > limits.max_side || height > limits.max_side {
        return Err(VisionError::DimensionsTooLarge {
            width,
            height,
            max_side: limits.max_side,
        });
    }
    if width == 0 || height == 0 {
        return Err(VisionError::EmptyImage);
    }
    if u64::from(width) * u64::from(height) > limits.max_pixels {
        return Err(VisionError::TooManyPixels {
            width,
            height,
            max_pixels: limits.max_pixels,
        });
    }
    let orientation = decoder.orientation().map_err(|e| map_error(e, limits))?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(|e| map_error(e, limits))?;
    // The box is for the image as it will be seen, after the EXIF rotation: a portrait frame
    // stored sideways must fit the box once turned upright.
    let quarter_turn = matches!(
        orientation,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    );
    let fit = limits
        .fit_within
        .map(|(w, h)| if quarter_turn { (h, w) } else { (w, h) });
    if let Some((w, h)) = fit.filter(|&(w, h)| width > w || height > h) {
        // Scaled in the decoded format, before the RGB copy: the peak stays one full-size buffer.
        image = image.resize(w, h, image::imageops::FilterType::Triangle);
    }
    image.apply_orientation(orientation);
    Ok(image.into_rgb8())
}

/// True when an end-of-image marker (FF D9) follows the last start-of-scan (FF DA). Inside scan data
/// a 0xFF byte is always stuffed or a restart marker, so these two byte pairs are real markers.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let last_sos = bytes.windows(2).rposition(|w| w == [0xFF, 0xDA]);
    match last_sos {
        Some(pos) => bytes[pos..].windows(2).any(|w| w == [0xFF, 0xD9]),
        None => false,
    }
}

fn map_error(err: ImageError, limits: &DecodeLimits) -> VisionError {
    match err {
        ImageError::Limits(_) => VisionError::DecodeTooLarge {
            max_bytes: limits.max_alloc,
        },
        ImageError::Unsupported(_) => VisionError::UnsupportedFormat,
        other => VisionError::Corrupt(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageFormat, Rgb};

    fn encode(img: &DynamicImage, format: ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    fn sample() -> DynamicImage {
        DynamicImage::ImageRgb8(RgbImage::from_fn(40, 30, |x, y| {
            Rgb([x as u8 * 6, y as u8 * 8, 100])
        }))
    }

    #[test]
    fn decodes_common_formats_to_rgb() {
        for format in [
            ImageFormat::Png,
            ImageFormat::Jpeg,
            ImageFormat::Bmp,
            ImageFormat::WebP,
        ] {
            let img = decode_image(&encode(&sample(), format), &DecodeLimits::default()).unwrap();
            assert_eq!(img.dimensions(), (40, 30), "{format:?}");
        }
    }

    #[test]
    fn decodes_grey_sixteen_bit_and_alpha() {
        let grey16 = DynamicImage::ImageLuma16(image::ImageBuffer::from_fn(8, 6, |x, _| {
            image::Luma([x as u16 * 8000])
        }));
        let img =
            decode_image(&encode(&grey16, ImageFormat::Png), &DecodeLimits::default()).unwrap();
        assert_eq!(img.get_pixel(7, 0)[0], img.get_pixel(7, 0)[2]);
        assert!(img.get_pixel(7, 0)[0] > 200);
        let rgba = DynamicImage::ImageRgba8(image::RgbaImage::from_pixel(
            5,
            5,
            image::Rgba([10, 20, 30, 0]),
        ));
        let img = decode_image(&encode(&rgba, ImageFormat::Png), &DecodeLimits::default()).unwrap();
        assert_eq!(img.get_pixel(0, 0), &Rgb([10, 20, 30]));
    }

    #[test]
    fn bombs_are_refused_from_their_header_before_any_pixel_is_decoded() {
        use rollcall_testkit::bombs;
        let cases = [
            ("8192x8192 PNG", bombs::png(8192, 8192, false), (8192, 8192)),
            (
                "16-bit 8000x8000 PNG",
                bombs::png(8000, 8000, true),
                (8000, 8000),
            ),
            ("GIF screen", bombs::gif_screen(6000, 6000), (6000, 6000)),
        ];
        for (what, bytes, dims) in cases {
            let max_bytes = DecodeLimits::default().max_bytes;
            assert!(bytes.len() < max_bytes, "{what} passes the byte limit");
            match decode_image(&bytes, &DecodeLimits::default()) {
                Err(VisionError::TooManyPixels { width, height, .. }) => {
                    assert_eq!((width, height), dims, "{what}");
                }
                other => panic!("{what}: {other:?}"),
            }
        }
        // At the limit itself an image decodes (and is then scaled to fit).
        let limits = DecodeLimits {
            max_pixels: 4000 * 3000,
            fit_within: Some((640, 1280)),
            ..DecodeLimits::default()
        };
        let img = decode_image(&bombs::png(4000, 3000, true), &limits).unwrap();
        assert_eq!(img.dimensions(), (640, 480));
    }

    #[test]
    fn large_images_are_scaled_to_fit_and_small_ones_are_left_alone() {
        let wide = DynamicImage::ImageRgb8(RgbImage::from_pixel(2000, 1000, Rgb([9, 9, 9])));
        let limits = DecodeLimits {
            fit_within: Some((640, 1280)),
            ..DecodeLimits::default()
        };
        let img = decode_image(&encode(&wide, ImageFormat::Png), &limits).unwrap();
        assert_eq!(img.dimensions(), (640, 320));
        // A portrait frame as narrow as a kiosk sends it is left as it is.
        let tall = DynamicImage::ImageRgb8(RgbImage::from_pixel(640, 960, Rgb([9, 9, 9])));
        let img = decode_image(&encode(&tall, ImageFormat::Png), &limits).unwrap();
        assert_eq!(img.dimensions(), (640, 960));
        let img = decode_image(&encode(&sample(), ImageFormat::Png), &limits).unwrap();
        assert_eq!(img.dimensions(), (40, 30));
    }

    #[test]
    fn refuses_empty_and_garbage() {
        assert!(matches!(
            decode_image(&[], &DecodeLimits::default()),
            Err(VisionError::EmptyImage)
        ));
        let garbage = b"this is not an image at all, just text pretending".to_vec();
        assert!(matches!(
            decode_image(&garbage, &DecodeLimits::default()),
            Err(VisionError::UnsupportedFormat)
        ));
    }

    #[test]
    fn refuses_truncated_jpeg() {
        let bytes = encode(&sample(), ImageFormat::Jpeg);
        let cut = &bytes[..bytes.len() / 2];
        assert!(matches!(
            decode_image(cut, &DecodeLimits::default()),
            Err(VisionError::Corrupt(_))
        ));
        let png = encode(&sample(), ImageFormat::Png);
        assert!(matches!(
            decode_image(&png[..png.len() - 30], &DecodeLimits::default()),
            Err(VisionError::Corrupt(_))
        ));
    }

    #[test]
    fn refuses_a_jpeg_cut_anywhere_in_its_scan() {
        let bytes = encode(&sample(), ImageFormat::Jpeg);
        let sos = bytes.windows(2).rposition(|w| w == [0xFF, 0xDA]).unwrap();
        for cut in [sos + 20, bytes.len() - 2, bytes.len() - 1] {
            let err = decode_image(&bytes[..cut], &DecodeLimits::default()).unwrap_err();
            assert!(
                matches!(err, VisionError::Corrupt(_)),
                "cut at {cut}: {err}"
            );
        }
        let mut trailing = bytes.clone();
        trailing.extend_from_slice(b"trailing bytes after EOI are common and harmless");
        assert!(decode_image(&trailing, &DecodeLimits::default()).is_ok());
    }

    #[test]
    fn refuses_oversized_data_before_reading() {
        let limits = DecodeLimits {
            max_bytes: 100,
            ..DecodeLimits::default()
        };
        let err = decode_image(&encode(&sample(), ImageFormat::Png), &limits).unwrap_err();
        assert!(
            matches!(err, VisionError::DataTooLarge { max: 100, .. }),
            "{err}"
        );
    }

    /// A 20000x20000 PNG header with almost no data: must be refused from the header alone.
    #[test]
    fn refuses_huge_dimensions_without_allocating() {
        let mut png = Vec::new();
        png.extend_from_slice(b"\x89PNG\r\n\x1a\n");
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&20000u32.to_be_bytes());
        ihdr.extend_from_slice(&20000u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
        png.extend_from_slice(&(ihdr.len() as u32).to_be_bytes());
        let mut chunk = b"IHDR".to_vec();
        chunk.extend_from_slice(&ihdr);
        png.extend_from_slice(&chunk);
        png.extend_from_slice(&crc32(&chunk).to_be_bytes());
        let err = decode_image(&png, &DecodeLimits::default()).unwrap_err();
        assert!(
            matches!(
                err,
                VisionError::DimensionsTooLarge { .. } | VisionError::DecodeTooLarge { .. }
            ),
            "{err}"
        );
    }

    #[test]
    fn applies_exif_orientation() {
        // A 40x30 JPEG with an EXIF APP1 segment saying "rotate 90 CW" (orientation 6) must come out 30x40.
        let jpeg = encode(&sample(), ImageFormat::Jpeg);
        let mut exif = Vec::new();
        exif.extend_from_slice(b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x01");
        exif.extend_from_slice(&[0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1, 0, 6, 0, 0]);
        exif.extend_from_slice(&[0, 0, 0, 0]);
        let mut out = jpeg[..2].to_vec();
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(&exif);
        out.extend_from_slice(&jpeg[2..]);
        let img = decode_image(&out, &DecodeLimits::default()).unwrap();
        assert_eq!(img.dimensions(), (30, 40));
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in data {
            crc ^= b as u32;
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
}
