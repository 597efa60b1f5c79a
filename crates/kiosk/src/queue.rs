//! The kiosk's on-disk queue: frames wait here until the server has answered them, across server
//! outages and kiosk restarts. They are faces, so they are sealed: each file is AES-256-GCM under a
//! key kept beside the queue folder (`<folder>.key`, 0600; the folder itself 0700), bound to its
//! own name so that files cannot be swapped. A copy of the folder alone holds no picture.

use std::path::{Path, PathBuf};

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use rand::RngCore;
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("queue folder {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "queue key {path}: not a 32-byte key file (remove it and the queue folder to start anew)"
    )]
    BadKey { path: PathBuf },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameMeta {
    pub kiosk_frame_id: String,
    /// RFC 3339.
    pub captured_at: String,
    /// The frame's scene thumbnail, taken at capture: if the server finds no face in it, it becomes
    /// the empty scene later frames are compared with (`scene`). Absent in frames queued by older
    /// kiosks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumb: Option<crate::scene::Thumb>,
}

/// Frames waiting for the server, one sealed `NNNNNNNNNNNN.frame` + `.meta` pair each, oldest first.
/// Each file is written to a temporary name and renamed, so a crash never leaves half a frame; what
/// a crash does leave (a temporary file, an image whose metadata was never written or was already
/// removed) is removed when the queue is opened. When full, the oldest frame is dropped (a person
/// who walked past long ago is also likely to show up in newer frames of the same walk-by; the
/// kiosk reports every drop).
pub struct DiskQueue {
    dir: PathBuf,
    max: usize,
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for DiskQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiskQueue")
            .field("dir", &self.dir)
            .field("max", &self.max)
            .finish_non_exhaustive()
    }
}

const IMAGE: &str = "frame";
const META: &str = "meta";
const NONCE: usize = 12;

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> QueueError + '_ {
    move |source| QueueError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Creates `path` for this user only (0600 on Unix), failing if it exists.
fn create_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(data)
}

/// The queue's key, `<dir>.key` beside the folder: read, or made once.
fn load_key(dir: &Path) -> Result<Aes256Gcm, QueueError> {
    let mut name = dir.as_os_str().to_owned();
    name.push(".key");
    let path = PathBuf::from(name);
    if !path.exists() {
        let mut key = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut key);
        match create_private(&path, &key) {
            Ok(()) => {}
            // Another kiosk process on the same folder made it first: use theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(io(&path)(e)),
        }
    }
    let key = std::fs::read(&path).map_err(io(&path))?;
    if key.len() != 32 {
        return Err(QueueError::BadKey { path });
    }
    Ok(Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&key)))
}

