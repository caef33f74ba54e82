//! Defaults, applied once: [`normalize`] fills every value an app left to k8gen, for both
//! front ends (a lowered spec and an app built in Rust go through the same pass before the
//! rules and the object builders see them). Each default is also a function of its own, so a
//! caller (such as `import`) can ask "what would the default be here?".
//!
//! This module decides values only; it never reports problems (that is [`super::rules`]) and
//! knows nothing of TOML or Kubernetes objects.

use super::{App, Component, names};

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
}

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
