//! Passthrough objects (`[[objects]]`, `App::object`): one rule set for both front ends, the
//! namespace rule, written as they are (no labels added), apply order, file names told apart
//! in a tree, overlays merging them by kind and name, and `k8gen diff` judging custom kinds.

use k8gen::model::{App, Component};
use serde_json::{Value, json};

use crate::support::*;

fn rendered(source: &str) -> Vec<Value> {
    render_text(source, &root())
        .iter()
        .map(k8gen::Object::to_json)
        .collect()
}

fn find<'a>(objects: &'a [Value], kind: &str, name: &str) -> &'a Value {
    objects
        .iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind}/{name}"))
}

const SPEC: &str = r#"
name = "shop"
namespace = "shop"
image = "shop:v1"
port = 8080

[[objects]]
apiVersion = "monitoring.coreos.com/v1"
kind = "ServiceMonitor"
metadata = { name = "shop", labels = { release = "prom" } }
spec = { endpoints = [{ port = "http" }] }

[[objects]]
apiVersion = "policy/v1"
kind = "PodDisruptionBudget"
metadata.name = "shop-extra"
spec = { maxUnavailable = 1, selector = { matchLabels = { app = "other" } } }

[[objects]]
apiVersion = "rbac.authorization.k8s.io/v1"
kind = "ClusterRole"
metadata.name = "shop:view"
rules = []

[[objects]]
apiVersion = "apiextensions.k8s.io/v1"
kind = "CustomResourceDefinition"
metadata.name = "widgets.acme.io"
spec = { group = "acme.io", scope = "Namespaced", names = { kind = "Widget", plural = "widgets" } }

[[objects]]
apiVersion = "acme.io/v1"
kind = "Widget"
metadata.name = "w"

[[objects]]
apiVersion = "cert-manager.io/v1"
kind = "ClusterIssuer"
metadata.name = "letsencrypt"
spec = { acme = { server = "https://acme-v02.api.letsencrypt.org/directory" } }
"#;

#[test]
fn objects_are_written_as_they_are_with_the_apps_namespace_where_the_kind_has_one() {
    let objects = rendered(SPEC);
    // No label of k8gen's own, no annotation: as written.
    let monitor = find(&objects, "ServiceMonitor", "shop");
    assert_eq!(monitor["metadata"]["labels"], json!({"release": "prom"}));
    assert!(monitor["metadata"].get("annotations").is_none());
    // A custom kind k8gen knows nothing of is namespaced, as Kustomize takes it: it gets
    // the app's namespace (and so follows the app into each environment's namespace).
    assert_eq!(monitor["metadata"]["namespace"], "shop", "{monitor}");
    // A well-known cluster-scoped custom kind gets none.
    assert!(
        find(&objects, "ClusterIssuer", "letsencrypt")["metadata"]
            .get("namespace")
            .is_none()
    );
    // A namespaced built-in kind gets the app's; a cluster-scoped one none; a kind a CRD of
    // the spec declares namespaced gets it too.
    assert_eq!(
        find(&objects, "PodDisruptionBudget", "shop-extra")["metadata"]["namespace"],
        "shop"
    );
    assert!(
        find(&objects, "ClusterRole", "shop:view")["metadata"]
            .get("namespace")
            .is_none()
    );
    assert_eq!(
        find(&objects, "Widget", "w")["metadata"]["namespace"],
        "shop"
    );
    // Apply order: the CRD first, the custom resources last.
    let kinds: Vec<&str> = objects
        .iter()
        .map(|o| o["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds[0], "CustomResourceDefinition", "{kinds:?}");
    let mut last: Vec<&str> = kinds[kinds.len() - 3..].to_vec();
    last.sort();
    assert_eq!(
        last,
        ["ClusterIssuer", "ServiceMonitor", "Widget"],
        "{kinds:?}"
    );
    // Each document starts apiVersion, kind, metadata.
    let stream = k8gen::emit::stream(&render_text(SPEC, &root()));
    for doc in stream.split("---\n") {
        let keys: Vec<&str> = doc
            .lines()
            .filter(|l| !l.starts_with(' '))
            .take(3)
            .collect();
        assert_eq!(keys[0].split(':').next(), Some("apiVersion"), "{doc}");
        assert_eq!(keys[1].split(':').next(), Some("kind"), "{doc}");
        assert_eq!(keys[2], "metadata:", "{doc}");
    }
}

#[test]
fn the_builder_api_renders_the_same_objects_and_reports_the_same_paths() {
    let app = App::new("shop")
        .namespace("shop")
        .component(Component::new("shop", "shop:v1").port("http", 8080))
        .object(json!({"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor",
            "metadata": {"name": "shop", "labels": {"release": "prom"}},
            "spec": {"endpoints": [{"port": "http"}]}}))
        .object(json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": {"name": "shop-extra"},
            "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": "other"}}}}))
        .object(json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": "shop:view"}, "rules": []}))
        .object(json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.acme.io"},
            "spec": {"group": "acme.io", "scope": "Namespaced", "names": {"kind": "Widget", "plural": "widgets"}}}))
        .object(json!({"apiVersion": "acme.io/v1", "kind": "Widget", "metadata": {"name": "w"}}))
        .object(json!({"apiVersion": "cert-manager.io/v1", "kind": "ClusterIssuer",
            "metadata": {"name": "letsencrypt"},
            "spec": {"acme": {"server": "https://acme-v02.api.letsencrypt.org/directory"}}}));
    let rust = k8gen::emit::stream(&k8gen::render_app(&app).unwrap());
    assert_eq!(rust, k8gen::emit::stream(&render_text(SPEC, &root())));
    // The same mistake, the same code and field path from both front ends.
    let bad = app
        .clone()
        .object(json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "shop"}}));
    let issues = k8gen::render_app(&bad).unwrap_err();
    assert_eq!(issues.len(), 1, "{issues:#?}");
    assert_eq!(issues[0].code, k8gen::codes::DUPLICATE);
    assert_eq!(issues[0].path, "objects[6].metadata.name");
    let bad = app.object(
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
        "metadata": {"name": "r", "namespace": "shop"}}),
    );
    let issues = k8gen::render_app(&bad).unwrap_err();
    assert_eq!(
        issues
            .iter()
            .map(|i| (i.code, i.path.as_str()))
            .collect::<Vec<_>>(),
        [(
            k8gen::codes::INVALID_OBJECT,
            "objects[6].metadata.namespace"
        )]
    );
}

