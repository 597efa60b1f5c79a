//! AVX-512 (F + BW) kernels (x86_64).

use std::arch::x86_64::*;

/// # Safety
/// The CPU must support AVX-512F; `rows.len() == query.len() * out.len()`.
#[target_feature(enable = "avx512f")]
pub(super) unsafe fn dot_rows(query: &[f32], rows: &[f32], out: &mut [f32]) {
    let dim = query.len();
    let q = query.as_ptr();
    let body = dim - dim % 32;
    for (r, o) in out.iter_mut().enumerate() {
        // SAFETY: row r is in bounds by the caller's length contract.
        let v = unsafe { rows.as_ptr().add(r * dim) };
        let mut acc0 = _mm512_setzero_ps();
        let mut acc1 = _mm512_setzero_ps();
        let mut i = 0;
        while i < body {
            // SAFETY: i + 32 <= dim.
            unsafe {
                acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(q.add(i)), _mm512_loadu_ps(v.add(i)), acc0);
                acc1 = _mm512_fmadd_ps(
                    _mm512_loadu_ps(q.add(i + 16)),
                    _mm512_loadu_ps(v.add(i + 16)),
                    acc1,
                );
            }
            i += 32;
        }
        let mut sum = _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
        while i < dim {
            // SAFETY: i < dim.
            sum += unsafe { *q.add(i) * *v.add(i) };
            i += 1;
        }
        *o = sum;
    }
}

/// # Safety
/// The CPU must support AVX-512F and AVX-512BW; `rows.len() == query.len() * out.len()`.
#[target_feature(enable = "avx512f,avx512bw")]
pub(super) unsafe fn dot_rows_i8(query: &[i8], rows: &[i8], out: &mut [i32]) {
    let dim = query.len();
    let q = query.as_ptr();
    let body = dim - dim % 32;
    for (r, o) in out.iter_mut().enumerate() {
        // SAFETY: row r is in bounds by the caller's length contract.
        let v = unsafe { rows.as_ptr().add(r * dim) };
        let mut acc = _mm512_setzero_si512();
        let mut i = 0;
        while i < body {
            // SAFETY: i + 32 <= dim; widened to i16 so madd's products and pair sums are exact.
            unsafe {
                let a = _mm512_cvtepi8_epi16(_mm256_loadu_si256(q.add(i) as *const __m256i));
                let b = _mm512_cvtepi8_epi16(_mm256_loadu_si256(v.add(i) as *const __m256i));
                acc = _mm512_add_epi32(acc, _mm512_madd_epi16(a, b));
            }
            i += 32;
        }
        let mut sum = _mm512_reduce_add_epi32(acc);
        while i < dim {
            // SAFETY: i < dim.
            sum += unsafe { *q.add(i) as i32 * *v.add(i) as i32 };
            i += 1;
        }
        *o = sum;
    }
}
