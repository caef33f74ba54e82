//! Checks one component's keys and lowers them into a [`model::Component`].

use std::collections::BTreeMap;

use super::index::{Declared, Index};
use super::{Cx, Owner, codes, workload};
use crate::diag::Diagnostic;
use crate::model::{
    self, ConfigData, EnvValue, IntOrPercent, PortTarget, ProbeAction, Strategy, Workload, rules,
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
    index: &Index,
) -> Option<model::Component> {
    let errors_before = cx.diags.len();
    // The parts' characters are checked where they are written; only the length of the
    // combined name is new here.
    if owner.full_name.len() > 63 {
        cx.push(
            Diagnostic::error(
                codes::NAME_TOO_LONG,
                owner.span.clone(),
                format!(
                    "object name `{}` made from this name is {} characters, over the 63 allowed",
                    owner.full_name,
                    owner.full_name.len()
                ),
            )
            .with_help("shorten the app or component name"),
        );
    }

    let ports = ports(cx, c);
    let external = matches!(
        c.service.as_ref().map(|s| &s.value),
        Some(spec::ServiceSyntax::Table(t)) if t.kind.as_ref().is_some_and(|k| k.value == "ExternalName")
    );
    let workload = if external {
        if let Some(image) = &c.image {
            cx.push(
                Diagnostic::error(
                    codes::INVALID_VALUE,
                    image.span(),
                    "an `ExternalName` Service points outside the cluster, so the component runs no image",
                )
                .with_help("remove `image`, or use another Service type"),
            );
        }
        Workload::External
    } else {
        workload::workload(cx, c, owner)
    };

    let image = match (&c.image, &workload) {
        (Some(image), _) => {
            cx.rule(image, rules::image, codes::INVALID_IMAGE, "image");
            image.value.clone()
        }
        (None, Workload::External) => String::new(),
        (None, _) => {
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
        None => match (rules::image_tag(&image), &c.image) {
            (Some(tag), Some(image_sp)) => match rules::label_value(tag) {
                Ok(()) => Some(tag.to_string()),
                Err(e) => {
                    cx.push(
                        Diagnostic::error(
                            codes::INVALID_LABEL,
                            image_sp.span(),
                            format!("the image tag `{tag}` cannot be the `app.kubernetes.io/version` label: {e}"),
                        )
                        .with_help("set `version = \"...\"` to a label-safe version"),
                    );
                    None
                }
            },
            _ => None,
        },
    };
    let role = match &c.role {
        Some(r) => {
            cx.rule(r, rules::label_value, codes::INVALID_LABEL, "role");
            r.value.clone()
        }
        None => owner.default_role.clone(),
    };
    let autoscale = c
        .autoscale
        .as_ref()
        .and_then(|a| workload::autoscale(cx, a, &workload));
    let replicas = match (&c.replicas, &autoscale) {
        (Some(r), Some(_)) => {
            cx.push(
                Diagnostic::error(
                    codes::INVALID_VALUE,
                    r.span(),
                    "`replicas` and `autoscale` both set the replica count",
                )
                .with_help("remove `replicas`: the autoscaler starts at `autoscale.min`"),
            );
            None
        }
        (_, Some(_)) => None,
        (Some(r), None) => {
            if !matches!(
                workload,
                Workload::Deployment | Workload::StatefulSet { .. }
            ) {
                workload::not_for(cx, r.span(), "replicas", &workload);
            }
            cx.int_in(r, 0..=i32::MAX as i64, "replicas")
        }
        (None, None) => Some(1),
    };
    let replicas = replicas.filter(|_| {
        matches!(
            workload,
            Workload::Deployment | Workload::StatefulSet { .. }
        )
    });

    let config = config(cx, c);
    let (secrets, external_secrets) = secrets(cx, c);
    let own = Own {
        name: &owner.full_name,
        config: &config,
        secrets: &secrets,
        external_secrets: &external_secrets,
    };
    let env = env(cx, &c.env, &own, index);

    let config_mount = c
        .mount
        .as_ref()
        .and_then(|m| m.config.as_ref())
        .and_then(|p| mount_path(cx, p, !config.is_empty(), "config"));
    let has_secrets = !secrets.is_empty() || !external_secrets.is_empty();
    let secrets_mount = c
        .mount
        .as_ref()
        .and_then(|m| m.secrets.as_ref())
        .and_then(|p| mount_path(cx, p, has_secrets, "secrets"));
    let own_config = owner.full_name.clone() + "-config";
    let own_secret = owner.full_name.clone() + "-secrets";
    let uses_config = env.iter().any(
        |e| matches!(&e.value, EnvValue::ConfigKey { config_map, .. } if *config_map == own_config),
    );
    let uses_secret = env
        .iter()
        .any(|e| matches!(&e.value, EnvValue::SecretKey { secret, .. } if *secret == own_secret));
    let (env_from_config, env_from_secrets) = match &c.env_from {
        Some(list) => env_from(cx, list, !config.is_empty(), has_secrets),
        None => (
            config_mount.is_none() && !uses_config,
            secrets_mount.is_none() && !uses_secret,
        ),
    };

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
        .map(|r| resources(cx, &r.requests, &r.limits))
        .unwrap_or_default();
    let rollout = match &c.rollout {
        Some(r) => {
            if !matches!(
                workload,
                Workload::Deployment | Workload::StatefulSet { .. }
            ) {
                workload::not_for(cx, r.span(), "rollout", &workload);
            }
            rollout(cx, r, &workload)
        }
        None => model::Rollout::default(),
    };
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
    let rbac = workload::rbac(cx, c.rbac.as_deref().unwrap_or_default());
    let cluster_rbac = workload::rbac(cx, c.cluster_rbac.as_deref().unwrap_or_default());
    let (service_account, own_service_account) = match c
        .service_account
        .as_ref()
        .map(|s| (s, &s.value))
    {
        Some((_, spec::ServiceAccountSyntax::Create(b))) => {
            (None, *b || !rbac.is_empty() || !cluster_rbac.is_empty())
        }
        Some((s, spec::ServiceAccountSyntax::Name(name))) => {
            if !rbac.is_empty() || !cluster_rbac.is_empty() {
                cx.push(
                    Diagnostic::error(
                        codes::INVALID_VALUE,
                        s.span(),
                        "`rbac` binds its rules to the component's own ServiceAccount, not to an existing one",
                    )
                    .with_help("use `service_account = true`, or bind the existing account's roles elsewhere"),
                );
            }
            cx.rule(
                &Sp::new(s.span(), name.clone()),
                rules::dns1123_subdomain,
                codes::INVALID_NAME,
                "service account name",
            );
            (Some(name.clone()), false)
        }
        None => (None, !rbac.is_empty() || !cluster_rbac.is_empty()),
    };
    let service = service(cx, c, &ports, owner, &workload);
    let mut security = c
        .security
        .as_ref()
        .map(|s| security(cx, s))
        .unwrap_or_default();
    if (!rbac.is_empty() || !cluster_rbac.is_empty())
        && c.security
            .as_ref()
            .and_then(|s| s.service_account_token.as_ref())
            .is_none()
    {
        // RBAC rules are only useful with a token to present.
        security.service_account_token = true;
    }
    let volumes = workload::volumes(cx, &c.volumes);
    let volume_names: Vec<String> = volumes.iter().map(|v| v.name.clone()).collect();
    let ctx = workload::ContainerCx {
        image: &image,
        volumes: &volume_names,
        own: &own,
        index,
    };
    let init_containers = c
        .init
        .iter()
        .flatten()
        .filter_map(|x| workload::container(cx, x, &ctx, true))
        .collect::<Vec<_>>();
    let sidecars = c
        .sidecars
        .iter()
        .flatten()
        .filter_map(|x| workload::container(cx, x, &ctx, false))
        .collect::<Vec<_>>();
    workload::unique_container_names(cx, &owner.label_name, c);
    let disruption = c
        .disruption
        .as_ref()
        .and_then(|d| workload::disruption(cx, d, replicas, autoscale.as_ref(), &workload));
    let network = workload::network(cx, c.network.as_ref(), index);
    let metrics = c.metrics.as_ref().and_then(|m| {
        let port = match &m.port {
            Some(r) => port_target(cx, r, &ports).and_then(|t| match t {
                PortTarget::Number(n) => Some(n),
                PortTarget::Name(name) => ports.iter().find(|p| p.name == name).map(|p| p.port),
            }),
            None => match &main_port {
                Some(p) => Some(p.port),
                None => {
                    cx.push(Diagnostic::error(
                        codes::MISSING_VALUE,
                        m.span(),
                        "metrics need a port, and the container has none",
                    ));
                    None
                }
            },
        }?;
        Some(model::Metrics {
            port,
            path: m
                .path
                .as_ref()
                .map_or("/metrics".to_string(), |p| p.value.clone()),
        })
    });
    let scheduling = c
        .scheduling
        .as_ref()
        .map(|s| workload::scheduling(cx, s))
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
        workload,
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
        own_service_account,
        service,
        security,
        volumes,
        init_containers,
        sidecars,
        autoscale,
        disruption,
        rbac,
        cluster_rbac,
        network,
        metrics,
        scheduling,
        external_secrets,
        labels,
        annotations,
        pod_annotations,
    })
}

