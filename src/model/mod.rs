//! The model: the app as k8gen understands it, the public builder DSL, and the one engine
//! (defaults in [`defaults`], rules in [`rules`]) that both front ends go through.
//!
//! A Rust program builds an [`App`] here, without TOML, and gets exactly what the equivalent
//! spec renders: [`crate::render_app`] normalises it ([`defaults::normalize`]), judges it with
//! [`rules::validate`] (the same rules, codes and field paths a spec gets) and builds the
//! objects. The model holds resolved values (secret bytes, file contents); it knows nothing of
//! TOML, spans or Kubernetes object types, and never does I/O.
//!
//! Defaults every component gets unless it says otherwise (each is a function in
//! [`defaults`]): objects named `APP-KEY` (`APP` for the key `APP`), the main container named
//! like the key; the `component` label is
//! the key (`server`/`worker` for the main component); the `version` label is the image tag;
//! `imagePullPolicy: Always` for tags, `IfNotPresent` for digests; config and secrets injected
//! whole unless mounted or read key by key; one replica (Deployment, StatefulSet); a ClusterIP
//! Service on every port for a Deployment or StatefulSet with ports (headless for a StatefulSet);
//! probes, metrics and a one-port Service use the only port or the one named `http`; a
//! NetworkPolicy admitting anyone to the declared ports; non-root user 10001, read-only root
//! filesystem with a writable `/tmp`, no privilege escalation, all capabilities dropped,
//! RuntimeDefault seccomp, no ServiceAccount token unless RBAC rules need it; pods selected by
//! `app.kubernetes.io/name` and `instance` (unless the component keeps a running app's
//! `selector`, or the `app` label scheme selects by `app: NAME`).
//!
//! A Deployment (the default kind):
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
//!
//! A StatefulSet: a headless Service governs it, and each pod gets its own claim.
//! ```
//! use k8gen::model::{App, Component, Volume, VolumeSource, Workload};
//!
//! let mut db = Component::new("db", "postgres:16").port("postgres", 5432);
//! db.workload = Workload::StatefulSet { pod_management: None };
//! db.volumes.push(Volume {
//!     name: "data".into(),
//!     source: VolumeSource::NewClaim { size: "10Gi".into(), class: None, access_modes: None },
//!     mount: Some("/var/lib/postgresql/data".into()),
//!     read_only: false,
//! });
//! let yaml = k8gen::emit::stream(&k8gen::render_app(&App::new("shop").component(db)).unwrap());
//! assert!(yaml.contains("kind: StatefulSet\nmetadata:\n  name: shop-db\n"));
//! assert!(yaml.contains("  clusterIP: None\n"));
//! assert!(yaml.contains("volumeClaimTemplates:"));
//! ```
//!
//! A Job (its pods restart `Never` by default) and a CronJob (a schedule is required):
//! ```
//! use k8gen::model::{App, Component, CronSettings, JobSettings, Workload};
//!
//! let mut migrate = Component::new("migrate", "shop:v2");
//! migrate.workload = Workload::Job(JobSettings::default());
//! let mut nightly = Component::new("nightly", "shop:v2");
//! nightly.workload = Workload::CronJob {
//!     schedule: "0 2 * * *".into(),
//!     job: JobSettings::default(),
//!     cron: CronSettings::default(),
//! };
//! let app = App::new("shop").component(migrate).component(nightly);
//! let yaml = k8gen::emit::stream(&k8gen::render_app(&app).unwrap());
//! assert!(yaml.contains("kind: Job\n") && yaml.contains("kind: CronJob\n"));
//! assert!(yaml.contains("restartPolicy: Never"));
//!
//! // The same engine as for specs: a bad schedule is rejected, at its field path.
//! let mut bad = Component::new("nightly", "shop:v2");
//! bad.workload = Workload::CronJob {
//!     schedule: "61 * * * *".into(),
//!     job: JobSettings::default(),
//!     cron: CronSettings::default(),
//! };
//! let issues = k8gen::render_app(&App::new("shop").component(bad)).unwrap_err();
//! assert_eq!(issues[0].path, "components.nightly.schedule");
//! ```
//!
//! A bare Pod (no replicas, no default Service):
//! ```
//! use k8gen::model::{App, Component, Workload};
//!
//! let mut debug = Component::new("debug", "busybox:1.36").port("http", 8080);
//! debug.workload = Workload::Pod;
//! let objects = k8gen::render_app(&App::new("tools").component(debug)).unwrap();
//! assert!(objects.iter().any(|o| o.kind() == "Pod"));
//! assert!(!objects.iter().any(|o| o.kind() == "Service"));
//! ```