#[test]
fn file_names_of_two_kinds_with_one_lowercase_name_do_not_collide() {
    let spec = r#"
name = "web"
namespace = "web"
image = "web:v1"
port = 8080

[[objects]]
apiVersion = "cert-manager.io/v1"
kind = "Certificate"
metadata.name = "web"

[[objects]]
apiVersion = "acme.example.com/v1"
kind = "Certificate"
metadata.name = "web"

# k8gen's own Service keeps its file name; Knative's is told apart by its group.
[[objects]]
apiVersion = "serving.knative.dev/v1"
kind = "Service"
metadata.name = "web"

[[objects]]
apiVersion = "v1"
kind = "ConfigMap"
metadata = { name = "shared", namespace = "a" }

[[objects]]
apiVersion = "v1"
kind = "ConfigMap"
metadata = { name = "shared", namespace = "b" }
"#;
    let objects = render_text(spec, &root());
    let files = k8gen::emit::files(&objects, "web.toml");
    assert_eq!(files.len(), objects.len(), "{:#?}", files.keys());
    for name in [
        "service-web.yaml",
        "service.serving.knative.dev-web.yaml",
        "certificate.cert-manager.io-web.yaml",
        "certificate.acme.example.com-web.yaml",
        "configmap.core-a-shared.yaml",
        "configmap.core-b-shared.yaml",
    ] {
        assert!(
            files.contains_key(name),
            "{name} not in {:#?}",
            files.keys()
        );
    }
    // And a tree render lists every one of them in kustomization.yaml.
    let dir = tempfile::tempdir().unwrap();
    let spec_path = dir.path().join("web.toml");
    std::fs::write(&spec_path, spec).unwrap();
    let out = dir.path().join("out");
    let run = k8gen(&[
        "render",
        spec_path.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let kustomization = std::fs::read_to_string(out.join("kustomization.yaml")).unwrap();
    for name in files.keys() {
        assert!(
            kustomization.contains(&format!("- {name}\n"))
                || kustomization.ends_with(&format!("- {name}")),
            "{name}:\n{kustomization}"
        );
    }
}

#[test]
fn an_overlay_changes_an_object_by_kind_and_name() {
    let spec = r#"
name = "shop"
image = "shop:v1"
port = 8080

[[objects]]
apiVersion = "monitoring.coreos.com/v1"
kind = "ServiceMonitor"
metadata.name = "shop"
spec = { endpoints = [{ port = "http", interval = "30s" }] }

[[objects]]
apiVersion = "monitoring.coreos.com/v1"
kind = "PrometheusRule"
metadata.name = "shop"
spec = { groups = [] }

[overlay.dev]
remove = ["objects.\"PrometheusRule/shop\""]

[overlay.prod]
[[overlay.prod.objects]]
kind = "ServiceMonitor"
metadata.name = "shop"
spec = { endpoints = [{ port = "http", interval = "10s" }] }
"#;
    let dir = repo(&[("shop.toml", spec)]);
    let out = run_in(dir.path(), &["render", "shop.toml", "--env", "prod"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("interval: 10s"), "{text}");
    assert!(!text.contains("interval: 30s"), "{text}");
    assert!(text.contains("kind: PrometheusRule"), "{text}");
    // `remove` takes one away by `Kind/name`.
    let out = run_in(dir.path(), &["render", "shop.toml", "--env", "dev"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!text.contains("kind: PrometheusRule") && text.contains("kind: ServiceMonitor"));
    // Without the environment, as written.
    let out = run_in(dir.path(), &["render", "shop.toml"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("interval: 30s"));
}

#[test]
fn diff_judges_custom_kinds_as_unknown_and_a_removed_crd_as_destructive() {
    let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.acme.io"}, "spec": {"group": "acme.io"}});
    // A custom `Namespace` and `Secret` of another group hold nothing k8gen knows of.
    let custom_ns =
        json!({"apiVersion": "acme.io/v1", "kind": "Namespace", "metadata": {"name": "x"}});
    let custom_secret =
        json!({"apiVersion": "acme.io/v1", "kind": "Secret", "metadata": {"name": "s"}});
    let widget = |size: i64| {
        json!({"apiVersion": "acme.io/v1", "kind": "Widget",
        "metadata": {"name": "w", "namespace": "shop"}, "spec": {"size": size, "selector": {"a": "b"}}})
    };
    let old = vec![
        crd.clone(),
        custom_ns.clone(),
        custom_secret.clone(),
        widget(1),
    ];
    let new = vec![widget(2)];
    let changes = k8gen::diff::diff(&old, &new);
    let of = |kind: &str| changes.iter().find(|c| c.kind == kind).unwrap();
    assert!(of("Widget").breaking.is_empty() && of("Widget").rollout.is_empty());
    assert!(!of("CustomResourceDefinition").destructive.is_empty());
    assert!(
        of("Namespace").destructive.is_empty(),
        "{:?}",
        of("Namespace").destructive
    );
    assert!(of("Secret").destructive.is_empty());
    // The built-in Namespace still is.
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}});
    let changes = k8gen::diff::diff(&[ns], &[]);
    assert!(!changes[0].destructive.is_empty());
}

/// A passthrough object written without a namespace follows its app into each environment's
/// namespace (a ServiceMonitor left in the base namespace would watch nothing there); one
/// written with a namespace keeps it. `import --keep-unknown` writes an object of the app's
/// namespace without one, so the imported spec's objects follow too.
#[test]
fn objects_follow_the_app_into_each_environments_namespace() {
    const INPUT: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: example
  namespace: ns1
spec:
  selector:
    matchLabels: {app: example}
  template:
    metadata:
      labels: {app: example}
    spec:
      containers:
      - name: example
        image: ghcr.io/rhobs/prometheus-example-app:0.4.2
        ports: [{name: web, containerPort: 8080}]
---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: example
  namespace: ns1
spec:
  endpoints: [{port: web, interval: 30s}]
  selector:
    matchLabels: {app: example}
---
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: example-alerts
  namespace: monitoring
spec:
  groups: []
"#;
    let dir = crate::support::repo(&[
        ("in.yaml", INPUT),
        (
            "k8gen.toml",
            "[environments.staging]\nnamespace = \"{app}-staging\"\n",
        ),
    ]);
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_k8gen"))
            .args(args)
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    run(&["import", "in.yaml", "--keep-unknown", "-o", "example.toml"]);
    let spec = std::fs::read_to_string(dir.path().join("example.toml")).unwrap();
    assert!(spec.ends_with('\n'), "{spec}");
    // The ServiceMonitor's namespace was the app's: not written; the rule's was another.
    assert_eq!(spec.matches("namespace = \"ns1\"").count(), 1, "{spec}");
    assert!(spec.contains("namespace = \"monitoring\""), "{spec}");
    for (env, ns) in [(None, "ns1"), (Some("staging"), "example-staging")] {
        let mut args = vec!["render", "example.toml"];
        if let Some(env) = env {
            args.extend(["--env", env]);
        }
        let objects: Vec<Value> = run(&args)
            .split("---\n")
            .map(|d| serde_saphyr::from_str(d).unwrap())
            .collect();
        let monitor = find(&objects, "ServiceMonitor", "example");
        assert_eq!(monitor["metadata"]["namespace"], ns, "{monitor}");
        assert_eq!(
            find(&objects, "Deployment", "example")["metadata"]["namespace"],
            ns
        );
        assert_eq!(
            find(&objects, "PrometheusRule", "example-alerts")["metadata"]["namespace"],
            "monitoring"
        );
    }
}
