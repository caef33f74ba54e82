//! Lint rules for `k8gen check`: valid specs that are likely mistakes or weak defaults, each
//! with a stable code and name, a severity, and a one-line fix.
//!
//! Lints read the parsed spec (for positions and for what was written literally), the
//! checked model (for what it means) and the final objects, patches applied (for what is
//! rendered: a probe, resources or an image a patch sets count); they run only on specs that
//! passed `check`, and never change what is rendered. A rule can be allowed per component (`allow = [...]` in its table)
//! or for the whole app (`allow` on the top level).

use std::ops::Range;

use k8s_openapi::api::core::v1::{Container, Probe};

use crate::diag::{Diagnostic, Severity};
use crate::kube::{Object, PodRef};
use crate::model::{self, AccessMode, App, EnvValue, VolumeSource, Workload};
use crate::syntax::{self, ComponentSyntax, Sp, Spec};

pub use crate::codes::lints::*;

/// Finds every lint in `spec` (already checked into `app`): warnings only. Unknown names in
/// `allow` are errors that `render` reports too: see [`unknown_allowed`].
/// `now` is the caller's clock (seconds since 1970 UTC), for the rules that depend on the date.
pub fn lint(spec: &Spec, app: &App, objects: &[Object], now: Option<u64>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let file = &spec.file;
    let app_allow = &app.allow;
    if file.namespace.is_none() {
        let d = warn(NO_NAMESPACE, file.name.span(), "the spec sets no namespace").with_help(
            "add `namespace = \"...\"` so the objects land in the same place every time",
        );
        push(&mut out, d, app_allow, &[]);
    }
    for part in spec.parts() {
        let (key, syntax) = (part.key, part.syntax);
        let Some(c) = app.components.iter().find(|c| c.key == key.value) else {
            continue;
        };
        let pod = (objects.iter())
            .filter(|o| o.name() == c.name)
            .find_map(Object::pod);
        for d in component(syntax, c, pod, &key, app.secrets.mode.is_some()) {
            push(&mut out, d, app_allow, &c.allow);
        }
        let own = objects.iter().filter(|o| o.name() == c.name);
        for d in own.filter_map(|o| flux_substitution(o, key.span())) {
            push(&mut out, d, app_allow, &c.allow);
        }
    }
    for d in platform(spec, app, objects) {
        push(&mut out, d, app_allow, &[]);
    }
    if let Some(now) = now {
        for d in certificate_dates(spec, app, now) {
            push(&mut out, d, app_allow, &[]);
        }
    }
    // The policy's denied rules are errors (an `allow` of one was refused by the engine).
    for d in &mut out {
        let rule = RULES.iter().find(|r| r.code == d.code);
        if rule.is_some_and(|r| app.policy.denies(r.code, r.name)) {
            d.severity = Severity::Error;
            d.message.push_str(" (denied by the platform's policy)");
        }
    }
    out.sort_by_key(|d| (d.span.start, d.span.end, d.code));
    out
}

/// How long before its `notAfter` a sealed-secrets certificate is reported as expiring.
pub const CERTIFICATE_WARNING_DAYS: u64 = 30;

/// A sealed-secrets certificate judged by the caller's clock `now`: expired, an error
/// (K0148, what `render -o` refuses); expiring within [`CERTIFICATE_WARNING_DAYS`], a warning.
fn certificate_dates(spec: &Spec, app: &App, now: u64) -> Vec<Diagnostic> {
    let sealed = app.secrets.mode == Some(crate::values::SecretsMode::Sealed);
    let Some(pem) = app.secrets.sealed_certificate.as_deref().filter(|_| sealed) else {
        return Vec::new();
    };
    let Ok(key) = crate::encrypt::sealed::SealingKey::from_pem(pem) else {
        return Vec::new(); // K0147, reported by the engine
    };
    let file = &spec.file;
    let span = (file.sealed.as_ref())
        .and_then(|s| s.value.certificate.as_ref().map(|c| c.span()))
        .unwrap_or_else(|| file.name.span());
    let not_after = key.not_after_unix();
    let date = crate::encrypt::sealed::rfc3339(i64::try_from(not_after).unwrap_or(i64::MAX));
    if now > not_after {
        let mut d = Diagnostic::error(
            crate::codes::CERTIFICATE_EXPIRED,
            span,
            format!("the sealed-secrets certificate expired on {date} (its notAfter)"),
        )
        .with_help(
            "`render -o` refuses it, as kubeseal does; fetch the controller's current certificate \
             with `kubeseal --fetch-cert > FILE`",
        );
        d.path = Some("sealed.certificate".into());
        return vec![d];
    }
    let left = (not_after - now) / 86_400;
    if not_after - now <= CERTIFICATE_WARNING_DAYS * 86_400 {
        return vec![
            warn(
                SEALED_CERTIFICATE_EXPIRING,
                span,
                format!(
                    "the sealed-secrets certificate expires on {date}, in {left} day{}",
                    if left == 1 { "" } else { "s" }
                ),
            )
            .with_help(
                "the controller renews its key every 30 days by default: fetch the current \
                 certificate (`kubeseal --fetch-cert > FILE`) and render again; after its \
                 notAfter `render -o` refuses it (K0148)",
            ),
        ];
    }
    Vec::new()
}

