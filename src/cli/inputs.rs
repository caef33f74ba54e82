//! Finding spec files, reading them, and the host (file system, environment) that `check`
//! reads secrets and config files through.
//!
//! Specs are input from a repository that may be hostile, so:
//! - a spec must be a regular file of at most [`MAX_SPEC_BYTES`], and at most that much is
//!   read (a link to `/dev/zero` or a FIFO is refused before it is opened);
//! - folder scans never follow symlinks (a `loop -> .` or a link out of the folder is skipped);
//! - a spec named on the command line that is a symlink must resolve to a regular file inside
//!   the current folder, so a committed link to `/etc/shadow` or `/proc/self/environ` is never
//!   read and echoed in diagnostics;
//! - `{ file = ... }` reads at most [`MAX_DATA_FILE_BYTES`] (+1 to notice a larger file).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use k8gen::Diagnostic;
use k8gen::Host;

/// Largest spec file k8gen reads: 4 MiB (the largest spec in `specs/` is a few KiB).
pub const MAX_SPEC_BYTES: u64 = 4 * 1024 * 1024;

/// Largest `{ file = ... }` k8gen reads: 1 MiB, all a ConfigMap or Secret may hold.
pub const MAX_DATA_FILE_BYTES: u64 = 1024 * 1024;

/// What the specs of one run may read, from the command line: `--allow-env PATTERN`,
/// `--allow-outside-root`, and where env vars come from.
#[derive(Debug, Clone, Default)]
pub struct Reading {
    /// Env var patterns allowed besides the platform file's (`--allow-env`).
    pub allow_env: Vec<String>,
    /// Files anywhere (`--allow-outside-root`); only the command line can say so, never a
    /// committed file: on a CI runner or an Argo CD repo server the repo is what is confined.
    pub allow_outside_root: bool,
    /// `{ env = "X" }` reads `ARGOCD_ENV_X` (the Application's plugin env), never the
    /// renderer's own environment (`k8gen argocd-generate`).
    pub argocd_env: bool,
}

impl Reading {
    /// The `--allow-env` patterns are valid globs.
    pub fn check(&self) -> Result<(), String> {
        for p in &self.allow_env {
            k8gen::check_env_pattern(p)
                .map_err(|e| format!("--allow-env {p:?} is not a valid pattern: {e}"))?;
        }
        Ok(())
    }
}

/// Reads files and environment variables for a render: files only inside the repo root of
/// the spec (see [`repo_root`]), env vars only those allowed.
pub struct RealHost {
    access: k8gen::Access,
    argocd_env: bool,
    cache: std::sync::Arc<ReadCache>,
}

/// What the renders of one run have resolved and read: a file named by several renders (the
/// environments of one spec) is resolved and read once, so every render sees the same bytes.
/// Errors are kept as their kind and text, and given back as they were first seen.
#[derive(Default)]
pub struct ReadCache {
    canonical: std::sync::Mutex<std::collections::HashMap<PathBuf, Cached<PathBuf>>>,
    files: std::sync::Mutex<std::collections::HashMap<PathBuf, Cached<std::sync::Arc<Vec<u8>>>>>,
}

type Cached<T> = Result<T, (std::io::ErrorKind, String)>;

impl ReadCache {
    /// `map[key]`, else `get()` (called without the lock held, so renders on other threads
    /// go on reading) remembered.
    fn get_or<T: Clone>(
        map: &std::sync::Mutex<std::collections::HashMap<PathBuf, Cached<T>>>,
        key: &Path,
        get: impl FnOnce() -> std::io::Result<T>,
    ) -> std::io::Result<T> {
        let unpoisoned = |m| match m {
            Ok(g) => g,
            Err(p @ std::sync::PoisonError { .. }) => p.into_inner(),
        };
        let rebuilt = |c: Cached<T>| c.map_err(|(kind, text)| std::io::Error::new(kind, text));
        if let Some(hit) = unpoisoned(map.lock()).get(key) {
            return rebuilt(hit.clone());
        }
        let got = get().map_err(|e| (e.kind(), e.to_string()));
        unpoisoned(map.lock()).insert(key.to_path_buf(), got.clone());
        rebuilt(got)
    }
}