impl DiskQueue {
    pub fn open(dir: &Path, max: usize) -> Result<Self, QueueError> {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                .map_err(io(dir))?;
        }
        let queue = Self {
            dir: dir.to_path_buf(),
            max: max.max(1),
            cipher: load_key(dir)?,
        };
        queue.remove_leftovers()?;
        Ok(queue)
    }

    /// What a crash can leave: temporary files, images without metadata, and the plaintext files
    /// of kiosks from before the queue was sealed (`.jpg`, `.json`), which are sealed here.
    fn remove_leftovers(&self) -> Result<(), QueueError> {
        let names: Vec<String> = std::fs::read_dir(&self.dir)
            .map_err(io(&self.dir))?
            .filter_map(Result::ok)
            .filter_map(|e| e.file_name().into_string().ok())
            .collect();
        // Legacy pairs are sealed before anything is removed: either half may come first here.
        for stem in names.iter().filter_map(|n| n.strip_suffix(".jpg")) {
            self.seal_plaintext(stem)?;
        }
        let sealed = self.seqs()?;
        for name in &names {
            let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
            let has_meta = stem.parse().is_ok_and(|seq: u64| sealed.contains(&seq));
            let leftover = match ext {
                "tmp" | "jpg" | "json" => true,
                IMAGE => !has_meta,
                _ => false,
            };
            if leftover {
                remove_file(&self.dir.join(name))?;
            }
        }
        Ok(())
    }

    /// Seals an entry a kiosk wrote before the queue was sealed, under the same sequence number.
    fn seal_plaintext(&self, stem: &str) -> Result<(), QueueError> {
        let (Ok(seq), Ok(jpeg), Ok(meta)) = (
            stem.parse::<u64>(),
            std::fs::read(self.dir.join(format!("{stem}.jpg"))),
            std::fs::read(self.dir.join(format!("{stem}.json"))),
        ) else {
            return Ok(());
        };
        self.write(seq, IMAGE, &jpeg)?;
        self.write(seq, META, &meta)
    }

    fn seqs(&self) -> Result<Vec<u64>, QueueError> {
        let mut seqs: Vec<u64> = std::fs::read_dir(&self.dir)
            .map_err(io(&self.dir))?
            .filter_map(Result::ok)
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                name.strip_suffix(&format!(".{META}"))?.parse().ok()
            })
            .collect();
        seqs.sort_unstable();
        Ok(seqs)
    }

    pub fn len(&self) -> Result<usize, QueueError> {
        Ok(self.seqs()?.len())
    }

    pub fn is_empty(&self) -> Result<bool, QueueError> {
        Ok(self.len()? == 0)
    }

    fn name(seq: u64, ext: &str) -> String {
        format!("{seq:012}.{ext}")
    }

    /// Seals `data` under the file's own name (so a file moved to another name does not open) and
    /// writes it through a temporary file.
    fn write(&self, seq: u64, ext: &str, data: &[u8]) -> Result<(), QueueError> {
        let name = Self::name(seq, ext);
        let mut nonce = [0u8; NONCE];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: data,
                    aad: name.as_bytes(),
                },
            )
            .expect("AES-GCM seals any length the queue writes");
        let tmp = self.dir.join(format!(".{name}.tmp"));
        let _ = std::fs::remove_file(&tmp);
        create_private(&tmp, &[&nonce[..], &sealed].concat()).map_err(io(&tmp))?;
        std::fs::rename(&tmp, self.dir.join(&name)).map_err(io(&self.dir))
    }

    /// The opened content of a file, or `None` when it is missing, damaged or not sealed by this key.
    fn read(&self, seq: u64, ext: &str) -> Option<Vec<u8>> {
        let name = Self::name(seq, ext);
        let bytes = std::fs::read(self.dir.join(&name)).ok()?;
        let (nonce, sealed) = bytes.split_at_checked(NONCE)?;
        self.cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: name.as_bytes(),
                },
            )
            .ok()
    }

    /// Appends a frame; returns how many old frames were dropped to make room.
    pub fn push(&self, jpeg: &[u8], meta: &FrameMeta) -> Result<usize, QueueError> {
        let seqs = self.seqs()?;
        let mut dropped = 0;
        for seq in seqs.iter().take((seqs.len() + 1).saturating_sub(self.max)) {
            self.remove(*seq)?;
            dropped += 1;
        }
        let seq = seqs.last().map_or(0, |s| s + 1);
        // The image first: a frame exists once its metadata does.
        self.write(seq, IMAGE, jpeg)?;
        self.write(
            seq,
            META,
            &serde_json::to_vec(meta).expect("meta serialises"),
        )?;
        Ok(dropped)
    }

    /// The oldest frame, if any.
    pub fn oldest(&self) -> Result<Option<(u64, FrameMeta, Vec<u8>)>, QueueError> {
        for seq in self.seqs()? {
            let meta = self
                .read(seq, META)
                .and_then(|m| serde_json::from_slice::<FrameMeta>(&m).ok());
            match (meta, self.read(seq, IMAGE)) {
                (Some(meta), Some(img)) => return Ok(Some((seq, meta, img))),
                // A damaged entry cannot be delivered; drop it rather than block the queue.
                _ => self.remove(seq)?,
            }
        }
        Ok(None)
    }

    /// Removes a frame (delivered, or dropped): the metadata first, so that a crash half-way leaves
    /// an image without metadata, which the next `open` removes.
    pub fn remove(&self, seq: u64) -> Result<(), QueueError> {
        for ext in [META, IMAGE] {
            remove_file(&self.dir.join(Self::name(seq, ext)))?;
        }
        Ok(())
    }
}