mod app_level;
pub mod defaults;
pub mod gitops;
pub mod issue;
pub mod names;
mod policy;
mod release;
pub mod rules;
mod workload;

pub use crate::values::*;

pub use issue::Issue;

pub use app_level::*;
pub use policy::*;
pub use release::*;
pub use workload::*;

use std::collections::BTreeMap;

/// An app: a set of components sharing a name, a namespace and labels.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct App {
    /// The labels that select each component's pods, unless the component says otherwise
    /// ([`Component::label_scheme`], [`Component::selector`]). Default
    /// ([`defaults::label_scheme`]): the recommended `app.kubernetes.io/*` labels.
    pub label_scheme: Option<LabelScheme>,
    /// DNS-1123 label; the `app.kubernetes.io/part-of` label.
    pub name: String,
    pub namespace: Option<String>,
    /// Emit the Namespace object too. `None`: the default ([`defaults::create_namespace`]), yes
    /// when there is a namespace the environment does not own.
    pub create_namespace: Option<bool>,
    /// The environment owns the app's namespace (`k8gen.toml`'s `[environments.ENV]`
    /// `namespaces`/`own_namespaces`): it writes the Namespace once for all its apps, so the
    /// app emits none, and `create_namespace = true` is an error (one owner per Namespace).
    pub namespace_owned_by_environment: bool,
    /// Add k8gen's own labels and annotations (recommended labels, version, `checksum/*`,
    /// Flux's prune annotation). `None`: the default ([`defaults::extra_labels`]), yes; `false`
    /// leaves objects with the app's and components' labels and the selectors only.
    pub extra_labels: Option<bool>,
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
    /// Passthrough objects (`[[objects]]`): whole Kubernetes objects written as they are,
    /// without k8gen's labels; one without a namespace gets the app's unless its kind is
    /// cluster-scoped ([`defaults::passthrough_namespace`]). See [`App::object`].
    pub objects: Vec<serde_json::Value>,
    /// Lint rules (`k8gen check`) not to apply anywhere in the app, by name or code; a name
    /// that is no rule is an error when rendering too.
    pub allow: Vec<String>,
    /// The platform's rules for this app (`[policy]` of `k8gen.toml`).
    pub policy: Policy,
    /// The registry images come from when they name none (`nginx:1.27` →
    /// `REGISTRY/nginx:1.27`): a mirror or a company registry. See [`defaults::registry_image`].
    pub registry: Option<String>,
    /// How Argo CD tracks the app's objects. `None`: the default
    /// ([`defaults::argocd_tracking`], annotation tracking). Under label tracking k8gen leaves
    /// Argo CD's instance label off object metadata ([`crate::values::ArgoTracking`]).
    pub argocd_tracking: Option<crate::values::ArgoTracking>,
    /// How a changed ConfigMap or Secret rolls the pods reading it. Default
    /// ([`defaults::config_rollout`]): the `checksum/*` annotations, names stay.
    pub config_rollout: Option<ConfigRollout>,
    /// How Secrets are written in a tree render, and what the platform allows
    /// ([`Secrets`]).
    pub secrets: Secrets,
}

/// How a render writes the Secrets whose values k8gen knows. A stdout render writes them
/// plain; a tree render (`tree`, a folder people commit) refuses them unless `mode` is `sops`
/// or `sealed`, or `plain` with `allow_plain`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Secrets {
    /// `secrets_mode` of the spec (or the platform's `[defaults]`).
    pub mode: Option<SecretsMode>,
    /// `sops.age`: the age recipients (`age1...`) the data key of each Secret is encrypted for.
    pub sops_age: Vec<String>,
    /// `sealed.certificate`: the sealed-secrets controller's certificate as PEM text (the
    /// spec names a file; the builder takes the text, e.g. `kubeseal --fetch-cert`'s output).
    pub sealed_certificate: Option<String>,
    /// `sealed.scope`: where the sealed values may be unsealed (default `strict`).
    pub sealed_scope: Option<SealedScope>,
    /// `[secrets] allow_plain` of `k8gen.toml` or `render --allow-plain-secrets`: a tree may
    /// hold plain Secrets of apps whose mode is `plain`.
    pub allow_plain: bool,
    /// The objects go into a folder people commit (`render -o DIR`), set by the renderer:
    /// the secrets mode applies.
    pub tree: bool,
}