impl RealHost {
    pub fn new(root: &RepoRoot, reading: &Reading) -> RealHost {
        RealHost::sharing(root, reading, Default::default())
    }

    /// A host whose reads are shared with the other renders of a run.
    pub fn sharing(
        root: &RepoRoot,
        reading: &Reading,
        cache: std::sync::Arc<ReadCache>,
    ) -> RealHost {
        RealHost {
            access: k8gen::Access::Confined(k8gen::Confinement {
                root: (!reading.allow_outside_root).then(|| root.path.clone()),
                root_is: root.is.to_string(),
                env_allow: reading.allow_env.clone(),
            }),
            argocd_env: reading.argocd_env,
            cache,
        }
    }
}

/// Prefix of the env vars an Argo CD Application sets for its plugin.
pub const ARGOCD_ENV_PREFIX: &str = "ARGOCD_ENV_";

impl Host for RealHost {
    /// Reads regular files only: a spec naming `/dev/zero`, `/dev/stdin` or a FIFO must not
    /// make k8gen read forever or wait for a writer; and at most 1 MiB of them. Confined,
    /// `path` is the canonical path lowering checked, and the file opened must be that one.
    fn read_file(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        let confined = matches!(&self.access, k8gen::Access::Confined(c) if c.root.is_some());
        let expect = confined.then_some(path);
        let bytes = ReadCache::get_or(&self.cache.files, path, || {
            read_capped(
                path,
                MAX_DATA_FILE_BYTES,
                "a ConfigMap or Secret may hold",
                expect,
            )
            .map(std::sync::Arc::new)
        })?;
        Ok(bytes.as_ref().clone())
    }
    fn env_var(&self, name: &str) -> Option<String> {
        if self.argocd_env {
            std::env::var(format!("{ARGOCD_ENV_PREFIX}{name}")).ok()
        } else {
            std::env::var(name).ok()
        }
    }
    fn access(&self) -> k8gen::Access {
        self.access.clone()
    }
    fn unset_env_help(&self, name: &str) -> Option<String> {
        self.argocd_env.then(|| {
            format!(
                "set `{name}` in the Application's `spec.source.plugin.env` (k8gen reads \
                 `{ARGOCD_ENV_PREFIX}{name}`, never the repo server's own environment)"
            )
        })
    }
    fn canonical(&self, path: &Path) -> std::io::Result<PathBuf> {
        ReadCache::get_or(&self.cache.canonical, path, || std::fs::canonicalize(path))
    }
}

/// `file` resolves (after symlinks) inside `dir`, else the error says where it points.
fn within(file: &Path, dir: &Path) -> Result<(), String> {
    let real = std::fs::canonicalize(file)
        .map_err(|e| format!("cannot resolve `{}`: {e}", file.display()))?;
    let dir = std::fs::canonicalize(dir)
        .map_err(|e| format!("cannot resolve `{}`: {e}", dir.display()))?;
    if real.starts_with(&dir) {
        Ok(())
    } else {
        Err(format!(
            "`{}` is a symlink to `{}`, outside `{}`; k8gen reads platform and overlay files \
             only inside the repo root",
            file.display(),
            real.display(),
            dir.display()
        ))
    }
}

/// The root a spec's files must be in: the folder of the `k8gen.toml` that applies, else the
/// git root (the nearest folder above with `.git`), else the spec's folder; canonical.
#[derive(Debug, Clone)]
pub struct RepoRoot {
    pub path: PathBuf,
    /// How errors name it.
    pub is: &'static str,
}

