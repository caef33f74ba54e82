//! Replaces each plain Secret by its encrypted form for a tree render: with `secrets_mode =
//! "sops"` a [`SopsSecret`] whose values only the age recipients can read, with `"sealed"` a
//! [`SealedSecret`] whose values only the sealed-secrets controller can unseal. Randomness,
//! age, the previous tree, unsealing (a private key) and the clock's verdict on a certificate
//! come from the caller's [`Crypto`] (the CLI's reads files and the OS random source); this
//! pass does no I/O of its own and holds no private key. SOPS: a Secret whose document is
//! unchanged since the previous tree keeps its file byte for byte; any change encrypts it
//! anew under a fresh data key. Sealed: each value is sealed on its own, so each keeps its
//! previous sealed text when the caller unseals it to the same bytes (for the same
//! certificate and label), and only changed values are sealed anew. It runs before the
//! checksums and hashed names, which then hash ciphertext, never a plaintext that is not in
//! the output.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::Value;

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::codes;
use crate::encrypt::sealed::{Scope, SealError, SealingKey};
use crate::encrypt::sops;
use crate::kube::{
    self, AgeStanza, Object, SealedSecret, SealedSecretSpec, SecretTemplate, SopsMetadata,
    SopsSecret,
};
use crate::model::{Issue, SealedScope, Secrets, SecretsMode, issue, names};

/// What sealing needs from outside the library.
pub trait Crypto {
    /// Fills `buf` with cryptographically secure random bytes.
    fn fill_random(&mut self, buf: &mut [u8]);
    /// `data_key` age-encrypted (ASCII-armored) for `recipient` (`age1...`).
    fn age_encrypt(&mut self, data_key: &[u8], recipient: &str) -> Result<String, String>;
    /// What the tree being replaced holds for this object, if anything: its file
    /// (`emit::file_name`). Asked for the plain Secret (SOPS) or for the SealedSecret
    /// (sealed; its `spec.encryptedData` empty).
    fn previous(&mut self, secret: &Object) -> Option<Previous>;
    /// `lastmodified` for a Secret whose values changed: `SOURCE_DATE_EPOCH` if the caller
    /// has one, else [`sops::FIXED_LASTMODIFIED`]; never the clock (output stays reproducible).
    fn lastmodified(&self) -> String;
    /// Whether a sealed-secrets certificate valid until `not_after_unix` (seconds since 1970)
    /// may still be sealed for: the library has no clock, a caller with one refuses an
    /// expired certificate (as `kubeseal` does) with the reason. The default accepts it.
    fn check_certificate(&mut self, not_after_unix: u64) -> Result<(), String> {
        let _ = not_after_unix;
        Ok(())
    }
    /// The plaintext of `sealed` (a value of `spec.encryptedData` of the previous tree's
    /// SealedSecret, base64), unsealed with `label` by the private key of the controller whose
    /// certificate is `certificate` (PEM), when the caller holds that key (e.g. the
    /// controller's key backup); `None` otherwise (the default: no key), and the value is
    /// sealed anew.
    fn unseal(&mut self, certificate: &str, label: &str, sealed: &str) -> Option<Vec<u8>> {
        let _ = (certificate, label, sealed);
        None
    }
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
///
/// With content-hashed names (`hashed_names`) a SOPS Secret is named `NAME-HASH` here, the
/// hash of its ciphertext, before its MAC is made: sops's MAC covers every value, the name
/// included, so renaming it afterwards would make it undecryptable. (`hashed::rename_config`
/// keeps a name that already is its hash.)
pub fn seal(
    objects: &mut [Object],
    secrets: &Secrets,
    hashed_names: bool,
    crypto: &mut dyn Crypto,
) -> Vec<Issue> {
    if !secrets.tree {
        return Vec::new();
    }
    let sealing = match secrets.mode {
        Some(SecretsMode::Sops) => None,
        Some(SecretsMode::Sealed) => {
            if !objects.iter().any(|o| matches!(o, Object::Secret(_))) {
                return Vec::new();
            }
            match sealing_key(secrets, crypto) {
                Ok(key) => Some(key),
                Err(issue) => return vec![issue],
            }
        }
        _ => return Vec::new(),
    };
    let mut issues = Vec::new();
    for o in objects.iter_mut() {
        if !matches!(o, Object::Secret(_)) {
            continue;
        }
        let sealed = match &sealing {
            None => sops_secret(o, &secrets.sops_age, hashed_names, crypto).map(Object::SopsSecret),
            Some((pem, key, scope)) => {
                sealed_secret(o, pem, key, *scope, crypto).map(Object::SealedSecret)
            }
        };
        match sealed {
            Ok(s) => *o = s,
            Err(i) => issues.push(i),
        }
    }
    issues
}

/// The certificate's key and the scope of `secrets_mode = "sealed"` (the rules checked the
/// certificate), if the caller's clock accepts the certificate.
fn sealing_key<'a>(
    secrets: &'a Secrets,
    crypto: &mut dyn Crypto,
) -> Result<(&'a str, SealingKey, Scope), Issue> {
    let at = "sealed.certificate";
    let pem = secrets.sealed_certificate.as_deref().unwrap_or_default();
    let key = SealingKey::from_pem(pem)
        .map_err(|e| Issue::new(codes::INVALID_CERTIFICATE, at, e.to_string()))?;
    crypto
        .check_certificate(key.not_after_unix())
        .map_err(|why| {
            Issue::new(codes::CERTIFICATE_EXPIRED, at, why).with_help(
                "the controller renews its certificate (every 30 days by default): fetch the \
             current one with `kubeseal --fetch-cert > FILE`",
            )
        })?;
    let scope =
        scope_of((secrets.sealed_scope).unwrap_or_else(crate::model::defaults::sealed_scope));
    Ok((pem, key, scope))
}

