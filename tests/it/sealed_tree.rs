//! `secrets_mode = "sealed"` end to end (issue 12): a tree render writes a Bitnami SealedSecret
//! per Secret, whose values an independent implementation (PyPI `kubesealpy`, and a decryption
//! written from sealed-secrets' Go source, `tests/it/kubeseal.py`) unseals with the test's own
//! key pair to exactly the spec's values, under the label of the scope the object announces.
//! With the controller's private key an unchanged value keeps its sealed text (the file byte
//! for byte), a changed one alone is sealed anew; without it every value is sealed anew and
//! k8gen says so. The errors (no, bad, outside, expired certificate) point at the spec, and the
//! Rust API gives the same objects and codes.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use base64::Engine as _;
use serde_json::Value;

use crate::sealed::{KeyPair, keygen, keygen_days, python, unseal};
use crate::tree::ok;

const KEY_VAR: &str = "K8GEN_SEALED_SECRETS_KEY_FILE";

/// Runs k8gen in `dir` without any key of the machine's user, plus `env`.
fn k8gen(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_k8gen"));
    cmd.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("HOME", dir)
        .env_remove("XDG_CONFIG_HOME")
        .env_remove(KEY_VAR)
        .env_remove("SOPS_AGE_KEY")
        .env_remove("SOPS_AGE_KEY_FILE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run k8gen")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

const SPEC: &str = r#"name = "shop"
namespace = "shop"
image = "shop:v1"
port = 8080
secrets_mode = "sealed"
sealed = SEALED
allow = ["plaintext-secret"]

[secrets]
DB_PASSWORD = { file = "db-password.txt" }
API_KEY = "literal-api-key-1"
EMPTY = ""
"#;

const PASSWORD: &str = "hunter2-is-not-a-password";

fn spec(sealed: &str) -> String {
    SPEC.replace("SEALED", sealed)
}

/// A repo with the spec, its password file and the controller's certificate `certs/prod.pem`.
fn repo(pair: &KeyPair, sealed: &str) -> tempfile::TempDir {
    crate::support::repo(&[
        ("shop.toml", &spec(sealed)),
        ("db-password.txt", PASSWORD),
        ("certs/prod.pem", &pair.cert_pem),
    ])
}

fn yaml(text: &str) -> Value {
    serde_saphyr::from_str(text).unwrap()
}

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// The expected `data` of the unsealed Secret: the spec's values, base64.
fn expected_data() -> Value {
    serde_json::json!({
        "API_KEY": b64("literal-api-key-1"),
        "DB_PASSWORD": b64(PASSWORD),
        "EMPTY": "",
    })
}

/// The sealed texts of a SealedSecret file.
fn sealed_texts(text: &str) -> BTreeMap<String, String> {
    serde_json::from_value(yaml(text)["spec"]["encryptedData"].clone()).unwrap()
}

const SEALED_FILE: &str = "sealedsecret-shop-secrets.yaml";

#[test]
fn a_sealed_tree_is_unsealed_by_an_independent_implementation_in_every_scope() {
    let Some(python) = python() else { return };
    let keys = tempfile::tempdir().unwrap();
    let pair = keygen(&python, keys.path(), "2048");
    for (scope, annotation) in [
        ("strict", None),
        (
            "namespace-wide",
            Some("sealedsecrets.bitnami.com/namespace-wide"),
        ),
        (
            "cluster-wide",
            Some("sealedsecrets.bitnami.com/cluster-wide"),
        ),
    ] {
        let dir = repo(
            &pair,
            &format!("{{ certificate = \"certs/prod.pem\", scope = \"{scope}\" }}"),
        );
        ok(k8gen(
            dir.path(),
            &["render", "shop.toml", "-o", "out"],
            &[],
        ));
        let out = crate::support::read_tree(&dir.path().join("out"));
        assert!(!out.contains_key("secret-shop-secrets.yaml"), "{scope}");
        let doc = yaml(&out[SEALED_FILE]);

        // Structure: what kubeseal writes, with k8gen's metadata on the object and template.
        assert_eq!(doc["apiVersion"], "bitnami.com/v1alpha1");
        assert_eq!(doc["kind"], "SealedSecret");
        let meta = &doc["metadata"];
        assert_eq!(meta["name"], "shop-secrets");
        assert_eq!(meta["namespace"], "shop");
        assert_eq!(meta["labels"]["app.kubernetes.io/name"], "shop");
        let template = &doc["spec"]["template"];
        assert_eq!(template["type"], "Opaque");
        assert_eq!(template["metadata"]["name"], "shop-secrets");
        assert_eq!(template["metadata"]["namespace"], "shop");
        assert_eq!(template["metadata"]["labels"], meta["labels"]);
        for m in [meta, &template["metadata"]] {
            match annotation {
                Some(key) => assert_eq!(m["annotations"][key], "true", "{scope}"),
                None => assert!(m.get("annotations").is_none(), "{scope}: {m}"),
            }
        }
        let texts = sealed_texts(&out[SEALED_FILE]);
        assert_eq!(
            texts.keys().collect::<Vec<_>>(),
            ["API_KEY", "DB_PASSWORD", "EMPTY"]
        );

        // No value, in plain or base64, anywhere in the tree; the pods' checksum is of the
        // sealed texts (it differs from the stdout render's, which hashes the plain Secret).
        for (name, text) in &out {
            for v in [PASSWORD, "literal-api-key-1"] {
                assert!(!text.contains(v), "{scope}: {name} holds {v}");
                assert!(
                    !text.contains(&b64(v)),
                    "{scope}: {name} holds base64 of {v}"
                );
            }
        }
        let stdout = ok(k8gen(dir.path(), &["render", "shop.toml"], &[]));
        let stdout = String::from_utf8(stdout.stdout).unwrap();
        assert!(stdout.contains("kind: Secret\n"), "stdout stays plain");
        assert!(!stdout.contains("SealedSecret"));
        let checksum = |t: &str| {
            t.lines()
                .find(|l| l.contains("checksum/secret"))
                .unwrap()
                .to_string()
        };
        assert_ne!(checksum(&out["deployment-shop.yaml"]), checksum(&stdout));

        // Unsealed independently, by the label the object itself announces: the spec's values.
        let got = unseal(&python, keys.path(), &pair.key, std::slice::from_ref(&doc));
        assert_eq!(
            got[0],
            serde_json::json!({ "data": expected_data() }),
            "{scope}"
        );

        // Presented under another name: only a strict value refuses.
        let mut renamed = doc.clone();
        renamed["metadata"]["name"] = "other-secrets".into();
        let got = unseal(&python, keys.path(), &pair.key, &[renamed]);
        assert_eq!(
            got[0].get("error").is_some(),
            scope == "strict",
            "{scope}: {got:?}"
        );
    }
}

#[test]
fn unchanged_sealed_values_keep_their_text_with_the_controllers_key() {
    let Some(python) = python() else { return };
    let keys = tempfile::tempdir().unwrap();
    let pair = keygen(&python, keys.path(), "2048");
    let dir = repo(&pair, "{ certificate = \"certs/prod.pem\" }");
    let out = dir.path().join("out");
    let render = |env: &[(&str, &str)]| {
        ok(k8gen(
            dir.path(),
            &["render", "shop.toml", "-o", "out"],
            env,
        ))
    };
    let with_key = [(KEY_VAR, pair.key.as_str())];

    render(&[]);
    let first = crate::support::read_tree(&out);

    // With the key: the same tree byte for byte, no note; --check and diff -o agree.
    let quiet = render(&with_key);
    assert_eq!(stderr(&quiet), "");
    assert_eq!(crate::support::read_tree(&out), first);
    ok(k8gen(
        dir.path(),
        &["render", "shop.toml", "-o", "out", "--check"],
        &with_key,
    ));
    let diff = ok(k8gen(
        dir.path(),
        &["diff", "shop.toml", "-o", "out"],
        &with_key,
    ));
    let report = String::from_utf8(diff.stdout).unwrap();
    assert!(!report.contains("shop-secrets"), "{report}");

    // The controller's key backup (`kubectl get secret -l ...sealed-secrets-key -o yaml`, a
    // List of Secrets with `tls.key`) works as well as the PEM file.
    let pem = std::fs::read_to_string(&pair.key).unwrap();
    let backup = keys.path().join("backup.yaml");
    let other = keygen(&python, keys.path(), "4096");
    let other_pem = std::fs::read_to_string(&other.key).unwrap();
    std::fs::write(
        &backup,
        format!(
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n  type: kubernetes.io/tls\n  metadata:\n    name: sealed-secrets-keyold\n    namespace: kube-system\n  data:\n    tls.crt: {}\n    tls.key: {}\n- apiVersion: v1\n  kind: Secret\n  type: kubernetes.io/tls\n  metadata:\n    name: sealed-secrets-keynew\n    namespace: kube-system\n  data:\n    tls.crt: {}\n    tls.key: {}\n",
            b64(&other.cert_pem),
            b64(&other_pem),
            b64(&pair.cert_pem),
            b64(&pem),
        ),
    )
    .unwrap();
    let quiet = render(&[(KEY_VAR, backup.to_str().unwrap())]);
    assert_eq!(stderr(&quiet), "");
    assert_eq!(crate::support::read_tree(&out), first);

    // A PKCS#8 `PRIVATE KEY` (what `openssl pkcs8 -topk8` writes) too.
    let pkcs8 = keys.path().join("key-pkcs8.pem");
    let converted = Command::new(&python)
        .args([
            "-c",
            "import sys\nfrom cryptography.hazmat.primitives import serialization as s\n\
             k = s.load_pem_private_key(open(sys.argv[1], 'rb').read(), None)\n\
             open(sys.argv[2], 'wb').write(k.private_bytes(s.Encoding.PEM, \
             s.PrivateFormat.PKCS8, s.NoEncryption()))",
            &pair.key,
            pkcs8.to_str().unwrap(),
        ])
        .status()
        .unwrap();
    assert!(converted.success());
    assert!(
        std::fs::read_to_string(&pkcs8)
            .unwrap()
            .starts_with("-----BEGIN PRIVATE KEY-----")
    );
    let quiet = render(&[(KEY_VAR, pkcs8.to_str().unwrap())]);
    assert_eq!(stderr(&quiet), "");
    assert_eq!(crate::support::read_tree(&out), first);

    // One value changes: only its sealed text moves (and the pods' checksum).
    std::fs::write(dir.path().join("db-password.txt"), "changed").unwrap();
    render(&with_key);
    let second = crate::support::read_tree(&out);
    let moved: Vec<&String> = (first.keys())
        .filter(|k| first.get(*k) != second.get(*k))
        .collect();
    assert_eq!(moved, ["deployment-shop.yaml", SEALED_FILE]);
    let (a, b) = (
        sealed_texts(&first[SEALED_FILE]),
        sealed_texts(&second[SEALED_FILE]),
    );
    assert_ne!(a["DB_PASSWORD"], b["DB_PASSWORD"]);
    assert_eq!(a["API_KEY"], b["API_KEY"]);
    assert_eq!(a["EMPTY"], b["EMPTY"]);
    let got = unseal(
        &python,
        keys.path(),
        &pair.key,
        &[yaml(&second[SEALED_FILE])],
    );
    assert_eq!(got[0]["data"]["DB_PASSWORD"], b64("changed"));
    assert_eq!(got[0]["data"]["API_KEY"], b64("literal-api-key-1"));

    // Without the key k8gen cannot tell: every value is sealed anew, and it says so once.
    let noted = render(&[]);
    assert_eq!(
        stderr(&noted)
            .matches("no private key of the sealed-secrets")
            .count(),
        1,
        "{}",
        stderr(&noted)
    );
    let third = crate::support::read_tree(&out);
    let c = sealed_texts(&third[SEALED_FILE]);
    for k in ["DB_PASSWORD", "API_KEY", "EMPTY"] {
        assert_ne!(b[k], c[k], "{k}");
    }
    let fail = k8gen(
        dir.path(),
        &["render", "shop.toml", "-o", "out", "--check"],
        &[],
    );
    assert_eq!(fail.status.code(), Some(1), "{}", stderr(&fail));

    // Another controller's key (a new cluster, a rotated certificate): sealed anew for the
    // certificate the spec names, never kept under a key that is not the certificate's.
    let rotated = render(&[(KEY_VAR, other.key.as_str())]);
    assert!(
        stderr(&rotated).contains("no private key"),
        "{}",
        stderr(&rotated)
    );
    assert_ne!(
        sealed_texts(&crate::support::read_tree(&out)[SEALED_FILE]),
        c
    );

    // A scope change reseals too: the old texts are bound to the old label.
    render(&with_key);
    let before = sealed_texts(&crate::support::read_tree(&out)[SEALED_FILE]);
    std::fs::write(
        dir.path().join("shop.toml"),
        spec("{ certificate = \"certs/prod.pem\", scope = \"namespace-wide\" }"),
    )
    .unwrap();
    render(&with_key);
    let after = crate::support::read_tree(&out);
    let texts = sealed_texts(&after[SEALED_FILE]);
    for k in ["DB_PASSWORD", "API_KEY"] {
        assert_ne!(before[k], texts[k], "{k}");
    }
    let got = unseal(
        &python,
        keys.path(),
        &pair.key,
        &[yaml(&after[SEALED_FILE])],
    );
    assert_eq!(got[0]["data"]["DB_PASSWORD"], b64("changed"));

    // A key file that holds no key is an error, not a silent reseal.
    std::fs::write(keys.path().join("empty.pem"), "nothing here\n").unwrap();
    let empty = keys.path().join("empty.pem");
    let bad = k8gen(
        dir.path(),
        &["render", "shop.toml", "-o", "out"],
        &[(KEY_VAR, empty.to_str().unwrap())],
    );
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    assert!(stderr(&bad).contains(KEY_VAR), "{}", stderr(&bad));
}

/// `config_rollout = "hashed-names"` with SealedSecrets: names are hashes of the sealed texts
/// (the template's name follows, every reference too), an unchanged re-render with the key is
/// the same tree, and a strict scope is refused (the name is not known when sealing).
#[test]
fn hashed_names_work_with_sealed_secrets() {
    let Some(python) = python() else { return };
    let keys = tempfile::tempdir().unwrap();
    let pair = keygen(&python, keys.path(), "2048");
    let hashed = |sealed: &str| format!("config_rollout = \"hashed-names\"\n{}", spec(sealed));
    let dir = repo(&pair, "{}");
    std::fs::write(
        dir.path().join("shop.toml"),
        hashed("{ certificate = \"certs/prod.pem\" }"),
    )
    .unwrap();
    let strict = k8gen(dir.path(), &["render", "shop.toml", "-o", "out"], &[]);
    assert_eq!(strict.status.code(), Some(1));
    assert!(
        stderr(&strict).contains("error[K0149]"),
        "{}",
        stderr(&strict)
    );

    std::fs::write(
        dir.path().join("shop.toml"),
        hashed("{ certificate = \"certs/prod.pem\", scope = \"namespace-wide\" }"),
    )
    .unwrap();
    let with_key = [(KEY_VAR, pair.key.as_str())];
    let render = |env: &[(&str, &str)]| {
        ok(k8gen(
            dir.path(),
            &["render", "shop.toml", "-o", "out"],
            env,
        ))
    };
    render(&[]);
    let first = crate::support::read_tree(&dir.path().join("out"));
    let file = (first.keys())
        .find(|k| k.starts_with("sealedsecret-shop-secrets-"))
        .unwrap()
        .clone();
    let doc = yaml(&first[&file]);
    let name = doc["metadata"]["name"].as_str().unwrap().to_string();
    assert_eq!(file, format!("sealedsecret-{name}.yaml"));
    assert_eq!(doc["spec"]["template"]["metadata"]["name"], name.as_str());
    assert!(first["deployment-shop.yaml"].contains(&format!("name: {name}\n")));
    let got = unseal(&python, keys.path(), &pair.key, &[doc]);
    assert_eq!(got[0], serde_json::json!({ "data": expected_data() }));

    render(&with_key);
    assert_eq!(crate::support::read_tree(&dir.path().join("out")), first);
}

#[test]
fn certificate_errors_point_at_the_spec() {
    let Some(python) = python() else { return };
    let keys = tempfile::tempdir().unwrap();
    let pair = keygen(&python, keys.path(), "2048");
    let expired = keygen_days(&python, keys.path(), "2048", -2);
    let ec = crate::sealed::keygen(&python, keys.path(), "ec");
    let cases: &[(&str, &str, &str)] = &[
        ("{ scope = \"strict\" }", "K0146", "shop.toml:5:16"),
        (
            "{ certificate = \"certs/missing.pem\" }",
            "K0108",
            "shop.toml:6:26",
        ),
        (
            "{ certificate = \"db-password.txt\" }",
            "K0147",
            "shop.toml:6:26",
        ),
        (
            "{ certificate = \"certs/ec.pem\" }",
            "K0147",
            "shop.toml:6:26",
        ),
        (
            "{ certificate = \"../outside.pem\" }",
            "K0130",
            "shop.toml:6:26",
        ),
        (
            "{ certificate = \"/etc/passwd\" }",
            "K0131",
            "shop.toml:6:26",
        ),
        (
            "{ certificate = \"certs/link.pem\" }",
            "K0130",
            "shop.toml:6:26",
        ),
        (
            "{ certificate = \"certs/expired.pem\" }",
            "K0148",
            "shop.toml:6:26",
        ),
    ];
    for (sealed, code, at) in cases {
        let parent = tempfile::tempdir().unwrap();
        std::fs::write(parent.path().join("outside.pem"), &pair.cert_pem).unwrap();
        let dir = parent.path().join("repo");
        for (path, text) in [
            ("shop.toml", spec(sealed)),
            ("db-password.txt", PASSWORD.to_string()),
            ("certs/prod.pem", pair.cert_pem.clone()),
            ("certs/ec.pem", ec.cert_pem.clone()),
            ("certs/expired.pem", expired.cert_pem.clone()),
        ] {
            std::fs::create_dir_all(dir.join(path).parent().unwrap()).unwrap();
            std::fs::write(dir.join(path), text).unwrap();
        }
        std::os::unix::fs::symlink(
            parent.path().join("outside.pem"),
            dir.join("certs/link.pem"),
        )
        .unwrap();
        let out = k8gen(&dir, &["render", "shop.toml", "-o", "out"], &[]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{sealed}: {err}");
        assert_eq!(
            err.matches("error[").count(),
            1,
            "{sealed}: one error: {err}"
        );
        assert!(
            err.contains(&format!("{at}: error[{code}]")),
            "{sealed}: want {code} at {at}: {err}"
        );
        assert!(!dir.join("out").exists(), "{sealed}: nothing written");
    }
}

/// A Crypto for the Rust API: the OS random source, no previous tree, no private key.
struct OsCrypto;

impl k8gen::Crypto for OsCrypto {
    fn fill_random(&mut self, buf: &mut [u8]) {
        getrandom::fill(buf).unwrap();
    }
    fn age_encrypt(&mut self, _: &[u8], _: &str) -> Result<String, String> {
        Err("no age here".into())
    }
    fn previous(&mut self, _: &k8gen::Object) -> Option<k8gen::Previous> {
        None
    }
    fn lastmodified(&self) -> String {
        k8gen::SOPS_FIXED_LASTMODIFIED.into()
    }
}

/// The Rust API seals the same way (unsealed independently) and refuses with the same codes
/// and field paths as the spec.
#[test]
fn the_rust_api_seals_too() {
    use k8gen::model::{App, Component, ConfigRollout, SealedScope, SecretsMode};
    let Some(python) = python() else { return };
    let keys = tempfile::tempdir().unwrap();
    let pair = keygen(&python, keys.path(), "2048");
    let app = App::new("shop").namespace("shop").component(
        Component::new("shop", "shop:v1")
            .port("http", 8080)
            .secret("DB_PASSWORD", PASSWORD)
            .secret("API_KEY", "literal-api-key-1")
            .secret("EMPTY", ""),
    );
    let sealed = app
        .clone()
        .secrets_mode(SecretsMode::Sealed)
        .sealed_certificate(&pair.cert_pem)
        .sealed_scope(SealedScope::ClusterWide);
    let objects = k8gen::render_app_for_tree(&sealed, &mut OsCrypto).unwrap();
    let doc = (objects.iter())
        .find(|o| o.kind() == "SealedSecret")
        .unwrap()
        .to_json();
    assert_eq!(
        doc["metadata"]["annotations"]["sealedsecrets.bitnami.com/cluster-wide"],
        "true"
    );
    let got = unseal(&python, keys.path(), &pair.key, &[doc]);
    assert_eq!(got[0], serde_json::json!({ "data": expected_data() }));
    // Outside a tree the Secret stays plain, as a stdout render.
    assert!(
        k8gen::render_app(&sealed)
            .unwrap()
            .iter()
            .any(|o| o.kind() == "Secret")
    );

    let codes = |app: &App| -> Vec<(String, String)> {
        let issues = k8gen::render_app_for_tree(app, &mut OsCrypto).unwrap_err();
        issues
            .into_iter()
            .map(|i| (i.code.to_string(), i.path))
            .collect()
    };
    let mode = app.clone().secrets_mode(SecretsMode::Sealed);
    assert_eq!(codes(&mode), [("K0146".into(), "secrets_mode".into())]);
    assert_eq!(
        codes(&mode.clone().sealed_certificate("not a certificate")),
        [("K0147".into(), "sealed.certificate".into())]
    );
    assert_eq!(
        codes(
            &mode
                .clone()
                .sealed_certificate(&pair.cert_pem)
                .config_rollout(ConfigRollout::HashedNames)
        ),
        [("K0149".into(), "sealed.scope".into())]
    );
    let no_namespace = App::new("shop")
        .component(Component::new("shop", "shop:v1").secret("PW", "pw"))
        .secrets_mode(SecretsMode::Sealed)
        .sealed_certificate(&pair.cert_pem);
    assert_eq!(
        codes(&no_namespace),
        [("K0150".into(), "secrets_mode".into())]
    );
    assert!(
        k8gen::render_app_for_tree(
            &no_namespace.sealed_scope(SealedScope::ClusterWide),
            &mut OsCrypto
        )
        .is_ok()
    );
}

/// `k8gen check` judges the certificate by the clock, as `render -o` does: expired is K0148
/// at the certificate, expiring within 30 days the lint K0221 (allowable; `--deny warnings`
/// makes it fail), a certificate further out says nothing.
#[test]
fn check_reports_expired_and_expiring_certificates() {
    let Some(python) = python() else { return };
    let keys = tempfile::tempdir().unwrap();
    let cases = [
        (
            -2,
            Some(1),
            "error[K0148]: the sealed-secrets certificate expired on",
        ),
        (
            10,
            Some(0),
            "warning[K0221]: the sealed-secrets certificate expires on",
        ),
        (90, Some(0), ""),
    ];
    for (days, code, want) in cases {
        let pair = keygen_days(&python, keys.path(), "2048", days);
        let dir = repo(&pair, "{ certificate = \"certs/prod.pem\" }");
        let out = k8gen(dir.path(), &["check", "shop.toml"], &[]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), code, "{days} days: {err}");
        if want.is_empty() {
            assert!(!err.contains("K0221") && !err.contains("K0148"), "{err}");
            continue;
        }
        assert!(
            err.contains(&format!("shop.toml:6:26: {want}")),
            "{days} days: {err}"
        );
        if days > 0 {
            assert!(
                err.contains(&format!("in {} days", days - 1))
                    || err.contains(&format!("in {days} days")),
                "{err}"
            );
            let out = k8gen(
                dir.path(),
                &["check", "shop.toml", "--deny", "warnings"],
                &[],
            );
            assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        }
    }
}

/// The library judges dates only by the clock its caller gives (`Layers::now`).
#[test]
fn the_library_judges_certificate_dates_by_the_callers_clock() {
    let root = crate::support::root();
    let pem = std::fs::read_to_string(root.join("tests/it/sealed-cert.pem")).unwrap();
    let not_after = k8gen::encrypt::sealed::SealingKey::from_pem(&pem)
        .unwrap()
        .not_after_unix();
    let dir = crate::support::repo(&[("cert.pem", &pem), ("token.txt", "t")]);
    let spec = |allow: &str| {
        format!(
            "name = \"shop\"\nnamespace = \"shop\"\nimage = \"shop:v1\"\nsecrets_mode = \"sealed\"\n\
             sealed = {{ certificate = \"cert.pem\" }}\nallow = [{allow}]\n[secrets]\nTOKEN = {{ file = \"token.txt\" }}\n"
        )
    };
    let check = |source: &str, now: Option<u64>| {
        let layers = k8gen::Layers {
            now,
            ..k8gen::Layers::default()
        };
        k8gen::check_layers(
            "shop.toml",
            source,
            &layers,
            dir.path(),
            &crate::support::FsHost,
        )
    };
    let codes = |d: &[k8gen::Diagnostic]| d.iter().map(|d| d.code).collect::<Vec<_>>();
    let day = 86_400;
    let plain = spec("\"plaintext-secret\"");
    // No clock: nothing judged by date, even long past the notAfter.
    let w = check(&plain, None).unwrap();
    assert!(!codes(&w).contains(&"K0221"), "{w:#?}");
    assert!(check(&plain, Some(not_after + 400 * day)).is_err());
    // 40 days before: nothing; 10 days before: the warning, at the certificate.
    let w = check(&plain, Some(not_after - 40 * day)).unwrap();
    assert!(!codes(&w).contains(&"K0221"), "{w:#?}");
    let w = check(&plain, Some(not_after - 10 * day)).unwrap();
    let d = w
        .iter()
        .find(|d| d.code == "K0221")
        .unwrap_or_else(|| panic!("{w:#?}"));
    assert!(d.message.contains("in 10 days"), "{}", d.message);
    assert_eq!(&plain[d.span.clone()], "\"cert.pem\"");
    // Allowed, it is gone.
    let allowed = spec("\"plaintext-secret\", \"sealed-certificate-expiring\"");
    let w = check(&allowed, Some(not_after - 10 * day)).unwrap();
    assert!(!codes(&w).contains(&"K0221"), "{w:#?}");
    // Past the notAfter: the error render -o gives.
    let e = check(&plain, Some(not_after + 1)).unwrap_err();
    let expired: Vec<_> = e.iter().filter(|d| d.is_error()).collect();
    assert_eq!(expired.len(), 1, "{e:#?}");
    assert_eq!(expired[0].code, "K0148");
    assert_eq!(&plain[expired[0].span.clone()], "\"cert.pem\"");
}