/// What a platform requires of every app: lint rules that are errors (and that `allow` cannot
/// switch off, except for the rules listed in `exceptions`), and labels every object carries.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Policy {
    /// Lint rules (names or codes) that are errors, in `render` too.
    pub deny: Vec<String>,
    /// Labels every object must carry (lint rule `missing-required-labels`).
    pub require_labels: Vec<String>,
    /// Denied rules this app may still `allow`.
    pub exceptions: Vec<String>,
}

impl Policy {
    /// Whether the rule with this code and name is denied.
    pub fn denies(&self, code: &str, name: &str) -> bool {
        self.deny.iter().any(|d| d == code || d == name)
    }

    pub fn deny(mut self, rule: impl Into<String>) -> Self {
        self.deny.push(rule.into());
        self
    }

    pub fn require_label(mut self, key: impl Into<String>) -> Self {
        self.require_labels.push(key.into());
        self
    }

    pub fn exception(mut self, rule: impl Into<String>) -> Self {
        self.exceptions.push(rule.into());
        self
    }
}

/// One workload with its config, secrets and Service.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Component {
    /// The labels the component's live objects already select by (`{ app = "frontend" }`),
    /// to take over a running app: used exactly as the workload's selector and in every
    /// selector k8gen derives for these pods (Service, budget, NetworkPolicy, affinity, spread),
    /// and carried by the pod template. Empty: by [`Component::label_scheme`] (filled in by
    /// [`defaults::normalize`] for the `app` scheme; empty after it means the recommended
    /// labels).
    pub selector: BTreeMap<String, String>,
    /// The label scheme of this component's selector when it has no `selector`. Default: the
    /// app's ([`App::label_scheme`]).
    pub label_scheme: Option<LabelScheme>,
    /// Names of existing objects to keep instead of the ones k8gen derives.
    pub names: Names,
    /// The key the app knows the component by (`[components.KEY]`; the app's own name for the
    /// main component): its `app.kubernetes.io/name` label and the root of its field paths.
    pub key: String,
    /// Name of the component's objects and its `app.kubernetes.io/instance` label. Derived by
    /// [`defaults::normalize`] ([`names::objects`]): the pinned `names.workload`, else from the
    /// app name and the key: `APP` for the key `APP`, else `APP-KEY`; a value set here is
    /// replaced.
    pub name: String,
    /// `app.kubernetes.io/component`. Default ([`defaults::role`]): the key, or for the main
    /// component `server` when it has ports, else `worker`.
    pub role: Option<String>,
    /// `app.kubernetes.io/version`, if any.
    pub version: Option<String>,
    pub image: String,
    pub workload: Workload,
    /// Default ([`defaults::replicas`]): 1 for a Deployment or StatefulSet without
    /// `autoscale`; none otherwise (an autoscaler owns the count; other kinds have none).
    /// Set beside `autoscale`, the count a new workload starts with (within min..=max).
    pub replicas: Option<i32>,
    pub ports: Vec<Port>,
    pub command: Vec<String>,
    pub args: Vec<String>,
    /// In the order written: an entry may use `$(NAME)` of the entries before it.
    pub env: Vec<EnvVar>,
    /// Inject the whole ConfigMap through `envFrom`. Default ([`defaults::env_from_config`]):
    /// when the config is neither mounted nor referenced key by key in `env`.
    pub env_from_config: Option<bool>,
    /// Inject the whole Secret through `envFrom`. Default: like `env_from_config`.
    pub env_from_secrets: Option<bool>,
    pub config: BTreeMap<String, ConfigData>,
    pub secrets: BTreeMap<String, Vec<u8>>,
    pub config_mount: Option<String>,
    pub secrets_mount: Option<String>,
    pub liveness: Option<Probe>,
    pub readiness: Option<Probe>,
    pub startup: Option<Probe>,
    pub resources: Resources,
    pub rollout: Rollout,
    /// A blue-green or canary release: the component runs one Deployment per track (see
    /// [`Release`]). Its images replace `image` (which is then left empty, or set to the
    /// serving track's image by [`defaults::normalize`]).
    pub release: Option<Release>,
    /// Default ([`defaults::pull_policy`]): `Always` for images named by tag,
    /// `IfNotPresent` for images pinned by digest.
    pub image_pull_policy: Option<PullPolicy>,
    pub image_pull_secrets: Vec<String>,
    /// An existing ServiceAccount to run as.
    pub service_account: Option<String>,
    /// Make a ServiceAccount named like the component (and run as it). Default
    /// ([`defaults::own_service_account`]): when the component has `rbac` rules.
    pub own_service_account: Option<bool>,
    /// The Service in front of the pods. Default ([`defaults::service`]): a ClusterIP Service
    /// on every container port for a Deployment or StatefulSet with ports (headless for a
    /// StatefulSet), none otherwise.
    pub service: Switch<Service>,
    pub security: Security,
    pub volumes: Vec<Volume>,
    pub init_containers: Vec<Container>,
    pub sidecars: Vec<Container>,
    pub autoscale: Option<Autoscale>,
    pub disruption: Option<Disruption>,
    pub rbac: Vec<Rule>,
    pub cluster_rbac: Vec<Rule>,
    /// The component's NetworkPolicy. Default ([`defaults::network`]): one that admits anyone
    /// to the declared ports and leaves egress open.
    pub network: Switch<Network>,
    pub metrics: Option<Metrics>,
    pub scheduling: Scheduling,
    /// Secret keys read from the External Secrets store: key → (remote key, property).
    pub external_secrets: BTreeMap<String, (String, Option<String>)>,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub pod_annotations: BTreeMap<String, String>,
    /// Lint rules not to apply to this component, by name or code.
    pub allow: Vec<String>,
    /// Name of the main container. Default ([`defaults::container_name`]): the key.
    pub container: Option<String>,
    /// More Services for the same pods, by key: each is named `NAME-KEY`
    /// ([`names::extra_service`]) and takes the defaults of `service` (never headless unless
    /// it says so).
    pub services: BTreeMap<String, Service>,
    /// Seconds a pod has to stop after SIGTERM (Kubernetes' default 30 when unset).
    pub termination_grace_period_seconds: Option<i64>,
}

