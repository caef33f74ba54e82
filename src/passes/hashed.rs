//! Content-hashed names, computed exactly like Kustomize's generators: with
//! `config_rollout = "hashed-names"` every ConfigMap and Secret in the output is renamed
//! `NAME-HASH` and every reference to it follows (env, envFrom, volumes, projected volumes,
//! image pull secrets in every container of every workload kind, Ingress TLS, ServiceAccount
//! Secrets), so a changed value is a new object and the pods reading it roll; Jobs named
//! `job.name = "hashed"` become `NAME-HASH` of their rendered spec, so a changed Job (whose
//! template is immutable) is a new Job.
//!
//! The hash is Kustomize's (`api/hasher`): SHA-256 of the JSON `encoding/json` writes for
//! `{kind, name, data, ...}` (keys sorted, `<`, `>`, `&`, U+2028 and U+2029 escaped), the first
//! 10 hex digits with `0 1 3 a e` written `g h k m t`, so teams moving off Kustomize keep their
//! names (the name hashed is always `""`, as Kustomize's hasher in fact does, see
//! [`crate::kube::PodData::hashable`]). Objects are found through
//! [`Object::pod_data`] and references through [`Object::data_refs_mut`]: this pass names no
//! kind. A Secret an ExternalSecret makes is not in the output and keeps its name (its
//! `checksum/secret` annotation still rolls the pods). It must not run before the patches (the
//! hash is of the final data) and adds nothing but names.

use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use crate::kube::{DataKind, Object};
use crate::model::names;

/// Kustomize's hash suffix of `value` (what its hasher encodes for an object).
pub fn kustomize_hash(value: &serde_json::Value) -> String {
    let mut json = String::new();
    go_json(value, &mut json);
    let digest = hex::encode(Sha256::digest(json.as_bytes()));
    digest[..names::HASH_LEN]
        .chars()
        .map(|c| match c {
            '0' => 'g',
            '1' => 'h',
            '3' => 'k',
            'a' => 'm',
            'e' => 't',
            c => c,
        })
        .collect()
}

/// `value` as Go's `json.Marshal` writes it: no spaces, object keys sorted by bytes, strings
/// escaped like `encoding/json` (HTML-safe).
fn go_json(value: &serde_json::Value, out: &mut String) {
    match value {
        serde_json::Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_string(k, out);
                out.push(':');
                go_json(v, out);
            }
            out.push('}');
        }
        serde_json::Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_json(v, out);
            }
            out.push(']');
        }
        serde_json::Value::String(s) => go_string(s, out),
        other => out.push_str(&other.to_string()),
    }
}

fn go_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// One renamed object: namespace, kind of data, old name, new name.
type Rename = (Option<String>, DataKind, String, String);

/// Renames every ConfigMap and Secret whose data is in the output `NAME-HASH` and rewrites
/// every reference to it.
pub fn rename_config(objects: &mut [Object]) {
    let mut renames: Vec<Rename> = Vec::new();
    for o in objects.iter_mut() {
        let Some(data) = o.pod_data() else { continue };
        let Some(hashable) = data.hashable else {
            continue;
        };
        let hash = kustomize_hash(&hashable);
        // A name that already is `NAME-HASH` of this content (a SOPS Secret, named while it
        // was encrypted because its MAC covers the name) stays; references to NAME follow.
        let (old, new) = match names::unhashed(&data.name) {
            Some(base) if data.name == names::hashed(base, &hash) => {
                (base.to_string(), data.name.clone())
            }
            _ => (data.name.clone(), names::hashed(&data.name, &hash)),
        };
        let namespace = o.metadata().namespace.clone();
        o.metadata_mut().name = Some(new.clone());
        renames.push((namespace, data.kind, old, new));
    }
    if renames.is_empty() {
        return;
    }
    for o in objects.iter_mut() {
        let namespace = o.metadata().namespace.clone();
        for (kind, name) in o.data_refs_mut() {
            let found = renames
                .iter()
                .find(|(ns, k, old, _)| *ns == namespace && *k == kind && old == name);
            if let Some((_, _, _, new)) = found {
                *name = new.clone();
            }
        }
    }
}

/// Renames the objects listed in `hashed` (kind, name) `NAME-HASH`, the hash being of their
/// kind, name and rendered `spec` (for Jobs: a changed template is a new Job).
pub fn rename_objects(objects: &mut [Object], hashed: &[(&str, String)]) {
    for o in objects.iter_mut() {
        let name = o.name().to_string();
        if !hashed.iter().any(|(k, n)| *k == o.kind() && *n == name) {
            continue;
        }
        let json = o.to_json();
        let hashable = serde_json::json!({
            "kind": o.kind(),
            "name": name,
            "spec": json.get("spec").cloned().unwrap_or_default(),
        });
        o.metadata_mut().name = Some(names::hashed(&name, &kustomize_hash(&hashable)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kustomize_test_vector() {
        // Kustomize's own test: {"data":{"one":""},"kind":"ConfigMap","name":""}.
        let v = serde_json::json!({"name": "", "kind": "ConfigMap", "data": {"one": ""}});
        assert_eq!(kustomize_hash(&v), "9g67k2htb6");
    }

    #[test]
    fn strings_are_escaped_like_go() {
        let mut s = String::new();
        go_json(&serde_json::json!({"b": "<a&b>\u{1}\n", "a": 1}), &mut s);
        assert_eq!(s, r#"{"a":1,"b":"\u003ca\u0026b\u003e\u0001\n"}"#);
    }
}
