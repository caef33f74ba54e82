//! Rules about passthrough objects (`[[objects]]`, [`App::object`](crate::model::App::object)):
//! each is a table with an `apiVersion` and a `kind`, a `metadata.name` the API server accepts
//! for the kind, an optional namespace (none on a cluster-scoped kind), labels and annotations
//! of valid keys that are not k8gen's own nor written by a GitOps engine, no Secret values in
//! the spec, and no two of them with the same kind, namespace and name. A duplicate of an
//! object k8gen renders itself is found after build (`passes::passthrough`), where those
//! objects exist.

use std::collections::BTreeMap;

use serde_json::Value;

use super::Cx;
use crate::codes;
use crate::model::issue::{self, Issue};
use crate::model::rules;
use crate::values::{self, Scope};

pub(super) fn objects(cx: &mut Cx<'_>) {
    let mut seen: BTreeMap<(String, String, Option<String>, String), usize> = BTreeMap::new();
    for (i, o) in cx.app.objects.iter().enumerate() {
        let at = issue::index("objects", i);
        let Some(key) = object(cx, &at, o) else {
            continue;
        };
        if let Some(first) = seen.get(&key) {
            cx.push(
                Issue::new(
                    codes::DUPLICATE,
                    issue::key(&issue::key(&at, "metadata"), "name"),
                    format!(
                        "objects[{first}] is {}/{} too",
                        key.1,
                        crate::diag::clip(&key.3)
                    ),
                )
                .with_help("write each object once (an overlay changes an entry by `kind` and `metadata.name`)"),
            );
        } else {
            seen.insert(key, i);
        }
    }
}

/// Checks one object; returns its identity (group, kind, namespace, name) when it has one.
fn object(
    cx: &mut Cx<'_>,
    at: &str,
    o: &Value,
) -> Option<(String, String, Option<String>, String)> {
    let Some(map) = o.as_object() else {
        cx.report(
            codes::INVALID_OBJECT,
            at,
            "a passthrough object is a table: a whole Kubernetes object",
        );
        return None;
    };
    let api_version = text(
        cx,
        at,
        map,
        "apiVersion",
        "`apps/v1`, or `v1` for the core group",
    );
    let kind = text(
        cx,
        at,
        map,
        "kind",
        "the object's kind, e.g. `ServiceMonitor`",
    );
    if let Some(v) = &api_version {
        api_version_rule(cx, &issue::key(at, "apiVersion"), v);
    }
    if let Some(k) = &kind {
        let ok = k.starts_with(|c: char| c.is_ascii_uppercase())
            && k.chars().all(|c| c.is_ascii_alphanumeric())
            && k.len() <= 63;
        if !ok || k.ends_with("List") {
            cx.report(
                codes::INVALID_OBJECT,
                issue::key(at, "kind"),
                format!(
                    "invalid kind `{}`: a kind is a CamelCase word (and no `List`: write its items)",
                    crate::diag::clip(k)
                ),
            );
        }
    }
    let meta_at = issue::key(at, "metadata");
    let Some(meta) = map.get("metadata") else {
        cx.push(
            Issue::new(
                codes::INVALID_OBJECT,
                at,
                "a passthrough object needs `metadata` with a `name`",
            )
            .with_help("add `metadata = { name = \"...\" }`"),
        );
        return None;
    };
    let Some(meta) = meta.as_object() else {
        cx.report(codes::INVALID_OBJECT, &meta_at, "`metadata` is a table");
        return None;
    };
    let name = text(cx, &meta_at, meta, "name", "the object's name");
    let scope = match (&api_version, &kind) {
        (Some(v), Some(k)) => crate::model::defaults::passthrough_scope(v, k, &cx.app.objects),
        _ => None,
    };
    if let (Some(n), Some(k)) = (&name, &kind) {
        let rule = if values::builtin_kind(api_version.as_deref().unwrap_or(""), k)
            .is_some_and(|b| b.group == "rbac.authorization.k8s.io")
        {
            // Roles and bindings take any path segment: `system:aggregate-to-view`.
            path_segment
        } else {
            rules::dns1123_subdomain
        };
        cx.value(
            issue::key(&meta_at, "name"),
            n,
            rule,
            codes::INVALID_NAME,
            "object name",
        );
    }
    let namespace = match meta.get("namespace") {
        None => None,
        Some(Value::String(ns)) => {
            let path = issue::key(&meta_at, "namespace");
            if scope == Some(Scope::Cluster) {
                cx.push(
                    Issue::new(
                        codes::INVALID_OBJECT,
                        &path,
                        format!(
                            "{} is cluster-scoped: it has no namespace",
                            kind.as_deref().unwrap_or_default()
                        ),
                    )
                    .with_help("remove `metadata.namespace`"),
                );
            }
            cx.value(
                &path,
                ns,
                rules::dns1123_label,
                codes::INVALID_NAME,
                "namespace",
            );
            Some(ns.clone())
        }
        Some(_) => {
            cx.report(
                codes::INVALID_OBJECT,
                issue::key(&meta_at, "namespace"),
                "`metadata.namespace` is a string",
            );
            None
        }
    };
    for (field, what) in [("labels", "label"), ("annotations", "annotation")] {
        let Some(v) = meta.get(field) else { continue };
        let path = issue::key(&meta_at, field);
        let Some(entries) = strings(v) else {
            cx.report(
                codes::INVALID_OBJECT,
                &path,
                format!("`metadata.{field}` is a table of strings"),
            );
            continue;
        };
        if field == "labels" {
            super::app::passthrough_labels(cx, &path, &entries);
        } else {
            super::app::passthrough_annotations(cx, &path, &entries);
        }
        let _ = what;
    }
    if kind.as_deref() == Some("Secret")
        && api_version.as_deref() == Some("v1")
        && ["data", "stringData"].iter().any(|k| {
            map.get(*k)
                .is_some_and(|d| d.as_object().is_some_and(|d| !d.is_empty()))
        })
    {
        cx.push(
            Issue::new(
                codes::INVALID_OBJECT,
                at,
                "a passthrough Secret would hold its values in the spec",
            )
            .with_help("give a component `secrets` (`{ env = ... }`, `{ file = ... }`, `{ external = ... }`) instead"),
        );
    }
    Some((
        values::api_group(api_version.as_deref()?).to_string(),
        kind?,
        namespace,
        name?,
    ))
}

