//! Deployment: the pod template, its one container, probes, volumes and rollout strategy.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{
    Deployment, DeploymentSpec, DeploymentStrategy, RollingUpdateDeployment,
};
use k8s_openapi::api::core::v1::{
    Capabilities, ConfigMapEnvSource, ConfigMapKeySelector, ConfigMapVolumeSource, Container,
    ContainerPort, EmptyDirVolumeSource, EnvFromSource, EnvVar, EnvVarSource, ExecAction,
    HTTPGetAction, LocalObjectReference, ObjectFieldSelector, PodSecurityContext, PodSpec,
    PodTemplateSpec, Probe, ResourceRequirements, SeccompProfile, SecretEnvSource,
    SecretKeySelector, SecretVolumeSource, SecurityContext, TCPSocketAction, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::labels;
use crate::model::{self, App, Component, EnvValue, ProbeAction, Strategy};

pub fn deployment(app: &App, c: &Component) -> Deployment {
    Deployment {
        metadata: super::component_meta(app, c, c.name.clone()),
        spec: Some(DeploymentSpec {
            replicas: Some(c.replicas),
            selector: LabelSelector {
                match_labels: Some(labels::selector(c)),
                ..Default::default()
            },
            strategy: strategy(&c.rollout.strategy),
            min_ready_seconds: c.rollout.min_ready_seconds,
            revision_history_limit: c.rollout.revision_history_limit,
            progress_deadline_seconds: c.rollout.progress_deadline_seconds,
            template: pod_template(app, c),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn strategy(s: &Strategy) -> Option<DeploymentStrategy> {
    match s {
        Strategy::Default => None,
        Strategy::Recreate => Some(DeploymentStrategy {
            type_: Some("Recreate".to_string()),
            rolling_update: None,
        }),
        Strategy::RollingUpdate {
            max_surge,
            max_unavailable,
        } => Some(DeploymentStrategy {
            type_: Some("RollingUpdate".to_string()),
            rolling_update: Some(RollingUpdateDeployment {
                max_surge: max_surge.as_ref().map(int_or_percent),
                max_unavailable: max_unavailable.as_ref().map(int_or_percent),
            }),
        }),
    }
}

fn int_or_percent(v: &model::IntOrPercent) -> IntOrString {
    match v {
        model::IntOrPercent::Int(n) => IntOrString::Int(*n),
        model::IntOrPercent::Percent(p) => IntOrString::String(format!("{p}%")),
    }
}

pub(super) fn int_or_string(p: &model::PortTarget) -> IntOrString {
    match p {
        model::PortTarget::Number(n) => IntOrString::Int(*n),
        model::PortTarget::Name(s) => IntOrString::String(s.clone()),
    }
}

const CONFIG_VOLUME: &str = "config";
const SECRETS_VOLUME: &str = "secrets";
const TMP_VOLUME: &str = "tmp";

fn pod_template(app: &App, c: &Component) -> PodTemplateSpec {
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
        mounts.push(mount(CONFIG_VOLUME, path));
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
        mounts.push(mount(SECRETS_VOLUME, path));
    }
    if sec.read_only_root_filesystem && sec.writable_tmp {
        volumes.push(Volume {
            name: TMP_VOLUME.to_string(),
            empty_dir: Some(EmptyDirVolumeSource::default()),
            ..Default::default()
        });
        mounts.push(VolumeMount {
            name: TMP_VOLUME.to_string(),
            mount_path: "/tmp".to_string(),
            ..Default::default()
        });
    }

    let container = Container {
        name: c.label_name.clone(),
        image: Some(c.image.clone()),
        image_pull_policy: c.image_pull_policy.clone(),
        command: super::non_empty_vec(c.command.clone()),
        args: super::non_empty_vec(c.args.clone()),
        ports: super::non_empty_vec(
            c.ports
                .iter()
                .map(|p| ContainerPort {
                    name: Some(p.name.clone()),
                    container_port: p.port,
                    protocol: Some(p.protocol.clone()),
                    ..Default::default()
                })
                .collect(),
        ),
        env: super::non_empty_vec(c.env.iter().map(|e| env_var(c, e)).collect()),
        env_from: super::non_empty_vec(env_from(c)),
        liveness_probe: c.liveness.as_ref().map(probe),
        readiness_probe: c.readiness.as_ref().map(probe),
        startup_probe: c.startup.as_ref().map(probe),
        resources: resources(&c.resources),
        volume_mounts: super::non_empty_vec(mounts),
        security_context: Some(SecurityContext {
            allow_privilege_escalation: Some(sec.allow_privilege_escalation),
            read_only_root_filesystem: Some(sec.read_only_root_filesystem),
            run_as_non_root: Some(sec.run_as_non_root),
            run_as_user: sec.run_as_user,
            run_as_group: sec.run_as_user,
            capabilities: Some(Capabilities {
                drop: Some(vec!["ALL".to_string()]),
                add: super::non_empty_vec(sec.capabilities.clone()),
            }),
            ..Default::default()
        }),
        ..Default::default()
    };

    PodTemplateSpec {
        metadata: Some(ObjectMeta {
            labels: Some(labels::component_labels(app, c)),
            annotations: super::non_empty(c.pod_annotations.clone()),
            ..Default::default()
        }),
        spec: Some(PodSpec {
            containers: vec![container],
            automount_service_account_token: Some(sec.service_account_token),
            service_account_name: c.service_account.clone(),
            image_pull_secrets: super::non_empty_vec(
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
                    type_: sec.seccomp.clone(),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            volumes: super::non_empty_vec(volumes),
            ..Default::default()
        }),
    }
}

fn mount(volume: &str, path: &str) -> VolumeMount {
    VolumeMount {
        name: volume.to_string(),
        mount_path: path.to_string(),
        read_only: Some(true),
        ..Default::default()
    }
}

fn env_var(c: &Component, e: &model::EnvVar) -> EnvVar {
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
        EnvValue::ConfigKey(key) => value_from(EnvVarSource {
            config_map_key_ref: Some(ConfigMapKeySelector {
                name: c.config_map_name(),
                key: key.clone(),
                ..Default::default()
            }),
            ..Default::default()
        }),
        EnvValue::SecretKey(key) => value_from(EnvVarSource {
            secret_key_ref: Some(SecretKeySelector {
                name: c.secret_name(),
                key: key.clone(),
                ..Default::default()
            }),
            ..Default::default()
        }),
        EnvValue::Field(path) => value_from(EnvVarSource {
            field_ref: Some(ObjectFieldSelector {
                field_path: path.clone(),
                ..Default::default()
            }),
            ..Default::default()
        }),
    }
}

fn env_from(c: &Component) -> Vec<EnvFromSource> {
    let mut out = Vec::new();
    if c.env_from_config && !c.config.is_empty() {
        out.push(EnvFromSource {
            config_map_ref: Some(ConfigMapEnvSource {
                name: c.config_map_name(),
                ..Default::default()
            }),
            ..Default::default()
        });
    }
    if c.env_from_secrets && !c.secrets.is_empty() {
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
                port: int_or_string(port),
                ..Default::default()
            })
        }
        ProbeAction::Tcp { port } => {
            probe.tcp_socket = Some(TCPSocketAction {
                port: int_or_string(port),
                ..Default::default()
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

fn resources(r: &model::Resources) -> Option<ResourceRequirements> {
    let q = |m: &BTreeMap<String, String>| {
        super::non_empty(
            m.iter()
                .map(|(k, v)| (k.clone(), Quantity(v.clone())))
                .collect(),
        )
    };
    if r.requests.is_empty() && r.limits.is_empty() {
        return None;
    }
    Some(ResourceRequirements {
        requests: q(&r.requests),
        limits: q(&r.limits),
        ..Default::default()
    })
}
