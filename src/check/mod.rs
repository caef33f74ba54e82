//! Stage 2, check: a parsed [`Spec`] → a valid [`model::App`], or every diagnostic found.
//!
//! Check judges values (names, ports, quantities, references between parts of the spec),
//! applies defaults and reads the files and environment variables that secrets and config
//! point at, through a [`Host`] so it does no I/O of its own. It never stops at the first
//! problem: each rule reports and moves on. It never builds Kubernetes objects.

mod app;
mod component;
mod env;
mod index;
mod probe;
mod resources;
mod security;
mod service;
mod workload;

use std::path::{Path, PathBuf};

use crate::diag::Diagnostic;
use crate::model::{self, App, rules};
use crate::spec::{Sp, SpMap, Spec};

pub use component::lower_component;

/// What check may ask of the outside world: file contents and environment variables.
pub trait Host {
    fn read_file(&self, path: &Path) -> std::io::Result<Vec<u8>>;
    fn env_var(&self, name: &str) -> Option<String>;
}

/// Error codes of this stage (documented in docs/errors.md).
pub mod codes {
    pub const INVALID_NAME: &str = "K0101";
    pub const INVALID_LABEL: &str = "K0102";
    pub const INVALID_IMAGE: &str = "K0103";
    pub const INVALID_PORT: &str = "K0104";
    pub const INVALID_QUANTITY: &str = "K0105";
    pub const INVALID_ROLLOUT: &str = "K0106";
    pub const INVALID_KEY: &str = "K0107";
    pub const FILE_UNREADABLE: &str = "K0108";
    pub const ENV_UNSET: &str = "K0109";
    pub const UNKNOWN_REFERENCE: &str = "K0110";
    pub const INVALID_VALUE: &str = "K0111";
    pub const MISSING_VALUE: &str = "K0112";
    pub const OUT_OF_RANGE: &str = "K0113";
    pub const NAME_TOO_LONG: &str = "K0114";
    pub const DUPLICATE: &str = "K0115";
    pub const TOO_LARGE: &str = "K0116";
    pub const NOT_FOR_KIND: &str = "K0117";
    pub const INVALID_SCHEDULE: &str = "K0118";
    pub const BLOCKING_BUDGET: &str = "K0119";
    pub const INVALID_RBAC: &str = "K0120";
    pub const INVALID_PATCH: &str = "K0121";
    pub const UNREACHABLE: &str = "K0122";
}

/// A checked spec: the model, plus where in the spec each patch was written (so errors from
/// applying patches, which happens after build, can point at the spec).
#[derive(Debug)]
pub struct Checked {
    pub app: App,
    /// `app.patches[i]` was written at `patch_spans[i]`.
    pub patch_spans: Vec<std::ops::Range<usize>>,
}