/// The [`RepoRoot`] of the specs in `dir`.
pub fn repo_root(dir: &Path) -> Result<RepoRoot, String> {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let dir = std::fs::canonicalize(dir)
        .map_err(|e| format!("cannot resolve `{}`: {e}", dir.display()))?;
    let found = |marker: &str| {
        dir.ancestors()
            .find(|d| std::fs::symlink_metadata(d.join(marker)).is_ok())
            .map(Path::to_path_buf)
    };
    Ok(if let Some(path) = found(PLATFORM_FILE) {
        RepoRoot {
            path,
            is: "the folder of `k8gen.toml`",
        }
    } else if let Some(path) = found(".git") {
        RepoRoot {
            path,
            is: "the git root",
        }
    } else {
        RepoRoot {
            path: dir,
            is: "the spec's folder",
        }
    })
}

/// The spec files named on the command line: files as given, folders searched (recursively)
/// for `*.toml`, in sorted order.
pub fn spec_files(args: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for arg in args {
        let meta =
            std::fs::metadata(arg).map_err(|e| format!("cannot read `{}`: {e}", arg.display()))?;
        let link = std::fs::symlink_metadata(arg).is_ok_and(|m| m.file_type().is_symlink());
        if link && !meta.is_dir() {
            check_link_target(arg)?;
        }
        if meta.is_dir() {
            let before = out.len();
            collect_toml(arg, &mut out)
                .map_err(|e| format!("cannot list `{}`: {e}", arg.display()))?;
            if out.len() == before {
                return Err(format!("no *.toml spec files in `{}`", arg.display()));
            }
        } else if meta.is_file() {
            if arg.file_name().is_some_and(|n| n == PLATFORM_FILE) {
                let folder = arg
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(Path::new("."));
                return Err(format!(
                    "`{}` is the platform file (environments, defaults and policy of the specs \
                     in `{}` and below), not a spec; render the specs: `k8gen render {}`",
                    arg.display(),
                    folder.display(),
                    folder.display()
                ));
            }
            if let Some(spec) = overlay_of(arg) {
                let env = env_of_overlay(arg).unwrap_or_default();
                return Err(format!(
                    "`{}` is the `{env}` overlay of `{}`, not a spec; render that with `--env {env}`",
                    arg.display(),
                    spec.display()
                ));
            }
            out.push(arg.clone());
        } else {
            return Err(format!(
                "`{}` is not a regular file; a spec must be one",
                arg.display()
            ));
        }
    }
    Ok(out)
}

/// A spec named on the command line that is a symlink must resolve to a regular file inside
/// the current folder.
fn check_link_target(arg: &Path) -> Result<(), String> {
    let target = std::fs::canonicalize(arg)
        .map_err(|e| format!("cannot resolve `{}`: {e}", arg.display()))?;
    let here = std::env::current_dir()
        .and_then(std::fs::canonicalize)
        .map_err(|e| format!("cannot resolve the current folder: {e}"))?;
    if !target.starts_with(&here) {
        return Err(format!(
            "`{}` is a symlink to `{}`, outside the current folder; k8gen follows a spec \
             symlink only to a regular file inside it",
            arg.display(),
            target.display()
        ));
    }
    Ok(())
}

/// Folders are searched without following symlinks: a link (to a file or a folder, inside or
/// outside) is skipped, so a scan cannot loop or leave the folder. Only regular `*.toml` files
/// are specs.
fn collect_toml(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<(PathBuf, std::fs::FileType)> = std::fs::read_dir(dir)?
        .map(|e| e.and_then(|e| Ok((e.path(), e.file_type()?))))
        .collect::<Result<_, _>>()?;
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (path, kind) in entries {
        if kind.is_dir() {
            collect_toml(&path, out)?;
        } else if kind.is_file()
            && path.extension().is_some_and(|e| e == "toml")
            && !is_platform_file(&path)
            && overlay_of(&path).is_none()
        {
            out.push(path);
        }
    }
    Ok(())
}

/// The name of the platform file.
pub const PLATFORM_FILE: &str = "k8gen.toml";

fn is_platform_file(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == PLATFORM_FILE)
}

