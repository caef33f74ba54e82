//! Stage 3, model: the app as k8gen understands it, normalised and with defaults applied.
//!
//! This is the seam between the front end (spec, check) and the back end (build, transform,
//! emit), and the public Rust API: a program can build an [`App`] directly, without TOML, and
//! render exactly what the equivalent spec renders. The model holds resolved values (secret
//! bytes, file contents); it knows nothing of TOML, spans or Kubernetes object types.
//!
//! ```
//! use k8gen::model::{App, Component, Probe};
//!
//! let app = App::new("task-tracker").namespace("practice").component(
//!     Component::new("task-tracker", "task-tracker:v1")
//!         .replicas(3)
//!         .port("http", 5000)
//!         .liveness(Probe::http_get("/health", 5000))
//!         .config("APP_ENV", "production"),
//! );
//! let objects = k8gen::render_app(&app).unwrap();
//! let kinds: Vec<&str> = objects.iter().map(|o| o.kind()).collect();
//! assert_eq!(kinds, ["Namespace", "NetworkPolicy", "ConfigMap", "Deployment", "Service"]);
//! ```

mod app_level;
mod policy;
pub mod rules;
mod workload;

pub use app_level::*;
pub use policy::*;
pub use workload::*;

use std::collections::BTreeMap;

/// An app: a set of components sharing a name, a namespace and labels.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct App {
    /// DNS-1123 label; the `app.kubernetes.io/part-of` label.
    pub name: String,
    pub namespace: Option<String>,
    /// Emit the Namespace object too.
    pub create_namespace: bool,
    /// Labels on every object.
    pub labels: BTreeMap<String, String>,
    /// Annotations on every object.
    pub annotations: BTreeMap<String, String>,
    pub components: Vec<Component>,
    pub ingress: Option<Ingress>,
    /// ResourceQuota `hard` limits for the namespace.
    pub quota: BTreeMap<String, String>,
    pub limit_range: Option<LimitRange>,
    pub external_secrets: Option<ExternalSecrets>,
    pub argocd: Option<ArgoCd>,
    pub patches: Vec<Patch>,
    /// Lint rules (`k8gen check`) not to apply anywhere in the app, by name or code; a name
    /// that is no rule is an error when rendering too.
    pub allow: Vec<String>,
}

/// One workload with its config, secrets and Service.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Component {
    /// Name of the component's objects (a DNS-1123 label); also `app.kubernetes.io/instance`.
    pub name: String,
    /// `app.kubernetes.io/name`.
    pub label_name: String,
    /// `app.kubernetes.io/component`.
    pub role: String,
    /// `app.kubernetes.io/version`, if any.
    pub version: Option<String>,
    pub image: String,
    pub workload: Workload,
    /// `None` when an autoscaler owns the replica count.
    pub replicas: Option<i32>,
    pub ports: Vec<Port>,
    pub command: Vec<String>,
    pub args: Vec<String>,
    pub env: Vec<EnvVar>,
    pub env_from_config: bool,
    pub env_from_secrets: bool,
    pub config: BTreeMap<String, ConfigData>,
    pub secrets: BTreeMap<String, Vec<u8>>,
    pub config_mount: Option<String>,
    pub secrets_mount: Option<String>,
    pub liveness: Option<Probe>,
    pub readiness: Option<Probe>,
    pub startup: Option<Probe>,
    pub resources: Resources,
    pub rollout: Rollout,
    /// `None`: `Always` for images named by tag, `IfNotPresent` for images pinned by digest.
    pub image_pull_policy: Option<String>,
    pub image_pull_secrets: Vec<String>,
    /// An existing ServiceAccount to run as.
    pub service_account: Option<String>,
    /// Make a ServiceAccount named like the component (and run as it).
    pub own_service_account: bool,
    pub service: Option<Service>,
    pub security: Security,
    pub volumes: Vec<Volume>,
    pub init_containers: Vec<Container>,
    pub sidecars: Vec<Container>,
    pub autoscale: Option<Autoscale>,
    pub disruption: Option<Disruption>,
    pub rbac: Vec<Rule>,
    pub cluster_rbac: Vec<Rule>,
    pub network: Option<Network>,
    pub metrics: Option<Metrics>,
    pub scheduling: Scheduling,
    /// Secret keys read from the External Secrets store: key → (remote key, property).
    pub external_secrets: BTreeMap<String, (String, Option<String>)>,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub pod_annotations: BTreeMap<String, String>,
    /// Lint rules not to apply to this component, by name or code.
    pub allow: Vec<String>,
}

