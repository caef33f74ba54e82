//! Defaults, applied once: [`normalize`] fills every value an app left to k8gen, for both
//! front ends (a lowered spec and an app built in Rust go through the same pass before the
//! rules and the object builders see them). Each default is also a function of its own, so a
//! caller (such as `import`) can ask "what would the default be here?".
//!
//! This module decides values only; it never reports problems (that is [`super::rules`]: a
//! default that cannot be decided, such as the port of a probe when the container has two
//! ports and neither is named `http`, is left unset for a rule to report) and knows nothing of
//! TOML or Kubernetes objects.

use std::collections::BTreeMap;

use super::{
    AccessMode, App, ArgoCd, Colour, Component, ConfigRollout, EnvValue, Ingress, JobName,
    JobSettings, LabelScheme, Metrics, Network, PathType, Port, PortTarget, ProbeAction,
    PullPolicy, Release, ReleaseController, RestartPolicy, SealedScope, SecretStoreKind,
    SecretsMode, Service, ServicePort, ServiceType, Switch, VolumeSource, Workload, names, rules,
};

/// Fills every default of `app` in place. Idempotent: values already set are kept, except
/// derived names, which are always recomputed.
pub fn normalize(app: &mut App) {
    passthrough_namespaces(app);
    let app_name = app.name.clone();
    let app_scheme = app.label_scheme;
    app.argocd_tracking.get_or_insert_with(argocd_tracking);
    if let Some(registry) = app.registry.clone() {
        for c in &mut app.components {
            images(c, |image| {
                if let Some(full) = registry_image(&registry, image) {
                    *image = full;
                }
            });
        }
    }
    for c in &mut app.components {
        c.name = names::objects(&app_name, c);
        let scheme = *c
            .label_scheme
            .get_or_insert(app_scheme.unwrap_or_else(label_scheme));
        // An ExternalName Service runs no pods: nothing to select.
        if c.selector.is_empty() && c.workload != Workload::External {
            c.selector = scheme_selector(scheme, &c.name);
        }
        release(c);
        if c.role.is_none() {
            c.role = Some(role(&app_name, c).to_string());
        }
        if c.version.is_none() {
            c.version = version(&c.image).map(str::to_string);
        }
        if c.container.is_none() {
            c.container = Some(container_name(c));
        }
        if c.image_pull_policy.is_none() {
            c.image_pull_policy = Some(pull_policy(&c.image));
        }
        if c.env_from_config.is_none() {
            c.env_from_config = Some(env_from_config(c));
        }
        if c.env_from_secrets.is_none() {
            c.env_from_secrets = Some(env_from_secrets(c));
        }
        let main = main_port(c).map(|p| p.port);
        for probe in [&mut c.liveness, &mut c.readiness, &mut c.startup]
            .into_iter()
            .flatten()
        {
            match &mut probe.action {
                ProbeAction::HttpGet { port, .. } | ProbeAction::Tcp { port } => {
                    if port.is_none() {
                        *port = main.map(PortTarget::Number);
                    }
                }
                ProbeAction::Grpc { port, .. } => {
                    *port = numbered_port(port.take(), &c.ports, main)
                }
                ProbeAction::Exec { .. } => {}
            }
        }
        let ports: Vec<Port> = c.pod_ports().cloned().collect();
        if let Some(m) = &mut c.metrics {
            metrics(m, &ports, main);
        }
        c.service = match std::mem::take(&mut c.service) {
            Switch::Default => match default_service(c) {
                Some(s) => Switch::On(s),
                None => Switch::Off,
            },
            Switch::On(s) => Switch::On(service(c, s)),
            Switch::Off => Switch::Off,
        };
        for (key, s) in std::mem::take(&mut c.services) {
            c.services.insert(key, extra_service(c, s));
        }
        workload(c);
        let image = c.image.clone();
        for x in c.init_containers.iter_mut().chain(&mut c.sidecars) {
            container(x, &image);
        }
    }
    if app.create_namespace.is_none() {
        app.create_namespace = Some(create_namespace(app));
    }
    app.config_rollout.get_or_insert_with(config_rollout);
    app.extra_labels.get_or_insert_with(extra_labels);
    if let Some(ingress) = &mut app.ingress {
        ingress
            .name
            .get_or_insert_with(|| names::ingress(&app_name));
        let tls = *ingress.tls.get_or_insert(ingress_tls(ingress));
        if tls && ingress.tls_secret.is_none() {
            ingress.tls_secret = Some(names::ingress_tls(&app_name));
        }
        for r in &mut ingress.routes {
            r.path.get_or_insert_with(route_path);
            r.path_type.get_or_insert(PathType::Prefix);
        }
    }
    if let Some(a) = &mut app.argocd {
        argocd(a);
    }
    if app.secrets.mode == Some(SecretsMode::Sealed) {
        app.secrets.sealed_scope.get_or_insert_with(sealed_scope);
    }
    if let Some(store) = &mut app.external_secrets {
        store.kind.get_or_insert(SecretStoreKind::SecretStore);
        store
            .refresh_interval
            .get_or_insert_with(|| REFRESH_INTERVAL.to_string());
    }
}

