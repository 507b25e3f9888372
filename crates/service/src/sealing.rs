//! Secrets sealed at rest. Authenticator secrets are stored encrypted with
//! XChaCha20-Poly1305 under Roster's secret key, each bound to its slot (its
//! user and purpose) by the cipher's associated data: a database dump alone
//! yields nothing usable, and a value copied to another row does not open.
//!
//! A sealed value reads `v1.<key id>.<base64url of nonce ‖ ciphertext>`: the
//! version names the cipher and the layout, the key id the key, so a
//! rotation (and a wrong key) can be told at a glance.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use crate::Roster;
use roster_domain::{AppError, AuditAction};
use roster_store::{AuditRecord, SealedSlot, StoreError};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The environment variable that holds the key, base64; it wins over the key file.
pub const KEY_ENV: &str = "ROSTER_SECRET_KEY";
/// How the server tells an operator to make a key.
pub const MAKE_A_KEY: &str = "head -c 32 /dev/urandom | base64";

const VERSION: &str = "v1";
const KEY_BYTES: usize = 32;
const NONCE_BYTES: usize = 24;

/// The 32-byte key secrets are sealed under. Never printed.
#[derive(Clone)]
pub struct SecretKey([u8; KEY_BYTES]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

/// Why no key could be had.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "no secret key: set {KEY_ENV} to one, or put one in the key file {file} (secret-key-file in Leptos.toml, \
         or ROSTER_SECRET_KEY_FILE). Make one with `{MAKE_A_KEY} > {file}; chmod 600 {file}` (scripts/run does \
         this on a first run), and keep it with the database's backups: without it no authenticator app works",
        file = .0.display()
    )]
    Missing(PathBuf),
    #[error("cannot read the secret key file {}: {source}", path.display())]
    Unreadable { path: PathBuf, source: std::io::Error },
    /// `origin` names where the text came from (the variable, or the file).
    #[error("{origin} is not a secret key: it must hold the base64 of 32 random bytes, as `{MAKE_A_KEY}` makes")]
    Malformed { origin: String },
}

impl SecretKey {
    /// A new random key.
    pub fn generate() -> SecretKey {
        let mut key = [0u8; KEY_BYTES];
        OsRng.fill_bytes(&mut key);
        SecretKey(key)
    }

    /// A key written as base64 (surrounding whitespace ignored); `origin`
    /// names where it came from, for the error.
    pub fn parse(text: &str, origin: &str) -> Result<SecretKey, KeyError> {
        let malformed = || KeyError::Malformed { origin: origin.to_owned() };
        let bytes = STANDARD.decode(text.trim()).map_err(|_| malformed())?;
        Ok(SecretKey(bytes.try_into().map_err(|_| malformed())?))
    }

    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }

    /// The key from `env_value` (the variable's value) when it is set, else
    /// from the key file at `file`.
    pub fn load(env_value: Option<String>, file: &Path) -> Result<SecretKey, KeyError> {
        match env_value {
            Some(text) => SecretKey::parse(&text, KEY_ENV),
            None => SecretKey::read_file(file)?.ok_or_else(|| KeyError::Missing(file.to_owned())),
        }
    }

    /// The key in the file at `path`; `None` when there is no such file.
    pub fn read_file(path: &Path) -> Result<Option<SecretKey>, KeyError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(KeyError::Unreadable { path: path.to_owned(), source }),
        };
        warn_if_others_can_read(path);
        SecretKey::parse(&text, &format!("the key file {}", path.display())).map(Some)
    }

    /// Writes the key to a new file at `path` that only its owner can read;
    /// an existing file is never replaced.
    pub fn write_new_file(&self, path: &Path) -> std::io::Result<()> {
        use std::io::Write;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path)?;
        writeln!(file, "{}", self.to_base64())?;
        file.sync_all()
    }
}

#[cfg(unix)]
fn warn_if_others_can_read(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.permissions().mode() & 0o077 != 0 {
            tracing::warn!("the secret key file {} can be read by others than its owner: chmod 600 it", path.display());
        }
    }
}

