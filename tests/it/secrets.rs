//! Secrets in rendered trees (issue 12): a tree render refuses a plain Secret unless the app
//! picks a mode; `sops` writes files that independent SOPS/age implementations decrypt (npm
//! `sops-age`, Debian's `age` with Node's OpenSSL checking the MAC); an unchanged Secret keeps
//! its ciphertext when the age key is at hand, a changed one moves only its file and the
//! checksums; no hash of a plaintext value lands in the tree.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use base64::Engine;
use sha2::Digest;

use crate::tree::ok;

/// Runs k8gen in `dir` with a clean secrets environment (no key of the machine's user), plus
/// `env`.
fn k8gen(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_k8gen"));
    cmd.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("HOME", dir)
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("SOPS_AGE_KEY")
        .env_remove("SOPS_AGE_KEY_FILE")
        .env_remove("SOURCE_DATE_EPOCH");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run k8gen")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A key pair made with the `age` crate: (secret key line, recipient).
fn key_pair() -> (String, String) {
    use age::secrecy::ExposeSecret;
    let id = age::x25519::Identity::generate();
    (
        id.to_string().expose_secret().to_string(),
        id.to_public().to_string(),
    )
}

const SPEC: &str = r#"name = "shop"
namespace = "shop"
image = "shop:v1"
port = 8080
secrets_mode = "sops"
sops = { age = ["RECIPIENT"] }
allow = ["plaintext-secret"]

[secrets]
DB_PASSWORD = { file = "db-password.txt" }
API_KEY = "literal-api-key-1"
EMPTY = ""
"#;

fn repo(recipient: &str) -> tempfile::TempDir {
    crate::support::repo(&[
        ("shop.toml", &SPEC.replace("RECIPIENT", recipient)),
        ("db-password.txt", "hunter2-is-not-a-password"),
    ])
}

fn tree(dir: &Path) -> BTreeMap<String, String> {
    crate::support::read_tree(dir)
}

/// The decoded `data` values of a plaintext Secret document (JSON).
fn data_of(doc: &serde_json::Value) -> BTreeMap<String, String> {
    let b64 = base64::engine::general_purpose::STANDARD;
    doc["data"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            let bytes = b64.decode(v.as_str().unwrap()).unwrap();
            (k.clone(), String::from_utf8(bytes).unwrap())
        })
        .collect()
}

/// Tools of the independent decryption: `age-keygen`, `age`, `node` with the npm package
/// `sops-age` (`K8GEN_SOPS_NODE_MODULES`, default `.ci/npm/node_modules`). `None` (skip) only
/// when `K8GEN_REQUIRE_SOPS` is not set; CI sets it.
fn independent_tools() -> Option<PathBuf> {
    let modules = std::env::var_os("K8GEN_SOPS_NODE_MODULES")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::support::root().join(".ci/npm/node_modules"));
    let have = |cmd: &str, arg: &str| {
        Command::new(cmd)
            .arg(arg)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let present = have("age", "--version")
        && have("age-keygen", "--version")
        && have("node", "--version")
        && modules.join("sops-age/package.json").is_file();
    if present {
        return Some(modules);
    }
    assert!(
        std::env::var_os("K8GEN_REQUIRE_SOPS").is_none(),
        "age, age-keygen, node or the npm package sops-age (in {}) missing; .ci/run installs them",
        modules.display()
    );
    eprintln!("skipped: no age, node or sops-age (run .ci/run once to install them)");
    None
}

