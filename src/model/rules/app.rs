//! Rules about the app as a whole: its name, namespace, labels and annotations, its set of
//! components, and the app-level parts (Ingress, quota, limit range, External Secrets store,
//! Argo CD Application, patches). Rules about one component's own fields are in
//! [`super::component`].

use std::collections::BTreeMap;

use super::{Cx, at};
use crate::codes;
use crate::model::{Component, PortTarget, issue, names, rules};
use crate::suggest::{quoted, suggest};

pub(super) fn app(cx: &mut Cx<'_>) {
    let app = cx.app;
    cx.value(
        "name",
        &app.name,
        rules::dns1035_label,
        codes::INVALID_NAME,
        "app name",
    );
    if let Some(r) = &app.registry {
        cx.value(
            "registry",
            r,
            rules::registry,
            codes::INVALID_VALUE,
            "registry",
        );
    }
    if let Some(ns) = &app.namespace {
        cx.value(
            "namespace",
            ns,
            rules::dns1123_label,
            codes::INVALID_NAME,
            "namespace",
        );
    }
    if app.create_namespace == Some(true) && app.namespace.is_none() {
        cx.push(
            issue::Issue::new(
                codes::MISSING_VALUE,
                "create_namespace",
                "`create_namespace` needs a `namespace`",
            )
            .with_help("add `namespace = \"...\"` or remove `create_namespace`"),
        );
    }
    if app.create_namespace == Some(true) && app.namespace_owned_by_environment {
        cx.push(
            issue::Issue::new(
                codes::NAMESPACE_OWNED_BY_ENVIRONMENT,
                "create_namespace",
                format!(
                    "the environment owns the Namespace `{}` (k8gen.toml); one owner per \
                     Namespace",
                    app.namespace.as_deref().unwrap_or_default()
                ),
            )
            .with_help("remove `create_namespace = true`: the environment's `_namespaces/` folder holds it"),
        );
    }
    labels(cx, "labels", &app.labels);
    annotations(cx, "annotations", &app.annotations);
    components(cx);
    ingress(cx);
    namespaced(cx);
    external_secrets(cx);
    argocd(cx);
    patches(cx);
}

/// Labels at `base`: keys are qualified names not in k8gen's own `app.kubernetes.io/`, values
/// label values. The one rule for the app's and every component's labels.
pub(super) fn labels(cx: &mut Cx<'_>, base: &str, labels: &BTreeMap<String, String>) {
    for (k, v) in labels {
        let entry = issue::key(base, k);
        meta_key(cx, &entry, k, "label");
        cx.value(
            &entry,
            v,
            rules::label_value,
            codes::INVALID_LABEL,
            "label value",
        );
    }
}

/// Annotations at `base`: keys like label keys (any value goes). The one rule for the app's,
/// the Ingress', every component's, its pods' and its Service's annotations.
pub(super) fn annotations(cx: &mut Cx<'_>, base: &str, annotations: &BTreeMap<String, String>) {
    for k in annotations.keys() {
        meta_key(cx, &issue::key(base, k), k, "annotation");
    }
}

/// Labels of a passthrough object at `base`: [`labels`]' rules, except that k8gen adds none
/// to such an object, so only its own `k8gen.io/` keys are refused (an object as written may
/// carry `app.kubernetes.io/*`).
pub(super) fn passthrough_labels(cx: &mut Cx<'_>, base: &str, labels: &BTreeMap<String, String>) {
    for (k, v) in labels {
        let entry = issue::key(base, k);
        meta_key_of(cx, &entry, k, "label", true);
        cx.value(
            &entry,
            v,
            rules::label_value,
            codes::INVALID_LABEL,
            "label value",
        );
    }
}

/// Annotations of a passthrough object: as [`passthrough_labels`] for their keys.
pub(super) fn passthrough_annotations(
    cx: &mut Cx<'_>,
    base: &str,
    annotations: &BTreeMap<String, String>,
) {
    for k in annotations.keys() {
        meta_key_of(cx, &issue::key(base, k), k, "annotation", true);
    }
}

fn meta_key(cx: &mut Cx<'_>, entry: &str, key: &str, what: &str) {
    meta_key_of(cx, entry, key, what, false)
}