/// Where a sealed value may be unsealed when the app does not say: `strict`, kubeseal's
/// default (only into the Secret of that name and namespace).
pub fn sealed_scope() -> SealedScope {
    SealedScope::Strict
}

/// How changed config rolls pods when the app does not say: the `checksum/*` annotations
/// (names stay stable).
pub fn config_rollout() -> ConfigRollout {
    ConfigRollout::Checksum
}

/// How a Job is named when it does not say: by content hash for a hook (a migration changes
/// with every release, and its template cannot change in place), else its fixed name.
pub fn job_name(job: &JobSettings) -> JobName {
    if job.hook.is_some() {
        JobName::Hashed
    } else {
        JobName::Fixed
    }
}

/// The label scheme of an app that names none: the recommended `app.kubernetes.io/*` labels.
pub fn label_scheme() -> LabelScheme {
    LabelScheme::Recommended
}

/// The selector of a component named `name` without a `selector` of its own, under `scheme`:
/// `{ app = NAME }` for the `app` scheme; empty (the recommended labels, which only
/// `kube::labels` knows) otherwise.
pub fn scheme_selector(scheme: LabelScheme, name: &str) -> BTreeMap<String, String> {
    scheme
        .selector_key()
        .map(|key| BTreeMap::from([(key.to_string(), name.to_string())]))
        .unwrap_or_default()
}

/// The defaults of a release: the active colour, the canary weight and controller; and the
/// component's `image` (when empty): the serving track's (the active colour, or stable), so
/// the version label, pull policy and lints follow the version that takes the traffic.
/// `image` pulled from `registry` when it names no registry of its own (`nginx:1.27` →
/// `registry.example.com/nginx:1.27`); `None` when it does, or is empty.
pub fn registry_image(registry: &str, image: &str) -> Option<String> {
    (!image.is_empty() && !crate::model::rules::has_registry_host(image))
        .then(|| format!("{}/{image}", registry.trim_end_matches('/')))
}

/// Calls `f` on every image a component names: its own, its release tracks', its init
/// containers' and sidecars'.
fn images(c: &mut Component, mut f: impl FnMut(&mut String)) {
    f(&mut c.image);
    match &mut c.release {
        Some(Release::BlueGreen { blue, green, .. }) => {
            blue.iter_mut().chain(green.iter_mut()).for_each(&mut f)
        }
        Some(Release::Canary { stable, canary, .. }) => {
            f(stable);
            canary.iter_mut().for_each(&mut f);
        }
        None => {}
    }
    for k in c.init_containers.iter_mut().chain(c.sidecars.iter_mut()) {
        f(&mut k.image);
    }
}

