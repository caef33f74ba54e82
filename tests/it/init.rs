//! `k8gen init`: every template gives a spec that renders and is lint-clean; the `#:schema`
//! line and the overlays follow what is found around the target; nothing is overwritten.

use std::path::Path;

use crate::support::*;

/// The templates, as `--template` spells them (from `k8gen init --help`, so a template added
/// to the enum is tested without editing this list).
fn templates() -> Vec<String> {
    let out = k8gen(&["init", "--help"]);
    let help = String::from_utf8(out.stdout).unwrap();
    let start = help
        .find("--template <TEMPLATE>")
        .expect("--template in help");
    let end = help.find("--output <PATH>").expect("--output in help");
    let names: Vec<String> = help[start..end]
        .lines()
        .filter_map(|l| {
            let l = l.trim_start();
            let name = l.strip_prefix("- ")?.split(':').next()?;
            Some(name.trim().to_string())
        })
        .collect();
    assert!(names.len() >= 4, "templates in help:\n{help}");
    names
}

fn init(args: &[&str], cwd: &Path) -> (Option<i32>, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_k8gen"))
        .arg("init")
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stderr).unwrap() + &String::from_utf8(out.stdout).unwrap(),
    )
}

#[test]
fn every_template_renders_and_is_lint_clean() {
    let tmp = tempfile::tempdir().unwrap();
    let templates = templates();
    for t in ["web-api", "worker", "cron", "stateful"] {
        assert!(templates.iter().any(|x| x == t), "{t} in {templates:?}");
    }
    for template in &templates {
        let name = format!("demo-{template}");
        let (code, out) = init(&[&name, "--template", template], tmp.path());
        assert_eq!(code, Some(0), "{template}: {out}");
        let path = tmp.path().join(format!("{name}.toml"));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("#:schema ./k8gen.schema.json\n"),
            "{template}:\n{text}"
        );
        assert!(
            !text.contains('{') || !text.contains("{name}"),
            "{template}: unfilled"
        );
        for placeholder in ["{name}", "{file}", "{schema}", "{kinds}"] {
            assert!(
                !text.contains(placeholder),
                "{template}: {placeholder} left"
            );
        }
        let check = k8gen(&["check", path.to_str().unwrap(), "--deny", "warnings"]);
        assert_eq!(
            check.status.code(),
            Some(0),
            "{template}: not lint-clean:\n{}",
            String::from_utf8_lossy(&check.stderr)
        );
        let objects = render_text(&text, tmp.path());
        let kinds: Vec<&str> = objects.iter().map(|o| o.kind()).collect();
        let expected = match template.as_str() {
            "web-api" => vec!["Deployment", "Service", "ConfigMap"],
            "worker" => vec!["Deployment", "ConfigMap"],
            "cron" => vec!["CronJob"],
            "stateful" => vec!["StatefulSet", "Service"],
            other => panic!("no expectation for template {other}"),
        };
        for kind in expected {
            assert!(kinds.contains(&kind), "{template}: no {kind} in {kinds:?}");
        }
        if template == "worker" || template == "cron" {
            assert!(!kinds.contains(&"Service"), "{template}: {kinds:?}");
        }
        if template == "stateful" {
            let yaml = k8gen::emit::stream(&objects);
            assert!(yaml.contains("volumeClaimTemplates:"), "{template}");
        }
    }
}

#[test]
fn the_commented_ingress_stub_renders_when_uncommented() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, out) = init(&["shop", "--template", "web-api"], tmp.path());
    assert_eq!(code, Some(0), "{out}");
    let text = std::fs::read_to_string(tmp.path().join("shop.toml")).unwrap();
    let stub = text.find("# network = ").expect("an ingress stub");
    let uncommented: String = text[..stub].to_string()
        + &text[stub..]
            .lines()
            .map(|l| l.strip_prefix("# ").unwrap_or(l.trim_start_matches('#')))
            .collect::<Vec<_>>()
            .join("\n");
    // `network` is a component key: it must come before the first table.
    let (head, tables) = uncommented.split_at(uncommented.find("\n[").unwrap() + 1);
    let network = "network = { from = [\"namespace:ingress-nginx\"] }\n";
    let spec = format!("{head}{network}{}", tables.replace(network, ""));
    let yaml = k8gen::emit::stream(&render_text(&spec, tmp.path()));
    assert!(yaml.contains("kind: Ingress"), "{spec}");
    assert!(yaml.contains("host: shop.example.com"));
}