fn meta_key_of(cx: &mut Cx<'_>, entry: &str, key: &str, what: &str, passthrough: bool) {
    let path = issue::map_key(entry);
    // Without k8gen's own labels (`extra_labels = false`) the spec may set them itself; a
    // passthrough object gets none of them, only k8gen's own `k8gen.io/` keys are refused.
    let reserved = if passthrough {
        key.starts_with(crate::values::K8GEN_LABEL_PREFIX)
    } else {
        crate::values::is_reserved_label(key)
            && cx
                .app
                .extra_labels
                .unwrap_or_else(crate::model::defaults::extra_labels)
    };
    if reserved {
        cx.push(
            issue::Issue::new(
                codes::INVALID_LABEL,
                path,
                format!("{what} key `{key}` is set by k8gen"),
            )
            .with_help(if passthrough {
                "`k8gen.io/` keys are k8gen's own; pick a key of your own"
            } else {
                "use `version` or `role` to change those labels, or pick a key of your own"
            }),
        );
    } else if let Some(engine) = crate::values::engine_owned(key, what == "annotation") {
        cx.push(
            issue::Issue::new(
                codes::INVALID_LABEL,
                path,
                format!("{what} key `{key}` is written by {engine} on the objects it applies"),
            )
            .with_help(format!("leave it to {engine}; pick a key of your own")),
        );
    } else {
        cx.value(
            path,
            key,
            rules::qualified_name,
            codes::INVALID_LABEL,
            &format!("{what} key"),
        );
    }
}

/// The set of components: at least one (unless the app has passthrough objects), keys unique and DNS-1035 labels, object names short
/// enough; and each one's labels and annotations.
fn components(cx: &mut Cx<'_>) {
    let app = cx.app;
    // An app of passthrough objects only (a folder of CRDs, an operator's RBAC) is an app.
    if app.components.is_empty() && app.objects.is_empty() {
        cx.push(
            issue::Issue::new(codes::MISSING_VALUE, "name", "the spec has no component").with_help(
                "add `image = \"...\"` for a single-component app, or `[components.NAME]` tables",
            ),
        );
    }
    let mut seen = BTreeMap::new();
    for (i, c) in app.components.iter().enumerate() {
        let base = at(c);
        if let Some(first) = seen.insert(c.key.as_str(), i) {
            seen.insert(c.key.as_str(), first);
            let message = if c.key == app.name {
                format!(
                    "`{}` is already the name of the main component (the top-level keys)",
                    c.key
                )
            } else {
                format!("component `{}` is declared twice", c.key)
            };
            cx.report(codes::DUPLICATE, issue::index("components", i), message);
            continue;
        }
        if c.key != app.name {
            cx.value(
                &base,
                &c.key,
                rules::dns1035_label,
                codes::INVALID_NAME,
                "component name",
            );
        }
        // A pinned name is judged as a name of its own (`rules::takeover`).
        let name = names::component(&app.name, &c.key);
        if c.names.workload.is_none() && name.len() > 63 {
            cx.push(
                issue::Issue::new(
                    codes::NAME_TOO_LONG,
                    &base,
                    format!(
                        "object name `{}` made from this name is {} characters, over the 63 allowed",
                        crate::diag::clip(&name),
                        name.len()
                    ),
                )
                .with_help("shorten the app or component name"),
            );
        }
        let p = |field: &str| issue::key(&base, field);
        labels(cx, &p("labels"), &c.labels);
        annotations(cx, &p("annotations"), &c.annotations);
        annotations(cx, &p("pod_annotations"), &c.pod_annotations);
        let services = (c.service.on().map(|s| (p("service"), s)))
            .into_iter()
            .chain(
                c.services
                    .iter()
                    .map(|(key, s)| (issue::key(&p("services"), key), s)),
            );
        for (path, s) in services {
            annotations(cx, &issue::key(&path, "annotations"), &s.annotations);
        }
        if cx.app.external_secrets.is_none() {
            for key in c.external_secrets.keys() {
                cx.push(
                    issue::Issue::new(
                        codes::MISSING_VALUE,
                        issue::key(&issue::key(&p("secrets"), key), "external"),
                        "`external` secret values need an `[external_secrets]` store",
                    )
                    .with_help("add `[external_secrets]` with `store = \"NAME\"` at the top level"),
                );
            }
        }
    }
}

