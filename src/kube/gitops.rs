//! The objects of an environment of a GitOps tree ([`EnvironmentTree`], normalised and valid):
//! the Namespaces it owns, the Argo CD Applications (app-of-apps) and the Flux Kustomizations
//! that sync its apps' folders. Returns each object's file inside the environment folder and
//! its JSON; `emit` writes them. It reads no file and decides no layout but the names of the
//! environment's own subfolders.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::Value;

use super::crd::{
    Application, ApplicationDestination, ApplicationSource, ApplicationSpec, Automated,
    FluxDependency, FluxKustomization, FluxKustomizationSpec, FluxSourceRef, SyncPolicy,
};
use super::labels::{FLUX_PRUNE, KEEP_ON_PRUNE, MANAGED_BY, MANAGER};
use crate::model::gitops::{EnvironmentTree, names};

/// The environment's Namespaces (`ENV/_namespaces/`).
pub const NAMESPACES_FOLDER: &str = "_namespaces";
/// Argo CD: the root Application (`ENV/_argocd/`) and the folder it syncs, one Application per
/// app (`ENV/_argocd/apps/`).
pub const ARGOCD_FOLDER: &str = "_argocd";
/// Flux: the entry point (`ENV/_flux/`) and the folder it applies, one Kustomization per app
/// and pre-deploy folder (`ENV/_flux/apps/`).
pub const FLUX_FOLDER: &str = "_flux";
/// The subfolder of `_argocd/` and `_flux/` holding the per-app objects.
pub const APPS_FOLDER: &str = "apps";
/// Argo CD's finalizer: deleting the Application deletes the objects it synced.
const ARGOCD_FINALIZER: &str = "resources-finalizer.argocd.argoproj.io";
/// The Argo CD annotation that orders the sync of the root Application's children.
const ARGOCD_SYNC_WAVE: &str = "argocd.argoproj.io/sync-wave";

