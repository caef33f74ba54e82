//! An environment's own files in a tree (issue 9): the Namespaces it owns (`_namespaces/`),
//! the Argo CD Applications (`_argocd/`) and Flux Kustomizations (`_flux/`) of its apps, one
//! owner per Namespace across renders. Whole trees are rendered by the binary and read back.

use std::collections::BTreeMap;
use std::path::Path;

use crate::support::read_tree;
use crate::tree::{kustomize, ok, run, tools};

const PLATFORM: &str = r#"
[environments.staging]
namespace = "{app}-staging"
own_namespaces = true
namespaces = ["shared"]

[environments.production]
namespace = "{app}"
argocd = { server = "https://prod.example.com", project = "production" }
flux = { interval = "1m" }

[defaults]
labels = { "platform.example.com/team" = "checkout" }

[gitops]
argocd = { repo_url = "https://github.com/acme/config", revision = "main" }
flux = { source = "GitRepository/flux-system", timeout = "5m" }
"#;

const SHOP: &str = "name = \"shop\"\nimage = \"shop:1.0\"\nport = 8080\n\
    [components.migrate]\nimage = \"shop:1.0\"\nkind = \"Job\"\njob = { hook = \"pre-deploy\" }\n";
const API: &str = "name = \"api\"\nimage = \"api:1.0\"\nport = 8080\n";

/// A Git repository (`.git` is enough) with `k8gen.toml` and specs under `apps/`.
fn repo(r: &Path, platform: &str, specs: &[(&str, &str)]) {
    std::fs::create_dir_all(r.join(".git")).unwrap();
    std::fs::create_dir_all(r.join("apps")).unwrap();
    std::fs::write(r.join("apps/k8gen.toml"), platform).unwrap();
    for (name, text) in specs {
        std::fs::write(r.join("apps").join(name), text).unwrap();
    }
}

/// The values of `key: VALUE` lines (any indentation, list items too) in `text`.
fn values<'t>(text: &'t str, key: &str) -> Vec<&'t str> {
    text.lines()
        .filter_map(|l| {
            l.trim_start()
                .trim_start_matches("- ")
                .strip_prefix(key)
                .and_then(|r| r.strip_prefix(": "))
        })
        .collect()
}

fn files_under<'a>(tree: &'a BTreeMap<String, String>, folder: &str) -> Vec<&'a str> {
    tree.keys()
        .filter(|k| k.starts_with(folder))
        .map(String::as_str)
        .collect()
}

