//! Finding spec files, reading them, and the host (file system, environment) that `check`
//! reads secrets and config files through.

use std::path::{Path, PathBuf};

use k8gen::Diagnostic;
use k8gen::Host;

/// Reads files and environment variables for `check`.
pub struct RealHost;

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
    let bytes =
        std::fs::read(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    let shown = path.display().to_string();
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

/// Prints `diags` about `source` to stderr.
pub fn print_diagnostics(source: &Source, diags: &[Diagnostic], color: bool) {
    use std::io::Write;
    let mut stderr = std::io::stderr().lock();
    for d in diags {
        let _ = write!(
            stderr,
            "{}",
            k8gen::diag::render(d, &source.shown, &source.text, color)
        );
    }
}
