//! Biometric data sealed at rest: every enrolment photo and template is stored encrypted with
//! AES-256-GCM (RustCrypto's `aes-gcm`) under a data key that never enters the database. Each row
//! keeps the id of the key that sealed it; the additional data binds a sealed value to its kind
//! and its delegate, so a value copied onto another row does not open.
//!
//! The key file holds one key a line, `rollcall-data-key v1 ID BASE64`, the first line being the
//! key new values are sealed with; the others (after a rotation) still open what they sealed.
//! It is created 0600 at first start, and refused when others can read it.

use std::path::{Path, PathBuf};

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

const HEADER: &str = "rollcall-data-key v1";
const NONCE_LEN: usize = 12;

#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{path} can be read by others (mode {mode:o}); a data key must be 0600: chmod 600 {path}"
    )]
    Permissions { path: PathBuf, mode: u32 },
    #[error("{path}, line {line}: not `{HEADER} ID BASE64-OF-32-BYTES`")]
    Format { path: PathBuf, line: usize },
}

/// What sealed values are: the kind is part of the additional data.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Sealed {
    Photo,
    Template,
}

impl Sealed {
    fn aad(self, delegate_id: i64) -> Vec<u8> {
        let kind = match self {
            Sealed::Photo => "photo",
            Sealed::Template => "template",
        };
        format!("rollcall {kind} delegate:{delegate_id}").into_bytes()
    }
}

/// The data keys: the current one seals, every one opens.
#[derive(Clone)]
pub struct DataKeys {
    /// (id, cipher), the current key first.
    keys: Vec<(String, Aes256Gcm)>,
    raw: Vec<(String, [u8; 32])>,
}

impl std::fmt::Debug for DataKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataKeys")
            .field("ids", &self.ids().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

fn key_id(key: &[u8; 32]) -> String {
    // A name for the key that reveals nothing useful about it.
    hex::encode(&Sha256::digest([b"rollcall data key id ".as_slice(), key].concat())[..8])
}

fn random_key() -> [u8; 32] {
    let mut key = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    key
}

impl DataKeys {
    fn from_raw(raw: Vec<(String, [u8; 32])>) -> Self {
        let keys = raw
            .iter()
            .map(|(id, k)| (id.clone(), Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(k))))
            .collect();
        DataKeys { keys, raw }
    }

    /// One fresh key, kept nowhere (tests).
    pub fn generate() -> Self {
        let key = random_key();
        Self::from_raw(vec![(key_id(&key), key)])
    }

    /// The key new values are sealed with.
    pub fn current(&self) -> &str {
        &self.keys[0].0
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|(id, _)| id.as_str())
    }

    /// These keys with a fresh key in front (a rotation's first step).
    pub fn rotated(&self) -> Self {
        let key = random_key();
        let mut raw = vec![(key_id(&key), key)];
        raw.extend(self.raw.iter().cloned());
        Self::from_raw(raw)
    }

    /// The current key alone (a rotation's last step, once nothing is sealed with the others).
    pub fn current_only(&self) -> Self {
        Self::from_raw(vec![self.raw[0].clone()])
    }

    pub(crate) fn seal(&self, what: Sealed, delegate_id: i64, plain: &[u8]) -> (String, Vec<u8>) {
        let (id, cipher) = &self.keys[0];
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let aad = what.aad(delegate_id);
        let sealed = cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: &aad,
                },
            )
            .expect("AES-GCM seals any length a database row holds");
        let mut out = nonce.to_vec();
        out.extend(sealed);
        (id.clone(), out)
    }

    pub(crate) fn open(
        &self,
        what: Sealed,
        delegate_id: i64,
        key: &str,
        sealed: &[u8],
    ) -> Result<Vec<u8>, crate::StoreError> {
        let (_, cipher) = self.keys.iter().find(|(id, _)| id == key).ok_or_else(|| {
            crate::StoreError::Sealing(format!("sealed with data key {key}, which is not loaded"))
        })?;
        if sealed.len() < NONCE_LEN {
            return Err(crate::StoreError::Sealing(
                "a sealed value is too short".into(),
            ));
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        let aad = what.aad(delegate_id);
        cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: &aad,
                },
            )
            .map_err(|_| {
                crate::StoreError::Sealing(format!(
                    "a sealed {what:?} of delegate {delegate_id} does not open with key {key}: \
                     it was changed or moved"
                ))
            })
    }

    /// Reads the key file, or creates it with one fresh key (0600, written aside and then linked
    /// into place, so that two servers starting at once end up with the same key).
    pub fn load_or_create(path: &Path) -> Result<Self, KeyFileError> {
        let io = |source| KeyFileError::Io {
            path: path.to_path_buf(),
            source,
        };
        if !path.exists() {
            let key = random_key();
            let text = format!("{HEADER} {} {}\n", key_id(&key), B64.encode(key));
            let aside = path.with_extension(format!("new-{:016x}", rand::random::<u64>()));
            rollcall_record::private_file::write_new(&aside, text.as_bytes()).map_err(io)?;
            let linked = std::fs::hard_link(&aside, path);
            let _ = std::fs::remove_file(&aside);
            match linked {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(io(e)),
            }
        }
        check_private(path)?;
        let text = std::fs::read_to_string(path).map_err(io)?;
        let mut raw = Vec::new();
        for (n, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let format = || KeyFileError::Format {
                path: path.to_path_buf(),
                line: n + 1,
            };
            let rest = line.strip_prefix(HEADER).ok_or_else(format)?;
            let mut parts = rest.split_whitespace();
            let (Some(id), Some(b64), None) = (parts.next(), parts.next(), parts.next()) else {
                return Err(format());
            };
            let key: [u8; 32] = B64
                .decode(b64)
                .ok()
                .and_then(|k| k.try_into().ok())
                .ok_or_else(format)?;
            if key_id(&key) != id {
                return Err(format());
            }
            raw.push((id.to_string(), key));
        }
        if raw.is_empty() {
            return Err(KeyFileError::Format {
                path: path.to_path_buf(),
                line: 1,
            });
        }
        Ok(Self::from_raw(raw))
    }

    /// Replaces the key file with these keys, atomically (written aside, then renamed over it).
    pub fn save(&self, path: &Path) -> Result<(), KeyFileError> {
        let text: String = self
            .raw
            .iter()
            .map(|(id, k)| format!("{HEADER} {id} {}\n", B64.encode(k)))
            .collect();
        let aside = path.with_extension(format!("new-{:016x}", rand::random::<u64>()));
        let io = |source| KeyFileError::Io {
            path: path.to_path_buf(),
            source,
        };
        rollcall_record::private_file::write_new(&aside, text.as_bytes()).map_err(io)?;
        std::fs::rename(&aside, path).map_err(io)
    }
}

