//! The CLI's [`k8gen::Crypto`] for tree renders: the OS random source, the `age` crate for the
//! data keys, the previous tree's Secret files, the age identities sops itself reads
//! (`SOPS_AGE_KEY_FILE`, `SOPS_AGE_KEY`, else `$XDG_CONFIG_HOME/sops/age/keys.txt` or
//! `~/.config/sops/age/keys.txt`), the sealed-secrets controller's private keys
//! (`K8GEN_SEALED_SECRETS_KEY_FILE`: PEM keys, or the controller's key backup as `kubectl get
//! secret -l sealedsecrets.bitnami.com/sealed-secrets-key -o yaml` prints it) and the clock
//! (an expired sealed-secrets certificate is refused). With an identity of a Secret's
//! recipients, an unchanged Secret keeps its file; with the controller's key, an unchanged
//! sealed value keeps its sealed text; without them they are encrypted anew (README
//! "Secrets"). Must not: write anything, or print any key or value.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use k8gen::encrypt::sealed::rfc3339;
use k8gen::{Crypto, Object, Previous};

/// The age identities of this machine, as sops finds them: each `AGE-SECRET-KEY-1...` line of
/// the key file and of `SOPS_AGE_KEY`.
pub fn identities() -> Result<Vec<age::x25519::Identity>, String> {
    let mut texts = Vec::new();
    if let Some(v) = std::env::var_os("SOPS_AGE_KEY") {
        texts.push(v.to_string_lossy().into_owned());
    }
    let file = std::env::var_os("SOPS_AGE_KEY_FILE").map(PathBuf::from);
    let default = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".config")))
        .map(|c| c.join("sops/age/keys.txt"));
    match (&file, default) {
        (Some(f), _) => texts.push(
            std::fs::read_to_string(f)
                .map_err(|e| format!("SOPS_AGE_KEY_FILE={}: {e}", f.display()))?,
        ),
        (None, Some(d)) => texts.extend(std::fs::read_to_string(d).ok()),
        (None, None) => {}
    }
    let mut out = Vec::new();
    for line in texts.iter().flat_map(|t| t.lines()).map(str::trim) {
        if line.starts_with("AGE-SECRET-KEY-") {
            out.push(
                age::x25519::Identity::from_str(line)
                    .map_err(|e| format!("an age key of SOPS_AGE_KEY(_FILE) is invalid: {e}"))?,
            );
        }
    }
    Ok(out)
}

/// `SOURCE_DATE_EPOCH` as RFC 3339 UTC, else sops's fixed `lastmodified`.
pub fn lastmodified() -> String {
    let epoch = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok());
    match epoch {
        Some(secs) if secs >= 0 => rfc3339(secs),
        _ => k8gen::SOPS_FIXED_LASTMODIFIED.to_string(),
    }
}

/// The files the ownership manifest of the tree being replaced lists as current (not kept
/// previous versions), read when first asked: only a Secret with a content-hashed name needs
/// them, and a tree of 1000 apps has a manifest of some MB. A manifest that cannot be read
/// lists nothing here; the tree's plan reads it again and reports why.
pub struct CurrentFiles {
    dir: PathBuf,
    files: std::sync::OnceLock<std::collections::BTreeSet<PathBuf>>,
}

impl CurrentFiles {
    pub fn new(dir: &Path) -> Self {
        CurrentFiles {
            dir: dir.to_path_buf(),
            files: std::sync::OnceLock::new(),
        }
    }

    fn contains(&self, path: &Path) -> bool {
        let files = self.files.get_or_init(|| {
            let manifest = super::tree::read_manifest(&self.dir).ok().flatten();
            (manifest.into_iter().flat_map(|m| m.owners.into_values()))
                .flat_map(|o| o.files)
                .map(|f| self.dir.join(f.path))
                .collect()
        });
        files.contains(path)
    }
}

/// Encrypts one app's Secrets; `dir` is its folder in the tree being replaced.
pub struct AgeCrypto {
    pub dir: PathBuf,
    pub identities: Arc<Vec<age::x25519::Identity>>,
    pub lastmodified: String,
    /// Set when a previous encrypted file could not be decrypted with any identity: its
    /// Secret is encrypted anew, which the CLI explains once.
    pub unreadable: Arc<AtomicBool>,
    /// The files the tree's ownership manifest lists as current (not kept previous versions).
    pub current: Arc<CurrentFiles>,
    /// The sealed-secrets controller's private keys ([`sealed_keys`]).
    pub sealed_keys: Arc<Vec<rsa::PrivateKey>>,
    /// Set when a previous sealed value could not be unsealed for want of the certificate's
    /// private key: it is sealed anew, which the CLI explains once.
    pub sealed_unreadable: Arc<AtomicBool>,
}

