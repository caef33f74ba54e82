//! Spec features real apps need, as keys (issue 10): each is written once as TOML and once
//! with the Rust builder, and both must render the same objects, with the fields that make the
//! feature checked on the objects themselves; bad values fail alike from both front ends.

use std::collections::BTreeSet;

use k8gen::model::{
    App, Component, PortTarget, Probe, ProbeAction, Security, Service, ServicePort, ServiceType,
    Switch,
};
use serde_json::{Value, json};

use crate::support::*;

/// Renders `toml` and `app`, asserts they give byte-identical YAML, and returns the objects
/// as JSON.
pub(crate) fn both(toml: &str, app: &App) -> Vec<Value> {
    let from_toml = render_text(toml, &root());
    let from_rust = k8gen::render_app(app).unwrap_or_else(|e| panic!("{e:#?}"));
    assert_same(
        "TOML vs Rust builder",
        &k8gen::emit::stream(&from_toml),
        &k8gen::emit::stream(&from_rust),
    );
    from_toml.iter().map(k8gen::Object::to_json).collect()
}

/// The object `kind/name`.
pub(crate) fn object<'a>(objects: &'a [Value], kind: &str, name: &str) -> &'a Value {
    objects
        .iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind}/{name}"))
}

/// The (code, field path) of each error of `toml` and of `app`, asserted equal.
pub(crate) fn errors_alike(toml: &str, app: &App) -> BTreeSet<(String, String)> {
    let t: BTreeSet<_> = k8gen::render_source(toml, &root(), &FsHost)
        .unwrap_err()
        .into_iter()
        .map(|d| {
            (
                d.code.to_string(),
                d.path.expect("an engine error has a path"),
            )
        })
        .collect();
    let r: BTreeSet<_> = k8gen::render_app(app)
        .unwrap_err()
        .into_iter()
        .map(|i| (i.code.to_string(), i.path))
        .collect();
    assert_eq!(t, r, "the front ends disagree");
    t
}

pub(crate) fn pair(code: &str, path: &str) -> (String, String) {
    (code.to_string(), path.to_string())
}

/// Asserts `toml` and `app` fail alike with exactly the (code, path) pairs `expected`.
fn exactly_these_errors(toml: &str, app: &App, expected: &[(&str, &str)]) {
    let expected: BTreeSet<_> = expected.iter().map(|(c, p)| pair(c, p)).collect();
    assert_eq!(errors_alike(toml, app), expected);
}

/// An init container or sidecar named `name` running `image`.
fn extra(name: &str, image: &str) -> k8gen::model::Container {
    k8gen::model::Container {
        name: name.into(),
        image: image.into(),
        ..Default::default()
    }
}

/// A TCP container port.
fn tcp(name: &str, port: i32) -> k8gen::model::Port {
    k8gen::model::Port {
        name: name.into(),
        port,
        protocol: k8gen::model::Protocol::Tcp,
    }
}

#[test]
fn the_main_container_takes_its_name_from_container() {
    let toml = r#"
name = "podinfo"
image = "ghcr.io/stefanprodan/podinfo:6.9.2"
container = "podinfod"
port = 9898
"#;
    let app = App::new("podinfo").component(
        Component::new("podinfo", "ghcr.io/stefanprodan/podinfo:6.9.2")
            .container("podinfod")
            .port("http", 9898),
    );
    let objects = both(toml, &app);
    let containers =
        &object(&objects, "Deployment", "podinfo")["spec"]["template"]["spec"]["containers"];
    assert_eq!(containers[0]["name"], "podinfod");

    // Without it, the key (as before).
    let plain = both(
        "name = \"podinfo\"\nimage = \"podinfo:1\"\nport = 9898\n",
        &App::new("podinfo").component(Component::new("podinfo", "podinfo:1").port("http", 9898)),
    );
    let containers =
        &object(&plain, "Deployment", "podinfo")["spec"]["template"]["spec"]["containers"];
    assert_eq!(containers[0]["name"], "podinfo");
}

