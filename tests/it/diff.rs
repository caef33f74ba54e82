//! `k8gen diff`: the classification engine on hand-made objects (each breaking and destructive
//! case, and its harmless neighbour), and the command on real renders: a tree edited by a spec
//! change, config changes rolling exactly the workloads that read them, exit codes and
//! `--allow`, the JSON report's shape, the tree reader's rules, `--base` on a git repository.

use std::path::Path;
use std::process::{Command, Output};

use k8gen::diff::{Change, Status, diff, parse_yaml};

use crate::support::{repo, run_in as run};
use serde_json::{Value, json};

fn deployment(name: &str, selector: Value, image: &str) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": "ns"},
        "spec": {"selector": {"matchLabels": selector},
                 "template": {"metadata": {"labels": selector},
                              "spec": {"containers": [{"name": name, "image": image}]}}}
    })
}

/// The one change between `old` and `new` (one object each, same identity).
fn one(old: Value, new: Value) -> Change {
    let mut changes = diff(&[old], &[new]);
    assert_eq!(changes.len(), 1, "{changes:#?}");
    changes.remove(0)
}

fn paths(reasons: &[k8gen::diff::Reason]) -> Vec<&str> {
    reasons.iter().map(|r| r.path.as_str()).collect()
}

#[test]
fn identical_objects_are_no_change_and_identity_ignores_the_api_version() {
    let d = deployment("api", json!({"app": "api"}), "api:1");
    assert!(diff(std::slice::from_ref(&d), std::slice::from_ref(&d)).is_empty());
    let mut v2 = d.clone();
    v2["apiVersion"] = json!("apps/v2");
    let c = one(d, v2);
    assert_eq!(c.change, Status::Changed);
}

#[test]
fn a_changed_workload_selector_is_breaking_and_an_image_only_rolls() {
    let old = deployment("api", json!({"app": "api"}), "api:1");
    let c = one(
        old.clone(),
        deployment("api", json!({"app": "api", "tier": "web"}), "api:1"),
    );
    assert_eq!(paths(&c.breaking), ["spec.selector"]);
    for kind in ["DaemonSet", "ReplicaSet"] {
        let (mut a, mut b) = (
            old.clone(),
            deployment("api", json!({"app": "other"}), "api:1"),
        );
        a["kind"] = json!(kind);
        b["kind"] = json!(kind);
        assert_eq!(paths(&one(a, b).breaking), ["spec.selector"], "{kind}");
    }
    let c = one(old, deployment("api", json!({"app": "api"}), "api:2"));
    assert!(c.breaking.is_empty());
    assert_eq!(c.rollout.len(), 1, "{:?}", c.rollout);
    assert_eq!(
        c.rollout[0].path,
        "spec.template.spec.containers[api].image"
    );
    assert!(c.rollout[0].message.contains("api:1 -> api:2"));
}

fn statefulset(spec: Value) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
           "metadata": {"name": "db", "namespace": "ns"}, "spec": spec})
}

#[test]
fn statefulset_immutable_fields_are_breaking_and_replicas_are_not() {
    let base = json!({
        "replicas": 1, "serviceName": "db-headless", "podManagementPolicy": "OrderedReady",
        "selector": {"matchLabels": {"app": "db"}},
        "volumeClaimTemplates": [{"metadata": {"name": "data"},
            "spec": {"resources": {"requests": {"storage": "10Gi"}}}}],
        "template": {"spec": {"containers": [{"name": "db", "image": "pg:16"}]}}
    });
    for (field, value) in [
        ("serviceName", json!("db")),
        ("podManagementPolicy", json!("Parallel")),
        (
            "volumeClaimTemplates",
            json!([{"metadata": {"name": "data"},
                    "spec": {"resources": {"requests": {"storage": "20Gi"}}}}]),
        ),
        ("selector", json!({"matchLabels": {"app": "db2"}})),
    ] {
        let mut spec = base.clone();
        spec[field] = value;
        let c = one(statefulset(base.clone()), statefulset(spec));
        assert_eq!(paths(&c.breaking), [format!("spec.{field}")], "{field}");
    }
    let mut spec = base.clone();
    spec["replicas"] = json!(3);
    spec["updateStrategy"] = json!({"type": "OnDelete"});
    let c = one(statefulset(base), statefulset(spec));
    assert!(c.breaking.is_empty(), "{:?}", c.breaking);
}