/// A component's own config and secrets, for resolving `env` references.
pub struct Own<'a> {
    pub name: &'a str,
    pub config: &'a BTreeMap<String, ConfigData>,
    pub secrets: &'a BTreeMap<String, Vec<u8>>,
    pub external_secrets: &'a BTreeMap<String, (String, Option<String>)>,
}

/// `env_from = [...]`: which of config and secrets go in whole.
pub fn env_from(
    cx: &mut Cx<'_>,
    list: &[Sp<String>],
    has_config: bool,
    has_secrets: bool,
) -> (bool, bool) {
    let (mut config, mut secrets) = (false, false);
    for item in list {
        match item.value.as_str() {
            "config" if has_config => config = true,
            "secrets" if has_secrets => secrets = true,
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
    (config, secrets)
}

fn strings(list: &Option<Vec<Sp<String>>>) -> Vec<String> {
    list.iter().flatten().map(|s| s.value.clone()).collect()
}

pub fn one_of(cx: &mut Cx<'_>, value: &Sp<String>, allowed: &[&str], what: &str) -> Option<String> {
    if allowed.contains(&value.value.as_str()) {
        return Some(value.value.clone());
    }
    let mut d = Diagnostic::error(
        codes::INVALID_VALUE,
        value.span(),
        format!("unknown {what} `{}`", value.value),
    );
    d.help = Some(spec::suggest(&value.value, allowed, || {
        format!("expected one of {}", spec::quoted(allowed))
    }));
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

type ExternalKeys = BTreeMap<String, (String, Option<String>)>;

/// Secret values from the spec, and keys to read from the External Secrets store.
fn secrets(cx: &mut Cx<'_>, c: &ComponentSyntax) -> (BTreeMap<String, Vec<u8>>, ExternalKeys) {
    let mut out = BTreeMap::new();
    let mut external = BTreeMap::new();
    let mut size = 0;
    for (key, value) in &c.secrets {
        data_key(cx, key);
        let bytes = match &value.value {
            spec::SecretValue::Literal(s) => Some(s.clone().into_bytes()),
            spec::SecretValue::Source(src) => {
                match (&src.env, &src.file, &src.external) {
                    (Some(var), None, None) => cx.env_var(var).map(String::into_bytes),
                    (None, Some(file), None) => cx.read(file),
                    (None, None, Some(remote)) => {
                        if !cx.external_store {
                            cx.push(
                            Diagnostic::error(
                                codes::MISSING_VALUE,
                                remote.span(),
                                "`external` secret values need an `[external_secrets]` store",
                            )
                            .with_help("add `[external_secrets]` with `store = \"NAME\"` at the top level"),
                        );
                        }
                        let property = src.property.as_ref().map(|p| p.value.clone());
                        external.insert(key.value.clone(), (remote.value.clone(), property));
                        continue;
                    }
                    _ => {
                        cx.push(
                        Diagnostic::error(
                            codes::INVALID_VALUE,
                            value.span(),
                            "a secret source needs exactly one of `env`, `file` and `external`",
                        )
                        .with_help("write `{ env = \"VAR\" }`, `{ file = \"path\" }` or `{ external = \"key\" }`"),
                    );
                        None
                    }
                }
            }
        };
        if let Some(bytes) = bytes {
            size += key.len() + bytes.len();
            out.insert(key.value.clone(), bytes);
        }
    }
    if !external.is_empty()
        && !out.is_empty()
        && let Some((first, _)) = c.secrets.iter().next()
    {
        cx.push(
            Diagnostic::error(
                codes::INVALID_VALUE,
                first.span(),
                "a component's secrets come either all from the store (`external`) or all from the spec",
            )
            .with_help("move the other values into the store, or into a second component"),
        );
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
    (out, external)
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
    d.help = Some(spec::suggest(
        &key.value,
        &candidates,
        || match candidates.is_empty() {
            true => format!("add it to `[{section}]`"),
            false => format!("`[{section}]` has {}", spec::quoted(&candidates)),
        },
    ));
    cx.push(d);
}

/// Resolves a component key in a reference; reports unknown ones with a suggestion.
pub fn component<'i>(cx: &mut Cx<'_>, key: &Sp<String>, index: &'i Index) -> Option<&'i Declared> {
    if let Some(d) = index.components.get(&key.value) {
        return Some(d);
    }
    let keys = index.keys();
    let mut d = Diagnostic::error(
        codes::UNKNOWN_REFERENCE,
        key.span(),
        format!("there is no component `{}`", key.value),
    );
    d.help = Some(spec::suggest(&key.value, &keys, || {
        format!("the components are {}", spec::quoted(&keys))
    }));
    cx.push(d);
    None
}

/// The Service port of `target` that `port` names (a Service port name or number), or its
/// first Service port.
pub fn service_port(
    cx: &mut Cx<'_>,
    key: &Sp<String>,
    target: &Declared,
    port: Option<&Sp<spec::PortRef>>,
) -> Option<(String, i64)> {
    if !target.has_service || target.service_ports.is_empty() {
        cx.push(
            Diagnostic::error(
                codes::UNKNOWN_REFERENCE,
                key.span(),
                format!("component `{}` has no Service to connect to", key.value),
            )
            .with_help(
                "give it a `port` (a Service is made for Deployments and StatefulSets with ports)",
            ),
        );
        return None;
    }
    let Some(port) = port else {
        return target.service_ports.first().cloned();
    };
    let found = target
        .service_ports
        .iter()
        .find(|(name, number)| match &port.value {
            spec::PortRef::Name(n) => n == name,
            spec::PortRef::Number(n) => n == number,
        });
    if found.is_none() {
        let names: Vec<String> = target
            .service_ports
            .iter()
            .map(|(n, p)| format!("{n} ({p})"))
            .collect();
        cx.push(
            Diagnostic::error(
                codes::UNKNOWN_REFERENCE,
                port.span(),
                format!("the Service of `{}` does not expose this port", key.value),
            )
            .with_help(format!("its ports are {}", names.join(", "))),
        );
    }
    found.cloned()
}

pub fn env(
    cx: &mut Cx<'_>,
    vars: &spec::SpMap<spec::EnvSyntax>,
    own: &Own<'_>,
    index: &Index,
) -> Vec<model::EnvVar> {
    let mut out = Vec::new();
    for (name, value) in vars {
        cx.rule(
            name,
            rules::env_var_name,
            codes::INVALID_KEY,
            "environment variable name",
        );
        let value = match &value.value {
            spec::EnvSyntax::Value(s) => EnvValue::Literal(s.to_text()),
            spec::EnvSyntax::Ref(r) => {
                let other = match &r.from {
                    Some(key) => match component(cx, key, index) {
                        Some(d) => Some((key, d)),
                        None => continue,
                    },
                    None => None,
                };
                match (&r.config, &r.secret, &r.field, &r.service) {
                    (Some(key), None, None, None) => match other {
                        Some((from, d)) => {
                            if !d.config_keys.contains(&key.value) {
                                let keys: BTreeMap<String, ()> =
                                    d.config_keys.iter().map(|k| (k.clone(), ())).collect();
                                unknown_key(
                                    cx,
                                    key,
                                    &format!("components.{}.config", from.value),
                                    &keys,
                                );
                            }
                            EnvValue::ConfigKey {
                                config_map: format!("{}-config", d.full_name),
                                key: key.value.clone(),
                            }
                        }
                        None => {
                            if !own.config.contains_key(&key.value) {
                                unknown_key(cx, key, "config", own.config);
                            }
                            EnvValue::ConfigKey {
                                config_map: format!("{}-config", own.name),
                                key: key.value.clone(),
                            }
                        }
                    },
                    (None, Some(key), None, None) => match other {
                        Some((from, d)) => {
                            if !d.secret_keys.contains(&key.value) {
                                let keys: BTreeMap<String, ()> =
                                    d.secret_keys.iter().map(|k| (k.clone(), ())).collect();
                                unknown_key(
                                    cx,
                                    key,
                                    &format!("components.{}.secrets", from.value),
                                    &keys,
                                );
                            }
                            EnvValue::SecretKey {
                                secret: format!("{}-secrets", d.full_name),
                                key: key.value.clone(),
                            }
                        }
                        None => {
                            if !own.secrets.contains_key(&key.value)
                                && !own.external_secrets.contains_key(&key.value)
                            {
                                let mut keys: BTreeMap<String, ()> =
                                    own.secrets.keys().map(|k| (k.clone(), ())).collect();
                                keys.extend(own.external_secrets.keys().map(|k| (k.clone(), ())));
                                unknown_key(cx, key, "secrets", &keys);
                            }
                            EnvValue::SecretKey {
                                secret: format!("{}-secrets", own.name),
                                key: key.value.clone(),
                            }
                        }
                    },
                    (None, None, Some(path), None) if other.is_none() => {
                        let ok = FIELD_PATHS.contains(&path.value.as_str())
                            || path.value.starts_with("metadata.labels['")
                            || path.value.starts_with("metadata.annotations['");
                        if !ok {
                            let mut d = Diagnostic::error(
                                codes::INVALID_VALUE,
                                path.span(),
                                format!("`{}` is not a pod field env vars can read", path.value),
                            );
                            d.help = Some(spec::suggest(&path.value, FIELD_PATHS, || {
                                format!("expected one of {}", FIELD_PATHS.join(", "))
                            }));
                            cx.push(d);
                        }
                        EnvValue::Field(path.value.clone())
                    }
                    (None, None, None, Some(key)) if other.is_none() => {
                        let Some(d) = component(cx, key, index) else {
                            continue;
                        };
                        let Some((_, number)) = service_port(cx, key, d, r.port.as_ref()) else {
                            continue;
                        };
                        if r.port.is_some() {
                            EnvValue::Literal(format!("{}:{number}", d.full_name))
                        } else {
                            EnvValue::Literal(d.full_name.clone())
                        }
                    }
                    _ => {
                        cx.push(
                            Diagnostic::error(
                                codes::INVALID_VALUE,
                                value.span(),
                                "an env reference needs exactly one of `config`, `secret`, `field` and `service`",
                            )
                            .with_help("`from` goes with `config` or `secret`; `port` goes with `service`"),
                        );
                        continue;
                    }
                }
            }
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
                d.help = Some(spec::suggest(name, &names, || match names.is_empty() {
                    true => "declare it under `ports`".to_string(),
                    false => format!("its ports are {}", spec::quoted(&names)),
                }));
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

pub fn quantity(cx: &mut Cx<'_>, q: &Sp<spec::Quantity>) -> Option<(String, f64)> {
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
    d.help = Some(spec::suggest(&name.value, &known, || {
        "expected `cpu`, `memory`, `ephemeral-storage`, `hugepages-<size>` or a `domain/name` extended resource".to_string()
    }));
    cx.push(d);
}

pub fn resources(
    cx: &mut Cx<'_>,
    requests: &spec::SpMap<spec::Quantity>,
    limits: &spec::SpMap<spec::Quantity>,
) -> model::Resources {
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
    let requests = read(cx, requests);
    let limits = read(cx, limits);
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

/// A count or a percentage; a bad percentage is reported with `code`.
pub fn int_or_percent(
    cx: &mut Cx<'_>,
    v: &Sp<spec::IntOrPercent>,
    what: &str,
    code: &'static str,
) -> Option<IntOrPercent> {
    match &v.value {
        spec::IntOrPercent::Int(n) => cx
            .int_in(&Sp::new(v.span(), *n), 0..=i32::MAX as i64, what)
            .map(IntOrPercent::Int),
        spec::IntOrPercent::Percent(s) => match rules::percent(s) {
            Ok(p) => Some(IntOrPercent::Percent(p)),
            Err(e) => {
                cx.push(Diagnostic::error(
                    code,
                    v.span(),
                    format!("invalid {what}: {e}"),
                ));
                None
            }
        },
    }
}

fn rollout(cx: &mut Cx<'_>, r: &Sp<spec::RolloutSyntax>, workload: &Workload) -> model::Rollout {
    let stateful = matches!(workload, Workload::StatefulSet { .. });
    let strategies: &[&str] = if stateful {
        &["RollingUpdate", "OnDelete"]
    } else {
        &["RollingUpdate", "Recreate"]
    };
    let kind = r
        .strategy
        .as_ref()
        .and_then(|s| one_of(cx, s, strategies, "rollout strategy"));
    if stateful && let Some(surge) = &r.max_surge {
        cx.push(
            Diagnostic::error(
                codes::INVALID_ROLLOUT,
                surge.span(),
                "a StatefulSet never runs extra pods, so it takes no max_surge",
            )
            .with_help("use max_unavailable"),
        );
    }
    let surge = r
        .max_surge
        .as_ref()
        .and_then(|v| int_or_percent(cx, v, "max_surge", codes::INVALID_ROLLOUT));
    let unavailable = r
        .max_unavailable
        .as_ref()
        .and_then(|v| int_or_percent(cx, v, "max_unavailable", codes::INVALID_ROLLOUT));
    let is_zero = |v: &Option<IntOrPercent>| {
        matches!(
            v,
            Some(IntOrPercent::Int(0)) | Some(IntOrPercent::Percent(0))
        )
    };
    let strategy = if let Some(k @ ("Recreate" | "OnDelete")) = kind.as_deref() {
        for v in [&r.max_surge, &r.max_unavailable].into_iter().flatten() {
            cx.push(
                Diagnostic::error(
                    codes::INVALID_ROLLOUT,
                    v.span(),
                    format!("`{k}` takes no max_surge or max_unavailable"),
                )
                .with_help("remove it, or use the `RollingUpdate` strategy"),
            );
        }
        if k == "Recreate" {
            Strategy::Recreate
        } else {
            Strategy::OnDelete
        }
    } else if surge.is_none() && unavailable.is_none() && kind.is_none() {
        Strategy::Default
    } else {
        if stateful && is_zero(&unavailable) {
            cx.push(Diagnostic::error(
                codes::INVALID_ROLLOUT,
                r.max_unavailable.as_ref().map_or(r.span(), |v| v.span()),
                "a StatefulSet's max_unavailable must be at least 1",
            ));
        }
        if !stateful && is_zero(&surge) && is_zero(&unavailable) {
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
    if stateful && let Some(v) = &r.progress_deadline_seconds {
        cx.push(Diagnostic::error(
            codes::INVALID_ROLLOUT,
            v.span(),
            "a StatefulSet has no progress deadline",
        ));
    }
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
    workload: &Workload,
) -> Option<model::Service> {
    let stateful = matches!(workload, Workload::StatefulSet { .. });
    let all_ports = || model::Service {
        kind: "ClusterIP".to_string(),
        headless: stateful,
        external_name: None,
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
        let default = matches!(
            workload,
            Workload::Deployment | Workload::StatefulSet { .. }
        );
        return (default && !ports.is_empty()).then(all_ports);
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
            let kind = match &t.kind {
                Some(k) => one_of(
                    cx,
                    k,
                    &["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"],
                    "Service type",
                )?,
                None => "ClusterIP".to_string(),
            };
            if kind == "ExternalName" {
                let Some(target) = &t.external_name else {
                    cx.push(
                        Diagnostic::error(
                            codes::MISSING_VALUE,
                            svc.span(),
                            "an `ExternalName` Service needs `external_name`",
                        )
                        .with_help("add `external_name = \"db.example.com\"`"),
                    );
                    return None;
                };
                cx.rule(
                    target,
                    rules::dns1123_subdomain,
                    codes::INVALID_NAME,
                    "external name",
                );
                for key in [
                    t.port.as_ref().map(|p| p.span()),
                    t.node_port.as_ref().map(|p| p.span()),
                ]
                .into_iter()
                .flatten()
                {
                    cx.push(Diagnostic::error(
                        codes::INVALID_VALUE,
                        key,
                        "an `ExternalName` Service has no ports of its own",
                    ));
                }
                return Some(model::Service {
                    kind,
                    headless: false,
                    external_name: Some(target.value.clone()),
                    ports: Vec::new(),
                    annotations: cx.annotations(&t.annotations),
                });
            }
            if let Some(e) = &t.external_name {
                cx.push(Diagnostic::error(
                    codes::INVALID_VALUE,
                    e.span(),
                    "`external_name` needs `type = \"ExternalName\"`",
                ));
            }
            if ports.is_empty() {
                no_ports(cx);
                return None;
            }
            let headless = t
                .headless
                .as_ref()
                .map_or(stateful && kind == "ClusterIP", |h| h.value);
            if headless && kind != "ClusterIP" {
                cx.push(Diagnostic::error(
                    codes::INVALID_VALUE,
                    t.headless.as_ref().map_or(svc.span(), |h| h.span()),
                    format!("a headless Service must be of type ClusterIP, not {kind}"),
                ));
            }
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
                headless,
                external_name: None,
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
