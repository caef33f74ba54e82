//! `k8gen diff`'s engine: compares an old set of objects (a committed tree, or the render of
//! an older revision) with a new one, object by object, and classifies each change the way the
//! cluster will see it:
//!
//! - **breaking**: a change the API server rejects in place (an immutable field), so applying
//!   fails until the object is deleted and recreated ([`classify`]'s rules per kind);
//! - **destructive**: an object prune would delete that holds data (PersistentVolumeClaim,
//!   StatefulSet, Namespace) or a Secret other objects read;
//! - **rollout**: which workloads restart and why (an image, a `checksum/*` annotation k8gen
//!   writes for the config and secrets the pods read, any other pod template change).
//!
//! It works on plain JSON values (any object, not only k8gen's kinds), so it reads trees edited
//! by hand as well as fresh renders. Pure: no I/O, no colour, no exit codes — the CLI
//! (`src/cli/diff.rs`) reads the trees, prints and decides. It uses only `emit` (to print both
//! sides in the same key order) and the engine's quantity reader, never the stages that build
//! objects.

mod classify;

use serde::Serialize;
use serde_json::Value;

/// What happened to one object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Added,
    Removed,
    Changed,
}

/// One finding about a change: the field it is about (a dotted path, list items by name:
/// `spec.template.spec.containers[api].image`) and what it means.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reason {
    pub path: String,
    pub message: String,
}

/// One object that differs between the old and the new set.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    pub api_version: String,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    pub change: Status,
    /// Rejected in place: applying fails until the object is recreated.
    pub breaking: Vec<Reason>,
    /// Data (or a Secret something reads) that prune would delete.
    pub destructive: Vec<Reason>,
    /// Why this workload's pods restart.
    pub rollout: Vec<Reason>,
    /// Unified diff of the two YAML documents (`---`/`+++` headers, 3 lines of context).
    pub diff: String,
}

impl Change {
    /// `Deployment shop/api` (`ClusterRole reader` without a namespace).
    pub fn title(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} {ns}/{}", self.kind, self.name),
            None => format!("{} {}", self.kind, self.name),
        }
    }
}

/// Reads a YAML stream (one file of a tree) into objects; empty documents are skipped.
pub fn parse_yaml(text: &str) -> Result<Vec<Value>, String> {
    let docs: Vec<Value> = serde_saphyr::from_multiple(text).map_err(|e| e.to_string())?;
    Ok(docs.into_iter().filter(|d| !d.is_null()).collect())
}

/// What identifies an object in a cluster: API group, kind, namespace, name. (The version of
/// the API is not part of it: `autoscaling/v1` and `autoscaling/v2` name one object.)
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    group: String,
    kind: String,
    namespace: Option<String>,
    name: String,
}

impl Key {
    /// The kind the classification judges: a built-in kind's (the core group, a group without
    /// a dot, or one under `k8s.io`), none for a custom resource (a CRD's group has a dot), so
    /// a custom `Namespace` or `Secret` of another group is judged as what it is: unknown,
    /// its changes plain changes, its removal not destructive. Argo Rollouts' `Rollout` is
    /// judged as the workload it is, a Bitnami `SealedSecret` as the Secret it makes.
    fn judged_kind(&self) -> &str {
        let builtin = !self.group.contains('.') || self.group.ends_with(".k8s.io");
        // Argo Rollouts' Rollout rolls its pods as a Deployment does (k8gen writes it).
        // A SealedSecret's removal prunes the Secret its controller made (k8gen writes it).
        if builtin
            || (self.group == "argoproj.io" && self.kind == "Rollout")
            || (self.group == "bitnami.com" && self.kind == "SealedSecret")
        {
            &self.kind
        } else {
            ""
        }
    }
}

fn key(v: &Value) -> Key {
    let text = |p: &str| v.pointer(p).and_then(Value::as_str).map(str::to_string);
    let api_version = text("/apiVersion").unwrap_or_default();
    Key {
        group: api_version
            .rsplit_once('/')
            .map(|(g, _)| g.to_string())
            .unwrap_or_default(),
        kind: text("/kind").unwrap_or_default(),
        namespace: text("/metadata/namespace"),
        name: text("/metadata/name").unwrap_or_default(),
    }
}

/// Every object that differs between `old` and `new`: the new set's objects in their order
/// (changed or added), then the old set's objects that are gone (removed), in theirs.
/// Identical objects are left out.
pub fn diff(old: &[Value], new: &[Value]) -> Vec<Change> {
    let old_keys: Vec<Key> = old.iter().map(key).collect();
    let new_keys: Vec<Key> = new.iter().map(key).collect();
    let mut changes = Vec::new();
    for (v, k) in new.iter().zip(&new_keys) {
        match old_keys.iter().position(|o| o == k) {
            Some(i) if old[i] == *v => {}
            Some(i) => {
                let mut change = change(k, Some(&old[i]), Some(v));
                change.breaking = classify::breaking(k.judged_kind(), &old[i], v);
                change.rollout = classify::rollout(k.judged_kind(), &old[i], v);
                changes.push(change);
            }
            None => changes.push(change(k, None, Some(v))),
        }
    }
    for (v, k) in old.iter().zip(&old_keys) {
        if !new_keys.contains(k) {
            let mut change = change(k, Some(v), None);
            change.destructive = classify::destructive(k.judged_kind(), v, old, new);
            changes.push(change);
        }
    }
    changes
}

fn change(k: &Key, old: Option<&Value>, new: Option<&Value>) -> Change {
    let api_version = new
        .or(old)
        .and_then(|v| v.get("apiVersion"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let text = |v: Option<&Value>| {
        v.map(|v| crate::emit::value_document(v.clone()))
            .unwrap_or_default()
    };
    let (old_text, new_text) = (text(old), text(new));
    let mut partial = Change {
        api_version,
        kind: k.kind.clone(),
        namespace: k.namespace.clone(),
        name: k.name.clone(),
        change: match (old, new) {
            (None, _) => Status::Added,
            (_, None) => Status::Removed,
            _ => Status::Changed,
        },
        breaking: Vec::new(),
        destructive: Vec::new(),
        rollout: Vec::new(),
        diff: String::new(),
    };
    let title = partial.title();
    partial.diff = unified(&old_text, &new_text, &title);
    partial
}

/// A unified diff of two texts, headed `--- old TITLE` / `+++ new TITLE`.
pub fn unified(old: &str, new: &str, title: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("old {title}"), &format!("new {title}"))
        .to_string()
}

/// Counts over a set of changes, for a summary line or a bot.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub added: usize,
    pub removed: usize,
    pub changed: usize,
    /// Objects with at least one breaking reason.
    pub breaking: usize,
    /// Objects with at least one destructive reason.
    pub destructive: usize,
    /// Workloads that roll.
    pub rollout: usize,
}

impl Summary {
    pub fn add(&mut self, c: &Change) {
        match c.change {
            Status::Added => self.added += 1,
            Status::Removed => self.removed += 1,
            Status::Changed => self.changed += 1,
        }
        self.breaking += usize::from(!c.breaking.is_empty());
        self.destructive += usize::from(!c.destructive.is_empty());
        self.rollout += usize::from(!c.rollout.is_empty());
    }
}