#[test]
fn a_changed_job_template_is_breaking_a_cronjob_template_is_not() {
    let job = |image: &str, kind: &str| {
        json!({"apiVersion": "batch/v1", "kind": kind, "metadata": {"name": "migrate"},
               "spec": {"template": {"spec": {"containers": [{"name": "m", "image": image}]}}}})
    };
    let c = one(job("m:1", "Job"), job("m:2", "Job"));
    assert_eq!(paths(&c.breaking), ["spec.template"]);
    assert!(c.rollout.is_empty(), "a Job does not roll: {:?}", c.rollout);
    let c = one(job("m:1", "CronJob"), job("m:2", "CronJob"));
    assert!(c.breaking.is_empty());
}

fn service(spec: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Service",
           "metadata": {"name": "web", "namespace": "ns"}, "spec": spec})
}

#[test]
fn service_cluster_ip_and_type_changes_that_need_recreation_are_breaking() {
    let plain = service(json!({"ports": [{"port": 80}]}));
    let headless = service(json!({"clusterIP": "None", "ports": [{"port": 80}]}));
    assert_eq!(
        paths(&one(plain.clone(), headless.clone()).breaking),
        ["spec.clusterIP"]
    );
    assert_eq!(
        paths(&one(headless, plain.clone()).breaking),
        ["spec.clusterIP"]
    );
    let c = one(
        service(json!({"clusterIP": "10.0.0.1"})),
        service(json!({"clusterIP": "10.0.0.2"})),
    );
    assert_eq!(paths(&c.breaking), ["spec.clusterIP"]);
    let c = one(
        plain.clone(),
        service(json!({"type": "ExternalName", "externalName": "db.example.com"})),
    );
    assert_eq!(paths(&c.breaking), ["spec.type"]);
    // Growing to a LoadBalancer, or a new port, is fine in place.
    let c = one(
        plain,
        service(json!({"type": "LoadBalancer", "ports": [{"port": 80}, {"port": 443}]})),
    );
    assert!(c.breaking.is_empty(), "{:?}", c.breaking);
}

fn claim(size: &str, class: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
           "metadata": {"name": "data", "namespace": "ns"},
           "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": class,
                    "resources": {"requests": {"storage": size}}}})
}

#[test]
fn a_claim_may_grow_but_not_shrink_or_change_class() {
    assert!(
        one(claim("10Gi", "fast"), claim("20Gi", "fast"))
            .breaking
            .is_empty()
    );
    assert!(
        one(claim("1Gi", "fast"), claim("1024Mi", "fast"))
            .breaking
            .is_empty()
    );
    let c = one(claim("10Gi", "fast"), claim("10G", "fast"));
    assert_eq!(paths(&c.breaking), ["spec.resources.requests.storage"]);
    let c = one(claim("10Gi", "fast"), claim("10Gi", "slow"));
    assert_eq!(paths(&c.breaking), ["spec.storageClassName"]);
}

