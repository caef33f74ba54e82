//! Custom resources k8s-openapi does not have, as typed structs of our own: External Secrets'
//! `ExternalSecret`, Argo CD's `Application` and Argo Rollouts' `Rollout`. They implement k8s-openapi's `Resource` and
//! `Metadata` traits so they travel through the pipeline like built-in kinds, and reject
//! unknown fields when read back (so a patch with a typo fails).

use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use serde::{Deserialize, Serialize};

use crate::model::{App, Component};

macro_rules! custom_resource {
    ($ty:ident, $group:literal, $version:literal, $kind:literal, $plural:literal) => {
        impl k8s_openapi::Resource for $ty {
            const API_VERSION: &'static str = concat!($group, "/", $version);
            const GROUP: &'static str = $group;
            const KIND: &'static str = $kind;
            const VERSION: &'static str = $version;
            const URL_PATH_SEGMENT: &'static str = $plural;
            type Scope = k8s_openapi::NamespaceResourceScope;
        }
        impl k8s_openapi::Metadata for $ty {
            type Ty = ObjectMeta;
            fn metadata(&self) -> &ObjectMeta {
                &self.metadata
            }
            fn metadata_mut(&mut self) -> &mut ObjectMeta {
                &mut self.metadata
            }
        }
    };
}