/// The sealing scope a spec's `sealed.scope` names (`encrypt` is a leaf with its own enum).
fn scope_of(scope: SealedScope) -> Scope {
    match scope {
        SealedScope::Strict => Scope::Strict,
        SealedScope::NamespaceWide => Scope::NamespaceWide,
        SealedScope::ClusterWide => Scope::ClusterWide,
    }
}

/// The SealedSecret of the plain Secret `o`: its metadata (and the scope's annotation) on the
/// object and in `spec.template`, its type in the template, each value sealed for `key` with
/// the scope's label, or the previous tree's sealed text of it when the caller unseals that
/// to the same bytes under the same label and certificate.
fn sealed_secret(
    o: &Object,
    pem: &str,
    key: &SealingKey,
    scope: Scope,
    crypto: &mut dyn Crypto,
) -> Result<SealedSecret, Issue> {
    let Object::Secret(secret) = o else {
        unreachable!("only Secrets are sealed")
    };
    let mut metadata = ObjectMeta {
        name: secret.metadata.name.clone(),
        namespace: secret.metadata.namespace.clone(),
        labels: secret.metadata.labels.clone(),
        annotations: secret.metadata.annotations.clone(),
        ..Default::default()
    };
    if let Some((k, v)) = scope.annotation() {
        (metadata.annotations.get_or_insert_with(Default::default)).insert(k.into(), v.into());
    }
    let namespace = metadata.namespace.clone().unwrap_or_default();
    let name = metadata.name.clone().unwrap_or_default();
    let label = scope.label(&namespace, &name);
    let mut sealed = SealedSecret {
        api_version: <SealedSecret as k8s_openapi::Resource>::API_VERSION.to_string(),
        kind: <SealedSecret as k8s_openapi::Resource>::KIND.to_string(),
        metadata: metadata.clone(),
        spec: SealedSecretSpec {
            encrypted_data: Default::default(),
            template: SecretTemplate {
                metadata,
                type_: secret.type_.clone().unwrap_or_else(|| "Opaque".into()),
            },
        },
    };
    // The previous sealed texts, only when they were sealed with this label: the controller
    // computes the label from the object's own namespace, name and scope annotations.
    let previous: BTreeMap<String, String> = crypto
        .previous(&Object::SealedSecret(sealed.clone()))
        .filter(|p| sealed_label(&p.document).as_deref() == Some(label.as_str()))
        .and_then(|p| {
            serde_json::from_value(p.document.pointer("/spec/encryptedData")?.clone()).ok()
        })
        .unwrap_or_default();
    let mut rng = CallerRng(crypto);
    for (k, value) in secret.data.iter().flatten() {
        let kept = previous
            .get(k)
            .filter(|text| rng.0.unseal(pem, &label, text).as_deref() == Some(value.0.as_slice()));
        let text = match kept {
            Some(text) => text.clone(),
            None => key
                .seal(&namespace, &name, scope, &value.0, &mut rng)
                .map_err(|e| {
                    let at = match e {
                        SealError::Missing(_) => "sealed.scope",
                        _ => "sealed.certificate",
                    };
                    Issue::new(
                        codes::ENCRYPTION_FAILED,
                        at,
                        format!("`{k}` of {name}: {e}"),
                    )
                })?,
        };
        sealed.spec.encrypted_data.insert(k.clone(), text);
    }
    Ok(sealed)
}

/// The label a SealedSecret document's values were sealed with, as the controller reads it
/// from the object: its namespace and name, and its scope annotations.
fn sealed_label(document: &Value) -> Option<String> {
    if document.get("kind")?.as_str()? != "SealedSecret" {
        return None;
    }
    let meta = document.get("metadata")?;
    let text = |p: &str| meta.pointer(p).and_then(Value::as_str).unwrap_or_default();
    let flag = |k: &str| {
        meta.get("annotations")
            .and_then(|a| a.get(k))
            .and_then(Value::as_str)
            == Some("true")
    };
    let scope = if flag("sealedsecrets.bitnami.com/cluster-wide") {
        Scope::ClusterWide
    } else if flag("sealedsecrets.bitnami.com/namespace-wide") {
        Scope::NamespaceWide
    } else {
        Scope::Strict
    };
    Some(scope.label(text("/namespace"), text("/name")))
}

