//! Every object name k8gen derives from an app, in one place, each with its inverse so that
//! `import` can tell which component an existing object belongs to.
//!
//! A component's objects are named `APP` when its key is the app's name (the main component of
//! a spec), else `APP-KEY`; its ConfigMap `NAME-config`, its Secret `NAME-secrets`, a claim
//! `NAME-VOLUME`, a further Service `NAME-KEY`, the extra governing Service of a StatefulSet
//! `NAME-headless`, cluster-scoped RBAC objects `NAMESPACE-NAME`, the Ingress TLS Secret `APP-tls`; with a release, each
//! track's Deployment (and its autoscaler and budget) `NAME-TRACK` (`NAME-blue`, `NAME-green`,
//! `NAME-stable`, `NAME-canary`), the idle colour's Service `NAME-preview` and the canary-only
//! Service and Ingress `NAME-canary`. A component may pin the names of objects that already
//! exist (`names = { workload, service, config, secrets }`): a pinned name replaces the derived
//! one, every reference follows it ([`component_service`], ...), and [`owner`] inverts names
//! with pins. Nothing else in k8gen formats an object name; this module knows names only, not
//! objects.

use super::{App, Component};

/// Name of the objects of component `key` of app `app`.
pub fn component(app: &str, key: &str) -> String {
    if key == app {
        app.to_string()
    } else {
        format!("{app}-{key}")
    }
}

/// The component key an object named `object` of app `app` belongs to (inverse of
/// [`component`]).
pub fn component_key<'o>(app: &str, object: &'o str) -> Option<&'o str> {
    if object == app {
        return Some(object);
    }
    object
        .strip_prefix(app)?
        .strip_prefix('-')
        .filter(|k| !k.is_empty())
}

/// Name of component `c`'s objects (the workload and everything named like it): its pinned
/// `names.workload`, else [`component`]. [`super::defaults::normalize`] stores it in `c.name`.
pub fn objects(app: &str, c: &Component) -> String {
    c.names
        .workload
        .clone()
        .unwrap_or_else(|| component(app, &c.key))
}

/// The component's own Service: its pinned `names.service`, else named like its objects.
pub fn component_service(c: &Component) -> String {
    c.names.service.clone().unwrap_or_else(|| c.name.clone())
}

/// The component's ConfigMap: its pinned `names.config`, else [`config_map`] of its name.
pub fn component_config_map(c: &Component) -> String {
    c.names
        .config
        .clone()
        .unwrap_or_else(|| config_map(&c.name))
}

/// The component's Secret: its pinned `names.secrets`, else [`secret`] of its name.
pub fn component_secret(c: &Component) -> String {
    c.names.secrets.clone().unwrap_or_else(|| secret(&c.name))
}

/// The component's HorizontalPodAutoscaler: its pinned `names.autoscaler`, else its name.
pub fn component_autoscaler(c: &Component) -> String {
    c.names.autoscaler.clone().unwrap_or_else(|| c.name.clone())
}

/// The component's PodDisruptionBudget: its pinned `names.budget`, else its name.
pub fn component_budget(c: &Component) -> String {
    c.names.budget.clone().unwrap_or_else(|| c.name.clone())
}

/// What a component's object of some kind is called, for [`owner`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Named {
    /// The workload and the objects named like it.
    Workload,
    Service,
    ConfigMap,
    Secret,
}

/// What the `kind` object of component `key` of (normalised) `app` is called, pinned or
/// derived: what a reference to it (an env value, `wait_for`, an Ingress route, `from`) uses.
pub fn of(app: &App, key: &str, kind: Named) -> String {
    match app.components.iter().find(|c| c.key == key) {
        Some(c) => match kind {
            Named::Workload => c.name.clone(),
            Named::Service => component_service(c),
            Named::ConfigMap => component_config_map(c),
            Named::Secret => component_secret(c),
        },
        // An unknown key is the rules' to report; nothing is rendered then.
        None => component(&app.name, key),
    }
}

/// The component of (normalised) `app` whose `kind` object is called `name`, pinned or
/// derived: the inverse of [`objects`], [`component_service`], [`component_config_map`] and
/// [`component_secret`].
pub fn owner<'a>(app: &'a App, kind: Named, name: &str) -> Option<&'a Component> {
    app.components
        .iter()
        .find(|c| of(app, &c.key, kind) == name)
}

const CONFIG_SUFFIX: &str = "-config";
const SECRET_SUFFIX: &str = "-secrets";
const HEADLESS_SUFFIX: &str = "-headless";
const TLS_SUFFIX: &str = "-tls";

/// The ConfigMap of the component whose objects are named `component`.
pub fn config_map(component: &str) -> String {
    format!("{component}{CONFIG_SUFFIX}")
}

