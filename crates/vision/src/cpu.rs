//! Which processor the models run on: its name and the instruction-set level that decides ONNX
//! Runtime's kernels. Speeds differ about 2x between an AVX2-only processor and one with AMX, and
//! the 8-bit kernels differ in arithmetic (`vpmaddubsw` on AVX2 saturates 16-bit pair sums, VNNI and
//! AMX do not), so every measured figure names the level it was taken on.

use std::fmt;

use serde::Serialize;

/// The highest level that matters for inference, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IsaLevel {
    /// Intel AMX tiles with 8-bit integers (Sapphire Rapids and later Xeons).
    Amx,
    /// AVX-512 with VNNI (Cascade Lake and later Xeons, AMD Zen 4 and later).
    Avx512Vnni,
    /// AVX-512 without VNNI (Skylake-SP): 8-bit products go through `vpmaddubsw`.
    Avx512,
    /// AVX2 with the 256-bit VNNI (Alder Lake and later desktops).
    AvxVnni,
    /// AVX2 only (AMD Zen 2/3, Intel before Skylake-SP): 8-bit products go through `vpmaddubsw`.
    Avx2,
    /// x86-64 without AVX2.
    X86Baseline,
    /// ARM64 with the 8-bit dot-product instructions.
    Arm64Dotprod,
    /// ARM64 without them.
    Arm64,
    /// Anything else.
    Other,
}

impl IsaLevel {
    /// The level as people write it.
    pub fn label(self) -> &'static str {
        match self {
            IsaLevel::Amx => "AMX",
            IsaLevel::Avx512Vnni => "AVX-512 VNNI (no AMX)",
            IsaLevel::Avx512 => "AVX-512 (no VNNI)",
            IsaLevel::AvxVnni => "AVX-VNNI (no AVX-512)",
            IsaLevel::Avx2 => "AVX2 only",
            IsaLevel::X86Baseline => "x86-64 without AVX2",
            IsaLevel::Arm64Dotprod => "ARM64 with dot product",
            IsaLevel::Arm64 => "ARM64",
            IsaLevel::Other => "unknown instruction set",
        }
    }
}

/// The processor this process runs on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cpu {
    /// The processor's own name (its CPUID brand string on x86).
    pub model: String,
    /// Cores this process may use.
    pub cores: usize,
    pub level: IsaLevel,
}

impl Cpu {
    /// Reads the processor's name and level (as the processor, or its emulator, reports them).
    pub fn detect() -> Cpu {
        Cpu {
            model: model_name(),
            cores: std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
            level: level(),
        }
    }
}

impl fmt::Display for Cpu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}, {} cores, {}",
            self.model,
            self.cores,
            self.level.label()
        )
    }
}

#[cfg(target_arch = "x86_64")]
fn level() -> IsaLevel {
    use std::arch::is_x86_feature_detected as has;
    // AVX-512 and AVX2 through std, which also checks that the OS saves the registers; AMX through
    // CPUID, which std does not expose on stable Rust.
    let amx = raw_cpuid::CpuId::new()
        .get_extended_feature_info()
        .is_some_and(|f| f.has_amx_tile() && f.has_amx_int8());
    if has!("avx512f") && has!("avx512bw") {
        if amx {
            IsaLevel::Amx
        } else if has!("avx512vnni") {
            IsaLevel::Avx512Vnni
        } else {
            IsaLevel::Avx512
        }
    } else if has!("avx2") {
        if has!("avxvnni") {
            IsaLevel::AvxVnni
        } else {
            IsaLevel::Avx2
        }
    } else {
        IsaLevel::X86Baseline
    }
}

#[cfg(target_arch = "aarch64")]
fn level() -> IsaLevel {
    if std::arch::is_aarch64_feature_detected!("dotprod") {
        IsaLevel::Arm64Dotprod
    } else {
        IsaLevel::Arm64
    }
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
fn level() -> IsaLevel {
    IsaLevel::Other
}

#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
fn model_name() -> String {
    raw_cpuid::CpuId::new()
        .get_processor_brand_string()
        .map(|b| b.as_str().trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unnamed x86 processor".to_string())
}

#[cfg(not(any(target_arch = "x86", target_arch = "x86_64")))]
fn model_name() -> String {
    // ARM kernels list no model name in /proc/cpuinfo; the implementer and part numbers are what
    // they offer, and they say little to a reader.
    format!("{} processor", std::env::consts::ARCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_this_processor_and_a_level_that_fits_its_architecture() {
        let cpu = Cpu::detect();
        assert!(!cpu.model.is_empty());
        assert!(cpu.cores >= 1);
        let x86 = matches!(
            cpu.level,
            IsaLevel::Amx
                | IsaLevel::Avx512Vnni
                | IsaLevel::Avx512
                | IsaLevel::AvxVnni
                | IsaLevel::Avx2
                | IsaLevel::X86Baseline
        );
        assert_eq!(x86, cfg!(target_arch = "x86_64"), "{cpu}");
        let line = cpu.to_string();
        assert!(
            line.contains(&cpu.model) && line.contains(cpu.level.label()),
            "{line}"
        );
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_level_agrees_with_what_std_detects() {
        use std::arch::is_x86_feature_detected as has;
        let level = Cpu::detect().level;
        let avx512 = has!("avx512f") && has!("avx512bw");
        assert_eq!(level == IsaLevel::X86Baseline, !has!("avx2"));
        assert_eq!(
            matches!(
                level,
                IsaLevel::Amx | IsaLevel::Avx512Vnni | IsaLevel::Avx512
            ),
            avx512
        );
        assert_eq!(level == IsaLevel::Avx512, avx512 && !has!("avx512vnni"));
        assert_eq!(
            level == IsaLevel::Avx2,
            has!("avx2") && !avx512 && !has!("avxvnni")
        );
    }
}
