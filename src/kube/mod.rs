//! Stage 4, build: [`model::App`](crate::model::App) → typed `k8s-openapi` objects.
//!
//! One file per Kubernetes kind (or per small family of kinds); label and selector keys are
//! owned by [`labels`] alone. Build never sees TOML or spans and assumes a valid model
//! (`check`, or [`App::validate`](crate::model::App::validate) for the Rust API, ran first).
//! It does not order objects, compute hashes or apply patches: that is `transform`.

mod configmap;
pub mod crd;
mod deployment;
pub mod gitops;
mod ingress;
mod job;
mod kind;
pub mod labels;
mod namespace;
mod network_policy;
mod passthrough;
mod pod;
mod rbac;
mod release;
mod scaling;
pub mod secret;
mod service;
mod statefulset;

use std::collections::BTreeMap;

use serde_json::Value;

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{
    ConfigMap, LimitRange, Namespace, PersistentVolumeClaim, Pod, ResourceQuota, Secret, Service,
    ServiceAccount,
};
use k8s_openapi::api::networking::v1::{Ingress, NetworkPolicy};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::{Metadata, Resource};

pub use configmap::FLUX_SUBSTITUTE;
pub use crd::{Application, ExternalSecret, Rollout};
pub use kind::{DataKind, Kind, PodData, PodMut, PodRef, selects};
pub use passthrough::Passthrough;
pub use secret::{
    AgeStanza, SealedSecret, SealedSecretSpec, SecretTemplate, SopsMetadata, SopsSecret,
};

use crate::model::{App, Component, Workload};