/// Inverse of [`config_map`]: the component name.
pub fn config_map_owner(name: &str) -> Option<&str> {
    name.strip_suffix(CONFIG_SUFFIX)
}

/// The Secret of the component whose objects are named `component`.
pub fn secret(component: &str) -> String {
    format!("{component}{SECRET_SUFFIX}")
}

/// Inverse of [`secret`]: the component name.
pub fn secret_owner(name: &str) -> Option<&str> {
    name.strip_suffix(SECRET_SUFFIX)
}

/// Length of a content hash suffix (Kustomize's: the first 10 hex digits of a SHA-256, with
/// `0 1 3 a e` written `g h k m t` so it never reads as a number or a word).
pub const HASH_LEN: usize = 10;

/// The characters of a content hash suffix.
fn is_hash_char(c: char) -> bool {
    "2456789bcdfghkmt".contains(c)
}

/// An object named by its content (`config_rollout = "hashed-names"`, a hashed Job):
/// `NAME-HASH`, e.g. `shop-config-9g67k2htb6`.
pub fn hashed(name: &str, hash: &str) -> String {
    format!("{name}-{hash}")
}

/// Inverse of [`hashed`]: the name without its hash suffix, if it has one (a `-` and 10
/// characters of the hash alphabet: its letters are consonants, so no word is one).
pub fn unhashed(name: &str) -> Option<&str> {
    let (base, hash) = name.rsplit_once('-')?;
    let ok = !base.is_empty() && hash.len() == HASH_LEN && hash.chars().all(is_hash_char);
    ok.then_some(base)
}

/// The PersistentVolumeClaim k8gen makes for volume `volume` of a Deployment (a StatefulSet's
/// per-pod claims are named by Kubernetes from the template name, which is `volume`).
pub fn claim(component: &str, volume: &str) -> String {
    format!("{component}-{volume}")
}

/// Inverse of [`claim`]: the volume name, given the component's name.
pub fn claim_volume<'n>(component: &str, claim: &'n str) -> Option<&'n str> {
    suffix(component, claim)
}

/// What follows `component-` in `name`, if anything.
fn suffix<'n>(component: &str, name: &'n str) -> Option<&'n str> {
    name.strip_prefix(component)?
        .strip_prefix('-')
        .filter(|v| !v.is_empty())
}

/// A further Service `key` of a component (`[services.KEY]`), beside its own.
pub fn extra_service(component: &str, key: &str) -> String {
    format!("{component}-{key}")
}

/// Inverse of [`extra_service`]: the key, given the component's name.
pub fn extra_service_key<'n>(component: &str, name: &'n str) -> Option<&'n str> {
    suffix(component, name)
}

/// The extra headless Service that governs a StatefulSet whose own Service is not headless.
pub fn governing_service(component: &str) -> String {
    format!("{component}{HEADLESS_SUFFIX}")
}

/// Inverse of [`governing_service`].
pub fn governing_service_owner(name: &str) -> Option<&str> {
    name.strip_suffix(HEADLESS_SUFFIX)
}

/// A cluster-scoped object (ClusterRole, ClusterRoleBinding) of a component: prefixed with the
/// namespace so that two installs of one app cannot collide.
pub fn cluster_scoped(namespace: Option<&str>, component: &str) -> String {
    match namespace {
        Some(ns) => format!("{ns}-{component}"),
        None => component.to_string(),
    }
}

/// Inverse of [`cluster_scoped`].
pub fn cluster_scoped_owner<'n>(namespace: Option<&str>, name: &'n str) -> Option<&'n str> {
    match namespace {
        Some(ns) => name.strip_prefix(ns)?.strip_prefix('-'),
        None => Some(name),
    }
}

/// The app's Ingress when it names none.
pub fn ingress(app: &str) -> String {
    app.to_string()
}

/// The TLS Secret an Ingress with `tls = true` (or a cert-manager issuer) uses.
pub fn ingress_tls(app: &str) -> String {
    format!("{app}{TLS_SUFFIX}")
}

/// The Deployment (and autoscaler, budget) of track `track` of a released component. The
/// stable track is `NAME-stable`, not `NAME`: a component that starts a release gets new
/// Deployments (the old `NAME`, whose selector has no track, is pruned), never a selector
/// change on an existing one.
pub fn track(component: &str, track: crate::model::Track) -> String {
    format!("{component}-{track}")
}

/// Inverse of [`track`]: the component name and the track.
pub fn track_owner(name: &str) -> Option<(&str, crate::model::Track)> {
    crate::model::Track::ALL.iter().find_map(|t| {
        name.strip_suffix(t.as_str())?
            .strip_suffix('-')
            .filter(|c| !c.is_empty())
            .map(|c| (c, *t))
    })
}

