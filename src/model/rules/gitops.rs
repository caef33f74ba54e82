//! Rules about an environment of a GitOps tree ([`EnvironmentTree`], normalised): the values
//! the engines' objects take from `k8gen.toml` and the names they get. Field paths are those of
//! `k8gen.toml` (`gitops.flux.source`, `environments.ENV.namespaces`).

use crate::codes;
use crate::model::gitops::{EnvironmentTree, names};
use crate::model::issue::Issue;

use super::values::{dns1123_label, dns1123_subdomain, duration};

/// Every issue with `tree`.
pub fn environment_tree(tree: &EnvironmentTree) -> Vec<Issue> {
    let mut issues = Vec::new();
    let env = &tree.env;
    let check = |issues: &mut Vec<Issue>,
                 path: String,
                 value: &str,
                 rule: fn(&str) -> Result<(), String>,
                 what: &str| {
        if let Err(e) = rule(value) {
            issues.push(Issue::new(
                codes::INVALID_VALUE,
                path,
                format!("invalid {what} `{value}`: {e}"),
            ));
        }
    };
    for ns in &tree.namespaces {
        check(
            &mut issues,
            format!("environments.{env}.namespaces"),
            ns,
            dns1123_label,
            "namespace",
        );
    }
    let engines = tree.argocd.is_some() || tree.flux.is_some();
    if engines {
        for app in &tree.apps {
            check(
                &mut issues,
                "gitops".to_string(),
                &names::pre_deploy(&app.name, env),
                dns1123_subdomain,
                "object name (the app folder's name and the environment's)",
            );
        }
    }
    if let Some(a) = &tree.argocd {
        if a.repo.is_empty() {
            issues.push(
                Issue::new(
                    codes::MISSING_VALUE,
                    "gitops.argocd.repo_url",
                    "Argo CD Applications need the Git repository's URL",
                )
                .with_help("add `repo_url = \"https://github.com/ORG/REPO\"` to `[gitops] argocd`"),
            );
        }
        if let Some(ns) = &a.namespace {
            check(
                &mut issues,
                "gitops.argocd.namespace".into(),
                ns,
                dns1123_label,
                "namespace",
            );
        }
        if let Some(p) = &a.project {
            check(
                &mut issues,
                "gitops.argocd.project".into(),
                p,
                dns1123_subdomain,
                "project",
            );
        }
    }
    if let Some(f) = &tree.flux {
        if let Some(ns) = &f.namespace {
            check(
                &mut issues,
                "gitops.flux.namespace".into(),
                ns,
                dns1123_label,
                "namespace",
            );
        }
        for (key, value) in [("interval", &f.interval), ("timeout", &f.timeout)] {
            if let Some(v) = value {
                check(
                    &mut issues,
                    format!("gitops.flux.{key}"),
                    v,
                    duration,
                    "duration",
                );
            }
        }
        if let Some(source) = &f.source
            && let Err(e) = flux_source(source)
        {
            issues.push(
                Issue::new(
                    codes::INVALID_VALUE,
                    "gitops.flux.source",
                    format!("invalid source `{source}`: {e}"),
                )
                .with_help("write `GitRepository/flux-system` or `KIND/NAMESPACE/NAME`"),
            );
        }
    }
    issues
}

/// A Flux source reference, `KIND/NAME` or `KIND/NAMESPACE/NAME`: (kind, namespace, name).
pub fn flux_source(s: &str) -> Result<(&str, Option<&str>, &str), String> {
    let parts: Vec<&str> = s.split('/').collect();
    let (kind, namespace, name) = match parts[..] {
        [kind, name] => (kind, None, name),
        [kind, namespace, name] => (kind, Some(namespace), name),
        _ => return Err("must be `KIND/NAME` or `KIND/NAMESPACE/NAME`".into()),
    };
    const KINDS: [&str; 4] = [
        "GitRepository",
        "OCIRepository",
        "Bucket",
        "ExternalArtifact",
    ];
    if !KINDS.contains(&kind) {
        return Err(format!("the kind must be one of {}", KINDS.join(", ")));
    }
    if let Some(ns) = namespace {
        dns1123_label(ns)?;
    }
    dns1123_subdomain(name)?;
    Ok((kind, namespace, name))
}