impl AgeCrypto {
    /// The file of `object` in the tree being replaced: `kind-name.yaml`, else (content-hashed
    /// names, `kind-name-HASH.yaml`) the version the tree's manifest lists as current (a
    /// previous version it keeps only when none is).
    fn previous_file(&self, object: &Object) -> Option<PathBuf> {
        let name = k8gen::emit::file_name(object);
        let exact = self.dir.join(&name);
        if exact.is_file() {
            return Some(exact);
        }
        let key = k8gen::emit::versions::version_key(&name)?;
        let mut found: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .ok()?
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| k8gen::emit::versions::version_key(n).as_deref() == Some(key.as_str()))
            .map(|n| self.dir.join(n))
            .collect();
        found.sort_by_key(|p| (!self.current.contains(p), p.clone()));
        found.into_iter().next()
    }
}

impl Crypto for AgeCrypto {
    fn fill_random(&mut self, buf: &mut [u8]) {
        getrandom::fill(buf).expect("the OS random source works");
    }

    fn age_encrypt(&mut self, data_key: &[u8], recipient: &str) -> Result<String, String> {
        let r = age::x25519::Recipient::from_str(recipient).map_err(|e| e.to_string())?;
        age::encrypt_and_armor(&r, data_key).map_err(|e| e.to_string())
    }

    fn previous(&mut self, secret: &Object) -> Option<Previous> {
        let text = std::fs::read_to_string(self.previous_file(secret)?).ok()?;
        let document: serde_json::Value = serde_saphyr::from_str(&text).ok()?;
        if document.get("kind").and_then(|k| k.as_str()) == Some("SealedSecret") {
            // Each value is unsealed on its own (`unseal`); there is no data key.
            return Some(Previous {
                document,
                data_key: None,
            });
        }
        let stanzas = document.get("sops")?.get("age")?.as_array()?;
        let data_key = stanzas
            .iter()
            .filter_map(|s| s.get("enc")?.as_str())
            .flat_map(|enc| {
                (self.identities.iter()).filter_map(|id| age::decrypt(id, enc.as_bytes()).ok())
            })
            .find_map(|key| <[u8; 32]>::try_from(key.as_slice()).ok());
        if data_key.is_none() {
            self.unreadable.store(true, Ordering::Relaxed);
        }
        Some(Previous { document, data_key })
    }

    fn lastmodified(&self) -> String {
        self.lastmodified.clone()
    }

    fn check_certificate(&mut self, not_after_unix: u64) -> Result<(), String> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        if now > not_after_unix {
            return Err(format!(
                "the sealed-secrets certificate expired on {} (its notAfter): kubeseal refuses \
                 to seal with it, and the controller may no longer hold its key",
                rfc3339(i64::try_from(not_after_unix).unwrap_or(i64::MAX))
            ));
        }
        Ok(())
    }

    fn unseal(&mut self, certificate: &str, label: &str, sealed: &str) -> Option<Vec<u8>> {
        let cert = k8gen::encrypt::sealed::SealingKey::from_pem(certificate).ok()?;
        let key = self
            .sealed_keys
            .iter()
            .find(|k| rsa::PublicKey::from(*k) == *cert.public_key());
        let Some(key) = key else {
            self.sealed_unreadable.store(true, Ordering::Relaxed);
            return None;
        };
        hybrid_decrypt(key, label, sealed)
    }
}

/// sealed-secrets' `HybridDecrypt`: the 2-byte length, the session key under RSA-OAEP
/// (SHA-256, the label), then the value under AES-256-GCM with a zero nonce. `None` when it
/// does not decrypt (another key or label, a damaged text).
pub fn hybrid_decrypt(key: &rsa::PrivateKey, label: &str, sealed: &str) -> Option<Vec<u8>> {
    use aes_gcm::aead::{Aead, KeyInit};
    use base64::Engine as _;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(sealed.trim())
        .ok()?;
    let len = usize::from(u16::from_be_bytes([*raw.first()?, *raw.get(1)?]));
    let rsa_part = raw.get(2..2 + len)?;
    let session_key = key
        .decrypt(
            rsa::Oaep::<sha2::Sha256>::new_with_label(label.as_bytes().to_vec()),
            rsa_part,
        )
        .ok()?;
    let aes = aes_gcm::Aes256Gcm::new_from_slice(&session_key).ok()?;
    aes.decrypt(&aes_gcm::Nonce::default(), &raw[2 + len..])
        .ok()
}