/// Checks `spec` (read from a file in `base_dir`) and lowers it into the model.
pub fn check(spec: &Spec, base_dir: &Path, host: &dyn Host) -> Result<Checked, Vec<Diagnostic>> {
    let file = &spec.file;
    let mut cx = Cx {
        diags: Vec::new(),
        base_dir: base_dir.to_path_buf(),
        host,
        external_store: file.external_secrets.is_some(),
    };
    let name = &file.name;
    cx.rule(name, rules::dns1035_label, codes::INVALID_NAME, "app name");

    let namespace = file.namespace.as_ref().map(|ns| {
        cx.rule(ns, rules::dns1123_label, codes::INVALID_NAME, "namespace");
        ns.value.clone()
    });
    let create_namespace = file
        .create_namespace
        .as_ref()
        .map_or(namespace.is_some(), |b| b.value);
    if let Some(flag) = &file.create_namespace
        && flag.value
        && namespace.is_none()
    {
        cx.push(
            Diagnostic::error(
                codes::MISSING_VALUE,
                flag.span(),
                "`create_namespace` needs a `namespace`",
            )
            .with_help("add `namespace = \"...\"` or remove `create_namespace`"),
        );
    }

    // Who is who, before any component is lowered, so references resolve in any order.
    let parts = spec.parts();
    if parts.is_empty() {
        cx.push(
            Diagnostic::error(
                codes::MISSING_VALUE,
                name.span(),
                "the spec has no component",
            )
            .with_help(
                "add `image = \"...\"` for a single-component app, or `[components.NAME]` tables",
            ),
        );
    }
    let mut owners: Vec<(Owner, &crate::spec::ComponentSyntax)> = Vec::new();
    for part in &parts {
        let default_role = if !part.is_main {
            part.key.value.clone()
        } else if part.syntax.port.is_some() || !part.syntax.ports.is_empty() {
            "server".to_string()
        } else {
            "worker".to_string()
        };
        if !part.is_main {
            cx.rule(
                &part.key,
                rules::dns1035_label,
                codes::INVALID_NAME,
                "component name",
            );
            if part.key.value == name.value && spec.main.is_some() {
                cx.push(Diagnostic::error(
                    codes::DUPLICATE,
                    part.key.span(),
                    format!(
                        "`{}` is already the name of the main component (the top-level keys)",
                        part.key.value
                    ),
                ));
            }
        }
        owners.push((
            Owner {
                full_name: part.full_name.clone(),
                label_name: part.key.value.clone(),
                default_role,
                span: part.key.span(),
            },
            part.syntax,
        ));
    }
    let mut index = index::Index::default();
    for (owner, c) in &owners {
        index.components.insert(
            owner.label_name.clone(),
            index::declare(c, &owner.full_name),
        );
    }

    let components: Vec<model::Component> = owners
        .iter()
        .filter_map(|(owner, c)| lower_component(&mut cx, c, owner, &index))
        .collect();

    let ingress = file
        .ingress
        .as_ref()
        .and_then(|i| app::ingress(&mut cx, i, &name.value, &index));
    let quota = file
        .quota
        .as_ref()
        .map(|q| app::quota(&mut cx, q))
        .unwrap_or_default();
    let limit_range = file
        .limit_range
        .as_ref()
        .map(|l| app::limit_range(&mut cx, l));
    let external_secrets = file
        .external_secrets
        .as_ref()
        .map(|e| app::external_secrets(&mut cx, e));
    let argocd = file.argocd.as_ref().map(|a| app::argocd(&mut cx, a));
    if (file.quota.is_some() || file.limit_range.is_some()) && namespace.is_none() {
        let span = file
            .quota
            .as_ref()
            .and_then(|q| q.keys().next().map(|k| k.span()))
            .or(file.limit_range.as_ref().map(|l| l.span()))
            .unwrap_or(name.span());
        cx.push(
            Diagnostic::error(
                codes::MISSING_VALUE,
                span,
                "a quota or limit range needs a `namespace` to apply to",
            )
            .with_help("add `namespace = \"...\"`"),
        );
    }
    let (patches, patch_spans) = app::patches(&mut cx, file.patches.as_deref().unwrap_or_default());

    let app = App {
        name: name.value.clone(),
        namespace,
        create_namespace,
        labels: cx.labels(&file.labels),
        annotations: cx.annotations(&file.annotations),
        components,
        ingress,
        quota,
        limit_range,
        external_secrets,
        argocd,
        patches,
    };
    if cx.diags.is_empty() {
        Ok(Checked { app, patch_spans })
    } else {
        cx.diags.sort_by_key(|d| (d.span.start, d.span.end));
        cx.diags.dedup();
        Err(cx.diags)
    }
}

/// Who a component is: its object name, label name and where to point errors about it.
pub struct Owner {
    pub full_name: String,
    pub label_name: String,
    pub default_role: String,
    pub span: std::ops::Range<usize>,
}

/// The checking context: collected diagnostics and access to files and the environment.
pub struct Cx<'h> {
    diags: Vec<Diagnostic>,
    base_dir: PathBuf,
    host: &'h dyn Host,
    /// The spec names an External Secrets store.
    external_store: bool,
}

