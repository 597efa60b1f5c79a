//! Embeds aligned 150x150 chips with one build of dlib's ResNet and prints, on stdout, the processor
//! it ran on and then two lines per chip: the descriptor of the chip, and of the chip averaged with
//! its mirror image (`d` and `m`, then 128 floats that parse back to the same bits).
//!
//! Why a program of its own: the 8-bit build must give the same descriptors on every instruction set,
//! and the way to show that on one machine is to run the same chips under an emulated processor
//! (`qemu-x86_64 -cpu Haswell-v4`: AVX2 only). tests/instruction_sets.rs does that; on a real
//! server, run it natively and compare.
//!
//! Usage: rollcall-embed-chips [--float] CHIP.png...   (models from ROLLCALL_MODELS_DIR or models/)

use std::process::ExitCode;

use rollcall_vision::{default_models_dir, Cpu, Embedder, Weights};

fn main() -> ExitCode {
    let mut weights = Weights::Int8;
    let mut paths = Vec::new();
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--float" => weights = Weights::Float,
            _ if arg.starts_with('-') => {
                eprintln!(
                    "unknown option {arg}; usage: rollcall-embed-chips [--float] CHIP.png..."
                );
                return ExitCode::from(2);
            }
            _ => paths.push(arg),
        }
    }
    match run(weights, &paths) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rollcall-embed-chips: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(weights: Weights, paths: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let chips = paths
        .iter()
        .map(|p| Ok(image::open(p).map_err(|e| format!("{p}: {e}"))?.to_rgb8()))
        .collect::<Result<Vec<_>, String>>()?;
    let mut embedder = Embedder::load(&default_models_dir(), weights, 1)?;
    let plain = embedder.embed(&chips, false)?;
    let mirrored = embedder.embed(&chips, true)?;
    let cpu = Cpu::detect();
    println!("level {:?} {cpu}", cpu.level);
    for (d, m) in plain.iter().zip(&mirrored) {
        for (tag, v) in [("d", d), ("m", m)] {
            let floats: Vec<String> = v.iter().map(|x| format!("{x:?}")).collect();
            println!("{tag} {}", floats.join(" "));
        }
    }
    Ok(())
}
