//! What one image costs a worker in memory and time, from bytes to faces, with the server's limits
//! (the pixel budget read from the header, the decoder's allocation cap, the scaling before
//! detection) and, for the largest bomb, without them. Peak memory is per process, so each case
//! runs in a child process of its own and reports its peak resident set (`VmHWM`) above what the
//! loaded models already hold.
//!
//! `make bench-decode` (`cargo bench -p rollcall-benches --bench decode_memory`).

use std::process::Command;
use std::time::Instant;

use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use rollcall_testkit::bombs;
use rollcall_vision::{decode_image, DecodeLimits, Pipeline, PipelineConfig, Purpose};

/// The server's defaults (`rollcall_server::Config`): 24 MP, frames into 640x1280, photos 1600.
fn limits(purpose: Purpose) -> DecodeLimits {
    let fit = match purpose {
        Purpose::Probe => (640, 1280),
        Purpose::Enrolment => (1600, 1600),
    };
    DecodeLimits {
        fit_within: Some(fit),
        ..DecodeLimits::default()
    }
}

fn encoded(img: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, format).expect("encodes");
    out.into_inner()
}

/// A photo-like picture (a gradient, so that JPEG has something to encode).
fn photo(width: u32, height: u32) -> DynamicImage {
    DynamicImage::ImageRgb8(RgbImage::from_fn(width, height, |x, y| {
        Rgb([(x % 251) as u8, (y % 241) as u8, ((x + y) % 239) as u8])
    }))
}

const CASES: [&str; 8] = [
    "kiosk frame 640x480 JPEG",
    "photo 4000x3000 JPEG",
    "worst accepted: 6000x4000 16-bit PNG",
    "bomb: 8192x8192 PNG",
    "bomb: 8000x8000 16-bit PNG",
    "bomb: GIF with a 6000x6000 screen",
    "8192x8192 PNG without the budget, decode only",
    "8192x8192 PNG without the budget, decode + detection",
];

fn input(case: usize) -> (Vec<u8>, Purpose, DecodeLimits, bool) {
    let unlimited = DecodeLimits {
        max_pixels: u64::MAX,
        max_alloc: u64::MAX,
        ..DecodeLimits::default()
    };
    match case {
        0 => (
            encoded(&photo(640, 480), ImageFormat::Jpeg),
            Purpose::Probe,
            limits(Purpose::Probe),
            true,
        ),
        1 => (
            encoded(&photo(4000, 3000), ImageFormat::Jpeg),
            Purpose::Enrolment,
            limits(Purpose::Enrolment),
            true,
        ),
        2 => (
            bombs::png(6000, 4000, true),
            Purpose::Enrolment,
            limits(Purpose::Enrolment),
            true,
        ),
        3 => (
            bombs::png(8192, 8192, false),
            Purpose::Enrolment,
            limits(Purpose::Enrolment),
            true,
        ),
        4 => (
            bombs::png(8000, 8000, true),
            Purpose::Enrolment,
            limits(Purpose::Enrolment),
            true,
        ),
        5 => (
            bombs::gif_screen(6000, 6000),
            Purpose::Probe,
            limits(Purpose::Probe),
            true,
        ),
        6 => (
            bombs::png(8192, 8192, false),
            Purpose::Enrolment,
            unlimited,
            false,
        ),
        _ => (
            bombs::png(8192, 8192, false),
            Purpose::Enrolment,
            unlimited,
            true,
        ),
    }
}

/// Peak resident set of this process so far, MB.
fn peak_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn child(case: usize) {
    let mut pipeline = Pipeline::load(&PipelineConfig::default()).expect("models load");
    let (bytes, purpose, limits, detect) = input(case);
    // Warm the pipeline on a small frame so that its buffers count in the baseline, not the case.
    let warm = encoded(&photo(640, 480), ImageFormat::Jpeg);
    let img = decode_image(&warm, &limits).expect("warm-up frame decodes");
    pipeline.analyze_for(&img, purpose).expect("warm-up runs");
    let base = peak_mb();
    let start = Instant::now();
    let outcome = match decode_image(&bytes, &limits) {
        Ok(img) if detect => match pipeline.analyze_for(&img, purpose) {
            Ok(faces) => format!(
                "decoded to {}x{}, {} faces",
                img.width(),
                img.height(),
                faces.len()
            ),
            Err(e) => format!("detection failed: {e}"),
        },
        Ok(img) => format!("decoded to {}x{}", img.width(), img.height()),
        Err(e) => format!("refused: {e}"),
    };
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    println!(
        "{}",
        serde_json::json!({
            "case": CASES[case], "file_kb": bytes.len() / 1024, "outcome": outcome,
            "peak_above_models_mb": (peak_mb() - base).max(0.0), "ms": ms,
        })
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--case") {
        child(args[i + 1].parse().expect("a case number"));
        return;
    }
    if args.iter().any(|a| a == "--list") {
        return;
    }
    rollcall_benches::print_machine();
    let exe = std::env::current_exe().expect("this benchmark's path");
    println!(
        "{:<52} {:>8} {:>12} {:>10}  outcome",
        "case", "file KB", "peak MB", "ms"
    );
    for (case, name) in CASES.iter().enumerate() {
        let out = Command::new(&exe)
            .args(["--case", &case.to_string()])
            .output()
            .expect("the case runs");
        let line = String::from_utf8_lossy(&out.stdout);
        let v: serde_json::Value = match line.lines().last().map(serde_json::from_str) {
            Some(Ok(v)) => v,
            _ => {
                println!(
                    "{name:<52} failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                continue;
            }
        };
        println!(
            "{name:<52} {:>8} {:>12.1} {:>10.1}  {}",
            v["file_kb"],
            v["peak_above_models_mb"].as_f64().unwrap_or(f64::NAN),
            v["ms"].as_f64().unwrap_or(f64::NAN),
            v["outcome"].as_str().unwrap_or("")
        );
    }
}
