//! `k8gen import`: reads the YAML files, folders or stdin it is given, calls
//! `k8gen::import::import`, writes the spec (stdout or `-o`), the secret values (only with
//! `--secrets-dir`, one file per env var, mode 0600), and the report on stderr.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use k8gen::import::{self, Source};

use super::{OK, SPEC_ERROR, fail};

const MAX_INPUT: u64 = 16 * 1024 * 1024;

pub struct Options {
    pub inputs: Vec<PathBuf>,
    pub output: Option<PathBuf>,
    pub name: Option<String>,
    pub secrets_dir: Option<PathBuf>,
    pub verify: bool,
    pub no_extra_labels: bool,
    /// `--external-secrets` (with its store).
    pub external_store: Option<String>,
    /// `--keep-unknown`: what import would skip becomes `[[objects]]`.
    pub keep_unknown: bool,
    /// `--force`: replace an existing `-o` file.
    pub force: bool,
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let ty = e.file_type()?;
        let path = e.path();
        if ty.is_dir() {
            yaml_files(&path, out)?;
        } else if ty.is_file()
            && matches!(
                path.extension().and_then(|x| x.to_str()),
                Some("yaml" | "yml")
            )
        {
            out.push(path);
        }
    }
    Ok(())
}

fn read(path: &Path) -> Result<String, String> {
    let meta =
        std::fs::metadata(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    if !meta.is_file() || meta.len() > MAX_INPUT {
        return Err(format!(
            "`{}` is not a regular file of at most 16 MiB",
            path.display()
        ));
    }
    std::fs::read_to_string(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))
}

pub fn run(o: &Options) -> i32 {
    // A spec people edit is never overwritten by accident: checked before anything is read
    // or written (`--secrets-dir` included).
    if let Some(path) = &o.output
        && !o.force
        && std::fs::symlink_metadata(path).is_ok()
    {
        return fail(format!(
            "`{}` exists; pass --force to replace it with the imported spec (its edits and \
             comments are lost), or choose another path with -o",
            path.display()
        ));
    }
    let mut sources = Vec::new();
    for input in &o.inputs {
        if input.as_os_str() == "-" {
            let mut text = String::new();
            if let Err(e) = std::io::stdin().take(MAX_INPUT).read_to_string(&mut text) {
                return fail(format!("cannot read stdin: {e}"));
            }
            sources.push(Source {
                name: "<stdin>".to_string(),
                text,
            });
        } else if input.is_dir() {
            let mut files = Vec::new();
            if let Err(e) = yaml_files(input, &mut files) {
                return fail(format!("cannot read `{}`: {e}", input.display()));
            }
            for f in files {
                match read(&f) {
                    Ok(text) => sources.push(Source {
                        name: f.display().to_string(),
                        text,
                    }),
                    Err(e) => return fail(e),
                }
            }
        } else {
            match read(input) {
                Ok(text) => sources.push(Source {
                    name: input.display().to_string(),
                    text,
                }),
                Err(e) => return fail(e),
            }
        }
    }
    let fallback = o
        .inputs
        .iter()
        .find(|i| i.as_os_str() != "-")
        .and_then(|i| i.file_stem())
        .and_then(|s| s.to_str())
        .unwrap_or("app")
        .to_string();
    let result = import::import_with(
        &sources,
        &import::Options {
            name: o.name.clone(),
            fallback,
            extra_labels: !o.no_extra_labels,
            external_store: o.external_store.clone(),
            keep_unknown: o.keep_unknown,
        },
    );
    let mut err = std::io::stderr().lock();
    for r in &result.report {
        let _ = writeln!(err, "{r}");
    }
    let _ = writeln!(
        err,
        "{} server-filled or defaulted field(s) dropped",
        result.dropped
    );
    for e in &result.errors {
        let _ = writeln!(err, "k8gen: error: the imported spec does not render: {e}");
    }
    if !result.imported_any() {
        let _ = writeln!(err, "k8gen: error: nothing could be imported");
        return SPEC_ERROR;
    }
    if o.verify && !result.errors.is_empty() {
        let _ = writeln!(err, "verify: the spec does not render (see above)");
    } else if o.verify {
        let (added, lost): (Vec<_>, Vec<_>) =
            result.differences.iter().partition(|d| d.is_addition());
        let _ = writeln!(
            err,
            "verify: {} difference(s) from the input, {} addition(s) by k8gen",
            lost.len(),
            added.len()
        );
        for d in lost {
            let _ = writeln!(err, "  differs: {d}");
        }
        for d in added {
            let _ = writeln!(err, "  adds:    {d}");
        }
    }
    let names: Vec<&str> = result.secrets.iter().map(|(n, _)| n.as_str()).collect();
    if let Some(dir) = &o.secrets_dir {
        if let Err(e) = write_secrets(dir, &result.secrets) {
            return fail(e);
        }
    } else if !names.is_empty() {
        let _ = writeln!(
            err,
            "secret values are read from the environment when rendering: {} (write them out with --secrets-dir)",
            names.join(", ")
        );
    }
    if !names.is_empty() {
        let patterns = allow_patterns(&names);
        let quoted: Vec<String> = patterns.iter().map(|p| format!("\"{p}\"")).collect();
        let flags: Vec<String> = patterns
            .iter()
            .map(|p| format!("--allow-env '{p}'"))
            .collect();
        let _ = writeln!(
            err,
            "a render reads them only if allowed: `[inputs] env = {{ allow = [{}] }}` in k8gen.toml, or `{}`",
            quoted.join(", "),
            flags.join(" ")
        );
    }
    match &o.output {
        Some(path) => {
            // Without --force, a file that appeared since the check above is not replaced
            // either: `write_new` never overwrites.
            let written = if o.force && std::fs::symlink_metadata(path).is_ok() {
                super::output::replace_file(path, result.spec.as_bytes())
            } else {
                super::output::write_new(path, result.spec.as_bytes())
            };
            if let Err(e) = written {
                return fail(e);
            }
        }
        None => {
            let _ = std::io::stdout().lock().write_all(result.spec.as_bytes());
        }
    }
    OK
}

/// The `--allow-env` patterns for the variables an import names: their common prefix up to
/// an `_`, followed by `*` (`SHOP_*`), else each name.
fn allow_patterns(names: &[&str]) -> Vec<String> {
    let first = names[0];
    let common = names.iter().fold(first.len(), |n, name| {
        first
            .bytes()
            .zip(name.bytes())
            .take(n)
            .take_while(|(a, b)| a == b)
            .count()
    });
    match first[..common].rfind('_') {
        Some(i) if names.len() > 1 => vec![format!("{}*", &first[..=i])],
        _ => names.iter().map(|n| n.to_string()).collect(),
    }
}

fn write_secrets(dir: &Path, secrets: &[(String, String)]) -> Result<(), String> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
    for (name, value) in secrets {
        let path = dir.join(name);
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
        f.write_all(value.as_bytes())
            .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
    }
    Ok(())
}
