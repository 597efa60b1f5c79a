//! Every `locales/<tag>.ftl` is a language rollcall speaks: adding a language is adding its file.
//! This writes the table of catalogues and a `Lang` constant per file (`Lang::VI` for `vi.ftl`).

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let dir =
        Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo")).join("locales");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut tags: Vec<String> = std::fs::read_dir(&dir)
        .expect("locales/ is readable")
        .filter_map(Result::ok)
        .filter_map(|e| {
            let path = e.path();
            (path.extension()? == "ftl").then(|| path.file_stem()?.to_str().map(str::to_string))?
        })
        .collect();
    tags.sort();
    // English is the fallback for a message a catalogue lacks, so it must be there.
    assert!(tags.iter().any(|t| t == "en"), "locales/en.ftl is missing");
    let mut out = String::from("/// Each language's tag and Fluent catalogue, in tag order.\n");
    out.push_str("const CATALOGUES: &[(&str, &str)] = &[\n");
    for tag in &tags {
        assert!(
            !tag.is_empty() && tag.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
            "locales/{tag}.ftl: the file name must be a language tag"
        );
        let path = dir.join(format!("{tag}.ftl"));
        println!("cargo:rerun-if-changed={}", path.display());
        writeln!(
            out,
            "    ({tag:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .expect("writing to a String");
    }
    out.push_str("];\n\nimpl Lang {\n");
    for (i, tag) in tags.iter().enumerate() {
        let name = tag.to_uppercase().replace('-', "_");
        writeln!(
            out,
            "    /// The catalogue `locales/{tag}.ftl`.\n    pub const {name}: Lang = Lang({i});"
        )
        .expect("writing to a String");
    }
    let all: Vec<String> = (0..tags.len()).map(|i| format!("Lang({i})")).collect();
    writeln!(
        out,
        "    /// Every language, in tag order.\n    pub const ALL: &[Lang] = &[{}];",
        all.join(", ")
    )
    .expect("writing to a String");
    out.push_str("}\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("set by cargo")).join("catalogues.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}
