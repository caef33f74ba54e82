//! Release strategies (issue 11): blue-green and canary keep every workload selector fixed,
//! Services pick tracks, replicas split by weight, and the Rust API renders what the specs do.

use std::collections::BTreeMap;

use k8gen::Object;
use k8gen::model::{
    App, Autoscale, Colour, Component, Disruption, Ingress, IntOrPercent, Network, Peer, Probe,
    ProbeAction, Release, ReleaseController, Resources, Route, Service, Switch, Workload,
};

use crate::support::*;

/// The track label k8gen puts on each track's Deployment, selector and pods.
const TRACK: &str = "k8gen.io/track";

/// Whether `selector` (matchLabels only, all k8gen writes) selects pods labelled `labels`.
fn selects(
    selector: &k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector,
    labels: &BTreeMap<String, String>,
) -> bool {
    assert!(selector.match_expressions.is_none());
    selector
        .match_labels
        .iter()
        .flatten()
        .all(|(k, v)| labels.get(k) == Some(v))
}

fn spec(name: &str) -> String {
    std::fs::read_to_string(root().join("specs").join(name)).unwrap()
}

fn render_spec_text(text: &str) -> Vec<Object> {
    render_text(text, &root().join("specs"))
}

/// Workload (Deployment or Rollout) name → its `spec.selector` as YAML text.
fn workload_selectors(objects: &[Object]) -> BTreeMap<String, String> {
    objects
        .iter()
        .filter(|o| o.pod().is_some())
        .map(|o| {
            let selector = o.pod_selector().expect("a workload selects its pods");
            (
                format!("{}/{}", o.kind(), o.name()),
                serde_json::to_string(&selector).unwrap(),
            )
        })
        .collect()
}

fn pod_labels(objects: &[Object]) -> Vec<(String, BTreeMap<String, String>)> {
    objects
        .iter()
        .filter_map(|o| Some((o.name().to_string(), o.pod()?.labels())))
        .collect()
}

/// The workloads whose pods Service `name` selects.
fn served_by(objects: &[Object], name: &str) -> Vec<String> {
    let svc = objects
        .iter()
        .find(|o| o.kind() == "Service" && o.name() == name)
        .unwrap_or_else(|| panic!("no Service {name}"));
    let selector = svc.pod_selector().unwrap();
    pod_labels(objects)
        .into_iter()
        .filter(|(_, labels)| selects(&selector, labels))
        .map(|(n, _)| n)
        .collect()
}

fn replicas_of(objects: &[Object], name: &str) -> Option<i32> {
    objects.iter().find_map(|o| match o {
        Object::Deployment(d) if o.name() == name => d.spec.as_ref().unwrap().replicas,
        _ => None,
    })
}

#[test]
fn switching_colour_or_weight_changes_no_workload_selector() {
    let blue = spec("release-blue-green.toml");
    let green = blue.replace("active = \"blue\"", "active = \"green\"");
    assert_ne!(blue, green);
    let (a, b) = (render_spec_text(&blue), render_spec_text(&green));
    assert_eq!(workload_selectors(&a), workload_selectors(&b));
    assert_eq!(served_by(&a, "myapp"), ["myapp-blue"]);
    assert_eq!(served_by(&b, "myapp"), ["myapp-green"]);
    assert_eq!(served_by(&a, "myapp-preview"), ["myapp-green"]);
    assert_eq!(served_by(&b, "myapp-preview"), ["myapp-blue"]);

    let canary = spec("release-canary.toml");
    let base = render_spec_text(&canary);
    for edit in [
        canary.replace("weight = 10", "weight = 50"),
        canary.replace("weight = 10", "weight = 1"),
        // Promotion: the canary's image becomes stable, the canary track goes idle.
        canary.replace(
            "stable = \"myapp:v1\", canary = \"myapp:v2\"",
            "stable = \"myapp:v2\", canary = false",
        ),
    ] {
        assert_ne!(edit, canary);
        let other = render_spec_text(&edit);
        let (before, after) = (workload_selectors(&base), workload_selectors(&other));
        for (name, selector) in &after {
            assert_eq!(Some(selector), before.get(name), "{name}");
        }
    }
    let argo = spec("release-canary-argo.toml");
    let edit = argo.replace("weight = 25", "weight = 50");
    assert_ne!(edit, argo);
    assert_eq!(
        workload_selectors(&render_spec_text(&argo)),
        workload_selectors(&render_spec_text(&edit))
    );
}

