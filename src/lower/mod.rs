//! Stage 2, check: lowers a parsed [`Spec`] into a [`crate::model::App`] ([`lower`]), recording
//! where each value was written ([`Provenance`]), so that the rule engine
//! ([`crate::model::rules`]) can judge the model and point at the spec.
//!
//! Lowering reads the files and environment variables that secrets and config point at,
//! through a [`Host`] so it does no I/O of its own, and parses the mini-languages the model
//! cannot hold. Some component rules still live here while they move to the engine (the
//! app-level ones have moved: `app.rs` only lowers). It never stops at the first problem, and
//! it never builds Kubernetes objects.

pub mod access;
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
///
/// A host decides what a spec may read. By default ([`Access::Open`]) it decides alone, in
/// `read_file` and `env_var`: a host of a library user that serves values from memory needs
/// nothing more, and one that reads the file system should confine itself or return
/// [`Access::Confined`] from [`Host::access`], as the `k8gen` binary's host does. Under
/// [`Access::Confined`] lowering asks [`Host::canonical`] where a `{ file = ... }` resolves,
/// refuses absolute paths and paths resolving outside the root, reads the file through the
/// canonical path it checked, and refuses env vars no allowed pattern (the host's or the
/// platform file's `[inputs] env.allow`) matches, each with an error at the spec's position.
pub trait Host {
    /// The contents of a file a spec names; under [`Access::Confined`], `path` is the
    /// canonical path that was checked against the root.
    fn read_file(&self, path: &Path) -> std::io::Result<Vec<u8>>;
    fn env_var(&self, name: &str) -> Option<String>;
    /// What specs may read through this host (default: [`Access::Open`], the host decides).
    fn access(&self) -> Access {
        Access::Open
    }
    /// The help of the error for an unset env var `name`, if this host reads variables from
    /// elsewhere than the process environment (default: `None`, "set it when rendering").
    fn unset_env_help(&self, _name: &str) -> Option<String> {
        None
    }
    /// `path` with every symlink resolved (`std::fs::canonicalize`); asked only under
    /// [`Access::Confined`]. The default, for hosts without a file system, resolves `.` and
    /// `..` only, by the text of the path.
    fn canonical(&self, path: &Path) -> std::io::Result<PathBuf> {
        Ok(access::lexical(path))
    }
}

use access::Access;

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

/// Where relative paths start: the folder of the file whose layer wrote them (README "What a
/// spec may read"). The one rule for both front ends: a `{ file = ... }` or
/// `sealed.certificate` written in the spec resolves against the spec's folder, one written in
/// `k8gen.toml` (its `[defaults]`, an environment's `defaults`) against `k8gen.toml`'s folder,
/// one in an overlay file against the overlay file's, one in a `--set` against the folder the
/// caller gives for `--set` values (the `k8gen` binary: the current folder), the way Kustomize
/// resolves a path against the kustomization that names it.
#[derive(Debug, Clone)]
pub struct Folders {
    /// Where each file starts in the files laid end to end (see
    /// [`SourceMap`](crate::diag::SourceMap)), and its folder; in file order.
    files: Vec<(usize, PathBuf)>,
}

impl Folders {
    /// The folder of each file of `files`: `dirs[i]` is file `i`'s (a file without one, the
    /// first file's: the spec's).
    pub fn new(files: &crate::diag::SourceMap, dirs: Vec<Option<PathBuf>>) -> Self {
        let spec = dirs.first().cloned().flatten().unwrap_or_default();
        Folders {
            files: (dirs.into_iter().enumerate())
                .map(|(i, d)| {
                    let id = crate::diag::FileId::try_from(i).unwrap_or_default();
                    (files.base(id), d.unwrap_or_else(|| spec.clone()))
                })
                .collect(),
        }
    }

    /// The folder of the file a value at global span start `at` was written in.
    pub fn at(&self, at: usize) -> &Path {
        (self.files.iter().rev())
            .find(|(start, _)| *start <= at)
            .or(self.files.first())
            .map(|(_, d)| d.as_path())
            .unwrap_or(Path::new(""))
    }
}

