//! Content-hashed names (`config_rollout = "hashed-names"`, hashed and pre-deploy Jobs) on
//! whole output trees: a config edit moves exactly that ConfigMap and the pod templates that
//! read it, in every workload kind, and the replaced ConfigMap stays one more version; an image
//! bump moves exactly that workload (and a hashed Job's name); Kustomize's hasher, checked
//! against its test vector and against a real `kubectl kustomize`.

use std::collections::BTreeMap;
use std::path::Path;

use crate::support::read_tree;
use crate::tree::{kustomize, objects, ok, run, tools};

/// An app whose Deployment, StatefulSet, Job (a pre-deploy hook), CronJob and Pod read the
/// same ConfigMap, plus a Deployment that reads nothing.
fn spec(level: &str, shop_image: &str, migrate_image: &str) -> String {
    format!(
        r#"name = "shop"
namespace = "shop"
config_rollout = "hashed-names"
# The token is a test value: written plain, as k8gen.toml (see `render`) allows.
secrets_mode = "plain"
image = "{shop_image}"
port = 8080
config = {{ LOG_LEVEL = "{level}", MODE = "fast" }}
secrets = {{ TOKEN = {{ file = "token.txt" }} }}
image_pull_secrets = ["regcred"]

[components.worker]
kind = "StatefulSet"
image = "worker:v1"
sidecars = [{{ name = "shipper", image = "busybox:1.36", env = {{ LOG = {{ config = "LOG_LEVEL", from = "shop" }} }} }}]

[components.web]
release = {{ strategy = "blue-green", blue = "web:v1", green = "web:v2", active = "blue" }}
port = 8000
env = {{ LOG = {{ config = "LOG_LEVEL", from = "shop" }} }}

[components.migrate]
kind = "Job"
image = "{migrate_image}"
job = {{ hook = "pre-deploy" }}
env = {{ LOG = {{ config = "LOG_LEVEL", from = "shop" }} }}
init = [{{ name = "prepare", env = {{ LOG = {{ config = "LOG_LEVEL", from = "shop" }} }} }}]

[components.nightly]
kind = "CronJob"
schedule = "0 2 * * *"
image = "nightly:v1"
env = {{ LOG = {{ config = "LOG_LEVEL", from = "shop" }} }}

[components.debug]
kind = "Pod"
image = "busybox:1.36"
env = {{ LOG = {{ config = "LOG_LEVEL", from = "shop" }} }}

[components.other]
image = "other:v1"
port = 9090
"#
    )
}

/// The one file of `tree` whose path starts with `prefix`.
fn one<'t>(tree: &'t BTreeMap<String, String>, prefix: &str) -> (&'t str, &'t str) {
    let found: Vec<_> = tree.iter().filter(|(p, _)| p.starts_with(prefix)).collect();
    assert_eq!(found.len(), 1, "{prefix}: {:?}", tree.keys());
    (found[0].0, found[0].1)
}

/// The object name in a file path `folder/kind-NAME.yaml`.
fn name_in(path: &str, kind: &str) -> String {
    let file = path.rsplit('/').next().unwrap();
    file.strip_prefix(&format!("{kind}-"))
        .and_then(|f| f.strip_suffix(".yaml"))
        .unwrap()
        .to_string()
}

/// Paths whose content differs between two trees (or that only one has).
fn moved(a: &BTreeMap<String, String>, b: &BTreeMap<String, String>) -> Vec<String> {
    let mut out: Vec<String> = a
        .keys()
        .chain(b.keys())
        .filter(|p| a.get(*p) != b.get(*p))
        .cloned()
        .collect();
    out.sort();
    out.dedup();
    out
}

fn render(dir: &Path, text: &str) -> BTreeMap<String, String> {
    std::fs::write(dir.join("shop.toml"), text).unwrap();
    std::fs::write(dir.join("k8gen.toml"), "[secrets]\nallow_plain = true\n").unwrap();
    ok(run(dir, &["render", "shop.toml", "-o", "out"]));
    read_tree(&dir.join("out"))
}

