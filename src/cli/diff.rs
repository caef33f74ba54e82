//! `k8gen diff`: what applying a fresh render would change, object by object — against the
//! committed tree in `-o DIR`, or against the render of the same specs at a git revision
//! (`--base REV`). The comparison and classification are the library's (`k8gen::diff`); this
//! file reads the tree, fetches the old revision, prints (colour only on a terminal) and picks
//! the exit code (1 on breaking or destructive changes unless `--allow`ed).
//!
//! The tree reader reads only files k8gen wrote (first line a k8gen header, see
//! [`k8gen::emit::is_header`]): k8gen never removes other files, so they are not changes. Of
//! those, only the files of this run's spec files count (the header names the spec file), so
//! `diff b.toml -o f` ignores what `render a.toml -o f` wrote; with a folder of specs, all of
//! them (a spec deleted or renamed there has its objects removed).
//! Non-YAML files, `kustomization.yaml` and dot-entries are skipped; symlinks are not followed.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use k8gen::diff::{Change, Status, Summary};
use serde::Serialize;
use serde_json::Value;

use super::inputs::Envs;
use super::render::{How, Rendered, render_all};
use super::{Format, OK, SPEC_ERROR, fail, plural};

/// Largest tree file read: the same cap as a spec.
const MAX_TREE_FILE_BYTES: u64 = super::inputs::MAX_SPEC_BYTES;

pub struct Options<'a> {
    pub specs: &'a [PathBuf],
    pub dir: Option<&'a Path>,
    pub envs: &'a Envs,
    pub sets: &'a [String],
    pub reading: &'a super::inputs::Reading,
    pub base: Option<&'a str>,
    pub format: Format,
    pub allow_breaking: bool,
    pub allow_destructive: bool,
    /// Colour for diagnostics (stderr).
    pub color: bool,
    /// Colour for the diff (stdout).
    pub diff_color: bool,
}

/// One change and the folder (under the output folder) it is in.
#[derive(Serialize)]
struct Entry {
    folder: String,
    #[serde(flatten)]
    change: Change,
}

#[derive(Serialize)]
struct Report<'a> {
    changes: &'a [Entry],
    summary: Summary,
    /// Whether the exit code is 1: breaking or destructive changes not allowed.
    blocked: bool,
}

