//! Lowers one component's keys into a [`model::Component`], recording where each value was
//! written. Rules about the values live in the engine (`model::rules`); what is left here is
//! reported because the model cannot hold it (an unreadable file, a secret with two sources).

use std::collections::BTreeMap;

use super::env::env;
use super::probe::{port_ref, probe};
use super::resources::{resources, rollout};
use super::security::security;
use super::service::service;
use super::{Cx, Owner, codes, workload};
use crate::diag::Diagnostic;
use crate::model::{self, ConfigData, Workload, issue};
use crate::syntax::{self, ComponentSyntax, Sp};

pub fn lower_component(cx: &mut Cx<'_>, c: &ComponentSyntax, owner: &Owner) -> model::Component {
    let base = issue::component(&owner.key);
    let p = |f: &str| issue::key(&base, f);
    let ports = ports(cx, c.port.as_ref(), &c.ports, &p("ports"));
    let external = matches!(
        c.service.as_ref().map(|s| &s.value),
        Some(syntax::ServiceSyntax::Table(t))
            if t.kind.as_ref().is_some_and(|k| k.value == model::ServiceType::ExternalName)
    );
    let workload = if external {
        Workload::External
    } else {
        workload::workload(cx, c, &base)
    };
    let release = c
        .release
        .as_ref()
        .and_then(|r| super::release::release(cx, r, &base));
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
        .and_then(|a| workload::autoscale(cx, a, &base));
    let replicas = c.replicas.as_ref().and_then(|r| {
        cx.provenance.record(p("replicas"), r.span());
        cx.int32(r, "replicas")
    });

    let config = config(cx, c, &p("config"));
    let (secrets, external_secrets) = secrets(cx, c, &p("secrets"));
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
    let probe_at = |cx: &mut Cx<'_>, which: Option<&Sp<syntax::ProbeSyntax>>, name: &str| {
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
        Some(r) => rollout(cx, r, &p("rollout")),
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
    let rbac = workload::rbac(cx, c.rbac.as_deref().unwrap_or_default(), &base, "rbac");
    let cluster_rbac = workload::rbac(
        cx,
        c.cluster_rbac.as_deref().unwrap_or_default(),
        &base,
        "cluster_rbac",
    );
    if let Some(s) = &c.service_account {
        cx.provenance.record(p("service_account"), s.span());
    }
    let (service_account, own_service_account) = match c.service_account.as_ref().map(|s| &s.value)
    {
        // `false` leaves it to k8gen: an account of its own when there are RBAC rules.
        Some(syntax::ServiceAccountSyntax::Create(b)) => (None, b.then_some(true)),
        Some(syntax::ServiceAccountSyntax::Name(name)) => (Some(name.clone()), None),
        None => (None, None),
    };
    let service = service(cx, c, owner);
    let services = super::service::extra_services(cx, c, owner);
    let termination_grace_period_seconds = c.termination_grace_period_seconds.as_ref().map(|t| {
        cx.provenance
            .record(p("termination_grace_period_seconds"), t.span());
        t.value
    });
    let security = c
        .security
        .as_ref()
        .map(|s| security(cx, s, &p("security")))
        .unwrap_or_default();
    let volumes = workload::volumes(cx, &c.volumes, &base);
    let extra = |cx: &mut Cx<'_>, list: &Option<Vec<Sp<syntax::ContainerSyntax>>>, key: &str| {
        list.iter()
            .flatten()
            .enumerate()
            .map(|(i, x)| {
                let path = issue::index(&p(key), i);
                workload::container(cx, x, &path)
            })
            .collect::<Vec<_>>()
    };
    let init_containers = extra(cx, &c.init, "init");
    let sidecars = extra(cx, &c.sidecars, "sidecars");
    let disruption = c
        .disruption
        .as_ref()
        .and_then(|d| workload::disruption(cx, d, &base));
    let network = workload::network(cx, c.network.as_ref(), &base);
    let allow = super::allowed(cx, c.allow.as_deref(), &p("allow"));
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
        .map(|s| workload::scheduling(cx, s, &base))
        .unwrap_or_default();
    let base = model::issue::component(&owner.key);
    let at = |field: &str| model::issue::key(&base, field);
    let labels = cx.labels(&at("labels"), &c.labels);
    let selector = match &c.selector {
        Some(sel) => {
            cx.provenance.record(at("selector"), sel.span());
            if sel.value.is_empty() {
                // The model's empty selector means "k8gen's labels"; an empty one selects all.
                cx.push(
                    Diagnostic::error(
                        codes::MISSING_VALUE,
                        sel.span(),
                        "an empty `selector` would select every pod in the namespace",
                    )
                    .with_help("name the labels the running objects select by, e.g. `selector = { app = \"web\" }`, or remove the key"),
                );
            }
            cx.labels(&at("selector"), &sel.value)
        }
        None => BTreeMap::new(),
    };
    let label_scheme = c.label_scheme.as_ref().map(|s| {
        cx.provenance.record(at("label_scheme"), s.span());
        s.value
    });
    let names = c
        .names
        .as_ref()
        .map(|n| {
            cx.provenance.record(at("names"), n.span());
            let mut pin = |field: &str, v: &Option<Sp<String>>| {
                v.as_ref().map(|v| {
                    cx.provenance
                        .record(issue::key(&at("names"), field), v.span());
                    v.value.clone()
                })
            };
            model::Names {
                workload: pin("workload", &n.workload),
                service: pin("service", &n.service),
                config: pin("config", &n.config),
                secrets: pin("secrets", &n.secrets),
                autoscaler: pin("autoscaler", &n.autoscaler),
                budget: pin("budget", &n.budget),
            }
        })
        .unwrap_or_default();
    let annotations = cx.labels(&at("annotations"), &c.annotations);
    let pod_annotations = cx.labels(&at("pod_annotations"), &c.pod_annotations);
    let container = c.container.as_ref().map(|n| {
        cx.provenance.record(at("container"), n.span());
        n.value.clone()
    });

    model::Component {
        selector,
        label_scheme,
        names,
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
        release,
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
        allow,
        container,
        services,
        termination_grace_period_seconds,
    }
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

