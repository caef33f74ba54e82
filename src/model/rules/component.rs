//! Rules about one component's own keys: image and version, ports, config and secrets and how
//! they reach the container (env, envFrom, mounts), probes, resources, rollout, the Service,
//! metrics and security. Rules about what runs (kinds, jobs, volumes, extra containers,
//! scaling, budgets, RBAC, network, scheduling) are in `workload.rs`.

use std::collections::{BTreeMap, BTreeSet};

use super::{Cx, at, suggest_help};
use crate::codes;
use crate::model::{
    Component, ConfigData, EnvValue, IntOrPercent, PortTarget, Probe, ProbeAction, ServiceType,
    Strategy, Switch, Workload, defaults, issue, rules,
};

/// The most a ConfigMap or Secret may hold (the API server's limit).
pub const MAX_OBJECT_DATA: usize = 1024 * 1024;

/// Pod fields a `{ field = ... }` env var may read.
pub const FIELD_PATHS: &[&str] = &[
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
    "spec.nodeName",
    "spec.serviceAccountName",
    "status.hostIP",
    "status.hostIPs",
    "status.podIP",
    "status.podIPs",
];

pub(super) fn component(cx: &mut Cx<'_>, c: &Component) {
    let base = at(c);
    let p = |field: &str| issue::key(&base, field);
    image(cx, c, &p("image"), &base);
    if let Some(role) = &c.role {
        cx.value(
            p("role"),
            role,
            rules::label_value,
            codes::INVALID_LABEL,
            "role",
        );
    }
    ports(cx, c, &base);
    data(cx, c, &base);
    env(cx, c, &c.env, &p("env"));
    for (list, containers) in [("init", &c.init_containers), ("sidecars", &c.sidecars)] {
        for (i, x) in containers.iter().enumerate() {
            let at = issue::index(&p(list), i);
            env(cx, c, &x.env, &issue::key(&at, "env"));
            env_from(
                cx,
                c,
                Some(x.env_from_config),
                Some(x.env_from_secrets),
                &issue::key(&at, "env_from"),
            );
        }
    }
    for (name, probe) in [
        ("liveness", &c.liveness),
        ("readiness", &c.readiness),
        ("startup", &c.startup),
    ] {
        if let Some(probe) = probe {
            let path = issue::key(&p("probes"), name);
            self::probe(cx, c, probe, &path, name != "readiness");
        }
    }
    resources(cx, &c.resources, &p("resources"));
    rollout(cx, c, &p("rollout"));
    if let Switch::On(s) = &c.service {
        service(cx, c, s, &p("service"));
    }
    for (key, s) in &c.services {
        let path = issue::key(&p("services"), key);
        extra_service_key(cx, c, key, &path);
        service(cx, c, s, &path);
    }
    if let Some(m) = &c.metrics {
        let path = p("metrics");
        match &m.port {
            Some(PortTarget::Name(name)) => {
                cx.push(unknown_port(c, name).with_path(issue::key(&path, "port")))
            }
            Some(PortTarget::Number(n)) => port_number(cx, *n, issue::key(&path, "port")),
            None => no_port(cx, c, &path, "metrics", |name, _| {
                format!("`metrics = {{ port = \"{name}\" }}`")
            }),
        }
    }
    security(cx, &c.security, &p("security"));
    for (list, containers) in [("init", &c.init_containers), ("sidecars", &c.sidecars)] {
        for (i, x) in containers.iter().enumerate() {
            let Some(own) = &x.security else { continue };
            let at = issue::key(&issue::index(&p(list), i), "security");
            security(cx, own, &at);
            if own.service_account_token.is_some() {
                cx.push(
                    crate::model::Issue::new(
                        codes::INVALID_VALUE,
                        issue::key(&at, "service_account_token"),
                        "the ServiceAccount token is mounted for the whole pod, not one container",
                    )
                    .with_help("set it in the component's `security`"),
                );
            }
        }
    }
    for (i, name) in c.image_pull_secrets.iter().enumerate() {
        cx.value(
            issue::index(&p("image_pull_secrets"), i),
            name,
            rules::dns1123_subdomain,
            codes::INVALID_NAME,
            "image pull secret name",
        );
    }
}

