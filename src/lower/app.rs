//! Lowers the app-level keys (ingress, quota, limit range, External Secrets store, Argo CD
//! Application, patches) into the model and records where each value was written. The rules
//! about them live in `model::rules::app`; only what the model cannot hold is judged here (a
//! patch target that is not `KIND/NAME`, a JSON pointer, a patch with nothing to do).

use std::collections::BTreeMap;

use super::resources;
use super::{Cx, codes};
use crate::diag::Diagnostic;
use crate::model::{self, issue};
use crate::syntax::{self, Sp, SpMap};

/// Records `labels.KEY` (or any string map's entries) at the value and `labels.KEY.<key>` at the
/// key, and returns the map.
pub fn string_map(cx: &mut Cx<'_>, base: &str, map: &SpMap<String>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (k, v) in map {
        let entry = issue::key(base, &k.value);
        cx.provenance.record(issue::map_key(&entry), k.span());
        cx.provenance.record(entry, v.span());
        out.insert(k.value.clone(), v.value.clone());
    }
    out
}

pub fn ingress(cx: &mut Cx<'_>, i: &Sp<syntax::IngressSyntax>) -> model::Ingress {
    cx.provenance.record("ingress", i.span());
    let record = |cx: &mut Cx<'_>, path: &str, v: &Option<Sp<String>>| {
        if let Some(v) = v {
            cx.provenance.record(path, v.span());
        }
        v.as_ref().map(|v| v.value.clone())
    };
    let class = record(cx, "ingress.class", &i.class);
    let name = record(cx, "ingress.name", &i.name);
    let cert_manager_issuer = record(cx, "ingress.cert_manager_issuer", &i.cert_manager_issuer);
    let annotations = string_map(cx, "ingress.annotations", &i.annotations);
    let (tls, tls_secret) = match &i.tls {
        None => (None, None),
        Some(t) => {
            cx.provenance.record("ingress.tls", t.span());
            match &t.value {
                syntax::TlsSyntax::Enabled(b) => (Some(*b), None),
                syntax::TlsSyntax::Secret(name) => (Some(true), Some(name.clone())),
            }
        }
    };
    let mut routes = Vec::new();
    for (n, r) in i.routes.iter().enumerate() {
        let base = issue::index("ingress.routes", n);
        cx.provenance.record(&base, r.span());
        let host = record(cx, &issue::key(&base, "host"), &r.host);
        let path = record(cx, &issue::key(&base, "path"), &r.path);
        if let Some(t) = &r.path_type {
            cx.provenance
                .record(issue::key(&base, "path_type"), t.span());
        }
        cx.provenance.record(issue::key(&base, "to"), r.to.span());
        // `component[:port]`: a port by number or by name.
        let (component, port) = match r.to.value.split_once(':') {
            Some((c, p)) => (
                c.to_string(),
                Some(match p.parse::<i32>() {
                    Ok(n) => model::PortTarget::Number(n),
                    Err(_) => model::PortTarget::Name(p.to_string()),
                }),
            ),
            None => (r.to.value.clone(), None),
        };
        routes.push(model::Route {
            host,
            path,
            path_type: r.path_type.as_ref().map(|t| t.value),
            component,
            port,
        });
    }
    model::Ingress {
        class,
        annotations,
        cert_manager_issuer,
        tls,
        tls_secret,
        routes,
        name,
    }
}

/// A quantity as the model holds it: its text.
fn quantity_text(q: &syntax::Quantity) -> String {
    match q {
        syntax::Quantity::String(s) => s.clone(),
        syntax::Quantity::Integer(i) => i.to_string(),
        syntax::Quantity::Float(f) => f.to_string(),
    }
}

/// `base.KEY` recorded at each quantity, `base.KEY.<key>` at each key.
fn quantities(
    cx: &mut Cx<'_>,
    base: &str,
    map: &SpMap<syntax::Quantity>,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (k, q) in map {
        let entry = issue::key(base, &k.value);
        cx.provenance.record(issue::map_key(&entry), k.span());
        cx.provenance.record(entry, q.span());
        out.insert(k.value.clone(), quantity_text(&q.value));
    }
    out
}

