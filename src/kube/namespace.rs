//! Namespace-wide objects: the Namespace, its ResourceQuota and LimitRange.

use k8s_openapi::api::core::v1::{
    LimitRange, LimitRangeItem, LimitRangeSpec, Namespace, ResourceQuota, ResourceQuotaSpec,
};

use super::pod::quantities;
use crate::model::App;

pub fn namespace(app: &App) -> Option<Namespace> {
    let name = app
        .namespace
        .as_ref()
        .filter(|_| app.create_namespace == Some(true))?;
    let mut metadata = super::app_meta(app, name.clone());
    metadata.namespace = None;
    // Removing the app from the repo must not delete the namespace (and everything in it).
    super::labels::keep_on_prune(app, &mut metadata.annotations);
    Some(Namespace {
        metadata,
        ..Default::default()
    })
}

pub fn quota(app: &App) -> Option<ResourceQuota> {
    if app.quota.is_empty() {
        return None;
    }
    Some(ResourceQuota {
        metadata: super::app_meta(app, app.name.clone()),
        spec: Some(ResourceQuotaSpec {
            hard: quantities(&app.quota),
            ..Default::default()
        }),
        ..Default::default()
    })
}

pub fn limit_range(app: &App) -> Option<LimitRange> {
    let l = app.limit_range.as_ref()?;
    Some(LimitRange {
        metadata: super::app_meta(app, app.name.clone()),
        spec: Some(LimitRangeSpec {
            limits: vec![LimitRangeItem {
                type_: "Container".to_string(),
                default: quantities(&l.default),
                default_request: quantities(&l.default_request),
                max: quantities(&l.max),
                min: quantities(&l.min),
                ..Default::default()
            }],
        }),
    })
}
