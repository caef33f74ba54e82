//! The classification rules of `k8gen diff`: which changed fields the API server refuses to
//! change in place (breaking), which removed objects take data with them (destructive), and
//! why a workload's pods restart (rollout). Reads JSON values only; says nothing about how
//! changes are shown.

use serde_json::{Map, Value};

use super::Reason;
use crate::model::rules::values::quantity;

fn reason(path: impl Into<String>, message: impl Into<String>) -> Reason {
    Reason {
        path: path.into(),
        message: message.into(),
    }
}

fn at<'a>(v: &'a Value, pointer: &str) -> Option<&'a Value> {
    v.pointer(pointer).filter(|v| !v.is_null())
}

fn text<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    at(v, pointer).and_then(Value::as_str)
}

/// The keys of the maps at `pointer` in `old` and `new` whose values differ, in order.
fn changed_keys(old: &Value, new: &Value, pointer: &str) -> Vec<String> {
    let empty = Map::new();
    let map = |v: &Value| at(v, pointer).and_then(Value::as_object).cloned();
    let (a, b) = (map(old), map(new));
    let (a, b) = (a.as_ref().unwrap_or(&empty), b.as_ref().unwrap_or(&empty));
    let mut keys: Vec<&String> = a.keys().collect();
    keys.extend(b.keys().filter(|k| !a.contains_key(*k)));
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .cloned()
        .collect()
}

/// Fields of a StatefulSet's spec the API server lets an update change; every other one is
/// immutable ("updates to statefulset spec for fields other than ... are forbidden").
const STATEFULSET_MUTABLE: &[&str] = &[
    "replicas",
    "ordinals",
    "template",
    "updateStrategy",
    "persistentVolumeClaimRetentionPolicy",
    "minReadySeconds",
    "revisionHistoryLimit",
];

/// Fields of a PersistentVolumeClaim's spec that may change on a bound claim (`resources`
/// only to grow).
const CLAIM_MUTABLE: &[&str] = &["resources", "volumeAttributesClassName"];

/// Why applying `new` over `old` (both of `kind`) is refused in place.
pub fn breaking(kind: &str, old: &Value, new: &Value) -> Vec<Reason> {
    let mut out = Vec::new();
    let differs = |pointer: &str| at(old, pointer) != at(new, pointer);
    match kind {
        "Deployment" | "DaemonSet" | "ReplicaSet" if differs("/spec/selector") => {
            out.push(reason(
                "spec.selector",
                format!(
                    "a {kind}'s selector is immutable: apply fails until the {kind} is \
                     deleted and recreated (to keep the running selector, give the \
                     component `selector = {{...}}`)"
                ),
            ));
        }
        "StatefulSet" => {
            for k in changed_keys(old, new, "/spec") {
                if !STATEFULSET_MUTABLE.contains(&k.as_str()) {
                    out.push(reason(
                        format!("spec.{k}"),
                        format!(
                            "a StatefulSet's spec.{k} is immutable (only replicas, template, \
                             updateStrategy, minReadySeconds, ordinals and the claim retention \
                             policy change in place): apply fails until it is deleted and \
                             recreated (`kubectl delete --cascade=orphan` keeps the pods and \
                             claims)"
                        ),
                    ));
                }
            }
        }
        "Job" => {
            for (field, what) in [
                ("template", "pod template"),
                ("selector", "selector"),
                ("completionMode", "completion mode"),
            ] {
                if differs(&format!("/spec/{field}")) {
                    out.push(reason(
                        format!("spec.{field}"),
                        format!(
                            "a Job's {what} is immutable: apply fails while the old Job exists \
                             (delete it first, or give the changed Job a new name)"
                        ),
                    ));
                }
            }
        }
        "Service" => service(old, new, &mut out),
        "PersistentVolumeClaim" => claim(old, new, &mut out),
        "RoleBinding" | "ClusterRoleBinding" if differs("/roleRef") => {
            out.push(reason(
                "roleRef",
                format!("a {kind}'s roleRef is immutable: it must be deleted and recreated"),
            ));
        }
        "ConfigMap" | "Secret" => {
            if at(old, "/immutable") == Some(&Value::Bool(true))
                && (differs("/data") || differs("/binaryData") || differs("/stringData"))
            {
                out.push(reason(
                    "data",
                    format!("the {kind} is immutable (`immutable: true`): its data cannot change"),
                ));
            }
            if kind == "Secret" && text(old, "/type") != text(new, "/type") {
                out.push(reason("type", "a Secret's type is immutable"));
            }
        }
        _ => {}
    }
    out
}

