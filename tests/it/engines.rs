//! Labels the GitOps engines own (issue 9): under Argo CD's label tracking k8gen leaves Argo
//! CD's instance label off every object's metadata and keeps it where Argo CD does not write
//! (pod templates, selectors), from the spec, the Rust builder and the platform alike; a spec
//! may not set a label or annotation Flux, Argo CD or kubectl write.

use k8gen::model::{App, Component};
use k8gen::values::ArgoTracking;
use serde_json::Value;

use crate::features::{both, errors_alike, pair};
use crate::support::*;

const INSTANCE: &str = "app.kubernetes.io/instance";

const SPEC: &str = r#"
name = "shop"
namespace = "shop"
image = "shop:v1"
ports = { http = 8080 }
[components.db]
kind = "StatefulSet"
image = "postgres:16"
ports = { postgres = 5432 }
[ingress]
routes = [{ host = "shop.example.com", to = "shop" }]
"#;

fn app(tracking: Option<ArgoTracking>) -> App {
    let mut db = Component::new("db", "postgres:16").port("postgres", 5432);
    db.workload = k8gen::model::Workload::StatefulSet {
        pod_management: None,
    };
    let mut app = App::new("shop")
        .namespace("shop")
        .component(Component::new("shop", "shop:v1").port("http", 8080))
        .component(db);
    app.ingress = Some(k8gen::model::Ingress {
        routes: vec![k8gen::model::Route {
            host: Some("shop.example.com".into()),
            component: "shop".into(),
            ..Default::default()
        }],
        ..Default::default()
    });
    if let Some(t) = tracking {
        app = app.argocd_tracking(t);
    }
    app
}

/// Every selector and pod template's labels, by object.
fn selectors_and_templates(objects: &[Value]) -> Vec<(String, Value, Value)> {
    objects
        .iter()
        .map(|o| {
            let spec = &o["spec"];
            let selector = spec["selector"].clone();
            (
                format!("{}/{}", o["kind"], o["metadata"]["name"]),
                selector,
                spec["template"]["metadata"]["labels"].clone(),
            )
        })
        .collect()
}

#[test]
fn label_tracking_leaves_argo_cds_instance_label_to_argo_cd_and_keeps_every_selector() {
    let annotation = both(SPEC, &app(None));
    let label = both(
        &format!("argocd_tracking = \"label\"\n{SPEC}"),
        &app(Some(ArgoTracking::Label)),
    );
    assert_eq!(annotation.len(), label.len());
    let mut templates = 0;
    for (a, l) in annotation.iter().zip(&label) {
        let what = format!("{}/{}", a["kind"], a["metadata"]["name"]);
        assert!(
            a["metadata"]["labels"][INSTANCE].is_string(),
            "{what}: annotation tracking keeps k8gen's instance label"
        );
        assert!(
            l["metadata"]["labels"][INSTANCE].is_null(),
            "{what}: under label tracking Argo CD writes {INSTANCE}, k8gen must not"
        );
        // Nothing else moves: the rest of the metadata labels, and the whole object.
        let mut a2 = a.clone();
        a2["metadata"]["labels"]
            .as_object_mut()
            .unwrap()
            .remove(INSTANCE);
        assert_eq!(&a2, l, "{what}: only the instance label differs");
        if !l["spec"]["template"]["metadata"]["labels"].is_null() {
            templates += 1;
            assert!(
                l["spec"]["template"]["metadata"]["labels"][INSTANCE].is_string(),
                "{what}: pod templates keep the instance label"
            );
        }
    }
    assert!(templates >= 2, "a Deployment and a StatefulSet at least");
    assert_eq!(
        selectors_and_templates(&annotation),
        selectors_and_templates(&label),
        "selectors and pod templates do not depend on the tracking method"
    );
    // `annotation+label` means the same for k8gen.
    let both_ways = both(
        &format!("argocd_tracking = \"annotation+label\"\n{SPEC}"),
        &app(Some(ArgoTracking::AnnotationLabel)),
    );
    assert_eq!(both_ways, label);
}

#[test]
fn the_platform_sets_the_tracking_method_for_every_app() {
    let layers = k8gen::Layers {
        platform: Some((
            "k8gen.toml".into(),
            "[defaults]\nargocd_tracking = \"label\"\n".into(),
        )),
        ..Default::default()
    };
    let objects = k8gen::render_layers("shop.toml", SPEC, &layers, &root(), &FsHost)
        .unwrap_or_else(|e| panic!("{e:#?}"));
    assert!(!objects.is_empty());
    for o in objects.iter().map(k8gen::Object::to_json) {
        assert!(o["metadata"]["labels"][INSTANCE].is_null(), "{o}");
    }
    // A wrong value is a shape error in the platform file.
    let layers = k8gen::Layers {
        platform: Some((
            "k8gen.toml".into(),
            "[defaults]\nargocd_tracking = \"labels\"\n".into(),
        )),
        ..Default::default()
    };
    let errors = k8gen::render_layers("shop.toml", SPEC, &layers, &root(), &FsHost).unwrap_err();
    assert!(
        errors.iter().any(|d| d.code == "K0111"
            && d.message.contains("argocd_tracking")
            && d.help.as_deref() == Some("did you mean `label`?")),
        "{errors:#?}"
    );
}

#[test]
fn a_spec_may_not_set_what_flux_argo_cd_or_kubectl_write() {
    for (key, table, engine) in [
        ("kustomize.toolkit.fluxcd.io/name", "labels", "Flux"),
        ("applyset.kubernetes.io/part-of", "labels", "kubectl"),
        ("argocd.argoproj.io/tracking-id", "annotations", "Argo CD"),
    ] {
        let toml = format!("{SPEC}\n[{table}]\n\"{key}\" = \"x\"\n");
        let mut rust = app(None);
        if table == "labels" {
            rust = rust.label(key, "x");
        } else {
            rust.annotations.insert(key.into(), "x".into());
        }
        let errors = errors_alike(&toml, &rust);
        assert!(
            errors.contains(&pair("K0102", &format!("{table}.\"{key}\".<key>"))),
            "{key}: {errors:?}"
        );
        let errors = k8gen::render_source(&toml, &root(), &FsHost).unwrap_err();
        assert!(
            errors.iter().any(|d| d.message.contains(engine)),
            "{key}: {errors:#?}"
        );
    }
    // Flux's annotations meant for users stay allowed.
    let toml =
        format!("{SPEC}\n[annotations]\n\"kustomize.toolkit.fluxcd.io/ssa\" = \"IfNotPresent\"\n");
    render_text(&toml, &root());
}