/// Pod and container hardening. The default is the strict one; each field relaxes one thing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Security {
    /// UID (and GID, fsGroup) the pod runs as; `None` keeps the image's user.
    pub run_as_user: Option<i64>,
    pub run_as_non_root: bool,
    pub read_only_root_filesystem: bool,
    /// With a read-only root filesystem, mount a writable emptyDir at `/tmp`.
    pub writable_tmp: bool,
    pub allow_privilege_escalation: bool,
    /// Capabilities added back after dropping ALL.
    pub capabilities: Vec<String>,
    /// `RuntimeDefault`, `Unconfined` or `Localhost`.
    pub seccomp: String,
    /// Mount the ServiceAccount token (only components that call the Kubernetes API need it).
    pub service_account_token: bool,
}

impl Default for Security {
    fn default() -> Self {
        Security {
            run_as_user: Some(10001),
            run_as_non_root: true,
            read_only_root_filesystem: true,
            writable_tmp: true,
            allow_privilege_escalation: false,
            capabilities: Vec::new(),
            seccomp: "RuntimeDefault".to_string(),
            service_account_token: false,
        }
    }
}

/// A named container port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Port {
    pub name: String,
    pub port: i32,
    /// `TCP`, `UDP` or `SCTP`.
    pub protocol: String,
}

/// A config value: text goes to ConfigMap `data`, bytes that are not UTF-8 to `binaryData`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigData {
    Text(String),
    Binary(Vec<u8>),
}

/// An environment variable set on the container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvVar {
    pub name: String,
    pub value: EnvValue,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvValue {
    Literal(String),
    /// A key of a ConfigMap (by object name).
    ConfigKey {
        config_map: String,
        key: String,
    },
    /// A key of a Secret (by object name).
    SecretKey {
        secret: String,
        key: String,
    },
    /// A pod field path such as `metadata.name`.
    Field(String),
}

/// A health check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    pub action: ProbeAction,
    pub initial_delay_seconds: Option<i32>,
    pub period_seconds: Option<i32>,
    pub timeout_seconds: Option<i32>,
    pub success_threshold: Option<i32>,
    pub failure_threshold: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeAction {
    HttpGet { path: String, port: PortTarget },
    Tcp { port: PortTarget },
    Exec { command: Vec<String> },
}

/// A container port by number or by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortTarget {
    Number(i32),
    Name(String),
}

/// CPU/memory requests and limits, as quantity strings keyed by resource name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Resources {
    pub requests: BTreeMap<String, String>,
    pub limits: BTreeMap<String, String>,
}

