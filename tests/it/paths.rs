//! Relative paths resolve against the folder of the file that wrote them (README "What a spec
//! may read"): a `sealed.certificate` in a repo-root `k8gen.toml` against the root, for specs in
//! any subfolder; a `{ file = ... }` of an overlay file against the overlay file's folder; one of
//! a `--set` against the current folder; one of the spec against the spec's. Still confined to
//! the repo root. Both front ends: the CLI and the library's `Layers` folders.

use std::path::Path;

use crate::support::*;
use crate::tree::ok;

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn cert() -> String {
    std::fs::read_to_string(root().join("tests/it/sealed-cert.pem")).unwrap()
}

const PLATFORM: &str = r#"[defaults]
secrets_mode = "sealed"

[environments.staging]
defaults = { sealed = { certificate = "certs/staging.pem" } }
"#;

fn spec(name: &str) -> String {
    format!(
        "name = \"{name}\"\nnamespace = \"{name}\"\nimage = \"{name}:v1\"\nport = 8080\n\
         [secrets]\nTOKEN = {{ file = \"token.txt\" }}\n"
    )
}

/// A repo: `k8gen.toml` and `certs/staging.pem` at the root, specs in `apps/shop/` and
/// `apps/cart/deep/`, each with its own `token.txt`; shop's staging overlay file names
/// `extra.txt` beside it.
fn two_folders() -> tempfile::TempDir {
    let cert = cert();
    let shop = spec("shop");
    let cart = spec("cart");
    repo(&[
        ("k8gen.toml", PLATFORM),
        ("certs/staging.pem", &cert),
        ("apps/shop/shop.toml", &shop),
        ("apps/shop/token.txt", "shop-token"),
        (
            "apps/shop/shop.staging.toml",
            "[secrets]\nEXTRA = { file = \"extra.txt\" }\n",
        ),
        ("apps/shop/extra.txt", "beside the overlay"),
        ("apps/cart/deep/cart.toml", &cart),
        ("apps/cart/deep/token.txt", "cart-token"),
        ("shared/set.txt", "from the current folder"),
    ])
}

fn sealed_keys(file: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let v: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    assert_eq!(v["kind"], "SealedSecret", "{text}");
    let data = v["spec"]["encryptedData"].as_object().unwrap();
    data.keys().cloned().collect()
}

#[test]
fn a_root_platform_file_names_its_certificate_for_specs_in_every_subfolder() {
    let tmp = two_folders();
    ok(run_in(
        tmp.path(),
        &["render", "apps", "--all-envs", "-o", "deploy"],
    ));
    let deploy = tmp.path().join("deploy/staging");
    // The certificate of k8gen.toml sealed both apps' Secrets; the overlay's file was read
    // beside the overlay file; each spec's `token.txt` beside its spec.
    assert_eq!(
        sealed_keys(&deploy.join("shop/sealedsecret-shop-secrets.yaml")),
        ["EXTRA", "TOKEN"]
    );
    assert_eq!(
        sealed_keys(&deploy.join("cart/sealedsecret-cart-secrets.yaml")),
        ["TOKEN"]
    );

    // From a spec's own folder (k8gen.toml found above it), the same.
    let shop = tmp.path().join("apps/shop");
    ok(run_in(
        &shop,
        &["render", "shop.toml", "--env", "staging", "-o", "out"],
    ));
    assert_eq!(
        sealed_keys(&shop.join("out/sealedsecret-shop-secrets.yaml")),
        ["EXTRA", "TOKEN"]
    );
}

#[test]
fn set_values_resolve_against_the_current_folder() {
    let tmp = two_folders();
    let set = "secrets.FROM_SET={file=\"shared/set.txt\"}";
    let out = ok(run_in(
        tmp.path(),
        &[
            "render",
            "apps/cart/deep/cart.toml",
            "--env",
            "staging",
            "--set",
            set,
        ],
    ));
    let yaml = String::from_utf8_lossy(&out.stdout);
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode("from the current folder");
    assert!(yaml.contains(&format!("FROM_SET: {b64}")), "{yaml}");
    // From the spec's folder the same `--set` names a file that is not there: the error points
    // at the `--set` and says where the path started.
    let out = run_in(
        &tmp.path().join("apps/cart/deep"),
        &["render", "cart.toml", "--env", "staging", "--set", set],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("\n--set #1:1:26: error[K0108]"), "{err}");
    assert!(err.contains("error[K0108]"), "{err}");
    assert!(err.contains("here `.`"), "{err}");
}

#[test]
fn a_path_of_k8gen_toml_that_is_missing_is_an_error_in_k8gen_toml_naming_its_folder() {
    let tmp = two_folders();
    std::fs::remove_file(tmp.path().join("certs/staging.pem")).unwrap();
    // The spec's folder has a file of that name: it must not be read instead.
    std::fs::create_dir_all(tmp.path().join("apps/shop/certs")).unwrap();
    std::fs::write(tmp.path().join("apps/shop/certs/staging.pem"), cert()).unwrap();
    let out = run_in(
        &tmp.path().join("apps/shop"),
        &["render", "shop.toml", "--env", "staging"],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    // `defaults = { sealed = { certificate = "certs/staging.pem" } }` is line 5 of k8gen.toml.
    assert!(err.contains("k8gen.toml:5:"), "{err}");
    assert!(err.contains("error[K0108]"), "{err}");
    assert!(err.contains("certs/staging.pem"), "{err}");
    assert!(!err.contains("shop/certs"), "{err}");
}

#[test]
fn paths_in_k8gen_toml_stay_confined_to_the_repo_root() {
    let cert = cert();
    let tmp = repo(&[
        (
            "repo/k8gen.toml",
            "[defaults]\nsecrets_mode = \"sealed\"\nsealed = { certificate = \"../outside.pem\" }\n",
        ),
        ("outside.pem", &cert),
        ("repo/app/shop.toml", &spec("shop")),
        ("repo/app/token.txt", "t"),
    ]);
    let out = run_in(&tmp.path().join("repo/app"), &["render", "shop.toml"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("k8gen.toml:3:"), "{err}");
    assert!(err.contains("error[K0130]"), "{err}");
}

#[test]
fn the_library_resolves_each_layer_against_the_folder_it_is_given() {
    let tmp = two_folders();
    let spec_dir = tmp.path().join("apps/cart/deep");
    let source = std::fs::read_to_string(spec_dir.join("cart.toml")).unwrap();
    let layers = |platform_dir: Option<&Path>| k8gen::Layers {
        env: Some("staging".into()),
        platform: Some(("k8gen.toml".into(), PLATFORM.into())),
        platform_dir: platform_dir.map(Path::to_path_buf),
        ..k8gen::Layers::default()
    };
    let ok = k8gen::render_layers(
        "cart.toml",
        &source,
        &layers(Some(tmp.path())),
        &spec_dir,
        &FsHost,
    );
    assert!(ok.is_ok(), "{:#?}", ok.err());
    // Without the platform's folder, its paths start at the spec's: not there.
    let errors =
        k8gen::render_layers("cart.toml", &source, &layers(None), &spec_dir, &FsHost).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].code, "K0108");
    // File 1 is the platform file.
    assert_eq!(errors[0].file, 1);
}