pub fn run(o: &Options) -> i32 {
    let how = How {
        to_folder: true,
        nested: None,
        not_done: "nothing was compared",
        // Against a tree: render as `render -o DIR` would (its secrets modes; an unchanged
        // encrypted Secret keeps the tree's ciphertext when the age key, or the sealed-secrets
        // controller's key, is at hand).
        tree: match (o.base, o.dir) {
            (None, Some(dir)) => Some(super::render::Tree {
                dir: dir.to_path_buf(),
                allow_plain_secrets: false,
            }),
            _ => None,
        },
    };
    let new = match render_all(o.specs, o.envs, o.sets, o.reading, o.color, &how) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let nested = new.iter().any(|r| !r.folder.as_os_str().is_empty());
    // Against a tree with environment folders, the environments' own files too
    // (`_namespaces`, `_argocd`, `_flux`), made as `render -o DIR` would make them.
    let by_env = matches!(o.envs, Envs::All);
    let env_files = match (o.base, o.dir) {
        (None, Some(dir)) if by_env => {
            let layout = super::tree::Layout {
                kustomization: true,
            };
            match super::output::environment_tree_files(dir, &new, layout) {
                Ok(files) => files,
                Err(e) => return fail(e),
            }
        }
        _ => BTreeMap::new(),
    };
    let mut new = match objects_of(&new) {
        Ok(new) => new,
        Err(e) => return fail(e),
    };
    for (path, text) in &env_files {
        let folder = Path::new(path)
            .parent()
            .unwrap_or(Path::new(""))
            .to_path_buf();
        match k8gen::diff::parse_yaml(text) {
            Ok(objects) => new.entry(folder).or_default().extend(objects),
            Err(e) => return fail(format!("cannot read back the render of `{path}`: {e}")),
        }
    }
    let old = match (o.base, o.dir) {
        (Some(rev), _) => match base_render(rev, o, nested) {
            Ok(old) => old,
            Err(code) => return code,
        },
        (None, Some(dir)) => match read_tree(dir, nested, &scope(o.specs, by_env)) {
            Ok(old) => old,
            Err(e) => return fail(e),
        },
        (None, None) => return fail("`k8gen diff` needs `-o DIR` or `--base REV`"),
    };

    let mut folders: Vec<&PathBuf> = old.keys().chain(new.keys()).collect();
    folders.sort();
    folders.dedup();
    let none = Vec::new();
    let mut entries = Vec::new();
    let mut summary = Summary::default();
    for folder in folders {
        let changes = k8gen::diff::diff(
            old.get(folder).unwrap_or(&none),
            new.get(folder).unwrap_or(&none),
        );
        for change in changes {
            summary.add(&change);
            entries.push(Entry {
                folder: folder.to_string_lossy().replace('\\', "/"),
                change,
            });
        }
    }
    let blocked = (summary.breaking > 0 && !o.allow_breaking)
        || (summary.destructive > 0 && !o.allow_destructive);

    let text = match o.format {
        Format::Json => {
            let report = Report {
                changes: &entries,
                summary,
                blocked,
            };
            serde_json::to_string_pretty(&report).expect("a report serializes") + "\n"
        }
        Format::Human => human(&entries, &summary, o.diff_color),
    };
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush())
    {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => return fail(format!("cannot write to stdout: {e}")),
    }
    if blocked {
        let mut what = Vec::new();
        if summary.breaking > 0 && !o.allow_breaking {
            what.push((plural(summary.breaking, "breaking change"), "breaking"));
        }
        if summary.destructive > 0 && !o.allow_destructive {
            what.push((
                plural(summary.destructive, "destructive change"),
                "destructive",
            ));
        }
        let _ = writeln!(
            std::io::stderr(),
            "k8gen: {}; accept with {}",
            what.iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(" and "),
            what.iter()
                .map(|(_, flag)| format!("--allow {flag}"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        return SPEC_ERROR;
    }
    OK
}

/// The rendered objects per folder, read back from the files exactly as `render -o` writes
/// them (so both sides of the comparison went through the same YAML reader).
fn objects_of(rendered: &[Rendered]) -> Result<BTreeMap<PathBuf, Vec<Value>>, String> {
    let mut out: BTreeMap<PathBuf, Vec<Value>> = BTreeMap::new();
    for r in rendered {
        let objects = out.entry(r.folder.clone()).or_default();
        for (name, text) in &r.files {
            let parsed = k8gen::diff::parse_yaml(text)
                .map_err(|e| format!("cannot read back the render of `{name}`: {e}"))?;
            objects.extend(parsed);
        }
    }
    Ok(out)
}

/// The objects of the files k8gen wrote under `dir`, per folder (relative to `dir`): only the
/// top level when one spec renders straight into `dir`, every level below when specs get
/// folders. A missing `dir` is an empty tree.
fn read_tree(
    dir: &Path,
    nested: bool,
    scope: &Scope,
) -> Result<BTreeMap<PathBuf, Vec<Value>>, String> {
    let mut out = BTreeMap::new();
    match std::fs::symlink_metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(format!("cannot read `{}`: {e}", dir.display())),
        Ok(m) if !m.is_dir() => return Err(format!("`{}` is not a folder", dir.display())),
        Ok(_) => {}
    }
    // Previous versions of hashed ConfigMaps and Secrets the tree keeps (a render keeps them
    // too, so they are no removal).
    let kept: BTreeSet<PathBuf> = super::tree::read_manifest(dir)?
        .iter()
        .flat_map(|m| m.owners.values())
        .flat_map(|o| &o.previous)
        .map(|f| f.path.split('/').collect())
        .collect();
    let tree = Tree {
        root: dir,
        nested,
        scope,
        kept: &kept,
    };
    walk(&tree, Path::new(""), Path::new(""), &mut out)?;
    Ok(out)
}

/// What [`walk`] reads.
struct Tree<'a> {
    root: &'a Path,
    nested: bool,
    scope: &'a Scope,
    /// Files (relative to `root`) not to read.
    kept: &'a BTreeSet<PathBuf>,
}