/// The sealed-secrets controller's private keys named by `K8GEN_SEALED_SECRETS_KEY_FILE`:
/// PEM blocks (`RSA PRIVATE KEY`, PKCS#1 as the controller writes `tls.key`, or `PRIVATE
/// KEY`, PKCS#8), or the controller's key backup (YAML or JSON Secrets, a `List` of them,
/// each `tls.key` in `data`). No variable: no keys.
pub fn sealed_keys() -> Result<Vec<rsa::PrivateKey>, String> {
    let Some(file) = std::env::var_os(SEALED_KEY_VAR) else {
        return Ok(Vec::new());
    };
    let file = PathBuf::from(file);
    let text = std::fs::read_to_string(&file)
        .map_err(|e| format!("{SEALED_KEY_VAR}={}: {e}", file.display()))?;
    let keys = parse_sealed_keys(&text)
        .map_err(|e| format!("{SEALED_KEY_VAR}={}: {e}", file.display()))?;
    if keys.is_empty() {
        return Err(format!(
            "{SEALED_KEY_VAR}={}: no RSA private key in it (PEM `RSA PRIVATE KEY`/`PRIVATE KEY` \
             blocks, or the controller's key backup from `kubectl get secret -n kube-system -l \
             sealedsecrets.bitnami.com/sealed-secrets-key -o yaml`)",
            file.display()
        ));
    }
    Ok(keys)
}

/// The variable naming the sealed-secrets controller's private key file.
pub const SEALED_KEY_VAR: &str = "K8GEN_SEALED_SECRETS_KEY_FILE";

fn parse_sealed_keys(text: &str) -> Result<Vec<rsa::PrivateKey>, String> {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    if !text.contains("-----BEGIN") {
        // A key backup: Secrets whose `data` holds `tls.key` (base64 of PEM).
        let doc: serde_json::Value =
            serde_saphyr::from_str(text).map_err(|e| format!("neither PEM nor YAML: {e}"))?;
        let items = match doc.get("items").and_then(|i| i.as_array()) {
            Some(items) => items.clone(),
            None => vec![doc],
        };
        let mut keys = Vec::new();
        for item in &items {
            if let Some(pem) = item.pointer("/data/tls.key").and_then(|v| v.as_str()) {
                let pem = b64
                    .decode(pem.trim())
                    .map_err(|e| format!("`tls.key` is not base64: {e}"))?;
                keys.extend(parse_sealed_keys(&String::from_utf8_lossy(&pem))?);
            }
        }
        return Ok(keys);
    }
    let mut keys = Vec::new();
    let mut rest = text;
    while let Some(begin) = rest.find("-----BEGIN ") {
        let after = &rest[begin + "-----BEGIN ".len()..];
        let Some(label_end) = after.find("-----") else {
            break;
        };
        let label = &after[..label_end];
        let body_start = &after[label_end + 5..];
        let end_marker = format!("-----END {label}-----");
        let Some(end) = body_start.find(&end_marker) else {
            return Err(format!("a `{label}` block has no end"));
        };
        let body: String = body_start[..end]
            .lines()
            .filter(|l| !l.contains(':'))
            .collect::<Vec<_>>()
            .concat();
        rest = &body_start[end + end_marker.len()..];
        let der = || {
            b64.decode(body.trim())
                .map_err(|e| format!("a `{label}` block is not base64: {e}"))
        };
        match label {
            "RSA PRIVATE KEY" => keys.push(
                <rsa::PrivateKey as rsa::pkcs1::DecodeRsaPrivateKey>::from_pkcs1_der(&der()?)
                    .map_err(|e| format!("an `RSA PRIVATE KEY` block cannot be read: {e}"))?,
            ),
            "PRIVATE KEY" => keys.push(
                <rsa::PrivateKey as rsa::pkcs8::DecodePrivateKey>::from_pkcs8_der(&der()?)
                    .map_err(|e| format!("a `PRIVATE KEY` block is no RSA key: {e}"))?,
            ),
            _ => {} // certificates beside the key
        }
    }
    Ok(keys)
}

/// What to tell the user when encrypted Secrets of the tree could not be read back.
pub const NO_KEY_NOTE: &str = "k8gen: note: no age key of their recipients (SOPS_AGE_KEY_FILE, \
SOPS_AGE_KEY or ~/.config/sops/age/keys.txt), so encrypted Secrets were encrypted anew and their \
files change; with the key, unchanged Secrets keep their files";

/// What to tell the user when sealed values of the tree could not be unsealed.
pub const NO_SEALED_KEY_NOTE: &str = "k8gen: note: no private key of the sealed-secrets \
certificate (K8GEN_SEALED_SECRETS_KEY_FILE), so sealed values were sealed anew and their files \
change; with the controller's key, unchanged values keep their sealed text";