fn manifest(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("out/.k8gen-owned.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn a_config_edit_moves_that_config_map_and_its_readers_and_keeps_the_old_one_once() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("token.txt"), "s3cret").unwrap();
    let v1 = render(dir, &spec("info", "shop:v1", "migrate:v1"));
    let (cm1_path, cm1) = one(&v1, "configmap-shop-config-");
    let cm1_name = name_in(cm1_path, "configmap");
    let (job1_path, job1) = one(&v1, "pre-deploy/job-shop-migrate-");
    let job1_name = name_in(job1_path, "job");
    // Every workload kind reads the hashed name; no checksum annotation is left for it.
    for (path, content) in &v1 {
        if [
            "deployment-shop.yaml",
            "deployment-shop-web-",
            "statefulset-",
            "cronjob-",
            "pod-",
            "pre-deploy/job-",
        ]
        .iter()
        .any(|p| path.starts_with(p))
        {
            assert!(content.contains(&cm1_name), "{path} reads {cm1_name}");
            assert!(!content.contains("checksum/config"), "{path}");
        }
    }
    assert!(v1["deployment-shop.yaml"].contains("name: regcred"));
    // The pre-deploy Job is in its own folder, not listed by the app folder's kustomization.
    assert!(!v1["kustomization.yaml"].contains("- job-"));
    assert!(v1["pre-deploy/kustomization.yaml"].contains(&format!("- job-{job1_name}.yaml")));
    assert!(job1.contains("argocd.argoproj.io/hook: PreSync"));
    assert!(job1.contains("argocd.argoproj.io/hook-delete-policy: BeforeHookCreation"));

    // Edit one value: the ConfigMap gets a new name, its readers follow, the old one stays.
    let v2 = render(dir, &spec("debug", "shop:v1", "migrate:v1"));
    let others: BTreeMap<String, String> = (v2.iter())
        .filter(|(p, _)| *p != cm1_path)
        .map(|(p, c)| (p.clone(), c.clone()))
        .collect();
    let cm2_path = one(&others, "configmap-shop-config-").0.to_string();
    let cm2_name = name_in(&cm2_path, "configmap");
    assert_ne!(cm1_name, cm2_name);
    assert_eq!(
        v2[cm1_path], cm1,
        "the previous version is kept byte for byte"
    );
    let (job2_path, job2) = one(&v2, "pre-deploy/job-shop-migrate-");
    let job2_name = name_in(job2_path, "job");
    assert_ne!(job1_name, job2_name, "the Job reads the config: a new Job");
    let readers = [
        "cronjob-shop-nightly.yaml",
        "deployment-shop-web-blue.yaml",
        "deployment-shop-web-green.yaml",
        "deployment-shop.yaml",
        "pod-shop-debug.yaml",
        "statefulset-shop-worker.yaml",
    ];
    let mut want: Vec<String> = readers.iter().map(|s| s.to_string()).collect();
    want.extend([
        cm2_path.clone(),
        "kustomization.yaml".into(),
        job1_path.to_string(),
        job2_path.to_string(),
        "pre-deploy/kustomization.yaml".into(),
    ]);
    want.sort();
    assert_eq!(moved(&v1, &v2), want, "exactly these files move");
    for r in readers {
        assert_eq!(
            v2[r],
            v1[r].replace(&cm1_name, &cm2_name),
            "{r}: only the ConfigMap's name changes"
        );
    }
    assert_eq!(
        job2,
        job1.replace(&cm1_name, &cm2_name)
            .replace(&job1_name, &job2_name)
    );
    // The app folder lists the old version too (so Flux and Argo CD do not prune it), and the
    // manifest records it as kept.
    assert!(v2["kustomization.yaml"].contains(&format!("- configmap-{cm1_name}.yaml")));
    let kept = &manifest(dir)["owners"]["shop.toml"]["previous"];
    assert_eq!(kept[0]["path"], cm1_path);
    assert_eq!(kept.as_array().unwrap().len(), 1);

    // Unchanged: the same tree, and `--check` agrees.
    let again = render(dir, &spec("debug", "shop:v1", "migrate:v1"));
    assert_eq!(again, v2);
    ok(run(dir, &["render", "shop.toml", "-o", "out", "--check"]));
    // `k8gen diff` reads the pre-deploy folder with the app's and the kept version as kept.
    let diff = ok(run(dir, &["diff", "shop.toml", "-o", "out"]));
    assert_eq!(String::from_utf8_lossy(&diff.stdout).trim(), "no changes");

    // The next edit lets the first version go and keeps the second.
    let v3 = render(dir, &spec("warn", "shop:v1", "migrate:v1"));
    assert!(!v3.contains_key(cm1_path));
    assert_eq!(v3[&cm2_path], v2[&cm2_path]);
    assert_eq!(
        v3.keys()
            .filter(|p| p.starts_with("configmap-shop-config-"))
            .count(),
        2
    );
    ok(run(dir, &["render", "shop.toml", "-o", "out", "--check"]));
}

#[test]
fn an_image_bump_moves_that_workload_and_the_hashed_job_name_only() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("token.txt"), "s3cret").unwrap();
    let v1 = render(dir, &spec("info", "shop:v1", "migrate:v1"));
    // The Deployment's image.
    let v2 = render(dir, &spec("info", "shop:v2", "migrate:v1"));
    assert_eq!(moved(&v1, &v2), ["deployment-shop.yaml"]);
    assert_eq!(
        v2["deployment-shop.yaml"],
        v1["deployment-shop.yaml"]
            .replace("image: shop:v1", "image: shop:v2")
            .replace("version: v1", "version: v2")
    );
    // The Job's image: a new Job name, and nothing else moves.
    let v3 = render(dir, &spec("info", "shop:v2", "migrate:v2"));
    let (old_path, old) = one(&v2, "pre-deploy/job-shop-migrate-");
    let (new_path, new) = one(&v3, "pre-deploy/job-shop-migrate-");
    assert_ne!(old_path, new_path);
    let mut want = vec![
        old_path.to_string(),
        new_path.to_string(),
        "pre-deploy/kustomization.yaml".into(),
    ];
    want.sort();
    assert_eq!(moved(&v2, &v3), want);
    assert_eq!(
        new,
        old.replace("image: migrate:v1", "image: migrate:v2")
            .replace("version: v1", "version: v2")
            .replace(&name_in(old_path, "job"), &name_in(new_path, "job"))
    );
}

