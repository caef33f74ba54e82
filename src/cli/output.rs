//! Writing an output folder without ever leaving it half-written or touching foreign files.
//!
//! - One run at a time per output folder: a lock in `.<name>.k8gen/` beside it (see
//!   [`Workspace`]), where the new tree is staged, so a killed run leaves nothing in the
//!   output folder and the next run removes what it left beside it.
//! - What changes and how the tree is swapped in one step is [`tree`]'s: which files k8gen
//!   owns (per spec, in `.k8gen-owned.json`), removing what it no longer produces, never
//!   touching other files.
//! - Names come from validated DNS names, so they cannot contain `/` or `..`; a symlink in the
//!   way is refused, never followed.
//!
//! It must not decide what goes into the tree (that is `render` and `tree::plan`).

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use rustc_hash::{FxHashMap, FxHashSet};

use super::render::Rendered;
use super::tree;
use super::tree::old_temporary;

/// The spec file's name as it goes into the header of its files, after checking that it and its
/// stem (the subfolder it writes when several specs render) are safe: no control characters
/// (a `\n` or `\r` would end the header comment and start YAML of its own), and a stem that is
/// a plain folder name, not empty, `.` or `..` (`..toml`, `...toml` would write into or over
/// the output folder's parent).
pub fn spec_name(path: &Path) -> Result<String, String> {
    let bad = |why: &str| {
        Err(format!(
            "spec file name `{}` {why}; rename the file",
            path.display().to_string().escape_debug()
        ))
    };
    let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return bad("has no file name");
    };
    if name.chars().any(char::is_control) {
        return bad("contains a control character (line break, tab, escape, ...)");
    }
    let stem = path
        .file_stem()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if matches!(stem.as_str(), "" | "." | "..") {
        return bad(&format!(
            "has the stem `{stem}`, which cannot name an output folder"
        ));
    }
    Ok(name)
}

/// Writes every spec's files into its folder under `dir` (`dir` itself, `dir/STEM/` or
/// `dir/ENV/STEM/`), as one swap of the whole tree (see [`tree`]); with `check`, writes
/// nothing and returns what differs.
pub fn write_tree(
    dir: &Path,
    rendered: Vec<Rendered>,
    layout: tree::Layout,
    check: bool,
) -> Result<Option<tree::Findings>, String> {
    let mut folders: FxHashSet<PathBuf> = FxHashSet::default();
    let mut produced = Vec::new();
    for r in &rendered {
        spec_name(&r.path)?;
        // Checked by `spec_name` and by the names `emit` makes; checked again here because a
        // path leaving the folder would be a write or a delete outside it.
        let plain = |p: &Path| {
            p.components()
                .all(|c| matches!(c, std::path::Component::Normal(_)))
        };
        // A file, or a file in the pre-deploy subfolder (`emit::file_name`).
        let one_component = |f: &str| {
            let name = f
                .strip_prefix(k8gen::emit::PRE_DEPLOY_FOLDER)
                .and_then(|rest| rest.strip_prefix('/'))
                .unwrap_or(f);
            !matches!(name, "" | "." | "..") && !name.contains('/')
        };
        if !plain(&r.folder) {
            return Err(format!(
                "output folder `{}` is not a plain folder name",
                r.folder.display().to_string().escape_debug()
            ));
        }
        let folder = dir.join(&r.folder);
        if let Some(bad) = r.files.keys().find(|f| !one_component(f)) {
            return Err(format!(
                "output file name `{}` is not a file name",
                bad.escape_debug()
            ));
        }
        if !folders.insert(folder.clone()) {
            return Err(format!(
                "two specs named `{}` would write into the same folder `{}`; rename one",
                r.folder.display(),
                folder.display()
            ));
        }
    }
    let real = real_path(dir)?;
    let environments = environments(&real, &rendered)?;
    produced.extend(produced_of(&real, rendered));
    let tell = |plan: &tree::Plan| {
        for note in &plan.notes {
            let _ = writeln!(std::io::stderr(), "k8gen: {note}");
        }
    };
    if check {
        let plan = tree::plan(&real, produced, layout, environments.as_ref())?;
        tell(&plan);
        let findings = tree::check(&real, &plan);
        std::mem::forget(plan); // as below
        return Ok(Some(findings));
    }
    let work = Workspace::open(dir)?;
    let plan = tree::plan(&real, produced, layout, environments.as_ref())?;
    tell(&plan);
    // A folder that does not exist yet always changes: no need to compare every file.
    if fs::symlink_metadata(&real).is_err() || tree::changes(&real, &plan) {
        tree::apply(&real, &plan, &work.tmp.join("tree"))?;
    }
    // The process ends soon after: the plan holds every file's content (21,000 strings for
    // 1000 apps × 3 environments), which freeing one by one would keep a core busy for
    // ~15 ms; the operating system takes the memory back at exit.
    std::mem::forget(plan);
    Ok(None)
}

