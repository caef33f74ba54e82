//! ServiceAccount, Role/RoleBinding and ClusterRole/ClusterRoleBinding of a component.

use k8s_openapi::api::core::v1::ServiceAccount;
use k8s_openapi::api::rbac::v1::{
    ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, RoleRef, Subject,
};

use crate::model::{App, Component, Rule};

pub fn service_account(app: &App, c: &Component) -> Option<ServiceAccount> {
    c.own_service_account
        .unwrap_or(false)
        .then(|| ServiceAccount {
            metadata: super::component_meta(app, c, c.name.clone()),
            automount_service_account_token: c.security.service_account_token,
            ..Default::default()
        })
}

fn rules(rules: &[Rule]) -> Vec<PolicyRule> {
    rules
        .iter()
        .map(|r| PolicyRule {
            api_groups: Some(vec![r.api_group.clone()]),
            resources: Some(r.resources.clone()),
            verbs: r.verbs.clone(),
            ..Default::default()
        })
        .collect()
}

fn subject(app: &App, c: &Component) -> Vec<Subject> {
    vec![Subject {
        kind: "ServiceAccount".to_string(),
        name: c.name.clone(),
        namespace: app.namespace.clone(),
        ..Default::default()
    }]
}

fn role_ref(kind: &str, name: String) -> RoleRef {
    RoleRef {
        api_group: "rbac.authorization.k8s.io".to_string(),
        kind: kind.to_string(),
        name,
    }
}

pub fn role(app: &App, c: &Component) -> Option<(Role, RoleBinding)> {
    if c.rbac.is_empty() {
        return None;
    }
    Some((
        Role {
            metadata: super::component_meta(app, c, c.name.clone()),
            rules: Some(rules(&c.rbac)),
        },
        RoleBinding {
            metadata: super::component_meta(app, c, c.name.clone()),
            role_ref: role_ref("Role", c.name.clone()),
            subjects: Some(subject(app, c)),
        },
    ))
}

/// Cluster-scoped names are prefixed with the namespace so two installs cannot collide.
pub fn cluster_name(app: &App, c: &Component) -> String {
    match &app.namespace {
        Some(ns) => format!("{ns}-{}", c.name),
        None => c.name.clone(),
    }
}

pub fn cluster_role(app: &App, c: &Component) -> Option<(ClusterRole, ClusterRoleBinding)> {
    if c.cluster_rbac.is_empty() {
        return None;
    }
    let name = cluster_name(app, c);
    let mut meta = super::component_meta(app, c, name.clone());
    meta.namespace = None;
    Some((
        ClusterRole {
            metadata: meta.clone(),
            rules: Some(rules(&c.cluster_rbac)),
            ..Default::default()
        },
        ClusterRoleBinding {
            metadata: meta,
            role_ref: role_ref("ClusterRole", name),
            subjects: Some(subject(app, c)),
        },
    ))
}
