//! The Argo CD config-management plugin: `k8gen argocd-generate` run exactly as the repo
//! server's plugin sidecar runs it (cwd = the Application's source folder, the environment
//! cleared but for PATH, `ARGOCD_ENV_*`, `ARGOCD_APP_*`; no HOME, stdin null, no TTY), and the
//! files of `deploy/argocd/`.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::support::*;

/// Runs the plugin's generate command in `source` with Argo CD's environment plus `vars`.
fn generate(source: &Path, parameters: Option<&str>, vars: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_k8gen"));
    cmd.arg("argocd-generate")
        .current_dir(source)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("ARGOCD_APP_NAME", "shop-staging")
        .env("ARGOCD_APP_NAMESPACE", "argocd")
        .env(
            "ARGOCD_APP_REVISION",
            "0123456789abcdef0123456789abcdef01234567",
        )
        .envs(vars.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(p) = parameters {
        cmd.env("ARGOCD_APP_PARAMETERS", p);
    }
    cmd.output().expect("run k8gen argocd-generate")
}

/// Every file under `dir` with its contents: to see that nothing was written.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(
                    p.display().to_string(),
                    std::fs::read(&p).unwrap_or_default(),
                );
            }
        }
    }
    out
}

/// The YAML documents of `text`, read by PyYAML (an independent reader) as JSON.
fn yaml_documents(text: &str) -> Vec<serde_json::Value> {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), text).unwrap();
    let mut cmd = Command::new(crate::python::python());
    cmd.args([
        "-c",
        "import sys, json, yaml\n\
         print(json.dumps(list(yaml.load_all(open(sys.argv[1]), Loader=yaml.CSafeLoader))))",
    ])
    .arg(file.path());
    crate::python::json_of(cmd, "PyYAML reading the output")
}

/// The `name`s of a list of objects (containers, volumes).
fn names(list: &serde_json::Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect()
}

const PLATFORM: &str = "[environments.staging]\nnamespace = \"{app}-staging\"\n\
                        [inputs]\nenv = { allow = [\"DB_*\"] }\n";

const SPEC: &str = "name = \"shop\"\nimage = \"shop:v1\"\nport = 8080\n\
                    [config]\n\"app.conf\" = { file = \"../shared/app.conf\" }\n\
                    [secrets]\nDB_PASSWORD = { env = \"DB_PASSWORD\" }\n";

fn argo_repo(spec: &str) -> tempfile::TempDir {
    repo(&[
        ("k8gen.toml", PLATFORM),
        ("apps/shop.toml", spec),
        ("shared/app.conf", "listen 8080;\n"),
    ])
}

#[test]
fn a_good_spec_prints_only_manifests() {
    let tmp = argo_repo(SPEC);
    let source = tmp.path().join("apps");
    let before = snapshot(tmp.path());
    let params = r#"[{"name": "set", "map": {"replicas": "3"}}]"#;
    let out = generate(
        &source,
        Some(params),
        &[
            ("ARGOCD_ENV_K8GEN_ENV", "staging"),
            ("ARGOCD_ENV_DB_PASSWORD", "from-the-application"),
            // The sidecar's own environment: never what a spec reads.
            ("DB_PASSWORD", "from-the-repo-server"),
        ],
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "colour on stderr: {stderr:?}");
    assert_eq!(snapshot(tmp.path()), before, "a file was written");

    let docs = yaml_documents(&stdout);
    assert!(docs.len() >= 4, "{stdout}");
    for d in &docs {
        assert!(
            d["apiVersion"].is_string()
                && d["kind"].is_string()
                && d["metadata"]["name"].is_string(),
            "not a Kubernetes object: {d}"
        );
    }
    let find = |kind: &str| {
        docs.iter()
            .find(|d| d["kind"] == kind)
            .unwrap_or_else(|| panic!("no {kind} in {stdout}"))
    };
    let deployment = find("Deployment");
    assert_eq!(deployment["metadata"]["namespace"], "shop-staging");
    assert_eq!(deployment["spec"]["replicas"], 3);
    assert_eq!(find("ConfigMap")["data"]["app.conf"], "listen 8080;\n");
    use base64::Engine;
    let secret = find("Secret")["data"]["DB_PASSWORD"].as_str().unwrap();
    let secret = base64::engine::general_purpose::STANDARD
        .decode(secret)
        .unwrap();
    assert_eq!(secret, b"from-the-application");
}

/// What is wrong, the spec, the parameters, the environment.
type Case<'a> = (&'a str, String, Option<&'a str>, Vec<(&'a str, &'a str)>);

