//! The spec's types as serde reads them and schemars describes them (one source for both, so
//! the JSON Schema and the parser can never disagree). Doc comments here become the schema's
//! descriptions, which editors show on hover.
//!
//! These types say nothing about defaults or validity beyond the TOML shape.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use super::Sp;

/// Implements `Deserialize` for an enum that is a scalar or a table, choosing by the TOML
/// value's type. (serde's `untagged` would buffer the value first, which loses the spans of
/// everything inside the table.) `$expecting` completes "expected ...".
macro_rules! scalar_or_table {
    ($ty:ident, $expecting:literal, $scalar:ident: $sty:ty, $table:ident) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> serde::de::Visitor<'de> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<$ty, E> {
                        scalar::<$sty, _, E>(v, serde::de::Unexpected::Bool(v), &self)
                            .map($ty::$scalar)
                    }
                    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<$ty, E> {
                        scalar::<$sty, _, E>(v, serde::de::Unexpected::Signed(v), &self)
                            .map($ty::$scalar)
                    }
                    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<$ty, E> {
                        scalar::<$sty, _, E>(v, serde::de::Unexpected::Float(v), &self)
                            .map($ty::$scalar)
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$ty, E> {
                        scalar::<$sty, _, E>(v.to_string(), serde::de::Unexpected::Str(v), &self)
                            .map($ty::$scalar)
                    }
                    fn visit_map<A: serde::de::MapAccess<'de>>(
                        self,
                        map: A,
                    ) -> Result<$ty, A::Error> {
                        Deserialize::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                            .map($ty::$table)
                    }
                }
                d.deserialize_any(V)
            }
        }
    };
}

/// Reads a scalar as `T`, or fails with the outer type's "expected ...".
fn scalar<'de, T, S, E>(
    v: S,
    unexpected: serde::de::Unexpected<'_>,
    exp: &dyn serde::de::Expected,
) -> Result<T, E>
where
    T: Deserialize<'de>,
    S: serde::de::IntoDeserializer<'de, serde::de::value::Error>,
    E: serde::de::Error,
{
    T::deserialize(v.into_deserializer())
        .map_err(|_: serde::de::value::Error| E::invalid_type(unexpected, exp))
}

scalar_or_table!(PortSyntax, "a port number or `{ port = N, protocol = \"UDP\" }`", Number: i64, Table);
scalar_or_table!(
    EnvSyntax,
    "a string, number or boolean, or `{ config = \"KEY\" }`, `{ secret = \"KEY\" }`, `{ field = \"metadata.name\" }`",
    Value: Scalar,
    Ref
);
scalar_or_table!(ConfigValue, "a string, number or boolean, or `{ file = \"path\" }`", Value: Scalar, File);
scalar_or_table!(SecretValue, "a string, `{ env = \"VAR\" }` or `{ file = \"path\" }`", Literal: String, Source);
scalar_or_table!(ProbeSyntax, "\"GET /path\", \"TCP\", or a table with `http`, `tcp` or `exec`", Short: String, Table);
scalar_or_table!(ServiceSyntax, "`false`, `true` or a table", Enabled: bool, Table);
scalar_or_table!(NetworkSyntax, "`false`, `true` or a table with `from`, `to`, `dns`", Enabled: bool, Table);

/// A map whose keys keep their spans.
pub type SpMap<V> = BTreeMap<Sp<String>, Sp<V>>;

