//! Hostile repositories and odd inputs (issue 13): spec file names that would leave the output
//! folder or inject YAML, symlinks, devices, FIFOs and huge files as specs, data files and old
//! output, and the exact header stale-file cleanup matches. Each test runs the real binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::*;

/// Runs k8gen in `cwd` and kills it after `limit`; `None` when it had to be killed.
pub fn k8gen_in(cwd: &Path, args: &[&str], limit: Duration) -> Option<Output> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_k8gen"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run k8gen");
    let start = Instant::now();
    while start.elapsed() < limit {
        if child.try_wait().unwrap().is_some() {
            return Some(child.wait_with_output().unwrap());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

const LIMIT: Duration = Duration::from_secs(20);

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A minimal valid spec.
fn spec(name: &str) -> String {
    format!("name = \"{name}\"\nimage = \"{name}:v1\"\nport = 8080\n")
}

/// `.../gitops/` holding one k8gen file and one foreign file; returns (tmp, gitops).
fn gitops_with_files() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let gitops = tmp.path().join("gitops");
    std::fs::create_dir(&gitops).unwrap();
    std::fs::write(
        gitops.join("deployment-other.yaml"),
        k8gen::emit::header("other.toml") + "kind: Deployment\n",
    )
    .unwrap();
    std::fs::write(gitops.join("kustomization.yaml"), "resources: []\n").unwrap();
    (tmp, gitops)
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn spec_stems_dot_and_dot_dot_are_refused_and_nothing_outside_the_output_is_touched() {
    for name in ["...toml", "..toml"] {
        let (tmp, gitops) = gitops_with_files();
        let specs = tmp.path().join("specs");
        std::fs::create_dir(&specs).unwrap();
        std::fs::write(specs.join(name), spec("app")).unwrap();
        std::fs::write(specs.join("b.toml"), spec("b")).unwrap();
        let before = listing(&gitops);
        for args in [
            vec!["render", "specs", "-o", "gitops/out"],
            vec!["render", &format!("specs/{name}"), "-o", "gitops/out"][..].to_vec(),
        ] {
            let out = k8gen_in(tmp.path(), &args, LIMIT).expect("finishes");
            let stderr = text(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
            assert!(
                stderr.contains(&format!("spec file name `specs/{name}`")),
                "{stderr}"
            );
            assert_eq!(listing(&gitops), before, "{name}: gitops/ changed");
        }
    }
}

#[test]
fn spec_names_with_line_breaks_are_refused_and_cannot_inject_documents() {
    let tmp = tempfile::tempdir().unwrap();
    for (i, name) in [
        "a\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: evil}\n#.toml",
        "b\r---\rkind: Pod\r#.toml",
        "c\u{1b}[2K.toml",
    ]
    .iter()
    .enumerate()
    {
        std::fs::write(tmp.path().join(name), spec("app")).unwrap();
        let out_dir = format!("out{i}");
        let out = k8gen_in(tmp.path(), &["render", name, "-o", &out_dir], LIMIT).unwrap();
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("contains a control character"), "{stderr}");
        assert!(
            !stderr.contains('\r') && stderr.lines().count() == 1,
            "{stderr:?}"
        );
        assert!(!tmp.path().join(&out_dir).exists());
    }
    // The library escapes what the CLI refuses: the header stays one comment line.
    let objects = render(&root().join("specs/task-tracker.toml"));
    for (file, content) in k8gen::emit::files(&objects, "x\n---\nkind: Pod\r") {
        let first = content.lines().next().unwrap();
        assert!(k8gen::emit::is_header(first), "{file}: {first:?}");
        assert_eq!(content.matches("\nkind:").count(), 1, "{file}");
        assert_eq!(content.matches("\n---").count(), 0, "{file}");
        assert!(!content.contains('\r'), "{file}");
    }
}

#[test]
fn stale_cleanup_matches_the_exact_header_only() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("app.toml"), spec("app")).unwrap();
    let out = tmp.path().join("out");
    assert!(
        k8gen_in(tmp.path(), &["render", "app.toml", "-o", "out"], LIMIT)
            .unwrap()
            .status
            .success()
    );
    let keep = [
        (
            "configmap-helper.yaml",
            "# Generated by k8gen-helper\nkind: ConfigMap\n",
        ),
        (
            "configmap-x.yaml",
            "# Generated by k8gen\nkind: ConfigMap\n",
        ),
        (
            "configmap-y.yaml",
            "# Generated by k8gen from app.toml\nkind: ConfigMap\n",
        ),
    ];
    for (name, content) in keep {
        std::fs::write(out.join(name), content).unwrap();
    }
    let ours = out.join("service-old.yaml");
    std::fs::write(&ours, k8gen::emit::header("app.toml") + "kind: Service\n").unwrap();
    assert!(
        k8gen_in(tmp.path(), &["render", "app.toml", "-o", "out"], LIMIT)
            .unwrap()
            .status
            .success()
    );
    for (name, content) in keep {
        assert_eq!(
            std::fs::read_to_string(out.join(name)).unwrap(),
            content,
            "{name}"
        );
    }
    assert!(!ours.exists(), "k8gen's own stale file stays");
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().unwrap().success();
    assert!(ok, "mkfifo");
}

