//! HorizontalPodAutoscaler and PodDisruptionBudget: both aim at the component's workload.

use k8s_openapi::api::autoscaling::v2::{
    CrossVersionObjectReference, HorizontalPodAutoscaler, HorizontalPodAutoscalerSpec, MetricSpec,
    MetricTarget, ResourceMetricSource,
};
use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};

use super::{deployment::int_or_percent, pod};
use crate::model::{App, Component, Disruption, names};

pub fn autoscaler(app: &App, c: &Component) -> Option<HorizontalPodAutoscaler> {
    let a = c.autoscale.as_ref()?;
    let metric = |name: &str, percent: i32| MetricSpec {
        type_: "Resource".to_string(),
        resource: Some(ResourceMetricSource {
            name: name.to_string(),
            target: MetricTarget {
                type_: "Utilization".to_string(),
                average_utilization: Some(percent),
                ..Default::default()
            },
        }),
        ..Default::default()
    };
    let mut metrics = Vec::new();
    if let Some(p) = a.cpu_percent {
        metrics.push(metric("cpu", p));
    }
    if let Some(p) = a.memory_percent {
        metrics.push(metric("memory", p));
    }
    Some(HorizontalPodAutoscaler {
        metadata: super::component_meta(app, c, names::component_autoscaler(c)),
        spec: Some(HorizontalPodAutoscalerSpec {
            scale_target_ref: CrossVersionObjectReference {
                api_version: Some("apps/v1".to_string()),
                kind: c.workload.kind().to_string(),
                name: c.name.clone(),
            },
            min_replicas: Some(a.min),
            max_replicas: a.max,
            metrics: super::non_empty_vec(metrics),
            ..Default::default()
        }),
        ..Default::default()
    })
}

pub fn disruption_budget(app: &App, c: &Component) -> Option<PodDisruptionBudget> {
    let d = c.disruption.as_ref()?;
    let Disruption {
        min_available,
        max_unavailable,
        ..
    } = d;
    let (min_available, max_unavailable) = (
        min_available.as_ref().map(int_or_percent),
        max_unavailable.as_ref().map(int_or_percent),
    );
    Some(PodDisruptionBudget {
        metadata: super::component_meta(app, c, names::component_budget(c)),
        spec: Some(PodDisruptionBudgetSpec {
            selector: Some(pod::selector(c)),
            min_available,
            max_unavailable,
            ..Default::default()
        }),
        ..Default::default()
    })
}
