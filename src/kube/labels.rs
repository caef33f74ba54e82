//! The only place that knows label and selector keys.
//!
//! Selectors hold only labels that never change between releases of a component (its
//! `app.kubernetes.io/name` and `instance`), never the version, image tag or user labels, so
//! an upgrade can never touch an immutable `spec.selector`. A component taking over running
//! objects selects by its own `selector` instead (or `app: NAME` under the `app` label scheme,
//! filled in by `model::defaults`), exactly and everywhere; the recommended labels then stay
//! on metadata and templates only. Pod-template labels are a superset of the selector, and a
//! Service selects exactly what its Deployment selects. An app with `extra_labels = false`
//! gets none of these labels beyond its selectors (and no annotation of k8gen's own).

use std::collections::BTreeMap;

use crate::model::{App, Component, Track};

pub const NAME: &str = "app.kubernetes.io/name";
pub const INSTANCE: &str = "app.kubernetes.io/instance";
pub const VERSION: &str = "app.kubernetes.io/version";
pub const COMPONENT: &str = "app.kubernetes.io/component";
pub const PART_OF: &str = "app.kubernetes.io/part-of";
pub const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
pub const MANAGER: &str = "k8gen";
/// Flux's annotation that keeps an object when it leaves the source (`prune: true` would
/// delete it): set to [`KEEP_ON_PRUNE`] on what holds data or other apps' objects, the
/// Namespace and PersistentVolumeClaims.
pub const FLUX_PRUNE: &str = "kustomize.toolkit.fluxcd.io/prune";
pub const KEEP_ON_PRUNE: &str = "disabled";

/// Whether `app` carries k8gen's own labels and annotations ([`App::extra_labels`]; unset is
/// the default of `model::defaults`).
pub fn extra(app: &App) -> bool {
    app.extra_labels
        .unwrap_or_else(crate::model::defaults::extra_labels)
}

/// Adds [`FLUX_PRUNE`]` = disabled` to an object's annotations (unless `app` adds nothing of
/// k8gen's own).
pub fn keep_on_prune(app: &App, annotations: &mut Option<BTreeMap<String, String>>) {
    if !extra(app) {
        return;
    }
    annotations
        .get_or_insert_default()
        .insert(FLUX_PRUNE.to_string(), KEEP_ON_PRUNE.to_string());
}

/// The track of a released component's pods (`blue`, `green`, `stable`, `canary`): part of the
/// selector of each track's Deployment, and never changed for a given Deployment.
pub const TRACK: &str = "k8gen.io/track";

/// The labels that select `component`'s pods, for Deployment, Service and every later
/// selector (PDB, NetworkPolicy, affinity, ...): its own `selector` when it has one (after
/// normalising, also the `app` scheme's), else the recommended name and instance.
pub fn selector(component: &Component) -> BTreeMap<String, String> {
    if !component.selector.is_empty() {
        return component.selector.clone();
    }
    recommended_selector(component)
}

/// The recommended labels that would select `component`: name (the key) and instance.
fn recommended_selector(component: &Component) -> BTreeMap<String, String> {
    BTreeMap::from([
        (NAME.to_string(), component.key.clone()),
        (INSTANCE.to_string(), component.name.clone()),
    ])
}

/// The labels that select the pods of one track of a released `component`: its selector plus
/// the track. Fixed for the track's Deployment; Services switch between tracks.
pub fn track_selector(component: &Component, track: Track) -> BTreeMap<String, String> {
    let mut labels = selector(component);
    add_track(&mut labels, track);
    labels
}

/// Adds the track label to `labels` (a track's object, selector or pod template).
pub fn add_track(labels: &mut BTreeMap<String, String>, track: Track) {
    labels.insert(TRACK.to_string(), track.to_string());
}