/// Declares a struct with the given fields plus every field a component can have, so the
/// top-level spec (whose own keys describe its main component) and `[components.NAME]` tables
/// share one list without serde's `flatten` (which would lose spans and unknown-key errors).
macro_rules! with_component_fields {
    ($(#[$meta:meta])* pub struct $name:ident { $($(#[$fmeta:meta])* pub $field:ident : $ty:ty,)* }) => {
        $(#[$meta])*
        pub struct $name {
            $($(#[$fmeta])* pub $field: $ty,)*
            /// Container image, e.g. `"task-tracker:v1"` or `"ghcr.io/acme/api@sha256:..."`.
            /// The tag also becomes the `app.kubernetes.io/version` label unless `version` is set.
            #[schemars(example = "task-tracker:v1")]
            pub image: Option<Sp<String>>,
            /// Value of the `app.kubernetes.io/version` label (default: the image tag).
            pub version: Option<Sp<String>>,
            /// Value of the `app.kubernetes.io/component` label (default: the component's key, or
            /// `server` for the main component).
            pub role: Option<Sp<String>>,
            /// Number of pods (default 1).
            #[schemars(range(min = 0))]
            pub replicas: Option<Sp<i64>>,
            /// The container's main port, named `http`. Shorthand for `ports = { http = PORT }`.
            #[schemars(range(min = 1, max = 65535), example = 5000)]
            pub port: Option<Sp<i64>>,
            /// Named container ports: `{ http = 8080, metrics = { port = 9090 } }`.
            #[serde(default)]
            pub ports: SpMap<PortSyntax>,
            /// Container entrypoint (replaces the image's ENTRYPOINT).
            pub command: Option<Vec<Sp<String>>>,
            /// Arguments to the entrypoint (replaces the image's CMD).
            pub args: Option<Vec<Sp<String>>>,
            /// Environment variables: a value, or a reference to one key of this component's
            /// config or secrets: `{ config = "KEY" }`, `{ secret = "KEY" }`, or a pod field:
            /// `{ field = "metadata.name" }`.
            #[serde(default)]
            pub env: SpMap<EnvSyntax>,
            /// Which of `config` and `secrets` are injected whole through `envFrom`.
            /// Default: each one that is neither mounted as files nor referenced key by key in `env`.
            pub env_from: Option<Vec<Sp<String>>>,
            /// Non-secret settings: a ConfigMap named `NAME-config`. A value is a string, number
            /// or boolean, or `{ file = "path" }` (read relative to the spec; non-UTF-8 files go
            /// to `binaryData`).
            #[serde(default)]
            pub config: SpMap<ConfigValue>,
            /// Secret settings: a Secret named `NAME-secrets` (base64 `data`). A value is a
            /// literal string, `{ env = "VAR" }` (read when rendering) or `{ file = "path" }`.
            #[serde(default)]
            pub secrets: SpMap<SecretValue>,
            /// Mount config and/or secrets as files: `{ config = "/etc/app", secrets = "/run/secrets/app" }`.
            pub mount: Option<Sp<MountSyntax>>,
            /// Health checks.
            pub probes: Option<Sp<ProbesSyntax>>,
            /// CPU and memory requests and limits.
            pub resources: Option<Sp<ResourcesSyntax>>,
            /// How a new version replaces the old one.
            pub rollout: Option<Sp<RolloutSyntax>>,
            /// `Always`, `IfNotPresent` or `Never` (default: Kubernetes' own rule).
            pub image_pull_policy: Option<Sp<String>>,
            /// Names of docker-registry Secrets used to pull the image.
            pub image_pull_secrets: Option<Vec<Sp<String>>>,
            /// `true` to give the component its own ServiceAccount (made anyway when `rbac` is
            /// set), or the name of an existing one.
            pub service_account: Option<Sp<ServiceAccountSyntax>>,
            /// Workload kind: `Deployment` (default), `StatefulSet`, `Job`, `CronJob` or `Pod`.
            pub kind: Option<Sp<String>>,
            /// CronJob schedule in cron syntax (`"0 2 * * *"`, `"@daily"`).
            pub schedule: Option<Sp<String>>,
            /// Job settings (for `Job` and `CronJob`).
            pub job: Option<Sp<JobSyntax>>,
            /// CronJob settings.
            pub cron: Option<Sp<CronSyntax>>,
            /// StatefulSet pod management: `OrderedReady` (default) or `Parallel`.
            pub pod_management: Option<Sp<String>>,
            /// Volumes by name: `{ mount = "/data", size = "10Gi" }` (a claim; per pod in a
            /// StatefulSet), `{ mount = "/cache" }` (emptyDir), `{ mount = "/x", claim = "existing-pvc" }`.
            #[serde(default)]
            pub volumes: SpMap<VolumeSyntax>,
            /// Init containers, run in order before the main container: `[[init]]`.
            pub init: Option<Vec<Sp<ContainerSyntax>>>,
            /// Containers running beside the main one: `[[sidecars]]`.
            pub sidecars: Option<Vec<Sp<ContainerSyntax>>>,
            /// A HorizontalPodAutoscaler: `{ min = 2, max = 10, cpu = 70, memory = 80 }`
            /// (target utilization percentages).
            pub autoscale: Option<Sp<AutoscaleSyntax>>,
            /// A PodDisruptionBudget: `{ min_available = 2 }` or `{ max_unavailable = 1 }`.
            pub disruption: Option<Sp<DisruptionSyntax>>,
            /// RBAC rules for a Role bound to the component's ServiceAccount, one string each:
            /// `"get,list,watch: pods, services"`, `"get: deployments.apps"`.
            pub rbac: Option<Vec<Sp<String>>>,
            /// Like `rbac`, for a ClusterRole and ClusterRoleBinding.
            pub cluster_rbac: Option<Vec<Sp<String>>>,
            /// NetworkPolicy: `false` for none; by default ingress is allowed to the declared
            /// ports only. `{ from = ["frontend", "namespace:monitoring", "cidr:10.0.0.0/8"],
            /// to = ["postgres"], dns = true }`.
            pub network: Option<Sp<NetworkSyntax>>,
            /// Prometheus scraping: `{ port = "metrics", path = "/metrics" }`.
            pub metrics: Option<Sp<MetricsSyntax>>,
            /// Where pods may run and how they spread.
            pub scheduling: Option<Sp<SchedulingSyntax>>,
            /// The Service in front of the pods: `false` for none, or a table. Default: a
            /// ClusterIP Service when the container has ports.
            pub service: Option<Sp<ServiceSyntax>>,
            /// Pod hardening. Secure by default; each key relaxes one thing.
            pub security: Option<Sp<SecuritySyntax>>,
            /// Labels added to this component's objects.
            #[serde(default)]
            pub labels: SpMap<String>,
            /// Annotations added to this component's objects.
            #[serde(default)]
            pub annotations: SpMap<String>,
            /// Annotations added to the pods only (e.g. `prometheus.io/scrape`).
            #[serde(default)]
            pub pod_annotations: SpMap<String>,
        }
    };
}

with_component_fields! {
    /// A k8gen app spec. The top-level keys besides `name`, `namespace` and `components`
    /// describe the app's main component, named like the app.
    #[derive(Debug, Clone, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    #[schemars(title = "k8gen app spec")]
    pub struct SpecFile {
        /// App name (DNS-1123 label): names the objects and the `app.kubernetes.io/part-of` label.
        #[schemars(example = "task-tracker")]
        pub name: Sp<String>,
        /// Namespace of every object. k8gen also emits the Namespace unless `create_namespace = false`.
        pub namespace: Option<Sp<String>>,
        /// Emit the Namespace object (default true when `namespace` is set).
        pub create_namespace: Option<Sp<bool>>,
        /// Further components, each with the same keys as the top level: `[components.db]`.
        /// Their objects are named `APP-KEY`.
        #[serde(default)]
        pub components: BTreeMap<Sp<String>, Sp<ComponentSyntax>>,
        /// Keys every component inherits unless it sets them itself (tables merge key by key).
        pub defaults: Option<Sp<ComponentSyntax>>,
        /// An Ingress routing hosts and paths to components.
        pub ingress: Option<Sp<IngressSyntax>>,
        /// A ResourceQuota for the namespace: `{ "requests.cpu" = "10", pods = 20 }`.
        pub quota: Option<SpMap<Quantity>>,
        /// A LimitRange giving containers default requests and limits.
        pub limit_range: Option<Sp<LimitRangeSyntax>>,
        /// The External Secrets store that `{ external = "..." }` secret values come from.
        pub external_secrets: Option<Sp<ExternalSecretsSyntax>>,
        /// An Argo CD Application that deploys this app's rendered folder.
        pub argocd: Option<Sp<ArgoCdSyntax>>,
        /// Changes to generated objects for fields the spec does not model.
        pub patches: Option<Vec<Sp<PatchSyntax>>>,
    }
}

with_component_fields! {
    /// One component of the app: a workload, its config, secrets and Service.
    #[derive(Debug, Clone, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    pub struct ComponentSyntax {}
}

/// A container port: a number, or `{ port = 53, protocol = "UDP" }`.
#[derive(Debug, Clone, JsonSchema)]
#[serde(untagged)]
pub enum PortSyntax {
    Number(i64),
    Table(PortTable),
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PortTable {
    #[schemars(range(min = 1, max = 65535))]
    pub port: Sp<i64>,
    /// `TCP` (default), `UDP` or `SCTP`.
    pub protocol: Option<Sp<String>>,
}

/// A string, number or boolean; always written out as a string.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Scalar {
    String(String),
    Integer(i64),
    Float(f64),
    Bool(bool),
}

impl Scalar {
    pub fn to_text(&self) -> String {
        match self {
            Scalar::String(s) => s.clone(),
            Scalar::Integer(i) => i.to_string(),
            Scalar::Float(f) => f.to_string(),
            Scalar::Bool(b) => b.to_string(),
        }
    }
}

/// An environment variable's value.
#[derive(Debug, Clone, JsonSchema)]
#[serde(untagged)]
pub enum EnvSyntax {
    Value(Scalar),
    Ref(Box<EnvRef>),
}

/// A reference: exactly one of `config`, `secret`, `field`, `service`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvRef {
    /// Read `config`/`secret` from this other component instead.
    pub from: Option<Sp<String>>,
    /// The DNS name of this component's Service (with `port`, `host:port`).
    pub service: Option<Sp<String>>,
    /// With `service`: a Service port name or number to append.
    pub port: Option<Sp<PortRef>>,
    /// Key of this component's `[config]`.
    pub config: Option<Sp<String>>,
    /// Key of this component's `[secrets]`.
    pub secret: Option<Sp<String>>,
    /// Pod field path, e.g. `metadata.name`, `status.podIP`.
    pub field: Option<Sp<String>>,
}

/// A config value: a string, number or boolean, or `{ file = "path" }`.
#[derive(Debug, Clone, JsonSchema)]
#[serde(untagged)]
pub enum ConfigValue {
    Value(Scalar),
    File(FileRef),
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FileRef {
    /// Path relative to the spec file.
    pub file: Sp<String>,
}

/// A secret value: a literal, `{ env = "VAR" }`, `{ file = "path" }` or
/// `{ external = "key/in/store" }`.
#[derive(Debug, Clone, JsonSchema)]
#[serde(untagged)]
pub enum SecretValue {
    Literal(String),
    Source(SecretSource),
}

/// Where a secret value comes from at render time: exactly one of `env`, `file`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretSource {
    /// Environment variable read when rendering.
    pub env: Option<Sp<String>>,
    /// File read when rendering, relative to the spec file; its bytes are used as they are.
    pub file: Option<Sp<String>>,
    /// Key in the External Secrets store (`external_secrets`); the value never enters the spec
    /// or the output.
    pub external: Option<Sp<String>>,
    /// Property within the external key (for JSON values).
    pub property: Option<Sp<String>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MountSyntax {
    /// Directory where every config key appears as a file.
    pub config: Option<Sp<String>>,
    /// Directory where every secret key appears as a file.
    pub secrets: Option<Sp<String>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProbesSyntax {
    /// Restart the container when this fails.
    pub liveness: Option<Sp<ProbeSyntax>>,
    /// Take the pod out of the Service while this fails.
    pub readiness: Option<Sp<ProbeSyntax>>,
    /// Hold off the other probes until this succeeds once.
    pub startup: Option<Sp<ProbeSyntax>>,
}

/// `"GET /health"`, `"GET :8080/health"`, `"TCP"`, `"TCP :5432"`, or a table.
#[derive(Debug, Clone, JsonSchema)]
#[serde(untagged)]
pub enum ProbeSyntax {
    Short(String),
    Table(Box<ProbeTable>),
}

/// A probe: exactly one of `http`, `tcp`, `exec`, plus timings.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProbeTable {
    /// HTTP GET path, e.g. `/health`.
    pub http: Option<Sp<String>>,
    /// TCP connect check.
    pub tcp: Option<Sp<bool>>,
    /// Command run in the container; healthy when it exits 0.
    pub exec: Option<Vec<Sp<String>>>,
    /// Port number or container port name (default: the main port).
    pub port: Option<Sp<PortRef>>,
    pub initial_delay_seconds: Option<Sp<i64>>,
    pub period_seconds: Option<Sp<i64>>,
    pub timeout_seconds: Option<Sp<i64>>,
    pub success_threshold: Option<Sp<i64>>,
    pub failure_threshold: Option<Sp<i64>>,
}

/// A port number or a container port name.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum PortRef {
    Number(i64),
    Name(String),
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourcesSyntax {
    /// What the scheduler reserves: `{ cpu = "100m", memory = "128Mi" }`.
    #[serde(default)]
    pub requests: SpMap<Quantity>,
    /// The most the container may use: `{ cpu = "500m", memory = "256Mi" }`.
    #[serde(default)]
    pub limits: SpMap<Quantity>,
}

/// A Kubernetes quantity: `"100m"`, `"128Mi"`, `1`, `0.5`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Quantity {
    String(String),
    Integer(i64),
    Float(f64),
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RolloutSyntax {
    /// `RollingUpdate` (default) or `Recreate`.
    pub strategy: Option<Sp<String>>,
    /// Extra pods allowed during a rolling update: a number or a percentage (`"25%"`).
    pub max_surge: Option<Sp<IntOrPercent>>,
    /// Pods that may be unavailable during a rolling update: a number or a percentage.
    pub max_unavailable: Option<Sp<IntOrPercent>>,
    /// Seconds a new pod must be ready before it counts as available.
    pub min_ready_seconds: Option<Sp<i64>>,
    /// Old ReplicaSets kept for rollback.
    pub revision_history_limit: Option<Sp<i64>>,
    /// Seconds before a stalled rollout is reported as failed.
    pub progress_deadline_seconds: Option<Sp<i64>>,
}

/// An absolute number or a percentage string such as `"25%"`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum IntOrPercent {
    Int(i64),
    Percent(String),
}

/// `false` for no Service, `true` for the default one, or a table.
#[derive(Debug, Clone, JsonSchema)]
#[serde(untagged)]
pub enum ServiceSyntax {
    Enabled(bool),
    Table(Box<ServiceTable>),
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceTable {
    /// `ClusterIP` (default), `NodePort`, `LoadBalancer` or `ExternalName`.
    #[serde(rename = "type")]
    pub kind: Option<Sp<String>>,
    /// Port the Service listens on (default: the target container port).
    pub port: Option<Sp<i64>>,
    /// Container port (number or name) the traffic goes to (default: the main port).
    pub target_port: Option<Sp<PortRef>>,
    /// Fixed node port for `NodePort`/`LoadBalancer` (30000-32767).
    pub node_port: Option<Sp<i64>>,
    /// Annotations on the Service only (e.g. for a cloud load balancer).
    #[serde(default)]
    pub annotations: SpMap<String>,
    /// No cluster IP: DNS returns the pods' addresses (default for a StatefulSet).
    pub headless: Option<Sp<bool>>,
    /// For `type = "ExternalName"`: the DNS name the Service points at.
    pub external_name: Option<Sp<String>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecuritySyntax {
    /// UID (also GID and fsGroup) the pod runs as (default 10001), or `false` to keep the
    /// image's own user.
    pub run_as_user: Option<Sp<RunAsUser>>,
    /// Refuse to start as root (default true).
    pub run_as_non_root: Option<Sp<bool>>,
    /// Mount the container's root filesystem read-only (default true).
    pub read_only_root_filesystem: Option<Sp<bool>>,
    /// With a read-only root filesystem, mount a writable emptyDir at `/tmp` (default true).
    pub writable_tmp: Option<Sp<bool>>,
    /// Allow setuid binaries to gain privileges (default false).
    pub allow_privilege_escalation: Option<Sp<bool>>,
    /// Linux capabilities added back after dropping all, e.g. `["NET_BIND_SERVICE"]`.
    pub capabilities: Option<Vec<Sp<String>>>,
    /// Seccomp profile type: `RuntimeDefault` (default) or `Unconfined`.
    pub seccomp: Option<Sp<String>>,
    /// Mount the ServiceAccount token into the pods (default false; only pods that call the
    /// Kubernetes API need it).
    pub service_account_token: Option<Sp<bool>>,
}

/// A UID, or `false` to keep the image's user.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RunAsUser {
    Id(i64),
    Image(bool),
}

/// `true` for a ServiceAccount of the component's own, or an existing one's name.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum ServiceAccountSyntax {
    Create(bool),
    Name(String),
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JobSyntax {
    /// Retries before the Job fails (Kubernetes' default 6).
    pub backoff_limit: Option<Sp<i64>>,
    /// Seconds the Job may run in all.
    pub active_deadline_seconds: Option<Sp<i64>>,
    /// `Never` (default) or `OnFailure`.
    pub restart_policy: Option<Sp<String>>,
    /// Delete the finished Job after this many seconds.
    pub ttl_seconds_after_finished: Option<Sp<i64>>,
    pub completions: Option<Sp<i64>>,
    pub parallelism: Option<Sp<i64>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CronSyntax {
    /// `Allow` (default), `Forbid` or `Replace`.
    pub concurrency_policy: Option<Sp<String>>,
    pub successful_jobs_history_limit: Option<Sp<i64>>,
    pub failed_jobs_history_limit: Option<Sp<i64>>,
    pub starting_deadline_seconds: Option<Sp<i64>>,
    pub suspend: Option<Sp<bool>>,
    /// IANA time zone of the schedule, e.g. `Europe/Berlin` (default: the controller's).
    pub time_zone: Option<Sp<String>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VolumeSyntax {
    /// Where the main container sees it.
    pub mount: Option<Sp<String>>,
    pub read_only: Option<Sp<bool>>,
    /// Size of a new PersistentVolumeClaim (per pod in a StatefulSet).
    pub size: Option<Sp<Quantity>>,
    /// Storage class of the new claim.
    pub class: Option<Sp<String>>,
    /// Access modes of the new claim (default `["ReadWriteOnce"]`).
    pub access: Option<Vec<Sp<String>>>,
    /// Name of an existing PersistentVolumeClaim to use.
    pub claim: Option<Sp<String>>,
    /// emptyDir in memory (tmpfs).
    pub memory: Option<Sp<bool>>,
}

/// An init container or sidecar.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContainerSyntax {
    pub name: Sp<String>,
    /// Default: the component's image.
    pub image: Option<Sp<String>>,
    pub command: Option<Vec<Sp<String>>>,
    pub args: Option<Vec<Sp<String>>>,
    #[serde(default)]
    pub env: SpMap<EnvSyntax>,
    /// `["config", "secrets"]` of the component to inject whole.
    pub env_from: Option<Vec<Sp<String>>>,
    /// Component volumes to mount: `{ logs = "/var/log/app" }`.
    #[serde(default)]
    pub mounts: SpMap<String>,
    pub resources: Option<Sp<ResourcesSyntax>>,
    /// Init containers only: wait until this component's Service accepts connections.
    pub wait_for: Option<Sp<String>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AutoscaleSyntax {
    pub min: Sp<i64>,
    pub max: Sp<i64>,
    /// Target average CPU utilization, percent of requests.
    pub cpu: Option<Sp<i64>>,
    /// Target average memory utilization, percent of requests.
    pub memory: Option<Sp<i64>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DisruptionSyntax {
    pub min_available: Option<Sp<IntOrPercent>>,
    pub max_unavailable: Option<Sp<IntOrPercent>>,
    /// Accept a budget that allows no voluntary eviction at all (it blocks node drains).
    pub allow_blocking: Option<Sp<bool>>,
}

/// `false` for no NetworkPolicy, `true` for the default one, or a table.
#[derive(Debug, Clone, JsonSchema)]
#[serde(untagged)]
pub enum NetworkSyntax {
    Enabled(bool),
    Table(NetworkTable),
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkTable {
    /// Who may connect to the declared ports: component names, `namespace:NAME`,
    /// `cidr:10.0.0.0/8`. Default: anyone.
    pub from: Option<Vec<Sp<String>>>,
    /// Where the pods may connect: component names, `namespace:NAME`, `cidr:...`. Default:
    /// anywhere.
    pub to: Option<Vec<Sp<String>>>,
    /// Allow DNS lookups to kube-dns when `to` restricts egress (default true).
    pub dns: Option<Sp<bool>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MetricsSyntax {
    /// Container port name or number (default: the main port).
    pub port: Option<Sp<PortRef>>,
    /// Default `/metrics`.
    pub path: Option<Sp<String>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SchedulingSyntax {
    /// Spread replicas evenly over `hostname` or `zone`.
    pub spread: Option<Sp<String>>,
    /// Keep replicas on different nodes: `preferred` or `required`.
    pub anti_affinity: Option<Sp<String>>,
    /// Prefer nodes with these labels: `{ node-type = ["ssd"] }`.
    #[serde(default)]
    pub prefer_nodes: SpMap<Vec<String>>,
    /// Only run on nodes with these labels.
    #[serde(default)]
    pub require_nodes: SpMap<Vec<String>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IngressSyntax {
    /// IngressClass, e.g. `nginx`.
    pub class: Option<Sp<String>>,
    #[serde(default)]
    pub annotations: SpMap<String>,
    /// Serve TLS for every host: `true` (Secret `APP-tls`) or a Secret name.
    pub tls: Option<Sp<TlsSyntax>>,
    /// cert-manager ClusterIssuer that issues the TLS certificate.
    pub cert_manager_issuer: Option<Sp<String>>,
    /// Routes: `{ host = "app.example.com", path = "/api", to = "backend" }`.
    pub routes: Vec<Sp<RouteSyntax>>,
}

/// `true` or a Secret name.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum TlsSyntax {
    Enabled(bool),
    Secret(String),
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteSyntax {
    pub host: Option<Sp<String>>,
    /// Default `/`.
    pub path: Option<Sp<String>>,
    /// `Prefix` (default), `Exact` or `ImplementationSpecific`.
    pub path_type: Option<Sp<String>>,
    /// Component whose Service receives the traffic, optionally with a port: `backend:http`.
    pub to: Sp<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitRangeSyntax {
    /// Default container limits: `{ cpu = "500m", memory = "512Mi" }`.
    #[serde(default)]
    pub default: SpMap<Quantity>,
    /// Default container requests.
    #[serde(default)]
    pub default_request: SpMap<Quantity>,
    #[serde(default)]
    pub max: SpMap<Quantity>,
    #[serde(default)]
    pub min: SpMap<Quantity>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExternalSecretsSyntax {
    /// Name of the SecretStore.
    pub store: Sp<String>,
    /// `SecretStore` (default) or `ClusterSecretStore`.
    pub kind: Option<Sp<String>>,
    /// How often to sync, e.g. `1h` (default).
    pub refresh_interval: Option<Sp<String>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArgoCdSyntax {
    /// Git repository URL holding the rendered manifests.
    pub repo: Sp<String>,
    /// Folder in the repository.
    pub path: Sp<String>,
    /// Branch, tag or commit (default `HEAD`).
    pub revision: Option<Sp<String>>,
    /// Argo CD project (default `default`).
    pub project: Option<Sp<String>>,
    /// Namespace Argo CD runs in (default `argocd`).
    pub namespace: Option<Sp<String>>,
    /// Destination cluster (default `https://kubernetes.default.svc`).
    pub server: Option<Sp<String>>,
    /// Sync automatically (default true), pruning and self-healing (default true).
    pub automated: Option<Sp<bool>>,
    pub prune: Option<Sp<bool>>,
    pub self_heal: Option<Sp<bool>>,
}

/// A change to one generated object: `target = "Deployment/shop-api"` and a JSON merge patch
/// (`merge = { spec = { ... } }`) and/or values at JSON pointers
/// (`set = { "/spec/template/spec/priorityClassName" = "high" }`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchSyntax {
    pub target: Sp<String>,
    pub merge: Option<Sp<serde_json::Value>>,
    #[serde(default)]
    pub set: SpMap<serde_json::Value>,
}