#[test]
fn a_bad_or_taken_container_name_fails_alike() {
    let toml = r#"
name = "shop"
components.api = { image = "api:v1", container = "Api_Main" }
components.web = { image = "web:v1", container = "proxy", sidecars = [{ name = "proxy", image = "envoyproxy/envoy:v1.31.0" }] }
"#;
    let mut web = Component::new("web", "web:v1").container("proxy");
    web.sidecars
        .push(extra("proxy", "envoyproxy/envoy:v1.31.0"));
    let app = App::new("shop")
        .component(Component::new("api", "api:v1").container("Api_Main"))
        .component(web);
    let errors = errors_alike(toml, &app);
    assert!(
        errors.contains(&pair("K0101", "components.api.container")),
        "{errors:?}"
    );
    assert!(
        errors.contains(&pair("K0115", "components.web.sidecars[0].name")),
        "{errors:?}"
    );
}

#[test]
fn grpc_probes_and_http_headers_render_from_both_front_ends() {
    let toml = r#"
name = "shop"
[components.cart]
image = "cart:v1"
container = "server"
ports = { grpc = 7070 }
probes.readiness = { grpc = true, service = "hipstershop.CartService", period_seconds = 5 }
probes.liveness = "GRPC"
[components.web]
image = "web:v1"
ports = { http = 8080, grpc = 9090 }
probes.liveness = { http = "/_healthz", headers = { Cookie = "shop_session-id=x-liveness-probe", "X-B" = "2" } }
probes.readiness = { grpc = "grpc" }
probes.startup = "GRPC :9090"
"#;
    let cart = Component::new("cart", "cart:v1")
        .container("server")
        .port("grpc", 7070)
        .readiness(Probe {
            period_seconds: Some(5),
            ..Probe::new(ProbeAction::Grpc {
                port: None,
                service: Some("hipstershop.CartService".into()),
            })
        })
        .liveness(Probe::grpc(None));
    let web = Component::new("web", "web:v1")
        .port("http", 8080)
        .port("grpc", 9090)
        .liveness(
            Probe::http("/_healthz")
                .header("Cookie", "shop_session-id=x-liveness-probe")
                .header("X-B", "2"),
        )
        .readiness(Probe::grpc(Some(PortTarget::Name("grpc".into()))))
        .startup(Probe::grpc(Some(PortTarget::Number(9090))));
    let app = App::new("shop").component(cart).component(web);
    let objects = both(toml, &app);

    let cart =
        &object(&objects, "Deployment", "shop-cart")["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(
        cart["readinessProbe"],
        json!({"grpc": {"port": 7070, "service": "hipstershop.CartService"}, "periodSeconds": 5})
    );
    assert_eq!(cart["livenessProbe"], json!({"grpc": {"port": 7070}}));
    let web =
        &object(&objects, "Deployment", "shop-web")["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(
        web["livenessProbe"]["httpGet"]["httpHeaders"],
        json!([
            {"name": "Cookie", "value": "shop_session-id=x-liveness-probe"},
            {"name": "X-B", "value": "2"}
        ]),
        "headers in the order written"
    );
    // A port name is resolved: the API takes a number only for gRPC.
    assert_eq!(web["readinessProbe"], json!({"grpc": {"port": 9090}}));
    assert_eq!(web["startupProbe"], json!({"grpc": {"port": 9090}}));
}

#[test]
fn bad_grpc_probes_and_headers_fail_alike() {
    let toml = r#"
name = "shop"

[components.api]
image = "api:v1"
ports = { admin = 8081, grpc = 9090 }
probes = { liveness = "GRPC", readiness = { grpc = 70000 } }

[components.web]
image = "web:v1"
ports = { http = 8080, grpc = 9090 }
probes.liveness = { grpc = "grpcc" }
probes.readiness = { tcp = true, headers = { "X-Probe" = "1" } }
probes.startup = { http = "/healthz", headers = { "X Probe" = "1" } }
"#;
    let web = Component::new("web", "web:v1")
        .port("http", 8080)
        .port("grpc", 9090)
        .liveness(Probe::grpc(Some(PortTarget::Name("grpcc".into()))))
        .readiness(Probe::new(ProbeAction::Tcp { port: None }).header("X-Probe", "1"))
        .startup(Probe::http("/healthz").header("X Probe", "1"));
    let api = Component::new("api", "api:v1")
        .port("admin", 8081)
        .port("grpc", 9090)
        .liveness(Probe::grpc(None))
        .readiness(Probe::grpc(Some(PortTarget::Number(70000))));
    let errors = errors_alike(toml, &App::new("shop").component(web).component(api));
    let expected = [
        pair("K0110", "components.web.probes.liveness.port"),
        pair("K0111", "components.web.probes.readiness.headers"),
        pair("K0107", "components.web.probes.startup.headers.\"X Probe\""),
        // Two ports, neither named `http`: k8gen asks which rather than guess.
        pair("K0112", "components.api.probes.liveness"),
        pair("K0104", "components.api.probes.readiness.port"),
    ];
    for e in &expected {
        assert!(errors.contains(e), "missing {e:?} in {errors:?}");
    }
}

