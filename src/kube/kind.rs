//! What each kind is, for the passes that walk every object: whether it runs pods (and where
//! its pod metadata and spec are), which pods it selects, and what data pods can read from it
//! (ConfigMaps, Secrets, and the Secret an ExternalSecret makes).
//!
//! Every kind in [`Object`](super::Object) implements [`Kind`], without default methods, so a
//! new kind cannot be added without saying whether it runs or selects pods. Passes (checksums,
//! invariants, lints) go through these accessors and never match on kind names. This module
//! only reads and hands out references; it builds nothing and decides no rule.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{
    ConfigMap, LimitRange, Namespace, PersistentVolumeClaim, Pod, PodSpec, PodTemplateSpec,
    ResourceQuota, Secret, Service, ServiceAccount,
};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

use super::{Application, ExternalSecret, Rollout, SealedSecret, SopsSecret};

/// The pods a workload runs: the metadata and spec of its pod template (a Pod's own).
#[derive(Debug, Clone, Copy)]
pub struct PodRef<'a> {
    /// `None` for a template without metadata.
    pub meta: Option<&'a ObjectMeta>,
    pub spec: &'a PodSpec,
}

/// [`PodRef`] for changing the pods; the template's metadata is created if missing.
#[derive(Debug)]
pub struct PodMut<'a> {
    pub meta: &'a mut ObjectMeta,
    pub spec: &'a mut PodSpec,
}

impl PodRef<'_> {
    /// The pods' labels (empty when there are none).
    pub fn labels(&self) -> BTreeMap<String, String> {
        self.meta.and_then(|m| m.labels.clone()).unwrap_or_default()
    }
}

/// Per-kind facts the passes need. Implemented for every kind, with no defaults.
pub trait Kind {
    /// The pods this object runs; `None` for kinds that run none.
    fn pod(&self) -> Option<PodRef<'_>>;
    fn pod_mut(&mut self) -> Option<PodMut<'_>>;
    /// The selector by which this object finds pods: a workload's own pods, or the pods a
    /// Service, budget or network policy applies to. `None` when it selects no pods.
    fn pod_selector(&self) -> Option<LabelSelector>;
    /// What pods can read from this object (through env, envFrom or volumes), as the content
    /// that stands for it in `checksum/*` annotations.
    fn pod_data(&self) -> Option<PodData>;
    /// Every reference this object makes by name to data pods read (a pod's env, envFrom,
    /// volumes, projected volumes and image pull secrets, in every container; an Ingress's TLS
    /// Secrets; a ServiceAccount's Secrets), to rename them.
    fn data_refs_mut(&mut self) -> Vec<(DataKind, &mut String)>;
}

/// Whether pods read data as a ConfigMap or as a Secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataKind {
    ConfigMap,
    Secret,
}

/// Data pods can read: the ConfigMap or Secret `name`, with the JSON that stands for its
/// content (an ExternalSecret stands for the Secret it makes by its spec).
#[derive(Debug, Clone, PartialEq)]
pub struct PodData {
    pub kind: DataKind,
    pub name: String,
    pub content: serde_json::Value,
    /// The object as Kustomize's hasher reads it, for a content-hashed name: `kind`, `name`,
    /// `data` (`""` when absent), a ConfigMap's `binaryData` and a Secret's `type` (`""` when
    /// absent) and `stringData` when present. `name` is always `""`: Kustomize's hasher looks
    /// the name up as one field called `metadata/name`, finds none and hashes `""` (what real
    /// `kubectl kustomize` names show; its own test vector has `"name":""` too). `None` when
    /// its data is not in the output (the Secret an ExternalSecret makes).
    pub hashable: Option<serde_json::Value>,
}

/// [`PodData::hashable`] of a ConfigMap or Secret serialized as `object`: the fields named
/// `always` (`""` when absent) and those named `if_present`.
fn hashable(
    kind: &str,
    object: serde_json::Value,
    always: &[&str],
    if_present: &[&str],
) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    m.insert("kind".into(), kind.into());
    m.insert("name".into(), "".into());
    for key in always {
        let v = object.get(*key).cloned();
        m.insert(key.to_string(), v.unwrap_or_else(|| "".into()));
    }
    for key in if_present {
        if let Some(v) = object.get(*key) {
            m.insert(key.to_string(), v.clone());
        }
    }
    serde_json::Value::Object(m)
}

