//! The layers of one render, merged into one TOML tree before anything reads it: the platform's
//! `k8gen.toml` `[defaults]` under the spec, the environment's namespace, the spec's
//! `[overlay.ENV]` table, the overlay file `STEM.ENV.toml`, then each `--set` line.
//!
//! The merge rules (README "Environments"), the same for every layer:
//! - tables merge key by key; scalars replace; lists replace,
//! - except lists of named things, merged item by item: `init` and `sidecars` by `name`,
//!   `ingress.routes` by `host` + `path`, `patches` by `target` (an item with a new identity is
//!   appended, one with a known identity is merged into it);
//! - `components.KEY = false` removes a component, and `remove = ["PATH", ...]` removes what a
//!   path names (`"components.api.autoscale"`, `"env.DEBUG"`, `"sidecars.log-shipper"`,
//!   `"ingress.routes.\"shop.example.com/api\""`).
//!
//! Merged entries keep the spans of the layer that wrote them, so a finding about a merged value
//! points at the overlay line that set it. This module works on the TOML tree only: it does not
//! judge values (the engine does) and reads no file.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue};

use crate::codes;
use crate::diag::{Diagnostic, FileId};

/// Where each layer of a render is in its [`SourceMap`](crate::diag::SourceMap): the spec is
/// file 0; the others are optional.
#[derive(Debug, Clone, Default)]
pub struct Layers {
    /// The environment rendered, if any.
    pub env: Option<String>,
    /// `k8gen.toml`.
    pub platform: Option<FileId>,
    /// `STEM.ENV.toml`, the environment's overlay file.
    pub overlay: Option<FileId>,
    /// One `--set` line each.
    pub sets: Vec<FileId>,
    /// Environments that have an overlay file beside the spec (declared by having one).
    pub overlay_files: Vec<String>,
}

/// Lists whose items merge by identity, and the keys of an item's identity.
pub(super) fn identity_keys(list: &str) -> Option<&'static [&'static str]> {
    match list {
        "init" | "sidecars" => Some(&["name"]),
        "routes" => Some(&["host", "path"]),
        "patches" => Some(&["target"]),
        "objects" => Some(&["kind", "metadata.name"]),
        _ => None,
    }
}

/// An item's identity in a named list: its identity keys' values joined (a route
/// `{ host = "a.com", path = "/api" }` is `a.com/api`). A missing `path` is the default path
/// ([`crate::values::DEFAULT_ROUTE_PATH`]), so a route written with and without `path = "/"`
/// is the same route; another missing key counts as empty.
fn identity(item: &DeValue<'_>, keys: &[&str]) -> Option<String> {
    let table = item.as_table()?;
    let mut id = String::new();
    for (i, k) in keys.iter().enumerate() {
        // A dotted key is a path into the item (`metadata.name` of an object).
        let mut parts = k.split('.');
        let first = table.get(parts.next().unwrap_or_default());
        let value = parts
            .try_fold(first, |v, part| {
                Some(v.and_then(|v| v.get_ref().as_table()?.get(part)))
            })
            .flatten()
            .and_then(|v| v.get_ref().as_str());
        match (*k, value) {
            ("path", None) => id.push_str(crate::values::DEFAULT_ROUTE_PATH),
            ("path", Some(p)) => id.push_str(p),
            // `Kind/name` for objects, as patches' targets are written.
            (_, v) => {
                if i > 0 {
                    id.push('/');
                }
                id.push_str(v.unwrap_or(""))
            }
        }
    }
    Some(id)
}

/// `over` on top of `base`: tables merge recursively, anything else in `over` replaces. This is
/// how `[defaults]` reach a component.
pub(super) fn merge<'i>(base: DeTable<'i>, over: DeTable<'i>) -> DeTable<'i> {
    merge_with(base, over, false)
}

/// `over` (an overlay) on top of `base` with the overlay rules: [`merge`], plus named lists
/// merged by identity and `components.KEY = false` removing the component.
pub(super) fn overlay<'i>(base: DeTable<'i>, over: DeTable<'i>) -> DeTable<'i> {
    merge_with(base, over, true)
}