#[test]
fn a_service_exposes_the_ports_it_lists_with_targets_as_written() {
    let toml = r#"
name = "podinfo"
image = "ghcr.io/stefanprodan/podinfo:6.9.2"
ports = { http = 9898, http-metrics = 9797, grpc = 9999 }
service = { ports = ["http", "grpc"] }

[components.frontend]
image = "frontend:v1"
port = 8080
service = { type = "LoadBalancer", port = 80, target_port = 8080 }

[components.backend]
image = "backend:v1"
ports = { http = 8080, grpc = 9090 }
service.ports = [{ name = "web", port = 80, target_port = 8080 }, "grpc"]
"#;
    let podinfo = Component::new("podinfo", "ghcr.io/stefanprodan/podinfo:6.9.2")
        .port("http", 9898)
        .port("http-metrics", 9797)
        .port("grpc", 9999)
        .service(Switch::On(Service::on_ports(&["http", "grpc"])));
    let frontend = Component::new("frontend", "frontend:v1")
        .port("http", 8080)
        .service(Switch::On(Service::one_port(
            ServiceType::LoadBalancer,
            80,
            PortTarget::Number(8080),
        )));
    let mut backend_service = Service::on_ports(&["grpc"]);
    backend_service.ports.insert(
        0,
        ServicePort {
            name: Some("web".into()),
            port: Some(80),
            target: Some(PortTarget::Number(8080)),
            ..Default::default()
        },
    );
    let backend = Component::new("backend", "backend:v1")
        .port("http", 8080)
        .port("grpc", 9090)
        .service(Switch::On(backend_service));
    let app = App::new("podinfo")
        .component(podinfo)
        .component(frontend)
        .component(backend);
    let objects = both(toml, &app);
    let ports = |name: &str| object(&objects, "Service", name)["spec"]["ports"].clone();
    assert_eq!(
        ports("podinfo"),
        json!([
            {"name": "http", "port": 9898, "protocol": "TCP", "targetPort": "http"},
            {"name": "grpc", "port": 9999, "protocol": "TCP", "targetPort": "grpc"}
        ]),
        "only the listed ports, not http-metrics"
    );
    assert_eq!(
        ports("podinfo-frontend"),
        json!([{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080}]),
        "a numeric target port stays numeric"
    );
    assert_eq!(
        ports("podinfo-backend"),
        json!([
            {"name": "web", "port": 80, "protocol": "TCP", "targetPort": 8080},
            {"name": "grpc", "port": 9090, "protocol": "TCP", "targetPort": "grpc"}
        ])
    );
}

#[test]
fn bad_service_port_lists_fail_alike() {
    let toml = r#"
name = "shop"

[components.api]
image = "api:v1"
ports = { http = 8080, grpc = 9090 }
service.ports = ["http", "grcp", { name = "Web_Port", port = 80 }, { name = "http", port = 81 }]
"#;
    let mut service = Service::on_ports(&["http", "grcp"]);
    service.ports.extend([
        ServicePort {
            name: Some("Web_Port".into()),
            port: Some(80),
            ..Default::default()
        },
        ServicePort {
            name: Some("http".into()),
            port: Some(81),
            ..Default::default()
        },
    ]);
    let api = Component::new("api", "api:v1")
        .port("http", 8080)
        .port("grpc", 9090)
        .service(Switch::On(service));
    exactly_these_errors(
        toml,
        &App::new("shop").component(api),
        &[
            ("K0110", "components.api.service.ports[1].target_port"),
            ("K0104", "components.api.service.ports[2].name"),
            ("K0115", "components.api.service.ports[3].name"),
        ],
    );

    // Both forms at once: the lowering cannot tell which was meant.
    let both_forms = "name = \"shop\"\nimage = \"a:1\"\nport = 80\nservice = { port = 80, ports = [\"http\"] }\n";
    let diags = k8gen::render_source(both_forms, &root(), &FsHost).unwrap_err();
    assert!(
        diags.iter().any(|d| d.message.contains("written twice")),
        "{diags:#?}"
    );
}