#[test]
fn the_hash_is_kustomizes() {
    // Kustomize's own test vector (api/hasher).
    let vector = serde_json::json!({"data": {"one": ""}, "kind": "ConfigMap", "name": ""});
    assert_eq!(k8gen::kustomize_hash(&vector), "9g67k2htb6");
    let Some((kubectl, _)) = tools() else { return };
    // A configMapGenerator and a secretGenerator with the same data as a spec's config and
    // secrets: the names must be equal.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let blob: &[u8] = &[0, 159, 146, 150, 255];
    std::fs::write(dir.join("blob.bin"), blob).unwrap();
    std::fs::write(dir.join("token.txt"), "tök<en>&\n").unwrap();
    std::fs::write(dir.join("app.conf"), "a = 1\nb = \"<two>\"\n").unwrap();
    std::fs::write(
        dir.join("shop.toml"),
        r#"name = "shop"
config_rollout = "hashed-names"
image = "shop:v1"
[config]
LOG_LEVEL = "info"
QUOTE = "it's \"quoted\" & <tagged>"
EMPTY = ""
"app.conf" = { file = "app.conf" }
"blob.bin" = { file = "blob.bin" }
[secrets]
TOKEN = { file = "token.txt" }
"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("kustomization.yaml"),
        r#"configMapGenerator:
- name: shop-config
  literals:
  - LOG_LEVEL=info
  - QUOTE=it's "quoted" & <tagged>
  - EMPTY=
  files:
  - app.conf
  - blob.bin
secretGenerator:
- name: shop-secrets
  files:
  - TOKEN=token.txt
"#,
    )
    .unwrap();
    let built = kustomize(&kubectl, dir);
    let ours = String::from_utf8(ok(run(dir, &["render", "shop.toml"])).stdout).unwrap();
    let names = |yaml: &str, prefix: &str| -> Vec<String> {
        yaml.lines()
            .filter_map(|l| l.trim().strip_prefix("name: "))
            .filter(|n| n.starts_with(prefix))
            .map(str::to_string)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect()
    };
    for prefix in ["shop-config-", "shop-secrets-"] {
        let theirs = names(&built, prefix);
        assert_eq!(theirs.len(), 1, "{built}");
        assert_eq!(names(&ours, prefix), theirs, "{prefix}");
    }
}

/// `kubectl kustomize` builds a hashed-mode app folder into k8gen's stream without the
/// pre-deploy Job, and the `pre-deploy/` folder into that Job.
#[test]
fn kubectl_kustomize_builds_a_hashed_folder_into_the_stream() {
    let Some((kubectl, python)) = tools() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("token.txt"), "s3cret").unwrap();
    render(dir, &spec("info", "shop:v1", "migrate:v1"));
    let stream = String::from_utf8(ok(run(dir, &["render", "shop.toml"])).stdout).unwrap();
    let want = objects(&python, &stream).unwrap();
    let (pre, main): (Vec<String>, Vec<String>) = want
        .into_iter()
        .partition(|o| o.contains("\"argocd.argoproj.io/hook\": \"PreSync\""));
    assert_eq!(pre.len(), 1);
    let got = objects(&python, &kustomize(&kubectl, &dir.join("out"))).unwrap();
    assert_eq!(got, main);
    let got = objects(&python, &kustomize(&kubectl, &dir.join("out/pre-deploy"))).unwrap();
    assert_eq!(got, pre);
}