/// Reads the folder `rel` of the tree into `out[into]` (an app folder's `pre-deploy/`
/// subfolder goes with the app folder, as `render` files it).
fn walk(
    tree: &Tree<'_>,
    rel: &Path,
    into: &Path,
    out: &mut BTreeMap<PathBuf, Vec<Value>>,
) -> Result<(), String> {
    let (root, nested, scope) = (tree.root, tree.nested, tree.scope);
    let dir = root.join(rel);
    let cannot = |e: std::io::Error| format!("cannot read `{}`: {e}", dir.display());
    let mut entries: Vec<(String, std::fs::FileType)> = std::fs::read_dir(&dir)
        .map_err(cannot)?
        .map(|e| e.and_then(|e| Ok((e.file_name().to_string_lossy().into_owned(), e.file_type()?))))
        .collect::<Result<_, _>>()
        .map_err(cannot)?;
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, kind) in entries {
        if name.starts_with('.') {
            continue;
        }
        let path = dir.join(&name);
        if kind.is_dir() {
            if name == k8gen::emit::PRE_DEPLOY_FOLDER {
                walk(tree, &rel.join(&name), into, out)?;
            } else if nested {
                let sub = rel.join(&name);
                walk(tree, &sub, &sub, out)?;
            }
            continue;
        }
        if tree.kept.contains(&rel.join(&name)) {
            continue;
        }
        let yaml = name.ends_with(".yaml") || name.ends_with(".yml");
        let kustomization = matches!(
            name.as_str(),
            "kustomization.yaml" | "kustomization.yml" | "Kustomization"
        );
        if !kind.is_file() || !yaml || kustomization {
            continue;
        }
        let cannot = |e: String| format!("cannot read `{}`: {e}", path.display());
        let size = std::fs::metadata(&path)
            .map_err(|e| cannot(e.to_string()))?
            .len();
        if size > MAX_TREE_FILE_BYTES {
            return Err(cannot(format!("larger than {MAX_TREE_FILE_BYTES} bytes")));
        }
        let text = std::fs::read_to_string(&path).map_err(|e| cannot(e.to_string()))?;
        let first = text.lines().next().unwrap_or_default();
        if !k8gen::emit::is_header(first) || !scope.contains(first) {
            continue;
        }
        let objects = k8gen::diff::parse_yaml(&text).map_err(cannot)?;
        out.entry(into.to_path_buf()).or_default().extend(objects);
    }
    Ok(())
}

/// Which specs' files in the tree this run compares: those whose header names a spec file of
/// this run; when a folder of specs is given, every k8gen file (a folder renders its specs
/// into the tree, so a spec gone from the folder has its objects removed).
struct Scope {
    names: Vec<String>,
    folder_given: bool,
    /// Whether the environments' own files are compared (`--all-envs` against a tree).
    environments: bool,
}

impl Scope {
    /// Whether the file with this header line is in scope.
    fn contains(&self, header: &str) -> bool {
        let source = header
            .strip_prefix(k8gen::emit::HEADER_PREFIX)
            .and_then(|rest| rest.strip_suffix(k8gen::emit::HEADER_SUFFIX))
            .unwrap_or_default();
        let name = source.split(" --env ").next().unwrap_or_default();
        if name == super::inputs::PLATFORM_FILE {
            // An environment's own file: compared when the render makes them.
            return self.environments;
        }
        self.names.iter().any(|n| n == name) || self.folder_given
    }
}