#[test]
fn removing_data_or_a_secret_others_read_is_destructive() {
    let namespace = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ns"}});
    let sts = statefulset(json!({}));
    let pvc = claim("1Gi", "fast");
    let read = json!({"apiVersion": "v1", "kind": "Secret",
                      "metadata": {"name": "db-pass", "namespace": "ns"}});
    let unread = json!({"apiVersion": "v1", "kind": "Secret",
                        "metadata": {"name": "old-token", "namespace": "ns"}});
    let config = json!({"apiVersion": "v1", "kind": "ConfigMap",
                        "metadata": {"name": "cfg", "namespace": "ns"}});
    let mut reader = deployment("api", json!({"app": "api"}), "api:1");
    reader["spec"]["template"]["spec"]["containers"][0]["env"] =
        json!([{"name": "P", "valueFrom": {"secretKeyRef": {"name": "db-pass", "key": "p"}}}]);
    let old = [namespace, sts, pvc, read, unread, config, reader.clone()];
    let changes = diff(&old, &[reader]);
    let destructive: Vec<(String, usize)> = changes
        .iter()
        .map(|c| (c.kind.clone() + " " + &c.name, c.destructive.len()))
        .collect();
    assert_eq!(
        destructive,
        [
            ("Namespace ns".to_string(), 1),
            ("StatefulSet db".to_string(), 1),
            ("PersistentVolumeClaim data".to_string(), 1),
            ("Secret db-pass".to_string(), 1),
            ("Secret old-token".to_string(), 0),
            ("ConfigMap cfg".to_string(), 0),
        ]
    );
    assert!(changes.iter().all(|c| c.change == Status::Removed));
    let secret = &changes[3].destructive[0].message;
    assert!(secret.contains("Deployment api"), "{secret}");
    // Secret readers: volumes, projected sources, envFrom, pull secrets, Ingress TLS.
    for reader in [
        json!({"kind": "Pod", "metadata": {"name": "p", "namespace": "ns"},
               "spec": {"volumes": [{"name": "v", "secret": {"secretName": "db-pass"}}]}}),
        json!({"kind": "Pod", "metadata": {"name": "p", "namespace": "ns"},
               "spec": {"volumes": [{"name": "v", "projected": {"sources": [{"secret": {"name": "db-pass"}}]}}]}}),
        json!({"kind": "Pod", "metadata": {"name": "p", "namespace": "ns"},
               "spec": {"containers": [{"name": "c", "envFrom": [{"secretRef": {"name": "db-pass"}}]}]}}),
        json!({"kind": "Pod", "metadata": {"name": "p", "namespace": "ns"},
               "spec": {"imagePullSecrets": [{"name": "db-pass"}]}}),
        json!({"kind": "Ingress", "metadata": {"name": "i", "namespace": "ns"},
               "spec": {"tls": [{"secretName": "db-pass"}]}}),
    ] {
        let secret = old[3].clone();
        let changes = diff(&[secret], std::slice::from_ref(&reader));
        let removed = changes.iter().find(|c| c.kind == "Secret").unwrap();
        assert_eq!(removed.destructive.len(), 1, "{reader}");
    }
    // A SealedSecret owns the Secret the controller makes of it: pruning it deletes that.
    let sealed = json!({"apiVersion": "bitnami.com/v1alpha1", "kind": "SealedSecret",
                        "metadata": {"name": "db-pass", "namespace": "ns"}});
    let changes = diff(&[sealed, old[6].clone()], &[old[6].clone()]);
    let removed = changes.iter().find(|c| c.kind == "SealedSecret").unwrap();
    assert_eq!(removed.destructive.len(), 1);
    assert!(removed.destructive[0].message.contains("Deployment api"));
    // A reader in another namespace does not count.
    let mut elsewhere = old[6].clone();
    elsewhere["metadata"]["namespace"] = json!("other");
    let changes = diff(&[old[3].clone()], &[elsewhere]);
    assert!(changes.iter().all(|c| c.destructive.is_empty()));
}

#[test]
fn rollout_names_checksums_and_other_template_changes() {
    let mut a = deployment("api", json!({"app": "api"}), "api:1");
    a["spec"]["template"]["metadata"]["annotations"] =
        json!({"checksum/config": "1", "checksum/secret": "1"});
    let mut b = a.clone();
    b["spec"]["template"]["metadata"]["annotations"]["checksum/secret"] = json!("2");
    let c = one(a.clone(), b);
    assert_eq!(
        paths(&c.rollout),
        ["spec.template.metadata.annotations[checksum/secret]"]
    );
    let mut b = a.clone();
    b["spec"]["template"]["spec"]["containers"][0]["args"] = json!(["--fast"]);
    let c = one(a.clone(), b);
    assert_eq!(paths(&c.rollout), ["spec.template"]);
    assert!(c.rollout[0].message.contains("containers[api].args"));
    // Replicas are not a rollout.
    let mut b = a.clone();
    b["spec"]["replicas"] = json!(5);
    assert!(one(a, b).rollout.is_empty());
}

