//! Taking over a running app (issue 10): a component's `selector` is used exactly, byte for
//! byte, in every selector k8gen derives for its pods (workload, Service, budget,
//! NetworkPolicy and the peers that point at it, affinity, spread); release tracks add only
//! the track label; `label_scheme = "app"` selects by `app: NAME`; pinned names are used by
//! every reference. Both front ends, and the errors at their positions.

use std::collections::BTreeMap;

use k8gen::Object;
use k8gen::model::{
    AntiAffinity, App, Autoscale, Colour, Component, Container, Disruption, EnvValue, Ingress,
    IntOrPercent, LabelScheme, Names, Network, Peer, PortTarget, Release, Route, Scheduling,
    Spread,
};
use serde_json::Value;

use crate::support::*;

const FRONTEND: &str = r#"{"app":"frontend"}"#;

/// A shop whose `frontend` is taken over (selector and names of its live objects), and an
/// `api` on k8gen's own labels that reaches it in every way a component can.
const SHOP: &str = r#"
name = "shop"
namespace = "shop"

[components.frontend]
image = "web:v1"
port = 8080
selector = { app = "frontend" }
names = { workload = "frontend", service = "frontend-svc", config = "app-settings", secrets = "frontend-creds" }
config = { MODE = "prod" }
secrets = { TOKEN = "sample" }
autoscale = { min = 2, max = 4, cpu = 70 }
disruption = { max_unavailable = 1 }
scheduling = { spread = "zone", anti_affinity = "preferred" }
network = { from = ["api", "namespace:ingress-nginx"] }

[components.api]
image = "api:v1"
port = 9090
env = { WEB = { service = "frontend", port = 8080 }, MODE = { config = "MODE", from = "frontend" }, TOKEN = { secret = "TOKEN", from = "frontend" } }
network = { from = ["frontend"], to = ["frontend"] }

[[components.api.init]]
name = "wait"
wait_for = "frontend"

[ingress]
routes = [{ host = "shop.example.com", to = "frontend" }]
"#;

/// The same app built in Rust.
fn shop_in_rust() -> App {
    let mut frontend = Component::new("frontend", "web:v1")
        .port("http", 8080)
        .selector("app", "frontend")
        .names(Names {
            workload: Some("frontend".into()),
            service: Some("frontend-svc".into()),
            config: Some("app-settings".into()),
            secrets: Some("frontend-creds".into()),
            ..Default::default()
        })
        .config("MODE", "prod")
        .secret("TOKEN", "sample");
    frontend.autoscale = Some(Autoscale {
        min: 2,
        max: 4,
        cpu_percent: Some(70),
        memory_percent: None,
    });
    frontend.disruption = Some(Disruption {
        min_available: None,
        max_unavailable: Some(IntOrPercent::Int(1)),
        allow_blocking: false,
    });
    frontend.scheduling = Scheduling {
        spread: Some(Spread::Zone),
        anti_affinity: Some(AntiAffinity::Preferred),
        ..Default::default()
    };
    frontend.network = k8gen::model::Switch::On(Network {
        from: Some(vec![
            Peer::Component("api".into()),
            Peer::Namespace("ingress-nginx".into()),
        ]),
        to: None,
        dns: true,
    });
    let mut api = Component::new("api", "api:v1")
        .port("http", 9090)
        .env(
            "WEB",
            EnvValue::Service {
                component: "frontend".into(),
                port: Some(PortTarget::Number(8080)),
            },
        )
        .env(
            "MODE",
            EnvValue::ConfigKey {
                from: Some("frontend".into()),
                key: "MODE".into(),
            },
        )
        .env(
            "TOKEN",
            EnvValue::SecretKey {
                from: Some("frontend".into()),
                key: "TOKEN".into(),
            },
        );
    api.network = k8gen::model::Switch::On(Network {
        from: Some(vec![Peer::Component("frontend".into())]),
        to: Some(vec![Peer::Component("frontend".into())]),
        dns: true,
    });
    api.init_containers.push(Container {
        name: "wait".into(),
        wait_for: Some("frontend".into()),
        ..Default::default()
    });
    let mut app = App::new("shop")
        .namespace("shop")
        .component(frontend)
        .component(api);
    app.ingress = Some(Ingress {
        routes: vec![Route {
            host: Some("shop.example.com".into()),
            component: "frontend".into(),
            ..Default::default()
        }],
        ..Default::default()
    });
    app
}

