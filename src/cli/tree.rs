//! An output tree as a whole (`-o DIR`): which files k8gen owns in it, reading it back,
//! planning what a render changes, `--check`ing it, and replacing it in one step.
//!
//! - **Ownership**: `DIR/.k8gen-owned.json` (the [`Manifest`]) lists, per owner (a spec's file
//!   name, with ` --env ENV` when rendered for one: the name its files' header line carries),
//!   the spec's path relative to `DIR` and every file it wrote with the sha256 of its content,
//!   plus the `kustomization.yaml` files k8gen made. A render replaces the files of the owners
//!   it renders, removes the files of owners whose spec file no longer exists (renamed or
//!   deleted specs) and keeps every other owner's files and every file no owner lists.
//!   A tree written before the manifest existed: a `.yaml` file whose header line names the
//!   owner being rendered, in a folder it writes, is taken as that owner's.
//! - **Atomic swap**: the new tree is built in the staging folder beside `DIR` (files that do
//!   not change, and files k8gen does not own, are hard links to the old ones), then swapped
//!   with the old tree in one `renameat2(RENAME_EXCHANGE)` on Linux (two renames elsewhere),
//!   so a reader or a kill sees the old tree or the new one, never a mix. A render that
//!   changes nothing writes nothing.
//! - **Check**: the same plan, compared with the disk instead of written.
//! - **Previous versions**: with content-hashed names, the file of a ConfigMap or Secret
//!   version a render replaces stays (as committed) for one more version, listed in the
//!   owner's `previous` and in `kustomization.yaml`, so pruning engines keep it while old pods
//!   read it; `k8gen::emit::versions` decides which, this module only keeps the files.
//!
//! It must not decide what the files contain (that is `emit`), print, or exit: it returns
//! what it found to `output` and `render`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The ownership manifest's file name in the output folder.
pub const MANIFEST: &str = ".k8gen-owned.json";
/// The file listing an app folder's files for Kustomize, Argo CD and Flux.
pub const KUSTOMIZATION: &str = "kustomization.yaml";

/// What k8gen wrote into an output tree.
#[derive(Serialize, Deserialize, Default, Debug, Clone, PartialEq)]
pub struct Manifest {
    /// Owner (spec file name, ` --env ENV`) → what it wrote.
    pub owners: BTreeMap<String, Owner>,
    /// `kustomization.yaml` files k8gen made: path → sha256.
    #[serde(default)]
    pub kustomizations: BTreeMap<String, String>,
}

/// One owner's files.
#[derive(Serialize, Deserialize, Default, Debug, Clone, PartialEq)]
pub struct Owner {
    /// The spec's path relative to the output folder (`/`-separated): when it no longer
    /// exists, the owner's files are removed by the next render into the folder.
    pub spec: String,
    /// Its files in the order of its YAML stream (the order `kustomization.yaml` lists).
    pub files: Vec<OwnedFile>,
    /// Previous versions of its content-hashed ConfigMaps and Secrets, kept as committed for
    /// one more version so that pruning engines do not delete what old pods still read
    /// (`k8gen::emit::versions`); listed in `kustomization.yaml` after its files.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub previous: Vec<OwnedFile>,
    /// The Namespaces its files hold: one owner per Namespace and environment, across renders
    /// (a spec rendered into the tree later may not emit one of them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<String>,
    /// An app rendered for an environment folder: what the environment's own files (its
    /// Argo CD Applications, Flux Kustomizations, Namespaces) need to know of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<EnvApp>,
}

/// An app folder of an environment, as recorded in the manifest.
#[derive(Serialize, Deserialize, Default, Debug, Clone, PartialEq)]
pub struct EnvApp {
    pub env: String,
    /// Its folder, relative to the output folder.
    pub folder: String,
    /// The folder's name (the spec's stem): the base of its engine objects' names.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The environment owns the namespace (writes its Namespace).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub namespace_owned_by_environment: bool,
}

/// The environment an owner's files are for (its name's ` --env ENV`).
fn owner_env(owner: &str) -> Option<&str> {
    owner.rsplit_once(" --env ").map(|(_, env)| env)
}

/// One file k8gen wrote.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct OwnedFile {
    /// Relative to the output folder, `/`-separated.
    pub path: String,
    /// sha256 of the content as written (empty: adopted from a tree without a manifest).
    pub sha256: String,
}