#[test]
fn the_unified_diff_shows_only_what_changed_with_context() {
    let c = one(
        deployment("api", json!({"app": "api"}), "api:1"),
        deployment("api", json!({"app": "api"}), "api:2"),
    );
    let minus: Vec<&str> = c
        .diff
        .lines()
        .filter(|l| l.starts_with('-') && !l.starts_with("---"))
        .collect();
    let plus: Vec<&str> = c
        .diff
        .lines()
        .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
        .collect();
    assert_eq!(minus, ["-        image: api:1"]);
    assert_eq!(plus, ["+        image: api:2"]);
    assert!(
        c.diff
            .starts_with("--- old Deployment ns/api\n+++ new Deployment ns/api\n")
    );
    let docs = parse_yaml("---\n# c\na: 1\n---\n---\nb: [x]\n").unwrap();
    assert_eq!(docs, [json!({"a": 1}), json!({"b": ["x"]})]);
}

// ---- the command ----

fn write(dir: &Path, path: &str, text: &str) {
    let path = dir.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap()
}

fn report(dir: &Path, args: &[&str]) -> (i32, Value) {
    let mut args = args.to_vec();
    args.extend(["--format", "json"]);
    let out = run(dir, &args);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}):\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (code(&out), json)
}

/// The `fields` of each change with a non-empty `list` (every change for `""`), joined by
/// spaces.
fn pick(report: &Value, list: &str, fields: &[&str]) -> Vec<String> {
    report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| list.is_empty() || !c[list].as_array().unwrap().is_empty())
        .map(|c| {
            let values: Vec<&str> = fields.iter().map(|f| c[*f].as_str().unwrap()).collect();
            values.join(" ")
        })
        .collect()
}

/// `change kind name` of every entry.
fn titles(report: &Value) -> Vec<String> {
    pick(report, "", &["change", "kind", "name"])
}

/// Kind and name of the workloads that roll, sorted.
fn rolling(report: &Value) -> Vec<String> {
    let mut names = pick(report, "rollout", &["kind", "name"]);
    names.sort();
    names
}

const SHOP: &str = r#"name = "shop"
namespace = "shop"
image = "shop:v1"
port = 8080
config = { MODE = "fast" }

[components.worker]
image = "worker:v1"
env = { MODE = { config = "MODE", from = "shop" } }

[components.cron]
kind = "CronJob"
schedule = "0 * * * *"
image = "cron:v1"

[components.db]
kind = "StatefulSet"
image = "postgres:16"
ports = { pg = 5432 }
config = { MAX_CONN = "100" }
volumes.data = { mount = "/data", size = "10Gi" }

[components.cache]
image = "redis:7"
ports = { redis = 6379 }
"#;

#[test]
fn an_unchanged_tree_has_no_changes_and_config_rolls_exactly_its_readers() {
    let dir = repo(&[("shop.toml", SHOP)]);
    assert_eq!(
        code(&run(dir.path(), &["render", "shop.toml", "-o", "out"])),
        0
    );
    let out = run(dir.path(), &["diff", "shop.toml", "-o", "out"]);
    assert_eq!(code(&out), 0);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "no changes\n");
    let (code0, json) = report(dir.path(), &["diff", "shop.toml", "-o", "out"]);
    assert_eq!(code0, 0);
    assert_eq!(json["changes"], json!([]));

    // The shop's config: the shop and the worker that reads its MODE roll, nothing else.
    write(
        dir.path(),
        "shop.toml",
        &SHOP.replace("\"fast\"", "\"safe\""),
    );
    let (exit, json) = report(dir.path(), &["diff", "shop.toml", "-o", "out"]);
    assert_eq!(exit, 0, "{json:#}");
    assert_eq!(
        rolling(&json),
        ["Deployment shop", "Deployment shop-worker"]
    );
    let mut changed = titles(&json);
    changed.sort();
    assert_eq!(
        changed,
        [
            "changed ConfigMap shop-config",
            "changed Deployment shop",
            "changed Deployment shop-worker"
        ]
    );
    let worker = json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "shop-worker")
        .unwrap();
    let reasons = &worker["rollout"];
    assert_eq!(
        reasons,
        &json!([{"path": "spec.template.metadata.annotations[checksum/config]",
                 "message": "the config (ConfigMaps) its pods read changed"}])
    );

    // The StatefulSet's own config rolls only it.
    write(dir.path(), "shop.toml", &SHOP.replace("\"100\"", "\"200\""));
    let (_, json) = report(dir.path(), &["diff", "shop.toml", "-o", "out"]);
    assert_eq!(rolling(&json), ["StatefulSet shop-db"]);

    // An image bump rolls its workload only (the CronJob is not a rollout).
    write(
        dir.path(),
        "shop.toml",
        &SHOP.replace("redis:7", "redis:7.2"),
    );
    let (_, json) = report(dir.path(), &["diff", "shop.toml", "-o", "out"]);
    assert_eq!(rolling(&json), ["Deployment shop-cache"]);
    let image = &json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "Deployment")
        .unwrap()["rollout"][0];
    assert_eq!(image["message"], "image of cache: redis:7 -> redis:7.2");
}

