use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("queue folder {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
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

/// Frames waiting for the server, one `NNNNNNNNNNNN.jpg` + `.json` pair each, oldest first. Each file
/// is written to a temporary name and renamed, so a crash never leaves half a frame. When full, the
/// oldest frame is dropped (a person who walked past long ago is also likely to show up in newer
/// frames of the same walk-by; the kiosk reports every drop).
#[derive(Debug)]
pub struct DiskQueue {
    dir: PathBuf,
    max: usize,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> QueueError + '_ {
    move |source| QueueError::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl DiskQueue {
    pub fn open(dir: &Path, max: usize) -> Result<Self, QueueError> {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        Ok(Self {
            dir: dir.to_path_buf(),
            max: max.max(1),
        })
    }

    fn seqs(&self) -> Result<Vec<u64>, QueueError> {
        let mut seqs: Vec<u64> = std::fs::read_dir(&self.dir)
            .map_err(io(&self.dir))?
            .filter_map(Result::ok)
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                name.strip_suffix(".json")?.parse().ok()
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

    /// Appends a frame; returns how many old frames were dropped to make room.
    pub fn push(&self, jpeg: &[u8], meta: &FrameMeta) -> Result<usize, QueueError> {
        let seqs = self.seqs()?;
        let mut dropped = 0;
        for seq in seqs.iter().take((seqs.len() + 1).saturating_sub(self.max)) {
            self.remove(*seq)?;
            dropped += 1;
        }
        let seq = seqs.last().map_or(0, |s| s + 1);
        let write = |name: String, data: &[u8]| -> Result<(), QueueError> {
            let tmp = self.dir.join(format!(".{name}.tmp"));
            std::fs::write(&tmp, data).map_err(io(&tmp))?;
            std::fs::rename(&tmp, self.dir.join(&name)).map_err(io(&self.dir))
        };
        // The image first: a frame exists once its metadata does.
        write(format!("{seq:012}.jpg"), jpeg)?;
        write(
            format!("{seq:012}.json"),
            &serde_json::to_vec(meta).expect("meta serialises"),
        )?;
        Ok(dropped)
    }

    /// The oldest frame, if any.
    pub fn oldest(&self) -> Result<Option<(u64, FrameMeta, Vec<u8>)>, QueueError> {
        for seq in self.seqs()? {
            let meta_path = self.dir.join(format!("{seq:012}.json"));
            let img_path = self.dir.join(format!("{seq:012}.jpg"));
            let meta = std::fs::read(&meta_path).map_err(io(&meta_path))?;
            match (
                serde_json::from_slice::<FrameMeta>(&meta),
                std::fs::read(&img_path),
            ) {
                (Ok(meta), Ok(img)) => return Ok(Some((seq, meta, img))),
                // A damaged entry cannot be delivered; drop it rather than block the queue.
                _ => self.remove(seq)?,
            }
        }
        Ok(None)
    }

    pub fn remove(&self, seq: u64) -> Result<(), QueueError> {
        for ext in ["json", "jpg"] {
            let p = self.dir.join(format!("{seq:012}.{ext}"));
            match std::fs::remove_file(&p) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(QueueError::Io { path: p, source: e }),
            }
        }
        Ok(())
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
        let dir = tempfile::tempdir().unwrap();
        let q = DiskQueue::open(dir.path(), 3).unwrap();
        for i in 0..3 {
            assert_eq!(q.push(&[i], &meta(&format!("f{i}"))).unwrap(), 0);
        }
        drop(q);
        let q = DiskQueue::open(dir.path(), 3).unwrap();
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
        let dir = tempfile::tempdir().unwrap();
        let q = DiskQueue::open(dir.path(), 10).unwrap();
        q.push(&[1], &meta("a")).unwrap();
        q.push(&[2], &meta("b")).unwrap();
        std::fs::write(dir.path().join("000000000000.json"), b"{broken").unwrap();
        assert_eq!(q.oldest().unwrap().unwrap().1.kiosk_frame_id, "b");
        assert_eq!(q.len().unwrap(), 1);
    }
}