fn ingress(cx: &mut Cx<'_>) {
    let app = cx.app;
    let Some(i) = &app.ingress else { return };
    if let Some(name) = &i.name {
        cx.value(
            "ingress.name",
            name,
            rules::dns1123_subdomain,
            codes::INVALID_NAME,
            "Ingress name",
        );
        // A canary's weighted Ingress is `NAME-canary`; two Ingresses may not share a name.
        let canary = (app.components.iter())
            .filter(|c| matches!(c.release, Some(crate::model::Release::Canary { .. })))
            .find(|c| names::canary_route(&c.name) == *name);
        if let Some(c) = canary {
            cx.push(
                issue::Issue::new(
                    codes::DUPLICATE,
                    "ingress.name",
                    format!(
                        "`{}` is the name of component `{}`'s canary Ingress",
                        crate::diag::clip(name),
                        crate::diag::clip(&c.key)
                    ),
                )
                .with_help("pick another name"),
            );
        }
    }
    if let Some(class) = &i.class {
        cx.value(
            "ingress.class",
            class,
            rules::dns1123_subdomain,
            codes::INVALID_NAME,
            "ingress class",
        );
    }
    if let Some(issuer) = &i.cert_manager_issuer {
        cx.value(
            "ingress.cert_manager_issuer",
            issuer,
            rules::dns1123_subdomain,
            codes::INVALID_NAME,
            "cluster issuer",
        );
    }
    if let Some(secret) = &i.tls_secret
        && i.tls != Some(false)
    {
        cx.value(
            "ingress.tls",
            secret,
            rules::dns1123_subdomain,
            codes::INVALID_NAME,
            "TLS secret name",
        );
    }
    annotations(cx, "ingress.annotations", &i.annotations);
    if i.routes.is_empty() {
        cx.push(
            issue::Issue::new(
                codes::MISSING_VALUE,
                "ingress",
                "an ingress needs at least one route",
            )
            .with_help("add `routes = [{ host = \"app.example.com\", to = \"web\" }]`"),
        );
    }
    let mut seen = BTreeMap::new();
    for (n, r) in i.routes.iter().enumerate() {
        let base = issue::index("ingress.routes", n);
        let p = |field: &str| issue::key(&base, field);
        if let Some(host) = &r.host {
            let wildcard = host.strip_prefix("*.").unwrap_or(host);
            if !host.contains('.') || rules::dns1123_subdomain(wildcard).is_err() {
                cx.report(
                    codes::INVALID_NAME,
                    p("host"),
                    format!("invalid host `{host}`: expected a DNS name such as `app.example.com`"),
                );
            }
        }
        let path = r
            .path
            .clone()
            .unwrap_or_else(crate::model::defaults::route_path);
        if !path.starts_with('/') {
            cx.report(
                codes::INVALID_VALUE,
                p("path"),
                format!("path `{path}` must start with `/`"),
            );
        }
        if seen.insert((r.host.clone(), path.clone()), n).is_some() {
            cx.report(
                codes::DUPLICATE,
                base.clone(),
                format!(
                    "the route for {}{path} is declared twice",
                    r.host.as_deref().unwrap_or("every host ")
                ),
            );
        }
        let to = p("to");
        let Some(target) = cx.component_ref(&r.component, &to) else {
            continue;
        };
        if !reachable_from_outside(target) {
            cx.push(
                issue::Issue::new(
                    codes::UNREACHABLE,
                    &to,
                    format!(
                        "the Ingress controller cannot reach `{}`: its `network.from` admits only the app's own components",
                        r.component
                    ),
                )
                .with_help("add the controller's namespace to that `from`, e.g. \"namespace:ingress-nginx\""),
            );
        }
        route_port(cx, &to, target, r.port.as_ref());
    }
}

/// An Ingress controller runs in a namespace of its own: a component whose NetworkPolicy admits
/// only the app's components is out of its reach.
fn reachable_from_outside(c: &Component) -> bool {
    c.network
        .on()
        .and_then(|n| n.from.as_ref())
        .is_none_or(|peers| {
            peers.iter().any(|p| {
                matches!(
                    p,
                    crate::model::Peer::Namespace(_) | crate::model::Peer::Cidr(_)
                )
            })
        })
}

