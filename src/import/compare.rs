//! The round-trip law of `import`, written once: two lists of cleaned objects (see `read`)
//! are the same app when every object of the first is in the second (by kind and name) with
//! the same fields and values. Ignored: the labels k8gen owns (`app.kubernetes.io/*`,
//! `k8gen.io/*`) and Helm's chart label, on both sides, and the `checksum/*` pod annotations.
//! What the second list has beyond the first (objects, fields, labels) is reported as an
//! addition, not a difference. The strict law ([`Labels::Strict`], for specs with
//! `extra_labels = false`) ignores no label or annotation and counts every label or
//! annotation the render adds as a difference ([`Change::Extra`]). Used by `import` (to find what needs a patch), by `--verify`
//! and by the tests. Compares values; knows nothing of specs.

use std::fmt;

use serde_json::Value;

/// One way the rendered objects differ from the original ones.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    /// `Kind/name`.
    pub object: String,
    /// JSON pointer into the rendered object (array items as it numbers them).
    pub pointer: String,
    pub change: Change,
}

/// What differs at a place.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// The original has this value; the render has nothing there.
    Missing(Value),
    /// Both have a value, not the same one.
    Changed { original: Value, rendered: Value },
    /// The render has a value the original does not (k8gen's additions).
    Added(Value),
    /// The render has a label or annotation the original does not (a difference under the
    /// strict law only; the lenient one calls it `Added`).
    Extra(Value),
    /// The original object is not rendered at all.
    MissingObject,
    /// The render has an object the original does not.
    AddedObject,
}

impl Difference {
    /// An addition k8gen makes (a field or object), not a loss or change of the original's.
    pub fn is_addition(&self) -> bool {
        matches!(self.change, Change::Added(_) | Change::AddedObject)
    }
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let short = |v: &Value| {
            let s = v.to_string();
            if s.chars().count() > 80 {
                format!("{}...", s.chars().take(77).collect::<String>())
            } else {
                s
            }
        };
        match &self.change {
            Change::Missing(v) => {
                write!(f, "{} {}: missing {}", self.object, self.pointer, short(v))
            }
            Change::Changed { original, rendered } => write!(
                f,
                "{} {}: {} became {}",
                self.object,
                self.pointer,
                short(original),
                short(rendered)
            ),
            Change::Added(v) => write!(f, "{} {}: added {}", self.object, self.pointer, short(v)),
            Change::Extra(v) => write!(
                f,
                "{} {}: label or annotation not in the input: {}",
                self.object,
                self.pointer,
                short(v)
            ),
            Change::MissingObject => write!(f, "{}: not rendered", self.object),
            Change::AddedObject => write!(f, "{}: added by k8gen", self.object),
        }
    }
}

/// `Kind/name` of a cleaned object.
pub fn id(v: &Value) -> String {
    format!(
        "{}/{}",
        v.get("kind").and_then(Value::as_str).unwrap_or_default(),
        v.pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default()
    )
}

/// How labels and annotations are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Labels {
    /// k8gen's own labels, Helm's chart label and `checksum/*` annotations are ignored, and
    /// added labels are additions.
    #[default]
    IgnoreOwn,
    /// Every label and annotation compared; one only the render has is a difference.
    Strict,
}

/// Every difference between `original` and `rendered` objects (both cleaned), labels
/// compared as [`Labels::IgnoreOwn`].
pub fn compare(original: &[Value], rendered: &[Value]) -> Vec<Difference> {
    compare_with(original, rendered, Labels::IgnoreOwn)
}

/// Every difference between `original` and `rendered` objects, labels compared as `labels`
/// says.
pub fn compare_with(original: &[Value], rendered: &[Value], labels: Labels) -> Vec<Difference> {
    let mut original = original.to_vec();
    let mut rendered = rendered.to_vec();
    super::read::resolve_target_ports(&mut original);
    super::read::resolve_target_ports(&mut rendered);
    let (original, rendered) = (&original[..], &rendered[..]);
    let mut out = Vec::new();
    for o in original {
        let object = id(o);
        match rendered.iter().find(|r| id(r) == object) {
            Some(r) => {
                // Labels a selector needs are compared, k8gen's keys or not.
                let keep: Vec<String> = o
                    .pointer("/spec/selector/matchLabels")
                    .and_then(Value::as_object)
                    .map(|m| m.keys().cloned().collect())
                    .unwrap_or_default();
                walk(
                    &Ctx {
                        object: &object,
                        keep: &keep,
                        strict: labels == Labels::Strict,
                    },
                    o,
                    r,
                    "",
                    &mut out,
                )
            }
            None => out.push(Difference {
                object,
                pointer: String::new(),
                change: Change::MissingObject,
            }),
        }
    }
    for r in rendered {
        let object = id(r);
        if !original.iter().any(|o| id(o) == object) {
            out.push(Difference {
                object,
                pointer: String::new(),
                change: Change::AddedObject,
            });
        }
    }
    out
}

