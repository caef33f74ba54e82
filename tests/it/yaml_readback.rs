//! Reads k8gen's output back with PyYAML (YAML 1.1, like kubectl), with both its pure-Python
//! loader and libyaml's `CSafeLoader` (the C reader go-yaml v2, kubectl's, was ported from), and
//! compares every value with the JSON k8gen serialized: a string such as `on`, `0777` or
//! `2024-01-01` must come back as that string, not a bool, number or date, and a config file
//! with a tab-indented first line must not be a block libyaml rejects.

use crate::python::run_json;
use crate::support::*;

/// `[pure-Python docs, libyaml docs]` for each file.
fn read_back_files(paths: &[std::path::PathBuf]) -> Vec<[serde_json::Value; 2]> {
    let args: Vec<_> = paths.iter().map(|p| p.as_os_str().to_owned()).collect();
    run_json("readback.py", &args)
}

fn assert_reads_back(objects: &[k8gen::Object], what: &str) {
    let tmp = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(tmp.path(), k8gen::emit::stream(objects)).unwrap();
    let expected = serde_json::Value::Array(objects.iter().map(|o| o.to_json()).collect());
    let [pure, libyaml] = read_back_files(&[tmp.path().to_path_buf()]).remove(0);
    assert_eq!(
        expected, pure,
        "{what}: PyYAML (pure) reads different values than k8gen wrote"
    );
    assert_eq!(
        expected, libyaml,
        "{what}: PyYAML (libyaml) reads different values than k8gen wrote"
    );
}

/// Every committed golden file (`out/**/*.yaml`) reads the same in both loaders.
#[test]
fn every_golden_file_reads_the_same_in_pure_and_libyaml_loaders() {
    let files = golden_files();
    let read = read_back_files(&files);
    for (path, [pure, libyaml]) in files.iter().zip(read) {
        assert_eq!(pure, libyaml, "{}: the loaders disagree", path.display());
        assert!(pure.as_array().is_some_and(|d| !d.is_empty()));
    }
}

fn golden_files() -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![root().join("out")];
    while let Some(dir) = dirs.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|e| e == "yaml") {
                files.push(p);
            }
        }
    }
    files.sort();
    assert!(files.len() > 20, "golden files not found");
    files
}

#[test]
fn every_spec_reads_back_identically_in_pyyaml() {
    for spec in specs() {
        assert_reads_back(&render(&spec), &spec.display().to_string());
    }
}

/// Strings that YAML 1.1 readers turn into other types, plus ones that need quoting or block
/// style for other reasons.
const TRAPS: &[&str] = &[
    "yes",
    "no",
    "on",
    "off",
    "y",
    "n",
    "Y",
    "N",
    "true",
    "False",
    "TRUE",
    "~",
    "null",
    "Null",
    "",
    "0777",
    "0o17",
    "0x1F",
    "0b101",
    "1_000",
    "1e3",
    "1E3",
    "-.5",
    "+1",
    ".inf",
    "-.Inf",
    ".nan",
    "12:30",
    "190:20:30",
    "2024-01-01",
    "2001-12-14t21:59:43.10-05:00",
    "<<",
    "=",
    "-",
    "- item",
    "? key",
    "key: value",
    "#not a comment",
    "a #b",
    "*alias",
    "&anchor",
    "!tag",
    "%TAG",
    "@at",
    "`tick",
    "'single",
    "\"double",
    "|",
    ">",
    "[list]",
    "{map}",
    " leading space",
    "trailing space ",
    "tab\there",
    "line\nbreak",
    "ends with newline\n",
    "two\n\nblank lines\n\n",
    "back\\slash",
    "unicode é ✓",
    "\u{7f}del",
    // Multi-line strings a `|` block can get wrong: a tab (or spaces then a tab) starting the
    // first line with content (libyaml: "found a tab character where an indentation space is
    // expected"), leading spaces, leading newlines, lines of only spaces, trailing spaces,
    // carriage returns, control characters, document markers.
    "\tx\ny",
    "\t\tindented\n\tmakefile\n",
    "  \n\tafter a spaces-only line",
    "\n\ttab after a leading newline",
    " \ttab after a space\nx",
    "\t\n",
    " leading space\nsecond",
    "\nleading newline",
    "\n\n",
    "\n",
    "trailing spaces   \nx  \n",
    "x\n   \ny",
    "   \nx",
    "x\n \n",
    "crlf\r\nline\r\n",
    "bell\u{7}\nescape\u{1b}",
    "nel\u{85}line\nx",
    "\u{feff}bom\nx",
    "---\nnot a document",
    "x\n---\ny\n...\n",
    "x\n\ty\n",
    "a very long value with many words that goes past eighty characters so a writer may fold it over lines",
    "averylongvaluewithoutanyspacesatallthatgoespasteightycharacterssoawritercannotfolditanywhereatall",
];

