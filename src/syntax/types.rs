//! The spec's types as serde reads them and schemars describes them (one source for both, so
//! the JSON Schema and the parser can never disagree). Doc comments here become the schema's
//! descriptions, which editors show on hover.
//!
//! These types say nothing about defaults or validity beyond the TOML shape.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use super::{ObjectSyntax, Sp};
use crate::values::{
    AccessMode, AntiAffinity, ConcurrencyPolicy, PodManagement, RestartPolicy, Spread, WorkloadKind,
};

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
scalar_or_table!(ProbeSyntax, "\"GET /path\", \"TCP\", \"GRPC\", or a table with `http`, `tcp`, `grpc` or `exec`", Short: String, Table);
scalar_or_table!(ServiceSyntax, "`false`, `true` or a table", Enabled: bool, Table);
scalar_or_table!(ServicePortSyntax, "a container port name or a table with `name`, `port`, `target_port`, `node_port`", Name: String, Table);
scalar_or_table!(NetworkSyntax, "`false`, `true` or a table with `from`, `to`, `dns`", Enabled: bool, Table);

/// A map whose keys keep their spans.
pub type SpMap<V> = BTreeMap<Sp<String>, Sp<V>>;

/// Declares a struct with the given fields plus every field a component can have, so the
/// top-level spec (whose own keys describe its main component) and `[components.NAME]` tables
/// share one list without serde's `flatten` (which would lose spans and unknown-key errors).
macro_rules! with_component_fields {
    ($(#[$meta:meta])* pub struct $name:ident { $($(#[$fmeta:meta])* pub $field:ident : $ty:ty,)* }) => {
        #[allow(dead_code)] // read for the spec file only
        impl $name {
            /// The keys this table has besides the component keys.
            pub const OWN_KEYS: &'static [&'static str] = &[$(stringify!($field)),*];
        }
        $(#[$meta])*
        pub struct $name {
            $($(#[$fmeta])* pub $field: $ty,)*
            /// Container image, e.g. `"task-tracker:v1"` or `"ghcr.io/acme/api@sha256:..."`.
            /// The tag also becomes the `app.kubernetes.io/version` label unless `version` is set.
            #[schemars(example = &"task-tracker:v1")]
            pub image: Option<Sp<String>>,
            /// Value of the `app.kubernetes.io/version` label (default: the image tag).
            #[schemars(example = &"1.4.2")]
            pub version: Option<Sp<String>>,
            /// Value of the `app.kubernetes.io/component` label (default: the component's key, or
            /// `server` for the main component).
            #[schemars(example = &"api")]
            pub role: Option<Sp<String>>,
            /// Number of pods (default 1).
            #[schemars(range(min = 0), example = 3)]
            pub replicas: Option<Sp<i64>>,
            /// The container's main port, named `http`. Shorthand for `ports = { http = PORT }`.
            #[schemars(range(min = 1, max = 65535), example = 5000)]
            pub port: Option<Sp<i64>>,
            /// Named container ports: `{ http = 8080, metrics = { port = 9090 } }`.
            #[serde(default)]
            #[schemars(example = serde_json::json!({"http": 8080, "metrics": {"port": 9090}}))]
            pub ports: SpMap<PortSyntax>,
            /// Container entrypoint (replaces the image's ENTRYPOINT).
            #[schemars(example = ["python", "app.py"])]
            pub command: Option<Vec<Sp<String>>>,
            /// Arguments to the entrypoint (replaces the image's CMD).
            #[schemars(example = ["--workers", "4"])]
            pub args: Option<Vec<Sp<String>>>,
            /// Environment variables: a value, or a reference to one key of this component's
            /// config or secrets: `{ config = "KEY" }`, `{ secret = "KEY" }`, or a pod field:
            /// `{ field = "metadata.name" }`.
            #[serde(default)]
            #[schemars(example = serde_json::json!({"LOG_FORMAT": "json", "DB_HOST": {"service": "postgres"}, "DB_PASSWORD": {"secret": "DB_PASSWORD"}}))]
            pub env: SpMap<EnvSyntax>,
            /// Which of `config` and `secrets` are injected whole through `envFrom`.
            /// Default: each one that is neither mounted as files nor referenced key by key in `env`.
            #[schemars(example = ["config"])]
            pub env_from: Option<Vec<Sp<crate::values::Section>>>,
            /// Non-secret settings: a ConfigMap named `NAME-config`. A value is a string, number
            /// or boolean, or `{ file = "path" }` (read relative to the spec; non-UTF-8 files go
            /// to `binaryData`).
            #[serde(default)]
            #[schemars(example = serde_json::json!({"APP_ENV": "production", "WORKERS": 4, "nginx.conf": {"file": "nginx.conf"}}))]
            pub config: SpMap<ConfigValue>,
            /// Secret settings: a Secret named `NAME-secrets` (base64 `data`). A value is a
            /// literal string, `{ env = "VAR" }` (read when rendering) or `{ file = "path" }`.
            #[serde(default)]
            #[schemars(example = serde_json::json!({"DB_PASSWORD": {"env": "SHOP_DB_PASSWORD"}, "TLS_KEY": {"file": "tls.key"}}))]
            pub secrets: SpMap<SecretValue>,
            /// Mount config and/or secrets as files: `{ config = "/etc/app", secrets = "/run/secrets/app" }`.
            #[schemars(example = serde_json::json!({"config": "/etc/app", "secrets": "/run/secrets/app"}))]
            pub mount: Option<Sp<MountSyntax>>,
            /// Health checks.
            #[schemars(example = serde_json::json!({"liveness": "GET /health", "readiness": {"http": "/ready", "period_seconds": 5}}))]
            pub probes: Option<Sp<ProbesSyntax>>,
            /// CPU and memory requests and limits.
            #[schemars(example = serde_json::json!({"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}}))]
            pub resources: Option<Sp<ResourcesSyntax>>,
            /// How a new version replaces the old one.
            #[schemars(example = serde_json::json!({"max_surge": 1, "max_unavailable": 0}))]
            pub rollout: Option<Sp<RolloutSyntax>>,
            /// `Always`, `IfNotPresent` or `Never`. Default: `Always` for an image named by tag
            /// (tags move), `IfNotPresent` for one pinned by digest. A local image built inside
            /// minikube needs `IfNotPresent` or `Never`.
            #[schemars(example = &"IfNotPresent")]
            pub image_pull_policy: Option<Sp<crate::values::PullPolicy>>,
            /// Names of docker-registry Secrets used to pull the image.
            #[schemars(example = ["registry-credentials"])]
            pub image_pull_secrets: Option<Vec<Sp<String>>>,
            /// `true` to give the component its own ServiceAccount (made anyway when `rbac` is
            /// set), or the name of an existing one.
            #[schemars(example = true)]
            pub service_account: Option<Sp<ServiceAccountSyntax>>,
            /// Workload kind: `Deployment` (default), `StatefulSet`, `Job`, `CronJob` or `Pod`.
            #[schemars(example = &"StatefulSet")]
            pub kind: Option<Sp<WorkloadKind>>,
            /// CronJob schedule in cron syntax (`"0 2 * * *"`, `"@daily"`).
            #[schemars(example = &"0 2 * * *")]
            pub schedule: Option<Sp<String>>,
            /// Job settings (for `Job` and `CronJob`).
            #[schemars(example = serde_json::json!({"backoff_limit": 3, "active_deadline_seconds": 300}))]
            pub job: Option<Sp<JobSyntax>>,
            /// CronJob settings.
            #[schemars(example = serde_json::json!({"concurrency_policy": "Forbid"}))]
            pub cron: Option<Sp<CronSyntax>>,
            /// StatefulSet pod management: `OrderedReady` (default) or `Parallel`.
            #[schemars(example = &"Parallel")]
            pub pod_management: Option<Sp<PodManagement>>,
            /// Volumes by name: `{ mount = "/data", size = "10Gi" }` (a claim; per pod in a
            /// StatefulSet), `{ mount = "/cache" }` (emptyDir), `{ mount = "/x", claim = "existing-pvc" }`.
            #[serde(default)]
            #[schemars(example = serde_json::json!({"data": {"mount": "/var/lib/data", "size": "10Gi"}, "cache": {"mount": "/cache"}}))]
            pub volumes: SpMap<VolumeSyntax>,
            /// Init containers, run in order before the main container: `[[init]]`.
            #[schemars(example = serde_json::json!([{"name": "wait-for-db", "wait_for": "postgres"}]))]
            pub init: Option<Vec<Sp<ContainerSyntax>>>,
            /// Containers running beside the main one: `[[sidecars]]`.
            #[schemars(example = serde_json::json!([{"name": "log-shipper", "image": "fluent/fluent-bit:3.1", "mounts": {"logs": "/app/logs"}}]))]
            pub sidecars: Option<Vec<Sp<ContainerSyntax>>>,
            /// A HorizontalPodAutoscaler: `{ min = 2, max = 10, cpu = 70, memory = 80 }`
            /// (target utilization percentages).
            #[schemars(example = serde_json::json!({"min": 2, "max": 10, "cpu": 70}))]
            pub autoscale: Option<Sp<AutoscaleSyntax>>,
            /// A PodDisruptionBudget: `{ min_available = 2 }` or `{ max_unavailable = 1 }`.
            #[schemars(example = serde_json::json!({"max_unavailable": 1}))]
            pub disruption: Option<Sp<DisruptionSyntax>>,
            /// RBAC rules for a Role bound to the component's ServiceAccount, one string each:
            /// `"get,list,watch: pods, services"`, `"get: deployments.apps"`.
            #[schemars(example = ["get,list,watch: pods, services", "get: deployments.apps"])]
            pub rbac: Option<Vec<Sp<String>>>,
            /// Like `rbac`, for a ClusterRole and ClusterRoleBinding.
            #[schemars(example = ["get,list: nodes"])]
            pub cluster_rbac: Option<Vec<Sp<String>>>,
            /// NetworkPolicy: `false` for none; by default ingress is allowed to the declared
            /// ports only. `{ from = ["frontend", "namespace:monitoring", "cidr:10.0.0.0/8"],
            /// to = ["postgres"], dns = true }`.
            #[schemars(example = serde_json::json!({"from": ["frontend"], "to": ["postgres"]}))]
            pub network: Option<Sp<NetworkSyntax>>,
            /// Prometheus scraping: `{ port = "metrics", path = "/metrics" }`.
            #[schemars(example = serde_json::json!({"port": "metrics", "path": "/metrics"}))]
            pub metrics: Option<Sp<MetricsSyntax>>,
            /// Where pods may run and how they spread.
            #[schemars(example = serde_json::json!({"spread": "zone", "anti_affinity": "preferred"}))]
            pub scheduling: Option<Sp<SchedulingSyntax>>,
            /// The Service in front of the pods: `false` for none, or a table. Default: a
            /// ClusterIP Service when the container has ports.
            #[schemars(example = serde_json::json!({"type": "NodePort", "port": 80, "node_port": 30080}))]
            pub service: Option<Sp<ServiceSyntax>>,
            /// A blue-green or canary release, replacing `image`: `{ strategy = "blue-green",
            /// blue = "app:v1", green = "app:v2", active = "blue" }` or `{ strategy = "canary",
            /// stable = "app:v1", canary = "app:v2", weight = 10 }`. Each track runs its own
            /// Deployment with a fixed selector; promotion is a one-line edit.
            #[schemars(example = serde_json::json!({"strategy": "blue-green", "blue": "app:v1", "green": "app:v2", "active": "blue"}))]
            pub release: Option<Sp<ReleaseSyntax>>,
            /// Pod hardening. Secure by default; each key relaxes one thing.
            #[schemars(example = serde_json::json!({"run_as_user": 999, "read_only_root_filesystem": false}))]
            pub security: Option<Sp<SecuritySyntax>>,
            /// Lint rules (`k8gen check`) not to apply to this component, by name or code:
            /// `["secrets-as-env", "K0204"]`. On the top level they apply to the whole app.
            #[schemars(example = ["secrets-as-env"])]
            pub allow: Option<Vec<Sp<String>>>,
            /// Keys inherited from `[defaults]` that this component does not take, as dotted
            /// paths into `[defaults]`: `["probes", "env.LOG_LEVEL", "resources.limits"]`.
            #[schemars(example = ["probes", "env.LOG_LEVEL"])]
            pub unset: Option<Vec<Sp<String>>>,
            /// Labels added to this component's objects.
            #[serde(default)]
            #[schemars(example = serde_json::json!({"team": "checkout"}))]
            pub labels: SpMap<String>,
            /// The labels a running app's objects already select this component's pods by, to
            /// take them over without recreating them (a Deployment's selector cannot change):
            /// k8gen uses exactly these as the workload's selector and in every selector it
            /// derives for the pods (Service, budget, NetworkPolicy, affinity, spread), and adds
            /// the recommended `app.kubernetes.io/*` labels only where no selector looks.
            #[schemars(example = serde_json::json!({"app": "redis", "role": "leader", "tier": "backend"}))]
            pub selector: Option<Sp<SpMap<String>>>,
            /// The labels that select the pods when there is no `selector`: `recommended`
            /// (`app.kubernetes.io/name` and `instance`, the default) or `app` (`app: NAME`,
            /// NAME being the name of the component's objects). On the top level it applies to
            /// every component.
            #[schemars(example = &"app")]
            pub label_scheme: Option<Sp<crate::values::LabelScheme>>,
            /// Names of existing objects to keep: `workload` (and everything named like it),
            /// `service`, `config` (the ConfigMap), `secrets` (the Secret). Every reference
            /// (env values, `envFrom`, volumes, Ingress routes, `wait_for`) follows.
            #[schemars(example = serde_json::json!({"workload": "redis-cart", "service": "redis-cart", "config": "app-settings"}))]
            pub names: Option<Sp<NamesSyntax>>,
            /// Annotations added to this component's objects.
            #[serde(default)]
            #[schemars(example = serde_json::json!({"owner": "checkout-team@example.com"}))]
            pub annotations: SpMap<String>,
            /// Annotations added to the pods only (e.g. `prometheus.io/scrape`).
            #[serde(default)]
            #[schemars(example = serde_json::json!({"sidecar.istio.io/inject": "false"}))]
            pub pod_annotations: SpMap<String>,
            /// Name of the main container (default: the component's key). Other containers
            /// of the pod (`init`, `sidecars`) may not use it.
            #[schemars(example = &"podinfod")]
            pub container: Option<Sp<String>>,
            /// More Services for the same pods, beside `service`, named `NAME-KEY`: e.g.
            /// `[services.external] type = "LoadBalancer", port = 80`. Each is a table like
            /// `service`'s.
            #[serde(default)]
            #[schemars(example = serde_json::json!({"external": {"type": "LoadBalancer", "port": 80, "target_port": 8080}}))]
            pub services: SpMap<ServiceTable>,
            /// Seconds a pod has to stop after SIGTERM before it is killed (Kubernetes'
            /// default 30).
            #[schemars(range(min = 0), example = 5)]
            pub termination_grace_period_seconds: Option<Sp<i64>>,
        }
    };
}

/// Declares a struct with the given fields plus the app-level keys of a spec (namespace,
/// components, defaults, ingress, ...) and every component key: the spec file and an overlay
/// share one list.
macro_rules! with_app_fields {
    ($(#[$meta:meta])* pub struct $name:ident { $($(#[$fmeta:meta])* pub $field:ident : $ty:ty,)* }) => {
        with_component_fields! {
            $(#[$meta])*
            pub struct $name {
                $($(#[$fmeta])* pub $field: $ty,)*
                /// Namespace of every object. k8gen also emits the Namespace unless `create_namespace = false`.
                #[schemars(example = &"practice")]
                pub namespace: Option<Sp<String>>,
                /// Emit the Namespace object (default true when `namespace` is set).
                #[schemars(example = false)]
                pub create_namespace: Option<Sp<bool>>,
                /// `false`: k8gen adds no labels or annotations of its own (the recommended
                /// `app.kubernetes.io/*` labels, the version, `checksum/*` and Flux's prune
                /// annotation); objects carry the spec's `labels`, `annotations` and the
                /// selector only (default true). For taking over objects exactly as they are;
                /// changing config then no longer rolls the pods.
                #[schemars(example = false)]
                pub extra_labels: Option<Sp<bool>>,
                /// Pull every image that names no registry (`nginx:1.27`, `acme/api:v1`) from
                /// this one: `registry.example.com/mirror` gives
                /// `registry.example.com/mirror/nginx:1.27`. Usually set by the platform.
                #[schemars(example = &"registry.example.com/mirror")]
                pub registry: Option<Sp<String>>,
                /// How Argo CD tracks this app's objects (`argocd-cm`'s
                /// `application.resourceTrackingMethod`; default `annotation`, Argo CD 3.0's).
                /// Under `label` and `annotation+label` Argo CD writes `app.kubernetes.io/instance`
                /// on every object, so k8gen leaves it off their metadata. Usually set by the
                /// platform.
                #[schemars(example = &"label")]
                pub argocd_tracking: Option<Sp<crate::values::ArgoTracking>>,
                /// How a changed ConfigMap or Secret rolls the pods reading it: `"checksum"`
                /// (default: stable names, `checksum/*` pod annotations) or `"hashed-names"`
                /// (`NAME-HASH` like Kustomize's generators; every reference follows).
                #[schemars(example = &"hashed-names")]
                pub config_rollout: Option<Sp<crate::values::ConfigRollout>>,
                /// How a tree render (`render -o DIR`) writes Secrets whose values k8gen knows:
                /// `external` (every value from `{ external = ... }`), `sops` (encrypted for the
                /// `sops.age` recipients), `sealed` (a `SealedSecret` for the controller's
                /// `sealed.certificate`) or `plain` (only where `k8gen.toml` allows it). Without
                /// it a tree render refuses such a Secret. Usually set by the platform.
                #[schemars(example = &"sops")]
                pub secrets_mode: Option<Sp<crate::values::SecretsMode>>,
                /// SOPS settings (`secrets_mode = "sops"`): `age`, the age recipients
                /// (`age1...` public keys) the data key is encrypted for.
                #[schemars(example = serde_json::json!({"age": ["age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"]}))]
                pub sops: Option<Sp<SopsSyntax>>,
                /// Sealed-secrets settings (`secrets_mode = "sealed"`): `certificate`, the
                /// controller's certificate file (`kubeseal --fetch-cert > FILE`, relative to the
                /// folder of the file that names it, inside the repo), and `scope` (`strict`, `namespace-wide`,
                /// `cluster-wide`; default `strict`).
                #[schemars(example = serde_json::json!({"certificate": "certs/prod.pem", "scope": "strict"}))]
                pub sealed: Option<Sp<SealedSyntax>>,
                /// Further components, each with the same keys as the top level: `[components.db]`.
                /// Their objects are named `APP-KEY`.
                #[serde(default)]
                #[schemars(example = serde_json::json!({"postgres": {"kind": "StatefulSet", "image": "postgres:16", "ports": {"postgres": 5432}}}))]
                pub components: BTreeMap<Sp<String>, Sp<ComponentSyntax>>,
                /// Keys every component inherits unless it sets them itself (tables merge key by key).
                #[schemars(example = serde_json::json!({"resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}))]
                pub defaults: Option<Sp<ComponentSyntax>>,
                /// An Ingress routing hosts and paths to components.
                #[schemars(example = serde_json::json!({"class": "nginx", "tls": true, "routes": [{"host": "shop.example.com", "to": "web"}]}))]
                pub ingress: Option<Sp<IngressSyntax>>,
                /// A ResourceQuota for the namespace: `{ "requests.cpu" = "10", pods = 20 }`.
                #[schemars(example = serde_json::json!({"requests.cpu": "10", "pods": 20}))]
                pub quota: Option<SpMap<Quantity>>,
                /// A LimitRange giving containers default requests and limits.
                #[schemars(example = serde_json::json!({"default": {"cpu": "500m"}, "default_request": {"cpu": "100m"}}))]
                pub limit_range: Option<Sp<LimitRangeSyntax>>,
                /// The External Secrets store that `{ external = "..." }` secret values come from.
                #[schemars(example = serde_json::json!({"store": "aws-secrets-manager"}))]
                pub external_secrets: Option<Sp<ExternalSecretsSyntax>>,
                /// An Argo CD Application that deploys this app's rendered folder.
                #[schemars(example = serde_json::json!({"repo": "https://github.com/acme/k8s-manifests", "path": "apps/shop"}))]
                pub argocd: Option<Sp<ArgoCdSyntax>>,
                /// Changes to generated objects for fields the spec does not model.
                #[schemars(example = serde_json::json!([{"target": "Deployment/shop-api", "merge": {"spec": {"template": {"spec": {"dnsPolicy": "ClusterFirstWithHostNet"}}}}}]))]
                pub patches: Option<Vec<Sp<PatchSyntax>>>,
                /// Kubernetes objects k8gen writes as they are (passthrough): `[[objects]]` with
                /// `apiVersion`, `kind`, `metadata` and the rest, for kinds no key makes (custom
                /// resources, CRDs, RBAC of operators...). No labels are added; a namespaced
                /// built-in kind without `metadata.namespace` gets the app's namespace. Overlays
                /// merge them by `kind` + `metadata.name`.
                #[schemars(example = serde_json::json!([{"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor", "metadata": {"name": "shop-api"}, "spec": {"selector": {"matchLabels": {"app": "api"}}, "endpoints": [{"port": "http"}]}}]))]
                pub objects: Option<Vec<Sp<ObjectSyntax>>>,
            }
        }
    };
}

with_app_fields! {
    /// A k8gen app spec. The top-level keys besides `name`, `namespace` and `components`
    /// describe the app's main component, named like the app.
    #[derive(Debug, Clone, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    #[schemars(title = "k8gen app spec")]
    // The component keys of the top level are read through `Spec::main` (with `[defaults]`
    // merged in); here they are for the parser and the schema.
    #[allow(dead_code)]
    pub struct SpecFile {
        /// App name (DNS-1123 label): names the objects and the `app.kubernetes.io/part-of` label.
        #[schemars(example = &"task-tracker")]
        pub name: Sp<String>,
        /// Per-environment overlays: `[overlay.production]` holds any key of the spec (and
        /// `[overlay.production.components.api]`), merged over the spec by `k8gen render
        /// --env production`. Tables merge key by key, scalars and lists replace, lists of named
        /// things (`init`, `sidecars`, `ingress.routes`, `patches`) merge item by item,
        /// `components.KEY = false` and `remove = ["PATH"]` take things away.
        #[serde(default)]
        #[schemars(example = serde_json::json!({"production": {"replicas": 5, "autoscale": {"min": 5, "max": 20, "cpu": 70}}}))]
        pub overlay: BTreeMap<Sp<String>, Sp<OverlaySyntax>>,
    }
}

with_app_fields! {
    /// An environment's overlay: `[overlay.ENV]` in a spec, or the whole of the file
    /// `STEM.ENV.toml` beside the spec `STEM.toml`. Any key of the spec but `name`.
    #[derive(Debug, Clone, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    #[schemars(title = "k8gen overlay")]
    #[allow(dead_code)]
    pub struct OverlaySyntax {
        /// What to take away from the layers below, as dotted paths: `"components.api.autoscale"`,
        /// `"env.DEBUG"`, `"sidecars.log-shipper"` (an item of a named list, by its name),
        /// `"components.worker"`.
        #[schemars(example = ["components.api.autoscale", "env.DEBUG"])]
        pub remove: Option<Vec<Sp<String>>>,
    }
}

with_component_fields! {
    /// What a platform's `[defaults]` may set: any component key (inherited by every
    /// component, like a spec's `[defaults]`), the app-wide `labels`/`annotations`, and some
    /// app keys.
    #[derive(Debug, Clone, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    pub struct PlatformDefaultsSyntax {
        /// Emit each app's Namespace object.
        #[schemars(example = false)]
        pub create_namespace: Option<Sp<bool>>,
        /// The registry images without one come from (a mirror or the company's registry).
        #[schemars(example = &"registry.example.com/mirror")]
        pub registry: Option<Sp<String>>,
        /// How Argo CD tracks every app's objects (`argocd-cm`'s
        /// `application.resourceTrackingMethod`).
        #[schemars(example = &"label")]
        pub argocd_tracking: Option<Sp<crate::values::ArgoTracking>>,
        /// How every app's changed config rolls its pods: `"checksum"` or `"hashed-names"`.
        #[schemars(example = &"hashed-names")]
        pub config_rollout: Option<Sp<crate::values::ConfigRollout>>,
        /// How tree renders write Secrets of every app: `external`, `sops`, `sealed` or `plain`.
        #[schemars(example = &"sops")]
        pub secrets_mode: Option<Sp<crate::values::SecretsMode>>,
        /// SOPS settings of every app: `age` recipients.
        #[schemars(example = serde_json::json!({"age": ["age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"]}))]
        pub sops: Option<Sp<SopsSyntax>>,
        /// Sealed-secrets settings of every app: the controller's `certificate` (usually one
        /// per environment, in `[environments.ENV.defaults]`) and the `scope`.
        #[schemars(example = serde_json::json!({"certificate": "certs/prod.pem", "scope": "strict"}))]
        pub sealed: Option<Sp<SealedSyntax>>,
        /// A ResourceQuota for each app's namespace.
        #[schemars(example = serde_json::json!({"requests.cpu": "10", "pods": 20}))]
        pub quota: Option<SpMap<Quantity>>,
        /// A LimitRange for each app's namespace.
        #[schemars(example = serde_json::json!({"default": {"cpu": "500m"}, "default_request": {"cpu": "100m"}}))]
        pub limit_range: Option<Sp<LimitRangeSyntax>>,
        /// The External Secrets store of every app.
        #[schemars(example = serde_json::json!({"store": "vault", "kind": "ClusterSecretStore"}))]
        pub external_secrets: Option<Sp<ExternalSecretsSyntax>>,
        /// Settings of every app's Ingress (only apps that declare routes get one).
        #[schemars(example = serde_json::json!({"class": "nginx", "tls": true, "cert_manager_issuer": "letsencrypt-prod"}))]
        pub ingress: Option<Sp<IngressDefaultsSyntax>>,
        /// Settings of every app's Argo CD Application (only apps with `argocd` get one): the
        /// destination cluster of an environment, its project, the repository.
        #[schemars(example = serde_json::json!({"server": "https://prod.k8s.example.com", "project": "production"}))]
        pub argocd: Option<Sp<ArgoCdDefaultsSyntax>>,
    }
}

/// The platform file `k8gen.toml`, found in a spec's folder or any folder above it: what a
/// platform team owns for every app below it.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "k8gen platform file (k8gen.toml)")]
pub struct PlatformFile {
    /// The environments apps are rendered for (`k8gen render --env NAME`, `--all-envs`).
    #[serde(default)]
    #[schemars(example = serde_json::json!({"staging": {"namespace": "{app}-staging"}, "production": {"namespace": "{app}"}}))]
    pub environments: BTreeMap<Sp<String>, Sp<EnvironmentSyntax>>,
    /// Keys every app below inherits; the app's own keys win (tables merge key by key).
    // Merged as a TOML tree (syntax::layers); typed here for the schema and shape errors.
    #[allow(dead_code)]
    #[schemars(example = serde_json::json!({"labels": {"platform.company.com/team": "checkout"}, "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}))]
    pub defaults: Option<Sp<PlatformDefaultsSyntax>>,
    /// Lint rules raised to errors, labels every app must carry, and the apps excepted.
    #[schemars(example = serde_json::json!({"deny": ["latest-or-untagged-image", "missing-resources"], "require_labels": ["platform.company.com/team"]}))]
    pub policy: Option<Sp<PolicySyntax>>,
    /// What tree renders may write of secrets: `allow_plain = true` lets `secrets_mode =
    /// "plain"` write plain Secrets into the tree (off by default).
    #[schemars(example = serde_json::json!({"allow_plain": false}))]
    pub secrets: Option<Sp<SecretsSyntax>>,
    /// How `k8gen render -o DIR` writes a GitOps tree.
    // Read from the TOML tree (syntax::layers::platform_gitops); typed here for the schema and
    // shape errors.
    #[allow(dead_code)]
    #[schemars(example = serde_json::json!({"kustomization": true, "folder": "{env}/{app}"}))]
    pub gitops: Option<Sp<GitOpsSyntax>>,
    /// What specs below may read from the machine that renders them.
    #[schemars(example = serde_json::json!({"env": {"allow": ["SHOP_*", "BUILD_ID"]}}))]
    pub inputs: Option<Sp<InputsSyntax>>,
}

/// What specs may read from the machine that renders them. Files must always be inside the
/// repo root (only `--allow-outside-root`, on the command line, relaxes that: a committed file
/// cannot); environment variables only if allowed here or with `--allow-env`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InputsSyntax {
    /// Environment variables `{ env = "NAME" }` may read.
    pub env: Option<Sp<EnvInputsSyntax>>,
}

/// The environment variables specs may read.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvInputsSyntax {
    /// Names or glob patterns (`APP_*`); a variable matching none is an error (by default none
    /// is allowed, so a spec cannot read the renderer's credentials).
    #[serde(default)]
    #[schemars(example = ["SHOP_*", "BUILD_ID"])]
    pub allow: Vec<Sp<String>>,
}

/// The platform's `[secrets]` table.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretsSyntax {
    /// Let apps with `secrets_mode = "plain"` write plain (base64) Secrets into rendered
    /// trees, i.e. into Git. Default false.
    #[schemars(example = true)]
    pub allow_plain: Option<Sp<bool>>,
}

/// SOPS settings of an app.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SopsSyntax {
    /// age recipients (`age1...` X25519 public keys); each can decrypt the Secrets.
    #[serde(default)]
    #[schemars(example = ["age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"])]
    pub age: Vec<Sp<String>>,
}

/// Sealed-secrets settings of an app (`secrets_mode = "sealed"`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SealedSyntax {
    /// The sealed-secrets controller's certificate (PEM), as `kubeseal --fetch-cert` prints
    /// it: a file relative to the folder of the file that names it (`k8gen.toml`'s for its
    /// defaults), inside the repo like every `{ file }`.
    #[schemars(example = &"certs/prod.pem")]
    pub certificate: Option<Sp<String>>,
    /// Where the values may be unsealed: `strict` (this Secret's name and namespace; the
    /// default), `namespace-wide` or `cluster-wide`, as `kubeseal --scope`.
    #[schemars(example = &"strict")]
    pub scope: Option<Sp<crate::values::SealedScope>>,
}

/// The platform's GitOps tree settings.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // read from the TOML tree, like `PlatformFile::gitops`
pub struct GitOpsSyntax {
    /// Write a `kustomization.yaml` listing its files into every app folder (default `true`;
    /// `render --no-kustomization` also turns it off).
    pub kustomization: Option<Sp<bool>>,
    /// The folder of an app inside the output folder with `--all-envs`: `{env}` and `{app}`
    /// (the spec file's stem) are replaced; default `{env}/{app}`.
    #[schemars(example = &"{app}/{env}")]
    pub folder: Option<Sp<String>>,
    /// The output folder's path inside the Git repository the engines read (`deploy`): what
    /// the `path` of every Argo CD Application and Flux Kustomization starts with. Default: the
    /// output folder relative to the repo root (the folder of `k8gen.toml`, else the git root).
    #[schemars(example = &"deploy")]
    pub repo_path: Option<Sp<String>>,
    /// Write an Argo CD `Application` per app and environment (app-of-apps: one root
    /// Application per environment) into `ENV/_argocd/`.
    #[schemars(example = serde_json::json!({"repo_url": "https://github.com/acme/config", "revision": "main", "project": "default"}))]
    pub argocd: Option<Sp<ArgoCdTreeSyntax>>,
    /// Write a Flux `Kustomization` per app and environment (and one per pre-deploy folder),
    /// with one entry point per environment, into `ENV/_flux/`.
    #[schemars(example = serde_json::json!({"source": "GitRepository/flux-system", "namespace": "flux-system", "interval": "10m"}))]
    pub flux: Option<Sp<FluxTreeSyntax>>,
}

/// The Argo CD Applications of a tree render (`[gitops] argocd`; an environment's `argocd`
/// overrides keys of it).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArgoCdTreeSyntax {
    /// The Git repository holding the tree (required).
    #[schemars(example = &"https://github.com/acme/k8s-manifests")]
    pub repo_url: Option<Sp<String>>,
    /// Branch, tag or commit Argo CD syncs (default `HEAD`).
    #[schemars(example = &"main")]
    pub revision: Option<Sp<String>>,
    /// The Argo CD project of every Application (default `default`).
    #[schemars(example = &"default")]
    pub project: Option<Sp<String>>,
    /// The namespace Argo CD runs in, where the Applications go (default `argocd`).
    #[schemars(example = &"argocd")]
    pub namespace: Option<Sp<String>>,
    /// The destination cluster (default `https://kubernetes.default.svc`, Argo CD's own).
    #[schemars(example = &"https://prod.k8s.example.com")]
    pub server: Option<Sp<String>>,
    /// Sync automatically (default `true`).
    pub automated: Option<Sp<bool>>,
    /// Delete what leaves the folder (default `true`; an app's Application then carries Argo
    /// CD's resources finalizer, so removing the app deletes its objects).
    pub prune: Option<Sp<bool>>,
    /// Undo changes made in the cluster (default `true`).
    pub self_heal: Option<Sp<bool>>,
    /// `syncOptions` of every app's Application (default none).
    #[schemars(example = ["ServerSideApply=true"])]
    pub sync_options: Option<Vec<Sp<String>>>,
}

