//! `k8gen import`: a third front end. It reads existing manifests (plain YAML, `helm
//! template` or `kubectl kustomize` output, `kubectl get -o yaml`) and writes a spec TEXT that
//! renders back to the same objects: the keys k8gen's defaults do not already produce
//! (`spec.rs`), then, for what no key says, `[[patches]]` found by rendering that spec through
//! the whole pipeline and comparing with the input (`compare.rs`, the round-trip law). Secret
//! values are returned beside the spec (for `--secrets-dir`), never written into it or into
//! a patch. Every document gets a line in the report: imported, patched or skipped.
//!
//! It does no I/O (the caller passes file names and texts and writes the results) and it
//! never drops a field silently: what it cannot express is a patch or a reported difference.

mod compare;
mod passthrough;
mod read;
mod spec;

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde_json::Value;

pub use compare::{Change, Difference, Labels, compare, compare_with};
pub use spec::{DEFAULT_STORE, is_placeholder};

/// How to import (the CLI's switches).
#[derive(Debug, Clone)]
pub struct Options {
    /// The app's name (default: see [`import`]).
    pub name: Option<String>,
    /// The app's name when the input says none.
    pub fallback: String,
    /// `false` (`--no-extra-labels`): the spec says `extra_labels = false`, keeps every label
    /// and annotation of the input, and the law compares them strictly ([`Labels::Strict`]).
    pub extra_labels: bool,
    /// `--external-secrets`: the store that Secrets holding only placeholders
    /// ([`is_placeholder`]) are read from, as `{ external = "NS/NAME/KEY" }` references.
    pub external_store: Option<String>,
    /// `--keep-unknown`: every object no spec key takes is written into the spec as a
    /// passthrough object (`[[objects]]`) instead of being skipped (never a Secret holding
    /// values, nor an object k8gen renders itself).
    pub keep_unknown: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            name: None,
            fallback: "app".to_string(),
            extra_labels: true,
            external_store: None,
            keep_unknown: false,
        }
    }
}

/// One input: a file name (as reports show it) and its text.
#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    pub text: String,
}

/// The result of an import.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The spec, patches included.
    pub spec: String,
    /// `(env var, value)` of every secret value the spec refers to with `{ env = ... }`.
    pub secrets: Vec<(String, String)>,
    /// One line per document.
    pub report: Vec<Report>,
    /// Fields the API server fills in or defaults, removed from the input.
    pub dropped: usize,
    /// The objects read, cleaned (what the round trip compares against).
    pub original: Vec<Value>,
    /// Where the spec's render still differs from the input (additions included).
    pub differences: Vec<Difference>,
    /// Diagnostics when the spec did not render (a bug of import; reported, not hidden).
    pub errors: Vec<String>,
    /// How the law compared labels (strict with `--no-extra-labels`).
    pub labels: Labels,
}

impl Imported {
    /// Did anything become part of the spec?
    pub fn imported_any(&self) -> bool {
        self.report
            .iter()
            .any(|r| matches!(r.outcome, Outcome::Imported { .. } | Outcome::Kept))
    }
}

/// What became of one document.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub file: String,
    pub index: usize,
    /// The item number in a `kind: List` document.
    pub item: Option<usize>,
    /// `Kind/name`, or empty for a document that is no object.
    pub object: String,
    pub outcome: Outcome,
}

/// Imported (into which part of the spec, and how many patched fields), kept as a
/// passthrough object (`--keep-unknown`), or skipped (why).
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Imported { into: String, patched: usize },
    Kept,
    Skipped(String),
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} #{}", self.file, self.index)?;
        if let Some(item) = self.item {
            write!(f, " item {item}")?;
        }
        write!(f, ": ")?;
        match &self.outcome {
            Outcome::Imported { into, patched: 0 } => {
                write!(f, "imported {} into {into}", self.object)
            }
            Outcome::Imported { into, patched } => write!(
                f,
                "imported {} into {into}, {patched} field(s) by patch",
                self.object
            ),
            Outcome::Kept => write!(f, "kept {} as passthrough ([[objects]])", self.object),
            Outcome::Skipped(why) if self.object.is_empty() => write!(f, "skipped: {why}"),
            Outcome::Skipped(why) => write!(f, "skipped {}: {why}", self.object),
        }
    }
}

/// Serves the imported secret values to the render of the spec.
struct SecretHost<'a>(&'a [(String, String)]);

impl crate::Host for SecretHost<'_> {
    fn read_file(&self, _: &Path) -> std::io::Result<Vec<u8>> {
        Err(std::io::ErrorKind::NotFound.into())
    }
    fn env_var(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    }
}

/// Renders `spec` (its `{ env = ... }` secrets served from `secrets`) and returns the objects
/// cleaned as the input is, or the diagnostics.
pub fn render(spec: &str, secrets: &[(String, String)]) -> Result<Vec<Value>, Vec<String>> {
    let objects =
        crate::render_source(spec, Path::new("."), &SecretHost(secrets)).map_err(|ds| {
            ds.iter()
                .map(|d| format!("{} {}", d.code, d.message))
                .collect::<Vec<_>>()
        })?;
    Ok(objects
        .iter()
        .map(|o| {
            let mut v = o.to_json();
            read::clean(&mut v);
            v
        })
        .collect())
}

