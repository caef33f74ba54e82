//! One engine, two front ends: the bugs found by trying real apps (issue 7), each checked from
//! the TOML side and from the Rust builder side, and the TOML and Rust front ends agreeing on
//! codes and defaults.

use k8gen::model::{self, App, Component, EnvValue, Probe, Service, Switch};

use crate::support::*;

fn errors_of(source: &str) -> Vec<k8gen::Diagnostic> {
    k8gen::render_source(source, &root(), &FsHost).expect_err("the spec should be rejected")
}

fn codes_of_toml(source: &str) -> Vec<&'static str> {
    errors_of(source).iter().map(|d| d.code).collect()
}

fn issues_of(app: &App) -> Vec<(&'static str, String)> {
    k8gen::render_app(app)
        .expect_err("the app should be rejected")
        .into_iter()
        .map(|i| (i.code, i.path))
        .collect()
}

fn yaml(objects: &[k8gen::Object]) -> String {
    k8gen::emit::stream(objects)
}

#[test]
fn env_vars_keep_the_order_they_are_written_in() {
    // Kubernetes expands `$(ZED)` only from entries before it.
    let spec = "name = \"a\"\nnamespace = \"a\"\nimage = \"a:1\"\n\
                env = { ZED = \"z\", ALPHA = \"$(ZED)-x\", MIDDLE = \"m\" }\n";
    let out = yaml(&render_text(spec, &root()));
    let at = |name: &str| out.find(&format!("- name: {name}\n")).unwrap();
    assert!(
        at("ZED") < at("ALPHA") && at("ALPHA") < at("MIDDLE"),
        "{out}"
    );

    let app = App::new("a").namespace("a").component(
        Component::new("a", "a:1")
            .env("ZED", EnvValue::Literal("z".into()))
            .env("ALPHA", EnvValue::Literal("$(ZED)-x".into()))
            .env("MIDDLE", EnvValue::Literal("m".into())),
    );
    assert_eq!(yaml(&k8gen::render_app(&app).unwrap()), out);
}

#[test]
fn a_service_port_targets_the_container_port_with_its_number() {
    // Was: `targetPort: management` (15672), the alphabetically first port.
    let spec = "name = \"queue\"\nnamespace = \"q\"\nimage = \"rabbitmq:3.13\"\n\
                ports = { amqp = 5672, management = 15672 }\nservice = { port = 5672 }\n";
    let out = yaml(&render_text(spec, &root()));
    assert!(
        out.contains("  - name: amqp\n    port: 5672\n    protocol: TCP\n    targetPort: amqp\n"),
        "{out}"
    );
    let app = App::new("queue").namespace("q").component(
        Component::new("queue", "rabbitmq:3.13")
            .port("amqp", 5672)
            .port("management", 15672)
            .service(Switch::On(Service::on_port(5672))),
    );
    assert_eq!(yaml(&k8gen::render_app(&app).unwrap()), out);
}

#[test]
fn an_ambiguous_main_port_is_an_error_that_asks() {
    let source = std::fs::read_to_string(root().join("tests/errors/main-port.toml")).unwrap();
    let errors = errors_of(&source);
    let messages: Vec<&str> = errors.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(errors.len(), 3, "{messages:#?}");
    assert!(errors.iter().all(|d| d.code == "K0112"), "{errors:#?}");
    assert!(messages[0].contains("none is named `http`"), "{messages:?}");

    let app = App::new("queue").component(
        Component::new("queue", "rabbitmq:3.13")
            .port("amqp", 5672)
            .port("management", 15672)
            .liveness(Probe::new(model::ProbeAction::Tcp { port: None })),
    );
    assert_eq!(
        issues_of(&app),
        [("K0112", "components.queue.probes.liveness".to_string())]
    );
}

#[test]
fn the_rust_api_gets_the_rules_the_toml_front_end_applies() {
    // Two components with one key, a 2 MiB Secret, root with run_as_non_root: each rejected
    // with the code the TOML front end gives for the same mistake.
    let big = vec![b'x'; 2 << 20];
    let mut root_user = Component::new("web", "web:1").port("http", 8080);
    root_user.security.run_as_user = Some(0);
    let app = App::new("shop")
        .component(Component::new("db", "postgres:16").secret("DUMP", big.clone()))
        .component(root_user);
    let issues = issues_of(&app);
    assert!(
        issues.contains(&("K0116", "components.db.secrets".into())),
        "{issues:?}"
    );
    assert!(
        issues.contains(&("K0111", "components.web.security.run_as_user".into())),
        "{issues:?}"
    );
    let toml = "name = \"shop\"\n[components.web]\nimage = \"web:1\"\nport = 8080\n\
                security = { run_as_user = 0 }\n";
    assert_eq!(codes_of_toml(toml), ["K0111"]);
}

#[test]
fn an_unknown_service_type_is_rejected_by_the_parser_with_the_allowed_values() {
    // In Rust, `ServiceType` is an enum: "Bogus" cannot be built at all.
    let errors =
        errors_of("name = \"a\"\nimage = \"a:1\"\nport = 80\nservice = { type = \"Clusterip\" }\n");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].code, "K0111");
    assert_eq!(errors[0].help.as_deref(), Some("did you mean `ClusterIP`?"));
    assert_eq!(
        model::ServiceType::NAMES,
        ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"]
    );
}

