//! Checks one component's keys and lowers them into a [`model::Component`].

use std::collections::BTreeMap;

use super::{Cx, Owner, codes};
use crate::diag::Diagnostic;
use crate::model::{
    self, ConfigData, EnvValue, IntOrPercent, PortTarget, ProbeAction, Strategy, rules,
};
use crate::spec::{self, ComponentSyntax, Sp};

/// The most a ConfigMap or Secret may hold (the API server's limit).
const MAX_OBJECT_DATA: usize = 1024 * 1024;

/// Pod fields a `{ field = ... }` env var may read.
const FIELD_PATHS: &[&str] = &[
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

pub fn lower_component(
    cx: &mut Cx<'_>,
    c: &ComponentSyntax,
    owner: &Owner,
) -> Option<model::Component> {
    let errors_before = cx.diags.len();
    if let Err(e) = rules::dns1123_label(&owner.full_name) {
        cx.push(
            Diagnostic::error(
                codes::NAME_TOO_LONG,
                owner.span.clone(),
                format!(
                    "object name `{}` made from this name is invalid: {e}",
                    owner.full_name
                ),
            )
            .with_help("shorten the app or component name"),
        );
    }

    let image = match &c.image {
        Some(image) => {
            cx.rule(image, rules::image, codes::INVALID_IMAGE, "image");
            image.value.clone()
        }
        None => {
            cx.push(
                Diagnostic::error(
                    codes::MISSING_VALUE,
                    owner.span.clone(),
                    format!("component `{}` has no image", owner.label_name),
                )
                .with_help("add `image = \"repository:tag\"`"),
            );
            String::new()
        }
    };
    let version = match &c.version {
        Some(v) => {
            cx.rule(v, rules::label_value, codes::INVALID_LABEL, "version");
            Some(v.value.clone())
        }
        None => rules::image_tag(&image)
            .filter(|t| rules::label_value(t).is_ok())
            .map(str::to_string),
    };
    let role = match &c.role {
        Some(r) => {
            cx.rule(r, rules::label_value, codes::INVALID_LABEL, "role");
            r.value.clone()
        }
        None => owner.default_role.clone(),
    };
    let replicas = c
        .replicas
        .as_ref()
        .and_then(|r| cx.int_in(r, 0..=i32::MAX as i64, "replicas"))
        .unwrap_or(1);

    let ports = ports(cx, c);
    let config = config(cx, c);
    let secrets = secrets(cx, c);
    let env = env(cx, c, &config, &secrets);

    let config_mount = c
        .mount
        .as_ref()
        .and_then(|m| m.config.as_ref())
        .and_then(|p| mount_path(cx, p, !config.is_empty(), "config"));
    let secrets_mount = c
        .mount
        .as_ref()
        .and_then(|m| m.secrets.as_ref())
        .and_then(|p| mount_path(cx, p, !secrets.is_empty(), "secrets"));
    let uses_key = |pred: fn(&EnvValue) -> bool| env.iter().any(|e| pred(&e.value));
    let (mut env_from_config, mut env_from_secrets) = (
        config_mount.is_none() && !uses_key(|v| matches!(v, EnvValue::ConfigKey(_))),
        secrets_mount.is_none() && !uses_key(|v| matches!(v, EnvValue::SecretKey(_))),
    );
    if let Some(list) = &c.env_from {
        env_from_config = false;
        env_from_secrets = false;
        for item in list {
            match item.value.as_str() {
                "config" if !config.is_empty() => env_from_config = true,
                "secrets" if !secrets.is_empty() => env_from_secrets = true,
                "config" | "secrets" => cx.push(Diagnostic::error(
                    codes::UNKNOWN_REFERENCE,
                    item.span(),
                    format!("`{}` is empty, so there is nothing to inject", item.value),
                )),
                other => cx.push(
                    Diagnostic::error(
                        codes::INVALID_VALUE,
                        item.span(),
                        format!("unknown `env_from` source `{other}`"),
                    )
                    .with_help("expected `config` or `secrets`"),
                ),
            }
        }
    }

    let main_port = ports
        .iter()
        .find(|p| p.name == "http")
        .or(ports.first())
        .cloned();
    let probes = c.probes.as_ref();
    let liveness = probes
        .and_then(|p| p.liveness.as_ref())
        .and_then(|p| probe(cx, p, &ports, main_port.as_ref(), true));
    let readiness = probes
        .and_then(|p| p.readiness.as_ref())
        .and_then(|p| probe(cx, p, &ports, main_port.as_ref(), false));
    let startup = probes
        .and_then(|p| p.startup.as_ref())
        .and_then(|p| probe(cx, p, &ports, main_port.as_ref(), true));

    let resources = c
        .resources
        .as_ref()
        .map(|r| resources(cx, r))
        .unwrap_or_default();
    let rollout = c
        .rollout
        .as_ref()
        .map(|r| rollout(cx, r))
        .unwrap_or_default();
    let image_pull_policy = c.image_pull_policy.as_ref().and_then(|p| {
        one_of(
            cx,
            p,
            &["Always", "IfNotPresent", "Never"],
            "image pull policy",
        )
    });
    let image_pull_secrets = c
        .image_pull_secrets
        .iter()
        .flatten()
        .filter_map(|s| {
            cx.rule(
                s,
                rules::dns1123_subdomain,
                codes::INVALID_NAME,
                "image pull secret name",
            )
            .map(|_| s.value.clone())
        })
        .collect();
    let service_account = c.service_account.as_ref().and_then(|s| {
        cx.rule(
            s,
            rules::dns1123_subdomain,
            codes::INVALID_NAME,
            "service account name",
        )
        .map(|_| s.value.clone())
    });
    let service = service(cx, c, &ports, owner);
    let security = c
        .security
        .as_ref()
        .map(|s| security(cx, s))
        .unwrap_or_default();
    let labels = cx.labels(&c.labels);
    let annotations = cx.annotations(&c.annotations);
    let pod_annotations = cx.annotations(&c.pod_annotations);

    if cx.diags.len() > errors_before {
        return None;
    }
    Some(model::Component {
        name: owner.full_name.clone(),
        label_name: owner.label_name.clone(),
        role,
        version,
        image,
        replicas,
        ports,
        command: strings(&c.command),
        args: strings(&c.args),
        env,
        env_from_config,
        env_from_secrets,
        config,
        secrets,
        config_mount,
        secrets_mount,
        liveness,
        readiness,
        startup,
        resources,
        rollout,
        image_pull_policy,
        image_pull_secrets,
        service_account,
        service,
        security,
        labels,
        annotations,
        pod_annotations,
    })
}

fn strings(list: &Option<Vec<Sp<String>>>) -> Vec<String> {
    list.iter().flatten().map(|s| s.value.clone()).collect()
}

fn one_of(cx: &mut Cx<'_>, value: &Sp<String>, allowed: &[&str], what: &str) -> Option<String> {
    if allowed.contains(&value.value.as_str()) {
        return Some(value.value.clone());
    }
    let list = allowed
        .iter()
        .map(|a| format!("`{a}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut d = Diagnostic::error(
        codes::INVALID_VALUE,
        value.span(),
        format!("unknown {what} `{}`", value.value),
    );
    d.help = Some(match spec::did_you_mean(&value.value, allowed) {
        Some(best) => format!("did you mean `{best}`?"),
        None => format!("expected one of {list}"),
    });
    cx.push(d);
    None
}

fn ports(cx: &mut Cx<'_>, c: &ComponentSyntax) -> Vec<model::Port> {
    let mut out: Vec<model::Port> = Vec::new();
    let mut seen: BTreeMap<(i32, String), String> = BTreeMap::new();
    let mut add =
        |cx: &mut Cx<'_>, name: &Sp<String>, number: &Sp<i64>, protocol: Option<&Sp<String>>| {
            cx.rule(name, rules::port_name, codes::INVALID_PORT, "port name");
            let port = match rules::port_number(number.value) {
                Ok(p) => p,
                Err(e) => {
                    cx.push(Diagnostic::error(
                        codes::INVALID_PORT,
                        number.span(),
                        format!("invalid port: {e}"),
                    ));
                    return;
                }
            };
            let protocol = protocol.map_or(Some("TCP".to_string()), |p| {
                one_of(cx, p, &["TCP", "UDP", "SCTP"], "protocol")
            });
            let Some(protocol) = protocol else { return };
            if let Some(other) = seen.insert((port, protocol.clone()), name.value.clone()) {
                cx.push(Diagnostic::error(
                    codes::DUPLICATE,
                    number.span(),
                    format!("port {port}/{protocol} is already declared as `{other}`"),
                ));
            }
            out.push(model::Port {
                name: name.value.clone(),
                port,
                protocol,
            });
        };
    if let Some(port) = &c.port {
        if c.ports.keys().any(|k| k.value == "http") {
            cx.push(
                Diagnostic::error(
                    codes::DUPLICATE,
                    port.span(),
                    "`port` and `ports.http` both set the `http` port",
                )
                .with_help("keep one of them"),
            );
        }
        add(cx, &Sp::new(port.span(), "http".to_string()), port, None);
    }
    for (name, value) in &c.ports {
        match &value.value {
            spec::PortSyntax::Number(n) => add(cx, name, &Sp::new(value.span(), *n), None),
            spec::PortSyntax::Table(t) => add(cx, name, &t.port, t.protocol.as_ref()),
        }
    }
    out
}

fn data_key(cx: &mut Cx<'_>, key: &Sp<String>) {
    cx.rule(key, rules::config_key, codes::INVALID_KEY, "key");
}

fn config(cx: &mut Cx<'_>, c: &ComponentSyntax) -> BTreeMap<String, ConfigData> {
    let mut out = BTreeMap::new();
    let mut size = 0;
    for (key, value) in &c.config {
        data_key(cx, key);
        let data = match &value.value {
            spec::ConfigValue::Value(s) => ConfigData::Text(s.to_text()),
            spec::ConfigValue::File(f) => match cx.read(&f.file) {
                Some(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => ConfigData::Text(text),
                    Err(e) => ConfigData::Binary(e.into_bytes()),
                },
                None => continue,
            },
        };
        size += key.len()
            + match &data {
                ConfigData::Text(t) => t.len(),
                ConfigData::Binary(b) => b.len(),
            };
        out.insert(key.value.clone(), data);
    }
    if size > MAX_OBJECT_DATA
        && let Some((first, _)) = c.config.iter().next()
    {
        cx.push(Diagnostic::error(
            codes::TOO_LARGE,
            first.span(),
            format!("config holds {size} bytes, over the 1 MiB a ConfigMap may hold"),
        ));
    }
    out
}

fn secrets(cx: &mut Cx<'_>, c: &ComponentSyntax) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut size = 0;
    for (key, value) in &c.secrets {
        data_key(cx, key);
        let bytes = match &value.value {
            spec::SecretValue::Literal(s) => Some(s.clone().into_bytes()),
            spec::SecretValue::Source(src) => match (&src.env, &src.file) {
                (Some(var), None) => cx.env_var(var).map(String::into_bytes),
                (None, Some(file)) => cx.read(file),
                _ => {
                    cx.push(
                        Diagnostic::error(
                            codes::INVALID_VALUE,
                            value.span(),
                            "a secret source needs exactly one of `env` and `file`",
                        )
                        .with_help("write `{ env = \"VAR\" }` or `{ file = \"path\" }`"),
                    );
                    None
                }
            },
        };
        if let Some(bytes) = bytes {
            size += key.len() + bytes.len();
            out.insert(key.value.clone(), bytes);
        }
    }
    if size > MAX_OBJECT_DATA
        && let Some((first, _)) = c.secrets.iter().next()
    {
        cx.push(Diagnostic::error(
            codes::TOO_LARGE,
            first.span(),
            format!("secrets hold {size} bytes, over the 1 MiB a Secret may hold"),
        ));
    }
    out
}

fn unknown_key(
    cx: &mut Cx<'_>,
    key: &Sp<String>,
    section: &str,
    known: &BTreeMap<String, impl Sized>,
) {
    let candidates: Vec<&str> = known.keys().map(String::as_str).collect();
    let mut d = Diagnostic::error(
        codes::UNKNOWN_REFERENCE,
        key.span(),
        format!("`{}` is not a key of `[{section}]`", key.value),
    );
    d.help = Some(match spec::did_you_mean(&key.value, &candidates) {
        Some(best) => format!("did you mean `{best}`?"),
        None if candidates.is_empty() => format!("add it to `[{section}]`"),
        None => format!(
            "`[{section}]` has {}",
            candidates
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    });
    cx.push(d);
}

fn env(
    cx: &mut Cx<'_>,
    c: &ComponentSyntax,
    config: &BTreeMap<String, ConfigData>,
    secrets: &BTreeMap<String, Vec<u8>>,
) -> Vec<model::EnvVar> {
    let mut out = Vec::new();
    for (name, value) in &c.env {
        cx.rule(
            name,
            rules::env_var_name,
            codes::INVALID_KEY,
            "environment variable name",
        );
        let value = match &value.value {
            spec::EnvSyntax::Value(s) => EnvValue::Literal(s.to_text()),
            spec::EnvSyntax::Ref(r) => match (&r.config, &r.secret, &r.field) {
                (Some(key), None, None) => {
                    if !config.contains_key(&key.value) {
                        unknown_key(cx, key, "config", config);
                    }
                    EnvValue::ConfigKey(key.value.clone())
                }
                (None, Some(key), None) => {
                    if !secrets.contains_key(&key.value) {
                        unknown_key(cx, key, "secrets", secrets);
                    }
                    EnvValue::SecretKey(key.value.clone())
                }
                (None, None, Some(path)) => {
                    let ok = FIELD_PATHS.contains(&path.value.as_str())
                        || path.value.starts_with("metadata.labels['")
                        || path.value.starts_with("metadata.annotations['");
                    if !ok {
                        let mut d = Diagnostic::error(
                            codes::INVALID_VALUE,
                            path.span(),
                            format!("`{}` is not a pod field env vars can read", path.value),
                        );
                        d.help = Some(match spec::did_you_mean(&path.value, FIELD_PATHS) {
                            Some(best) => format!("did you mean `{best}`?"),
                            None => format!("expected one of {}", FIELD_PATHS.join(", ")),
                        });
                        cx.push(d);
                    }
                    EnvValue::Field(path.value.clone())
                }
                _ => {
                    cx.push(Diagnostic::error(
                        codes::INVALID_VALUE,
                        value.span(),
                        "an env reference needs exactly one of `config`, `secret` and `field`",
                    ));
                    continue;
                }
            },
        };
        out.push(model::EnvVar {
            name: name.value.clone(),
            value,
        });
    }
    out
}

fn mount_path(cx: &mut Cx<'_>, path: &Sp<String>, has_data: bool, what: &str) -> Option<String> {
    if !path.value.starts_with('/') {
        cx.push(Diagnostic::error(
            codes::INVALID_VALUE,
            path.span(),
            format!("mount path `{}` must be absolute", path.value),
        ));
        return None;
    }
    if path.value == "/tmp" || path.value == "/" {
        cx.push(Diagnostic::error(
            codes::INVALID_VALUE,
            path.span(),
            format!("cannot mount {what} over `{}`", path.value),
        ));
        return None;
    }
    if !has_data {
        cx.push(Diagnostic::error(
            codes::UNKNOWN_REFERENCE,
            path.span(),
            format!("`[{what}]` is empty, so there is nothing to mount"),
        ));
        return None;
    }
    Some(path.value.clone())
}

/// Resolves a probe's or Service's port reference against the container's ports.
fn port_target(
    cx: &mut Cx<'_>,
    r: &Sp<spec::PortRef>,
    ports: &[model::Port],
) -> Option<PortTarget> {
    match &r.value {
        spec::PortRef::Number(n) => match rules::port_number(*n) {
            Ok(p) => Some(PortTarget::Number(p)),
            Err(e) => {
                cx.push(Diagnostic::error(
                    codes::INVALID_PORT,
                    r.span(),
                    format!("invalid port: {e}"),
                ));
                None
            }
        },
        spec::PortRef::Name(name) => {
            if ports.iter().any(|p| &p.name == name) {
                Some(PortTarget::Name(name.clone()))
            } else {
                let names: Vec<&str> = ports.iter().map(|p| p.name.as_str()).collect();
                let mut d = Diagnostic::error(
                    codes::UNKNOWN_REFERENCE,
                    r.span(),
                    format!("the container has no port named `{name}`"),
                );
                d.help = Some(match spec::did_you_mean(name, &names) {
                    Some(best) => format!("did you mean `{best}`?"),
                    None if names.is_empty() => "declare it under `ports`".to_string(),
                    None => format!(
                        "its ports are {}",
                        names
                            .iter()
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
                cx.push(d);
                None
            }
        }
    }
}

fn probe(
    cx: &mut Cx<'_>,
    p: &Sp<spec::ProbeSyntax>,
    ports: &[model::Port],
    main_port: Option<&model::Port>,
    single_success: bool,
) -> Option<model::Probe> {
    let default_port = |cx: &mut Cx<'_>| match main_port {
        Some(port) => Some(PortTarget::Number(port.port)),
        None => {
            cx.push(
                Diagnostic::error(
                    codes::MISSING_VALUE,
                    p.span(),
                    "this probe needs a port, and the container has none",
                )
                .with_help("add `port = N` to the component, or give the probe a port"),
            );
            None
        }
    };
    match &p.value {
        spec::ProbeSyntax::Short(text) => {
            let (verb, rest) = text
                .trim()
                .split_once(' ')
                .map_or((text.trim(), ""), |(v, r)| (v, r.trim()));
            let (port, path) = match rest.strip_prefix(':') {
                Some(after) => {
                    let end = after.find('/').unwrap_or(after.len());
                    let port = match after[..end]
                        .parse::<i64>()
                        .ok()
                        .and_then(|n| rules::port_number(n).ok())
                    {
                        Some(n) => Some(PortTarget::Number(n)),
                        None => {
                            cx.push(Diagnostic::error(
                                codes::INVALID_PORT,
                                p.span(),
                                format!("`:{}` is not a port number", &after[..end]),
                            ));
                            return None;
                        }
                    };
                    (port, &after[end..])
                }
                None => (None, rest),
            };
            let action = match verb.to_ascii_uppercase().as_str() {
                "GET" if path.starts_with('/') => {
                    let port = port.or_else(|| default_port(cx))?;
                    ProbeAction::HttpGet {
                        path: path.to_string(),
                        port,
                    }
                }
                "TCP" if path.is_empty() => {
                    let port = port.or_else(|| default_port(cx))?;
                    ProbeAction::Tcp { port }
                }
                _ => {
                    cx.push(
                        Diagnostic::error(codes::INVALID_VALUE, p.span(), format!("cannot read probe `{text}`"))
                            .with_help("write \"GET /path\", \"GET :8080/path\", \"TCP\", \"TCP :5432\", or a table such as { exec = [\"pg_isready\"] }"),
                    );
                    return None;
                }
            };
            Some(model::Probe::new(action))
        }
        spec::ProbeSyntax::Table(t) => {
            let port = match &t.port {
                Some(r) => Some(port_target(cx, r, ports)?),
                None => None,
            };
            let action = match (&t.http, &t.tcp, &t.exec) {
                (Some(path), None, None) => {
                    if !path.value.starts_with('/') {
                        cx.push(Diagnostic::error(
                            codes::INVALID_VALUE,
                            path.span(),
                            format!("HTTP path `{}` must start with `/`", path.value),
                        ));
                    }
                    let port = port.or_else(|| default_port(cx))?;
                    ProbeAction::HttpGet {
                        path: path.value.clone(),
                        port,
                    }
                }
                (None, Some(flag), None) if flag.value => ProbeAction::Tcp {
                    port: port.or_else(|| default_port(cx))?,
                },
                (None, None, Some(cmd)) if !cmd.is_empty() => ProbeAction::Exec {
                    command: cmd.iter().map(|s| s.value.clone()).collect(),
                },
                _ => {
                    cx.push(
                        Diagnostic::error(codes::INVALID_VALUE, p.span(), "a probe needs exactly one of `http`, `tcp = true` and a non-empty `exec`")
                            .with_help("e.g. `{ http = \"/health\" }`, `{ tcp = true, port = 5432 }` or `{ exec = [\"pg_isready\"] }`"),
                    );
                    return None;
                }
            };
            let mut probe = model::Probe::new(action);
            let max = i32::MAX as i64;
            probe.initial_delay_seconds = t
                .initial_delay_seconds
                .as_ref()
                .and_then(|v| cx.int_in(v, 0..=max, "initial_delay_seconds"));
            probe.period_seconds = t
                .period_seconds
                .as_ref()
                .and_then(|v| cx.int_in(v, 1..=max, "period_seconds"));
            probe.timeout_seconds = t
                .timeout_seconds
                .as_ref()
                .and_then(|v| cx.int_in(v, 1..=max, "timeout_seconds"));
            probe.failure_threshold = t
                .failure_threshold
                .as_ref()
                .and_then(|v| cx.int_in(v, 1..=max, "failure_threshold"));
            probe.success_threshold = match &t.success_threshold {
                Some(v) if single_success && v.value != 1 => {
                    cx.push(Diagnostic::error(
                        codes::OUT_OF_RANGE,
                        v.span(),
                        "success_threshold must be 1 for liveness and startup probes",
                    ));
                    None
                }
                Some(v) => cx.int_in(v, 1..=max, "success_threshold"),
                None => None,
            };
            Some(probe)
        }
    }
}

fn quantity(cx: &mut Cx<'_>, q: &Sp<spec::Quantity>) -> Option<(String, f64)> {
    let text = match &q.value {
        spec::Quantity::String(s) => s.clone(),
        spec::Quantity::Integer(i) => i.to_string(),
        spec::Quantity::Float(f) => f.to_string(),
    };
    match rules::quantity(&text) {
        Ok(v) if v < 0.0 => {
            cx.push(Diagnostic::error(
                codes::INVALID_QUANTITY,
                q.span(),
                format!("quantity `{text}` must not be negative"),
            ));
            None
        }
        Ok(v) => Some((text, v)),
        Err(e) => {
            cx.push(Diagnostic::error(
                codes::INVALID_QUANTITY,
                q.span(),
                format!("invalid quantity: {e}"),
            ));
            None
        }
    }
}

fn resource_name(cx: &mut Cx<'_>, name: &Sp<String>) {
    let known = ["cpu", "memory", "ephemeral-storage"];
    if known.contains(&name.value.as_str())
        || name.value.starts_with("hugepages-")
        || name.value.contains('/')
    {
        if name.value.contains('/') {
            cx.rule(
                name,
                rules::qualified_name,
                codes::INVALID_QUANTITY,
                "extended resource name",
            );
        }
        return;
    }
    let mut d = Diagnostic::error(
        codes::INVALID_QUANTITY,
        name.span(),
        format!("unknown resource `{}`", name.value),
    );
    d.help = Some(match spec::did_you_mean(&name.value, &known) {
        Some(best) => format!("did you mean `{best}`?"),
        None => "expected `cpu`, `memory`, `ephemeral-storage`, `hugepages-<size>` or a `domain/name` extended resource".to_string(),
    });
    cx.push(d);
}

fn resources(cx: &mut Cx<'_>, r: &Sp<spec::ResourcesSyntax>) -> model::Resources {
    let read = |cx: &mut Cx<'_>, map: &spec::SpMap<spec::Quantity>| {
        let mut out = BTreeMap::new();
        for (name, q) in map {
            resource_name(cx, name);
            if let Some(parsed) = quantity(cx, q) {
                out.insert(name.value.clone(), (parsed, q.span()));
            }
        }
        out
    };
    let requests = read(cx, &r.requests);
    let limits = read(cx, &r.limits);
    for (name, ((req_text, req), span)) in &requests {
        if let Some(((lim_text, lim), _)) = limits.get(name)
            && req > lim
        {
            cx.push(
                Diagnostic::error(codes::INVALID_QUANTITY, span.clone(), format!("{name} request {req_text} is more than its limit {lim_text}"))
                    .with_help("the API server rejects a request above its limit; raise the limit or lower the request"),
            );
        }
    }
    let strip = |m: BTreeMap<String, ((String, f64), std::ops::Range<usize>)>| {
        m.into_iter().map(|(k, ((t, _), _))| (k, t)).collect()
    };
    model::Resources {
        requests: strip(requests),
        limits: strip(limits),
    }
}

fn int_or_percent(cx: &mut Cx<'_>, v: &Sp<spec::IntOrPercent>, what: &str) -> Option<IntOrPercent> {
    match &v.value {
        spec::IntOrPercent::Int(n) => cx
            .int_in(&Sp::new(v.span(), *n), 0..=i32::MAX as i64, what)
            .map(IntOrPercent::Int),
        spec::IntOrPercent::Percent(s) => match rules::percent(s) {
            Ok(p) => Some(IntOrPercent::Percent(p)),
            Err(e) => {
                cx.push(Diagnostic::error(
                    codes::INVALID_ROLLOUT,
                    v.span(),
                    format!("invalid {what}: {e}"),
                ));
                None
            }
        },
    }
}

fn rollout(cx: &mut Cx<'_>, r: &Sp<spec::RolloutSyntax>) -> model::Rollout {
    let kind = r
        .strategy
        .as_ref()
        .and_then(|s| one_of(cx, s, &["RollingUpdate", "Recreate"], "rollout strategy"));
    let surge = r
        .max_surge
        .as_ref()
        .and_then(|v| int_or_percent(cx, v, "max_surge"));
    let unavailable = r
        .max_unavailable
        .as_ref()
        .and_then(|v| int_or_percent(cx, v, "max_unavailable"));
    let is_zero = |v: &Option<IntOrPercent>| {
        matches!(
            v,
            Some(IntOrPercent::Int(0)) | Some(IntOrPercent::Percent(0))
        )
    };
    let strategy = if kind.as_deref() == Some("Recreate") {
        for v in [&r.max_surge, &r.max_unavailable].into_iter().flatten() {
            cx.push(
                Diagnostic::error(
                    codes::INVALID_ROLLOUT,
                    v.span(),
                    "`Recreate` takes no max_surge or max_unavailable",
                )
                .with_help("remove it, or use the `RollingUpdate` strategy"),
            );
        }
        Strategy::Recreate
    } else if surge.is_none() && unavailable.is_none() && kind.is_none() {
        Strategy::Default
    } else {
        if is_zero(&surge) && is_zero(&unavailable) {
            cx.push(
                Diagnostic::error(codes::INVALID_ROLLOUT, r.span(), "max_surge and max_unavailable are both 0, so a rollout could never make progress")
                    .with_help("set max_surge = 1 to add a pod before removing one"),
            );
        }
        Strategy::RollingUpdate {
            max_surge: surge,
            max_unavailable: unavailable,
        }
    };
    let max = i32::MAX as i64;
    let min_ready_seconds = r
        .min_ready_seconds
        .as_ref()
        .and_then(|v| cx.int_in(v, 0..=max, "min_ready_seconds"));
    let progress_deadline_seconds = r
        .progress_deadline_seconds
        .as_ref()
        .and_then(|v| cx.int_in(v, 1..=max, "progress_deadline_seconds"));
    if let (Some(ready), Some(deadline), Some(span)) = (
        min_ready_seconds,
        progress_deadline_seconds,
        r.progress_deadline_seconds.as_ref(),
    ) && deadline <= ready
    {
        cx.push(Diagnostic::error(
            codes::INVALID_ROLLOUT,
            span.span(),
            "progress_deadline_seconds must be greater than min_ready_seconds",
        ));
    }
    model::Rollout {
        strategy,
        min_ready_seconds,
        revision_history_limit: r
            .revision_history_limit
            .as_ref()
            .and_then(|v| cx.int_in(v, 0..=max, "revision_history_limit")),
        progress_deadline_seconds,
    }
}

fn service(
    cx: &mut Cx<'_>,
    c: &ComponentSyntax,
    ports: &[model::Port],
    owner: &Owner,
) -> Option<model::Service> {
    let all_ports = || model::Service {
        kind: "ClusterIP".to_string(),
        ports: ports
            .iter()
            .map(|p| model::ServicePort {
                name: p.name.clone(),
                port: p.port,
                target: PortTarget::Name(p.name.clone()),
                protocol: p.protocol.clone(),
                node_port: None,
            })
            .collect(),
        annotations: BTreeMap::new(),
    };
    let Some(svc) = &c.service else {
        return (!ports.is_empty()).then(all_ports);
    };
    let no_ports = |cx: &mut Cx<'_>| {
        cx.push(
            Diagnostic::error(
                codes::MISSING_VALUE,
                svc.span(),
                format!(
                    "component `{}` has a Service but no container port",
                    owner.label_name
                ),
            )
            .with_help("add `port = N`, or remove the Service"),
        );
    };
    match &svc.value {
        spec::ServiceSyntax::Enabled(false) => None,
        spec::ServiceSyntax::Enabled(true) => {
            if ports.is_empty() {
                no_ports(cx);
            }
            Some(all_ports())
        }
        spec::ServiceSyntax::Table(t) => {
            if ports.is_empty() {
                no_ports(cx);
                return None;
            }
            let kind = match &t.kind {
                Some(k) => one_of(
                    cx,
                    k,
                    &["ClusterIP", "NodePort", "LoadBalancer"],
                    "Service type",
                )?,
                None => "ClusterIP".to_string(),
            };
            let target = match &t.target_port {
                Some(r) => {
                    let target = port_target(cx, r, ports)?;
                    let found = ports.iter().find(|p| match &target {
                        PortTarget::Number(n) => p.port == *n,
                        PortTarget::Name(name) => &p.name == name,
                    });
                    match found {
                        Some(p) => p.clone(),
                        None => {
                            cx.push(
                                Diagnostic::error(
                                    codes::UNKNOWN_REFERENCE,
                                    r.span(),
                                    "the container does not expose this port",
                                )
                                .with_help("target one of the ports under `port`/`ports`"),
                            );
                            return None;
                        }
                    }
                }
                None => ports
                    .iter()
                    .find(|p| p.name == "http")
                    .unwrap_or(&ports[0])
                    .clone(),
            };
            let port = match &t.port {
                Some(p) => match rules::port_number(p.value) {
                    Ok(n) => n,
                    Err(e) => {
                        cx.push(Diagnostic::error(
                            codes::INVALID_PORT,
                            p.span(),
                            format!("invalid port: {e}"),
                        ));
                        return None;
                    }
                },
                None => target.port,
            };
            let node_port = match &t.node_port {
                Some(np) if kind == "ClusterIP" => {
                    cx.push(
                        Diagnostic::error(
                            codes::INVALID_PORT,
                            np.span(),
                            "a ClusterIP Service has no node port",
                        )
                        .with_help("set `type = \"NodePort\"` or remove `node_port`"),
                    );
                    None
                }
                Some(np) if !(30000..=32767).contains(&np.value) => {
                    cx.push(
                        Diagnostic::error(
                            codes::INVALID_PORT,
                            np.span(),
                            format!("node port {} is outside 30000-32767", np.value),
                        )
                        .with_help("Kubernetes' default node port range is 30000-32767"),
                    );
                    None
                }
                Some(np) => Some(np.value as i32),
                None => None,
            };
            Some(model::Service {
                kind,
                ports: vec![model::ServicePort {
                    name: target.name.clone(),
                    port,
                    target: PortTarget::Name(target.name.clone()),
                    protocol: target.protocol.clone(),
                    node_port,
                }],
                annotations: cx.annotations(&t.annotations),
            })
        }
    }
}

fn security(cx: &mut Cx<'_>, s: &Sp<spec::SecuritySyntax>) -> model::Security {
    let mut out = model::Security::default();
    let flag = |v: &Option<Sp<bool>>, default: bool| v.as_ref().map_or(default, |b| b.value);
    out.run_as_non_root = flag(&s.run_as_non_root, out.run_as_non_root);
    out.read_only_root_filesystem =
        flag(&s.read_only_root_filesystem, out.read_only_root_filesystem);
    out.writable_tmp = flag(&s.writable_tmp, out.writable_tmp);
    out.allow_privilege_escalation = flag(
        &s.allow_privilege_escalation,
        out.allow_privilege_escalation,
    );
    out.service_account_token = flag(&s.service_account_token, out.service_account_token);
    if let Some(user) = &s.run_as_user {
        match user.value {
            spec::RunAsUser::Id(id) => {
                out.run_as_user = cx
                    .int_in(
                        &Sp::new(user.span(), id),
                        0..=i32::MAX as i64,
                        "run_as_user",
                    )
                    .map(i64::from);
                if id == 0 && out.run_as_non_root {
                    cx.push(
                        Diagnostic::error(
                            codes::INVALID_VALUE,
                            user.span(),
                            "run_as_user = 0 is root, but run_as_non_root is on",
                        )
                        .with_help("pick a non-zero user id, or set `run_as_non_root = false`"),
                    );
                }
            }
            spec::RunAsUser::Image(false) => out.run_as_user = None,
            spec::RunAsUser::Image(true) => cx.push(
                Diagnostic::error(
                    codes::INVALID_VALUE,
                    user.span(),
                    "run_as_user takes a user id or `false`",
                )
                .with_help("the default is user 10001; `false` keeps the image's user"),
            ),
        }
    }
    if let Some(caps) = &s.capabilities {
        for cap in caps {
            let ok = !cap.value.is_empty()
                && cap
                    .value
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b == b'_' || b.is_ascii_digit());
            if !ok {
                cx.push(Diagnostic::error(
                    codes::INVALID_VALUE,
                    cap.span(),
                    format!(
                        "`{}` is not a capability name like `NET_BIND_SERVICE`",
                        cap.value
                    ),
                ));
            }
        }
        out.capabilities = caps
            .iter()
            .map(|c| c.value.trim_start_matches("CAP_").to_string())
            .collect();
    }
    if let Some(p) = &s.seccomp
        && let Some(v) = one_of(cx, p, &["RuntimeDefault", "Unconfined"], "seccomp profile")
    {
        out.seccomp = v;
    }
    out
}
