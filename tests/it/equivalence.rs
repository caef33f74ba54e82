//! The law of the two front ends: an app written as a TOML spec and the same app built with the
//! Rust builder API render byte-identical YAML, or both fail with the same set of
//! (code, field path). One generator makes both forms of each random app.
//!
//! Cases are numbered seeds of a small deterministic generator, so a failure names its seed.
//! `K8GEN_EQUIV_CASES=N` runs N seeds instead of [`CASES`]; seeds that once found a bug are
//! kept in [`KEPT`] and run first, every time.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use k8gen::model::{self, App, Component, EnvValue, PortTarget, Probe, ProbeAction, Switch};

use crate::support::*;

/// Seeds run on every `cargo test`.
const CASES: u64 = 3000;

/// Seeds that found a difference between the front ends once (kept as regression cases).
const KEPT: &[u64] = &[];

/// A tiny deterministic generator (SplitMix64): the same seed, the same app, on any machine.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// One component as both front ends will see it.
#[derive(Debug, Clone)]
struct GenComponent {
    key: String,
    image: String,
    /// A release replaces `image` (written instead of it).
    release: Option<k8gen::model::Release>,
    replicas: Option<i64>,
    ports: Vec<(String, i64)>,
    config: Vec<(String, String)>,
    secrets: Vec<(String, String)>,
    env: Vec<(String, GenEnv)>,
    liveness: Option<GenProbe>,
    readiness: Option<GenProbe>,
    requests: Vec<(String, String)>,
    limits: Vec<(String, String)>,
    /// None: default; Some(None): off; Some(Some(port)): `service = { port }`.
    service: Option<Option<Option<i64>>>,
    run_as_user: Option<i64>,
    /// `security.hardened = false`.
    unhardened: bool,
    config_mount: Option<String>,
    role: Option<String>,
    /// `selector = { ... }` (taking over running pods); empty: none.
    selector: Vec<(String, String)>,
    /// `names = { workload, service, config }`.
    names: Option<(Option<String>, Option<String>, Option<String>)>,
    /// The component's own `label_scheme` (not for the main component: on the top level the
    /// key is the app's).
    label_scheme: Option<k8gen::model::LabelScheme>,
    /// `container = "..."`: the main container's name.
    container: Option<String>,
    /// When `service` is unset: `service = { ports = [...] }` (container port names, or a
    /// number for `{ port = 80, target_port = N }`).
    service_ports: Option<Vec<String>>,
    /// `services.KEY = { type = "LoadBalancer", port = N }`.
    extra_service: Option<(String, i64)>,
    termination_grace_period_seconds: Option<i64>,
    /// `scheduling.node_selector = { KEY = VALUE }`.
    node_selector: Option<(String, String)>,
    /// `[[sidecars]]` named `exporter` with `ports = { NAME = N }`, and `security.hardened =
    /// false` when set.
    sidecar: Option<(String, i64, bool)>,
}

#[derive(Debug, Clone)]
enum GenEnv {
    Literal(String),
    Config(Option<String>, String),
    Secret(Option<String>, String),
    Service(String, Option<String>),
    Field(String),
}

#[derive(Debug, Clone)]
enum GenProbe {
    /// `"GET /path"` (port from the main port) or `{ http = "path" }` when it does not start
    /// with `/` (the shorthand would not parse).
    Http(String),
    Tcp,
    TcpPort(i64),
    Exec,
    /// `{ grpc = PORT }` (a number or a port name), or `"GRPC"` for the main port, with a
    /// header (an error: only HTTP probes send them) now and then.
    Grpc(Option<String>, bool),
    /// `{ http = "/health", headers = { NAME = "1" } }`.
    HttpHeader(String),
}

#[derive(Debug, Clone)]
struct GenApp {
    name: String,
    namespace: Option<String>,
    /// The first component is the main one (keyed like the app, written at the top level).
    main: bool,
    components: Vec<GenComponent>,
    /// The app-wide `label_scheme`.
    label_scheme: Option<k8gen::model::LabelScheme>,
    /// `config_rollout`.
    config_rollout: Option<k8gen::model::ConfigRollout>,
    /// `secrets_mode` and `sops.age` (a valid recipient, or a malformed one now and then).
    secrets_mode: Option<k8gen::model::SecretsMode>,
    sops_age: Vec<String>,
    /// `sealed.certificate` (a file of the repo: the test certificate, or a file that is none)
    /// and `sealed.scope`.
    sealed_certificate: Option<&'static str>,
    sealed_scope: Option<k8gen::model::SealedScope>,
    /// `extra_labels`.
    extra_labels: Option<bool>,
    /// Passthrough objects (`[[objects]]` / `App::object`), good and bad ones.
    objects: Vec<serde_json::Value>,
}

