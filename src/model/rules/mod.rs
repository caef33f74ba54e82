//! The rule engine: every rule about an [`App`], whoever built it (the TOML front end lowers a
//! spec into an `App` and calls this; a Rust program calls [`App::validate`]). Rules run on the
//! normalised model (defaults applied, see [`super::defaults`]) and report [`Issue`]s with a
//! code and a field path; they never see TOML, spans or Kubernetes objects, and never stop at
//! the first problem.
//!
//! [`values`] holds the API server's own rules for single values (DNS names, label values,
//! quantities, cron, ...); the other files hold the rules about one part of an app.

mod app;
mod component;
mod gitops;
mod objects;
mod release;
mod secrets;
mod takeover;
pub mod values;
mod workload;

pub use gitops::{environment_tree, flux_source};
pub use values::*;

use super::issue::{self, Issue};
use super::{App, Component};

/// Every issue with `app`, in the order the rules found them.
pub fn validate(app: &App) -> Vec<Issue> {
    let mut cx = Cx {
        app,
        by_key: app
            .components
            .iter()
            .rev()
            .map(|c| (c.key.as_str(), c))
            .collect(),
        issues: Vec::new(),
    };
    app::app(&mut cx);
    app::allow_lists(&mut cx);
    takeover::takeover(&mut cx);
    secrets::secrets(&mut cx);
    objects::objects(&mut cx);
    for c in &app.components {
        component::component(&mut cx, c);
        workload::workload(&mut cx, c);
        release::release(&mut cx, c);
    }
    cx.issues
}

/// The engine's context: the app under judgement and what was found so far.
pub(crate) struct Cx<'a> {
    pub app: &'a App,
    /// Components by key (the first of a duplicated key), so references resolve in log time.
    pub by_key: std::collections::BTreeMap<&'a str, &'a Component>,
    pub issues: Vec<Issue>,
}

impl<'a> Cx<'a> {
    pub fn push(&mut self, issue: Issue) {
        self.issues.push(issue);
    }

    pub fn report(
        &mut self,
        code: &'static str,
        path: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.issues.push(Issue::new(code, path, message));
    }

    /// Applies a value rule to `value` at `path`; reports `invalid <what> `value`: <why>`.
    pub fn value<T>(
        &mut self,
        path: impl Into<String>,
        value: &str,
        rule: impl Fn(&str) -> Result<T, String>,
        code: &'static str,
        what: &str,
    ) -> Option<T> {
        match rule(value) {
            Ok(v) => Some(v),
            Err(e) => {
                self.report(
                    code,
                    path,
                    format!("invalid {what} `{}`: {e}", crate::diag::clip(value)),
                );
                None
            }
        }
    }

    /// The component a reference at `path` names by `key`; an unknown key is reported there,
    /// with the closest key as a suggestion. The one rule for every reference to a component.
    pub fn component_ref(&mut self, key: &str, path: &str) -> Option<&'a Component> {
        if let Some(c) = self.component(key) {
            return Some(c);
        }
        let keys: Vec<&str> = self.app.components.iter().map(|c| c.key.as_str()).collect();
        self.push(
            Issue::new(
                crate::codes::UNKNOWN_REFERENCE,
                path,
                format!("there is no component `{}`", crate::diag::clip(key)),
            )
            .with_help(suggest_help(key, &keys, || {
                format!("the components are {}", crate::suggest::quoted(&keys))
            })),
        );
        None
    }

    /// The component whose key is `key`.
    pub fn component(&self, key: &str) -> Option<&'a Component> {
        self.by_key.get(key).copied()
    }
}

/// A help line: "did you mean `X`?" when `word` is close to a candidate, else `otherwise()`.
pub(crate) fn suggest_help(
    word: &str,
    candidates: &[&str],
    otherwise: impl FnOnce() -> String,
) -> String {
    crate::suggest::suggest(word, candidates, otherwise)
}

/// The field path of component `c`.
pub(crate) fn at(c: &Component) -> String {
    issue::component(&c.key)
}