#[test]
fn any_error_prints_nothing_on_stdout_and_exits_non_zero() {
    let staging = ("ARGOCD_ENV_K8GEN_ENV", "staging");
    let password = ("ARGOCD_ENV_DB_PASSWORD", "x");
    let cases: [Case; 6] = [
        (
            "a broken spec",
            SPEC.replace("port = 8080", "port = \"eighty\""),
            None,
            vec![staging, password],
        ),
        (
            "a file outside the repo",
            SPEC.replace("../shared/app.conf", "/etc/hostname"),
            None,
            vec![staging, password],
        ),
        (
            "an env var the platform does not allow",
            SPEC.replace("env = \"DB_PASSWORD\"", "env = \"AWS_SECRET_ACCESS_KEY\""),
            None,
            vec![staging, ("ARGOCD_ENV_AWS_SECRET_ACCESS_KEY", "x")],
        ),
        (
            "an env var the Application does not set",
            SPEC.to_string(),
            None,
            vec![staging, ("DB_PASSWORD", "the repo server's")],
        ),
        (
            "an unknown environment",
            SPEC.to_string(),
            None,
            vec![("ARGOCD_ENV_K8GEN_ENV", "prodution"), password],
        ),
        (
            "bad parameters",
            SPEC.to_string(),
            Some(r#"[{"name": "spec", "string": "../../etc"}]"#),
            vec![staging, password],
        ),
    ];
    for (what, spec, params, vars) in cases {
        let tmp = argo_repo(&spec);
        let out = generate(&tmp.path().join("apps"), params, &vars);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            matches!(out.status.code(), Some(1 | 2)),
            "{what}: exit {:?}, {stderr}",
            out.status.code()
        );
        assert!(
            out.stdout.is_empty(),
            "{what}: stdout: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(stderr.contains("error"), "{what}: {stderr}");
        if what.contains("does not set") {
            // The help says where Argo CD users set it, not `X=... k8gen render`.
            assert!(
                stderr.contains("spec.source.plugin.env"),
                "{what}: {stderr}"
            );
        }
        assert!(!stderr.contains('\u{1b}'), "{what}: colour: {stderr:?}");
    }
}

/// `deploy/argocd/`: the plugin config and the repo-server patch parse, say what Argo CD's
/// docs ask for, and `kubectl kustomize` applies the component to an argocd-repo-server.
#[test]
fn the_shipped_plugin_files_parse_and_patch_the_repo_server() {
    let dir = root().join("deploy/argocd");
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    let plugin = &yaml_documents(&read("plugin.yaml"))[0];
    assert_eq!(plugin["kind"], "ConfigManagementPlugin");
    assert_eq!(
        plugin["spec"]["generate"]["command"],
        serde_json::json!(["k8gen", "argocd-generate"])
    );
    let patch = &yaml_documents(&read("repo-server-patch.yaml"))[0];
    let sidecar = &patch["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(sidecar["securityContext"]["runAsUser"], 999);
    assert_eq!(
        sidecar["command"],
        serde_json::json!(["/var/run/argocd/argocd-cmp-server"])
    );
    let mounts: BTreeMap<String, String> = sidecar["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["mountPath"].as_str().unwrap().to_string(),
                m["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(mounts["/var/run/argocd"], "var-files");
    assert_eq!(mounts["/home/argocd/cmp-server/plugins"], "plugins");
    assert_eq!(
        mounts["/home/argocd/cmp-server/config/plugin.yaml"],
        "k8gen-plugin"
    );
    // Its own /tmp: an emptyDir of the sidecar, not the repo server's tmp volume.
    let tmp_volume = &mounts["/tmp"];
    let volumes = patch["spec"]["template"]["spec"]["volumes"]
        .as_array()
        .unwrap();
    let own = volumes
        .iter()
        .find(|v| v["name"] == tmp_volume.as_str())
        .unwrap();
    assert!(own["emptyDir"].is_object(), "{own}");
    assert_ne!(tmp_volume, "tmp");

    // kubectl kustomize over a minimal argocd-repo-server and the component.
    let Ok(version) = Command::new("kubectl")
        .args(["version", "--client"])
        .output()
    else {
        eprintln!("kubectl not found: the kustomize part of this test did not run");
        return;
    };
    assert!(version.status.success());
    let repo_server = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: argocd-repo-server
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: argocd-repo-server
  template:
    metadata:
      labels:
        app.kubernetes.io/name: argocd-repo-server
    spec:
      containers:
        - name: argocd-repo-server
          image: quay.io/argoproj/argocd:v3.1.0
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            - name: var-files
              mountPath: /var/run/argocd
            - name: plugins
              mountPath: /home/argocd/cmp-server/plugins
      volumes:
        - name: tmp
          emptyDir: {}
        - name: var-files
          emptyDir: {}
        - name: plugins
          emptyDir: {}
"#;
    let mut files = vec![
        ("repo-server.yaml".to_string(), repo_server.to_string()),
        (
            "kustomization.yaml".to_string(),
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: argocd\n\
             resources: [repo-server.yaml]\ncomponents: [k8gen]\n"
                .to_string(),
        ),
    ];
    for name in [
        "kustomization.yaml",
        "plugin.yaml",
        "repo-server-patch.yaml",
    ] {
        files.push((format!("k8gen/{name}"), read(name)));
    }
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let tmp = repo(&files);
    let out = Command::new("kubectl")
        .arg("kustomize")
        .arg(tmp.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let docs = yaml_documents(&String::from_utf8(out.stdout).unwrap());
    let config = docs.iter().find(|d| d["kind"] == "ConfigMap").unwrap();
    assert_eq!(config["metadata"]["name"], "k8gen-plugin");
    assert_eq!(config["data"]["plugin.yaml"], read("plugin.yaml"));
    let deployment = docs.iter().find(|d| d["kind"] == "Deployment").unwrap();
    let pod = &deployment["spec"]["template"]["spec"];
    let containers = names(&pod["containers"]);
    assert_eq!(containers.len(), 2, "{containers:?}");
    assert!(
        containers.contains(&"k8gen") && containers.contains(&"argocd-repo-server"),
        "{containers:?}"
    );
    let volumes = names(&pod["volumes"]);
    for v in ["tmp", "var-files", "plugins", "k8gen-plugin", "k8gen-tmp"] {
        assert!(volumes.contains(&v), "{v} missing: {volumes:?}");
    }
}
