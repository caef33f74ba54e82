//! `k8gen render`: every spec must be valid before anything is written.
//!
//! Specs are independent, so they are read, checked, built and emitted in parallel (rayon);
//! results are collected in the sorted order of the files, so the output does not depend on
//! scheduling.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::inputs::{self, Envs, Job, Reading};
use super::{OK, SPEC_ERROR, fail, output, plural, sealing, tree};

/// How `-o` writes: `--check` (write nothing, compare), `--no-kustomization`.
#[derive(Default, Debug, Clone, Copy)]
pub struct TreeArgs {
    pub check: bool,
    pub no_kustomization: bool,
    pub allow_plain_secrets: bool,
}

/// A `[gitops] folder` pattern: `{env}` and `{app}` each once, plain folder names between
/// `/` (no empty part, `.` or `..`; the replaced values are checked names already).
fn check_folder_pattern(pattern: &str) -> Result<(), String> {
    for key in ["{env}", "{app}"] {
        if pattern.matches(key).count() != 1 {
            return Err(format!("must hold `{key}` once"));
        }
    }
    let bad = pattern.split('/').any(|p| {
        matches!(p, "" | "." | "..") || p.contains('\\') || p.chars().any(char::is_control)
    });
    if bad {
        return Err("must be folder names separated by `/` (no empty part, `.` or `..`)".into());
    }
    Ok(())
}

/// One owner per Namespace: two specs rendered for the same environment may not both emit a
/// Namespace (Argo CD would see two owners, and pruning one app would delete the other's
/// namespace). The one that owns it keeps `create_namespace`; the others say
/// `create_namespace = false`.
fn namespace_owners(jobs: &[Job], rendered: &[Rendered]) -> Result<(), String> {
    // `rendered` holds one entry per job here (every job rendered).
    let clashes = namespace_clashes(jobs.iter().zip(rendered).map(|(job, r)| {
        (
            job.layers.env.as_deref(),
            r.path.display().to_string(),
            r.namespaces.as_slice(),
        )
    }));
    if clashes.is_empty() {
        Ok(())
    } else {
        Err(clashes
            .iter()
            .map(|c| format!("error[{}]: {}", c.code, c.message))
            .collect::<Vec<_>>()
            .join("\n"))
    }
}

/// A Namespace two specs of a run emit for one environment.
pub struct Clash {
    pub code: &'static str,
    pub message: String,
    /// The specs that emit it, in file order.
    pub specs: Vec<String>,
    pub env: Option<String>,
}

/// The Namespaces emitted by more than one spec per environment, from (environment, spec path,
/// the Namespaces its render emits): the one rule that needs several apps, shared by `render`
/// and `check`.
pub fn namespace_clashes<'a>(
    renders: impl Iterator<Item = (Option<&'a str>, String, &'a [String])>,
) -> Vec<Clash> {
    let mut owners: BTreeMap<(Option<&str>, &str), Vec<String>> = BTreeMap::new();
    for (env, spec, namespaces) in renders {
        for ns in namespaces {
            let specs = owners.entry((env, ns)).or_default();
            if !specs.contains(&spec) {
                specs.push(spec.clone());
            }
        }
    }
    owners
        .into_iter()
        .filter(|(_, specs)| specs.len() > 1)
        .map(|((env, ns), specs)| {
            let shown = env.map(|e| format!(" (--env {e})")).unwrap_or_default();
            Clash {
                code: k8gen::codes::NAMESPACE_TWO_OWNERS,
                message: format!(
                    "the Namespace `{ns}`{shown} is emitted by {}; one owner per Namespace: \
                     set `create_namespace = false` in all specs but the one that owns it",
                    specs.join(" and ")
                ),
                specs,
                env: env.map(str::to_string),
            }
        })
        .collect()
}

/// Prints what `--check` found; exit 1 when the tree is not what the specs render.
fn report(dir: &Path, f: &tree::Findings) -> i32 {
    if f.is_empty() {
        return OK;
    }
    let mut err = std::io::stderr().lock();
    for (what, list) in [
        ("stale", &f.stale),
        ("missing", &f.missing),
        ("edited by hand", &f.edited),
        ("no longer produced", &f.extra),
    ] {
        for rel in list {
            let _ = writeln!(err, "{what}: {}", dir.join(rel).display());
        }
    }
    let n = f.stale.len() + f.missing.len() + f.edited.len() + f.extra.len();
    let _ = writeln!(
        err,
        "k8gen: {} not what the specs render; run the same command without --check",
        plural(n, "file")
    );
    SPEC_ERROR
}

