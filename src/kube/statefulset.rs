//! StatefulSet with per-pod volumeClaimTemplates and its governing headless Service.

use k8s_openapi::api::apps::v1::{
    RollingUpdateStatefulSetStrategy, StatefulSet, StatefulSetSpec, StatefulSetUpdateStrategy,
};
use k8s_openapi::api::core::v1::{
    PersistentVolumeClaim, PersistentVolumeClaimSpec, VolumeResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{deployment::int_or_percent, labels, non_empty_vec, pod};
use crate::model::{AccessMode, App, Component, Strategy, VolumeSource, Workload, defaults};

pub fn stateful_set(app: &App, c: &Component) -> StatefulSet {
    let Workload::StatefulSet { pod_management } = &c.workload else {
        unreachable!("stateful_set() is called for StatefulSets only")
    };
    let templates: Vec<PersistentVolumeClaim> = new_claims(c)
        .map(|(name, spec)| PersistentVolumeClaim {
            metadata: ObjectMeta {
                name: Some(name.to_string()),
                labels: Some(labels::selector(c)),
                ..Default::default()
            },
            spec: Some(spec),
            ..Default::default()
        })
        .collect();
    let update_strategy = match &c.rollout.strategy {
        Strategy::Default => None,
        Strategy::Recreate | Strategy::OnDelete => Some(StatefulSetUpdateStrategy {
            type_: Some("OnDelete".to_string()),
            rolling_update: None,
        }),
        Strategy::RollingUpdate {
            max_unavailable, ..
        } => Some(StatefulSetUpdateStrategy {
            type_: Some("RollingUpdate".to_string()),
            rolling_update: max_unavailable
                .as_ref()
                .map(|m| RollingUpdateStatefulSetStrategy {
                    max_unavailable: Some(int_or_percent(m)),
                    partition: None,
                }),
        }),
    };
    StatefulSet {
        metadata: super::workload_meta(app, c, c.name.clone()),
        spec: Some(StatefulSetSpec {
            replicas: c.replicas,
            selector: pod::selector(c),
            service_name: c.governing_service(),
            pod_management_policy: pod_management.map(|p| p.as_str().to_string()),
            update_strategy,
            min_ready_seconds: c.rollout.min_ready_seconds,
            revision_history_limit: c.rollout.revision_history_limit,
            template: pod::template(app, c),
            volume_claim_templates: non_empty_vec(templates),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The volumes k8gen makes claims for, by volume name, with the claim's spec.
fn new_claims(c: &Component) -> impl Iterator<Item = (&str, PersistentVolumeClaimSpec)> {
    c.volumes.iter().filter_map(|v| match &v.source {
        VolumeSource::NewClaim {
            size,
            class,
            access_modes,
        } => Some((v.name.as_str(), claim_spec(size, class, access_modes))),
        _ => None,
    })
}

fn claim_spec(
    size: &str,
    class: &Option<String>,
    access_modes: &Option<Vec<AccessMode>>,
) -> PersistentVolumeClaimSpec {
    let access_modes = access_modes.clone().unwrap_or_else(defaults::access_modes);
    PersistentVolumeClaimSpec {
        access_modes: Some(
            access_modes
                .iter()
                .map(|m| m.as_str().to_string())
                .collect(),
        ),
        storage_class_name: class.clone(),
        resources: Some(VolumeResourceRequirements {
            requests: Some([("storage".to_string(), Quantity(size.to_string()))].into()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// PersistentVolumeClaims for the new-claim volumes of a Deployment, Job or Pod (a StatefulSet
/// has volumeClaimTemplates instead).
pub fn claims(app: &App, c: &Component) -> Vec<PersistentVolumeClaim> {
    if matches!(c.workload, Workload::StatefulSet { .. }) {
        return Vec::new();
    }
    new_claims(c)
        .map(|(name, spec)| {
            let mut metadata = super::component_meta(app, c, c.claim_name(name));
            // Removing the app from the repo must not delete its data.
            labels::keep_on_prune(app, &mut metadata.annotations);
            PersistentVolumeClaim {
                metadata,
                spec: Some(spec),
                ..Default::default()
            }
        })
        .collect()
}
