//! `k8gen check`: everything render does, without writing, plus the lint rules.

use std::io::Write;
use std::path::PathBuf;

use k8gen::Diagnostic;
use k8gen::diag::Severity;

use rayon::prelude::*;

use super::inputs::{self, Envs, Job, Reading};
use super::{Format, OK, SPEC_ERROR, fail, plural, render};

pub fn run(
    specs: &[PathBuf],
    envs: &Envs,
    sets: &[String],
    reading: &Reading,
    format: Format,
    deny_warnings: bool,
    color: bool,
) -> i32 {
    let files = match inputs::spec_files(specs) {
        Ok(files) => files,
        Err(e) => return fail(e),
    };
    let mut jobs = match inputs::all_jobs(&files, envs, sets, reading) {
        Ok(jobs) => jobs,
        Err(e) => return fail(e),
    };
    // The binary owns the clock: `check` judges sealed-secrets certificates by today's date.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    for job in &mut jobs {
        job.layers.now = Some(now);
    }
    // Specs are independent: check them in parallel, report in file order.
    let results: Vec<(Vec<Diagnostic>, Vec<String>)> = jobs
        .par_iter()
        .map(|job| {
            let source = &job.source;
            match &source.not_utf8 {
                Some(d) => (vec![d.clone()], Vec::new()),
                None => match k8gen::check_layers_app(
                    &source.shown,
                    &source.text,
                    &job.layers,
                    source.base_dir(),
                    &job.host,
                ) {
                    Ok(checked) => (checked.warnings, checked.namespaces),
                    Err(errors) => (errors, Vec::new()),
                },
            }
        })
        .collect();
    // One owner per Namespace and environment, across the specs checked (as `render` does).
    let clashes = render::namespace_clashes(jobs.iter().zip(&results).map(|(job, (_, ns))| {
        (
            job.layers.env.as_deref(),
            job.source.path.display().to_string(),
            ns.as_slice(),
        )
    }));
    let (mut errors, mut warnings) = (clashes.len(), 0);
    let mut json = Vec::new();
    let mut cap = inputs::RunCap::default();
    for (job, (diags, _)) in jobs.iter().zip(results) {
        errors += diags.iter().filter(|d| d.is_error()).count();
        warnings += diags.iter().filter(|d| !d.is_error()).count();
        match format {
            Format::Human => inputs::print_diagnostics(job, &diags, color, &mut cap),
            Format::Json => {
                let files = job.files();
                let lines = k8gen::diag::Lines::new(&job.source.text);
                json.extend(diags.iter().map(|d| to_json(d, job, &files, &lines)))
            }
        }
    }
    cap.print_rest();
    // The environments' own files (`[gitops]` argocd/flux, Namespaces the environment owns),
    // judged as `render -o --all-envs` judges them: once per platform file and environment.
    for (shown, text, diags) in environment_findings(&jobs) {
        let files = k8gen::diag::SourceMap::new(shown.clone(), text);
        for d in &diags {
            if d.is_error() {
                errors += 1;
            } else {
                warnings += 1;
            }
            match format {
                Format::Human => {
                    let _ = write!(std::io::stderr(), "{}", files.render(d, color));
                }
                Format::Json => {
                    let ((line, column), (end_line, end_column)) = files.line_cols(d);
                    json.push(serde_json::json!({
                        "file": shown,
                        "line": line,
                        "column": column,
                        "end_line": end_line,
                        "end_column": end_column,
                        "severity": if d.is_error() { "error" } else { "warning" },
                        "code": d.code,
                        "message": d.message,
                        "help": d.help,
                        "path": d.path,
                    }));
                }
            }
        }
    }
    for c in &clashes {
        match format {
            Format::Human => {
                let _ = writeln!(std::io::stderr(), "error[{}]: {}", c.code, c.message);
            }
            Format::Json => json.push(serde_json::json!({
                "file": c.specs.last(),
                "specs": c.specs,
                "environment": c.env,
                "severity": "error",
                "code": c.code,
                "message": c.message,
            })),
        }
    }
    match format {
        Format::Json => {
            let mut text = serde_json::to_string_pretty(&json).expect("JSON serializes");
            text.push('\n');
            if let Err(e) = std::io::stdout().lock().write_all(text.as_bytes())
                && e.kind() != std::io::ErrorKind::BrokenPipe
            {
                return fail(format!("cannot write to stdout: {e}"));
            }
        }
        Format::Human => {
            let _ = writeln!(
                std::io::stderr(),
                "k8gen: {} and {} in {}",
                plural(errors, "error"),
                plural(warnings, "warning"),
                plural(files.len(), "spec")
            );
        }
    }
    if errors > 0 || (deny_warnings && warnings > 0) {
        SPEC_ERROR
    } else {
        OK
    }
}

/// Every finding, uncapped (a program reads it), with the file it points into.
fn to_json(
    d: &Diagnostic,
    job: &Job,
    files: &k8gen::diag::SourceMap,
    lines: &k8gen::diag::Lines<'_>,
) -> serde_json::Value {
    // The spec's positions from its line index (a spec may have many findings).
    let ((line, column), (end_line, end_column)) = if d.file == k8gen::diag::MAIN_FILE {
        (lines.line_col(d.span.start), lines.line_col(d.span.end))
    } else {
        files.line_cols(d)
    };
    let rule = k8gen::LINT_RULES.iter().find(|r| r.code == d.code);
    let file = files
        .get(d.file)
        .map_or(job.source.shown.as_str(), |f| f.name.as_str());
    serde_json::json!({
        "file": file,
        "environment": job.layers.env,
        "line": line,
        "column": column,
        "end_line": end_line,
        "end_column": end_column,
        "severity": match d.severity { Severity::Error => "error", Severity::Warning => "warning" },
        "code": d.code,
        "rule": rule.map(|r| r.name),
        "message": d.message,
        "help": d.help,
        "path": d.path,
    })
}

/// `k8gen check --list`: the lint rules.
pub fn list() -> i32 {
    let mut out = String::new();
    for r in k8gen::LINT_RULES {
        out.push_str(&format!("{}  {:<28} {}\n", r.code, r.name, r.summary));
    }
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    OK
}

/// What the environments' own files of a tree render would be refused for (settings in
/// `[gitops]` and `[environments.ENV]` of a platform file, Application and Kustomization
/// names), per platform file and environment the jobs render: (file shown, its text, the
/// findings, positions in that file). The apps are the jobs' specs of that environment.
fn environment_findings(jobs: &[Job]) -> Vec<(String, String, Vec<Diagnostic>)> {
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for job in jobs {
        let (Some(env), Some((shown, text))) = (&job.layers.env, &job.layers.platform) else {
            continue;
        };
        if !seen.insert((shown.clone(), env.clone())) || !k8gen::environment_has_files(text, env) {
            continue;
        }
        let apps = jobs
            .iter()
            .filter(|j| {
                j.layers.env.as_ref() == Some(env)
                    && j.layers.platform.as_ref().map(|p| &p.0) == Some(shown)
            })
            .map(|j| {
                let name = j
                    .source
                    .path
                    .file_stem()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                k8gen::TreeApp {
                    path: format!("{env}/{name}"),
                    name,
                    namespace: None,
                    pre_deploy: None,
                }
            })
            .collect();
        if let Err(diags) = k8gen::environment_files(text, env, env, apps, Vec::new(), "check") {
            out.push((shown.clone(), text.clone(), diags));
        }
    }
    out
}
