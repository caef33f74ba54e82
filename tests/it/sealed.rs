//! SealedSecret values sealed by `k8gen::encrypt::sealed` are unsealed by code that is not
//! k8gen's: PyPI's `kubesealpy` and a decryption written from sealed-secrets' Go source with
//! Python's `cryptography` (`tests/it/kubeseal.py`), with key pairs the test makes. A value
//! presented under another namespace, name or scope, or to another key, must not unseal.
//!
//! The Python comes from `K8GEN_KUBESEAL_PYTHON` (CI sets it; `.ci/run` installs kubesealpy
//! into `.ci/venv-kubeseal`), else `.ci/venv-kubeseal/bin/python`, else `python3` if it has
//! kubesealpy. Without one the test fails in CI (`CI` or `K8GEN_KUBESEAL_PYTHON` set) and is
//! skipped locally with the reason printed.

use std::path::Path;
use std::process::Command;

use base64::Engine as _;
use k8gen::encrypt::sealed::{Scope, SealError, SealingKey, seal};
use serde_json::{Value, json};

use crate::python::json_of;
use crate::support::root;

const SCRIPT: &str = "tests/it/kubeseal.py";

fn has_kubesealpy(python: &str) -> bool {
    Command::new(python)
        .args(["-c", "import kubesealpy, cryptography"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The Python with kubesealpy, or `None` (with the reason printed) when running locally
/// without one.
pub(crate) fn python() -> Option<String> {
    if let Ok(p) = std::env::var("K8GEN_KUBESEAL_PYTHON") {
        assert!(
            has_kubesealpy(&p),
            "K8GEN_KUBESEAL_PYTHON={p} cannot import kubesealpy and cryptography"
        );
        return Some(p);
    }
    let venv = root().join(".ci/venv-kubeseal/bin/python");
    let venv = venv.to_str().unwrap();
    for candidate in [venv, "python3"] {
        if has_kubesealpy(candidate) {
            return Some(candidate.to_string());
        }
    }
    let why = "no Python with kubesealpy (K8GEN_KUBESEAL_PYTHON, .ci/venv-kubeseal, python3); \
               `bash .ci/run` installs it into .ci/venv-kubeseal";
    assert!(std::env::var_os("CI").is_none(), "in CI: {why}");
    eprintln!("SKIPPED tests/it/sealed.rs unsealing: {why}");
    None
}

fn run(python: &str, args: &[&str]) -> Value {
    let mut cmd = Command::new(python);
    cmd.arg(root().join(SCRIPT)).args(args);
    json_of(cmd, SCRIPT)
}

/// Unseals `objects` with the private key at `key`: one result per object.
pub(crate) fn unseal(python: &str, dir: &Path, key: &str, objects: &[Value]) -> Vec<Value> {
    let file = dir.join("objects.json");
    std::fs::write(&file, Value::from(objects.to_vec()).to_string()).unwrap();
    let results = run(python, &["unseal", key, file.to_str().unwrap()]);
    results.as_array().unwrap().clone()
}

pub(crate) struct KeyPair {
    /// The private key file (PEM).
    pub key: String,
    pub cert_pem: String,
    pub not_after: u64,
}

pub(crate) fn keygen(python: &str, dir: &Path, bits: &str) -> KeyPair {
    keygen_days(python, dir, bits, 3650)
}

/// A key pair whose certificate is valid `days` days (negative: expired that long ago).
pub(crate) fn keygen_days(python: &str, dir: &Path, bits: &str, days: i64) -> KeyPair {
    let days = days.to_string();
    let made = run(python, &["keygen", dir.to_str().unwrap(), bits, &days]);
    KeyPair {
        key: made["key"].as_str().unwrap().to_string(),
        cert_pem: std::fs::read_to_string(made["cert"].as_str().unwrap()).unwrap(),
        not_after: made["not_after"].as_u64().unwrap(),
    }
}

/// A SealedSecret object as the controller reads it: name, namespace, the scope's annotation.
fn sealed_secret(namespace: &str, name: &str, scope: Scope, data: &[(&str, &str)]) -> Value {
    let mut metadata = json!({ "name": name, "namespace": namespace });
    if let Some((key, value)) = scope.annotation() {
        metadata["annotations"] = json!({ key: value });
    }
    let encrypted: serde_json::Map<String, Value> = data
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    json!({
        "apiVersion": "bitnami.com/v1alpha1",
        "kind": "SealedSecret",
        "metadata": metadata,
        "spec": { "encryptedData": encrypted },
    })
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn values() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("empty", Vec::new()),
        ("password", b"correct horse battery staple".to_vec()),
        ("binary", (0..=255u8).collect()),
        (
            "large",
            (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect(),
        ),
    ]
}

#[test]
fn independent_code_unseals_what_k8gen_seals_and_only_under_its_label() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut rng = getrandom::SysRng;
    let (ns, name) = ("shop", "shop-secrets");
    let mut pairs = Vec::new();
    for bits in ["2048", "4096"] {
        let pair = keygen(&python, dir.path(), bits);
        let key = SealingKey::from_pem(&pair.cert_pem).unwrap();
        assert_eq!(key.bits().to_string(), bits);
        assert_eq!(key.not_after_unix(), pair.not_after);

        // Every scope, every kind of value: unsealed to the same bytes.
        let mut objects = Vec::new();
        let mut expected = Vec::new();
        for scope in Scope::ALL {
            let sealed: Vec<(&str, String)> = values()
                .iter()
                .map(|(k, v)| {
                    let text = seal(&pair.cert_pem, ns, name, scope, v, &mut rng).unwrap();
                    // Layout: 2-byte length, RSA part as long as the modulus, AES-GCM part
                    // as long as the value plus the 16-byte tag.
                    let raw = base64::engine::general_purpose::STANDARD
                        .decode(&text)
                        .unwrap();
                    let rsa_len = key.bits() / 8;
                    assert_eq!(usize::from(u16::from_be_bytes([raw[0], raw[1]])), rsa_len);
                    assert_eq!(raw.len(), 2 + rsa_len + v.len() + 16, "{k}");
                    (*k, text)
                })
                .collect();
            let data: Vec<(&str, &str)> = sealed.iter().map(|(k, v)| (*k, v.as_str())).collect();
            objects.push(sealed_secret(ns, name, scope, &data));
            expected.push(json!({ "data": values().iter()
                .map(|(k, v)| (k.to_string(), json!(b64(v))))
                .collect::<serde_json::Map<_, _>>() }));
        }

        // The same value presented elsewhere: (sealed with, presented as, unseals?).
        let secret = b"s3cr3t";
        let cases = [
            (Scope::Strict, ("other", name, Scope::Strict), false),
            (Scope::Strict, (ns, "other-secrets", Scope::Strict), false),
            (Scope::Strict, (ns, name, Scope::NamespaceWide), false),
            (Scope::Strict, (ns, name, Scope::ClusterWide), false),
            (
                Scope::NamespaceWide,
                (ns, "other-secrets", Scope::NamespaceWide),
                true,
            ),
            (
                Scope::NamespaceWide,
                ("other", name, Scope::NamespaceWide),
                false,
            ),
            (Scope::NamespaceWide, (ns, name, Scope::Strict), false),
            (
                Scope::ClusterWide,
                ("other", "other-secrets", Scope::ClusterWide),
                true,
            ),
            (Scope::ClusterWide, (ns, name, Scope::Strict), false),
        ];
        for (sealed_with, (at_ns, at_name, at_scope), unseals) in cases {
            let text = key.seal(ns, name, sealed_with, secret, &mut rng).unwrap();
            objects.push(sealed_secret(at_ns, at_name, at_scope, &[("v", &text)]));
            expected.push(if unseals {
                json!({ "data": { "v": b64(secret) } })
            } else {
                Value::Null // any error
            });
        }

        let results = unseal(&python, dir.path(), &pair.key, &objects);
        assert_eq!(results.len(), expected.len());
        for (i, (got, want)) in results.iter().zip(&expected).enumerate() {
            if want.is_null() {
                assert!(
                    got.get("error").is_some(),
                    "{bits} bits, case {i}: unsealed under the wrong label: {got}"
                );
            } else {
                assert_eq!(got, want, "{bits} bits, case {i}");
            }
        }
        pairs.push(pair);
    }

    // Another controller's key unseals nothing.
    let text = seal(
        &pairs[0].cert_pem,
        ns,
        name,
        Scope::ClusterWide,
        b"x",
        &mut rng,
    )
    .unwrap();
    let other = sealed_secret(ns, name, Scope::ClusterWide, &[("v", &text)]);
    let results = unseal(&python, dir.path(), &pairs[1].key, &[other]);
    assert!(results[0].get("error").is_some(), "{results:?}");
}

#[test]
fn sealing_is_randomised_and_refuses_what_kubeseal_refuses() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut rng = getrandom::SysRng;
    let pair = keygen(&python, dir.path(), "2048");

    let a = seal(&pair.cert_pem, "shop", "db", Scope::Strict, b"v", &mut rng).unwrap();
    let b = seal(&pair.cert_pem, "shop", "db", Scope::Strict, b"v", &mut rng).unwrap();
    assert_ne!(
        a, b,
        "two seals of one value must differ (fresh session key)"
    );

    // Text around the certificate, and a second certificate after it, are ignored.
    let wrapped = format!(
        "controller certificate:\n{}{}",
        pair.cert_pem,
        keygen(&python, dir.path(), "ec").cert_pem
    );
    assert_eq!(SealingKey::from_pem(&wrapped).unwrap().bits(), 2048);

    let ec = keygen(&python, dir.path(), "ec");
    assert!(matches!(
        seal(&ec.cert_pem, "shop", "db", Scope::Strict, b"v", &mut rng),
        Err(SealError::NotRsa(_))
    ));

    let missing = |ns: &str, name: &str, scope| {
        seal(
            &pair.cert_pem,
            ns,
            name,
            scope,
            b"v",
            &mut getrandom::SysRng,
        )
        .err()
    };
    assert_eq!(
        missing("", "db", Scope::Strict),
        Some(SealError::Missing("namespace"))
    );
    assert_eq!(
        missing("", "db", Scope::NamespaceWide),
        Some(SealError::Missing("namespace"))
    );
    assert_eq!(
        missing("shop", "", Scope::Strict),
        Some(SealError::Missing("name"))
    );
    assert_eq!(missing("shop", "", Scope::NamespaceWide), None);
    assert_eq!(missing("", "", Scope::ClusterWide), None);
}
