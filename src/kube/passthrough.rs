//! Passthrough objects (`[[objects]]`, [`App::object`](crate::model::App::object)): whole
//! Kubernetes objects k8gen writes as they are. The metadata fields passes may touch (name,
//! namespace, labels, annotations) are held typed; everything else is kept as written, in the
//! order of their keys' names (what `kubectl get -o yaml` prints; both front ends alike, as
//! TOML tables come sorted). It adds nothing (no labels, no annotations) and, as [`Kind`] says, runs and
//! selects no pods k8gen looks after and holds no data k8gen's pods read.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use serde_json::{Map, Value};

use super::kind::{DataKind, Kind, PodData, PodMut, PodRef};
use crate::values::{self, Scope};

/// One passthrough object.
#[derive(Debug, Clone, PartialEq)]
pub struct Passthrough {
    /// Its place in the app's `objects` (findings about it name `objects[index]`).
    pub index: usize,
    pub api_version: String,
    pub kind: String,
    /// `name`, `namespace`, `labels` and `annotations` of its metadata.
    pub metadata: ObjectMeta,
    /// The rest of its metadata, as written.
    pub other_metadata: Map<String, Value>,
    /// Every top-level field but `apiVersion`, `kind` and `metadata`, as written.
    pub fields: Map<String, Value>,
}

impl Passthrough {
    /// Reads a (valid) passthrough object; `index` is its place in the app's `objects`.
    pub fn from_value(index: usize, value: &Value) -> Result<Passthrough, String> {
        let Value::Object(map) = value else {
            return Err("a passthrough object is a table".to_string());
        };
        let text = |key: &str| {
            map.get(key)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| format!("`{key}` is missing or no string"))
        };
        let api_version = text("apiVersion")?;
        let kind = text("kind")?;
        let mut other_metadata = match map.get("metadata") {
            Some(Value::Object(m)) => sorted_map(m),
            _ => return Err("`metadata` is missing or no table".to_string()),
        };
        let mut take = |key: &str| other_metadata.shift_remove(key);
        let string = |v: Option<Value>| v.and_then(|v| v.as_str().map(str::to_string));
        let strings = |v: Option<Value>| -> Result<Option<_>, String> {
            v.map(|v| serde_json::from_value(v).map_err(|e| e.to_string()))
                .transpose()
        };
        let metadata = ObjectMeta {
            name: string(take("name")),
            namespace: string(take("namespace")),
            labels: strings(take("labels"))?,
            annotations: strings(take("annotations"))?,
            ..Default::default()
        };
        let fields = sorted_map(map)
            .into_iter()
            .filter(|(k, _)| !matches!(k.as_str(), "apiVersion" | "kind" | "metadata"))
            .collect();
        Ok(Passthrough {
            index,
            api_version,
            kind,
            metadata,
            other_metadata,
            fields,
        })
    }

    /// The object as JSON: `apiVersion`, `kind`, `metadata`, then the rest as written.
    pub fn to_json(&self) -> Value {
        let mut meta = match serde_json::to_value(&self.metadata) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        };
        meta.extend(self.other_metadata.clone());
        let mut out = Map::new();
        out.insert("apiVersion".into(), Value::String(self.api_version.clone()));
        out.insert("kind".into(), Value::String(self.kind.clone()));
        out.insert("metadata".into(), Value::Object(meta));
        out.extend(self.fields.clone());
        Value::Object(out)
    }

    /// Its place in apply order, between the ranks of k8gen's own kinds (`kind_rank`): a
    /// CustomResourceDefinition with the Namespace (first; `CustomResourceDefinition` sorts
    /// before `Namespace`), a cluster-scoped built-in kind right after them,
    /// one of k8gen's kinds with its own, a workload-like built-in kind with the Deployments,
    /// another namespaced built-in kind with the Services, a custom resource after every
    /// built-in kind.
    pub fn rank(&self) -> usize {
        let builtin = values::builtin_kind(&self.api_version, &self.kind);
        let own = super::KINDS.iter().position(|k| *k == self.kind);
        match (builtin, own) {
            (Some(b), _) if b.kind == values::CRD_KIND => super::kind_rank("Namespace"),
            (Some(b), _) if b.scope == Scope::Cluster => super::kind_rank("Namespace") + 1,
            (Some(_), Some(rank)) => rank,
            (Some(b), None) => match b.kind {
                "DaemonSet" | "ReplicaSet" | "ReplicationController" => {
                    super::kind_rank("Deployment")
                }
                _ => super::kind_rank("Service"),
            },
            // Custom resources, k8gen's own kinds among them (an Argo CD Application).
            (None, _) => super::KINDS.len(),
        }
    }
}

/// `map` with the keys of every table in it sorted by name, at any depth.
fn sorted_map(map: &Map<String, Value>) -> Map<String, Value> {
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    entries
        .into_iter()
        .map(|(k, v)| (k.clone(), sorted(v)))
        .collect()
}

fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(m) => Value::Object(sorted_map(m)),
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

impl Kind for Passthrough {
    fn pod(&self) -> Option<PodRef<'_>> {
        None
    }
    fn pod_mut(&mut self) -> Option<PodMut<'_>> {
        None
    }
    fn pod_selector(&self) -> Option<LabelSelector> {
        None
    }
    fn pod_data(&self) -> Option<PodData> {
        None
    }
    fn data_refs_mut(&mut self) -> Vec<(DataKind, &mut String)> {
        Vec::new()
    }
}
