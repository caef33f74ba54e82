//! Checks the app-level keys: ingress, quota, limit range, External Secrets store, Argo CD
//! Application and patches.

use std::collections::BTreeMap;

use super::component;
use super::env;
use super::index::Index;
use super::resources::{self, quantity};
use super::{Cx, codes};
use crate::diag::Diagnostic;
use crate::model::{self, rules};
use crate::spec::{self, Sp};

pub fn ingress(
    cx: &mut Cx<'_>,
    i: &Sp<spec::IngressSyntax>,
    app: &str,
    index: &Index,
) -> Option<model::Ingress> {
    if let Some(class) = &i.class {
        cx.rule(
            class,
            rules::dns1123_subdomain,
            codes::INVALID_NAME,
            "ingress class",
        );
    }
    let mut annotations = cx.annotations(&i.annotations);
    if let Some(issuer) = &i.cert_manager_issuer {
        cx.rule(
            issuer,
            rules::dns1123_subdomain,
            codes::INVALID_NAME,
            "cluster issuer",
        );
        annotations.insert(
            crate::build::CERT_MANAGER_ISSUER.to_string(),
            issuer.value.clone(),
        );
    }
    let tls_secret = match i.tls.as_ref().map(|t| (t, &t.value)) {
        None if i.cert_manager_issuer.is_some() => Some(format!("{app}-tls")),
        None | Some((_, spec::TlsSyntax::Enabled(false))) => None,
        Some((_, spec::TlsSyntax::Enabled(true))) => Some(format!("{app}-tls")),
        Some((t, spec::TlsSyntax::Secret(name))) => {
            cx.rule(
                &Sp::new(t.span(), name.clone()),
                rules::dns1123_subdomain,
                codes::INVALID_NAME,
                "TLS secret name",
            );
            Some(name.clone())
        }
    };
    if i.routes.is_empty() {
        cx.push(
            Diagnostic::error(
                codes::MISSING_VALUE,
                i.span(),
                "an ingress needs at least one route",
            )
            .with_help("add `routes = [{ host = \"app.example.com\", to = \"web\" }]`"),
        );
    }
    let mut routes = Vec::new();
    let mut seen = BTreeMap::new();
    for r in &i.routes {
        if let Some(host) = &r.host {
            let wildcard = host.value.strip_prefix("*.").unwrap_or(&host.value);
            if !host.value.contains('.') || rules::dns1123_subdomain(wildcard).is_err() {
                cx.push(Diagnostic::error(
                    codes::INVALID_NAME,
                    host.span(),
                    format!(
                        "invalid host `{}`: expected a DNS name such as `app.example.com`",
                        host.value
                    ),
                ));
            }
        }
        let path = r.path.as_ref().map_or("/".to_string(), |p| p.value.clone());
        if !path.starts_with('/') {
            cx.push(Diagnostic::error(
                codes::INVALID_VALUE,
                r.path.as_ref().map_or(r.span(), |p| p.span()),
                format!("path `{path}` must start with `/`"),
            ));
        }
        let path_type = match &r.path_type {
            Some(t) => component::one_of(
                cx,
                t,
                &["Prefix", "Exact", "ImplementationSpecific"],
                "path type",
            ),
            None => Some("Prefix".to_string()),
        };
        let host = r.host.as_ref().map(|h| h.value.clone());
        if let Some(first) = seen.insert((host.clone(), path.clone()), r.span()) {
            let _ = first;
            cx.push(Diagnostic::error(
                codes::DUPLICATE,
                r.span(),
                format!(
                    "the route for {}{path} is declared twice",
                    host.as_deref().unwrap_or("every host ")
                ),
            ));
        }
        let (target, port) = match r.to.value.split_once(':') {
            Some((t, p)) => (t.to_string(), Some(p.to_string())),
            None => (r.to.value.clone(), None),
        };
        let key = Sp::new(r.to.span(), target);
        let Some(declared) = env::component(cx, &key, index) else {
            continue;
        };
        if !declared.reachable_from_outside {
            cx.push(
                Diagnostic::error(
                    codes::UNREACHABLE,
                    r.to.span(),
                    format!(
                        "the Ingress controller cannot reach `{}`: its `network.from` admits only the app's own components",
                        key.value
                    ),
                )
                .with_help("add the controller's namespace to that `from`, e.g. \"namespace:ingress-nginx\""),
            );
        }
        let port_ref = port.map(|p| {
            Sp::new(
                r.to.span(),
                match p.parse::<i64>() {
                    Ok(n) => spec::PortRef::Number(n),
                    Err(_) => spec::PortRef::Name(p),
                },
            )
        });
        let Some((port_name, _)) = env::service_port(cx, &key, declared, port_ref.as_ref()) else {
            continue;
        };
        routes.push(model::Route {
            host,
            path,
            path_type: path_type.unwrap_or_default(),
            service: declared.full_name.clone(),
            port: port_name,
        });
    }
    Some(model::Ingress {
        class: i.class.as_ref().map(|c| c.value.clone()),
        annotations,
        tls_secret,
        routes,
    })
}

fn quantities(cx: &mut Cx<'_>, map: &spec::SpMap<spec::Quantity>) -> BTreeMap<String, String> {
    map.iter()
        .filter_map(|(k, q)| quantity(cx, q).map(|(text, _)| (k.value.clone(), text)))
        .collect()
}