/// How new pods replace old ones.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rollout {
    pub strategy: Strategy,
    pub min_ready_seconds: Option<i32>,
    pub revision_history_limit: Option<i32>,
    pub progress_deadline_seconds: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Strategy {
    /// Kubernetes' default: rolling update with 25% surge and 25% unavailable.
    #[default]
    Default,
    RollingUpdate {
        max_surge: Option<IntOrPercent>,
        max_unavailable: Option<IntOrPercent>,
    },
    /// Deployment: stop every old pod before starting new ones.
    Recreate,
    /// StatefulSet: replace a pod only when it is deleted by hand.
    OnDelete,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntOrPercent {
    Int(i32),
    Percent(i32),
}

/// The Service in front of a component's pods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// `ClusterIP`, `NodePort`, `LoadBalancer` or `ExternalName`.
    pub kind: String,
    /// `clusterIP: None`.
    pub headless: bool,
    pub external_name: Option<String>,
    pub ports: Vec<ServicePort>,
    pub annotations: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServicePort {
    /// Same as the target container port's name.
    pub name: String,
    pub port: i32,
    pub target: PortTarget,
    pub protocol: String,
    pub node_port: Option<i32>,
}

/// Name of the ConfigMap of the component whose objects are named `component`.
pub fn config_map_name(component: &str) -> String {
    format!("{component}-config")
}

/// Name of the Secret of the component whose objects are named `component`.
pub fn secret_name(component: &str) -> String {
    format!("{component}-secrets")
}

impl Resources {
    /// What a helper such as a `wait_for` init container gets: 10m/16Mi, at most 50m/32Mi.
    pub fn tiny() -> Self {
        let map = |cpu: &str, memory: &str| {
            BTreeMap::from([
                ("cpu".to_string(), cpu.to_string()),
                ("memory".to_string(), memory.to_string()),
            ])
        };
        Resources {
            requests: map("10m", "16Mi"),
            limits: map("50m", "32Mi"),
        }
    }
}

impl App {
    pub fn new(name: impl Into<String>) -> Self {
        App {
            name: name.into(),
            ..Default::default()
        }
    }

    /// Puts every object in `namespace` and emits the Namespace too.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Some(namespace.into());
        self.create_namespace = true;
        self
    }

    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.labels.insert(key.into(), value.into());
        self
    }

    /// Turns off lint rule `rule` (a name like `secrets-as-env`, or a code) for the whole app.
    pub fn allow(mut self, rule: impl Into<String>) -> Self {
        self.allow.push(rule.into());
        self
    }

    /// Adds a component; when it is the app's only one and named like the app, its labels
    /// read like the short form of a spec.
    pub fn component(mut self, component: Component) -> Self {
        self.components.push(component);
        self
    }
}

impl Component {
    /// Name of the component's ConfigMap.
    pub fn config_map_name(&self) -> String {
        config_map_name(&self.name)
    }

    /// Name of the component's Secret.
    pub fn secret_name(&self) -> String {
        secret_name(&self.name)
    }

    /// A component named `name` running `image`, with one replica, no ports and no Service
    /// until a port is added. The version label comes from the image tag.
    pub fn new(name: impl Into<String>, image: impl Into<String>) -> Self {
        let name = name.into();
        let image = image.into();
        Component {
            label_name: name.clone(),
            role: "server".to_string(),
            version: rules::image_tag(&image)
                .filter(|t| rules::label_value(t).is_ok())
                .map(str::to_string),
            name,
            image,
            replicas: Some(1),
            env_from_config: true,
            env_from_secrets: true,
            network: Some(Network {
                from: None,
                to: None,
                dns: true,
            }),
            ..Default::default()
        }
    }

    /// Component `key` of app `app`: objects named `APP-KEY`, labelled like a spec's
    /// `[components.KEY]`.
    pub fn keyed(app: &str, key: &str, image: impl Into<String>) -> Self {
        Component {
            label_name: key.to_string(),
            role: key.to_string(),
            ..Component::new(format!("{app}-{key}"), image)
        }
    }

    /// Turns off lint rule `rule` (a name or a code) for this component.
    pub fn allow(mut self, rule: impl Into<String>) -> Self {
        self.allow.push(rule.into());
        self
    }

    pub fn replicas(mut self, replicas: i32) -> Self {
        self.replicas = Some(replicas);
        self
    }

    /// Adds a TCP container port; the first port also gets a ClusterIP Service on the same
    /// port unless a Service was already set.
    pub fn port(mut self, name: impl Into<String>, port: i32) -> Self {
        let name = name.into();
        self.ports.push(Port {
            name: name.clone(),
            port,
            protocol: "TCP".to_string(),
        });
        if self.service.is_none() {
            self.service = Some(Service::cluster_ip(&name, port));
        }
        self
    }