/// The round-trip law: the differences between `original` (cleaned input) and what `spec`
/// renders. Additions (`Difference::is_addition`) are what k8gen adds.
pub fn verify(
    original: &[Value],
    spec: &str,
    secrets: &[(String, String)],
) -> Result<Vec<Difference>, Vec<String>> {
    verify_with(original, spec, secrets, Labels::IgnoreOwn)
}

/// [`verify`] with labels compared as `labels` says.
pub fn verify_with(
    original: &[Value],
    spec: &str,
    secrets: &[(String, String)],
    labels: Labels,
) -> Result<Vec<Difference>, Vec<String>> {
    Ok(compare_with(original, &render(spec, secrets)?, labels))
}

/// Reads the objects of `sources` (cleaned), with a report line for each unreadable document.
fn read_all(sources: &[Source]) -> (Vec<read::Doc>, Vec<Report>, usize) {
    let mut docs = Vec::new();
    let mut report = Vec::new();
    let mut dropped = 0;
    for s in sources {
        let (d, bad) = read::documents(&s.name, &s.text, &mut dropped);
        docs.extend(d);
        report.extend(bad.into_iter().map(|b| Report {
            file: b.file,
            index: b.index,
            item: None,
            object: String::new(),
            outcome: Outcome::Skipped(b.message),
        }));
    }
    (docs, report, dropped)
}

/// Imports `sources` as app `name` (default: the only workload's name, the shared `part-of`
/// label, else `fallback`).
pub fn import(sources: &[Source], name: Option<&str>, fallback: &str) -> Imported {
    import_with(
        sources,
        &Options {
            name: name.map(str::to_string),
            fallback: fallback.to_string(),
            ..Options::default()
        },
    )
}

/// [`import`] as `options` say.
pub fn import_with(sources: &[Source], options: &Options) -> Imported {
    let (mut docs, mut report, dropped) = read_all(sources);
    // One object per kind, namespace and name: applying the input leaves the last one.
    let key = |d: &read::Doc| {
        let v = &d.value;
        (compare::id(v), v.pointer("/metadata/namespace").cloned())
    };
    let mut kept: Vec<read::Doc> = Vec::new();
    for d in docs.into_iter().rev() {
        if kept.iter().any(|k| key(k) == key(&d)) {
            report.push(Report {
                file: d.file.clone(),
                index: d.index,
                item: d.item,
                object: compare::id(&d.value),
                outcome: Outcome::Skipped(
                    "a later document has the same kind, namespace and name (applying the input leaves that one)"
                        .to_string(),
                ),
            });
        } else {
            kept.push(d);
        }
    }
    kept.reverse();
    docs = kept;
    let app = options
        .name
        .clone()
        .unwrap_or_else(|| spec::app_name(&docs, &options.fallback));
    let built = spec::build(&app, &docs, options);
    let labels = if options.extra_labels {
        Labels::IgnoreOwn
    } else {
        Labels::Strict
    };
    let verify = |original: &[Value], spec: &str, secrets: &[(String, String)]| {
        verify_with(original, spec, secrets, labels)
    };
    // `--keep-unknown`: what no key takes is kept as written, unless it cannot be (a Secret
    // holding values) or k8gen renders an object of that identity itself.
    let mut kept: BTreeMap<usize, ()> = BTreeMap::new();
    let mut not_kept: BTreeMap<usize, String> = BTreeMap::new();
    // The namespace the app's own objects render into.
    let mut app_namespace: Option<String> = None;
    if options.keep_unknown {
        let rendered: Vec<(String, Option<Value>)> = render(&built.spec, &built.secrets)
            .unwrap_or_default()
            .iter()
            .map(|v| (compare::id(v), v.pointer("/metadata/namespace").cloned()))
            .collect();
        app_namespace = rendered
            .iter()
            .find_map(|(_, ns)| ns.as_ref().and_then(Value::as_str).map(str::to_string));
        for (i, d) in docs.iter().enumerate() {
            if built.used.contains_key(&i) {
                continue;
            }
            if let Some(why) = passthrough::not_keepable(&d.value) {
                not_kept.insert(i, why.to_string());
            } else if rendered.contains(&key(d)) {
                not_kept.insert(
                    i,
                    "k8gen renders an object of this kind and name itself: not kept".to_string(),
                );
            } else {
                kept.insert(i, ());
            }
        }
    }
    // A Secret made external is the ExternalSecret's now: not compared.
    let original: Vec<Value> = docs
        .iter()
        .enumerate()
        .filter(|(i, _)| {
            (built.used.contains_key(i) && !built.external.contains(i)) || kept.contains_key(i)
        })
        .map(|(_, d)| d.value.clone())
        .collect();
    let mut spec_text = built.spec.clone();
    let mut kept_values: Vec<Value> = kept.keys().map(|&i| docs[i].value.clone()).collect();
    // An object in the app's namespace is written without one when the render gives it the
    // app's anyway: it then follows the app into each environment's namespace.
    if let Some(ns) = &app_namespace {
        let all = kept_values.clone();
        for v in &mut kept_values {
            if v.pointer("/metadata/namespace").and_then(Value::as_str) != Some(ns) {
                continue;
            }
            let mut without = v.clone();
            if let Some(meta) = without.get_mut("metadata").and_then(Value::as_object_mut) {
                meta.remove("namespace");
            }
            let given = crate::model::defaults::passthrough_namespace(&without, Some(ns), &all);
            if given.as_deref() == Some(ns.as_str()) {
                *v = without;
            }
        }
    }
    spec_text.push_str(&passthrough::objects_text(&kept_values));
    let mut errors = Vec::new();
    let mut patched: BTreeMap<String, usize> = BTreeMap::new();
    let first = if original.is_empty() {
        Ok(Vec::new())
    } else {
        verify(&original, &spec_text, &built.secrets)
    };
    match first {
        Ok(diffs) => {
            let patches = patches(&diffs);
            for (object, sets) in &patches {
                patched.insert(object.clone(), sets.len());
            }
            spec_text.push_str(&patch_text(&patches));
        }
        Err(e) => errors = e,
    }
    let second = if original.is_empty() {
        Ok(Vec::new())
    } else {
        verify(&original, &spec_text, &built.secrets)
    };
    let differences = match second {
        Ok(d) => d,
        Err(e) => {
            errors.extend(e);
            Vec::new()
        }
    };
    for (i, d) in docs.iter().enumerate() {
        let object = compare::id(&d.value);
        let outcome = match built.used.get(&i) {
            Some(into) if built.external.contains(&i) => Outcome::Imported {
                into: format!("{into} as external secret references (an ExternalSecret makes it)"),
                patched: 0,
            },
            Some(into) => Outcome::Imported {
                into: into.clone(),
                patched: patched.get(&object).copied().unwrap_or(0),
            },
            None if kept.contains_key(&i) => Outcome::Kept,
            None => Outcome::Skipped(match not_kept.get(&i) {
                Some(why) => why.clone(),
                None => skip_reason(&d.value),
            }),
        };
        report.push(Report {
            file: d.file.clone(),
            index: d.index,
            item: d.item,
            object,
            outcome,
        });
    }
    report.sort_by(|a, b| (&a.file, a.index, a.item).cmp(&(&b.file, b.index, b.item)));
    Imported {
        // A text file ends with a newline (no "\ No newline at end of file" in reviews).
        spec: if spec_text.ends_with('\n') || spec_text.is_empty() {
            spec_text
        } else {
            spec_text + "\n"
        },
        secrets: built.secrets,
        report,
        dropped,
        original,
        differences,
        errors,
        labels,
    }
}