fn release(c: &mut Component) {
    let Some(r) = &mut c.release else { return };
    match r {
        Release::BlueGreen {
            blue,
            green,
            active: a,
        } => {
            if a.is_none() {
                *a = Some(active(blue.is_some(), green.is_some()));
            }
        }
        Release::Canary {
            weight, controller, ..
        } => {
            weight.get_or_insert_with(canary_weight);
            controller.get_or_insert_with(release_controller);
        }
    }
    if c.image.is_empty()
        && let Some(image) = r.primary_image()
    {
        c.image = image.to_string();
    }
}

/// The active colour of a blue-green release that does not say: the only colour given, else
/// blue.
pub fn active(blue: bool, green: bool) -> Colour {
    if green && !blue {
        Colour::Green
    } else {
        Colour::Blue
    }
}

/// Percent of traffic on a canary that does not say: 10.
pub fn canary_weight() -> i32 {
    10
}

/// What runs a canary that does not say: two Deployments.
pub fn release_controller() -> ReleaseController {
    ReleaseController::Deployments
}

/// The defaults of what runs: replicas, Job restart policy, claim access modes, the own
/// ServiceAccount and its token.
fn workload(c: &mut Component) {
    if c.replicas.is_none() {
        c.replicas = replicas(c);
    }
    if let Workload::Job(job) | Workload::CronJob { job, .. } = &mut c.workload
        && job.restart_policy.is_none()
    {
        job.restart_policy = Some(restart_policy());
    }
    if let Workload::Job(job) = &mut c.workload
        && job.name.is_none()
    {
        job.name = Some(job_name(job));
    }
    for v in &mut c.volumes {
        if let VolumeSource::NewClaim { access_modes, .. } = &mut v.source
            && access_modes.is_none()
        {
            *access_modes = Some(self::access_modes());
        }
    }
    if c.network == Switch::Default {
        c.network = Switch::On(network());
    }
    if c.own_service_account.is_none() {
        c.own_service_account = Some(own_service_account(c));
    }
    if c.security.service_account_token.is_none() {
        c.security.service_account_token = Some(service_account_token(c));
    }
}

/// Replicas of a component that does not set them: 1 for a Deployment or StatefulSet without
/// an autoscaler; none for one with an autoscaler (it owns the count, starting at its `min`;
/// a `replicas` set beside it is the count a new workload starts with) or for the other
/// kinds (they have no replicas).
pub fn replicas(c: &Component) -> Option<i32> {
    (c.workload.is_replicated() && c.autoscale.is_none()).then_some(1)
}

/// Restart policy of a Job's pods: `Never` (a failed pod is kept for its logs and replaced).
pub fn restart_policy() -> RestartPolicy {
    RestartPolicy::Never
}

/// Access modes of a new claim: `ReadWriteOnce`.
pub fn access_modes() -> Vec<AccessMode> {
    vec![AccessMode::ReadWriteOnce]
}

/// The NetworkPolicy of a component that does not say: one, admitting anyone to the declared
/// ports, with egress open (DNS included).
pub fn network() -> Network {
    Network {
        from: None,
        to: None,
        dns: true,
    }
}

/// Whether k8gen makes a ServiceAccount for the component: when it has RBAC rules (they are
/// bound to that account).
pub fn own_service_account(c: &Component) -> bool {
    has_rbac(c)
}

/// Whether the pod mounts its ServiceAccount token: only when it has RBAC rules (a token is
/// what it presents to use them).
pub fn service_account_token(c: &Component) -> bool {
    has_rbac(c)
}

fn has_rbac(c: &Component) -> bool {
    !c.rbac.is_empty() || !c.cluster_rbac.is_empty()
}

/// How Argo CD tracks objects when the app does not say: the annotation, Argo CD 3.0's default
/// (k8gen's labels stay as they are).
pub fn argocd_tracking() -> crate::values::ArgoTracking {
    crate::values::ArgoTracking::Annotation
}

/// Whether to emit the Namespace: yes when the app has one that its environment does not own
/// (one owner per Namespace).
pub fn create_namespace(app: &App) -> bool {
    app.namespace.is_some() && !app.namespace_owned_by_environment
}

