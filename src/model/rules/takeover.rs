//! Rules for taking over a running app: a component's own `selector` (its keys and values,
//! labels that disagree with it, and that it selects no other component's pods) and pinned
//! object names (valid names; no two objects of one kind with one name). They run on the
//! normalised model, so a selector the `app` label scheme made is judged like one written out.

use std::collections::BTreeMap;

use super::{Cx, at};
use crate::codes;
use crate::model::{App, Component, Release, Workload, issue, names, rules};

pub(super) fn takeover(cx: &mut Cx<'_>) {
    let app = cx.app;
    for (i, c) in app.components.iter().enumerate() {
        selector(cx, c);
        conflicting_labels(cx, c);
        overlap(cx, i, c);
        pinned_names(cx, c);
    }
    duplicate_names(cx);
}

/// Selector keys are label keys outside k8gen's own prefixes; values are label values. An
/// ExternalName component runs no pods, so it has nothing to select.
fn selector(cx: &mut Cx<'_>, c: &Component) {
    let base = issue::key(&at(c), "selector");
    if c.workload == Workload::External && !c.selector.is_empty() {
        cx.push(
            issue::Issue::new(
                codes::NOT_FOR_KIND,
                &base,
                "an ExternalName Service runs no pods: there is nothing to select",
            )
            .with_help("remove `selector`"),
        );
        return;
    }
    for (k, v) in &c.selector {
        let entry = issue::key(&base, k);
        if crate::values::is_reserved_label(k) {
            cx.push(
                issue::Issue::new(
                    codes::INVALID_LABEL,
                    issue::map_key(&entry),
                    format!("selector key `{}` is one of k8gen's own labels", crate::diag::clip(k)),
                )
                .with_help(
                    "leave out `selector` to select by k8gen's labels, or list the labels the running objects select by",
                ),
            );
        } else {
            cx.value(
                issue::map_key(&entry),
                k,
                rules::qualified_name,
                codes::INVALID_LABEL,
                "selector key",
            );
        }
        cx.value(
            &entry,
            v,
            rules::label_value,
            codes::INVALID_LABEL,
            "selector value",
        );
    }
}

/// A label of the app or the component that the selector sets to another value: the pods
/// carry the selector's value, so the label would silently not be what was written.
fn conflicting_labels(cx: &mut Cx<'_>, c: &Component) {
    let app = cx.app;
    let own = c
        .labels
        .iter()
        .map(|(k, v)| (issue::key(&at(c), "labels"), k, v));
    let shared = app.labels.iter().map(|(k, v)| ("labels".to_string(), k, v));
    for (base, k, v) in own.chain(shared) {
        if let Some(wanted) = c.selector.get(k)
            && wanted != v
        {
            cx.push(
                issue::Issue::new(
                    codes::INVALID_LABEL,
                    issue::key(&base, k),
                    format!(
                        "label `{k}: {}` disagrees with the selector of component `{}`, which sets `{k}: {}` on its pods",
                        crate::diag::clip(v),
                        c.key,
                        crate::diag::clip(wanted)
                    ),
                )
                .with_help("remove the label, or set it to the selector's value"),
            );
        }
    }
}

/// The labels other than k8gen's own that `c`'s pods carry: the app's, its own, its selector's.
fn pod_labels<'a>(app: &'a App, c: &'a Component) -> BTreeMap<&'a str, &'a str> {
    app.labels
        .iter()
        .chain(&c.labels)
        .chain(&c.selector)
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// A selector must select the component's own pods only: reported at the selector of every
/// component whose selector matches another's pods (so two equal selectors are reported at
/// both).
fn overlap(cx: &mut Cx<'_>, i: usize, c: &Component) {
    let app = cx.app;
    if c.selector.is_empty() || c.workload == Workload::External {
        return;
    }
    for (j, other) in app.components.iter().enumerate() {
        if i == j || other.key == c.key || other.workload == Workload::External {
            continue;
        }
        let labels = pod_labels(app, other);
        if c.selector
            .iter()
            .all(|(k, v)| labels.get(k.as_str()) == Some(&v.as_str()))
        {
            let shown: Vec<String> = c
                .selector
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect();
            cx.push(
                issue::Issue::new(
                    codes::SELECTOR_OVERLAP,
                    issue::key(&at(c), "selector"),
                    format!(
                        "the selector `{}` also selects the pods of component `{}`",
                        crate::diag::clip(&shown.join(", ")),
                        other.key
                    ),
                )
                .with_help(format!(
                    "add a label only `{}`'s pods carry (e.g. `role`), as the running objects do",
                    c.key
                )),
            );
        }
    }
}

