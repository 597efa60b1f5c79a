//! The fixture portraits (`fixtures/README.md` has their provenance) and frames made from them.

use std::path::PathBuf;

use image::{imageops, Rgb, RgbImage};

/// The repository's root (absolute, without `..`: browsers are given fixture paths to upload).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the repository exists")
}

/// The fixture portraits: three of Obama, then Biden and Collins.
pub const PORTRAITS: [&str; 5] = [
    "obama.jpg",
    "obama2.jpg",
    "obama3.jpg",
    "biden.jpg",
    "collins.jpg",
];

/// `fixtures/faces/<name>`.
pub fn fixture_path(name: &str) -> PathBuf {
    repo_root().join("fixtures/faces").join(name)
}

pub fn fixture_bytes(name: &str) -> Vec<u8> {
    let path = fixture_path(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn fixture(name: &str) -> RgbImage {
    image::load_from_memory(&fixture_bytes(name))
        .expect("fixture decodes")
        .to_rgb8()
}

pub fn jpeg(img: &RgbImage) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg)
        .expect("JPEG encodes");
    out.into_inner()
}

/// `jpeg` (a JPEG file) with an EXIF block giving `orientation` (1-8; 6 = turn 90° clockwise to
/// view), as phones write for photos taken upright.
pub fn with_exif_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec(); // big-endian TIFF, first IFD at 8
    tiff.extend_from_slice(&[0, 1]); // one entry: Orientation (0x0112), SHORT, count 1
    tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1]);
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0, 0, 0, 0, 0]); // value padding, no next IFD
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let len = u16::try_from(app1.len() + 2).expect("a small block");
    let mut out = jpeg[..2].to_vec(); // SOI
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// An empty 640x480 kiosk frame: a grey wall of the given level.
pub fn empty_frame(level: u8) -> RgbImage {
    RgbImage::from_pixel(640, 480, Rgb([level, level, level]))
}

/// A 640x480 frame (grey wall) with the portrait scaled to `height` pixels at (x, y).
pub fn frame_image(name: &str, height: u32, x: i64, y: i64) -> RgbImage {
    let p = fixture(name);
    let w = p.width() * height / p.height();
    let small = imageops::resize(&p, w, height, imageops::FilterType::Triangle);
    let mut f = empty_frame(120);
    imageops::overlay(&mut f, &small, x, y);
    f
}

/// [`frame_image`] as JPEG bytes, as a kiosk sends it.
pub fn frame_with(name: &str, height: u32, x: i64, y: i64) -> Vec<u8> {
    jpeg(&frame_image(name, height, x, y))
}

/// What a kiosk camera sees of a person standing at it: the portrait enlarged to fill a 640x480
/// frame (no edge of the photograph in view), `zoom` times more as they step closer.
pub fn camera_image(name: &str, zoom: f32) -> RgbImage {
    let p = fixture(name);
    let cover = (640.0 / p.width() as f32).max(480.0 / p.height() as f32) * zoom.max(1.0);
    let (w, h) = (
        (p.width() as f32 * cover).round() as u32,
        (p.height() as f32 * cover).round() as u32,
    );
    let big = imageops::resize(&p, w, h, imageops::FilterType::Triangle);
    // Centred sideways; from a little below the top, where portraits have the head.
    let x = (w - 640) / 2;
    let y = ((h - 480) as f32 * 0.15) as u32;
    imageops::crop_imm(&big, x, y, 640, 480).to_image()
}

/// [`camera_image`] as JPEG bytes.
pub fn camera_frame(name: &str, zoom: f32) -> Vec<u8> {
    jpeg(&camera_image(name, zoom))
}

/// `fixtures/liveness/<name>` as it is (`print.jpg`, a print attack; `live.jpg`, a live person).
pub fn liveness_sample(name: &str) -> Vec<u8> {
    let path = repo_root().join("fixtures/liveness").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
