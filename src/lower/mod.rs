//! Stage 2, check: lowers a parsed [`Spec`] into a [`crate::model::App`] ([`lower`]), recording
//! where each value was written ([`Provenance`]), so that the rule engine
//! ([`crate::model::rules`]) can judge the model and point at the spec.
//!
//! Lowering reads the files and environment variables that secrets and config point at,
//! through a [`Host`] so it does no I/O of its own, and parses the mini-languages the model
//! cannot hold. Some component rules still live here while they move to the engine (the
//! app-level ones have moved: `app.rs` only lowers). It never stops at the first problem, and
//! it never builds Kubernetes objects.

mod app;
mod component;
mod env;
mod probe;
mod provenance;
mod release;
mod resources;
mod security;
mod service;
mod workload;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diag::Diagnostic;
use crate::model::{App, issue};
use crate::syntax::{Sp, SpMap, Spec};

pub use component::lower_component;
pub use provenance::Provenance;

/// What check may ask of the outside world: file contents and environment variables.
pub trait Host {
    fn read_file(&self, path: &Path) -> std::io::Result<Vec<u8>>;
    fn env_var(&self, name: &str) -> Option<String>;
}

pub use crate::codes;

/// A lowered spec: the model, where in the spec each of its values was written (so the rule
/// engine's issues, and errors from applying patches after build, point at the spec), and what
/// could not be lowered. The model is complete even then (a value that could not be read is
/// left out or replaced by an empty one), so the engine can judge the rest in the same run.
#[derive(Debug)]
pub struct Checked {
    pub app: App,
    pub provenance: Provenance,
    pub diags: Vec<Diagnostic>,
}

/// The names in an `allow` list, each recorded at `base[i]` (the engine checks they name
/// lint rules).
pub fn allowed(cx: &mut Cx<'_>, allow: Option<&[Sp<String>]>, base: &str) -> Vec<String> {
    let list = allow.unwrap_or_default();
    for (i, a) in list.iter().enumerate() {
        cx.provenance.record(issue::index(base, i), a.span());
    }
    list.iter().map(|a| a.value.clone()).collect()
}

/// Lowers `spec` (read from a file in `base_dir`) into the model.
pub fn lower(spec: &Spec, base_dir: &Path, host: &dyn Host) -> Checked {
    let file = &spec.file;
    let mut cx = Cx {
        diags: Vec::new(),
        provenance: Provenance::default(),
        base_dir: base_dir.to_path_buf(),
        host,
        inherited_env: (file.defaults.iter())
            .flat_map(|d| d.env.keys().map(|k| k.span()))
            .collect(),
    };
    let name = &file.name;
    cx.provenance.record("name", name.span());
    if let Some(ns) = &file.namespace {
        cx.provenance.record("namespace", ns.span());
    }
    if let Some(flag) = &file.create_namespace {
        cx.provenance.record("create_namespace", flag.span());
    }
    if let Some(flag) = &file.extra_labels {
        cx.provenance.record("extra_labels", flag.span());
    }
    let labels = app::string_map(&mut cx, "labels", &file.labels);
    let label_scheme = file.label_scheme.as_ref().map(|s| {
        cx.provenance.record("label_scheme", s.span());
        s.value
    });
    let annotations = app::string_map(&mut cx, "annotations", &file.annotations);

    // Who is who, before any component is lowered, so references resolve in any order.
    let parts = spec.parts();
    let mut owners: Vec<(Owner, &crate::syntax::ComponentSyntax)> = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        cx.provenance
            .record(issue::component(&part.key.value), part.key.span());
        cx.provenance
            .record(issue::index("components", i), part.key.span());
        owners.push((
            Owner {
                full_name: part.full_name.clone(),
                key: part.key.value.clone(),
            },
            part.syntax,
        ));
    }
    let mut components = Vec::new();
    for (owner, c) in &owners {
        components.push(lower_component(&mut cx, c, owner));
    }

    let ingress = file.ingress.as_ref().map(|i| app::ingress(&mut cx, i));
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
    let patches = app::patches(&mut cx, file.patches.as_deref().unwrap_or_default());

    let app = App {
        label_scheme,
        name: name.value.clone(),
        namespace: file.namespace.as_ref().map(|ns| ns.value.clone()),
        registry: file.registry.as_ref().map(|r| {
            cx.provenance.record("registry", r.span());
            r.value.clone()
        }),
        create_namespace: file.create_namespace.as_ref().map(|b| b.value),
        extra_labels: file.extra_labels.as_ref().map(|b| b.value),
        labels,
        annotations,
        components,
        ingress,
        quota,
        limit_range,
        external_secrets,
        argocd,
        patches,
        allow: allowed(&mut cx, file.allow.as_deref(), "allow"),
        policy: app::policy(&mut cx, spec.platform.as_ref(), &name.value),
    };
    Checked {
        app,
        provenance: cx.provenance,
        diags: cx.diags,
    }
}

/// Who a component is: its object name, label name and where to point errors about it.
pub struct Owner {
    pub full_name: String,
    pub key: String,
}

/// The checking context: collected diagnostics and access to files and the environment.
pub struct Cx<'h> {
    diags: Vec<Diagnostic>,
    /// Where each value of the model was written, by field path.
    pub provenance: Provenance,
    base_dir: PathBuf,
    host: &'h dyn Host,
    /// Spans of the keys of `[defaults].env`: env vars a component inherits (see `env::env`).
    inherited_env: Vec<std::ops::Range<usize>>,
}

impl Cx<'_> {
    pub fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// An integer that must fit the model's `i32` (what Kubernetes stores); whether it is in
    /// the range a field allows is a rule of the engine.
    pub fn int32(&mut self, value: &Sp<i64>, what: &str) -> Option<i32> {
        match i32::try_from(value.value) {
            Ok(v) => Some(v),
            Err(_) => {
                let bound = if value.value > 0 {
                    format!("at most {}", i32::MAX)
                } else {
                    format!("at least {}", i32::MIN)
                };
                self.push(Diagnostic::error(
                    codes::OUT_OF_RANGE,
                    value.span(),
                    format!("{what} must be {bound}, not {}", value.value),
                ));
                None
            }
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

    /// Lowers a component's labels or annotations at field path `base`, recording where each
    /// key and value was written (the rules about them are the engine's).
    pub fn labels(&mut self, base: &str, map: &SpMap<String>) -> BTreeMap<String, String> {
        app::string_map(self, base, map)
    }
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}