/// The rules a platform cares about across the app: TLS on every Ingress, required labels on
/// every object.
fn platform(spec: &Spec, app: &App, objects: &[Object]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let file = &spec.file;
    for o in objects {
        if let Object::Ingress(i) = o
            && i.spec
                .as_ref()
                .is_none_or(|s| s.tls.as_ref().is_none_or(Vec::is_empty))
        {
            let span = file.ingress.as_ref().map_or(file.name.span(), |i| i.span());
            out.push(
                warn(
                    PLAIN_HTTP_INGRESS,
                    span,
                    format!("Ingress `{}` serves its hosts without TLS", o.name()),
                )
                .with_help(
                    "add `tls = true` with `cert_manager_issuer = \"...\"`, or `tls = \"SECRET\"`",
                ),
            );
        }
    }
    // Objects of no component (an Ingress, a Namespace, ...); a component's own: `lint`.
    for o in objects {
        if !app.components.iter().any(|c| c.name == o.name())
            && let Some(d) = flux_substitution(o, file.name.span())
        {
            out.push(d);
        }
    }
    for key in &app.policy.require_labels {
        let missing: Vec<String> = objects
            .iter()
            .filter(|o| {
                o.metadata()
                    .labels
                    .as_ref()
                    .is_none_or(|l| !l.contains_key(key))
            })
            .map(|o| format!("{}/{}", o.kind(), o.name()))
            .collect();
        if let Some(first) = missing.first() {
            let span = file
                .labels
                .keys()
                .next()
                .map_or(file.name.span(), |k| k.span());
            out.push(
                warn(
                    MISSING_REQUIRED_LABELS,
                    span,
                    format!(
                        "label `{key}` is required by the platform's policy; {} of {} objects lack it (first: {first})",
                        missing.len(),
                        objects.len()
                    ),
                )
                .with_help(format!("add `labels = {{ \"{key}\" = \"...\" }}` on the top level of the spec")),
            );
        }
    }
    out
}

/// An object holding `${VAR}` (not `$${`, Flux's escape) without Flux's
/// `substitute: disabled` (ConfigMaps get it when their data holds `${`): under a Flux
/// Kustomization with `postBuild`, Flux replaces it, with an empty string if unset.
/// Reported at `span`: the component's key, or the app's name.
fn flux_substitution(o: &Object, span: Range<usize>) -> Option<Diagnostic> {
    let off = o.metadata().annotations.as_ref();
    if off.is_some_and(|a| a.contains_key(crate::kube::FLUX_SUBSTITUTE)) {
        return None;
    }
    let text = o.to_json().to_string();
    let at = (text.match_indices("${"))
        .find(|(i, _)| !text[..*i].ends_with('$'))?
        .0;
    let var: String = text[at..]
        .chars()
        .take_while(|&c| c != '}')
        .chain(['}'])
        .take(40)
        .collect();
    let d = warn(
        FLUX_SUBSTITUTION,
        span,
        format!(
            "{}/{} holds `{var}`: Flux's post-build substitution would replace it",
            o.kind(),
            o.name()
        ),
    )
    .with_help(format!(
        "if Flux should leave it, write `${var}` (Flux's escape) or annotate the object `{}: disabled`; if Flux fills it in, allow the rule",
        crate::kube::FLUX_SUBSTITUTE
    ));
    Some(d)
}

