//! Decompression bombs: small files that describe huge images. Written row by row with the png and
//! gif crates' streaming encoders, so making one costs no more memory than a row.

use std::io::Write;

/// A PNG of `width` x `height` zero pixels, RGB, 8 or 16 bits a channel (a few hundred kilobytes
/// at 8192x8192: zeros compress well).
pub fn png(width: u32, height: u32, sixteen_bit: bool) -> Vec<u8> {
    let mut out = Vec::new();
    write_png(&mut out, width, height, sixteen_bit);
    out
}

fn write_png(out: &mut Vec<u8>, width: u32, height: u32, sixteen_bit: bool) {
    let mut enc = png::Encoder::new(out, width, height);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(if sixteen_bit {
        png::BitDepth::Sixteen
    } else {
        png::BitDepth::Eight
    });
    enc.set_compression(png::Compression::Balanced);
    let mut writer = enc.write_header().expect("PNG header");
    let row = vec![0u8; width as usize * 3 * if sixteen_bit { 2 } else { 1 }];
    {
        let mut stream = writer.stream_writer().expect("PNG stream");
        for _ in 0..height {
            stream.write_all(&row).expect("PNG row");
        }
        stream.finish().expect("PNG end");
    }
    writer.finish().expect("PNG end");
}

/// A GIF whose logical screen is `width` x `height` but whose one frame is a single pixel: decoders
/// that allocate the screen pay for all of it.
pub fn gif_screen(width: u16, height: u16) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = gif::Encoder::new(&mut out, width, height, &[0, 0, 0, 255, 255, 255])
            .expect("GIF header");
        let frame = gif::Frame {
            width: 1,
            height: 1,
            buffer: std::borrow::Cow::Borrowed(&[1]),
            ..gif::Frame::default()
        };
        enc.write_frame(&frame).expect("GIF frame");
    }
    out
}
