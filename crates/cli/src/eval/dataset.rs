//! Which image plays which part in an evaluation, per `../shared/eval/PROTOCOL.md`.

use std::path::{Path, PathBuf};

use anyhow::Context;

const IMAGE_EXTENSIONS: &[&str] = &[
    "jpg", "jpeg", "png", "webp", "gif", "bmp", "pgm", "ppm", "pnm", "tif", "tiff",
];

#[derive(Debug)]
pub(super) struct Identity {
    /// The folder's name.
    pub name: String,
    pub images: Vec<PathBuf>,
}

fn by_name_bytes(a: &Path, b: &Path) -> std::cmp::Ordering {
    a.file_name()
        .map(std::ffi::OsStr::as_encoded_bytes)
        .cmp(&b.file_name().map(std::ffi::OsStr::as_encoded_bytes))
}

/// The identity folders in byte order of their names, each with its images in byte order.
pub(super) fn list_dataset(root: &Path, limit: Option<usize>) -> anyhow::Result<Vec<Identity>> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .with_context(|| format!("reading dataset folder {}", root.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort_by(|a, b| by_name_bytes(a, b));
    if let Some(n) = limit {
        dirs.truncate(n);
    }
    dirs.into_iter()
        .map(|d| {
            let mut images: Vec<PathBuf> = std::fs::read_dir(&d)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.is_file()
                        && p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                            IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str())
                        })
                })
                .collect();
            images.sort_by(|a, b| by_name_bytes(a, b));
            let name = d
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            Ok(Identity { name, images })
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Role {
    Enrol(u64),
    Genuine(u64),
    Impostor,
}

/// Which image plays which part: identities with one image are impostors; the others enrol their
/// first `k` images and probe with the next ten. With `leave_out` = m, every m-th identity (the
/// m-th, 2m-th, ... in order) is never enrolled and its first eleven images are impostor probes:
/// for sets where everybody has several images (ORL, Yale).
pub(super) fn plan(
    identities: &[Identity],
    k: usize,
    leave_out: Option<usize>,
) -> Vec<(PathBuf, Role)> {
    let mut jobs = Vec::new();
    for (idx, ident) in identities.iter().enumerate() {
        let id = idx as u64;
        let n = ident.images.len();
        let left_out = leave_out.is_some_and(|m| m > 0 && idx % m == m - 1);
        if n == 1 || left_out {
            for img in ident.images.iter().take(11) {
                jobs.push((img.clone(), Role::Impostor));
            }
        } else if n > k {
            for (i, img) in ident.images.iter().enumerate().take(k + 10) {
                let role = if i < k {
                    Role::Enrol(id)
                } else {
                    Role::Genuine(id)
                };
                jobs.push((img.clone(), role));
            }
        }
    }
    jobs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ident(n: usize) -> Identity {
        Identity {
            name: format!("person{n}"),
            images: (0..n)
                .map(|i| PathBuf::from(format!("img{i:02}.jpg")))
                .collect(),
        }
    }

    #[test]
    fn single_enrolment_plan_follows_the_protocol() {
        let ids = [ident(1), ident(2), ident(15)];
        let p = plan(&ids, 1, None);
        assert_eq!(p[0].1, Role::Impostor);
        assert_eq!(p[1].1, Role::Enrol(1));
        assert_eq!(p[2].1, Role::Genuine(1));
        let third: Vec<_> = p
            .iter()
            .filter(|(_, r)| matches!(r, Role::Enrol(2) | Role::Genuine(2)))
            .collect();
        assert_eq!(
            third.len(),
            11,
            "one enrolment image and at most ten probes"
        );
        assert_eq!(third[10].0, PathBuf::from("img10.jpg"));
    }

    #[test]
    fn multi_enrolment_leaves_out_small_identities() {
        let ids = [ident(1), ident(3), ident(4)];
        let p = plan(&ids, 3, None);
        assert!(p
            .iter()
            .all(|(_, r)| !matches!(r, Role::Enrol(1) | Role::Genuine(1))));
        assert_eq!(p.iter().filter(|(_, r)| *r == Role::Enrol(2)).count(), 3);
        assert_eq!(p.iter().filter(|(_, r)| *r == Role::Genuine(2)).count(), 1);
        assert_eq!(p[0].1, Role::Impostor);
    }

    #[test]
    fn leaving_out_every_second_identity_makes_impostors_of_them() {
        let ids = [ident(10), ident(12), ident(10), ident(3)];
        let p = plan(&ids, 1, Some(2));
        let impostors = p.iter().filter(|(_, r)| *r == Role::Impostor).count();
        assert_eq!(
            impostors,
            11 + 3,
            "the 2nd and 4th, at most eleven images each"
        );
        assert_eq!(
            p.iter()
                .filter(|(_, r)| matches!(r, Role::Enrol(_)))
                .count(),
            2
        );
        assert!(p.iter().all(|(_, r)| !matches!(r, Role::Enrol(1 | 3))));
    }
}