fn push(out: &mut Vec<Diagnostic>, d: Diagnostic, app_allow: &[String], own_allow: &[String]) {
    let rule = RULES.iter().find(|r| r.code == d.code);
    let allowed =
        |list: &[String]| rule.is_some_and(|r| list.iter().any(|a| a == r.code || a == r.name));
    if !allowed(app_allow) && !allowed(own_allow) {
        out.push(d);
    }
}

fn warn(rule: Rule, span: Range<usize>, message: impl Into<String>) -> Diagnostic {
    Diagnostic {
        severity: Severity::Warning,
        ..Diagnostic::error(rule.code, span, message)
    }
}

/// The span of a key's value if it was written, else of the component's name.
fn at<T>(value: Option<&Sp<T>>, key: &Sp<String>) -> Range<usize> {
    value.map_or(key.span(), |v| v.span())
}

/// The first `env` entry that reads a secret.
fn secret_env_key(s: &ComponentSyntax) -> Option<&Sp<String>> {
    s.env.iter().find_map(|(k, v)| match &v.value {
        syntax::EnvSyntax::Ref(r) if r.secret.is_some() => Some(k),
        _ => None,
    })
}

/// Whether a rendered probe checks the same thing as another, with no initial delay.
fn same_probe_without_delay(liveness: &Probe, readiness: &Probe) -> bool {
    liveness.exec == readiness.exec
        && liveness.http_get == readiness.http_get
        && liveness.tcp_socket == readiness.tcp_socket
        && liveness.grpc == readiness.grpc
        && liveness.initial_delay_seconds.unwrap_or(0) == 0
}

/// Quantity keys of a rendered container's requests and limits.
fn resource_keys(k: &Container) -> (Vec<String>, Vec<String>) {
    let r = k.resources.as_ref();
    let keys = |m: Option<&std::collections::BTreeMap<String, _>>| {
        m.map(|m| m.keys().cloned().collect()).unwrap_or_default()
    };
    (
        keys(r.and_then(|r| r.requests.as_ref())),
        keys(r.and_then(|r| r.limits.as_ref())),
    )
}

