//! Output trees as GitOps repos hold them (issue 9): per-spec ownership, removal of what is no
//! longer produced, file modes, only changed files move, `--check`, `kustomization.yaml`
//! built by a real `kubectl kustomize`. Whole trees are compared, not single files.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Output};

/// Runs k8gen in `cwd` under a shell with `umask`.
fn run_umask(cwd: &Path, umask: &str, args: &[&str]) -> Output {
    let mut cmd = format!("umask {umask}; exec \"$0\"");
    for i in 0..args.len() {
        cmd.push_str(&format!(" \"${}\"", i + 1));
    }
    Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .arg(env!("CARGO_BIN_EXE_k8gen"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .expect("run k8gen")
}

pub(crate) fn run(cwd: &Path, args: &[&str]) -> Output {
    run_umask(cwd, "022", args)
}

/// `out`, after asserting the run succeeded (its stderr otherwise).
pub fn ok(out: Output) -> Output {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Every entry under `dir` (files, recursively): relative path → (content, inode, mode).
#[cfg(unix)]
fn snapshot(dir: &Path) -> BTreeMap<String, (String, u64, u32)> {
    use std::os::unix::fs::MetadataExt;
    fn walk(dir: &Path, rel: &str, out: &mut BTreeMap<String, (String, u64, u32)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            let r = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            let m = std::fs::symlink_metadata(e.path()).unwrap();
            if m.is_dir() {
                walk(&e.path(), &r, out);
            } else {
                let content = std::fs::read_to_string(e.path()).unwrap_or_default();
                out.insert(r, (content, m.ino(), m.mode() & 0o777));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, "", &mut out);
    out
}

fn app(name: &str, image: &str, config: &str) -> String {
    format!(
        "name = \"{name}\"\nnamespace = \"{name}\"\nimage = \"{image}\"\nport = 8080\n\
         [config]\nLEVEL = \"{config}\"\n\
         [components.worker]\nimage = \"worker:1.0\"\nkind = \"StatefulSet\"\nport = 9000\n"
    )
}

#[cfg(unix)]
#[test]
fn specs_own_their_files_and_removed_specs_take_theirs_along() {
    let tmp = tempfile::tempdir().unwrap();
    let r = tmp.path();
    std::fs::write(r.join("a.toml"), app("alpha", "alpha:1", "info")).unwrap();
    std::fs::write(r.join("b.toml"), app("beta", "beta:1", "info")).unwrap();
    // Two specs rendered one after the other into one folder: both keep their files.
    ok(run(r, &["render", "a.toml", "-o", "f"]));
    let a_only = snapshot(&r.join("f"));
    ok(run(r, &["render", "b.toml", "-o", "f"]));
    let both = snapshot(&r.join("f"));
    for name in a_only
        .keys()
        .filter(|n| !n.starts_with('.') && !n.starts_with("kustom"))
    {
        assert!(both.contains_key(name), "b's render removed a's `{name}`");
    }
    assert!(both.keys().any(|n| n.contains("beta")), "{:?}", both.keys());
    let kustomization = &both["kustomization.yaml"].0;
    for name in both
        .keys()
        .filter(|n| n.ends_with(".yaml") && *n != "kustomization.yaml")
    {
        assert!(
            kustomization.contains(&format!("- {name}\n")),
            "{kustomization}"
        );
    }
    // A foreign file, in the folder and in a subfolder, stays through everything below.
    std::fs::write(r.join("f/README.md"), "mine\n").unwrap();
    std::fs::write(r.join("f/notes.yaml"), "kind: Mine\n").unwrap();

    // A spec folder: one subfolder per spec; renaming a spec moves its folder.
    std::fs::create_dir(r.join("apps")).unwrap();
    std::fs::write(r.join("apps/a.toml"), app("alpha", "alpha:1", "info")).unwrap();
    std::fs::write(r.join("apps/b.toml"), app("beta", "beta:1", "info")).unwrap();
    ok(run(r, &["render", "apps", "-o", "deploy"]));
    std::fs::write(r.join("deploy/b/local.txt"), "mine\n").unwrap();
    std::fs::rename(r.join("apps/a.toml"), r.join("apps/c.toml")).unwrap();
    ok(run(r, &["render", "apps", "-o", "deploy"]));
    let tree = snapshot(&r.join("deploy"));
    assert!(
        !tree.keys().any(|k| k.starts_with("a/")),
        "the renamed spec's folder stayed: {:?}",
        tree.keys()
    );
    assert!(!r.join("deploy/a").exists(), "empty folder a/ stayed");
    assert!(tree.keys().any(|k| k.starts_with("c/deployment-")));
    assert_eq!(tree["b/local.txt"].0, "mine\n");
    // Deleting a spec removes its folder at the next render of any spec into the tree.
    std::fs::remove_file(r.join("apps/c.toml")).unwrap();
    ok(run(r, &["render", "apps/b.toml", "-o", "deploy"]));
    // (One spec renders straight into the folder; b/'s files belong to the owner `b.toml`.)
    let tree = snapshot(&r.join("deploy"));
    assert!(
        !tree.keys().any(|k| k.starts_with("c/")),
        "{:?}",
        tree.keys()
    );
    assert_eq!(tree["b/local.txt"].0, "mine\n");

    // The flat folder after all this: foreign files untouched.
    let f = snapshot(&r.join("f"));
    assert_eq!(f["README.md"].0, "mine\n");
    assert_eq!(f["notes.yaml"].0, "kind: Mine\n");
}

#[cfg(unix)]
#[test]
fn a_file_another_spec_owns_is_refused_and_the_tree_stays() {
    // Two specs of one app name (in two namespaces): the same file names in one folder.
    let b =
        app("alpha", "alpha:2", "debug").replace("namespace = \"alpha\"", "namespace = \"beta\"");
    let tmp = crate::support::repo(&[("a.toml", &app("alpha", "alpha:1", "info")), ("b.toml", &b)]);
    let r = tmp.path();
    ok(run(r, &["render", "a.toml", "-o", "f"]));
    let before = snapshot(&r.join("f"));
    let out = run(r, &["render", "b.toml", "-o", "f"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("is written by both `a.toml` and `b.toml`"),
        "{err}"
    );
    assert_eq!(
        snapshot(&r.join("f")),
        before,
        "the refused render changed the tree"
    );
    // Both in one run: a subfolder each, no clash.
    let out = run(r, &["render", "a.toml", "b.toml", "-o", "g"]);
    assert!(
        out.status.success(),
        "two specs write two subfolders: {out:?}"
    );
}

#[cfg(unix)]
#[test]
fn modes_follow_the_umask_and_only_changed_files_move() {
    let tmp = tempfile::tempdir().unwrap();
    let r = tmp.path();
    std::fs::write(r.join("a.toml"), app("alpha", "alpha:1", "info")).unwrap();
    ok(run_umask(r, "027", &["render", "a.toml", "-o", "f"]));
    let fresh = snapshot(&r.join("f"));
    assert!(
        fresh.values().all(|(_, _, mode)| *mode == 0o640),
        "{fresh:?}"
    );

    // Unchanged re-render: nothing is written (same inodes, same folder).
    let dir_ino = |p: &Path| {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(p).unwrap().ino()
    };
    let folder = dir_ino(&r.join("f"));
    ok(run_umask(r, "027", &["render", "a.toml", "-o", "f"]));
    assert_eq!(snapshot(&r.join("f")), fresh);
    assert_eq!(dir_ino(&r.join("f")), folder);

    // An image bump: exactly the files whose content changes get new inodes, and those are
    // the component's workload only (the version label is on what runs).
    std::fs::write(r.join("a.toml"), app("alpha", "alpha:2", "info")).unwrap();
    ok(run_umask(r, "022", &["render", "a.toml", "-o", "f"]));
    let bumped = snapshot(&r.join("f"));
    assert_eq!(
        bumped.keys().collect::<Vec<_>>(),
        fresh.keys().collect::<Vec<_>>()
    );
    let mut moved = Vec::new();
    for (name, (content, ino, mode)) in &bumped {
        let (old_content, old_ino, _) = &fresh[name];
        assert_eq!(content != old_content, ino != old_ino, "{name}");
        if content != old_content {
            assert_eq!(*mode, 0o644, "{name}: a replaced file follows the umask");
            moved.push(name.as_str());
        }
    }
    let objects: Vec<&str> = moved
        .iter()
        .copied()
        .filter(|n| !n.starts_with('.'))
        .collect();
    assert!(objects.contains(&"deployment-alpha.yaml"), "{moved:?}");
    assert!(
        objects.iter().all(|n| n.starts_with("deployment-")),
        "an image bump moved more than the workload: {moved:?}"
    );

    // A config edit: that ConfigMap and the pod templates that read it.
    std::fs::write(r.join("a.toml"), app("alpha", "alpha:2", "debug")).unwrap();
    ok(run(r, &["render", "a.toml", "-o", "f"]));
    let edited = snapshot(&r.join("f"));
    let changed: Vec<&str> = edited
        .iter()
        .filter(|(n, (c, _, _))| !n.starts_with('.') && bumped[*n].0 != *c)
        .map(|(n, _)| n.as_str())
        .collect();
    assert!(
        changed.iter().any(|n| n.starts_with("configmap-")),
        "{changed:?}"
    );
    assert!(
        changed
            .iter()
            .all(|n| n.starts_with("configmap-") || n.starts_with("deployment-")),
        "{changed:?}"
    );
}

#[test]
fn check_writes_nothing_and_lists_stale_missing_and_edited_files() {
    let tmp = tempfile::tempdir().unwrap();
    let r = tmp.path();
    std::fs::write(r.join("a.toml"), app("alpha", "alpha:1", "info")).unwrap();
    let check = |r: &Path| run(r, &["render", "a.toml", "-o", "f", "--check"]);
    // Nothing there yet: everything missing, nothing made.
    let out = check(r);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing: f/deployment-alpha.yaml"));
    assert!(!r.join("f").exists());
    assert_eq!(
        std::fs::read_dir(r).unwrap().count(),
        1,
        "check wrote something"
    );

    ok(run(r, &["render", "a.toml", "-o", "f"]));
    assert_eq!(check(r).status.code(), Some(0));
    let before = crate::support::read_tree(&r.join("f"));

    // A spec change: stale; a hand edit: edited; a removed file: missing.
    std::fs::write(r.join("a.toml"), app("alpha", "alpha:2", "info")).unwrap();
    let svc = r.join("f/service-alpha.yaml");
    let text = std::fs::read_to_string(&svc).unwrap();
    std::fs::write(&svc, text + "# hand edit\n").unwrap();
    let cm = std::fs::read_dir(r.join("f"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("configmap-"))
        .unwrap();
    std::fs::remove_file(&cm).unwrap();
    let out = check(r);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("stale: f/deployment-alpha.yaml"), "{err}");
    assert!(
        err.contains("edited by hand: f/service-alpha.yaml"),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "missing: {}",
            Path::new("f").join(cm.file_name().unwrap()).display()
        )),
        "{err}"
    );
    assert!(!err.contains("statefulset"), "{err}");
    // Still nothing written.
    let mut now = crate::support::read_tree(&r.join("f"));
    now.insert(
        cm.file_name().unwrap().to_string_lossy().into_owned(),
        before[&*cm.file_name().unwrap().to_string_lossy()].clone(),
    );
    now.insert(
        "service-alpha.yaml".into(),
        before["service-alpha.yaml"].clone(),
    );
    assert_eq!(now, before);

    // After a render, clean again.
    ok(run(r, &["render", "a.toml", "-o", "f"]));
    assert_eq!(check(r).status.code(), Some(0));
}

/// The objects of a YAML stream, parsed by PyYAML, as canonical JSON lines (sorted keys).
pub(crate) fn objects(python: &str, yaml: &str) -> Option<Vec<String>> {
    use std::io::Write;
    let mut child = Command::new(python)
        .args([
            "-c",
            "import sys, yaml, json\n\
             for d in yaml.safe_load_all(sys.stdin):\n\
             \x20   if d is not None: print(json.dumps(d, sort_keys=True))",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(yaml.as_bytes()).ok()?;
    let out = child.wait_with_output().ok()?;
    out.status.success().then(|| {
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect()
    })
}

/// `kubectl` (K8GEN_KUBECTL) and PyYAML (K8GEN_PYTHON), or `None` with the reason printed
/// (an error when K8GEN_REQUIRE_KUBECTL is set, as in CI).
pub(crate) fn tools() -> Option<(String, String)> {
    let kubectl = std::env::var("K8GEN_KUBECTL").unwrap_or_else(|_| "kubectl".into());
    let python = std::env::var("K8GEN_PYTHON").unwrap_or_else(|_| "python3".into());
    let have = |cmd: &str, args: &[&str]| {
        Command::new(cmd)
            .args(args)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !have(&kubectl, &["version", "--client"]) || !have(&python, &["-c", "import yaml"]) {
        assert!(
            std::env::var_os("K8GEN_REQUIRE_KUBECTL").is_none(),
            "kubectl or PyYAML missing"
        );
        eprintln!("skipped: no kubectl or no PyYAML");
        return None;
    }
    Some((kubectl, python))
}

/// `kubectl kustomize DIR`'s output.
pub(crate) fn kustomize(kubectl: &str, dir: &Path) -> String {
    let out = Command::new(kubectl)
        .args(["kustomize", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `kubectl kustomize` builds every environment folder of the example platform, and prints
/// exactly the objects, in the order, of k8gen's stream for that environment: an app folder
/// what the stream holds but its pre-deploy Jobs, its `pre-deploy/` folder those Jobs. Each
/// folder of the environment's own (`_namespaces`, `_argocd`, `_flux` and their `apps/`)
/// builds too, into exactly the files its `kustomization.yaml` lists, in that order.
#[test]
fn kubectl_kustomize_builds_every_env_folder_into_the_stream() {
    let Some((kubectl, python)) = tools() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let root = crate::support::root();
    let deploy = tmp.path().join("deploy");
    ok(crate::support::k8gen(&[
        "render",
        "specs/platform",
        "--all-envs",
        "-o",
        deploy.to_str().unwrap(),
    ]));
    let (mut apps, mut own, mut pre) = (0, BTreeSet::new(), 0);
    for env in std::fs::read_dir(&deploy).unwrap() {
        let env = env.unwrap();
        if !env.file_type().unwrap().is_dir() {
            continue;
        }
        let env_name = env.file_name().to_string_lossy().into_owned();
        for folder in std::fs::read_dir(env.path()).unwrap() {
            let folder = folder.unwrap().path();
            let name = folder.file_name().unwrap().to_string_lossy().into_owned();
            if name.starts_with('_') {
                // The environment's own folders: each, and its `apps/`, builds into its files.
                for dir in [folder.clone(), folder.join("apps")] {
                    if !dir.join("kustomization.yaml").is_file() {
                        continue;
                    }
                    let got = objects(&python, &kustomize(&kubectl, &dir)).unwrap();
                    let want = objects(&python, &listed_files(&dir)).unwrap();
                    assert!(!want.is_empty(), "{}", dir.display());
                    assert_eq!(got, want, "{}", dir.display());
                    own.insert(format!("{name}/{}", dir == folder));
                }
                continue;
            }
            let spec = root.join("specs/platform").join(format!("{name}.toml"));
            let stream = ok(crate::support::k8gen(&[
                "render",
                spec.to_str().unwrap(),
                "--env",
                &env_name,
            ]));
            let stream = objects(&python, &String::from_utf8_lossy(&stream.stdout)).unwrap();
            let is_hook = |o: &String| o.contains("\"argocd.argoproj.io/hook\": \"PreSync\"");
            let (want_pre, want): (Vec<String>, Vec<String>) =
                stream.into_iter().partition(is_hook);
            let got = objects(&python, &kustomize(&kubectl, &folder)).unwrap();
            assert!(!want.is_empty());
            assert_eq!(got, want, "{env_name}/{name}");
            let pre_deploy = folder.join("pre-deploy");
            assert_eq!(
                pre_deploy.is_dir(),
                !want_pre.is_empty(),
                "{env_name}/{name}"
            );
            if pre_deploy.is_dir() {
                let got = objects(&python, &kustomize(&kubectl, &pre_deploy)).unwrap();
                assert_eq!(got, want_pre, "{env_name}/{name}/pre-deploy");
                pre += 1;
            }
            apps += 1;
        }
    }
    assert!(apps >= 2, "{apps} app folders");
    assert!(pre >= 2, "{pre} pre-deploy folders");
    // `_namespaces` (staging), `_argocd` and `_flux` with their `apps/`.
    assert_eq!(own.len(), 5, "{own:?}");
}

/// The files a folder's `kustomization.yaml` lists, joined as one stream, in its order.
fn listed_files(dir: &Path) -> String {
    let k: serde_json::Value =
        serde_saphyr::from_str(&std::fs::read_to_string(dir.join("kustomization.yaml")).unwrap())
            .unwrap();
    let mut stream = String::new();
    for r in k["resources"].as_array().unwrap() {
        let text = std::fs::read_to_string(dir.join(r.as_str().unwrap())).unwrap();
        stream.push_str("---\n");
        stream.push_str(&text);
    }
    stream
}

#[test]
fn one_owner_per_namespace_and_flux_keeps_namespaces_and_claims() {
    let tmp = tempfile::tempdir().unwrap();
    let r = tmp.path();
    std::fs::create_dir(r.join("apps")).unwrap();
    let spec = |name: &str, extra: &str| {
        format!(
            "name = \"{name}\"\nnamespace = \"shared\"\n{extra}image = \"{name}:1\"\nport = 8080\n\
             [volumes.data]\nmount = \"/data\"\nsize = \"1Gi\"\n"
        )
    };
    std::fs::write(r.join("apps/a.toml"), spec("alpha", "")).unwrap();
    std::fs::write(r.join("apps/b.toml"), spec("beta", "")).unwrap();
    let out = run(r, &["render", "apps", "-o", "deploy"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("the Namespace `shared` is emitted by apps/a.toml and apps/b.toml"),
        "{err}"
    );
    assert!(!r.join("deploy").exists(), "written despite the clash");
    assert!(
        err.contains("error[K0153]: the Namespace `shared`"),
        "{err}"
    );
    // `check` finds it too, naming both specs, in human and JSON output.
    let out = run(r, &["check", "apps"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(
            "error[K0153]: the Namespace `shared` is emitted by apps/a.toml and apps/b.toml"
        ),
        "{err}"
    );
    assert!(err.contains("k8gen: 1 error and"), "{err}");
    let out = run(r, &["check", "apps", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let findings: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let clash = (findings.as_array().unwrap().iter())
        .find(|f| f["code"] == "K0153")
        .unwrap_or_else(|| panic!("{findings:#}"));
    assert_eq!(
        clash["specs"],
        serde_json::json!(["apps/a.toml", "apps/b.toml"])
    );
    // The second app says the namespace is not its own.
    std::fs::write(
        r.join("apps/b.toml"),
        spec("beta", "create_namespace = false\n"),
    )
    .unwrap();
    ok(run(r, &["render", "apps", "-o", "deploy"]));
    ok(run(r, &["check", "apps"]));
    let a = crate::support::read_tree(&r.join("deploy/a"));
    let b = crate::support::read_tree(&r.join("deploy/b"));
    assert!(a.contains_key("namespace-shared.yaml"), "{:?}", a.keys());
    assert!(
        !b.keys().any(|k| k.starts_with("namespace-")),
        "{:?}",
        b.keys()
    );
    let keep = "    kustomize.toolkit.fluxcd.io/prune: disabled\n";
    assert!(a["namespace-shared.yaml"].contains(keep));
    let claims: Vec<_> = a
        .iter()
        .chain(&b)
        .filter(|(k, _)| k.starts_with("persistentvolumeclaim-"))
        .collect();
    assert_eq!(claims.len(), 2, "{:?}", a.keys());
    assert!(claims.iter().all(|(_, c)| c.contains(keep)));
    // Nothing else carries it.
    for (name, content) in a.iter().chain(&b) {
        if !name.starts_with("namespace-") && !name.starts_with("persistentvolumeclaim-") {
            assert!(!content.contains("fluxcd"), "{name}");
        }
    }
}

#[test]
fn the_platform_file_sets_the_layout_and_the_kustomization_switch() {
    let tmp = tempfile::tempdir().unwrap();
    let r = tmp.path();
    std::fs::create_dir(r.join("apps")).unwrap();
    let platform = |gitops: &str| {
        format!(
            "[environments.staging]\nnamespace = \"{{app}}-staging\"\n\
             [environments.production]\nnamespace = \"{{app}}\"\n[gitops]\n{gitops}"
        )
    };
    std::fs::write(
        r.join("apps/k8gen.toml"),
        platform("folder = \"{app}/{env}\"\nkustomization = false\n"),
    )
    .unwrap();
    std::fs::write(r.join("apps/shop.toml"), app("shop", "shop:1", "info")).unwrap();
    ok(run(r, &["render", "apps", "--all-envs", "-o", "deploy"]));
    for env in ["staging", "production"] {
        let tree = crate::support::read_tree(&r.join("deploy/shop").join(env));
        assert!(tree.contains_key("deployment-shop.yaml"), "{env}: {tree:?}");
        assert!(!tree.contains_key("kustomization.yaml"), "{env}");
    }
    assert!(!r.join("deploy/staging").exists());
    // Back to the default layout: the old folders go, the new ones come with kustomizations.
    std::fs::write(r.join("apps/k8gen.toml"), platform("")).unwrap();
    ok(run(r, &["render", "apps", "--all-envs", "-o", "deploy"]));
    assert!(!r.join("deploy/shop").exists(), "the old layout stayed");
    assert!(r.join("deploy/staging/shop/kustomization.yaml").exists());
    // A pattern that would not give one folder per app and environment.
    std::fs::write(r.join("apps/k8gen.toml"), platform("folder = \"{app}\"\n")).unwrap();
    let out = run(r, &["render", "apps", "--all-envs", "-o", "deploy"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("[gitops] folder = \"{app}\" must hold `{env}` once"),
        "{err}"
    );
    // A wrong type points into the platform file.
    std::fs::write(
        r.join("apps/k8gen.toml"),
        platform("kustomization = \"no\"\n"),
    )
    .unwrap();
    let out = run(r, &["render", "apps", "--all-envs", "-o", "deploy"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("k8gen.toml:6:17"), "{err}");
}

/// Two renders of every spec and environment give identical trees, byte for byte (manifest
/// and kustomizations included), whatever the number of threads.
#[cfg(unix)]
#[test]
fn trees_do_not_depend_on_the_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let mut trees = Vec::new();
    for threads in ["1", "4"] {
        let dir = tmp.path().join(format!("t{threads}"));
        let out = Command::new(env!("CARGO_BIN_EXE_k8gen"))
            .args(["render", "specs/platform", "--all-envs", "-o"])
            .arg(&dir)
            .current_dir(crate::support::root())
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .unwrap();
        ok(out);
        let out = Command::new(env!("CARGO_BIN_EXE_k8gen"))
            .args(["render", "specs", "-o"])
            .arg(dir.join("all"))
            .current_dir(crate::support::root())
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .unwrap();
        ok(out);
        let tree: BTreeMap<String, String> = snapshot(&dir)
            .into_iter()
            .map(|(k, (c, _, _))| (k, c))
            .collect();
        assert!(tree.len() > 50, "{}", tree.len());
        trees.push(tree);
    }
    assert_eq!(trees[0], trees[1]);
}