/// Every label selector in `objects`, as `(KIND/NAME at JSON path, selector as JSON text)`:
/// `matchLabels` of a LabelSelector, or a Service's plain map.
fn selectors(objects: &[Object]) -> Vec<(String, String)> {
    fn walk(v: &Value, path: String, out: &mut Vec<(String, Value)>) {
        match v {
            Value::Object(map) => {
                for (k, child) in map {
                    let here = format!("{path}/{k}");
                    if matches!(k.as_str(), "selector" | "podSelector" | "labelSelector") {
                        let labels = child.get("matchLabels").unwrap_or(child);
                        out.push((here.clone(), labels.clone()));
                    }
                    walk(child, here, out);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    walk(child, format!("{path}/{i}"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for o in objects {
        let mut found = Vec::new();
        walk(&o.to_json(), String::new(), &mut found);
        for (path, labels) in found {
            out.push((
                format!("{}/{} {path}", o.kind(), o.name()),
                serde_json::to_string(&labels).unwrap(),
            ));
        }
    }
    out
}

fn render_shop_spec() -> Vec<Object> {
    render_text(SHOP, &root())
}

fn json_of(objects: &[Object], kind: &str, name: &str) -> Value {
    objects
        .iter()
        .find(|o| o.kind() == kind && o.name() == name)
        .unwrap_or_else(|| panic!("no {kind}/{name}"))
        .to_json()
}

/// The assertions both front ends must pass.
fn assert_taken_over(objects: &[Object]) {
    let found = selectors(objects);
    let api = r#"{"app.kubernetes.io/instance":"shop-api","app.kubernetes.io/name":"api"}"#;
    let dns = r#"{"k8s-app":"kube-dns"}"#;
    let mut frontend: Vec<&str> = Vec::new();
    for (at, labels) in &found {
        if labels == FRONTEND {
            frontend.push(at);
        } else {
            assert!(
                labels == api || labels == dns,
                "{at}: unexpected selector {labels}"
            );
        }
    }
    // Every object that selects the frontend's pods does so by exactly `app: frontend`.
    for expected in [
        "Deployment/frontend /spec/selector",
        "Service/frontend-svc /spec/selector",
        "PodDisruptionBudget/frontend /spec/selector",
        "NetworkPolicy/frontend /spec/podSelector",
        "NetworkPolicy/shop-api /spec/ingress/0/from/0/podSelector",
        "NetworkPolicy/shop-api /spec/egress/0/to/0/podSelector",
        "Deployment/frontend /spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/0/podAffinityTerm/labelSelector",
        "Deployment/frontend /spec/template/spec/topologySpreadConstraints/0/labelSelector",
    ] {
        assert!(
            frontend.contains(&expected),
            "{expected} does not select by {FRONTEND}; found {found:#?}"
        );
    }
    assert_eq!(frontend.len(), 8, "{frontend:#?}");

    // The template carries the selector and the recommended labels (never in a selector).
    let d = json_of(objects, "Deployment", "frontend");
    let labels = &d["spec"]["template"]["metadata"]["labels"];
    assert_eq!(labels["app"], "frontend");
    assert_eq!(labels["app.kubernetes.io/name"], "frontend");
    assert_eq!(labels["app.kubernetes.io/instance"], "frontend");
    assert_eq!(labels["app.kubernetes.io/version"], "v1");

    // Pinned names, and every reference follows them.
    let hpa = json_of(objects, "HorizontalPodAutoscaler", "frontend");
    assert_eq!(hpa["spec"]["scaleTargetRef"]["name"], "frontend");
    json_of(objects, "ConfigMap", "app-settings");
    json_of(objects, "Secret", "frontend-creds");
    let pod = &d["spec"]["template"]["spec"];
    let env_from = pod["containers"][0]["envFrom"].to_string();
    assert!(env_from.contains(r#""name":"app-settings""#), "{env_from}");
    assert!(
        env_from.contains(r#""name":"frontend-creds""#),
        "{env_from}"
    );
    let api_pod = json_of(objects, "Deployment", "shop-api")["spec"]["template"]["spec"].clone();
    let env = &api_pod["containers"][0]["env"];
    assert_eq!(env[0]["value"], "frontend-svc:8080");
    assert_eq!(
        env[1]["valueFrom"]["configMapKeyRef"]["name"],
        "app-settings"
    );
    assert_eq!(
        env[2]["valueFrom"]["secretKeyRef"]["name"],
        "frontend-creds"
    );
    let wait = api_pod["initContainers"][0]["command"][2].as_str().unwrap();
    assert!(wait.contains("nc -z frontend-svc 8080"), "{wait}");
    let ingress = json_of(objects, "Ingress", "shop");
    assert_eq!(
        ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"],
        "frontend-svc"
    );
    // The api reads the frontend's ConfigMap and Secret: their checksums are on its pods.
    let annotations =
        &json_of(objects, "Deployment", "shop-api")["spec"]["template"]["metadata"]["annotations"];
    assert!(annotations["checksum/config"].is_string(), "{annotations}");
    assert!(annotations["checksum/secret"].is_string(), "{annotations}");
    // No object keeps a derived name of the frontend.
    for o in objects {
        assert!(!o.name().starts_with("shop-frontend"), "{}", o.name());
    }
}

#[test]
fn a_taken_over_component_is_selected_by_exactly_its_selector_everywhere() {
    assert_taken_over(&render_shop_spec());
}

#[test]
fn the_rust_builder_takes_over_alike() {
    let from_rust = k8gen::render_app(&shop_in_rust()).unwrap();
    assert_taken_over(&from_rust);
    assert_same(
        "takeover shop: TOML vs Rust",
        &k8gen::emit::stream(&render_shop_spec()),
        &k8gen::emit::stream(&from_rust),
    );
}

fn workload_and_service_selectors(objects: &[Object]) -> BTreeMap<String, String> {
    selectors(objects)
        .into_iter()
        .filter(|(at, _)| at.ends_with(" /spec/selector"))
        .collect()
}

#[test]
fn release_tracks_add_only_the_track_label() {
    let spec = |release: &str| {
        format!(
            "name = \"shop\"\n[components.web]\nport = 8080\nreplicas = 4\nselector = {{ app = \"frontend\" }}\nnames = {{ workload = \"frontend\" }}\nrelease = {release}\n"
        )
    };
    let canary = workload_and_service_selectors(&render_text(
        &spec(r#"{ strategy = "canary", stable = "web:v1", canary = "web:v2", weight = 25 }"#),
        &root(),
    ));
    let track = |t: &str| format!(r#"{{"app":"frontend","k8gen.io/track":"{t}"}}"#);
    assert_eq!(
        canary,
        BTreeMap::from([
            (
                "Deployment/frontend-canary /spec/selector".into(),
                track("canary")
            ),
            (
                "Deployment/frontend-stable /spec/selector".into(),
                track("stable")
            ),
            (
                "Service/frontend /spec/selector".into(),
                FRONTEND.to_string()
            ),
        ])
    );
    let blue_green = workload_and_service_selectors(&render_text(
        &spec(
            r#"{ strategy = "blue-green", blue = "web:v1", green = "web:v2", active = "green" }"#,
        ),
        &root(),
    ));
    assert_eq!(
        blue_green,
        BTreeMap::from([
            (
                "Deployment/frontend-blue /spec/selector".into(),
                track("blue")
            ),
            (
                "Deployment/frontend-green /spec/selector".into(),
                track("green")
            ),
            ("Service/frontend /spec/selector".into(), track("green")),
            (
                "Service/frontend-preview /spec/selector".into(),
                track("blue")
            ),
        ])
    );
    // The same from Rust.
    let app = App::new("shop").component(
        Component::new("web", "")
            .port("http", 8080)
            .replicas(4)
            .selector("app", "frontend")
            .names(Names {
                workload: Some("frontend".into()),
                ..Default::default()
            })
            .release(Release::BlueGreen {
                blue: Some("web:v1".into()),
                green: Some("web:v2".into()),
                active: Some(Colour::Green),
            }),
    );
    assert_eq!(
        workload_and_service_selectors(&k8gen::render_app(&app).unwrap()),
        blue_green
    );
}

#[test]
fn the_app_label_scheme_selects_every_component_by_app_name() {
    let objects = render_text(
        r#"
name = "boutique"
label_scheme = "app"
[components.frontend]
image = "frontend:v1"
port = 8080
names = { workload = "frontend" }
[components.cart]
image = "cart:v1"
port = 7070
[components.redis]
image = "redis:7"
port = 6379
label_scheme = "recommended"
"#,
        &root(),
    );
    let found = workload_and_service_selectors(&objects);
    assert_eq!(
        found["Deployment/frontend /spec/selector"],
        r#"{"app":"frontend"}"#
    );
    assert_eq!(
        found["Service/frontend /spec/selector"],
        r#"{"app":"frontend"}"#
    );
    assert_eq!(
        found["Deployment/boutique-cart /spec/selector"],
        r#"{"app":"boutique-cart"}"#
    );
    assert_eq!(
        found["Deployment/boutique-redis /spec/selector"],
        r#"{"app.kubernetes.io/instance":"boutique-redis","app.kubernetes.io/name":"redis"}"#
    );
    // The same from Rust.
    let app = App::new("boutique")
        .label_scheme(LabelScheme::App)
        .component(
            Component::new("frontend", "frontend:v1")
                .port("http", 8080)
                .names(Names {
                    workload: Some("frontend".into()),
                    ..Default::default()
                }),
        )
        .component(Component::new("cart", "cart:v1").port("http", 7070))
        .component(
            Component::new("redis", "redis:7")
                .port("http", 6379)
                .label_scheme(LabelScheme::Recommended),
        );
    let rust = k8gen::render_app(&app).unwrap();
    assert_eq!(workload_and_service_selectors(&rust), found);
}

/// (code, field path) of every issue the Rust API reports for `app`.
fn issues(app: App) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = k8gen::render_app(&app)
        .unwrap_err()
        .into_iter()
        .map(|i| (i.code.to_string(), i.path))
        .collect();
    out.sort();
    out
}

fn pair(code: &str, path: &str) -> (String, String) {
    (code.to_string(), path.to_string())
}

#[test]
fn the_rust_api_reports_takeover_mistakes_at_their_field_paths() {
    let redis = |key: &str, role: &str| {
        Component::new(key, "redis:7")
            .port("redis", 6379)
            .selector("app", "redis")
            .selector("tier", role)
    };
    // Equal selectors: an error at both.
    let same = issues(
        App::new("gb")
            .component(redis("leader", "backend"))
            .component(redis("follower", "backend")),
    );
    assert_eq!(
        same,
        [
            pair("K0124", "components.follower.selector"),
            pair("K0124", "components.leader.selector"),
        ]
    );
    // A narrower selector is fine; one that a label of another component matches is not.
    let labelled = issues(
        App::new("gb")
            .component(Component::new("web", "web:v1").selector("tier", "web"))
            .component(Component::new("admin", "admin:v1").label("tier", "web")),
    );
    assert_eq!(labelled, [pair("K0124", "components.web.selector")]);
    // Reserved keys, bad values, labels that disagree, bad and clashing pins.
    let bad = issues(
        App::new("gb")
            .label("tier", "front")
            .component(
                Component::new("web", "web:v1")
                    .selector("app.kubernetes.io/name", "web")
                    .selector("tier", "not a value")
                    .label("app", "other")
                    .names(Names {
                        workload: Some("Web".into()),
                        config: Some("shared".into()),
                        ..Default::default()
                    })
                    .config("A", "1"),
            )
            .component(
                Component::new("db", "db:v1")
                    .selector("app", "db")
                    .names(Names {
                        config: Some("shared".into()),
                        ..Default::default()
                    })
                    .config("B", "2"),
            ),
    );
    // A pinned Service may not take the name of another component's preview Service.
    let preview =
        issues(
            App::new("shop")
                .component(Component::new("web", "").port("http", 8080).release(
                    Release::BlueGreen {
                        blue: Some("web:v1".into()),
                        green: Some("web:v2".into()),
                        active: None,
                    },
                ))
                .component(
                    Component::new("admin", "admin:v1")
                        .port("http", 8080)
                        .names(Names {
                            service: Some("shop-web-preview".into()),
                            ..Default::default()
                        }),
                ),
        );
    assert_eq!(preview, [pair("K0115", "components.admin.names.service")]);
    assert_eq!(
        bad,
        [
            pair("K0101", "components.web.names.workload"),
            pair(
                "K0102",
                "components.web.selector.\"app.kubernetes.io/name\".<key>"
            ),
            pair("K0102", "components.web.selector.tier"),
            pair("K0102", "labels.tier"),
            pair("K0115", "components.db.names.config"),
            pair("K0115", "components.web.names.config"),
        ]
    );
}

#[test]
fn guestbook_as_it_runs_keeps_its_selectors() {
    // specs/guestbook-legacy.toml describes the Kubernetes guestbook; its Services there select
    // by these labels, and so do the Deployments of kubernetes/examples' all-in-one file.
    let objects = render(&root().join("specs/guestbook-legacy.toml"));
    let found = workload_and_service_selectors(&objects);
    let leader = r#"{"app":"redis","role":"leader","tier":"backend"}"#;
    let follower = r#"{"app":"redis","role":"follower","tier":"backend"}"#;
    let frontend = r#"{"app":"guestbook","tier":"frontend"}"#;
    assert_eq!(
        found,
        BTreeMap::from([
            ("Deployment/frontend /spec/selector".into(), frontend.into()),
            (
                "Deployment/redis-follower /spec/selector".into(),
                follower.into()
            ),
            (
                "Deployment/redis-leader /spec/selector".into(),
                leader.into()
            ),
            ("Service/frontend /spec/selector".into(), frontend.into()),
            (
                "Service/redis-follower /spec/selector".into(),
                follower.into()
            ),
            ("Service/redis-leader /spec/selector".into(), leader.into()),
        ])
    );
}

#[test]
fn online_boutique_cart_is_taken_over_by_the_app_scheme_and_pinned_names() {
    // GoogleCloudPlatform/microservices-demo, kubernetes-manifests/{cartservice,redis}.yaml:
    // each Deployment and Service selects `app: NAME`; the cart reads `redis-cart:6379`.
    let objects = render_text(
        r#"
name = "boutique"
label_scheme = "app"
[components.cart]
image = "gcr.io/google-samples/microservices-demo/cartservice:v0.3.6"
ports = { grpc = 7070 }
env = { REDIS_ADDR = { service = "redis", port = 6379 } }
names = { workload = "cartservice" }
[components.redis]
image = "redis:alpine"
ports = { redis = 6379 }
names = { workload = "redis-cart" }
"#,
        &root(),
    );
    let found = workload_and_service_selectors(&objects);
    for (name, app) in [("cartservice", "cartservice"), ("redis-cart", "redis-cart")] {
        let expected = format!(r#"{{"app":"{app}"}}"#);
        assert_eq!(
            found[&format!("Deployment/{name} /spec/selector")],
            expected
        );
        assert_eq!(found[&format!("Service/{name} /spec/selector")], expected);
    }
    let cart = json_of(&objects, "Deployment", "cartservice");
    assert_eq!(
        cart["spec"]["template"]["spec"]["containers"][0]["env"][0]["value"],
        "redis-cart:6379"
    );
}

#[test]
fn a_stateful_set_keeps_its_selector_and_its_governing_service() {
    let objects = render_text(
        r#"
name = "shop"
[components.db]
kind = "StatefulSet"
image = "postgres:16"
ports = { postgres = 5432 }
selector = { app = "postgres" }
names = { workload = "postgres", service = "postgres-headless" }
volumes.data = { mount = "/var/lib/postgresql/data", size = "1Gi" }
security = { run_as_user = 999 }
"#,
        &root(),
    );
    let found = workload_and_service_selectors(&objects);
    let postgres = r#"{"app":"postgres"}"#;
    assert_eq!(found["StatefulSet/postgres /spec/selector"], postgres);
    assert_eq!(found["Service/postgres-headless /spec/selector"], postgres);
    assert_eq!(found.len(), 2, "{found:#?}");
    let sts = json_of(&objects, "StatefulSet", "postgres");
    assert_eq!(sts["spec"]["serviceName"], "postgres-headless");
}

#[test]
fn mounted_config_and_secrets_use_the_pinned_names() {
    let objects = render_text(
        r#"
name = "shop"
[components.web]
image = "web:v1"
config = { "app.yaml" = "debug: false" }
secrets = { "token" = "sample" }
mount = { config = "/etc/app", secrets = "/run/secrets/app" }
names = { config = "app-settings", secrets = "web-creds" }
"#,
        &root(),
    );
    let d = json_of(&objects, "Deployment", "shop-web");
    let volumes = d["spec"]["template"]["spec"]["volumes"].to_string();
    assert!(
        volumes.contains(r#""configMap":{"name":"app-settings"}"#),
        "{volumes}"
    );
    assert!(volumes.contains(r#""secretName":"web-creds""#), "{volumes}");
    let annotations = &d["spec"]["template"]["metadata"]["annotations"];
    assert!(annotations["checksum/config"].is_string(), "{annotations}");
    assert!(annotations["checksum/secret"].is_string(), "{annotations}");
    json_of(&objects, "ConfigMap", "app-settings");
    json_of(&objects, "Secret", "web-creds");
}