/// Container ports in the order written: `port = N` (the port named `http`) first, then
/// `ports` as the file lists them.
pub(super) fn ports(
    cx: &mut Cx<'_>,
    http: Option<&Sp<i64>>,
    named: &syntax::SpMap<syntax::PortSyntax>,
    base: &str,
) -> Vec<model::Port> {
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
    if let Some(port) = http {
        add(cx, &Sp::new(port.span(), "http".to_string()), port, None);
    }
    for (name, value) in super::env::in_file_order(named) {
        match &value.value {
            syntax::PortSyntax::Number(n) => add(cx, name, &Sp::new(value.span(), *n), None),
            syntax::PortSyntax::Table(t) => add(cx, name, &t.port, t.protocol.as_ref()),
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
            syntax::ConfigValue::Value(s) => ConfigData::Text(s.to_text()),
            syntax::ConfigValue::File(f) => match cx.read(&f.file) {
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
            syntax::SecretValue::Literal(s) => s.clone().into_bytes(),
            syntax::SecretValue::Source(src) => {
                match (&src.env, &src.file, &src.external) {
                    (Some(var), None, None) => {
                        cx.env_var(var).map(String::into_bytes).unwrap_or_default()
                    }
                    (None, Some(file), None) => cx.read(file).unwrap_or_default(),
                    (None, None, Some(remote)) => {
                        // Needs a store: a rule of the engine, reported at the value.
                        cx.provenance.record(
                            issue::key(&issue::key(base, &key.value), "external"),
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
                        continue;
                    }
                }
            }
        };
        out.insert(key.value.clone(), bytes);
    }
    (out, external)
}
