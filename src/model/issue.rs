//! What the rule engine reports about an [`App`](super::App): a stable code, the field path of
//! the offending value (`components.backend.service.type`), a message and a help line.
//!
//! A field path names a value of the model the way a spec writes it: table keys joined by
//! `.`, list items as `[i]`, keys that are not bare TOML keys quoted
//! (`labels."app.kubernetes.io/name"`). The TOML front end turns a path into `file:line:col`
//! through the provenance it recorded while lowering; the Rust API shows the path itself.

use std::fmt;

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// Stable code from [`crate::codes`].
    pub code: &'static str,
    /// Where: a field path into the model.
    pub path: String,
    /// What is wrong, without a trailing period.
    pub message: String,
    /// Short text for the underlined value.
    pub label: Option<String>,
    /// How to fix it.
    pub help: Option<String>,
}

impl Issue {
    pub fn new(code: &'static str, path: impl Into<String>, message: impl Into<String>) -> Self {
        Issue {
            code,
            path: path.into(),
            message: message.into(),
            label: None,
            help: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The same issue about another field.
    pub fn with_path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: error[{}]: {}", self.path, self.code, self.message)?;
        if let Some(help) = &self.help {
            write!(f, " (help: {help})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Issue {}

/// `base.key`, quoting `key` when it is not a bare TOML key.
pub fn key(base: &str, key: &str) -> String {
    let bare = !key.is_empty() && is_bare(key.as_bytes());
    let key = if bare {
        key.to_string()
    } else {
        format!("{key:?}")
    };
    if base.is_empty() {
        key
    } else {
        format!("{base}.{key}")
    }
}

/// A bare TOML key. A plain loop: a key may be as long as the spec, and this runs for every
/// path of it, in debug builds too.
fn is_bare(key: &[u8]) -> bool {
    for &b in key {
        if !matches!(b, b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'-') {
            return false;
        }
    }
    true
}

/// The path of the KEY (not the value) of map entry `entry`: `labels.team.<key>`. Rules about
/// a key itself (a reserved or malformed label key) report here, so that the TOML front end
/// can point at the key while rules about the value point at the value (`labels.team`).
pub fn map_key(entry: &str) -> String {
    format!("{entry}.<key>")
}

/// `base[index]`.
pub fn index(base: &str, index: usize) -> String {
    format!("{base}[{index}]")
}

/// The path of component `key`.
pub fn component(key_: &str) -> String {
    key("components", key_)
}

/// The paths from `path` up to the root, longest first: `a.b[0].c`, `a.b[0]`, `a.b`, `a`.
pub fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(path);
    std::iter::from_fn(move || {
        let current = rest?;
        rest = parent(current);
        Some(current)
    })
}

/// The path one step up, if any. Quoted keys may hold `.` and `[`.
fn parent(path: &str) -> Option<&str> {
    if !path.contains('"') {
        // Two single-byte searches (memrchr) rather than one over a set of chars: paths may
        // hold a key as long as the spec is.
        return path.rfind('.').max(path.rfind('[')).map(|i| &path[..i]);
    }
    let mut in_quotes = false;
    let mut escaped = false;
    let mut cut = None;
    for (i, c) in path.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_quotes => escaped = true,
            '"' => in_quotes = !in_quotes,
            '.' | '[' if !in_quotes => cut = Some(i),
            _ => {}
        }
    }
    cut.map(|i| &path[..i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_quote_keys_that_are_not_bare() {
        assert_eq!(key("labels", "team"), "labels.team");
        assert_eq!(
            key("labels", "app.kubernetes.io/name"),
            "labels.\"app.kubernetes.io/name\""
        );
        assert_eq!(index(&component("db"), 2), "components.db[2]");
    }

    #[test]
    fn ancestors_respect_quotes() {
        let p = format!("{}.value", key(&index("patches", 0), "a.b[1]"));
        let all: Vec<&str> = ancestors(&p).collect();
        assert_eq!(
            all,
            [
                "patches[0].\"a.b[1]\".value",
                "patches[0].\"a.b[1]\"",
                "patches[0]",
                "patches"
            ]
        );
    }
}
