//! Inner-product kernels, one module per instruction set, behind one safe dispatcher.
//!
//! The backend is chosen once per process from what the CPU reports; every public function checks
//! slice lengths before calling a `#[target_feature]` kernel, which is what makes those calls sound.
#![allow(unsafe_code)]

pub(crate) mod scalar;

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;
#[cfg(target_arch = "aarch64")]
mod neon;

use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Scalar,
    Avx2,
    Avx512,
    Neon,
}

impl Backend {
    /// The fastest instruction set this CPU has (`ROLLCALL_SIMD=scalar|avx2|avx512|neon` narrows it, for
    /// benchmarks and to rule SIMD out when debugging; an unavailable choice falls back to detection).
    pub fn detect() -> Backend {
        static CHOSEN: OnceLock<Backend> = OnceLock::new();
        *CHOSEN.get_or_init(|| {
            let wanted = std::env::var("ROLLCALL_SIMD").ok();
            let available = Backend::available();
            if let Some(w) = wanted {
                if let Some(b) = available.iter().find(|b| b.name() == w) {
                    return *b;
                }
            }
            *available.last().unwrap_or(&Backend::Scalar)
        })
    }

    /// Every backend this CPU can run, slowest first (always starts with `Scalar`).
    pub fn available() -> Vec<Backend> {
        let mut v = vec![Backend::Scalar];
        #[cfg(target_arch = "x86_64")]
        {
            if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
                v.push(Backend::Avx2);
            }
            if is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512bw") {
                v.push(Backend::Avx512);
            }
        }
        #[cfg(target_arch = "aarch64")]
        {
            if std::arch::is_aarch64_feature_detected!("neon") {
                v.push(Backend::Neon);
            }
        }
        v
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Scalar => "scalar",
            Backend::Avx2 => "avx2",
            Backend::Avx512 => "avx512",
            Backend::Neon => "neon",
        }
    }

    fn check(self) {
        assert!(
            Backend::available().contains(&self),
            "{} is not available on this CPU",
            self.name()
        );
    }

    /// `out[i] = query . rows[i*dim .. (i+1)*dim]`.
    pub fn dot_rows(self, query: &[f32], rows: &[f32], out: &mut [f32]) {
        let dim = query.len();
        assert!(
            dim > 0 && rows.len() == dim * out.len(),
            "rows must hold out.len() vectors of query.len()"
        );
        match self {
            Backend::Scalar => scalar::dot_rows(query, rows, out),
            #[cfg(target_arch = "x86_64")]
            Backend::Avx2 => {
                self.check();
                // SAFETY: avx2 and fma are present (checked above); lengths were checked above.
                unsafe { avx2::dot_rows(query, rows, out) }
            }
            #[cfg(target_arch = "x86_64")]
            Backend::Avx512 => {
                self.check();
                // SAFETY: avx512f is present (checked above); lengths were checked above.
                unsafe { avx512::dot_rows(query, rows, out) }
            }
            #[cfg(target_arch = "aarch64")]
            Backend::Neon => {
                self.check();
                // SAFETY: neon is present (checked above); lengths were checked above.
                unsafe { neon::dot_rows(query, rows, out) }
            }
            #[allow(unreachable_patterns)]
            _ => scalar::dot_rows(query, rows, out),
        }
    }

    /// `out[i] = query . rows[i*dim .. (i+1)*dim]` on int8 vectors, accumulated exactly in i32.
    pub fn dot_rows_i8(self, query: &[i8], rows: &[i8], out: &mut [i32]) {
        let dim = query.len();
        assert!(
            dim > 0 && rows.len() == dim * out.len(),
            "rows must hold out.len() vectors of query.len()"
        );
        match self {
            Backend::Scalar => scalar::dot_rows_i8(query, rows, out),
            #[cfg(target_arch = "x86_64")]
            Backend::Avx2 => {
                self.check();
                // SAFETY: avx2 is present (checked above); lengths were checked above.
                unsafe { avx2::dot_rows_i8(query, rows, out) }
            }
            #[cfg(target_arch = "x86_64")]
            Backend::Avx512 => {
                self.check();
                // SAFETY: avx512f and avx512bw are present (checked above); lengths were checked above.
                unsafe { avx512::dot_rows_i8(query, rows, out) }
            }
            #[cfg(target_arch = "aarch64")]
            Backend::Neon => {
                self.check();
                // SAFETY: neon is present (checked above); lengths were checked above.
                unsafe { neon::dot_rows_i8(query, rows, out) }
            }
            #[allow(unreachable_patterns)]
            _ => scalar::dot_rows_i8(query, rows, out),
        }
    }
}

/// Inner product of two equal-length vectors on the detected backend.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    if a.is_empty() {
        return 0.0;
    }
    let mut out = [0f32];
    Backend::detect().dot_rows(a, b, &mut out);
    out[0]
}

/// Integer inner product of two equal-length int8 vectors on the detected backend.
pub fn dot_i8(a: &[i8], b: &[i8]) -> i32 {
    assert_eq!(a.len(), b.len());
    if a.is_empty() {
        return 0;
    }
    let mut out = [0i32];
    Backend::detect().dot_rows_i8(a, b, &mut out);
    out[0]
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    const LENGTHS: [usize; 9] = [1, 7, 8, 15, 16, 33, 128, 513, 1000];

    fn random_f32(rng: &mut impl Rng, n: usize) -> Vec<f32> {
        (0..n).map(|_| rng.gen_range(-1.0..1.0)).collect()
    }

    #[test]
    fn every_backend_matches_scalar_f32() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for backend in Backend::available() {
            for dim in LENGTHS {
                let rows = 5;
                let q = random_f32(&mut rng, dim);
                let data = random_f32(&mut rng, dim * rows);
                let mut want = vec![0f32; rows];
                let mut got = vec![0f32; rows];
                scalar::dot_rows(&q, &data, &mut want);
                backend.dot_rows(&q, &data, &mut got);
                for (w, g) in want.iter().zip(&got) {
                    assert!(
                        (w - g).abs() <= 1e-4 * (dim as f32).sqrt(),
                        "{backend:?} dim {dim}: {w} vs {g}"
                    );
                }
            }
        }
    }

    #[test]
    fn every_backend_matches_scalar_i8_exactly() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(8);
        for backend in Backend::available() {
            for dim in LENGTHS {
                let rows = 5;
                // Include the extremes: -128 * -128 sums are where 16-bit shortcuts overflow.
                let q: Vec<i8> = (0..dim)
                    .map(|i| if i % 5 == 0 { -128 } else { rng.gen() })
                    .collect();
                let data: Vec<i8> = (0..dim * rows)
                    .map(|i| if i % 3 == 0 { -128 } else { rng.gen() })
                    .collect();
                let mut want = vec![0i32; rows];
                let mut got = vec![0i32; rows];
                scalar::dot_rows_i8(&q, &data, &mut want);
                backend.dot_rows_i8(&q, &data, &mut got);
                assert_eq!(want, got, "{backend:?} dim {dim}");
            }
        }
    }

    #[test]
    fn empty_vectors_have_zero_product() {
        assert_eq!(dot(&[], &[]), 0.0);
        assert_eq!(dot_i8(&[], &[]), 0);
        let mut out: [f32; 0] = [];
        Backend::detect().dot_rows(&[1.0], &[], &mut out);
    }

    #[test]
    fn dispatcher_picks_an_available_backend() {
        assert!(Backend::available().contains(&Backend::detect()));
        assert_eq!(dot(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]), 32.0);
        assert_eq!(dot_i8(&[-128, 127], &[-128, 127]), 16384 + 16129);
    }
}
