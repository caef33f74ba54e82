//! Deployment.

use k8s_openapi::api::apps::v1::{
    Deployment, DeploymentSpec, DeploymentStrategy, RollingUpdateDeployment,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::pod;
use crate::model::{self, App, Component, Strategy};

pub fn deployment(app: &App, c: &Component) -> Deployment {
    Deployment {
        metadata: super::component_meta(app, c, c.name.clone()),
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