/// The string at `key` of `map`; reports it missing or of another type.
fn text(
    cx: &mut Cx<'_>,
    at: &str,
    map: &serde_json::Map<String, Value>,
    key: &str,
    what: &str,
) -> Option<String> {
    match map.get(key) {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::String(_)) | None => {
            cx.push(
                Issue::new(
                    codes::INVALID_OBJECT,
                    issue::key(at, key),
                    format!("a passthrough object needs `{key}`"),
                )
                .with_help(format!("write `{key}`: {what}")),
            );
            None
        }
        Some(_) => {
            cx.report(
                codes::INVALID_OBJECT,
                issue::key(at, key),
                format!("`{key}` is a string"),
            );
            None
        }
    }
}

/// `v1` or `GROUP/VERSION`: a DNS subdomain group and a DNS label version.
fn api_version_rule(cx: &mut Cx<'_>, path: &str, v: &str) {
    let (group, version) = v.rsplit_once('/').unwrap_or(("", v));
    let ok = (group.is_empty() || rules::dns1123_subdomain(group).is_ok())
        && !version.is_empty()
        && rules::dns1123_label(version).is_ok()
        && !(group.is_empty() && v.contains('/'));
    if !ok {
        cx.push(
            Issue::new(
                codes::INVALID_OBJECT,
                path,
                format!("invalid apiVersion `{}`", crate::diag::clip(v)),
            )
            .with_help(
                "write `GROUP/VERSION` (`monitoring.coreos.com/v1`), or `v1` for the core group",
            ),
        );
    }
}

/// A name that is a path segment (RBAC objects): not empty, `.` or `..`, no `/` or `%`.
fn path_segment(s: &str) -> Result<(), String> {
    if s.is_empty() || s == "." || s == ".." {
        return Err("must not be empty, `.` or `..`".to_string());
    }
    if s.contains(['/', '%']) {
        return Err("must not contain `/` or `%`".to_string());
    }
    if s.len() > 253 {
        return Err("must be at most 253 characters".to_string());
    }
    Ok(())
}

/// A JSON table of strings as a map, if it is one.
fn strings(v: &Value) -> Option<BTreeMap<String, String>> {
    v.as_object()?
        .iter()
        .map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
        .collect()
}