/// Declares [`Object`] with one variant per kind, and the code that dispatches on it. Kinds
/// are listed in apply order: a kind's place in the list is its [`Object::rank`]. After `;`
/// come other forms of a listed kind (the SOPS-encrypted Secret, the SealedSecret), each
/// ranked as the kind named after `as`. Each kind
/// implements [`Kind`] (pods it runs or selects), so no pass needs to name kinds.
macro_rules! objects {
    ($($variant:ident($ty:ty),)* ; $($fvariant:ident($fty:ty) as $rty:ty,)*) => {
        /// Every kind, in apply order.
        pub const KINDS: &[&str] = &[$(<$ty as Resource>::KIND,)*];

        /// One generated Kubernetes object.
        // Objects are built once and moved whole; boxing the big ones would buy nothing.
        #[allow(clippy::large_enum_variant)]
        #[derive(Debug, Clone, PartialEq)]
        pub enum Object {
            $($variant($ty),)*
            $($fvariant($fty),)*
            /// A passthrough object (`[[objects]]`), written as it is.
            Passthrough(Passthrough),
        }

        impl Object {
            pub fn kind(&self) -> &str {
                match self {
                    $(Object::$variant(_) => <$ty as Resource>::KIND,)*
                    $(Object::$fvariant(_) => <$fty as Resource>::KIND,)*
                    Object::Passthrough(o) => &o.kind,
                }
            }

            pub fn api_version(&self) -> &str {
                match self {
                    $(Object::$variant(_) => <$ty as Resource>::API_VERSION,)*
                    $(Object::$fvariant(_) => <$fty as Resource>::API_VERSION,)*
                    Object::Passthrough(o) => &o.api_version,
                }
            }

            pub fn metadata(&self) -> &ObjectMeta {
                match self {
                    $(Object::$variant(o) => o.metadata(),)*
                    $(Object::$fvariant(o) => o.metadata(),)*
                    Object::Passthrough(o) => &o.metadata,
                }
            }

            pub fn metadata_mut(&mut self) -> &mut ObjectMeta {
                match self {
                    $(Object::$variant(o) => o.metadata_mut(),)*
                    $(Object::$fvariant(o) => o.metadata_mut(),)*
                    Object::Passthrough(o) => &mut o.metadata,
                }
            }

            /// Place in apply order: the `kubectl apply` order in which each object's
            /// dependencies exist first (Namespace, config, workloads, then Services...).
            pub fn rank(&self) -> usize {
                match self {
                    $(Object::$fvariant(_) => kind_rank(<$rty as Resource>::KIND),)*
                    Object::Passthrough(o) => o.rank(),
                    _ => kind_rank(self.kind()),
                }
            }

            /// The pods this object runs (workloads), see [`Kind::pod`].
            pub fn pod(&self) -> Option<PodRef<'_>> {
                match self {
                    $(Object::$variant(o) => Kind::pod(o),)*
                    $(Object::$fvariant(o) => Kind::pod(o),)*
                    Object::Passthrough(o) => Kind::pod(o),
                }
            }

            pub fn pod_mut(&mut self) -> Option<PodMut<'_>> {
                match self {
                    $(Object::$variant(o) => Kind::pod_mut(o),)*
                    $(Object::$fvariant(o) => Kind::pod_mut(o),)*
                    Object::Passthrough(o) => Kind::pod_mut(o),
                }
            }

            /// The pods this object selects, see [`Kind::pod_selector`].
            pub fn pod_selector(&self) -> Option<LabelSelector> {
                match self {
                    $(Object::$variant(o) => Kind::pod_selector(o),)*
                    $(Object::$fvariant(o) => Kind::pod_selector(o),)*
                    Object::Passthrough(o) => Kind::pod_selector(o),
                }
            }

            /// What pods can read from this object, see [`Kind::pod_data`].
            pub fn pod_data(&self) -> Option<PodData> {
                match self {
                    $(Object::$variant(o) => Kind::pod_data(o),)*
                    $(Object::$fvariant(o) => Kind::pod_data(o),)*
                    Object::Passthrough(o) => Kind::pod_data(o),
                }
            }

            /// References by name to data pods read, see [`Kind::data_refs_mut`].
            pub fn data_refs_mut(&mut self) -> Vec<(DataKind, &mut String)> {
                match self {
                    $(Object::$variant(o) => Kind::data_refs_mut(o),)*
                    $(Object::$fvariant(o) => Kind::data_refs_mut(o),)*
                    Object::Passthrough(o) => Kind::data_refs_mut(o),
                }
            }

            /// The object as JSON (k8s-openapi's field order).
            pub fn to_json(&self) -> serde_json::Value {
                match self {
                    $(Object::$variant(o) => serde_json::to_value(o).expect("objects serialize to JSON"),)*
                    $(Object::$fvariant(o) => serde_json::to_value(o).expect("objects serialize to JSON"),)*
                    Object::Passthrough(o) => o.to_json(),
                }
            }

            /// Reads `value` back as an object of the same kind. Fails on a wrong type and on
            /// any field the kind does not have (returned as JSON paths).
            pub fn from_json_like(&self, value: serde_json::Value) -> Result<Object, String> {
                match self {
                    $(Object::$variant(_) => strict::<$ty>(value).map(Object::$variant),)*
                    $(Object::$fvariant(_) => strict::<$fty>(value).map(Object::$fvariant),)*
                    Object::Passthrough(o) => Passthrough::from_value(o.index, &value).map(Object::Passthrough),
                }
            }
        }
    };
}

objects! {
    Namespace(Namespace),
    ResourceQuota(ResourceQuota),
    LimitRange(LimitRange),
    NetworkPolicy(NetworkPolicy),
    ServiceAccount(ServiceAccount),
    Secret(Secret),
    ExternalSecret(ExternalSecret),
    ConfigMap(ConfigMap),
    PersistentVolumeClaim(PersistentVolumeClaim),
    ClusterRole(ClusterRole),
    ClusterRoleBinding(ClusterRoleBinding),
    Role(Role),
    RoleBinding(RoleBinding),
    Deployment(Deployment),
    StatefulSet(StatefulSet),
    Rollout(Rollout),
    Job(Job),
    CronJob(CronJob),
    Pod(Pod),
    Service(Service),
    Ingress(Ingress),
    HorizontalPodAutoscaler(HorizontalPodAutoscaler),
    PodDisruptionBudget(PodDisruptionBudget),
    Application(Application),
    ;
    // Other forms of a kind above: not in `KINDS`, ranked as that kind.
    SopsSecret(SopsSecret) as Secret,
    SealedSecret(SealedSecret) as Secret,
}