/// The spec `STEM.toml` that `path` (`STEM.ENV.toml` beside it) is an overlay of, if any.
fn overlay_of(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?.to_str()?;
    let stem = name.strip_suffix(".toml")?;
    let (spec, env) = stem.rsplit_once('.')?;
    if spec.is_empty() || env.is_empty() {
        return None;
    }
    let spec = path.with_file_name(format!("{spec}.toml"));
    spec.is_file().then_some(spec)
}

fn env_of_overlay(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let (_, env) = name.strip_suffix(".toml")?.rsplit_once('.')?;
    Some(env.to_string())
}

/// The overlay file of `spec` for `env`: `STEM.ENV.toml` beside `STEM.toml`.
pub fn overlay_path(spec: &Path, env: &str) -> PathBuf {
    let stem = spec
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    spec.with_file_name(format!("{stem}.{env}.toml"))
}

/// The environments of the overlay files beside `spec` (`STEM.ENV.toml`), sorted, among
/// `names`, the regular files of its folder.
fn overlay_envs(spec: &Path, names: &[String]) -> Vec<String> {
    let stem = spec
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!("{stem}.");
    let mut envs: Vec<String> = names
        .iter()
        .filter_map(|n| n.strip_prefix(&prefix)?.strip_suffix(".toml"))
        .filter(|env| !env.is_empty() && !env.contains('.'))
        .map(str::to_string)
        .collect();
    envs.sort();
    envs
}

/// What every spec of one folder shares: the names of its regular files (to find overlay
/// files; empty when the render does not need them, see [`Folder::read`]) and the platform
/// file that applies. Read once per folder, not once per spec.
struct Folder {
    names: Vec<String>,
    platform: Option<(String, String)>,
    /// The platform file's folder: the paths it writes start there.
    platform_dir: Option<PathBuf>,
    root: RepoRoot,
}

impl Folder {
    /// The folder's platform file, and its listing when rendering `envs` needs the overlay
    /// files: for every environment (`--all-envs`), and for one when no platform file declares
    /// environments (then overlay files count as declared, for the error's suggestions). A
    /// single app rendered from a folder of a thousand specs lists nothing.
    fn read(dir: &Path, envs: &Envs) -> Result<Folder, String> {
        let (platform, platform_dir) = match platform_file(&dir.join(PLATFORM_FILE))? {
            Some((shown, text, dir)) => (Some((shown, text)), Some(dir)),
            None => (None, None),
        };
        let list = match envs {
            Envs::Base => false,
            Envs::One(_) => platform
                .as_ref()
                .is_none_or(|(_, text)| k8gen::environments("", Some(text), &[]).is_empty()),
            Envs::All => true,
        };
        let listed = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let names = match list.then(|| std::fs::read_dir(listed)) {
            Some(Ok(entries)) => entries
                .filter_map(|e| e.ok())
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect(),
            _ => Vec::new(),
        };
        Ok(Folder {
            names,
            platform,
            platform_dir,
            root: repo_root(dir)?,
        })
    }
}

