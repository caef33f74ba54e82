//! Lowers one component's keys into a [`model::Component`], recording where each value was
//! written. Rules about the values live in the engine (`model::rules`); what is left here is
//! reported because the model cannot hold it (an unreadable file, a secret with two sources).

use std::collections::BTreeMap;

use super::env::env;
use super::index::Index;
use super::probe::{port_ref, probe};
use super::resources::{resources, rollout};
use super::security::security;
use super::service::service;
use super::{Cx, Owner, codes, workload};
use crate::diag::Diagnostic;
use crate::model::{self, ConfigData, Workload, issue, rules};
use crate::spec::{self, ComponentSyntax, Sp};

pub fn lower_component(
    cx: &mut Cx<'_>,
    c: &ComponentSyntax,
    owner: &Owner,
    index: &Index,
) -> Option<model::Component> {
    // The parts' characters are checked where they are written; only the length of the
    // combined name is new here.
    if owner.full_name.len() > 63 {
        cx.push(
            Diagnostic::error(
                codes::NAME_TOO_LONG,
                owner.span.clone(),
                format!(
                    "object name `{}` made from this name is {} characters, over the 63 allowed",
                    crate::diag::clip(&owner.full_name),
                    owner.full_name.len()
                ),
            )
            .with_help("shorten the app or component name"),
        );
    }

    let base = issue::component(&owner.key);
    let p = |f: &str| issue::key(&base, f);
    let ports = ports(cx, c, &p("ports"));
    let external = matches!(
        c.service.as_ref().map(|s| &s.value),
        Some(spec::ServiceSyntax::Table(t))
            if t.kind.as_ref().is_some_and(|k| k.value == model::ServiceType::ExternalName)
    );
    let workload = if external {
        Workload::External
    } else {
        workload::workload(cx, c, owner)
    };
    let image = match &c.image {
        Some(image) => {
            cx.provenance.record(p("image"), image.span());
            image.value.clone()
        }
        None => String::new(),
    };
    let version = c.version.as_ref().map(|v| {
        cx.provenance.record(p("version"), v.span());
        v.value.clone()
    });
    let role = c.role.as_ref().map(|r| {
        cx.provenance.record(p("role"), r.span());
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

    let config = config(cx, c, &p("config"));
    let (secrets, external_secrets) = secrets(cx, c, &p("secrets"));
    let own = Own {
        name: &owner.full_name,
        config: &config,
        secrets: &secrets,
        external_secrets: &external_secrets,
    };
    let env = env(cx, &c.env, &p("env"));
    let mount = |cx: &mut Cx<'_>, which: Option<&Sp<String>>, section: &str| {
        which.map(|m| {
            cx.provenance
                .record(issue::key(&p("mount"), section), m.span());
            m.value.clone()
        })
    };
    let mounts = c.mount.as_ref();
    let config_mount = mount(cx, mounts.and_then(|m| m.config.as_ref()), "config");
    let secrets_mount = mount(cx, mounts.and_then(|m| m.secrets.as_ref()), "secrets");
    let (env_from_config, env_from_secrets) = match &c.env_from {
        Some(list) => env_from(cx, list, &p("env_from")),
        None => (None, None),
    };

    let probes = c.probes.as_ref();
    let probe_at = |cx: &mut Cx<'_>, which: Option<&Sp<spec::ProbeSyntax>>, name: &str| {
        which.and_then(|sp| probe(cx, sp, &issue::key(&p("probes"), name)))
    };
    let liveness = probe_at(cx, probes.and_then(|p| p.liveness.as_ref()), "liveness");
    let readiness = probe_at(cx, probes.and_then(|p| p.readiness.as_ref()), "readiness");
    let startup = probe_at(cx, probes.and_then(|p| p.startup.as_ref()), "startup");

    let resources = c
        .resources
        .as_ref()
        .map(|r| {
            cx.provenance.record(p("resources"), r.span());
            resources(cx, &r.requests, &r.limits, &p("resources"))
        })
        .unwrap_or_default();
    let rollout = match &c.rollout {
        Some(r) => {
            if !workload.is_replicated() {
                workload::not_for(cx, r.span(), "rollout", &workload);
            }
            rollout(cx, r, &p("rollout"))
        }
        None => model::Rollout::default(),
    };
    let image_pull_policy = c.image_pull_policy.as_ref().map(|pp| {
        cx.provenance.record(p("image_pull_policy"), pp.span());
        pp.value
    });
    let image_pull_secrets = c
        .image_pull_secrets
        .iter()
        .flatten()
        .enumerate()
        .map(|(i, s)| {
            cx.provenance
                .record(issue::index(&p("image_pull_secrets"), i), s.span());
            s.value.clone()
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
    let service = service(cx, c, owner);
    let mut security = c
        .security
        .as_ref()
        .map(|s| security(cx, s, &p("security")))
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
    let metrics = c.metrics.as_ref().map(|m| {
        cx.provenance.record(p("metrics"), m.span());
        model::Metrics {
            port: m
                .port
                .as_ref()
                .and_then(|r| port_ref(cx, r, &issue::key(&p("metrics"), "port"))),
            path: m.path.as_ref().map(|path| path.value.clone()),
        }
    });
    let scheduling = c
        .scheduling
        .as_ref()
        .map(|s| workload::scheduling(cx, s))
        .unwrap_or_default();
    let labels = cx.labels(&c.labels);
    let annotations = cx.annotations(&c.annotations);
    let pod_annotations = cx.annotations(&c.pod_annotations);

    Some(model::Component {
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
    })
}

/// A component's own config and secrets, for the lowering of its extra containers.
#[allow(dead_code)] // until extra containers are lowered without it
pub struct Own<'a> {
    pub name: &'a str,
    pub config: &'a BTreeMap<String, ConfigData>,
    pub secrets: &'a BTreeMap<String, Vec<u8>>,
    pub external_secrets: &'a BTreeMap<String, (String, Option<String>)>,
}

/// `env_from = [...]`: which of config and secrets go in whole (each `Some(true)` when
/// listed, `Some(false)` when not: the list replaces the default).
pub fn env_from(
    cx: &mut Cx<'_>,
    list: &[Sp<model::Section>],
    path: &str,
) -> (Option<bool>, Option<bool>) {
    let (mut config, mut secrets) = (false, false);
    for item in list {
        cx.provenance
            .record(issue::key(path, item.value.as_str()), item.span());
        match item.value {
            model::Section::Config => config = true,
            model::Section::Secrets => secrets = true,
        }
    }
    (Some(config), Some(secrets))
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

/// Container ports in the order written: `port = N` (the port named `http`) first, then
/// `ports` as the file lists them.
fn ports(cx: &mut Cx<'_>, c: &ComponentSyntax, base: &str) -> Vec<model::Port> {
    let mut out = Vec::new();
    let mut add = |cx: &mut Cx<'_>,
                   name: &Sp<String>,
                   number: &Sp<i64>,
                   protocol: Option<&Sp<model::Protocol>>| {
        let path = issue::key(base, &name.value);
        cx.provenance.record(&path, name.span());
        cx.provenance
            .record(issue::key(&path, "port"), number.span());
        if let Some(port) = cx.int32(number, "port") {
            out.push(model::Port {
                name: name.value.clone(),
                port,
                protocol: protocol.map_or(model::Protocol::Tcp, |p| p.value),
            });
        }
    };
    if let Some(port) = &c.port {
        add(cx, &Sp::new(port.span(), "http".to_string()), port, None);
    }
    for (name, value) in super::env::in_file_order(&c.ports) {
        match &value.value {
            spec::PortSyntax::Number(n) => add(cx, name, &Sp::new(value.span(), *n), None),
            spec::PortSyntax::Table(t) => add(cx, name, &t.port, t.protocol.as_ref()),
        }
    }
    out
}

fn config(cx: &mut Cx<'_>, c: &ComponentSyntax, base: &str) -> BTreeMap<String, ConfigData> {
    let mut out = BTreeMap::new();
    if let Some((first, _)) = c.config.iter().next() {
        cx.provenance.record(base, first.span());
    }
    for (key, value) in &c.config {
        cx.provenance
            .record(issue::key(base, &key.value), key.span());
        let data = match &value.value {
            spec::ConfigValue::Value(s) => ConfigData::Text(s.to_text()),
            spec::ConfigValue::File(f) => match cx.read(&f.file) {
                Some(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => ConfigData::Text(text),
                    Err(e) => ConfigData::Binary(e.into_bytes()),
                },
                None => ConfigData::Text(String::new()),
            },
        };
        out.insert(key.value.clone(), data);
    }
    out
}

type ExternalKeys = BTreeMap<String, (String, Option<String>)>;

/// Secret values from the spec, and keys to read from the External Secrets store.
fn secrets(
    cx: &mut Cx<'_>,
    c: &ComponentSyntax,
    base: &str,
) -> (BTreeMap<String, Vec<u8>>, ExternalKeys) {
    let mut out = BTreeMap::new();
    let mut external = BTreeMap::new();
    if let Some((first, _)) = c.secrets.iter().next() {
        cx.provenance.record(base, first.span());
    }
    for (key, value) in &c.secrets {
        cx.provenance
            .record(issue::key(base, &key.value), key.span());
        let bytes = match &value.value {
            spec::SecretValue::Literal(s) => s.clone().into_bytes(),
            spec::SecretValue::Source(src) => {
                match (&src.env, &src.file, &src.external) {
                    (Some(var), None, None) => {
                        cx.env_var(var).map(String::into_bytes).unwrap_or_default()
                    }
                    (None, Some(file), None) => cx.read(file).unwrap_or_default(),
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
                        continue;
                    }
                }
            }
        };
        out.insert(key.value.clone(), bytes);
    }
    (out, external)
}
