//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn update_expect() -> bool {
    std::env::var_os("UPDATE_EXPECT").is_some_and(|v| v != "0")
}

/// Runs the `k8gen` binary from the crate root with `args`.
pub fn k8gen(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_k8gen"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env_remove("TASK_TRACKER_DB_PASSWORD")
        .output()
        .expect("run k8gen")
}

/// Runs `k8gen render SPECS... -o DIR`.
pub fn render_into(specs: &[&str], dir: &Path) -> Output {
    let mut args = vec!["render"];
    args.extend_from_slice(specs);
    args.extend(["-o", dir.to_str().unwrap()]);
    k8gen(&args)
}

/// Every `specs/*.toml`, sorted (not the platform file `specs/k8gen.toml`).
pub fn specs() -> Vec<PathBuf> {
    let mut specs: Vec<PathBuf> = std::fs::read_dir(root().join("specs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .filter(|p| !p.ends_with("k8gen.toml"))
        .collect();
    specs.sort();
    assert!(!specs.is_empty(), "no specs found");
    specs
}

pub struct FsHost;

impl k8gen::Host for FsHost {
    fn read_file(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        std::fs::read(path)
    }
    fn env_var(&self, _: &str) -> Option<String> {
        None
    }
}

/// Renders a spec file through the library.
pub fn render(path: &Path) -> Vec<k8gen::Object> {
    let source = std::fs::read_to_string(path).unwrap();
    render_text(&source, path.parent().unwrap())
}

pub fn render_text(source: &str, base: &Path) -> Vec<k8gen::Object> {
    k8gen::render_source(source, base, &FsHost)
        .unwrap_or_else(|d| panic!("spec should render: {d:#?}"))
}

/// Files of a folder: name → content; k8gen's ownership manifest `.k8gen-owned.json` is left
/// out (it holds the spec's path relative to the folder, which differs between folders).
/// Subfolders (an app folder's `pre-deploy/`) are read too, as `folder/name`.
pub fn read_tree(dir: &Path) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            if name == ".k8gen-owned.json" {
                continue;
            }
            if e.file_type().unwrap().is_dir() {
                for (sub, content) in read_tree(&e.path()) {
                    out.insert(format!("{name}/{sub}"), content);
                }
                continue;
            }
            out.insert(name, std::fs::read_to_string(e.path()).unwrap());
        }
    }
    out
}

/// Asserts two texts are equal, showing a unified diff when they are not.
pub fn assert_same(what: &str, expected: &str, actual: &str) {
    if expected != actual {
        let diff = similar::TextDiff::from_lines(expected, actual)
            .unified_diff()
            .header("expected", "actual")
            .to_string();
        panic!("{what} differs (UPDATE_EXPECT=1 cargo test rewrites it):\n{diff}");
    }
}

/// Held by the tests that time things (the fuzz edge cases' 10 s limit, the scaling ratios)
/// or that spawn loops of processes, so that on a 2-core machine they do not run at once and
/// make each other look slow. Poisoning is ignored: one failed test must not fail the rest.
pub fn heavy() -> std::sync::MutexGuard<'static, ()> {
    static HEAVY: std::sync::Mutex<()> = std::sync::Mutex::new(());
    HEAVY.lock().unwrap_or_else(|e| e.into_inner())
}

/// Writes `files` (path → text) into a fresh folder.
pub fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// Runs k8gen in `dir`.
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_k8gen"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run k8gen")
}
