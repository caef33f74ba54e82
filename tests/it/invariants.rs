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

/// The metadata of a Deployment's pod template.
fn pod_meta(
    d: &k8s_openapi::api::apps::v1::Deployment,
) -> &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
    d.spec.as_ref().unwrap().template.metadata.as_ref().unwrap()
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
            let template = pod_meta(d).labels.clone().unwrap();
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
        // Services select exactly what their workload selects (Deployment or StatefulSet).
        let workload_selectors: Vec<BTreeMap<String, String>> = objects
            .iter()
            .filter_map(|w| w.to_json().pointer("/spec/selector/matchLabels").cloned())
            .map(|v| serde_json::from_value(v).unwrap())
            .collect();
        for o in &objects {
            let Object::Service(svc) = o else { continue };
            let Some(sel) = svc.spec.as_ref().unwrap().selector.clone() else {
                continue;
            };
            // A canary's Service selects every track: each workload it covers selects it
            // plus the track label only.
            let tracks_of_one = {
                let covered: Vec<_> = workload_selectors
                    .iter()
                    .filter(|w| sel.iter().all(|(k, v)| w.get(k) == Some(v)))
                    .collect();
                !covered.is_empty()
                    && covered.iter().all(|w| {
                        let mut w = (*w).clone();
                        w.remove("k8gen.io/track");
                        w == sel
                    })
            };
            assert!(
                workload_selectors.contains(&sel) || tracks_of_one,
                "{spec:?}: Service {} selects differently from every workload",
                o.name()
            );
        }
    }
}

