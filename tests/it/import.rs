//! `k8gen import` (issue 10): the round-trip law (`k8gen::import::verify`: the imported spec
//! renders the input's objects, same fields and values, only k8gen's additions beside) on the
//! peers' task tracker as Helm, cdk8s and KCL render it, the Kubernetes guestbook, a live
//! app as `kubectl get -o yaml` prints it, and `helm template` of the peers' chart; selectors
//! kept byte for byte; secret values never in the spec; the per-document report; the CLI.

use std::path::Path;

use k8gen::import::{self, Change, Imported, Outcome, Source};
use serde_json::Value;

use crate::support::*;

/// One source written in the test itself.
fn inline(name: &str, text: &str) -> [Source; 1] {
    [Source {
        name: name.to_string(),
        text: text.to_string(),
    }]
}

fn source(path: &Path) -> Source {
    Source {
        name: path.display().to_string(),
        text: std::fs::read_to_string(path).unwrap(),
    }
}

/// Lines that are neither blank nor comments.
fn lines(text: &str) -> usize {
    text.lines()
        .filter(|l| {
            let t = l.trim();
            !t.is_empty() && !t.starts_with('#') && t != "---"
        })
        .count()
}

/// Imports, asserts the round trip (no difference but k8gen's additions, no render error)
/// and returns the result; prints spec lines / YAML lines.
fn round_trip(what: &str, sources: &[Source], name: Option<&str>) -> Imported {
    round_trip_with(
        what,
        sources,
        &import::Options {
            name: name.map(str::to_string),
            ..Default::default()
        },
    )
}

/// [`round_trip`] with the importer's options.
fn round_trip_with(what: &str, sources: &[Source], options: &import::Options) -> Imported {
    let imported = import::import_with(sources, options);
    assert!(
        imported.errors.is_empty(),
        "{what}: the imported spec does not render: {:?}\n{}",
        imported.errors,
        imported.spec
    );
    let lost: Vec<String> = imported
        .differences
        .iter()
        .filter(|d| !d.is_addition())
        .map(ToString::to_string)
        .collect();
    assert!(
        lost.is_empty(),
        "{what}: the render differs from the input:\n{}\n\nspec:\n{}",
        lost.join("\n"),
        imported.spec
    );
    // The law again, from the outside: the same function the CLI's --verify uses.
    let again = import::verify_with(
        &imported.original,
        &imported.spec,
        &imported.secrets,
        imported.labels,
    )
    .unwrap();
    assert_eq!(again, imported.differences, "{what}");
    // No NetworkPolicy the input does not have: it could block traffic that flows today.
    let policies: Vec<String> = imported
        .differences
        .iter()
        .filter(|d| d.change == Change::AddedObject && d.object.starts_with("NetworkPolicy/"))
        .map(ToString::to_string)
        .collect();
    assert!(policies.is_empty(), "{what}: {policies:?}");
    let yaml: usize = sources.iter().map(|s| lines(&s.text)).sum();
    eprintln!(
        "import {what}: {} spec lines for {yaml} YAML lines ({} objects, {} patched fields)",
        lines(&imported.spec),
        imported.original.len(),
        imported
            .report
            .iter()
            .map(|r| match r.outcome {
                Outcome::Imported { patched, .. } => patched,
                Outcome::Kept | Outcome::Skipped(_) => 0,
            })
            .sum::<usize>()
    );
    imported
}

/// Asserts that `spec` has each of `keys` (lines or parts of lines).
#[track_caller]
fn has(spec: &str, keys: &[&str]) {
    for key in keys {
        assert!(spec.contains(key), "{key} not in\n{spec}");
    }
}

/// The JSON pointers the spec's `[[patches]]` set.
fn patched(spec: &str) -> Vec<&str> {
    spec.lines()
        .filter(|l| l.starts_with("set."))
        .map(|l| l.split('"').nth(1).unwrap())
        .collect()
}

fn peers() -> std::path::PathBuf {
    root().join("../shared/peers")
}

#[test]
fn the_peers_task_tracker_round_trips_from_helm_cdk8s_and_kcl() {
    let dir = peers().join("reference");
    let mut seen = 0;
    for tool in ["helm", "cdk8s", "kcl"] {
        let path = dir.join(format!("{tool}-task-tracker.yaml"));
        if !path.exists() {
            eprintln!("skipped {tool}: {} is not there", path.display());
            continue;
        }
        seen += 1;
        let imported = round_trip(tool, &[source(&path)], None);
        // Every document became part of the spec.
        for r in &imported.report {
            assert!(matches!(r.outcome, Outcome::Imported { .. }), "{tool}: {r}");
        }
        // Secret values are references, never values.
        for (_, value) in &imported.secrets {
            assert!(
                !imported.spec.contains(value.as_str()),
                "{tool}: a secret value is in the spec"
            );
        }
        assert!(
            imported
                .spec
                .contains("{ env = \"TASK_TRACKER_DB_PASSWORD\" }")
        );
        // Close to the hand-written spec (23 lines).
        let ours = lines(&std::fs::read_to_string(root().join("specs/task-tracker.toml")).unwrap());
        let got = lines(&imported.spec);
        assert!(
            got <= ours + 25,
            "{tool}: {got} spec lines, specs/task-tracker.toml has {ours}:\n{}",
            imported.spec
        );
        // What still needs a patch: cdk8s's `app` label on the Deployment, its pod
        // template, the ConfigMap and the Secret (its selector is kept by `selector`); no
        // key sets one label on some objects only.
        let patched = patched(&imported.spec);
        assert!(
            patched.iter().all(|p| p.ends_with("/labels/app")),
            "{tool}: {patched:?}"
        );
        assert_eq!(patched.len(), if tool == "cdk8s" { 4 } else { 0 }, "{tool}");
        if tool == "helm" {
            assert!(
                got <= ours + 2,
                "helm: {got} lines vs {ours}:\n{}",
                imported.spec
            );
            assert!(!imported.spec.contains("[[patches]]"), "{}", imported.spec);
        }
    }
    assert!(seen > 0, "no reference render found in {}", dir.display());
}

/// `(Kind/name, selector)` of every workload and Service (maps compare as sets of labels).
fn selectors(objects: &[Value]) -> Vec<(String, Value)> {
    objects
        .iter()
        .filter_map(|o| {
            let sel = o.pointer("/spec/selector/matchLabels").or_else(|| {
                match o.get("kind")?.as_str()? {
                    "Service" => o.pointer("/spec/selector"),
                    _ => None,
                }
            })?;
            let id = format!("{}/{}", o["kind"], o["metadata"]["name"]);
            Some((id, sel.clone()))
        })
        .collect()
}