impl Manifest {
    /// Every file k8gen owns → its recorded sha256 (looked up, never listed in order: a hash
    /// map, 21,000 entries for 1000 apps × 3 environments).
    fn all_files(&self) -> FxHashMap<&str, &str> {
        self.owners
            .values()
            .flat_map(|o| o.files.iter().chain(&o.previous))
            .map(|f| (f.path.as_str(), f.sha256.as_str()))
            .chain(
                self.kustomizations
                    .iter()
                    .map(|(p, h)| (p.as_str(), h.as_str())),
            )
            .collect()
    }
}

/// One owner's output for this run.
pub struct Produced {
    pub owner: String,
    /// The spec's path relative to the output folder.
    pub spec: String,
    /// Path relative to the output folder → content.
    pub files: BTreeMap<String, String>,
    /// The paths in the order of the YAML stream (what `kustomization.yaml` lists).
    pub order: Vec<String>,
    /// The Namespaces it writes.
    pub namespaces: Vec<String>,
    /// An app of an environment folder.
    pub app: Option<EnvApp>,
}

/// The files of the environments of a render (Namespaces, Argo CD and Flux objects), made from
/// every app the tree holds after the render, its kept owners' included.
pub struct Environments<'a> {
    /// The owners of those files this render decides (`k8gen.toml --env ENV`): their old files
    /// are replaced by what [`Environments::make`] returns, or removed.
    pub owners: BTreeSet<String>,
    pub make: Box<MakeEnvironments<'a>>,
}

/// Makes the environments' owners from the manifest of the tree after a render.
pub type MakeEnvironments<'a> = dyn Fn(&Manifest) -> Result<Vec<Produced>, String> + 'a;

/// Options of the tree layout.
#[derive(Clone, Copy, Debug)]
pub struct Layout {
    /// Write a `kustomization.yaml` into each folder holding k8gen's files.
    pub kustomization: bool,
}

/// What a render into `dir` changes.
#[derive(Debug)]
pub struct Plan {
    /// Every file k8gen writes this run (produced files and kustomizations) → content.
    pub write: BTreeMap<String, String>,
    /// Files k8gen wrote before and no longer produces.
    pub remove: BTreeSet<String>,
    /// The manifest before (empty when there was none) and after.
    pub old: Manifest,
    pub new: Manifest,
    /// What the user should know (a `kustomization.yaml` of theirs left alone).
    pub notes: Vec<String>,
}

pub fn digest(content: &[u8]) -> String {
    hex::encode(Sha256::digest(content))
}

fn io(what: &str, p: &Path, e: std::io::Error) -> String {
    format!("cannot {what} `{}`: {e}", p.display())
}

/// `rel` (`/`-separated) under `dir`.
fn join(dir: &Path, rel: &str) -> PathBuf {
    rel.split('/').fold(dir.to_path_buf(), |p, c| p.join(c))
}

/// The manifest of `dir`, if any. A manifest that does not parse is an error (k8gen would
/// otherwise forget what it owns and leave files behind forever).
pub fn read_manifest(dir: &Path) -> Result<Option<Manifest>, String> {
    let path = dir.join(MANIFEST);
    match fs::symlink_metadata(&path) {
        Ok(m) if !m.file_type().is_file() => {
            return Err(format!("`{}` is not a regular file", path.display()));
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io("read", &path, e)),
    }
    let text = fs::read_to_string(&path).map_err(|e| io("read", &path, e))?;
    serde_json::from_str(&text).map(Some).map_err(|e| {
        format!(
            "`{}` is not k8gen's ownership manifest ({e}); restore it from git or remove it",
            path.display()
        )
    })
}

/// The manifest as written: sorted keys, one line per file, a final newline.
pub fn manifest_text(m: &Manifest) -> String {
    let mut s = serde_json::to_string_pretty(m).expect("a manifest serializes");
    s.push('\n');
    s
}

