//! Allowed values, one enum each: the one source the parser (serde), the JSON Schema
//! (schemars), the rules, the object builders, the docs and the fuzz grammar all read. Adding a
//! variant here adds it everywhere. A leaf of the crate: it depends on nothing of k8gen, so
//! the syntax stage and the model can both use it; the model re-exports every enum.

/// Prefix of the label and annotation keys k8gen sets itself (the recommended
/// `app.kubernetes.io/` labels); a spec may not set keys under it.
pub const RESERVED_LABEL_PREFIX: &str = "app.kubernetes.io/";

/// Whether `name` can name an environment: a DNS label (`staging`, `prod-eu`), since it names
/// output folders and goes into namespaces.
pub fn is_environment_name(name: &str) -> bool {
    let ok = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
    !name.is_empty()
        && name.len() <= 63
        && name.chars().all(ok)
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// The path of an Ingress route that gives none (overlays also match routes by it).
pub const DEFAULT_ROUTE_PATH: &str = "/";

/// Prefix of the label keys k8gen defines itself (the track label of a release); a spec may
/// not set keys under it either.
pub const K8GEN_LABEL_PREFIX: &str = "k8gen.io/";

/// Whether a spec may not set label or annotation key `key`: k8gen sets it.
pub fn is_reserved_label(key: &str) -> bool {
    key.starts_with(RESERVED_LABEL_PREFIX) || key.starts_with(K8GEN_LABEL_PREFIX)
}

/// Label keys (prefixes end in `/`) that GitOps engines and kubectl write on the objects they
/// apply: Flux's owner labels, kubectl's ApplySet membership. A spec may not set them.
pub const ENGINE_LABELS: &[&str] = &[
    "kustomize.toolkit.fluxcd.io/",
    "helm.toolkit.fluxcd.io/",
    "applyset.kubernetes.io/part-of",
];

/// Annotation keys the engines write: Argo CD's tracking id, kubectl's last applied
/// configuration, ApplySet parent annotations.
pub const ENGINE_ANNOTATIONS: &[&str] = &[
    "argocd.argoproj.io/tracking-id",
    "kubectl.kubernetes.io/last-applied-configuration",
    "applyset.kubernetes.io/",
];

/// The engine that owns label (or, with `annotation`, annotation) key `key`, if one does.
pub fn engine_owned(key: &str, annotation: bool) -> Option<&'static str> {
    let list = if annotation {
        ENGINE_ANNOTATIONS
    } else {
        ENGINE_LABELS
    };
    let owned = list.iter().any(|p| {
        if p.ends_with('/') {
            key.starts_with(p)
        } else {
            key == *p
        }
    });
    owned.then(|| match key.split('/').next().unwrap_or_default() {
        k if k.ends_with("fluxcd.io") => "Flux",
        "argocd.argoproj.io" => "Argo CD",
        _ => "kubectl",
    })
}

/// Declares a closed set of string values: the enum, its `ALL` list in declaration order,
/// `as_str`, `Display`, serde `Deserialize`/`Serialize` and a schemars schema listing the
/// variants (so an unknown value is rejected by the parser with "expected one of").
macro_rules! value_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash,
                 serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant,)*
        }
        impl $name {
            /// Every value, in the order the docs list them.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
            /// Every value as written in a spec.
            pub const NAMES: &'static [&'static str] = &[$($text),*];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)* }
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

value_enum! {
    /// Where a sealed value may be unsealed (`sealed.scope`), as `kubeseal --scope` names it:
    /// the label the value is sealed with binds it to the Secret's namespace and name.
    pub enum SealedScope {
        /// Only into a Secret of this name in this namespace (kubeseal's default).
        Strict = "strict",
        /// Into a Secret of any name in this namespace.
        NamespaceWide = "namespace-wide",
        /// Into a Secret of any name in any namespace.
        ClusterWide = "cluster-wide",
    }
}

value_enum! {
    /// How a tree render (`k8gen render -o DIR`, a folder people commit) writes the Secrets
    /// whose values k8gen knows (`{ file }`, `{ env }`, literals). A stdout render always
    /// writes them plain: nothing of it is committed.
    pub enum SecretsMode {
        /// Every value comes from an External Secrets store (`{ external = ... }`); only the
        /// ExternalSecret is written.
        External = "external",
        /// Values encrypted in SOPS's format for the `sops.age` recipients (Flux's
        /// kustomize-controller decrypts them).
        Sops = "sops",
        /// Bitnami `SealedSecret`s, each value sealed for the sealed-secrets controller's
        /// certificate (`sealed.certificate`); the controller in the cluster unseals them.
        Sealed = "sealed",
        /// Plain Secrets (base64): only where the platform (`[secrets] allow_plain = true`) or
        /// the command line (`--allow-plain-secrets`) allows it.
        Plain = "plain",
    }
}