/// A route's target has a Service, and it exposes the port the route names.
fn route_port(cx: &mut Cx<'_>, path: &str, target: &Component, port: Option<&PortTarget>) {
    let ports = target.service.on().map(|s| &s.ports[..]).unwrap_or(&[]);
    if ports.is_empty() {
        cx.push(
            issue::Issue::new(
                codes::UNKNOWN_REFERENCE,
                path,
                format!("component `{}` has no Service to connect to", target.key),
            )
            .with_help(
                "give it a `port` (a Service is made for Deployments and StatefulSets with ports)",
            ),
        );
        return;
    }
    let found = match port {
        None => true,
        Some(PortTarget::Name(n)) => ports.iter().any(|p| p.name.as_ref() == Some(n)),
        Some(PortTarget::Number(n)) => ports.iter().any(|p| p.port == Some(*n)),
    };
    if !found {
        let names: Vec<String> = ports
            .iter()
            .map(|p| {
                format!(
                    "{} ({})",
                    p.name.as_deref().unwrap_or("?"),
                    p.port.unwrap_or_default()
                )
            })
            .collect();
        cx.push(
            issue::Issue::new(
                codes::UNKNOWN_REFERENCE,
                path,
                format!("the Service of `{}` does not expose this port", target.key),
            )
            .with_help(format!("its ports are {}", names.join(", "))),
        );
    }
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

/// Quota and limit range: known resource names, quantities, and a namespace to apply to.
fn namespaced(cx: &mut Cx<'_>) {
    let app = cx.app;
    for (key, q) in &app.quota {
        let entry = issue::key("quota", key);
        let known = QUOTA_KEYS.contains(&key.as_str())
            || key.starts_with("count/")
            || key.starts_with("requests.")
            || key.contains(".storageclass.storage.k8s.io/");
        if !known {
            cx.push(
                issue::Issue::new(
                    codes::INVALID_QUANTITY,
                    issue::map_key(&entry),
                    format!("unknown quota resource `{key}`"),
                )
                .with_help(suggest(key, QUOTA_KEYS, || {
                    "e.g. `requests.cpu`, `limits.memory`, `pods`, `count/deployments.apps`"
                        .to_string()
                })),
            );
        }
        quantity(cx, &entry, q);
    }
    if let Some(l) = &app.limit_range {
        for (section, map) in [("limit_range.max", &l.max), ("limit_range.min", &l.min)] {
            for (k, q) in map {
                quantity(cx, &issue::key(section, k), q);
            }
        }
    }
    if (!app.quota.is_empty() || app.limit_range.is_some()) && app.namespace.is_none() {
        let path = match app.quota.keys().next() {
            Some(k) => issue::map_key(&issue::key("quota", k)),
            None => "limit_range".to_string(),
        };
        cx.push(
            issue::Issue::new(
                codes::MISSING_VALUE,
                path,
                "a quota or limit range needs a `namespace` to apply to",
            )
            .with_help("add `namespace = \"...\"`"),
        );
    }
}

fn quantity(cx: &mut Cx<'_>, path: &str, text: &str) {
    match rules::quantity(text) {
        Ok(v) if v < 0.0 => cx.report(
            codes::INVALID_QUANTITY,
            path,
            format!("quantity `{text}` must not be negative"),
        ),
        Ok(_) => {}
        Err(e) => cx.report(
            codes::INVALID_QUANTITY,
            path,
            format!("invalid quantity: {e}"),
        ),
    }
}

fn external_secrets(cx: &mut Cx<'_>) {
    let Some(e) = &cx.app.external_secrets else {
        return;
    };
    cx.value(
        "external_secrets.store",
        &e.store,
        rules::dns1123_subdomain,
        codes::INVALID_NAME,
        "secret store name",
    );
    if let Some(r) = &e.refresh_interval {
        cx.value(
            "external_secrets.refresh_interval",
            r,
            rules::duration,
            codes::INVALID_VALUE,
            "refresh interval",
        );
    }
}

fn argocd(cx: &mut Cx<'_>) {
    let Some(a) = &cx.app.argocd else { return };
    if let Some(ns) = &a.namespace {
        cx.value(
            "argocd.namespace",
            ns,
            rules::dns1123_label,
            codes::INVALID_NAME,
            "namespace",
        );
    }
    if a.repo.trim().is_empty() {
        cx.report(
            codes::MISSING_VALUE,
            "argocd.repo",
            "`repo` must not be empty",
        );
    }
}

/// A patch names a kind k8gen makes, and has something to do: a merge patch that is a table
/// (an object) and/or values at JSON pointers. Whether the app makes an object of that kind
/// and name, and whether the patched object still reads as its kind, is known only once the
/// objects are built: `passes::patch` says so.
fn patches(cx: &mut Cx<'_>) {
    let kinds = crate::values::ObjectKind::NAMES;
    for (i, p) in cx.app.patches.iter().enumerate() {
        if !kinds.contains(&p.kind.as_str()) {
            cx.push(
                issue::Issue::new(
                    codes::INVALID_PATCH,
                    issue::index("patches", i),
                    format!(
                        "k8gen makes no object of kind `{}`",
                        crate::diag::clip(&p.kind)
                    ),
                )
                .with_help(suggest(&p.kind, kinds, || {
                    format!("the kinds are {}", quoted(kinds))
                })),
            );
        }
        let at = issue::index("patches", i);
        match &p.merge {
            None if p.set.is_empty() && p.remove.is_empty() => cx.report(
                codes::INVALID_PATCH,
                &at,
                "a patch needs `merge`, `set` or `remove`",
            ),
            Some(m) if !m.is_object() => cx.report(
                codes::INVALID_PATCH,
                issue::key(&at, "merge"),
                "`merge` must be a table",
            ),
            _ => {}
        }
        let pointers = (p
            .set
            .iter()
            .map(|(path, _)| (issue::key(&issue::key(&at, "set"), path), path)))
        .chain(
            p.remove
                .iter()
                .enumerate()
                .map(|(j, path)| (issue::index(&issue::key(&at, "remove"), j), path)),
        );
        for (field, path) in pointers {
            if !path.starts_with('/') {
                cx.push(
                    issue::Issue::new(
                        codes::INVALID_PATCH,
                        field,
                        format!("`{path}` is not a JSON pointer"),
                    )
                    .with_help("write it like `/spec/template/spec/priorityClassName` (list items by index: `/containers/0/...`)"),
                );
            }
        }
    }
}

/// `allow` lists (and the policy's lists) name lint rules (by name or code); a typo fails
/// `render` as well as `check`. An `allow` cannot switch off a rule the policy denies, unless
/// the policy excepts the app from it.
pub(super) fn allow_lists(cx: &mut Cx<'_>) {
    let app = cx.app;
    let policy = &app.policy;
    let lists = std::iter::once(("allow".to_string(), &app.allow)).chain(
        app.components
            .iter()
            .map(|c| (crate::model::issue::key(&super::at(c), "allow"), &c.allow)),
    );
    let lists = lists.chain([
        ("policy.deny".to_string(), &policy.deny),
        ("policy.exceptions".to_string(), &policy.exceptions),
    ]);
    for (base, list) in lists {
        let is_allow = !base.starts_with("policy.");
        for (i, name) in list.iter().enumerate() {
            let rules = crate::codes::lints::RULES;
            if let Some(rule) = rules.iter().find(|r| r.code == name || r.name == name) {
                let excepted = |r: &crate::codes::lints::Rule| {
                    (policy.exceptions.iter()).any(|e| e == r.code || e == r.name)
                };
                if is_allow && policy.denies(rule.code, rule.name) && !excepted(rule) {
                    cx.push(
                        crate::model::Issue::new(
                            codes::DENIED_RULE,
                            crate::model::issue::index(&base, i),
                            format!(
                                "the platform's policy denies `{}`; an app cannot allow it",
                                rule.name
                            ),
                        )
                        .with_help(format!(
                            "fix what `{}` finds, or ask the platform team for an exception: \
                             `[policy.exceptions] \"{}\" = [\"{}\"]` in k8gen.toml",
                            rule.name, app.name, rule.name
                        )),
                    );
                }
                continue;
            }
            let names: Vec<&str> = rules.iter().map(|r| r.name).collect();
            cx.push(
                crate::model::Issue::new(
                    codes::UNKNOWN_RULE,
                    crate::model::issue::index(&base, i),
                    format!("there is no lint rule `{}`", crate::diag::clip(name)),
                )
                .with_help(super::suggest_help(name, &names, || {
                    "`k8gen check --list` shows the rules".to_string()
                })),
            );
        }
    }
}