/// Passthrough objects: mostly valid (namespaced built-in, custom resource, cluster-scoped
/// RBAC, a CRD and a resource of it), now and then invalid (no apiVersion, a bad kind, no
/// name, a namespace on a cluster-scoped kind, k8gen's label, the app's own Service).
fn passthrough(g: &mut Gen, app: &str) -> serde_json::Value {
    use serde_json::json;
    let good = [
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "extra"}, "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}}),
        json!({"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor", "metadata": {"name": app, "labels": {"release": "prom"}}, "spec": {"endpoints": [{"port": "metrics"}]}}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "shop:view"}, "rules": []}),
        json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": {"name": "widgets.acme.io"}, "spec": {"group": "acme.io", "scope": "Namespaced", "names": {"kind": "Widget", "plural": "widgets"}}}),
        json!({"apiVersion": "acme.io/v1", "kind": "Widget", "metadata": {"name": "w1"}, "spec": {"size": 2, "ratio": 0.5, "on": true}}),
    ];
    let bad = [
        json!({"kind": "NetworkPolicy", "metadata": {"name": "x"}}),
        json!({"apiVersion": "v1", "kind": "config map", "metadata": {"name": "x"}}),
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"labels": {"a": "b"}}}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "r", "namespace": "shop"}}),
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "y", "labels": {"k8gen.io/track": "blue"}}}),
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": app}}),
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "stringData": {"k": "v"}}),
    ];
    mostly(g, &good, &bad).clone()
}