/// Names of existing objects a component takes over (`names = { ... }` in a spec); each
/// replaces the name [`names`] would derive, and every reference to the object follows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Names {
    /// The workload and the objects named like it (autoscaler, budget, NetworkPolicy,
    /// ServiceAccount, RBAC, release tracks `NAME-TRACK`); the base of the other names and the
    /// `app.kubernetes.io/instance` label.
    pub workload: Option<String>,
    /// The component's own Service (what `{ service = ... }` env values, `wait_for` and
    /// Ingress routes reach).
    pub service: Option<String>,
    /// The ConfigMap of `config`.
    pub config: Option<String>,
    /// The Secret of `secrets`.
    pub secrets: Option<String>,
    /// The HorizontalPodAutoscaler of `autoscale` (default: named like the workload).
    pub autoscaler: Option<String>,
    /// The PodDisruptionBudget of `disruption` (default: named like the workload).
    pub budget: Option<String>,
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
    pub seccomp: Seccomp,
    /// Mount the ServiceAccount token (only components that call the Kubernetes API need it).
    /// Default ([`defaults::service_account_token`]): when the component has `rbac` rules.
    pub service_account_token: Option<bool>,
    /// Drop ALL capabilities before adding back `capabilities` (off in
    /// [`Security::unhardened`]: the runtime's default set).
    pub drop_capabilities: bool,
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
            seccomp: Seccomp::RuntimeDefault,
            service_account_token: None,
            drop_capabilities: true,
        }
    }
}

impl Security {
    /// For an image that starts as root and drops privileges itself (`hardened = false` in a
    /// spec): the image's user, no `runAsNonRoot`, the runtime's default capabilities, a
    /// writable root filesystem. Privilege escalation stays off, seccomp `RuntimeDefault`.
    pub fn unhardened() -> Self {
        Security {
            run_as_user: None,
            run_as_non_root: false,
            read_only_root_filesystem: false,
            writable_tmp: false,
            drop_capabilities: false,
            ..Security::default()
        }
    }
}

/// A named container port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Port {
    pub name: String,
    pub port: i32,
    pub protocol: Protocol,
}

/// A setting k8gen has a default for, that can also be switched off or set.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Switch<T> {
    /// k8gen decides (see [`defaults`]); after [`defaults::normalize`] never left as is.
    #[default]
    Default,
    Off,
    On(T),
}