#[test]
fn the_guestbook_is_taken_over_with_its_selectors_byte_for_byte() {
    let path = root().join("tests/import/guestbook-all-in-one.yaml");
    let imported = round_trip("guestbook", &[source(&path)], Some("guestbook"));
    let rendered = import::render(&imported.spec, &imported.secrets).unwrap();
    let want = selectors(&imported.original);
    let got = selectors(&rendered);
    assert_eq!(want.len(), 6);
    for w in &want {
        assert!(got.contains(w), "{w:?} not rendered; got {got:?}");
    }
    // Kept by keys, not patches: selectors and names.
    has(
        &imported.spec,
        &[
            "selector = { app = \"redis\", role = \"master\", tier = \"backend\" }",
            "names = { workload = \"frontend\" }",
            "container = \"php-redis\"",
        ],
    );
    // Nothing is left for a patch: the container names are `container` keys.
    assert!(!imported.spec.contains("[[patches]]"), "{}", imported.spec);
    assert!(
        !imported.spec.contains("/spec/selector"),
        "{}",
        imported.spec
    );
}

#[test]
fn a_live_app_drops_server_fields_reports_each_document_and_keeps_secrets_out() {
    let path = root().join("tests/import/shop-live.yaml");
    let imported = round_trip("shop-live", &[source(&path)], Some("shop"));
    assert!(imported.dropped > 30, "{}", imported.dropped);
    for server in [
        "resourceVersion",
        "uid",
        "10.96.12.34",
        "managedFields",
        "last-applied",
    ] {
        assert!(
            !imported.spec.contains(server),
            "{server} in\n{}",
            imported.spec
        );
    }
    assert!(!imported.spec.contains("correct horse"));
    assert_eq!(
        imported.secrets,
        vec![(
            "SHOP_WEB_DB_PASSWORD".to_string(),
            "correct horse battery staple".to_string()
        )]
    );
    let report: Vec<String> = imported.report.iter().map(ToString::to_string).collect();
    let line = |needle: &str| {
        report
            .iter()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no report line for {needle}: {report:#?}"))
            .clone()
    };
    assert!(line("Ingress/shop").contains("#1 item 7: imported Ingress/shop into ingress"));
    assert!(line("HorizontalPodAutoscaler/shop-web").contains("into web"));
    assert!(line("Service/orders-db").contains("skipped"));
    assert!(line("ServiceMonitor/shop-web").contains("does not import ServiceMonitor"));
    // Keys, not patches, for what the spec can say.
    has(
        &imported.spec,
        &[
            "label_scheme = \"app\"",
            "labels = { team = \"checkout\" }",
            "autoscale = { min = 2, max = 6, cpu = 70 }",
            "disruption = { min_available = 1 }",
            "DB_PASSWORD = { secret = \"DB_PASSWORD\" }",
            "POD_NAME = { field = \"metadata.name\" }",
            "[[components.web.init]]",
            "[[components.web.sidecars]]",
            "to = \"web:http\"",
            "replicas = 2",
            "ports = { metrics = 9102 }",
        ],
    );
    // The initial count beside the autoscaler and the sidecar's port are keys (they were
    // patches): nothing is patched.
    assert!(!imported.spec.contains("[[patches]]"), "{}", imported.spec);
}

#[test]
fn an_ingress_not_named_like_the_app_keeps_its_name_by_key() {
    // The live shop imported as app `store`: its Ingress `shop` is the only one.
    let path = root().join("tests/import/shop-live.yaml");
    let imported = round_trip("shop-live as store", &[source(&path)], Some("store"));
    has(&imported.spec, &["[ingress]\nname = \"shop\""]);
    assert!(
        imported.report.iter().any(|r| r.object == "Ingress/shop"
            && matches!(r.outcome, Outcome::Imported { patched: 0, .. })),
        "{:#?}",
        imported.report
    );
}

#[test]
fn the_online_boutique_needs_patches_only_for_what_no_key_says() {
    let path = root().join("tests/import/online-boutique-subset.yaml");
    let imported = round_trip("online-boutique", &[source(&path)], Some("boutique"));
    has(
        &imported.spec,
        &[
            "label_scheme = \"app\"",
            "ports = { grpc = 8080 }",
            "service = { port = 5000 }",
            "redis-data = { mount = \"/data\" }",
            "pod_annotations = { \"sidecar.istio.io/rewriteAppHTTPProbers\" = \"true\" }",
            "liveness = { exec = [\"/bin/grpc_health_probe\", \"-addr=:8080\"], period_seconds = 5 }",
        ],
    );
    // Container names, the grace period and probe headers are keys (they were the eight
    // patched fields before): nothing is patched.
    has(
        &imported.spec,
        &[
            "container = \"server\"",
            "container = \"redis\"",
            "termination_grace_period_seconds = 5",
            "headers = { Cookie = \"shop_session-id=x-readiness-probe\" }",
        ],
    );
    assert!(!imported.spec.contains("[[patches]]"), "{}", imported.spec);
}

#[test]
fn k8gens_own_renders_round_trip() {
    // Whatever k8gen renders from specs/, imported back, renders the same objects (of those
    // the import takes: a Rollout-only app imports nothing and says so).
    let mut imported_any = 0;
    for spec in specs() {
        let yaml = k8gen::emit::stream(&render(&spec));
        let name = spec.file_stem().unwrap().to_str().unwrap().to_string();
        let sources = [Source {
            name: name.clone(),
            text: yaml,
        }];
        let result = import::import(&sources, None, &name);
        if !result.imported_any() {
            eprintln!("import {name}: nothing imported (its workload kinds are not imported)");
            continue;
        }
        imported_any += 1;
        let back = round_trip(&format!("render of {name}"), &sources, None);
        if name == "boutique" {
            // gRPC probes, container names, the grace period, probe headers, the pod's user
            // and an existing ServiceAccount are keys: the render imports without a patch.
            has(
                &back.spec,
                &[
                    "liveness = { grpc = 7070, initial_delay_seconds = 15 }",
                    "container = \"server\"",
                    "security = { run_as_user = 1000 }",
                    "service_account = \"boutique-cartservice\"",
                    "services.external = { type = \"LoadBalancer\", port = 80 }",
                ],
            );
            assert!(!back.spec.contains("[[patches]]"), "{}", back.spec);
            assert!(
                back.report
                    .iter()
                    .any(|r| r.object == "Service/boutique-frontend-external"
                        && matches!(r.outcome, Outcome::Imported { patched: 0, .. })),
                "{:#?}",
                back.report
            );
        }
        if name == "bookstore" {
            // A sidecar's resources are a key of its `[[sidecars]]` table, not a patch.
            has(&back.spec, &["resources = { requests = { cpu = \"20m\""]);
            assert!(
                !patched(&back.spec).contains(&"/spec/template/spec/containers/1/resources"),
                "{}",
                back.spec
            );
        }
        if name == "guestbook-legacy" {
            // Relaxed security (images that start as root) is `security` keys, not patches,
            // and an explicit `readOnlyRootFilesystem: false` is kept: k8gen does not turn it
            // into `true` (an addition the law would let through).
            assert!(
                !back
                    .differences
                    .iter()
                    .any(|d| d.pointer.ends_with("/readOnlyRootFilesystem")),
                "{:#?}",
                back.differences
            );
            has(
                &back.spec,
                &[
                    // The image's user, as the spec says (`run_as_user = false`): k8gen's
                    // UID is not added to a security context that names none.
                    "security = { run_as_user = false, run_as_non_root = false, read_only_root_filesystem = false, capabilities = [\"NET_BIND_SERVICE\", \"SETUID\", \"SETGID\"] }",
                ],
            );
            assert!(!back.spec.contains("[[patches]]"), "{}", back.spec);
        }
        if name == "podinfo" {
            // The Service's subset of the container ports is a key; what still needs a patch
            // is what the spec has no key for: the Deployment's minReadySeconds,
            // progressDeadlineSeconds and revisionHistoryLimit.
            has(&back.spec, &["service = { ports = [\"http\", \"grpc\"] }"]);
            let patched = patched(&back.spec);
            assert_eq!(
                patched,
                [
                    "/spec/minReadySeconds",
                    "/spec/progressDeadlineSeconds",
                    "/spec/revisionHistoryLimit"
                ],
                "{}",
                back.spec
            );
        }
    }
    assert!(imported_any >= 6, "{imported_any}");
}

#[test]
fn the_law_sees_a_changed_value_a_missing_field_and_a_missing_object() {
    let path = root().join("tests/import/guestbook-all-in-one.yaml");
    let imported = import::import(&[source(&path)], Some("guestbook"), "app");
    let mut rendered = import::render(&imported.spec, &imported.secrets).unwrap();
    assert!(
        import::compare(&imported.original, &rendered)
            .iter()
            .all(|d| d.is_addition())
    );
    let frontend = rendered
        .iter_mut()
        .find(|o| o["kind"] == "Deployment" && o["metadata"]["name"] == "frontend")
        .unwrap();
    frontend["spec"]["replicas"] = 4.into();
    frontend["spec"]["template"]["spec"]["containers"][0]
        .as_object_mut()
        .unwrap()
        .remove("env");
    rendered.retain(|o| o["metadata"]["name"] != "redis-replica" || o["kind"] != "Service");
    let diffs = import::compare(&imported.original, &rendered);
    let lost: Vec<&Change> = diffs
        .iter()
        .filter(|d| !d.is_addition())
        .map(|d| &d.change)
        .collect();
    assert!(lost.contains(&&Change::Changed {
        original: 3.into(),
        rendered: 4.into()
    }));
    assert!(
        lost.iter()
            .any(|c| matches!(c, Change::Missing(Value::Array(_))))
    );
    assert!(lost.contains(&&Change::MissingObject));
    assert_eq!(lost.len(), 3, "{diffs:#?}");
}

#[test]
fn helm_template_of_the_peers_chart_round_trips() {
    // K8GEN_HELM (CI exports it beside K8GEN_KUBECTL), else the peers' install, else PATH.
    let candidates: Vec<std::path::PathBuf> = match std::env::var_os("K8GEN_HELM") {
        Some(h) => vec![h.into()],
        None => vec![peers().join("bin/helm"), "helm".into()],
    };
    let helm = candidates.into_iter().find(|h| {
        std::process::Command::new(h)
            .arg("version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    let Some(helm) = helm else {
        assert!(
            std::env::var_os("K8GEN_REQUIRE_HELM").is_none(),
            "K8GEN_REQUIRE_HELM is set and helm does not run (K8GEN_HELM={:?})",
            std::env::var_os("K8GEN_HELM")
        );
        eprintln!(
            "skipped: helm is not installed (set K8GEN_HELM or run ../shared/peers/install-helm-kubectl.sh)"
        );
        return;
    };
    for (chart, extra) in [
        ("task-tracker", vec![]),
        ("task-tracker-multi", vec!["--set", "count=3"]),
    ] {
        let out = std::process::Command::new(&helm)
            .args(["template", "task-tracker"])
            .arg(peers().join("helm-chart").join(chart))
            .args(&extra)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let imported = round_trip(
            &format!("helm template {chart}"),
            &[Source {
                name: chart.to_string(),
                text,
            }],
            None,
        );
        assert!(
            imported
                .report
                .iter()
                .all(|r| matches!(r.outcome, Outcome::Imported { .. })),
            "{:#?}",
            imported.report
        );
        // What still needs a patch: Helm's `app.kubernetes.io/name` = the chart's name in
        // the selectors of the instances not named like it (k8gen's value is the key). The
        // container names are `container` keys now.
        for p in patched(&imported.spec) {
            assert!(p.contains("app.kubernetes.io~1name"), "{chart}: {p}");
        }
    }
}

#[test]
fn the_cli_writes_the_spec_secrets_and_report_and_fails_only_when_nothing_imports() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("guestbook.toml");
    let secrets = dir.path().join("secrets");
    let input = root().join("tests/import/shop-live.yaml");
    let out = k8gen(&[
        "import",
        input.to_str().unwrap(),
        "--name",
        "shop",
        "-o",
        spec.to_str().unwrap(),
        "--secrets-dir",
        secrets.to_str().unwrap(),
        "--verify",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("verify: 0 difference(s) from the input"),
        "{stderr}"
    );
    assert!(
        stderr.contains("skipped ServiceMonitor/shop-web"),
        "{stderr}"
    );
    let written = std::fs::read_to_string(&spec).unwrap();
    assert!(written.contains("name = \"shop\""));
    assert_eq!(
        std::fs::read_to_string(secrets.join("SHOP_WEB_DB_PASSWORD")).unwrap(),
        "correct horse battery staple"
    );
    // The written spec renders with the secret from the environment.
    let render = std::process::Command::new(env!("CARGO_BIN_EXE_k8gen"))
        .args(["render", spec.to_str().unwrap()])
        .args(["--allow-env", "SHOP_WEB_DB_PASSWORD"])
        .env("SHOP_WEB_DB_PASSWORD", "correct horse battery staple")
        .output()
        .unwrap();
    assert!(
        render.status.success(),
        "{}",
        String::from_utf8_lossy(&render.stderr)
    );

    let crd_only = dir.path().join("crd.yaml");
    std::fs::write(
        &crd_only,
        "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n---\nnot: [an object\n",
    )
    .unwrap();
    let out = k8gen(&["import", crd_only.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("crd.yaml #1: skipped Widget/w"), "{stderr}");
    assert!(stderr.contains("crd.yaml #2: skipped: "), "{stderr}");
    assert!(stderr.contains("nothing could be imported"), "{stderr}");
}

/// Taking a running app over breaks nothing: `k8gen diff`'s engine, comparing the objects as
/// they run with what the imported spec renders, finds no change Kubernetes would reject in
/// place (no selector, StatefulSet, Job or Service field that cannot change) and nothing prune
/// would delete that holds data.
#[test]
fn a_takeover_applies_over_the_running_objects_without_a_breaking_or_destructive_change() {
    for (file, name) in [
        ("guestbook-all-in-one.yaml", "guestbook"),
        ("online-boutique-subset.yaml", "boutique"),
        ("shop-live.yaml", "shop"),
    ] {
        let path = root().join("tests/import").join(file);
        let imported = round_trip(file, &[source(&path)], Some(name));
        let rendered = import::render(&imported.spec, &imported.secrets).unwrap();
        let changes = k8gen::diff::diff(&imported.original, &rendered);
        let blocking: Vec<String> = changes
            .iter()
            .filter(|c| !c.breaking.is_empty() || !c.destructive.is_empty())
            .map(|c| format!("{}: {:?} {:?}", c.title(), c.breaking, c.destructive))
            .collect();
        assert!(blocking.is_empty(), "{file}:\n{}", blocking.join("\n"));
        // The engine does see changes (k8gen's labels and defaults), so it was not idle.
        assert!(!changes.is_empty(), "{file}: no change at all?");
    }
}

/// Labels and annotations of every object's metadata and pod template, by `Kind/name`.
fn labels_everywhere(objects: &[Value]) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for o in objects {
        let id = format!("{}/{}", o["kind"], o["metadata"]["name"]);
        for p in [
            "/metadata/labels",
            "/metadata/annotations",
            "/spec/template/metadata/labels",
            "/spec/template/metadata/annotations",
        ] {
            if let Some(v) = o.pointer(p) {
                out.push((format!("{id}{p}"), v.clone()));
            }
        }
    }
    out
}

#[test]
fn no_extra_labels_round_trips_the_guestbook_with_every_label_compared() {
    let path = root().join("tests/import/guestbook-all-in-one.yaml");
    let strict = import::Options {
        name: Some("guestbook".to_string()),
        extra_labels: false,
        ..Default::default()
    };
    let imported = round_trip_with("guestbook, no extra labels", &[source(&path)], &strict);
    assert_eq!(imported.labels, import::Labels::Strict);
    has(&imported.spec, &["extra_labels = false"]);
    // The law is strict: no label or annotation beyond the input's, on any object.
    assert!(
        !imported
            .differences
            .iter()
            .any(|d| matches!(d.change, Change::Extra(_))),
        "{:#?}",
        imported.differences
    );
    let rendered = import::render(&imported.spec, &imported.secrets).unwrap();
    let want = labels_everywhere(&imported.original);
    let got = labels_everywhere(&rendered);
    let rendered_ids: Vec<String> = rendered.iter().map(|o| format!("{}", o["kind"])).collect();
    for (place, labels) in &got {
        let original = want.iter().find(|(p, _)| p == place).map(|(_, v)| v);
        assert_eq!(original, Some(labels), "{place} ({rendered_ids:?})");
    }
    // Byte for byte the selectors still.
    let sel = selectors(&rendered);
    for w in selectors(&imported.original) {
        assert!(sel.contains(&w), "{w:?}");
    }
    // The same input imported the usual way renders k8gen's labels: the strict law sees them.
    let usual = import::import(&[source(&path)], Some("guestbook"), "app");
    let extra = import::verify_with(
        &usual.original,
        &usual.spec,
        &usual.secrets,
        import::Labels::Strict,
    )
    .unwrap();
    assert!(
        extra
            .iter()
            .any(|d| matches!(d.change, Change::Extra(_)) && d.pointer.ends_with("/labels")),
        "{extra:#?}"
    );
}

#[test]
fn extra_labels_false_is_one_key_for_both_front_ends() {
    use k8gen::model::{App, Component};
    let toml = "name = \"shop\"\nextra_labels = false\nlabels = { team = \"a\" }\nimage = \"shop:v1\"\nport = 8080\nconfig = { A = \"1\" }\nnamespace = \"shop\"\n";
    let from_toml: Vec<Value> = render_text(toml, &root())
        .iter()
        .map(k8gen::Object::to_json)
        .collect();
    let app = App::new("shop")
        .namespace("shop")
        .label("team", "a")
        .extra_labels(false)
        .component(
            Component::new("shop", "shop:v1")
                .port("http", 8080)
                .config("A", "1"),
        );
    let from_rust: Vec<Value> = k8gen::render_app(&app)
        .unwrap()
        .iter()
        .map(k8gen::Object::to_json)
        .collect();
    assert_eq!(from_toml, from_rust);
    let deployment = from_toml
        .iter()
        .find(|o| o["kind"] == "Deployment")
        .unwrap();
    let selector = &deployment["spec"]["selector"]["matchLabels"];
    for o in &from_toml {
        for (place, labels) in labels_everywhere(std::slice::from_ref(o)) {
            for key in labels.as_object().unwrap().keys() {
                // The pods carry their selector (here the recommended name and instance).
                if place.ends_with("/template/metadata/labels") && selector.get(key).is_some() {
                    continue;
                }
                assert!(
                    !key.starts_with("app.kubernetes.io/")
                        && !key.starts_with("checksum/")
                        && !key.starts_with("kustomize.toolkit.fluxcd.io/"),
                    "{place}: {key}"
                );
            }
        }
    }
    // The pods still carry their selector.
    let pod = &deployment["spec"]["template"]["metadata"]["labels"];
    for (k, v) in selector.as_object().unwrap() {
        assert_eq!(pod.get(k), Some(v), "{k}");
    }
    // Without the key, the recommended labels are there (the default did not move).
    let usual = render_text(&toml.replace("extra_labels = false\n", ""), &root());
    assert!(
        usual[0].to_json()["metadata"]["labels"]
            .get("app.kubernetes.io/managed-by")
            .is_some()
    );
}

const PLACEHOLDER_SECRETS: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: { name: api, namespace: shop }
spec:
  replicas: 2
  selector: { matchLabels: { app: api } }
  template:
    metadata: { labels: { app: api } }
    spec:
      containers:
        - name: api
          image: shop/api:1.4.2
          envFrom:
            - secretRef: { name: api-keys }
          env:
            - name: DB_PASSWORD
              valueFrom: { secretKeyRef: { name: api-keys, key: DB_PASSWORD } }
---
apiVersion: v1
kind: Secret
metadata: { name: api-keys, namespace: shop }
type: Opaque
data:
  DB_PASSWORD: Y2hhbmdlbWU=
  TOKEN: PHlvdXIgdG9rZW4+
  EMPTY: ""
stringData:
  NOTE: REPLACE_ME
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: worker, namespace: shop }
spec:
  selector: { matchLabels: { app: worker } }
  template:
    metadata: { labels: { app: worker } }
    spec:
      containers:
        - name: worker
          image: shop/worker:1.4.2
          envFrom:
            - secretRef: { name: worker-keys }
---
apiVersion: v1
kind: Secret
metadata: { name: worker-keys, namespace: shop }
type: Opaque
data:
  QUEUE_PASSWORD: aHVudGVyMg==
  UNSET: VE9ETw==
"#;

#[test]
fn a_secret_of_placeholders_becomes_external_references_when_asked() {
    for (value, placeholder) in [
        ("", true),
        ("changeme", true),
        ("CHANGE_ME", true),
        ("REPLACE_ME", true),
        ("<your token>", true),
        ("TODO", true),
        ("xxxx", true),
        ("${DB_PASSWORD}", true),
        ("Y2hhbmdlbWU=", true),
        ("hunter2", false),
        ("c2VjcmV0", false),
        ("correct horse battery staple", false),
    ] {
        assert_eq!(import::is_placeholder(value), placeholder, "{value:?}");
    }
    let sources = inline("shop.yaml", PLACEHOLDER_SECRETS);
    let imported = round_trip_with(
        "placeholder secrets",
        &sources,
        &import::Options {
            name: Some("shop".to_string()),
            external_store: Some("vault".to_string()),
            ..Default::default()
        },
    );
    has(
        &imported.spec,
        &[
            "DB_PASSWORD = { external = \"shop/api-keys/DB_PASSWORD\" }",
            "TOKEN = { external = \"shop/api-keys/TOKEN\" }",
            "NOTE = { external = \"shop/api-keys/NOTE\" }",
            "external_secrets = { store = \"vault\" }",
            // One real value: the worker's Secret stays env references.
            "QUEUE_PASSWORD = { env = \"SHOP_WORKER_QUEUE_PASSWORD\" }",
        ],
    );
    let line = imported
        .report
        .iter()
        .find(|r| r.object == "Secret/api-keys")
        .unwrap()
        .to_string();
    assert!(line.contains("as external secret references"), "{line}");
    let rendered = import::render(&imported.spec, &imported.secrets).unwrap();
    let es = rendered
        .iter()
        .find(|o| o["kind"] == "ExternalSecret")
        .expect("an ExternalSecret");
    assert_eq!(es["metadata"]["name"], "api-keys");
    assert_eq!(es["spec"]["secretStoreRef"]["name"], "vault");
    assert!(
        !rendered
            .iter()
            .any(|o| o["kind"] == "Secret" && o["metadata"]["name"] == "api-keys")
    );
    // Without the switch, the same Secret is env references.
    let usual = import::import(&sources, Some("shop"), "app");
    assert!(!usual.spec.contains("external"), "{}", usual.spec);
}

const OWN_SECURITY: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: { name: db-backup }
spec:
  selector: { matchLabels: { app: db-backup } }
  template:
    metadata: { labels: { app: db-backup } }
    spec:
      securityContext: { runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 }
      initContainers:
        - name: chown
          image: busybox:1.36
          command: ["chown", "-R", "1000:1000", "/data"]
          securityContext:
            runAsUser: 0
            runAsNonRoot: false
            capabilities: { add: ["CHOWN"] }
      containers:
        - name: db-backup
          image: backup/agent:2.1.0
          securityContext:
            runAsNonRoot: true
            readOnlyRootFilesystem: true
            allowPrivilegeEscalation: false
        - name: uploader
          image: backup/uploader:2.1.0
          securityContext:
            runAsNonRoot: true
            readOnlyRootFilesystem: false
            allowPrivilegeEscalation: false
"#;

#[test]
fn init_containers_and_sidecars_keep_their_own_security_by_key() {
    let sources = inline("backup.yaml", OWN_SECURITY);
    let imported = round_trip("own security", &sources, None);
    has(
        &imported.spec,
        &[
            "security = { run_as_user = 1000 }",
            "security = { hardened = false, run_as_user = 0, capabilities = [\"CHOWN\"] }",
            "security = { run_as_user = 1000, read_only_root_filesystem = false }",
        ],
    );
    assert!(
        !patched(&imported.spec)
            .iter()
            .any(|p| p.contains("securityContext")),
        "{}",
        imported.spec
    );
    // The sidecar runs as the pod's user, not k8gen's default one.
    let rendered = import::render(&imported.spec, &imported.secrets).unwrap();
    let d = rendered.iter().find(|o| o["kind"] == "Deployment").unwrap();
    let uploader = &d["spec"]["template"]["spec"]["containers"][1]["securityContext"];
    assert_eq!(uploader["runAsUser"], 1000, "{uploader}");
}

/// The YAML documents of the ```yaml blocks of a text (prose with code blocks), each block's
/// indentation removed.
fn yaml_blocks(text: &str) -> Vec<String> {
    let mut docs = Vec::new();
    let mut block: Option<(usize, String)> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        match &mut block {
            None if trimmed.starts_with("```yaml") || trimmed.starts_with("```yml") => {
                block = Some((indent, String::new()))
            }
            None => {}
            Some((_, body)) if trimmed.starts_with("```") => {
                docs.extend(body.split("\n---").map(str::to_string));
                block = None;
            }
            Some((ind, body)) => {
                body.push_str(line.get(*ind..).unwrap_or(trimmed));
                body.push('\n');
            }
        }
    }
    docs
}

/// The complete objects (apiVersion, kind, metadata.name) of a seed's YAML blocks, grouped as
/// apps: a second object of one kind and name (a later version in the prose) starts another
/// app. Each object as `(Kind/name, document)`; and the number of incomplete fragments.
fn seed_groups(text: &str) -> (Vec<Vec<(String, String)>>, usize) {
    let mut groups: Vec<Vec<(String, String)>> = Vec::new();
    let mut incomplete = 0;
    for doc in yaml_blocks(text) {
        let Ok(v) = serde_saphyr::from_str::<Value>(&doc) else {
            incomplete += usize::from(!doc.trim().is_empty());
            continue;
        };
        let id = match (
            v.get("apiVersion").and_then(Value::as_str),
            v.get("kind").and_then(Value::as_str),
            v.pointer("/metadata/name").and_then(Value::as_str),
        ) {
            (Some(_), Some(kind), Some(name)) => format!("{kind}/{name}"),
            _ => {
                incomplete += usize::from(!v.is_null());
                continue;
            }
        };
        match groups.iter_mut().find(|g| !g.iter().any(|(i, _)| *i == id)) {
            Some(g) => g.push((id, doc)),
            None => groups.push(vec![(id, doc)]),
        }
    }
    (groups, incomplete)
}

/// The seed files (`../shared/seeds/*.txt`), sorted; empty when the folder is missing.
fn seed_files() -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(root().join("../shared/seeds")) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries
        .map(|e| e.unwrap().path())
        .filter(|f| f.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    files
}

#[test]
fn keep_unknown_keeps_every_skipped_object_of_the_seeds_as_passthrough_and_round_trips() {
    let files = seed_files();
    if files.is_empty() {
        eprintln!("skipped: no ../shared/seeds");
        return;
    }
    let mut kept_kinds = std::collections::BTreeSet::new();
    let mut kept_total = 0;
    for file in &files {
        let stem = file.file_stem().unwrap().to_str().unwrap();
        let (groups, _) = seed_groups(&std::fs::read_to_string(file).unwrap());
        for (n, group) in groups.iter().enumerate() {
            let what = format!("seed-{} app {} --keep-unknown", &stem[..3], n + 1);
            let text = group
                .iter()
                .map(|(_, d)| d.as_str())
                .collect::<Vec<_>>()
                .join("\n---\n");
            let sources = [Source {
                name: what.clone(),
                text,
            }];
            let options = import::Options {
                fallback: format!("seed-{}", &stem[..3]),
                keep_unknown: true,
                ..Default::default()
            };
            let imported = round_trip_with(&what, &sources, &options);
            for r in &imported.report {
                match &r.outcome {
                    Outcome::Kept => {
                        kept_total += 1;
                        kept_kinds.insert(r.object.split('/').next().unwrap().to_string());
                        assert!(
                            r.to_string()
                                .contains(&format!("kept {} as passthrough", r.object)),
                            "{r}"
                        );
                    }
                    // Only what cannot be written as it is stays out: a Secret's values.
                    Outcome::Skipped(why) => assert!(
                        why.contains("Secret holding values") || why.contains("a later document"),
                        "{what}: {r}"
                    ),
                    Outcome::Imported { .. } => {}
                }
            }
            // Each kept object is in the spec once, and its render is the input's object.
            let entries = imported.spec.matches("\n[[objects]]\n").count();
            let kept = imported
                .report
                .iter()
                .filter(|r| r.outcome == Outcome::Kept)
                .count();
            assert_eq!(entries, kept, "{what}\n{}", imported.spec);
        }
    }
    eprintln!("--keep-unknown over the seeds: {kept_total} objects kept, kinds {kept_kinds:?}");
    for kind in [
        "Application",
        "ClusterPolicy",
        "ExternalSecret",
        "NetworkPolicy",
    ] {
        assert!(kept_kinds.contains(kind), "{kind} not kept: {kept_kinds:?}");
    }
}

#[test]
fn a_crd_its_resources_and_other_kinds_are_kept_only_with_keep_unknown() {
    let text = r#"
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: backups.acme.io
  creationTimestamp: null
spec:
  group: acme.io
  scope: Namespaced
  names: { kind: Backup, plural: backups }
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        description: "A backup.\nTwo lines: with \"quotes\"."
        x-kubernetes-preserve-unknown-fields: true
---
apiVersion: acme.io/v1
kind: Backup
metadata: { name: nightly, namespace: shop }
spec: { schedule: "0 3 * * *", keep: 14, ratio: 0.5, paused: false, targets: [db, files] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: api, namespace: shop }
spec:
  selector: { matchLabels: { app: api } }
  template:
    metadata: { labels: { app: api } }
    spec:
      containers:
      - { name: api, image: "acme/api:1.0" }
---
apiVersion: apps/v1
kind: DaemonSet
metadata: { name: agent, namespace: shop }
spec:
  selector: { matchLabels: { app: agent } }
  template:
    metadata: { labels: { app: agent } }
    spec:
      containers:
      - { name: agent, image: "acme/agent:1.0" }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: "acme:backups-view" }
rules:
- { apiGroups: [acme.io], resources: [backups], verbs: [get, list] }
---
apiVersion: v1
kind: Secret
metadata: { name: leftover, namespace: shop }
stringData: { token: hunter2 }
"#;
    let sources = inline("mixed.yaml", text);
    // Without the flag: only the Deployment, the rest skipped as before.
    let plain = round_trip("mixed", &sources, None);
    assert!(!plain.spec.contains("[[objects]]"), "{}", plain.spec);
    let skipped = |i: &Imported| {
        i.report
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Skipped(_)))
            .count()
    };
    assert_eq!(skipped(&plain), 5, "{:#?}", plain.report);
    // With it: everything but the Secret holding a value is kept and renders back.
    let kept = round_trip_with(
        "mixed --keep-unknown",
        &sources,
        &import::Options {
            keep_unknown: true,
            ..Default::default()
        },
    );
    assert_eq!(skipped(&kept), 1, "{:#?}", kept.report);
    assert!(!kept.spec.contains("hunter2"), "{}", kept.spec);
    assert_eq!(kept.original.len(), 5);
    has(
        &kept.spec,
        &[
            "[[objects]]\napiVersion = \"apiextensions.k8s.io/v1\"",
            "kind = \"Backup\"",
            "[[objects.spec.versions]]",
            "kind = \"DaemonSet\"",
            "name = \"acme:backups-view\"",
        ],
    );
    let report: Vec<String> = kept.report.iter().map(ToString::to_string).collect();
    assert!(
        report
            .iter()
            .any(|r| r.contains("kept CustomResourceDefinition/backups.acme.io as passthrough")),
        "{report:#?}"
    );
    // The spec renders the CRD first and the custom resource after the built-in kinds.
    let rendered = import::render(&kept.spec, &kept.secrets).unwrap();
    let kinds: Vec<&str> = rendered
        .iter()
        .map(|o| o["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds.first(),
        Some(&"CustomResourceDefinition"),
        "{kinds:?}"
    );
    assert_eq!(kinds.last(), Some(&"Backup"), "{kinds:?}");
    // The CLI says the same, and --verify finds no difference.
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("mixed.yaml");
    std::fs::write(&input, text).unwrap();
    let out = k8gen(&[
        "import",
        input.to_str().unwrap(),
        "--keep-unknown",
        "--verify",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("kept Backup/nightly as passthrough"),
        "{stderr}"
    );
    assert!(stderr.contains("skipped Secret/leftover"), "{stderr}");
}

#[test]
fn every_complete_object_in_the_seeds_round_trips() {
    let dir = root().join("../shared/seeds");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("skipped: no {}", dir.display());
        return;
    };
    let mut files: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
    files.sort();
    let mut complete_total = 0;
    let mut failed = Vec::new();
    for file in files
        .iter()
        .filter(|f| f.extension().is_some_and(|x| x == "txt"))
    {
        let stem = file.file_stem().unwrap().to_str().unwrap();
        let seed = format!("seed-{}", &stem[..3]);
        let text = std::fs::read_to_string(file).unwrap();
        let (groups, incomplete) = seed_groups(&text);
        let complete: usize = groups.iter().map(Vec::len).sum();
        complete_total += complete;
        eprintln!(
            "seed {stem}: {complete} complete objects in {} app(s), {incomplete} incomplete fragments skipped",
            groups.len()
        );
        for (n, group) in groups.iter().enumerate() {
            let what = format!("{seed} app {}", n + 1);
            let text = group
                .iter()
                .map(|(_, d)| d.as_str())
                .collect::<Vec<_>>()
                .join("\n---\n");
            let sources = [Source {
                name: what.clone(),
                text,
            }];
            let probe = import::import(&sources, None, &seed);
            let skipped: Vec<String> = probe
                .report
                .iter()
                .filter(|r| matches!(r.outcome, Outcome::Skipped(_)))
                .map(|r| r.object.clone())
                .collect();
            if !probe.imported_any() {
                eprintln!("import {what}: nothing imported; skipped {skipped:?}");
                continue;
            }
            // Every seed app is tried; the failures are reported together.
            match std::panic::catch_unwind(|| round_trip(&what, &sources, None)) {
                Ok(done) => eprintln!(
                    "import {what}: skipped {skipped:?}, patched {:?}",
                    patched(&done.spec)
                ),
                Err(_) => failed.push(what),
            }
        }
    }
    assert!(
        failed.is_empty(),
        "no round trip for {failed:?} (see above)"
    );
    // All of a seed's objects at once, as a careless `cat *.yaml` gives them: a later object
    // of one kind and name replaces the earlier one (reported), and the spec still renders.
    for file in files
        .iter()
        .filter(|f| f.extension().is_some_and(|x| x == "txt"))
    {
        let text = yaml_blocks(&std::fs::read_to_string(file).unwrap()).join("\n---\n");
        let all = import::import(
            &[Source {
                name: "all".to_string(),
                text,
            }],
            None,
            "seed",
        );
        if all.imported_any() {
            assert!(
                all.errors.is_empty(),
                "{}: {:?}",
                file.display(),
                all.errors
            );
            assert!(
                all.report.iter().any(|r| matches!(&r.outcome,
                    Outcome::Skipped(why) if why.contains("a later document"))),
                "{}",
                file.display()
            );
        }
    }
    if !files.is_empty() {
        assert!(complete_total > 0, "no complete object in the seeds");
    }
}

