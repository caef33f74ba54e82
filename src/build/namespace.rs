//! Namespace.

use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::labels;
use crate::model::App;

pub fn namespace(app: &App) -> Option<Namespace> {
    let name = app.namespace.as_ref().filter(|_| app.create_namespace)?;
    Some(Namespace {
        metadata: ObjectMeta {
            name: Some(name.clone()),
            labels: Some(labels::app_labels(app)),
            annotations: super::non_empty(app.annotations.clone()),
            ..Default::default()
        },
        ..Default::default()
    })
}