fn merge_with<'i>(mut base: DeTable<'i>, over: DeTable<'i>, named: bool) -> DeTable<'i> {
    for (key, value) in over {
        let name = key.get_ref().to_string();
        let (old_key, old) = match base.remove_entry(name.as_str()) {
            Some((k, v)) => (Some(k), Some(v)),
            None => (None, None),
        };
        // An overlay changes a value where it stands: the entry keeps the base's key (and so
        // its place: env vars and ports keep their order), the value is the overlay's.
        let key = match old_key {
            Some(k) if named => k,
            _ => key,
        };
        let merged = match (old, value.get_ref()) {
            (Some(old), DeValue::Table(new)) if old.get_ref().is_table() => {
                let span = value.span();
                let DeValue::Table(old) = old.into_inner() else {
                    unreachable!()
                };
                Spanned::new(span, DeValue::Table(merge_with(old, new.clone(), named)))
            }
            (Some(old), DeValue::Array(new)) if named && old.get_ref().is_array() => {
                match identity_keys(&name) {
                    Some(keys) => {
                        let span = value.span();
                        let DeValue::Array(old) = old.into_inner() else {
                            unreachable!()
                        };
                        Spanned::new(span, DeValue::Array(merge_named(old, new.clone(), keys)))
                    }
                    None => value,
                }
            }
            _ => value,
        };
        base.insert(key, merged);
    }
    if named {
        drop_false_components(&mut base);
    }
    base
}

/// Every span in `table` (keys and values, at any depth): the places a layer wrote.
pub(super) fn spans(table: &DeTable<'_>, out: &mut Vec<Range<usize>>) {
    for (key, value) in table.iter() {
        out.push(key.span());
        value_spans(value, out);
    }
}

fn value_spans(value: &Spanned<DeValue<'_>>, out: &mut Vec<Range<usize>>) {
    out.push(value.span());
    match value.get_ref() {
        DeValue::Table(t) => spans(t, out),
        DeValue::Array(items) => items.iter().for_each(|i| value_spans(i, out)),
        _ => {}
    }
}

/// Takes out the components an overlay switched off (`components.KEY = false`).
fn drop_false_components(table: &mut DeTable<'_>) {
    if let Some(DeValue::Table(c)) = table.get_mut("components").map(Spanned::get_mut) {
        let off: Vec<String> = c
            .iter()
            .filter(|(_, v)| matches!(v.get_ref(), DeValue::Boolean(false)))
            .map(|(k, _)| k.get_ref().to_string())
            .collect();
        for k in off {
            c.remove(k.as_str());
        }
    }
}

fn merge_named<'i>(old: DeArray<'i>, new: DeArray<'i>, keys: &[&str]) -> DeArray<'i> {
    let mut items: Vec<Spanned<DeValue<'i>>> = old.into_iter().collect();
    for item in new {
        let id = identity(item.get_ref(), keys);
        let found = id.as_ref().and_then(|id| {
            items
                .iter()
                .position(|o| identity(o.get_ref(), keys).as_ref() == Some(id))
        });
        match (found, item.get_ref()) {
            (Some(i), DeValue::Table(t)) => {
                let span = item.span();
                let old =
                    std::mem::replace(&mut items[i], Spanned::new(0..0, DeValue::Boolean(false)));
                let DeValue::Table(old) = old.into_inner() else {
                    unreachable!("identity() is Some only for tables")
                };
                items[i] = Spanned::new(span, DeValue::Table(merge_with(old, t.clone(), true)));
            }
            _ => items.push(item),
        }
    }
    let mut out = DeArray::new();
    for item in items {
        out.push(item);
    }
    out
}

/// Applies an overlay's `remove = [...]` to `tree` (the layers below it, merged) and takes the
/// key out of the overlay. A path that names nothing is reported at its own position.
pub(super) fn take_removals<'i>(
    over: &mut DeTable<'i>,
    tree: &mut DeTable<'i>,
    errors: &mut Vec<Diagnostic>,
) {
    let Some(list) = over.remove("remove") else {
        return;
    };
    let Some(items) = list.get_ref().as_array() else {
        errors.push(
            Diagnostic::error(
                codes::WRONG_TYPE,
                list.span(),
                "wrong type: expected an array of paths",
            )
            .with_help("write `remove = [\"components.api.autoscale\", \"env.DEBUG\"]`"),
        );
        return;
    };
    for item in items.iter() {
        let Some(path) = item.get_ref().as_str() else {
            errors.push(Diagnostic::error(
                codes::WRONG_TYPE,
                item.span(),
                "wrong type: expected a path such as \"components.api.autoscale\"",
            ));
            continue;
        };
        if let Err((segment, have)) = remove_path(tree, path) {
            errors.push(not_found(path, &segment, item.span(), &have, "remove"));
        }
    }
}

