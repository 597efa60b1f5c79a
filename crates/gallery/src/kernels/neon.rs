//! NEON kernels (aarch64).

use std::arch::aarch64::*;

/// # Safety
/// The CPU must support NEON; `rows.len() == query.len() * out.len()`.
#[target_feature(enable = "neon")]
pub(super) unsafe fn dot_rows(query: &[f32], rows: &[f32], out: &mut [f32]) {
    let dim = query.len();
    let q = query.as_ptr();
    let body = dim - dim % 8;
    for (r, o) in out.iter_mut().enumerate() {
        // SAFETY: row r is in bounds by the caller's length contract; loads stay below `body`.
        unsafe {
            let v = rows.as_ptr().add(r * dim);
            let mut acc0 = vdupq_n_f32(0.0);
            let mut acc1 = vdupq_n_f32(0.0);
            let mut i = 0;
            while i < body {
                acc0 = vfmaq_f32(acc0, vld1q_f32(q.add(i)), vld1q_f32(v.add(i)));
                acc1 = vfmaq_f32(acc1, vld1q_f32(q.add(i + 4)), vld1q_f32(v.add(i + 4)));
                i += 8;
            }
            let mut sum = vaddvq_f32(vaddq_f32(acc0, acc1));
            while i < dim {
                sum += *q.add(i) * *v.add(i);
                i += 1;
            }
            *o = sum;
        }
    }
}

/// # Safety
/// The CPU must support NEON; `rows.len() == query.len() * out.len()`.
#[target_feature(enable = "neon")]
pub(super) unsafe fn dot_rows_i8(query: &[i8], rows: &[i8], out: &mut [i32]) {
    let dim = query.len();
    let q = query.as_ptr();
    let body = dim - dim % 16;
    for (r, o) in out.iter_mut().enumerate() {
        // SAFETY: row r is in bounds by the caller's length contract; loads stay below `body`.
        unsafe {
            let v = rows.as_ptr().add(r * dim);
            let mut acc = vdupq_n_s32(0);
            let mut i = 0;
            while i < body {
                let a = vld1q_s8(q.add(i));
                let b = vld1q_s8(v.add(i));
                let lo = vmull_s8(vget_low_s8(a), vget_low_s8(b));
                let hi = vmull_s8(vget_high_s8(a), vget_high_s8(b));
                acc = vpadalq_s16(acc, lo);
                acc = vpadalq_s16(acc, hi);
                i += 16;
            }
            let mut sum = vaddvq_s32(acc);
            while i < dim {
                sum += *q.add(i) as i32 * *v.add(i) as i32;
                i += 1;
            }
            *o = sum;
        }
    }
}
