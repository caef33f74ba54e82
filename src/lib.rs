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
pub mod diag;
pub mod emit;
pub mod lint;
pub mod model;
pub mod spec;
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
    // `allow` names lint rules; a typo is an error in `render` as in `check`.
    let unknown_allowed = lint::unknown_allowed(&spec);
    let checked = match check::check(&spec, base_dir, host) {
        Ok(_) if !unknown_allowed.is_empty() => return Err(unknown_allowed),
        Ok(checked) => checked,
        Err(mut errors) => {
            errors.extend(unknown_allowed);
            errors.sort_by_key(|d| (d.span.start, d.span.end));
            return Err(errors);
        }
    };
    let objects = objects(&checked.app).map_err(|errors| {
        errors
            .into_iter()
            .map(|e| {
                let span = checked.patch_spans.get(e.index).cloned().unwrap_or(0..0);
                Diagnostic {
                    help: e.help,
                    ..Diagnostic::error(check::codes::INVALID_PATCH, span, e.message)
                }
            })
            .collect::<Vec<_>>()
    })?;
    if !with_lints {
        return Ok((objects, Vec::new()));
    }
    let findings = lint::lint(&spec, &checked.app, &objects);
    Ok((objects, findings))
}

/// The objects of a checked app, in apply order with every transform applied.
pub fn objects(app: &model::App) -> Result<Vec<Object>, Vec<transform::PatchError>> {
    let mut objects = build::build(app);
    transform::run(&mut objects, &app.patches)?;
    Ok(objects)
}

/// Validates an app built in Rust, then renders it like [`render_source`] would.
pub fn render_app(app: &model::App) -> Result<Vec<Object>, Vec<model::ModelError>> {
    let mut errors = app.validate().err().unwrap_or_default();
    errors.extend(lint::unknown_allowed_in(app));
    if !errors.is_empty() {
        return Err(errors);
    }
    objects(app).map_err(|errors| {
        errors
            .into_iter()
            .map(|e| model::ModelError {
                path: format!("patches[{}]", e.index),
                message: e.message,
            })
            .collect()
    })
}
