//! ConfigMap `NAME-config`: UTF-8 values in `data`, other bytes in `binaryData`.
//!
//! A value holding `${` (a shell script, an nginx or JavaScript template) gets
//! [`FLUX_SUBSTITUTE`]` = disabled`: Flux's post-build substitution runs over every object of
//! a Kustomization that has `postBuild`, replacing `${VAR}` (with an empty string if unset) or
//! failing the whole Kustomization on what it cannot parse (`${INTERVAL / 1000}`). A config
//! file's text is data, never a Flux template (per environment values are overlays).

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::ConfigMap;

use crate::model::{App, Component, ConfigData};

/// Flux's annotation (or label) that keeps post-build substitution off an object.
pub const FLUX_SUBSTITUTE: &str = "kustomize.toolkit.fluxcd.io/substitute";

pub fn config_map(app: &App, component: &Component) -> Option<ConfigMap> {
    if component.config.is_empty() {
        return None;
    }
    let mut data = BTreeMap::new();
    let mut binary = BTreeMap::new();
    for (key, value) in &component.config {
        match value {
            ConfigData::Text(text) => {
                data.insert(key.clone(), text.clone());
            }
            ConfigData::Binary(bytes) => {
                binary.insert(key.clone(), ByteString(bytes.clone()));
            }
        }
    }
    let mut metadata = super::component_meta(app, component, component.config_map_name());
    if data.values().any(|v: &String| v.contains("${")) {
        metadata
            .annotations
            .get_or_insert_with(BTreeMap::new)
            .insert(FLUX_SUBSTITUTE.to_string(), "disabled".to_string());
    }
    Some(ConfigMap {
        metadata,
        data: super::non_empty(data),
        binary_data: super::non_empty(binary),
        ..Default::default()
    })
}