/// The files of the environments' own folders (`_namespaces`, `_argocd`, `_flux`) that
/// rendering `rendered` into `dir` would write, path relative to `dir` → content, without
/// writing (what `k8gen diff -o DIR` compares); `kustomization.yaml` files left out. Empty
/// without environment folders.
pub fn environment_tree_files(
    dir: &Path,
    rendered: &[Rendered],
    layout: tree::Layout,
) -> Result<BTreeMap<String, String>, String> {
    let real = real_path(dir)?;
    let Some(environments) = environments(&real, rendered)? else {
        return Ok(BTreeMap::new());
    };
    let produced = produced_of(&real, rendered.to_vec());
    let plan = tree::plan(&real, produced, layout, Some(&environments))?;
    let mut out = BTreeMap::new();
    for owner in &environments.owners {
        let Some(o) = plan.new.owners.get(owner) else {
            continue;
        };
        for f in &o.files {
            let kustomization = f.path.rsplit('/').next() == Some("kustomization.yaml");
            if let (false, Some(content)) = (kustomization, plan.write.get(&f.path)) {
                out.insert(f.path.clone(), content.clone());
            }
        }
    }
    Ok(out)
}

/// What each render of `rendered` gives the tree (its files under its folder; the files are
/// moved, not copied: 5 MB for 1000 apps × 3 environments).
fn produced_of(real: &Path, rendered: Vec<Rendered>) -> Vec<tree::Produced> {
    let mut produced = Vec::new();
    // A spec rendered for each environment is resolved once.
    let mut specs: FxHashMap<PathBuf, String> = FxHashMap::default();
    for r in rendered {
        let prefix: Vec<String> = r
            .folder
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let folder = prefix.join("/");
        let rel = |name: &str| {
            if folder.is_empty() {
                name.to_string()
            } else {
                format!("{folder}/{name}")
            }
        };
        let spec = match specs.get(&r.path) {
            Some(spec) => spec.clone(),
            None => {
                let spec = fs::canonicalize(&r.path)
                    .map(|p| relative(real, &p))
                    .unwrap_or_default();
                specs.insert(r.path.clone(), spec.clone());
                spec
            }
        };
        let app = match (&r.env, r.by_env) {
            (Some(env), true) => Some(tree::EnvApp {
                env: env.clone(),
                folder: folder.clone(),
                name: prefix.last().cloned().unwrap_or_default(),
                namespace: r.namespace,
                namespace_owned_by_environment: r.namespace_owned_by_environment,
            }),
            _ => None,
        };
        produced.push(tree::Produced {
            order: r.order.iter().map(|n| rel(n)).collect(),
            files: r.files.into_iter().map(|(n, c)| (rel(&n), c)).collect(),
            owner: r.owner,
            spec,
            namespaces: r.namespaces,
            app,
        });
    }
    produced
}