value_enum! {
    /// The type of a component's Service.
    pub enum ServiceType {
        /// A virtual IP inside the cluster (the default).
        ClusterIp = "ClusterIP",
        /// Also a port on every node.
        NodePort = "NodePort",
        /// Also an external load balancer.
        LoadBalancer = "LoadBalancer",
        /// A DNS alias for a host outside the cluster; the component runs no pods.
        ExternalName = "ExternalName",
    }
}

value_enum! {
    /// Transport protocol of a port.
    #[derive(Default)]
    pub enum Protocol {
        #[default]
        Tcp = "TCP",
        Udp = "UDP",
        Sctp = "SCTP",
    }
}

value_enum! {
    /// When the kubelet pulls the image.
    pub enum PullPolicy {
        Always = "Always",
        IfNotPresent = "IfNotPresent",
        Never = "Never",
    }
}

value_enum! {
    /// How an Ingress path matches.
    #[derive(Default)]
    pub enum PathType {
        /// Path prefix, split by `/` (the default).
        #[default]
        Prefix = "Prefix",
        /// The exact path.
        Exact = "Exact",
        /// As the IngressClass decides.
        ImplementationSpecific = "ImplementationSpecific",
    }
}

value_enum! {
    /// The seccomp profile of the pods.
    pub enum Seccomp {
        /// The container runtime's default profile.
        RuntimeDefault = "RuntimeDefault",
        /// No syscall filtering.
        Unconfined = "Unconfined",
    }
}

value_enum! {
    /// Which of a component's data sections `env_from` injects whole.
    pub enum Section {
        Config = "config",
        Secrets = "secrets",
    }
}

value_enum! {
    /// How a workload replaces its pods.
    pub enum RolloutStrategy {
        /// A few pods at a time (the default).
        RollingUpdate = "RollingUpdate",
        /// Deployment: stop every old pod before starting new ones.
        Recreate = "Recreate",
        /// StatefulSet: replace a pod only when it is deleted by hand.
        OnDelete = "OnDelete",
    }
}

value_enum! {
    /// Kind of the External Secrets store secrets are read from.
    #[derive(Default)]
    pub enum SecretStoreKind {
        /// A store in the app's namespace (the default).
        #[default]
        SecretStore = "SecretStore",
        /// A store for the whole cluster.
        ClusterSecretStore = "ClusterSecretStore",
    }
}

value_enum! {
    /// The kind of object that runs a component's pods (`kind = ...` in a spec).
    pub enum WorkloadKind {
        /// A set of interchangeable replicas (the default).
        Deployment = "Deployment",
        /// Replicas with stable names and a volume each.
        StatefulSet = "StatefulSet",
        /// Runs to completion once.
        Job = "Job",
        /// A Job on a schedule.
        CronJob = "CronJob",
        /// One bare pod.
        Pod = "Pod",
    }
}

value_enum! {
    /// How a StatefulSet starts and stops its pods.
    pub enum PodManagement {
        /// One at a time, in order (Kubernetes' default).
        OrderedReady = "OrderedReady",
        /// All at once.
        Parallel = "Parallel",
    }
}

value_enum! {
    /// What a Job's pod does when its container fails.
    pub enum RestartPolicy {
        /// A failed pod is replaced by a new one (k8gen's default).
        Never = "Never",
        /// The container restarts in the same pod.
        OnFailure = "OnFailure",
    }
}

value_enum! {
    /// What a CronJob does when a run is due while the last one still runs.
    pub enum ConcurrencyPolicy {
        /// Start it anyway (Kubernetes' default).
        Allow = "Allow",
        /// Skip the new run.
        Forbid = "Forbid",
        /// Stop the old run and start the new one.
        Replace = "Replace",
    }
}

value_enum! {
    /// How a new PersistentVolumeClaim may be mounted.
    pub enum AccessMode {
        /// Read-write by the pods of one node (the default).
        ReadWriteOnce = "ReadWriteOnce",
        /// Read-only by many nodes.
        ReadOnlyMany = "ReadOnlyMany",
        /// Read-write by many nodes.
        ReadWriteMany = "ReadWriteMany",
        /// Read-write by a single pod.
        ReadWriteOncePod = "ReadWriteOncePod",
    }
}