#[test]
fn breaking_and_destructive_changes_exit_1_unless_allowed() {
    let dir = repo(&[("shop.toml", SHOP)]);
    assert_eq!(
        code(&run(dir.path(), &["render", "shop.toml", "-o", "out"])),
        0
    );

    // A smaller claim template: the StatefulSet cannot be updated in place.
    write(dir.path(), "shop.toml", &SHOP.replace("10Gi", "5Gi"));
    let args = ["diff", "shop.toml", "-o", "out"];
    let out = run(dir.path(), &args);
    assert_eq!(code(&out), 1);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(
            "~ StatefulSet shop/shop-db changed\n  breaking: spec.volumeClaimTemplates: "
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("-          storage: 10Gi\n+          storage: 5Gi\n"),
        "{stdout}"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("1 breaking change; accept with --allow breaking"),
    );
    let (exit, json) = report(
        dir.path(),
        &["diff", "shop.toml", "-o", "out", "--allow", "breaking"],
    );
    assert_eq!(exit, 0);
    assert_eq!(json["blocked"], false);
    assert_eq!(json["summary"]["breaking"], 1);

    // A new selector on a Deployment.
    let selector = SHOP.replace(
        "image = \"redis:7\"",
        "image = \"redis:7\"\nselector = { app = \"redis\" }",
    );
    write(dir.path(), "shop.toml", &selector);
    let (exit, json) = report(dir.path(), &args);
    assert_eq!(exit, 1);
    assert_eq!(json["blocked"], true);
    let deployment = json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "Deployment")
        .unwrap();
    assert_eq!(deployment["breaking"][0]["path"], "spec.selector");

    // Dropping the database: its StatefulSet goes (destructive); its Service and ConfigMap
    // are plain removals.
    let end = SHOP.find("[components.db]").unwrap();
    let cache = SHOP.find("[components.cache]").unwrap();
    let without_db = format!("{}{}", &SHOP[..end], &SHOP[cache..]);
    write(dir.path(), "shop.toml", &without_db);
    let (exit, json) = report(dir.path(), &args);
    assert_eq!(exit, 1, "{json:#}");
    let destructive = pick(&json, "destructive", &["change", "kind"]);
    assert_eq!(destructive, ["removed StatefulSet"]);
    assert!(titles(&json).contains(&"removed ConfigMap shop-db-config".to_string()));
    let out = run(
        dir.path(),
        &["diff", "shop.toml", "-o", "out", "--allow", "breaking"],
    );
    assert_eq!(code(&out), 1, "breaking is not destructive");
    let out = run(
        dir.path(),
        &["diff", "shop.toml", "-o", "out", "--allow", "destructive"],
    );
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn the_json_report_has_a_stable_shape() {
    let dir = repo(&[("shop.toml", SHOP)]);
    run(dir.path(), &["render", "shop.toml", "-o", "out"]);
    write(dir.path(), "shop.toml", &SHOP.replace("cron:v1", "cron:v2"));
    let (_, json) = report(dir.path(), &["diff", "shop.toml", "-o", "out"]);
    let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["changes", "summary", "blocked"]);
    let change = &json["changes"][0];
    let keys: Vec<&String> = change.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "folder",
            "apiVersion",
            "kind",
            "namespace",
            "name",
            "change",
            "breaking",
            "destructive",
            "rollout",
            "diff"
        ]
    );
    assert_eq!(change["kind"], "CronJob");
    assert_eq!(change["folder"], "");
    // Only the CronJob (the version label is on workloads and pod templates alone, so its
    // NetworkPolicy does not move); a CronJob's template is used by the next run, it does not
    // roll.
    assert_eq!(
        json["summary"],
        json!({"added": 0, "removed": 0, "changed": 1, "breaking": 0, "destructive": 0, "rollout": 0})
    );
}