    pub fn service(mut self, service: Option<Service>) -> Self {
        self.service = service;
        self
    }

    /// An env var from a key of this component's own config.
    pub fn config_ref(&self, key: impl Into<String>) -> EnvValue {
        EnvValue::ConfigKey {
            config_map: self.config_map_name(),
            key: key.into(),
        }
    }

    /// An env var from a key of this component's own secrets.
    pub fn secret_ref(&self, key: impl Into<String>) -> EnvValue {
        EnvValue::SecretKey {
            secret: self.secret_name(),
            key: key.into(),
        }
    }

    /// Name of the PersistentVolumeClaim k8gen makes for volume `volume` of a Deployment.
    pub fn claim_name(&self, volume: &str) -> String {
        format!("{}-{volume}", self.name)
    }

    /// Whether the component has a Secret (values from the spec or from a store).
    pub fn has_secrets(&self) -> bool {
        !self.secrets.is_empty() || !self.external_secrets.is_empty()
    }

    /// For a StatefulSet: the headless Service that governs it; the component's own Service
    /// when that is headless, else an extra `NAME-headless`.
    pub fn governing_service(&self) -> Option<String> {
        if !matches!(self.workload, Workload::StatefulSet { .. }) {
            return None;
        }
        match &self.service {
            Some(s) if s.headless => Some(self.name.clone()),
            _ => Some(format!("{}-headless", self.name)),
        }
    }

    /// The DNS name other pods reach this component's Service by.
    pub fn service_host(&self) -> &str {
        &self.name
    }

    pub fn env(mut self, name: impl Into<String>, value: EnvValue) -> Self {
        self.env.push(EnvVar {
            name: name.into(),
            value,
        });
        self
    }

    pub fn config(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.config
            .insert(key.into(), ConfigData::Text(value.into()));
        self
    }

    pub fn secret(mut self, key: impl Into<String>, value: impl Into<Vec<u8>>) -> Self {
        self.secrets.insert(key.into(), value.into());
        self
    }

    pub fn liveness(mut self, probe: Probe) -> Self {
        self.liveness = Some(probe);
        self
    }

    pub fn readiness(mut self, probe: Probe) -> Self {
        self.readiness = Some(probe);
        self
    }

    pub fn startup(mut self, probe: Probe) -> Self {
        self.startup = Some(probe);
        self
    }

    pub fn request(mut self, resource: impl Into<String>, quantity: impl Into<String>) -> Self {
        self.resources
            .requests
            .insert(resource.into(), quantity.into());
        self
    }

    pub fn limit(mut self, resource: impl Into<String>, quantity: impl Into<String>) -> Self {
        self.resources
            .limits
            .insert(resource.into(), quantity.into());
        self
    }

    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.labels.insert(key.into(), value.into());
        self
    }

    pub fn rollout(mut self, rollout: Rollout) -> Self {
        self.rollout = rollout;
        self
    }
}

impl Probe {
    pub fn new(action: ProbeAction) -> Self {
        Probe {
            action,
            initial_delay_seconds: None,
            period_seconds: None,
            timeout_seconds: None,
            success_threshold: None,
            failure_threshold: None,
        }
    }

    pub fn http_get(path: impl Into<String>, port: i32) -> Self {
        Probe::new(ProbeAction::HttpGet {
            path: path.into(),
            port: PortTarget::Number(port),
        })
    }

    pub fn tcp(port: i32) -> Self {
        Probe::new(ProbeAction::Tcp {
            port: PortTarget::Number(port),
        })
    }
}

impl Rollout {
    /// A rolling update with the given surge and unavailability.
    pub fn rolling(max_surge: IntOrPercent, max_unavailable: IntOrPercent) -> Self {
        Rollout {
            strategy: Strategy::RollingUpdate {
                max_surge: Some(max_surge),
                max_unavailable: Some(max_unavailable),
            },
            ..Default::default()
        }
    }
}