pub fn quota(cx: &mut Cx<'_>, q: &SpMap<syntax::Quantity>) -> BTreeMap<String, String> {
    quantities(cx, "quota", q)
}

pub fn limit_range(cx: &mut Cx<'_>, l: &Sp<syntax::LimitRangeSyntax>) -> model::LimitRange {
    cx.provenance.record("limit_range", l.span());
    let default = resources::resources(cx, &l.default_request, &l.default, "limit_range");
    model::LimitRange {
        default: default.limits,
        default_request: default.requests,
        max: quantities(cx, "limit_range.max", &l.max),
        min: quantities(cx, "limit_range.min", &l.min),
    }
}

pub fn external_secrets(
    cx: &mut Cx<'_>,
    e: &Sp<syntax::ExternalSecretsSyntax>,
) -> model::ExternalSecrets {
    cx.provenance.record("external_secrets", e.span());
    cx.provenance
        .record("external_secrets.store", e.store.span());
    if let Some(k) = &e.kind {
        cx.provenance.record("external_secrets.kind", k.span());
    }
    if let Some(r) = &e.refresh_interval {
        cx.provenance
            .record("external_secrets.refresh_interval", r.span());
    }
    model::ExternalSecrets {
        store: e.store.value.clone(),
        kind: e.kind.as_ref().map(|k| k.value),
        refresh_interval: e.refresh_interval.as_ref().map(|r| r.value.clone()),
    }
}

pub fn argocd(cx: &mut Cx<'_>, a: &Sp<syntax::ArgoCdSyntax>) -> model::ArgoCd {
    cx.provenance.record("argocd", a.span());
    cx.provenance.record("argocd.repo", a.repo.span());
    cx.provenance.record("argocd.path", a.path.span());
    if let Some(ns) = &a.namespace {
        cx.provenance.record("argocd.namespace", ns.span());
    }
    let text = |v: &Option<Sp<String>>| v.as_ref().map(|s| s.value.clone());
    let flag = |v: &Option<Sp<bool>>| v.as_ref().map(|b| b.value);
    model::ArgoCd {
        repo: a.repo.value.clone(),
        path: a.path.value.clone(),
        revision: text(&a.revision),
        project: text(&a.project),
        namespace: text(&a.namespace),
        server: text(&a.server),
        automated: flag(&a.automated),
        prune: flag(&a.prune),
        self_heal: flag(&a.self_heal),
    }
}

/// Lowers `[[patches]]`. A target that is not `KIND/NAME` is reported here (the model cannot
/// hold it); the rules about the rest are the engine's.
pub fn patches(cx: &mut Cx<'_>, patches: &[Sp<syntax::PatchSyntax>]) -> Vec<model::Patch> {
    let mut out = Vec::new();
    for p in patches {
        let Some((kind, name)) = p.target.value.split_once('/') else {
            cx.push(
                Diagnostic::error(
                    codes::INVALID_PATCH,
                    p.target.span(),
                    format!("cannot read target `{}`", p.target.value),
                )
                .with_help("write `KIND/NAME`, e.g. `Deployment/shop-api`"),
            );
            continue;
        };
        let at = issue::index("patches", out.len());
        cx.provenance.record(&at, p.target.span());
        if let Some(m) = &p.merge {
            cx.provenance.record(issue::key(&at, "merge"), m.span());
        }
        for path in p.set.keys() {
            cx.provenance.record(
                issue::key(&issue::key(&at, "set"), &path.value),
                path.span(),
            );
        }
        for (j, path) in p.remove.iter().flatten().enumerate() {
            cx.provenance
                .record(issue::index(&issue::key(&at, "remove"), j), path.span());
        }
        out.push(model::Patch {
            kind: kind.to_string(),
            name: name.to_string(),
            merge: p.merge.as_ref().map(|m| m.value.clone()),
            set: p
                .set
                .iter()
                .map(|(path, value)| (path.value.clone(), value.value.clone()))
                .collect(),
            remove: p.remove.iter().flatten().map(|r| r.value.clone()).collect(),
        });
    }
    out
}

