//! Secret `NAME-secrets`, type Opaque, values base64-encoded in `data` (never `stringData`,
//! which would show up as a diff against the live object on every sync). When the values come
//! from an External Secrets store, `crd::external_secret` makes the Secret instead. Also the
//! SOPS-encrypted form of a Secret ([`SopsSecret`]) and its sealed form ([`SealedSecret`])
//! that `passes::seal` makes of it for a tree.

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};

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

/// A Secret encrypted in SOPS's format (`secrets_mode = "sops"`), as written into a tree:
/// `data` values are `ENC[AES256_GCM,...]` strings and `sops` holds the data key for each age
/// recipient and the MAC. Built by `passes::seal` from the plain [`Secret`]; Flux's
/// kustomize-controller (`spec.decryption.provider: sops`) turns it back into that Secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SopsSecret {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub data: BTreeMap<String, String>,
    #[serde(rename = "type")]
    pub type_: String,
    pub sops: SopsMetadata,
}

/// The `sops` block of an encrypted file, with the fields this format needs (sops itself
/// also writes empty `kms`, `pgp`, ... lists, which readers treat as absent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SopsMetadata {
    pub age: Vec<AgeStanza>,
    pub lastmodified: String,
    pub mac: String,
    pub encrypted_regex: String,
    pub version: String,
}

/// The data key, age-encrypted (armored) for one recipient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgeStanza {
    pub recipient: String,
    pub enc: String,
}

impl k8s_openapi::Resource for SopsSecret {
    const API_VERSION: &'static str = "v1";
    const GROUP: &'static str = "";
    const KIND: &'static str = "Secret";
    const VERSION: &'static str = "v1";
    const URL_PATH_SEGMENT: &'static str = "secrets";
    type Scope = k8s_openapi::NamespaceResourceScope;
}

impl k8s_openapi::Metadata for SopsSecret {
    type Ty = ObjectMeta;
    fn metadata(&self) -> &ObjectMeta {
        &self.metadata
    }
    fn metadata_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

/// A Bitnami `SealedSecret` (`bitnami.com/v1alpha1`, `secrets_mode = "sealed"`), as written into
/// a tree: each value of the Secret sealed for the sealed-secrets controller's certificate,
/// and the rest of the Secret (metadata, type) in `spec.template`. Built by `passes::seal`
/// from the plain [`Secret`]; the controller in the cluster unseals it into that Secret (its
/// name and namespace are the SealedSecret's own).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SealedSecret {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: SealedSecretSpec,
}

/// `spec` of a [`SealedSecret`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SealedSecretSpec {
    /// Key → the sealed value, base64 (what `kubeseal` writes).
    pub encrypted_data: BTreeMap<String, String>,
    /// What the unsealed Secret gets besides its data.
    pub template: SecretTemplate,
}

/// `spec.template` of a [`SealedSecret`]: the Secret's metadata and type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecretTemplate {
    pub metadata: ObjectMeta,
    #[serde(rename = "type")]
    pub type_: String,
}

impl k8s_openapi::Resource for SealedSecret {
    const API_VERSION: &'static str = "bitnami.com/v1alpha1";
    const GROUP: &'static str = "bitnami.com";
    const KIND: &'static str = "SealedSecret";
    const VERSION: &'static str = "v1alpha1";
    const URL_PATH_SEGMENT: &'static str = "sealedsecrets";
    type Scope = k8s_openapi::NamespaceResourceScope;
}

impl k8s_openapi::Metadata for SealedSecret {
    type Ty = ObjectMeta;
    fn metadata(&self) -> &ObjectMeta {
        &self.metadata
    }
    fn metadata_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}