value_enum! {
    /// An RBAC verb k8gen accepts in `rbac`.
    pub enum Verb {
        Get = "get",
        List = "list",
        Watch = "watch",
        Create = "create",
        Update = "update",
        Patch = "patch",
        Delete = "delete",
        Deletecollection = "deletecollection",
        /// Every verb.
        All = "*",
    }
}

value_enum! {
    /// What replicas are spread over.
    pub enum Spread {
        /// Nodes (`kubernetes.io/hostname`).
        Hostname = "hostname",
        /// Zones (`topology.kubernetes.io/zone`).
        Zone = "zone",
    }
}

impl Spread {
    /// The node label that names the topology domain.
    pub fn topology_key(self) -> &'static str {
        match self {
            Spread::Hostname => "kubernetes.io/hostname",
            Spread::Zone => "topology.kubernetes.io/zone",
        }
    }
}

value_enum! {
    /// How strongly replicas keep to different nodes.
    pub enum AntiAffinity {
        Preferred = "preferred",
        Required = "required",
    }
}

value_enum! {
    /// Every kind of object k8gen makes, in apply order (what a patch may target). The object
    /// builders declare the same list (`kube::KINDS`); a test keeps the two equal.
    pub enum ObjectKind {
        Namespace = "Namespace",
        ResourceQuota = "ResourceQuota",
        LimitRange = "LimitRange",
        NetworkPolicy = "NetworkPolicy",
        ServiceAccount = "ServiceAccount",
        Secret = "Secret",
        ExternalSecret = "ExternalSecret",
        ConfigMap = "ConfigMap",
        PersistentVolumeClaim = "PersistentVolumeClaim",
        ClusterRole = "ClusterRole",
        ClusterRoleBinding = "ClusterRoleBinding",
        Role = "Role",
        RoleBinding = "RoleBinding",
        Deployment = "Deployment",
        StatefulSet = "StatefulSet",
        Rollout = "Rollout",
        Job = "Job",
        CronJob = "CronJob",
        Pod = "Pod",
        Service = "Service",
        Ingress = "Ingress",
        HorizontalPodAutoscaler = "HorizontalPodAutoscaler",
        PodDisruptionBudget = "PodDisruptionBudget",
        Application = "Application",
    }
}

value_enum! {
    /// How a component releases a new version.
    pub enum ReleaseStrategy {
        /// Two complete Deployments; the Service selects the active colour.
        BlueGreen = "blue-green",
        /// A stable and a canary Deployment; traffic splits by weight.
        Canary = "canary",
    }
}

value_enum! {
    /// A colour of a blue-green release.
    pub enum Colour {
        Blue = "blue",
        Green = "green",
    }
}

value_enum! {
    /// What runs a canary release.
    pub enum ReleaseController {
        /// Two Deployments (stable and canary), replicas split by weight (the default).
        Deployments = "deployments",
        /// One Argo Rollouts `Rollout` with canary steps (setWeight, pause).
        ArgoRollouts = "argo-rollouts",
    }
}

value_enum! {
    /// The fixed track of one Deployment of a release (the value of its track label).
    pub enum Track {
        Blue = "blue",
        Green = "green",
        Stable = "stable",
        Canary = "canary",
    }
}

value_enum! {
    /// Which labels select a component's pods when it has no `selector` of its own.
    pub enum LabelScheme {
        /// `app.kubernetes.io/name: KEY` and `app.kubernetes.io/instance: NAME` (the default).
        Recommended = "recommended",
        /// `app: NAME` (NAME is the name of the component's objects), the convention of the
        /// Kubernetes examples and most hand-written manifests: the scheme's name is the label
        /// key.
        App = "app",
    }
}

value_enum! {
    /// How Argo CD tracks the objects of an Application (its `application.resourceTrackingMethod`
    /// in `argocd-cm`). Under label tracking Argo CD writes `app.kubernetes.io/instance` (its
    /// default `application.instanceLabelKey`) on every object it applies, with the
    /// Application's name: k8gen then leaves that label off objects' metadata (it still selects
    /// pods by it in pod templates and selectors, which Argo CD does not touch).
    pub enum ArgoTracking {
        /// The `argocd.argoproj.io/tracking-id` annotation (Argo CD 3.0's default): k8gen's
        /// labels are untouched.
        Annotation = "annotation",
        /// The instance label (Argo CD's default before 3.0).
        Label = "label",
        /// The annotation, and the label for information.
        AnnotationLabel = "annotation+label",
    }
}

