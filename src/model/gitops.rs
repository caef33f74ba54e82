//! An environment of a GitOps tree as a whole (`render --all-envs -o DIR`): the Namespaces it
//! owns and the engine objects (Argo CD Applications, Flux Kustomizations) that sync its apps'
//! folders. Filled by the front end from `k8gen.toml` and the apps a tree holds; defaults are
//! [`super::defaults::environment_tree`]'s, rules [`super::rules::environment_tree`]'s. No
//! objects here (that is `kube::gitops`), and no paths of the machine: every path is a path
//! inside the Git repository the engines read.

use std::collections::BTreeMap;

use super::ArgoCd;

/// One environment's folder of a tree.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EnvironmentTree {
    /// The environment's name.
    pub env: String,
    /// The environment folder's path in the Git repository (`deploy/staging`), `/`-separated,
    /// without `./`; its `_namespaces/`, `_argocd/` and `_flux/` folders go in it.
    pub path: String,
    /// Namespaces the environment owns (`namespaces`, `own_namespaces`): written once each,
    /// with [`EnvironmentTree::namespace_labels`].
    pub namespaces: Vec<String>,
    /// Labels of the environment's Namespaces (the platform's `[defaults] labels`, the
    /// environment's over them).
    pub namespace_labels: BTreeMap<String, String>,
    /// Argo CD Applications (app-of-apps), if wanted: `repo` is required, `path` unused.
    pub argocd: Option<ArgoCd>,
    /// `syncOptions` of every app's Application.
    pub argocd_sync_options: Vec<String>,
    /// How Argo CD tracks objects (the platform's `argocd_tracking`; `None`: the default,
    /// [`super::defaults::argocd_tracking`]). Under label tracking an Application's name is
    /// written into a label of every object it syncs, so it must fit a label value.
    pub argocd_tracking: Option<crate::values::ArgoTracking>,
    /// Flux Kustomizations, if wanted.
    pub flux: Option<Flux>,
    /// The apps of the environment, in folder order.
    pub apps: Vec<TreeApp>,
}

/// One app folder of an environment.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TreeApp {
    /// The folder's name (the spec file's stem): the base of its Application's and
    /// Kustomization's names.
    pub name: String,
    /// Its folder's path in the Git repository (`deploy/staging/shop`).
    pub path: String,
    /// The app's namespace: the Application's destination.
    pub namespace: Option<String>,
    /// The path in the Git repository of its `pre-deploy/` folder (migration Jobs to run
    /// first), if it has one.
    pub pre_deploy: Option<String>,
}

/// Flux settings. `None` fields take the defaults of [`super::defaults::environment_tree`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Flux {
    /// The source: `KIND/NAME` or `KIND/NAMESPACE/NAME`; `None`: `GitRepository/flux-system`.
    pub source: Option<String>,
    /// The Kustomizations' namespace; `None`: `flux-system`.
    pub namespace: Option<String>,
    /// `None`: `10m`.
    pub interval: Option<String>,
    /// `None`: Flux's own default.
    pub timeout: Option<String>,
    /// `None`: yes.
    pub prune: Option<bool>,
}

pub use super::names::environment as names;