/// Whether k8gen adds its own labels and annotations when the spec does not say: yes.
pub fn extra_labels() -> bool {
    true
}

/// Whether an Ingress that does not say serves TLS: yes when it names a cert-manager issuer or
/// a TLS Secret.
pub fn ingress_tls(ingress: &Ingress) -> bool {
    ingress.cert_manager_issuer.is_some() || ingress.tls_secret.is_some()
}

/// The path of a route that gives none.
pub fn route_path() -> String {
    crate::values::DEFAULT_ROUTE_PATH.to_string()
}

/// Fills the defaults of an Argo CD Application: revision `HEAD`, project `default`, Argo CD in
/// namespace `argocd`, the local cluster, automated sync with pruning and self-healing.
pub fn argocd(a: &mut ArgoCd) {
    let text = |v: &mut Option<String>, default: &str| {
        v.get_or_insert_with(|| default.to_string());
    };
    text(&mut a.revision, "HEAD");
    text(&mut a.project, "default");
    text(&mut a.namespace, "argocd");
    text(&mut a.server, ARGOCD_LOCAL_SERVER);
    for flag in [&mut a.automated, &mut a.prune, &mut a.self_heal] {
        flag.get_or_insert(true);
    }
}

/// The cluster Argo CD runs in, as Argo CD names it.
pub const ARGOCD_LOCAL_SERVER: &str = "https://kubernetes.default.svc";

/// Fills the defaults of an environment's tree: Argo CD's as for an app's Application
/// ([`argocd`]); Flux reads `GitRepository/flux-system` (what `flux bootstrap` makes) from
/// `flux-system` every `10m` and prunes.
pub fn environment_tree(tree: &mut super::gitops::EnvironmentTree) {
    if let Some(a) = &mut tree.argocd {
        argocd(a);
        tree.argocd_tracking.get_or_insert_with(argocd_tracking);
    }
    if let Some(f) = &mut tree.flux {
        f.source
            .get_or_insert_with(|| "GitRepository/flux-system".to_string());
        f.namespace.get_or_insert_with(|| "flux-system".to_string());
        f.interval.get_or_insert_with(|| "10m".to_string());
        f.prune.get_or_insert(true);
    }
    tree.namespaces.sort();
    tree.namespaces.dedup();
}

/// How often External Secrets syncs by default.
pub const REFRESH_INTERVAL: &str = "1h";

/// The `app.kubernetes.io/component` label of a component that does not set `role`: its key;
/// for the main component (keyed like the app), `server` when it has ports, else `worker`.
pub fn role<'c>(app: &str, c: &'c Component) -> &'c str {
    if c.key != app {
        &c.key
    } else if c.ports.is_empty() {
        "worker"
    } else {
        "server"
    }
}

/// The main container's name when the component does not set `container`: its key.
pub fn container_name(c: &Component) -> String {
    c.key.clone()
}

/// The `app.kubernetes.io/version` label of a component that does not set `version`: the
/// image's tag, when it is a valid label value (a rule reports a tag that is not).
pub fn version(image: &str) -> Option<&str> {
    rules::image_tag(image).filter(|t| rules::label_value(t).is_ok())
}

/// `Always` for an image named by a tag (a tag can move, so every pod checks the registry,
/// which also re-checks pull credentials); `IfNotPresent` for one pinned by digest.
pub fn pull_policy(image: &str) -> PullPolicy {
    if image.contains("@sha256:") {
        PullPolicy::IfNotPresent
    } else {
        PullPolicy::Always
    }
}

/// The config is injected whole unless it is mounted as files or read key by key in `env`.
pub fn env_from_config(c: &Component) -> bool {
    !c.config.is_empty()
        && c.config_mount.is_none()
        && !c
            .env
            .iter()
            .any(|e| matches!(&e.value, EnvValue::ConfigKey { from: None, .. }))
}

