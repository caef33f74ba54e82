//! The pod template every workload kind shares: containers (init, main, sidecars), volumes,
//! env, probes, resources, security contexts and scheduling; and the bare Pod.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Affinity, Capabilities, ConfigMapEnvSource, ConfigMapKeySelector, ConfigMapVolumeSource,
    Container, ContainerPort, EmptyDirVolumeSource, EnvFromSource, EnvVar, EnvVarSource,
    ExecAction, GRPCAction, HTTPGetAction, HTTPHeader, LocalObjectReference, NodeAffinity,
    NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, ObjectFieldSelector,
    PersistentVolumeClaimVolumeSource, Pod, PodAffinityTerm, PodAntiAffinity, PodSecurityContext,
    PodSpec, PodTemplateSpec, PreferredSchedulingTerm, Probe, ResourceRequirements, SeccompProfile,
    SecretEnvSource, SecretKeySelector, SecretVolumeSource, SecurityContext, TCPSocketAction,
    TopologySpreadConstraint, Volume, VolumeMount, WeightedPodAffinityTerm,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::{labels, non_empty, non_empty_vec};
use crate::model::{
    self, AntiAffinity, App, Component, EnvValue, ProbeAction, VolumeSource, Workload, names,
};

const CONFIG_VOLUME: &str = "config";
const SECRETS_VOLUME: &str = "secrets";
const TMP_VOLUME: &str = "tmp";

/// A bare Pod.
pub fn pod(app: &App, c: &Component) -> Pod {
    let template = template(app, c);
    let mut metadata = super::workload_meta(app, c, c.name.clone());
    if let Some(annotations) = template.metadata.and_then(|m| m.annotations) {
        metadata
            .annotations
            .get_or_insert_with(BTreeMap::new)
            .extend(annotations);
    }
    Pod {
        metadata,
        spec: template.spec,
        ..Default::default()
    }
}