/// Decrypts `file` with `tests/tools/sops-decrypt.cjs` (sops-age, and age + OpenSSL with the
/// MAC checked): the plaintext document.
fn decrypt_independently(modules: &Path, file: &Path, key_file: &Path) -> serde_json::Value {
    let out = Command::new("node")
        .arg(crate::support::root().join("tests/tools/sops-decrypt.cjs"))
        .arg(file)
        .arg(key_file)
        .env("NODE_PATH", modules)
        .output()
        .expect("run node");
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn sops_tree_is_decrypted_by_independent_implementations() {
    let Some(modules) = independent_tools() else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let key_file = work.path().join("key.txt");
    let keygen = Command::new("age-keygen")
        .arg("-o")
        .arg(&key_file)
        .output()
        .unwrap();
    assert!(keygen.status.success(), "{}", stderr(&keygen));
    let recipient = Command::new("age-keygen")
        .arg("-y")
        .arg(&key_file)
        .output()
        .unwrap();
    let recipient = String::from_utf8(recipient.stdout)
        .unwrap()
        .trim()
        .to_string();
    let dir = repo(&recipient);
    ok(k8gen(
        dir.path(),
        &["render", "shop.toml", "-o", "out"],
        &[],
    ));
    let file = dir.path().join("out/secret-shop-secrets.yaml");
    let doc = decrypt_independently(&modules, &file, &key_file);
    assert_eq!(doc["kind"], "Secret");
    assert_eq!(doc["metadata"]["name"], "shop-secrets");
    assert_eq!(doc["type"], "Opaque");
    let want: BTreeMap<String, String> = [
        ("API_KEY", "literal-api-key-1"),
        ("DB_PASSWORD", "hunter2-is-not-a-password"),
        ("EMPTY", ""),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(data_of(&doc), want);

    // The unsalted hash a plain Secret's `checksum/secret` is (what every render wrote before):
    // on stdout, where the values are in the output anyway, and nowhere in the tree.
    let b64 = base64::engine::general_purpose::STANDARD;
    let plain_content = serde_json::json!(["shop-secrets", {
        "API_KEY": b64.encode("literal-api-key-1"),
        "DB_PASSWORD": b64.encode("hunter2-is-not-a-password"),
        "EMPTY": "",
    }, null]);
    let plain_sum = hex::encode(sha2::Sha256::digest(plain_content.to_string()));
    let stream = ok(k8gen(dir.path(), &["render", "shop.toml"], &[]));
    let stream = String::from_utf8(stream.stdout).unwrap();
    assert!(stream.contains(&plain_sum), "{stream}");
    // Nothing of a value in the tree: not the value, its base64, its (unsalted) SHA-256, nor
    // the plain Secret's checksum.
    let mut files = tree(&dir.path().join("out"));
    let manifest = std::fs::read_to_string(dir.path().join("out/.k8gen-owned.json")).unwrap();
    files.insert(".k8gen-owned.json".into(), manifest);
    for v in ["literal-api-key-1", "hunter2-is-not-a-password"] {
        let needles = [
            plain_sum.clone(),
            v.to_string(),
            b64.encode(v),
            hex::encode(sha2::Sha256::digest(v)),
            hex::encode(sha2::Sha256::digest(b64.encode(v))),
        ];
        for (name, text) in &files {
            for n in &needles {
                assert!(!text.contains(n.as_str()), "{name} holds {n}");
            }
        }
    }

    // A changed value: decrypted again, the new value.
    std::fs::write(dir.path().join("db-password.txt"), "a-better-one").unwrap();
    let key = key_file.to_str().unwrap();
    ok(k8gen(
        dir.path(),
        &["render", "shop.toml", "-o", "out"],
        &[("SOPS_AGE_KEY_FILE", key)],
    ));
    let doc = decrypt_independently(&modules, &file, &key_file);
    assert_eq!(data_of(&doc)["DB_PASSWORD"], "a-better-one");
    assert_eq!(data_of(&doc)["API_KEY"], "literal-api-key-1");
}

#[test]
fn unchanged_secrets_keep_their_ciphertext_with_the_key() {
    let (secret, recipient) = key_pair();
    let dir = repo(&recipient);
    let key_file = dir.path().join("keys.txt");
    std::fs::write(&key_file, format!("# test key\n{secret}\n")).unwrap();
    let key = key_file.to_str().unwrap();
    let render = |env: &[(&str, &str)]| {
        ok(k8gen(
            dir.path(),
            &["render", "shop.toml", "-o", "out"],
            env,
        ))
    };
    let out = dir.path().join("out");

    render(&[]);
    let first = tree(&out);
    let secret_file = "secret-shop-secrets.yaml";
    assert!(first[secret_file].contains("ENC[AES256_GCM,data:"));
    assert!(first[secret_file].contains("lastmodified: \"1970-01-01T00:00:00Z\""));

    // With the key (either way sops reads it): the same tree, byte for byte, and --check agrees.
    let quiet = render(&[("SOPS_AGE_KEY_FILE", key)]);
    assert_eq!(stderr(&quiet), "");
    assert_eq!(tree(&out), first);
    render(&[("SOPS_AGE_KEY", &secret)]);
    assert_eq!(tree(&out), first);
    ok(k8gen(
        dir.path(),
        &["render", "shop.toml", "-o", "out", "--check"],
        &[("SOPS_AGE_KEY_FILE", key)],
    ));

    // `diff -o` compares with what `render -o` writes: nothing changed.
    let diff = ok(k8gen(
        dir.path(),
        &["diff", "shop.toml", "-o", "out"],
        &[("SOPS_AGE_KEY_FILE", key)],
    ));
    let report = String::from_utf8(diff.stdout).unwrap();
    assert!(!report.contains("shop-secrets"), "{report}");

    // One value changes: only the Secret's file and the pods' checksum move (and the
    // ownership manifest's hashes of the two, which `tree` leaves out).
    std::fs::write(dir.path().join("db-password.txt"), "changed").unwrap();
    render(&[
        ("SOPS_AGE_KEY_FILE", key),
        ("SOURCE_DATE_EPOCH", "1700000000"),
    ]);
    let second = tree(&out);
    let moved: Vec<&String> = first
        .keys()
        .filter(|k| first.get(*k) != second.get(*k))
        .collect();
    assert_eq!(moved, ["deployment-shop.yaml", secret_file], "{moved:?}");
    // A changed Secret is encrypted anew under a fresh data key (README "Secrets"): every
    // value's ciphertext moves, the names, labels and empty values do not.
    let line = |t: &str, key: &str| {
        t.lines()
            .find(|l| l.trim_start().starts_with(key))
            .unwrap()
            .to_string()
    };
    for key in ["DB_PASSWORD:", "API_KEY:", "mac:", "lastmodified:"] {
        assert_ne!(
            line(&first[secret_file], key),
            line(&second[secret_file], key)
        );
    }
    // ... and the data key is new: a value never goes under a key that came from the tree.
    let data_key = |text: &str| {
        let doc: serde_json::Value = serde_saphyr::from_str(text).unwrap();
        let enc = doc["sops"]["age"][0]["enc"].as_str().unwrap().to_string();
        let id: age::x25519::Identity = secret.parse().unwrap();
        age::decrypt(&id, enc.as_bytes()).unwrap()
    };
    assert_eq!(data_key(&first[secret_file]).len(), 32);
    assert_ne!(
        data_key(&first[secret_file]),
        data_key(&second[secret_file])
    );
    for key in ["name:", "EMPTY:", "- recipient:", "type:"] {
        assert_eq!(
            line(&first[secret_file], key),
            line(&second[secret_file], key)
        );
    }
    assert!(second[secret_file].contains("lastmodified: \"2023-11-14T22:13:20Z\""));
    let checksum = |t: &str| {
        t.lines()
            .find(|l| l.contains("checksum/secret"))
            .unwrap()
            .to_string()
    };
    assert_ne!(
        checksum(&first["deployment-shop.yaml"]),
        checksum(&second["deployment-shop.yaml"])
    );

    // Without the key k8gen cannot tell: the Secret is encrypted anew (README "Secrets"), and
    // k8gen says why.
    let noted = render(&[]);
    assert!(
        stderr(&noted).contains("note: no age key"),
        "{}",
        stderr(&noted)
    );
    let third = tree(&out);
    assert_ne!(third[secret_file], second[secret_file]);
    let fail = k8gen(
        dir.path(),
        &["render", "shop.toml", "-o", "out", "--check"],
        &[],
    );
    assert_eq!(fail.status.code(), Some(1), "{}", stderr(&fail));

    // A new recipient list (key rotation) encrypts anew for every recipient.
    let (_, other) = key_pair();
    let spec = SPEC.replace("\"RECIPIENT\"", &format!("\"{recipient}\", \"{other}\""));
    std::fs::write(dir.path().join("shop.toml"), spec).unwrap();
    render(&[("SOPS_AGE_KEY_FILE", key)]);
    let fourth = tree(&out);
    assert!(fourth[secret_file].contains(&other));
    assert_ne!(fourth[secret_file], third[secret_file]);
}

#[test]
fn a_plain_secret_in_a_tree_is_refused_stdout_is_not() {
    let spec =
        "name = \"shop\"\nimage = \"shop:v1\"\n\n[secrets]\nDB_PASSWORD = { file = \"pw.txt\" }\n";
    let dir = crate::support::repo(&[("shop.toml", spec), ("pw.txt", "pw")]);
    let out = k8gen(dir.path(), &["render", "shop.toml", "-o", "out"], &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("shop.toml:5:1: error[K0140]"), "{err}");
    assert!(err.contains("secrets_mode = \"sops\""), "{err}");
    assert!(!dir.path().join("out").exists());

    // stdout: nothing is committed, the Secret is plain as before.
    let out = ok(k8gen(dir.path(), &["render", "shop.toml"], &[]));
    let stream = String::from_utf8(out.stdout).unwrap();
    assert!(stream.contains("kind: Secret\n"), "{stream}");
    assert!(stream.contains("DB_PASSWORD: cHc="), "{stream}");

    // `plain` needs the platform's (or the command line's) permission.
    let plain = spec.replace("[secrets]", "secrets_mode = \"plain\"\n\n[secrets]");
    std::fs::write(dir.path().join("shop.toml"), &plain).unwrap();
    let out = k8gen(dir.path(), &["render", "shop.toml", "-o", "out"], &[]);
    assert!(
        stderr(&out).contains("shop.toml:4:16: error[K0141]"),
        "{}",
        stderr(&out)
    );
    ok(k8gen(
        dir.path(),
        &["render", "shop.toml", "-o", "out", "--allow-plain-secrets"],
        &[],
    ));
    let secret = std::fs::read_to_string(dir.path().join("out/secret-shop-secrets.yaml")).unwrap();
    assert!(secret.contains("DB_PASSWORD: cHc="), "{secret}");
    std::fs::write(
        dir.path().join("k8gen.toml"),
        "[secrets]\nallow_plain = true\n",
    )
    .unwrap();
    ok(k8gen(
        dir.path(),
        &["render", "shop.toml", "-o", "out2"],
        &[],
    ));

    // `external`: every value from the store, in any render.
    let external = spec.replace("[secrets]", "secrets_mode = \"external\"\n\n[secrets]");
    std::fs::write(dir.path().join("shop.toml"), &external).unwrap();
    let out = k8gen(dir.path(), &["render", "shop.toml"], &[]);
    assert!(
        stderr(&out).contains("shop.toml:7:1: error[K0142]"),
        "{}",
        stderr(&out)
    );

    // `sops` without recipients, or with a wrong one.
    let sops = spec.replace(
        "[secrets]",
        "secrets_mode = \"sops\"\nsops = { age = [\"age1nope\"] }\n\n[secrets]",
    );
    std::fs::write(dir.path().join("shop.toml"), &sops).unwrap();
    let out = k8gen(dir.path(), &["render", "shop.toml", "-o", "out3"], &[]);
    assert!(stderr(&out).contains("error[K0144]"), "{}", stderr(&out));
    let sops = spec.replace("[secrets]", "secrets_mode = \"sops\"\n\n[secrets]");
    std::fs::write(dir.path().join("shop.toml"), &sops).unwrap();
    let out = k8gen(dir.path(), &["render", "shop.toml", "-o", "out3"], &[]);
    assert!(
        stderr(&out).contains("shop.toml:4:16: error[K0143]"),
        "{}",
        stderr(&out)
    );
}

/// The platform's `[defaults]` set the mode and recipients of every app.
#[test]
fn the_platform_sets_the_mode() {
    let (_, recipient) = key_pair();
    let platform =
        format!("[defaults]\nsecrets_mode = \"sops\"\nsops = {{ age = [\"{recipient}\"] }}\n");
    let spec =
        "name = \"shop\"\nimage = \"shop:v1\"\n\n[secrets]\nDB_PASSWORD = { file = \"pw.txt\" }\n";
    let dir = crate::support::repo(&[
        ("k8gen.toml", &platform),
        ("shop.toml", spec),
        ("pw.txt", "pw"),
    ]);
    ok(k8gen(
        dir.path(),
        &["render", "shop.toml", "-o", "out"],
        &[],
    ));
    let secret = std::fs::read_to_string(dir.path().join("out/secret-shop-secrets.yaml")).unwrap();
    assert!(secret.contains(&recipient));
    assert!(!secret.contains("cHc="));
}

/// A Crypto for the Rust API: a counter as random source, the `age` crate for keys.
struct TestCrypto(u8);

impl k8gen::Crypto for TestCrypto {
    fn fill_random(&mut self, buf: &mut [u8]) {
        for b in buf {
            self.0 = self.0.wrapping_add(1);
            *b = self.0;
        }
    }
    fn age_encrypt(&mut self, key: &[u8], recipient: &str) -> Result<String, String> {
        let r: age::x25519::Recipient = recipient.parse().map_err(|e: &str| e.to_string())?;
        age::encrypt_and_armor(&r, key).map_err(|e| e.to_string())
    }
    fn previous(&mut self, _: &k8gen::Object) -> Option<k8gen::Previous> {
        None
    }
    fn lastmodified(&self) -> String {
        k8gen::SOPS_FIXED_LASTMODIFIED.into()
    }
}

/// The Rust API has the same modes and rules: a plain Secret is refused for a tree, sops
/// encrypts it, and a stdout-like render keeps it plain.
#[test]
fn the_rust_api_has_the_same_modes() {
    use k8gen::model::{App, Component, SecretsMode};
    let (_, recipient) = key_pair();
    let app = App::new("shop").component(Component::new("shop", "shop:v1").secret("PW", "pw"));
    let issues = k8gen::render_app_for_tree(&app, &mut TestCrypto(0)).unwrap_err();
    assert_eq!(issues[0].code, k8gen::codes::PLAIN_SECRET_IN_TREE);
    assert_eq!(issues[0].path, "components.shop.secrets.PW");
    let plain = k8gen::render_app(&app).unwrap();
    assert!(plain.iter().any(|o| matches!(o, k8gen::Object::Secret(_))));

    let sops = app
        .clone()
        .secrets_mode(SecretsMode::Sops)
        .sops_age(&recipient);
    let objects = k8gen::render_app_for_tree(&sops, &mut TestCrypto(0)).unwrap();
    let yaml = k8gen::emit::stream(&objects);
    assert!(yaml.contains("ENC[AES256_GCM,data:"), "{yaml}");
    assert!(yaml.contains(&recipient));
    assert!(!yaml.contains("cHc="));
    let allowed = app.secrets_mode(SecretsMode::Plain);
    assert_eq!(
        k8gen::render_app_for_tree(&allowed, &mut TestCrypto(0)).unwrap_err()[0].code,
        k8gen::codes::PLAIN_SECRETS_NOT_ALLOWED
    );
    assert!(k8gen::render_app_for_tree(&allowed.allow_plain_secrets(), &mut TestCrypto(0)).is_ok());
}

/// A public example's Secret (a PostgreSQL tutorial's `postgres-secret` with the Deployment
/// reading it): imported, rendered in `sops` mode, decrypted independently — the data is the
/// upstream Secret's, byte for byte, and the Deployment is the stdout render's but for its
/// checksum.
#[test]
fn an_imported_apps_secret_round_trips_through_sops() {
    const UPSTREAM: &str = r#"apiVersion: v1
kind: Secret
metadata:
  name: postgres-secret
type: Opaque
data:
  POSTGRES_USER: bXl1c2Vy
  POSTGRES_PASSWORD: bXlwYXNzd29yZA==
  POSTGRES_DB: bXlkYXRhYmFzZQ==
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: postgres
spec:
  replicas: 1
  selector:
    matchLabels:
      app: postgres
  template:
    metadata:
      labels:
        app: postgres
    spec:
      containers:
        - name: postgres
          image: postgres:14
          envFrom:
            - secretRef:
                name: postgres-secret
"#;
    let Some(modules) = independent_tools() else {
        return;
    };
    let dir = crate::support::repo(&[("app.yaml", UPSTREAM)]);
    ok(k8gen(
        dir.path(),
        &[
            "import",
            "app.yaml",
            "-o",
            "pg.toml",
            "--secrets-dir",
            "sec",
        ],
        &[],
    ));
    let key_file = dir.path().join("key.txt");
    ok(Command::new("age-keygen")
        .arg("-o")
        .arg(&key_file)
        .output()
        .unwrap());
    let recipient = ok(Command::new("age-keygen")
        .arg("-y")
        .arg(&key_file)
        .output()
        .unwrap());
    let recipient = String::from_utf8(recipient.stdout).unwrap();
    let spec = std::fs::read_to_string(dir.path().join("pg.toml")).unwrap();
    let spec = format!(
        "secrets_mode = \"sops\"\nsops = {{ age = [\"{}\"] }}\n{spec}",
        recipient.trim()
    );
    std::fs::write(dir.path().join("pg.toml"), spec).unwrap();
    // The values come back from the files import wrote, as `{ env = ... }`.
    let mut env: Vec<(String, String)> = Vec::new();
    for e in std::fs::read_dir(dir.path().join("sec")).unwrap() {
        let e = e.unwrap();
        let value = std::fs::read_to_string(e.path()).unwrap();
        env.push((e.file_name().to_string_lossy().into_owned(), value));
    }
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    // A render reads only the variables it is allowed to (as the import's report says).
    let allow = ["--allow-env", "POSTGRES_*"];
    ok(k8gen(
        dir.path(),
        &[&["render", "pg.toml", "-o", "out"][..], &allow[..]].concat(),
        &env,
    ));
    let file = dir.path().join("out/secret-postgres-secret.yaml");
    let doc = decrypt_independently(&modules, &file, &key_file);
    let upstream: Vec<serde_json::Value> = UPSTREAM
        .split("---\n")
        .map(|d| serde_saphyr::from_str(d).unwrap())
        .collect();
    assert_eq!(doc["data"], upstream[0]["data"]);
    assert_eq!(doc["type"], upstream[0]["type"]);
    assert_eq!(doc["metadata"]["name"], upstream[0]["metadata"]["name"]);
    let stream = ok(k8gen(
        dir.path(),
        &[&["render", "pg.toml"][..], &allow[..]].concat(),
        &env,
    ));
    let stream = String::from_utf8(stream.stdout).unwrap();
    let deployment =
        std::fs::read_to_string(dir.path().join("out/deployment-postgres.yaml")).unwrap();
    let no_checksum = |t: &str| {
        t.lines()
            .filter(|l| !l.contains("checksum/secret") && !l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let streamed = stream
        .split("---\n")
        .find(|d| d.contains("kind: Deployment"))
        .unwrap();
    assert_eq!(no_checksum(streamed), no_checksum(&deployment));
}

/// `config_rollout = "hashed-names"` with SOPS: the Secret is named by the hash of its
/// ciphertext before its MAC is made (sops's MAC covers the name), so the independent
/// implementation decrypts it under its hashed name; an unchanged re-render with the key is
/// the same tree (the file is found under its hashed name).
#[test]
fn sops_secrets_with_hashed_names_decrypt_and_stay() {
    let Some(modules) = independent_tools() else {
        return;
    };
    let (secret, recipient) = key_pair();
    let dir = repo(&recipient);
    let spec = std::fs::read_to_string(dir.path().join("shop.toml")).unwrap();
    std::fs::write(
        dir.path().join("shop.toml"),
        format!("config_rollout = \"hashed-names\"\n{spec}"),
    )
    .unwrap();
    let key_file = dir.path().join("keys.txt");
    std::fs::write(&key_file, format!("{secret}\n")).unwrap();
    let key = key_file.to_str().unwrap();
    ok(k8gen(
        dir.path(),
        &["render", "shop.toml", "-o", "out"],
        &[],
    ));
    let out = dir.path().join("out");
    let first = tree(&out);
    let file = (first.keys())
        .find(|k| k.starts_with("secret-shop-secrets-"))
        .unwrap()
        .clone();
    let name = file
        .strip_prefix("secret-")
        .unwrap()
        .strip_suffix(".yaml")
        .unwrap();
    assert!(first["deployment-shop.yaml"].contains(&format!("name: {name}\n")));
    let doc = decrypt_independently(&modules, &out.join(&file), &key_file);
    assert_eq!(doc["metadata"]["name"], name);
    assert_eq!(data_of(&doc)["DB_PASSWORD"], "hunter2-is-not-a-password");

    ok(k8gen(
        dir.path(),
        &["render", "shop.toml", "-o", "out"],
        &[("SOPS_AGE_KEY_FILE", key)],
    ));
    assert_eq!(tree(&out), first);

    // A changed value: a new name, still decryptable.
    std::fs::write(dir.path().join("db-password.txt"), "changed").unwrap();
    ok(k8gen(
        dir.path(),
        &["render", "shop.toml", "-o", "out"],
        &[("SOPS_AGE_KEY_FILE", key)],
    ));
    let second = tree(&out);
    let new = (second.keys())
        .find(|k| k.starts_with("secret-shop-secrets-") && **k != file)
        .unwrap();
    let doc = decrypt_independently(&modules, &out.join(new), &key_file);
    assert_eq!(data_of(&doc)["DB_PASSWORD"], "changed");
}
