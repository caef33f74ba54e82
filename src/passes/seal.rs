//! Replaces each plain Secret by its encrypted form for a tree render (`secrets_mode =
//! "sops"`): a [`SopsSecret`] whose values only the age recipients can read. Randomness, age
//! and the previous tree come from the caller's [`Crypto`] (the CLI's reads files and the OS
//! random source); this pass does no I/O of its own. A Secret whose document is unchanged
//! since the previous tree keeps its file byte for byte; any change encrypts it anew under a
//! fresh data key. It runs before the checksums, which then hash ciphertext, never a plaintext
//! that is not in the output.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::Value;

use crate::codes;
use crate::encrypt::sops;
use crate::kube::{self, AgeStanza, Object, SopsMetadata, SopsSecret};
use crate::model::{Issue, Secrets, SecretsMode, issue};

/// What sealing needs from outside the library.
pub trait Crypto {
    /// Fills `buf` with cryptographically secure random bytes.
    fn fill_random(&mut self, buf: &mut [u8]);
    /// `data_key` age-encrypted (ASCII-armored) for `recipient` (`age1...`).
    fn age_encrypt(&mut self, data_key: &[u8], recipient: &str) -> Result<String, String>;
    /// What the tree being replaced holds for this (plain) Secret, if anything.
    fn previous(&mut self, secret: &Object) -> Option<Previous>;
    /// `lastmodified` for a Secret whose values changed: `SOURCE_DATE_EPOCH` if the caller
    /// has one, else [`sops::FIXED_LASTMODIFIED`]; never the clock (output stays reproducible).
    fn lastmodified(&self) -> String;
}

/// A Secret's file in the previous tree.
#[derive(Debug, Clone)]
pub struct Previous {
    /// The file's document as JSON (the header comment aside).
    pub document: Value,
    /// Its data key, when the caller holds an age identity of one of its recipients
    /// (`SOPS_AGE_KEY_FILE`, `SOPS_AGE_KEY`). Without it nothing can be kept.
    pub data_key: Option<[u8; 32]>,
}

/// Encrypts every plain Secret of `objects` when `secrets` asks for it in a tree.
pub fn seal(objects: &mut [Object], secrets: &Secrets, crypto: &mut dyn Crypto) -> Vec<Issue> {
    if !secrets.tree || secrets.mode != Some(SecretsMode::Sops) {
        return Vec::new();
    }
    let mut issues = Vec::new();
    for o in objects.iter_mut() {
        if !matches!(o, Object::Secret(_)) {
            continue;
        }
        match sops_secret(o, &secrets.sops_age, crypto) {
            Ok(s) => *o = Object::SopsSecret(s),
            Err(i) => issues.push(i),
        }
    }
    issues
}

fn sops_secret(
    o: &Object,
    recipients: &[String],
    crypto: &mut dyn Crypto,
) -> Result<SopsSecret, Issue> {
    let Object::Secret(secret) = o else {
        unreachable!("only Secrets are sealed")
    };
    let data: serde_json::Map<String, Value> = (secret.data.iter().flatten())
        .map(|(k, v)| (k.clone(), Value::String(B64.encode(&v.0))))
        .collect();
    let plain = kube::document_order(serde_json::json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": secret.metadata,
        "data": data,
        "type": secret.type_.clone().unwrap_or_else(|| "Opaque".into()),
    }));
    let lastmodified = crypto.lastmodified();
    if let Some(kept) = crypto
        .previous(o)
        .and_then(|p| unchanged(p, &plain, recipients))
    {
        return Ok(kept);
    }
    let mut key = [0u8; 32];
    crypto.fill_random(&mut key);
    let mut age = Vec::new();
    for (i, r) in recipients.iter().enumerate() {
        let enc = crypto.age_encrypt(&key, r).map_err(|e| {
            Issue::new(
                codes::ENCRYPTION_FAILED,
                issue::index("sops.age", i),
                format!("cannot encrypt for `{r}`: {e}"),
            )
        })?;
        age.push(AgeStanza {
            recipient: r.clone(),
            enc,
        });
    }
    let encrypted =
        sops::encrypt_document(&plain, &key, &lastmodified, &mut |b| crypto.fill_random(b));
    let mut document = encrypted.document;
    let meta = SopsMetadata {
        age,
        lastmodified: encrypted.lastmodified,
        mac: encrypted.mac,
        encrypted_regex: sops::ENCRYPTED_REGEX.to_string(),
        version: sops::VERSION.to_string(),
    };
    document
        .as_object_mut()
        .expect("a Secret is a map")
        .insert("sops".into(), serde_json::to_value(meta).expect("JSON"));
    Ok(serde_json::from_value(document).expect("the Secret's own fields read back"))
}

/// The previous file, kept whole, when it is exactly this Secret: its data key is ours to
/// read, it was made for the same recipients, and it decrypts (MAC checked) to the same
/// document. Anything else is encrypted anew under a fresh data key, so a new value is never
/// encrypted under a key that came from the tree (a file planted by someone who can write to
/// the repo but holds no private key could otherwise choose that key).
fn unchanged(previous: Previous, plain: &Value, recipients: &[String]) -> Option<SopsSecret> {
    let key = previous.data_key?;
    let mut document = previous.document;
    let meta: SopsMetadata =
        serde_json::from_value(document.as_object_mut()?.remove("sops")?).ok()?;
    let mut had: Vec<&str> = meta.age.iter().map(|a| a.recipient.as_str()).collect();
    let mut want: Vec<&str> = recipients.iter().map(String::as_str).collect();
    had.sort_unstable();
    want.sort_unstable();
    if had != want {
        return None;
    }
    let decrypted = sops::decrypt_document(&document, &key, &meta.mac, &meta.lastmodified).ok()?;
    if decrypted != *plain {
        return None;
    }
    document
        .as_object_mut()?
        .insert("sops".into(), serde_json::to_value(meta).ok()?);
    serde_json::from_value(document).ok()
}