/// A JSON value as an inline TOML value.
fn toml_inline(v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::String(s) => toml_str(s),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(toml_inline).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(m) => format!(
            "{{ {} }}",
            m.iter()
                .map(|(k, v)| format!("{} = {}", toml_str(k), toml_inline(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.to_string(),
    }
}

const KEYS: &[&str] = &["api", "web", "db", "worker"];
const IMAGES: &[&str] = &[
    "nginx:1.27",
    "api:v2",
    "busybox",
    "ghcr.io/acme/api@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
];
/// Values each front end must reject alike (one in a while).
const BAD_IMAGES: &[&str] = &["Registry/UPPER:v1", "app:-bad-tag-"];
const PORTS: &[(&str, i64)] = &[("http", 8080), ("metrics", 9090), ("amqp", 5672)];
const BAD_PORTS: &[(&str, i64)] = &[("BAD_name", 81), ("grpc", 0), ("admin", 8080)];
const QUANTITIES: &[&str] = &["100m", "1", "256Mi", "2Gi"];
const BAD_QUANTITIES: &[&str] = &["lots", "-1"];

/// Usually a good value, now and then a bad one.
fn mostly<'a, T>(g: &mut Gen, good: &'a [T], bad: &'a [T]) -> &'a T {
    if g.chance(8) {
        g.pick(bad)
    } else {
        g.pick(good)
    }
}

fn component(g: &mut Gen, key: String, others: &[String]) -> GenComponent {
    let mut ports: Vec<(String, i64)> = Vec::new();
    for _ in 0..g.below(3) {
        let (n, p) = *mostly(g, PORTS, BAD_PORTS);
        if !ports.iter().any(|(m, _)| m == n) {
            ports.push((n.to_string(), p));
        }
    }
    let config: Vec<(String, String)> = (0..g.below(3))
        .map(|i| {
            (
                format!("CONF_{i}"),
                g.pick(&["a", "1", "on", "x y"]).to_string(),
            )
        })
        .collect();
    let secrets: Vec<(String, String)> = (0..g.below(2))
        .map(|i| (format!("SECRET_{i}"), "s3cret".to_string()))
        .collect();
    let mut env = Vec::new();
    for i in 0..g.below(4) {
        let other = || others.first().cloned();
        let value = match g.below(8) {
            0..=2 => GenEnv::Literal(format!("$(VAR_{})-x", i.saturating_sub(1))),
            3 if !config.is_empty() => {
                GenEnv::Config(None, mostly(g, &["CONF_0"], &["MISSING"]).to_string())
            }
            4 if !secrets.is_empty() => {
                GenEnv::Secret(None, mostly(g, &["SECRET_0"], &["NOPE"]).to_string())
            }
            5 => match other() {
                Some(o) if g.chance(30) => GenEnv::Config(Some(o), "CONF_0".into()),
                Some(o) => GenEnv::Service(o, None),
                None => GenEnv::Literal("x".into()),
            },
            6 => match other() {
                Some(o) => GenEnv::Service(
                    o,
                    g.chance(30)
                        .then(|| g.pick(&["http", "8080", "nope"]).to_string()),
                ),
                None => GenEnv::Literal("y".into()),
            },
            _ => GenEnv::Field(
                mostly(g, &["metadata.name", "status.podIP"], &["spec.bogus"]).to_string(),
            ),
        };
        env.push((format!("VAR_{i}"), value));
    }
    let has_ports = !ports.is_empty();
    let has_config = !config.is_empty();
    let probe = |g: &mut Gen| -> Option<GenProbe> {
        match g.below(10) {
            0 | 1 if has_ports || g.chance(10) => Some(GenProbe::Http("/health".into())),
            2 if g.chance(20) => Some(GenProbe::Http("health".into())),
            3 if has_ports || g.chance(10) => Some(GenProbe::Tcp),
            4 => Some(GenProbe::TcpPort(*mostly(g, &[5432, 8080], &[0, 70000]))),
            5 => Some(GenProbe::Exec),
            6 => Some(GenProbe::Grpc(
                g.chance(60)
                    .then(|| mostly(g, &["http", "9090", "metrics"], &["nope", "0"]).to_string()),
                g.chance(5),
            )),
            7 if g.chance(40) => Some(GenProbe::HttpHeader(
                mostly(g, &["X-Probe", "Cookie"], &["X Probe", ""]).to_string(),
            )),
            _ => None,
        }
    };
    let res = |g: &mut Gen| -> Vec<(String, String)> {
        (0..g.below(3))
            .map(|i| {
                let name = if i == 1 && g.chance(5) {
                    "mem"
                } else {
                    ["cpu", "memory"][i]
                };
                (
                    name.to_string(),
                    mostly(g, QUANTITIES, BAD_QUANTITIES).to_string(),
                )
            })
            .collect()
    };
    let release = g.chance(15).then(|| {
        let image = |g: &mut Gen| mostly(g, IMAGES, BAD_IMAGES).to_string();
        let maybe = |g: &mut Gen| g.chance(70).then(|| image(g));
        if g.chance(50) {
            k8gen::model::Release::BlueGreen {
                blue: maybe(g),
                green: maybe(g),
                active: match g.below(3) {
                    0 => Some(k8gen::model::Colour::Blue),
                    1 => Some(k8gen::model::Colour::Green),
                    _ => None,
                },
            }
        } else {
            k8gen::model::Release::Canary {
                stable: image(g),
                canary: maybe(g),
                weight: g.chance(70).then(|| *mostly(g, &[10, 50, 99], &[0, 100])),
                controller: g
                    .chance(30)
                    .then_some(k8gen::model::ReleaseController::ArgoRollouts),
            }
        }
    });
    let selector = if g.chance(20) {
        let options = [
            vec![("app".to_string(), key.clone())],
            vec![("app".into(), "shared".into())],
            vec![("tier".into(), "web".into())],
            vec![("app".into(), key.clone()), ("tier".into(), "web".into())],
        ];
        let bad = [
            vec![("app.kubernetes.io/name".into(), key.clone())],
            vec![("app".into(), "not a value".into())],
        ];
        mostly(g, &options, &bad).clone()
    } else {
        Vec::new()
    };
    let names = g.chance(15).then(|| {
        let live = format!("{key}-live");
        let svc = format!("{key}-svc");
        (
            g.chance(60)
                .then(|| mostly(g, &[live.as_str(), "live"], &["Bad_Name"]).to_string()),
            g.chance(50)
                .then(|| g.pick(&[svc.as_str(), "shared-svc"]).to_string()),
            g.chance(50).then(|| "app-settings".to_string()),
        )
    });
    let label_scheme = g.chance(5).then(|| *g.pick(k8gen::model::LabelScheme::ALL));
    GenComponent {
        label_scheme,
        key,
        release,
        image: mostly(g, IMAGES, BAD_IMAGES).to_string(),
        replicas: match g.below(12) {
            0 => Some(-1),
            1 => Some(3),
            2 => Some(0),
            _ => None,
        },
        ports,
        config,
        secrets,
        env,
        liveness: probe(g),
        readiness: probe(g),
        requests: res(g),
        limits: res(g),
        service: match g.below(5) {
            0 => Some(None),
            1 => Some(Some(Some(80))),
            2 => Some(Some(None)),
            _ => None,
        },
        unhardened: g.chance(8),
        run_as_user: match g.below(20) {
            0 => Some(0),
            1 => Some(999),
            _ => None,
        },
        config_mount: match g.below(12) {
            0 | 1 if has_config => Some("/etc/app".into()),
            2 => Some("relative".into()),
            _ => None,
        },
        role: g
            .chance(10)
            .then(|| g.pick(&["api", "bad role"]).to_string()),
        selector,
        names,
        container: g
            .chance(10)
            .then(|| mostly(g, &["server", "podinfod"], &["Bad_Name"]).to_string()),
        termination_grace_period_seconds: g.chance(10).then(|| *mostly(g, &[0, 5, 60], &[-1])),
        sidecar: g.chance(12).then(|| {
            let name = mostly(g, &["metrics", "admin"], &["http", "Bad_Port"]).to_string();
            (name, *mostly(g, &[9102, 9901], &[8080, 0]), g.chance(30))
        }),
        node_selector: g.chance(10).then(|| {
            let key = mostly(g, &["kubernetes.io/os", "disk"], &["bad key"]).to_string();
            (key, mostly(g, &["linux", "ssd"], &["not ok"]).to_string())
        }),
        extra_service: g.chance(10).then(|| {
            let key = mostly(g, &["external", "public"], &["headless", "Bad"]).to_string();
            (key, *mostly(g, &[80, 443], &[0]))
        }),
        service_ports: g.chance(15).then(|| {
            (0..1 + g.below(2))
                .map(|_| {
                    mostly(g, &["http", "metrics", "8080", "5672"], &["nope", "9999"]).to_string()
                })
                .collect()
        }),
    }
}

fn app(seed: u64) -> GenApp {
    let mut g = Gen(seed);
    let name = mostly(&mut g, &["shop"], &["Bad_App"]).to_string();
    let namespace = g.chance(70).then(|| g.pick(&["shop", "prod"]).to_string());
    let main = g.chance(40);
    let mut keys: Vec<String> = Vec::new();
    if main {
        keys.push(name.clone());
    }
    for _ in 0..1 + g.below(3) {
        let k = g.pick(KEYS).to_string();
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    let components = keys
        .iter()
        .map(|k| {
            let others: Vec<String> = keys.iter().filter(|o| *o != k).cloned().collect();
            component(&mut g, k.clone(), &others)
        })
        .collect();
    let label_scheme = g
        .chance(10)
        .then(|| *g.pick(k8gen::model::LabelScheme::ALL));
    let config_rollout = g
        .chance(10)
        .then(|| *g.pick(k8gen::model::ConfigRollout::ALL));
    let secrets_mode = g.chance(8).then(|| *g.pick(k8gen::model::SecretsMode::ALL));
    // Recipients mostly where they belong (sops needs one), now and then none or elsewhere.
    let recipients = match secrets_mode {
        Some(k8gen::model::SecretsMode::Sops) if g.chance(90) => 1 + g.below(2),
        _ if g.chance(3) => 1,
        _ => 0,
    };
    let sops_age = (0..recipients)
        .map(|_| {
            mostly(
                &mut g,
                &["age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"],
                &["age1bad", "AGE1QL3Z"],
            )
            .to_string()
        })
        .collect();
    // A certificate mostly where it belongs (sealed needs one), now and then a file that is
    // none, or none at all.
    let sealed_certificate = match secrets_mode {
        Some(k8gen::model::SecretsMode::Sealed) if g.chance(85) => Some(*g.pick(&[
            "tests/it/sealed-cert.pem",
            "tests/it/sealed-cert.pem",
            "Cargo.toml",
        ])),
        _ if g.chance(2) => Some("tests/it/sealed-cert.pem"),
        _ => None,
    };
    let sealed_scope = g
        .chance(40)
        .then(|| *g.pick(k8gen::model::SealedScope::ALL))
        .filter(|_| sealed_certificate.is_some());
    let extra_labels = g.chance(15).then(|| *g.pick(&[false, true]));
    let objects = if g.chance(20) {
        (0..1 + g.below(3))
            .map(|_| passthrough(&mut g, &name))
            .collect()
    } else {
        Vec::new()
    };
    GenApp {
        objects,
        name,
        namespace,
        main,
        components,
        label_scheme,
        config_rollout,
        secrets_mode,
        sops_age,
        sealed_certificate,
        sealed_scope,
        extra_labels,
    }
}

fn toml_str(s: &str) -> String {
    format!("{s:?}")
}

fn component_toml(c: &GenComponent, out: &mut String) {
    let w = |out: &mut String, line: String| {
        out.push_str(&line);
        out.push('\n');
    };
    match &c.release {
        None => w(out, format!("image = {}", toml_str(&c.image))),
        Some(k8gen::model::Release::BlueGreen {
            blue,
            green,
            active,
        }) => {
            let track = |i: &Option<String>| i.as_deref().map_or("false".into(), toml_str);
            let active = active.map_or(String::new(), |a| format!(", active = \"{a}\""));
            w(
                out,
                format!(
                    "release = {{ strategy = \"blue-green\", blue = {}, green = {}{active} }}",
                    track(blue),
                    track(green)
                ),
            );
        }
        Some(k8gen::model::Release::Canary {
            stable,
            canary,
            weight,
            controller,
        }) => {
            let mut line = format!(
                "release = {{ strategy = \"canary\", stable = {}, canary = {}",
                toml_str(stable),
                canary.as_deref().map_or("false".into(), toml_str)
            );
            if let Some(w) = weight {
                line.push_str(&format!(", weight = {w}"));
            }
            if let Some(c) = controller {
                line.push_str(&format!(", controller = \"{c}\""));
            }
            line.push_str(" }");
            w(out, line);
        }
    }
    if let Some(r) = c.replicas {
        w(out, format!("replicas = {r}"));
    }
    if let Some(role) = &c.role {
        w(out, format!("role = {}", toml_str(role)));
    }
    if let Some(container) = &c.container {
        w(out, format!("container = {}", toml_str(container)));
    }
    if !c.ports.is_empty() {
        let ports: Vec<String> = c
            .ports
            .iter()
            .map(|(n, p)| format!("{} = {p}", toml_str(n)))
            .collect();
        w(out, format!("ports = {{ {} }}", ports.join(", ")));
    }
    if !c.config.is_empty() {
        let items: Vec<String> = c
            .config
            .iter()
            .map(|(k, v)| format!("{k} = {}", toml_str(v)))
            .collect();
        w(out, format!("config = {{ {} }}", items.join(", ")));
    }
    if !c.secrets.is_empty() {
        let items: Vec<String> = c
            .secrets
            .iter()
            .map(|(k, v)| format!("{k} = {}", toml_str(v)))
            .collect();
        w(out, format!("secrets = {{ {} }}", items.join(", ")));
    }
    if !c.env.is_empty() {
        let items: Vec<String> = c
            .env
            .iter()
            .map(|(k, v)| {
                let value = match v {
                    GenEnv::Literal(s) => toml_str(s),
                    GenEnv::Config(None, key) => format!("{{ config = {} }}", toml_str(key)),
                    GenEnv::Config(Some(from), key) => {
                        format!(
                            "{{ config = {}, from = {} }}",
                            toml_str(key),
                            toml_str(from)
                        )
                    }
                    GenEnv::Secret(None, key) => format!("{{ secret = {} }}", toml_str(key)),
                    GenEnv::Secret(Some(from), key) => {
                        format!(
                            "{{ secret = {}, from = {} }}",
                            toml_str(key),
                            toml_str(from)
                        )
                    }
                    GenEnv::Service(target, None) => {
                        format!("{{ service = {} }}", toml_str(target))
                    }
                    GenEnv::Service(target, Some(port)) => match port.parse::<i64>() {
                        Ok(n) => format!("{{ service = {}, port = {n} }}", toml_str(target)),
                        Err(_) => format!(
                            "{{ service = {}, port = {} }}",
                            toml_str(target),
                            toml_str(port)
                        ),
                    },
                    GenEnv::Field(f) => format!("{{ field = {} }}", toml_str(f)),
                };
                format!("{k} = {value}")
            })
            .collect();
        w(out, format!("env = {{ {} }}", items.join(", ")));
    }
    let probe = |p: &GenProbe| match p {
        GenProbe::Http(path) if path.starts_with('/') => toml_str(&format!("GET {path}")),
        GenProbe::Http(path) => format!("{{ http = {} }}", toml_str(path)),
        GenProbe::Tcp => "\"TCP\"".to_string(),
        GenProbe::TcpPort(n) => format!("{{ tcp = true, port = {n} }}"),
        GenProbe::Exec => "{ exec = [\"true\"] }".to_string(),
        GenProbe::Grpc(port, header) => {
            let headers = if *header {
                ", headers = { X-Probe = \"1\" }"
            } else {
                ""
            };
            match port.as_deref().map(|p| (p, p.parse::<i64>())) {
                None if !header => "\"GRPC\"".to_string(),
                None => format!("{{ grpc = true{headers} }}"),
                Some((_, Ok(n))) => format!("{{ grpc = {n}{headers} }}"),
                Some((name, Err(_))) => format!("{{ grpc = {}{headers} }}", toml_str(name)),
            }
        }
        GenProbe::HttpHeader(name) => {
            format!(
                "{{ http = \"/health\", headers = {{ {} = \"1\" }} }}",
                toml_str(name)
            )
        }
    };
    let mut probes = Vec::new();
    if let Some(p) = &c.liveness {
        probes.push(format!("liveness = {}", probe(p)));
    }
    if let Some(p) = &c.readiness {
        probes.push(format!("readiness = {}", probe(p)));
    }
    if !probes.is_empty() {
        w(out, format!("probes = {{ {} }}", probes.join(", ")));
    }
    let quantities = |items: &[(String, String)]| {
        items
            .iter()
            .map(|(k, v)| format!("{k} = {}", toml_str(v)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !c.requests.is_empty() || !c.limits.is_empty() {
        w(
            out,
            format!(
                "resources = {{ requests = {{ {} }}, limits = {{ {} }} }}",
                quantities(&c.requests),
                quantities(&c.limits)
            ),
        );
    }
    match &c.service {
        None => {}
        Some(None) => w(out, "service = false".into()),
        Some(Some(None)) => w(out, "service = true".into()),
        Some(Some(Some(port))) => w(out, format!("service = {{ port = {port} }}")),
    }
    if let (None, Some(list)) = (&c.service, &c.service_ports) {
        let items: Vec<String> = list
            .iter()
            .map(|p| match p.parse::<i64>() {
                Ok(n) => format!("{{ port = {}, target_port = {n} }}", 80 + n % 7),
                Err(_) => toml_str(p),
            })
            .collect();
        w(
            out,
            format!("service = {{ ports = [{}] }}", items.join(", ")),
        );
    }
    if let Some(seconds) = c.termination_grace_period_seconds {
        w(out, format!("termination_grace_period_seconds = {seconds}"));
    }
    if let Some((name, port, unhardened)) = &c.sidecar {
        let security = if *unhardened {
            ", security = { hardened = false }"
        } else {
            ""
        };
        w(
            out,
            format!(
                "sidecars = [{{ name = \"exporter\", image = \"exporter:v1\", ports = {{ {} = {port} }}{security} }}]",
                toml_str(name)
            ),
        );
    }
    if let Some((k, v)) = &c.node_selector {
        w(
            out,
            format!(
                "scheduling.node_selector = {{ {} = {} }}",
                toml_str(k),
                toml_str(v)
            ),
        );
    }
    if let Some((key, port)) = &c.extra_service {
        w(
            out,
            format!(
                "services.{} = {{ type = \"LoadBalancer\", port = {port} }}",
                toml_str(key)
            ),
        );
    }
    let mut security = Vec::new();
    if c.unhardened {
        security.push("hardened = false".to_string());
    }
    if let Some(u) = c.run_as_user {
        security.push(format!("run_as_user = {u}"));
    }
    if !security.is_empty() {
        w(out, format!("security = {{ {} }}", security.join(", ")));
    }
    if let Some(m) = &c.config_mount {
        w(out, format!("mount = {{ config = {} }}", toml_str(m)));
    }
    if !c.selector.is_empty() {
        let items: Vec<String> = (c.selector.iter())
            .map(|(k, v)| format!("{} = {}", toml_str(k), toml_str(v)))
            .collect();
        w(out, format!("selector = {{ {} }}", items.join(", ")));
    }
    if let Some((workload, service, config)) = &c.names {
        let items: Vec<String> = [
            ("workload", workload),
            ("service", service),
            ("config", config),
        ]
        .into_iter()
        .filter_map(|(k, v)| Some(format!("{k} = {}", toml_str(v.as_ref()?))))
        .collect();
        w(out, format!("names = {{ {} }}", items.join(", ")));
    }
}

fn to_toml(a: &GenApp) -> String {
    let mut out = String::new();
    writeln!(out, "name = {}", toml_str(&a.name)).unwrap();
    if let Some(ns) = &a.namespace {
        writeln!(out, "namespace = {}", toml_str(ns)).unwrap();
    }
    if let Some(scheme) = a.label_scheme {
        writeln!(out, "label_scheme = \"{scheme}\"").unwrap();
    }
    if let Some(rollout) = a.config_rollout {
        writeln!(out, "config_rollout = \"{rollout}\"").unwrap();
    }
    if let Some(mode) = a.secrets_mode {
        writeln!(out, "secrets_mode = \"{mode}\"").unwrap();
    }
    if !a.sops_age.is_empty() {
        let list: Vec<String> = a.sops_age.iter().map(|r| toml_str(r)).collect();
        writeln!(out, "sops = {{ age = [{}] }}", list.join(", ")).unwrap();
    }
    if let Some(cert) = a.sealed_certificate {
        match a.sealed_scope {
            Some(scope) => writeln!(
                out,
                "sealed = {{ certificate = {}, scope = \"{scope}\" }}",
                toml_str(cert)
            ),
            None => writeln!(out, "sealed = {{ certificate = {} }}", toml_str(cert)),
        }
        .unwrap();
    }
    if let Some(on) = a.extra_labels {
        writeln!(out, "extra_labels = {on}").unwrap();
    }
    let mut rest = a.components.as_slice();
    if a.main {
        component_toml(&a.components[0], &mut out);
        rest = &a.components[1..];
    }
    for c in rest {
        writeln!(out, "[components.{}]", toml_str(&c.key)).unwrap();
        if let Some(scheme) = c.label_scheme {
            writeln!(out, "label_scheme = \"{scheme}\"").unwrap();
        }
        component_toml(c, &mut out);
    }
    for o in &a.objects {
        writeln!(out, "[[objects]]").unwrap();
        for (k, v) in o.as_object().unwrap() {
            writeln!(out, "{} = {}", toml_str(k), toml_inline(v)).unwrap();
        }
    }
    out
}

fn to_app(a: &GenApp) -> App {
    let mut app = App::new(&a.name);
    if let Some(ns) = &a.namespace {
        app = app.namespace(ns);
    }
    if let Some(scheme) = a.label_scheme {
        app = app.label_scheme(scheme);
    }
    if let Some(rollout) = a.config_rollout {
        app = app.config_rollout(rollout);
    }
    if let Some(mode) = a.secrets_mode {
        app = app.secrets_mode(mode);
    }
    for r in &a.sops_age {
        app = app.sops_age(r);
    }
    if let Some(cert) = a.sealed_certificate {
        // The spec names the file; the builder takes its text.
        app = app.sealed_certificate(std::fs::read_to_string(root().join(cert)).unwrap());
    }
    if let Some(scope) = a.sealed_scope {
        app = app.sealed_scope(scope);
    }
    for o in &a.objects {
        app = app.object(o.clone());
    }
    if let Some(on) = a.extra_labels {
        app = app.extra_labels(on);
    }
    for (i, c) in a.components.iter().enumerate() {
        let mut b = match &c.release {
            None => Component::new(&c.key, &c.image),
            Some(r) => Component::new(&c.key, "").release(r.clone()),
        };
        b.replicas = c.replicas.map(|r| r as i32).or(b.replicas);
        b.role = c.role.clone();
        b.container = c.container.clone();
        for (n, p) in &c.ports {
            b = b.port(n, *p as i32);
        }
        for (k, v) in &c.config {
            b = b.config(k, v);
        }
        for (k, v) in &c.secrets {
            b = b.secret(k, v.as_bytes());
        }
        for (k, v) in &c.env {
            let value = match v {
                GenEnv::Literal(s) => EnvValue::Literal(s.clone()),
                GenEnv::Config(from, key) => EnvValue::ConfigKey {
                    from: from.clone(),
                    key: key.clone(),
                },
                GenEnv::Secret(from, key) => EnvValue::SecretKey {
                    from: from.clone(),
                    key: key.clone(),
                },
                GenEnv::Service(target, port) => EnvValue::Service {
                    component: target.clone(),
                    port: port.as_ref().map(|p| match p.parse::<i32>() {
                        Ok(n) => PortTarget::Number(n),
                        Err(_) => PortTarget::Name(p.clone()),
                    }),
                },
                GenEnv::Field(f) => EnvValue::Field(f.clone()),
            };
            b = b.env(k, value);
        }
        let probe = |p: &GenProbe| match p {
            GenProbe::Http(path) => Probe::http(path),
            GenProbe::Tcp => Probe::new(ProbeAction::Tcp { port: None }),
            GenProbe::TcpPort(n) => Probe::tcp(*n as i32),
            GenProbe::Exec => Probe::new(ProbeAction::Exec {
                command: vec!["true".into()],
            }),
            GenProbe::Grpc(port, header) => {
                let port = port.as_ref().map(|p| match p.parse::<i32>() {
                    Ok(n) => PortTarget::Number(n),
                    Err(_) => PortTarget::Name(p.clone()),
                });
                let probe = Probe::grpc(port);
                if *header {
                    probe.header("X-Probe", "1")
                } else {
                    probe
                }
            }
            GenProbe::HttpHeader(name) => Probe::http("/health").header(name, "1"),
        };
        b.liveness = c.liveness.as_ref().map(probe);
        b.readiness = c.readiness.as_ref().map(probe);
        for (k, v) in &c.requests {
            b = b.request(k, v);
        }
        for (k, v) in &c.limits {
            b = b.limit(k, v);
        }
        b.service = match &c.service {
            None => Switch::Default,
            Some(None) => Switch::Off,
            Some(Some(None)) => Switch::On(model::Service::default()),
            Some(Some(Some(port))) => Switch::On(model::Service::on_port(*port as i32)),
        };
        if let (None, Some(list)) = (&c.service, &c.service_ports) {
            let ports = list.iter().map(|p| match p.parse::<i32>() {
                Ok(n) => model::ServicePort {
                    port: Some(80 + n % 7),
                    target: Some(PortTarget::Number(n)),
                    ..Default::default()
                },
                Err(_) => model::ServicePort {
                    target: Some(PortTarget::Name(p.clone())),
                    ..Default::default()
                },
            });
            b.service = Switch::On(model::Service {
                ports: ports.collect(),
                ..Default::default()
            });
        }
        if let Some(seconds) = c.termination_grace_period_seconds {
            b = b.termination_grace_period(seconds);
        }
        if let Some((name, port, unhardened)) = &c.sidecar {
            b.sidecars.push(model::Container {
                name: "exporter".into(),
                image: "exporter:v1".into(),
                ports: vec![model::Port {
                    name: name.clone(),
                    port: *port as i32,
                    protocol: model::Protocol::Tcp,
                }],
                security: unhardened.then(model::Security::unhardened),
                ..Default::default()
            });
        }
        if let Some((k, v)) = &c.node_selector {
            b = b.node_selector(k, v);
        }
        if let Some((key, port)) = &c.extra_service {
            b = b.extra_service(
                key,
                model::Service {
                    kind: Some(model::ServiceType::LoadBalancer),
                    ..model::Service::on_port(*port as i32)
                },
            );
        }
        if c.unhardened {
            b.security = model::Security::unhardened();
        }
        if let Some(u) = c.run_as_user {
            b.security.run_as_user = Some(u);
        }
        b.config_mount = c.config_mount.clone();
        for (k, v) in &c.selector {
            b = b.selector(k, v);
        }
        if let Some(scheme) = c.label_scheme.filter(|_| !(a.main && i == 0)) {
            b = b.label_scheme(scheme);
        }
        if let Some((workload, service, config)) = &c.names {
            b = b.names(k8gen::model::Names {
                workload: workload.clone(),
                service: service.clone(),
                config: config.clone(),
                ..Default::default()
            });
        }
        app = app.component(b);
    }
    app
}

type Outcome = Result<String, BTreeSet<(String, String)>>;

fn via_toml(a: &GenApp) -> Outcome {
    let source = to_toml(a);
    toml_outcome(k8gen::render_source(&source, &root(), &FsHost), &source)
}

/// A spec's render as an outcome; every finding must have a field path.
fn toml_outcome(
    result: Result<Vec<k8gen::Object>, Vec<k8gen::Diagnostic>>,
    source: &str,
) -> Outcome {
    match result {
        Ok(objects) => Ok(k8gen::emit::stream(&objects)),
        Err(diags) => Err(diags
            .into_iter()
            .map(|d| {
                let path = d.path.unwrap_or_else(|| {
                    panic!(
                        "a generated spec failed to lower: {} {}\n{source}",
                        d.code, d.message
                    )
                });
                (d.code.to_string(), path)
            })
            .collect()),
    }
}

fn via_rust(a: &GenApp) -> Outcome {
    rust_outcome(&to_app(a))
}

fn rust_outcome(app: &App) -> Outcome {
    match k8gen::render_app(app) {
        Ok(objects) => Ok(k8gen::emit::stream(&objects)),
        Err(issues) => Err(issues
            .into_iter()
            .map(|i| (i.code.to_string(), i.path))
            .collect()),
    }
}

/// Panics with a diff when the two outcomes differ; counts them otherwise.
fn agree(seed: u64, source: &str, t: &Outcome, r: &Outcome, counts: &mut (u64, u64)) {
    if t != r {
        let diff = match (t, r) {
            (Ok(t), Ok(r)) => similar::TextDiff::from_lines(t, r)
                .unified_diff()
                .header("toml", "rust")
                .to_string(),
            _ => format!("toml: {t:#?}\nrust: {r:#?}"),
        };
        panic!("seed {seed}: the front ends disagree\n--- spec:\n{source}\n{diff}");
    }
    if t.is_ok() {
        counts.0 += 1;
    } else {
        counts.1 += 1;
    }
}

#[test]
fn toml_and_rust_render_the_same_or_fail_the_same() {
    let cases = std::env::var("K8GEN_EQUIV_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(CASES);
    let mut counts = (0, 0);
    for seed in KEPT.iter().copied().chain(0..cases) {
        let a = app(seed);
        let (t, r) = (via_toml(&a), via_rust(&a));
        agree(seed, &to_toml(&a), &t, &r, &mut counts);
    }
    let (rendered, rejected) = counts;
    println!("{rendered} apps rendered alike, {rejected} rejected alike");
    // The generator must exercise both outcomes, or the law says little.
    assert!(
        rendered > cases / 20 && rejected > cases / 20,
        "{rendered} / {rejected}"
    );
}

/// One change an environment's overlay makes to a generated app.
#[derive(Debug, Clone)]
enum Change {
    Replicas(usize, i64),
    Image(usize, String),
    Env(usize, String, String),
    Config(usize, String, String),
    Remove(usize),
}

/// One to four changes to `a`'s components; never to a component already removed.
fn changes(g: &mut Gen, a: &GenApp) -> Vec<Change> {
    let mut out = Vec::new();
    let mut removed = BTreeSet::new();
    for _ in 0..1 + g.below(4) {
        let i = g.below(a.components.len());
        if removed.contains(&i) {
            continue;
        }
        let c = &a.components[i];
        let change = match g.below(5) {
            0 => Change::Replicas(i, *mostly(g, &[0, 1, 3, 7], &[-2])),
            1 if c.release.is_none() => Change::Image(i, mostly(g, IMAGES, BAD_IMAGES).to_string()),
            2 => {
                // An existing var (changed where it stands) or a new one.
                let var = match c.env.first() {
                    Some((name, _)) if g.chance(50) => name.clone(),
                    _ => g.pick(&["MODE", "LOG_LEVEL", "bad name"]).to_string(),
                };
                Change::Env(i, var, g.pick(&["prod", "debug", "1"]).to_string())
            }
            3 => Change::Config(i, g.pick(&["LEVEL", "FEATURE_X"]).to_string(), "on".into()),
            4 if !(a.main && i == 0) && out.iter().all(|c| !touches(c, i)) => {
                removed.insert(i);
                Change::Remove(i)
            }
            _ => continue,
        };
        // One value per key: TOML rejects a key written twice.
        if out.iter().any(|o| same_key(o, &change)) {
            continue;
        }
        out.push(change);
    }
    out
}

fn same_key(a: &Change, b: &Change) -> bool {
    match (a, b) {
        (Change::Replicas(i, _), Change::Replicas(j, _))
        | (Change::Image(i, _), Change::Image(j, _)) => i == j,
        (Change::Env(i, k, _), Change::Env(j, l, _))
        | (Change::Config(i, k, _), Change::Config(j, l, _)) => i == j && k == l,
        _ => false,
    }
}

fn touches(change: &Change, i: usize) -> bool {
    match change {
        Change::Replicas(j, _)
        | Change::Image(j, _)
        | Change::Env(j, _, _)
        | Change::Config(j, _, _)
        | Change::Remove(j) => *j == i,
    }
}

/// The changes as an `[overlay.x]` table: dotted keys under one header.
fn overlay_toml(a: &GenApp, changes: &[Change]) -> String {
    let mut out = String::from("\n[overlay.x]\n");
    let at = |i: usize| -> String {
        if a.main && i == 0 {
            String::new()
        } else {
            format!("components.{}.", toml_str(&a.components[i].key))
        }
    };
    for change in changes {
        let line = match change {
            Change::Replicas(i, n) => format!("{}replicas = {n}", at(*i)),
            Change::Image(i, image) => format!("{}image = {}", at(*i), toml_str(image)),
            Change::Env(i, k, v) => format!("{}env.{} = {}", at(*i), toml_str(k), toml_str(v)),
            Change::Config(i, k, v) => {
                format!("{}config.{} = {}", at(*i), toml_str(k), toml_str(v))
            }
            Change::Remove(i) => {
                format!("components.{} = false", toml_str(&a.components[*i].key))
            }
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// The changes applied with the builder API, as a Rust program applies an overlay.
fn overlay_rust(a: &GenApp, changes: &[Change]) -> App {
    let mut app = to_app(a);
    for change in changes {
        app = match change.clone() {
            Change::Replicas(i, n) => {
                app.edit_component(&a.components[i].key, |c| c.replicas(n as i32))
            }
            Change::Image(i, image) => app.edit_component(&a.components[i].key, |mut c| {
                c.image = image;
                c
            }),
            Change::Env(i, k, v) => {
                app.edit_component(&a.components[i].key, |c| c.set_env(k, EnvValue::Literal(v)))
            }
            Change::Config(i, k, v) => app.edit_component(&a.components[i].key, |c| c.config(k, v)),
            Change::Remove(i) => app.without_component(&a.components[i].key),
        };
    }
    app
}

/// The law for environments: a spec with an `[overlay.x]` rendered with `--env x` equals the
/// app built in Rust with the same changes applied through the builder (or both fail alike).
#[test]
fn an_overlay_in_toml_equals_the_same_changes_made_in_rust() {
    let cases = std::env::var("K8GEN_EQUIV_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(CASES / 2);
    let mut counts = (0, 0);
    for seed in 0..cases {
        let a = app(seed);
        let mut g = Gen(seed ^ 0x005E_ED0F_0E4A);
        let changes = changes(&mut g, &a);
        let source = format!("{}{}", to_toml(&a), overlay_toml(&a, &changes));
        let layers = k8gen::Layers {
            env: Some("x".into()),
            ..k8gen::Layers::default()
        };
        let t = toml_outcome(
            k8gen::render_layers("spec", &source, &layers, &root(), &FsHost),
            &source,
        );
        let r = rust_outcome(&overlay_rust(&a, &changes));
        agree(seed, &source, &t, &r, &mut counts);
    }
    let (rendered, rejected) = counts;
    println!("overlays: {rendered} apps rendered alike, {rejected} rejected alike");
    assert!(
        rendered > cases / 20 && rejected > cases / 20,
        "{rendered} / {rejected}"
    );
}