#[test]
fn hooks_and_job_names_are_for_jobs_from_both_front_ends() {
    use k8gen::model::*;
    // The Rust builder gives the spec's Job.
    let tmp = tempfile::tempdir().unwrap();
    let spec_text =
        "name = \"db\"\nimage = \"m:v1\"\nkind = \"Job\"\njob = { hook = \"pre-deploy\" }\n";
    let from_toml = k8gen::render_source(spec_text, tmp.path(), &crate::support::FsHost).unwrap();
    let mut c = Component::new("db", "m:v1");
    c.workload = Workload::Job(JobSettings {
        hook: Some(JobHook::PreDeploy),
        ..Default::default()
    });
    let from_rust = k8gen::render_app(&App::new("db").component(c)).unwrap();
    assert_eq!(from_toml, from_rust);
    let job = from_rust.iter().find(|o| o.kind() == "Job").unwrap();
    assert!(job.is_pre_deploy());
    assert!(k8gen::model::names::unhashed(job.name()) == Some("db"));
    // Fixed on request.
    let fixed = spec_text.replace(
        "hook = \"pre-deploy\"",
        "hook = \"pre-deploy\", name = \"fixed\"",
    );
    let objects = k8gen::render_source(&fixed, tmp.path(), &crate::support::FsHost).unwrap();
    assert!(
        objects
            .iter()
            .any(|o| o.kind() == "Job" && o.name() == "db")
    );
    // A CronJob takes neither key, from either front end.
    let cron = "name = \"db\"\nimage = \"m:v1\"\nkind = \"CronJob\"\nschedule = \"0 1 * * *\"\n\
                job = { hook = \"pre-deploy\" }\n";
    let err = k8gen::render_source(cron, tmp.path(), &crate::support::FsHost).unwrap_err();
    assert!(
        err.iter().any(|d| d.code == k8gen::codes::NOT_FOR_KIND),
        "{err:?}"
    );
    let mut c = Component::new("db", "m:v1");
    c.workload = Workload::CronJob {
        schedule: "0 1 * * *".into(),
        job: JobSettings {
            name: Some(JobName::Hashed),
            ..Default::default()
        },
        cron: CronSettings::default(),
    };
    let issues = k8gen::render_app(&App::new("db").component(c)).unwrap_err();
    assert!(
        issues.iter().any(|i| i.code == k8gen::codes::NOT_FOR_KIND),
        "{issues:?}"
    );
}

#[test]
fn the_platform_can_choose_hashed_names_and_external_secrets_keep_their_checksum() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(
        dir.join("k8gen.toml"),
        "[defaults]\nconfig_rollout = \"hashed-names\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("shop.toml"),
        "name = \"shop\"\nimage = \"shop:v1\"\nconfig = { A = \"1\" }\n\
         external_secrets = { store = \"vault\" }\nsecrets = { TOKEN = { external = \"shop/token\" } }\n",
    )
    .unwrap();
    let out = String::from_utf8(ok(run(dir, &["render", "shop.toml"])).stdout).unwrap();
    let hashed = out
        .lines()
        .filter_map(|l| l.trim().strip_prefix("name: shop-config-"))
        .collect::<Vec<_>>();
    assert!(!hashed.is_empty(), "{out}");
    assert!(hashed.iter().all(|h| *h == hashed[0] && h.len() == 10));
    // The Secret an ExternalSecret makes keeps its name and rolls pods by checksum.
    assert!(out.contains("name: shop-secrets\n"), "{out}");
    assert!(out.contains("checksum/secret:"));
    assert!(!out.contains("checksum/config:"));
    // The app's own key wins over the platform's.
    let text = std::fs::read_to_string(dir.join("shop.toml")).unwrap();
    std::fs::write(
        dir.join("shop.toml"),
        format!("config_rollout = \"checksum\"\n{text}"),
    )
    .unwrap();
    let out = String::from_utf8(ok(run(dir, &["render", "shop.toml"])).stdout).unwrap();
    assert!(out.contains("name: shop-config\n") && out.contains("checksum/config:"));
}
