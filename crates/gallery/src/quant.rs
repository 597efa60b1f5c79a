/// Symmetric per-vector int8 quantisation: `v ~ scale * q` with `scale = max|v| / 127`.
///
/// Per-vector (rather than per-dimension) scales keep the integer dot product a plain `i32` sum that
/// one multiplication by `scale_a * scale_b` turns back into an approximate inner product, and
/// `error` (the L2 norm of `v - scale * q`) bounds how far that approximation can be off.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantizedVector {
    pub values: Vec<i8>,
    pub scale: f32,
    /// `|| v - scale * q ||`.
    pub error: f32,
    /// `|| scale * q ||`.
    pub norm: f32,
}

impl QuantizedVector {
    pub fn new(v: &[f32]) -> Self {
        let max = v.iter().fold(0f32, |m, x| m.max(x.abs()));
        let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
        let values: Vec<i8> = v
            .iter()
            .map(|x| (x / scale).round().clamp(-127.0, 127.0) as i8)
            .collect();
        let (mut err, mut norm) = (0f64, 0f64);
        for (x, q) in v.iter().zip(&values) {
            let r = *q as f64 * scale as f64;
            err += (*x as f64 - r).powi(2);
            norm += r * r;
        }
        // Rounded up a hair so that float rounding in the bound never makes it too tight.
        Self {
            values,
            scale,
            error: (err.sqrt() * (1.0 + 1e-6) + 1e-7) as f32,
            norm: (norm.sqrt() * (1.0 + 1e-6)) as f32,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_is_close_and_error_is_an_upper_bound() {
        let v: Vec<f32> = (0..128).map(|i| ((i as f32) * 0.37).sin() / 8.0).collect();
        let q = QuantizedVector::new(&v);
        let max_err = v
            .iter()
            .zip(&q.values)
            .map(|(x, y)| (x - *y as f32 * q.scale).abs())
            .fold(0f32, f32::max);
        assert!(max_err <= q.scale / 2.0 + 1e-7);
        let l2: f32 = v
            .iter()
            .zip(&q.values)
            .map(|(x, y)| (x - *y as f32 * q.scale).powi(2))
            .sum::<f32>()
            .sqrt();
        assert!(l2 <= q.error);
        assert_eq!(q.values.iter().map(|x| x.unsigned_abs()).max(), Some(127));
    }

    #[test]
    fn zero_vector_quantises_to_zero() {
        let q = QuantizedVector::new(&[0.0; 4]);
        assert_eq!(q.values, vec![0; 4]);
        assert_eq!(q.error, 1e-7);
    }
}
