//! Reads k8gen's output back with PyYAML (YAML 1.1, like kubectl) and compares every value
//! with the JSON k8gen serialized: a string such as `on`, `0777` or `2024-01-01` must come back
//! as that string, not a bool, number or date.

use crate::python::run_json;
use crate::support::*;

fn read_back(objects: &[k8gen::Object]) -> serde_json::Value {
    let tmp = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(tmp.path(), k8gen::emit::stream(objects)).unwrap();
    run_json("readback.py", &[tmp.path().as_os_str().to_owned()])
}

fn assert_reads_back(objects: &[k8gen::Object], what: &str) {
    let expected = serde_json::Value::Array(objects.iter().map(|o| o.to_json()).collect());
    let actual = read_back(objects);
    assert_eq!(
        expected, actual,
        "{what}: PyYAML reads different values than k8gen wrote"
    );
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
    "a very long value with many words that goes past eighty characters so a writer may fold it over lines",
    "averylongvaluewithoutanyspacesatallthatgoespasteightycharacterssoawritercannotfolditanywhereatall",
];

#[test]
fn yaml_1_1_traps_read_back_as_the_same_strings() {
    let mut app = k8gen::model::App::new("traps");
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
    app = app.component(c);
    let objects = k8gen::render_app(&app).unwrap();
    assert_reads_back(&objects, "traps");
}