/// The secrets are injected whole unless mounted as files or read key by key in `env`.
pub fn env_from_secrets(c: &Component) -> bool {
    c.has_secrets()
        && c.secrets_mount.is_none()
        && !c
            .env
            .iter()
            .any(|e| matches!(&e.value, EnvValue::SecretKey { from: None, .. }))
}

/// The port probes, metrics and a one-port Service use when none is named: the container's
/// only port, or the one named `http`. `None` when there is no port, or several and none is
/// `http` (then the spec must say which).
pub fn main_port(c: &Component) -> Option<&Port> {
    match c.ports.as_slice() {
        [only] => Some(only),
        ports => ports.iter().find(|p| p.name == "http"),
    }
}

/// A port where only a number will do (a gRPC probe's port, the `prometheus.io/port`
/// annotation): the one named, by number or by a container port's name, else the main port.
/// A name no port has is left as it is for a rule to report.
pub fn numbered_port(
    port: Option<PortTarget>,
    ports: &[Port],
    main: Option<i32>,
) -> Option<PortTarget> {
    match port {
        Some(PortTarget::Name(name)) => Some(
            ports
                .iter()
                .find(|p| p.name == name)
                .map_or(PortTarget::Name(name), |p| PortTarget::Number(p.port)),
        ),
        Some(n) => Some(n),
        None => main.map(PortTarget::Number),
    }
}

fn metrics(m: &mut Metrics, ports: &[Port], main: Option<i32>) {
    m.port = numbered_port(m.port.take(), ports, main);
    if m.path.is_none() {
        m.path = Some("/metrics".to_string());
    }
}

/// The Service a component gets when it says nothing: a Deployment or StatefulSet with ports
/// gets one on every port (headless for a StatefulSet, which needs a governing Service).
pub fn default_service(c: &Component) -> Option<Service> {
    (c.workload.is_replicated() && !c.ports.is_empty()).then(|| service(c, Service::default()))
}

/// `s` with its defaults: type ClusterIP, headless for a StatefulSet's ClusterIP Service,
/// every container port when it names none, and each port completed from its target (a
/// target left unset becomes the container port's name; one set is kept as it is).
pub fn service(c: &Component, mut s: Service) -> Service {
    let kind = *s.kind.get_or_insert(if c.workload == Workload::External {
        ServiceType::ExternalName
    } else {
        ServiceType::ClusterIp
    });
    if s.headless.is_none() {
        s.headless = Some(
            matches!(c.workload, Workload::StatefulSet { .. }) && kind == ServiceType::ClusterIp,
        );
    }
    if kind == ServiceType::ExternalName {
        return s;
    }
    if s.ports.is_empty() {
        s.ports = c
            .ports
            .iter()
            .map(|p| ServicePort {
                target: Some(PortTarget::Name(p.name.clone())),
                ..Default::default()
            })
            .collect();
    }
    for sp in &mut s.ports {
        if let Some(target) = service_target(c, sp) {
            sp.name.get_or_insert_with(|| target.name.clone());
            sp.port.get_or_insert(target.port);
            sp.protocol.get_or_insert(target.protocol);
            // A target k8gen picked is named; one written is kept as written (a number stays
            // a number, as in the manifests a spec replaces).
            sp.target
                .get_or_insert_with(|| PortTarget::Name(target.name.clone()));
        }
    }
    s
}

/// A further Service (`[services.KEY]`) with its defaults: those of [`service`], except that
/// it is headless only when it says so (the component's own Service governs a StatefulSet).
pub fn extra_service(c: &Component, mut s: Service) -> Service {
    s.headless.get_or_insert(false);
    service(c, s)
}

/// The container port a Service port forwards to: the one it names, else the one numbered
/// like the Service port, else the main port.
pub fn service_target<'c>(c: &'c Component, sp: &ServicePort) -> Option<&'c Port> {
    match &sp.target {
        Some(PortTarget::Name(n)) => c.pod_ports().find(|p| &p.name == n),
        Some(PortTarget::Number(n)) => c.pod_ports().find(|p| p.port == *n),
        None => sp
            .port
            .and_then(|n| c.ports.iter().find(|p| p.port == n))
            .or_else(|| main_port(c)),
    }
}