/// The data references of a pod (see [`Kind::data_refs_mut`]).
fn pod_refs(pod: &mut PodSpec) -> Vec<(DataKind, &mut String)> {
    let mut out = Vec::new();
    let containers = (pod.containers.iter_mut()).chain(pod.init_containers.iter_mut().flatten());
    for c in containers {
        for e in c.env_from.iter_mut().flatten() {
            if let Some(r) = &mut e.config_map_ref {
                out.push((DataKind::ConfigMap, &mut r.name));
            }
            if let Some(r) = &mut e.secret_ref {
                out.push((DataKind::Secret, &mut r.name));
            }
        }
        for e in c.env.iter_mut().flatten() {
            let Some(from) = &mut e.value_from else {
                continue;
            };
            if let Some(r) = &mut from.config_map_key_ref {
                out.push((DataKind::ConfigMap, &mut r.name));
            }
            if let Some(r) = &mut from.secret_key_ref {
                out.push((DataKind::Secret, &mut r.name));
            }
        }
    }
    for v in pod.volumes.iter_mut().flatten() {
        if let Some(cm) = &mut v.config_map {
            out.push((DataKind::ConfigMap, &mut cm.name));
        }
        if let Some(name) = v.secret.as_mut().and_then(|s| s.secret_name.as_mut()) {
            out.push((DataKind::Secret, name));
        }
        let projected = (v.projected.iter_mut()).flat_map(|p| p.sources.iter_mut().flatten());
        for source in projected {
            if let Some(cm) = &mut source.config_map {
                out.push((DataKind::ConfigMap, &mut cm.name));
            }
            if let Some(secret) = &mut source.secret {
                out.push((DataKind::Secret, &mut secret.name));
            }
        }
    }
    for r in pod.image_pull_secrets.iter_mut().flatten() {
        out.push((DataKind::Secret, &mut r.name));
    }
    out
}

/// The data references of the pods of `pod` (a workload's [`Kind::pod_mut`]).
fn pod_refs_of(pod: Option<PodMut<'_>>) -> Vec<(DataKind, &mut String)> {
    pod.map(|p| pod_refs(p.spec)).unwrap_or_default()
}

fn template(t: &PodTemplateSpec) -> Option<PodRef<'_>> {
    Some(PodRef {
        meta: t.metadata.as_ref(),
        spec: t.spec.as_ref()?,
    })
}

fn template_mut(t: &mut PodTemplateSpec) -> Option<PodMut<'_>> {
    let PodTemplateSpec { metadata, spec } = t;
    Some(PodMut {
        spec: spec.as_mut()?,
        meta: metadata.get_or_insert_with(Default::default),
    })
}

/// Workloads whose pods come from `spec.template`; `|spec| selector` reads their selector.
macro_rules! spec_template {
    ($($ty:ty => |$spec:ident| $selector:expr;)*) => {$(
        impl Kind for $ty {
            fn pod(&self) -> Option<PodRef<'_>> {
                template(&self.spec.as_ref()?.template)
            }
            fn pod_mut(&mut self) -> Option<PodMut<'_>> {
                template_mut(&mut self.spec.as_mut()?.template)
            }
            fn pod_selector(&self) -> Option<LabelSelector> {
                let $spec = self.spec.as_ref()?;
                $selector
            }
            fn pod_data(&self) -> Option<PodData> {
                None
            }
            fn data_refs_mut(&mut self) -> Vec<(DataKind, &mut String)> {
                pod_refs_of(self.pod_mut())
            }
        }
    )*};
}

spec_template! {
    Deployment => |spec| Some(spec.selector.clone());
    StatefulSet => |spec| Some(spec.selector.clone());
    // Usually `None`: the API server writes a Job's selector.
    Job => |spec| spec.selector.clone();
}

impl Kind for Rollout {
    fn pod(&self) -> Option<PodRef<'_>> {
        template(&self.spec.template)
    }
    fn pod_mut(&mut self) -> Option<PodMut<'_>> {
        template_mut(&mut self.spec.template)
    }
    fn pod_selector(&self) -> Option<LabelSelector> {
        Some(self.spec.selector.clone())
    }
    fn pod_data(&self) -> Option<PodData> {
        None
    }
    fn data_refs_mut(&mut self) -> Vec<(DataKind, &mut String)> {
        pod_refs_of(self.pod_mut())
    }
}

impl Kind for CronJob {
    fn pod(&self) -> Option<PodRef<'_>> {
        template(&self.spec.as_ref()?.job_template.spec.as_ref()?.template)
    }
    fn pod_mut(&mut self) -> Option<PodMut<'_>> {
        template_mut(&mut self.spec.as_mut()?.job_template.spec.as_mut()?.template)
    }
    fn pod_selector(&self) -> Option<LabelSelector> {
        self.spec
            .as_ref()?
            .job_template
            .spec
            .as_ref()?
            .selector
            .clone()
    }
    fn pod_data(&self) -> Option<PodData> {
        None
    }
    fn data_refs_mut(&mut self) -> Vec<(DataKind, &mut String)> {
        pod_refs_of(self.pod_mut())
    }
}