fn image(cx: &mut Cx<'_>, c: &Component, path: &str, base: &str) {
    if c.workload == Workload::External {
        if !c.image.is_empty() {
            cx.push(
                crate::model::Issue::new(
                    codes::INVALID_VALUE,
                    path,
                    "an `ExternalName` Service points outside the cluster, so the component runs no image",
                )
                .with_help("remove `image`, or use another Service type"),
            );
        }
        return;
    }
    if c.image.is_empty() {
        if c.release.is_some() {
            return; // the release's own rules say what is missing
        }
        cx.push(
            crate::model::Issue::new(
                codes::MISSING_VALUE,
                base,
                format!("component `{}` has no image", crate::diag::clip(&c.key)),
            )
            .with_help("add `image = \"repository:tag\"`"),
        );
        return;
    }
    cx.value(path, &c.image, rules::image, codes::INVALID_IMAGE, "image");
    match &c.version {
        Some(v) if Some(v.as_str()) != defaults::version(&c.image) => {
            let vpath = issue::key(base, "version");
            cx.value(
                vpath,
                v,
                rules::label_value,
                codes::INVALID_LABEL,
                "version",
            );
        }
        Some(_) => {}
        None => {
            if let Some(tag) = rules::image_tag(&c.image)
                && let Err(e) = rules::label_value(tag)
            {
                cx.push(
                    crate::model::Issue::new(
                        codes::INVALID_LABEL,
                        path,
                        format!("the image tag `{}` cannot be the `app.kubernetes.io/version` label: {e}", crate::diag::clip(tag)),
                    )
                    .with_help("set `version = \"...\"` to a label-safe version"),
                );
            }
        }
    }
}

fn port_number(cx: &mut Cx<'_>, n: i32, path: String) {
    if let Err(e) = rules::port_number(n.into()) {
        cx.report(codes::INVALID_PORT, path, format!("invalid port: {e}"));
    }
}

/// The pod's container ports, the main container's and each sidecar's: names and numbers
/// unique in the pod (a Service port names one by its name alone). Init containers serve none.
fn ports(cx: &mut Cx<'_>, c: &Component, component: &str) {
    let mut names = BTreeSet::new();
    let mut numbers: BTreeMap<(i32, crate::model::Protocol), &str> = BTreeMap::new();
    let at =
        |list: &str, i: usize| issue::key(&issue::index(&issue::key(component, list), i), "ports");
    for (i, x) in c.init_containers.iter().enumerate() {
        if !x.ports.is_empty() {
            cx.push(
                crate::model::Issue::new(
                    codes::NOT_FOR_KIND,
                    at("init", i),
                    "an init container runs to completion before the others start, so it serves no ports",
                )
                .with_help("declare the port on the main container or a sidecar"),
            );
        }
    }
    let lists = std::iter::once((issue::key(component, "ports"), &c.ports))
        .chain((c.sidecars.iter().enumerate()).map(|(i, x)| (at("sidecars", i), &x.ports)));
    let all: Vec<(String, &crate::model::Port)> = lists
        .flat_map(|(base, list)| list.iter().map(move |p| (base.clone(), p)))
        .collect();
    for (base, port) in all {
        let path = issue::key(&base, &port.name);
        cx.value(
            &path,
            &port.name,
            rules::port_name,
            codes::INVALID_PORT,
            "port name",
        );
        if !names.insert(port.name.as_str()) {
            cx.push(
                crate::model::Issue::new(
                    codes::DUPLICATE,
                    &path,
                    format!("port `{}` is declared twice", crate::diag::clip(&port.name)),
                )
                .with_help("`port = N` is the port named `http`, and port names are unique across the pod's containers; keep one of them"),
            );
            continue;
        }
        let number_path = issue::key(&path, "port");
        if let Err(e) = rules::port_number(port.port.into()) {
            cx.report(
                codes::INVALID_PORT,
                number_path,
                format!("invalid port: {e}"),
            );
        } else if let Some(other) = numbers.insert((port.port, port.protocol), &port.name) {
            cx.report(
                codes::DUPLICATE,
                number_path,
                format!(
                    "port {}/{} is already declared as `{other}`",
                    port.port, port.protocol
                ),
            );
        }
    }
}

