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
//! assert_eq!(objects.len(), 4); // Namespace, ConfigMap, Deployment, Service
//! ```

pub mod rules;

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
    pub replicas: i32,
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
    pub image_pull_policy: Option<String>,
    pub image_pull_secrets: Vec<String>,
    pub service_account: Option<String>,
    pub service: Option<Service>,
    pub security: Security,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub pod_annotations: BTreeMap<String, String>,
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
    /// A key of the component's ConfigMap.
    ConfigKey(String),
    /// A key of the component's Secret.
    SecretKey(String),
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
    Recreate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntOrPercent {
    Int(i32),
    Percent(i32),
}

/// The Service in front of a component's pods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// `ClusterIP`, `NodePort` or `LoadBalancer`.
    pub kind: String,
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
        format!("{}-config", self.name)
    }

    /// Name of the component's Secret.
    pub fn secret_name(&self) -> String {
        format!("{}-secrets", self.name)
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
            replicas: 1,
            env_from_config: true,
            env_from_secrets: true,
            ..Default::default()
        }
    }

    pub fn replicas(mut self, replicas: i32) -> Self {
        self.replicas = replicas;
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
            if c.replicas < 0 {
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
                    EnvValue::ConfigKey(k) => !c.config.contains_key(k),
                    EnvValue::SecretKey(k) => !c.secrets.contains_key(k),
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
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}
