//! Secret `NAME-secrets`, type Opaque, values base64-encoded in `data` (never `stringData`,
//! which would show up as a diff against the live object on every sync). When the values come
//! from an External Secrets store, `crd::external_secret` makes the Secret instead.

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;

use crate::model::{App, Component};

pub fn secret(app: &App, component: &Component) -> Option<Secret> {
    if component.secrets.is_empty() {
        return None;
    }
    Some(Secret {
        metadata: super::component_meta(app, component, component.secret_name()),
        type_: Some("Opaque".to_string()),
        data: Some(
            component
                .secrets
                .iter()
                .map(|(k, v)| (k.clone(), ByteString(v.clone())))
                .collect(),
        ),
        ..Default::default()
    })
}