fn check_private(path: &Path) -> Result<(), KeyFileError> {
    match rollcall_record::private_file::exposed_mode(path) {
        Ok(None) => Ok(()),
        Ok(Some(mode)) => Err(KeyFileError::Permissions {
            path: path.to_path_buf(),
            mode,
        }),
        Err(source) => Err(KeyFileError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_as_what_and_whose_they_are() {
        let keys = DataKeys::generate();
        let (id, sealed) = keys.seal(Sealed::Photo, 7, b"a photo's bytes");
        assert_eq!(id, keys.current());
        assert!(!sealed.windows(5).any(|w| w == b"photo"), "no plaintext");
        assert_eq!(
            keys.open(Sealed::Photo, 7, &id, &sealed).unwrap(),
            b"a photo's bytes"
        );
        assert!(
            keys.open(Sealed::Photo, 8, &id, &sealed).is_err(),
            "another delegate's row"
        );
        assert!(
            keys.open(Sealed::Template, 7, &id, &sealed).is_err(),
            "another kind"
        );
        let mut changed = sealed.clone();
        changed[20] ^= 1;
        assert!(keys.open(Sealed::Photo, 7, &id, &changed).is_err());
        assert!(DataKeys::generate()
            .open(Sealed::Photo, 7, &id, &sealed)
            .is_err());
    }

    #[test]
    fn a_rotated_set_seals_with_the_new_key_and_opens_the_old() {
        let old = DataKeys::generate();
        let (old_id, sealed) = old.seal(Sealed::Template, 1, b"floats");
        let new = old.rotated();
        assert_ne!(new.current(), old_id);
        assert_eq!(
            new.open(Sealed::Template, 1, &old_id, &sealed).unwrap(),
            b"floats"
        );
        assert_eq!(new.seal(Sealed::Template, 1, b"x").0, new.current());
        assert_eq!(new.current_only().ids().count(), 1);
    }

    #[test]
    fn the_key_file_is_private_survives_a_reload_and_refuses_garbage() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data-key");
        let a = DataKeys::load_or_create(&path).unwrap();
        let b = DataKeys::load_or_create(&path).unwrap();
        assert_eq!(a.current(), b.current());
        let rotated = a.rotated();
        rotated.save(&path).unwrap();
        let c = DataKeys::load_or_create(&path).unwrap();
        assert_eq!(
            c.ids().collect::<Vec<_>>(),
            rotated.ids().collect::<Vec<_>>()
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
            assert!(matches!(
                DataKeys::load_or_create(&path),
                Err(KeyFileError::Permissions { .. })
            ));
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        std::fs::write(&path, "rollcall-data-key v1 0000 AAAA\n").unwrap();
        assert!(matches!(
            DataKeys::load_or_create(&path),
            Err(KeyFileError::Format { line: 1, .. })
        ));
        assert!(
            !format!("{a:?}").contains(&B64.encode(a.raw[0].1)),
            "Debug hides keys"
        );
    }
}