/// The platform file that applies to `spec` (any path in the folder): `k8gen.toml` in its folder or the nearest folder
/// above, as (name shown, text, its folder as the paths it writes start from).
pub fn platform_file(spec: &Path) -> Result<Option<(String, String, PathBuf)>, String> {
    let absolute = std::path::absolute(spec)
        .map_err(|e| format!("cannot resolve `{}`: {e}", spec.display()))?;
    let here = std::env::current_dir().ok();
    for dir in absolute.ancestors().skip(1) {
        let candidate = dir.join(PLATFORM_FILE);
        match std::fs::symlink_metadata(&candidate) {
            Ok(_) => {
                // It defines the repo root, so it must be a file of that folder: a committed
                // `k8gen.toml` linking to `/proc/self/environ` would echo it in diagnostics.
                within(&candidate, dir)?;
                let shown = here
                    .as_ref()
                    .and_then(|h| candidate.strip_prefix(h).ok())
                    .unwrap_or(&candidate)
                    .to_path_buf();
                let file = read(&shown)?;
                if file.not_utf8.is_some() {
                    return Err(format!("`{}` is not valid UTF-8", shown.display()));
                }
                let folder = shown.parent().unwrap_or(Path::new("")).to_path_buf();
                return Ok(Some((file.shown, file.text, folder)));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(format!("cannot read `{}`: {e}", candidate.display())),
        }
    }
    Ok(None)
}

/// One render: a spec read, and the layers it is rendered with.
pub struct Job {
    pub source: Source,
    pub layers: k8gen::Layers,
    /// What the spec's files and env vars are read through.
    pub host: RealHost,
}

impl Job {
    /// The files diagnostics of this job may point into.
    pub fn files(&self) -> k8gen::diag::SourceMap {
        k8gen::source_map(&self.source.shown, &self.source.text, &self.layers)
    }
}

/// Which environments to render.
#[derive(Debug, Clone)]
pub enum Envs {
    /// None: the spec as written.
    Base,
    One(String),
    /// Every environment the spec or its platform declares, or an overlay file provides.
    All,
}

/// The renders of every spec file, in file order (read in parallel; each folder's listing and
/// platform file once).
pub fn all_jobs(
    files: &[PathBuf],
    envs: &Envs,
    sets: &[String],
    reading: &Reading,
) -> Result<Vec<Job>, String> {
    reading.check()?;
    use rayon::prelude::*;
    let dirs: BTreeSet<&Path> = files
        .iter()
        .map(|f| f.parent().unwrap_or(Path::new("")))
        .collect();
    // One spec is read on this thread: no thread pool to start for it.
    let one = files.len() == 1;
    fn read_folder<'a>(d: &'a Path, envs: &Envs) -> Result<(&'a Path, Folder), String> {
        Folder::read(d, envs).map(|f| (d, f))
    }
    let folders: BTreeMap<&Path, Folder> = if one {
        dirs.into_iter()
            .map(|d| read_folder(d, envs))
            .collect::<Result<_, String>>()?
    } else {
        dirs.into_par_iter()
            .map(|d| read_folder(d, envs))
            .collect::<Result<_, String>>()?
    };
    let cache = std::sync::Arc::new(ReadCache::default());
    let spec_jobs = |f: &PathBuf| {
        let folder = &folders[f.parent().unwrap_or(Path::new(""))];
        jobs(f, folder, envs, sets, reading, &cache)
    };
    let jobs: Result<Vec<Vec<Job>>, String> = if one {
        files.iter().map(spec_jobs).collect()
    } else {
        files.par_iter().map(spec_jobs).collect()
    };
    Ok(jobs?.into_iter().flatten().collect())
}

/// The renders of one spec file: one, or one per environment.
fn jobs(
    path: &Path,
    folder: &Folder,
    envs: &Envs,
    sets: &[String],
    reading: &Reading,
    cache: &std::sync::Arc<ReadCache>,
) -> Result<Vec<Job>, String> {
    let platform = &folder.platform;
    let overlay_files = overlay_envs(path, &folder.names);
    let first = read(path)?;
    let names = match envs {
        Envs::Base => vec![None],
        Envs::One(env) => vec![Some(env.clone())],
        Envs::All => {
            let names = k8gen::environments(
                &first.text,
                platform.as_ref().map(|p| p.1.as_str()),
                &overlay_files,
            );
            if names.is_empty() && first.not_utf8.is_none() {
                return Err(format!(
                    "`{}` has no environments (no `[overlay.ENV]`, no `{}` with `[environments]`, \
                     no overlay file); --all-envs renders environments only",
                    path.display(),
                    PLATFORM_FILE
                ));
            }
            names.into_iter().map(Some).collect()
        }
    };
    if let Some(bad) = names
        .iter()
        .flatten()
        .find(|e| !k8gen::values::is_environment_name(e))
    {
        return Err(format!(
            "environment name `{}` (of `{}`) is not a DNS label (lowercase letters, digits, `-`)",
            bad.escape_debug(),
            path.display()
        ));
    }
    let mut out = Vec::new();
    for env in names {
        let overlay = match &env {
            Some(env) => {
                let file = overlay_path(path, env);
                if file.is_file() {
                    if !reading.allow_outside_root {
                        within(&file, &folder.root.path)?;
                    }
                    let o = read(&file)?;
                    if o.not_utf8.is_some() {
                        return Err(format!("`{}` is not valid UTF-8", o.shown));
                    }
                    Some((o.shown, o.text))
                } else {
                    None
                }
            }
            None => None,
        };
        let source = Source {
            path: first.path.clone(),
            shown: first.shown.clone(),
            text: first.text.clone(),
            not_utf8: first.not_utf8.clone(),
        };
        out.push(Job {
            source,
            layers: k8gen::Layers {
                env,
                overlay,
                platform: platform.clone(),
                sets: sets.to_vec(),
                overlay_files: overlay_files.clone(),
                tree: None,
                allow_plain_secrets: false,
                platform_dir: folder.platform_dir.clone(),
                // The overlay file is beside the spec; `--set` paths start where the user
                // types them: the current folder.
                overlay_dir: None,
                sets_dir: Some(PathBuf::new()),
                now: None,
            },
            host: RealHost::sharing(&folder.root, reading, cache.clone()),
        });
    }
    Ok(out)
}