impl ArgoTracking {
    /// Whether Argo CD writes its tracking label on the objects.
    pub fn writes_label(self) -> bool {
        !matches!(self, ArgoTracking::Annotation)
    }
}

impl LabelScheme {
    /// The one label key the scheme selects by, set to the component's name; `None` for the
    /// recommended labels, which only `kube::labels` knows.
    pub fn selector_key(self) -> Option<&'static str> {
        match self {
            LabelScheme::Recommended => None,
            LabelScheme::App => Some(self.as_str()),
        }
    }
}

value_enum! {
    /// How a changed ConfigMap or Secret rolls the pods that read it.
    pub enum ConfigRollout {
        /// Stable names; pod templates carry `checksum/config` and `checksum/secret` (the
        /// default).
        Checksum = "checksum",
        /// Content-hashed names `NAME-HASH`, computed like Kustomize's generators: a change
        /// is a new object, and every reference follows.
        HashedNames = "hashed-names",
    }
}

value_enum! {
    /// When a Job runs, for the GitOps engine that applies it.
    pub enum JobHook {
        /// Before the rollout of the app's other objects (a migration): Argo CD `PreSync`
        /// hook; in an output tree, the app folder's `pre-deploy/` subfolder.
        PreDeploy = "pre-deploy",
    }
}

value_enum! {
    /// How a Job is named. A Job's pod template cannot change, so a Job that changes under
    /// a fixed name fails to apply.
    pub enum JobName {
        /// `NAME` (the default for a Job that is no hook).
        Fixed = "fixed",
        /// `NAME-HASH`, the hash of the rendered Job (the default for a hook): a changed Job
        /// is a new Job.
        Hashed = "hashed",
    }
}

/// Where a kind's objects live: in a namespace or in the whole cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Namespaced,
    Cluster,
}

/// A kind's scope as a constant, read from k8s-openapi's `Resource::Scope` type.
trait ScopeOf {
    const SCOPE: Scope;
}
impl ScopeOf for k8s_openapi::NamespaceResourceScope {
    const SCOPE: Scope = Scope::Namespaced;
}
impl ScopeOf for k8s_openapi::ClusterResourceScope {
    const SCOPE: Scope = Scope::Cluster;
}

/// A built-in kind: API group (`""` for the core group), kind, scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuiltinKind {
    pub group: &'static str,
    pub kind: &'static str,
    pub scope: Scope,
}

macro_rules! builtin_kinds {
    ($($ty:path),* $(,)?) => {
        /// The kinds the Kubernetes API server serves itself (those a cluster has without any
        /// CRD), with their scope, as k8s-openapi describes them: the one source for which
        /// kinds are cluster-scoped (passthrough objects' namespace) and which are built in
        /// (their apply order).
        pub const BUILTIN_KINDS: &[BuiltinKind] = &[$(BuiltinKind {
            group: <$ty as k8s_openapi::Resource>::GROUP,
            kind: <$ty as k8s_openapi::Resource>::KIND,
            scope: <<$ty as k8s_openapi::Resource>::Scope as ScopeOf>::SCOPE,
        }),*];
    };
}