#[test]
fn the_environment_owns_its_namespaces_and_its_engines_sync_every_app_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let r = tmp.path();
    repo(r, PLATFORM, &[("shop.toml", SHOP), ("api.toml", API)]);
    ok(run(r, &["render", "apps", "--all-envs", "-o", "deploy"]));
    let tree = read_tree(&r.join("deploy"));

    // Staging owns the namespaces of its pattern and `shared`: written once, there only.
    assert_eq!(
        files_under(&tree, "staging/_namespaces/"),
        [
            "staging/_namespaces/kustomization.yaml",
            "staging/_namespaces/namespace-api-staging.yaml",
            "staging/_namespaces/namespace-shared.yaml",
            "staging/_namespaces/namespace-shop-staging.yaml",
        ]
    );
    let ns = &tree["staging/_namespaces/namespace-shop-staging.yaml"];
    assert!(
        ns.contains("    kustomize.toolkit.fluxcd.io/prune: disabled\n"),
        "{ns}"
    );
    assert!(
        ns.contains("    platform.example.com/team: checkout\n"),
        "{ns}"
    );
    for app in ["shop", "api"] {
        let own: Vec<_> = files_under(&tree, &format!("staging/{app}/"))
            .into_iter()
            .filter(|f| f.contains("/namespace-"))
            .collect();
        assert!(own.is_empty(), "{own:?}");
        // Production does not own them: each app still emits its own.
        assert!(tree.contains_key(&format!("production/{app}/namespace-{app}.yaml")));
    }
    assert!(
        !tree
            .keys()
            .any(|k| k.starts_with("production/_namespaces/"))
    );

    // Every path an engine object names is a folder of the tree with a kustomization.yaml.
    let mut paths = 0;
    for (file, content) in tree
        .iter()
        .filter(|(k, _)| k.contains("/_argocd/") || k.contains("/_flux/"))
    {
        if file.ends_with("/kustomization.yaml") {
            continue;
        }
        for path in values(content, "path") {
            let rel = path.trim_start_matches("./");
            let rel = rel
                .strip_prefix("deploy/")
                .unwrap_or_else(|| panic!("{file}: {path}"));
            assert!(
                tree.contains_key(&format!("{rel}/kustomization.yaml")),
                "{file} names {path}, which is no folder of the tree"
            );
            paths += 1;
        }
    }
    // Argo CD: 2 apps (3 sources: shop has 2) + root per env, + namespaces in staging; Flux:
    // 2 apps + 1 pre-deploy + root per env, + namespaces in staging.
    assert_eq!(paths, (4 + 1) + 4 + (4 + 1) + 4, "{:?}", tree.keys());

    // Argo CD sees shop's pre-deploy Job: a second source.
    let shop = &tree["production/_argocd/apps/application-shop-production.yaml"];
    assert_eq!(
        values(shop, "path"),
        [
            "deploy/production/shop",
            "deploy/production/shop/pre-deploy"
        ]
    );
    assert!(
        shop.contains(
            "  destination:\n    server: https://prod.example.com\n    namespace: shop\n"
        ),
        "{shop}"
    );
    assert!(shop.contains("  project: production\n"), "{shop}");
    assert!(
        shop.contains("- resources-finalizer.argocd.argoproj.io\n"),
        "{shop}"
    );
    let root = &tree["production/_argocd/application-production-apps.yaml"];
    assert_eq!(values(root, "path"), ["deploy/production/_argocd/apps"]);
    // The root's children are created where Argo CD runs.
    assert!(
        root.contains("server: https://kubernetes.default.svc\n"),
        "{root}"
    );
    assert!(!root.contains("finalizers"), "{root}");
    let api = &tree["staging/_argocd/apps/application-api-staging.yaml"];
    assert_eq!(values(api, "path"), ["deploy/staging/api"]);
    assert!(api.contains("    namespace: api-staging\n"), "{api}");

    // Flux: the app waits for its pre-deploy Kustomization (wait, force) and the namespaces.
    let flux = &tree["staging/_flux/apps/kustomization-shop-staging.yaml"];
    assert_eq!(
        values(flux, "name"),
        [
            "shop-staging",
            "staging-namespaces",
            "shop-staging-pre-deploy",
            "flux-system"
        ]
    );
    assert!(
        flux.contains("  prune: true\n") && !flux.contains("targetNamespace"),
        "{flux}"
    );
    let pre = &tree["staging/_flux/apps/kustomization-shop-staging-pre-deploy.yaml"];
    assert_eq!(values(pre, "path"), ["./deploy/staging/shop/pre-deploy"]);
    assert!(
        pre.contains("  wait: true\n") && pre.contains("  force: true\n"),
        "{pre}"
    );
    assert!(pre.contains("  timeout: 5m\n"), "{pre}");
    let prod = &tree["production/_flux/apps/kustomization-api-production.yaml"];
    assert!(prod.contains("  interval: 1m\n"), "{prod}");
    assert!(!prod.contains("dependsOn"), "{prod}");
    assert_eq!(
        values(
            &tree["staging/_flux/kustomization-staging-apps.yaml"],
            "path"
        ),
        ["./deploy/staging/_flux/apps"]
    );

    // The tree is what the specs render; a second render gives the same bytes.
    ok(run(
        r,
        &["render", "apps", "--all-envs", "-o", "deploy", "--check"],
    ));
    ok(run(r, &["render", "apps", "--all-envs", "-o", "again"]));
    let again = read_tree(&r.join("again"));
    let strip = |t: &BTreeMap<String, String>| -> BTreeMap<String, String> {
        t.iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.replace("deploy/", "X/").replace("again/", "X/"),
                )
            })
            .collect()
    };
    assert_eq!(strip(&tree), strip(&again));

    // A real kubectl builds every new folder into exactly its files' objects.
    if let Some((kubectl, python)) = tools() {
        for folder in [
            "staging/_namespaces",
            "staging/_argocd",
            "staging/_argocd/apps",
            "staging/_flux",
            "staging/_flux/apps",
            "production/_argocd/apps",
            "production/_flux/apps",
        ] {
            let built = kustomize(&kubectl, &r.join("deploy").join(folder));
            let got = crate::tree::objects(&python, &built).unwrap();
            let files: Vec<&String> = tree
                .iter()
                .filter(|(k, _)| {
                    k.strip_prefix(&format!("{folder}/"))
                        .is_some_and(|f| !f.contains('/') && f != "kustomization.yaml")
                })
                .map(|(_, v)| v)
                .collect();
            let want: Vec<String> = files
                .iter()
                .flat_map(|f| crate::tree::objects(&python, f).unwrap())
                .collect();
            assert!(!want.is_empty(), "{folder}");
            let (mut got, mut want) = (got, want);
            got.sort();
            want.sort();
            assert_eq!(got, want, "{folder}");
        }
    }

    // Removing an app removes its Application, Kustomizations and Namespace.
    std::fs::remove_file(r.join("apps/shop.toml")).unwrap();
    ok(run(r, &["render", "apps", "--all-envs", "-o", "deploy"]));
    let after = read_tree(&r.join("deploy"));
    assert!(
        !after.keys().any(|k| k.contains("shop")),
        "{:?}",
        after.keys()
    );
    assert!(after.contains_key("staging/_flux/apps/kustomization-api-staging.yaml"));
    assert!(!after["staging/_argocd/apps/kustomization.yaml"].contains("shop"));
    ok(run(
        r,
        &["render", "apps", "--all-envs", "-o", "deploy", "--check"],
    ));

    // Rendering one spec keeps the others' engine objects (made from the whole tree).
    std::fs::write(r.join("apps/shop.toml"), SHOP).unwrap();
    ok(run(
        r,
        &["render", "apps/shop.toml", "--all-envs", "-o", "deploy"],
    ));
    let one = read_tree(&r.join("deploy"));
    assert!(one.contains_key("staging/_flux/apps/kustomization-api-staging.yaml"));
    assert!(one.contains_key("staging/_flux/apps/kustomization-shop-staging-pre-deploy.yaml"));
    assert_eq!(one, tree);
}