#[cfg(unix)]
#[test]
fn spec_symlinks_out_of_the_folder_devices_and_fifos_are_refused_without_echoing() {
    use std::os::unix::fs::symlink;
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("shadow");
    std::fs::write(&secret, "root:TOP-SECRET-HASH:19000:0:99999:7:::\n").unwrap();
    let repo = tempfile::tempdir().unwrap();
    let r = repo.path();
    symlink(&secret, r.join("shadow.toml")).unwrap();
    symlink("/proc/self/environ", r.join("environ.toml")).unwrap();
    symlink("/dev/zero", r.join("zero.toml")).unwrap();
    mkfifo(&r.join("fifo.toml"));
    for name in ["shadow.toml", "environ.toml", "zero.toml", "fifo.toml"] {
        for cmd in ["check", "render"] {
            let start = Instant::now();
            let out =
                k8gen_in(r, &[cmd, name], LIMIT).unwrap_or_else(|| panic!("{cmd} {name} hangs"));
            let stderr = text(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{cmd} {name}: {stderr}");
            assert!(stderr.contains(name), "{stderr}");
            assert!(!stderr.contains("TOP-SECRET"), "{stderr}");
            assert!(!stderr.contains("PATH="), "{stderr}");
            assert!(stderr.lines().count() == 1, "{stderr}");
            assert!(start.elapsed() < Duration::from_secs(10));
        }
    }
    // A link to a regular spec inside the current folder is followed.
    std::fs::create_dir(r.join("specs")).unwrap();
    std::fs::write(r.join("specs/app.toml"), spec("app")).unwrap();
    symlink("specs/app.toml", r.join("app.toml")).unwrap();
    assert!(
        k8gen_in(r, &["check", "app.toml"], LIMIT)
            .unwrap()
            .status
            .success()
    );
}

#[cfg(unix)]
#[test]
fn folder_scans_do_not_follow_symlinks_or_loop() {
    use std::os::unix::fs::symlink;
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("outside.toml"), "TOP-SECRET = [\n").unwrap();
    let repo = tempfile::tempdir().unwrap();
    let specs = repo.path().join("specs");
    std::fs::create_dir(&specs).unwrap();
    std::fs::write(specs.join("app.toml"), spec("app")).unwrap();
    symlink(".", specs.join("loop")).unwrap();
    symlink(outside.path(), specs.join("out-link")).unwrap();
    symlink(outside.path().join("outside.toml"), specs.join("link.toml")).unwrap();
    mkfifo(&specs.join("fifo.toml"));
    let out = k8gen_in(repo.path(), &["check", "specs"], LIMIT).expect("no hang");
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("0 errors and 4 warnings in 1 spec\n"),
        "{stderr}"
    );
    assert!(!stderr.contains("TOP-SECRET"), "{stderr}");
}

#[test]
fn a_spec_over_4_mib_is_refused_unread() {
    let tmp = tempfile::tempdir().unwrap();
    let f = std::fs::File::create(tmp.path().join("huge.toml")).unwrap();
    f.set_len(64 * 1024 * 1024 * 1024).unwrap(); // sparse: 64 GiB of holes
    let out = k8gen_in(tmp.path(), &["check", "huge.toml"], LIMIT).expect("no hang");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cannot read `huge.toml`: it is 68719476736 bytes, over the 4 MiB"),
        "{stderr}"
    );
}