/// Config, secrets, and the ways they reach the container.
fn data(cx: &mut Cx<'_>, c: &Component, base: &str) {
    let p = |field: &str| issue::key(base, field);
    let config = c.config.iter().map(|(k, v)| {
        let len = match v {
            ConfigData::Text(t) => t.len(),
            ConfigData::Binary(b) => b.len(),
        };
        (k.as_str(), Some(len))
    });
    section(cx, &p("config"), "config", "ConfigMap", config);
    let secrets = (c.secrets.iter().map(|(k, v)| (k.as_str(), Some(v.len()))))
        .chain(c.external_secrets.keys().map(|k| (k.as_str(), None)));
    section(cx, &p("secrets"), "secrets", "Secret", secrets);
    if !c.external_secrets.is_empty() && !c.secrets.is_empty() {
        cx.push(
            crate::model::Issue::new(
                codes::INVALID_VALUE,
                p("secrets"),
                "a component's secrets come either all from the store (`external`) or all from the spec",
            )
            .with_help("move the other values into the store, or into a second component"),
        );
    }
    for (section, mount, has_data) in [
        ("config", &c.config_mount, !c.config.is_empty()),
        ("secrets", &c.secrets_mount, c.has_secrets()),
    ] {
        let Some(path) = mount else { continue };
        let at = issue::key(&p("mount"), section);
        if !path.starts_with('/') {
            cx.report(
                codes::INVALID_VALUE,
                at,
                format!("mount path `{}` must be absolute", crate::diag::clip(path)),
            );
        } else if path == "/tmp" || path == "/" {
            cx.report(
                codes::INVALID_VALUE,
                at,
                format!("cannot mount {section} over `{}`", crate::diag::clip(path)),
            );
        } else if !has_data {
            cx.report(
                codes::UNKNOWN_REFERENCE,
                at,
                format!("`[{section}]` is empty, so there is nothing to mount"),
            );
        }
    }
    env_from(cx, c, c.env_from_config, c.env_from_secrets, &p("env_from"));
}

/// The keys of a config or secrets section (`len` is `None` for a value that lives in the
/// External Secrets store), and its size against what the API server stores in one object.
fn section<'k>(
    cx: &mut Cx<'_>,
    path: &str,
    what: &str,
    kind: &str,
    entries: impl Iterator<Item = (&'k str, Option<usize>)>,
) {
    let mut size = 0;
    for (key, len) in entries {
        let at = issue::key(path, key);
        cx.value(at, key, rules::config_key, codes::INVALID_KEY, "key");
        size += len.map_or(0, |l| key.len() + l);
    }
    if size > MAX_OBJECT_DATA {
        cx.report(
            codes::TOO_LARGE,
            path,
            format!("{what} holds {size} bytes, over the 1 MiB a {kind} may hold"),
        );
    }
}

/// `env_from` may only name sections that have data.
pub(super) fn env_from(
    cx: &mut Cx<'_>,
    c: &Component,
    config: Option<bool>,
    secrets: Option<bool>,
    path: &str,
) {
    for (section, on, has_data) in [
        ("config", config, !c.config.is_empty()),
        ("secrets", secrets, c.has_secrets()),
    ] {
        if on == Some(true) && !has_data {
            cx.report(
                codes::UNKNOWN_REFERENCE,
                issue::key(path, section),
                format!("`{section}` is empty, so there is nothing to inject"),
            );
        }
    }
}

/// Env vars of a container of `c` (the main one or an extra one).
pub(super) fn env(cx: &mut Cx<'_>, c: &Component, vars: &[crate::model::EnvVar], base: &str) {
    let mut seen = BTreeSet::new();
    for e in vars {
        let path = issue::key(base, &e.name);
        cx.value(
            &path,
            &e.name,
            rules::env_var_name,
            codes::INVALID_KEY,
            "environment variable name",
        );
        if !seen.insert(e.name.as_str()) {
            cx.report(
                codes::DUPLICATE,
                &path,
                format!(
                    "environment variable `{}` is set twice",
                    crate::diag::clip(&e.name)
                ),
            );
        }
        match &e.value {
            EnvValue::Literal(_) => {}
            EnvValue::ConfigKey { from, key } => {
                data_ref(cx, c, from.as_deref(), key, "config", &path)
            }
            EnvValue::SecretKey { from, key } => {
                data_ref(cx, c, from.as_deref(), key, "secrets", &path)
            }
            EnvValue::Field(field) => {
                let ok = FIELD_PATHS.contains(&field.as_str())
                    || field.starts_with("metadata.labels['")
                    || field.starts_with("metadata.annotations['");
                if !ok {
                    cx.push(
                        crate::model::Issue::new(
                            codes::INVALID_VALUE,
                            issue::key(&path, "field"),
                            format!(
                                "`{}` is not a pod field env vars can read",
                                crate::diag::clip(field)
                            ),
                        )
                        .with_help(suggest_help(
                            field,
                            FIELD_PATHS,
                            || format!("expected one of {}", FIELD_PATHS.join(", ")),
                        )),
                    );
                }
            }
            EnvValue::Service { component, port } => {
                service_ref(cx, component, port.as_ref(), &path);
            }
        }
    }
}