#[test]
fn the_tree_reader_compares_only_what_k8gen_wrote() {
    let dir = repo(&[
        ("a.toml", "name = \"a\"\nimage = \"a:1\"\n"),
        ("b.toml", "name = \"b\"\nimage = \"b:1\"\n"),
    ]);
    assert_eq!(code(&run(dir.path(), &["render", ".", "-o", "out"])), 0);
    write(
        dir.path(),
        "out/a/kustomization.yaml",
        "resources: [x.yaml]\n",
    );
    write(dir.path(), "out/a/notes.txt", "hello\n");
    write(
        dir.path(),
        "out/a/sealed.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: sealed}\n",
    );
    // A hand edit of a k8gen file is a change; formatting alone is not.
    let file = dir.path().join("out/b/deployment-b.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("image: b:1", "image: 'b:0'")).unwrap();
    let (exit, json) = report(dir.path(), &["diff", ".", "-o", "out"]);
    assert_eq!(exit, 0);
    assert_eq!(titles(&json), ["changed Deployment b"]);
    assert_eq!(json["changes"][0]["folder"], "b");
    std::fs::write(&file, text.replace("image: b:1", "image: \"b:1\"")).unwrap();
    let (_, json) = report(dir.path(), &["diff", ".", "-o", "out"]);
    assert_eq!(titles(&json), Vec::<String>::new());
    // A spec gone: its folder's objects are removed; a missing tree: everything is added.
    std::fs::remove_file(dir.path().join("b.toml")).unwrap();
    std::fs::rename(dir.path().join("a.toml"), dir.path().join("c.toml")).unwrap();
    write(dir.path(), "a.toml", "name = \"a\"\nimage = \"a:1\"\n");
    let (_, json) = report(dir.path(), &["diff", ".", "-o", "out"]);
    let folders = pick(&json, "", &["change", "folder"]);
    assert!(folders.contains(&"removed b".to_string()), "{folders:?}");
    assert!(folders.contains(&"added c".to_string()), "{folders:?}");
    assert!(!folders.iter().any(|f| f.ends_with(" a")), "{folders:?}");
    let (_, json) = report(dir.path(), &["diff", "a.toml", "-o", "missing"]);
    assert!(titles(&json).iter().all(|t| t.starts_with("added ")));
    assert!(!titles(&json).is_empty());
    // Another spec's files in the same folder are not this run's.
    write(dir.path(), "d.toml", "name = \"d\"\nimage = \"d:1\"\n");
    assert_eq!(
        code(&run(dir.path(), &["render", "a.toml", "-o", "flat"])),
        0
    );
    assert_eq!(
        code(&run(dir.path(), &["render", "d.toml", "-o", "flat"])),
        0
    );
    // (Today's render removes a.toml's files there; the tree branch keeps them. Put one back.)
    write(
        dir.path(),
        "flat/configmap-a.yaml",
        &format!(
            "{}apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: a}}\n",
            k8gen::emit::header("a.toml")
        ),
    );
    let (_, json) = report(dir.path(), &["diff", "d.toml", "-o", "flat"]);
    assert_eq!(titles(&json), Vec::<String>::new());
    let (_, json) = report(dir.path(), &["diff", "a.toml", "c.toml", "-o", "out"]);
    assert!(!titles(&json).iter().any(|t| t.ends_with(" b")), "{json:#}");
    // Usage: -o or --base is needed.
    assert_eq!(code(&run(dir.path(), &["diff", "a.toml"])), 2);
}

pub fn git_available() -> bool {
    Command::new("git")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

pub fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args([
            "-c",
            "user.email=t@example.com",
            "-c",
            "user.name=t",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn base_compares_with_the_specs_at_a_git_revision() {
    if !git_available() {
        eprintln!("skipped: no git");
        return;
    }
    let dir = repo(&[
        ("apps/shop.toml", SHOP),
        ("apps/shop.staging.toml", "replicas = 2\n"),
        (
            "apps/k8gen.toml",
            "[environments.staging]\n[environments.prod]\n",
        ),
    ]);
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-qm", "one"]);
    // Unchanged: nothing, in every environment.
    let (exit, json) = report(
        dir.path(),
        &["diff", "apps", "--all-envs", "--base", "HEAD"],
    );
    assert_eq!(exit, 0, "{json:#}");
    assert_eq!(json["changes"], json!([]));
    // The overlay (read at the revision too) and a new spec.
    write(
        dir.path(),
        "apps/shop.staging.toml",
        "replicas = 2\nimage = \"shop:v2\"\n",
    );
    write(
        dir.path(),
        "apps/new.toml",
        "name = \"new\"\nimage = \"new:1\"\n",
    );
    let (exit, json) = report(
        dir.path(),
        &["diff", "apps", "--all-envs", "--base", "HEAD"],
    );
    assert_eq!(exit, 0, "{json:#}");
    assert_eq!(rolling(&json), ["Deployment shop"]);
    let rolled = json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| !c["rollout"].as_array().unwrap().is_empty())
        .unwrap();
    assert_eq!(rolled["folder"], "staging/shop");
    let added: Vec<&str> = json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["change"] == "added")
        .map(|c| c["folder"].as_str().unwrap())
        .collect();
    assert!(
        added.contains(&"prod/new") && added.contains(&"staging/new"),
        "{added:?}"
    );
    // From a subfolder, with a file argument; the committed tree is not read.
    let (_, json) = report(
        &dir.path().join("apps"),
        &["diff", "shop.toml", "--env", "staging", "--base", "HEAD"],
    );
    assert_eq!(rolling(&json), ["Deployment shop"]);
    // A revision that is not there.
    let out = run(dir.path(), &["diff", "apps", "--base", "no-such-rev"]);
    assert_eq!(code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a commit"));
    // Outside a repository, git says so.
    let elsewhere = repo(&[("shop.toml", SHOP)]);
    let out = run(elsewhere.path(), &["diff", "shop.toml", "--base", "HEAD"]);
    assert_eq!(code(&out), 2);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("git rev-parse --show-toplevel"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

const JOB: &str = r#"name = "shop"
namespace = "shop"
image = "shop:v1"
port = 8080

[components.migrate]
kind = "Job"
image = "shop-migrate:v1"

[components.db]
kind = "StatefulSet"
image = "postgres:16"
ports = { pg = 5432 }
"#;

#[test]
fn a_changed_migration_job_and_a_service_turning_headless_break_in_real_renders() {
    let dir = repo(&[("shop.toml", JOB)]);
    assert_eq!(
        code(&run(dir.path(), &["render", "shop.toml", "-o", "out"])),
        0
    );
    write(
        dir.path(),
        "shop.toml",
        &JOB.replace("shop-migrate:v1", "shop-migrate:v2"),
    );
    let (exit, json) = report(dir.path(), &["diff", "shop.toml", "-o", "out"]);
    assert_eq!(exit, 1);
    assert_eq!(
        pick(&json, "breaking", &["kind", "name"]),
        ["Job shop-migrate"]
    );
    let headless = JOB.replace(
        "port = 8080\n",
        "port = 8080\nservice = { headless = true }\n",
    );
    write(dir.path(), "shop.toml", &headless);
    let (_, json) = report(dir.path(), &["diff", "shop.toml", "-o", "out"]);
    let breaking: Vec<String> = json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["breaking"].as_array().unwrap().clone())
        .map(|r| r["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(breaking, ["spec.clusterIP"], "{json:#}");
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let dir = repo(&[("shop.toml", SHOP)]);
    run(dir.path(), &["render", "shop.toml", "-o", "out"]);
    write(dir.path(), "shop.toml", &SHOP.replace("redis:7", "redis:8"));
    let plain = run(dir.path(), &["diff", "shop.toml", "-o", "out"]);
    assert!(!plain.stdout.contains(&0x1b), "piped output has no escapes");
    let coloured = run(
        dir.path(),
        &["diff", "shop.toml", "-o", "out", "--color", "always"],
    );
    let text = String::from_utf8_lossy(&coloured.stdout);
    assert!(text.contains("\u{1b}["), "{text}");
    let mut stripped = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            chars.by_ref().find(|&c| c == 'm');
        } else {
            stripped.push(c);
        }
    }
    assert_eq!(stripped, String::from_utf8_lossy(&plain.stdout));
}