/// Reads `path` if it is a regular file (checked before opening, so a FIFO is never opened and
/// `/dev/zero` never read) of at most `limit` bytes, reading at most `limit + 1`.
/// With `expect`, the file opened must be that path (on Linux, checked through
/// `/proc/self/fd`): a folder swapped for a symlink after the check is not followed.
fn read_capped(
    path: &Path,
    limit: u64,
    what: &str,
    expect: Option<&Path>,
) -> std::io::Result<Vec<u8>> {
    let too_large = |size: u64| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "it is {size} bytes, over the {} MiB {what}",
                limit / (1024 * 1024)
            ),
        )
    };
    let not_regular =
        || std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file");
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(not_regular());
    }
    if meta.len() > limit {
        return Err(too_large(meta.len()));
    }
    let file = std::fs::File::open(path)?;
    if !file.metadata()?.is_file() {
        return Err(not_regular());
    }
    if let Some(expect) = expect {
        opened_is(&file, expect)?;
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// The open `file` is `expect` (Linux: where `/proc/self/fd/N` points; elsewhere, or without
/// `/proc`, not checked).
fn opened_is(file: &std::fs::File, expect: &Path) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        if let Ok(real) = std::fs::read_link(format!("/proc/self/fd/{}", file.as_raw_fd()))
            && real != expect
        {
            return Err(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                "it changed while it was read (a symlink swapped in?)",
            ));
        }
    }
    let _ = (file, expect);
    Ok(())
}

/// A spec file as read: its text, or the diagnostic saying it is not UTF-8.
pub struct Source {
    pub path: PathBuf,
    /// The path as the user wrote it, for diagnostics.
    pub shown: String,
    pub text: String,
    pub not_utf8: Option<Diagnostic>,
}

impl Source {
    pub fn base_dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }
}

pub fn read(path: &Path) -> Result<Source, String> {
    let bytes = read_capped(path, MAX_SPEC_BYTES, "k8gen reads of a spec", None)
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    // A file name is shown with control characters escaped: a `\r` or an escape sequence in
    // it must not rewrite the terminal line a diagnostic is printed on.
    let shown: String = path
        .display()
        .to_string()
        .chars()
        .map(|c| match c.is_control() {
            true => c.escape_default().to_string(),
            false => c.to_string(),
        })
        .collect();
    Ok(match String::from_utf8(bytes) {
        Ok(text) => Source {
            path: path.to_path_buf(),
            shown,
            text,
            not_utf8: None,
        },
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            Source {
                path: path.to_path_buf(),
                shown,
                text: String::from_utf8_lossy(e.as_bytes()).into_owned(),
                not_utf8: Some(
                    Diagnostic::error(
                        k8gen::codes::SYNTAX,
                        offset..offset + 1,
                        "the spec is not valid UTF-8",
                    )
                    .with_help("TOML files must be UTF-8; re-save the file as UTF-8"),
                ),
            }
        }
    })
}

