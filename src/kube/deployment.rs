//! Deployment.

use k8s_openapi::api::apps::v1::{
    Deployment, DeploymentSpec, DeploymentStrategy, RollingUpdateDeployment,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::{labels, pod};
use crate::model::{self, App, Component, Strategy};

pub fn deployment(app: &App, c: &Component) -> Deployment {
    Deployment {
        metadata: super::workload_meta(app, c, c.name.clone()),
        spec: Some(DeploymentSpec {
            replicas: c.replicas,
            selector: pod::selector(c),
            strategy: strategy(&c.rollout.strategy),
            min_ready_seconds: c.rollout.min_ready_seconds,
            revision_history_limit: c.rollout.revision_history_limit,
            progress_deadline_seconds: c.rollout.progress_deadline_seconds,
            template: pod::template(app, c),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn strategy(s: &Strategy) -> Option<DeploymentStrategy> {
    match s {
        Strategy::Default | Strategy::OnDelete => None,
        Strategy::Recreate => Some(DeploymentStrategy {
            type_: Some("Recreate".to_string()),
            rolling_update: None,
        }),
        Strategy::RollingUpdate {
            max_surge,
            max_unavailable,
        } => Some(DeploymentStrategy {
            type_: Some("RollingUpdate".to_string()),
            rolling_update: Some(RollingUpdateDeployment {
                max_surge: max_surge.as_ref().map(int_or_percent),
                max_unavailable: max_unavailable.as_ref().map(int_or_percent),
            }),
        }),
    }
}

pub(super) fn int_or_percent(v: &model::IntOrPercent) -> IntOrString {
    match v {
        model::IntOrPercent::Int(n) => IntOrString::Int(*n),
        model::IntOrPercent::Percent(p) => IntOrString::String(format!("{p}%")),
    }
}

/// The Deployment of one track of a released component: `NAME-TRACK`, running `image` with
/// `replicas`, its selector the component's plus the track (fixed for this Deployment: a
/// promotion changes Services and replica counts, never this selector). The version label
/// follows the track's image unless the component sets `version` itself.
pub fn track(
    app: &App,
    c: &Component,
    track: model::Track,
    image: &str,
    replicas: Option<i32>,
) -> Deployment {
    let mut tc = c.clone();
    tc.image = image.to_string();
    if c.version.as_deref() == model::defaults::version(&c.image) {
        tc.version = model::defaults::version(image).map(str::to_string);
    }
    tc.replicas = replicas;
    // Extra containers that run the component's image run the track's.
    for x in tc.init_containers.iter_mut().chain(tc.sidecars.iter_mut()) {
        if x.image == c.image {
            x.image = image.to_string();
        }
    }
    let mut d = deployment(app, &tc);
    d.metadata.name = Some(model::names::track(&c.name, track));
    labels::add_track(d.metadata.labels.get_or_insert_default(), track);
    let spec = d.spec.as_mut().expect("a Deployment has a spec");
    labels::add_track(spec.selector.match_labels.get_or_insert_default(), track);
    let pod = spec.template.metadata.get_or_insert_default();
    labels::add_track(pod.labels.get_or_insert_default(), track);
    d
}