/// Image of a `wait_for` init container that names none: a small image with a shell and `nc`.
pub const WAIT_IMAGE: &str = "busybox:1.36";

/// An init container or sidecar without an image runs the component's (or, waiting for
/// another component, [`WAIT_IMAGE`]); a waiting container without resources gets
/// [`Resources::tiny`](super::Resources::tiny), so it is scheduled and capped like the rest.
pub fn container(x: &mut super::Container, component_image: &str) {
    if x.image.is_empty() {
        x.image = if x.wait_for.is_some() {
            WAIT_IMAGE.to_string()
        } else {
            component_image.to_string()
        };
    }
    if x.wait_for.is_some() && x.resources == super::Resources::default() {
        x.resources = super::Resources::tiny();
    }
}

/// The scope of `kind` of `api_version`: a built-in kind's (k8s-openapi's), or that of a
/// CustomResourceDefinition among `objects` defining it; `None` for any other kind.
pub fn passthrough_scope(
    api_version: &str,
    kind: &str,
    objects: &[serde_json::Value],
) -> Option<crate::values::Scope> {
    use crate::values::{Scope, api_group, builtin_kind};
    if let Some(b) = builtin_kind(api_version, kind) {
        return Some(b.scope);
    }
    let group = api_group(api_version);
    objects.iter().find_map(|o| {
        let text = |p: &str| o.pointer(p).and_then(serde_json::Value::as_str);
        (text("/kind") == Some(crate::values::CRD_KIND)
            && text("/spec/group") == Some(group)
            && text("/spec/names/kind") == Some(kind))
        .then(|| match text("/spec/scope") {
            Some("Cluster") => Scope::Cluster,
            _ => Scope::Namespaced,
        })
    })
}

/// The namespace a passthrough object without `metadata.namespace` is given: the app's,
/// unless its kind is cluster-scoped, as Kustomize's `namespace:` does: a built-in kind's or
/// a CRD of the spec's scope ([`passthrough_scope`]), a well-known cluster-scoped custom kind
/// ([`crate::values::CLUSTER_SCOPED_CUSTOM_KINDS`]), else namespaced. So a ServiceMonitor
/// follows its app into each environment's namespace.
pub fn passthrough_namespace(
    object: &serde_json::Value,
    app_namespace: Option<&str>,
    objects: &[serde_json::Value],
) -> Option<String> {
    use crate::values::{CLUSTER_SCOPED_CUSTOM_KINDS, Scope, api_group};
    let text = |p: &str| object.pointer(p).and_then(serde_json::Value::as_str);
    let namespace = app_namespace?;
    if text("/metadata/namespace").is_some() {
        return None;
    }
    let (api_version, kind) = (text("/apiVersion")?, text("/kind")?);
    let scope = passthrough_scope(api_version, kind, objects).unwrap_or_else(|| {
        let known = (api_group(api_version), kind);
        if CLUSTER_SCOPED_CUSTOM_KINDS.contains(&known) {
            Scope::Cluster
        } else {
            Scope::Namespaced
        }
    });
    (scope == Scope::Namespaced).then(|| namespace.to_string())
}

fn passthrough_namespaces(app: &mut App) {
    let given: Vec<Option<String>> = app
        .objects
        .iter()
        .map(|o| passthrough_namespace(o, app.namespace.as_deref(), &app.objects))
        .collect();
    for (o, ns) in app.objects.iter_mut().zip(given) {
        if let (Some(ns), Some(meta)) = (
            ns,
            o.get_mut("metadata")
                .and_then(serde_json::Value::as_object_mut),
        ) {
            meta.insert("namespace".to_string(), serde_json::Value::String(ns));
        }
    }
}