/// Lowers `[[objects]]` (passthrough objects) to JSON, recording where every key and value
/// of each was written (`objects[0].metadata.name`), so the engine's findings about them point
/// into the table. Their rules are the engine's.
pub fn objects(cx: &mut Cx<'_>, objects: &[Sp<syntax::ObjectSyntax>]) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        let at = issue::index("objects", i);
        cx.provenance.record(&at, o.span());
        record_raw(cx, &at, &o.value.0);
        out.push(o.value.0.to_json());
    }
    out
}

fn record_raw(cx: &mut Cx<'_>, at: &str, value: &syntax::RawValue) {
    match value {
        syntax::RawValue::Table(entries) => {
            for (k, v) in entries {
                let path = issue::key(at, &k.value);
                cx.provenance.record(issue::map_key(&path), k.span());
                cx.provenance.record(&path, v.span());
                record_raw(cx, &path, &v.value);
            }
        }
        syntax::RawValue::Array(items) => {
            for (j, item) in items.iter().enumerate() {
                let path = issue::index(at, j);
                cx.provenance.record(&path, item.span());
                record_raw(cx, &path, &item.value);
            }
        }
        _ => {}
    }
}

/// The platform's `[policy]` as it applies to the app named `app`: its exceptions only.
pub fn policy(
    cx: &mut Cx<'_>,
    platform: Option<&syntax::PlatformFile>,
    app: &str,
) -> model::Policy {
    let Some(p) = platform.and_then(|p| p.policy.as_ref()) else {
        return model::Policy::default();
    };
    let list = |cx: &mut Cx<'_>, base: &str, items: Option<&[Sp<String>]>| -> Vec<String> {
        let items = items.unwrap_or_default();
        for (i, item) in items.iter().enumerate() {
            cx.provenance.record(issue::index(base, i), item.span());
        }
        items.iter().map(|i| i.value.clone()).collect()
    };
    let exceptions = p.exceptions.iter().find(|(k, _)| k.value == app);
    model::Policy {
        deny: list(cx, "policy.deny", p.deny.as_deref()),
        require_labels: list(cx, "policy.require_labels", p.require_labels.as_deref()),
        exceptions: list(
            cx,
            "policy.exceptions",
            exceptions.map(|(_, v)| v.value.as_slice()),
        ),
    }
}

/// The app's secrets mode, SOPS recipients and sealed-secrets certificate (read through the
/// host) and scope (`secrets_mode`, `sops.age`, `sealed`), and whether the
/// platform lets a tree hold plain Secrets (`[secrets] allow_plain`).
pub fn secrets(
    cx: &mut Cx<'_>,
    file: &syntax::SpecFile,
    platform: Option<&syntax::PlatformFile>,
) -> model::Secrets {
    let mode = file.secrets_mode.as_ref().map(|m| {
        cx.provenance.record("secrets_mode", m.span());
        m.value
    });
    let mut sops_age = Vec::new();
    if let Some(sops) = &file.sops {
        cx.provenance.record("sops", sops.span());
        for (i, r) in sops.value.age.iter().enumerate() {
            cx.provenance.record(issue::index("sops.age", i), r.span());
            sops_age.push(r.value.clone());
        }
    }
    let (mut sealed_certificate, mut sealed_scope) = (None, None);
    if let Some(sealed) = &file.sealed {
        cx.provenance.record("sealed", sealed.span());
        if let Some(path) = &sealed.value.certificate {
            cx.provenance.record("sealed.certificate", path.span());
            // Read through the host like every `{ file }`: confined to the repo root. A file
            // that cannot be read was reported here; the empty text left in its place is no
            // certificate, which the engine reports at the same place (and is shown once).
            let bytes = cx.read(path).unwrap_or_default();
            sealed_certificate = Some(String::from_utf8_lossy(&bytes).into_owned());
        }
        if let Some(scope) = &sealed.value.scope {
            cx.provenance.record("sealed.scope", scope.span());
            sealed_scope = Some(scope.value);
        }
    }
    let allow_plain = platform
        .and_then(|p| p.secrets.as_ref())
        .and_then(|s| s.value.allow_plain.as_ref())
        .is_some_and(|b| b.value);
    model::Secrets {
        mode,
        sops_age,
        sealed_certificate,
        sealed_scope,
        allow_plain,
        tree: false,
    }
}