#[test]
fn selectors_do_not_change_with_image_or_version() {
    for spec in specs() {
        let source = std::fs::read_to_string(&spec).unwrap();
        // Bump every component's image and version (not those of sidecars, `[[...]]` tables).
        let mut in_array_table = false;
        let bumped = source
            .lines()
            .map(|l| {
                if l.starts_with('[') {
                    in_array_table = l.starts_with("[[");
                }
                if l.starts_with("image = ") && !in_array_table {
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
            // Passthrough objects are written as they are (tests/it/passthrough.rs).
            if matches!(o, Object::Passthrough(_)) {
                continue;
            }
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
            assert!(
                labels.contains_key("app.kubernetes.io/instance"),
                "{} {} lacks instance",
                o.kind(),
                o.name()
            );
            // Objects of one component (not the app-wide ones) also say which component.
            let app_wide = [
                "Namespace",
                "ResourceQuota",
                "LimitRange",
                "Ingress",
                "Application",
            ];
            if !app_wide.contains(&o.kind()) {
                assert!(
                    labels.contains_key("app.kubernetes.io/component"),
                    "{} {} lacks component",
                    o.kind(),
                    o.name()
                );
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
        // A passthrough object ranks by its own rule (CRDs first, custom resources last).
        let ranks: Vec<usize> = objects.iter().map(Object::rank).collect();
        assert!(
            ranks.windows(2).all(|w| w[0] <= w[1]),
            "{spec:?}: {ranks:?}"
        );
        for o in &objects {
            if !matches!(o, Object::Passthrough(_)) {
                assert_eq!(
                    k8gen::KINDS.iter().position(|k| *k == o.kind()),
                    Some(o.rank())
                );
            }
        }
        if let Some(first) = objects
            .iter()
            .find(|o| o.kind() != "CustomResourceDefinition")
            && objects.iter().any(|o| o.kind() == "Namespace")
        {
            assert_eq!(first.kind(), "Namespace");
        }
        if let Some(i) = objects
            .iter()
            .position(|o| o.kind() == "CustomResourceDefinition")
        {
            assert!(
                objects[..i]
                    .iter()
                    .all(|o| o.kind() == "CustomResourceDefinition")
            );
        }
    }
}

#[test]
fn changing_a_config_value_changes_the_pod_checksum_only() {
    let spec = root().join("specs/task-tracker.toml");
    let source = std::fs::read_to_string(&spec).unwrap();
    let changed = source.replace("LOG_LEVEL = \"info\"", "LOG_LEVEL = \"debug\"");
    assert_ne!(source, changed);
    let ann = |objs: &[Object]| pod_meta(deployments(objs)[0]).annotations.clone().unwrap();
    let a = ann(&render(&spec));
    let b = ann(&render_text(&changed, spec.parent().unwrap()));
    assert_ne!(a["checksum/config"], b["checksum/config"]);
    assert_eq!(a["checksum/secret"], b["checksum/secret"]);
}

/// Labels of each workload's pods, with the workload's kind and name.
fn pod_label_sets(objects: &[Object]) -> Vec<(String, String, BTreeMap<String, String>)> {
    objects
        .iter()
        .filter_map(|o| {
            let labels = o.pod()?.labels();
            Some((o.kind().to_string(), o.name().to_string(), labels))
        })
        .collect()
}

fn selects(selector: &BTreeMap<String, String>, labels: &BTreeMap<String, String>) -> bool {
    selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

fn match_labels(v: Option<&serde_json::Value>) -> BTreeMap<String, String> {
    v.map(|v| serde_json::from_value(v.clone()).unwrap())
        .unwrap_or_default()
}

fn has(objects: &[Object], kind: &str, name: &str) -> bool {
    objects.iter().any(|o| o.kind() == kind && o.name() == name)
}

#[test]
fn every_reference_points_at_something_in_the_same_output() {
    for spec in specs() {
        let objects = render(&spec);
        let pods = pod_label_sets(&objects);
        // How many workloads a selector picks: 1, or with a release several tracks of one
        // component (then counted as one; a selector over two components counts them all).
        let selected = |sel: &BTreeMap<String, String>| {
            let picked: Vec<_> = pods.iter().filter(|(_, _, l)| selects(sel, l)).collect();
            let instances: std::collections::BTreeSet<_> = picked
                .iter()
                .map(|(_, _, l)| l.get("app.kubernetes.io/instance"))
                .collect();
            let released = picked
                .iter()
                .all(|(_, _, l)| l.contains_key("k8gen.io/track"));
            if released && instances.len() == 1 {
                1
            } else {
                picked.len()
            }
        };
        for o in &objects {
            let json = o.to_json();
            let what = format!("{spec:?} {} {}", o.kind(), o.name());
            match o.kind() {
                "Service"
                    if json.pointer("/spec/type").and_then(|t| t.as_str())
                        != Some("ExternalName") =>
                {
                    let sel = match_labels(json.pointer("/spec/selector"));
                    assert!(!sel.is_empty(), "{what}: no selector");
                    assert_eq!(
                        selected(&sel),
                        1,
                        "{what}: selects {} workloads",
                        selected(&sel)
                    );
                }
                "PodDisruptionBudget" => {
                    let sel = match_labels(json.pointer("/spec/selector/matchLabels"));
                    assert_eq!(selected(&sel), 1, "{what}");
                }
                "NetworkPolicy" => {
                    let sel = match_labels(json.pointer("/spec/podSelector/matchLabels"));
                    assert_eq!(selected(&sel), 1, "{what}");
                    for rules in ["/spec/ingress", "/spec/egress"] {
                        for rule in json
                            .pointer(rules)
                            .and_then(|r| r.as_array())
                            .into_iter()
                            .flatten()
                        {
                            for peer in rule
                                .get("from")
                                .or(rule.get("to"))
                                .and_then(|p| p.as_array())
                                .into_iter()
                                .flatten()
                            {
                                if peer.get("namespaceSelector").is_none()
                                    && peer.get("ipBlock").is_none()
                                {
                                    let sel =
                                        match_labels(peer.pointer("/podSelector/matchLabels"));
                                    assert_eq!(selected(&sel), 1, "{what}: peer {peer}");
                                }
                            }
                        }
                    }
                }
                "HorizontalPodAutoscaler" => {
                    let kind = json
                        .pointer("/spec/scaleTargetRef/kind")
                        .unwrap()
                        .as_str()
                        .unwrap();
                    let name = json
                        .pointer("/spec/scaleTargetRef/name")
                        .unwrap()
                        .as_str()
                        .unwrap();
                    assert!(
                        has(&objects, kind, name),
                        "{what}: targets missing {kind}/{name}"
                    );
                    let target = objects
                        .iter()
                        .find(|t| t.kind() == kind && t.name() == name)
                        .unwrap();
                    assert!(
                        target.to_json().pointer("/spec/replicas").is_none(),
                        "{what}: target also sets replicas"
                    );
                }
                "StatefulSet" => {
                    let svc = json.pointer("/spec/serviceName").unwrap().as_str().unwrap();
                    let service = objects
                        .iter()
                        .find(|s| s.kind() == "Service" && s.name() == svc);
                    let service = service
                        .unwrap_or_else(|| panic!("{what}: no Service {svc}"))
                        .to_json();
                    assert_eq!(
                        service.pointer("/spec/clusterIP").and_then(|c| c.as_str()),
                        Some("None"),
                        "{what}: {svc} is not headless"
                    );
                }
                "Ingress" => {
                    for rule in json.pointer("/spec/rules").unwrap().as_array().unwrap() {
                        for path in rule.pointer("/http/paths").unwrap().as_array().unwrap() {
                            let name = path
                                .pointer("/backend/service/name")
                                .unwrap()
                                .as_str()
                                .unwrap();
                            let port = path
                                .pointer("/backend/service/port/name")
                                .unwrap()
                                .as_str()
                                .unwrap();
                            let svc = objects
                                .iter()
                                .find(|s| s.kind() == "Service" && s.name() == name);
                            let svc = svc
                                .unwrap_or_else(|| panic!("{what}: no Service {name}"))
                                .to_json();
                            let ports = svc.pointer("/spec/ports").unwrap().as_array().unwrap();
                            assert!(
                                ports.iter().any(|p| p["name"] == port),
                                "{what}: {name} has no port {port}"
                            );
                        }
                    }
                }
                _ => {}
            }
            // Every ConfigMap, Secret and claim a pod reads is in the output.
            let json_refs = |key: &str| -> Vec<String> {
                let mut out = Vec::new();
                collect(&json, key, &mut out);
                out
            };
            for name in json_refs("configMapKeyRef")
                .into_iter()
                .chain(json_refs("configMapRef"))
            {
                assert!(
                    has(&objects, "ConfigMap", &name),
                    "{what}: reads missing ConfigMap {name}"
                );
            }
            for name in json_refs("secretKeyRef")
                .into_iter()
                .chain(json_refs("secretRef"))
            {
                assert!(
                    has(&objects, "Secret", &name) || has(&objects, "ExternalSecret", &name),
                    "{what}: reads missing Secret {name}"
                );
            }
        }
    }
}

/// Collects `name` fields of every object under `key` anywhere in `json`.
fn collect(json: &serde_json::Value, key: &str, out: &mut Vec<String>) {
    match json {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                if k == key
                    && let Some(name) = v.get("name").and_then(|n| n.as_str())
                {
                    out.push(name.to_string());
                }
                collect(v, key, out);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|i| collect(i, key, out)),
        _ => {}
    }
}

#[test]
fn config_files_that_are_not_utf8_go_to_binary_data() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("logo.png"),
        [0x89, b'P', b'N', b'G', 0xff, 0x00],
    )
    .unwrap();
    std::fs::write(tmp.path().join("app.conf"), "listen = 8080\n").unwrap();
    let spec = "name = \"web\"\nimage = \"web:v1\"\n[config]\n\"logo.png\" = { file = \"logo.png\" }\n\"app.conf\" = { file = \"app.conf\" }\n";
    let objects = render_text(spec, tmp.path());
    let Some(Object::ConfigMap(cm)) = objects.iter().find(|o| o.kind() == "ConfigMap") else {
        panic!("no ConfigMap")
    };
    assert_eq!(cm.data.as_ref().unwrap()["app.conf"], "listen = 8080\n");
    assert_eq!(
        cm.binary_data.as_ref().unwrap()["logo.png"].0,
        vec![0x89, b'P', b'N', b'G', 0xff, 0x00]
    );
    let yaml = k8gen::emit::document(
        &objects
            .iter()
            .find(|o| o.kind() == "ConfigMap")
            .unwrap()
            .clone(),
    );
    use base64::Engine;
    let encoded =
        base64::engine::general_purpose::STANDARD.encode([0x89, b'P', b'N', b'G', 0xff, 0x00]);
    assert!(yaml.contains(&format!("logo.png: {encoded}")), "{yaml}");
}

#[test]
fn every_workload_kind_exposes_its_pods_and_kinds_rank_in_apply_order() {
    // The README's apply order; ranks come from the `objects!` list alone.
    assert_eq!(
        k8gen::KINDS,
        [
            "Namespace",
            "ResourceQuota",
            "LimitRange",
            "NetworkPolicy",
            "ServiceAccount",
            "Secret",
            "ExternalSecret",
            "ConfigMap",
            "PersistentVolumeClaim",
            "ClusterRole",
            "ClusterRoleBinding",
            "Role",
            "RoleBinding",
            "Deployment",
            "StatefulSet",
            "Rollout",
            "Job",
            "CronJob",
            "Pod",
            "Service",
            "Ingress",
            "HorizontalPodAutoscaler",
            "PodDisruptionBudget",
            "Application",
        ]
    );
    let workload_kinds = [
        "Deployment",
        "StatefulSet",
        "Rollout",
        "Job",
        "CronJob",
        "Pod",
    ];
    for spec in specs() {
        for o in render(&spec) {
            if matches!(o, Object::Passthrough(_)) {
                assert!(o.pod().is_none() && o.pod_selector().is_none());
                continue;
            }
            assert_eq!(
                Some(o.rank()),
                k8gen::KINDS.iter().position(|k| *k == o.kind())
            );
            let is_workload = workload_kinds.contains(&o.kind());
            assert_eq!(o.pod().is_some(), is_workload, "{} {}", o.kind(), o.name());
            if is_workload {
                let pod = o.pod().unwrap();
                assert!(!pod.labels().is_empty(), "{} {}", o.kind(), o.name());
                if let Some(selector) = o.pod_selector() {
                    // k8gen writes matchLabels only: a subset of the pod's labels.
                    assert!(selector.match_expressions.is_none());
                    let labels = pod.labels();
                    assert!(
                        (selector.match_labels.iter().flatten())
                            .all(|(k, v)| labels.get(k) == Some(v))
                    );
                }
            }
        }
    }
}
