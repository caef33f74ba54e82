//! `k8gen init NAME --template T`: writes a new, commented, lint-clean spec from a template
//! (`templates/*.toml`, one per [`Template`]), with the `#:schema` line of the nearest schema
//! file and an `[overlay.ENV]` table per environment of the nearest `k8gen.toml`.
//!
//! It only writes a new file: it never overwrites one, and it must not carry rules or
//! defaults of its own (the templates are specs; the tests render and lint each one).

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use k8gen::values::{AccessMode, ConcurrencyPolicy, ServiceType, WorkloadKind};

use super::{OK, USAGE_OR_IO, fail, inputs};

/// The templates: the one list `--template` accepts and the tests walk.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Template {
    /// An HTTP service: Deployment, port, probes, resources, Service (an Ingress stub
    /// commented out)
    WebApi,
    /// A background worker: a Deployment without port or Service
    Worker,
    /// A job on a schedule: a CronJob
    Cron,
    /// A server with state: a StatefulSet with a volume per pod
    Stateful,
}

impl Template {
    /// The template's text, with `{name}`, `{schema}` and lists of allowed values to fill in.
    fn text(self) -> &'static str {
        match self {
            Template::WebApi => include_str!("templates/web-api.toml"),
            Template::Worker => include_str!("templates/worker.toml"),
            Template::Cron => include_str!("templates/cron.toml"),
            Template::Stateful => include_str!("templates/stateful.toml"),
        }
    }

    /// What each environment's overlay starts with.
    fn overlay(self) -> &'static str {
        match self {
            Template::WebApi => "replicas = 2\n",
            Template::Worker | Template::Stateful => "replicas = 1\n",
            Template::Cron => "schedule = \"0 3 * * *\"\n",
        }
    }
}

pub fn run(name: &str, template: Template, output: Option<&Path>) -> i32 {
    if let Err(e) = k8gen::model::rules::dns1035_label(name) {
        return fail(format!(
            "`{}` is not a valid app name: {e}",
            name.escape_debug()
        ));
    }
    let file_name = format!("{name}.toml");
    let path = match output {
        None => PathBuf::from(&file_name),
        Some(p) if p.is_dir() || p.as_os_str().to_string_lossy().ends_with('/') => {
            p.join(&file_name)
        }
        Some(p) => p.to_path_buf(),
    };
    if std::fs::symlink_metadata(&path).is_ok() {
        return fail(format!(
            "`{}` exists; k8gen init never overwrites a file (remove it, or choose another path with -o)",
            path.display()
        ));
    }
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if let Err(e) = std::fs::create_dir_all(folder) {
        return fail(format!("cannot create `{}`: {e}", folder.display()));
    }
    let file = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or(file_name);
    let text = match spec_text(name, &file, template, folder) {
        Ok(text) => text,
        Err(e) => return fail(e),
    };
    // `create_new`: a file made meanwhile is not overwritten either.
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .and_then(|mut f| f.write_all(text.as_bytes()));
    match written {
        Ok(()) => {
            let _ = writeln!(
                std::io::stdout(),
                "wrote {} (template {}); check it with: k8gen check {} --deny warnings",
                path.display(),
                template
                    .to_possible_value()
                    .expect("no skipped variants")
                    .get_name(),
                path.display()
            );
            OK
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => fail(format!(
            "`{}` exists; k8gen init never overwrites a file",
            path.display()
        )),
        Err(e) => {
            let _ = writeln!(
                std::io::stderr(),
                "k8gen: error: cannot write `{}`: {e}",
                path.display()
            );
            USAGE_OR_IO
        }
    }
}

/// The spec for app `name` from `template`, to be written into `folder` as `file`.
fn spec_text(name: &str, file: &str, template: Template, folder: &Path) -> Result<String, String> {
    let folder = std::fs::canonicalize(folder)
        .map_err(|e| format!("cannot resolve `{}`: {e}", folder.display()))?;
    let schema = match find_up(&folder, &["schema/k8gen.schema.json", "k8gen.schema.json"]) {
        Some((_, relative)) => format!("#:schema {relative}"),
        None => "#:schema ./k8gen.schema.json\n\
                 # (for completion in editors: k8gen schema > k8gen.schema.json)"
            .to_string(),
    };
    let mut text = template
        .text()
        .replace("{schema}", &schema)
        .replace("{kinds}", &WorkloadKind::NAMES.join(", "))
        .replace("{service_types}", &ServiceType::NAMES.join(", "))
        .replace(
            "{concurrency_policies}",
            &ConcurrencyPolicy::NAMES.join(", "),
        )
        .replace("{access_modes}", &AccessMode::NAMES.join(", "))
        .replace("{name}", name)
        .replace("{file}", file);
    if let Some((platform, relative)) = find_up(&folder, &[inputs::PLATFORM_FILE]) {
        let platform = inputs::read(&platform)?;
        let environments = k8gen::environments("", Some(&platform.text), &[]);
        if !environments.is_empty() {
            text.push_str(&format!(
                "\n# Per environment (the environments of {relative}): the same keys as the top level,\n\
                 # merged over them when rendering with `--env ENV`.\n"
            ));
            for env in environments {
                text.push_str(&format!("[overlay.{env}]\n{}\n", template.overlay()));
            }
            text.pop();
        }
    }
    Ok(text)
}

/// The first of `names` found in `folder` or its nearest parent that has one: its path, and
/// how `folder` reaches it (`./k8gen.schema.json`, `../../schema/k8gen.schema.json`).
fn find_up(folder: &Path, names: &[&str]) -> Option<(PathBuf, String)> {
    folder.ancestors().enumerate().find_map(|(up, dir)| {
        let name = names
            .iter()
            .find(|n| std::fs::metadata(dir.join(n)).is_ok_and(|m| m.is_file()))?;
        let relative = match up {
            0 => format!("./{name}"),
            _ => format!("{}{name}", "../".repeat(up)),
        };
        Some((dir.join(name), relative))
    })
}