/// Lowers `spec` into the model; relative paths resolve against `folders` (the folder of the
/// file that wrote each).
pub fn lower(spec: &Spec, folders: &Folders, host: &dyn Host) -> Checked {
    let file = &spec.file;
    let mut cx = Cx {
        diags: Vec::new(),
        provenance: Provenance::default(),
        folders: folders.clone(),
        host,
        access: host.access(),
        platform_env: Vec::new(),
        inherited_env: (file.defaults.iter())
            .flat_map(|d| d.env.keys().map(|k| k.span()))
            .collect(),
    };
    cx.platform_env = platform_env_allow(&mut cx, spec.platform.as_ref());
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
    let objects = app::objects(&mut cx, file.objects.as_deref().unwrap_or_default());

    let app = App {
        label_scheme,
        name: name.value.clone(),
        namespace: file.namespace.as_ref().map(|ns| ns.value.clone()),
        config_rollout: file.config_rollout.as_ref().map(|r| {
            cx.provenance.record("config_rollout", r.span());
            r.value
        }),
        registry: file.registry.as_ref().map(|r| {
            cx.provenance.record("registry", r.span());
            r.value.clone()
        }),
        argocd_tracking: file.argocd_tracking.as_ref().map(|t| {
            cx.provenance.record("argocd_tracking", t.span());
            t.value
        }),
        create_namespace: file.create_namespace.as_ref().map(|b| b.value),
        namespace_owned_by_environment: file
            .namespace
            .as_ref()
            .is_some_and(|ns| spec.environment_namespaces.contains(&ns.value)),
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
        objects,
        allow: allowed(&mut cx, file.allow.as_deref(), "allow"),
        policy: app::policy(&mut cx, spec.platform.as_ref(), &name.value),
        secrets: app::secrets(&mut cx, file, spec.platform.as_ref()),
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
    /// Where relative paths start, by the file that wrote them.
    folders: Folders,
    host: &'h dyn Host,
    /// What the host lets specs read.
    access: Access,
    /// The platform file's `[inputs] env.allow` patterns.
    platform_env: Vec<String>,
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

    /// Reads a file named relative to the folder of the file that wrote `path` ([`Folders`]),
    /// if the host's [`Access`] lets the spec read it.
    pub fn read(&mut self, path: &Sp<String>) -> Option<Vec<u8>> {
        let dir = self.folders.at(path.span().start).to_path_buf();
        let full = dir.join(&path.value);
        let unreadable = |e: &std::io::Error| {
            let shown = match dir.as_os_str().is_empty() {
                true => Path::new("."),
                false => dir.as_path(),
            };
            Diagnostic::error(
                codes::FILE_UNREADABLE,
                path.span(),
                format!("cannot read `{}`: {}", full.display(), io_reason(e)),
            )
            .with_help(format!(
                "a relative path starts at the folder of the file that writes it, here `{}`",
                shown.display()
            ))
        };
        // Under confinement the file is checked, and then read, at its canonical path: the
        // file read is the one checked.
        let target = match &self.access {
            Access::Open => full.clone(),
            Access::Confined(_) => match self.host.canonical(&full) {
                Ok(p) => p,
                Err(e) => {
                    self.push(unreadable(&e));
                    return None;
                }
            },
        };
        let request = access::Request::File {
            written: &path.value,
            resolved: &target,
        };
        if let Err(refusal) = access::decide(&self.access, &self.platform_env, request) {
            let d = self.refused(refusal, path);
            self.push(d);
            return None;
        }
        match self.host.read_file(&target) {
            Ok(bytes) => Some(bytes),
            Err(e) => {
                self.push(unreadable(&e));
                None
            }
        }
    }

    pub fn env_var(&mut self, name: &Sp<String>) -> Option<String> {
        let request = access::Request::Env(&name.value);
        if let Err(refusal) = access::decide(&self.access, &self.platform_env, request) {
            let d = self.refused(refusal, name);
            self.push(d);
            return None;
        }
        let value = self.host.env_var(&name.value);
        if value.is_none() {
            self.push(
                Diagnostic::error(
                    codes::ENV_UNSET,
                    name.span(),
                    format!("environment variable `{}` is not set", name.value),
                )
                .with_help(self.host.unset_env_help(&name.value).unwrap_or_else(|| format!("set it when rendering (`{}=... k8gen render ...`) or use `{{ file = \"...\" }}`", name.value))),
            );
        }
        value
    }

    /// The error for a read the host's [`Access`] refuses, at the spec's `what`.
    fn refused(&self, refusal: access::Refusal, what: &Sp<String>) -> Diagnostic {
        let root_is = match &self.access {
            Access::Confined(c) => c.root_is.as_str(),
            Access::Open => "the repo root",
        };
        let relax = "for a local render only, `--allow-outside-root` lifts this";
        let v = &what.value;
        match refusal {
            access::Refusal::Absolute => Diagnostic::error(
                codes::ABSOLUTE_PATH,
                what.span(),
                format!("`{v}` is an absolute path; a spec may read only files of its repo"),
            )
            .with_help(format!(
                "write the path relative to the folder of the file that names it, to a file inside {root_is}; {relax}"
            )),
            access::Refusal::OutsideRoot => Diagnostic::error(
                codes::OUTSIDE_ROOT,
                what.span(),
                format!("`{v}` resolves (after symlinks) outside {root_is}; a spec may read only files of its repo"),
            )
            .with_help(format!(
                "move or copy the file into the repo (not a symlink to it); {relax}"
            )),
            access::Refusal::EnvNotAllowed => Diagnostic::error(
                codes::ENV_NOT_ALLOWED,
                what.span(),
                format!("environment variable `{v}` is not allowed: a spec reads only the variables the platform allows"),
            )
            .with_help(format!(
                "allow it in k8gen.toml with `[inputs] env = {{ allow = [\"{v}\"] }}` (patterns like `APP_*` work), or for a local render pass `--allow-env {v}`"
            )),
        }
    }

    /// Lowers a component's labels or annotations at field path `base`, recording where each
    /// key and value was written (the rules about them are the engine's).
    pub fn labels(&mut self, base: &str, map: &SpMap<String>) -> BTreeMap<String, String> {
        app::string_map(self, base, map)
    }
}

/// The platform file's `[inputs] env.allow` patterns; an invalid one is an error at its place
/// in the platform file (and allows nothing).
fn platform_env_allow(
    cx: &mut Cx<'_>,
    platform: Option<&crate::syntax::PlatformFile>,
) -> Vec<String> {
    let patterns = platform
        .and_then(|p| p.inputs.as_ref())
        .and_then(|i| i.env.as_ref())
        .map(|e| e.allow.as_slice())
        .unwrap_or_default();
    let mut out = Vec::new();
    for p in patterns {
        match access::check_pattern(&p.value) {
            Ok(()) => out.push(p.value.clone()),
            Err(why) => cx.push(
                Diagnostic::error(
                    codes::INVALID_ENV_PATTERN,
                    p.span(),
                    format!("`{}` is not a valid env var pattern: {why}", p.value),
                )
                .with_help("a name (`BUILD_ID`) or a glob (`APP_*`, `APP_?`, `APP_[AB]`)"),
            ),
        }
    }
    out
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}