fn service(old: &Value, new: &Value, out: &mut Vec<Reason>) {
    let (a, b) = (text(old, "/spec/clusterIP"), text(new, "/spec/clusterIP"));
    let headless = |ip: Option<&str>| ip == Some("None");
    if headless(a) != headless(b) {
        out.push(reason(
            "spec.clusterIP",
            "a Service cannot switch between headless (`clusterIP: None`) and a cluster IP in \
             place: it must be deleted and recreated",
        ));
    } else if let (Some(a), Some(b)) = (a, b)
        && a != b
    {
        out.push(reason(
            "spec.clusterIP",
            format!("a Service's clusterIP is immutable ({a} -> {b})"),
        ));
    }
    let kind = |v: &Value| text(v, "/spec/type").unwrap_or("ClusterIP").to_string();
    let (a, b) = (kind(old), kind(new));
    if a != b && b == "ExternalName" {
        out.push(reason(
            "spec.type",
            format!(
                "a {a} Service keeps its allocated cluster IP, which an ExternalName Service may \
                 not have: apply fails until it is deleted and recreated"
            ),
        ));
    }
}

fn claim(old: &Value, new: &Value, out: &mut Vec<Reason>) {
    let size = |v: &Value| text(v, "/spec/resources/requests/storage").map(str::to_string);
    if let (Some(a), Some(b)) = (size(old), size(new))
        && let (Ok(x), Ok(y)) = (quantity(&a), quantity(&b))
        && y < x
    {
        out.push(reason(
            "spec.resources.requests.storage",
            format!("a claim cannot shrink ({a} -> {b}); only growing is allowed in place"),
        ));
    }
    for k in changed_keys(old, new, "/spec") {
        if CLAIM_MUTABLE.contains(&k.as_str()) {
            continue;
        }
        let message = if k == "storageClassName" {
            "a claim's storage class is immutable: a new class needs a new claim (and a copy of \
             the data)"
                .to_string()
        } else {
            format!("a bound claim's spec.{k} is immutable: it must be recreated")
        };
        out.push(reason(format!("spec.{k}"), message));
    }
}

/// Why `removed` (of `kind`, in the old set) takes data with it when prune deletes it. `old`
/// and `new` are the whole sets, to find who reads a Secret.
pub fn destructive(kind: &str, removed: &Value, old: &[Value], new: &[Value]) -> Vec<Reason> {
    let message = match kind {
        "PersistentVolumeClaim" => {
            "prune deletes the claim, and with the usual `Delete` reclaim policy its volume and \
             the data on it"
                .to_string()
        }
        "StatefulSet" => {
            "prune deletes the StatefulSet and its pods; the claims of its volumeClaimTemplates \
             stay (unless its retention policy deletes them) but nothing serves their data"
                .to_string()
        }
        "Namespace" => {
            "prune deletes the Namespace and everything in it, claims and their data included"
                .to_string()
        }
        "CustomResourceDefinition" => {
            "prune deletes the CustomResourceDefinition and with it every custom resource of \
             its kind in the cluster"
                .to_string()
        }
        "PersistentVolume" => {
            "prune deletes the volume; with a `Delete` reclaim policy its data goes too".to_string()
        }
        // Pruning a SealedSecret deletes the Secret the controller made of it (its owner).
        "Secret" | "SealedSecret" => {
            let name = text(removed, "/metadata/name").unwrap_or_default();
            let namespace = text(removed, "/metadata/namespace");
            let mut readers: Vec<String> = Vec::new();
            for o in old.iter().chain(new) {
                if o == removed || text(o, "/metadata/namespace") != namespace {
                    continue;
                }
                let mut names = Vec::new();
                secret_refs(o, &mut names);
                if names.iter().any(|n| n == name) {
                    let title = format!(
                        "{} {}",
                        text(o, "/kind").unwrap_or_default(),
                        text(o, "/metadata/name").unwrap_or_default()
                    );
                    if !readers.contains(&title) {
                        readers.push(title);
                    }
                }
            }
            if readers.is_empty() {
                return Vec::new();
            }
            format!(
                "read by {}: prune deletes it while pods still need it (they fail to start or \
                 restart)",
                readers.join(", ")
            )
        }
        _ => return Vec::new(),
    };
    vec![reason("", message)]
}

/// Names of the Secrets `v` reads anywhere in it: env `secretKeyRef`, `envFrom` `secretRef`,
/// `secret` volumes and projected sources, `imagePullSecrets`, Ingress TLS `secretName`.
fn secret_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                let name = |v: &Value, field: &str| {
                    v.get(field).and_then(Value::as_str).map(str::to_string)
                };
                match k.as_str() {
                    "secretName" => out.extend(v.as_str().map(str::to_string)),
                    "secretKeyRef" | "secretRef" | "secret" => out.extend(name(v, "name")),
                    "imagePullSecrets" => out.extend(
                        v.as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|s| name(s, "name")),
                    ),
                    _ => {}
                }
                secret_refs(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| secret_refs(i, out)),
        _ => {}
    }
}

/// Kinds whose pods are replaced when their template changes.
const ROLLING: &[&str] = &["Deployment", "StatefulSet", "DaemonSet", "Rollout"];

/// The prefix of the pod template annotations k8gen writes with a hash of what the pods read.
const CHECKSUM_PREFIX: &str = "checksum/";