/// The Flux Kustomizations of a tree render (`[gitops] flux`; an environment's `flux`
/// overrides keys of it).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FluxTreeSyntax {
    /// The source the Kustomizations read: `KIND/NAME` or `KIND/NAMESPACE/NAME` (default
    /// `GitRepository/flux-system`, what `flux bootstrap` makes).
    #[schemars(example = &"GitRepository/flux-system")]
    pub source: Option<Sp<String>>,
    /// The namespace of the Kustomizations (default `flux-system`).
    #[schemars(example = &"flux-system")]
    pub namespace: Option<Sp<String>>,
    /// How often Flux reconciles (default `10m`).
    #[schemars(example = &"10m")]
    pub interval: Option<Sp<String>>,
    /// How long a reconciliation (and a pre-deploy Job) may take (Flux's default if unset).
    #[schemars(example = &"5m")]
    pub timeout: Option<Sp<String>>,
    /// Delete what leaves an app's folder (default `true`).
    pub prune: Option<Sp<bool>>,
}

/// One environment of the platform.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentSyntax {
    /// The namespace of every app in this environment; `{app}` and `{env}` are replaced by the
    /// app's and the environment's names. An app's own `[overlay.ENV]` may still set another.
    #[schemars(example = &"{app}-staging")]
    pub namespace: Option<Sp<String>>,
    /// Keys every app inherits in this environment, over the platform's `[defaults]`.
    #[allow(dead_code)] // merged as a TOML tree, like `PlatformFile::defaults`
    #[schemars(example = serde_json::json!({"replicas": 1}))]
    pub defaults: Option<Sp<PlatformDefaultsSyntax>>,
    /// Namespaces this environment owns: a tree render writes them once, into
    /// `ENV/_namespaces/`, and no app may emit them (`create_namespace = true` for one is an
    /// error).
    #[schemars(example = ["payments", "shared"])]
    pub namespaces: Option<Vec<Sp<String>>>,
    /// `true`: the namespaces the `namespace` pattern gives the apps are the environment's
    /// (written once each into `ENV/_namespaces/`; apps in them emit no Namespace).
    #[schemars(example = true)]
    pub own_namespaces: Option<Sp<bool>>,
    /// This environment's Argo CD settings over `[gitops] argocd` (its cluster, project).
    #[schemars(example = serde_json::json!({"server": "https://prod.k8s.example.com", "project": "production"}))]
    pub argocd: Option<Sp<ArgoCdTreeSyntax>>,
    /// This environment's Flux settings over `[gitops] flux`.
    #[schemars(example = serde_json::json!({"interval": "1m"}))]
    pub flux: Option<Sp<FluxTreeSyntax>>,
}