#[test]
fn each_track_selects_its_own_pods_and_services_select_the_serving_tracks() {
    for name in [
        "release-blue-green.toml",
        "release-canary.toml",
        "release-canary-argo.toml",
    ] {
        let objects = render_spec_text(&spec(name));
        for o in objects.iter().filter(|o| o.pod().is_some()) {
            let labels = o.pod().unwrap().labels();
            let selector = o.pod_selector().unwrap();
            for (k, v) in selector.match_labels.iter().flatten() {
                assert_eq!(labels.get(k), Some(v), "{name} {}: {k}", o.name());
            }
            if o.kind() == "Deployment" {
                let track = &selector.match_labels.as_ref().unwrap()[TRACK];
                assert!(o.name().ends_with(&format!("-{track}")), "{}", o.name());
            }
        }
    }
    let canary = render_spec_text(&spec("release-canary.toml"));
    // With the nginx weighted route, each Service selects one track.
    assert_eq!(served_by(&canary, "myapp"), ["myapp-stable"]);
    assert_eq!(served_by(&canary, "myapp-canary"), ["myapp-canary"]);
    let weighted = canary
        .iter()
        .find(|o| o.kind() == "Ingress" && o.name() == "myapp-canary")
        .unwrap()
        .metadata()
        .annotations
        .clone()
        .unwrap();
    assert_eq!(weighted["nginx.ingress.kubernetes.io/canary"], "true");
    assert_eq!(weighted["nginx.ingress.kubernetes.io/canary-weight"], "10");
    // Without an Ingress, one Service over both tracks.
    let no_ingress = spec("release-canary.toml");
    let no_ingress = &no_ingress[..no_ingress.find("\n# With an nginx").unwrap()];
    let objects = render_spec_text(no_ingress);
    assert_eq!(
        served_by(&objects, "myapp"),
        ["myapp-canary", "myapp-stable"]
    );
    assert!(!objects.iter().any(|o| o.kind() == "Ingress"));
}

fn web(release: Release) -> Component {
    Component::new("web", "")
        .port("http", 8080)
        .release(release)
}

fn render(app: &App) -> Vec<Object> {
    k8gen::render_app(app).unwrap_or_else(|e| panic!("{e:#?}"))
}

#[test]
fn replicas_split_by_weight_with_at_least_one_pod_per_track() {
    for weight in [1, 10, 50, 99] {
        for total in 1..=10 {
            let app = App::new("shop")
                .component(web(Release::canary("web:v1", "web:v2", weight)).replicas(total));
            if total == 1 {
                let errors = k8gen::render_app(&app).unwrap_err();
                assert!(
                    errors
                        .iter()
                        .any(|e| e.code == "K0111" && e.path == "components.web.replicas"),
                    "{errors:#?}"
                );
                continue;
            }
            let objects = render(&app);
            let stable = replicas_of(&objects, "shop-web-stable").unwrap();
            let canary = replicas_of(&objects, "shop-web-canary").unwrap();
            assert_eq!(stable + canary, total, "weight {weight}, {total} replicas");
            assert!(stable >= 1 && canary >= 1, "weight {weight}, {total}");
            // Rounded half up, then kept within 1..=total-1.
            let expected = ((total * weight + 50) / 100).clamp(1, total - 1);
            assert_eq!(canary, expected, "weight {weight}, {total} replicas");
        }
    }
    // Without a canary image every pod is stable; blue-green runs full size on each colour.
    let objects =
        render(&App::new("shop").component(web(Release::canary("web:v1", "", 10)).replicas(3)));
    assert_eq!(replicas_of(&objects, "shop-web-stable"), Some(3));
    assert_eq!(replicas_of(&objects, "shop-web-canary"), None);
    let objects = render(
        &App::new("shop")
            .component(web(Release::blue_green("web:v1", "web:v2", Colour::Green)).replicas(3)),
    );
    assert_eq!(replicas_of(&objects, "shop-web-blue"), Some(3));
    assert_eq!(replicas_of(&objects, "shop-web-green"), Some(3));
    // Dropping the idle colour removes its Deployment and the preview Service.
    let objects = render(
        &App::new("shop")
            .component(web(Release::blue_green("", "web:v2", Colour::Green)).replicas(3)),
    );
    let names: Vec<String> = objects
        .iter()
        .filter(|o| matches!(o.kind(), "Deployment" | "Service"))
        .map(|o| format!("{}/{}", o.kind(), o.name()))
        .collect();
    assert_eq!(names, ["Deployment/shop-web-green", "Service/shop-web"]);
}