#[test]
fn the_builder_and_the_spec_share_their_defaults() {
    // A component without ports is a `worker`; config that is mounted is not also injected.
    let spec = "name = \"jobs\"\nnamespace = \"j\"\nimage = \"jobs:1\"\n\
                config = { MODE = \"fast\" }\nmount = { config = \"/etc/jobs\" }\n";
    let from_spec = yaml(&render_text(spec, &root()));
    assert!(
        from_spec.contains("app.kubernetes.io/component: worker"),
        "{from_spec}"
    );
    assert!(!from_spec.contains("envFrom"), "{from_spec}");
    let mut c = Component::new("jobs", "jobs:1").config("MODE", "fast");
    c.config_mount = Some("/etc/jobs".into());
    let app = App::new("jobs").namespace("j").component(c);
    assert_eq!(yaml(&k8gen::render_app(&app).unwrap()), from_spec);
}

#[test]
fn a_component_can_unset_what_it_would_inherit_from_defaults() {
    // Databases got the web components' HTTP probes and env from `[defaults]`.
    let spec = "name = \"shop\"\nnamespace = \"shop\"\n\
        [defaults]\nprobes = { liveness = \"GET /health\", readiness = \"GET /ready\" }\n\
        env = { LOG_LEVEL = \"info\", REGION = \"eu\" }\n\
        [components.web]\nimage = \"web:1\"\nport = 8080\n\
        [components.db]\nimage = \"postgres:16\"\nports = { postgres = 5432 }\n\
        unset = [\"probes.liveness\", \"env.LOG_LEVEL\"]\n\
        probes = { readiness = \"TCP\" }\n";
    let out = yaml(&render_text(spec, &root()));
    let db = &out[out
        .find("kind: Deployment\nmetadata:\n  name: shop-db\n")
        .unwrap()..];
    let db = &db[..db.find("\n---").unwrap_or(db.len())];
    let web = &out[out
        .find("kind: Deployment\nmetadata:\n  name: shop-web\n")
        .unwrap()..];
    let web = &web[..web.find("\n---").unwrap_or(web.len())];
    assert!(!db.contains("livenessProbe"), "{db}");
    assert!(db.contains("readinessProbe:\n          tcpSocket"), "{db}");
    assert!(!db.contains("LOG_LEVEL") && db.contains("REGION"), "{db}");
    assert!(
        web.contains("livenessProbe") && web.contains("LOG_LEVEL"),
        "{web}"
    );

    let typo = spec.replace("\"env.LOG_LEVEL\"", "\"env.LOGLEVEL\"");
    let errors = errors_of(&typo);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].code, "K0110");
    assert!(
        errors[0].message.contains("`env.LOGLEVEL`"),
        "{}",
        errors[0].message
    );
}

#[test]
fn set_overrides_one_value_and_its_errors_point_into_the_override() {
    // `--set` is a second source: what it sets is checked like the spec, and a finding about it
    // (the parser's or the engine's) points into it, each override its own file.
    let plain = k8gen(&["render", "specs/task-tracker.toml"]);
    let set = k8gen(&[
        "render",
        "specs/task-tracker.toml",
        "--set",
        "replicas=5",
        "--set",
        "config.LOG_LEVEL=debug",
    ]);
    assert!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );
    let (plain, set) = (
        String::from_utf8(plain.stdout).unwrap(),
        String::from_utf8(set.stdout).unwrap(),
    );
    let changed: Vec<(&str, &str)> = plain
        .lines()
        .zip(set.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert!(
        changed.contains(&("  replicas: 3", "  replicas: 5")),
        "{changed:#?}"
    );
    assert!(
        changed.contains(&("  LOG_LEVEL: info", "  LOG_LEVEL: debug")),
        "{changed:#?}"
    );
    // The rest moves only where the config checksum of the pods follows the new value.
    assert!(changed.len() <= 3, "{changed:#?}");

    let bad = k8gen(&[
        "render",
        "specs/task-tracker.toml",
        "--set",
        "replica=3",
        "--set",
        "replicas=-2",
    ]);
    assert_eq!(bad.status.code(), Some(1));
    let stderr = String::from_utf8(bad.stderr).unwrap();
    assert!(
        stderr.contains("--set #1:1:1: error[K0002]: unknown key `replica`"),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `replicas`?"), "{stderr}");

    // The engine's findings too: after fixing the key, the negative count is reported at the
    // override, from the rule engine (with its field path).
    let source = std::fs::read_to_string(root().join("specs/task-tracker.toml")).unwrap();
    let errors = k8gen::render_with(
        &source,
        &["replicas=3".into(), "replicas=-2".into()],
        &root().join("specs"),
        &FsHost,
    )
    .unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!((errors[0].file, errors[0].span.clone()), (2, 11..13));
    assert_eq!(
        errors[0].path.as_deref(),
        Some("components.task-tracker.replicas")
    );
    let layers = k8gen::Layers {
        sets: vec!["replicas=3".into(), "replicas=-2".into()],
        ..k8gen::Layers::default()
    };
    let files = k8gen::source_map("task-tracker.toml", &source, &layers);
    assert!(
        files
            .render(&errors[0], false)
            .starts_with("--set #2:1:12: error[K0113]: replicas must be at least 0, not -2"),
        "{}",
        files.render(&errors[0], false)
    );
}
