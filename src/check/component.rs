//! Checks one component's keys and lowers them into a [`model::Component`].

use std::collections::BTreeMap;

use super::env::env;
use super::index::Index;
use super::probe::{port_target, probe};
use super::resources::{resources, rollout};
use super::security::security;
use super::service::service;
use super::{Cx, Owner, codes, workload};
use crate::diag::Diagnostic;
use crate::model::{self, ConfigData, EnvValue, PortTarget, Workload, rules};
use crate::spec::{self, ComponentSyntax, Sp};

/// The most a ConfigMap or Secret may hold (the API server's limit).
const MAX_OBJECT_DATA: usize = 1024 * 1024;

pub fn lower_component(
    cx: &mut Cx<'_>,
    c: &ComponentSyntax,
    owner: &Owner,
    index: &Index,
) -> model::Component {
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
                    format!("component `{}` has no image", crate::diag::clip(&owner.key)),
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
    let role = c.role.as_ref().map(|r| {
        cx.rule(r, rules::label_value, codes::INVALID_LABEL, "role");
        r.value.clone()
    });
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
            if !workload.is_replicated() {
                workload::not_for(cx, r.span(), "replicas", &workload);
            }
            cx.int_in(r, 0..=i32::MAX as i64, "replicas")
        }
        (None, None) => Some(1),
    };
    let replicas = replicas.filter(|_| workload.is_replicated());

    let config = config(cx, c);
    let (secrets, external_secrets) = secrets(cx, c, owner);
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
    let uses_config = env
        .iter()
        .any(|e| matches!(&e.value, EnvValue::ConfigKey { from: None, .. }));
    let uses_secret = env
        .iter()
        .any(|e| matches!(&e.value, EnvValue::SecretKey { from: None, .. }));
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
            if !workload.is_replicated() {
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
    workload::unique_container_names(cx, &owner.key, c);
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
    let base = model::issue::component(&owner.key);
    let at = |field: &str| model::issue::key(&base, field);
    let labels = cx.labels(&at("labels"), &c.labels);
    let annotations = cx.labels(&at("annotations"), &c.annotations);
    let pod_annotations = cx.labels(&at("pod_annotations"), &c.pod_annotations);

    model::Component {
        name: owner.full_name.clone(),
        key: owner.key.clone(),
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
    }
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
fn secrets(
    cx: &mut Cx<'_>,
    c: &ComponentSyntax,
    owner: &Owner,
) -> (BTreeMap<String, Vec<u8>>, ExternalKeys) {
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
                        // Needs a store: a rule of the engine, reported at the value.
                        cx.provenance.record(
                            model::issue::key(
                                &model::issue::key(&model::issue::component(&owner.key), "secrets"),
                                &key.value,
                            ),
                            remote.span(),
                        );
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