/// Why no part of the spec took `object`.
fn skip_reason(object: &Value) -> String {
    let kind = object
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match kind {
        "Deployment" | "StatefulSet" => "no container image: a fragment, not a workload".to_string(),
        "Service" => {
            "it selects no imported workload's pods (k8gen makes the Service of a component)"
                .to_string()
        }
        "ConfigMap" | "Secret" => {
            "no imported workload reads it (or another one is its component's)".to_string()
        }
        "HorizontalPodAutoscaler" | "PodDisruptionBudget" => {
            "it targets no imported workload".to_string()
        }
        "Ingress" => {
            "k8gen imports one Ingress (named like the app, else the only one) whose backends are imported Services"
                .to_string()
        }
        "Namespace" => "not the app's namespace".to_string(),
        "NetworkPolicy" => {
            "keep it beside the spec: an imported spec renders no NetworkPolicy (`network = false`), so traffic stays as the input's policies allow"
                .to_string()
        }
        _ => format!(
            "k8gen does not import {kind} objects; keep this one beside the spec, or pass --keep-unknown to keep it as [[objects]]"
        ),
    }
}

/// The `set` entries that make the render equal the input, per `Kind/name`: each missing or
/// changed value at its pointer. Never a Secret's data (values stay out of the spec).
fn patches(diffs: &[Difference]) -> BTreeMap<String, Vec<(String, Value)>> {
    let mut out: BTreeMap<String, Vec<(String, Value)>> = BTreeMap::new();
    for d in diffs {
        let value = match &d.change {
            Change::Missing(v) => v,
            Change::Changed { original, .. } => original,
            _ => continue,
        };
        if d.object.starts_with("Secret/")
            && (d.pointer.starts_with("/data") || d.pointer.starts_with("/stringData"))
        {
            continue;
        }
        if d.pointer.is_empty() || d.pointer.starts_with("/metadata/name") {
            continue;
        }
        out.entry(d.object.clone())
            .or_default()
            .push((d.pointer.clone(), value.clone()));
    }
    out
}

fn patch_text(patches: &BTreeMap<String, Vec<(String, Value)>>) -> String {
    let mut out = String::new();
    for (object, sets) in patches {
        out.push_str(&format!(
            "\n[[patches]]\ntarget = {}\n",
            spec::string(object)
        ));
        for (pointer, value) in sets {
            out.push_str(&format!(
                "set.{} = {}\n",
                spec::string(pointer),
                spec::toml_value(value)
            ));
        }
    }
    out
}
