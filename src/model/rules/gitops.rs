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
    for (i, ns) in tree.namespaces.iter().enumerate() {
        check(
            &mut issues,
            crate::model::issue::index(&format!("environments.{env}.namespaces"), i),
            ns,
            dns1123_label,
            "namespace",
        );
    }
    if tree.path.split('/').any(|part| part == "..") {
        issues.push(
            Issue::new(
                codes::INVALID_VALUE,
                "gitops.repo_path",
                format!(
                    "invalid path `{}`: a path in the Git repository cannot leave it with `..`",
                    tree.path
                ),
            )
            .with_help("write the output folder's path from the repository's root, e.g. `deploy`"),
        );
    }
    let engines = tree.argocd.is_some() || tree.flux.is_some();
    if engines {
        for app in &tree.apps {
            // Longer names are judged by the engines' limits below.
            let name = names::app(&app.name, env);
            if name.len() <= MAX_TRACKED_NAME {
                check(
                    &mut issues,
                    "gitops".to_string(),
                    &name,
                    dns1123_subdomain,
                    "object name (the app folder's name and the environment's)",
                );
            }
        }
    }
    // Names an engine writes into a label of every object it applies: at most 63 characters.
    let mut too_long = |path: &str, names: Vec<String>, why: &str, help: &str| {
        for name in names.into_iter().filter(|n| n.len() > MAX_TRACKED_NAME) {
            issues.push(
                Issue::new(
                    codes::APPLICATION_NAME_TOO_LONG,
                    path,
                    format!(
                        "the {why} `{name}` has {} characters; {} at most {MAX_TRACKED_NAME}",
                        name.len(),
                        if path == "gitops.flux" {
                            "Flux writes it into the `kustomize.toolkit.fluxcd.io/name` label \
                             of every object it applies, which holds"
                        } else {
                            "under label tracking Argo CD writes it into the \
                             `app.kubernetes.io/instance` label of every object it syncs, \
                             which holds"
                        }
                    ),
                )
                .with_help(help.to_string()),
            );
        }
    };
    let shorten = "shorten the app's folder (the spec file's name) or the environment's name";
    if tree.argocd.is_some() {
        let tracking =
            (tree.argocd_tracking).unwrap_or_else(crate::model::defaults::argocd_tracking);
        if tracking.writes_label() {
            let mut apps: Vec<String> = (tree.apps.iter())
                .map(|app| names::app(&app.name, env))
                .collect();
            apps.push(names::root(env));
            if !tree.namespaces.is_empty() {
                apps.push(names::namespaces(env));
            }
            too_long(
                "gitops.argocd",
                apps,
                "Argo CD Application",
                &format!(
                    "{shorten}, or track by annotation (`argocd_tracking = \"annotation\"` in \
                     `[defaults]`, Argo CD 3.0's default; now `{}`)",
                    tracking.as_str()
                ),
            );
        }
    }
    if tree.flux.is_some() {
        let mut kustomizations: Vec<String> = Vec::new();
        for app in &tree.apps {
            kustomizations.push(names::app(&app.name, env));
            if app.pre_deploy.is_some() {
                kustomizations.push(names::pre_deploy(&app.name, env));
            }
        }
        too_long(
            "gitops.flux",
            kustomizations,
            "Flux Kustomization",
            &format!("{shorten} (a pre-deploy folder's adds `-pre-deploy`)"),
        );
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

/// The longest Application name label tracking can write: a label value's 63 characters.
pub const MAX_TRACKED_NAME: usize = 63;

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
