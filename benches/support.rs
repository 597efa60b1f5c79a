//! Shared helpers for the benchmarks: seeded data, the repository's paths, and running a peer
//! (a Python script in `tools/`, in the `.venv` that `tools/venv.sh` makes) in the same run.

use std::path::Path;
use std::process::Command;

use rand::{Rng, SeedableRng};
pub use rollcall_testkit::fixtures::repo_root;

/// `n` L2-normalised random vectors of dimension `dim`, row-major, from a fixed seed.
pub fn unit_vectors(seed: u64, n: usize, dim: usize) -> Vec<f32> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut out = Vec::with_capacity(n * dim);
    for _ in 0..n {
        let v: Vec<f32> = (0..dim).map(|_| rng.gen_range(-1.0f32..1.0)).collect();
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        out.extend(v.iter().map(|x| x / norm));
    }
    out
}

/// Writes little-endian f32s (what numpy's `fromfile(dtype="<f4")` reads).
pub fn write_f32(path: &Path, data: &[f32]) {
    let bytes: Vec<u8> = data.iter().flat_map(|x| x.to_le_bytes()).collect();
    std::fs::write(path, bytes).expect("write bench data");
}

/// Runs `tools/<script>` with the project venv's python (created on demand with `extra` packages) and
/// parses the JSON object on its last line of stdout. `None`, with the reason on stderr, when the peer
/// cannot run here: the bench still reports rollcall's own figures.
pub fn run_peer(script: &str, extra: &[&str], args: &[String]) -> Option<serde_json::Value> {
    let root = repo_root();
    let venv = Command::new(root.join("tools/venv.sh"))
        .args(extra)
        .output()
        .ok()?;
    if !venv.status.success() {
        eprintln!(
            "peer {script}: tools/venv.sh failed: {}",
            String::from_utf8_lossy(&venv.stderr)
        );
        return None;
    }
    let python = String::from_utf8_lossy(&venv.stdout).trim().to_string();
    let out = Command::new(python)
        .arg(root.join("tools").join(script))
        .args(args)
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!(
            "peer {script} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(stdout.lines().last()?).ok()
}

/// Criterion's median for `group/bench` from this run's `target/criterion` estimates, in nanoseconds.
pub fn criterion_median_ns(group: &str, bench: &str) -> Option<f64> {
    let path = repo_root()
        .join("target/criterion")
        .join(group)
        .join(bench)
        .join("new/estimates.json");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    v["median"]["point_estimate"].as_f64()
}

/// Prints the processor the figures below were measured on (name, cores, instruction-set level):
/// speeds differ about 2x between an AVX2-only processor and one with AMX.
pub fn print_machine() {
    println!("machine: {}", rollcall_vision::Cpu::detect());
}
