//! Skipping frames that show nothing new. Once the server has answered that a frame holds no face,
//! frames that look like it (the empty hall) are not sent; the first frame that differs in a few
//! places (someone walking in) is. The check is a 32x24 grey thumbnail compared cell by cell, so
//! sensor noise and JPEG artefacts, which move every cell a little, do not count as change, while a
//! face of the smallest size the server judges (40 px in a 640 px frame) covers whole cells.

use image::{imageops, RgbImage};

const W: u32 = 32;
const H: u32 = 24;
/// A cell has changed when its mean grey level moved by more than this (of 255).
const CELL_DELTA: i16 = 12;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Thumb(Vec<u8>);

impl Thumb {
    pub fn of(img: &RgbImage) -> Thumb {
        let grey = imageops::grayscale(img);
        Thumb(imageops::resize(&grey, W, H, imageops::FilterType::Triangle).into_raw())
    }

    /// How many cells differ by more than `CELL_DELTA`.
    pub fn changed_cells(&self, other: &Thumb) -> usize {
        self.0
            .iter()
            .zip(&other.0)
            .filter(|(a, b)| (**a as i16 - **b as i16).abs() > CELL_DELTA)
            .count()
    }
}

#[derive(Debug)]
pub struct SceneGate {
    empty: Option<Thumb>,
    /// Cells that must change for a frame to be sent; 0 sends everything.
    min_changed: usize,
}

impl SceneGate {
    pub fn new(min_changed: usize) -> Self {
        SceneGate {
            empty: None,
            min_changed,
        }
    }

    pub fn should_send(&self, frame: &Thumb) -> bool {
        match &self.empty {
            Some(empty) if self.min_changed > 0 => empty.changed_cells(frame) >= self.min_changed,
            _ => true,
        }
    }

    /// The server found no face in this frame: it becomes the reference scene.
    pub fn answered_empty(&mut self, frame: Thumb) {
        self.empty = Some(frame);
    }

    /// The server found a face (even one too small to judge): no reference until the scene is
    /// empty again, so everything is sent meanwhile.
    pub fn answered_with_faces(&mut self) {
        self.empty = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;
    use rand::{Rng, SeedableRng};

    fn hall(noise: i16, seed: u64) -> RgbImage {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        RgbImage::from_fn(640, 480, |x, y| {
            let base = 60 + ((x / 7 + y / 5) % 90) as i16;
            let n = if noise > 0 {
                rng.gen_range(-noise..=noise)
            } else {
                0
            };
            let v = (base + n).clamp(0, 255) as u8;
            Rgb([v, v, v])
        })
    }

    #[test]
    fn sends_everything_until_the_server_has_seen_an_empty_scene() {
        let gate = SceneGate::new(4);
        assert!(gate.should_send(&Thumb::of(&hall(0, 1))));
    }

    #[test]
    fn skips_the_empty_hall_despite_sensor_noise_and_sends_a_newcomer() {
        let mut gate = SceneGate::new(4);
        gate.answered_empty(Thumb::of(&hall(8, 1)));
        for seed in 2..20 {
            assert!(
                !gate.should_send(&Thumb::of(&hall(8, seed))),
                "noise alone (seed {seed})"
            );
        }
        // A 40x40 px face-sized patch at the edge of the frame is enough.
        let mut someone = hall(8, 30);
        for y in 300..340 {
            for x in 580..620 {
                someone.put_pixel(x, y, Rgb([220, 180, 150]));
            }
        }
        assert!(gate.should_send(&Thumb::of(&someone)));
        // Once a face was seen there is no reference until an empty answer comes back.
        gate.answered_with_faces();
        assert!(gate.should_send(&Thumb::of(&hall(8, 31))));
    }

    #[test]
    fn zero_disables_skipping() {
        let mut gate = SceneGate::new(0);
        gate.answered_empty(Thumb::of(&hall(0, 1)));
        assert!(gate.should_send(&Thumb::of(&hall(0, 1))));
    }
}
