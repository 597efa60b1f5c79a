//! Zip archives of photos, as a secretariat sends them with a bulk import.

use std::io::Write;

/// A zip of `(name, bytes)` files, stored (not compressed).
pub fn zip_of(files: &[(&str, Vec<u8>)]) -> Vec<u8> {
    zip_with(files, zip::CompressionMethod::Stored)
}

/// A zip of `(name, bytes)` files with the given compression.
pub fn zip_with(files: &[(&str, Vec<u8>)], method: zip::CompressionMethod) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(method)
        .large_file(files.iter().any(|(_, d)| d.len() > u32::MAX as usize / 2));
    for (name, data) in files {
        w.start_file(*name, opts).expect("zip entry");
        w.write_all(data).expect("zip data");
    }
    w.finish().expect("zip finished").into_inner()
}