const PREVIEW_SUFFIX: &str = "-preview";

/// The Service of the idle colour of a blue-green release.
pub fn preview_service(component: &str) -> String {
    format!("{component}{PREVIEW_SUFFIX}")
}

/// Inverse of [`preview_service`].
pub fn preview_service_owner(name: &str) -> Option<&str> {
    name.strip_suffix(PREVIEW_SUFFIX)
}

/// The Service (canary pods only) and the weighted Ingress of a canary release: named like
/// the canary track's Deployment.
pub fn canary_route(component: &str) -> String {
    track(component, crate::model::Track::Canary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_inverts() {
        assert_eq!(component("shop", "shop"), "shop");
        assert_eq!(component("shop", "db"), "shop-db");
        assert_eq!(component_key("shop", "shop-db"), Some("db"));
        assert_eq!(component_key("shop", "shop"), Some("shop"));
        assert_eq!(component_key("shop", "shopdb"), None);
        assert_eq!(component_key("shop", "shop-"), None);
        assert_eq!(config_map_owner(&config_map("shop-db")), Some("shop-db"));
        assert_eq!(secret_owner(&secret("shop-db")), Some("shop-db"));
        assert_eq!(
            claim_volume("shop-db", &claim("shop-db", "data")),
            Some("data")
        );
        assert_eq!(
            governing_service_owner(&governing_service("shop-db")),
            Some("shop-db")
        );
        assert_eq!(
            cluster_scoped_owner(Some("prod"), &cluster_scoped(Some("prod"), "shop")),
            Some("shop")
        );
        assert_eq!(ingress_tls("shop"), "shop-tls");
        for t in crate::model::Track::ALL {
            assert_eq!(track_owner(&track("shop-web", *t)), Some(("shop-web", *t)));
        }
        assert_eq!(
            track_owner("shop-blue"),
            Some(("shop", crate::model::Track::Blue))
        );
        assert_eq!(track_owner("blue"), None);
        assert_eq!(
            preview_service_owner(&preview_service("shop")),
            Some("shop")
        );
    }

    #[test]
    fn pinned_names_replace_derived_ones_and_invert() {
        let mut app = App::new("shop")
            .component(Component::new("web", "web:v1"))
            .component(
                Component::new("cart", "redis:7").names(crate::model::Names {
                    workload: Some("redis-cart".into()),
                    service: Some("redis".into()),
                    config: Some("app-settings".into()),
                    ..Default::default()
                }),
            );
        crate::model::defaults::normalize(&mut app);
        let (web, cart) = (&app.components[0], &app.components[1]);
        assert_eq!(web.name, "shop-web");
        assert_eq!(component_config_map(web), "shop-web-config");
        assert_eq!(cart.name, "redis-cart");
        assert_eq!(component_service(cart), "redis");
        assert_eq!(component_config_map(cart), "app-settings");
        assert_eq!(component_secret(cart), "redis-cart-secrets");
        let key = |kind, name| owner(&app, kind, name).map(|c| c.key.as_str());
        assert_eq!(key(Named::Workload, "redis-cart"), Some("cart"));
        assert_eq!(key(Named::Service, "redis"), Some("cart"));
        assert_eq!(key(Named::Service, "redis-cart"), None);
        assert_eq!(key(Named::ConfigMap, "app-settings"), Some("cart"));
        assert_eq!(key(Named::Secret, "redis-cart-secrets"), Some("cart"));
        assert_eq!(key(Named::ConfigMap, "shop-web-config"), Some("web"));
        assert_eq!(key(Named::Service, "shop-web"), Some("web"));
        assert_eq!(of(&app, "cart", Named::Service), "redis");
        assert_eq!(of(&app, "cart", Named::ConfigMap), "app-settings");
    }
}

/// The names of an environment's engine objects (unique per Argo CD or Flux namespace, so
/// every name holds the environment's).
pub mod environment {
    /// An app's Application and Kustomization: `APP-ENV`.
    pub fn app(app: &str, env: &str) -> String {
        format!("{app}-{env}")
    }
    /// The Kustomization of an app's `pre-deploy/` folder.
    pub fn pre_deploy(app: &str, env: &str) -> String {
        format!("{app}-{env}-pre-deploy")
    }
    /// The Application or Kustomization of the environment's Namespaces.
    pub fn namespaces(env: &str) -> String {
        format!("{env}-namespaces")
    }
    /// The environment's entry point: the root Application, the Flux Kustomization of the
    /// folder of Kustomizations.
    pub fn root(env: &str) -> String {
        format!("{env}-apps")
    }
}