/// The folder of environment `env` inside the output folder, from the `[gitops] folder`
/// pattern: the folders up to the one holding `{env}` (`clusters/{env}/apps/{app}` →
/// `clusters/ENV`), or `ENV` at the top when `{app}` comes first (`{app}/{env}`).
fn env_folder(pattern: Option<&str>, env: &str) -> String {
    let pattern = pattern.unwrap_or("{env}/{app}");
    let mut parts = Vec::new();
    for part in pattern.split('/') {
        if part.contains("{app}") {
            return env.to_string();
        }
        parts.push(part.replace("{env}", env));
        if part.contains("{env}") {
            return parts.join("/");
        }
    }
    env.to_string()
}

/// What one environment's own files are made from.
struct EnvSource {
    /// The platform file's name (the owner's) and text.
    platform: (String, String),
    /// The platform file's path as diagnostics show it.
    shown: String,
    /// The platform file relative to the output folder (the owner's `spec`).
    spec: String,
    /// The environment's folder inside the output folder.
    folder: String,
    /// The output folder's path in the Git repository.
    repo: Result<String, String>,
}

/// The environments of a render with environment folders (`--all-envs`) and how their own
/// files are made (see [`tree::Environments`]); `None` without environment folders.
fn environments(
    real: &Path,
    rendered: &[Rendered],
) -> Result<Option<tree::Environments<'static>>, String> {
    let mut envs: BTreeMap<String, EnvSource> = BTreeMap::new();
    for r in rendered {
        let (Some(env), true, Some(platform)) = (&r.env, r.by_env, &r.platform) else {
            continue;
        };
        if let Some(known) = envs.get(env) {
            if known.platform.1 != platform.1 && k8gen::environment_has_files(&platform.1, env) {
                return Err(format!(
                    "the environment `{env}` is rendered with two different platform files \
                     (`{}` and `{}`); its Namespaces and engine objects need one: render them \
                     into different output folders",
                    known.platform.0, platform.0
                ));
            }
            continue;
        }
        let path = fs::canonicalize(&platform.0)
            .map_err(|e| format!("cannot resolve `{}`: {e}", platform.0))?;
        let repo = match k8gen::gitops_repo_path(&platform.1) {
            Some(p) => Ok(p.trim_matches('/').trim_start_matches("./").to_string()),
            None => {
                // Paths in Argo CD and Flux objects are relative to the Git repository's root:
                // the git root above the platform file, else (no Git yet) its folder.
                let folder = path.parent().unwrap_or(Path::new("/"));
                let (root, is) = folder
                    .ancestors()
                    .find(|d| fs::symlink_metadata(d.join(".git")).is_ok())
                    .map_or((folder, "the folder of the platform file"), |d| {
                        (d, "the git root")
                    });
                let rel = relative(root, real);
                if rel.split('/').next() == Some("..") {
                    Err(format!(
                        "the output folder `{}` is outside the repository (`{}`, {is}): Argo \
                         CD and Flux read paths inside it; write the tree inside it, or set \
                         `[gitops] repo_path`",
                        real.display(),
                        root.display(),
                    ))
                } else {
                    Ok(rel)
                }
            }
        };
        envs.insert(
            env.clone(),
            EnvSource {
                platform: (
                    Path::new(&platform.0)
                        .file_name()
                        .map_or_else(|| platform.0.clone(), |n| n.to_string_lossy().into_owned()),
                    platform.1.clone(),
                ),
                shown: platform.0.clone(),
                spec: relative(real, &path),
                folder: env_folder(r.pattern.as_deref(), env),
                repo,
            },
        );
    }
    if envs.is_empty() {
        return Ok(None);
    }
    let owner = |s: &EnvSource, env: &str| format!("{} --env {env}", s.platform.0);
    let owners = envs.iter().map(|(env, s)| owner(s, env)).collect();
    let make = move |manifest: &tree::Manifest| -> Result<Vec<tree::Produced>, String> {
        let mut out = Vec::new();
        for (env, s) in &envs {
            if !k8gen::environment_has_files(&s.platform.1, env) {
                continue;
            }
            let repo = s.repo.clone()?;
            let in_repo = |rel: &str| {
                [repo.as_str(), rel]
                    .into_iter()
                    .filter(|p| !p.is_empty())
                    .collect::<Vec<_>>()
                    .join("/")
            };
            let mut apps: Vec<(&tree::EnvApp, bool)> = manifest
                .owners
                .values()
                .filter_map(|o| {
                    let app = o.app.as_ref().filter(|a| &a.env == env)?;
                    let pre = format!("{}/{}/", app.folder, k8gen::emit::PRE_DEPLOY_FOLDER);
                    Some((app, o.files.iter().any(|f| f.path.starts_with(&pre))))
                })
                .collect();
            apps.sort_by(|a, b| a.0.folder.cmp(&b.0.folder));
            let owned: Vec<String> = apps
                .iter()
                .filter(|(a, _)| a.namespace_owned_by_environment)
                .filter_map(|(a, _)| a.namespace.clone())
                .collect();
            let apps: Vec<k8gen::TreeApp> = apps
                .iter()
                .map(|(a, pre)| k8gen::TreeApp {
                    name: a.name.clone(),
                    path: in_repo(&a.folder),
                    namespace: a.namespace.clone(),
                    pre_deploy: pre.then(|| {
                        in_repo(&format!("{}/{}", a.folder, k8gen::emit::PRE_DEPLOY_FOLDER))
                    }),
                })
                .collect();
            let name = owner(s, env);
            let files = k8gen::environment_files(
                &s.platform.1,
                env,
                &in_repo(&s.folder),
                apps,
                owned,
                &name,
            )
            .map_err(|errors| {
                // Each at its place in the platform file, like every other k8gen.toml error.
                let files = k8gen::diag::SourceMap::new(s.shown.clone(), s.platform.1.clone());
                let shown: Vec<String> = errors
                    .iter()
                    .map(|d| files.render(d, false).trim_end().to_string())
                    .collect();
                format!("in environment `{env}`:\n{}", shown.join("\n"))
            })?;
            let files: BTreeMap<String, String> = files
                .into_iter()
                .map(|(rel, content)| (format!("{}/{rel}", s.folder), content))
                .collect();
            let namespaces = files
                .keys()
                .filter_map(|rel| {
                    rel.strip_prefix(&format!("{}/_namespaces/namespace-", s.folder))?
                        .strip_suffix(".yaml")
                        .map(str::to_string)
                })
                .collect();
            out.push(tree::Produced {
                owner: name,
                spec: s.spec.clone(),
                order: files.keys().cloned().collect(),
                files,
                namespaces,
                app: None,
            });
        }
        Ok(out)
    };
    Ok(Some(tree::Environments {
        owners,
        make: Box::new(make),
    }))
}

