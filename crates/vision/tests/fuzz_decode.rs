//! A bounded fuzz of what the server does with untrusted image bytes: decoding (every enabled
//! format, the EXIF orientation, the pixel budget) and detection on whatever decodes. Valid files
//! of each format, and the bombs, are mutated (bytes flipped, set, inserted, removed, header-sized
//! words overwritten with extreme values, the file cut short); the property is that nothing
//! panics and every decoded image is within the limits it was decoded under.
//!
//! `ROLLCALL_FUZZ_CASES` sets the number of mutated files (default 150,000, and a 50th of that
//! many image shapes through detection: about half a minute on two cores); a failure is shrunk and its seed kept in `fuzz_decode.proptest-regressions`, which
//! every later run replays first. Inputs that once crashed are kept below as plain tests.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use proptest::prelude::*;
use rollcall_testkit::mutate::{apply, cases, mutations, runner};
use rollcall_testkit::{bombs, with_exif_orientation};
use rollcall_vision::{decode_image, DecodeLimits, Pipeline, PipelineConfig, Purpose};

const REGRESSIONS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fuzz_decode.proptest-regressions"
);

fn encoded(img: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).expect("encodes");
    out.into_inner()
}

/// One valid file of each format the decoder accepts, and the bombs.
fn seeds() -> Vec<Vec<u8>> {
    let rgb = DynamicImage::ImageRgb8(RgbImage::from_fn(48, 32, |x, y| {
        Rgb([(x * 5) as u8, (y * 7) as u8, ((x + y) * 3) as u8])
    }));
    let rgba = DynamicImage::ImageRgba8(RgbaImage::from_fn(24, 40, |x, y| {
        Rgba([(x * 9) as u8, (y * 5) as u8, 77, (x * y) as u8])
    }));
    let grey16 = DynamicImage::ImageLuma16(image::ImageBuffer::from_fn(20, 12, |x, y| {
        image::Luma([(x * 3000 + y * 100) as u16])
    }));
    let mut out = vec![
        encoded(&rgb, ImageFormat::Jpeg),
        with_exif_orientation(&encoded(&rgb, ImageFormat::Jpeg), 6),
        encoded(&rgb, ImageFormat::Png),
        encoded(&rgba, ImageFormat::Png),
        encoded(&grey16, ImageFormat::Png),
        encoded(&rgb, ImageFormat::Gif),
        encoded(&rgba, ImageFormat::WebP),
        encoded(&rgb, ImageFormat::Bmp),
        encoded(&rgb, ImageFormat::Tiff),
        encoded(&rgb, ImageFormat::Pnm),
    ];
    out.push(bombs::png(8192, 8192, false));
    out.push(bombs::gif_screen(6000, 6000));
    out
}

/// The server's limits for kiosk frames: 24 MP, 200 MB of decoder allocations, fit into 640x1280.
fn frame_limits() -> DecodeLimits {
    DecodeLimits {
        fit_within: Some((640, 1280)),
        ..DecodeLimits::default()
    }
}

/// Decodes `bytes` like the server; an image that decodes is within the limits.
fn check_decode(bytes: &[u8]) -> Option<RgbImage> {
    let limits = frame_limits();
    let img = decode_image(bytes, &limits).ok()?;
    let (w, h) = img.dimensions();
    assert!(w >= 1 && h >= 1, "an empty image decoded");
    assert!(w <= 640 && h <= 1280, "{w}x{h} is outside the frame box");
    Some(img)
}

#[test]
fn mutated_images_never_panic_and_decode_within_the_limits() {
    let seeds = seeds();
    let strategy = (0..seeds.len(), mutations());
    let mut runner = runner(cases(150_000), REGRESSIONS);
    let decoded = std::cell::Cell::new(0usize);
    let result = runner.run(&strategy, |(seed, mutations)| {
        let bytes = apply(seeds[seed].clone(), &mutations);
        if check_decode(&bytes).is_some() {
            decoded.set(decoded.get() + 1);
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    // The mutations leave many files decodable (the property was checked on real images).
    println!("{} of the mutated files decoded", decoded.get());
    assert!(decoded.get() > 0);
}

#[test]
fn detection_takes_any_image_shape_the_decoder_can_give() {
    let pipeline = std::cell::RefCell::new(
        Pipeline::load(&PipelineConfig::default())
            .expect("models and ONNX Runtime (run `make ort`)"),
    );
    let side = prop_oneof![1u32..=24, 25u32..=200, Just(640u32), Just(1280u32)];
    let strategy = (side.clone(), side, any::<u8>(), any::<bool>());
    let mut runner = runner(cases(150_000) / 50, REGRESSIONS);
    let result = runner.run(&strategy, |(w, h, shade, enrolment)| {
        let img = RgbImage::from_fn(w, h, |x, y| {
            Rgb([shade ^ (x as u8), shade.wrapping_add(y as u8), shade])
        });
        let purpose = if enrolment {
            Purpose::Enrolment
        } else {
            Purpose::Probe
        };
        // Ok with or without faces, or a clear error: never a panic.
        let _ = pipeline.borrow_mut().analyze_for(&img, purpose);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// Found by the fuzz above: a tall image stored sideways (EXIF orientation 6) was fitted into the
/// frame box before it was turned, and came out wider than the box.
#[test]
fn a_sideways_image_fits_the_box_once_turned_upright() {
    let tall = DynamicImage::ImageRgb8(RgbImage::from_pixel(30, 1280, Rgb([90, 120, 150])));
    let bytes = with_exif_orientation(&encoded(&tall, ImageFormat::Jpeg), 6);
    let img = check_decode(&bytes).expect("decodes");
    // Turned upright it is 1280x30: scaled to 640 wide, keeping its shape.
    assert_eq!(img.dimensions(), (640, 15));
}
