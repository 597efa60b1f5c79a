//! The reference every SIMD kernel is tested against; also the fallback on any CPU.

pub(crate) fn dot_rows(query: &[f32], rows: &[f32], out: &mut [f32]) {
    for (row, o) in rows.chunks_exact(query.len()).zip(out.iter_mut()) {
        *o = query.iter().zip(row).map(|(a, b)| a * b).sum();
    }
}

pub(crate) fn dot_rows_i8(query: &[i8], rows: &[i8], out: &mut [i32]) {
    for (row, o) in rows.chunks_exact(query.len()).zip(out.iter_mut()) {
        *o = query
            .iter()
            .zip(row)
            .map(|(&a, &b)| a as i32 * b as i32)
            .sum();
    }
}
