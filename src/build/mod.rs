//! Stage 4, build: [`model::App`](crate::model::App) → typed `k8s-openapi` objects.
//!
//! One file per Kubernetes kind; label and selector keys are owned by [`labels`] alone. Build
//! never sees TOML or spans and assumes a valid model (`check`, or
//! [`App::validate`](crate::model::App::validate) for the Rust API, ran first). It does not
//! order objects or compute hashes: that is `transform`.

mod configmap;
mod deployment;
pub mod labels;
mod namespace;
mod secret;
mod service;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Secret, Service};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::{Metadata, Resource};

use crate::model::{App, Component};

/// One generated Kubernetes object.
// Objects are built once and moved as a whole; boxing the big ones would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Object {
    Namespace(Namespace),
    ConfigMap(ConfigMap),
    Secret(Secret),
    Deployment(Deployment),
    Service(Service),
}

/// Calls `$body` with `$o` bound to the typed object inside `$object`.
macro_rules! with_object {
    ($object:expr, $o:ident => $body:expr) => {
        match $object {
            Object::Namespace($o) => $body,
            Object::ConfigMap($o) => $body,
            Object::Secret($o) => $body,
            Object::Deployment($o) => $body,
            Object::Service($o) => $body,
        }
    };
}

fn kind_of<T: Resource>(_: &T) -> &'static str {
    T::KIND
}

fn api_version_of<T: Resource>(_: &T) -> &'static str {
    T::API_VERSION
}

impl Object {
    pub fn kind(&self) -> &'static str {
        with_object!(self, o => kind_of(o))
    }

    pub fn api_version(&self) -> &'static str {
        with_object!(self, o => api_version_of(o))
    }

    pub fn metadata(&self) -> &ObjectMeta {
        with_object!(self, o => o.metadata())
    }

    pub fn metadata_mut(&mut self) -> &mut ObjectMeta {
        with_object!(self, o => o.metadata_mut())
    }

    pub fn name(&self) -> &str {
        self.metadata().name.as_deref().unwrap_or("")
    }

    /// The object as JSON, with `apiVersion` and `kind` set (k8s-openapi's own order).
    pub fn to_json(&self) -> serde_json::Value {
        with_object!(self, o => serde_json::to_value(o).expect("k8s-openapi objects serialize"))
    }
}

/// Builds every object of `app`, in no particular order.
pub fn build(app: &App) -> Vec<Object> {
    let mut objects = Vec::new();
    if let Some(ns) = namespace::namespace(app) {
        objects.push(Object::Namespace(ns));
    }
    for component in &app.components {
        if let Some(cm) = configmap::config_map(app, component) {
            objects.push(Object::ConfigMap(cm));
        }
        if let Some(secret) = secret::secret(app, component) {
            objects.push(Object::Secret(secret));
        }
        objects.push(Object::Deployment(deployment::deployment(app, component)));
        if let Some(svc) = service::service(app, component) {
            objects.push(Object::Service(svc));
        }
    }
    objects
}

/// Metadata every object of `component` carries: name, namespace, labels, annotations.
fn component_meta(app: &App, component: &Component, name: String) -> ObjectMeta {
    ObjectMeta {
        name: Some(name),
        namespace: app.namespace.clone(),
        labels: Some(labels::component_labels(app, component)),
        annotations: non_empty(merged(&app.annotations, &component.annotations)),
        ..Default::default()
    }
}

fn merged(
    a: &std::collections::BTreeMap<String, String>,
    b: &std::collections::BTreeMap<String, String>,
) -> std::collections::BTreeMap<String, String> {
    let mut out = a.clone();
    out.extend(b.iter().map(|(k, v)| (k.clone(), v.clone())));
    out
}

fn non_empty<K: Ord, V>(
    map: std::collections::BTreeMap<K, V>,
) -> Option<std::collections::BTreeMap<K, V>> {
    (!map.is_empty()).then_some(map)
}

fn non_empty_vec<T>(v: Vec<T>) -> Option<Vec<T>> {
    (!v.is_empty()).then_some(v)
}