/// The "names nothing" error of `remove`/`unset`, with did-you-mean among `have`.
pub(super) fn not_found(
    path: &str,
    segment: &str,
    span: Range<usize>,
    have: &[String],
    what: &str,
) -> Diagnostic {
    let candidates: Vec<&str> = have.iter().map(String::as_str).collect();
    let mut d = Diagnostic::error(
        codes::UNKNOWN_REFERENCE,
        span,
        format!(
            "`{what}` names `{}`, which the layers below do not have",
            crate::diag::clip(path)
        ),
    );
    d.help = Some(crate::suggest::suggest(segment, &candidates, || {
        if candidates.is_empty() {
            "there is nothing to remove there".to_string()
        } else {
            format!("there: {}", crate::suggest::quoted(&candidates))
        }
    }));
    d
}

/// What a path that names nothing went astray at: the segment, and what was there instead.
pub(super) type Astray = (String, Vec<String>);

/// Removes what the dotted `path` names from `table`: keys of tables, and items of named
/// lists by identity.
pub(super) fn remove_path<'i>(table: &mut DeTable<'i>, path: &str) -> Result<(), Astray> {
    let keys = dotted_key(path).ok_or_else(|| (path.to_string(), Vec::new()))?;
    remove_keys(table, &keys)
}

fn remove_keys<'i>(table: &mut DeTable<'i>, keys: &[String]) -> Result<(), Astray> {
    let have = |t: &DeTable<'_>, k: &str| {
        (
            k.to_string(),
            t.keys().map(|k| k.get_ref().to_string()).collect(),
        )
    };
    match keys {
        [] => Err((String::new(), Vec::new())),
        [last] => match table.remove(last.as_str()) {
            Some(_) => Ok(()),
            None => Err(have(table, last)),
        },
        [first, rest @ ..] => {
            let named = identity_keys(first);
            match table.get_mut(first.as_str()).map(Spanned::get_mut) {
                Some(DeValue::Table(t)) => remove_keys(t, rest),
                Some(DeValue::Array(items)) if named.is_some() => {
                    let id_keys = named.unwrap_or(&[]);
                    let ids: Vec<String> = items
                        .iter()
                        .filter_map(|i| identity(i.get_ref(), id_keys))
                        .collect();
                    let Some(i) = ids.iter().position(|id| *id == rest[0]) else {
                        return Err((rest[0].clone(), ids));
                    };
                    if rest.len() == 1 {
                        let mut kept = DeArray::new();
                        for (j, item) in items.iter().enumerate() {
                            if j != i {
                                kept.push(item.clone());
                            }
                        }
                        *items = kept;
                        return Ok(());
                    }
                    let slice: &mut [Spanned<DeValue<'i>>] = items;
                    match slice[i].get_mut() {
                        DeValue::Table(t) => remove_keys(t, &rest[1..]),
                        _ => Err((rest[1].clone(), Vec::new())),
                    }
                }
                _ => Err(have(table, first)),
            }
        }
    }
}

/// The keys of a TOML dotted key such as `env."LOG.LEVEL"`, read by the TOML parser itself.
pub(super) fn dotted_key(path: &str) -> Option<Vec<String>> {
    let text = format!("{path} = 0");
    let (doc, errors) = DeTable::parse_recoverable(&text);
    if !errors.is_empty() {
        return None;
    }
    let mut keys = Vec::new();
    let mut table = doc.into_inner();
    loop {
        if table.len() != 1 {
            return None;
        }
        let (key, value) = table.into_iter().next()?;
        keys.push(key.into_inner().into_owned());
        match value.into_inner() {
            DeValue::Table(t) => table = t,
            _ => return Some(keys),
        }
    }
}