#[test]
fn schema_line_and_overlays_follow_what_is_around() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path();
    std::fs::create_dir_all(repo.join("schema")).unwrap();
    std::fs::write(repo.join("schema/k8gen.schema.json"), "{}").unwrap();
    std::fs::write(
        repo.join("k8gen.toml"),
        "[environments.staging]\nnamespace = \"{app}-staging\"\n\n[environments.production]\nnamespace = \"{app}\"\n",
    )
    .unwrap();
    let (code, out) = init(&["shop", "--template", "web-api", "-o", "apps/shop/"], repo);
    assert_eq!(code, Some(0), "{out}");
    let text = std::fs::read_to_string(repo.join("apps/shop/shop.toml")).unwrap();
    assert!(
        text.starts_with("#:schema ../../schema/k8gen.schema.json\n"),
        "{text}"
    );
    // The environments of k8gen.toml, in name order.
    assert!(
        text.ends_with(
            "# Per environment (the environments of ../../k8gen.toml): the same keys as the top level,\n\
             # merged over them when rendering with `--env ENV`.\n\
             [overlay.production]\nreplicas = 2\n\n[overlay.staging]\nreplicas = 2\n"
        ),
        "{text}"
    );
    // Every environment renders and is lint-clean.
    for env in ["staging", "production"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_k8gen"))
            .args([
                "check",
                "apps/shop/shop.toml",
                "--deny",
                "warnings",
                "--env",
                env,
            ])
            .current_dir(repo)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{env}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    // A k8gen.schema.json beside the spec wins over one further up.
    std::fs::write(repo.join("apps/k8gen.schema.json"), "{}").unwrap();
    let (code, out) = init(
        &["jobs", "--template", "cron", "-o", "apps/jobs.toml"],
        repo,
    );
    assert_eq!(code, Some(0), "{out}");
    let text = std::fs::read_to_string(repo.join("apps/jobs.toml")).unwrap();
    assert!(
        text.starts_with("#:schema ./k8gen.schema.json\n# "),
        "{text}"
    );
    assert!(!text.contains("k8gen schema > k8gen.schema.json"), "{text}");
    assert!(
        text.contains("k8gen check jobs.toml --deny warnings"),
        "{text}"
    );
    assert!(text.contains("[overlay.staging]\nschedule = "), "{text}");
}

#[test]
fn output_is_a_file_or_a_folder_and_nothing_is_overwritten() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // A folder that exists (no trailing slash), a new folder (trailing slash), a file path.
    std::fs::create_dir(dir.join("apps")).unwrap();
    for (args, file) in [
        (
            vec!["a", "--template", "worker", "-o", "apps"],
            "apps/a.toml",
        ),
        (
            vec!["b", "--template", "worker", "-o", "new/"],
            "new/b.toml",
        ),
        (
            vec!["c", "--template", "worker", "-o", "deep/x/spec.toml"],
            "deep/x/spec.toml",
        ),
        (vec!["d", "--template", "worker"], "d.toml"),
    ] {
        let (code, out) = init(&args, dir);
        assert_eq!(code, Some(0), "{args:?}: {out}");
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        assert!(text.contains(&format!("name = \"{}\"", args[0])), "{file}");
    }
    // An existing file stays as it was: exit 2 and a clear message.
    std::fs::write(dir.join("apps/a.toml"), "mine\n").unwrap();
    let (code, out) = init(&["a", "--template", "web-api", "-o", "apps/"], dir);
    assert_eq!(code, Some(2));
    assert!(
        out.contains("exists; k8gen init never overwrites a file"),
        "{out}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("apps/a.toml")).unwrap(),
        "mine\n"
    );
    // A name the engine would refuse is refused before anything is written.
    for bad in ["Shop", "1shop", "shop_x", &"x".repeat(64)] {
        let (code, out) = init(&[bad, "--template", "worker", "-o", "bad/"], dir);
        assert_eq!(code, Some(2), "{bad}: {out}");
        assert!(out.contains("is not a valid app name"), "{bad}: {out}");
    }
    assert!(!dir.join("bad").exists());
}
