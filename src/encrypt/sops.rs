//! SOPS's format (getsops/sops, as its Go code writes and checks it) for one YAML document:
//! every value under a key matching [`ENCRYPTED_REGEX`] becomes
//! `ENC[AES256_GCM,data:B64,iv:B64,tag:B64,type:str]`, AES-256-GCM with the document's 32-byte
//! data key, a random 32-byte IV and the value's path (`data:KEY:`) as additional data; the MAC
//! is the upper-case hex SHA-512 of every plaintext value in document order, encrypted the same
//! way with `lastmodified` as additional data. Wrapping the data key for age recipients is the
//! caller's (it needs OS randomness). Must not: read files, clocks or the OS random source.

use aes_gcm::aead::consts::U32;
use aes_gcm::aead::generic_array::GenericArray;
use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::aes::Aes256;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Map, Value};
use sha2::{Digest, Sha512};

/// AES-256-GCM with SOPS's 32-byte nonces.
type Cipher = aes_gcm::AesGcm<Aes256, U32>;

/// Which keys' values are encrypted (sops `--encrypted-regex`): a Secret's data only, so
/// names, labels and the type stay readable in review.
pub const ENCRYPTED_REGEX: &str = "^(data|stringData)$";
/// The sops version written into the metadata (the format of sops 3.9).
pub const VERSION: &str = "3.9.4";
/// `lastmodified` when the caller has none (no `SOURCE_DATE_EPOCH`, no previous file): a fixed
/// time, so that output never depends on the clock. sops uses it only as the MAC's additional
/// data.
pub const FIXED_LASTMODIFIED: &str = "1970-01-01T00:00:00Z";

/// A random source: fills the buffer with cryptographically secure random bytes.
pub type Random<'a> = &'a mut dyn FnMut(&mut [u8]);

/// Whether a value at `path` (its map keys from the top) is encrypted.
fn encrypted(path: &[String]) -> bool {
    path.iter().any(|k| k == "data" || k == "stringData")
}

/// `data:KEY:` — sops's additional data for a value at `path`.
fn aad(path: &[String]) -> String {
    let mut s = path.join(":");
    s.push(':');
    s
}

/// Encrypts one string value; an empty value stays empty, as sops writes it.
pub fn encrypt_value(plain: &str, key: &[u8; 32], aad: &str, random: Random<'_>) -> String {
    if plain.is_empty() {
        return String::new();
    }
    let mut iv = [0u8; 32];
    random(&mut iv);
    let cipher = Cipher::new(GenericArray::from_slice(key));
    let mut buf = plain.as_bytes().to_vec();
    let tag = cipher
        .encrypt_in_place_detached(GenericArray::from_slice(&iv), aad.as_bytes(), &mut buf)
        .expect("AES-GCM encrypts any value this size");
    format!(
        "ENC[AES256_GCM,data:{},iv:{},tag:{},type:str]",
        B64.encode(&buf),
        B64.encode(iv),
        B64.encode(tag)
    )
}

/// Decrypts one `ENC[AES256_GCM,...]` value (an empty string is an empty value).
pub fn decrypt_value(enc: &str, key: &[u8; 32], aad: &str) -> Result<String, String> {
    if enc.is_empty() {
        return Ok(String::new());
    }
    let inner = enc
        .strip_prefix("ENC[AES256_GCM,")
        .and_then(|s| s.strip_suffix(']'))
        .ok_or("not a sops AES256_GCM value")?;
    let mut data = None;
    let mut iv = None;
    let mut tag = None;
    for part in inner.split(',') {
        let (k, v) = part.split_once(':').ok_or("malformed sops value")?;
        let bytes = || {
            B64.decode(v)
                .map_err(|e| format!("bad base64 in sops value: {e}"))
        };
        match k {
            "data" => data = Some(bytes()?),
            "iv" => iv = Some(bytes()?),
            "tag" => tag = Some(bytes()?),
            "type" if v == "str" => {}
            "type" => return Err(format!("sops value of type `{v}`, expected `str`")),
            _ => return Err(format!("unknown part `{k}` in sops value")),
        }
    }
    let (mut data, iv, tag) = match (data, iv, tag) {
        (Some(d), Some(i), Some(t)) if i.len() == 32 && t.len() == 16 => (d, i, t),
        _ => return Err("sops value without data, 32-byte iv and 16-byte tag".into()),
    };
    Cipher::new(GenericArray::from_slice(key))
        .decrypt_in_place_detached(
            GenericArray::from_slice(&iv),
            aad.as_bytes(),
            &mut data,
            GenericArray::from_slice(&tag),
        )
        .map_err(|_| "the value does not decrypt with this data key".to_string())?;
    String::from_utf8(data).map_err(|_| "decrypted value is not UTF-8".into())
}

/// The bytes sops hashes for a plaintext value (Go's `ToBytes`).
fn mac_bytes(v: &Value) -> Vec<u8> {
    match v {
        Value::String(s) => s.as_bytes().to_vec(),
        Value::Bool(true) => b"True".to_vec(),
        Value::Bool(false) => b"False".to_vec(),
        Value::Number(n) => n.to_string().into_bytes(),
        _ => Vec::new(),
    }
}

/// Calls `f(path, value)` on every leaf of `v` in document order (list items keep their
/// list's path, as in sops).
fn leaves(v: &Value, path: &mut Vec<String>, f: &mut dyn FnMut(&[String], &Value)) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                path.push(k.clone());
                leaves(child, path, f);
                path.pop();
            }
        }
        Value::Array(items) => items.iter().for_each(|i| leaves(i, path, f)),
        leaf => f(path, leaf),
    }
}

