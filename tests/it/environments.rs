//! Environments and the platform layer: overlays (`[overlay.ENV]` and `STEM.ENV.toml`), the
//! merge rules, `k8gen.toml` (environments, defaults, policy), `--env`/`--all-envs`, and where
//! errors in each layer point.

use std::process::Output;

use crate::support::run_in as run;
use crate::support::*;

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "k8gen failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn failed(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(1),
        "expected exit 1:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stderr.clone()).unwrap()
}

const BASE: &str = r#"name = "shop"
namespace = "shop"
image = "shop:v1"
port = 8080
replicas = 2
env = { MODE = "base", KEEP = "1" }
command = ["shop", "serve"]

[[sidecars]]
name = "log"
image = "fluent-bit:3.1"

[[sidecars]]
name = "proxy"
image = "envoy:1.30"

[components.worker]
image = "shop-worker:v1"

[components.cron]
image = "shop-cron:v1"
kind = "CronJob"
schedule = "@daily"

[ingress]
routes = [{ host = "shop.example.com", to = "shop" }, { host = "shop.example.com", path = "/api", to = "shop" }]
"#;

/// The same overlay, written as `[overlay.prod]` and as the file `shop.prod.toml`.
const OVERLAY: &str = r#"replicas = 5
env.MODE = "prod"
command = ["shop", "serve", "--prod"]
remove = ["components.cron", "env.KEEP"]

[[sidecars]]
name = "proxy"
image = "envoy:1.31"

[[sidecars]]
name = "metrics"
image = "statsd:1"

[components]
worker = false

[ingress]
routes = [{ host = "shop.example.com", path = "/api", to = "shop:http", path_type = "Exact" }]
"#;