#[test]
fn further_services_select_the_same_pods() {
    // microservices-demo's frontend: a ClusterIP Service and `frontend-external`.
    let toml = r#"
name = "boutique"

[components.frontend]
image = "frontend:v0.10.3"
port = 8080
service = { port = 80, target_port = 8080 }
services.external = { type = "LoadBalancer", port = 80, target_port = 8080 }
services.debug = { ports = ["http"], annotations = { team = "web" } }
"#;
    let mut debug = Service::on_ports(&["http"]);
    debug.annotations.insert("team".into(), "web".into());
    let frontend = Component::new("frontend", "frontend:v0.10.3")
        .port("http", 8080)
        .service(Switch::On(Service::one_port(
            ServiceType::ClusterIp,
            80,
            PortTarget::Number(8080),
        )))
        .extra_service(
            "external",
            Service::one_port(ServiceType::LoadBalancer, 80, PortTarget::Number(8080)),
        )
        .extra_service("debug", debug);
    let objects = both(toml, &App::new("boutique").component(frontend));
    let main = object(&objects, "Service", "boutique-frontend");
    let external = object(&objects, "Service", "boutique-frontend-external");
    let debug = object(&objects, "Service", "boutique-frontend-debug");
    assert_eq!(external["spec"]["type"], "LoadBalancer");
    assert_eq!(external["spec"]["ports"], main["spec"]["ports"]);
    assert_eq!(external["spec"]["selector"], main["spec"]["selector"]);
    assert_eq!(debug["spec"]["selector"], main["spec"]["selector"]);
    assert_eq!(debug["metadata"]["annotations"], json!({"team": "web"}));
    assert_eq!(
        debug["spec"]["ports"],
        json!([{"name": "http", "port": 8080, "protocol": "TCP", "targetPort": "http"}])
    );

    // With a blue-green release, a further Service follows the active colour, like the own one.
    let released = r#"
name = "boutique"
port = 8080
release = { strategy = "blue-green", blue = "frontend:v1", green = "frontend:v2", active = "green" }
services.external = { type = "LoadBalancer", port = 80 }
"#;
    let objects: Vec<Value> = render_text(released, &root())
        .iter()
        .map(k8gen::Object::to_json)
        .collect();
    assert_eq!(
        object(&objects, "Service", "boutique-external")["spec"]["selector"],
        object(&objects, "Service", "boutique")["spec"]["selector"]
    );
    assert_eq!(
        object(&objects, "Service", "boutique")["spec"]["selector"]["k8gen.io/track"],
        "green"
    );
}

#[test]
fn bad_further_services_fail_alike() {
    let toml = r#"
name = "shop"

[components.web]
image = "web:v1"
kind = "StatefulSet"
port = 8080
services.headless = { port = 80 }
services.Public = { port = 80 }
services.api = { type = "ClusterIP", port = 80, node_port = 30080 }

[components.web-api]
image = "api:v1"
port = 9000
"#;
    let mut web = Component::new("web", "web:v1")
        .port("http", 8080)
        .extra_service("headless", Service::on_port(80))
        .extra_service("Public", Service::on_port(80))
        .extra_service(
            "api",
            Service {
                ports: vec![ServicePort {
                    port: Some(80),
                    node_port: Some(30080),
                    ..Default::default()
                }],
                ..Service::default()
            },
        );
    web.workload = k8gen::model::Workload::StatefulSet {
        pod_management: None,
    };
    let app = App::new("shop")
        .component(web)
        .component(Component::new("web-api", "api:v1").port("http", 9000));
    exactly_these_errors(
        toml,
        &app,
        &[
            ("K0115", "components.web.services.headless"),
            ("K0101", "components.web.services.Public"),
            ("K0115", "components.web.services.api"),
            ("K0104", "components.web.services.api.node_port"),
        ],
    );
}

#[test]
fn pod_settings_node_selector_priority_and_grace_period() {
    let toml = r#"
name = "shop"
image = "shop:v1"
termination_grace_period_seconds = 5
scheduling = { node_selector = { "kubernetes.io/os" = "linux", disk = "ssd" }, priority_class = "high" }
"#;
    let mut shop = Component::new("shop", "shop:v1")
        .termination_grace_period(5)
        .node_selector("kubernetes.io/os", "linux")
        .node_selector("disk", "ssd");
    shop.scheduling.priority_class = Some("high".into());
    let objects = both(toml, &App::new("shop").component(shop));
    let pod = &object(&objects, "Deployment", "shop")["spec"]["template"]["spec"];
    assert_eq!(
        pod["nodeSelector"],
        json!({"disk": "ssd", "kubernetes.io/os": "linux"})
    );
    assert_eq!(pod["priorityClassName"], "high");
    assert_eq!(pod["terminationGracePeriodSeconds"], 5);
}

