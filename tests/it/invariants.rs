//! Properties every spec's output must have, checked on the objects, not by golden diff.

use std::collections::BTreeMap;

use k8gen::Object;

use crate::support::*;

fn deployments(objects: &[Object]) -> Vec<&k8s_openapi::api::apps::v1::Deployment> {
    objects
        .iter()
        .filter_map(|o| {
            if let Object::Deployment(d) = o {
                Some(d)
            } else {
                None
            }
        })
        .collect()
}

fn selector_of(d: &k8s_openapi::api::apps::v1::Deployment) -> BTreeMap<String, String> {
    d.spec
        .as_ref()
        .unwrap()
        .selector
        .match_labels
        .clone()
        .unwrap()
}

#[test]
fn selectors_match_templates_and_services_select_their_deployment() {
    for spec in specs() {
        let objects = render(&spec);
        for d in deployments(&objects) {
            let selector = selector_of(d);
            assert!(!selector.is_empty());
            let template = d
                .spec
                .as_ref()
                .unwrap()
                .template
                .metadata
                .as_ref()
                .unwrap()
                .labels
                .clone()
                .unwrap();
            for (k, v) in &selector {
                assert_eq!(
                    template.get(k),
                    Some(v),
                    "{spec:?}: selector label {k} missing from the pod template"
                );
            }
            assert!(
                !selector.contains_key("app.kubernetes.io/version"),
                "version must never be in a selector"
            );
        }
        for o in &objects {
            let Object::Service(svc) = o else { continue };
            let sel = svc.spec.as_ref().unwrap().selector.clone().unwrap();
            let target = deployments(&objects)
                .into_iter()
                .find(|d| selector_of(d) == sel);
            assert!(
                target.is_some(),
                "{spec:?}: Service {} selects no Deployment exactly",
                o.name()
            );
        }
    }
}

#[test]
fn selectors_do_not_change_with_image_or_version() {
    for spec in specs() {
        let source = std::fs::read_to_string(&spec).unwrap();
        let bumped = source
            .lines()
            .map(|l| {
                if l.starts_with("image = ") {
                    "image = \"registry.example.com/other/image:v999\"\nversion = \"9.9.9\""
                        .to_string()
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        let before = render(&spec);
        let after = render_text(&bumped, spec.parent().unwrap());
        let sel = |objs: &[Object]| {
            deployments(objs)
                .iter()
                .map(|d| selector_of(d))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            sel(&before),
            sel(&after),
            "{spec:?}: selector changed with the image"
        );
        // ...while the version label does change, so the test would notice a selector with it.
        let versions = |objs: &[Object]| {
            deployments(objs)
                .iter()
                .map(|d| {
                    d.metadata
                        .labels
                        .as_ref()
                        .unwrap()
                        .get("app.kubernetes.io/version")
                        .cloned()
                })
                .collect::<Vec<_>>()
        };
        if source.lines().any(|l| l.starts_with("image = ")) {
            assert_ne!(versions(&before), versions(&after));
        }
    }
}

#[test]
fn every_object_has_the_recommended_labels_and_documents_start_with_api_version() {
    for spec in specs() {
        for o in render(&spec) {
            let labels = o.metadata().labels.clone().unwrap_or_default();
            for key in [
                "app.kubernetes.io/name",
                "app.kubernetes.io/part-of",
                "app.kubernetes.io/managed-by",
            ] {
                assert!(
                    labels.contains_key(key),
                    "{} {} lacks {key}",
                    o.kind(),
                    o.name()
                );
            }
            assert_eq!(labels["app.kubernetes.io/managed-by"], "k8gen");
            if o.kind() != "Namespace" {
                for key in ["app.kubernetes.io/instance", "app.kubernetes.io/component"] {
                    assert!(
                        labels.contains_key(key),
                        "{} {} lacks {key}",
                        o.kind(),
                        o.name()
                    );
                }
            }
            let doc = k8gen::emit::document(&o);
            let first: Vec<&str> = doc.lines().take(4).collect();
            assert_eq!(first[0], format!("apiVersion: {}", o.api_version()));
            assert_eq!(first[1], format!("kind: {}", o.kind()));
            assert_eq!(first[2], "metadata:");
            assert_eq!(first[3], format!("  name: {}", o.name()));
        }
    }
}

#[test]
fn secrets_are_base64_data_never_string_data() {
    let objects = render(&root().join("specs/task-tracker.toml"));
    let secret = objects
        .iter()
        .find_map(|o| {
            if let Object::Secret(s) = o {
                Some(s)
            } else {
                None
            }
        })
        .unwrap();
    assert!(secret.string_data.is_none());
    let yaml = k8gen::emit::document(&Object::Secret(secret.clone()));
    let sample = std::fs::read(root().join("specs/task-tracker.files/db-password.sample")).unwrap();
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(&sample);
    assert!(yaml.contains(&format!("DB_PASSWORD: {encoded}")), "{yaml}");
}

#[test]
fn objects_come_in_apply_order() {
    for spec in specs() {
        let objects = render(&spec);
        let ranks: Vec<usize> = objects
            .iter()
            .map(|o| k8gen::transform::kind_rank(o.kind()))
            .collect();
        assert!(
            ranks.windows(2).all(|w| w[0] <= w[1]),
            "{spec:?}: {ranks:?}"
        );
        if let Some(first) = objects.first()
            && objects.iter().any(|o| o.kind() == "Namespace")
        {
            assert_eq!(first.kind(), "Namespace");
        }
    }
}

#[test]
fn changing_a_config_value_changes_the_pod_checksum_only() {
    let spec = root().join("specs/task-tracker.toml");
    let source = std::fs::read_to_string(&spec).unwrap();
    let changed = source.replace("LOG_LEVEL = \"info\"", "LOG_LEVEL = \"debug\"");
    assert_ne!(source, changed);
    let ann = |objs: &[Object]| {
        deployments(objs)[0]
            .spec
            .as_ref()
            .unwrap()
            .template
            .metadata
            .as_ref()
            .unwrap()
            .annotations
            .clone()
            .unwrap()
    };
    let a = ann(&render(&spec));
    let b = ann(&render_text(&changed, spec.parent().unwrap()));
    assert_ne!(a["checksum/config"], b["checksum/config"]);
    assert_eq!(a["checksum/secret"], b["checksum/secret"]);
}