fn scope(specs: &[PathBuf], environments: bool) -> Scope {
    let names = super::inputs::spec_files(specs)
        .unwrap_or_default()
        .iter()
        .filter_map(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .collect();
    Scope {
        names,
        folder_given: specs.iter().any(|s| s.is_dir()),
        environments,
    }
}

/// Runs `git` with `args` in the current folder; its trimmed stdout.
fn git(args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("`--base` needs the `git` program: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "`git {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The render of the same spec arguments as they are at git revision `rev`: the revision's
/// files are exported (`git archive REV | tar -x`) into a temporary folder, deleted after,
/// and the specs at the same places in it are rendered (with the overlays, `k8gen.toml` and
/// data files of that revision). A spec that does not exist at `rev` renders nothing there.
fn base_render(rev: &str, o: &Options, nested: bool) -> Result<BTreeMap<PathBuf, Vec<Value>>, i32> {
    let top = git(&["rev-parse", "--show-toplevel"]).map_err(fail)?;
    let commit = git(&[
        "rev-parse",
        "--verify",
        "--quiet",
        &format!("{rev}^{{commit}}"),
    ])
    .map_err(|_| fail(format!("`{rev}` is not a commit of this git repository")))?;
    let top =
        std::fs::canonicalize(&top).map_err(|e| fail(format!("cannot resolve `{top}`: {e}")))?;
    let tmp = tempfile::Builder::new()
        .prefix("k8gen-base-")
        .tempdir()
        .map_err(|e| fail(format!("cannot make a temporary folder: {e}")))?;
    export(&commit, &top, tmp.path()).map_err(fail)?;
    // The export stands for the git root: the specs in it read files inside it only, as they
    // do inside the working tree (k8gen's repo root is found by walking up to `.git`).
    std::fs::create_dir(tmp.path().join(".git"))
        .map_err(|e| fail(format!("cannot mark the export as a git root: {e}")))?;

    let mut specs = Vec::new();
    for spec in o.specs {
        let absolute = std::fs::canonicalize(spec)
            .map_err(|e| fail(format!("cannot resolve `{}`: {e}", spec.display())))?;
        let rel = absolute.strip_prefix(&top).map_err(|_| {
            fail(format!(
                "`{}` is outside the git repository at `{}`",
                spec.display(),
                top.display()
            ))
        })?;
        let there = tmp.path().join(rel);
        if there.exists() {
            specs.push(there);
        }
    }
    if specs.is_empty() {
        return Ok(BTreeMap::new());
    }
    let how = How {
        to_folder: true,
        nested: Some(nested),
        not_done: "nothing was compared (the errors are in the specs at the --base revision)",
        tree: None,
    };
    let rendered = render_all(&specs, o.envs, o.sets, o.reading, o.color, &how)?;
    objects_of(&rendered).map_err(fail)
}

/// Writes the files of `commit` into `into`: `git archive` piped into `tar -x`.
fn export(commit: &str, top: &Path, into: &Path) -> Result<(), String> {
    let mut archive = Command::new("git")
        .args(["archive", "--format=tar", commit])
        .current_dir(top)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("`--base` needs the `git` program: {e}"))?;
    let stdout = archive.stdout.take().expect("piped");
    let tar = Command::new("tar")
        .args(["-x", "-f", "-", "-C"])
        .arg(into)
        .stdin(stdout)
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("`--base` needs the `tar` program: {e}"))?;
    let archived = archive
        .wait_with_output()
        .map_err(|e| format!("`git archive` failed: {e}"))?;
    if !archived.status.success() {
        return Err(format!(
            "`git archive {commit}` failed: {}",
            String::from_utf8_lossy(&archived.stderr).trim()
        ));
    }
    if !tar.status.success() {
        return Err(format!(
            "cannot unpack revision {commit}: {}",
            String::from_utf8_lossy(&tar.stderr).trim()
        ));
    }
    Ok(())
}

/// The human report: per change a title line, its reasons, its unified diff; then a summary.
fn human(entries: &[Entry], summary: &Summary, color: bool) -> String {
    use anstyle::{AnsiColor, Style};
    let paint = |style: Style, text: &str| {
        if color {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_string()
        }
    };
    let bold = Style::new().bold();
    let red = AnsiColor::Red.on_default();
    let green = AnsiColor::Green.on_default();
    let cyan = AnsiColor::Cyan.on_default();
    let yellow = AnsiColor::Yellow.on_default();
    let mut out = String::new();
    for e in entries {
        let c = &e.change;
        let (mark, word) = match c.change {
            Status::Added => ("+", "added"),
            Status::Removed => ("-", "removed"),
            Status::Changed => ("~", "changed"),
        };
        let folder = if e.folder.is_empty() {
            String::new()
        } else {
            format!(" (in {})", e.folder)
        };
        out += &paint(bold, &format!("{mark} {} {word}{folder}", c.title()));
        out.push('\n');
        for (label, style, reasons) in [
            ("breaking", red.bold(), &c.breaking),
            ("destructive", red.bold(), &c.destructive),
            ("rollout", yellow, &c.rollout),
        ] {
            for r in reasons {
                let at = if r.path.is_empty() {
                    String::new()
                } else {
                    format!("{}: ", r.path)
                };
                out += &format!("  {}: {at}{}\n", paint(style, label), r.message);
            }
        }
        for line in c.diff.lines() {
            let style = if line.starts_with("+++") || line.starts_with("---") {
                bold
            } else if line.starts_with('+') {
                green
            } else if line.starts_with('-') {
                red
            } else if line.starts_with("@@") {
                cyan
            } else {
                Style::new()
            };
            out += &paint(style, line);
            out.push('\n');
        }
    }
    let total = summary.added + summary.removed + summary.changed;
    if total == 0 {
        out += "no changes\n";
    } else {
        out += &format!(
            "{} differ: {} added, {} removed, {} changed; {} breaking, {} destructive, {} roll out\n",
            plural(total, "object"),
            summary.added,
            summary.removed,
            summary.changed,
            summary.breaking,
            summary.destructive,
            plural(summary.rollout, "workload"),
        );
    }
    out
}