impl Kind for Pod {
    fn pod(&self) -> Option<PodRef<'_>> {
        Some(PodRef {
            meta: Some(&self.metadata),
            spec: self.spec.as_ref()?,
        })
    }
    fn pod_mut(&mut self) -> Option<PodMut<'_>> {
        Some(PodMut {
            meta: &mut self.metadata,
            spec: self.spec.as_mut()?,
        })
    }
    fn pod_selector(&self) -> Option<LabelSelector> {
        None
    }
    fn pod_data(&self) -> Option<PodData> {
        None
    }
    fn data_refs_mut(&mut self) -> Vec<(DataKind, &mut String)> {
        pod_refs_of(self.pod_mut())
    }
}

/// Kinds that run no pods: `selector: |object| ...` says which pods they select,
/// `data: |object| ...` what pods read from them.
macro_rules! podless {
    ($ty:ty, selector: |$s:pat_param| $selector:expr, data: |$d:pat_param| $data:expr $(,)?) => {
        podless!($ty, selector: |$s| $selector, data: |$d| $data, refs: |_| Vec::new());
    };
    ($ty:ty, selector: |$s:pat_param| $selector:expr, data: |$d:pat_param| $data:expr,
     refs: |$r:pat_param| $refs:expr $(,)?) => {
        impl Kind for $ty {
            fn pod(&self) -> Option<PodRef<'_>> {
                None
            }
            fn pod_mut(&mut self) -> Option<PodMut<'_>> {
                None
            }
            fn pod_selector(&self) -> Option<LabelSelector> {
                let $s = self;
                $selector
            }
            fn pod_data(&self) -> Option<PodData> {
                let $d = self;
                $data
            }
            fn data_refs_mut(&mut self) -> Vec<(DataKind, &mut String)> {
                let $r = self;
                $refs
            }
        }
    };
}

podless!(
    Service,
    // `None` for a Service without a selector (ExternalName, or endpoints managed elsewhere).
    selector: |o| {
        let selector = o.spec.as_ref()?.selector.clone()?;
        (!selector.is_empty()).then(|| LabelSelector {
            match_labels: Some(selector),
            ..Default::default()
        })
    },
    data: |_| None,
);
podless!(
    PodDisruptionBudget,
    selector: |o| o.spec.as_ref()?.selector.clone(),
    data: |_| None,
);
podless!(
    NetworkPolicy,
    selector: |o| o.spec.as_ref()?.pod_selector.clone(),
    data: |_| None,
);

/// `kind` `name`, standing for its content by `[name, first, second]`.
fn data(
    kind: DataKind,
    name: &str,
    first: serde_json::Value,
    second: serde_json::Value,
    hashable: Option<serde_json::Value>,
) -> Option<PodData> {
    Some(PodData {
        kind,
        content: serde_json::json!([name, first, second]),
        name: name.to_string(),
        hashable,
    })
}