fn remove_file(path: &Path) -> Result<(), QueueError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(QueueError::Io {
            path: path.to_path_buf(),
            source: e,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(id: &str) -> FrameMeta {
        FrameMeta {
            kiosk_frame_id: id.into(),
            captured_at: "2026-11-24T10:00:00Z".into(),
            thumb: None,
        }
    }

    #[test]
    fn keeps_order_across_reopening_and_drops_oldest_when_full() {
        let (_root, dir) = folder();
        let q = DiskQueue::open(&dir, 3).unwrap();
        for i in 0..3 {
            assert_eq!(q.push(&[i], &meta(&format!("f{i}"))).unwrap(), 0);
        }
        drop(q);
        let q = DiskQueue::open(&dir, 3).unwrap();
        assert_eq!(q.len().unwrap(), 3);
        assert_eq!(
            q.push(&[9], &meta("f3")).unwrap(),
            1,
            "full: the oldest goes"
        );
        let (seq, m, img) = q.oldest().unwrap().unwrap();
        assert_eq!((m.kiosk_frame_id.as_str(), img), ("f1", vec![1]));
        q.remove(seq).unwrap();
        assert_eq!(q.oldest().unwrap().unwrap().1.kiosk_frame_id, "f2");
    }

    #[test]
    fn a_damaged_entry_is_skipped() {
        let (_root, dir) = folder();
        let q = DiskQueue::open(&dir, 10).unwrap();
        q.push(&[1], &meta("a")).unwrap();
        q.push(&[2], &meta("b")).unwrap();
        std::fs::write(dir.join("000000000000.meta"), b"{broken").unwrap();
        assert_eq!(q.oldest().unwrap().unwrap().1.kiosk_frame_id, "b");
        assert_eq!(q.len().unwrap(), 1);
    }

    /// A queue folder beside its key, as the kiosk lays them out.
    fn folder() -> (tempfile::TempDir, PathBuf) {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("queue");
        (root, dir)
    }

    #[test]
    fn queued_files_hold_no_picture_and_only_the_kiosk_may_read_them() {
        let (root, dir) = folder();
        let q = DiskQueue::open(&dir, 10).unwrap();
        let jpeg = rollcall_testkit::fixture_bytes("obama.jpg");
        q.push(&jpeg, &meta("door-a-1")).unwrap();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            assert!(
                !bytes.windows(3).any(|w| w == [0xFF, 0xD8, 0xFF]),
                "a JPEG marker"
            );
            let mid = jpeg.len() / 2;
            for needle in [&jpeg[..32], &jpeg[mid..mid + 32], &jpeg[jpeg.len() - 32..]] {
                assert!(
                    !bytes.windows(32).any(|w| w == needle),
                    "plaintext image bytes"
                );
            }
            assert!(!String::from_utf8_lossy(&bytes).contains("door-a-1"));
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&dir), 0o700);
            assert_eq!(mode(&root.path().join("queue.key")), 0o600);
            for entry in std::fs::read_dir(&dir).unwrap() {
                assert_eq!(mode(&entry.unwrap().path()), 0o600);
            }
        }
        // Reopened (the same key), the frame is delivered whole.
        drop(q);
        let q = DiskQueue::open(&dir, 10).unwrap();
        let (_, m, img) = q.oldest().unwrap().unwrap();
        assert_eq!((m.kiosk_frame_id.as_str(), img), ("door-a-1", jpeg));
    }

    #[test]
    fn files_swapped_or_sealed_under_another_key_are_not_delivered() {
        let (_root, dir) = folder();
        let q = DiskQueue::open(&dir, 10).unwrap();
        q.push(&[1], &meta("a")).unwrap();
        q.push(&[2], &meta("b")).unwrap();
        // Frame 0's image replaced by frame 1's (a valid file under another name).
        std::fs::copy(
            dir.join("000000000001.frame"),
            dir.join("000000000000.frame"),
        )
        .unwrap();
        assert_eq!(q.oldest().unwrap().unwrap().1.kiosk_frame_id, "b");
        // A new key (the key file lost): nothing old opens, and nothing is delivered wrongly.
        drop(q);
        let key = dir.with_extension("key");
        std::fs::remove_file(&key).unwrap();
        let q = DiskQueue::open(&dir, 10).unwrap();
        assert!(q.oldest().unwrap().is_none());
    }

    #[test]
    fn what_a_crash_leaves_is_removed_at_open_and_old_plaintext_is_sealed() {
        let (_root, dir) = folder();
        let q = DiskQueue::open(&dir, 10).unwrap();
        q.push(&[1], &meta("kept")).unwrap();
        q.push(&[2], &meta("delivered")).unwrap();
        drop(q);
        // A crash half-way through removing frame 1 (its metadata gone, its image left), one
        // half-way through writing a file, and a frame queued before the queue was sealed.
        std::fs::remove_file(dir.join("000000000001.meta")).unwrap();
        std::fs::write(dir.join(".000000000002.frame.tmp"), b"half").unwrap();
        std::fs::write(dir.join("000000000005.jpg"), [0xFF, 0xD8, 0xFF, 7]).unwrap();
        std::fs::write(
            dir.join("000000000005.json"),
            serde_json::to_vec(&meta("legacy")).unwrap(),
        )
        .unwrap();
        let q = DiskQueue::open(&dir, 10).unwrap();
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "000000000000.frame",
                "000000000000.meta",
                "000000000005.frame",
                "000000000005.meta"
            ]
        );
        let (seq, m, _) = q.oldest().unwrap().unwrap();
        assert_eq!(m.kiosk_frame_id, "kept");
        q.remove(seq).unwrap();
        let (_, m, img) = q.oldest().unwrap().unwrap();
        assert_eq!(
            (m.kiosk_frame_id.as_str(), img),
            ("legacy", vec![0xFF, 0xD8, 0xFF, 7])
        );
    }
}