impl<T> Switch<T> {
    /// The value, if switched on.
    pub fn on(&self) -> Option<&T> {
        match self {
            Switch::On(v) => Some(v),
            _ => None,
        }
    }

    pub fn on_mut(&mut self) -> Option<&mut T> {
        match self {
            Switch::On(v) => Some(v),
            _ => None,
        }
    }
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
    /// A key of a component's config (its ConfigMap): `from` names the component by key;
    /// `None` is the component itself.
    ConfigKey {
        from: Option<String>,
        key: String,
    },
    /// A key of a component's secrets (its Secret): `from` as for [`EnvValue::ConfigKey`].
    SecretKey {
        from: Option<String>,
        key: String,
    },
    /// A pod field path such as `metadata.name`.
    Field(String),
    /// The DNS name of another component's Service (by key); with a port (a Service port name
    /// or number), `host:port`.
    Service {
        component: String,
        port: Option<PortTarget>,
    },
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
    /// Headers an HTTP probe sends, in order (name, value); only for [`ProbeAction::HttpGet`].
    pub http_headers: Vec<(String, String)>,
}

/// What a probe does. A `port` of `None` is the container's main port
/// ([`defaults::main_port`]): its only port, or the one named `http`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeAction {
    HttpGet {
        path: String,
        port: Option<PortTarget>,
    },
    Tcp {
        port: Option<PortTarget>,
    },
    Exec {
        command: Vec<String>,
    },
    /// The gRPC health checking protocol (`grpc.health.v1.Health/Check`). The port is a
    /// number in the object: a name is resolved to its container port by
    /// [`defaults::normalize`].
    Grpc {
        port: Option<PortTarget>,
        /// The service name sent in the check (default: none, the server's overall health).
        service: Option<String>,
    },
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

/// The Service in front of a component's pods. Unset fields take their defaults in
/// [`defaults::normalize`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Service {
    /// Default `ClusterIP`.
    pub kind: Option<ServiceType>,
    /// `clusterIP: None`. Default: for a StatefulSet's ClusterIP Service.
    pub headless: Option<bool>,
    /// For `ExternalName`: the outside host.
    pub external_name: Option<String>,
    /// Default: one per container port, named and numbered like it.
    pub ports: Vec<ServicePort>,
    pub annotations: BTreeMap<String, String>,
}