/// `table` with every span moved `by` bytes later (a later file's spans, made global).
pub(super) fn shift_table<'i>(table: DeTable<'i>, by: usize) -> DeTable<'i> {
    let mut out = DeTable::new();
    for (key, value) in table {
        let span = key.span();
        out.insert(
            Spanned::new(span.start + by..span.end + by, key.into_inner()),
            shift_value(value, by),
        );
    }
    out
}

fn shift_value<'i>(value: Spanned<DeValue<'i>>, by: usize) -> Spanned<DeValue<'i>> {
    let span = value.span();
    let inner = match value.into_inner() {
        DeValue::Table(t) => DeValue::Table(shift_table(t, by)),
        DeValue::Array(items) => {
            let mut out = DeArray::new();
            for item in items {
                out.push(shift_value(item, by));
            }
            DeValue::Array(out)
        }
        other => other,
    };
    Spanned::new(span.start + by..span.end + by, inner)
}

/// The environments a spec can be rendered for, from the names each side declares: the
/// platform file's if it lists any, else the spec's (its `[overlay.ENV]` tables and overlay
/// files; asked for only then), sorted.
pub(super) fn declared(platform: Vec<String>, spec: impl FnOnce() -> Vec<String>) -> Vec<String> {
    let mut names = if platform.is_empty() {
        spec()
    } else {
        platform
    };
    names.sort();
    names.dedup();
    names
}

/// [`declared`] read from the texts (empty where a file cannot be read), with the
/// environments that have an overlay file beside the spec.
pub fn declared_environments(
    spec: &str,
    platform: Option<&str>,
    overlay_files: &[String],
) -> Vec<String> {
    let keys = |text: &str, table: &str| -> Vec<String> {
        let Ok(doc) = DeTable::parse(text) else {
            return Vec::new();
        };
        doc.get_ref()
            .get(table)
            .and_then(|t| t.get_ref().as_table())
            .map(|t| t.keys().map(|k| k.get_ref().to_string()).collect())
            .unwrap_or_default()
    };
    let platform = platform
        .map(|p| keys(p, "environments"))
        .unwrap_or_default();
    // Where the platform's list decides, the spec is not parsed for its overlays.
    declared(platform, || {
        let mut own = keys(spec, "overlay");
        own.extend(overlay_files.iter().cloned());
        own
    })
}

/// The platform file's `[gitops]` settings: `kustomization` and `folder`, when set (a file
/// that does not parse gives none: rendering reports why).
pub fn platform_gitops(platform: &str) -> (Option<bool>, Option<String>) {
    let Ok(doc) = DeTable::parse(platform) else {
        return (None, None);
    };
    let table = doc
        .get_ref()
        .get("gitops")
        .and_then(|t| t.get_ref().as_table());
    let get = |key: &str| table.and_then(|t| t.get(key)).map(|v| v.get_ref());
    (
        get("kustomization").and_then(|v| v.as_bool()),
        get("folder").and_then(|v| v.as_str()).map(str::to_string),
    )
}