/// One spec's output, emitted already: a YAML stream, or the files of its folder.
#[derive(Clone)]
pub struct Rendered {
    pub path: PathBuf,
    /// Its folder inside the output folder: empty, `STEM`, `ENV/STEM`.
    pub folder: PathBuf,
    pub stream: String,
    pub files: BTreeMap<String, String>,
    /// Who owns the files: the spec's file name, ` --env ENV` (their header's words).
    pub owner: String,
    /// The file names in the order of the stream.
    pub order: Vec<String>,
    /// Whether its platform file wants `kustomization.yaml` files (`[gitops] kustomization`).
    pub kustomization: bool,
    /// The Namespaces it emits (one owner each per environment, see [`namespace_owners`]).
    pub namespaces: Vec<String>,
    /// The environment rendered (with `--all-envs`: the tree has environment folders).
    pub env: Option<String>,
    /// Whether the render has environment folders (`--all-envs`).
    pub by_env: bool,
    /// The app's namespace, and whether its environment owns it.
    pub namespace: Option<String>,
    pub namespace_owned_by_environment: bool,
    /// The platform file (shown name, text) and its path.
    pub platform: Option<(String, String)>,
    /// The `[gitops] folder` pattern, if the platform file sets one.
    pub pattern: Option<String>,
}

