//! What a spec may read: files only inside its repo root (after symlinks), env vars only those
//! the platform or the command line allows; each escape an error at the spec's position, and
//! the switches that relax it for local use.

use std::path::Path;
use std::process::{Command, Output};

use crate::support::*;

/// Runs `k8gen render SPEC ARGS...` in `dir`, with `vars` set.
fn render_in(dir: &Path, spec: &str, args: &[&str], vars: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_k8gen"))
        .arg("render")
        .arg(spec)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .envs(vars.iter().copied())
        .output()
        .expect("run k8gen")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

const HEAD: &str = "name = \"shop\"\nimage = \"shop:v1\"\n[config]\n";

/// A repo (`repo/`, with `k8gen.toml`) holding `app/shop.toml` with `line` as its 4th line,
/// beside a folder `outside/` holding `secret.txt`, and symlinks out of the repo:
/// `app/link.txt` → `outside/secret.txt`, `app/dir` → `outside/`.
fn escape_repo(line: &str) -> tempfile::TempDir {
    let tmp = repo(&[
        ("repo/k8gen.toml", ""),
        ("repo/app/shop.toml", &format!("{HEAD}{line}\n")),
        ("repo/app/inside.txt", "in the repo\n"),
        ("outside/secret.txt", "TOP SECRET\n"),
    ]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::symlink;
        let app = tmp.path().join("repo/app");
        symlink("../../outside/secret.txt", app.join("link.txt")).unwrap();
        symlink("../../outside", app.join("dir")).unwrap();
        symlink("inside.txt", app.join("inner-link.txt")).unwrap();
    }
    tmp
}

#[cfg(unix)]
#[test]
fn every_escape_is_an_error_at_the_file_value_and_the_switch_relaxes_it() {
    let cases = [
        ("absolute", "a = { file = \"/etc/hostname\" }", "K0131"),
        ("environ", "a = { file = \"/proc/self/environ\" }", "K0131"),
        (
            "dotdot",
            "a = { file = \"../../outside/secret.txt\" }",
            "K0130",
        ),
        ("symlinked file", "a = { file = \"link.txt\" }", "K0130"),
        (
            "symlinked folder",
            "a = { file = \"dir/secret.txt\" }",
            "K0130",
        ),
    ];
    for (what, line, code) in cases {
        let tmp = escape_repo(line);
        let app = tmp.path().join("repo/app");
        let out = render_in(&app, "shop.toml", &[], &[]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{what}: {err}");
        assert!(out.stdout.is_empty(), "{what}: printed to stdout");
        // Line 4, column 14: the `file` value.
        assert!(
            err.starts_with(&format!("shop.toml:4:14: error[{code}]: ")),
            "{what}: {err}"
        );
        assert!(
            err.contains("--allow-outside-root"),
            "{what}: no hint: {err}"
        );
        assert!(!err.contains("TOP SECRET"), "{what}: {err}");

        // The switch for local use lets it through.
        let out = render_in(&app, "shop.toml", &["--allow-outside-root"], &[]);
        assert!(out.status.success(), "{what}: {}", stderr(&out));
        if line.contains("secret.txt") {
            let yaml = String::from_utf8_lossy(&out.stdout);
            assert!(yaml.contains("TOP SECRET"), "{what}: {yaml}");
        }
    }
}

#[cfg(unix)]
#[test]
fn files_inside_the_root_are_read_through_symlinks_and_dotdot_too() {
    // `..` and symlinks that stay inside the root are fine: the root is the folder of
    // k8gen.toml, not the spec's folder.
    let tmp = escape_repo(
        "a = { file = \"inside.txt\" }\nb = { file = \"inner-link.txt\" }\nc = { file = \"../shared/c.txt\" }",
    );
    std::fs::create_dir(tmp.path().join("repo/shared")).unwrap();
    std::fs::write(tmp.path().join("repo/shared/c.txt"), "shared\n").unwrap();
    let out = render_in(&tmp.path().join("repo/app"), "shop.toml", &[], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let yaml = String::from_utf8_lossy(&out.stdout);
    assert!(yaml.contains("a: |\n    in the repo\n"), "{yaml}");
    assert!(yaml.contains("b: |\n    in the repo\n"), "{yaml}");
    assert!(yaml.contains("c: |\n    shared\n"), "{yaml}");
}

#[test]
fn the_root_is_the_git_root_without_k8gen_toml_else_the_spec_folder() {
    let spec = format!("{HEAD}a = {{ file = \"../shared/a.txt\" }}\n");
    let files = [
        ("app/shop.toml", spec.as_str()),
        ("shared/a.txt", "from the repo\n"),
    ];
    // No `.git`, no `k8gen.toml`: only the spec's folder.
    let tmp = repo(&files);
    let out = render_in(&tmp.path().join("app"), "shop.toml", &[], &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("error[K0130]"), "{err}");
    assert!(err.contains("outside the spec's folder"), "{err}");
    // A `.git` (a folder, or the file of a worktree) above: the git root.
    std::fs::write(tmp.path().join(".git"), "gitdir: elsewhere\n").unwrap();
    let out = render_in(&tmp.path().join("app"), "shop.toml", &[], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Rendered from another folder, the root is still the spec's repo.
    let out = render_in(tmp.path(), "app/shop.toml", &[], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn env_vars_need_the_platform_or_the_command_line_to_allow_them() {
    let spec = "name = \"shop\"\nimage = \"shop:v1\"\n[secrets]\n\
                TOKEN = { env = \"SHOP_TOKEN\" }\n";
    let vars = [
        ("SHOP_TOKEN", "tok-value"),
        ("AWS_SECRET_ACCESS_KEY", "aws"),
    ];
    let tmp = repo(&[("shop.toml", spec)]);
    let out = render_in(tmp.path(), "shop.toml", &[], &vars);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.starts_with(
            "shop.toml:4:17: error[K0132]: environment variable `SHOP_TOKEN` is not allowed"
        ),
        "{err}"
    );
    // Both ways to allow it are named.
    assert!(
        err.contains("[inputs] env = { allow = [\"SHOP_TOKEN\"] }"),
        "{err}"
    );
    assert!(err.contains("--allow-env SHOP_TOKEN"), "{err}");
    assert!(!err.contains("tok-value"), "{err}");

    // The command line, by name or pattern; another pattern does not.
    for (pattern, ok) in [("SHOP_TOKEN", true), ("SHOP_*", true), ("AWS_*", false)] {
        let out = render_in(tmp.path(), "shop.toml", &["--allow-env", pattern], &vars);
        assert_eq!(out.status.success(), ok, "{pattern}: {}", stderr(&out));
    }
    let out = render_in(tmp.path(), "shop.toml", &["--allow-env", "SHOP_["], &vars);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--allow-env \"SHOP_[\" is not a valid pattern"));

    // The platform file.
    std::fs::write(
        tmp.path().join("k8gen.toml"),
        "[inputs]\nenv = { allow = [\"SHOP_*\"] }\n",
    )
    .unwrap();
    let out = render_in(tmp.path(), "shop.toml", &[], &vars);
    assert!(out.status.success(), "{}", stderr(&out));
    let yaml = String::from_utf8_lossy(&out.stdout);
    assert!(yaml.contains("TOKEN: dG9rLXZhbHVl"), "{yaml}");
    // Still only those: another variable is refused.
    std::fs::write(
        tmp.path().join("shop.toml"),
        spec.replace("SHOP_TOKEN", "AWS_SECRET_ACCESS_KEY"),
    )
    .unwrap();
    let out = render_in(tmp.path(), "shop.toml", &[], &vars);
    assert!(stderr(&out).contains("error[K0132]"), "{}", stderr(&out));

    // An invalid pattern in the platform file is an error there.
    std::fs::write(
        tmp.path().join("k8gen.toml"),
        "[inputs]\nenv = { allow = [\"SHOP_[\"] }\n",
    )
    .unwrap();
    let out = render_in(tmp.path(), "shop.toml", &[], &vars);
    let err = stderr(&out);
    assert!(err.contains("k8gen.toml:2:18: error[K0133]"), "{err}");
}

/// The library: a host decides itself by default (it reads what it serves); a host that
/// returns `Access::Confined` gets the same refusals as the binary.
#[test]
fn a_library_host_is_open_by_default_and_confined_when_it_says_so() {
    struct Served(k8gen::Access);
    impl k8gen::Host for Served {
        fn read_file(&self, _: &Path) -> std::io::Result<Vec<u8>> {
            Ok(b"served".to_vec())
        }
        fn env_var(&self, _: &str) -> Option<String> {
            Some("served".into())
        }
        fn access(&self) -> k8gen::Access {
            self.0.clone()
        }
    }
    let spec = "name = \"shop\"\nimage = \"shop:v1\"\n[config]\na = { file = \"/etc/x\" }\n\
                b = { file = \"../../x\" }\n[secrets]\nC = { env = \"HOME\" }\n";
    let base = Path::new("/repo/app");
    assert!(k8gen::render_source(spec, base, &Served(k8gen::Access::Open)).is_ok());
    let confined = k8gen::Access::Confined(k8gen::Confinement {
        root: Some("/repo".into()),
        root_is: "the repo".into(),
        env_allow: vec![],
    });
    let codes: Vec<_> = k8gen::render_source(spec, base, &Served(confined))
        .unwrap_err()
        .into_iter()
        .map(|d| d.code)
        .collect();
    assert_eq!(codes, ["K0131", "K0130", "K0132"]);
}

/// `diff --base REV` renders the exported revision confined to the export, as the working
/// tree is confined to its git root: a spec reading `../shared/...` works on both sides.
#[test]
fn diff_base_renders_the_revision_confined_to_its_export() {
    if !crate::diff::git_available() {
        eprintln!("skipped: no git");
        return;
    }
    let spec = format!("{HEAD}\"app.conf\" = {{ file = \"../shared/app.conf\" }}\n");
    let tmp = repo(&[
        ("apps/shop.toml", spec.as_str()),
        ("shared/app.conf", "listen 80;\n"),
    ]);
    let git = |args: &[&str]| crate::diff::git(tmp.path(), args);
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-qm", "one"]);
    std::fs::write(tmp.path().join("shared/app.conf"), "listen 8080;\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_k8gen"))
        .args([
            "diff",
            "apps/shop.toml",
            "--base",
            "HEAD",
            "--format",
            "json",
        ])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let changed: Vec<String> = report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| format!("{} {}", c["kind"], c["change"]))
        .collect();
    assert!(
        changed.iter().any(|c| c.contains("ConfigMap")),
        "{report:#}"
    );
}

/// The platform file and overlay files are read only inside the repo root too: a committed
/// symlink to a file of the machine would otherwise be read, and echoed in diagnostics.
#[cfg(unix)]
#[test]
fn platform_and_overlay_files_linking_out_of_the_repo_are_refused() {
    use std::os::unix::fs::symlink;
    let tmp = repo(&[
        (
            "repo/app/shop.toml",
            "name = \"shop\"\nimage = \"shop:v1\"\n",
        ),
        ("repo/.git/HEAD", "ref: refs/heads/main\n"),
        ("outside/k8gen.toml", "TOP SECRET = [\n"),
        ("outside/shop.staging.toml", "TOP SECRET = [\n"),
    ]);
    let app = tmp.path().join("repo/app");
    symlink(
        "../../outside/shop.staging.toml",
        app.join("shop.staging.toml"),
    )
    .unwrap();
    let out = render_in(&app, "shop.toml", &["--env", "staging"], &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("is a symlink to"), "{err}");
    assert!(!err.contains("TOP SECRET"), "{err}");
    let out = render_in(
        &app,
        "shop.toml",
        &["--env", "staging", "--allow-outside-root"],
        &[],
    );
    assert!(stderr(&out).contains("TOP SECRET"), "the switch reads it");

    std::fs::remove_file(app.join("shop.staging.toml")).unwrap();
    symlink("../../outside/k8gen.toml", app.join("k8gen.toml")).unwrap();
    let out = render_in(&app, "shop.toml", &[], &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("is a symlink to"), "{err}");
    assert!(!err.contains("TOP SECRET"), "{err}");
}

/// The environments of a spec share what the run read: a file named by every environment is
/// the same bytes in each (read once), and a missing one is the same error at the same place
/// for each, as if each had read it alone.
#[test]
fn every_environment_reads_the_same_file_and_reports_the_same_missing_one() {
    let k8gen_toml = "[environments.dev]\nnamespace = \"shop-dev\"\n\
                      [environments.prod]\nnamespace = \"shop\"\n";
    let tmp = repo(&[
        ("repo/k8gen.toml", k8gen_toml),
        (
            "repo/shop.toml",
            &format!("{HEAD}a = {{ file = \"a.txt\" }}\n"),
        ),
        ("repo/a.txt", "from the file\n"),
        (
            "repo/bad.toml",
            &format!("{HEAD}b = {{ file = \"missing.txt\" }}\n"),
        ),
    ]);
    let dir = tmp.path().join("repo");
    let out = render_in(&dir, "shop.toml", &["--all-envs"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let yaml = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        yaml.matches("a: |\n    from the file\n").count(),
        2,
        "one ConfigMap value per environment, read from the file:\n{yaml}"
    );
    let out = render_in(&dir, "bad.toml", &["--all-envs"], &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let reported: Vec<&str> = err.lines().filter(|l| l.contains("cannot read")).collect();
    assert_eq!(reported.len(), 2, "one error per environment:\n{err}");
    assert_eq!(reported[0], reported[1], "{err}");
    assert!(reported[0].contains("no such file"), "{err}");
    assert_eq!(
        err.matches("bad.toml:4:").count(),
        2,
        "both at the file value:\n{err}"
    );
}