/// The platform file as typed, if it reads (a file that does not gives none: rendering the
/// specs reports why, at their positions).
pub fn platform_file(platform: &str) -> Option<crate::syntax::PlatformFile> {
    toml::from_str(platform).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(src: &str) -> DeTable<'static> {
        let src: &'static str = Box::leak(src.to_string().into_boxed_str());
        DeTable::parse(src).unwrap().into_inner()
    }

    /// The tree as TOML text, through `toml::Value`, for readable comparisons.
    fn show(t: &DeTable<'_>) -> String {
        toml::to_string(&to_value(t)).unwrap().trim().to_string()
    }

    fn to_value(t: &DeTable<'_>) -> toml::Value {
        let mut m = toml::map::Map::new();
        for (k, v) in t.iter() {
            m.insert(k.get_ref().to_string(), value(v.get_ref()));
        }
        toml::Value::Table(m)
    }

    fn value(v: &DeValue<'_>) -> toml::Value {
        match v {
            DeValue::String(s) => toml::Value::String(s.to_string()),
            DeValue::Integer(i) => toml::Value::Integer(i.as_str().parse().unwrap()),
            DeValue::Boolean(b) => toml::Value::Boolean(*b),
            DeValue::Table(t) => to_value(t),
            DeValue::Array(a) => toml::Value::Array(a.iter().map(|i| value(i.get_ref())).collect()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn tables_merge_scalars_and_plain_lists_replace() {
        let base = table("a = 1\nargs = [\"x\", \"y\"]\n[t]\nk = 1\nj = 2\n");
        let over = table("a = 2\nargs = [\"z\"]\n[t]\nk = 3\n");
        assert_eq!(
            show(&overlay(base, over)),
            "a = 2\nargs = [\"z\"]\n\n[t]\nj = 2\nk = 3"
        );
    }

    #[test]
    fn named_lists_merge_by_identity() {
        let base = table(
            "[[sidecars]]\nname = \"log\"\nimage = \"a:1\"\n[[sidecars]]\nname = \"proxy\"\nimage = \"p:1\"\n",
        );
        let over = table(
            "[[sidecars]]\nname = \"proxy\"\nimage = \"p:2\"\n[[sidecars]]\nname = \"new\"\nimage = \"n:1\"\n",
        );
        let text = show(&overlay(base, over));
        assert_eq!(
            text,
            "[[sidecars]]\nimage = \"a:1\"\nname = \"log\"\n\n[[sidecars]]\nimage = \"p:2\"\nname = \"proxy\"\n\n[[sidecars]]\nimage = \"n:1\"\nname = \"new\""
        );
    }

    #[test]
    fn routes_merge_by_host_and_path_and_patches_by_target() {
        let base = table(
            "[ingress]\nroutes = [{ host = \"a.com\", to = \"web\" }, { host = \"a.com\", path = \"/api\", to = \"api\" }]\n[[patches]]\ntarget = \"Deployment/x\"\nset = { \"/a\" = 1 }\n",
        );
        // `path = "/"` is the route written without a path.
        let over = table(
            "[ingress]\nroutes = [{ host = \"a.com\", path = \"/api\", to = \"api2\" }, { host = \"a.com\", path = \"/\", to = \"web2\" }]\n[[patches]]\ntarget = \"Deployment/x\"\nset = { \"/b\" = 2 }\n",
        );
        let text = show(&overlay(base, over));
        assert_eq!(text.matches("host = \"a.com\"").count(), 2, "{text}");
        assert!(
            text.contains("to = \"web2\"") && text.contains("to = \"api2\""),
            "{text}"
        );
        // The patch's `set` tables merged: both pointers.
        assert!(
            text.contains("\"/a\" = 1") && text.contains("\"/b\" = 2"),
            "{text}"
        );
    }

    #[test]
    fn defaults_merge_does_not_merge_named_lists() {
        let base = table("[[sidecars]]\nname = \"log\"\n");
        let over = table("[[sidecars]]\nname = \"proxy\"\n");
        assert_eq!(show(&merge(base, over)), "[[sidecars]]\nname = \"proxy\"");
    }

    #[test]
    fn false_removes_a_component_and_remove_takes_paths() {
        let base = table(
            "[components.a]\nimage = \"a:1\"\n[components.b]\nimage = \"b:1\"\nautoscale = { min = 1, max = 2 }\n[components.b.env]\nDEBUG = \"1\"\nKEEP = \"1\"\n[[components.b.sidecars]]\nname = \"log\"\n",
        );
        let mut over = table(
            "remove = [\"components.b.autoscale\", \"components.b.env.DEBUG\", \"components.b.sidecars.log\"]\n[components]\na = false\n",
        );
        let mut tree = base;
        let mut errors = Vec::new();
        take_removals(&mut over, &mut tree, &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            show(&overlay(tree, over)),
            "[components.b]\nimage = \"b:1\"\nsidecars = []\n\n[components.b.env]\nKEEP = \"1\""
        );
    }

    #[test]
    fn remove_of_a_missing_path_says_what_is_there() {
        let mut tree = table("[components.api]\nimage = \"a:1\"\n");
        let mut over = table("remove = [\"components.apj.autoscale\"]\n");
        let mut errors = Vec::new();
        take_removals(&mut over, &mut tree, &mut errors);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].help.as_deref(), Some("did you mean `api`?"));
    }
}