/// The caller's random source as the generator the RSA and AES code draws from.
struct CallerRng<'a>(&'a mut dyn Crypto);

impl rand_core::TryRng for CallerRng<'_> {
    type Error = std::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut b = [0u8; 4];
        self.0.fill_random(&mut b);
        Ok(u32::from_le_bytes(b))
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut b = [0u8; 8];
        self.0.fill_random(&mut b);
        Ok(u64::from_le_bytes(b))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        self.0.fill_random(dst);
        Ok(())
    }
}

// `Crypto::fill_random` gives cryptographically secure bytes.
impl rand_core::TryCryptoRng for CallerRng<'_> {}

fn sops_secret(
    o: &Object,
    recipients: &[String],
    hashed_names: bool,
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
        .and_then(|p| unchanged(p, &plain, recipients, hashed_names))
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
    let mut plain = plain;
    let encrypted =
        sops::encrypt_document(&plain, &key, &lastmodified, &mut |b| crypto.fill_random(b));
    let mut document = encrypted.document;
    let mut mac = encrypted.mac;
    if hashed_names {
        // Named by the hash of the ciphertext, then the MAC made anew over that name.
        let name = hashed_name(&plain, &document).expect("a Secret document has a name");
        plain["metadata"]["name"] = Value::String(name.clone());
        document["metadata"]["name"] = Value::String(name);
        mac = sops::encrypt_value(&sops::mac(&plain), &key, &lastmodified, &mut |b| {
            crypto.fill_random(b)
        });
    }
    let meta = SopsMetadata {
        age,
        lastmodified: encrypted.lastmodified,
        mac,
        encrypted_regex: sops::ENCRYPTED_REGEX.to_string(),
        version: sops::VERSION.to_string(),
    };
    document
        .as_object_mut()
        .expect("a Secret is a map")
        .insert("sops".into(), serde_json::to_value(meta).expect("JSON"));
    Ok(serde_json::from_value(document).expect("the Secret's own fields read back"))
}

/// `NAME-HASH` for an encrypted Secret document (without `sops`) of the Secret `plain`: the
/// name `hashed::rename_config` gives it, the hash of its ciphertext and type.
fn hashed_name(plain: &Value, document: &Value) -> Option<String> {
    let name = plain.pointer("/metadata/name")?.as_str()?;
    let hashable = serde_json::json!({
        "kind": "Secret",
        "name": "",
        "data": document.get("data").cloned().unwrap_or_else(|| "".into()),
        "type": document.get("type").cloned().unwrap_or_else(|| "".into()),
    });
    Some(names::hashed(name, &super::kustomize_hash(&hashable)))
}

/// The previous file, kept whole, when it is exactly this Secret: its data key is ours to
/// read, it was made for the same recipients, and it decrypts (MAC checked) to the same
/// document. Anything else is encrypted anew under a fresh data key, so a new value is never
/// encrypted under a key that came from the tree (a file planted by someone who can write to
/// the repo but holds no private key could otherwise choose that key).
///
/// With hashed names the previous file is named `NAME-HASH`: kept when that is the hash of its
/// own ciphertext and it decrypts to this Secret under that name.
fn unchanged(
    previous: Previous,
    plain: &Value,
    recipients: &[String],
    hashed_names: bool,
) -> Option<SopsSecret> {
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
    let mut want = plain.clone();
    if hashed_names {
        want["metadata"]["name"] = Value::String(hashed_name(plain, &document)?);
    }
    if decrypted != want {
        return None;
    }
    document
        .as_object_mut()?
        .insert("sops".into(), serde_json::to_value(meta).ok()?);
    serde_json::from_value(document).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_scopes_are_kubeseals() {
        let names: Vec<&str> = (SealedScope::ALL.iter())
            .map(|s| scope_of(*s).name())
            .collect();
        assert_eq!(names, SealedScope::NAMES);
        assert_eq!(
            scope_of(crate::model::defaults::sealed_scope()),
            Scope::default()
        );
    }

    #[test]
    fn the_label_is_read_from_the_object_as_the_controller_reads_it() {
        let doc = |annotations: Value| {
            serde_json::json!({
                "kind": "SealedSecret",
                "metadata": { "name": "db", "namespace": "shop", "annotations": annotations },
            })
        };
        let ns = "sealedsecrets.bitnami.com/namespace-wide";
        let cw = "sealedsecrets.bitnami.com/cluster-wide";
        let label = |a| sealed_label(&doc(a));
        assert_eq!(label(serde_json::json!({})).as_deref(), Some("shop/db"));
        assert_eq!(
            label(serde_json::json!({ ns: "true" })).as_deref(),
            Some("shop")
        );
        assert_eq!(
            label(serde_json::json!({ cw: "true" })).as_deref(),
            Some("")
        );
        assert_eq!(
            label(serde_json::json!({ cw: "false" })).as_deref(),
            Some("shop/db")
        );
        assert_eq!(sealed_label(&serde_json::json!({ "kind": "Secret" })), None);
    }
}
