//! `k8gen check`: lint rules, allow lists, formats and exit codes. Golden stderr lives next to
//! each `tests/lints/NAME.toml` as `NAME.stderr`.

use crate::support::*;

fn golden(name: &str, actual: &str) {
    let path = root().join(format!("tests/lints/{name}.stderr"));
    if update_expect() {
        std::fs::write(&path, actual).unwrap();
    } else {
        let expected = std::fs::read_to_string(&path).unwrap_or_default();
        assert_same(&format!("tests/lints/{name}.stderr"), &expected, actual);
    }
}

#[test]
fn every_rule_fires_on_its_fixture_and_the_output_is_golden() {
    let out = k8gen(&["check", "tests/lints/every-rule.toml"]);
    assert_eq!(out.status.code(), Some(0), "warnings alone do not fail");
    let stderr = String::from_utf8(out.stderr).unwrap();
    // `missing-required-labels` needs a platform's policy: tests/it/platform.rs;
    // `sealed-certificate-expiring` a certificate near its date: tests/it/sealed_tree.rs.
    for rule in k8gen::LINT_RULES
        .iter()
        .filter(|r| r.name != "missing-required-labels" && r.name != "sealed-certificate-expiring")
    {
        assert!(
            stderr.contains(&format!("warning[{}]", rule.code)),
            "rule {} ({}) did not fire",
            rule.code,
            rule.name
        );
    }
    golden("every-rule", &stderr);
    let denied = k8gen(&["check", "tests/lints/every-rule.toml", "--deny", "warnings"]);
    assert_eq!(denied.status.code(), Some(1));
}

#[test]
fn json_format_lists_every_finding_with_position_and_rule() {
    let out = k8gen(&["check", "tests/lints/every-rule.toml", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let findings: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(findings.len(), 17);
    let first = &findings[0];
    assert_eq!(first["file"], "tests/lints/every-rule.toml");
    assert_eq!(first["line"], 2);
    assert_eq!(first["column"], 8);
    assert_eq!(first["severity"], "warning");
    assert_eq!(first["code"], "K0201");
    assert_eq!(first["rule"], "missing-readiness-probe");
    assert!(first["help"].as_str().unwrap().contains("probes.readiness"));
}

#[test]
fn allow_lists_silence_rules_per_component_and_per_app() {
    let out = k8gen(&["check", "tests/lints/allowed.toml", "--deny", "warnings"]);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("0 warnings"), "{stderr}");
}

#[test]
fn an_unknown_rule_in_allow_is_an_error_with_a_suggestion() {
    let out = k8gen(&["check", "tests/lints/unknown-rule.toml"]);
    assert_eq!(out.status.code(), Some(1));
    golden("unknown-rule", &String::from_utf8(out.stderr).unwrap());
}

#[test]
fn the_example_specs_are_lint_clean() {
    let out = k8gen(&["check", "specs/", "--deny", "warnings"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn check_reports_spec_errors_like_render_and_writes_nothing() {
    let out = k8gen(&["check", "tests/errors/unknown-keys.toml"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    let expected =
        std::fs::read_to_string(root().join("tests/errors/unknown-keys.stderr")).unwrap();
    // Same diagnostics as render; only the summary line differs.
    let body = |s: &str| {
        s.lines()
            .filter(|l| !l.starts_with("k8gen:"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(body(&stderr), body(&expected));
}

#[test]
fn the_catalogue_documents_every_code() {
    let doc = std::fs::read_to_string(root().join("docs/errors.md")).unwrap();
    // Every code of the registry, errors and lints alike.
    let codes: Vec<String> = k8gen::codes::ALL.iter().map(|c| c.to_string()).collect();
    for rule in k8gen::LINT_RULES {
        assert!(
            codes.contains(&rule.code.to_string()),
            "{} is not in the registry",
            rule.code
        );
    }
    assert!(codes.len() > 35, "{codes:?}");
    for code in codes {
        assert!(
            doc.contains(&format!("### {code} ")),
            "docs/errors.md has no entry for {code}"
        );
    }
    for rule in k8gen::LINT_RULES {
        assert!(
            doc.contains(&format!("### {} {}", rule.code, rule.name)),
            "docs/errors.md: {} is not named {}",
            rule.code,
            rule.name
        );
    }
}

#[test]
fn lints_judge_the_patched_objects() {
    let out = k8gen(&["check", "tests/lints/patched.toml"]);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    for absent in ["K0201", "K0202", "K0203"] {
        assert!(!stderr.contains(absent), "{absent} fired: {stderr}");
    }
    assert!(stderr.contains("warning[K0204]"), "{stderr}");
    assert!(stderr.contains("warning[K0207]"), "{stderr}");
    golden("patched", &stderr);
}

#[test]
fn json_errors_name_the_field_path_the_engine_judged() {
    let out = k8gen(&["check", "tests/errors/main-port.toml", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let findings: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let paths: Vec<&str> = findings.iter().filter_map(|f| f["path"].as_str()).collect();
    assert_eq!(
        paths,
        [
            "components.queue.probes.liveness",
            "components.queue.metrics",
            "components.queue.service.target_port"
        ],
        "{findings:#?}"
    );
}