/// `external-secrets.io/v1` ExternalSecret: makes a Secret from keys in a secret store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExternalSecret {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: ExternalSecretSpec,
}
custom_resource!(
    ExternalSecret,
    "external-secrets.io",
    "v1",
    "ExternalSecret",
    "externalsecrets"
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExternalSecretSpec {
    pub refresh_interval: String,
    pub secret_store_ref: StoreRef,
    pub target: Target,
    pub data: Vec<ExternalSecretData>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StoreRef {
    pub name: String,
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Target {
    pub name: String,
    pub creation_policy: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExternalSecretData {
    pub secret_key: String,
    pub remote_ref: RemoteRef,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RemoteRef {
    pub key: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub property: Option<String>,
}

/// The ExternalSecret that fills the component's Secret from the store.
pub fn external_secret(app: &App, c: &Component) -> Option<ExternalSecret> {
    let store = app.external_secrets.as_ref()?;
    if c.external_secrets.is_empty() {
        return None;
    }
    Some(ExternalSecret {
        api_version: "external-secrets.io/v1".to_string(),
        kind: "ExternalSecret".to_string(),
        metadata: super::component_meta(app, c, c.secret_name()),
        spec: ExternalSecretSpec {
            refresh_interval: store
                .refresh_interval
                .clone()
                .unwrap_or_else(|| crate::model::defaults::REFRESH_INTERVAL.to_string()),
            secret_store_ref: StoreRef {
                name: store.store.clone(),
                kind: store.kind.unwrap_or_default().to_string(),
            },
            target: Target {
                name: c.secret_name(),
                creation_policy: "Owner".to_string(),
            },
            data: c
                .external_secrets
                .iter()
                .map(|(key, (remote, property))| ExternalSecretData {
                    secret_key: key.clone(),
                    remote_ref: RemoteRef {
                        key: remote.clone(),
                        property: property.clone(),
                    },
                })
                .collect(),
        },
    })
}

/// `argoproj.io/v1alpha1` Application: Argo CD syncs a folder of a Git repository.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Application {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: ApplicationSpec,
}
custom_resource!(
    Application,
    "argoproj.io",
    "v1alpha1",
    "Application",
    "applications"
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApplicationSpec {
    pub project: String,
    /// One folder; [`ApplicationSpec::sources`] when there are several (an app folder and its
    /// `pre-deploy/` folder).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub source: Option<ApplicationSource>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub sources: Vec<ApplicationSource>,
    pub destination: ApplicationDestination,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sync_policy: Option<SyncPolicy>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApplicationSource {
    #[serde(rename = "repoURL")]
    pub repo_url: String,
    pub target_revision: String,
    pub path: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApplicationDestination {
    pub server: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub namespace: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SyncPolicy {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub automated: Option<Automated>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub sync_options: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Automated {
    pub prune: bool,
    pub self_heal: bool,
}

pub fn application(app: &App) -> Option<Application> {
    // Normalised already when it comes from `render_*`; filling again is a no-op.
    let mut a = app.argocd.clone()?;
    crate::model::defaults::argocd(&mut a);
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let mut metadata = super::app_meta(app, app.name.clone());
    metadata.namespace = a.namespace.clone();
    let sync_options = if app.namespace.is_some() && app.create_namespace == Some(true) {
        vec!["CreateNamespace=true".to_string()]
    } else {
        Vec::new()
    };
    Some(Application {
        api_version: "argoproj.io/v1alpha1".to_string(),
        kind: "Application".to_string(),
        metadata,
        spec: ApplicationSpec {
            project: text(&a.project),
            source: Some(ApplicationSource {
                repo_url: a.repo.clone(),
                target_revision: text(&a.revision),
                path: a.path.clone(),
            }),
            sources: Vec::new(),
            destination: ApplicationDestination {
                server: text(&a.server),
                namespace: app.namespace.clone(),
            },
            sync_policy: Some(SyncPolicy {
                automated: (a.automated == Some(true)).then_some(Automated {
                    prune: a.prune == Some(true),
                    self_heal: a.self_heal == Some(true),
                }),
                sync_options,
            }),
        },
    })
}

/// `kustomize.toolkit.fluxcd.io/v1` Kustomization: Flux applies a folder of a source
/// (`kubectl kustomize` of it) and prunes what leaves it. Only the fields k8gen sets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FluxKustomization {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: FluxKustomizationSpec,
}
custom_resource!(
    FluxKustomization,
    "kustomize.toolkit.fluxcd.io",
    "v1",
    "Kustomization",
    "kustomizations"
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FluxKustomizationSpec {
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub depends_on: Vec<FluxDependency>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub force: Option<bool>,
    pub interval: String,
    pub path: String,
    pub prune: bool,
    pub source_ref: FluxSourceRef,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub timeout: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub wait: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FluxDependency {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FluxSourceRef {
    pub kind: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub namespace: Option<String>,
}

/// `argoproj.io/v1alpha1` Rollout of Argo Rollouts: a Deployment-like workload whose
/// controller moves pods to a new template in canary steps. Only the fields k8gen sets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Rollout {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: RolloutSpec,
}
custom_resource!(Rollout, "argoproj.io", "v1alpha1", "Rollout", "rollouts");

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RolloutSpec {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub replicas: Option<i32>,
    pub selector: LabelSelector,
    pub template: PodTemplateSpec,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub min_ready_seconds: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub revision_history_limit: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub progress_deadline_seconds: Option<i32>,
    pub strategy: RolloutStrategy,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RolloutStrategy {
    pub canary: CanaryStrategy,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CanaryStrategy {
    pub steps: Vec<CanaryStep>,
}

/// One step: shift `set_weight` percent of pods to the new template, or `pause` (without a
/// duration: until promoted, `kubectl argo rollouts promote`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CanaryStep {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub set_weight: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub pause: Option<Pause>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Pause {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub duration: Option<String>,
}

/// The Rollout of a canary run by Argo Rollouts: the component's pods (its selector, no
/// track: the controller labels pods by template hash), running the canary's image (the
/// stable one when there is no canary), stepping to `weight` percent and pausing until
/// promoted.
pub fn rollout(app: &App, c: &Component, image: &str, weight: i32) -> Rollout {
    let mut tc = c.clone();
    tc.image = image.to_string();
    if c.version.as_deref() == crate::model::defaults::version(&c.image) {
        tc.version = crate::model::defaults::version(image).map(str::to_string);
    }
    let d = super::deployment::deployment(app, &tc);
    let spec = d.spec.expect("a Deployment has a spec");
    Rollout {
        api_version: "argoproj.io/v1alpha1".to_string(),
        kind: "Rollout".to_string(),
        metadata: d.metadata,
        spec: RolloutSpec {
            replicas: spec.replicas,
            selector: spec.selector,
            template: spec.template,
            min_ready_seconds: spec.min_ready_seconds,
            revision_history_limit: spec.revision_history_limit,
            progress_deadline_seconds: spec.progress_deadline_seconds,
            strategy: RolloutStrategy {
                canary: CanaryStrategy {
                    steps: vec![
                        CanaryStep {
                            set_weight: Some(weight),
                            pause: None,
                        },
                        CanaryStep {
                            set_weight: None,
                            pause: Some(Pause::default()),
                        },
                    ],
                },
            },
        },
    }
}
