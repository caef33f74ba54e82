//! The Rust API builds the same objects as the equivalent spec.

use crate::support::*;

#[path = "../../examples/task_tracker.rs"]
#[allow(dead_code)]
mod example;

#[test]
fn the_rust_example_renders_exactly_what_the_spec_renders() {
    let from_spec = k8gen::emit::stream(&render(&root().join("specs/task-tracker.toml")));
    let app = example::task_tracker(&root().join("specs"));
    let from_rust = k8gen::emit::stream(&k8gen::render_app(&app).unwrap());
    assert_same(
        "Rust-built task-tracker vs specs/task-tracker.toml",
        &from_spec,
        &from_rust,
    );
}

#[test]
fn validate_rejects_what_check_would() {
    use k8gen::model::{App, Component};
    let app = App::new("Bad_Name")
        .component(Component::new("x", "Registry/UPPER:v1").request("cpu", "lots"));
    let errors = k8gen::render_app(&app).unwrap_err();
    let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
    assert!(paths.contains(&"name"), "{errors:?}");
    assert!(paths.contains(&"components.x.image"), "{errors:?}");
    assert!(
        paths.contains(&"components.x.resources.requests.cpu"),
        "{errors:?}"
    );
}

#[path = "../../examples/experiment_tracker.rs"]
#[allow(dead_code)]
mod experiment;

#[test]
fn the_rust_experiment_tracker_renders_exactly_what_its_spec_renders() {
    let from_spec = k8gen::emit::stream(&render(&root().join("specs/experiment-tracker.toml")));
    let app = experiment::experiment_tracker(&root().join("specs"));
    let from_rust = k8gen::emit::stream(&k8gen::render_app(&app).unwrap());
    assert_same(
        "Rust-built experiment tracker vs specs/experiment-tracker.toml",
        &from_spec,
        &from_rust,
    );
}

#[test]
fn validate_checks_schedules_node_ports_and_autoscaling() {
    use k8gen::model::{App, Autoscale, Component, CronSettings, JobSettings, Workload};
    let mut cron = Component::new("nightly", "reports:v1");
    cron.workload = Workload::CronJob {
        schedule: "61 * * * *".into(),
        job: JobSettings {
            restart_policy: "Never".into(),
            ..Default::default()
        },
        cron: CronSettings::default(),
    };
    let mut web = Component::new("web", "web:v1").port("http", 8080);
    web.service.as_mut().unwrap().ports[0].node_port = Some(80);
    web.autoscale = Some(Autoscale {
        min: 3,
        max: 2,
        cpu_percent: Some(70),
        memory_percent: None,
    });
    let errors = k8gen::render_app(&App::new("shop").component(cron).component(web)).unwrap_err();
    let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "components.nightly.schedule",
            "components.web.service.node_port",
            "components.web.autoscale"
        ],
        "{errors:?}"
    );
}

/// The codes and paths of what `render_app` rejects in `app`.
fn rejected(app: &k8gen::model::App) -> Vec<(&'static str, String)> {
    k8gen::render_app(app)
        .expect_err("the app breaks a rule")
        .into_iter()
        .map(|i| (i.code, i.path))
        .collect()
}

#[test]
fn app_rules_reject_duplicate_components_and_long_names() {
    use k8gen::codes;
    use k8gen::model::{App, Component};
    let app = App::new("shop")
        .component(Component::new("db", "postgres:16"))
        .component(Component::new("db", "postgres:17"));
    assert_eq!(
        rejected(&app),
        [(codes::DUPLICATE, "components[1]".to_string())]
    );
    let key = "background-worker-for-the-nightly-reports-and-exports";
    let app = App::new("experiment-tracker").component(Component::new(key, "worker:v1"));
    assert_eq!(
        rejected(&app),
        [(codes::NAME_TOO_LONG, format!("components.{key}"))]
    );
}