podless!(ConfigMap, selector: |_| None, data: |o| data(
    DataKind::ConfigMap,
    o.metadata.name.as_deref().unwrap_or_default(),
    serde_json::json!(o.data),
    serde_json::json!(o.binary_data),
    Some(hashable("ConfigMap", serde_json::json!(o), &["data"], &["binaryData"])),
));
podless!(Secret, selector: |_| None, data: |o| data(
    DataKind::Secret,
    o.metadata.name.as_deref().unwrap_or_default(),
    serde_json::json!(o.data),
    serde_json::json!(o.string_data),
    Some(hashable("Secret", serde_json::json!(o), &["data", "type"], &["stringData"])),
));
// Stands for its Secret by the ciphertext (kept while the plaintext is unchanged) and the
// encrypted MAC: never by a hash of the plaintext, which is not in the output.
podless!(SopsSecret, selector: |_| None, data: |o| data(
    DataKind::Secret,
    o.metadata.name.as_deref().unwrap_or_default(),
    serde_json::json!(o.data),
    serde_json::json!(o.sops.mac),
    // Hashed names (`config_rollout = "hashed-names"`) are of the ciphertext too.
    Some(hashable("Secret", serde_json::json!(o), &["data", "type"], &["stringData"])),
));
// Stands for its Secret by the sealed values (kept while the plaintext is unchanged) and the
// template: never by a hash of the plaintext, which is not in the output.
podless!(
    SealedSecret,
    selector: |_| None,
    data: |o| data(
        DataKind::Secret,
        o.metadata.name.as_deref().unwrap_or_default(),
        serde_json::json!(o.spec.encrypted_data),
        serde_json::json!(o.spec.template),
        // Hashed names are of the sealed values and the type, as a Secret's of its data.
        Some(hashable(
            "Secret",
            serde_json::json!({ "data": o.spec.encrypted_data, "type": o.spec.template.type_ }),
            &["data", "type"],
            &[],
        )),
    ),
    // The template names the Secret the controller makes (as the SealedSecret itself does):
    // a renamed Secret is renamed there too.
    refs: |o| (o.spec.template.metadata.name.as_mut())
        .map(|n| (DataKind::Secret, n))
        .into_iter()
        .collect(),
);
podless!(ExternalSecret, selector: |_| None, data: |o| data(
    DataKind::Secret,
    &o.spec.target.name,
    serde_json::json!("ExternalSecret"),
    serde_json::json!(o.spec),
    None,
));
podless!(
    Ingress,
    selector: |_| None,
    data: |_| None,
    refs: |o| (o.spec.iter_mut())
        .flat_map(|s| s.tls.iter_mut().flatten())
        .filter_map(|t| t.secret_name.as_mut())
        .map(|n| (DataKind::Secret, n))
        .collect(),
);
podless!(
    ServiceAccount,
    selector: |_| None,
    data: |_| None,
    refs: |o| (o.secrets.iter_mut().flatten())
        .filter_map(|r| r.name.as_mut())
        .chain(o.image_pull_secrets.iter_mut().flatten().map(|r| &mut r.name))
        .map(|n| (DataKind::Secret, n))
        .collect(),
);

/// Kinds that neither run nor select pods, nor hold data pods read.
macro_rules! no_pods {
    ($($ty:ty),* $(,)?) => {
        $(podless!($ty, selector: |_| None, data: |_| None);)*
    };
}

no_pods!(
    Namespace,
    ResourceQuota,
    LimitRange,
    PersistentVolumeClaim,
    ClusterRole,
    ClusterRoleBinding,
    Role,
    RoleBinding,
    HorizontalPodAutoscaler,
    Application,
);

/// Whether `selector` selects pods labelled `labels` (matchLabels and matchExpressions, as the
/// API server reads them). An empty selector selects every pod.
pub fn selects(selector: &LabelSelector, labels: &BTreeMap<String, String>) -> bool {
    let by_label = selector
        .match_labels
        .iter()
        .flatten()
        .all(|(k, v)| labels.get(k) == Some(v));
    let by_expression = selector.match_expressions.iter().flatten().all(|e| {
        let value = labels.get(&e.key);
        let values = e.values.as_deref().unwrap_or_default();
        match e.operator.as_str() {
            "In" => value.is_some_and(|v| values.contains(v)),
            "NotIn" => value.is_none_or(|v| !values.contains(v)),
            "Exists" => value.is_some(),
            "DoesNotExist" => value.is_none(),
            _ => false,
        }
    });
    by_label && by_expression
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_match_labels_and_expressions_like_the_api_server() {
        use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
            LabelSelector, LabelSelectorRequirement,
        };
        let labels: BTreeMap<String, String> = [("app", "shop"), ("tier", "web")]
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .into();
        let expr = |key: &str, operator: &str, values: &[&str]| LabelSelectorRequirement {
            key: key.into(),
            operator: operator.into(),
            values: Some(values.iter().map(|v| v.to_string()).collect()),
        };
        let selector =
            |labels: &[(&str, &str)], exprs: Vec<LabelSelectorRequirement>| LabelSelector {
                match_labels: Some(
                    labels
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                ),
                match_expressions: Some(exprs),
            };
        let selects = |s: &LabelSelector| selects(s, &labels);
        assert!(selects(&LabelSelector::default()), "empty selects all");
        assert!(selects(&selector(&[("app", "shop")], vec![])));
        assert!(!selects(&selector(&[("app", "other")], vec![])));
        assert!(selects(&selector(
            &[],
            vec![expr("tier", "In", &["web", "api"])]
        )));
        assert!(!selects(&selector(
            &[],
            vec![expr("tier", "NotIn", &["web"])]
        )));
        assert!(selects(&selector(&[], vec![expr("app", "Exists", &[])])));
        assert!(!selects(&selector(&[], vec![expr("zone", "Exists", &[])])));
        assert!(selects(&selector(
            &[],
            vec![expr("zone", "DoesNotExist", &[])]
        )));
    }
}
