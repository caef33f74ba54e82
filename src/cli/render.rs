//! `k8gen render`: every spec must be valid before anything is written.
//!
//! Specs are independent, so they are read, checked, built and emitted in parallel (rayon);
//! results are collected in the sorted order of the files, so the output does not depend on
//! scheduling.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::inputs::{self, Envs, RealHost};
use super::{OK, SPEC_ERROR, fail, output, plural};

/// One spec's output, emitted already: a YAML stream, or the files of its folder.
pub struct Rendered {
    pub path: PathBuf,
    /// Its folder inside the output folder: empty, `STEM`, `ENV/STEM`.
    pub folder: PathBuf,
    pub stream: String,
    pub files: BTreeMap<String, String>,
}

pub fn run(
    specs: &[PathBuf],
    out_dir: Option<&Path>,
    envs: &Envs,
    sets: &[String],
    color: bool,
) -> i32 {
    let how = How {
        to_folder: out_dir.is_some(),
        nested: None,
        not_done: "nothing was written",
    };
    let rendered = match render_all(specs, envs, sets, color, &how) {
        Ok(rendered) => rendered,
        Err(code) => return code,
    };
    match out_dir {
        None => {
            let text = rendered
                .iter()
                .map(|r| r.stream.as_str())
                .collect::<Vec<_>>()
                .join("---\n");
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(text.as_bytes())
                .and_then(|_| stdout.flush())
            {
                Ok(()) => OK,
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => OK,
                Err(e) => fail(format!("cannot write to stdout: {e}")),
            }
        }
        Some(dir) => match output::write_tree(dir, rendered) {
            Ok(()) => OK,
            Err(e) => fail(e),
        },
    }
}

/// How [`render_all`] renders.
pub struct How {
    /// Emit each spec as files of a folder (else as a stream).
    pub to_folder: bool,
    /// Whether each spec gets its own `STEM` folder; `None`: when several spec files or a
    /// folder of specs are given (as `render` decides). `diff --base` passes the working
    /// tree's choice, so a spec missing at the old revision does not change the layout.
    pub nested: Option<bool>,
    /// What the error summary says did not happen: `nothing was written`.
    pub not_done: &'static str,
}

/// Renders every spec (and environment) named by the arguments; on errors prints the
/// diagnostics and returns the exit code.
pub fn render_all(
    specs: &[PathBuf],
    envs: &Envs,
    sets: &[String],
    color: bool,
    how: &How,
) -> Result<Vec<Rendered>, i32> {
    let files = match inputs::spec_files(specs) {
        Ok(files) => files,
        Err(e) => return Err(fail(e)),
    };
    let to_folder = how.to_folder;
    if to_folder
        && let Some(Err(e)) = files
            .iter()
            .map(|f| output::spec_name(f))
            .find(Result::is_err)
    {
        return Err(fail(e));
    }
    let jobs = match inputs::all_jobs(&files, envs, sets) {
        Ok(jobs) => jobs,
        Err(e) => return Err(fail(e)),
    };
    let nested = how
        .nested
        .unwrap_or_else(|| files.len() > 1 || specs.iter().any(|s| s.is_dir()));
    let by_env = matches!(envs, Envs::All);
    let results: Vec<_> = jobs
        .par_iter()
        .map(|job| {
            let source = &job.source;
            let path = &source.path;
            match &source.not_utf8 {
                Some(d) => Err(vec![d.clone()]),
                None => k8gen::render_layers(
                    &source.shown,
                    &source.text,
                    &job.layers,
                    source.base_dir(),
                    &RealHost,
                )
                .map(|objects| {
                    let mut name = path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    if let Some(env) = &job.layers.env {
                        name.push_str(&format!(" --env {env}"));
                    }
                    let stem = path
                        .file_stem()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    let mut folder = PathBuf::new();
                    if by_env && let Some(env) = &job.layers.env {
                        folder.push(env);
                    }
                    if nested || by_env {
                        folder.push(stem);
                    }
                    Rendered {
                        path: path.clone(),
                        folder,
                        stream: if to_folder {
                            String::new()
                        } else {
                            k8gen::emit::stream(&objects)
                        },
                        files: if to_folder {
                            k8gen::emit::files(&objects, &name)
                        } else {
                            BTreeMap::new()
                        },
                    }
                }),
            }
        })
        .collect();

    let mut rendered = Vec::new();
    let mut errors = 0;
    for (job, result) in jobs.iter().zip(results) {
        match result {
            Ok(r) => rendered.push(r),
            Err(diags) => {
                errors += diags.len();
                inputs::print_diagnostics(job, &diags, color);
            }
        }
    }
    if errors > 0 {
        let _ = writeln!(
            std::io::stderr(),
            "k8gen: {} found; {}",
            plural(errors, "error"),
            how.not_done
        );
        return Err(SPEC_ERROR);
    }
    Ok(rendered)
}