/// Argo CD settings a platform gives every app's Application.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // merged as a TOML tree, like `PlatformFile::defaults`
pub struct ArgoCdDefaultsSyntax {
    /// Git repository URL holding the rendered manifests.
    #[schemars(example = &"https://github.com/acme/k8s-manifests")]
    pub repo: Option<Sp<String>>,
    /// Branch, tag or commit.
    #[schemars(example = &"main")]
    pub revision: Option<Sp<String>>,
    /// Argo CD project.
    #[schemars(example = &"production")]
    pub project: Option<Sp<String>>,
    /// Namespace Argo CD runs in.
    #[schemars(example = &"argocd")]
    pub namespace: Option<Sp<String>>,
    /// Destination cluster: the environment's cluster.
    #[schemars(example = &"https://prod.k8s.example.com")]
    pub server: Option<Sp<String>>,
}

/// The platform's rules.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicySyntax {
    /// Lint rules (names or codes, `k8gen check --list`) that are errors for every app, in
    /// `render` too. An app's `allow` cannot switch them off; only `exceptions` can.
    #[schemars(example = ["latest-or-untagged-image", "missing-resources", "plain-http-ingress"])]
    pub deny: Option<Vec<Sp<String>>>,
    /// Labels every app must carry (from its spec or the platform's `[defaults]`): rule
    /// `missing-required-labels`.
    #[schemars(example = ["platform.company.com/team"])]
    pub require_labels: Option<Vec<Sp<String>>>,
    /// Apps that may `allow` a denied rule: app name → rules.
    #[serde(default)]
    #[schemars(example = serde_json::json!({"legacy-billing": ["missing-resources"]}))]
    pub exceptions: SpMap<Vec<Sp<String>>>,
}