#[cfg(not(unix))]
fn warn_if_others_can_read(_path: &Path) {}

/// Why a sealed value did not open.
#[derive(Debug, thiserror::Error)]
pub enum SealingError {
    #[error("sealed under another key (key id {found}; this key's id is {expected})")]
    WrongKey { found: String, expected: String },
    #[error("does not open: altered, or copied from another user or purpose")]
    Unopenable,
    #[error("not a sealed value")]
    Malformed,
    /// A rotation to the key in use.
    #[error("the new key is the key in use; give a new one")]
    SameKey,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Seals and opens values under one key. Cheap to clone; `Debug` shows the
/// key id only.
#[derive(Clone)]
pub struct Sealer {
    cipher: XChaCha20Poly1305,
    key_id: String,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sealer {{ key_id: {:?} }}", self.key_id)
    }
}

/// What a value is bound to: its slot's purpose and user.
fn associated_data(slot: SealedSlot) -> String {
    match slot {
        SealedSlot::KeyCheck => "roster/key-check".to_owned(),
        SealedSlot::Authenticator(user) => format!("roster/authenticator/{}", user.0),
        SealedSlot::PendingAuthenticator(user) => format!("roster/pending-authenticator/{}", user.0),
        SealedSlot::ImportPassword(run, line) => format!("roster/import-password/{run}/{line}"),
    }
}

impl Sealer {
    pub fn new(key: &SecretKey) -> Sealer {
        let digest = Sha256::new().chain_update(b"roster secret key id\0").chain_update(key.0).finalize();
        let key_id = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
        Sealer { cipher: XChaCha20Poly1305::new(&key.0.into()), key_id }
    }

    /// A short name for the key, stored with each value; it tells nothing of the key.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// Whether `text` is a sealed value (of any key), not a plaintext secret
    /// stored before sealing (base32 has no `.`).
    pub fn is_sealed(text: &str) -> bool {
        text.starts_with(VERSION) && text[VERSION.len()..].starts_with('.')
    }

    /// `plaintext` sealed for `slot`, with a fresh random nonce.
    pub fn seal(&self, slot: SealedSlot, plaintext: &str) -> String {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let aad = associated_data(slot);
        let ciphertext = self
            .cipher
            .encrypt(&nonce, Payload { msg: plaintext.as_bytes(), aad: aad.as_bytes() })
            .expect("XChaCha20-Poly1305 seals any message shorter than 256 GiB");
        let mut sealed = nonce.to_vec();
        sealed.extend_from_slice(&ciphertext);
        format!("{VERSION}.{}.{}", self.key_id, URL_SAFE_NO_PAD.encode(sealed))
    }

    /// The body of a sealed value, if it names this key.
    fn parts<'a>(&self, sealed: &'a str) -> Result<&'a str, SealingError> {
        let mut parts = sealed.splitn(3, '.');
        let (Some(VERSION), Some(key_id), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(SealingError::Malformed);
        };
        if key_id != self.key_id {
            return Err(SealingError::WrongKey { found: key_id.to_owned(), expected: self.key_id.clone() });
        }
        Ok(body)
    }

    /// Whether a sealed value names this key (without opening it).
    pub fn check_key_id(&self, sealed: &str) -> Result<(), SealingError> {
        self.parts(sealed).map(|_| ())
    }

    /// Opens a value sealed for `slot` under this key.
    pub fn open(&self, slot: SealedSlot, sealed: &str) -> Result<String, SealingError> {
        let body = self.parts(sealed)?;
        let bytes = URL_SAFE_NO_PAD.decode(body).map_err(|_| SealingError::Malformed)?;
        if bytes.len() < NONCE_BYTES {
            return Err(SealingError::Malformed);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_BYTES);
        let aad = associated_data(slot);
        let plaintext = self
            .cipher
            .decrypt(XNonce::from_slice(nonce), Payload { msg: ciphertext, aad: aad.as_bytes() })
            .map_err(|_| SealingError::Unopenable)?;
        String::from_utf8(plaintext).map_err(|_| SealingError::Malformed)
    }
}

