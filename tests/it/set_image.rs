//! `k8gen set-image`: the image values change and no other byte; overlays (`--env`) get the
//! image in their file or table; wrong components, tracks and images leave the file as it was.

use std::path::{Path, PathBuf};

use crate::support::*;

const WEB: &str = "ghcr.io/acme/shop-web:1.0.0";
const WORKER: &str = "ghcr.io/acme/shop-worker@sha256:0000000000000000000000000000000000000000000000000000000000000000";
const WORKER_NEW: &str = "ghcr.io/acme/shop-worker@sha256:1111111111111111111111111111111111111111111111111111111111111111";

/// A temporary folder holding a copy of `tests/set-image/commented.toml` as `shop.toml`.
fn shop() -> (tempfile::TempDir, PathBuf, String) {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join("tests/set-image/commented.toml")).unwrap();
    let spec = tmp.path().join("shop.toml");
    std::fs::write(&spec, &text).unwrap();
    (tmp, spec, text)
}

fn set_image(spec: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let mut all = vec!["set-image", spec.to_str().unwrap()];
    all.extend_from_slice(args);
    let out = k8gen(&all);
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Runs set-image expecting success; its stdout.
fn succeeds(spec: &Path, args: &[&str]) -> String {
    let (code, stdout, stderr) = set_image(spec, args);
    assert_eq!(code, Some(0), "{args:?}: {stderr}");
    stdout
}

/// Runs set-image expecting exit code 1, `says` on stderr, and the file left as it was.
fn refused(spec: &Path, args: &[&str], says: &str) {
    let before = read(spec);
    let (code, stdout, stderr) = set_image(spec, args);
    assert_eq!(code, Some(1), "{args:?}: {stderr}");
    assert!(stdout.is_empty(), "{args:?}: {stdout}");
    assert!(stderr.contains(says), "{args:?}: {stderr}");
    assert_eq!(read(spec), before, "{args:?}");
}

/// A spec `name.toml` holding `text` in a new temporary folder.
fn spec_file(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let spec = tmp.path().join(format!("{name}.toml"));
    std::fs::write(&spec, text).unwrap();
    (tmp, spec)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

/// `text` with the one occurrence of `old` replaced by `new`.
fn replace_once(text: &str, old: &str, new: &str) -> String {
    assert_eq!(text.matches(old).count(), 1, "`{old}` once in the spec");
    text.replacen(old, new, 1)
}

#[test]
fn a_commented_spec_changes_only_in_its_image_values() {
    let (_tmp, spec, before) = shop();
    let stdout = succeeds(
        &spec,
        &[
            "ghcr.io/acme/shop-web:1.1.0",
            &format!("worker={WORKER_NEW}"),
            "api.canary=ghcr.io/acme/shop-api:2.2.0",
        ],
    );
    assert!(stdout.contains("components.api.release.canary = \"ghcr.io/acme/shop-api:2.2.0\""));
    let after = read(&spec);
    // Exactly the three values change (a literal string stays literal), nothing else.
    let expected = replace_once(
        &before,
        &format!("'{WEB}'"),
        "'ghcr.io/acme/shop-web:1.1.0'",
    );
    let expected = replace_once(&expected, WORKER, WORKER_NEW);
    let expected = replace_once(
        &expected,
        "canary = \"ghcr.io/acme/shop-api:2.1.0\"",
        "canary = \"ghcr.io/acme/shop-api:2.2.0\"",
    );
    assert_same("set-image edit", &expected, &after);
    let golden = root().join("tests/set-image/commented.after.toml");
    if update_expect() {
        std::fs::write(&golden, &after).unwrap();
    } else {
        assert_same(
            "tests/set-image/commented.after.toml",
            &read(&golden),
            &after,
        );
    }
    // The edited spec still renders, with the new images.
    let yaml = k8gen::emit::stream(&render_text(&after, spec.parent().unwrap()));
    assert!(yaml.contains("image: ghcr.io/acme/shop-web:1.1.0"));
    assert!(yaml.contains(&format!("image: {WORKER_NEW}")));
    assert!(yaml.contains("image: ghcr.io/acme/shop-api:2.2.0"));
    // Setting the same images again writes the same bytes.
    let stdout = succeeds(&spec, &["ghcr.io/acme/shop-web:1.1.0"]);
    assert!(stdout.contains("(unchanged)"), "{stdout}");
    assert_eq!(read(&spec), after);
}

#[test]
fn without_a_component_the_repository_picks_it() {
    let (_tmp, spec, before) = shop();
    // The worker's repository, with a tag instead of the digest.
    let stdout = succeeds(&spec, &["ghcr.io/acme/shop-worker:2.0"]);
    assert!(stdout.contains("components.worker.image"), "{stdout}");
    assert_eq!(
        read(&spec),
        replace_once(&before, WORKER, "ghcr.io/acme/shop-worker:2.0")
    );
    // A repository no component runs, in an app of several: which one?
    let other = ["ghcr.io/acme/other:1"];
    refused(
        &spec,
        &other,
        "say which one with `COMPONENT=ghcr.io/acme/other:1`",
    );
    refused(&spec, &other, "\n  worker (ghcr.io/acme/shop-worker:2.0)");
    // The repository of a release: which track?
    refused(
        &spec,
        &["ghcr.io/acme/shop-api:3"],
        "`api.stable=ghcr.io/acme/shop-api:3`",
    );
}

#[test]
fn two_components_of_one_repository_are_ambiguous_and_one_component_needs_no_name() {
    let (_two, spec) = spec_file(
        "two",
        "name = \"two\"\nimage = \"app:1\"\n\n[components.jobs]\nimage = \"app:1\"\ncommand = [\"jobs\"]\n",
    );
    refused(
        &spec,
        &["app:2"],
        "several components run an image of repository `app`",
    );

    let (_one, one) = spec_file("one", "name = \"one\"\nimage = \"nginx:1.27\"\n");
    succeeds(&one, &["ghcr.io/acme/one:1"]);
    assert_eq!(
        read(&one),
        "name = \"one\"\nimage = \"ghcr.io/acme/one:1\"\n"
    );
}

#[test]
fn an_unknown_component_gets_a_suggestion_and_the_file_stays() {
    let (_tmp, spec, _) = shop();
    refused(
        &spec,
        &["wroker=ghcr.io/acme/shop-worker:2"],
        "the spec has no component `wroker`; did you mean `worker`?",
    );
    refused(
        &spec,
        &["zzz=ghcr.io/acme/shop-worker:2"],
        "its components are `shop`, `api`, `worker`",
    );
}

#[test]
fn a_release_takes_a_track_and_only_a_track() {
    let (_tmp, spec, before) = shop();
    for (arg, says) in [
        (
            "api=ghcr.io/acme/shop-api:3",
            "component `api` runs a release (tracks `stable`, `canary`), not one `image`",
        ),
        (
            "api.blue=ghcr.io/acme/shop-api:3",
            "the release of component `api` has no track `blue`",
        ),
        (
            "api.canry=ghcr.io/acme/shop-api:3",
            "did you mean `canary`?",
        ),
        ("worker.canary=w:1", "component `worker` runs no release"),
    ] {
        refused(&spec, &[arg], says);
    }
    succeeds(&spec, &["api.stable=ghcr.io/acme/shop-api:2.1.0"]);
    assert_eq!(
        read(&spec),
        replace_once(
            &before,
            "stable = \"ghcr.io/acme/shop-api:2.0.0\"",
            "stable = \"ghcr.io/acme/shop-api:2.1.0\""
        )
    );
}

#[test]
fn an_invalid_image_leaves_the_file_byte_identical() {
    let (_tmp, spec, before) = shop();
    let modified = std::fs::metadata(&spec).unwrap().modified().unwrap();
    for args in [
        vec!["ghcr.io/Acme/shop-web:1.1"],
        vec!["ghcr.io/acme/shop-web:1 .1"],
        vec!["ghcr.io/acme/shop-web@sha256"],
        vec!["worker=ghcr.io/acme/shop-worker:"],
        // One good image and one bad: nothing is written.
        vec!["ghcr.io/acme/shop-web:1.1.0", "worker=Bad"],
    ] {
        refused(&spec, &args, "invalid image");
    }
    assert_eq!(read(&spec), before);
    assert_eq!(
        std::fs::metadata(&spec).unwrap().modified().unwrap(),
        modified
    );
    // No temporary file was left beside it.
    let names: Vec<_> = std::fs::read_dir(spec.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["shop.toml"]);
}

#[test]
fn a_digest_replaces_a_tag() {
    let (_tmp, spec, before) = shop();
    let digest = "ghcr.io/acme/shop-web@sha256:2222222222222222222222222222222222222222222222222222222222222222";
    succeeds(&spec, &[&format!("shop={digest}")]);
    assert_eq!(
        read(&spec),
        replace_once(&before, &format!("'{WEB}'"), &format!("'{digest}'"))
    );
    let objects = render_text(&read(&spec), spec.parent().unwrap());
    let yaml = k8gen::emit::stream(&objects);
    // A digest is pulled once (the engine's default for digests).
    assert!(
        yaml.contains(&format!(
            "image: {digest}\n        imagePullPolicy: IfNotPresent"
        )),
        "{yaml}"
    );
}

#[test]
fn env_writes_into_the_overlay_file_when_there_is_one() {
    let (tmp, spec, before) = shop();
    let overlay = tmp.path().join("shop.production.toml");
    let text = "# production: protected by CODEOWNERS\nreplicas = 5   # more\n\n[components.worker]\nimage = \"ghcr.io/acme/shop-worker:1.9\"  # held back\n";
    std::fs::write(&overlay, text).unwrap();
    let stdout = succeeds(
        &spec,
        &[
            "--env",
            "production",
            "ghcr.io/acme/shop-worker:2.0",
            "ghcr.io/acme/shop-web:1.1.0",
            "api.canary=ghcr.io/acme/shop-api:2.2.0",
        ],
    );
    assert!(
        stdout.contains("shop.production.toml: components.worker.image"),
        "{stdout}"
    );
    assert_eq!(read(&spec), before, "the spec is not touched");
    assert_eq!(
        read(&overlay),
        "# production: protected by CODEOWNERS\nimage = \"ghcr.io/acme/shop-web:1.1.0\"\nreplicas = 5   # more\n\n[components.worker]\nimage = \"ghcr.io/acme/shop-worker:2.0\"  # held back\n\n[components.api]\nrelease = { canary = \"ghcr.io/acme/shop-api:2.2.0\" }\n"
    );
    // The overlay's own images are what the repository is matched against.
    refused(
        &spec,
        &["--env", "production", "ghcr.io/acme/shop-api:2.3.0"],
        "`api.stable=ghcr.io/acme/shop-api:2.3.0`",
    );
}

#[test]
fn env_without_an_overlay_file_creates_the_overlay_table_at_the_end() {
    let (_tmp, spec, before) = shop();
    succeeds(
        &spec,
        &[
            "ghcr.io/acme/shop-web:1.1.0",
            "--env",
            "staging",
            &format!("worker={WORKER_NEW}"),
        ],
    );
    let after = read(&spec);
    assert_eq!(
        after,
        format!(
            "{before}\n[overlay.staging]\nimage = \"ghcr.io/acme/shop-web:1.1.0\"\n\n[overlay.staging.components.worker]\nimage = \"{WORKER_NEW}\"\n"
        )
    );
    // Again: the values are replaced where they now are, nothing is added.
    succeeds(&spec, &["--env", "staging", "ghcr.io/acme/shop-web:1.2.0"]);
    assert_eq!(
        read(&spec),
        replace_once(
            &after,
            "image = \"ghcr.io/acme/shop-web:1.1.0\"",
            "image = \"ghcr.io/acme/shop-web:1.2.0\""
        )
    );
    // The spec's own image is still the old one.
    assert!(read(&spec).contains(&format!("'{WEB}'")));
    // Until overlays are merged by the engine, `[overlay.*]` is checked as TOML only; the render
    // of the spec with an overlay is tested with the overlay work itself.
    // platform: render `--env staging` here once `[overlay.*]` parses.
}

#[test]
fn bad_environment_names_and_symlinks_are_refused() {
    let (tmp, spec, before) = shop();
    let (code, _, stderr) = set_image(&spec, &["--env", "../x", "ghcr.io/acme/shop-web:2"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("invalid environment name"), "{stderr}");
    #[cfg(unix)]
    {
        let link = tmp.path().join("link.toml");
        std::os::unix::fs::symlink(&spec, &link).unwrap();
        let (code, _, stderr) = set_image(&link, &["ghcr.io/acme/shop-web:2"]);
        assert_eq!(code, Some(2));
        assert!(stderr.contains("not a regular file"), "{stderr}");
    }
    assert_eq!(read(&spec), before);
}

#[cfg(unix)]
#[test]
fn the_file_keeps_its_mode() {
    use std::os::unix::fs::PermissionsExt;
    // 0666: wider than the usual umask lets a new file be, so a mode set at creation would
    // show.
    for (wanted, tag) in [(0o640, "1.1.0"), (0o666, "1.2.0")] {
        let (_tmp, spec, _) = shop();
        std::fs::set_permissions(&spec, std::fs::Permissions::from_mode(wanted)).unwrap();
        succeeds(&spec, &[&format!("ghcr.io/acme/shop-web:{tag}")]);
        let mode = std::fs::metadata(&spec).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, wanted);
    }
}

#[test]
fn an_invalid_spec_is_reported_and_not_edited() {
    let (_tmp, spec) = spec_file("bad", "name = \"bad\"\nimage = \"app:1\"\nreplica = 2\n");
    refused(
        &spec,
        &["app:2"],
        "bad.toml:3:1: error[K0002]: unknown key `replica`",
    );
}

#[test]
fn a_missing_image_is_added_in_the_components_own_table_as_written() {
    // Inherited from `[defaults]`: the component gets an `image` of its own, right after its
    // header; in a table of dotted keys, a dotted line after its last one.
    let text = "#:schema x\nname = \"d\"\ncomponents.api.port = 80  # dotted\ncomponents.api.probes.liveness = \"TCP\"\n\n[defaults]\nimage = \"app:1\"\n\n[components.w]  # worker\ncommand = [\"w\"]\n";
    let (_tmp, spec) = spec_file("d", text);
    refused(
        &spec,
        &["app:2"],
        "several components run an image of repository `app`",
    );
    succeeds(&spec, &["w=app:2", "api=app:3"]);
    let after = read(&spec);
    assert_eq!(
        after,
        text.replace(
            "[components.w]  # worker\n",
            "[components.w]  # worker\nimage = \"app:2\"\n"
        )
        .replace(
            "liveness = \"TCP\"\n",
            "liveness = \"TCP\"\ncomponents.api.image = \"app:3\"\n"
        )
    );
    let yaml = k8gen::emit::stream(&render_text(&after, spec.parent().unwrap()));
    assert!(yaml.contains("image: app:2") && yaml.contains("image: app:3"));
}

#[test]
fn a_spec_without_components_is_refused() {
    let (_tmp, spec) = spec_file("none", "name = \"none\"\n\n[defaults]\nimage = \"app:1\"\n");
    refused(&spec, &["app:2"], "has no component to set an image of");
}

/// `dir` copied into `to`, recursively.
fn copy_tree(dir: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn every_image_of_every_spec_in_specs_can_be_set() {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&root().join("specs"), tmp.path());
    let mut edits = 0;
    for spec in specs() {
        let spec = tmp.path().join(spec.file_name().unwrap());
        let before = read(&spec);
        let components = k8gen::spec_components(&before).unwrap();
        for c in &components {
            let targets: Vec<(String, Option<String>)> = match &c.release {
                None => vec![(c.key.clone(), c.image.clone())],
                Some(tracks) => tracks
                    .iter()
                    .filter(|(_, image)| image.is_some())
                    .map(|(track, image)| (format!("{}.{track}", c.key), image.clone()))
                    .collect(),
            };
            for (key, old) in targets {
                let text = read(&spec);
                let new = format!(
                    "registry.example.com/set-image/{}:9.9.9",
                    key.replace('.', "-")
                );
                succeeds(&spec, &[&format!("{key}={new}")]);
                let after = read(&spec);
                // Written in the component itself: only that value changed. (Inherited from
                // `[defaults]`: added; the render shows it.)
                if let Some(old) = old.filter(|old| text.contains(&format!("\"{old}\""))) {
                    assert_eq!(after.matches(&new).count(), 1, "{key}");
                    assert_eq!(
                        after.replacen(&new, &old, 1),
                        text,
                        "{}: {key}",
                        spec.display()
                    );
                }
                let yaml = k8gen::emit::stream(&render_text(&after, tmp.path()));
                // An Argo Rollout names only the image it rolls to (the canary's).
                let argo_stable = key.ends_with(".stable") && text.contains("argo-rollouts");
                assert!(
                    yaml.contains(&format!("image: {new}\n")) != argo_stable,
                    "{}: {key}",
                    spec.display()
                );
                edits += 1;
            }
        }
    }
    assert!(edits >= 15, "{edits} images set");
}