with_component_fields! {
    /// One component of the app: a workload, its config, secrets and Service.
    #[derive(Debug, Clone, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    // `unset` is applied while merging `[defaults]`, on the TOML tree.
    #[allow(dead_code)]
    pub struct ComponentSyntax {}
}

/// Pinned names of a component's existing objects.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NamesSyntax {
    /// The workload and the objects named like it (autoscaler, budget, NetworkPolicy,
    /// ServiceAccount, RBAC); also the `app.kubernetes.io/instance` label and the base of the
    /// other names.
    #[schemars(example = &"redis-leader")]
    pub workload: Option<Sp<String>>,
    /// The component's Service.
    #[schemars(example = &"redis-cart")]
    pub service: Option<Sp<String>>,
    /// The ConfigMap of `config`.
    #[schemars(example = &"app-settings")]
    pub config: Option<Sp<String>>,
    /// The Secret of `secrets`.
    #[schemars(example = &"shop-credentials")]
    pub secrets: Option<Sp<String>>,
    /// The HorizontalPodAutoscaler of `autoscale`.
    #[schemars(example = &"backend-hpa")]
    pub autoscaler: Option<Sp<String>>,
    /// The PodDisruptionBudget of `disruption`.
    #[schemars(example = &"backend-pdb")]
    pub budget: Option<Sp<String>>,
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
    /// Port number.
    #[schemars(range(min = 1, max = 65535), example = 53)]
    pub port: Sp<i64>,
    /// `TCP` (default), `UDP` or `SCTP`.
    #[schemars(example = &"UDP")]
    pub protocol: Option<Sp<crate::values::Protocol>>,
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
    #[schemars(example = &"backend")]
    pub from: Option<Sp<String>>,
    /// The DNS name of this component's Service (with `port`, `host:port`).
    #[schemars(example = &"postgres")]
    pub service: Option<Sp<String>>,
    /// With `service`: a Service port name or number to append.
    #[schemars(example = &"http")]
    pub port: Option<Sp<PortRef>>,
    /// Key of this component's `[config]`.
    #[schemars(example = &"LOG_LEVEL")]
    pub config: Option<Sp<String>>,
    /// Key of this component's `[secrets]`.
    #[schemars(example = &"DB_PASSWORD")]
    pub secret: Option<Sp<String>>,
    /// Pod field path, e.g. `metadata.name`, `status.podIP`.
    #[schemars(example = &"metadata.name")]
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
    #[schemars(example = &"nginx.conf")]
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
    #[schemars(example = &"SHOP_DB_PASSWORD")]
    pub env: Option<Sp<String>>,
    /// File read when rendering, relative to the spec file; its bytes are used as they are.
    #[schemars(example = &"secrets/db-password.txt")]
    pub file: Option<Sp<String>>,
    /// Key in the External Secrets store (`external_secrets`); the value never enters the spec
    /// or the output.
    #[schemars(example = &"prod/shop/db-password")]
    pub external: Option<Sp<String>>,
    /// Property within the external key (for JSON values).
    #[schemars(example = &"password")]
    pub property: Option<Sp<String>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MountSyntax {
    /// Directory where every config key appears as a file.
    #[schemars(example = &"/etc/app")]
    pub config: Option<Sp<String>>,
    /// Directory where every secret key appears as a file.
    #[schemars(example = &"/run/secrets/app")]
    pub secrets: Option<Sp<String>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProbesSyntax {
    /// Restart the container when this fails.
    #[schemars(example = &"GET /health")]
    pub liveness: Option<Sp<ProbeSyntax>>,
    /// Take the pod out of the Service while this fails.
    #[schemars(example = &"GET /ready")]
    pub readiness: Option<Sp<ProbeSyntax>>,
    /// Hold off the other probes until this succeeds once.
    #[schemars(example = serde_json::json!({"http": "/started", "failure_threshold": 30}))]
    pub startup: Option<Sp<ProbeSyntax>>,
}

/// `"GET /health"`, `"GET :8080/health"`, `"TCP"`, `"TCP :5432"`, `"GRPC"`, `"GRPC :9090"`,
/// or a table.
#[derive(Debug, Clone, JsonSchema)]
#[serde(untagged)]
pub enum ProbeSyntax {
    Short(String),
    Table(Box<ProbeTable>),
}

/// A probe: exactly one of `http`, `tcp`, `grpc`, `exec`, plus timings.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProbeTable {
    /// HTTP GET path, e.g. `/health`.
    #[schemars(example = &"/health")]
    pub http: Option<Sp<String>>,
    /// TCP connect check.
    #[schemars(example = true)]
    pub tcp: Option<Sp<bool>>,
    /// Command run in the container; healthy when it exits 0.
    #[schemars(example = ["pg_isready", "-U", "postgres"])]
    pub exec: Option<Vec<Sp<String>>>,
    /// Port number or container port name (default: the main port).
    #[schemars(example = &"http")]
    pub port: Option<Sp<PortRef>>,
    /// Seconds after the container starts before the first check.
    #[schemars(example = 10)]
    pub initial_delay_seconds: Option<Sp<i64>>,
    /// Seconds between checks (Kubernetes default 10).
    #[schemars(example = 10)]
    pub period_seconds: Option<Sp<i64>>,
    /// Seconds a check may take (Kubernetes default 1).
    #[schemars(example = 2)]
    pub timeout_seconds: Option<Sp<i64>>,
    /// Successes in a row that count as healthy (must be 1 for liveness and startup).
    #[schemars(example = 1)]
    pub success_threshold: Option<Sp<i64>>,
    /// Failures in a row that count as unhealthy (Kubernetes default 3).
    #[schemars(example = 3)]
    pub failure_threshold: Option<Sp<i64>>,
    /// gRPC health check (`grpc.health.v1.Health/Check`): a port number or container port
    /// name, or `true` for `port` (default: the main port).
    #[schemars(example = 9090)]
    pub grpc: Option<Sp<GrpcSyntax>>,
    /// With `grpc`: the service name sent in the check (default: none, the whole server).
    #[schemars(example = &"hipstershop.CartService")]
    pub service: Option<Sp<String>>,
    /// With `http`: request headers, `{ "X-Probe" = "1" }` (sent in the order written).
    #[serde(default)]
    #[schemars(example = serde_json::json!({"X-Probe": "1"}))]
    pub headers: SpMap<String>,
}