/// The pod template of `c`'s workload.
pub fn template(app: &App, c: &Component) -> PodTemplateSpec {
    let sec = &c.security;
    let mut volumes = Vec::new();
    let mut mounts = Vec::new();
    if let Some(path) = &c.config_mount {
        volumes.push(Volume {
            name: CONFIG_VOLUME.to_string(),
            config_map: Some(ConfigMapVolumeSource {
                name: c.config_map_name(),
                ..Default::default()
            }),
            ..Default::default()
        });
        mounts.push(mount(CONFIG_VOLUME, path, true));
    }
    if let Some(path) = &c.secrets_mount {
        volumes.push(Volume {
            name: SECRETS_VOLUME.to_string(),
            secret: Some(SecretVolumeSource {
                secret_name: Some(c.secret_name()),
                ..Default::default()
            }),
            ..Default::default()
        });
        mounts.push(mount(SECRETS_VOLUME, path, true));
    }
    let needs_tmp = sec.read_only_root_filesystem && sec.writable_tmp;
    if needs_tmp {
        volumes.push(Volume {
            name: TMP_VOLUME.to_string(),
            empty_dir: Some(EmptyDirVolumeSource::default()),
            ..Default::default()
        });
        mounts.push(mount(TMP_VOLUME, "/tmp", false));
    }
    for v in &c.volumes {
        if let Some(path) = &v.mount {
            mounts.push(mount(&v.name, path, v.read_only));
        }
        let source = match &v.source {
            VolumeSource::EmptyDir { memory } => Volume {
                empty_dir: Some(EmptyDirVolumeSource {
                    medium: memory.then(|| "Memory".to_string()),
                    ..Default::default()
                }),
                ..Default::default()
            },
            VolumeSource::Claim(claim) => claim_volume(claim),
            // A StatefulSet's claims come from its volumeClaimTemplates, named like the volume.
            VolumeSource::NewClaim { .. } if matches!(c.workload, Workload::StatefulSet { .. }) => {
                continue;
            }
            VolumeSource::NewClaim { .. } => claim_volume(&c.claim_name(&v.name)),
        };
        volumes.push(Volume {
            name: v.name.clone(),
            ..source
        });
    }

    let main = Container {
        name: c.container_name().to_string(),
        image: Some(c.image.clone()),
        image_pull_policy: Some(pull_policy(c, &c.image)),
        command: non_empty_vec(c.command.clone()),
        args: non_empty_vec(c.args.clone()),
        ports: container_ports(&c.ports),
        env: non_empty_vec(c.env.iter().map(|e| env_var(app, c, e)).collect()),
        env_from: non_empty_vec(env_from(
            c,
            c.env_from_config == Some(true),
            c.env_from_secrets == Some(true),
        )),
        liveness_probe: c.liveness.as_ref().map(probe),
        readiness_probe: c.readiness.as_ref().map(probe),
        startup_probe: c.startup.as_ref().map(probe),
        resources: resources(&c.resources),
        volume_mounts: non_empty_vec(mounts),
        security_context: Some(container_security(sec)),
        ..Default::default()
    };
    let extra = |x: &model::Container| {
        let mut extra_mounts: Vec<VolumeMount> =
            x.mounts.iter().map(|(v, p)| mount(v, p, false)).collect();
        if needs_tmp {
            extra_mounts.push(mount(TMP_VOLUME, "/tmp", false));
        }
        Container {
            name: x.name.clone(),
            image: Some(x.image.clone()),
            image_pull_policy: Some(pull_policy(c, &x.image)),
            command: non_empty_vec(match &x.wait_for {
                Some(key) if x.command.is_empty() => wait_command(app, key),
                _ => x.command.clone(),
            }),
            args: non_empty_vec(x.args.clone()),
            env: non_empty_vec(x.env.iter().map(|e| env_var(app, c, e)).collect()),
            env_from: non_empty_vec(env_from(c, x.env_from_config, x.env_from_secrets)),
            resources: resources(&x.resources),
            ports: container_ports(&x.ports),
            volume_mounts: non_empty_vec(extra_mounts),
            security_context: Some(container_security(x.security.as_ref().unwrap_or(sec))),
            ..Default::default()
        }
    };
    let mut containers = vec![main];
    containers.extend(c.sidecars.iter().map(extra));

    let mut annotations = c.pod_annotations.clone();
    if let Some(m) = &c.metrics {
        annotations.insert("prometheus.io/scrape".to_string(), "true".to_string());
        if let Some(model::PortTarget::Number(port)) = &m.port {
            annotations.insert("prometheus.io/port".to_string(), port.to_string());
        }
        annotations.insert(
            "prometheus.io/path".to_string(),
            m.path.clone().unwrap_or_default(),
        );
    }
    let service_account = if c.own_service_account.unwrap_or(false) {
        Some(c.name.clone())
    } else {
        c.service_account.clone()
    };
    let restart_policy = match &c.workload {
        Workload::Job(job) | Workload::CronJob { job, .. } => Some(
            job.restart_policy
                .unwrap_or_else(crate::model::defaults::restart_policy)
                .to_string(),
        ),
        _ => None,
    };

    PodTemplateSpec {
        metadata: Some(ObjectMeta {
            labels: Some(labels::pod_labels(app, c)),
            annotations: non_empty(annotations),
            ..Default::default()
        }),
        spec: Some(PodSpec {
            init_containers: non_empty_vec(c.init_containers.iter().map(extra).collect()),
            containers,
            restart_policy,
            automount_service_account_token: Some(sec.service_account_token.unwrap_or(false)),
            service_account_name: service_account,
            image_pull_secrets: non_empty_vec(
                c.image_pull_secrets
                    .iter()
                    .map(|name| LocalObjectReference { name: name.clone() })
                    .collect(),
            ),
            security_context: Some(PodSecurityContext {
                run_as_non_root: Some(sec.run_as_non_root),
                run_as_user: sec.run_as_user,
                run_as_group: sec.run_as_user,
                fs_group: sec.run_as_user,
                seccomp_profile: Some(SeccompProfile {
                    type_: sec.seccomp.to_string(),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            affinity: affinity(c),
            node_selector: non_empty(c.scheduling.node_selector.clone()),
            priority_class_name: c.scheduling.priority_class.clone(),
            termination_grace_period_seconds: c.termination_grace_period_seconds,
            topology_spread_constraints: c.scheduling.spread.map(|spread| {
                vec![TopologySpreadConstraint {
                    max_skew: 1,
                    topology_key: spread.topology_key().to_string(),
                    when_unsatisfiable: "ScheduleAnyway".to_string(),
                    label_selector: Some(selector(c)),
                    ..Default::default()
                }]
            }),
            volumes: non_empty_vec(volumes),
            ..Default::default()
        }),
    }
}

/// The command of a `wait_for` init container: poll the Service of component `key` on its
/// first port until it accepts connections.
fn wait_command(app: &App, key: &str) -> Vec<String> {
    let target = app.components.iter().find(|t| t.key == key);
    let host = names::of(app, key, names::Named::Service);
    let port = target
        .and_then(|t| t.service.on())
        .and_then(|s| s.ports.first())
        .and_then(|p| p.port)
        .unwrap_or(0);
    vec![
        "sh".to_string(),
        "-c".to_string(),
        format!("until nc -z {host} {port}; do echo waiting for {host}:{port}; sleep 2; done"),
    ]
}

/// The component's pull policy (see [`model::defaults::pull_policy`]) for an image.
fn pull_policy(c: &Component, image: &str) -> String {
    c.image_pull_policy
        .unwrap_or_else(|| model::defaults::pull_policy(image))
        .to_string()
}

fn container_ports(ports: &[model::Port]) -> Option<Vec<ContainerPort>> {
    non_empty_vec(
        ports
            .iter()
            .map(|p| ContainerPort {
                name: Some(p.name.clone()),
                container_port: p.port,
                protocol: Some(p.protocol.to_string()),
                ..Default::default()
            })
            .collect(),
    )
}

fn claim_volume(claim: &str) -> Volume {
    Volume {
        persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
            claim_name: claim.to_string(),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The label selector of `c`'s pods.
pub fn selector(c: &Component) -> LabelSelector {
    LabelSelector {
        match_labels: Some(labels::selector(c)),
        ..Default::default()
    }
}

fn container_security(sec: &model::Security) -> SecurityContext {
    SecurityContext {
        allow_privilege_escalation: Some(sec.allow_privilege_escalation),
        read_only_root_filesystem: Some(sec.read_only_root_filesystem),
        run_as_non_root: Some(sec.run_as_non_root),
        run_as_user: sec.run_as_user,
        run_as_group: sec.run_as_user,
        capabilities: (sec.drop_capabilities || !sec.capabilities.is_empty()).then(|| {
            Capabilities {
                drop: sec.drop_capabilities.then(|| vec!["ALL".to_string()]),
                add: non_empty_vec(sec.capabilities.clone()),
            }
        }),
        ..Default::default()
    }
}

fn affinity(c: &Component) -> Option<Affinity> {
    let s = &c.scheduling;
    let node_terms = |m: &BTreeMap<String, Vec<String>>| NodeSelectorTerm {
        match_expressions: Some(
            m.iter()
                .map(|(k, v)| NodeSelectorRequirement {
                    key: k.clone(),
                    operator: "In".to_string(),
                    values: Some(v.clone()),
                })
                .collect(),
        ),
        ..Default::default()
    };
    let node =
        (!s.prefer_nodes.is_empty() || !s.require_nodes.is_empty()).then(|| NodeAffinity {
            preferred_during_scheduling_ignored_during_execution: (!s.prefer_nodes.is_empty())
                .then(|| {
                    vec![PreferredSchedulingTerm {
                        weight: 50,
                        preference: node_terms(&s.prefer_nodes),
                    }]
                }),
            required_during_scheduling_ignored_during_execution: (!s.require_nodes.is_empty())
                .then(|| NodeSelector {
                    node_selector_terms: vec![node_terms(&s.require_nodes)],
                }),
        });
    let term = || PodAffinityTerm {
        label_selector: Some(selector(c)),
        topology_key: "kubernetes.io/hostname".to_string(),
        ..Default::default()
    };
    let anti = s.anti_affinity.map(|mode| match mode {
        AntiAffinity::Required => PodAntiAffinity {
            required_during_scheduling_ignored_during_execution: Some(vec![term()]),
            ..Default::default()
        },
        AntiAffinity::Preferred => PodAntiAffinity {
            preferred_during_scheduling_ignored_during_execution: Some(vec![
                WeightedPodAffinityTerm {
                    weight: 100,
                    pod_affinity_term: term(),
                },
            ]),
            ..Default::default()
        },
    });
    (node.is_some() || anti.is_some()).then(|| Affinity {
        node_affinity: node,
        pod_anti_affinity: anti,
        ..Default::default()
    })
}

fn mount(volume: &str, path: &str, read_only: bool) -> VolumeMount {
    VolumeMount {
        name: volume.to_string(),
        mount_path: path.to_string(),
        read_only: read_only.then_some(true),
        ..Default::default()
    }
}

pub(super) fn int_or_string(p: &model::PortTarget) -> IntOrString {
    match p {
        model::PortTarget::Number(n) => IntOrString::Int(*n),
        model::PortTarget::Name(s) => IntOrString::String(s.clone()),
    }
}

fn env_var(app: &App, c: &Component, e: &model::EnvVar) -> EnvVar {
    // A reference names a component by key; its ConfigMap and Secret are named after it
    // (or pinned, see `names::of`).
    let named = |from: &Option<String>, kind| match from {
        Some(key) => model::names::of(app, key, kind),
        None => model::names::of(app, &c.key, kind),
    };
    let value_from = |source: EnvVarSource| EnvVar {
        name: e.name.clone(),
        value_from: Some(source),
        ..Default::default()
    };
    match &e.value {
        EnvValue::Literal(v) => EnvVar {
            name: e.name.clone(),
            value: Some(v.clone()),
            ..Default::default()
        },
        EnvValue::ConfigKey { from, key } => value_from(EnvVarSource {
            config_map_key_ref: Some(ConfigMapKeySelector {
                name: named(from, model::names::Named::ConfigMap),
                key: key.clone(),
                ..Default::default()
            }),
            ..Default::default()
        }),
        EnvValue::SecretKey { from, key } => value_from(EnvVarSource {
            secret_key_ref: Some(SecretKeySelector {
                name: named(from, model::names::Named::Secret),
                key: key.clone(),
                ..Default::default()
            }),
            ..Default::default()
        }),
        EnvValue::Service { component, port } => EnvVar {
            name: e.name.clone(),
            value: Some(service_address(app, component, port.as_ref())),
            ..Default::default()
        },
        EnvValue::Field(path) => value_from(EnvVarSource {
            field_ref: Some(ObjectFieldSelector {
                field_path: path.clone(),
                ..Default::default()
            }),
            ..Default::default()
        }),
    }
}

/// The DNS name of component `key`'s Service, with `:PORT` when a Service port is named (by
/// name or number).
fn service_address(app: &App, key: &str, port: Option<&model::PortTarget>) -> String {
    let host = model::names::of(app, key, model::names::Named::Service);
    let Some(port) = port else { return host };
    let number = app
        .components
        .iter()
        .find(|c| c.key == key)
        .and_then(|c| c.service.on())
        .and_then(|s| {
            s.ports.iter().find(|p| match port {
                model::PortTarget::Name(n) => p.name.as_ref() == Some(n),
                model::PortTarget::Number(n) => p.port == Some(*n),
            })
        })
        .and_then(|p| p.port);
    match number {
        Some(n) => format!("{host}:{n}"),
        None => host,
    }
}

fn env_from(c: &Component, config: bool, secrets: bool) -> Vec<EnvFromSource> {
    let mut out = Vec::new();
    if config && !c.config.is_empty() {
        out.push(EnvFromSource {
            config_map_ref: Some(ConfigMapEnvSource {
                name: c.config_map_name(),
                ..Default::default()
            }),
            ..Default::default()
        });
    }
    if secrets && c.has_secrets() {
        out.push(EnvFromSource {
            secret_ref: Some(SecretEnvSource {
                name: c.secret_name(),
                ..Default::default()
            }),
            ..Default::default()
        });
    }
    out
}

fn probe(p: &model::Probe) -> Probe {
    let mut probe = Probe {
        initial_delay_seconds: p.initial_delay_seconds,
        period_seconds: p.period_seconds,
        timeout_seconds: p.timeout_seconds,
        success_threshold: p.success_threshold,
        failure_threshold: p.failure_threshold,
        ..Default::default()
    };
    match &p.action {
        ProbeAction::HttpGet { path, port } => {
            probe.http_get = Some(HTTPGetAction {
                path: Some(path.clone()),
                port: port.as_ref().map_or(IntOrString::Int(0), int_or_string),
                http_headers: non_empty_vec(
                    (p.http_headers.iter())
                        .map(|(name, value)| HTTPHeader {
                            name: name.clone(),
                            value: value.clone(),
                        })
                        .collect(),
                ),
                ..Default::default()
            })
        }
        ProbeAction::Tcp { port } => {
            probe.tcp_socket = Some(TCPSocketAction {
                port: port.as_ref().map_or(IntOrString::Int(0), int_or_string),
                ..Default::default()
            })
        }
        ProbeAction::Grpc { port, service } => {
            probe.grpc = Some(GRPCAction {
                // Normalised to a number; a name left over was reported by the rules.
                port: match port {
                    Some(model::PortTarget::Number(n)) => *n,
                    _ => 0,
                },
                service: service.clone(),
            })
        }
        ProbeAction::Exec { command } => {
            probe.exec = Some(ExecAction {
                command: Some(command.clone()),
            })
        }
    }
    probe
}

pub(super) fn quantities(m: &BTreeMap<String, String>) -> Option<BTreeMap<String, Quantity>> {
    non_empty(
        m.iter()
            .map(|(k, v)| (k.clone(), Quantity(v.clone())))
            .collect(),
    )
}

fn resources(r: &model::Resources) -> Option<ResourceRequirements> {
    if r.requests.is_empty() && r.limits.is_empty() {
        return None;
    }
    Some(ResourceRequirements {
        requests: quantities(&r.requests),
        limits: quantities(&r.limits),
        ..Default::default()
    })
}