#[test]
fn an_app_may_not_emit_a_namespace_its_environment_owns() {
    let tmp = tempfile::tempdir().unwrap();
    let r = tmp.path();
    let api = format!("{API}create_namespace = true\n");
    repo(r, PLATFORM, &[("api.toml", &api)]);
    let out = run(r, &["render", "apps", "--all-envs", "-o", "deploy"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(
            "apps/api.toml:4:20: error[K0125]: the environment owns the Namespace `api-staging`"
        ),
        "{err}"
    );
    assert!(!r.join("deploy").exists());
    // `check` says so too; production (which owns none) is fine.
    let out = run(r, &["check", "apps/api.toml", "--all-envs"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.matches("error[K0125]").count(), 1, "{err}");
}

#[test]
fn one_owner_per_namespace_across_renders_into_one_tree() {
    let tmp = tempfile::tempdir().unwrap();
    let r = tmp.path();
    for (dir, name) in [("t1", "a"), ("t2", "b")] {
        std::fs::create_dir(r.join(dir)).unwrap();
        std::fs::write(
            r.join(dir).join(format!("{name}.toml")),
            format!("name = \"{name}\"\nnamespace = \"team\"\nimage = \"{name}:1\"\n"),
        )
        .unwrap();
    }
    ok(run(r, &["render", "t1", "-o", "deploy"]));
    let before = read_tree(&r.join("deploy"));
    let out = run(r, &["render", "t2", "-o", "deploy"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("the Namespace `team` is emitted by `a.toml` (in the tree already, .k8gen-owned.json) and `b.toml`"),
        "{err}"
    );
    assert_eq!(read_tree(&r.join("deploy")), before);
    // Flat folders too: the clash is named as one, not as two specs writing one file.
    let out = run(r, &["render", "t1/a.toml", "-o", "flat"]);
    ok(out);
    let out = run(r, &["render", "t2/b.toml", "-o", "flat"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("one owner per Namespace"), "{err}");
    // With `create_namespace = false` the second app joins the namespace.
    std::fs::write(
        r.join("t2/b.toml"),
        "name = \"b\"\nnamespace = \"team\"\ncreate_namespace = false\nimage = \"b:1\"\n",
    )
    .unwrap();
    ok(run(r, &["render", "t2", "-o", "deploy"]));
}

#[test]
fn engine_paths_are_paths_in_the_repository() {
    let tmp = tempfile::tempdir().unwrap();
    let r = tmp.path().join("repo");
    std::fs::create_dir(&r).unwrap();
    let platform = "[environments.staging]\nnamespace = \"{app}\"\n\
        [gitops]\nflux = {}\nfolder = \"clusters/{env}/apps/{app}\"\n";
    repo(&r, platform, &[("api.toml", API)]);
    // Outside the repository: no path the engines could read.
    let out = run(&r, &["render", "apps", "--all-envs", "-o", "../outside"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("is outside the repository"), "{err}");
    assert!(!tmp.path().join("outside").exists());
    // Inside: the environment's folder follows the pattern.
    ok(run(
        &r,
        &["render", "apps", "--all-envs", "-o", "gitops/out"],
    ));
    let tree = read_tree(&r.join("gitops/out"));
    let app = &tree["clusters/staging/_flux/apps/kustomization-api-staging.yaml"];
    assert_eq!(
        values(app, "path"),
        ["./gitops/out/clusters/staging/apps/api"]
    );
    assert!(tree.contains_key("clusters/staging/apps/api/kustomization.yaml"));
    // `repo_path` says where the output folder is in the repository the engines read.
    std::fs::write(
        r.join("apps/k8gen.toml"),
        format!("{platform}repo_path = \"manifests\"\n"),
    )
    .unwrap();
    ok(run(
        &r,
        &["render", "apps", "--all-envs", "-o", "../outside"],
    ));
    let tree = read_tree(&tmp.path().join("outside"));
    let app = &tree["clusters/staging/_flux/apps/kustomization-api-staging.yaml"];
    assert_eq!(
        values(app, "path"),
        ["./manifests/clusters/staging/apps/api"]
    );
    // Bad settings are errors at their place in k8gen.toml.
    std::fs::write(
        r.join("apps/k8gen.toml"),
        platform.replace(
            "flux = {}",
            "flux = { source = \"flux-system\" }\nargocd = {}",
        ),
    )
    .unwrap();
    let out = run(&r, &["render", "apps", "--all-envs", "-o", "gitops/out"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("apps/k8gen.toml:4:19: error[K0111]: invalid source `flux-system`"),
        "{err}"
    );
    // A missing key: at the table that lacks it.
    assert!(
        err.contains("apps/k8gen.toml:5:10: error[K0112]: Argo CD Applications need"),
        "{err}"
    );
    assert!(
        err.contains("4 | flux = { source = \"flux-system\" }"),
        "{err}"
    );
}

/// Each setting of `[gitops]` and `[environments.ENV]` that the environment's files take is
/// judged at the line that wrote it: an environment's value over `[gitops]`'s, a namespace at
/// its list item, `repo_path`, and an Application name label tracking cannot write (K0152).
#[test]
fn environment_settings_are_errors_at_their_place_in_k8gen_toml() {
    let tmp = tempfile::tempdir().unwrap();
    let r = tmp.path();
    let platform = "[environments.staging]\n\
        namespace = \"{app}-staging\"\n\
        namespaces = [\"shared\", \"Bad_NS\"]\n\
        flux = { interval = \"soon\" }\n\
        [gitops]\n\
        flux = { interval = \"5m\", timeout = \"later\" }\n\
        repo_path = \"../elsewhere\"\n";
    repo(r, platform, &[("api.toml", API)]);
    let out = run(r, &["render", "apps", "--all-envs", "-o", "deploy"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    for want in [
        "in environment `staging`:",
        // The environment's interval wins over [gitops]'s, and is the one shown.
        "apps/k8gen.toml:4:21: error[K0111]: invalid duration `soon`",
        "apps/k8gen.toml:6:37: error[K0111]: invalid duration `later`",
        "apps/k8gen.toml:3:25: error[K0111]: invalid namespace `Bad_NS`",
        "apps/k8gen.toml:7:13: error[K0111]: invalid path `../elsewhere/staging`",
    ] {
        assert!(err.contains(want), "{want}\n{err}");
    }
    assert!(!r.join("deploy").exists(), "written despite the errors");
    // `check` judges the same settings at the same places (the repo path aside: it knows no
    // output folder).
    let out = run(r, &["check", "apps", "--all-envs"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    for want in [
        "apps/k8gen.toml:4:21: error[K0111]: invalid duration `soon`",
        "apps/k8gen.toml:6:37: error[K0111]: invalid duration `later`",
        "apps/k8gen.toml:3:25: error[K0111]: invalid namespace `Bad_NS`",
    ] {
        assert!(err.contains(want), "{want}\n{err}");
    }
    let out = run(r, &["check", "apps", "--all-envs", "--format", "json"]);
    let findings: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        findings.iter().any(|f| f["file"] == "apps/k8gen.toml"
            && f["line"] == 4
            && f["column"] == 21
            && f["code"] == "K0111"),
        "{findings:#?}"
    );

    // Label tracking writes the Application's name into a label: 63 characters at most.
    let long = "a-very-long-application-folder-name-for-the-shop-api-service";
    let platform = "[environments.staging]\nnamespace = \"api\"\n\
        [defaults]\nargocd_tracking = \"label\"\n\
        [gitops]\nargocd = { repo_url = \"https://github.com/acme/config\" }\n";
    std::fs::write(r.join("apps/k8gen.toml"), platform).unwrap();
    std::fs::remove_file(r.join("apps/api.toml")).unwrap();
    std::fs::write(r.join(format!("apps/{long}.toml")), API).unwrap();
    let out = run(r, &["render", "apps", "--all-envs", "-o", "deploy"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    let name = format!("{long}-staging");
    assert!(name.len() > 63);
    assert!(
        err.contains(&format!(
            "apps/k8gen.toml:6:10: error[K0152]: the Argo CD Application `{name}` has {} characters",
            name.len()
        )),
        "{err}"
    );
    assert!(!r.join("deploy").exists());
    // Annotation tracking (Argo CD 3.0's default, and k8gen's) has no such limit.
    std::fs::write(
        r.join("apps/k8gen.toml"),
        platform.replace("\"label\"", "\"annotation\""),
    )
    .unwrap();
    ok(run(r, &["render", "apps", "--all-envs", "-o", "deploy"]));
    // Flux writes its Kustomization's name into a label whatever Argo CD does.
    std::fs::write(
        r.join("apps/k8gen.toml"),
        platform.replace("\"label\"", "\"annotation\"") + "flux = {}\n",
    )
    .unwrap();
    let out = run(r, &["render", "apps", "--all-envs", "-o", "deploy"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!(
            "apps/k8gen.toml:7:8: error[K0152]: the Flux Kustomization `{name}` has"
        )),
        "{err}"
    );
}

/// `k8gen diff -o DIR --all-envs` compares the environments' own files too: an unchanged tree
/// is no change (they are not "removed"), a changed Application or Kustomization is a plain
/// change, a Namespace leaving the environment is destructive like an app's.
#[test]
fn diff_covers_the_environments_own_files() {
    let tmp = tempfile::tempdir().unwrap();
    let r = tmp.path();
    repo(r, PLATFORM, &[("shop.toml", SHOP), ("api.toml", API)]);
    ok(run(r, &["render", "apps", "--all-envs", "-o", "deploy"]));
    let diff = |args: &[&str]| {
        let mut all = vec![
            "diff",
            "apps",
            "--all-envs",
            "-o",
            "deploy",
            "--format",
            "json",
        ];
        all.extend_from_slice(args);
        let out = run(r, &all);
        let report: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
        (out.status.code(), report)
    };
    let (code, report) = diff(&[]);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["changes"], serde_json::json!([]), "{report:#}");
    // One spec of the folder: the environment files still made from every app of the tree.
    let out = run(r, &["diff", "apps/api.toml", "--all-envs", "-o", "deploy"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("no changes"));

    // A changed setting: the Kustomizations and Applications change, nothing breaks.
    std::fs::write(
        r.join("apps/k8gen.toml"),
        PLATFORM
            .replace("timeout = \"5m\"", "timeout = \"7m\"")
            .replace("project = \"production\"", "project = \"prod\""),
    )
    .unwrap();
    let (code, report) = diff(&[]);
    assert_eq!(code, Some(0), "{report:#}");
    let changes = report["changes"].as_array().unwrap();
    let changed: Vec<(String, String)> = changes
        .iter()
        .map(|c| {
            assert_eq!(c["change"], "changed", "{c:#}");
            (
                c["folder"].as_str().unwrap().to_string(),
                c["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        changed.contains(&("staging/_flux/apps".into(), "Kustomization".into())),
        "{changed:?}"
    );
    assert!(
        changed.contains(&("production/_argocd/apps".into(), "Application".into())),
        "{changed:?}"
    );
    assert_eq!(report["summary"]["breaking"], 0);
    assert_eq!(report["summary"]["destructive"], 0);

    // A Namespace the environment no longer owns: prune would delete it and all in it.
    std::fs::write(
        r.join("apps/k8gen.toml"),
        PLATFORM.replace("namespaces = [\"shared\"]\n", ""),
    )
    .unwrap();
    let (code, report) = diff(&[]);
    assert_eq!(code, Some(1), "{report:#}");
    let removed = (report["changes"].as_array().unwrap().iter())
        .find(|c| c["kind"] == "Namespace")
        .unwrap_or_else(|| panic!("{report:#}"));
    assert_eq!(removed["change"], "removed");
    assert_eq!(removed["name"], "shared");
    assert_eq!(removed["folder"], "staging/_namespaces");
    assert_eq!(report["summary"]["destructive"], 1, "{report:#}");
    let (code, _) = diff(&["--allow", "destructive"]);
    assert_eq!(code, Some(0));
}
