//! Stage 6, emit: objects → YAML text, as one stream or as a tree of files. No I/O here: the
//! CLI writes what this returns.
//!
//! Output is byte-identical for identical input. Each document starts with `apiVersion`,
//! `kind`, `metadata` (then `name`, `namespace`, `labels`, `annotations` inside it), and in
//! every list of maps an item's `name` comes first, as people read manifests; every other key
//! keeps k8s-openapi's (alphabetical) order. Strings are written by serde-saphyr, which quotes
//! anything a YAML 1.1 reader would take for a bool, number, null or date.

pub mod versions;

use std::collections::BTreeMap;

use serde_json::Value;

use crate::kube::{Level, Object};

/// One object as a YAML document (no `---` line).
pub fn document(object: &Object) -> String {
    value_document(object.to_json())
}

/// Any object's JSON value as a YAML document, in the key order of [`document`]: what
/// `k8gen diff` prints for objects read back from a tree.
pub fn value_document(value: Value) -> String {
    serde_saphyr::to_string_with_options(&Styled(&value, Level::Top), options())
        .expect("JSON values serialize to YAML")
}

/// A JSON value as serde-saphyr should write it: like `Value` itself, except that
/// - map keys come in the order people read manifests (see [`Level`]), written as they are
///   visited (no reordered copy of the object is made: emitting is most of a render's time);
/// - a multi-line string it would put in a `|` block that libyaml and go-yaml v2 (kubectl)
///   reject is written double-quoted instead (see [`block_breaks_libyaml`]).
struct Styled<'a>(&'a Value, Level);

impl serde::Serialize for Styled<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        let level = self.1;
        match self.0 {
            Value::String(v) if block_breaks_libyaml(v) => {
                serde_saphyr::DoubleQuoted(v.as_str()).serialize(s)
            }
            Value::Array(items) => {
                let child = level.item();
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&Styled(item, child))?;
                }
                seq.end()
            }
            Value::Object(map) => {
                let first = level.first();
                let child = |k: &str| level.child(k);
                let mut m = s.serialize_map(Some(map.len()))?;
                for k in first {
                    if let Some(v) = map.get(*k) {
                        m.serialize_entry(k, &Styled(v, child(k)))?;
                    }
                }
                for (k, v) in map {
                    if !first.contains(&k.as_str()) {
                        m.serialize_entry(k, &Styled(v, child(k)))?;
                    }
                }
                m.end()
            }
            other => other.serialize(s),
        }
    }
}

/// Whether `v` would be written as a `|` block whose indentation libyaml (and go-yaml v2, its
/// port, which kubectl uses) cannot read: serde-saphyr 2.1.1 adds an indentation indicator
/// (`|2`) when the first line with content starts with spaces, but not when it starts with a
/// tab, and libyaml then fails with "found a tab character where an indentation space is
/// expected" (pure-Python PyYAML accepts it). Such strings are double-quoted, with `\t` escapes.
fn block_breaks_libyaml(v: &str) -> bool {
    v.contains('\n')
        && v.split('\n')
            .map(|line| line.trim_start_matches(' '))
            .find(|rest| !rest.is_empty())
            .is_some_and(|rest| rest.starts_with('\t'))
}

/// Multi-line strings (config files) are literal blocks (`|`); a long single-line string stays
/// on one line rather than being folded at spaces, which would read as a changed value in a diff.
fn options() -> serde_saphyr::SerializerOptions {
    let mut options = serde_saphyr::SerializerOptions::default();
    options.folded_wrap_chars = usize::MAX;
    options
}

/// All objects as one multi-document stream, `---` between documents.
pub fn stream(objects: &[Object]) -> String {
    objects
        .iter()
        .map(document)
        .collect::<Vec<_>>()
        .join("---\n")
}

/// Subfolder of an app folder holding the objects applied before the others
/// ([`Object::is_pre_deploy`]: migration Jobs), with a `kustomization.yaml` of its own that the
/// app folder's does not list: a Flux Kustomization of its own (`wait`, `force`) that the
/// app's `dependsOn` runs them first.
pub const PRE_DEPLOY_FOLDER: &str = "pre-deploy";

/// The file name of `object` in an output folder: `kind-name.yaml`, e.g.
/// `deployment-task-tracker.yaml`; `pre-deploy/kind-name.yaml` for a pre-deploy object.
pub fn file_name(object: &Object) -> String {
    in_folder_of(
        object,
        format!(
            "{}-{}.yaml",
            object.kind().to_ascii_lowercase(),
            file_part(object)
        ),
    )
}