fn data_ref(
    cx: &mut Cx<'_>,
    c: &Component,
    from: Option<&str>,
    key: &str,
    section: &str,
    path: &str,
) {
    let field = if section == "config" {
        "config"
    } else {
        "secret"
    };
    let owner = match from {
        Some(other) => match cx.component_ref(other, &issue::key(path, "from")) {
            Some(o) => o,
            None => return,
        },
        None => c,
    };
    // A lookup first: the list of keys is only made for the message (a spec may hold tens of
    // thousands of references).
    let found = if section == "config" {
        owner.config.contains_key(key)
    } else {
        owner.secrets.contains_key(key) || owner.external_secrets.contains_key(key)
    };
    if found {
        return;
    }
    let keys: Vec<&str> = if section == "config" {
        owner.config.keys().map(String::as_str).collect()
    } else {
        owner
            .secrets
            .keys()
            .chain(owner.external_secrets.keys())
            .map(String::as_str)
            .collect()
    };
    if keys.contains(&key) {
        return;
    }
    let table = match from {
        Some(other) => format!("components.{}.{section}", crate::diag::clip(other)),
        None => section.to_string(),
    };
    cx.push(
        crate::model::Issue::new(
            codes::UNKNOWN_REFERENCE,
            issue::key(path, field),
            format!("`{}` is not a key of `[{table}]`", crate::diag::clip(key)),
        )
        .with_help(suggest_help(key, &keys, || match keys.is_empty() {
            true => format!("add it to `[{table}]`"),
            false => format!("`[{table}]` has {}", crate::suggest::quoted(&keys)),
        })),
    );
}

/// The Service port of component `key` that `port` names (or its first), as (name, number).
pub(super) fn service_ref(
    cx: &mut Cx<'_>,
    key: &str,
    port: Option<&PortTarget>,
    path: &str,
) -> Option<(String, i32)> {
    let target = cx.component_ref(key, &issue::key(path, "service"))?;
    let ports: Vec<(String, i32)> = target
        .service
        .on()
        .map(|s| {
            s.ports
                .iter()
                .filter_map(|p| Some((p.name.clone()?, p.port?)))
                .collect()
        })
        .unwrap_or_default();
    let external = target.workload == Workload::External;
    if ports.is_empty() && !external {
        cx.push(
            crate::model::Issue::new(
                codes::UNKNOWN_REFERENCE,
                issue::key(path, "service"),
                format!(
                    "component `{}` has no Service to connect to",
                    crate::diag::clip(key)
                ),
            )
            .with_help(
                "give it a `port` (a Service is made for Deployments and StatefulSets with ports)",
            ),
        );
        return None;
    }
    let Some(port) = port else {
        return ports.first().cloned();
    };
    let found = ports.iter().find(|(name, number)| match port {
        PortTarget::Name(n) => n == name,
        PortTarget::Number(n) => n == number,
    });
    if found.is_none() {
        let names: Vec<String> = ports.iter().map(|(n, p)| format!("{n} ({p})")).collect();
        cx.push(
            crate::model::Issue::new(
                codes::UNKNOWN_REFERENCE,
                issue::key(path, "port"),
                format!(
                    "the Service of `{}` does not expose this port",
                    crate::diag::clip(key)
                ),
            )
            .with_help(format!("its ports are {}", names.join(", "))),
        );
    }
    found.cloned()
}

fn unknown_port(c: &Component, name: &str) -> crate::model::Issue {
    let names: Vec<&str> = c.ports.iter().map(|p| p.name.as_str()).collect();
    crate::model::Issue::new(
        codes::UNKNOWN_REFERENCE,
        "",
        format!(
            "the container has no port named `{}`",
            crate::diag::clip(name)
        ),
    )
    .with_help(suggest_help(name, &names, || match names.is_empty() {
        true => "declare it under `ports`".to_string(),
        false => format!("its ports are {}", crate::suggest::quoted(&names)),
    }))
}

