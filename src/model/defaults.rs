//! Defaults, applied once: [`normalize`] fills every value an app left to k8gen, for both
//! front ends (a lowered spec and an app built in Rust go through the same pass before the
//! rules and the object builders see them). Each default is also a function of its own, so a
//! caller (such as `import`) can ask "what would the default be here?".
//!
//! This module decides values only; it never reports problems (that is [`super::rules`]) and
//! knows nothing of TOML or Kubernetes objects.

use super::{AccessMode, App, Component, Network, RestartPolicy, VolumeSource, Workload, names};

/// Fills every default of `app` in place. Idempotent: values already set are kept, except
/// derived names, which are always recomputed.
pub fn normalize(app: &mut App) {
    let app_name = app.name.clone();
    for c in &mut app.components {
        c.name = names::component(&app_name, &c.key);
        if c.role.is_none() {
            c.role = Some(role(&app_name, c).to_string());
        }
        workload(c);
    }
}

/// The defaults of what runs: replicas, Job restart policy, claim access modes, the own
/// ServiceAccount and its token.
fn workload(c: &mut Component) {
    if c.replicas.is_none() {
        c.replicas = replicas(c);
    }
    if let Workload::Job(job) | Workload::CronJob { job, .. } = &mut c.workload
        && job.restart_policy.is_none()
    {
        job.restart_policy = Some(restart_policy());
    }
    for v in &mut c.volumes {
        if let VolumeSource::NewClaim { access_modes, .. } = &mut v.source
            && access_modes.is_none()
        {
            *access_modes = Some(self::access_modes());
        }
    }
    if c.network.is_none() {
        c.network = Some(network());
    }
    if c.own_service_account.is_none() {
        c.own_service_account = Some(own_service_account(c));
    }
    if c.security.service_account_token.is_none() {
        c.security.service_account_token = Some(service_account_token(c));
    }
}

/// Replicas of a component that does not set them: 1 for a Deployment or StatefulSet without
/// an autoscaler; none for one with an autoscaler (it owns the count, starting at its `min`)
/// or for the other kinds (they have no replicas).
pub fn replicas(c: &Component) -> Option<i32> {
    (c.workload.is_replicated() && c.autoscale.is_none()).then_some(1)
}

/// Restart policy of a Job's pods: `Never` (a failed pod is kept for its logs and replaced).
pub fn restart_policy() -> RestartPolicy {
    RestartPolicy::Never
}

/// Access modes of a new claim: `ReadWriteOnce`.
pub fn access_modes() -> Vec<AccessMode> {
    vec![AccessMode::ReadWriteOnce]
}

/// The NetworkPolicy of a component that does not say: one, admitting anyone to the declared
/// ports, with egress open (DNS included).
pub fn network() -> Option<Network> {
    Some(Network {
        from: None,
        to: None,
        dns: true,
    })
}

/// Whether k8gen makes a ServiceAccount for the component: when it has RBAC rules (they are
/// bound to that account).
pub fn own_service_account(c: &Component) -> bool {
    has_rbac(c)
}

/// Whether the pod mounts its ServiceAccount token: only when it has RBAC rules (a token is
/// what it presents to use them).
pub fn service_account_token(c: &Component) -> bool {
    has_rbac(c)
}

fn has_rbac(c: &Component) -> bool {
    !c.rbac.is_empty() || !c.cluster_rbac.is_empty()
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