/// Escapes one JSON pointer token.
pub fn token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// The object being compared, and the label keys its pods must keep (its selector's).
struct Ctx<'a> {
    object: &'a str,
    keep: &'a [String],
    strict: bool,
}

/// Is `pointer` an object's (or pod template's) labels or annotations, or in them?
fn in_metadata_labels(pointer: &str) -> bool {
    let parent = pointer.rsplit_once('/').map_or("", |(p, _)| p);
    [pointer, parent]
        .iter()
        .any(|p| p.ends_with("/metadata/labels") || p.ends_with("/metadata/annotations"))
}

/// Keys compared as if absent: labels k8gen owns or a tool wrote (unless a selector needs
/// them on the pods), checksum annotations.
fn ignored(cx: &Ctx, pointer: &str, key: &str) -> bool {
    if cx.strict {
        return false;
    }
    if pointer == "/spec/template/metadata/labels" && cx.keep.iter().any(|k| k == key) {
        return false;
    }
    if pointer.ends_with("/labels") {
        return crate::values::is_reserved_label(key) || key == "helm.sh/chart";
    }
    pointer.ends_with("/annotations") && key.starts_with("checksum/")
}

fn walk(cx: &Ctx, want: &Value, got: &Value, ptr: &str, out: &mut Vec<Difference>) {
    let push = |out: &mut Vec<Difference>, pointer: String, change: Change| {
        let change = match change {
            Change::Added(v) if cx.strict && in_metadata_labels(&pointer) => Change::Extra(v),
            other => other,
        };
        out.push(Difference {
            object: cx.object.to_string(),
            pointer,
            change,
        })
    };
    match (want, got) {
        (Value::Object(w), Value::Object(g)) => {
            for (k, wv) in w {
                if ignored(cx, ptr, k) {
                    continue;
                }
                let p = format!("{ptr}/{}", token(k));
                match g.get(k) {
                    Some(gv) => walk(cx, wv, gv, &p, out),
                    None => push(out, p, Change::Missing(wv.clone())),
                }
            }
            for (k, gv) in g {
                if !w.contains_key(k) && !ignored(cx, ptr, k) {
                    push(
                        out,
                        format!("{ptr}/{}", token(k)),
                        Change::Added(gv.clone()),
                    );
                }
            }
        }
        (Value::Array(w), Value::Array(g)) => {
            if let Some(pairs) = by_name(w, g) {
                for (wi, gi) in &pairs {
                    walk(cx, &w[*wi], &g[*gi], &format!("{ptr}/{gi}"), out);
                }
                for (gi, gv) in g.iter().enumerate() {
                    if !pairs.iter().any(|(_, x)| *x == gi) {
                        push(out, format!("{ptr}/{gi}"), Change::Added(gv.clone()));
                    }
                }
            } else if w.len() == g.len()
                && w.iter().chain(g).all(Value::is_object)
                && (w.iter().chain(g).any(|x| x.get("name").is_none())
                    || ptr.ends_with("/containers")
                    || ptr.ends_with("/initContainers"))
            {
                // Unnamed items pair by place; so do containers, whose names may differ (a
                // renamed volume or port would pair with the wrong one: replaced whole).
                for (i, (wv, gv)) in w.iter().zip(g).enumerate() {
                    walk(cx, wv, gv, &format!("{ptr}/{i}"), out);
                }
            } else if w != g {
                push(
                    out,
                    ptr.to_string(),
                    Change::Changed {
                        original: want.clone(),
                        rendered: got.clone(),
                    },
                );
            }
        }
        _ if want == got => {}
        _ => push(
            out,
            ptr.to_string(),
            Change::Changed {
                original: want.clone(),
                rendered: got.clone(),
            },
        ),
    }
}

/// Pairs (original index, rendered index) of list items matched by `name`, when every item
/// of both lists has a distinct name, every original item is rendered, and the shared items
/// come in the same order (env vars may refer to earlier ones).
fn by_name(w: &[Value], g: &[Value]) -> Option<Vec<(usize, usize)>> {
    let name = |v: &Value| v.get("name").and_then(Value::as_str).map(str::to_string);
    let wn: Vec<String> = w.iter().map(name).collect::<Option<_>>()?;
    let gn: Vec<String> = g.iter().map(name).collect::<Option<_>>()?;
    let pairs: Vec<(usize, usize)> = wn
        .iter()
        .enumerate()
        .map(|(i, n)| gn.iter().position(|m| m == n).map(|j| (i, j)))
        .collect::<Option<_>>()?;
    pairs.windows(2).all(|p| p[0].1 < p[1].1).then_some(pairs)
}
