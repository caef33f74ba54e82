//! ConfigMap `NAME-config`: UTF-8 values in `data`, other bytes in `binaryData`.

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::ConfigMap;

use crate::model::{App, Component, ConfigData};

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
    Some(ConfigMap {
        metadata: super::component_meta(app, component, component.config_map_name()),
        data: super::non_empty(data),
        binary_data: super::non_empty(binary),
        ..Default::default()
    })
}