/// sops's MAC of a plaintext document (without its `sops` key): the upper-case hex SHA-512 of
/// every value in document order.
pub fn mac(plain: &Value) -> String {
    let mut h = Sha512::new();
    leaves(plain, &mut Vec::new(), &mut |_, v| h.update(mac_bytes(v)));
    hex::encode_upper(h.finalize())
}

/// A document encrypted with one data key: the values (without `sops`), the encrypted MAC and
/// the `lastmodified` it is bound to.
#[derive(Debug, Clone, PartialEq)]
pub struct Encrypted {
    pub document: Value,
    pub mac: String,
    pub lastmodified: String,
}

/// Encrypts the values of `plain` (keys in document order) with `key`, each with a fresh IV
/// from `random`, and the MAC bound to `lastmodified`.
pub fn encrypt_document(
    plain: &Value,
    key: &[u8; 32],
    lastmodified: &str,
    random: Random<'_>,
) -> Encrypted {
    fn walk(
        v: &Value,
        path: &mut Vec<String>,
        key: &[u8; 32],
        random: &mut dyn FnMut(&mut [u8]),
    ) -> Value {
        match v {
            Value::Object(m) => {
                let mut out = Map::with_capacity(m.len());
                for (k, child) in m {
                    path.push(k.clone());
                    out.insert(k.clone(), walk(child, path, key, random));
                    path.pop();
                }
                Value::Object(out)
            }
            Value::String(s) if encrypted(path) => {
                Value::String(encrypt_value(s, key, &aad(path), random))
            }
            other => other.clone(),
        }
    }
    let document = walk(plain, &mut Vec::new(), key, random);
    Encrypted {
        document,
        mac: encrypt_value(&mac(plain), key, lastmodified, random),
        lastmodified: lastmodified.to_string(),
    }
}

/// Decrypts the values of an encrypted document (without `sops`) and checks its MAC: the
/// plaintext document, as [`encrypt_document`] took it.
pub fn decrypt_document(
    document: &Value,
    key: &[u8; 32],
    mac_enc: &str,
    lastmodified: &str,
) -> Result<Value, String> {
    fn walk(v: &Value, path: &mut Vec<String>, key: &[u8; 32]) -> Result<Value, String> {
        Ok(match v {
            Value::Object(m) => {
                let mut out = Map::with_capacity(m.len());
                for (k, child) in m {
                    path.push(k.clone());
                    out.insert(k.clone(), walk(child, path, key)?);
                    path.pop();
                }
                Value::Object(out)
            }
            Value::Array(items) => Value::Array(
                (items.iter())
                    .map(|i| walk(i, path, key))
                    .collect::<Result<_, _>>()?,
            ),
            Value::String(s) if encrypted(path) => {
                Value::String(decrypt_value(s, key, &aad(path))?)
            }
            other => other.clone(),
        })
    }
    let plain = walk(document, &mut Vec::new(), key)?;
    let want = decrypt_value(mac_enc, key, lastmodified)?;
    if want != mac(&plain) {
        return Err("the MAC does not match the values".into());
    }
    Ok(plain)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counter() -> impl FnMut(&mut [u8]) {
        let mut n = 0u8;
        move |buf: &mut [u8]| {
            for b in buf {
                n = n.wrapping_add(1);
                *b = n;
            }
        }
    }

    #[test]
    fn round_trip_and_tampering() {
        let key = [7u8; 32];
        let doc = serde_json::json!({"apiVersion": "v1", "kind": "Secret",
            "data": {"a": "YQ==", "b": "Yg==", "e": ""}, "type": "Opaque"});
        let mut random = counter();
        let first = encrypt_document(&doc, &key, FIXED_LASTMODIFIED, &mut random);
        assert_eq!(first.document["kind"], "Secret");
        assert_eq!(first.document["data"]["e"], "");
        let a = first.document["data"]["a"].as_str().unwrap();
        assert!(a.starts_with("ENC[AES256_GCM,data:"), "{a}");
        // The path is bound: the same ciphertext under another key does not decrypt.
        assert!(decrypt_value(a, &key, "data:b:").is_err());
        let back = decrypt_document(&first.document, &key, &first.mac, &first.lastmodified);
        assert_eq!(back.unwrap(), doc);
        // Fresh IVs: the same document encrypts differently.
        let again = encrypt_document(&doc, &key, FIXED_LASTMODIFIED, &mut random);
        assert_ne!(again.document, first.document);
        // A value swapped in from elsewhere, or an edited unencrypted value, fails the MAC.
        let mut forged = first.document.clone();
        forged["data"]["b"] = again.document["data"]["b"].clone();
        forged["data"]["a"] = again.document["data"]["a"].clone();
        assert!(decrypt_document(&forged, &key, &first.mac, &first.lastmodified).is_ok());
        forged["type"] = "kubernetes.io/tls".into();
        assert!(decrypt_document(&forged, &key, &first.mac, &first.lastmodified).is_err());
        let mut other = first.document.clone();
        other["data"]["b"] = encrypt_value("Yw==", &key, "data:b:", &mut random).into();
        assert!(decrypt_document(&other, &key, &first.mac, &first.lastmodified).is_err());
        assert!(
            decrypt_document(&first.document, &key, &first.mac, "2030-01-01T00:00:00Z").is_err()
        );
    }
}