/// A probe, metrics or Service port that had to default to the main port, and there is none:
/// `what` needs one; `example` shows how to name one, given a port name.
fn no_port(
    cx: &mut Cx<'_>,
    c: &Component,
    path: &str,
    what: &str,
    example: fn(&str, i32) -> String,
) {
    if c.ports.is_empty() {
        cx.push(
            crate::model::Issue::new(
                codes::MISSING_VALUE,
                path,
                format!("{what} needs a port, and the container has none"),
            )
            .with_help("add `port = N` to the component"),
        );
    } else {
        let names: Vec<&str> = c.ports.iter().map(|p| p.name.as_str()).collect();
        cx.push(
            crate::model::Issue::new(
                codes::MISSING_VALUE,
                path,
                format!(
                    "{what} needs a port: the container has {} ({}) and none is named `http`",
                    names.len(),
                    crate::suggest::quoted(&names)
                ),
            )
            .with_help(format!(
                "say which, e.g. {}",
                example(&c.ports[0].name, c.ports[0].port)
            )),
        );
    }
}

fn probe(cx: &mut Cx<'_>, c: &Component, probe: &Probe, path: &str, single_success: bool) {
    match &probe.action {
        ProbeAction::HttpGet { path: http, port } => {
            if !http.starts_with('/') {
                cx.report(
                    codes::INVALID_VALUE,
                    issue::key(path, "http"),
                    format!(
                        "HTTP path `{}` must start with `/`",
                        crate::diag::clip(http)
                    ),
                );
            }
            probe_port(cx, c, port.as_ref(), path);
        }
        ProbeAction::Tcp { port } => probe_port(cx, c, port.as_ref(), path),
        ProbeAction::Grpc { port, service } => {
            probe_port(cx, c, port.as_ref(), path);
            if let Some(service) = service
                && (service.is_empty() || service.chars().any(|ch| ch.is_control()))
            {
                cx.report(
                    codes::INVALID_VALUE,
                    issue::key(path, "service"),
                    "a gRPC service name must be non-empty text without control characters",
                );
            }
        }
        ProbeAction::Exec { command } => {
            if command.is_empty() {
                cx.report(
                    codes::INVALID_VALUE,
                    issue::key(path, "exec"),
                    "an `exec` probe needs a command",
                );
            }
        }
    }
    if !probe.http_headers.is_empty() && !matches!(probe.action, ProbeAction::HttpGet { .. }) {
        cx.push(
            crate::model::Issue::new(
                codes::INVALID_VALUE,
                issue::key(path, "headers"),
                "only an HTTP probe sends headers",
            )
            .with_help("remove `headers`, or make it an `http` probe"),
        );
    }
    for (name, _) in &probe.http_headers {
        cx.value(
            issue::key(&issue::key(path, "headers"), name),
            name,
            rules::http_header_name,
            codes::INVALID_KEY,
            "HTTP header name",
        );
    }
    let timings = [
        ("initial_delay_seconds", probe.initial_delay_seconds, 0),
        ("period_seconds", probe.period_seconds, 1),
        ("timeout_seconds", probe.timeout_seconds, 1),
        ("failure_threshold", probe.failure_threshold, 1),
        ("success_threshold", probe.success_threshold, 1),
    ];
    for (name, value, min) in timings {
        if let Some(v) = value
            && v < min
        {
            cx.report(
                codes::OUT_OF_RANGE,
                issue::key(path, name),
                format!(
                    "{} must be at least {min}, not {v}",
                    crate::diag::clip(name)
                ),
            );
        }
    }
    if single_success
        && let Some(v) = probe.success_threshold
        && v != 1
    {
        cx.report(
            codes::OUT_OF_RANGE,
            issue::key(path, "success_threshold"),
            "success_threshold must be 1 for liveness and startup probes",
        );
    }
}

fn probe_port(cx: &mut Cx<'_>, c: &Component, port: Option<&PortTarget>, path: &str) {
    match port {
        Some(PortTarget::Name(name)) => {
            if !c.ports.iter().any(|p| &p.name == name) {
                cx.push(unknown_port(c, name).with_path(issue::key(path, "port")));
            }
        }
        Some(PortTarget::Number(n)) => port_number(cx, *n, issue::key(path, "port")),
        None => no_port(cx, c, path, "this probe", |_, n| {
            format!("`\"TCP :{n}\"`, `\"GET :{n}/health\"` or `port = {n}` in a table")
        }),
    }
}