/// What the key check holds, sealed.
const KEY_CHECK: &str = "roster secret key check";

impl Roster {
    /// Makes the database ready for this key, at start-up: seals secrets
    /// stored in the clear before sealing, and proves the key opens what is
    /// sealed — every value names its key, and a key check (stored on first
    /// use) tells a wrong key even where no secret is stored yet. Returns how
    /// many secrets it sealed.
    pub async fn prepare_secrets(&self) -> Result<u64, SealingError> {
        let seal_plaintext = |slot, text: &str| {
            if !Sealer::is_sealed(text) {
                return Ok(Some(self.sealer.seal(slot, text)));
            }
            self.sealer.check_key_id(text)?;
            Ok::<_, SealingError>(None)
        };
        // Sealed values first: a key check is never stored for a key that opens none of them.
        let sealed = self.db.reseal_secrets(seal_plaintext, None).await?;
        let stored = self.db.key_check_or_insert(&self.sealer.seal(SealedSlot::KeyCheck, KEY_CHECK)).await?;
        if self.sealer.open(SealedSlot::KeyCheck, &stored)? != KEY_CHECK {
            return Err(SealingError::Unopenable);
        }
        if sealed > 0 {
            tracing::info!(sealed, "sealed the authenticator secrets stored before sealing");
        }
        Ok(sealed)
    }

    /// Seals every secret anew under `new`, in one transaction, audited.
    /// Returns how many authenticator secrets it sealed. Instances still
    /// running with the old key cannot open them any more.
    pub async fn rotate_secret_key(&self, new: &Sealer) -> Result<u64, SealingError> {
        if new.key_id == self.sealer.key_id {
            return Err(SealingError::SameKey);
        }
        let reseal = |slot, text: &str| Ok::<_, SealingError>(Some(new.seal(slot, &self.sealer.open(slot, text)?)));
        let detail = |n: u64| format!("secrets={n} key_id={}->{}", self.sealer.key_id(), new.key_id());
        let audit = |n: u64| AuditRecord {
            at: self.now(),
            actor_id: None,
            on_behalf_of_id: None,
            action: AuditAction::SecretKeyRotated,
            target_user_id: None,
            detail: detail(n),
            ip: None,
        };
        let resealed = self.db.reseal_secrets(reseal, Some(&audit)).await?;
        tracing::info!(action = AuditAction::SecretKeyRotated.key(), detail = detail(resealed), "audit");
        Ok(resealed)
    }

    pub(crate) fn seal(&self, slot: SealedSlot, secret: &str) -> String {
        self.sealer.seal(slot, secret)
    }

