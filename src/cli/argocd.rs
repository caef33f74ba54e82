//! `k8gen argocd-generate`: the `generate` command of the Argo CD config-management plugin
//! (`deploy/argocd/plugin.yaml`). The repo server runs it in the Application's source folder
//! and applies whatever it prints, so:
//! - stdout gets manifests only, written once at the end; on any error nothing at all (an empty
//!   output with prune on would delete the app), and a non-zero exit code;
//! - logs and diagnostics go to stderr, never coloured;
//! - the environment comes from `ARGOCD_ENV_K8GEN_ENV`, parameters from
//!   `ARGOCD_APP_PARAMETERS`; a spec's `{ env = "X" }` reads `ARGOCD_ENV_X` (the
//!   Application's plugin env), never the repo server's own environment;
//! - it writes no file and needs no HOME and no writable folder.
//!
//! It must not render anything itself: it is `render` without `-o`, with its inputs taken from
//! Argo CD's environment.

use std::io::Write;
use std::path::{Component, Path, PathBuf};

use serde_json::Value;

use super::inputs::{Envs, Reading};
use super::render::{How, render_all};
use super::{OK, USAGE_OR_IO, fail};

/// The env var naming the environment to render (`plugin.env: [{name: K8GEN_ENV, ...}]`).
pub const ENV_VAR: &str = "ARGOCD_ENV_K8GEN_ENV";
/// The Application's plugin parameters, JSON.
pub const PARAMETERS_VAR: &str = "ARGOCD_APP_PARAMETERS";

/// What the Application asks for.
#[derive(Debug, Default, PartialEq)]
struct Request {
    env: Option<String>,
    specs: Vec<PathBuf>,
    sets: Vec<String>,
}

/// Reads the request from the environment: `ARGOCD_ENV_K8GEN_ENV`, and the parameters `env`
/// (string), `spec` (string or array: spec files or folders inside the source folder;
/// default: the source folder) and `set` (array of `PATH=VALUE`, or a map PATH → VALUE).
fn request(env: Option<String>, parameters: Option<&str>) -> Result<Request, String> {
    let mut req = Request {
        env: env.filter(|e| !e.is_empty()),
        ..Request::default()
    };
    let params: Vec<Value> = match parameters.map(str::trim) {
        None | Some("") => Vec::new(),
        Some(text) => serde_json::from_str(text)
            .map_err(|e| format!("{PARAMETERS_VAR} is not a JSON array of parameters: {e}"))?,
    };
    for p in &params {
        let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
        let strings = || -> Result<Vec<String>, String> {
            if let Some(s) = p.get("string").and_then(Value::as_str) {
                return Ok(vec![s.to_string()]);
            }
            if let Some(a) = p.get("array").and_then(Value::as_array) {
                return a
                    .iter()
                    .map(|v| v.as_str().map(str::to_string))
                    .collect::<Option<_>>()
                    .ok_or_else(|| format!("parameter `{name}`: array items must be strings"));
            }
            if let Some(m) = p.get("map").and_then(Value::as_object) {
                return m
                    .iter()
                    .map(|(k, v)| v.as_str().map(|v| format!("{k}={v}")))
                    .collect::<Option<_>>()
                    .ok_or_else(|| format!("parameter `{name}`: map values must be strings"));
            }
            Err(format!(
                "parameter `{name}` has no `string`, `array` or `map`"
            ))
        };
        match name {
            "env" => match strings()?.as_slice() {
                [one] => {
                    if req.env.as_ref().is_some_and(|e| e != one) {
                        return Err(format!(
                            "parameter `env` ({one}) and {ENV_VAR} ({}) disagree; set one",
                            req.env.as_deref().unwrap_or_default()
                        ));
                    }
                    req.env = Some(one.clone());
                }
                _ => return Err("parameter `env` must be one string".into()),
            },
            "spec" => {
                for s in strings()? {
                    req.specs.push(inside(&s)?);
                }
            }
            "set" => req.sets.extend(strings()?),
            other => {
                return Err(format!(
                    "unknown parameter `{}` (known: env, spec, set)",
                    other.escape_debug()
                ));
            }
        }
    }
    if req.specs.is_empty() {
        req.specs.push(PathBuf::from("."));
    }
    Ok(req)
}

/// A spec path from a parameter: relative, without `..`, so it names a file of the source
/// folder (what a spec then reads is confined to its repo root like any render).
fn inside(path: &str) -> Result<PathBuf, String> {
    let p = Path::new(path);
    let ok = !path.is_empty()
        && p.components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if ok {
        Ok(p.to_path_buf())
    } else {
        Err(format!(
            "parameter `spec` = {path:?} must be a relative path inside the source folder"
        ))
    }
}

pub fn run() -> i32 {
    let req = match request(
        std::env::var(ENV_VAR).ok(),
        std::env::var(PARAMETERS_VAR).ok().as_deref(),
    ) {
        Ok(req) => req,
        Err(e) => return fail(e),
    };
    let envs = match &req.env {
        Some(env) => Envs::One(env.clone()),
        None => Envs::Base,
    };
    let reading = Reading {
        argocd_env: true,
        ..Reading::default()
    };
    let how = How {
        to_folder: false,
        nested: None,
        not_done: "nothing was printed",
        // Manifests go to the repo server, not into Git: Secrets stay plain, like stdout.
        tree: None,
    };
    let rendered = match render_all(&req.specs, &envs, &req.sets, &reading, false, &how) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let text = rendered
        .iter()
        .map(|r| r.stream.as_str())
        .collect::<Vec<_>>()
        .join("---\n");
    if text.trim().is_empty() {
        return fail(
            "the specs rendered no object; printing nothing would make Argo CD prune the app",
        );
    }
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush())
    {
        Ok(()) => {
            let _ = writeln!(
                std::io::stderr(),
                "k8gen: rendered {} spec(s){}",
                rendered.len(),
                req.env
                    .map(|e| format!(" for environment `{e}`"))
                    .unwrap_or_default()
            );
            OK
        }
        Err(e) => {
            let _ = writeln!(
                std::io::stderr(),
                "k8gen: error: cannot write to stdout: {e}"
            );
            USAGE_OR_IO
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_read_as_argo_cd_sends_them() {
        let json = r#"[{"name": "env", "string": "staging"},
            {"name": "set", "array": ["replicas=2"]},
            {"name": "set", "map": {"components.api.image": "api:v2"}},
            {"name": "spec", "array": ["apps/shop.toml", "./apps/web.toml"]}]"#;
        let req = request(None, Some(json)).unwrap();
        assert_eq!(req.env.as_deref(), Some("staging"));
        assert_eq!(req.sets, ["replicas=2", "components.api.image=api:v2"]);
        assert_eq!(
            req.specs,
            [
                PathBuf::from("apps/shop.toml"),
                PathBuf::from("./apps/web.toml")
            ]
        );
        let plain = request(Some("prod".into()), None).unwrap();
        assert_eq!(plain.env.as_deref(), Some("prod"));
        assert_eq!(plain.specs, [PathBuf::from(".")]);
        for bad in [
            r#"[{"name": "spec", "string": "/etc/passwd"}]"#,
            r#"[{"name": "spec", "string": "../other"}]"#,
            r#"[{"name": "values", "string": "x"}]"#,
            r#"[{"name": "env", "array": ["a", "b"]}]"#,
            r#"{"name": "env"}"#,
        ] {
            assert!(request(None, Some(bad)).is_err(), "{bad}");
        }
        let clash = r#"[{"name": "env", "string": "staging"}]"#;
        assert!(request(Some("prod".into()), Some(clash)).is_err());
    }
}