/// `dir` with symlinks resolved (its parent when it does not exist yet).
fn real_path(dir: &Path) -> Result<PathBuf, String> {
    if fs::symlink_metadata(dir).is_ok() {
        return fs::canonicalize(dir)
            .map_err(|e| format!("cannot resolve `{}`: {e}", dir.display()));
    }
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = dir
        .file_name()
        .ok_or_else(|| format!("`{}` does not name a folder", dir.display()))?;
    match fs::canonicalize(parent) {
        Ok(p) => Ok(p.join(name)),
        // Not there yet: made by the render (a check finds every file missing).
        Err(_) => Ok(std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf())),
    }
}

/// `to` relative to the folder `from` (both absolute), `/`-separated: `../specs/a.toml`.
fn relative(from: &Path, to: &Path) -> String {
    let f: Vec<_> = from.components().collect();
    let t: Vec<_> = to.components().collect();
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); f.len() - common];
    parts.extend(
        t[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

fn create_dir(dir: &Path) -> Result<(), String> {
    fs::create_dir_all(dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))
}

/// The lock and the staging folder of one output folder: `.<name>.k8gen/` beside it (beside
/// the folder a symlinked `-o` points to), holding
/// - `lock`: locked (`flock`, std's `File::lock`) for the whole write, so two renders into one
///   folder run one after the other: the second waits (and says so) instead of failing or
///   mixing its files with the first's;
/// - `tmp/`: every temporary file and folder of the run, on the output's file system so that
///   renames are atomic; emptied first by each run (under the lock), so what a killed run
///   left is removed by the next one, and never inside the output folder, where `kubectl
///   apply -R` or a GitOps tool would read it;
/// - `.gitignore` (`*`): a leftover of a killed run is ignored by `git add -A`.
///
/// A run that ends normally removes the whole folder (lock file included, while holding the
/// lock; a waiting run notices the file is gone and takes a new one).
struct Workspace {
    root: PathBuf,
    tmp: PathBuf,
    lock: Option<fs::File>,
}

impl Workspace {
    fn open(dir: &Path) -> Result<Workspace, String> {
        let io = |what: &str, p: &Path, e: std::io::Error| {
            format!("cannot {what} `{}`: {e}", p.display())
        };
        let real = match fs::symlink_metadata(dir) {
            Ok(_) => fs::canonicalize(dir).map_err(|e| io("resolve", dir, e))?,
            Err(_) => {
                let parent = dir
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(Path::new("."));
                create_dir(parent)?;
                let name = dir
                    .file_name()
                    .ok_or_else(|| format!("`{}` does not name a folder", dir.display()))?;
                fs::canonicalize(parent)
                    .map_err(|e| io("resolve", parent, e))?
                    .join(name)
            }
        };
        let (Some(parent), Some(name)) = (real.parent(), real.file_name()) else {
            return Err(format!(
                "k8gen does not write into `{}` itself",
                real.display()
            ));
        };
        let root = parent.join(format!(".{}.k8gen", name.to_string_lossy()));
        let lock_path = root.join("lock");
        let mut told = false;
        let mut tries = 0;
        let lock = loop {
            tries += 1;
            if tries > 100 {
                return Err(format!("cannot take the lock `{}`", lock_path.display()));
            }
            match fs::symlink_metadata(&root) {
                Ok(m) if !m.is_dir() => {
                    return Err(format!(
                        "`{}` is in the way (k8gen keeps its lock and temporary files there); remove it",
                        root.display()
                    ));
                }
                _ => fs::create_dir_all(&root).map_err(|e| io("create", &root, e))?,
            }
            // Before the lock file exists, so a run killed at any moment leaves nothing that
            // `git add -A` would take.
            match ensure_gitignore(&root) {
                Ok(()) => {}
                // The run that held the lock removed the folder in between (it does when it
                // ends): start again.
                Err(_) if !root.is_dir() => continue,
                Err(e) => return Err(e),
            }
            // Never open a symlink (a committed one could point anywhere).
            if fs::symlink_metadata(&lock_path).is_ok_and(|m| !m.file_type().is_file()) {
                return Err(format!(
                    "`{}` is not a regular file; remove it",
                    lock_path.display()
                ));
            }
            let file = match fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&lock_path)
            {
                Ok(f) => f,
                // The run that held it removed the folder in between: start again.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(io("open", &lock_path, e)),
            };
            match file.try_lock() {
                Ok(()) => {}
                Err(fs::TryLockError::WouldBlock) => {
                    if !told {
                        let _ = writeln!(
                            std::io::stderr(),
                            "k8gen: waiting for another k8gen writing `{}` (lock `{}`)",
                            dir.display(),
                            lock_path.display()
                        );
                        told = true;
                    }
                    file.lock().map_err(|e| io("lock", &lock_path, e))?;
                }
                Err(fs::TryLockError::Error(e)) => return Err(io("lock", &lock_path, e)),
            }
            // Locked; but if the holder before removed the file, this lock is on a file no one
            // else can find: take the one at the path instead.
            if same_file(&file, &lock_path) {
                break file;
            }
        };
        // Folders an older k8gen built beside this one under a temporary name, left by a
        // killed run.
        let prefix = format!(".{}.k8gen-", name.to_string_lossy());
        if let Ok(entries) = fs::read_dir(parent) {
            for entry in entries.flatten() {
                let n = entry.file_name().to_string_lossy().into_owned();
                if n.starts_with(&prefix)
                    && old_temporary(&n)
                    && entry.file_type().is_ok_and(|t| t.is_dir())
                {
                    let _ = fs::remove_dir_all(entry.path());
                }
            }
        }
        // Again under the lock: a run that finished meanwhile may have removed it.
        ensure_gitignore(&root)?;
        let tmp = root.join("tmp");
        match fs::remove_dir_all(&tmp) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io("remove the leftovers in", &tmp, e)),
        }
        fs::create_dir(&tmp).map_err(|e| io("create", &tmp, e))?;
        Ok(Workspace {
            root,
            tmp,
            lock: Some(lock),
        })
    }
}