#[test]
fn a_data_file_over_1_mib_is_refused_before_it_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let f = std::fs::File::create(tmp.path().join("big.bin")).unwrap();
    f.set_len(2 * 1024 * 1024 * 1024).unwrap(); // sparse 2 GiB
    std::fs::write(
        tmp.path().join("app.toml"),
        spec("app") + "[config]\n\"big.bin\" = { file = \"big.bin\" }\n",
    )
    .unwrap();
    let start = Instant::now();
    let out = k8gen_in(tmp.path(), &["check", "app.toml"], LIMIT).expect("no hang");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("error[K0108]: cannot read `big.bin`: it is 2147483648 bytes, over the 1 MiB a ConfigMap or Secret may hold"),
        "{stderr}"
    );
    eprintln!("2 GiB data file refused in {:?}", start.elapsed());
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[cfg(unix)]
#[test]
fn old_output_named_like_ours_is_compared_only_if_a_regular_file() {
    use std::os::unix::fs::symlink;
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("app.toml"), spec("app")).unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    symlink("/dev/zero", out.join("deployment-app.yaml")).unwrap();
    mkfifo(&out.join("service-app.yaml"));
    let start = Instant::now();
    let run = k8gen_in(tmp.path(), &["render", "app.toml", "-o", "out"], LIMIT)
        .expect("render hangs on a FIFO or /dev/zero in the output folder");
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert!(start.elapsed() < Duration::from_secs(10));
    for f in ["deployment-app.yaml", "service-app.yaml"] {
        let meta = std::fs::symlink_metadata(out.join(f)).unwrap();
        assert!(meta.file_type().is_file(), "{f} was not replaced");
    }
}

#[test]
fn diagnostics_show_control_characters_in_file_names_escaped() {
    let tmp = tempfile::tempdir().unwrap();
    let name = "x\rFAKE: all good\u{1b}[2K.toml";
    std::fs::write(
        tmp.path().join(name),
        "name = \"Bad_Name\"\nimage = \"x:v1\"\n",
    )
    .unwrap();
    let out = k8gen_in(tmp.path(), &["check", name], LIMIT).unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        !stderr.contains('\r') && !stderr.contains('\u{1b}'),
        "{stderr:?}"
    );
    assert!(
        stderr.starts_with("x\\rFAKE: all good\\u{1b}[2K.toml:1:8: error[K0101]"),
        "{stderr:?}"
    );
}

#[cfg(unix)]
#[test]
fn planted_links_in_the_staging_folder_are_never_followed() {
    use std::os::unix::fs::symlink;
    let tmp = tempfile::tempdir().unwrap();
    let r = tmp.path();
    std::fs::write(r.join("app.toml"), spec("app")).unwrap();
    std::fs::write(r.join("victim"), "precious\n").unwrap();
    std::fs::create_dir(r.join("keep")).unwrap();
    std::fs::write(r.join("keep/file"), "mine\n").unwrap();
    let staging = r.join(".out.k8gen");
    std::fs::create_dir(&staging).unwrap();
    symlink("../victim", staging.join(".gitignore")).unwrap();
    symlink("../keep", staging.join("tmp")).unwrap();
    let run = k8gen_in(r, &["render", "app.toml", "-o", "out"], LIMIT).unwrap();
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert_eq!(
        std::fs::read_to_string(r.join("victim")).unwrap(),
        "precious\n"
    );
    assert_eq!(
        std::fs::read_to_string(r.join("keep/file")).unwrap(),
        "mine\n"
    );
    assert!(!staging.exists(), "the staging folder stays");

    // A lock that is a symlink: refused, its target neither created nor written.
    std::fs::create_dir(&staging).unwrap();
    symlink("../created-by-k8gen", staging.join("lock")).unwrap();
    let run = k8gen_in(r, &["render", "app.toml", "-o", "out"], LIMIT).unwrap();
    let stderr = text(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("is not a regular file"), "{stderr}");
    assert!(!r.join("created-by-k8gen").exists());
}