/// `OVERLAY` as a table of the spec.
fn as_table(overlay: &str, env: &str) -> String {
    let mut out = format!("\n[overlay.{env}]\n");
    for line in overlay.lines() {
        let line = if let Some(rest) = line.strip_prefix("[[") {
            format!("[[overlay.{env}.{rest}")
        } else if let Some(rest) = line.strip_prefix('[') {
            format!("[overlay.{env}.{rest}")
        } else {
            line.to_string()
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[test]
fn each_merge_rule_holds_and_a_table_overlay_equals_an_overlay_file() {
    let with_table = format!("{BASE}{}", as_table(OVERLAY, "prod"));
    let a = repo(&[("shop.toml", &with_table)]);
    let b = repo(&[("shop.toml", BASE), ("shop.prod.toml", OVERLAY)]);
    let from_table = ok(&run(a.path(), &["render", "shop.toml", "--env", "prod"]));
    let from_file = ok(&run(b.path(), &["render", "shop.toml", "--env", "prod"]));
    assert_eq!(from_table, from_file, "both forms merge the same way");
    let y = from_file;

    // Scalars replace; tables merge key by key (MODE replaced, KEEP removed by `remove`).
    assert!(y.contains("  replicas: 5\n"), "{y}");
    assert!(y.contains("- name: MODE\n          value: prod"), "{y}");
    assert!(!y.contains("KEEP"), "{y}");
    // Plain lists replace.
    assert!(
        y.contains("        - shop\n        - serve\n        - --prod\n"),
        "{y}"
    );
    // Named lists merge by name: `log` kept, `proxy` changed, `metrics` appended, in order.
    let log = y.find("image: fluent-bit:3.1").expect("log kept");
    let proxy = y.find("image: envoy:1.31").expect("proxy changed");
    let metrics = y.find("image: statsd:1").expect("metrics added");
    assert!(log < proxy && proxy < metrics, "{y}");
    assert!(!y.contains("envoy:1.30"), "{y}");
    // Routes merge by host + path: `/` kept, `/api` changed in place.
    assert!(y.contains("pathType: Exact"), "{y}");
    assert_eq!(y.matches("pathType: ").count(), 2, "{y}");
    // `components.worker = false` and `remove = ["components.cron"]` take components away.
    assert!(!y.contains("shop-worker") && !y.contains("CronJob"), "{y}");

    // Without `--env`, the spec as written: no overlay applies.
    let base = ok(&run(b.path(), &["render", "shop.toml"]));
    assert!(base.contains("shop-worker:v1") && base.contains("replicas: 2\n"));
    // A folder scan does not take the overlay file for a spec.
    let all = ok(&run(b.path(), &["render", "."]));
    assert_eq!(all, base);
    // Named on its own, the overlay file is refused with a pointer to `--env`.
    let out = run(b.path(), &["render", "shop.prod.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("render that with `--env prod`"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn errors_point_into_the_layer_that_wrote_them() {
    let dir = repo(&[
        (
            "shop.toml",
            "name = \"shop\"\nnamespace = \"shop\"\nimage = \"shop:v1\"\nport = 8080\n\n[overlay.staging]\nreplica = 1\n",
        ),
        (
            "shop.prod.toml",
            "# production\nreplicas = -3\nremove = [\"components.wrker\"]\n",
        ),
    ]);
    // An unknown key in an overlay the render does not use is still reported, at its place.
    let err = failed(&run(dir.path(), &["render", "shop.toml"]));
    assert!(
        err.contains("shop.toml:7:1: error[K0002]: unknown key `replica`"),
        "{err}"
    );
    assert!(err.contains("did you mean `replicas`?"), "{err}");
    // A merged value the engine rejects points at the overlay file's line, not the base.
    let dir2 = repo(&[
        (
            "shop.toml",
            "name = \"shop\"\nnamespace = \"shop\"\nimage = \"shop:v1\"\nport = 8080\n[components.worker]\nimage = \"w:v1\"\n",
        ),
        (
            "shop.prod.toml",
            "# production\nreplicas = -3\nremove = [\"components.wrker\"]\n",
        ),
    ]);
    let err = failed(&run(dir2.path(), &["render", "shop.toml", "--env", "prod"]));
    assert!(
        err.contains("shop.prod.toml:3:11: error[K0110]: `remove` names `components.wrker`"),
        "{err}"
    );
    assert!(err.contains("did you mean `worker`?"), "{err}");
    let fixed = "# production\nreplicas = -3\nremove = [\"components.worker\"]\n";
    std::fs::write(dir2.path().join("shop.prod.toml"), fixed).unwrap();
    let err = failed(&run(dir2.path(), &["render", "shop.toml", "--env", "prod"]));
    assert!(
        err.contains("shop.prod.toml:2:12: error[K0113]: replicas must be at least 0, not -3"),
        "{err}"
    );
    // An environment nobody declared.
    let err = failed(&run(dir2.path(), &["render", "shop.toml", "--env", "prd"]));
    assert!(err.contains("no environment `prd`"), "{err}");
    assert!(err.contains("did you mean `prod`?"), "{err}");
}

const PLATFORM: &str = r#"[environments.staging]
namespace = "{app}-staging"
[environments.production]
namespace = "{app}"
defaults = { replicas = 3 }

[defaults]
labels = { "platform.example.com/team" = "checkout" }
resources = { requests = { cpu = "100m", memory = "128Mi" }, limits = { memory = "256Mi" } }
ingress = { class = "nginx", tls = true, cert_manager_issuer = "letsencrypt" }

[policy]
deny = ["latest-or-untagged-image", "plain-http-ingress"]
require_labels = ["platform.example.com/team"]
"#;

#[test]
fn the_platform_file_gives_environments_defaults_and_policy_to_every_spec_below_it() {
    let dir = repo(&[
        ("k8gen.toml", PLATFORM),
        (
            "apps/shop/shop.toml",
            "name = \"shop\"\nimage = \"shop:v1\"\nport = 8080\nresources = { limits = { memory = \"1Gi\" } }\n[ingress]\nroutes = [{ host = \"shop.example.com\", to = \"shop\" }]\n[overlay.staging]\nreplicas = 1\n",
        ),
    ]);
    let staging = ok(&run(
        dir.path(),
        &["render", "apps/shop/shop.toml", "--env", "staging"],
    ));
    // The environment's namespace pattern, the platform's labels on every object.
    let objects = staging.matches("\nkind: ").count();
    assert_eq!(objects, 5, "{staging}");
    // Every object but the Namespace itself is in it.
    assert_eq!(
        staging.matches("  namespace: shop-staging\n").count(),
        objects - 1,
        "{staging}"
    );
    // Every object and the pod template carry the platform's label.
    assert_eq!(
        staging
            .matches("platform.example.com/team: checkout")
            .count(),
        objects + 1,
        "{staging}"
    );
    // Platform defaults are under the spec: its own values win, tables merge key by key.
    assert!(
        staging.contains("memory: 1Gi") && staging.contains("cpu: 100m"),
        "{staging}"
    );
    assert!(staging.contains("replicas: 1\n"), "{staging}");
    // The platform's ingress settings reach the app's Ingress.
    assert!(staging.contains("ingressClassName: nginx"), "{staging}");
    assert!(
        staging.contains("cert-manager.io/cluster-issuer: letsencrypt"),
        "{staging}"
    );
    // The environment's own defaults.
    let production = ok(&run(
        dir.path(),
        &["render", "apps/shop/shop.toml", "--env", "production"],
    ));
    assert!(production.contains("replicas: 3\n"), "{production}");
    assert!(production.contains("  namespace: shop\n"), "{production}");

    // --all-envs: every environment the platform declares, into ENV/STEM/.
    ok(&run(
        dir.path(),
        &["render", "apps/", "--all-envs", "-o", "deploy"],
    ));
    for env in ["staging", "production"] {
        let tree = read_tree(&dir.path().join("deploy").join(env).join("shop"));
        assert!(tree.contains_key("deployment-shop.yaml"), "{env}: {tree:?}");
        assert!(
            tree["deployment-shop.yaml"].starts_with(&format!(
                "# Generated by k8gen from shop.toml --env {env}; edit the spec, not this file\n"
            )),
            "{}",
            tree["deployment-shop.yaml"]
        );
    }
    // An overlay for an environment the platform does not have is a typo.
    std::fs::write(
        dir.path().join("apps/shop/shop.toml"),
        "name = \"shop\"\nimage = \"shop:v1\"\n[overlay.prodution]\nreplicas = 1\n",
    )
    .unwrap();
    let err = failed(&run(dir.path(), &["render", "apps/shop/shop.toml"]));
    assert!(
        err.contains(
            "shop.toml:3:10: error[K0110]: `k8gen.toml` declares no environment `prodution`"
        ),
        "{err}"
    );
    assert!(err.contains("did you mean `production`?"), "{err}");
}

#[test]
fn a_denied_rule_fails_render_and_an_app_cannot_allow_it_without_an_exception() {
    let spec = "name = \"shop\"\nnamespace = \"shop\"\nimage = \"shop:latest\"\nallow = [\"latest-or-untagged-image\"]\n";
    let dir = repo(&[("k8gen.toml", PLATFORM), ("shop.toml", spec)]);
    let err = failed(&run(dir.path(), &["render", "shop.toml"]));
    assert!(
        err.contains("shop.toml:4:10: error[K0123]: the platform's policy denies `latest-or-untagged-image`; an app cannot allow it"),
        "{err}"
    );
    // Without the `allow`, the rule itself fails the render: denied rules are errors.
    std::fs::write(
        dir.path().join("shop.toml"),
        "name = \"shop\"\nnamespace = \"shop\"\nimage = \"shop:latest\"\n",
    )
    .unwrap();
    let err = failed(&run(dir.path(), &["render", "shop.toml"]));
    assert!(err.contains("error[K0204]"), "{err}");
    assert!(err.contains("(denied by the platform's policy)"), "{err}");
    // The platform lists the app as an exception: its `allow` works again.
    let excepted =
        format!("{PLATFORM}[policy.exceptions]\nshop = [\"latest-or-untagged-image\"]\n");
    std::fs::write(dir.path().join("k8gen.toml"), excepted).unwrap();
    std::fs::write(dir.path().join("shop.toml"), spec).unwrap();
    ok(&run(dir.path(), &["render", "shop.toml"]));
    // A required label the app lacks: a warning in `check` (not denied here).
    let out = run(dir.path(), &["check", "shop.toml"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !err.contains("K0214"),
        "the platform's labels satisfy it: {err}"
    );
}

#[test]
fn the_platform_file_and_an_overlay_file_named_as_specs_say_what_they_are() {
    let dir = repo(&[
        ("apps/k8gen.toml", "[environments.staging]\n"),
        ("apps/shop.toml", "name = \"shop\"\nimage = \"shop:v1\"\n"),
        ("apps/shop.staging.toml", "replicas = 2\n"),
    ]);
    for command in ["render", "check"] {
        let out = run(dir.path(), &[command, "apps/k8gen.toml"]);
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("`apps/k8gen.toml` is the platform file")
                && err.contains("not a spec; render the specs: `k8gen render apps`"),
            "{err}"
        );
        let out = run(dir.path(), &[command, "apps/shop.staging.toml"]);
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("is the `staging` overlay of `apps/shop.toml`, not a spec"),
            "{err}"
        );
    }
    // The folder renders: the platform file is read as one, not as a spec.
    ok(&run(dir.path(), &["render", "apps", "--env", "staging"]));
}

#[test]
fn errors_in_the_platform_file_point_into_it() {
    let broken = "[defaults]\nreplica = 2\n[policy]\ndeny = [\"latest-image\"]\n[environments.staging]\nnamespace = \"{team}-x\"\n";
    let dir = repo(&[
        ("k8gen.toml", broken),
        ("shop.toml", "name = \"shop\"\nimage = \"shop:v1\"\n"),
    ]);
    let err = failed(&run(dir.path(), &["render", "shop.toml"]));
    assert!(
        err.contains("k8gen.toml:2:1: error[K0002]: unknown key `replica`"),
        "{err}"
    );
    let fixed = broken.replace("replica =", "replicas =");
    std::fs::write(dir.path().join("k8gen.toml"), &fixed).unwrap();
    let err = failed(&run(dir.path(), &["render", "shop.toml"]));
    assert!(
        err.contains("k8gen.toml:4:9: error[K0200]: there is no lint rule `latest-image`"),
        "{err}"
    );
    let err = failed(&run(
        dir.path(),
        &["render", "shop.toml", "--env", "staging"],
    ));
    assert!(
        err.contains("k8gen.toml:6:13: error[K0111]: unknown placeholder"),
        "{err}"
    );
}

#[test]
fn the_example_platform_renders_every_environment_as_committed() {
    let tmp = tempfile::tempdir().unwrap();
    let expected = root().join("out/platform");
    let target = if update_expect() {
        expected.clone()
    } else {
        tmp.path().join("platform")
    };
    let out = k8gen(&[
        "render",
        "specs/platform/",
        "--all-envs",
        "-o",
        target.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The whole tree: the apps' folders (with `pre-deploy/`) and each environment's own
    // folders (`_namespaces`, `_argocd`, `_flux`).
    let want = read_tree(&expected);
    let got = read_tree(&target);
    for must in [
        "staging/storefront/deployment-storefront.yaml",
        "staging/_namespaces/namespace-storefront-staging.yaml",
        "staging/_argocd/apps/application-storefront-staging.yaml",
        "staging/_flux/apps/kustomization-storefront-staging-pre-deploy.yaml",
        "production/storefront/namespace-storefront.yaml",
        "production/_argocd/apps/application-storefront-production.yaml",
        "production/_flux/kustomization-production-apps.yaml",
    ] {
        assert!(want.contains_key(must), "out/platform/{must} missing");
    }
    for env in ["staging", "production"] {
        assert!(
            (want.keys()).any(|k| k.starts_with(&format!("{env}/storefront/pre-deploy/job-"))),
            "{env}: no pre-deploy Job"
        );
    }
    assert_eq!(
        want.keys().collect::<Vec<_>>(),
        got.keys().collect::<Vec<_>>()
    );
    for (name, text) in &want {
        assert_same(&format!("out/platform/{name}"), text, &got[name]);
    }
    // Same inputs, same bytes: a second stream render is identical.
    let a = k8gen(&[
        "render",
        "specs/platform/storefront.toml",
        "--env",
        "production",
    ]);
    let b = k8gen(&[
        "render",
        "specs/platform/storefront.toml",
        "--env",
        "production",
    ]);
    assert!(a.status.success());
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn a_registry_prefixes_the_images_that_name_none_from_either_front_end() {
    let dir = repo(&[
        (
            "k8gen.toml",
            "[defaults]\nregistry = \"registry.example.com/mirror\"\n",
        ),
        (
            "shop.toml",
            "name = \"shop\"\nnamespace = \"shop\"\nimage = \"shop:v1\"\n[[sidecars]]\nname = \"log\"\nimage = \"ghcr.io/fluent/fluent-bit:3.1\"\n[[init]]\nname = \"migrate\"\ncommand = [\"migrate\"]\n[components.proxy]\nimage = \"envoyproxy/envoy:v1.31\"\n",
        ),
    ]);
    let y = ok(&run(dir.path(), &["render", "shop.toml"]));
    assert_eq!(
        y.matches("image: registry.example.com/mirror/shop:v1")
            .count(),
        2,
        "{y}"
    );
    assert!(
        y.contains("image: registry.example.com/mirror/envoyproxy/envoy:v1.31"),
        "{y}"
    );
    assert!(
        y.contains("image: ghcr.io/fluent/fluent-bit:3.1"),
        "a named registry stays: {y}"
    );
    // The Rust API: the same default, in the same place.
    let app = k8gen::model::App::new("shop")
        .namespace("shop")
        .registry("registry.example.com/mirror")
        .component(k8gen::model::Component::new(
            "proxy",
            "envoyproxy/envoy:v1.31",
        ));
    let rust = k8gen::emit::stream(&k8gen::render_app(&app).unwrap());
    assert!(rust.contains("image: registry.example.com/mirror/envoyproxy/envoy:v1.31"));
    // A registry that is no registry is an error at its place, in k8gen.toml.
    std::fs::write(
        dir.path().join("k8gen.toml"),
        "[defaults]\nregistry = \"mirror/\"\n",
    )
    .unwrap();
    let err = failed(&run(dir.path(), &["render", "shop.toml"]));
    assert!(err.contains("k8gen.toml:2:12: error[K0111]"), "{err}");
}

#[test]
fn an_environment_gives_its_cluster_to_the_apps_argo_cd_application() {
    let dir = repo(&[
        (
            "k8gen.toml",
            "[environments.production]\nnamespace = \"{app}\"\ndefaults = { argocd = { server = \"https://prod.k8s.example.com\", project = \"production\" } }\n[environments.staging]\n",
        ),
        (
            "shop.toml",
            "name = \"shop\"\nnamespace = \"shop\"\nimage = \"shop:v1\"\n[argocd]\nrepo = \"https://git.example.com/deploy\"\npath = \"deploy/shop\"\n[overlay.production]\nargocd.path = \"deploy/production/shop\"\n",
        ),
        (
            "plain.toml",
            "name = \"plain\"\nnamespace = \"plain\"\nimage = \"plain:v1\"\n",
        ),
    ]);
    let prod = ok(&run(
        dir.path(),
        &["render", "shop.toml", "--env", "production"],
    ));
    assert!(
        prod.contains("server: https://prod.k8s.example.com"),
        "{prod}"
    );
    assert!(prod.contains("project: production"), "{prod}");
    assert!(prod.contains("path: deploy/production/shop"), "{prod}");
    let staging = ok(&run(
        dir.path(),
        &["render", "shop.toml", "--env", "staging"],
    ));
    assert!(!staging.contains("prod.k8s.example.com"), "{staging}");
    // An app without `argocd` gets no Application from the platform's settings.
    let plain = ok(&run(
        dir.path(),
        &["render", "plain.toml", "--env", "production"],
    ));
    assert!(!plain.contains("kind: Application"), "{plain}");
}

#[test]
fn one_run_reports_the_mistakes_of_every_layer() {
    // A wrong type in an overlay the render does not use, an unknown key in the overlay file it
    // does use: both in one run, each at its own place.
    let dir = repo(&[
        (
            "shop.toml",
            "name = \"shop\"\nnamespace = \"shop\"\nimage = \"shop:v1\"\n[overlay.staging]\nreplicas = \"one\"\n",
        ),
        ("shop.prod.toml", "autoscal = { min = 3 }\n"),
    ]);
    let err = failed(&run(dir.path(), &["render", "shop.toml", "--env", "prod"]));
    assert!(err.contains("shop.toml:5:12: error[K0003]"), "{err}");
    assert!(
        err.contains("shop.prod.toml:1:1: error[K0002]: unknown key `autoscal`"),
        "{err}"
    );
    assert!(err.contains("2 errors found"), "{err}");
}

#[test]
fn the_rust_api_refuses_an_allow_of_a_denied_rule_like_the_spec() {
    use k8gen::model::{App, Component, Policy};
    let policy = Policy::default().deny("latest-or-untagged-image");
    let app = App::new("shop")
        .namespace("shop")
        .allow("latest-or-untagged-image")
        .policy(policy.clone())
        .component(Component::new("api", "api:latest"));
    let issues = k8gen::render_app(&app).unwrap_err();
    let found: Vec<(&str, &str)> = issues.iter().map(|i| (i.code, i.path.as_str())).collect();
    assert_eq!(found, [("K0123", "allow[0]")]);
    let excepted = app.policy(policy.exception("latest-or-untagged-image"));
    assert!(k8gen::render_app(&excepted).is_ok());
}
