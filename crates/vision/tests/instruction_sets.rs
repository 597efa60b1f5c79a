//! The 8-bit dlib build gives the same descriptors whatever the processor's instruction set.
//!
//! ONNX Runtime multiplies 8-bit activations by 8-bit weights with VNNI's `vpdpbusd` or AMX's tiles
//! where the processor has them (exact 32-bit sums) and with AVX2's `vpmaddubsw` where it does not,
//! which saturates each pair of products at 16 bits. A model that is exact on one can drift on the
//! other, so this test runs the very same chips through `rollcall-embed-chips` natively and under
//! `qemu-x86_64 -cpu Haswell-v4` (an emulated AVX2-only processor: no AVX-512, no VNNI) and
//! compares. Only the 8-bit build runs emulated: the float models take minutes there.

use std::path::{Path, PathBuf};
use std::process::Command;

use rollcall_testkit::PORTRAITS;
use rollcall_vision::{align_chip, decode_image, DecodeLimits, Pipeline, PipelineConfig};

/// An AVX2-only processor (Haswell without TSX): what an AMD Zen 2/3 or an older Xeon offers the
/// integer kernels.
const EMULATED_CPU: &str = "Haswell-v4";

/// `qemu-x86_64` on PATH (Debian's `qemu-user`, which `tools/sysdeps.sh` installs).
fn qemu() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("qemu-x86_64"))
        .find(|p| p.is_file())
}

/// Each portrait's chip, aligned by the default pipeline, saved as PNG (lossless) in `dir`.
fn write_chips(dir: &Path) -> Vec<PathBuf> {
    let mut p = Pipeline::load(&PipelineConfig::default()).expect("models and ONNX Runtime");
    PORTRAITS
        .iter()
        .map(|name| {
            let img = decode_image(
                &rollcall_testkit::fixture_bytes(name),
                &DecodeLimits::default(),
            )
            .unwrap();
            let faces: Vec<_> = p
                .analyze(&img)
                .unwrap()
                .into_iter()
                .filter(|f| f.quality.detector_score >= 0.95)
                .collect();
            assert_eq!(faces.len(), 1, "{name}");
            let path = dir.join(name.replace(".jpg", ".png"));
            align_chip(&img, &faces[0].landmarks).save(&path).unwrap();
            path
        })
        .collect()
}

/// What `rollcall-embed-chips` printed: the processor level it saw and the descriptors, plain and
/// with the mirror image, chip by chip.
struct Run {
    level: String,
    descriptors: Vec<Vec<f32>>,
}

fn embed(prefix: &[&str], float: bool, chips: &[PathBuf]) -> Run {
    let bin = env!("CARGO_BIN_EXE_rollcall-embed-chips");
    let mut cmd = match prefix.split_first() {
        Some((first, rest)) => {
            let mut c = Command::new(first);
            c.args(rest).arg(bin);
            c
        }
        None => Command::new(bin),
    };
    if float {
        cmd.arg("--float");
    }
    let out = cmd.args(chips).output().expect("run rollcall-embed-chips");
    assert!(
        out.status.success(),
        "{prefix:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    let level = lines
        .next()
        .and_then(|l| l.strip_prefix("level "))
        .and_then(|l| l.split_whitespace().next())
        .expect("a level line")
        .to_string();
    let descriptors: Vec<Vec<f32>> = lines
        .map(|l| {
            l.split_whitespace()
                .skip(1)
                .map(|x| x.parse().unwrap())
                .collect()
        })
        .collect();
    assert_eq!(descriptors.len(), 2 * chips.len());
    assert!(descriptors.iter().all(|d| d.len() == 128));
    Run { level, descriptors }
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[test]
fn dlib_int8_gives_the_same_descriptors_on_an_avx2_only_cpu() {
    if !cfg!(target_arch = "x86_64") {
        eprintln!("SKIPPED dlib_int8_gives_the_same_descriptors_on_an_avx2_only_cpu: not x86-64");
        return;
    }
    let Some(qemu) = qemu() else {
        rollcall_testkit::skip(
            "no qemu-x86_64 to emulate an AVX2-only processor (Debian's qemu-user; \
             tools/sysdeps.sh --test installs it as root)",
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let chips = write_chips(dir.path());
    let native = embed(&[], false, &chips);
    let float = embed(&[], true, &chips);
    let qemu = qemu.to_str().unwrap();
    let emulated = embed(&[qemu, "-cpu", EMULATED_CPU], false, &chips);
    // The emulator really offers AVX2 alone, so ONNX Runtime takes its `vpmaddubsw` kernels.
    assert_eq!(emulated.level, "Avx2");
    for (i, ((e, n), f)) in emulated
        .descriptors
        .iter()
        .zip(&native.descriptors)
        .zip(&float.descriptors)
        .enumerate()
    {
        let chip = format!("{} ({})", PORTRAITS[i / 2], ["plain", "mirror"][i % 2]);
        let drift = e
            .iter()
            .zip(n)
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        // Integer sums are exact on both; only the float steps between layers may round apart.
        assert!(
            drift < 1e-5,
            "{chip}: AVX2 and {} descriptors differ by {drift}",
            native.level
        );
        // And the agreement with the float model holds on AVX2 as strictly as in tests/pipeline.rs.
        let c = dot(e, f);
        assert!(c > 0.995, "{chip}: AVX2 int8 against float cosine {c}");
    }
}
