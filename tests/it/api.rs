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
    assert!(paths.contains(&"components[0].image"), "{errors:?}");
    assert!(paths.contains(&"components[0].resources.cpu"), "{errors:?}");
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
            "components[0].workload.schedule",
            "components[1].service.ports",
            "components[1].autoscale"
        ],
        "{errors:?}"
    );
}

#[test]
fn render_app_rejects_unknown_lint_rules_in_allow() {
    use k8gen::model::{App, Component};
    let app = App::new("shop")
        .allow("secret-as-env")
        .component(Component::new("shop", "shop:v1").allow("K0204"))
        .component(Component::new("shop-worker", "worker:v1").allow("missing-liveness"));
    let errors = k8gen::render_app(&app).unwrap_err();
    let found: Vec<(&str, &str)> = errors
        .iter()
        .map(|e| (e.path.as_str(), e.message.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (
                "allow[0]",
                "there is no lint rule `secret-as-env`; did you mean `secrets-as-env`?"
            ),
            (
                "components[1].allow[0]",
                "there is no lint rule `missing-liveness`; did you mean `missing-liveness-probe`?"
            ),
        ],
        "{errors:?}"
    );
    let fixed = App::new("shop")
        .allow("secrets-as-env")
        .component(Component::new("shop", "shop:v1").allow("K0204"));
    assert!(k8gen::render_app(&fixed).is_ok());
}

#[test]
fn render_app_rejects_patches_that_break_selectors_or_probes() {
    use k8gen::model::{App, Component, Patch, Probe};
    use serde_json::json;
    let patch = |kind: &str, name: &str, merge: serde_json::Value| Patch {
        kind: kind.into(),
        name: name.into(),
        merge: Some(merge),
        set: Vec::new(),
    };
    let shop = || {
        Component::new("shop", "shop:v1")
            .port("http", 8080)
            .readiness(Probe::http_get("/health", 8080))
    };
    let mut app = App::new("shop").component(shop());
    app.patches = vec![
        // Fine on its own.
        patch(
            "Deployment",
            "shop",
            json!({"spec": {"template": {"spec": {"priorityClassName": "high"}}}}),
        ),
        // The Service's pods renamed away (and the Deployment's own selector with them).
        patch(
            "Deployment",
            "shop",
            json!({"spec": {"template": {"metadata": {"labels": {"app.kubernetes.io/name": "other"}}}}}),
        ),
        // A probe port the container does not have.
        patch(
            "Deployment",
            "shop",
            json!({"spec": {"template": {"spec": {"containers": [{"name": "shop", "image": "shop:v1",
                "ports": [{"name": "http", "containerPort": 8080}],
                "readinessProbe": {"httpGet": {"path": "/", "port": "admin"}}}]}}}}),
        ),
    ];
    let errors = k8gen::render_app(&app).unwrap_err();
    let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        ["patches[1]", "patches[1]", "patches[1]", "patches[2]"],
        "{errors:#?}"
    );
    assert!(errors[3].message.contains("port `admin`"), "{errors:#?}");
    assert!(
        errors
            .iter()
            .any(|e| e.message.contains("Service/shop selects no pods")),
        "{errors:#?}"
    );

    // A later patch may repair what an earlier one broke: only the result counts.
    let mut repaired = App::new("shop").component(shop());
    repaired.patches = vec![
        patch(
            "Deployment",
            "shop",
            json!({"spec": {"selector": {"matchLabels": {"tier": "web"}}}}),
        ),
        patch(
            "Deployment",
            "shop",
            json!({"spec": {"template": {"metadata": {"labels": {"tier": "web"}}}}}),
        ),
    ];
    k8gen::render_app(&repaired).unwrap();
}
