//! Finding spec files and rendering them with the real file system and environment.

use std::path::{Path, PathBuf};

use k8gen::{Diagnostic, Object, check::Host};

/// Reads files and environment variables for `check`.
struct RealHost;

impl Host for RealHost {
    /// Reads regular files only: a spec naming `/dev/zero`, `/dev/stdin` or a FIFO must not
    /// make k8gen read forever or wait for a writer.
    fn read_file(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        if !std::fs::metadata(path)?.is_file() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "not a regular file",
            ));
        }
        std::fs::read(path)
    }
    fn env_var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

/// The spec files named on the command line: files as given, folders searched (recursively)
/// for `*.toml`, in sorted order.
pub fn spec_files(args: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for arg in args {
        let meta =
            std::fs::metadata(arg).map_err(|e| format!("cannot read `{}`: {e}", arg.display()))?;
        if meta.is_dir() {
            let before = out.len();
            collect_toml(arg, &mut out)
                .map_err(|e| format!("cannot list `{}`: {e}", arg.display()))?;
            if out.len() == before {
                return Err(format!("no *.toml spec files in `{}`", arg.display()));
            }
        } else {
            out.push(arg.clone());
        }
    }
    Ok(out)
}

fn collect_toml(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect_toml(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
    Ok(())
}

/// One spec's objects.
pub struct Rendered {
    pub path: PathBuf,
    pub objects: Vec<Object>,
}

/// One spec's diagnostics with what is needed to show them.
pub struct Report {
    pub path: String,
    pub source: String,
    pub diagnostics: Vec<Diagnostic>,
}

pub enum Failure {
    Io(String),
    Spec(Vec<Report>),
}

/// Renders every spec; fails with every diagnostic of every spec if any is wrong.
pub fn render_all(files: &[PathBuf]) -> Result<Vec<Rendered>, Failure> {
    let mut rendered = Vec::new();
    let mut reports = Vec::new();
    for path in files {
        let bytes = std::fs::read(path)
            .map_err(|e| Failure::Io(format!("cannot read `{}`: {e}", path.display())))?;
        let shown = path.display().to_string();
        let source = match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => {
                let offset = e.utf8_error().valid_up_to();
                let source = String::from_utf8_lossy(e.as_bytes()).into_owned();
                let d = Diagnostic::error(
                    k8gen::spec::codes::SYNTAX,
                    offset..offset + 1,
                    "the spec is not valid UTF-8",
                )
                .with_help("TOML files must be UTF-8; re-save the file as UTF-8");
                reports.push(Report {
                    path: shown,
                    source,
                    diagnostics: vec![d],
                });
                continue;
            }
        };
        let base = path.parent().unwrap_or(Path::new("."));
        match k8gen::render_source(&source, base, &RealHost) {
            Ok(objects) => rendered.push(Rendered {
                path: path.clone(),
                objects,
            }),
            Err(diagnostics) => reports.push(Report {
                path: shown,
                source,
                diagnostics,
            }),
        }
    }
    if reports.is_empty() {
        Ok(rendered)
    } else {
        Err(Failure::Spec(reports))
    }
}