/// Deserializes `T`, failing on fields `T` does not know (k8s-openapi's own impls skip them).
fn strict<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T, String> {
    let mut unknown = Vec::new();
    // serde_ignored writes `?` for each Option level; a field path reads better without.
    let parsed: T = serde_ignored::deserialize(value, |path| {
        unknown.push(path.to_string().replace(".?", ""))
    })
    .map_err(|e| e.to_string())?;
    if unknown.is_empty() {
        Ok(parsed)
    } else {
        Err(format!(
            "unknown field{} {}",
            if unknown.len() == 1 { "" } else { "s" },
            unknown.join(", ")
        ))
    }
}

/// The apply rank of `kind` (its place in [`KINDS`]); unknown kinds go last.
pub fn kind_rank(kind: &str) -> usize {
    KINDS.iter().position(|k| *k == kind).unwrap_or(KINDS.len())
}

impl Object {
    pub fn name(&self) -> &str {
        self.metadata().name.as_deref().unwrap_or("")
    }

    /// Whether the object must be applied before the app's other objects (a migration Job,
    /// `job.hook = "pre-deploy"`): it carries Argo CD's `PreSync` hook annotation. Output
    /// trees put such objects in the app folder's `pre-deploy/` subfolder, for a Flux
    /// Kustomization the app's own one `dependsOn`.
    pub fn is_pre_deploy(&self) -> bool {
        self.metadata()
            .annotations
            .as_ref()
            .and_then(|a| a.get(job::ARGOCD_HOOK))
            .is_some_and(|v| v == job::ARGOCD_PRE_SYNC)
    }
}

/// Builds every object of `app`, in no particular order.
pub fn build(app: &App) -> Vec<Object> {
    let mut objects = Vec::new();
    objects.extend(namespace::namespace(app).map(Object::Namespace));
    objects.extend(namespace::quota(app).map(Object::ResourceQuota));
    objects.extend(namespace::limit_range(app).map(Object::LimitRange));
    for c in &app.components {
        objects.extend(configmap::config_map(app, c).map(Object::ConfigMap));
        objects.extend(secret::secret(app, c).map(Object::Secret));
        objects.extend(crd::external_secret(app, c).map(Object::ExternalSecret));
        objects.extend(rbac::service_account(app, c).map(Object::ServiceAccount));
        if let Some((role, binding)) = rbac::role(app, c) {
            objects.extend([Object::Role(role), Object::RoleBinding(binding)]);
        }
        if let Some((role, binding)) = rbac::cluster_role(app, c) {
            objects.extend([
                Object::ClusterRole(role),
                Object::ClusterRoleBinding(binding),
            ]);
        }
        objects.extend(
            statefulset::claims(app, c)
                .into_iter()
                .map(Object::PersistentVolumeClaim),
        );
        objects.extend(network_policy::network_policy(app, c).map(Object::NetworkPolicy));
        if let Some(r) = &c.release {
            objects.extend(release::objects(app, c, r));
            continue;
        }
        objects.extend(workload(app, c));
        objects.extend(service::services(app, c).into_iter().map(Object::Service));
        objects.extend(scaling::autoscaler(app, c).map(Object::HorizontalPodAutoscaler));
        objects.extend(scaling::disruption_budget(app, c).map(Object::PodDisruptionBudget));
    }
    objects.extend(ingress::ingress(app).map(Object::Ingress));
    objects.extend(crd::application(app).map(Object::Application));
    objects.extend(app.objects.iter().enumerate().filter_map(|(i, o)| {
        // A valid app's objects read (the engine checked them); `None` is unreachable.
        Passthrough::from_value(i, o).ok().map(Object::Passthrough)
    }));
    objects
}

fn workload(app: &App, c: &Component) -> Option<Object> {
    Some(match &c.workload {
        Workload::Deployment => Object::Deployment(deployment::deployment(app, c)),
        Workload::StatefulSet { .. } => Object::StatefulSet(statefulset::stateful_set(app, c)),
        Workload::Job(_) => Object::Job(job::job(app, c)),
        Workload::CronJob { .. } => Object::CronJob(job::cron_job(app, c)),
        Workload::Pod => Object::Pod(pod::pod(app, c)),
        Workload::External => return None,
    })
}

