//! The server's Ed25519 signing key, kept in a PKCS#8 PEM file only its owner can read, and the
//! public keys a verifier trusts.

use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use rand::RngCore;
use rollcall_api::PublicKeyInfo;
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{path} can be read by others (mode {mode:o}); a signing key must be 0600: \
         chmod 600 {path}"
    )]
    Permissions { path: PathBuf, mode: u32 },
    #[error("{path} is not an Ed25519 PKCS#8 PEM key: {reason}")]
    Format { path: PathBuf, reason: String },
    #[error("not a public key list: {0}")]
    PublicKeys(String),
}

/// A key's short, stable name: the first 8 bytes of the SHA-256 of its public key, in hex.
fn key_id(key: &VerifyingKey) -> String {
    hex::encode(&Sha256::digest(key.as_bytes())[..8])
}

/// The server's signing key.
pub struct ServerKey {
    signing: SigningKey,
    key_id: String,
}

impl std::fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret half.
        f.debug_struct("ServerKey")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl ServerKey {
    fn new(signing: SigningKey) -> Self {
        let key_id = key_id(&signing.verifying_key());
        ServerKey { signing, key_id }
    }

    /// A fresh key from the operating system's random source, never written anywhere.
    pub fn generate() -> Self {
        let mut secret = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut secret);
        Self::new(SigningKey::from_bytes(&secret))
    }

    /// Reads the key at `path`, or creates it there (0600, in a 0700 folder if the folder is new).
    /// Several servers starting at once on one path end up with the same key: the file appears
    /// whole or not at all (written aside, then hard-linked into place).
    pub fn load_or_create(path: &Path) -> Result<Self, KeyError> {
        let io = |source| KeyError::Io {
            path: path.to_path_buf(),
            source,
        };
        if !path.exists() {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                if !dir.exists() {
                    crate::private_file::create_dir(dir).map_err(io)?;
                }
            }
            let key = Self::generate();
            let pem = key
                .signing
                .to_pkcs8_pem(LineEnding::LF)
                .map_err(|e| KeyError::Format {
                    path: path.to_path_buf(),
                    reason: e.to_string(),
                })?;
            let aside = path.with_extension(format!("new-{:016x}", rand::random::<u64>()));
            crate::private_file::write_new(&aside, pem.as_bytes()).map_err(io)?;
            let linked = std::fs::hard_link(&aside, path);
            let _ = std::fs::remove_file(&aside);
            match linked {
                Ok(()) => return Ok(key),
                // Another server created it first: use theirs.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(io(e)),
            }
        }
        check_private(path)?;
        let pem = std::fs::read_to_string(path).map_err(io)?;
        let signing = SigningKey::from_pkcs8_pem(&pem).map_err(|e| KeyError::Format {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        Ok(Self::new(signing))
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    pub fn verifying_key(&self) -> VerifyingKey {
        self.signing.verifying_key()
    }

    /// The public half, as `GET /keys` lists it.
    pub fn public_info(&self, created_at: i64) -> PublicKeyInfo {
        PublicKeyInfo {
            key_id: self.key_id.clone(),
            algorithm: "ed25519".into(),
            public_key: B64.encode(self.verifying_key().as_bytes()),
            created_at,
        }
    }

    /// Signs `context || message`; base64.
    pub(crate) fn sign(&self, context: &[u8], message: &[u8]) -> String {
        let mut signed = Vec::with_capacity(context.len() + message.len());
        signed.extend_from_slice(context);
        signed.extend_from_slice(message);
        B64.encode(self.signing.sign(&signed).to_bytes())
    }
}

fn check_private(path: &Path) -> Result<(), KeyError> {
    match crate::private_file::exposed_mode(path) {
        Ok(None) => Ok(()),
        Ok(Some(mode)) => Err(KeyError::Permissions {
            path: path.to_path_buf(),
            mode,
        }),
        Err(source) => Err(KeyError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// The public keys a verifier trusts, by key id.
#[derive(Debug, Clone, Default)]
pub struct PublicKeys {
    keys: Vec<(String, VerifyingKey)>,
}

impl PublicKeys {
    pub fn of(key: &ServerKey) -> Self {
        PublicKeys {
            keys: vec![(key.key_id.clone(), key.verifying_key())],
        }
    }

    /// Reads what `GET /api/v1/keys` answers (a JSON list), one entry of it, or one bare base64
    /// public key.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let text = text.trim();
        let infos: Vec<PublicKeyInfo> = if text.starts_with('[') {
            serde_json::from_str(text).map_err(|e| KeyError::PublicKeys(e.to_string()))?
        } else if text.starts_with('{') {
            vec![serde_json::from_str(text).map_err(|e| KeyError::PublicKeys(e.to_string()))?]
        } else {
            vec![PublicKeyInfo {
                key_id: String::new(),
                algorithm: "ed25519".into(),
                public_key: text.to_string(),
                created_at: 0,
            }]
        };
        let mut keys = Vec::new();
        for info in infos {
            if info.algorithm != "ed25519" {
                return Err(KeyError::PublicKeys(format!(
                    "key {}: algorithm {:?}",
                    info.key_id, info.algorithm
                )));
            }
            let bytes: [u8; 32] = B64
                .decode(info.public_key.trim())
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| {
                    KeyError::PublicKeys(format!(
                        "{:?} is not a base64 32-byte Ed25519 public key",
                        info.public_key
                    ))
                })?;
            let key = VerifyingKey::from_bytes(&bytes)
                .map_err(|e| KeyError::PublicKeys(e.to_string()))?;
            // The id is derived, never trusted from the file: a list cannot pair a key with
            // another key's id.
            keys.push((key_id(&key), key));
        }
        if keys.is_empty() {
            return Err(KeyError::PublicKeys("no keys in it".into()));
        }
        Ok(PublicKeys { keys })
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|(id, _)| id.as_str())
    }

    /// Checks a base64 signature over `context || message` made by the key `key_id`.
    pub(crate) fn check(
        &self,
        key_id: &str,
        context: &[u8],
        message: &[u8],
        signature: &str,
    ) -> Result<(), crate::VerifyError> {
        let (_, key) = self
            .keys
            .iter()
            .find(|(id, _)| id == key_id)
            .ok_or_else(|| crate::VerifyError::UnknownKey(key_id.to_string()))?;
        let sig: [u8; 64] = B64
            .decode(signature)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or(crate::VerifyError::BadSignature)?;
        let mut signed = Vec::with_capacity(context.len() + message.len());
        signed.extend_from_slice(context);
        signed.extend_from_slice(message);
        key.verify(&signed, &Signature::from_bytes(&sig))
            .map_err(|_| crate::VerifyError::BadSignature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_created_private_and_read_back_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/signing-key.pem");
        let a = ServerKey::load_or_create(&path).unwrap();
        let b = ServerKey::load_or_create(&path).unwrap();
        assert_eq!(a.key_id(), b.key_id());
        assert_eq!(a.verifying_key(), b.verifying_key());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(path.parent().unwrap()), 0o700);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let err = ServerKey::load_or_create(&path).unwrap_err().to_string();
            assert!(err.contains("chmod 600"), "{err}");
        }
        assert!(
            !format!("{a:?}").contains("signing:"),
            "Debug never shows the secret"
        );
        // Nothing but the key file is left behind.
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("signing-key.pem")]);
    }

    #[test]
    fn a_garbled_key_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.pem");
        crate::private_file::write_new(&path, b"-----BEGIN PRIVATE KEY-----\nnope\n").unwrap();
        let err = ServerKey::load_or_create(&path).unwrap_err().to_string();
        assert!(err.contains("k.pem") && err.contains("PKCS#8"), "{err}");
    }

    #[test]
    fn public_keys_parse_from_the_keys_endpoint_an_entry_or_a_bare_key() {
        let key = ServerKey::generate();
        let info = key.public_info(1);
        let list = serde_json::to_string(&vec![info.clone()]).unwrap();
        for text in [
            list,
            serde_json::to_string(&info).unwrap(),
            info.public_key.clone(),
        ] {
            let keys = PublicKeys::parse(&text).unwrap();
            assert_eq!(keys.ids().collect::<Vec<_>>(), vec![key.key_id()]);
        }
        assert!(PublicKeys::parse("[]").is_err());
        assert!(PublicKeys::parse("not-base64!").is_err());
        // A list cannot claim another key's id for its key.
        let mut lying = info;
        lying.key_id = "0000000000000000".into();
        let keys = PublicKeys::parse(&serde_json::to_string(&lying).unwrap()).unwrap();
        assert_eq!(keys.ids().collect::<Vec<_>>(), vec![key.key_id()]);
    }
}
