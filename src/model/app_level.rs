//! Objects that belong to the app as a whole rather than to one component.

use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ingress {
    pub class: Option<String>,
    pub annotations: BTreeMap<String, String>,
    /// TLS Secret name covering every host, if TLS is on.
    pub tls_secret: Option<String>,
    pub routes: Vec<Route>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub host: Option<String>,
    pub path: String,
    pub path_type: String,
    /// The target component's object name (= its Service name).
    pub service: String,
    /// Service port name.
    pub port: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LimitRange {
    pub default: BTreeMap<String, String>,
    pub default_request: BTreeMap<String, String>,
    pub max: BTreeMap<String, String>,
    pub min: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalSecrets {
    pub store: String,
    pub kind: String,
    pub refresh_interval: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgoCd {
    pub repo: String,
    pub path: String,
    pub revision: String,
    pub project: String,
    pub namespace: String,
    pub server: String,
    pub automated: bool,
    pub prune: bool,
    pub self_heal: bool,
}

/// A change to one generated object.
#[derive(Debug, Clone, PartialEq)]
pub struct Patch {
    pub kind: String,
    pub name: String,
    /// RFC 7386 JSON merge patch.
    pub merge: Option<serde_json::Value>,
    /// JSON pointer → value.
    pub set: Vec<(String, serde_json::Value)>,
}