/// Labels of `component`'s objects: the app's and component's own labels, then the
/// recommended ones and the selector (which win; the rules refuse a label that disagrees with
/// the selector). No version: see [`workload_labels`]. Without [`extra`] labels: the app's and
/// component's own only.
pub fn component_labels(app: &App, component: &Component) -> BTreeMap<String, String> {
    let mut labels = app.labels.clone();
    labels.extend(component.labels.iter().map(|(k, v)| (k.clone(), v.clone())));
    if !extra(app) {
        return labels;
    }
    labels.extend(recommended_selector(component));
    labels.extend(selector(component));
    labels.insert(
        COMPONENT.to_string(),
        component.role.clone().unwrap_or_default(),
    );
    labels.insert(PART_OF.to_string(), app.name.clone());
    labels.insert(MANAGED_BY.to_string(), MANAGER.to_string());
    labels
}

/// Labels of what runs: `component`'s workload and its pod template, which also carry the
/// version (`app.kubernetes.io/version`). Only these: an image bump then changes the workload's
/// file and nothing else (a Service, ConfigMap or policy does not change with the version).
pub fn workload_labels(app: &App, component: &Component) -> BTreeMap<String, String> {
    let mut labels = component_labels(app, component);
    if !extra(app) {
        return labels;
    }
    if let Some(version) = &component.version {
        labels.insert(VERSION.to_string(), version.clone());
    }
    labels
}

/// The labels of a top-level object's metadata, from the labels k8gen means it to carry: all of
/// them, except the label Argo CD writes itself under label tracking (its instance label,
/// [`INSTANCE`], set to the Application's name). Pod templates and selectors keep it: Argo CD
/// does not touch them, and a selector may never change.
pub fn object_labels(app: &App, mut labels: BTreeMap<String, String>) -> BTreeMap<String, String> {
    let tracking = app
        .argocd_tracking
        .unwrap_or_else(crate::model::defaults::argocd_tracking);
    if tracking.writes_label() {
        labels.remove(INSTANCE);
    }
    labels
}

/// Labels of `component`'s pod template: [`workload_labels`] and always the selector.
pub fn pod_labels(app: &App, component: &Component) -> BTreeMap<String, String> {
    let mut labels = workload_labels(app, component);
    labels.extend(selector(component));
    labels
}

/// Selects a namespace by name (the label Kubernetes sets on every namespace).
pub fn namespace_selector(namespace: &str) -> BTreeMap<String, String> {
    BTreeMap::from([(
        "kubernetes.io/metadata.name".to_string(),
        namespace.to_string(),
    )])
}

/// Selects the cluster DNS pods (CoreDNS and kube-dns both carry it).
pub fn kube_dns() -> BTreeMap<String, String> {
    BTreeMap::from([("k8s-app".to_string(), "kube-dns".to_string())])
}

/// Labels of objects that belong to the app as a whole (Namespace, Ingress, quotas).
pub fn app_labels(app: &App) -> BTreeMap<String, String> {
    let mut labels = app.labels.clone();
    if !extra(app) {
        return labels;
    }
    labels.insert(NAME.to_string(), app.name.clone());
    labels.insert(INSTANCE.to_string(), app.name.clone());
    labels.insert(PART_OF.to_string(), app.name.clone());
    labels.insert(MANAGED_BY.to_string(), MANAGER.to_string());
    labels
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_label_k8gen_sets_is_under_the_reserved_prefix() {
        for key in [NAME, INSTANCE, VERSION, COMPONENT, PART_OF, MANAGED_BY] {
            assert!(
                key.starts_with(crate::values::RESERVED_LABEL_PREFIX),
                "{key}"
            );
        }
        assert!(crate::values::is_reserved_label(TRACK), "{TRACK}");
    }

    #[test]
    fn selector_ignores_version_and_image() {
        let normalized = |c: Component| {
            let mut app = App::new("shop").component(c);
            crate::model::defaults::normalize(&mut app);
            app
        };
        let app = normalized(Component::new("api", "api:v1"));
        let a = &app.components[0];
        let b =
            normalized(Component::new("api", "registry.example.com/api:v2").label("tier", "web"))
                .components[0]
                .clone();
        assert_eq!(selector(a), selector(&b));
        let labels = workload_labels(&app, a);
        assert!(selector(a).iter().all(|(k, v)| labels.get(k) == Some(v)));
        assert_eq!(labels[VERSION], "v1");
    }
}