/// Most diagnostics of one code shown per spec file; the rest are counted in one line.
pub const MAX_PER_CODE: usize = 50;

/// Most diagnostics of one code shown in one run, over all its specs and environments (a
/// platform mistake repeated in a thousand apps prints 200 messages and a count, not
/// 100,000 lines).
pub const MAX_PER_CODE_IN_RUN: usize = 200;

/// What one run has printed of each code, for [`MAX_PER_CODE_IN_RUN`].
#[derive(Default)]
pub struct RunCap {
    shown: BTreeMap<(&'static str, bool), usize>,
    /// Left out per code (and whether errors), with the number of renders they were in.
    left_out: BTreeMap<(&'static str, bool), (usize, usize)>,
}

impl RunCap {
    /// The `... and N more errors [CODE] in M more renders` lines, one per code left out.
    pub fn print_rest(&self) {
        use std::io::Write;
        let mut stderr = std::io::stderr().lock();
        for ((code, error), (n, renders)) in &self.left_out {
            let severity = if *error {
                k8gen::diag::Severity::Error
            } else {
                k8gen::diag::Severity::Warning
            };
            let line = k8gen::diag::render_more(code, severity, *n);
            let _ = writeln!(
                stderr,
                "k8gen: {} (in {} more of this run's renders)",
                line.trim_end(),
                renders
            );
        }
    }
}

/// Prints `diags` about a job to stderr: at most [`MAX_PER_CODE`] of each code, then for
/// each code with more one line `... and N more errors [CODE]`; over the run, at most
/// [`MAX_PER_CODE_IN_RUN`] of each code (`cap` counts the rest for [`RunCap::print_rest`]).
pub fn print_diagnostics(job: &Job, diags: &[Diagnostic], color: bool, cap: &mut RunCap) {
    use std::io::Write;
    let source = &job.source;
    let lines = k8gen::diag::Lines::new(&source.text);
    // The other files a diagnostic may point into: platform, overlay, `--set` overrides.
    let files = job.files();
    let (kept, more) = k8gen::diag::cap(diags, MAX_PER_CODE);
    let mut counted: BTreeSet<(&'static str, bool)> = BTreeSet::new();
    let kept: Vec<&Diagnostic> = kept
        .into_iter()
        .filter(|d| {
            let key = (d.code, d.is_error());
            let shown = cap.shown.entry(key).or_default();
            if *shown < MAX_PER_CODE_IN_RUN {
                *shown += 1;
                return true;
            }
            let (n, renders) = cap.left_out.entry(key).or_default();
            *n += 1;
            if counted.insert(key) {
                *renders += 1;
            }
            false
        })
        .collect();
    let more: Vec<_> = more
        .into_iter()
        .filter(|&(code, severity, n)| {
            let key = (code, severity == k8gen::diag::Severity::Error);
            if !cap.left_out.contains_key(&key) {
                return true;
            }
            let (left, renders) = cap.left_out.entry(key).or_default();
            *left += n;
            if counted.insert(key) {
                *renders += 1;
            }
            false
        })
        .collect();
    if kept.is_empty() && more.is_empty() {
        return;
    }
    let mut stderr = std::io::BufWriter::new(std::io::stderr().lock());
    if let Some(env) = &job.layers.env {
        let _ = writeln!(stderr, "k8gen: in environment `{env}` of {}:", source.shown);
    }
    for d in kept {
        let text = if d.file == k8gen::diag::MAIN_FILE {
            k8gen::diag::render_at(d, &source.shown, &lines, color)
        } else {
            files.render(d, color)
        };
        let _ = write!(stderr, "{text}");
    }
    for (code, severity, n) in more {
        let _ = write!(
            stderr,
            "{}: {}",
            source.shown,
            k8gen::diag::render_more(code, severity, n)
        );
    }
}