#[test]
fn app_rules_reject_reserved_label_keys() {
    use k8gen::codes;
    use k8gen::model::{App, Component};
    let app = App::new("shop")
        .label("app.kubernetes.io/name", "mine")
        .component(Component::new("web", "web:v1").label("team", "checkout team"));
    assert_eq!(
        rejected(&app),
        [
            (
                codes::INVALID_LABEL,
                "labels.\"app.kubernetes.io/name\".<key>".to_string()
            ),
            (
                codes::INVALID_LABEL,
                "components.web.labels.team".to_string()
            ),
        ]
    );
}

#[test]
fn app_rules_reject_bad_ingress_targets() {
    use k8gen::codes;
    use k8gen::model::{App, Component, Ingress, PortTarget, Route};
    let mut to_port = Route::new(Some("shop.example.com"), "/api", "api");
    to_port.port = Some(PortTarget::Name("metrics".into()));
    let app = App {
        ingress: Some(Ingress {
            routes: vec![
                Route::new(Some("shop.example.com"), "/", "ap"),
                to_port,
                Route::new(Some("shop.example.com"), "/jobs", "worker"),
            ],
            ..Default::default()
        }),
        ..App::new("shop")
            .component(Component::new("api", "api:v1").port("http", 8080))
            .component(Component::new("worker", "worker:v1"))
    };
    let errors = k8gen::render_app(&app).unwrap_err();
    let found: Vec<(&str, &str)> = errors.iter().map(|i| (i.code, i.path.as_str())).collect();
    assert_eq!(
        found,
        [
            (codes::UNKNOWN_REFERENCE, "ingress.routes[0].to"),
            (codes::UNKNOWN_REFERENCE, "ingress.routes[1].to"),
            (codes::UNKNOWN_REFERENCE, "ingress.routes[2].to"),
        ]
    );
    assert_eq!(errors[0].help.as_deref(), Some("did you mean `api`?"));
}

#[test]
fn app_rules_reject_patches_of_objects_k8gen_does_not_make() {
    use k8gen::codes;
    use k8gen::model::{App, Component, Patch};
    let patch = |kind: &str, name: &str| Patch {
        kind: kind.into(),
        name: name.into(),
        merge: Some(serde_json::json!({ "metadata": { "labels": { "x": "y" } } })),
        set: Vec::new(),
    };
    let web = || Component::new("web", "web:v1").port("http", 8080);
    // An unknown kind: the engine.
    let app = App {
        patches: vec![patch("Deploymnt", "shop-web")],
        ..App::new("shop").component(web())
    };
    let errors = k8gen::render_app(&app).unwrap_err();
    assert_eq!(
        (errors[0].code, errors[0].path.as_str()),
        (codes::INVALID_PATCH, "patches[0]")
    );
    assert_eq!(
        errors[0].help.as_deref(),
        Some("did you mean `Deployment`?")
    );
    // A kind k8gen makes, but no such object: known once the objects are built.
    let app = App {
        patches: vec![patch("Service", "shop-webb"), patch("Deployment", "other")],
        ..App::new("shop").component(web())
    };
    let errors = k8gen::render_app(&app).unwrap_err();
    let found: Vec<(&str, &str)> = errors.iter().map(|i| (i.code, i.path.as_str())).collect();
    assert_eq!(
        found,
        [
            (codes::INVALID_PATCH, "patches[0]"),
            (codes::INVALID_PATCH, "patches[1]"),
        ]
    );
    assert_eq!(
        errors[0].help.as_deref(),
        Some("did you mean `Service/shop-web`?")
    );
}

#[test]
fn app_rules_need_a_namespace_and_a_store() {
    use k8gen::codes;
    use k8gen::model::{App, Component};
    let mut api = Component::new("api", "api:v1");
    api.external_secrets
        .insert("token".into(), ("prod/api/token".into(), None));
    let app = App {
        create_namespace: Some(true),
        quota: [("pods".to_string(), "20".to_string())].into(),
        ..App::new("shop").component(api)
    };
    assert_eq!(
        rejected(&app),
        [
            (codes::MISSING_VALUE, "create_namespace".to_string()),
            (
                codes::MISSING_VALUE,
                "components.api.secrets.token".to_string()
            ),
            (codes::MISSING_VALUE, "quota.pods.<key>".to_string()),
        ]
    );
}