/// `name` in the folder `object` goes to: `pre-deploy/` for a pre-deploy object.
fn in_folder_of(object: &Object, name: String) -> String {
    if object.is_pre_deploy() {
        format!("{PRE_DEPLOY_FOLDER}/{name}")
    } else {
        name
    }
}

/// Start of the first line of every file k8gen writes into a folder:
/// `# Generated by k8gen from SOURCE; edit the spec, not this file`.
pub const HEADER_PREFIX: &str = "# Generated by k8gen from ";

/// End of that first line.
pub const HEADER_SUFFIX: &str = "; edit the spec, not this file";

/// The header line (with its `\n`) of files rendered from `source`. Control characters in
/// `source` are escaped (`\n`, `\r`, `\u{1b}`), so a file name can never end the comment line
/// and start YAML of its own (the CLI refuses such names before this).
pub fn header(source: &str) -> String {
    let source: String = source
        .chars()
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect();
    format!("{HEADER_PREFIX}{source}{HEADER_SUFFIX}\n")
}

/// Whether `first_line` (without its `\n`) is a header [`header`] writes: the CLI only ever
/// replaces or removes files whose first line is one.
pub fn is_header(first_line: &str) -> bool {
    first_line
        .strip_prefix(HEADER_PREFIX)
        .and_then(|rest| rest.strip_suffix(HEADER_SUFFIX))
        .is_some_and(|source| !source.is_empty() && !source.chars().any(char::is_control))
}

/// The files of an output folder: file name → content, each starting with a header that names
/// the spec file (`source`, a file name without folders so output does not depend on where
/// k8gen ran).
///
/// Two objects whose file names would be the same (two kinds with one lowercase name — a
/// `Certificate` of cert-manager and one of another group —, or one passthrough object in two
/// namespaces) are told apart: each passthrough object among them is
/// `kind.group-name.yaml` (`certificate.cert-manager.io-web.yaml`; the core group is `core`),
/// then `kind.group-namespace-name.yaml`; k8gen's own objects keep their names.
pub fn files(objects: &[Object], source: &str) -> BTreeMap<String, String> {
    let header = header(source);
    let names = file_names(objects);
    objects
        .iter()
        .zip(names)
        .map(|(o, name)| (name, header.clone() + &document(o)))
        .collect()
}

/// The file name of each of `objects` in one folder, told apart as [`files`] says; a
/// passthrough object's name keeps only `A-Za-z0-9._-` (an RBAC name's `:` becomes `_`), and
/// names still the same after that get `-2`, `-3`, ... in apply order.
pub fn file_names(objects: &[Object]) -> Vec<String> {
    let mut names: Vec<String> = objects.iter().map(file_name).collect();
    for qualify in [
        qualified_by_group as fn(&Object) -> String,
        qualified_by_namespace,
    ] {
        let mut count: BTreeMap<&str, usize> = BTreeMap::new();
        for n in &names {
            *count.entry(n.as_str()).or_default() += 1;
        }
        let clashing: Vec<bool> = names.iter().map(|n| count[n.as_str()] > 1).collect();
        for ((name, o), clash) in names.iter_mut().zip(objects).zip(clashing) {
            if clash && matches!(o, Object::Passthrough(_)) {
                *name = qualify(o);
            }
        }
    }
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for name in &mut names {
        let n = seen.entry(name.clone()).or_default();
        *n += 1;
        if *n > 1 {
            let stem = name.strip_suffix(".yaml").unwrap_or(name);
            *name = format!("{stem}-{n}.yaml");
        }
    }
    names
}

/// A passthrough object's name as part of a file name: `A-Za-z0-9._-` kept, `_` for the rest.
fn file_part(object: &Object) -> String {
    let name = object.name();
    match object {
        Object::Passthrough(_) => name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                    c
                } else {
                    '_'
                }
            })
            .collect(),
        _ => name.to_string(),
    }
}

fn qualified(object: &Object, middle: &str) -> String {
    let group = match crate::values::api_group(object.api_version()) {
        "" => "core",
        g => g,
    };
    in_folder_of(
        object,
        format!(
            "{}.{group}-{middle}{}.yaml",
            object.kind().to_ascii_lowercase(),
            file_part(object)
        ),
    )
}

fn qualified_by_group(object: &Object) -> String {
    qualified(object, "")
}

fn qualified_by_namespace(object: &Object) -> String {
    let ns = object.metadata().namespace.clone().unwrap_or_default();
    qualified(object, &format!("{ns}-"))
}
