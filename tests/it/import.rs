//! `k8gen import` (issue 10): the round-trip law (`k8gen::import::verify`: the imported spec
//! renders the input's objects, same fields and values, only k8gen's additions beside) on the
//! peers' task tracker as Helm, cdk8s and KCL render it, the Kubernetes guestbook, a live
//! app as `kubectl get -o yaml` prints it, and `helm template` of the peers' chart; selectors
//! kept byte for byte; secret values never in the spec; the per-document report; the CLI.

use std::path::Path;

use k8gen::import::{self, Change, Imported, Outcome, Source};
use serde_json::Value;

use crate::support::*;

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
    let imported = import::import(sources, name, "app");
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
    let again = import::verify(&imported.original, &imported.spec, &imported.secrets).unwrap();
    assert_eq!(again, imported.differences, "{what}");
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
                Outcome::Skipped(_) => 0,
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
                    "security = { run_as_non_root = false, read_only_root_filesystem = false, capabilities = [\"NET_BIND_SERVICE\", \"SETUID\", \"SETGID\"] }",
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
    let helm = [peers().join("bin/helm"), "helm".into()]
        .into_iter()
        .find(|h| {
            std::process::Command::new(h)
                .arg("version")
                .output()
                .is_ok_and(|o| o.status.success())
        });
    let Some(helm) = helm else {
        eprintln!("skipped: helm is not installed (run ../shared/peers/install-helm-kubectl.sh)");
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