/// A voting app shaped like Docker's example-voting-app as Kubernetes tutorials deploy it
/// (`app: NAME-deployment` selectors, Services named apart, NodePorts, official redis and
/// postgres images, no security context anywhere), generated here.
fn voting_app() -> String {
    let mut out = String::from("apiVersion: v1\nkind: Namespace\nmetadata: { name: vote }\n");
    for (name, image, port, service) in [
        (
            "vote",
            "example/vote:before",
            Some(80),
            Some(("vote-service", 5000, Some(31000))),
        ),
        (
            "result",
            "example/result:before",
            Some(80),
            Some(("result-service", 5001, Some(31001))),
        ),
        (
            "redis",
            "redis:alpine",
            Some(6379),
            Some(("redis", 6379, None)),
        ),
        ("db", "postgres:9.4", Some(5432), Some(("db", 5432, None))),
        ("worker", "example/worker:1.0", None, None),
    ] {
        let app = format!("{name}-deployment");
        out.push_str(&format!(
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{ name: {app}, namespace: vote }}\n\
             spec:\n  replicas: 1\n  selector: {{ matchLabels: {{ app: {app} }} }}\n  template:\n    \
             metadata: {{ labels: {{ app: {app} }} }}\n    spec:\n      containers:\n        \
             - name: {name}\n          image: {image}\n"
        ));
        if let Some((svc, svc_port, node_port)) = service {
            let ty = if node_port.is_some() {
                "NodePort"
            } else {
                "ClusterIP"
            };
            let node = node_port
                .map(|n| format!(", nodePort: {n}"))
                .unwrap_or_default();
            out.push_str(&format!(
                "---\napiVersion: v1\nkind: Service\nmetadata: {{ name: {svc}, namespace: vote }}\n\
                 spec:\n  type: {ty}\n  selector: {{ app: {app} }}\n  ports:\n    \
                 - {{ port: {svc_port}, targetPort: {}{node} }}\n",
                port.unwrap()
            ));
        }
    }
    out
}