const GITIGNORE: &[u8] = b"# k8gen's lock and temporary files: never commit them\n*\n";

/// `root/.gitignore` holds `*`: kept when it is a regular file that says so, else removed (a
/// symlink itself, never what it points at) and made anew.
fn ensure_gitignore(root: &Path) -> Result<(), String> {
    let path = root.join(".gitignore");
    let is_ours = fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_file())
        && fs::read(&path).is_ok_and(|c| c == GITIGNORE);
    if is_ours {
        return Ok(());
    }
    let _ = fs::remove_file(&path);
    match fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
    {
        Ok(mut f) => f
            .write_all(GITIGNORE)
            .map_err(|e| format!("cannot write `{}`: {e}", path.display())),
        // Another run made it in between.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(format!("cannot write `{}`: {e}", path.display())),
    }
}

#[cfg(unix)]
fn same_file(file: &fs::File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::symlink_metadata(path)) {
        (Ok(a), Ok(b)) => b.file_type().is_file() && a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_: &fs::File, path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_file())
}

impl Drop for Workspace {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.tmp);
        let _ = fs::remove_file(self.root.join("lock"));
        let _ = fs::remove_file(self.root.join(".gitignore"));
        let _ = fs::remove_dir(&self.root);
        drop(self.lock.take());
    }
}