fn resources(cx: &mut Cx<'_>, r: &crate::model::Resources, base: &str) {
    let mut parsed: [BTreeMap<&str, f64>; 2] = Default::default();
    for (i, (section, map)) in [("requests", &r.requests), ("limits", &r.limits)]
        .into_iter()
        .enumerate()
    {
        for (name, q) in map {
            let path = issue::key(&issue::key(base, section), name);
            resource_name(cx, name, &issue::map_key(&path));
            match rules::quantity(q) {
                Ok(v) if v < 0.0 => cx.report(
                    codes::INVALID_QUANTITY,
                    path,
                    format!("quantity `{}` must not be negative", crate::diag::clip(q)),
                ),
                Ok(v) => {
                    parsed[i].insert(name, v);
                }
                Err(e) => cx.report(
                    codes::INVALID_QUANTITY,
                    path,
                    format!("invalid quantity: {e}"),
                ),
            }
        }
    }
    for (name, req) in &parsed[0] {
        if let Some(lim) = parsed[1].get(name)
            && req > lim
        {
            cx.push(
                crate::model::Issue::new(
                    codes::INVALID_QUANTITY,
                    issue::key(&issue::key(base, "requests"), name),
                    format!("{name} request {} is more than its limit {}", r.requests[*name], r.limits[*name]),
                )
                .with_help("the API server rejects a request above its limit; raise the limit or lower the request"),
            );
        }
    }
}

/// Resource names the scheduler knows.
pub(super) fn resource_name(cx: &mut Cx<'_>, name: &str, path: &str) {
    let known = ["cpu", "memory", "ephemeral-storage"];
    if known.contains(&name) || name.starts_with("hugepages-") {
        return;
    }
    if name.contains('/') {
        cx.value(
            path,
            name,
            rules::qualified_name,
            codes::INVALID_QUANTITY,
            "extended resource name",
        );
        return;
    }
    cx.push(
        crate::model::Issue::new(codes::INVALID_QUANTITY, path, format!("unknown resource `{}`", crate::diag::clip(name)))
            .with_help(suggest_help(name, &known, || {
                "expected `cpu`, `memory`, `ephemeral-storage`, `hugepages-<size>` or a `domain/name` extended resource".to_string()
            })),
    );
}

fn rollout(cx: &mut Cx<'_>, c: &Component, base: &str) {
    let r = &c.rollout;
    let stateful = matches!(c.workload, Workload::StatefulSet { .. });
    let p = |f: &str| issue::key(base, f);
    match &r.strategy {
        Strategy::Default => {}
        Strategy::Recreate | Strategy::OnDelete => {}
        Strategy::RollingUpdate {
            max_surge,
            max_unavailable,
        } => {
            let is_zero = |v: &Option<IntOrPercent>| {
                matches!(
                    v,
                    Some(IntOrPercent::Int(0)) | Some(IntOrPercent::Percent(0))
                )
            };
            for (name, v) in [
                ("max_surge", max_surge),
                ("max_unavailable", max_unavailable),
            ] {
                match v {
                    Some(IntOrPercent::Int(n)) if *n < 0 => cx.report(
                        codes::OUT_OF_RANGE,
                        p(name),
                        format!("{} must be at least 0, not {n}", crate::diag::clip(name)),
                    ),
                    Some(IntOrPercent::Percent(n)) if !(0..=100).contains(n) => cx.report(
                        codes::INVALID_ROLLOUT,
                        p(name),
                        format!(
                            "invalid {}: {n}% is not between 0% and 100%",
                            crate::diag::clip(name)
                        ),
                    ),
                    _ => {}
                }
            }
            if stateful && max_surge.is_some() {
                cx.push(
                    crate::model::Issue::new(
                        codes::INVALID_ROLLOUT,
                        p("max_surge"),
                        "a StatefulSet never runs extra pods, so it takes no max_surge",
                    )
                    .with_help("use max_unavailable"),
                );
            }
            if stateful && is_zero(max_unavailable) {
                cx.report(
                    codes::INVALID_ROLLOUT,
                    p("max_unavailable"),
                    "a StatefulSet's max_unavailable must be at least 1",
                );
            }
            if !stateful && is_zero(max_surge) && is_zero(max_unavailable) {
                cx.push(
                    crate::model::Issue::new(codes::INVALID_ROLLOUT, base, "max_surge and max_unavailable are both 0, so a rollout could never make progress")
                        .with_help("set max_surge = 1 to add a pod before removing one"),
                );
            }
        }
    }
    for (name, v, min) in [
        ("min_ready_seconds", r.min_ready_seconds, 0),
        ("revision_history_limit", r.revision_history_limit, 0),
        ("progress_deadline_seconds", r.progress_deadline_seconds, 1),
    ] {
        if let Some(v) = v
            && v < min
        {
            cx.report(
                codes::OUT_OF_RANGE,
                p(name),
                format!(
                    "{} must be at least {min}, not {v}",
                    crate::diag::clip(name)
                ),
            );
        }
    }
    if stateful && r.progress_deadline_seconds.is_some() {
        cx.report(
            codes::INVALID_ROLLOUT,
            p("progress_deadline_seconds"),
            "a StatefulSet has no progress deadline",
        );
    }
    if let (Some(ready), Some(deadline)) = (r.min_ready_seconds, r.progress_deadline_seconds)
        && deadline <= ready
    {
        cx.report(
            codes::INVALID_ROLLOUT,
            p("progress_deadline_seconds"),
            "progress_deadline_seconds must be greater than min_ready_seconds",
        );
    }
}