#[test]
fn yaml_1_1_traps_read_back_as_the_same_strings() {
    let objects = k8gen::render_app(&traps_app()).unwrap();
    assert_reads_back(&objects, "traps");
}

fn traps_app() -> k8gen::model::App {
    let app = k8gen::model::App::new("traps");
    let mut c = k8gen::model::Component::new("traps", "traps:v1");
    for (i, s) in TRAPS.iter().enumerate() {
        c = c.config(format!("k{i:02}"), *s);
        c = c.env(
            format!("E{i:02}"),
            k8gen::model::EnvValue::Literal(s.to_string()),
        );
    }
    c = c
        .label("trap-on", "on")
        .label("trap-yes", "yes")
        .label("trap-octal", "0777");
    app.component(c)
}

/// go-yaml v2 (kubectl's reader), built from Debian's `golang-gopkg-yaml.v2-dev` with Debian's
/// `golang-go`, which `.ci/run` installs; `None` where they are missing (a developer machine
/// without them), unless `K8GEN_REQUIRE_GO_YAML=1` (CI) says they must be there.
fn go_yaml() -> Option<std::path::PathBuf> {
    static BIN: std::sync::OnceLock<Option<std::path::PathBuf>> = std::sync::OnceLock::new();
    BIN.get_or_init(|| {
        let required = std::env::var_os("K8GEN_REQUIRE_GO_YAML").is_some_and(|v| v != "0");
        let gopath = std::path::Path::new("/usr/share/gocode");
        let have = gopath.join("src/gopkg.in/yaml.v2").is_dir()
            && std::process::Command::new("go")
                .arg("version")
                .output()
                .is_ok_and(|o| o.status.success());
        if !have {
            assert!(
                !required,
                "K8GEN_REQUIRE_GO_YAML is set but go or go-yaml v2 is missing \
                 (apt-get install golang-go golang-gopkg-yaml.v2-dev)"
            );
            eprintln!("go-yaml v2 not installed: skipping the kubectl-reader read-back");
            return None;
        }
        let bin = root().join("target/goyaml-readback");
        let out = std::process::Command::new("go")
            .args(["build", "-o"])
            .arg(&bin)
            .arg(root().join("tests/goyaml/main.go"))
            .env("GO111MODULE", "off")
            .env("GOPATH", gopath)
            .env("GOCACHE", root().join("target/go-cache"))
            .output()
            .expect("run go build");
        assert!(
            out.status.success(),
            "go build tests/goyaml: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Some(bin)
    })
    .clone()
}

fn go_read_back(paths: &[std::path::PathBuf]) -> Vec<serde_json::Value> {
    let bin = go_yaml().expect("checked by the caller");
    let mut cmd = std::process::Command::new(bin);
    cmd.args(paths);
    crate::python::json_of(cmd, "go-yaml v2 cannot read k8gen's output")
}

/// The trap strings and every golden file read the same in go-yaml v2 as k8gen meant.
#[test]
fn traps_and_golden_files_read_back_in_go_yaml_v2() {
    if go_yaml().is_none() {
        return;
    }
    let objects = k8gen::render_app(&traps_app()).unwrap();
    let tmp = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(tmp.path(), k8gen::emit::stream(&objects)).unwrap();
    let expected = serde_json::Value::Array(objects.iter().map(|o| o.to_json()).collect());
    let got = go_read_back(&[tmp.path().to_path_buf()]).remove(0);
    assert_eq!(expected, got, "go-yaml v2 reads the traps differently");

    let files = golden_files();
    let go = go_read_back(&files);
    let py = read_back_files(&files);
    for ((path, go), [pure, _]) in files.iter().zip(go).zip(py) {
        assert_eq!(
            pure,
            go,
            "{}: go-yaml v2 and PyYAML disagree",
            path.display()
        );
    }
}
