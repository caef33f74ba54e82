//! k8gen: a compact TOML app spec in, typed Kubernetes objects and deterministic YAML out.
//!
//! The pipeline, one module per stage, each using only the ones before it:
//! [`spec`] (TOML → spanned syntax) → [`check`] (all diagnostics; lowers into the model) →
//! [`model`] (normalised app; also the public builder API) → [`build`] (model → k8s-openapi
//! objects) → [`transform`] (passes over the object list) → [`emit`] (YAML text); beside build,
//! [`lint`] (warnings for `k8gen check`). None of them does I/O; the `k8gen` binary reads and
//! writes files.
//!
//! From TOML:
//! ```
//! # use std::path::Path;
//! struct NoHost;
//! impl k8gen::check::Host for NoHost {
//!     fn read_file(&self, p: &Path) -> std::io::Result<Vec<u8>> { Err(std::io::ErrorKind::NotFound.into()) }
//!     fn env_var(&self, _: &str) -> Option<String> { None }
//! }
//! let spec = "name = \"hello\"\nimage = \"nginx:1.27\"\nport = 8080\n";
//! let objects = k8gen::render_source(spec, Path::new("."), &NoHost).unwrap();
//! let yaml = k8gen::emit::stream(&objects);
//! assert!(yaml.contains("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: hello\n"));
//! ```

pub mod build;
pub mod check;
pub mod codes;
pub mod diag;
pub mod emit;
pub mod lint;
pub mod model;
pub mod spec;
pub mod suggest;
pub mod transform;

use std::path::Path;

pub use build::Object;
pub use diag::Diagnostic;

/// Parses, checks, builds and transforms one spec; `base_dir` is the spec file's folder
/// (relative `file` paths start there).
pub fn render_source(
    source: &str,
    base_dir: &Path,
    host: &dyn check::Host,
) -> Result<Vec<Object>, Vec<Diagnostic>> {
    pipeline(source, base_dir, host, false).map(|(objects, _)| objects)
}

/// Everything [`render_source`] does, then the lint rules: the lint warnings, or every error.
pub fn check_source(
    source: &str,
    base_dir: &Path,
    host: &dyn check::Host,
) -> Result<Vec<Diagnostic>, Vec<Diagnostic>> {
    pipeline(source, base_dir, host, true).map(|(_, warnings)| warnings)
}

fn pipeline(
    source: &str,
    base_dir: &Path,
    host: &dyn check::Host,
    with_lints: bool,
) -> Result<(Vec<Object>, Vec<Diagnostic>), Vec<Diagnostic>> {
    let spec = spec::parse(source)?;
    let check::Lowered {
        checked: check::Checked {
            mut app,
            provenance,
        },
        diagnostics: mut diags,
        failed,
    } = check::lower(&spec, base_dir, host);
    model::defaults::normalize(&mut app);
    let issues = model::rules::validate_except(&app, &failed);
    // While lowering still judges some values, a component it reported on holds placeholders:
    // the engine does not judge it (nor report inside it), and an issue at a place lowering
    // already reported is left out.
    let failed: Vec<String> = failed.iter().map(|k| model::issue::component(k)).collect();
    let inside_failed = |path: &str| {
        failed.iter().any(|f| {
            path.strip_prefix(f.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
        })
    };
    let lowered = diags.len();
    for issue in issues {
        if inside_failed(&issue.path) {
            continue;
        }
        let d = provenance.diagnostic(issue);
        if !diags[..lowered]
            .iter()
            .any(|l| l.file == d.file && l.span == d.span)
        {
            diags.push(d);
        }
    }
    if !diags.is_empty() {
        diags.sort_by_key(|d| (d.file, d.span.start, d.span.end));
        diags.dedup();
        return Err(diags);
    }
    let objects = objects(&app).map_err(|errors| {
        errors
            .into_iter()
            .map(|e| provenance.diagnostic(patch_issue(e)))
            .collect::<Vec<_>>()
    })?;
    if !with_lints {
        return Ok((objects, Vec::new()));
    }
    let findings = lint::lint(&spec, &app);
    if findings.iter().any(Diagnostic::is_error) {
        return Err(findings.into_iter().filter(Diagnostic::is_error).collect());
    }
    Ok((objects, findings))
}

/// A patch that could not be applied, as an issue about `patches[i]`.
fn patch_issue(e: transform::PatchError) -> model::Issue {
    let mut issue = model::Issue::new(
        codes::INVALID_PATCH,
        model::issue::index("patches", e.index),
        e.message,
    );
    issue.help = e.help;
    issue
}

/// The objects of a normalised, valid app, in apply order with every transform applied.
pub fn objects(app: &model::App) -> Result<Vec<Object>, Vec<transform::PatchError>> {
    let mut objects = build::build(app);
    transform::run(&mut objects, &app.patches)?;
    Ok(objects)
}

/// Normalises and validates an app built in Rust, then renders it like [`render_source`]
/// renders a spec: the same defaults, the same rules, the same objects.
pub fn render_app(app: &model::App) -> Result<Vec<Object>, Vec<model::Issue>> {
    let mut app = app.clone();
    model::defaults::normalize(&mut app);
    let issues = model::rules::validate(&app);
    if !issues.is_empty() {
        return Err(issues);
    }
    objects(&app).map_err(|errors| errors.into_iter().map(patch_issue).collect())
}