impl Cx<'_> {
    pub fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// Applies `rule` to a spanned string and reports `invalid <what>` if it fails.
    pub fn rule<T>(
        &mut self,
        value: &Sp<String>,
        rule: impl Fn(&str) -> Result<T, String>,
        code: &'static str,
        what: &str,
    ) -> Option<T> {
        match rule(&value.value) {
            Ok(v) => Some(v),
            Err(e) => {
                self.push(Diagnostic::error(
                    code,
                    value.span(),
                    format!("invalid {what} `{}`: {e}", crate::diag::clip(&value.value)),
                ));
                None
            }
        }
    }

    /// An integer in `range`, as i32.
    pub fn int_in(
        &mut self,
        value: &Sp<i64>,
        range: std::ops::RangeInclusive<i64>,
        what: &str,
    ) -> Option<i32> {
        if range.contains(&value.value) {
            Some(value.value as i32)
        } else {
            let (lo, hi) = (range.start(), range.end());
            let bounds = if *hi >= i32::MAX as i64 && value.value < *lo {
                format!("at least {lo}")
            } else if *hi >= i32::MAX as i64 {
                format!("at most {hi}")
            } else {
                format!("between {lo} and {hi}")
            };
            self.push(Diagnostic::error(
                codes::OUT_OF_RANGE,
                value.span(),
                format!("{what} must be {bounds}, not {}", value.value),
            ));
            None
        }
    }

    /// Reads a file named relative to the spec's folder.
    pub fn read(&mut self, path: &Sp<String>) -> Option<Vec<u8>> {
        let full = self.base_dir.join(&path.value);
        match self.host.read_file(&full) {
            Ok(bytes) => Some(bytes),
            Err(e) => {
                self.push(
                    Diagnostic::error(
                        codes::FILE_UNREADABLE,
                        path.span(),
                        format!("cannot read `{}`: {}", full.display(), io_reason(&e)),
                    )
                    .with_help("paths are relative to the folder of the spec file"),
                );
                None
            }
        }
    }

    pub fn env_var(&mut self, name: &Sp<String>) -> Option<String> {
        let value = self.host.env_var(&name.value);
        if value.is_none() {
            self.push(
                Diagnostic::error(
                    codes::ENV_UNSET,
                    name.span(),
                    format!("environment variable `{}` is not set", name.value),
                )
                .with_help(format!("set it when rendering (`{}=... k8gen render ...`) or use `{{ file = \"...\" }}`", name.value)),
            );
        }
        value
    }

    /// Checks label keys and values; `app.kubernetes.io/` keys are k8gen's own.
    pub fn labels(&mut self, labels: &SpMap<String>) -> std::collections::BTreeMap<String, String> {
        let mut out = std::collections::BTreeMap::new();
        for (key, value) in labels {
            self.meta_key(key, "label");
            self.rule(
                value,
                rules::label_value,
                codes::INVALID_LABEL,
                "label value",
            );
            out.insert(key.value.clone(), value.value.clone());
        }
        out
    }

    pub fn annotations(
        &mut self,
        annotations: &SpMap<String>,
    ) -> std::collections::BTreeMap<String, String> {
        let mut out = std::collections::BTreeMap::new();
        for (key, value) in annotations {
            self.meta_key(key, "annotation");
            out.insert(key.value.clone(), value.value.clone());
        }
        out
    }

    fn meta_key(&mut self, key: &Sp<String>, what: &str) {
        if key.value.starts_with(crate::build::labels::RESERVED_PREFIX) {
            self.push(
                Diagnostic::error(
                    codes::INVALID_LABEL,
                    key.span(),
                    format!("{what} key `{}` is set by k8gen", key.value),
                )
                .with_help(
                    "use `version` or `role` to change those labels, or pick a key of your own",
                ),
            );
        } else {
            self.rule(
                key,
                rules::qualified_name,
                codes::INVALID_LABEL,
                &format!("{what} key"),
            );
        }
    }
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}