/// Resource names a ResourceQuota understands (besides `count/<resource>` and extended ones).
const QUOTA_KEYS: &[&str] = &[
    "cpu",
    "memory",
    "requests.cpu",
    "requests.memory",
    "limits.cpu",
    "limits.memory",
    "requests.storage",
    "requests.ephemeral-storage",
    "limits.ephemeral-storage",
    "pods",
    "services",
    "services.loadbalancers",
    "services.nodeports",
    "secrets",
    "configmaps",
    "persistentvolumeclaims",
    "replicationcontrollers",
    "resourcequotas",
];

pub fn quota(cx: &mut Cx<'_>, q: &spec::SpMap<spec::Quantity>) -> BTreeMap<String, String> {
    for key in q.keys() {
        let known = QUOTA_KEYS.contains(&key.value.as_str())
            || key.value.starts_with("count/")
            || key.value.starts_with("requests.")
            || key.value.contains(".storageclass.storage.k8s.io/");
        if !known {
            let mut d = Diagnostic::error(
                codes::INVALID_QUANTITY,
                key.span(),
                format!("unknown quota resource `{}`", key.value),
            );
            d.help = Some(spec::suggest(&key.value, QUOTA_KEYS, || {
                "e.g. `requests.cpu`, `limits.memory`, `pods`, `count/deployments.apps`".to_string()
            }));
            cx.push(d);
        }
    }
    quantities(cx, q)
}

pub fn limit_range(cx: &mut Cx<'_>, l: &Sp<spec::LimitRangeSyntax>) -> model::LimitRange {
    let default = resources::resources(cx, &l.default_request, &l.default, "limit_range");
    model::LimitRange {
        default: default.limits,
        default_request: default.requests,
        max: quantities(cx, &l.max),
        min: quantities(cx, &l.min),
    }
}

pub fn external_secrets(
    cx: &mut Cx<'_>,
    e: &Sp<spec::ExternalSecretsSyntax>,
) -> model::ExternalSecrets {
    cx.rule(
        &e.store,
        rules::dns1123_subdomain,
        codes::INVALID_NAME,
        "secret store name",
    );
    model::ExternalSecrets {
        store: e.store.value.clone(),
        kind: e
            .kind
            .as_ref()
            .and_then(|k| {
                component::one_of(
                    cx,
                    k,
                    &["SecretStore", "ClusterSecretStore"],
                    "secret store kind",
                )
            })
            .unwrap_or_else(|| "SecretStore".to_string()),
        refresh_interval: e.refresh_interval.as_ref().map_or("1h".to_string(), |r| {
            cx.rule(r, rules::duration, codes::INVALID_VALUE, "refresh interval");
            r.value.clone()
        }),
    }
}

pub fn argocd(cx: &mut Cx<'_>, a: &Sp<spec::ArgoCdSyntax>) -> model::ArgoCd {
    let text = |v: &Option<Sp<String>>, default: &str| {
        v.as_ref().map_or(default.to_string(), |s| s.value.clone())
    };
    if let Some(ns) = &a.namespace {
        cx.rule(ns, rules::dns1123_label, codes::INVALID_NAME, "namespace");
    }
    if a.repo.value.trim().is_empty() {
        cx.push(Diagnostic::error(
            codes::MISSING_VALUE,
            a.repo.span(),
            "`repo` must not be empty",
        ));
    }
    let automated = a.automated.as_ref().is_none_or(|b| b.value);
    model::ArgoCd {
        repo: a.repo.value.clone(),
        path: a.path.value.clone(),
        revision: text(&a.revision, "HEAD"),
        project: text(&a.project, "default"),
        namespace: text(&a.namespace, "argocd"),
        server: text(&a.server, "https://kubernetes.default.svc"),
        automated,
        prune: a.prune.as_ref().is_none_or(|b| b.value),
        self_heal: a.self_heal.as_ref().is_none_or(|b| b.value),
    }
}

pub fn patches(
    cx: &mut Cx<'_>,
    patches: &[Sp<spec::PatchSyntax>],
) -> (Vec<model::Patch>, Vec<std::ops::Range<usize>>) {
    let mut out = Vec::new();
    let mut spans = Vec::new();
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
        if p.merge.is_none() && p.set.is_empty() {
            cx.push(Diagnostic::error(
                codes::INVALID_PATCH,
                p.span(),
                "a patch needs `merge` or `set`",
            ));
            continue;
        }
        let merge = p.merge.as_ref().map(|m| m.value.clone());
        if let Some(m) = &p.merge
            && !m.value.is_object()
        {
            cx.push(Diagnostic::error(
                codes::INVALID_PATCH,
                m.span(),
                "`merge` must be a table",
            ));
        }
        let mut set = Vec::new();
        for (path, value) in &p.set {
            if !path.value.starts_with('/') {
                cx.push(
                    Diagnostic::error(codes::INVALID_PATCH, path.span(), format!("`{}` is not a JSON pointer", path.value))
                        .with_help("write it like `/spec/template/spec/priorityClassName` (list items by index: `/containers/0/...`)"),
                );
                continue;
            }
            set.push((path.value.clone(), value.value.clone()));
        }
        out.push(model::Patch {
            kind: kind.to_string(),
            name: name.to_string(),
            merge,
            set,
        });
        spans.push(p.target.span());
    }
    (out, spans)
}