/// Replaces a file people edit (a spec) atomically, keeping its permissions; a symlink at
/// `path` is replaced, never followed.
pub fn replace_file(path: &Path, content: &[u8]) -> Result<(), String> {
    let permissions = fs::metadata(path)
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?
        .permissions();
    write_beside(path, content, Some(permissions))
}

/// Writes a new file whole or not at all, with the mode any new file gets (the umask's); fails
/// if `path` exists, or appears meanwhile: nothing is overwritten.
pub fn write_new(path: &Path, content: &[u8]) -> Result<(), String> {
    write_beside(path, content, None)
}

/// Writes `content` to the temporary file `.NAME.k8gen-XXXXXX` beside `path` (the name k8gen's
/// temporaries have always had, never `*.toml`, so a killed run's leftover is no spec), flushed
/// to disk, then gives it `path`'s name: a reader sees the old file or the new one, never part
/// of one. With `keep` (the old file's permissions) it replaces `path`; without, it makes a new
/// file and never replaces one.
fn write_beside(path: &Path, content: &[u8], keep: Option<fs::Permissions>) -> Result<(), String> {
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| format!("`{}` names no file", path.display()))?
        .to_string_lossy();
    let prefix = format!(".{name}.k8gen-");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix);
    // tempfile's own mode is 0600; a new spec is made like any file the user makes (0666
    // less the umask), a replaced one gets the old file's mode after creation (the umask
    // would narrow it at creation).
    #[cfg(unix)]
    if keep.is_none() {
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(folder).map_err(|e| {
        format!(
            "cannot create a temporary file in `{}`: {e}",
            folder.display()
        )
    })?;
    let write = |e: std::io::Error| format!("cannot write `{}`: {e}", path.display());
    tmp.write_all(content)
        .and_then(|_| match &keep {
            Some(permissions) => tmp.as_file().set_permissions(permissions.clone()),
            None => Ok(()),
        })
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(write)?;
    match keep {
        Some(_) => tmp
            .persist(path)
            .map(drop)
            .map_err(|e| format!("cannot replace `{}`: {}", path.display(), e.error)),
        None => tmp
            .persist_noclobber(path)
            .map(drop)
            .map_err(|e| format!("cannot write `{}`: {}", path.display(), e.error)),
    }
}