#[test]
fn a_voting_app_without_security_contexts_is_taken_over_without_hardening_it() {
    let sources = inline("vote.yaml", &voting_app());
    let imported = round_trip("voting app", &sources, Some("vote"));
    // Every document imported, nothing patched.
    for r in &imported.report {
        assert!(
            matches!(r.outcome, Outcome::Imported { patched: 0, .. }),
            "{r}"
        );
    }
    // Containers declare no ports: the Services' target ports are declared instead.
    has(
        &imported.spec,
        &[
            "service = { type = \"NodePort\", port = 5000, node_port = 31000 }",
            "names = { workload = \"db-deployment\", service = \"db\" }",
            "[defaults]\nnetwork = false",
        ],
    );
    // The images run as they do today (postgres and redis start as root): no user, no
    // read-only root filesystem is added to pods that had no security context.
    assert_eq!(
        imported
            .spec
            .matches("security = { hardened = false }")
            .count(),
        5,
        "{}",
        imported.spec
    );
    let rendered = import::render(&imported.spec, &imported.secrets).unwrap();
    for d in rendered.iter().filter(|o| o["kind"] == "Deployment") {
        let pod = &d["spec"]["template"]["spec"];
        let c = &pod["containers"][0]["securityContext"];
        assert!(pod["securityContext"].get("runAsUser").is_none(), "{d}");
        assert_ne!(c["runAsNonRoot"], true, "{d}");
        assert_ne!(c["readOnlyRootFilesystem"], true, "{d}");
    }
    assert!(!rendered.iter().any(|o| o["kind"] == "NetworkPolicy"));
}