impl Service {
    /// A ClusterIP Service forwarding `port` to the container port of the same number.
    pub fn cluster_ip(port_name: &str, port: i32) -> Self {
        Service {
            kind: "ClusterIP".to_string(),
            headless: false,
            external_name: None,
            ports: vec![ServicePort {
                name: port_name.to_string(),
                port,
                target: PortTarget::Name(port_name.to_string()),
                protocol: "TCP".to_string(),
                node_port: None,
            }],
            annotations: BTreeMap::new(),
        }
    }
}

/// A rule an [`App`] built in Rust breaks; `path` names the field, e.g. `components[0].image`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelError {
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for ModelError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl App {
    /// Checks the rules the TOML front end checks that a Rust caller could break: names,
    /// labels, image, ports, quantities, references to config and secret keys.
    pub fn validate(&self) -> Result<(), Vec<ModelError>> {
        let mut errors = Vec::new();
        let mut rule = |path: String, result: Result<(), String>| {
            if let Err(message) = result {
                errors.push(ModelError { path, message });
            }
        };
        rule("name".into(), rules::dns1035_label(&self.name));
        if let Some(ns) = &self.namespace {
            rule("namespace".into(), rules::dns1123_label(ns));
        }
        for (k, v) in &self.labels {
            rule(
                format!("labels.{k}"),
                rules::qualified_name(k).and_then(|_| rules::label_value(v)),
            );
        }
        for (i, c) in self.components.iter().enumerate() {
            let at = |field: &str| format!("components[{i}].{field}");
            rule(at("name"), rules::dns1035_label(&c.name));
            rule(at("label_name"), rules::label_value(&c.label_name));
            rule(at("role"), rules::label_value(&c.role));
            rule(at("image"), rules::image(&c.image));
            if let Some(v) = &c.version {
                rule(at("version"), rules::label_value(v));
            }
            if c.replicas.is_some_and(|r| r < 0) {
                rule(at("replicas"), Err("must not be negative".into()));
            }
            for p in &c.ports {
                rule(
                    at("ports"),
                    rules::port_name(&p.name)
                        .and_then(|_| rules::port_number(p.port.into()).map(|_| ())),
                );
            }
            for key in c.config.keys().chain(c.secrets.keys()) {
                rule(at("config"), rules::config_key(key));
            }
            for (k, v) in c.resources.requests.iter().chain(&c.resources.limits) {
                rule(
                    format!("{}.{k}", at("resources")),
                    rules::quantity(v).map(|_| ()),
                );
            }
            for e in &c.env {
                rule(at("env"), rules::env_var_name(&e.name));
                let missing = match &e.value {
                    EnvValue::ConfigKey { config_map, key } => {
                        *config_map == c.config_map_name() && !c.config.contains_key(key)
                    }
                    EnvValue::SecretKey { secret, key } => {
                        *secret == c.secret_name()
                            && !c.secrets.contains_key(key)
                            && !c.external_secrets.contains_key(key)
                    }
                    _ => false,
                };
                if missing {
                    rule(
                        at("env"),
                        Err(format!(
                            "`{}` refers to a key the component does not have",
                            e.name
                        )),
                    );
                }
            }
            for (k, v) in &c.labels {
                rule(
                    format!("{}.{k}", at("labels")),
                    rules::qualified_name(k).and_then(|_| rules::label_value(v)),
                );
            }
            if let Workload::CronJob { schedule, .. } = &c.workload {
                rule(at("workload.schedule"), rules::cron_schedule(schedule));
            }
            for p in c.service.iter().flat_map(|s| &s.ports) {
                if let Some(n) = p.node_port
                    && !(30000..=32767).contains(&n)
                {
                    rule(
                        at("service.ports"),
                        Err(format!("node port {n} is outside 30000-32767")),
                    );
                }
            }
            for v in &c.volumes {
                rule(at("volumes"), rules::dns1123_label(&v.name));
            }
            if let Some(a) = &c.autoscale
                && (a.min < 1 || a.max < a.min)
            {
                rule(at("autoscale"), Err("needs 1 <= min <= max".to_string()));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}