builtin_kinds! {
    k8s_openapi::api::admissionregistration::v1::MutatingWebhookConfiguration,
    k8s_openapi::api::admissionregistration::v1::ValidatingAdmissionPolicy,
    k8s_openapi::api::admissionregistration::v1::ValidatingAdmissionPolicyBinding,
    k8s_openapi::api::admissionregistration::v1::ValidatingWebhookConfiguration,
    k8s_openapi::api::apps::v1::ControllerRevision,
    k8s_openapi::api::apps::v1::DaemonSet,
    k8s_openapi::api::apps::v1::Deployment,
    k8s_openapi::api::apps::v1::ReplicaSet,
    k8s_openapi::api::apps::v1::StatefulSet,
    k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler,
    k8s_openapi::api::batch::v1::CronJob,
    k8s_openapi::api::batch::v1::Job,
    k8s_openapi::api::certificates::v1::CertificateSigningRequest,
    k8s_openapi::api::coordination::v1::Lease,
    k8s_openapi::api::core::v1::ConfigMap,
    k8s_openapi::api::core::v1::Endpoints,
    k8s_openapi::api::core::v1::Event,
    k8s_openapi::api::core::v1::LimitRange,
    k8s_openapi::api::core::v1::Namespace,
    k8s_openapi::api::core::v1::Node,
    k8s_openapi::api::core::v1::PersistentVolume,
    k8s_openapi::api::core::v1::PersistentVolumeClaim,
    k8s_openapi::api::core::v1::Pod,
    k8s_openapi::api::core::v1::PodTemplate,
    k8s_openapi::api::core::v1::ReplicationController,
    k8s_openapi::api::core::v1::ResourceQuota,
    k8s_openapi::api::core::v1::Secret,
    k8s_openapi::api::core::v1::Service,
    k8s_openapi::api::core::v1::ServiceAccount,
    k8s_openapi::api::discovery::v1::EndpointSlice,
    k8s_openapi::api::events::v1::Event,
    k8s_openapi::api::flowcontrol::v1::FlowSchema,
    k8s_openapi::api::flowcontrol::v1::PriorityLevelConfiguration,
    k8s_openapi::api::networking::v1::IPAddress,
    k8s_openapi::api::networking::v1::Ingress,
    k8s_openapi::api::networking::v1::IngressClass,
    k8s_openapi::api::networking::v1::NetworkPolicy,
    k8s_openapi::api::networking::v1::ServiceCIDR,
    k8s_openapi::api::node::v1::RuntimeClass,
    k8s_openapi::api::policy::v1::PodDisruptionBudget,
    k8s_openapi::api::rbac::v1::ClusterRole,
    k8s_openapi::api::rbac::v1::ClusterRoleBinding,
    k8s_openapi::api::rbac::v1::Role,
    k8s_openapi::api::rbac::v1::RoleBinding,
    k8s_openapi::api::scheduling::v1::PriorityClass,
    k8s_openapi::api::storage::v1::CSIDriver,
    k8s_openapi::api::storage::v1::CSINode,
    k8s_openapi::api::storage::v1::CSIStorageCapacity,
    k8s_openapi::api::storage::v1::StorageClass,
    k8s_openapi::api::storage::v1::VolumeAttachment,
    k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition,
    k8s_openapi::kube_aggregator::pkg::apis::apiregistration::v1::APIService,
}

/// The API group of an `apiVersion` (`apps/v1` → `apps`, `v1` → the core group `""`).
pub fn api_group(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(g, _)| g)
}

/// The built-in kind `kind` of the API group of `api_version`, if it is one.
pub fn builtin_kind(api_version: &str, kind: &str) -> Option<BuiltinKind> {
    let group = api_group(api_version);
    BUILTIN_KINDS
        .iter()
        .find(|b| b.group == group && b.kind == kind)
        .copied()
}

/// Custom kinds of widely used operators that are cluster-scoped, by API group and kind.
/// Every other custom kind is taken as namespaced, as Kustomize's `namespace:` takes it,
/// unless a CustomResourceDefinition in the same spec says otherwise: a passthrough
/// ServiceMonitor follows its app into each environment's namespace, a ClusterIssuer gets
/// none.
pub const CLUSTER_SCOPED_CUSTOM_KINDS: &[(&str, &str)] = &[
    ("cert-manager.io", "ClusterIssuer"),
    ("external-secrets.io", "ClusterSecretStore"),
    ("external-secrets.io", "ClusterExternalSecret"),
    ("kyverno.io", "ClusterPolicy"),
    ("kyverno.io", "ClusterCleanupPolicy"),
    ("wgpolicyk8s.io", "ClusterPolicyReport"),
    ("argoproj.io", "ClusterWorkflowTemplate"),
    ("templates.gatekeeper.sh", "ConstraintTemplate"),
    ("karpenter.sh", "NodePool"),
    ("karpenter.k8s.aws", "EC2NodeClass"),
    ("bitnami.com", "ClusterSealedSecret"),
    ("monitoring.coreos.com", "ClusterScrapeConfig"),
    ("gateway.networking.k8s.io", "GatewayClass"),
    ("networking.istio.io", "ClusterMeshConfig"),
    ("snapshot.storage.k8s.io", "VolumeSnapshotClass"),
    ("snapshot.storage.k8s.io", "VolumeSnapshotContent"),
];

/// The kind of a CustomResourceDefinition (`apiextensions.k8s.io`).
pub const CRD_KIND: &str = "CustomResourceDefinition";
