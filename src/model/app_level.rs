//! Objects that belong to the app as a whole rather than to one component.

use std::collections::BTreeMap;

use super::{PathType, PortTarget, SecretStoreKind};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ingress {
    pub class: Option<String>,
    pub annotations: BTreeMap<String, String>,
    /// cert-manager ClusterIssuer: adds its annotation, and turns TLS on unless `tls` says no.
    pub cert_manager_issuer: Option<String>,
    /// Serve TLS for every host. `None`: the default ([`super::defaults::ingress_tls`]), on when
    /// an issuer or a Secret is named.
    pub tls: Option<bool>,
    /// TLS Secret covering every host. `None` with TLS on: `APP-tls`
    /// ([`super::names::ingress_tls`]), filled in by [`super::defaults::normalize`].
    pub tls_secret: Option<String>,
    pub routes: Vec<Route>,
    /// Name of the Ingress. `None`: the app's ([`super::names::ingress`]), filled in by
    /// [`super::defaults::normalize`].
    pub name: Option<String>,
}

/// Traffic for a host and path, sent to a component's Service.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Route {
    /// `None`: every host.
    pub host: Option<String>,
    /// `None`: `/`.
    pub path: Option<String>,
    /// `None`: `Prefix`.
    pub path_type: Option<PathType>,
    /// The KEY of the component whose Service receives the traffic.
    pub component: String,
    /// A port of that Service, by name or number; `None`: its first port.
    pub port: Option<PortTarget>,
}

impl Route {
    /// A route for `host` (`None`: every host) and `path` to component `key`'s first Service port.
    pub fn new(host: Option<&str>, path: &str, key: impl Into<String>) -> Self {
        Route {
            host: host.map(str::to_string),
            path: Some(path.to_string()),
            component: key.into(),
            ..Default::default()
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LimitRange {
    pub default: BTreeMap<String, String>,
    pub default_request: BTreeMap<String, String>,
    pub max: BTreeMap<String, String>,
    pub min: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExternalSecrets {
    pub store: String,
    /// `None`: `SecretStore`.
    pub kind: Option<SecretStoreKind>,
    /// `None`: `1h`.
    pub refresh_interval: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
/// An Argo CD Application syncing the rendered folder. `None` fields take the defaults of
/// [`super::defaults::argocd`].
#[derive(Default)]
pub struct ArgoCd {
    pub repo: String,
    pub path: String,
    /// `None`: `HEAD`.
    pub revision: Option<String>,
    /// `None`: `default`.
    pub project: Option<String>,
    /// Namespace Argo CD runs in; `None`: `argocd`.
    pub namespace: Option<String>,
    /// `None`: `https://kubernetes.default.svc`.
    pub server: Option<String>,
    /// Sync automatically; `None`: yes.
    pub automated: Option<bool>,
    /// `None`: yes.
    pub prune: Option<bool>,
    /// `None`: yes.
    pub self_heal: Option<bool>,
}

/// A change to one generated object: `merge`, then `set`, then `remove`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Patch {
    /// Kind of the object to change (`Deployment`).
    pub kind: String,
    /// Its name (`shop-api`).
    pub name: String,
    /// RFC 7386 JSON merge patch.
    pub merge: Option<serde_json::Value>,
    /// JSON pointer → value.
    pub set: Vec<(String, serde_json::Value)>,
    /// JSON pointers of fields to delete (TOML has no `null` for a merge patch to delete with).
    pub remove: Vec<String>,
}
