//! Property test over spec file names and folder shapes for `render -o` (issue 13): names made
//! of dots, control characters, spaces and YAML; output folders that are new, hold stale and
//! foreign files, or hold symlinks (`loop -> .`, `up -> ..`, a file link out of the tree); spec
//! folders with symlink loops and links out. Whatever the case, k8gen exits 0 or 2 (the specs
//! are valid), writes and deletes nothing outside the output folder, leaves nothing beside it,
//! and every file it wrote holds one document under one header line.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestRunner};

use crate::hostile::k8gen_in;

/// Pieces spec file names are made of (`/` and NUL cannot be in a file name).
const PIECES: &[&str] = &[
    "",
    ".",
    "..",
    "...",
    "app",
    "b.c",
    " ",
    "-",
    "\n",
    "\r",
    "\t",
    "\u{1b}[2K",
    "\u{7f}",
    "\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: evil}\n#",
    "é",
    "toml",
];

#[derive(Debug, Clone)]
struct Case {
    names: Vec<String>,
    out_shape: u8,
    spec_links: bool,
    scan_folder: bool,
}

fn case() -> impl Strategy<Value = Case> {
    let name = prop::collection::vec(prop::sample::select(PIECES), 1..4)
        .prop_map(|p| p.concat() + ".toml");
    (
        prop::collection::vec(name, 1..3),
        0u8..4,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(names, out_shape, spec_links, scan_folder)| Case {
            names,
            out_shape,
            spec_links,
            scan_folder,
        })
}

/// Every entry under `dir` (not following symlinks), skipping `skip`: path → file content, or
/// `-> target` for a symlink, or `/` for a folder.
fn snapshot(dir: &Path, skip: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries {
        let e = e.unwrap();
        let p = e.path();
        if p == skip {
            continue;
        }
        let t = e.file_type().unwrap();
        let key = p.display().to_string();
        if t.is_symlink() {
            let target = std::fs::read_link(&p).unwrap();
            out.insert(key, format!("-> {}", target.display()).into_bytes());
        } else if t.is_dir() {
            out.insert(key, b"/".to_vec());
            snapshot(&p, skip, out);
        } else {
            out.insert(key, std::fs::read(&p).unwrap_or_default());
        }
    }
}

fn spec(name: &str) -> String {
    format!("name = \"{name}\"\nimage = \"{name}:v1\"\nport = 8080\n")
}

fn run_case(c: &Case) -> Result<i32, TestCaseError> {
    use std::os::unix::fs::symlink;
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let header = |s: &str| k8gen::emit::header(s) + "kind: ConfigMap\n";
    std::fs::write(root.join("deployment-app.yaml"), header("app.toml")).unwrap();
    let specs = root.join("specs");
    std::fs::create_dir(&specs).unwrap();
    let mut files = Vec::new();
    for (i, name) in c.names.iter().enumerate() {
        let path = specs.join(name);
        if std::fs::write(&path, spec(&format!("app{i}"))).is_ok() {
            files.push(format!("specs/{name}"));
        }
    }
    prop_assume!(!files.is_empty());
    if c.spec_links {
        let _ = symlink(".", specs.join("loop"));
        let _ = symlink("..", specs.join("up"));
        let _ = symlink("../deployment-app.yaml", specs.join("link.toml"));
    }
    let gitops = root.join("gitops");
    std::fs::create_dir(&gitops).unwrap();
    std::fs::write(gitops.join("service-app.yaml"), header("app.toml")).unwrap();
    let out = gitops.join("out");
    if c.out_shape > 0 {
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("secret-old.yaml"), header("app.toml")).unwrap();
        std::fs::write(out.join("kustomization.yaml"), "resources: []\n").unwrap();
    }
    if c.out_shape > 1 {
        symlink(".", out.join("loop")).unwrap();
        symlink("..", out.join("up")).unwrap();
        symlink("../service-app.yaml", out.join("service-app0.yaml")).unwrap();
        std::fs::create_dir(out.join("app0")).unwrap();
        symlink(
            "../../deployment-app.yaml",
            out.join("app0/deployment-app0.yaml"),
        )
        .unwrap();
    }
    if c.out_shape > 2 {
        // A per-spec folder that is a link out of the tree.
        for stem in ["app", "app0"] {
            let _ = std::fs::remove_dir_all(out.join(stem));
            symlink("..", out.join(stem)).unwrap();
        }
    }
    let mut before = BTreeMap::new();
    snapshot(root, &out, &mut before);

    let mut args = vec!["render".to_string()];
    if c.scan_folder {
        args.push("specs".into());
    } else {
        args.extend(files.iter().cloned());
    }
    args.extend(["-o".into(), "gitops/out".into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = k8gen_in(root, &args, Duration::from_secs(60)).expect("render finishes");
    let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
    prop_assert!(
        matches!(run.status.code(), Some(0 | 2)),
        "exit {:?}: {stderr}",
        run.status.code()
    );
    prop_assert!(!stderr.contains("panicked"), "{stderr}");

    let mut after = BTreeMap::new();
    snapshot(root, &out, &mut after);
    prop_assert_eq!(
        &before,
        &after,
        "something outside the output folder changed: {}",
        stderr
    );

    // Every regular file k8gen wrote in the output folder: one header line, one document.
    let mut inside = BTreeMap::new();
    snapshot(&out, Path::new(""), &mut inside);
    for (path, content) in inside {
        prop_assert!(
            !path.chars().any(char::is_control),
            "control character in {path:?}"
        );
        let text = String::from_utf8_lossy(&content);
        if !text.starts_with("# Generated by k8gen from ") || path.contains("secret-old") {
            continue;
        }
        let first = text.lines().next().unwrap_or("");
        prop_assert!(k8gen::emit::is_header(first), "{path}: header {first:?}");
        prop_assert_eq!(text.matches("\nkind:").count(), 1, "{}: documents", path);
        prop_assert!(!text.contains("\n---") && !text.contains('\r'), "{path}");
    }
    Ok(run.status.code().unwrap_or(-1))
}

#[cfg(unix)]
#[test]
fn render_never_writes_or_deletes_outside_the_output_folder() {
    let _heavy = crate::support::heavy();
    let mut runner = TestRunner::new(Config {
        cases: 48,
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        max_shrink_iters: 200,
        ..Config::default()
    });
    let outcomes = std::cell::RefCell::new(BTreeMap::new());
    let result = runner.run(&case(), |c| {
        let r = run_case(&c);
        let key = match &r {
            Ok(code) => format!("held, exit {code}"),
            Err(_) => "failed".to_string(),
        };
        *outcomes.borrow_mut().entry(key).or_insert(0) += 1;
        r.map(|_| ())
    });
    let outcomes = outcomes.into_inner();
    eprintln!("render -o over odd names and folder shapes: {outcomes:?}");
    if let Err(e) = result {
        panic!("{e}");
    }
}