/// `true` (the probe's `port`, else the main port), a port number or a container port name.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum GrpcSyntax {
    On(bool),
    Port(PortRef),
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
    #[schemars(example = serde_json::json!({"cpu": "100m", "memory": "128Mi"}))]
    pub requests: SpMap<Quantity>,
    /// The most the container may use: `{ cpu = "500m", memory = "256Mi" }`.
    #[serde(default)]
    #[schemars(example = serde_json::json!({"cpu": "500m", "memory": "256Mi"}))]
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
    #[schemars(example = &"Recreate")]
    pub strategy: Option<Sp<crate::values::RolloutStrategy>>,
    /// Extra pods allowed during a rolling update: a number or a percentage (`"25%"`).
    #[schemars(example = &"25%")]
    pub max_surge: Option<Sp<IntOrPercent>>,
    /// Pods that may be unavailable during a rolling update: a number or a percentage.
    #[schemars(example = 0)]
    pub max_unavailable: Option<Sp<IntOrPercent>>,
    /// Seconds a new pod must be ready before it counts as available.
    #[schemars(example = 10)]
    pub min_ready_seconds: Option<Sp<i64>>,
    /// Old ReplicaSets kept for rollback.
    #[schemars(example = 5)]
    pub revision_history_limit: Option<Sp<i64>>,
    /// Seconds before a stalled rollout is reported as failed.
    #[schemars(example = 600)]
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
    #[schemars(example = &"NodePort")]
    pub kind: Option<Sp<crate::values::ServiceType>>,
    /// Port the Service listens on (default: the target container port).
    #[schemars(example = 80)]
    pub port: Option<Sp<i64>>,
    /// Container port (number or name) the traffic goes to (default: the one numbered like
    /// `port`, else the main port). Written as given: a number stays a number.
    #[schemars(example = &"http")]
    pub target_port: Option<Sp<PortRef>>,
    /// Fixed node port for `NodePort`/`LoadBalancer` (30000-32767).
    #[schemars(example = 30080)]
    pub node_port: Option<Sp<i64>>,
    /// Annotations on the Service only (e.g. for a cloud load balancer).
    #[serde(default)]
    #[schemars(example = serde_json::json!({"service.beta.kubernetes.io/aws-load-balancer-type": "nlb"}))]
    pub annotations: SpMap<String>,
    /// No cluster IP: DNS returns the pods' addresses (default for a StatefulSet).
    #[schemars(example = true)]
    pub headless: Option<Sp<bool>>,
    /// For `type = "ExternalName"`: the DNS name the Service points at.
    #[schemars(example = &"db.example.com")]
    pub external_name: Option<Sp<String>>,
    /// Several ports, instead of `port`/`target_port`/`node_port`: container port names
    /// (`["http", "grpc"]`: each exposed under its own name and number; ports not listed are
    /// not exposed) or tables `{ name, port, target_port, node_port }`.
    #[schemars(example = serde_json::json!(["http", {"name": "grpc", "port": 9999, "target_port": "grpc"}]))]
    pub ports: Option<Vec<Sp<ServicePortSyntax>>>,
}

