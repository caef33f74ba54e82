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
pub mod values;

pub use values::*;

use super::issue::{self, Issue};
use super::{App, Component};

/// Every issue with `app`, in the order the rules found them.
pub fn validate(app: &App) -> Vec<Issue> {
    validate_except(app, &[])
}

/// Every issue with `app` except those about the components whose keys `skip` lists (a
/// front end that already reported on them, so that they hold placeholders).
pub fn validate_except(app: &App, skip: &[String]) -> Vec<Issue> {
    let mut cx = Cx {
        app,
        skip,
        issues: Vec::new(),
    };
    app::app(&mut cx);
    for c in &app.components {
        if !cx.skips(c) {
            component::component(&mut cx, c);
        }
    }
    cx.issues
}

/// The engine's context: the app under judgement and what was found so far.
pub(crate) struct Cx<'a> {
    pub app: &'a App,
    /// Keys of components not to judge.
    pub skip: &'a [String],
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

    /// Whether the rules about component `c` itself are left out.
    pub fn skips(&self, c: &Component) -> bool {
        self.skip.contains(&c.key)
    }

    /// The component whose key is `key`.
    pub fn component(&self, key: &str) -> Option<&'a Component> {
        self.app.components.iter().find(|c| c.key == key)
    }
}

/// The field path of component `c`.
pub(crate) fn at(c: &Component) -> String {
    issue::component(&c.key)
}
