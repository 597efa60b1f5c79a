//! AVX2 + FMA kernels (x86_64).

use std::arch::x86_64::*;

#[inline]
#[target_feature(enable = "avx2,fma")]
fn hsum_ps(v: __m256) -> f32 {
    let lo = _mm256_castps256_ps128(v);
    let hi = _mm256_extractf128_ps::<1>(v);
    let s = _mm_add_ps(lo, hi);
    let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    let s = _mm_add_ss(s, _mm_shuffle_ps::<0b01>(s, s));
    _mm_cvtss_f32(s)
}

#[inline]
#[target_feature(enable = "avx2")]
fn hsum_epi32(v: __m256i) -> i32 {
    let s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256::<1>(v));
    let s = _mm_add_epi32(s, _mm_shuffle_epi32::<0b01_00_11_10>(s));
    let s = _mm_add_epi32(s, _mm_shuffle_epi32::<0b10_11_00_01>(s));
    _mm_cvtsi128_si32(s)
}

/// # Safety
/// The CPU must support AVX2 and FMA; `rows.len() == query.len() * out.len()`.
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn dot_rows(query: &[f32], rows: &[f32], out: &mut [f32]) {
    let dim = query.len();
    let q = query.as_ptr();
    let body = dim - dim % 16;
    for (r, o) in out.iter_mut().enumerate() {
        // SAFETY: row r spans rows[r*dim .. (r+1)*dim], in bounds by the caller's length contract.
        let v = unsafe { rows.as_ptr().add(r * dim) };
        let mut acc0 = _mm256_setzero_ps();
        let mut acc1 = _mm256_setzero_ps();
        let mut i = 0;
        while i < body {
            // SAFETY: i + 16 <= body <= dim, so every load stays inside the query and the row.
            unsafe {
                acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(q.add(i)), _mm256_loadu_ps(v.add(i)), acc0);
                acc1 = _mm256_fmadd_ps(
                    _mm256_loadu_ps(q.add(i + 8)),
                    _mm256_loadu_ps(v.add(i + 8)),
                    acc1,
                );
            }
            i += 16;
        }
        let mut sum = hsum_ps(_mm256_add_ps(acc0, acc1));
        while i < dim {
            // SAFETY: i < dim.
            sum += unsafe { *q.add(i) * *v.add(i) };
            i += 1;
        }
        *o = sum;
    }
}

/// # Safety
/// The CPU must support AVX2; `rows.len() == query.len() * out.len()`.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn dot_rows_i8(query: &[i8], rows: &[i8], out: &mut [i32]) {
    let dim = query.len();
    let q = query.as_ptr();
    let body = dim - dim % 16;
    for (r, o) in out.iter_mut().enumerate() {
        // SAFETY: row r is in bounds by the caller's length contract.
        let v = unsafe { rows.as_ptr().add(r * dim) };
        let mut acc = _mm256_setzero_si256();
        let mut i = 0;
        while i < body {
            // SAFETY: i + 16 <= dim. Widening to i16 then madd keeps every product and pair sum exact
            // (|-128 * -128 * 2| fits in i32), unlike maddubs, which saturates at i16.
            unsafe {
                let a = _mm256_cvtepi8_epi16(_mm_loadu_si128(q.add(i) as *const __m128i));
                let b = _mm256_cvtepi8_epi16(_mm_loadu_si128(v.add(i) as *const __m128i));
                acc = _mm256_add_epi32(acc, _mm256_madd_epi16(a, b));
            }
            i += 16;
        }
        let mut sum = hsum_epi32(acc);
        while i < dim {
            // SAFETY: i < dim.
            sum += unsafe { *q.add(i) as i32 * *v.add(i) as i32 };
            i += 1;
        }
        *o = sum;
    }
}
