/// A detection box in pixel coordinates of the frame, MTCNN convention (inclusive corners, so a box
/// from x1 to x2 is `x2 - x1 + 1` pixels wide).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BBox {
    pub x1: f32,
    pub y1: f32,
    pub x2: f32,
    pub y2: f32,
    pub score: f32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NmsMethod {
    /// Intersection over union.
    Union,
    /// Intersection over the smaller box: also removes a box nested inside a better one.
    Min,
}

impl BBox {
    pub fn width(&self) -> f32 {
        self.x2 - self.x1 + 1.0
    }

    pub fn height(&self) -> f32 {
        self.y2 - self.y1 + 1.0
    }

    fn area(&self) -> f32 {
        self.width() * self.height()
    }

    fn overlap(&self, other: &BBox, method: NmsMethod) -> f32 {
        let w = (self.x2.min(other.x2) - self.x1.max(other.x1) + 1.0).max(0.0);
        let h = (self.y2.min(other.y2) - self.y1.max(other.y1) + 1.0).max(0.0);
        let inter = w * h;
        match method {
            NmsMethod::Union => inter / (self.area() + other.area() - inter),
            NmsMethod::Min => inter / self.area().min(other.area()),
        }
    }

    /// Applies the network's box regression (offsets in units of the box size).
    pub fn regress(&self, reg: [f32; 4]) -> BBox {
        let (w, h) = (self.width(), self.height());
        BBox {
            x1: self.x1 + reg[0] * w,
            y1: self.y1 + reg[1] * h,
            x2: self.x2 + reg[2] * w,
            y2: self.y2 + reg[3] * h,
            score: self.score,
        }
    }

    /// The square of side max(w, h) with the same centre (the next stage takes square crops).
    pub fn squared(&self) -> BBox {
        let w = self.x2 - self.x1;
        let h = self.y2 - self.y1;
        let side = w.max(h);
        let x1 = self.x1 + w * 0.5 - side * 0.5;
        let y1 = self.y1 + h * 0.5 - side * 0.5;
        BBox {
            x1,
            y1,
            x2: x1 + side,
            y2: y1 + side,
            score: self.score,
        }
    }

    /// Truncates the corners toward zero, as the reference cascade does between stages.
    pub fn truncated(&self) -> BBox {
        BBox {
            x1: self.x1.trunc(),
            y1: self.y1.trunc(),
            x2: self.x2.trunc(),
            y2: self.y2.trunc(),
            score: self.score,
        }
    }
}

/// Greedy non-maximum suppression: indices of the kept boxes, best score first.
pub fn nms(boxes: &[BBox], threshold: f32, method: NmsMethod) -> Vec<usize> {
    let mut order: Vec<usize> = (0..boxes.len()).collect();
    order.sort_by(|&a, &b| boxes[b].score.total_cmp(&boxes[a].score));
    let mut keep = Vec::new();
    let mut suppressed = vec![false; boxes.len()];
    for (pos, &i) in order.iter().enumerate() {
        if suppressed[i] {
            continue;
        }
        keep.push(i);
        for &j in &order[pos + 1..] {
            if !suppressed[j] && boxes[i].overlap(&boxes[j], method) > threshold {
                suppressed[j] = true;
            }
        }
    }
    keep
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(x1: f32, y1: f32, x2: f32, y2: f32, score: f32) -> BBox {
        BBox {
            x1,
            y1,
            x2,
            y2,
            score,
        }
    }

    #[test]
    fn nms_keeps_best_of_overlapping_and_disjoint_boxes() {
        let boxes = [
            b(0., 0., 9., 9., 0.8),
            b(1., 1., 10., 10., 0.9),
            b(50., 50., 59., 59., 0.7),
        ];
        assert_eq!(nms(&boxes, 0.5, NmsMethod::Union), vec![1, 2]);
    }

    #[test]
    fn nms_min_removes_nested_box_union_keeps_it() {
        let boxes = [b(0., 0., 99., 99., 0.9), b(10., 10., 29., 29., 0.8)];
        assert_eq!(nms(&boxes, 0.7, NmsMethod::Min), vec![0]);
        assert_eq!(nms(&boxes, 0.7, NmsMethod::Union), vec![0, 1]);
    }

    #[test]
    fn nms_of_nothing_is_nothing() {
        assert!(nms(&[], 0.5, NmsMethod::Union).is_empty());
    }

    #[test]
    fn regression_moves_corners_by_box_size() {
        let r = b(10., 20., 19., 39., 1.).regress([0.1, -0.1, 0.2, 0.0]);
        assert_eq!((r.x1, r.y1, r.x2, r.y2), (11., 18., 21., 39.));
    }

    #[test]
    fn squared_keeps_centre_and_takes_longer_side() {
        let s = b(0., 0., 10., 20., 1.).squared();
        assert_eq!((s.x1, s.y1, s.x2, s.y2), (-5., 0., 15., 20.));
    }
}