/// Every object of `tree`: (path inside the environment folder, `/`-separated; JSON), in path
/// order.
pub fn environment(tree: &EnvironmentTree) -> Vec<(String, Value)> {
    let mut out: BTreeMap<String, Value> = BTreeMap::new();
    let json = |v: &dyn erased::ToJson| v.to_json();
    let file = |folder: &str, kind: &str, name: &str| {
        format!("{folder}/{}-{name}.yaml", kind.to_ascii_lowercase())
    };
    let labels = || BTreeMap::from([(MANAGED_BY.to_string(), MANAGER.to_string())]);
    for ns in &tree.namespaces {
        let mut l = tree.namespace_labels.clone();
        l.extend(labels());
        let object = Namespace {
            metadata: ObjectMeta {
                name: Some(ns.clone()),
                labels: Some(l),
                // Removing the namespace from the list must not delete it and all it holds.
                annotations: Some(BTreeMap::from([(
                    FLUX_PRUNE.to_string(),
                    KEEP_ON_PRUNE.to_string(),
                )])),
                ..Default::default()
            },
            ..Default::default()
        };
        out.insert(file(NAMESPACES_FOLDER, "Namespace", ns), json(&object));
    }
    let env = &tree.env;
    let has_namespaces = !tree.namespaces.is_empty();
    let sub = |folder: &str| format!("{}/{folder}", tree.path);
    if let Some(a) = &tree.argocd {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let source = |path: String| ApplicationSource {
            repo_url: a.repo.clone(),
            target_revision: text(&a.revision),
            path,
        };
        let server = text(&a.server);
        let application = |name: String,
                           sources: Vec<ApplicationSource>,
                           namespace: Option<String>,
                           prune: bool,
                           sync_options: Vec<String>| {
            let mut sources = sources;
            let (source, sources) = if sources.len() == 1 {
                (sources.pop(), Vec::new())
            } else {
                (None, sources)
            };
            Application {
                api_version: "argoproj.io/v1alpha1".to_string(),
                kind: "Application".to_string(),
                metadata: ObjectMeta {
                    name: Some(name),
                    namespace: a.namespace.clone(),
                    labels: Some(labels()),
                    ..Default::default()
                },
                spec: ApplicationSpec {
                    project: text(&a.project),
                    source,
                    sources,
                    destination: ApplicationDestination {
                        server: server.clone(),
                        namespace,
                    },
                    sync_policy: Some(SyncPolicy {
                        automated: (a.automated == Some(true)).then_some(Automated {
                            prune,
                            self_heal: a.self_heal == Some(true),
                        }),
                        sync_options,
                    }),
                },
            }
        };
        let prune = a.prune == Some(true);
        let apps_folder = format!("{ARGOCD_FOLDER}/{APPS_FOLDER}");
        for app in &tree.apps {
            let mut sources = vec![source(app.path.clone())];
            if let Some(pre) = &app.pre_deploy {
                // Argo CD runs the PreSync hook only if the Application sees the Job.
                sources.push(source(pre.clone()));
            }
            let name = names::app(&app.name, env);
            let mut object = application(
                name.clone(),
                sources,
                app.namespace.clone(),
                prune,
                tree.argocd_sync_options.clone(),
            );
            if prune {
                // Removing the app from the tree removes its Application, then its objects.
                object.metadata.finalizers = Some(vec![ARGOCD_FINALIZER.to_string()]);
            }
            out.insert(file(&apps_folder, "Application", &name), json(&object));
        }
        if has_namespaces {
            let name = names::namespaces(env);
            // Never pruned: a namespace leaving the list is deleted by hand, if at all.
            let mut object = application(
                name.clone(),
                vec![source(sub(NAMESPACES_FOLDER))],
                None,
                false,
                Vec::new(),
            );
            object.metadata.annotations = Some(BTreeMap::from([(
                ARGOCD_SYNC_WAVE.to_string(),
                "-1".to_string(),
            )]));
            out.insert(file(&apps_folder, "Application", &name), json(&object));
        }
        let root = names::root(env);
        let mut object = application(
            root.clone(),
            vec![source(sub(&apps_folder))],
            a.namespace.clone(),
            prune,
            Vec::new(),
        );
        // The Applications go where Argo CD runs, whatever cluster the apps go to.
        object.spec.destination.server = crate::model::defaults::ARGOCD_LOCAL_SERVER.to_string();
        out.insert(file(ARGOCD_FOLDER, "Application", &root), json(&object));
    }
    if let Some(f) = &tree.flux {
        let (kind, source_ns, source_name) = f
            .source
            .as_deref()
            .and_then(|s| crate::model::rules::flux_source(s).ok())
            .unwrap_or(("GitRepository", None, "flux-system"));
        let prune = f.prune == Some(true);
        let kustomization = |name: &str, path: String, depends_on: Vec<String>| FluxKustomization {
            api_version: "kustomize.toolkit.fluxcd.io/v1".to_string(),
            kind: "Kustomization".to_string(),
            metadata: ObjectMeta {
                name: Some(name.to_string()),
                namespace: f.namespace.clone(),
                labels: Some(labels()),
                ..Default::default()
            },
            spec: FluxKustomizationSpec {
                depends_on: depends_on
                    .into_iter()
                    .map(|name| FluxDependency { name })
                    .collect(),
                force: None,
                interval: f.interval.clone().unwrap_or_default(),
                path: format!("./{path}"),
                prune,
                source_ref: FluxSourceRef {
                    kind: kind.to_string(),
                    name: source_name.to_string(),
                    namespace: source_ns.map(str::to_string),
                },
                timeout: f.timeout.clone(),
                wait: None,
            },
        };
        let apps_folder = format!("{FLUX_FOLDER}/{APPS_FOLDER}");
        let namespaces = names::namespaces(env);
        for app in &tree.apps {
            // An app in a namespace of the environment waits for it.
            let mut first: Vec<String> = Vec::new();
            if app
                .namespace
                .as_ref()
                .is_some_and(|ns| tree.namespaces.contains(ns))
            {
                first.push(namespaces.clone());
            }
            let name = names::app(&app.name, env);
            let mut depends_on = first.clone();
            if let Some(pre_path) = &app.pre_deploy {
                let pre = names::pre_deploy(&app.name, env);
                let mut object = kustomization(&pre, pre_path.clone(), first);
                // Wait for the Jobs to finish; a changed Job is recreated, not patched.
                object.spec.wait = Some(true);
                object.spec.force = Some(true);
                out.insert(file(&apps_folder, "Kustomization", &pre), json(&object));
                depends_on.push(pre);
            }
            let object = kustomization(&name, app.path.clone(), depends_on);
            out.insert(file(&apps_folder, "Kustomization", &name), json(&object));
        }
        if has_namespaces {
            let object = kustomization(&namespaces, sub(NAMESPACES_FOLDER), Vec::new());
            out.insert(
                file(&apps_folder, "Kustomization", &namespaces),
                json(&object),
            );
        }
        let root = names::root(env);
        let object = kustomization(&root, sub(&apps_folder), Vec::new());
        out.insert(file(FLUX_FOLDER, "Kustomization", &root), json(&object));
    }
    out.into_iter().collect()
}

mod erased {
    /// Any serializable object as JSON.
    pub trait ToJson {
        fn to_json(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> ToJson for T {
        fn to_json(&self) -> serde_json::Value {
            serde_json::to_value(self).expect("objects serialize to JSON")
        }
    }
}