/// Pinned names are valid names for their objects: the workload's and the Service's are
/// DNS-1035 labels (the workload's names the Service unless that is pinned too, and is the
/// `instance` label), a ConfigMap's and a Secret's DNS-1123 subdomains.
fn pinned_names(cx: &mut Cx<'_>, c: &Component) {
    let base = issue::key(&at(c), "names");
    let n = &c.names;
    type Rule = fn(&str) -> Result<(), String>;
    let pins: [(&str, &Option<String>, Rule, &str); 6] = [
        (
            "workload",
            &n.workload,
            rules::dns1035_label,
            "workload name",
        ),
        ("service", &n.service, rules::dns1035_label, "Service name"),
        (
            "config",
            &n.config,
            rules::dns1123_subdomain,
            "ConfigMap name",
        ),
        (
            "secrets",
            &n.secrets,
            rules::dns1123_subdomain,
            "Secret name",
        ),
        (
            "autoscaler",
            &n.autoscaler,
            rules::dns1123_subdomain,
            "HorizontalPodAutoscaler name",
        ),
        (
            "budget",
            &n.budget,
            rules::dns1123_subdomain,
            "PodDisruptionBudget name",
        ),
    ];
    for (field, pin, rule, what) in pins {
        if let Some(name) = pin {
            cx.value(
                issue::key(&base, field),
                name,
                rule,
                codes::INVALID_NAME,
                what,
            );
        }
    }
}

/// A component that would make an object of some name, and the path of its pin (`None`: the
/// name is derived).
type Holder = (String, Option<String>);

/// No two objects of one kind share a name, where a pinned name is involved (derived names
/// are unique by construction, or judged by the rules that make them). Reported at every pin
/// of the clash.
fn duplicate_names(cx: &mut Cx<'_>) {
    let app = cx.app;
    let mut seen: BTreeMap<&str, BTreeMap<String, Vec<Holder>>> = BTreeMap::new();
    // `pin`: the `names` field that pinned the name, if one did.
    let mut add = |kind: &'static str, name: String, c: &Component, pin: Option<&str>| {
        let path = pin.map(|field| issue::key(&issue::key(&at(c), "names"), field));
        seen.entry(kind)
            .or_default()
            .entry(name)
            .or_default()
            .push((c.key.clone(), path));
    };
    for c in &app.components {
        let n = &c.names;
        let pin = |field: &'static str, v: &Option<String>| v.as_ref().map(|_| field);
        let workload = pin("workload", &n.workload);
        add("workload", c.name.clone(), c, workload);
        if c.service.on().is_some() {
            add("Service", c.service_name(), c, pin("service", &n.service));
        }
        if let Some(governing) = c.governing_service()
            && governing != c.service_name()
        {
            add("Service", governing, c, workload);
        }
        // A release's second Service: the idle colour's, or the canary's (made with a weighted
        // Ingress route; named like the canary Deployment, so kept free anyway).
        if let Some(r) = &c.release
            && c.service.on().is_some()
            && r.tracks().len() == 2
        {
            let second = match r {
                Release::BlueGreen { .. } => names::preview_service(&c.name),
                Release::Canary { .. } => names::canary_route(&c.name),
            };
            add("Service", second, c, workload);
        }
        if !c.config.is_empty() {
            add(
                "ConfigMap",
                c.config_map_name(),
                c,
                pin("config", &n.config),
            );
        }
        if c.has_secrets() {
            add("Secret", c.secret_name(), c, pin("secrets", &n.secrets));
        }
        if c.autoscale.is_some() {
            let name = names::component_autoscaler(c);
            add(
                "HorizontalPodAutoscaler",
                name,
                c,
                pin("autoscaler", &n.autoscaler),
            );
        }
        if c.disruption.is_some() {
            let name = names::component_budget(c);
            add("PodDisruptionBudget", name, c, pin("budget", &n.budget));
        }
    }
    for (kind, by_name) in seen {
        for (name, owners) in by_name {
            if owners.len() < 2 {
                continue;
            }
            for (key, path) in &owners {
                let Some(path) = path else { continue };
                let others: Vec<&str> = owners
                    .iter()
                    .map(|(k, _)| k.as_str())
                    .filter(|k| k != key)
                    .collect();
                let whose = if others.is_empty() {
                    format!("component `{key}` itself")
                } else {
                    format!("component {}", crate::suggest::quoted(&others))
                };
                cx.push(
                    issue::Issue::new(
                        codes::DUPLICATE,
                        path.clone(),
                        format!(
                            "{kind} `{}` would be made twice: {whose} has one of that name too",
                            crate::diag::clip(&name)
                        ),
                    )
                    .with_help("pin a name no other object of that kind has"),
                );
            }
        }
    }
}