pub fn run(
    specs: &[PathBuf],
    out_dir: Option<&Path>,
    envs: &Envs,
    sets: &[String],
    reading: &Reading,
    color: bool,
    tree_args: &TreeArgs,
) -> i32 {
    let how = How {
        to_folder: out_dir.is_some(),
        nested: None,
        not_done: "nothing was written",
        tree: out_dir.map(|dir| Tree {
            dir: dir.to_path_buf(),
            allow_plain_secrets: tree_args.allow_plain_secrets,
        }),
    };
    let rendered = match render_all(specs, envs, sets, reading, color, &how) {
        Ok(rendered) => rendered,
        Err(code) => return code,
    };
    match out_dir {
        None => {
            // The streams one after the other, `---` between them (not joined into one
            // string first: 5 MB copied for a thousand apps).
            let mut stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            let written = rendered.iter().enumerate().try_for_each(|(i, r)| {
                if i > 0 {
                    stdout.write_all(b"---\n")?;
                }
                stdout.write_all(r.stream.as_bytes())
            });
            match written.and_then(|_| stdout.flush()) {
                Ok(()) => OK,
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => OK,
                Err(e) => fail(format!("cannot write to stdout: {e}")),
            }
        }
        Some(dir) => {
            let layout = tree::Layout {
                kustomization: !tree_args.no_kustomization
                    && rendered.iter().all(|r| r.kustomization),
            };
            match output::write_tree(dir, rendered, layout, tree_args.check) {
                Ok(None) => OK,
                Ok(Some(findings)) => report(dir, &findings),
                Err(e) => fail(e),
            }
        }
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
    /// The render replaces this tree (`render -o DIR`): Secrets follow each app's
    /// `secrets_mode`, and unchanged encrypted Secrets keep the tree's ciphertext.
    pub tree: Option<Tree>,
}

/// The tree a render replaces.
pub struct Tree {
    pub dir: PathBuf,
    pub allow_plain_secrets: bool,
}

/// Renders every spec (and environment) named by the arguments; on errors prints the
/// diagnostics and returns the exit code.
pub fn render_all(
    specs: &[PathBuf],
    envs: &Envs,
    sets: &[String],
    reading: &Reading,
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
    let jobs = match inputs::all_jobs(&files, envs, sets, reading) {
        Ok(jobs) => jobs,
        Err(e) => return Err(fail(e)),
    };
    let nested = how
        .nested
        .unwrap_or_else(|| files.len() > 1 || specs.iter().any(|s| s.is_dir()));
    let by_env = matches!(envs, Envs::All);
    // The `[gitops]` settings of each platform file, read once (not once per job).
    fn platform_text(job: &Job) -> Option<&str> {
        job.layers.platform.as_ref().map(|p| p.1.as_str())
    }
    let mut by_platform: BTreeMap<Option<&str>, (bool, Option<String>)> = BTreeMap::new();
    for job in &jobs {
        by_platform
            .entry(platform_text(job))
            .or_insert_with(|| k8gen::gitops_settings(platform_text(job)));
    }
    let settings = |job: &Job| by_platform[&platform_text(job)].clone();
    if to_folder && by_env {
        for job in &jobs {
            if let (_, Some(pattern)) = settings(job)
                && let Err(e) = check_folder_pattern(&pattern)
            {
                let file = job
                    .layers
                    .platform
                    .as_ref()
                    .map_or("k8gen.toml", |p| p.0.as_str());
                return Err(fail(format!("{file}: [gitops] folder = {pattern:?} {e}")));
            }
        }
    }
    let identities = match &how.tree {
        Some(_) => match sealing::identities() {
            Ok(ids) => Some(std::sync::Arc::new(ids)),
            Err(e) => return Err(fail(e)),
        },
        None => None,
    };
    let sealed_keys = match &how.tree {
        Some(_) => match sealing::sealed_keys() {
            Ok(keys) => std::sync::Arc::new(keys),
            Err(e) => return Err(fail(e)),
        },
        None => std::sync::Arc::new(Vec::new()),
    };
    let sealed_unreadable = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    // The tree's current files (its manifest's), to find a Secret's file under a hashed name.
    let current = std::sync::Arc::new(sealing::CurrentFiles::new(
        how.tree.as_ref().map_or(Path::new(""), |t| t.dir.as_path()),
    ));
    let lastmodified = sealing::lastmodified();
    let unreadable = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let render_job = |job: &Job| {
        let source = &job.source;
        let path = &source.path;
        match &source.not_utf8 {
            Some(d) => Err(vec![d.clone()]),
            None => {
                let stem = path
                    .file_stem()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let (kustomization, pattern) = settings(job);
                let mut folder = PathBuf::new();
                match (&job.layers.env, pattern.clone()) {
                    (Some(env), Some(pattern)) if by_env => {
                        let path = pattern.replace("{env}", env).replace("{app}", &stem);
                        folder.extend(path.split('/'));
                    }
                    _ => {
                        if by_env && let Some(env) = &job.layers.env {
                            folder.push(env);
                        }
                        if nested || by_env {
                            folder.push(stem);
                        }
                    }
                }
                let mut layers = job.layers.clone();
                if let (Some(tree), Some(ids)) = (&how.tree, &identities) {
                    layers.tree = Some(k8gen::Sealer::new(sealing::AgeCrypto {
                        dir: tree.dir.join(&folder),
                        identities: ids.clone(),
                        unreadable: unreadable.clone(),
                        lastmodified: lastmodified.clone(),
                        sealed_keys: sealed_keys.clone(),
                        current: current.clone(),
                        sealed_unreadable: sealed_unreadable.clone(),
                    }));
                    layers.allow_plain_secrets = tree.allow_plain_secrets;
                }
                k8gen::render_layers_app(
                    &source.shown,
                    &source.text,
                    &layers,
                    source.base_dir(),
                    &job.host,
                )
                .map(|app| {
                    let objects = app.objects;
                    let mut name = path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    if let Some(env) = &job.layers.env {
                        name.push_str(&format!(" --env {env}"));
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
                        order: k8gen::emit::file_names(&objects),
                        namespaces: objects
                            .iter()
                            .filter(|o| o.kind() == "Namespace")
                            .map(|o| o.name().to_string())
                            .collect(),
                        owner: name,
                        kustomization,
                        env: job.layers.env.clone(),
                        by_env,
                        namespace: app.namespace,
                        namespace_owned_by_environment: app.namespace_owned_by_environment,
                        platform: job.layers.platform.clone(),
                        pattern,
                    }
                })
            }
        }
    };
    // One spec renders on this thread: no thread pool to start (a one-app render is ~2 ms).
    let results: Vec<_> = if jobs.len() == 1 {
        jobs.iter().map(render_job).collect()
    } else {
        jobs.par_iter().map(render_job).collect()
    };

    let mut rendered = Vec::new();
    let mut errors = 0;
    let mut cap = inputs::RunCap::default();
    for (job, result) in jobs.iter().zip(results) {
        match result {
            Ok(r) => rendered.push(r),
            Err(diags) => {
                errors += diags.len();
                inputs::print_diagnostics(job, &diags, color, &mut cap);
            }
        }
    }
    cap.print_rest();
    if errors == 0
        && let Err(e) = namespace_owners(&jobs, &rendered)
    {
        let _ = writeln!(std::io::stderr(), "{e}");
        errors += 1;
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
    if unreadable.load(std::sync::atomic::Ordering::Relaxed) {
        let _ = writeln!(std::io::stderr(), "{}", sealing::NO_KEY_NOTE);
    }
    if sealed_unreadable.load(std::sync::atomic::Ordering::Relaxed) {
        let _ = writeln!(std::io::stderr(), "{}", sealing::NO_SEALED_KEY_NOTE);
    }
    Ok(rendered)
}