/// The key of a further Service: a name part, not one of the suffixes k8gen's own Services
/// take, and making a name no other component's Service has.
fn extra_service_key(cx: &mut Cx<'_>, c: &Component, key: &str, path: &str) {
    if cx
        .value(
            path,
            key,
            rules::dns1123_label,
            codes::INVALID_NAME,
            "Service key",
        )
        .is_none()
    {
        return;
    }
    let name = crate::model::names::extra_service(&c.name, key);
    let taken_by_k8gen = reserved_service_keys(c).contains(&key);
    let other = (cx.app.components.iter()).find(|o| o.name == name && o.service.on().is_some());
    if taken_by_k8gen || other.is_some() {
        let by = match other {
            Some(o) => format!(
                "the name of component `{}`'s Service",
                crate::diag::clip(&o.key)
            ),
            None => "a name k8gen gives Services of its own".to_string(),
        };
        cx.push(
            crate::model::Issue::new(
                codes::DUPLICATE,
                path,
                format!(
                    "the Service would be named `{}`, {by}",
                    crate::diag::clip(&name)
                ),
            )
            .with_help("pick another key"),
        );
    } else if name.len() > 63 {
        cx.report(
            codes::NAME_TOO_LONG,
            path,
            format!(
                "Service name `{}` is {} characters, over the 63 allowed",
                crate::diag::clip(&name),
                name.len()
            ),
        );
    }
}

/// Keys of `services` whose names k8gen's own Services of `c` may take: a StatefulSet's
/// `NAME-headless`, a blue-green release's `NAME-preview`, a canary's `NAME-canary`.
fn reserved_service_keys(c: &Component) -> &'static [&'static str] {
    match (&c.workload, &c.release) {
        (Workload::StatefulSet { .. }, _) => &["headless"],
        (_, Some(crate::model::Release::BlueGreen { .. })) => &["preview"],
        (_, Some(crate::model::Release::Canary { .. })) => &["canary"],
        _ => &[],
    }
}

