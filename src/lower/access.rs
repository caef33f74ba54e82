//! What a spec may read: the one decision on whether a `{ file = ... }` or `{ env = ... }` is
//! allowed, given what the [`Host`](super::Host) enforces ([`Access`]) and the platform's
//! `[inputs] env.allow` patterns.
//!
//! A spec is input from a repository, rendered on shared machines (CI runners, Argo CD repo
//! servers): under [`Access::Confined`] a file must resolve (after symlinks) inside the repo
//! root and an env var must be allowed by name. This module only compares: it does no I/O
//! (the host resolves paths) and reports nothing (lowering turns a [`Refusal`] into a
//! diagnostic at the spec's position).

use std::path::{Path, PathBuf};

/// What a host lets specs read.
#[derive(Debug, Clone, Default)]
pub enum Access {
    /// The host decides alone, in `read_file` and `env_var` (the default for a host a library
    /// user writes: one serving values from memory needs no confinement).
    #[default]
    Open,
    /// Files inside a root only, env vars by name only (the `k8gen` binary's host).
    Confined(Confinement),
}

/// The limits of [`Access::Confined`].
#[derive(Debug, Clone, Default)]
pub struct Confinement {
    /// The folder every file must resolve inside, canonical (symlinks resolved); `None`: files
    /// anywhere (`--allow-outside-root`).
    pub root: Option<PathBuf>,
    /// How errors name the root: "the folder of `k8gen.toml`", "the git root", ...
    pub root_is: String,
    /// Env var name patterns the host allows (`--allow-env`), besides the platform's.
    pub env_allow: Vec<String>,
}

/// What a spec asks to read.
#[derive(Debug, Clone, Copy)]
pub enum Request<'a> {
    /// A file as written in the spec, and where it resolves (canonical).
    File {
        written: &'a str,
        resolved: &'a Path,
    },
    /// An environment variable.
    Env(&'a str),
}

/// Why a read is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// An absolute path: it names a file of the machine that renders, not of the repo.
    Absolute,
    /// The file resolves outside the root (`..`, a symlinked file or folder).
    OutsideRoot,
    /// The env var matches no allowed pattern.
    EnvNotAllowed,
}

/// The decision. `platform_env` are the platform file's `[inputs] env.allow` patterns (read
/// only when confined: an open host decides itself).
pub fn decide(
    access: &Access,
    platform_env: &[String],
    request: Request<'_>,
) -> Result<(), Refusal> {
    let Access::Confined(c) = access else {
        return Ok(());
    };
    match request {
        Request::File { written, resolved } => match &c.root {
            None => Ok(()),
            Some(_) if Path::new(written).has_root() => Err(Refusal::Absolute),
            Some(root) if resolved.starts_with(root) => Ok(()),
            Some(_) => Err(Refusal::OutsideRoot),
        },
        Request::Env(name) => {
            let allowed = (c.env_allow.iter().chain(platform_env))
                .any(|p| glob::Pattern::new(p).is_ok_and(|p| p.matches(name)));
            if allowed {
                Ok(())
            } else {
                Err(Refusal::EnvNotAllowed)
            }
        }
    }
}

/// `path` with `.` and `..` resolved by its text alone (no symlinks: for hosts without a
/// file system); `..` above the root stays at the root.
pub fn lexical(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(".."),
            },
            other => out.push(other),
        }
    }
    out
}

/// Whether `pattern` is a valid env var pattern (a glob: `APP_*`, `BUILD_ID`), or why not.
pub fn check_pattern(pattern: &str) -> Result<(), String> {
    glob::Pattern::new(pattern)
        .map(|_| ())
        .map_err(|e| e.msg.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn confined(root: Option<&str>, env: &[&str]) -> Access {
        Access::Confined(Confinement {
            root: root.map(PathBuf::from),
            root_is: "the git root".into(),
            env_allow: env.iter().map(|s| s.to_string()).collect(),
        })
    }

    #[test]
    fn files_must_resolve_inside_the_root_and_not_be_absolute() {
        let c = confined(Some("/repo"), &[]);
        let file = |written, resolved| Request::File {
            written,
            resolved: Path::new(resolved),
        };
        assert_eq!(decide(&c, &[], file("a/b.txt", "/repo/a/b.txt")), Ok(()));
        assert_eq!(
            decide(&c, &[], file("../x", "/x")),
            Err(Refusal::OutsideRoot)
        );
        // A sibling whose name starts like the root is outside.
        assert_eq!(
            decide(&c, &[], file("../repo2/x", "/repo2/x")),
            Err(Refusal::OutsideRoot)
        );
        assert_eq!(
            decide(&c, &[], file("/repo/a", "/repo/a")),
            Err(Refusal::Absolute)
        );
        let relaxed = confined(None, &[]);
        assert_eq!(decide(&relaxed, &[], file("/etc/x", "/etc/x")), Ok(()));
        assert_eq!(decide(&Access::Open, &[], file("/etc/x", "/etc/x")), Ok(()));
    }

    #[test]
    fn env_vars_need_a_matching_pattern_of_the_host_or_the_platform() {
        let c = confined(Some("/repo"), &["LOCAL_*"]);
        let platform = vec!["APP_*".to_string(), "BUILD_ID".to_string()];
        for ok in ["APP_DB", "BUILD_ID", "LOCAL_X"] {
            assert_eq!(decide(&c, &platform, Request::Env(ok)), Ok(()), "{ok}");
        }
        for no in ["AWS_SECRET_ACCESS_KEY", "BUILD_ID2", "XAPP_DB", "HOME"] {
            assert_eq!(
                decide(&c, &platform, Request::Env(no)),
                Err(Refusal::EnvNotAllowed),
                "{no}"
            );
        }
        assert_eq!(decide(&Access::Open, &[], Request::Env("HOME")), Ok(()));
        assert!(check_pattern("APP_[").is_err());
    }

    #[test]
    fn lexical_resolves_dots_by_text() {
        assert_eq!(lexical(Path::new("/repo/app/../x")), Path::new("/repo/x"));
        assert_eq!(
            lexical(Path::new("/repo/./a/b/../../c")),
            Path::new("/repo/c")
        );
        assert_eq!(lexical(Path::new("/../../etc")), Path::new("/etc"));
        assert_eq!(lexical(Path::new("a/../../b")), Path::new("../b"));
    }
}