/// Metadata every object of `component` carries: name, namespace, labels, annotations.
fn component_meta(app: &App, component: &Component, name: String) -> ObjectMeta {
    ObjectMeta {
        name: Some(name),
        namespace: app.namespace.clone(),
        labels: Some(labels::object_labels(
            app,
            labels::component_labels(app, component),
        )),
        annotations: non_empty(merged(&app.annotations, &component.annotations)),
        ..Default::default()
    }
}

/// Metadata of `component`'s workload: [`component_meta`] with the version label.
fn workload_meta(app: &App, component: &Component, name: String) -> ObjectMeta {
    ObjectMeta {
        labels: Some(labels::object_labels(
            app,
            labels::workload_labels(app, component),
        )),
        ..component_meta(app, component, name)
    }
}

/// Metadata of objects that belong to the whole app.
fn app_meta(app: &App, name: String) -> ObjectMeta {
    ObjectMeta {
        name: Some(name),
        namespace: app.namespace.clone(),
        labels: Some(labels::object_labels(app, labels::app_labels(app))),
        annotations: non_empty(app.annotations.clone()),
        ..Default::default()
    }
}

fn merged(a: &BTreeMap<String, String>, b: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut out = a.clone();
    out.extend(b.iter().map(|(k, v)| (k.clone(), v.clone())));
    out
}

fn non_empty<K: Ord, V>(map: BTreeMap<K, V>) -> Option<BTreeMap<K, V>> {
    (!map.is_empty()).then_some(map)
}

fn non_empty_vec<T>(v: Vec<T>) -> Option<Vec<T>> {
    (!v.is_empty()).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kinds_are_the_vocabularys_kinds_in_apply_order() {
        assert_eq!(KINDS, crate::values::ObjectKind::NAMES);
    }
}

/// Where a map is in a document, which decides which of its keys come first: `apiVersion`,
/// `kind`, `metadata` at the top (then `name`, `namespace`, `labels`, `annotations` inside
/// it), in every list of maps an item's `name` first, every other key in its serialized order;
/// label and annotation maps (everything inside metadata) as they are. The one source of the
/// order both `emit` (which writes keys in it) and [`document_order`] use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Top,
    Metadata,
    /// A map inside a list: `name` first.
    Item,
    Other,
    /// Inside metadata: kept in the order it has.
    Verbatim,
}

impl Level {
    /// The keys that come first in a map at this level, in order.
    pub fn first(self) -> &'static [&'static str] {
        match self {
            Level::Top => &["apiVersion", "kind", "metadata"],
            Level::Metadata => &["name", "generateName", "namespace", "labels", "annotations"],
            Level::Item => &["name"],
            Level::Other | Level::Verbatim => &[],
        }
    }

    /// The level of the value under `key` of a map at this level.
    pub fn child(self, key: &str) -> Level {
        match self {
            Level::Metadata | Level::Verbatim => Level::Verbatim,
            _ if key == "metadata" => Level::Metadata,
            _ => Level::Other,
        }
    }

    /// The level of the items of a list at this level.
    pub fn item(self) -> Level {
        match self {
            Level::Verbatim => Level::Verbatim,
            _ => Level::Item,
        }
    }
}

/// `value` (an object's JSON) with its keys in the order documents are written in: `apiVersion`,
/// `kind`, `metadata` first (then `name`, `namespace`, `labels`, `annotations` inside it), in
/// every list of maps an item's `name` first, every other key in its serialized order. `emit`
/// writes this order, and `passes::seal` computes a SOPS MAC over the values in it.
pub fn document_order(value: Value) -> Value {
    reorder(value, Level::Top)
}

fn reorder(value: Value, level: Level) -> Value {
    match value {
        Value::Object(mut map) => {
            let first = level.first();
            let mut out = serde_json::Map::with_capacity(map.len());
            for key in first {
                if let Some(v) = map.shift_remove(*key) {
                    out.insert((*key).to_string(), v);
                }
            }
            out.extend(map);
            Value::Object(
                out.into_iter()
                    .map(|(k, v)| {
                        let v = reorder(v, level.child(&k));
                        (k, v)
                    })
                    .collect(),
            )
        }
        Value::Array(items) => {
            let child = level.item();
            Value::Array(items.into_iter().map(|v| reorder(v, child)).collect())
        }
        other => other,
    }
}
