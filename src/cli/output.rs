//! Writing an output folder without ever leaving it half-written or touching foreign files.
//!
//! - A folder that does not exist yet is built next to its final place under a temporary name
//!   and renamed into place in one step.
//! - In a folder that exists, each file is written to a temporary file and renamed over the
//!   old one, so a reader sees the old or the new content, never a mix.
//! - Files that k8gen wrote before (they start with [`k8gen::emit::HEADER_PREFIX`]) for objects
//!   that no longer exist are removed; any other file is left alone.
//! - Names come from validated DNS names, so they cannot contain `/` or `..`; a symlink in the
//!   way is replaced by the rename, never followed.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::render::Rendered;

/// Writes every spec's files into `dir` (or `dir/<spec name>/` when `nested`).
pub fn write_tree(dir: &Path, rendered: Vec<Rendered>, nested: bool) -> Result<(), String> {
    let mut folders: BTreeMap<PathBuf, BTreeMap<String, String>> = BTreeMap::new();
    for r in rendered {
        let stem = r
            .path
            .file_stem()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let folder = if nested {
            dir.join(&stem)
        } else {
            dir.to_path_buf()
        };
        if folders.contains_key(&folder) {
            return Err(format!(
                "two specs named `{stem}` would write into the same folder `{}`; rename one",
                folder.display()
            ));
        }
        folders.insert(folder, r.files);
    }
    if nested {
        create_dir(dir)?;
    }
    for (folder, files) in &folders {
        write_folder(folder, files, nested)?;
    }
    Ok(())
}

fn create_dir(dir: &Path) -> Result<(), String> {
    fs::create_dir_all(dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))
}

/// `per_spec` folders are named by k8gen inside the output folder, so a symlink there is
/// refused; the folder given with `-o` itself is the user's choice and may be a symlink.
fn write_folder(
    folder: &Path,
    files: &BTreeMap<String, String>,
    per_spec: bool,
) -> Result<(), String> {
    match fs::symlink_metadata(folder) {
        Ok(meta) if meta.file_type().is_symlink() && per_spec => Err(format!(
            "`{}` is a symlink; k8gen will not write through it",
            folder.display()
        )),
        Ok(meta) if !meta.is_dir() && !meta.file_type().is_symlink() => {
            Err(format!("`{}` exists and is not a folder", folder.display()))
        }
        Ok(_) => update_folder(folder, files),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create_folder(folder, files),
        Err(e) => Err(format!("cannot read `{}`: {e}", folder.display())),
    }
}

/// Builds the folder under a temporary name beside it, then renames it into place.
fn create_folder(folder: &Path, files: &BTreeMap<String, String>) -> Result<(), String> {
    let parent = folder
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    create_dir(parent)?;
    let name = folder
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}.k8gen-"))
        .tempdir_in(parent)
        .map_err(|e| {
            format!(
                "cannot create a temporary folder in `{}`: {e}",
                parent.display()
            )
        })?;
    for (file, content) in files {
        let path = tmp.path().join(file);
        fs::write(&path, content).map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
    }
    let tmp = tmp.keep();
    fs::rename(&tmp, folder).map_err(|e| {
        let _ = fs::remove_dir_all(&tmp);
        format!("cannot move output into `{}`: {e}", folder.display())
    })
}

/// Replaces files one by one, then removes k8gen's own files that are no longer produced.
fn update_folder(folder: &Path, files: &BTreeMap<String, String>) -> Result<(), String> {
    for (file, content) in files {
        let path = folder.join(file);
        if fs::read(&path).is_ok_and(|old| old == content.as_bytes()) {
            continue;
        }
        let mut tmp = tempfile::Builder::new()
            .prefix(&format!(".{file}.k8gen-"))
            .tempfile_in(folder)
            .map_err(|e| {
                format!(
                    "cannot create a temporary file in `{}`: {e}",
                    folder.display()
                )
            })?;
        // Atomic (a reader sees the old file or the new one), not fsynced: like git's own
        // checkout, a working tree is rebuilt from the spec, so paying an fsync per file (seconds
        // on a thousand apps) buys nothing.
        tmp.write_all(content.as_bytes())
            .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
        tmp.persist(&path)
            .map_err(|e| format!("cannot replace `{}`: {}", path.display(), e.error))?;
    }
    let entries =
        fs::read_dir(folder).map_err(|e| format!("cannot list `{}`: {e}", folder.display()))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if files.contains_key(&name) || !name.ends_with(".yaml") {
            continue;
        }
        let path = entry.path();
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if is_file && written_by_k8gen(&path) {
            fs::remove_file(&path)
                .map_err(|e| format!("cannot remove stale `{}`: {e}", path.display()))?;
        }
    }
    Ok(())
}

fn written_by_k8gen(path: &Path) -> bool {
    let mut head = [0u8; 64];
    let Ok(mut f) = fs::File::open(path) else {
        return false;
    };
    let n = std::io::Read::read(&mut f, &mut head).unwrap_or(0);
    head[..n].starts_with(k8gen::emit::HEADER_PREFIX.as_bytes())
}
