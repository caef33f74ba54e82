//! Renders running at the same time into one folder, and renders killed with SIGKILL, as loops
//! over real processes. What must hold: concurrent renders into one folder all succeed and
//! leave exactly one spec's tree (the lock beside the folder serializes them); a killed render
//! leaves no temporary file in the output folder and the old tree or the new one, whole (never
//! a mix of old and new files: the tree is swapped in one step), and the next run leaves no
//! temporary file anywhere.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::support::read_tree;

fn spawn(cwd: &Path, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_k8gen"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run k8gen")
}

fn wait_ok(child: Child, what: &str) {
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A spec of `n` components named `prefix-N`, each with its own image tag `tag`.
fn spec(prefix: &str, n: usize, tag: &str) -> String {
    let mut s = format!("name = \"app\"\nimage = \"app:{tag}\"\nport = 8080\n");
    for i in 0..n {
        s += &format!("[components.{prefix}{i}]\nimage = \"c:{tag}\"\nport = 8080\n");
    }
    s
}

struct Fixture {
    tmp: tempfile::TempDir,
    old: BTreeMap<String, String>,
    new: BTreeMap<String, String>,
}

impl Fixture {
    /// `old/app.toml` and `new/app.toml` (different objects and different content), and the
    /// trees each renders into a fresh folder.
    fn new(n: usize) -> Fixture {
        let tmp = tempfile::tempdir().unwrap();
        for (dir, prefix, tag) in [("old", "a", "v1"), ("new", "b", "v2")] {
            std::fs::create_dir(tmp.path().join(dir)).unwrap();
            std::fs::write(tmp.path().join(dir).join("app.toml"), spec(prefix, n, tag)).unwrap();
        }
        std::fs::create_dir(tmp.path().join("gitops")).unwrap();
        let mut trees = Vec::new();
        for dir in ["old", "new"] {
            let out = format!("fresh-{dir}");
            wait_ok(
                spawn(
                    tmp.path(),
                    &["render", &format!("{dir}/app.toml"), "-o", &out],
                ),
                "fresh render",
            );
            trees.push(read_tree(&tmp.path().join(out)));
        }
        let new = trees.pop().unwrap();
        let old = trees.pop().unwrap();
        // Most files differ (every component's objects); the few the tags do not reach (a
        // shared NetworkPolicy, kustomization.yaml) may be the same.
        let differing = old.iter().filter(|(k, v)| new.get(*k) != Some(*v)).count();
        assert!(differing >= n, "{differing} files differ");
        Fixture { tmp, old, new }
    }

    fn root(&self) -> &Path {
        self.tmp.path()
    }

    fn out(&self) -> PathBuf {
        self.root().join("gitops/out")
    }

    fn render(&self, which: &str) -> Child {
        spawn(
            self.root(),
            &["render", &format!("{which}/app.toml"), "-o", "gitops/out"],
        )
    }

    /// Names in `gitops/` besides `out`.
    fn beside_out(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.root().join("gitops"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != "out")
            .collect();
        names.sort();
        names
    }
}

#[test]
fn concurrent_renders_into_one_folder_never_fail_or_mix() {
    let _heavy = crate::support::heavy();
    let f = Fixture::new(30);
    let (mut pairs, mut mixed, mut failed) = (0, 0, 0);
    for i in 0..20 {
        let _ = std::fs::remove_dir_all(f.out());
        // Half the pairs race into a folder that does not exist yet, half into an old tree.
        if i % 2 == 1 {
            wait_ok(f.render("old"), "setup");
        }
        let (a, b) = (f.render("old"), f.render("new"));
        for child in [a, b] {
            let out = child.wait_with_output().unwrap();
            if !out.status.success() {
                failed += 1;
                eprintln!("{}", String::from_utf8_lossy(&out.stderr));
            }
        }
        let tree = read_tree(&f.out());
        if tree != f.old && tree != f.new {
            mixed += 1;
        }
        pairs += 1;
        assert_eq!(
            f.beside_out(),
            Vec::<String>::new(),
            "left beside the output"
        );
    }
    eprintln!("{pairs} concurrent pairs: {mixed} mixed trees, {failed} failed renders");
    assert_eq!((mixed, failed), (0, 0));
}

#[cfg(unix)]
#[test]
fn killed_renders_leave_no_temporary_files_and_no_partial_files() {
    let _heavy = crate::support::heavy();
    let f = Fixture::new(60);
    let start = std::time::Instant::now();
    wait_ok(f.render("new"), "setup");
    wait_ok(f.render("old"), "setup");
    let run_time = start.elapsed() / 2;
    let (mut kills, mut mid_run, mut mid_write, mut leftovers_after_next) = (0, 0, 0, 0);
    // Random-ish delays around a point that adapts until kills land while the render writes:
    // later when a kill came before the lock was taken, earlier when the render had finished.
    let mut r: u64 = 7_919;
    let mut at = 0.7;
    for i in 0..40 {
        if mid_write >= 8 {
            break;
        }
        let (target, other) = if i % 2 == 0 {
            (&f.new, &f.old)
        } else {
            (&f.old, &f.new)
        };
        let mut child = f.render(if i % 2 == 0 { "new" } else { "old" });
        r = (r * 7_993 + 3_571) % 10_007;
        std::thread::sleep(run_time.mul_f64(at * (0.85 + 0.3 * r as f64 / 10_007.0)));
        let running = child.try_wait().unwrap().is_none();
        if running {
            mid_run += 1;
        } else {
            at *= 0.8;
        }
        child.kill().unwrap(); // SIGKILL
        let _ = child.wait();
        kills += 1;
        // Right after the kill: the old tree or the new one, whole (no temporary file, no
        // mix of old and new files: the tree is swapped in one step).
        if f.out().exists() {
            let now = read_tree(&f.out());
            assert!(
                &now == target || &now == other,
                "kill {i}: the tree is neither the old nor the new one: {:?}",
                now.keys().collect::<Vec<_>>()
            );
        }
        // What a kill may leave beside the folder is git-ignored.
        let staging = f.root().join("gitops/.out.k8gen");
        let held_lock = staging.join("lock").exists() || staging.join("tmp").exists();
        if running && !held_lock {
            at *= 1.15;
        }
        if held_lock {
            mid_write += 1;
            let ignore = std::fs::read_to_string(staging.join(".gitignore")).unwrap_or_default();
            assert!(
                ignore.lines().any(|l| l == "*"),
                "kill {i}: leftovers not git-ignored"
            );
        }
        // The next run finishes the job and leaves nothing behind.
        wait_ok(f.render(if i % 2 == 0 { "new" } else { "old" }), "next run");
        assert_eq!(&read_tree(&f.out()), target, "kill {i}: next run's tree");
        if !f.beside_out().is_empty() {
            leftovers_after_next += 1;
        }
    }
    eprintln!(
        "{kills} kills ({mid_run} while running, {mid_write} while holding the lock): \
         {leftovers_after_next} next runs left temporary files"
    );
    assert_eq!(leftovers_after_next, 0);
    assert!(
        mid_write >= 8,
        "too few kills landed while writing: {mid_write}"
    );
}