fn service(cx: &mut Cx<'_>, c: &Component, s: &crate::model::Service, base: &str) {
    let p = |f: &str| issue::key(base, f);
    let kind = s.kind.unwrap_or(ServiceType::ClusterIp);
    if kind == ServiceType::ExternalName {
        match &s.external_name {
            None => cx.push(
                crate::model::Issue::new(
                    codes::MISSING_VALUE,
                    base,
                    "an `ExternalName` Service needs `external_name`",
                )
                .with_help("add `external_name = \"db.example.com\"`"),
            ),
            Some(target) => {
                cx.value(
                    p("external_name"),
                    target,
                    rules::dns1123_subdomain,
                    codes::INVALID_NAME,
                    "external name",
                );
            }
        }
        for (i, sp) in s.ports.iter().enumerate() {
            let key = if sp.node_port.is_some() {
                "node_port"
            } else {
                "port"
            };
            let path = if s.ports.len() == 1 {
                p(key)
            } else {
                issue::index(&p("ports"), i)
            };
            cx.report(
                codes::INVALID_VALUE,
                path,
                "an `ExternalName` Service has no ports of its own",
            );
        }
        return;
    }
    if s.external_name.is_some() {
        cx.report(
            codes::INVALID_VALUE,
            p("external_name"),
            "`external_name` needs `type = \"ExternalName\"`",
        );
    }
    if s.headless == Some(true) && kind != ServiceType::ClusterIp {
        cx.report(
            codes::INVALID_VALUE,
            p("headless"),
            format!("a headless Service must be of type ClusterIP, not {kind}"),
        );
    }
    if c.pod_ports().next().is_none() {
        cx.push(
            crate::model::Issue::new(
                codes::MISSING_VALUE,
                base,
                format!(
                    "component `{}` has a Service but no container port",
                    crate::diag::clip(&c.key)
                ),
            )
            .with_help("add `port = N`, or remove the Service"),
        );
        return;
    }
    let one = s.ports.len() == 1;
    let mut names = BTreeSet::new();
    let mut numbers = BTreeSet::new();
    for (i, sp) in s.ports.iter().enumerate() {
        // A one-port Service is written as the `service` table itself.
        let at = |f: &str| {
            if one {
                p(f)
            } else {
                issue::key(&issue::index(&p("ports"), i), f)
            }
        };
        if let Some(n) = sp.port {
            port_number(cx, n, at("port"));
            if !numbers.insert((n, sp.protocol)) {
                cx.report(
                    codes::DUPLICATE,
                    at("port"),
                    format!("the Service has port {n} twice"),
                );
            }
        }
        if let Some(name) = &sp.name {
            // A container port's name was judged with the port.
            if !c.pod_ports().any(|cp| &cp.name == name) {
                cx.value(
                    at("name"),
                    name,
                    rules::dns1123_label,
                    codes::INVALID_PORT,
                    "Service port name",
                );
            }
            if !names.insert(name.as_str()) {
                cx.push(
                    crate::model::Issue::new(
                        codes::DUPLICATE,
                        at("name"),
                        format!(
                            "the Service has two ports named `{}`",
                            crate::diag::clip(name)
                        ),
                    )
                    .with_help("give each Service port its own `name`"),
                );
            }
        }
        if defaults::service_target(c, sp).is_none() {
            match &sp.target {
                Some(_) => cx.push(
                    crate::model::Issue::new(
                        codes::UNKNOWN_REFERENCE,
                        at("target_port"),
                        "the container does not expose this port",
                    )
                    .with_help("target one of the ports under `port`/`ports`"),
                ),
                None => no_port(cx, c, &at("target_port"), "the Service", |name, _| {
                    format!("`target_port = \"{name}\"`")
                }),
            }
        }
        match sp.node_port {
            Some(_) if kind == ServiceType::ClusterIp => cx.push(
                crate::model::Issue::new(
                    codes::INVALID_PORT,
                    at("node_port"),
                    "a ClusterIP Service has no node port",
                )
                .with_help("set `type = \"NodePort\"` or remove `node_port`"),
            ),
            Some(n) if !(30000..=32767).contains(&n) => cx.push(
                crate::model::Issue::new(
                    codes::INVALID_PORT,
                    at("node_port"),
                    format!("node port {n} is outside 30000-32767"),
                )
                .with_help("Kubernetes' default node port range is 30000-32767"),
            ),
            _ => {}
        }
    }
}

fn security(cx: &mut Cx<'_>, s: &crate::model::Security, base: &str) {
    let p = |f: &str| issue::key(base, f);
    if let Some(user) = s.run_as_user {
        if !(0..=i32::MAX as i64).contains(&user) {
            cx.report(
                codes::OUT_OF_RANGE,
                p("run_as_user"),
                format!("run_as_user must be between 0 and {}, not {user}", i32::MAX),
            );
        } else if user == 0 && s.run_as_non_root {
            cx.push(
                crate::model::Issue::new(
                    codes::INVALID_VALUE,
                    p("run_as_user"),
                    "run_as_user = 0 is root, but run_as_non_root is on",
                )
                .with_help("pick a non-zero user id, or set `run_as_non_root = false`"),
            );
        }
    }
    for (i, cap) in s.capabilities.iter().enumerate() {
        let ok = !cap.is_empty()
            && cap
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b == b'_' || b.is_ascii_digit());
        if !ok {
            cx.report(
                codes::INVALID_VALUE,
                issue::index(&p("capabilities"), i),
                format!(
                    "`{}` is not a capability name like `NET_BIND_SERVICE`",
                    crate::diag::clip(cap)
                ),
            );
        }
    }
}