/// The component's lints. `pod`: its rendered pods, patches applied; what it says wins over the
/// model, which stands in only when the pods or a container are not found.
fn component(
    s: &ComponentSyntax,
    c: &model::Component,
    pod: Option<PodRef<'_>>,
    key: &Sp<String>,
    has_mode: bool,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let name = &key.value;
    let serving = c.workload.is_replicated();
    if matches!(c.workload, Workload::External) {
        return out;
    }
    let container = |container: &str| {
        pod.and_then(|p| {
            (p.spec.containers.iter())
                .chain(p.spec.init_containers.iter().flatten())
                .find(|k| k.name == container)
        })
    };
    let main = container(c.container_name());
    let has_ports = main.map_or(!c.ports.is_empty(), |k| {
        k.ports.as_ref().is_some_and(|p| !p.is_empty())
    });
    let has_readiness = main.map_or(c.readiness.is_some(), |k| k.readiness_probe.is_some());
    let has_liveness = main.map_or(c.liveness.is_some(), |k| k.liveness_probe.is_some());
    if serving && has_ports && !has_readiness {
        out.push(
            warn(
                MISSING_READINESS,
                at(s.probes.as_ref(), key),
                format!("`{name}` serves traffic but has no readiness probe"),
            )
            .with_help("add `probes.readiness = \"GET /health\"` (or a TCP/exec probe)"),
        );
    }
    if serving && !has_liveness {
        out.push(
            warn(
                MISSING_LIVENESS,
                at(s.probes.as_ref(), key),
                format!("`{name}` has no liveness probe"),
            )
            .with_help("add `probes.liveness = \"GET /health\"` so a hung process is restarted"),
        );
    }
    if let (Some(version), Some(selector)) = (&c.version, &s.selector)
        && let Some(key) = c
            .selector
            .iter()
            .find(|(_, v)| *v == version)
            .map(|(k, _)| k)
    {
        out.push(
            warn(
                VERSION_IN_SELECTOR,
                selector.span(),
                format!("the selector of `{name}` holds its version (`{key}: {version}`)"),
            )
            .with_help("a Deployment's selector cannot change: keep it to take the running objects over, then move to a selector without the version under a new `names.workload`"),
        );
    }
    let containers = std::iter::once((c.container_name(), &c.resources)).chain(
        c.sidecars
            .iter()
            .chain(&c.init_containers)
            .map(|x| (x.name.as_str(), &x.resources)),
    );
    for (container_name, r) in containers {
        let (requests, limits) = container(container_name).map_or_else(
            || {
                (
                    r.requests.keys().cloned().collect(),
                    r.limits.keys().cloned().collect(),
                )
            },
            resource_keys,
        );
        let has = |keys: &[String], what: &str| keys.iter().any(|k| k == what);
        let missing: Vec<&str> = [
            ("cpu request", has(&requests, "cpu")),
            ("memory request", has(&requests, "memory")),
            ("memory limit", has(&limits, "memory")),
        ]
        .iter()
        .filter(|(_, present)| !present)
        .map(|(what, _)| *what)
        .collect();
        if !missing.is_empty() {
            out.push(
                warn(MISSING_RESOURCES, at(s.resources.as_ref(), key), format!("container `{container_name}` has no {}", missing.join(", ")))
                    .with_help("set `resources = { requests = { cpu = \"100m\", memory = \"128Mi\" }, limits = { memory = \"256Mi\" } }`"),
            );
        }
    }
    let images = std::iter::once((c.container_name(), c.image.as_str())).chain(
        c.sidecars
            .iter()
            .chain(&c.init_containers)
            .map(|x| (x.name.as_str(), x.image.as_str())),
    );
    for (container_name, image) in images {
        let image = container(container_name)
            .and_then(|k| k.image.as_deref())
            .unwrap_or(image);
        let pinned = image.contains('@');
        let tag = model::rules::image_tag(image);
        if !pinned && (tag.is_none() || tag == Some("latest")) {
            out.push(
                warn(
                    MUTABLE_IMAGE,
                    at(s.image.as_ref(), key),
                    format!(
                        "image `{image}` is {}",
                        if tag.is_none() {
                            "not tagged"
                        } else {
                            "tagged `latest`"
                        }
                    ),
                )
                .with_help("pin a version tag such as `:1.4.2`, or a digest `@sha256:...`"),
            );
        }
    }
    let floor = c.fewest_pods();
    if c.disruption.is_some() && floor <= 1 {
        out.push(
            warn(
                SINGLE_REPLICA_BUDGET,
                at(s.disruption.as_ref(), key),
                format!(
                    "`{name}` runs one replica, so its disruption budget keeps nothing available"
                ),
            )
            .with_help("run at least 2 replicas, or drop the budget"),
        );
    }
    let same_probes = match main {
        Some(k) => match (&k.liveness_probe, &k.readiness_probe) {
            (Some(l), Some(r)) => same_probe_without_delay(l, r) && k.startup_probe.is_none(),
            _ => false,
        },
        None => match (&c.liveness, &c.readiness) {
            (Some(l), Some(r)) => {
                l.action == r.action
                    && l.initial_delay_seconds.unwrap_or(0) == 0
                    && c.startup.is_none()
            }
            _ => false,
        },
    };
    if same_probes {
        out.push(
            warn(SAME_PROBES, at(s.probes.as_ref(), key), format!("`{name}`'s liveness probe is its readiness probe, with no initial delay"))
                .with_help("give liveness an `initial_delay_seconds` or a startup probe, or check something cheaper"),
        );
    }
    let secret_env = main.map_or_else(
        || {
            c.env_from_secrets == Some(true) && c.has_secrets()
                || (c.env.iter()).any(|e| matches!(e.value, EnvValue::SecretKey { .. }))
        },
        |k| {
            (k.env_from.iter().flatten()).any(|e| e.secret_ref.is_some())
                || (k.env.iter().flatten())
                    .any(|e| (e.value_from.as_ref()).is_some_and(|v| v.secret_key_ref.is_some()))
        },
    );
    if secret_env {
        out.push(
            warn(SECRETS_AS_ENV, at(secret_env_key(s).or(s.secrets.keys().next()), key), format!("`{name}` gets secrets as environment variables"))
                .with_help("mount them as files with `mount.secrets = \"/run/secrets/app\"` if the app can read files"),
        );
    }
    if !has_mode
        && let Some((k, _)) = (s.secrets.iter()).find(|(k, _)| c.secrets.contains_key(&k.value))
    {
        out.push(
            warn(SECRETS_WITHOUT_MODE, k.span(), format!("`{name}` has secret values but the app has no `secrets_mode`"))
                .with_help("`k8gen render -o DIR` refuses them (K0140); set `secrets_mode = \"sops\"` with `sops.age` recipients, `\"sealed\"` with `sealed.certificate`, or `\"external\"`, here or in k8gen.toml"),
        );
    }
    for (k, v) in &s.secrets {
        if matches!(v.value, syntax::SecretValue::Literal(_)) {
            out.push(
                warn(PLAINTEXT_SECRET, v.span(), format!("the value of secret `{}` is written in the spec", k.value))
                    .with_help("read it when rendering: `{ env = \"VAR\" }`, `{ file = \"path\" }` or `{ external = \"key\" }`"),
            );
        }
    }
    if let Some(a) = &c.autoscale {
        let requests = main.map_or_else(
            || c.resources.requests.keys().cloned().collect(),
            |k| resource_keys(k).0,
        );
        for (resource, target) in [("cpu", a.cpu_percent), ("memory", a.memory_percent)] {
            if target.is_some() && !requests.iter().any(|r| r == resource) {
                out.push(
                    warn(AUTOSCALE_WITHOUT_REQUESTS, at(s.autoscale.as_ref(), key), format!("`{name}` scales on {resource} utilization but requests no {resource}"))
                        .with_help(format!("utilization is a percentage of the request: set `resources.requests.{resource}`")),
                );
            }
        }
    }
    let many = c
        .autoscale
        .as_ref()
        .map_or(c.replicas.unwrap_or(1), |a| a.max)
        > 1;
    if matches!(c.workload, Workload::Deployment) && many {
        for v in &c.volumes {
            if let VolumeSource::NewClaim { access_modes, .. } = &v.source
                && access_modes
                    .iter()
                    .flatten()
                    .all(|m| matches!(m, AccessMode::ReadWriteOnce | AccessMode::ReadWriteOncePod))
            {
                out.push(
                    warn(SHARED_SINGLE_WRITER_CLAIM, at(s.volumes.keys().find(|k| k.value == v.name), key), format!("volume `{}` is ReadWriteOnce but `{name}` runs several replicas", v.name))
                        .with_help("use `kind = \"StatefulSet\"` for a claim per pod, or `access = [\"ReadWriteMany\"]`"),
                );
            }
        }
    }
    let relaxed = relaxed_security(&c.security);
    if !relaxed.is_empty() {
        out.push(
            warn(RELAXED_SECURITY, at(s.security.as_ref(), key), format!("`{name}` relaxes security: {}", relaxed.join(", ")))
                .with_help("keep the default unless the image needs it; `allow = [\"relaxed-security\"]` records that it does"),
        );
    }
    // A container with its own security context: judged on its own, reported at its table.
    let extra = (c.init_containers.iter().zip(s.init.iter().flatten()))
        .chain(c.sidecars.iter().zip(s.sidecars.iter().flatten()));
    for (x, xs) in extra {
        let relaxed = x
            .security
            .as_ref()
            .map(relaxed_security)
            .unwrap_or_default();
        if !relaxed.is_empty() {
            out.push(
                warn(RELAXED_SECURITY, at(xs.value.security.as_ref(), key), format!("container `{}` of `{name}` relaxes security: {}", x.name, relaxed.join(", ")))
                    .with_help("keep the default unless the image needs it; `allow = [\"relaxed-security\"]` records that it does"),
            );
        }
    }
    out
}

/// What `sec` relaxes of the secure default, in words for a warning.
fn relaxed_security(sec: &model::Security) -> Vec<&'static str> {
    let d = model::Security::default();
    [
        (
            "run_as_non_root = false",
            sec.run_as_non_root != d.run_as_non_root,
        ),
        (
            "allow_privilege_escalation = true",
            sec.allow_privilege_escalation != d.allow_privilege_escalation,
        ),
        ("seccomp = \"Unconfined\"", sec.seccomp != d.seccomp),
        ("added capabilities", !sec.capabilities.is_empty()),
        (
            "the runtime's default capabilities (hardened = false)",
            !sec.drop_capabilities,
        ),
        (
            "read_only_root_filesystem = false",
            sec.read_only_root_filesystem != d.read_only_root_filesystem,
        ),
    ]
    .iter()
    .filter(|(_, on)| *on)
    .map(|(what, _)| *what)
    .collect()
}