/// The files k8gen owns in the output tree `dir` (the manifest's, else every `.yaml` file
/// whose first line is k8gen's header), path relative to `dir` → content; a listed file that
/// is missing is left out. What `k8gen diff` compares with a fresh render.
#[allow(dead_code, reason = "what `k8gen diff` reads (branch diff)")]
pub fn read_owned(dir: &Path) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    match read_manifest(dir)? {
        Some(m) => {
            for rel in m.all_files().into_keys() {
                if let Some(content) = read_regular(&join(dir, rel)) {
                    out.insert(rel.to_string(), content);
                }
            }
        }
        None => {
            for rel in walk_files(dir)? {
                if rel.ends_with(".yaml")
                    && let Some(content) = read_regular(&join(dir, &rel))
                    && content.lines().next().is_some_and(k8gen::emit::is_header)
                {
                    out.insert(rel, content);
                }
            }
        }
    }
    Ok(out)
}

/// Paths (relative, `/`-separated, sorted) of every regular file under `dir`, not following
/// symlinks.
pub fn walk_files(dir: &Path) -> Result<Vec<String>, String> {
    fn walk(dir: &Path, rel: &str, out: &mut Vec<String>) -> Result<(), String> {
        let entries = match fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(io("list", dir, e)),
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let r = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            match entry.file_type() {
                Ok(t) if t.is_dir() => walk(&entry.path(), &r, out)?,
                Ok(t) if t.is_file() => out.push(r),
                _ => {}
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, "", &mut out)?;
    out.sort();
    Ok(out)
}

/// The content of a regular file (never a symlink, FIFO or device), if it is UTF-8.
fn read_regular(path: &Path) -> Option<String> {
    let meta = fs::symlink_metadata(path).ok()?;
    if !meta.file_type().is_file() {
        return None;
    }
    fs::read_to_string(path).ok()
}

/// Whether the regular file `path` holds exactly `content` (reads at most one byte more).
fn same_content(path: &Path, content: &[u8]) -> bool {
    let Ok(meta) = fs::symlink_metadata(path) else {
        return false;
    };
    if !meta.file_type().is_file() || meta.len() != content.len() as u64 {
        return false;
    }
    let Ok(f) = fs::File::open(path) else {
        return false;
    };
    let mut old = Vec::with_capacity(content.len());
    f.take(content.len() as u64 + 1)
        .read_to_end(&mut old)
        .is_ok()
        && old == content
}

/// The first line of a regular file, if it is k8gen's header: the owner it names.
fn header_owner(path: &Path) -> Option<String> {
    let meta = fs::symlink_metadata(path).ok()?;
    if !meta.file_type().is_file() {
        return None;
    }
    let mut head = Vec::new();
    fs::File::open(path)
        .ok()?
        .take(4096)
        .read_to_end(&mut head)
        .ok()?;
    let end = head.iter().position(|&b| b == b'\n')?;
    let line = std::str::from_utf8(&head[..end]).ok()?;
    if !k8gen::emit::is_header(line) {
        return None;
    }
    line.strip_prefix(k8gen::emit::HEADER_PREFIX)
        .and_then(|r| r.strip_suffix(k8gen::emit::HEADER_SUFFIX))
        .map(str::to_string)
}

fn folder_of(rel: &str) -> &str {
    rel.rsplit_once('/').map_or("", |(f, _)| f)
}

fn in_folder(folder: &str, name: &str) -> String {
    if folder.is_empty() {
        name.to_string()
    } else {
        format!("{folder}/{name}")
    }
}

/// What rendering `produced` into `dir` changes.
pub fn plan(
    dir: &Path,
    produced: Vec<Produced>,
    layout: Layout,
    environments: Option<&Environments<'_>>,
) -> Result<Plan, String> {
    let old = read_manifest(dir)?;
    let mut old = old.unwrap_or_default();
    adopt_by_header(dir, &produced, &mut old);
    let mut new = Manifest::default();
    let mut remove: BTreeSet<String> = BTreeSet::new();
    let mut notes = Vec::new();
    // Owners not rendered now: kept while their spec exists.
    let rendered_now: BTreeSet<&str> = produced.iter().map(|p| p.owner.as_str()).collect();
    for (name, owner) in &old.owners {
        if rendered_now.contains(name.as_str())
            || environments.is_some_and(|e| e.owners.contains(name))
        {
            continue;
        }
        if !owner.spec.is_empty() && fs::symlink_metadata(join(dir, &owner.spec)).is_ok() {
            new.owners.insert(name.clone(), owner.clone());
        }
    }
    let mut write: BTreeMap<String, String> = BTreeMap::new();
    let kept: BTreeMap<String, String> = new
        .owners
        .iter()
        .flat_map(|(n, o)| o.files.iter().map(move |f| (f.path.clone(), n.clone())))
        .collect();
    // `digests`: of `p.order`'s files, in that order (`digests_of`).
    let mut add =
        |p: Produced, digests: Vec<String>, new: &mut Manifest, kept: &BTreeMap<String, String>| {
            // A file of a kept owner, or of one added before in this run.
            let taken = |rel: &String| kept.contains_key(rel) || write.contains_key(rel);
            if let Some(rel) = p.files.keys().find(|rel| taken(rel)) {
                let other = kept.get(rel).cloned().or_else(|| {
                    let mine = |o: &Owner| o.files.iter().any(|f| &f.path == rel);
                    new.owners
                        .iter()
                        .find(|(_, o)| mine(o))
                        .map(|(n, _)| n.clone())
                });
                return Err(format!(
                    "`{}` is written by both `{}` and `{}`; rename an object or render them into \
                 different folders",
                    join(dir, rel).display(),
                    other.unwrap_or_default(),
                    p.owner
                ));
            }
            let previous = previous_versions(dir, old.owners.get(&p.owner), &p.order);
            let files = p
                .order
                .iter()
                .zip(digests)
                .map(|(rel, sha256)| OwnedFile {
                    path: rel.clone(),
                    sha256,
                })
                .collect();
            write.extend(p.files);
            new.owners.insert(
                p.owner,
                Owner {
                    spec: p.spec,
                    files,
                    previous,
                    namespaces: p.namespaces,
                    app: p.app,
                },
            );
            Ok(())
        };
    // Namespaces first: two owners of one Namespace also write one file in a flat folder,
    // and "one owner per Namespace" says what is wrong.
    let mut probe = new.clone();
    for p in &produced {
        probe.owners.insert(
            p.owner.clone(),
            Owner {
                namespaces: p.namespaces.clone(),
                ..Owner::default()
            },
        );
    }
    namespace_owners(&probe, &old)?;
    // Thousands of files: hashed in parallel.
    let digests: Vec<Vec<String>> = produced.par_iter().map(digests_of).collect();
    for (p, digests) in produced.into_iter().zip(digests) {
        add(p, digests, &mut new, &kept)?;
    }
    if let Some(environments) = environments {
        for p in (environments.make)(&new)? {
            let digests = digests_of(&p);
            add(p, digests, &mut new, &kept)?;
        }
    }
    namespace_owners(&new, &old)?;
    if layout.kustomization {
        // Folder → its files, owners in name order, each in stream order (kept owners: in
        // path order).
        let mut folders: BTreeMap<String, Vec<String>> = BTreeMap::new();
        // Folder → the owners with a current file in it (name order), for the header.
        let mut writers: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (name, owner) in &new.owners {
            for f in owner.files.iter().chain(&owner.previous) {
                folders
                    .entry(folder_of(&f.path).to_string())
                    .or_default()
                    .push(f.path.clone());
            }
            let mut seen: Vec<&str> = owner.files.iter().map(|f| folder_of(&f.path)).collect();
            seen.sort_unstable();
            seen.dedup();
            for folder in seen {
                writers.entry(folder).or_default().push(name);
            }
        }
        // Thousands of folders: made in parallel, added in folder order.
        let made: Vec<Result<(String, String, String), String>> = folders
            .par_iter()
            .map(|(folder, files)| {
                let folder = folder.as_str();
                let rel = in_folder(folder, KUSTOMIZATION);
                let path = join(dir, &rel);
                if !old.kustomizations.contains_key(&rel)
                    && fs::symlink_metadata(&path).is_ok()
                    && header_owner(&path).is_none()
                {
                    return Err(format!(
                        "`{}` is not k8gen's: left as it is (list k8gen's files in it yourself, \
                         or remove it to get k8gen's)",
                        path.display()
                    ));
                }
                let owners = writers.get(folder).map_or(&[][..], Vec::as_slice);
                let content = kustomization(owners, files);
                let sha256 = digest(content.as_bytes());
                Ok((rel, content, sha256))
            })
            .collect();
        for m in made {
            match m {
                Ok((rel, content, sha256)) => {
                    new.kustomizations.insert(rel.clone(), sha256);
                    write.insert(rel, content);
                }
                Err(note) => notes.push(note),
            }
        }
    }
    let now = new.all_files();
    for rel in old.all_files().into_keys() {
        if !now.contains_key(rel) {
            remove.insert(rel.to_string());
        }
    }
    Ok(Plan {
        write,
        remove,
        old,
        new,
        notes,
    })
}

/// One owner per Namespace and environment in the whole tree, across renders: the owners
/// rendered now were checked among themselves already (`render`), so a clash here involves
/// an owner the tree kept from an earlier render.
fn namespace_owners(new: &Manifest, old: &Manifest) -> Result<(), String> {
    let mut owners: BTreeMap<(Option<&str>, &str), Vec<&str>> = BTreeMap::new();
    for (name, owner) in &new.owners {
        for ns in &owner.namespaces {
            owners.entry((owner_env(name), ns)).or_default().push(name);
        }
    }
    let clashes: Vec<String> = owners
        .iter()
        .filter(|(_, o)| o.len() > 1)
        .map(|((env, ns), o)| {
            let env = env.map(|e| format!(" (--env {e})")).unwrap_or_default();
            let who: Vec<String> = o
                .iter()
                .map(|n| {
                    let earlier = old
                        .owners
                        .get(*n)
                        .is_some_and(|w| w.namespaces.contains(&ns.to_string()));
                    if earlier {
                        format!("`{n}` (in the tree already, {MANIFEST})")
                    } else {
                        format!("`{n}`")
                    }
                })
                .collect();
            format!(
                "the Namespace `{ns}`{env} is emitted by {}; one owner per Namespace: set \
                 `create_namespace = false` in all specs but the one that owns it, or let the \
                 environment own it (k8gen.toml `[environments.ENV] namespaces`)",
                who.join(" and ")
            )
        })
        .collect();
    if clashes.is_empty() {
        Ok(())
    } else {
        Err(clashes.join("\n"))
    }
}

/// The sha256 of each of `p`'s files, in `p.order`.
fn digests_of(p: &Produced) -> Vec<String> {
    p.order
        .iter()
        .map(|rel| digest(p.files[rel].as_bytes()))
        .collect()
}

/// The previous versions of `owner`'s hashed ConfigMaps and Secrets the tree keeps now that
/// it produces `order` (decided by `k8gen::emit::versions`), with their recorded hashes; a
/// kept file no longer on disk is forgotten (k8gen cannot write it again).
fn previous_versions(dir: &Path, owner: Option<&Owner>, order: &[String]) -> Vec<OwnedFile> {
    let Some(owner) = owner else {
        return Vec::new();
    };
    let paths = |files: &[OwnedFile]| files.iter().map(|f| f.path.clone()).collect::<Vec<_>>();
    let kept = k8gen::emit::versions::kept_versions(
        &paths(&owner.files),
        &paths(&owner.previous),
        order,
        k8gen::emit::versions::KEPT_VERSIONS,
    );
    kept.into_iter()
        .filter_map(|rel| {
            let f = owner
                .files
                .iter()
                .chain(&owner.previous)
                .find(|f| f.path == rel)?;
            (fs::symlink_metadata(join(dir, &rel)).is_ok_and(|m| m.is_file())).then(|| f.clone())
        })
        .collect()
}

/// The header line is the second sign of ownership (a tree written before the manifest, or a
/// file copied in by hand): `.yaml` files whose header names an owner being rendered, in the
/// folders it writes, are that owner's.
fn adopt_by_header(dir: &Path, produced: &[Produced], old: &mut Manifest) {
    let known: FxHashSet<&str> = old.all_files().into_keys().collect();
    // Thousands of folders: listed in parallel, adopted in `produced` order.
    let adopted: Vec<Vec<String>> = produced
        .par_iter()
        .map(|p| {
            let folders: BTreeSet<&str> = p.files.keys().map(|r| folder_of(r)).collect();
            let mut found = Vec::new();
            for folder in folders {
                let Ok(entries) = fs::read_dir(join(dir, folder)) else {
                    continue;
                };
                for entry in entries.flatten() {
                    let name = entry.file_name().to_string_lossy().into_owned();
                    let rel = in_folder(folder, &name);
                    if !name.ends_with(".yaml")
                        || name == KUSTOMIZATION
                        || known.contains(rel.as_str())
                        || !entry.file_type().is_ok_and(|t| t.is_file())
                    {
                        continue;
                    }
                    if header_owner(&entry.path()).as_deref() == Some(p.owner.as_str()) {
                        found.push(rel);
                    }
                }
            }
            found
        })
        .collect();
    for (p, found) in produced.iter().zip(adopted) {
        for path in found {
            old.owners
                .entry(p.owner.clone())
                .or_default()
                .files
                .push(OwnedFile {
                    path,
                    sha256: String::new(),
                });
        }
    }
}

/// The `kustomization.yaml` of `folder`: its files in stream order, kept in that order by
/// `sortOptions: fifo`, so `kubectl kustomize` prints the objects in k8gen's order.
/// `owners` are those with a file in the folder, in name order (its header names them).
fn kustomization(owners: &[&str], files: &[String]) -> String {
    let mut s = k8gen::emit::header(&owners.join(", "));
    s.push_str("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n");
    s.push_str("sortOptions:\n  order: fifo\nresources:\n");
    for rel in files {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        s.push_str(&format!("- {name}\n"));
    }
    s
}

/// What `--check` finds: the tree on disk against the plan.
#[derive(Default, Debug)]
pub struct Findings {
    /// k8gen's files whose content is not what the specs render now.
    pub stale: Vec<String>,
    /// Files the specs render that are not there.
    pub missing: Vec<String>,
    /// k8gen's files changed by someone else since k8gen wrote them.
    pub edited: Vec<String>,
    /// Files k8gen wrote that the specs no longer produce.
    pub extra: Vec<String>,
}

impl Findings {
    pub fn is_empty(&self) -> bool {
        self.stale.is_empty()
            && self.missing.is_empty()
            && self.edited.is_empty()
            && self.extra.is_empty()
    }
}

/// Compares the tree on disk with the plan; writes nothing.
pub fn check(dir: &Path, plan: &Plan) -> Findings {
    let mut f = Findings::default();
    let before = plan.old.all_files();
    let recorded = |rel: &str| before.get(rel).copied().filter(|h| !h.is_empty());
    enum State {
        Same,
        Missing,
        Edited,
        Stale,
    }
    // Reading thousands of files: in parallel, results in path order.
    let states: Vec<(&String, State)> = plan
        .write
        .par_iter()
        .map(|(rel, content)| {
            let path = join(dir, rel);
            // Most files are unchanged: compared first, looked at again only if not.
            if same_content(&path, content.as_bytes()) {
                return (rel, State::Same);
            }
            if fs::symlink_metadata(&path).is_err() {
                return (rel, State::Missing);
            }
            // Never read a FIFO, a device or through a symlink.
            let on_disk = fs::symlink_metadata(&path)
                .is_ok_and(|m| m.file_type().is_file())
                .then(|| fs::read(&path).map(|b| digest(&b)).ok())
                .flatten();
            match recorded(rel) {
                Some(h) if Some(h) != on_disk.as_deref() => (rel, State::Edited),
                _ => (rel, State::Stale),
            }
        })
        .collect();
    for (rel, state) in states {
        match state {
            State::Same => {}
            State::Missing => f.missing.push(rel.clone()),
            State::Edited => f.edited.push(rel.clone()),
            State::Stale => f.stale.push(rel.clone()),
        }
    }
    for rel in &plan.remove {
        if fs::symlink_metadata(join(dir, rel)).is_ok() {
            f.extra.push(rel.clone());
        }
    }
    let manifest = manifest_text(&plan.new);
    if !same_content(&dir.join(MANIFEST), manifest.as_bytes()) {
        if dir.join(MANIFEST).exists() {
            f.stale.push(MANIFEST.to_string());
        } else {
            f.missing.push(MANIFEST.to_string());
        }
    }
    f
}

/// Whether applying the plan would change anything on disk.
pub fn changes(dir: &Path, plan: &Plan) -> bool {
    !check(dir, plan).is_empty()
}

/// Builds the new tree in `staging` (which must not exist, on `dir`'s file system) and swaps
/// it with `dir` (or renames it into place when `dir` does not exist).
pub fn apply(dir: &Path, plan: &Plan, staging: &Path) -> Result<(), String> {
    let exists = match fs::symlink_metadata(dir) {
        Ok(m) if m.is_dir() => true,
        Ok(_) => return Err(format!("`{}` exists and is not a folder", dir.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => return Err(io("read", dir, e)),
    };
    if exists && fs::symlink_metadata(dir.join(".git")).is_ok() {
        return Err(format!(
            "`{}` holds `.git`: k8gen replaces its output folder as a whole; write into a \
             folder inside the repository (`-o deploy/`), not the repository itself",
            dir.display()
        ));
    }
    fs::create_dir(staging).map_err(|e| io("create", staging, e))?;
    if exists {
        if let Ok(m) = fs::metadata(dir) {
            let _ = fs::set_permissions(staging, m.permissions());
        }
        let mut skip: BTreeSet<&str> = plan.remove.iter().map(String::as_str).collect();
        skip.extend(plan.write.keys().map(String::as_str));
        skip.insert(MANIFEST);
        mirror(dir, staging, "", &skip)?;
    }
    // Folder by folder, shallowest first: a folder's files are written by the task that makes
    // it, and the folders of one depth are made in parallel (3000 app folders: both cores
    // make folders and write files, none waits for a serial `mkdir` loop).
    let mut by_folder: BTreeMap<&str, Vec<(&str, &str)>> = BTreeMap::new();
    for (rel, content) in &plan.write {
        let mut f = folder_of(rel);
        by_folder
            .entry(f)
            .or_default()
            .push((rel.as_str(), content.as_str()));
        while !f.is_empty() {
            f = folder_of(f);
            by_folder.entry(f).or_default();
        }
    }
    let depth = |f: &str| {
        if f.is_empty() {
            0
        } else {
            f.matches('/').count() + 1
        }
    };
    // Depth → its folders, each with its files (path, content).
    type Folder<'a> = (&'a str, &'a [(&'a str, &'a str)]);
    let mut levels: Vec<Vec<Folder>> = Vec::new();
    for (folder, files) in &by_folder {
        let d = depth(folder);
        if levels.len() <= d {
            levels.resize_with(d + 1, Vec::new);
        }
        levels[d].push((folder, files));
    }
    // Folder → whether this run made it (then nothing can be in the way of its files, and
    // the old tree had nothing there). The staging folder itself is new, and empty unless
    // the old tree was mirrored into it.
    let write_levels = || -> Result<(), String> {
        let mut fresh: BTreeMap<&str, bool> = BTreeMap::new();
        for level in &levels {
            let made = level
                .par_iter()
                .map(|&(folder, files)| {
                    let new = match folder {
                        "" => !exists,
                        _ => make_folder(staging, folder, fresh[folder_of(folder)])?,
                    };
                    for &(rel, content) in files {
                        write_file(dir, staging, rel, content, new)?;
                    }
                    Ok((folder, new))
                })
                .collect::<Result<Vec<_>, String>>()?;
            fresh.extend(made);
        }
        Ok(())
    };
    // The manifest (a line per file) is made while the files are written.
    let (manifest_text, written) = rayon::join(|| manifest_text(&plan.new), write_levels);
    written?;
    // Folders left empty by removed files go too (deepest first).
    let mut emptied: BTreeSet<String> = BTreeSet::new();
    for rel in &plan.remove {
        let mut f = folder_of(rel);
        while !f.is_empty() {
            emptied.insert(f.to_string());
            f = folder_of(f);
        }
    }
    for f in emptied.iter().rev() {
        let p = join(staging, f);
        if fs::read_dir(&p).is_ok_and(|mut e| e.next().is_none()) {
            let _ = fs::remove_dir(&p);
        }
    }
    let manifest = staging.join(MANIFEST);
    fs::write(&manifest, manifest_text).map_err(|e| io("write", &manifest, e))?;
    if exists {
        swap(staging, dir)?;
        fs::remove_dir_all(staging).map_err(|e| io("remove the old tree in", staging, e))
    } else {
        fs::rename(staging, dir).map_err(|e| io("move the output into", dir, e))
    }
}

/// Recreates `from` in `to`: folders made anew (same permissions), everything else (files,
/// symlinks, FIFOs) hard-linked, never followed; `skip` paths are left out.
fn mirror(from: &Path, to: &Path, rel: &str, skip: &BTreeSet<&str>) -> Result<(), String> {
    let entries = fs::read_dir(from).map_err(|e| io("list", from, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| io("list", from, e))?;
        let name = entry.file_name();
        let name_s = name.to_string_lossy();
        let r = in_folder(rel, &name_s);
        let src = entry.path();
        let dst = to.join(&name);
        let t = entry.file_type().map_err(|e| io("read", &src, e))?;
        if t.is_dir() {
            fs::create_dir(&dst).map_err(|e| io("create", &dst, e))?;
            if let Ok(m) = fs::symlink_metadata(&src) {
                let _ = fs::set_permissions(&dst, m.permissions());
            }
            mirror(&src, &dst, &r, skip)?;
        } else if !skip.contains(r.as_str()) && !old_temporary(&name_s) {
            fs::hard_link(&src, &dst).map_err(|e| io("link", &src, e))?;
        }
    }
    Ok(())
}

/// Names of the temporary files k8gen up to 0.1 made inside output folders
/// (`.deployment-x.yaml.k8gen-AbC123`), which a killed run left: dropped when seen.
pub fn old_temporary(name: &str) -> bool {
    name.starts_with('.')
        && name.rsplit_once(".k8gen-").is_some_and(|(before, random)| {
            before.len() > 1
                && random.len() == 6
                && random.bytes().all(|b| b.is_ascii_alphanumeric())
        })
}

/// Makes the folder `rel` under `root`, whose parent exists (made in this run when
/// `parent_new`); refuses anything in its place that is not a folder (a symlink k8gen would
/// write through, a file). Returns whether it made the folder. One `mkdir` when it is new.
fn make_folder(root: &Path, rel: &str, parent_new: bool) -> Result<bool, String> {
    let p = join(root, rel);
    match fs::create_dir(&p) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && !parent_new => {
            match fs::symlink_metadata(&p) {
                Ok(m) if m.is_dir() => Ok(false),
                _ => Err(format!(
                    "`{rel}` in the output folder is in the way of k8gen's files (a symlink or \
                     a file; k8gen will not write through it); remove it"
                )),
            }
        }
        Err(e) => Err(io("create", &p, e)),
    }
}

/// Writes `content` to `rel` in `staging`: a hard link to the old tree's file when that one
/// holds it already, else a new file. A folder this run made (`in_new_folder`) was in no old
/// tree (the old tree's folders are mirrored into `staging` first), so nothing can be in the
/// way of its files and there is no old file to compare.
fn write_file(
    dir: &Path,
    staging: &Path,
    rel: &str,
    content: &str,
    in_new_folder: bool,
) -> Result<(), String> {
    let target = join(staging, rel);
    if !in_new_folder {
        if fs::symlink_metadata(&target).is_ok_and(|m| m.is_dir()) {
            return Err(format!(
                "`{rel}` in the output folder is a folder; remove it"
            ));
        }
        let old = join(dir, rel);
        if same_content(&old, content.as_bytes()) && fs::hard_link(&old, &target).is_ok() {
            return Ok(());
        }
    }
    fs::write(&target, content).map_err(|e| io("write", &target, e))
}

/// Swaps the folders `a` and `b` in one step.
#[cfg(target_os = "linux")]
fn swap(a: &Path, b: &Path) -> Result<(), String> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| CString::new(p.as_os_str().as_bytes()).map_err(|e| e.to_string());
    let (ca, cb) = (c(a)?, c(b)?);
    // SAFETY: two valid NUL-terminated paths; renameat2 reads them and nothing else.
    let r = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        return Ok(());
    }
    let e = std::io::Error::last_os_error();
    match e.raw_os_error() {
        // The file system cannot exchange: two renames.
        Some(libc::EINVAL) | Some(libc::ENOSYS) | Some(libc::EOPNOTSUPP) => swap_by_renames(a, b),
        _ => Err(io("swap the new tree into", b, e)),
    }
}

#[cfg(not(target_os = "linux"))]
fn swap(a: &Path, b: &Path) -> Result<(), String> {
    swap_by_renames(a, b)
}

/// Moves `b` aside to `a`+`.old`, `a` to `b`, then the old tree to `a`. Not atomic: between
/// the two renames `b` is missing for a moment.
fn swap_by_renames(a: &Path, b: &Path) -> Result<(), String> {
    let aside = a.with_extension("old");
    fs::rename(b, &aside).map_err(|e| io("move aside", b, e))?;
    if let Err(e) = fs::rename(a, b) {
        let _ = fs::rename(&aside, b);
        return Err(io("move the new tree into", b, e));
    }
    fs::rename(&aside, a).map_err(|e| io("move", &aside, e))
}