/// A database as Sock Shop's manifests run it: a security context that drops and adds
/// capabilities but names no user (mongo starts as root and drops privileges itself), and a
/// Service with an annotation.
const ROOT_DATABASE: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: { name: carts-db, labels: { name: carts-db } }
spec:
  selector: { matchLabels: { name: carts-db } }
  template:
    metadata: { labels: { name: carts-db } }
    spec:
      containers:
        - name: carts-db
          image: mongo:4.4
          ports: [{ name: mongo, containerPort: 27017 }]
          securityContext:
            readOnlyRootFilesystem: true
            capabilities: { drop: [ALL], add: [CHOWN, SETGID, SETUID] }
---
apiVersion: v1
kind: Service
metadata:
  name: carts-db
  labels: { name: carts-db }
  annotations: { prometheus.io/scrape: "true" }
spec:
  selector: { name: carts-db }
  ports: [{ name: mongo, port: 27017, targetPort: 27017 }]
"#;

#[test]
fn a_security_context_without_a_user_keeps_the_images_user() {
    let sources = inline("carts-db.yaml", ROOT_DATABASE);
    let imported = round_trip("carts-db", &sources, None);
    has(
        &imported.spec,
        &[
            "security = { run_as_user = false, run_as_non_root = false, capabilities = [\"CHOWN\", \"SETGID\", \"SETUID\"] }",
            "service = { annotations = { \"prometheus.io/scrape\" = \"true\" } }",
        ],
    );
    assert!(!imported.spec.contains("[[patches]]"), "{}", imported.spec);
    let rendered = import::render(&imported.spec, &imported.secrets).unwrap();
    let d = rendered.iter().find(|o| o["kind"] == "Deployment").unwrap();
    let pod = &d["spec"]["template"]["spec"];
    let c = &pod["containers"][0]["securityContext"];
    assert!(pod["securityContext"].get("runAsUser").is_none(), "{d}");
    assert!(c.get("runAsUser").is_none(), "{d}");
    assert_ne!(c["runAsNonRoot"], true, "{d}");
    assert_eq!(c["readOnlyRootFilesystem"], true, "{d}");
}