    /// Opens a stored secret; one that does not open is a fault to log, and
    /// never a code to accept.
    pub(crate) fn open(&self, slot: SealedSlot, sealed: &str) -> Result<String, AppError> {
        self.sealer.open(slot, sealed).map_err(|e| {
            tracing::error!(?slot, key_id = self.sealer.key_id(), "a stored secret does not open under this key: {e}");
            AppError::Internal
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster_domain::UserId;

    const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    const ANN: SealedSlot = SealedSlot::Authenticator(UserId(7));

    #[test]
    fn a_sealed_value_opens_to_itself_and_never_seals_the_same_twice() {
        let sealer = Sealer::new(&SecretKey::generate());
        let sealed = sealer.seal(ANN, SECRET);
        assert!(!sealed.contains(SECRET), "{sealed}");
        assert!(sealed.starts_with(&format!("v1.{}.", sealer.key_id())), "{sealed}");
        assert!(Sealer::is_sealed(&sealed) && !Sealer::is_sealed(SECRET));
        assert_eq!(sealer.open(ANN, &sealed).unwrap(), SECRET);
        assert_ne!(sealer.seal(ANN, SECRET), sealed, "a fresh nonce each time");
    }

    #[test]
    fn another_key_does_not_open_it_even_under_the_same_key_id() {
        let sealed = Sealer::new(&SecretKey::generate()).seal(ANN, SECRET);
        let other = Sealer::new(&SecretKey::generate());
        assert!(matches!(other.open(ANN, &sealed), Err(SealingError::WrongKey { .. })));
        // Whatever the id says, only the key opens it.
        let (_, body) = sealed.split_at(sealed.rfind('.').unwrap());
        let relabelled = format!("v1.{}{body}", other.key_id());
        assert!(matches!(other.open(ANN, &relabelled), Err(SealingError::Unopenable)));
    }

    #[test]
    fn a_value_opens_only_for_its_own_user_and_purpose() {
        let sealer = Sealer::new(&SecretKey::generate());
        let sealed = sealer.seal(ANN, SECRET);
        let others = [SealedSlot::Authenticator(UserId(8)), SealedSlot::PendingAuthenticator(UserId(7)), SealedSlot::KeyCheck];
        for slot in others {
            assert!(matches!(sealer.open(slot, &sealed), Err(SealingError::Unopenable)), "{slot:?}");
        }
    }

    #[test]
    fn a_tampered_value_does_not_open() {
        let sealer = Sealer::new(&SecretKey::generate());
        let sealed = sealer.seal(ANN, SECRET);
        let prefix = format!("v1.{}.", sealer.key_id());
        let mut bytes = URL_SAFE_NO_PAD.decode(&sealed[prefix.len()..]).unwrap();
        for i in [0, NONCE_BYTES, bytes.len() - 1] {
            bytes[i] ^= 1;
            let tampered = format!("{prefix}{}", URL_SAFE_NO_PAD.encode(&bytes));
            assert!(matches!(sealer.open(ANN, &tampered), Err(SealingError::Unopenable)), "byte {i}");
            bytes[i] ^= 1;
        }
        for broken in [SECRET, "v1.", &format!("{prefix}!!"), &format!("{prefix}AAAA"), &format!("v2{}", &sealed[2..])] {
            assert!(sealer.open(ANN, broken).is_err(), "{broken}");
        }
    }

    #[test]
    fn keys_parse_from_base64_of_32_bytes_only_and_never_print() {
        let key = SecretKey::generate();
        let text = format!("  {}\n", key.to_base64());
        let read = SecretKey::parse(&text, KEY_ENV).unwrap();
        assert_eq!(Sealer::new(&read).key_id(), Sealer::new(&key).key_id());
        for bad in ["", "not base64!", &STANDARD.encode([1u8; 31]), &STANDARD.encode([1u8; 33])] {
            let err = SecretKey::parse(bad, KEY_ENV).unwrap_err();
            let expected = "ROSTER_SECRET_KEY is not a secret key: it must hold the base64 of 32 random bytes, as \
                            `head -c 32 /dev/urandom | base64` makes";
            assert_eq!(err.to_string(), expected);
        }
        assert_eq!(format!("{key:?}"), "SecretKey(<redacted>)");
        let sealer = format!("{:?}", Sealer::new(&key));
        assert!(!sealer.contains(&key.to_base64()) && sealer.contains("key_id"), "{sealer}");
    }

    #[test]
    fn a_new_key_file_is_the_owners_alone_and_never_replaced() {
        let dir = std::env::temp_dir().join(format!("roster-key-{}", rand::random::<u64>()));
        std::fs::create_dir(&dir).unwrap();
        let path = dir.join("secret.key");
        assert!(SecretKey::read_file(&path).unwrap().is_none());
        assert!(matches!(SecretKey::load(None, &path), Err(KeyError::Missing(_))));
        let key = SecretKey::generate();
        key.write_new_file(&path).unwrap();
        assert!(SecretKey::generate().write_new_file(&path).is_err(), "an existing key is never replaced");
        let read = SecretKey::load(None, &path).unwrap();
        assert_eq!(read.to_base64(), key.to_base64());
        let from_env = SecretKey::load(Some(SecretKey::generate().to_base64()), &path).unwrap();
        assert_ne!(from_env.to_base64(), key.to_base64(), "the variable wins over the file");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        std::fs::remove_dir_all(dir).unwrap();
    }
}