#[test]
fn bad_pod_settings_fail_alike() {
    let toml = r#"
name = "shop"
image = "shop:v1"
termination_grace_period_seconds = -5
scheduling.node_selector = { "bad key!" = "x", disk = "fast ssd" }
scheduling.priority_class = "High_Priority"
"#;
    let mut shop = Component::new("shop", "shop:v1")
        .termination_grace_period(-5)
        .node_selector("bad key!", "x")
        .node_selector("disk", "fast ssd");
    shop.scheduling.priority_class = Some("High_Priority".into());
    exactly_these_errors(
        toml,
        &App::new("shop").component(shop),
        &[
            ("K0113", "components.shop.termination_grace_period_seconds"),
            (
                "K0102",
                "components.shop.scheduling.node_selector.\"bad key!\".<key>",
            ),
            ("K0102", "components.shop.scheduling.node_selector.disk"),
            ("K0101", "components.shop.scheduling.priority_class"),
        ],
    );
}

#[test]
fn hardening_off_and_a_container_with_its_own_security() {
    let toml = r#"
name = "db"
image = "postgres:16"
port = 5432
security = { hardened = false, read_only_root_filesystem = true }

[[init]]
name = "chown"
image = "busybox:1.36"
command = ["chown", "-R", "999", "/data"]
security = { run_as_user = 0, run_as_non_root = false, capabilities = ["CHOWN"] }
"#;
    let mut db = Component::new("db", "postgres:16").port("http", 5432);
    db.security = Security {
        read_only_root_filesystem: true,
        ..Security::unhardened()
    };
    db.init_containers.push(k8gen::model::Container {
        command: ["chown", "-R", "999", "/data"].map(String::from).to_vec(),
        security: Some(Security {
            run_as_user: Some(0),
            run_as_non_root: false,
            capabilities: vec!["CHOWN".into()],
            ..Security::default()
        }),
        ..extra("chown", "busybox:1.36")
    });
    let objects = both(toml, &App::new("db").component(db));
    let pod = &object(&objects, "Deployment", "db")["spec"]["template"]["spec"];
    assert_eq!(
        pod["securityContext"],
        json!({"runAsNonRoot": false, "seccompProfile": {"type": "RuntimeDefault"}}),
        "the image's user, no fsGroup"
    );
    assert_eq!(
        pod["containers"][0]["securityContext"],
        json!({"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "runAsNonRoot": false}),
        "no capability drop; a key set beside `hardened = false` still applies"
    );
    assert_eq!(
        pod["initContainers"][0]["securityContext"],
        json!({
            "allowPrivilegeEscalation": false,
            "capabilities": {"add": ["CHOWN"], "drop": ["ALL"]},
            "readOnlyRootFilesystem": true,
            "runAsGroup": 0,
            "runAsNonRoot": false,
            "runAsUser": 0
        })
    );

    // `k8gen check` still warns about both.
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("db.toml");
    std::fs::write(&spec, toml).unwrap();
    let out = k8gen(&["check", spec.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("`db` relaxes security: run_as_non_root = false, the runtime's default capabilities (hardened = false)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("container `chown` of `db` relaxes security"),
        "{stderr}"
    );
}

#[test]
fn bad_container_security_fails_alike() {
    let toml = r#"
name = "db"
image = "postgres:16"

[[sidecars]]
name = "exporter"
image = "exporter:v1"
security = { run_as_user = 0, capabilities = ["chown"], service_account_token = true }
"#;
    let mut db = Component::new("db", "postgres:16");
    db.sidecars.push(k8gen::model::Container {
        security: Some(Security {
            run_as_user: Some(0),
            capabilities: vec!["chown".into()],
            service_account_token: Some(true),
            ..Security::default()
        }),
        ..extra("exporter", "exporter:v1")
    });
    exactly_these_errors(
        toml,
        &App::new("db").component(db),
        &[
            ("K0111", "components.db.sidecars[0].security.run_as_user"),
            (
                "K0111",
                "components.db.sidecars[0].security.capabilities[0]",
            ),
            (
                "K0111",
                "components.db.sidecars[0].security.service_account_token",
            ),
        ],
    );
}

#[test]
fn sidecar_ports_are_served_scraped_and_admitted() {
    let toml = r#"
name = "shop"
image = "shop:v1"
port = 8080
metrics = { port = "metrics" }
service = { ports = ["http", "metrics"] }

[[sidecars]]
name = "exporter"
image = "exporter:v1"
ports = { metrics = 9102 }
"#;
    let mut shop = Component::new("shop", "shop:v1")
        .port("http", 8080)
        .service(Switch::On(Service::on_ports(&["http", "metrics"])));
    shop.metrics = Some(k8gen::model::Metrics {
        port: Some(PortTarget::Name("metrics".into())),
        path: None,
    });
    shop.sidecars.push(k8gen::model::Container {
        ports: vec![tcp("metrics", 9102)],
        ..extra("exporter", "exporter:v1")
    });
    let objects = both(toml, &App::new("shop").component(shop));
    let template = &object(&objects, "Deployment", "shop")["spec"]["template"];
    assert_eq!(
        template["spec"]["containers"][1]["ports"],
        json!([{"name": "metrics", "containerPort": 9102, "protocol": "TCP"}])
    );
    assert_eq!(
        template["metadata"]["annotations"]["prometheus.io/port"],
        "9102"
    );
    assert_eq!(
        object(&objects, "Service", "shop")["spec"]["ports"][1],
        json!({"name": "metrics", "port": 9102, "protocol": "TCP", "targetPort": "metrics"})
    );
    let policy = &object(&objects, "NetworkPolicy", "shop")["spec"]["ingress"][0]["ports"];
    assert_eq!(
        policy,
        &json!([{"port": 8080, "protocol": "TCP"}, {"port": 9102, "protocol": "TCP"}]),
        "the sidecar's port is admitted too"
    );
}

#[test]
fn sidecar_ports_clashing_or_on_init_containers_fail_alike() {
    let toml = r#"
name = "shop"
image = "shop:v1"
port = 8080

[[init]]
name = "migrate"
ports = { admin = 9000 }

[[sidecars]]
name = "proxy"
image = "envoyproxy/envoy:v1.31.0"
ports = { http = 15001, admin = 8080 }
"#;
    let mut shop = Component::new("shop", "shop:v1").port("http", 8080);
    shop.init_containers.push(k8gen::model::Container {
        ports: vec![tcp("admin", 9000)],
        ..extra("migrate", "")
    });
    shop.sidecars.push(k8gen::model::Container {
        ports: vec![tcp("http", 15001), tcp("admin", 8080)],
        ..extra("proxy", "envoyproxy/envoy:v1.31.0")
    });
    exactly_these_errors(
        toml,
        &App::new("shop").component(shop),
        &[
            ("K0117", "components.shop.init[0].ports"),
            ("K0115", "components.shop.sidecars[0].ports.http"),
            ("K0115", "components.shop.sidecars[0].ports.admin.port"),
        ],
    );
}

#[test]
fn replicas_beside_autoscale_ingress_name_and_removing_fields() {
    let toml = r#"
name = "podinfo"
image = "podinfo:6.9.2"
port = 9898
replicas = 2
autoscale = { min = 2, max = 4, cpu = 99 }
ingress = { name = "podinfo-public", routes = [{ host = "podinfo.example.com", to = "podinfo" }] }

[[patches]]
target = "Deployment/podinfo"
set = { "/spec/template/spec/hostname" = "x" }
remove = ["/spec/template/spec/automountServiceAccountToken", "/spec/template/spec/hostname"]
"#;
    let podinfo = Component::new("podinfo", "podinfo:6.9.2")
        .port("http", 9898)
        .replicas(2);
    let mut app = App::new("podinfo").component(podinfo);
    app.components[0].autoscale = Some(k8gen::model::Autoscale {
        min: 2,
        max: 4,
        cpu_percent: Some(99),
        memory_percent: None,
    });
    app.ingress = Some(k8gen::model::Ingress {
        name: Some("podinfo-public".into()),
        routes: vec![k8gen::model::Route::new(
            Some("podinfo.example.com"),
            "/",
            "podinfo",
        )],
        ..Default::default()
    });
    app.patches.push(k8gen::model::Patch {
        kind: "Deployment".into(),
        name: "podinfo".into(),
        set: vec![("/spec/template/spec/hostname".into(), json!("x"))],
        remove: vec![
            "/spec/template/spec/automountServiceAccountToken".into(),
            "/spec/template/spec/hostname".into(),
        ],
        ..Default::default()
    });
    let objects = both(toml, &app);
    let deployment = object(&objects, "Deployment", "podinfo");
    assert_eq!(deployment["spec"]["replicas"], 2, "the initial count");
    assert_eq!(
        object(&objects, "HorizontalPodAutoscaler", "podinfo")["spec"]["minReplicas"],
        2
    );
    object(&objects, "Ingress", "podinfo-public");
    let pod = &deployment["spec"]["template"]["spec"];
    assert!(pod.get("automountServiceAccountToken").is_none(), "{pod}");
    assert!(pod.get("hostname").is_none(), "removed after set: {pod}");

    // A pointer to nothing cannot be removed.
    let missing = "name = \"a\"\nimage = \"a:1\"\n[[patches]]\ntarget = \"Deployment/a\"\nremove = [\"/spec/template/spec/nodeSelector\"]\n";
    let diags = k8gen::render_source(missing, &root(), &FsHost).unwrap_err();
    assert!(
        diags
            .iter()
            .any(|d| d.message.contains("cannot set or remove")),
        "{diags:#?}"
    );
}

#[test]
fn bad_replicas_ingress_names_and_remove_pointers_fail_alike() {
    let toml = r#"
name = "shop"
image = "shop:v1"
port = 8080
replicas = 12
autoscale = { min = 2, max = 10, cpu = 70 }
ingress = { name = "Shop_Public", routes = [{ to = "shop" }] }

[[patches]]
target = "Deployment/shop"
remove = ["spec/replicas"]
"#;
    let mut app = App::new("shop").component(
        Component::new("shop", "shop:v1")
            .port("http", 8080)
            .replicas(12),
    );
    app.components[0].autoscale = Some(k8gen::model::Autoscale {
        min: 2,
        max: 10,
        cpu_percent: Some(70),
        memory_percent: None,
    });
    app.ingress = Some(k8gen::model::Ingress {
        name: Some("Shop_Public".into()),
        routes: vec![k8gen::model::Route {
            component: "shop".into(),
            ..Default::default()
        }],
        ..Default::default()
    });
    app.patches.push(k8gen::model::Patch {
        kind: "Deployment".into(),
        name: "shop".into(),
        remove: vec!["spec/replicas".into()],
        ..Default::default()
    });
    exactly_these_errors(
        toml,
        &app,
        &[
            ("K0113", "components.shop.replicas"),
            ("K0101", "ingress.name"),
            ("K0121", "patches[0].remove[0]"),
        ],
    );
}

/// The fields of upstream's manifests the specs in `specs/` are written to reproduce, as the
/// upstream YAML has them (k8gen's names, labels and hardening differ and are not compared).
#[test]
fn real_apps_render_as_their_upstream_manifests() {
    let podinfo: Vec<Value> = render(&root().join("specs/podinfo.toml"))
        .iter()
        .map(k8gen::Object::to_json)
        .collect();
    // stefanprodan/podinfo kustomize/deployment.yaml, service.yaml, hpa.yaml.
    let deployment = object(&podinfo, "Deployment", "podinfo");
    let container = &deployment["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["name"], "podinfod");
    assert_eq!(
        container["ports"],
        json!([
            {"name": "http", "containerPort": 9898, "protocol": "TCP"},
            {"name": "http-metrics", "containerPort": 9797, "protocol": "TCP"},
            {"name": "grpc", "containerPort": 9999, "protocol": "TCP"}
        ])
    );
    assert_eq!(
        container["livenessProbe"],
        json!({"exec": {"command": ["podcli", "check", "http", "localhost:9898/healthz"]}, "initialDelaySeconds": 5, "timeoutSeconds": 5})
    );
    assert_eq!(
        container["resources"],
        json!({"limits": {"cpu": "2000m", "memory": "512Mi"}, "requests": {"cpu": "100m", "memory": "64Mi"}})
    );
    assert_eq!(deployment["spec"]["minReadySeconds"], 3);
    assert_eq!(deployment["spec"]["revisionHistoryLimit"], 5);
    assert_eq!(deployment["spec"]["progressDeadlineSeconds"], 60);
    assert_eq!(
        deployment["spec"]["template"]["metadata"]["annotations"]["prometheus.io/port"],
        "9797"
    );
    assert_eq!(
        object(&podinfo, "Service", "podinfo")["spec"]["ports"],
        json!([
            {"name": "http", "port": 9898, "protocol": "TCP", "targetPort": "http"},
            {"name": "grpc", "port": 9999, "protocol": "TCP", "targetPort": "grpc"}
        ])
    );
    let hpa = &object(&podinfo, "HorizontalPodAutoscaler", "podinfo")["spec"];
    assert_eq!(
        (&hpa["minReplicas"], &hpa["maxReplicas"]),
        (&json!(2), &json!(4))
    );

    let boutique: Vec<Value> = render(&root().join("specs/boutique.toml"))
        .iter()
        .map(k8gen::Object::to_json)
        .collect();
    // GoogleCloudPlatform/microservices-demo kubernetes-manifests/frontend.yaml,
    // cartservice.yaml, redis.yaml.
    let pod =
        |name: &str| object(&boutique, "Deployment", name)["spec"]["template"]["spec"].clone();
    let (frontend, cart, redis) = (
        pod("boutique-frontend"),
        pod("boutique-cartservice"),
        pod("boutique-redis-cart"),
    );
    for p in [&frontend, &cart, &redis] {
        let pod_context = &p["securityContext"];
        for (key, value) in [("fsGroup", 1000), ("runAsGroup", 1000), ("runAsUser", 1000)] {
            assert_eq!(pod_context[key], value, "{pod_context}");
        }
        let context = &p["containers"][0]["securityContext"];
        assert_eq!(context["allowPrivilegeEscalation"], false);
        assert_eq!(context["capabilities"], json!({"drop": ["ALL"]}));
        assert_eq!(context["readOnlyRootFilesystem"], true);
        assert!(p.get("volumes").is_none() || p["volumes"][0]["name"] == "redis-data");
    }
    assert_eq!(frontend["containers"][0]["name"], "server");
    assert_eq!(cart["containers"][0]["name"], "server");
    assert_eq!(redis["containers"][0]["name"], "redis");
    assert_eq!(
        frontend["containers"][0]["readinessProbe"],
        json!({"httpGet": {"path": "/_healthz", "port": 8080, "httpHeaders": [{"name": "Cookie", "value": "shop_session-id=x-readiness-probe"}]}, "initialDelaySeconds": 10})
    );
    assert_eq!(
        cart["containers"][0]["livenessProbe"],
        json!({"grpc": {"port": 7070}, "initialDelaySeconds": 15, "periodSeconds": 10})
    );
    assert_eq!(cart["terminationGracePeriodSeconds"], 5);
    let service = |name: &str| object(&boutique, "Service", name)["spec"].clone();
    let web = json!([{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080}]);
    assert_eq!(service("boutique-frontend")["ports"], web);
    assert_eq!(service("boutique-frontend-external")["ports"], web);
    assert_eq!(
        service("boutique-frontend-external")["type"],
        "LoadBalancer"
    );
    assert_eq!(
        service("boutique-cartservice")["ports"],
        json!([{"name": "grpc", "port": 7070, "protocol": "TCP", "targetPort": 7070}])
    );
    assert_eq!(
        service("boutique-redis-cart")["ports"],
        json!([{"name": "tcp-redis", "port": 6379, "protocol": "TCP", "targetPort": 6379}])
    );
}

#[test]
fn an_ingress_named_like_a_canary_ingress_fails_alike() {
    let toml = r#"
name = "myapp"
port = 8080
replicas = 4
release = { strategy = "canary", stable = "myapp:v1", canary = "myapp:v2", weight = 25 }
ingress = { name = "myapp-canary", class = "nginx", routes = [{ to = "myapp" }] }
"#;
    let mut app = App::new("myapp").component(
        Component::new("myapp", "")
            .port("http", 8080)
            .replicas(4)
            .release(k8gen::model::Release::canary("myapp:v1", "myapp:v2", 25)),
    );
    app.ingress = Some(k8gen::model::Ingress {
        name: Some("myapp-canary".into()),
        class: Some("nginx".into()),
        routes: vec![k8gen::model::Route {
            component: "myapp".into(),
            ..Default::default()
        }],
        ..Default::default()
    });
    exactly_these_errors(toml, &app, &[("K0115", "ingress.name")]);
}
