//! A Python with PyYAML (built with libyaml, so `yaml.CSafeLoader` exists) and jsonschema for
//! the tests: `K8GEN_PYTHON` if set, else `python3` if
//! it has both, else a venv in `target/test-venv` made from `tests/requirements.txt`. Failing
//! all three fails the test with the reason; it never skips.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use crate::support::root;

fn has_packages(python: &str) -> bool {
    Command::new(python)
        .args([
            "-c",
            "import yaml, jsonschema; assert yaml.__with_libyaml__",
        ])
        .output()
        .is_ok_and(|o| o.status.success())
}

pub fn python() -> &'static str {
    static PYTHON: OnceLock<String> = OnceLock::new();
    PYTHON.get_or_init(|| {
        if let Ok(p) = std::env::var("K8GEN_PYTHON") {
            assert!(
                has_packages(&p),
                "K8GEN_PYTHON={p} lacks PyYAML with libyaml, or jsonschema"
            );
            return p;
        }
        if has_packages("python3") {
            return "python3".to_string();
        }
        let venv: PathBuf = root().join("target/test-venv");
        let py = venv.join("bin/python");
        if !has_packages(py.to_str().unwrap()) {
            let made = Command::new("python3")
                .args(["-m", "venv"])
                .arg(&venv)
                .status();
            assert!(
                made.is_ok_and(|s| s.success()),
                "python3 -m venv failed; install Python 3 with venv"
            );
            let pip = Command::new(&py)
                .args(["-m", "pip", "install", "--quiet", "-r"])
                .arg(root().join("tests/requirements.txt"))
                .status();
            assert!(
                pip.is_ok_and(|s| s.success()),
                "pip install -r tests/requirements.txt failed"
            );
        }
        py.to_str().unwrap().to_string()
    })
}

/// Runs `tests/it/SCRIPT` with `args` and parses what it prints as JSON.
pub fn run_json<T: serde::de::DeserializeOwned>(script: &str, args: &[std::ffi::OsString]) -> T {
    let mut cmd = Command::new(python());
    cmd.arg(root().join("tests/it").join(script)).args(args);
    json_of(cmd, script)
}

/// Runs `cmd`, which must succeed (else the test fails, naming `what` and its stderr), and
/// parses what it prints as JSON.
pub fn json_of<T: serde::de::DeserializeOwned>(mut cmd: Command, what: &str) -> T {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}
