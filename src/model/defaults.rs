//! Defaults, applied once: [`normalize`] fills every value an app left to k8gen, for both
//! front ends (a lowered spec and an app built in Rust go through the same pass before the
//! rules and the object builders see them). Each default is also a function of its own, so a
//! caller (such as `import`) can ask "what would the default be here?".
//!
//! This module decides values only; it never reports problems (that is [`super::rules`]) and
//! knows nothing of TOML or Kubernetes objects.

use super::{App, ArgoCd, Component, Ingress, PathType, SecretStoreKind, names};

/// Fills every default of `app` in place. Idempotent: values already set are kept, except
/// derived names, which are always recomputed.
pub fn normalize(app: &mut App) {
    let app_name = app.name.clone();
    for c in &mut app.components {
        c.name = names::component(&app_name, &c.key);
        if c.role.is_none() {
            c.role = Some(role(&app_name, c).to_string());
        }
    }
    if app.create_namespace.is_none() {
        app.create_namespace = Some(create_namespace(app));
    }
    if let Some(ingress) = &mut app.ingress {
        let tls = *ingress.tls.get_or_insert(ingress_tls(ingress));
        if tls && ingress.tls_secret.is_none() {
            ingress.tls_secret = Some(names::ingress_tls(&app_name));
        }
        for r in &mut ingress.routes {
            r.path.get_or_insert_with(route_path);
            r.path_type.get_or_insert(PathType::Prefix);
        }
    }
    if let Some(a) = &mut app.argocd {
        argocd(a);
    }
    if let Some(store) = &mut app.external_secrets {
        store.kind.get_or_insert(SecretStoreKind::SecretStore);
        store
            .refresh_interval
            .get_or_insert_with(|| REFRESH_INTERVAL.to_string());
    }
}

/// Whether to emit the Namespace: yes when the app has one.
pub fn create_namespace(app: &App) -> bool {
    app.namespace.is_some()
}

/// Whether an Ingress that does not say serves TLS: yes when it names a cert-manager issuer or
/// a TLS Secret.
pub fn ingress_tls(ingress: &Ingress) -> bool {
    ingress.cert_manager_issuer.is_some() || ingress.tls_secret.is_some()
}

/// The path of a route that gives none.
pub fn route_path() -> String {
    "/".to_string()
}

/// Fills the defaults of an Argo CD Application: revision `HEAD`, project `default`, Argo CD in
/// namespace `argocd`, the local cluster, automated sync with pruning and self-healing.
pub fn argocd(a: &mut ArgoCd) {
    let text = |v: &mut Option<String>, default: &str| {
        v.get_or_insert_with(|| default.to_string());
    };
    text(&mut a.revision, "HEAD");
    text(&mut a.project, "default");
    text(&mut a.namespace, "argocd");
    text(&mut a.server, "https://kubernetes.default.svc");
    for flag in [&mut a.automated, &mut a.prune, &mut a.self_heal] {
        flag.get_or_insert(true);
    }
}

/// How often External Secrets syncs by default.
pub const REFRESH_INTERVAL: &str = "1h";

/// The `app.kubernetes.io/component` label of a component that does not set `role`: its key;
/// for the main component (keyed like the app), `server` when it has ports, else `worker`.
pub fn role<'c>(app: &str, c: &'c Component) -> &'c str {
    if c.key != app {
        &c.key
    } else if c.ports.is_empty() {
        "worker"
    } else {
        "server"
    }
}