/// Why the pods of `new` (a workload of `kind`) restart when it replaces `old`.
pub fn rollout(kind: &str, old: &Value, new: &Value) -> Vec<Reason> {
    let (Some(a), Some(b)) = (at(old, "/spec/template"), at(new, "/spec/template")) else {
        return Vec::new();
    };
    if !ROLLING.contains(&kind) || a == b {
        return Vec::new();
    }
    let mut out = Vec::new();
    let (mut rest_a, mut rest_b) = (a.clone(), b.clone());
    for list in ["initContainers", "containers"] {
        let pointer = format!("/spec/{list}");
        let items = |v: &Value| -> Vec<(String, Option<String>)> {
            at(v, &pointer)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|c| {
                    (
                        c.get("name").and_then(Value::as_str).unwrap_or("").into(),
                        c.get("image").and_then(Value::as_str).map(str::to_string),
                    )
                })
                .collect()
        };
        let (before, after) = (items(a), items(b));
        for (name, image) in &after {
            let path = format!("spec.template.spec.{list}[{name}]");
            match before.iter().find(|(n, _)| n == name) {
                None => out.push(reason(path, format!("container {name} added"))),
                Some((_, old_image)) if old_image != image => out.push(reason(
                    format!("{path}.image"),
                    format!(
                        "image of {name}: {} -> {}",
                        old_image.as_deref().unwrap_or("(none)"),
                        image.as_deref().unwrap_or("(none)")
                    ),
                )),
                Some(_) => {}
            }
        }
        for (name, _) in before
            .iter()
            .filter(|(n, _)| !after.iter().any(|(m, _)| m == n))
        {
            out.push(reason(
                format!("spec.template.spec.{list}[{name}]"),
                format!("container {name} removed"),
            ));
        }
        for t in [&mut rest_a, &mut rest_b] {
            if let Some(items) = t.pointer_mut(&pointer).and_then(Value::as_array_mut) {
                items
                    .iter_mut()
                    .filter_map(Value::as_object_mut)
                    .for_each(|c| {
                        c.remove("image");
                    });
            }
        }
    }
    for k in changed_keys(a, b, "/metadata/annotations") {
        if let Some(what) = k.strip_prefix(CHECKSUM_PREFIX) {
            let what = match what {
                "config" => "the config (ConfigMaps) its pods read changed".to_string(),
                "secret" => "the Secrets its pods read changed".to_string(),
                other => format!("the {other} its pods read changed"),
            };
            out.push(reason(
                format!("spec.template.metadata.annotations[{k}]"),
                what,
            ));
        }
    }
    for t in [&mut rest_a, &mut rest_b] {
        if let Some(map) = t
            .pointer_mut("/metadata/annotations")
            .and_then(Value::as_object_mut)
        {
            map.retain(|k, _| !k.starts_with(CHECKSUM_PREFIX));
        }
    }
    let mut paths = Vec::new();
    differing_paths(Some(&rest_a), Some(&rest_b), "spec.template", &mut paths);
    if !paths.is_empty() {
        let shown = paths.iter().take(4).cloned().collect::<Vec<_>>().join(", ");
        let more = match paths.len() {
            n if n > 4 => format!(" and {} more", n - 4),
            _ => String::new(),
        };
        out.push(reason(
            "spec.template",
            format!("pod template changed: {shown}{more}"),
        ));
    }
    out
}

/// The dotted paths (list items by `name` where they have one) at which `a` and `b` differ.
fn differing_paths(a: Option<&Value>, b: Option<&Value>, path: &str, out: &mut Vec<String>) {
    if a == b {
        return;
    }
    match (a, b) {
        (Some(Value::Object(x)), Some(Value::Object(y))) => {
            let mut keys: Vec<&String> = x.keys().collect();
            keys.extend(y.keys().filter(|k| !x.contains_key(*k)));
            for k in keys {
                let at = if k.contains(['.', '/']) {
                    format!("{path}[{k}]")
                } else {
                    format!("{path}.{k}")
                };
                differing_paths(x.get(k), y.get(k), &at, out);
            }
        }
        (Some(Value::Array(x)), Some(Value::Array(y))) => {
            let name = |v: &Value| v.get("name").and_then(Value::as_str).map(str::to_string);
            let named = x.iter().chain(y).all(|v| name(v).is_some());
            if named {
                let mut names: Vec<String> = x.iter().filter_map(name).collect();
                for n in y.iter().filter_map(name) {
                    if !names.contains(&n) {
                        names.push(n);
                    }
                }
                for n in names {
                    let find =
                        |l: &'_ [Value]| l.iter().find(|v| name(v).as_ref() == Some(&n)).cloned();
                    let (p, q) = (find(x), find(y));
                    differing_paths(p.as_ref(), q.as_ref(), &format!("{path}[{n}]"), out);
                }
            } else if x.len() == y.len() {
                for (i, (p, q)) in x.iter().zip(y).enumerate() {
                    differing_paths(Some(p), Some(q), &format!("{path}[{i}]"), out);
                }
            } else {
                out.push(path.to_string());
            }
        }
        _ => out.push(path.to_string()),
    }
}