/// `import -o FILE` never overwrites a spec by accident: an existing file is refused before
/// anything is read or written (exit 2, the file byte for byte as it was, no secrets written);
/// `--force` replaces it whole, keeping its mode. A new file is written whole, no temporary
/// file left beside it.
#[test]
fn import_never_overwrites_a_spec_without_force() {
    use std::os::unix::fs::PermissionsExt;
    const INPUT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n        env:\n        - name: TOKEN\n          valueFrom: {secretKeyRef: {name: web, key: TOKEN}}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: web}\nstringData: {TOKEN: t0k3n}\n";
    let dir = crate::support::repo(&[("in.yaml", INPUT)]);
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_k8gen"))
            .args(args)
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    };
    let fresh = run(&["import", "in.yaml", "-o", "web.toml"]);
    assert!(
        fresh.status.success(),
        "{}",
        String::from_utf8_lossy(&fresh.stderr)
    );
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.contains(".k8gen-")), "{names:?}");
    // A new spec has the mode any new file of the user's gets (0666 less the umask).
    std::fs::write(dir.path().join("plain"), "").unwrap();
    let mode_of = |name: &str| {
        std::fs::metadata(dir.path().join(name))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode_of("web.toml"), mode_of("plain"));
    let mine = "# my edits\nname = \"web\"\nimage = \"nginx:1.27\"\n";
    std::fs::write(dir.path().join("web.toml"), mine).unwrap();
    std::fs::set_permissions(
        dir.path().join("web.toml"),
        std::fs::Permissions::from_mode(0o640),
    )
    .unwrap();
    let refused = run(&[
        "import",
        "in.yaml",
        "-o",
        "web.toml",
        "--secrets-dir",
        "sec",
    ]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("`web.toml` exists; pass --force"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("web.toml")).unwrap(),
        mine
    );
    assert!(
        !dir.path().join("sec").exists(),
        "secrets written despite the refusal"
    );
    let forced = run(&["import", "in.yaml", "-o", "web.toml", "--force"]);
    assert!(
        forced.status.success(),
        "{}",
        String::from_utf8_lossy(&forced.stderr)
    );
    let spec = std::fs::read_to_string(dir.path().join("web.toml")).unwrap();
    assert!(
        spec.contains("image = \"nginx:1.27\"") && !spec.contains("# my edits"),
        "{spec}"
    );
    let mode = std::fs::metadata(dir.path().join("web.toml"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o640);
}