#[test]
fn autoscalers_and_budgets_are_per_track_and_checksums_reach_every_track() {
    let mut c = web(Release::blue_green("web:v1", "web:v2", Colour::Blue)).config("MODE", "prod");
    c.autoscale = Some(Autoscale {
        min: 2,
        max: 5,
        cpu_percent: Some(70),
        memory_percent: None,
    });
    c.disruption = Some(Disruption::max_unavailable(IntOrPercent::Int(1)));
    let objects = render(&App::new("shop").component(c));
    for track in ["blue", "green"] {
        let name = format!("shop-web-{track}");
        let hpa = objects
            .iter()
            .find_map(|o| match o {
                Object::HorizontalPodAutoscaler(h) if o.name() == name => Some(h),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no autoscaler {name}"));
        let target = &hpa.spec.as_ref().unwrap().scale_target_ref;
        assert_eq!(
            (target.kind.as_str(), target.name.as_str()),
            ("Deployment", &*name)
        );
        let pdb = objects
            .iter()
            .find(|o| o.kind() == "PodDisruptionBudget" && o.name() == name)
            .unwrap();
        let selected: Vec<_> = pod_labels(&objects)
            .into_iter()
            .filter(|(_, l)| selects(&pdb.pod_selector().unwrap(), l))
            .map(|(n, _)| n)
            .collect();
        assert_eq!(selected, vec![name.clone()]);
        let pod = objects
            .iter()
            .find(|o| o.kind() == "Deployment" && o.name() == name)
            .unwrap()
            .pod()
            .unwrap();
        assert!(
            pod.meta
                .unwrap()
                .annotations
                .as_ref()
                .unwrap()
                .contains_key("checksum/config"),
            "{name}"
        );
    }
    // One NetworkPolicy covers every track.
    let policy = objects
        .iter()
        .find(|o| o.kind() == "NetworkPolicy")
        .unwrap();
    let covered = pod_labels(&objects)
        .into_iter()
        .filter(|(_, l)| selects(&policy.pod_selector().unwrap(), l))
        .count();
    assert_eq!(covered, 2);
}

#[test]
fn the_rust_api_rejects_impossible_releases_like_the_spec() {
    fn rejects(app: &App, code: &str, path: &str) {
        let errors = k8gen::render_app(app).unwrap_err();
        assert!(
            errors.iter().any(|e| e.code == code && e.path == path),
            "expected {code} at {path}, got {errors:#?}"
        );
    }
    let one = |c: Component| App::new("shop").component(c);
    for weight in [0, 100, -5] {
        rejects(
            &one(web(Release::canary("web:v1", "web:v2", weight)).replicas(4)),
            "K0113",
            "components.web.release.weight",
        );
    }
    rejects(
        &one(web(Release::blue_green("web:v1", "", Colour::Green))),
        "K0111",
        "components.web.release.active",
    );
    let mut db = web(Release::blue_green("postgres:16", "", Colour::Blue));
    db.workload = Workload::StatefulSet {
        pod_management: None,
    };
    rejects(&one(db), "K0117", "components.web.release");
    rejects(
        &one(Component::new("web", "web:v0").release(Release::canary("web:v1", "", 10))),
        "K0111",
        "components.web.image",
    );
    rejects(
        &one(web(Release::canary("web:v1", "web:v2", 10))),
        "K0111",
        "components.web.replicas",
    );
    rejects(
        &one(web(Release::canary("", "web:v2", 10)).replicas(2)),
        "K0112",
        "components.web.release",
    );
    rejects(
        &one(web(Release::blue_green("web:v1", "web:v2", Colour::Blue)))
            .component(Component::new("web-green", "other:v1")),
        "K0115",
        "components.web.release",
    );
    // Each track has its own budget: the canary's one pod cannot keep `min_available = 1`.
    let mut budgeted = web(Release::canary("web:v1", "web:v2", 10)).replicas(10);
    budgeted.disruption = Some(Disruption::min_available(IntOrPercent::Int(1)));
    rejects(
        &one(budgeted),
        "K0119",
        "components.web.disruption.min_available",
    );
    rejects(
        &one(web(Release::canary("web:v1", "Web:V2", 10)).replicas(2)),
        "K0103",
        "components.web.release.canary",
    );
}

/// The component the three release specs share, built in Rust.
fn myapp(release: Release) -> Component {
    let mut c = Component::new("myapp", "")
        .port("http", 8080)
        .release(release)
        .readiness(Probe::http("/ready"))
        .liveness(Probe {
            initial_delay_seconds: Some(5),
            ..Probe::new(ProbeAction::HttpGet {
                path: "/healthz".into(),
                port: None,
            })
        })
        .service(Switch::On(Service::on_port(80)));
    c.resources = Resources {
        requests: [("cpu", "100m"), ("memory", "128Mi")]
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .into(),
        limits: [("cpu", "500m"), ("memory", "256Mi")]
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .into(),
    };
    c
}

#[test]
fn the_rust_api_renders_each_strategy_like_its_spec() {
    let mut blue_green =
        myapp(Release::blue_green("myapp:v1", "myapp:v2", Colour::Blue)).replicas(3);
    blue_green.disruption = Some(Disruption::max_unavailable(IntOrPercent::Int(1)));

    let mut canary = myapp(Release::canary("myapp:v1", "myapp:v2", 10)).replicas(10);
    canary.network = Switch::On(Network {
        from: Some(vec![Peer::Namespace("ingress-nginx".into())]),
        to: None,
        dns: true,
    });
    let mut canary_app = App::new("myapp").namespace("canary").component(canary);
    canary_app.ingress = Some(Ingress {
        class: Some("nginx".into()),
        routes: vec![Route::new(Some("myapp.example.com"), "/", "myapp")],
        ..Default::default()
    });

    let mut argo = myapp(
        Release::canary("myapp:v1", "myapp:v2", 25).controller(ReleaseController::ArgoRollouts),
    );
    argo.autoscale = Some(Autoscale {
        min: 4,
        max: 12,
        cpu_percent: Some(70),
        memory_percent: None,
    });

    for (name, app) in [
        (
            "release-blue-green",
            App::new("myapp")
                .namespace("releases")
                .component(blue_green),
        ),
        ("release-canary", canary_app),
        (
            "release-canary-argo",
            App::new("myapp").namespace("rollouts").component(argo),
        ),
    ] {
        let from_spec = k8gen::emit::stream(&render_spec_text(&spec(&format!("{name}.toml"))));
        let from_rust = k8gen::emit::stream(&render(&app));
        assert_same(
            &format!("Rust-built {name} vs specs/{name}.toml"),
            &from_spec,
            &from_rust,
        );
    }
}