/// A container port name, or a table describing one Service port.
#[derive(Debug, Clone, JsonSchema)]
#[serde(untagged)]
pub enum ServicePortSyntax {
    Name(String),
    Table(ServicePortTable),
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServicePortTable {
    /// Name of the Service port (default: the target container port's name).
    #[schemars(example = &"http")]
    pub name: Option<Sp<String>>,
    /// Port the Service listens on (default: the target container port's number).
    #[schemars(example = 80)]
    pub port: Option<Sp<i64>>,
    /// Container port (number or name) the traffic goes to (default: the one numbered like
    /// `port`, else the main port). Written as given: a number stays a number.
    #[schemars(example = 8080)]
    pub target_port: Option<Sp<PortRef>>,
    /// Fixed node port for `NodePort`/`LoadBalancer` (30000-32767).
    #[schemars(example = 30080)]
    pub node_port: Option<Sp<i64>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecuritySyntax {
    /// UID (also GID and fsGroup) the pod runs as (default 10001), or `false` to keep the
    /// image's own user.
    #[schemars(example = 999)]
    pub run_as_user: Option<Sp<RunAsUser>>,
    /// Refuse to start as root (default true).
    #[schemars(example = true)]
    pub run_as_non_root: Option<Sp<bool>>,
    /// Mount the container's root filesystem read-only (default true).
    #[schemars(example = false)]
    pub read_only_root_filesystem: Option<Sp<bool>>,
    /// With a read-only root filesystem, mount a writable emptyDir at `/tmp` (default true).
    #[schemars(example = false)]
    pub writable_tmp: Option<Sp<bool>>,
    /// Allow setuid binaries to gain privileges (default false).
    #[schemars(example = false)]
    pub allow_privilege_escalation: Option<Sp<bool>>,
    /// Linux capabilities added back after dropping all, e.g. `["NET_BIND_SERVICE"]`.
    #[schemars(example = ["NET_BIND_SERVICE"])]
    pub capabilities: Option<Vec<Sp<String>>>,
    /// Seccomp profile type: `RuntimeDefault` (default) or `Unconfined`.
    #[schemars(example = &"RuntimeDefault")]
    pub seccomp: Option<Sp<crate::values::Seccomp>>,
    /// Mount the ServiceAccount token into the pods (default false; only pods that call the
    /// Kubernetes API need it).
    #[schemars(example = true)]
    pub service_account_token: Option<Sp<bool>>,
    /// `false` for an image that starts as root and drops privileges itself (official
    /// postgres, nginx, redis images): run as the image's user, without `runAsNonRoot`, with
    /// the runtime's default capabilities and a writable root filesystem. Privilege escalation
    /// stays off and seccomp `RuntimeDefault`; the other keys set here still apply on top.
    /// Default true. `k8gen check` warns (relaxed-security).
    #[schemars(example = false)]
    pub hardened: Option<Sp<bool>>,
}

/// A release strategy and the image of each track.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseSyntax {
    /// `blue-green` or `canary`.
    #[schemars(example = &"canary")]
    pub strategy: Sp<crate::values::ReleaseStrategy>,
    /// Blue-green: the image of the blue Deployment, or `false` for none.
    #[schemars(example = &"app:v1")]
    pub blue: Option<Sp<TrackImage>>,
    /// Blue-green: the image of the green Deployment, or `false` for none.
    #[schemars(example = &"app:v2")]
    pub green: Option<Sp<TrackImage>>,
    /// Blue-green: the colour the Service selects (default: the only colour given, else blue);
    /// the other one is behind `NAME-preview`.
    #[schemars(example = &"green")]
    pub active: Option<Sp<crate::values::Colour>>,
    /// Canary: the image of the stable Deployment.
    #[schemars(example = &"app:v1")]
    pub stable: Option<Sp<String>>,
    /// Canary: the image of the canary Deployment, or `false` for none.
    #[schemars(example = &"app:v2")]
    pub canary: Option<Sp<TrackImage>>,
    /// Canary: percent of traffic and replicas on the canary, 1-99 (default 10).
    #[schemars(range(min = 1, max = 99), example = 10)]
    pub weight: Option<Sp<i64>>,
    /// Canary: `deployments` (default: a stable and a canary Deployment) or `argo-rollouts`
    /// (one Argo Rollouts `Rollout` with canary steps).
    #[schemars(example = &"argo-rollouts")]
    pub controller: Option<Sp<crate::values::ReleaseController>>,
}

/// An image, or `false` for no Deployment on this track.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum TrackImage {
    Image(String),
    Off(bool),
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
    #[schemars(example = 3)]
    pub backoff_limit: Option<Sp<i64>>,
    /// Seconds the Job may run in all.
    #[schemars(example = 300)]
    pub active_deadline_seconds: Option<Sp<i64>>,
    /// `Never` (default) or `OnFailure`.
    #[schemars(example = &"OnFailure")]
    pub restart_policy: Option<Sp<RestartPolicy>>,
    /// Delete the finished Job after this many seconds.
    #[schemars(example = 3600)]
    pub ttl_seconds_after_finished: Option<Sp<i64>>,
    /// Successful pods needed to finish the Job (default 1).
    #[schemars(example = 1)]
    pub completions: Option<Sp<i64>>,
    /// Pods running at once (default 1).
    #[schemars(example = 1)]
    pub parallelism: Option<Sp<i64>>,
    /// `"pre-deploy"`: a migration that runs before the rollout of the app's other objects
    /// (Argo CD `PreSync` hook; in an output tree, the app folder's `pre-deploy/` subfolder
    /// for a Flux Kustomization of its own). A Job only.
    #[schemars(example = &"pre-deploy")]
    pub hook: Option<Sp<crate::values::JobHook>>,
    /// `"hashed"`: the Job is named `NAME-HASH` after its rendered content, so a changed Job
    /// is a new one (its template cannot change in place); `"fixed"`: `NAME`. Default: hashed
    /// for a hook, else fixed. A Job only.
    #[schemars(example = &"hashed")]
    pub name: Option<Sp<crate::values::JobName>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CronSyntax {
    /// `Allow` (default), `Forbid` or `Replace`.
    #[schemars(example = &"Forbid")]
    pub concurrency_policy: Option<Sp<ConcurrencyPolicy>>,
    /// Finished Jobs kept (Kubernetes default 3).
    #[schemars(example = 3)]
    pub successful_jobs_history_limit: Option<Sp<i64>>,
    /// Failed Jobs kept (Kubernetes default 1).
    #[schemars(example = 5)]
    pub failed_jobs_history_limit: Option<Sp<i64>>,
    /// Seconds after a missed start time the Job may still start.
    #[schemars(example = 600)]
    pub starting_deadline_seconds: Option<Sp<i64>>,
    /// Pause the schedule (running Jobs go on).
    #[schemars(example = false)]
    pub suspend: Option<Sp<bool>>,
    /// IANA time zone of the schedule, e.g. `Europe/Berlin` (default: the controller's).
    #[schemars(example = &"Europe/Berlin")]
    pub time_zone: Option<Sp<String>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VolumeSyntax {
    /// Where the main container sees it.
    #[schemars(example = &"/var/lib/data")]
    pub mount: Option<Sp<String>>,
    /// Mount read-only (default false).
    #[schemars(example = true)]
    pub read_only: Option<Sp<bool>>,
    /// Size of a new PersistentVolumeClaim (per pod in a StatefulSet).
    #[schemars(example = &"10Gi")]
    pub size: Option<Sp<Quantity>>,
    /// Storage class of the new claim.
    #[schemars(example = &"fast-ssd")]
    pub class: Option<Sp<String>>,
    /// Access modes of the new claim (default `["ReadWriteOnce"]`).
    #[schemars(example = ["ReadWriteOnce"])]
    pub access: Option<Vec<Sp<AccessMode>>>,
    /// Name of an existing PersistentVolumeClaim to use.
    #[schemars(example = &"shared-data")]
    pub claim: Option<Sp<String>>,
    /// emptyDir in memory (tmpfs).
    #[schemars(example = true)]
    pub memory: Option<Sp<bool>>,
}

/// An init container or sidecar.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContainerSyntax {
    /// Container name, unique in the pod.
    #[schemars(example = &"wait-for-db")]
    pub name: Sp<String>,
    /// Default: the component's image.
    #[schemars(example = &"busybox:1.36")]
    pub image: Option<Sp<String>>,
    /// Entrypoint (replaces the image's ENTRYPOINT).
    #[schemars(example = ["python", "manage.py", "migrate"])]
    pub command: Option<Vec<Sp<String>>>,
    /// Arguments (replace the image's CMD).
    #[schemars(example = ["--verbose"])]
    pub args: Option<Vec<Sp<String>>>,
    #[serde(default)]
    /// Environment variables, as for the main container.
    #[schemars(example = serde_json::json!({"DATABASE_URL": {"secret": "DATABASE_URL"}}))]
    pub env: SpMap<EnvSyntax>,
    /// `["config", "secrets"]` of the component to inject whole.
    #[schemars(example = ["config"])]
    pub env_from: Option<Vec<Sp<crate::values::Section>>>,
    /// Component volumes to mount: `{ logs = "/var/log/app" }`.
    #[serde(default)]
    #[schemars(example = serde_json::json!({"logs": "/var/log/app"}))]
    pub mounts: SpMap<String>,
    /// CPU and memory requests and limits of this container.
    #[schemars(example = serde_json::json!({"requests": {"cpu": "10m", "memory": "16Mi"}}))]
    pub resources: Option<Sp<ResourcesSyntax>>,
    /// Init containers only: wait until this component's Service accepts connections.
    #[schemars(example = &"postgres")]
    pub wait_for: Option<Sp<String>>,
    /// This container's own security context, instead of the component's `security` (e.g.
    /// an init container that must run as root to `chown` a volume). Same keys; the pod-wide
    /// ones (`seccomp`, `writable_tmp`, `service_account_token`) stay the component's.
    #[schemars(example = serde_json::json!({"run_as_user": 0, "run_as_non_root": false, "capabilities": ["CHOWN"]}))]
    pub security: Option<Sp<SecuritySyntax>>,
    /// Sidecars only: named container ports, `{ metrics = 9102 }`, unique in the pod. A
    /// Service port, `metrics` and the NetworkPolicy can use them.
    #[serde(default)]
    #[schemars(example = serde_json::json!({"metrics": 9102}))]
    pub ports: SpMap<PortSyntax>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AutoscaleSyntax {
    /// Fewest replicas.
    #[schemars(example = 2)]
    pub min: Sp<i64>,
    /// Most replicas.
    #[schemars(example = 10)]
    pub max: Sp<i64>,
    /// Target average CPU utilization, percent of requests.
    #[schemars(example = 70)]
    pub cpu: Option<Sp<i64>>,
    /// Target average memory utilization, percent of requests.
    #[schemars(example = 80)]
    pub memory: Option<Sp<i64>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DisruptionSyntax {
    /// Pods that must stay up during voluntary disruptions (a number or a percentage).
    #[schemars(example = &"50%")]
    pub min_available: Option<Sp<IntOrPercent>>,
    /// Pods that may be down during voluntary disruptions (a number or a percentage).
    #[schemars(example = 1)]
    pub max_unavailable: Option<Sp<IntOrPercent>>,
    /// Accept a budget that allows no voluntary eviction at all (it blocks node drains).
    #[schemars(example = true)]
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
    #[schemars(example = ["frontend", "namespace:ingress-nginx"])]
    pub from: Option<Vec<Sp<String>>>,
    /// Where the pods may connect: component names, `namespace:NAME`, `cidr:...`. Default:
    /// anywhere.
    #[schemars(example = ["postgres", "cidr:10.0.0.0/8"])]
    pub to: Option<Vec<Sp<String>>>,
    /// Allow DNS lookups to kube-dns when `to` restricts egress (default true).
    #[schemars(example = true)]
    pub dns: Option<Sp<bool>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MetricsSyntax {
    /// Container port name or number (default: the main port).
    #[schemars(example = &"metrics")]
    pub port: Option<Sp<PortRef>>,
    /// Default `/metrics`.
    #[schemars(example = &"/metrics")]
    pub path: Option<Sp<String>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SchedulingSyntax {
    /// Spread replicas evenly over `hostname` or `zone`.
    #[schemars(example = &"zone")]
    pub spread: Option<Sp<Spread>>,
    /// Keep replicas on different nodes: `preferred` or `required`.
    #[schemars(example = &"preferred")]
    pub anti_affinity: Option<Sp<AntiAffinity>>,
    /// Prefer nodes with these labels: `{ node-type = ["ssd"] }`.
    #[serde(default)]
    #[schemars(example = serde_json::json!({"node-type": ["ssd"]}))]
    pub prefer_nodes: SpMap<Vec<String>>,
    /// Only run on nodes with these labels.
    #[serde(default)]
    #[schemars(example = serde_json::json!({"kubernetes.io/arch": ["amd64"]}))]
    pub require_nodes: SpMap<Vec<String>>,
    /// The pod's `nodeSelector`: only nodes with exactly these label values (a shorter
    /// `require_nodes` with one value each).
    #[serde(default)]
    #[schemars(example = serde_json::json!({"kubernetes.io/os": "linux"}))]
    pub node_selector: SpMap<String>,
    /// PriorityClass of the pods (an existing one's name).
    #[schemars(example = &"high-priority")]
    pub priority_class: Option<Sp<String>>,
}

/// Declares an Ingress table with the given fields after the settings a platform can give
/// every Ingress (class, annotations, TLS, issuer), so the two share one list.
macro_rules! with_ingress_settings {
    ($(#[$meta:meta])* pub struct $name:ident { $($(#[$fmeta:meta])* pub $field:ident : $ty:ty,)* }) => {
        $(#[$meta])*
        pub struct $name {
            /// IngressClass, e.g. `nginx`.
            #[schemars(example = &"nginx")]
            pub class: Option<Sp<String>>,
            #[serde(default)]
            /// Annotations on the Ingress.
            #[schemars(example = serde_json::json!({"nginx.ingress.kubernetes.io/ssl-redirect": "true"}))]
            pub annotations: SpMap<String>,
            /// Serve TLS for every host: `true` (Secret `APP-tls`) or a Secret name.
            #[schemars(example = true)]
            pub tls: Option<Sp<TlsSyntax>>,
            /// cert-manager ClusterIssuer that issues the TLS certificate.
            #[schemars(example = &"letsencrypt-prod")]
            pub cert_manager_issuer: Option<Sp<String>>,
            $($(#[$fmeta])* pub $field: $ty,)*
        }
    };
}

with_ingress_settings! {
    #[derive(Debug, Clone, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    pub struct IngressSyntax {
        /// Routes: `{ host = "app.example.com", path = "/api", to = "backend" }`.
        #[schemars(example = serde_json::json!([{"host": "shop.example.com", "path": "/api", "to": "api"}]))]
        pub routes: Vec<Sp<RouteSyntax>>,
        /// Name of the Ingress (default: the app's name).
        #[schemars(example = &"shop-public")]
        pub name: Option<Sp<String>>,
    }
}

with_ingress_settings! {
    /// Ingress settings a platform gives every app's Ingress.
    #[derive(Debug, Clone, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)] // merged as a TOML tree, like `PlatformFile::defaults`
    pub struct IngressDefaultsSyntax {}
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
    /// Host name the route matches (default: every host).
    #[schemars(example = &"shop.example.com")]
    pub host: Option<Sp<String>>,
    /// Default `/`.
    #[schemars(example = &"/api")]
    pub path: Option<Sp<String>>,
    /// `Prefix` (default), `Exact` or `ImplementationSpecific`.
    #[schemars(example = &"Prefix")]
    pub path_type: Option<Sp<crate::values::PathType>>,
    /// Component whose Service receives the traffic, optionally with a port: `backend:http`.
    #[schemars(example = &"api:http")]
    pub to: Sp<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitRangeSyntax {
    /// Default container limits: `{ cpu = "500m", memory = "512Mi" }`.
    #[serde(default)]
    #[schemars(example = serde_json::json!({"cpu": "500m", "memory": "512Mi"}))]
    pub default: SpMap<Quantity>,
    /// Default container requests.
    #[serde(default)]
    #[schemars(example = serde_json::json!({"cpu": "100m", "memory": "128Mi"}))]
    pub default_request: SpMap<Quantity>,
    #[serde(default)]
    /// Most a container may request or use.
    #[schemars(example = serde_json::json!({"cpu": "2", "memory": "4Gi"}))]
    pub max: SpMap<Quantity>,
    #[serde(default)]
    /// Least a container may request.
    #[schemars(example = serde_json::json!({"cpu": "10m", "memory": "16Mi"}))]
    pub min: SpMap<Quantity>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExternalSecretsSyntax {
    /// Name of the SecretStore.
    #[schemars(example = &"aws-secrets-manager")]
    pub store: Sp<String>,
    /// `SecretStore` (default) or `ClusterSecretStore`.
    #[schemars(example = &"ClusterSecretStore")]
    pub kind: Option<Sp<crate::values::SecretStoreKind>>,
    /// How often to sync, e.g. `1h` (default).
    #[schemars(example = &"1h")]
    pub refresh_interval: Option<Sp<String>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArgoCdSyntax {
    /// Git repository URL holding the rendered manifests.
    #[schemars(example = &"https://github.com/acme/k8s-manifests")]
    pub repo: Sp<String>,
    /// Folder in the repository.
    #[schemars(example = &"apps/shop")]
    pub path: Sp<String>,
    /// Branch, tag or commit (default `HEAD`).
    #[schemars(example = &"main")]
    pub revision: Option<Sp<String>>,
    /// Argo CD project (default `default`).
    #[schemars(example = &"default")]
    pub project: Option<Sp<String>>,
    /// Namespace Argo CD runs in (default `argocd`).
    #[schemars(example = &"argocd")]
    pub namespace: Option<Sp<String>>,
    /// Destination cluster (default `https://kubernetes.default.svc`).
    #[schemars(example = &"https://kubernetes.default.svc")]
    pub server: Option<Sp<String>>,
    /// Sync automatically (default true), pruning and self-healing (default true).
    #[schemars(example = true)]
    pub automated: Option<Sp<bool>>,
    /// Delete objects that left the folder (default true).
    #[schemars(example = true)]
    pub prune: Option<Sp<bool>>,
    /// Undo changes made to the cluster by hand (default true).
    #[schemars(example = true)]
    pub self_heal: Option<Sp<bool>>,
}

/// A change to one generated object: `target = "Deployment/shop-api"` and a JSON merge patch
/// (`merge = { spec = { ... } }`), values at JSON pointers
/// (`set = { "/spec/template/spec/dnsPolicy" = "Default" }`) and/or fields to delete
/// (`remove = ["/spec/replicas"]`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchSyntax {
    /// The object to change: `KIND/NAME`.
    #[schemars(example = &"Deployment/shop-api")]
    pub target: Sp<String>,
    /// A JSON merge patch (RFC 7386), written as a TOML table.
    #[schemars(example = serde_json::json!({"spec": {"template": {"spec": {"dnsPolicy": "ClusterFirstWithHostNet"}}}}))]
    pub merge: Option<Sp<serde_json::Value>>,
    #[serde(default)]
    /// Values to set at JSON pointers.
    #[schemars(example = serde_json::json!({"/spec/template/spec/containers/0/stdin": true}))]
    pub set: SpMap<serde_json::Value>,
    /// Fields to delete, by JSON pointer (TOML has no `null` for `merge` to delete with),
    /// applied after `merge` and `set`. A pointer to nothing is an error.
    #[schemars(example = ["/spec/template/spec/containers/0/securityContext/readOnlyRootFilesystem"])]
    pub remove: Option<Vec<Sp<String>>>,
}