/// One port of a Service. Unset fields follow the container port it targets.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServicePort {
    /// Default: the target container port's name.
    pub name: Option<String>,
    /// Default: the target container port's number.
    pub port: Option<i32>,
    /// The container port. Default: the one numbered like `port`, else the main port (the
    /// only port, or the one named `http`).
    pub target: Option<PortTarget>,
    /// Default: the target's protocol.
    pub protocol: Option<Protocol>,
    pub node_port: Option<i32>,
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

    /// Puts every object in `namespace` and (by default) emits the Namespace too.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Some(namespace.into());
        self
    }

    /// The environment owns the namespace ([`App::namespace_owned_by_environment`]).
    pub fn namespace_owned_by_environment(mut self) -> Self {
        self.namespace_owned_by_environment = true;
        self
    }

    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.labels.insert(key.into(), value.into());
        self
    }

    /// Selects every component's pods by `scheme`'s labels (see [`App::label_scheme`]).
    pub fn label_scheme(mut self, scheme: LabelScheme) -> Self {
        self.label_scheme = Some(scheme);
        self
    }

    /// How changed config rolls the pods (see [`App::config_rollout`]): e.g.
    /// [`ConfigRollout::HashedNames`] for Kustomize's content-hashed names.
    pub fn config_rollout(mut self, rollout: ConfigRollout) -> Self {
        self.config_rollout = Some(rollout);
        self
    }

    /// `false`: no labels or annotations of k8gen's own (see [`App::extra_labels`]).
    pub fn extra_labels(mut self, on: bool) -> Self {
        self.extra_labels = Some(on);
        self
    }

    /// Turns off lint rule `rule` (a name like `secrets-as-env`, or a code) for the whole app.
    pub fn allow(mut self, rule: impl Into<String>) -> Self {
        self.allow.push(rule.into());
        self
    }

    /// Adds a passthrough object: a whole Kubernetes object (`apiVersion`, `kind`, `metadata`,
    /// ...) written as it is, like a spec's `[[objects]]` entry. For kinds no key makes:
    /// custom resources, CRDs, an operator's RBAC.
    pub fn object(mut self, object: serde_json::Value) -> Self {
        self.objects.push(object);
        self
    }

    /// The component with this key, to change it: how a Rust program applies an environment's
    /// overlay to an app (see [`App::edit_component`]).
    pub fn component_mut(&mut self, key: &str) -> Option<&mut Component> {
        self.components.iter_mut().find(|c| c.key == key)
    }

    /// Changes the component with this key (nothing if there is none): the Rust form of an
    /// `[overlay.ENV.components.KEY]` table.
    /// ```
    /// use k8gen::model::{App, Component};
    /// fn shop(env: &str) -> App {
    ///     let app = App::new("shop")
    ///         .namespace(format!("shop-{env}"))
    ///         .component(Component::new("api", "api:v1").port("http", 8080))
    ///         .component(Component::new("worker", "worker:v1"));
    ///     match env {
    ///         "production" => app.edit_component("api", |c| c.replicas(5)),
    ///         _ => app.without_component("worker"),
    ///     }
    /// }
    /// assert_eq!(shop("staging").components.len(), 1);
    /// assert_eq!(shop("production").components[0].replicas, Some(5));
    /// ```
    pub fn edit_component(mut self, key: &str, edit: impl FnOnce(Component) -> Component) -> Self {
        if let Some(i) = self.components.iter().position(|c| c.key == key) {
            let c = self.components.remove(i);
            self.components.insert(i, edit(c));
        }
        self
    }

    /// Drops the component with this key: the Rust form of `components.KEY = false` in an
    /// overlay.
    pub fn without_component(mut self, key: &str) -> Self {
        self.components.retain(|c| c.key != key);
        self
    }

    /// How Argo CD tracks the app's objects (see [`crate::values::ArgoTracking`]).
    pub fn argocd_tracking(mut self, tracking: crate::values::ArgoTracking) -> Self {
        self.argocd_tracking = Some(tracking);
        self
    }

    /// Pulls every image that names no registry from this one (`registry.example.com/mirror`).
    pub fn registry(mut self, registry: impl Into<String>) -> Self {
        self.registry = Some(registry.into());
        self
    }

    /// How tree renders write the app's Secrets (`secrets_mode`).
    pub fn secrets_mode(mut self, mode: SecretsMode) -> Self {
        self.secrets.mode = Some(mode);
        self
    }

    /// One more age recipient (`age1...`) of the SOPS-encrypted Secrets (`sops.age`).
    pub fn sops_age(mut self, recipient: impl Into<String>) -> Self {
        self.secrets.sops_age.push(recipient.into());
        self
    }

    /// The sealed-secrets controller's certificate (PEM text, as `kubeseal --fetch-cert`
    /// prints it) that `secrets_mode = "sealed"` seals values for (`sealed.certificate`).
    pub fn sealed_certificate(mut self, pem: impl Into<String>) -> Self {
        self.secrets.sealed_certificate = Some(pem.into());
        self
    }

    /// Where sealed values may be unsealed (`sealed.scope`; default `strict`).
    pub fn sealed_scope(mut self, scope: SealedScope) -> Self {
        self.secrets.sealed_scope = Some(scope);
        self
    }

    /// Lets a tree hold plain Secrets when the mode is `plain` (what `[secrets] allow_plain`
    /// of `k8gen.toml` gives a spec).
    pub fn allow_plain_secrets(mut self) -> Self {
        self.secrets.allow_plain = true;
        self
    }

    /// The platform's rules for the app (what `[policy]` of `k8gen.toml` gives a spec).
    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
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
    /// Name of the component's ConfigMap ([`names::component_config_map`]).
    pub fn config_map_name(&self) -> String {
        names::component_config_map(self)
    }

    /// Name of the component's Secret ([`names::component_secret`]).
    pub fn secret_name(&self) -> String {
        names::component_secret(self)
    }

    /// Name of the component's own Service ([`names::component_service`]).
    pub fn service_name(&self) -> String {
        names::component_service(self)
    }

    /// Selects the component's pods by `key: value` too (see [`Component::selector`]): the
    /// labels a running app's objects already select by.
    /// ```
    /// use k8gen::model::{App, Component, Names};
    ///
    /// let web = Component::new("web", "web:v1")
    ///     .port("http", 8080)
    ///     .selector("app", "frontend")
    ///     .names(Names { workload: Some("frontend".into()), ..Default::default() });
    /// let yaml = k8gen::emit::stream(&k8gen::render_app(&App::new("shop").component(web)).unwrap());
    /// // The Deployment and the Service select by exactly the running app's labels.
    /// assert!(yaml.contains("kind: Deployment\nmetadata:\n  name: frontend\n"));
    /// assert!(yaml.contains("  selector:\n    matchLabels:\n      app: frontend\n  template:"));
    /// assert!(yaml.contains("  selector:\n    app: frontend\n  type: ClusterIP"));
    /// ```
    pub fn selector(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.selector.insert(key.into(), value.into());
        self
    }

    /// Selects the component's pods by `scheme`'s labels (unless it has a `selector`).
    pub fn label_scheme(mut self, scheme: LabelScheme) -> Self {
        self.label_scheme = Some(scheme);
        self
    }

    /// Keeps the names of existing objects (see [`Names`]).
    pub fn names(mut self, names: Names) -> Self {
        self.names = names;
        self
    }

    /// Component `key` running `image`, with one replica (by default), no ports and no Service until a
    /// port is added. Its objects are named `APP-KEY` (or `APP` when `key` is the app's name,
    /// as for the main component of a spec); the version label comes from the image tag.
    pub fn new(key: impl Into<String>, image: impl Into<String>) -> Self {
        let key = key.into();
        let image = image.into();
        Component {
            key,
            image,
            ..Default::default()
        }
    }

    /// Names the main container (default: the component's key), e.g. as the image's
    /// documentation calls it, so `kubectl logs -c NAME` and existing tooling keep working.
    pub fn container(mut self, name: impl Into<String>) -> Self {
        self.container = Some(name.into());
        self
    }

    /// The main container's name: [`Component::container`] as set or normalised, else the key.
    pub fn container_name(&self) -> &str {
        self.container.as_deref().unwrap_or(&self.key)
    }

    /// Sets the `app.kubernetes.io/component` label.
    pub fn role(mut self, role: impl Into<String>) -> Self {
        self.role = Some(role.into());
        self
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

    /// Adds a TCP container port (the default Service, if any, exposes every port).
    pub fn port(mut self, name: impl Into<String>, port: i32) -> Self {
        self.ports.push(Port {
            name: name.into(),
            port,
            protocol: Protocol::Tcp,
        });
        self
    }

    /// Sets the Service: [`Switch::Off`] for none, [`Switch::On`] for one of your own.
    pub fn service(mut self, service: Switch<Service>) -> Self {
        self.service = service;
        self
    }

    /// Adds a Service `NAME-KEY` for the same pods, beside the component's own, e.g. a
    /// LoadBalancer in front of a ClusterIP Service (`[services.KEY]` in a spec).
    pub fn extra_service(mut self, key: impl Into<String>, service: Service) -> Self {
        self.services.insert(key.into(), service);
        self
    }

    /// Seconds a pod has to stop after SIGTERM before it is killed.
    pub fn termination_grace_period(mut self, seconds: i64) -> Self {
        self.termination_grace_period_seconds = Some(seconds);
        self
    }

    /// Runs the pods only on nodes whose label `key` is `value` (`nodeSelector`).
    pub fn node_selector(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.scheduling
            .node_selector
            .insert(key.into(), value.into());
        self
    }

    /// An env var from a key of this component's own config.
    pub fn config_ref(&self, key: impl Into<String>) -> EnvValue {
        EnvValue::ConfigKey {
            from: None,
            key: key.into(),
        }
    }

    /// An env var from a key of this component's own secrets.
    pub fn secret_ref(&self, key: impl Into<String>) -> EnvValue {
        EnvValue::SecretKey {
            from: None,
            key: key.into(),
        }
    }

    /// Name of the PersistentVolumeClaim k8gen makes for volume `volume` of a Deployment.
    pub fn claim_name(&self, volume: &str) -> String {
        names::claim(&self.name, volume)
    }

    /// The fewest pods the workload may run: the autoscaler's floor, or its replicas (1 when
    /// it has neither). For a canary of two Deployments, the smaller track's share (each track
    /// has its own disruption budget).
    pub fn fewest_pods(&self) -> i32 {
        let pods = (self.autoscale.as_ref().map(|a| a.min))
            .or(self.replicas)
            .unwrap_or(1);
        match &self.release {
            Some(Release::Canary {
                canary: Some(_),
                weight,
                controller,
                ..
            }) if *controller != Some(ReleaseController::ArgoRollouts)
                && self.autoscale.is_none()
                && pods >= 2 =>
            {
                let (stable, canary) = split(pods, weight.unwrap_or_else(defaults::canary_weight));
                stable.min(canary)
            }
            _ => pods,
        }
    }

    /// Every container port of the pod: the main container's, then each sidecar's.
    pub fn pod_ports(&self) -> impl Iterator<Item = &Port> {
        self.ports
            .iter()
            .chain(self.sidecars.iter().flat_map(|x| &x.ports))
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
        match self.service.on() {
            Some(s) if s.headless == Some(true) => Some(self.service_name()),
            _ => Some(names::governing_service(&self.name)),
        }
    }

    pub fn env(mut self, name: impl Into<String>, value: EnvValue) -> Self {
        self.env.push(EnvVar {
            name: name.into(),
            value,
        });
        self
    }

    /// Sets an env var: replaces the value of one of that name where it stands, else adds it
    /// last. What an overlay's `env.NAME = ...` does.
    pub fn set_env(mut self, name: impl Into<String>, value: EnvValue) -> Self {
        let name = name.into();
        match self.env.iter_mut().find(|e| e.name == name) {
            Some(e) => e.value = value,
            None => self.env.push(EnvVar { name, value }),
        }
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

    /// Releases the component blue-green or canary; its images come from `release` (create
    /// the component with an empty image).
    pub fn release(mut self, release: Release) -> Self {
        self.release = Some(release);
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
            http_headers: Vec::new(),
        }
    }

    /// A gRPC health check on container port `port` (a number or a port name; `None`: the
    /// main port).
    pub fn grpc(port: Option<PortTarget>) -> Self {
        Probe::new(ProbeAction::Grpc {
            port,
            service: None,
        })
    }

    /// Adds a header an HTTP probe sends.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.http_headers.push((name.into(), value.into()));
        self
    }

    /// HTTP GET `path` on container port `port`.
    pub fn http_get(path: impl Into<String>, port: i32) -> Self {
        Probe::new(ProbeAction::HttpGet {
            path: path.into(),
            port: Some(PortTarget::Number(port)),
        })
    }

    /// HTTP GET `path` on the main port (the only port, or the one named `http`).
    pub fn http(path: impl Into<String>) -> Self {
        Probe::new(ProbeAction::HttpGet {
            path: path.into(),
            port: None,
        })
    }

    /// A TCP connection to container port `port`.
    pub fn tcp(port: i32) -> Self {
        Probe::new(ProbeAction::Tcp {
            port: Some(PortTarget::Number(port)),
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
    /// A ClusterIP Service with one port, `port`, forwarding to the main container port (the
    /// only one, or the one named `http`), like `service = { port = 80 }` in a spec.
    pub fn on_port(port: i32) -> Self {
        Service {
            ports: vec![ServicePort {
                port: Some(port),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    /// A ClusterIP Service exposing only the named container ports, each under its own name
    /// and number, like `service = { ports = ["http", "grpc"] }` in a spec.
    pub fn on_ports(names: &[&str]) -> Self {
        Service {
            ports: names
                .iter()
                .map(|name| ServicePort {
                    target: Some(PortTarget::Name(name.to_string())),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
    }

    /// A Service of type `kind` with one port `port` forwarding to container port `target`.
    pub fn one_port(kind: ServiceType, port: i32, target: PortTarget) -> Self {
        Service {
            kind: Some(kind),
            ports: vec![ServicePort {
                port: Some(port),
                target: Some(target),
                ..Default::default()
            }],
            ..Default::default()
        }
    }
}

impl App {
    /// Every rule k8gen applies to an app, on a copy normalised like [`crate::render_app`]
    /// renders it: the same engine judges specs and apps built in Rust. Each [`Issue`] names
    /// the field by its path, e.g. `components.backend.service.type`.
    pub fn validate(&self) -> Result<(), Vec<Issue>> {
        let mut app = self.clone();
        defaults::normalize(&mut app);
        let issues = rules::validate(&app);
        if issues.is_empty() {
            Ok(())
        } else {
            Err(issues)
        }
    }
}
