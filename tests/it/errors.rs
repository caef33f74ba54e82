//! Golden error tests: each `tests/errors/NAME.toml` must fail with exit code 1, print exactly
//! `tests/errors/NAME.stderr`, and write nothing.

use crate::support::*;

#[test]
fn every_bad_spec_fails_with_its_golden_stderr_and_writes_nothing() {
    let dir = root().join("tests/errors");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 10, "expected the error catalogue's cases");
    let tmp = tempfile::tempdir().unwrap();
    for case in cases {
        let name = case.file_stem().unwrap().to_str().unwrap();
        let out_dir = tmp.path().join(name);
        let arg = format!("tests/errors/{name}.toml");
        // The cases read env vars `K8GEN_TEST_*` (unset: `missing-env`), and no other.
        let out = k8gen(&[
            "render",
            &arg,
            "-o",
            out_dir.to_str().unwrap(),
            "--allow-env",
            "K8GEN_TEST_*",
        ]);
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{name}: expected exit code 1, stderr:\n{stderr}"
        );
        assert!(out.stdout.is_empty(), "{name}: printed to stdout");
        assert!(!out_dir.exists(), "{name}: wrote {}", out_dir.display());
        assert!(
            stderr.starts_with(&format!("{arg}:")),
            "{name}: stderr must start with file:line:col\n{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        let golden = dir.join(format!("{name}.stderr"));
        if update_expect() {
            std::fs::write(&golden, &stderr).unwrap();
        } else {
            let expected = std::fs::read_to_string(&golden).unwrap_or_default();
            assert_same(&format!("tests/errors/{name}.stderr"), &expected, &stderr);
        }
    }
}

#[test]
fn a_failed_render_leaves_previous_output_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("k8s");
    let ok = render_into(&["specs/task-tracker.toml"], &out_dir);
    assert!(ok.status.success());
    let before = read_tree(&out_dir);
    // One good spec and one bad one: nothing may be written, not even the good one's files.
    let bad = render_into(
        &["specs/task-tracker.toml", "tests/errors/unknown-keys.toml"],
        &out_dir,
    );
    assert_eq!(bad.status.code(), Some(1));
    assert_eq!(read_tree(&out_dir), before);
}

#[test]
fn rerender_replaces_own_stale_files_and_keeps_foreign_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("k8s");
    // Rendered without k8gen's kustomization.yaml, then the user writes their own: the next
    // render (which would write one) leaves theirs alone and says so.
    let dir = out_dir.to_str().unwrap();
    let first = k8gen(&[
        "render",
        "specs/task-tracker.toml",
        "-o",
        dir,
        "--no-kustomization",
    ]);
    assert!(first.status.success());
    assert!(!out_dir.join("kustomization.yaml").exists());
    std::fs::write(out_dir.join("kustomization.yaml"), "resources: []\n").unwrap();
    std::fs::write(out_dir.join("README.md"), "mine\n").unwrap();
    let stale = out_dir.join("deployment-old-name.yaml");
    std::fs::write(
        &stale,
        format!(
            "{}kind: Deployment\n",
            k8gen::emit::header("task-tracker.toml")
        ),
    )
    .unwrap();
    let edited = out_dir.join("service-task-tracker.yaml");
    std::fs::write(&edited, "hand edited\n").unwrap();
    let second = render_into(&["specs/task-tracker.toml"], &out_dir);
    assert!(second.status.success());
    let said = String::from_utf8_lossy(&second.stderr);
    assert!(
        said.contains("kustomization.yaml` is not k8gen's: left as it is"),
        "{said}"
    );
    assert!(!stale.exists(), "k8gen's own stale file should be removed");
    assert_eq!(
        std::fs::read_to_string(out_dir.join("kustomization.yaml")).unwrap(),
        "resources: []\n"
    );
    assert_eq!(
        std::fs::read_to_string(out_dir.join("README.md")).unwrap(),
        "mine\n"
    );
    assert!(
        std::fs::read_to_string(&edited)
            .unwrap()
            .starts_with(k8gen::emit::HEADER_PREFIX)
    );
    let leftovers: Vec<_> = read_tree(&out_dir)
        .into_keys()
        .filter(|n| n.contains("k8gen-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[cfg(unix)]
#[test]
fn a_symlinked_output_file_is_replaced_not_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("k8s");
    std::fs::create_dir(&out_dir).unwrap();
    let outside = tmp.path().join("outside.txt");
    std::fs::write(&outside, "precious\n").unwrap();
    std::os::unix::fs::symlink(&outside, out_dir.join("deployment-task-tracker.yaml")).unwrap();
    assert!(
        render_into(&["specs/task-tracker.toml"], &out_dir)
            .status
            .success()
    );
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "precious\n");
    let meta = std::fs::symlink_metadata(out_dir.join("deployment-task-tracker.yaml")).unwrap();
    assert!(meta.is_file());
}

#[test]
fn usage_and_io_errors_exit_2() {
    let missing = k8gen(&["render", "specs/does-not-exist.toml"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("does-not-exist.toml"));
    assert_eq!(k8gen(&["render"]).status.code(), Some(2));
    assert_eq!(k8gen(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(
        k8gen(&["render", "specs/task-tracker.toml"]).status.code(),
        Some(0)
    );
}

#[test]
fn help_explains_with_examples() {
    let out = k8gen(&["render", "--help"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("k8gen render specs/task-tracker.toml -o k8s/"),
        "{text}"
    );
    let out = k8gen(&["--help"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Exit codes"), "{text}");
}

#[test]
fn config_over_the_api_servers_one_mebibyte_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("a.txt"), "x".repeat(600 * 1024)).unwrap();
    std::fs::write(tmp.path().join("b.txt"), "x".repeat(600 * 1024)).unwrap();
    let spec = tmp.path().join("big.toml");
    std::fs::write(
        &spec,
        "name = \"big\"\nimage = \"big:v1\"\n[config]\n\"a.txt\" = { file = \"a.txt\" }\n\"b.txt\" = { file = \"b.txt\" }\n",
    )
    .unwrap();
    let out = k8gen(&["render", spec.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains(
            "error[K0116]: config holds 1228810 bytes, over the 1 MiB a ConfigMap may hold"
        ),
        "{stderr}"
    );
}

#[test]
fn errors_in_several_files_are_all_reported_in_one_run() {
    let out = k8gen(&[
        "render",
        "tests/errors/unknown-keys.toml",
        "tests/errors/ports.toml",
        "tests/errors/cron.toml",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    for file in ["unknown-keys", "ports", "cron"] {
        assert!(
            stderr.contains(&format!("tests/errors/{file}.toml:")),
            "{file} missing:\n{stderr}"
        );
    }
    assert!(
        stderr
            .trim_end()
            .ends_with("errors found; nothing was written"),
        "{stderr}"
    );
}
