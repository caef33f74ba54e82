//! The invariants of ARCHITECTURE.md, checked as absences in the source: each is a thing that
//! must not appear outside the one place allowed to hold it. The scan reads `src/` line by
//! line, skips comments, and stops at a file's `#[cfg(test)]` module.

use std::path::{Path, PathBuf};

use crate::support::root;

/// Every `.rs` file under `src/`, with its non-comment lines before any `#[cfg(test)]`.
fn sources() -> Vec<(String, Vec<(usize, String)>)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "rs") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(&root().join("src"), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(root())
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let text = std::fs::read_to_string(&p).unwrap();
            let lines = text
                .lines()
                .enumerate()
                .take_while(|(_, l)| l.trim() != "#[cfg(test)]")
                .filter(|(_, l)| !l.trim_start().starts_with("//"))
                .map(|(i, l)| (i + 1, l.to_string()))
                .collect();
            (rel, lines)
        })
        .collect()
}

/// Lines of files outside `allowed` (path prefixes) that contain any of `needles`.
fn offenders(needles: &[&str], scope: &str, allowed: &[&str]) -> Vec<String> {
    sources()
        .into_iter()
        .filter(|(f, _)| f.starts_with(scope) && !allowed.iter().any(|a| f.starts_with(a)))
        .flat_map(|(f, lines)| {
            lines
                .into_iter()
                .filter(|(_, l)| needles.iter().any(|n| l.contains(n)))
                .map(move |(i, l)| format!("{f}:{i}: {}", l.trim()))
        })
        .collect()
}

#[track_caller]
fn none(what: &str, found: Vec<String>) {
    assert!(found.is_empty(), "{what}:\n{}", found.join("\n"));
}

#[test]
fn no_error_code_literal_outside_the_codes_registry() {
    let found: Vec<String> = sources()
        .into_iter()
        .filter(|(f, _)| f != "src/codes.rs")
        .flat_map(|(f, lines)| {
            lines
                .into_iter()
                .filter(|(_, l)| {
                    l.match_indices("\"K0").any(|(i, _)| {
                        let code = &l[i + 1..];
                        code.len() > 5 && code[1..5].bytes().all(|b| b.is_ascii_digit())
                    })
                })
                .map(move |(i, l)| format!("{f}:{i}: {}", l.trim()))
        })
        .collect();
    none("error code literals outside src/codes.rs", found);
}

#[test]
fn each_stage_uses_only_the_stages_before_it() {
    let later_than = |stage: &str, forbidden: &[&str]| {
        let needles: Vec<String> = forbidden.iter().map(|m| format!("crate::{m}")).collect();
        let needles: Vec<&str> = needles.iter().map(String::as_str).collect();
        none(
            &format!("{stage} uses a later stage"),
            offenders(&needles, &format!("src/{stage}"), &[]),
        );
    };
    // syntax → lower → model (defaults, rules) → kube → passes → emit; lint beside; import
    // (a front end over the whole pipeline) after all of them, used by none.
    later_than(
        "values.rs",
        &[
            "syntax", "lower", "model", "kube", "passes", "emit", "lint", "import",
        ],
    );
    later_than(
        "syntax",
        &["lower", "model", "kube", "passes", "emit", "lint", "import"],
    );
    later_than("lower", &["kube", "passes", "emit", "lint", "import"]);
    later_than(
        "model",
        &[
            "syntax", "lower", "kube", "passes", "emit", "lint", "import",
        ],
    );
    later_than(
        "kube",
        &["syntax", "lower", "passes", "emit", "lint", "import"],
    );
    later_than("passes", &["syntax", "lower", "emit", "lint", "import"]);
    later_than("emit", &["syntax", "lower", "passes", "lint", "import"]);
    later_than("lint", &["import"]);
    // The encrypted formats are leaves: JSON values in, JSON values out; `passes::seal`
    // decides what is encrypted.
    later_than(
        "encrypt",
        &[
            "syntax", "lower", "model", "kube", "passes", "emit", "lint", "import", "diff",
        ],
    );
    // No OS randomness and no age keys in the library: the CLI's `Crypto` brings them.
    none(
        "OS randomness or age outside the CLI",
        offenders(
            &[
                "getrandom",
                "age::x25519",
                "age::encrypt",
                "age::decrypt",
                " age::",
                "rand::",
                "OsRng",
            ],
            "src/",
            &["src/cli"],
        ),
    );
    // import reads the model's defaults and names and renders through the public API; it
    // never reaches into the parser or lowering (the spec it writes is read like any other).
    later_than("import", &["syntax", "lower"]);
    // `diff` compares plain JSON values; it prints them through `emit` and reads sizes with
    // the engine's quantity rule, nothing that builds objects.
    later_than(
        "diff",
        &["syntax", "lower", "kube", "passes", "lint", "import"],
    );
    // Only the TOML front end knows TOML.
    none(
        "TOML outside the syntax and lowering stages",
        offenders(
            &["toml::", "toml_edit"],
            "src/",
            &["src/syntax", "src/lower", "src/cli"],
        ),
    );
}

#[test]
fn only_the_cli_does_io() {
    none(
        "I/O, processes, the environment, clocks or printing outside src/cli",
        offenders(
            &[
                "std::fs",
                "std::process",
                "std::env::",
                "println!",
                "eprintln!",
                "print!(",
                "SystemTime",
                "Instant::",
                "std::io::stdin",
                "std::io::stdout",
            ],
            "src/",
            &["src/cli", "src/main.rs"],
        ),
    );
}

#[test]
fn one_module_owns_label_keys_and_one_owns_object_names() {
    none(
        "label keys outside src/kube/labels.rs",
        offenders(
            &["\"app.kubernetes.io/", "\"k8gen.io/"],
            "src/",
            &["src/kube/labels.rs", "src/values.rs"],
        ),
    );
    none(
        "object name suffixes outside src/model/names.rs",
        offenders(
            &[
                "-config\"",
                "-secrets\"",
                "-headless\"",
                "-tls\"",
                "-preview\"",
            ],
            "src/",
            &["src/model/names.rs"],
        ),
    );
}

#[test]
fn output_is_built_from_ordered_collections_only() {
    none(
        "hash maps (iteration order varies) where objects or YAML are made",
        offenders(
            &["HashMap", "HashSet"],
            "src/",
            &[
                "src/cli",
                "src/lower/provenance.rs",
                "src/diag.rs",
                "src/syntax",
                "src/lint",
                "src/model/rules",
            ],
        ),
    );
}

#[test]
fn every_module_says_what_it_is_for() {
    let missing: Vec<String> = sources()
        .into_iter()
        .map(|(f, _)| f)
        .filter(|f| {
            let text = std::fs::read_to_string(root().join(f)).unwrap();
            !text.starts_with("//!")
        })
        .collect();
    none("modules without a `//!` doc", missing);
}
