//! TOML text → [`SpecFile`], collecting every shape error.

use std::collections::BTreeSet;
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue};

use super::layers::{
    Layers, declared, merge, overlay, remove_path, shift_table, spans, take_removals,
};
use super::{ComponentSyntax, PlatformFile, Sp, SpecFile};
use crate::diag::{Diagnostic, FileId, MAIN_FILE, SourceMap};

use crate::codes;

/// Most syntax or shape errors reported for one file; past this the file is too broken to be
/// useful. (The TOML parser can report one syntax error per byte, e.g. after a missing quote.)
const MAX_ERRORS: usize = 50;

/// A parsed spec: the file as written, and its top-level component keys as a component.
#[derive(Debug, Clone)]
pub struct Spec {
    pub file: SpecFile,
    /// The main component, when the top level has any component key, with `[defaults]`
    /// merged in.
    pub main: Option<ComponentSyntax>,
    /// `[components.KEY]` tables with `[defaults]` merged in, in key order.
    pub components: Vec<(Sp<String>, ComponentSyntax)>,
    /// The platform file, if the render has one.
    pub platform: Option<PlatformFile>,
    /// The namespaces the environment rendered owns (its `namespaces`, and with
    /// `own_namespaces` the one its pattern gives this app): an app in one emits no Namespace.
    pub environment_namespaces: Vec<String>,
    /// Values outside an allowed set (an unknown Service type, ...). Each was reported and
    /// dropped, as if not written, so later stages still judge the rest of the spec in the
    /// same run; a spec with such diagnostics never renders.
    pub diags: Vec<Diagnostic>,
}

/// One component of a spec, as check and lint see it.
pub struct Part<'s> {
    /// The key others refer to it by (the app name for the main component), with its span.
    pub key: Sp<String>,
    /// Name of its objects: the app name for the main component, else `APP-KEY`.
    pub full_name: String,
    pub syntax: &'s ComponentSyntax,
}

impl Spec {
    /// The main component (if any), then `[components.KEY]` in key order.
    pub fn parts(&self) -> Vec<Part<'_>> {
        let app = &self.file.name;
        let main = self.main.iter().map(|m| Part {
            key: app.clone(),
            full_name: app.value.clone(),
            syntax: m,
        });
        let others = self.components.iter().map(|(k, c)| Part {
            key: k.clone(),
            full_name: format!("{}-{}", app.value, k.value),
            syntax: c,
        });
        main.chain(others).collect()
    }
}

/// Component keys that on the top level describe the app, not its main component.
const APP_WIDE_COMPONENT_KEYS: &[&str] = &["labels", "annotations", "allow", "label_scheme"];

/// Whether a top-level key describes the app rather than its main component: the spec file's
/// own keys (from its type, so a new one cannot be forgotten) and [`APP_WIDE_COMPONENT_KEYS`].
fn is_app_key(key: &str) -> bool {
    SpecFile::OWN_KEYS.contains(&key) || APP_WIDE_COMPONENT_KEYS.contains(&key)
}

/// Parses a spec. On failure returns every syntax error, or else every shape error found.
#[cfg(test)]
pub fn parse(source: &str) -> Result<Spec, Vec<Diagnostic>> {
    parse_files(&SourceMap::new("spec", source), &Layers::default())
}

/// Parses the spec in file 0 of `files` with the other [`Layers`] merged in (see
/// [`super::layers`] for the order and the rules). Spans are global (see
/// [`SourceMap::localize`]), so an error in any layer points into that layer's file.
pub fn parse_files(files: &SourceMap, layers: &Layers) -> Result<Spec, Vec<Diagnostic>> {
    let joined = files.joined();
    let source = joined.as_str();
    let mut syntax_errors: Vec<(String, Range<usize>)> = Vec::new();
    let mut read = |id: FileId| -> DeTable<'_> {
        let text = files.get(id).map_or("", |f| f.text.as_str());
        let base = files.base(id);
        let (tree, errors) = DeTable::parse_recoverable(text);
        for e in &errors {
            let span = e.span().unwrap_or(0..0);
            syntax_errors.push((e.message().to_string(), span.start + base..span.end + base));
        }
        shift_table(tree.into_inner(), base)
    };
    let spec_tree = read(MAIN_FILE);
    let platform_tree = layers.platform.map(&mut read);
    let overlay_file = layers.overlay.map(&mut read);
    let sets: Vec<DeTable<'_>> = layers.sets.iter().map(|&id| read(id)).collect();
    if !syntax_errors.is_empty() {
        return Err(syntax_errors
            .iter()
            .take(MAX_ERRORS)
            .map(|(message, span)| syntax_diagnostic(message, span.clone()))
            .collect());
    }

    let mut errors = Vec::new();
    let platform = platform_tree.as_ref().and_then(|t| {
        let file = layers.platform.map_or(0, |id| files.base(id));
        let root = file..file;
        shape::<PlatformFile>(t.clone(), root, source, &mut errors)
    });
    if !errors.is_empty() {
        return Err(sorted(errors));
    }

    let mut tree = spec_tree;
    let overlays = take_overlays(&mut tree, &mut errors);
    let app_name = tree
        .get("name")
        .and_then(|n| n.get_ref().as_str())
        .unwrap_or("")
        .to_string();
    environments(platform.as_ref(), &overlays, layers, &mut errors);

    // The platform's settings for tables an app may or may not have (its Ingress, its Argo CD
    // Application) wait until the overlays are in: an app may get them from an overlay.
    let mut if_present = Vec::new();
    if let Some(platform) = &platform_tree {
        let mut layer = platform_defaults(platform, None);
        if let Some(env) = &layers.env {
            layer = merge(layer, platform_defaults(platform, Some(env)));
        }
        for key in ONLY_IF_PRESENT {
            if let Some(settings) = layer.remove(*key) {
                if_present.push((*key, settings));
            }
        }
        tree = merge(layer, tree);
    }
    let mut environment_namespaces = Vec::new();
    if let (Some(env), Some(platform)) = (&layers.env, &platform) {
        let from_pattern = namespace_of(platform, env, &app_name, &mut tree, &mut errors);
        if let Some((_, e)) = platform.environments.iter().find(|(k, _)| k.value == *env) {
            environment_namespaces
                .extend(e.value.namespaces.iter().flatten().map(|n| n.value.clone()));
            if e.value.own_namespaces.as_ref().is_some_and(|o| o.value) {
                environment_namespaces.extend(from_pattern);
            }
        }
    }
    for (name, over) in &overlays {
        if layers.env.as_deref() != Some(name.value.as_str()) {
            // Not rendered now, still checked (merged over the spec, as it would be): a typo in
            // production's overlay fails staging's CI. Only findings inside it count here.
            let mut written = Vec::new();
            spans(over, &mut written);
            let mut trial = tree.clone();
            let mut over = over.clone();
            take_removals(&mut over, &mut trial, &mut errors);
            let trial = overlay(trial, over);
            let mut found = Vec::new();
            shape::<SpecFile>(trial, 0..source.len(), source, &mut found);
            errors.extend(found.into_iter().filter(|d| {
                written
                    .iter()
                    .any(|w| w.start <= d.span.start && d.span.end <= w.end)
            }));
        }
    }
    let selected = layers
        .env
        .as_ref()
        .and_then(|env| overlays.iter().find(|(n, _)| n.value == *env))
        .map(|(_, t)| t.clone());
    for mut over in selected.into_iter().chain(overlay_file).chain(sets) {
        take_removals(&mut over, &mut tree, &mut errors);
        tree = overlay(tree, over);
    }
    for (name, settings) in if_present {
        let Some((key, value)) = tree.remove_entry(name) else {
            continue;
        };
        let merged = match (settings.into_inner(), value.get_ref()) {
            (DeValue::Table(d), DeValue::Table(own)) => {
                Spanned::new(value.span(), DeValue::Table(merge(d, own.clone())))
            }
            _ => value,
        };
        tree.insert(key, merged);
    }
    // The layers' own findings (an unused overlay's, a `remove` path, an environment) join
    // the shape check of the merged spec, so one run reports them all.
    let root = 0..source.len();
    let mut tree = Spanned::new(root.clone(), tree);
    let mut diags = errors;
    let Some(file) = shape::<SpecFile>(tree.get_ref().clone(), root, source, &mut diags) else {
        return Err(sorted(diags));
    };
    if diags.iter().any(|d| d.code != codes::INVALID_VALUE) {
        return Err(sorted(diags));
    }
    // The tree the spec was read from, less what `shape` dropped, for the components.
    drop_reported(tree.get_mut(), &diags);
    let (main, components, unset_errors) = merged_components(&tree);
    diags.extend(unset_errors);
    Ok(Spec {
        main,
        components,
        file,
        platform,
        environment_namespaces,
        diags: sorted(diags),
    })
}

/// Deserializes `tree` as a `T`, reporting every shape error: after each error the offending
/// entry is dropped and the tree read again. `None` when the tree could not be read at all;
/// `Some` with errors in `diags` when it could once the bad entries were dropped (the caller
/// decides whether those are fatal).
fn shape<'i, T: Deserialize<'i>>(
    mut table: DeTable<'i>,
    root: Range<usize>,
    source: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<T> {
    let mut removed_keys = BTreeSet::new();
    let first = diags.len();
    loop {
        let attempt = T::deserialize(toml::de::Deserializer::from(Spanned::new(
            root.clone(),
            table.clone(),
        )));
        let err = match attempt {
            Ok(value) => return Some(value),
            Err(err) => err,
        };
        let span = err.span().unwrap_or(root.clone());
        let message = err.message().to_string();
        if let Some(field) = backtick_after(&message, "missing field ")
            && removed_keys.contains(field)
            && diags.len() > first
        {
            // Caused by an entry we dropped after reporting it: not a new error.
            return None;
        }
        diags.push(shape_diagnostic(&message, span.clone(), source));
        if diags.len() - first >= MAX_ERRORS {
            return None;
        }
        match remove_entry_at(&mut table, &span) {
            Some(key) if span != root => {
                removed_keys.insert(key);
            }
            _ => return None,
        }
    }
}

/// Drops from `tree` the entries `diags` reported (values outside an allowed set), as
/// [`shape`] did while reading it.
fn drop_reported(tree: &mut DeTable<'_>, diags: &[Diagnostic]) {
    for d in diags {
        remove_entry_at(tree, &d.span);
    }
}

/// App tables a platform's defaults fill in only for the apps that have them: an app without
/// routes gets no Ingress, one without `argocd` no Application.
const ONLY_IF_PRESENT: &[&str] = &["ingress", "argocd"];

/// Takes `[overlay.ENV]` tables out of the spec tree.
fn take_overlays<'i>(
    tree: &mut DeTable<'i>,
    errors: &mut Vec<Diagnostic>,
) -> Vec<(Sp<String>, DeTable<'i>)> {
    let Some(value) = tree.remove("overlay") else {
        return Vec::new();
    };
    let span = value.span();
    let DeValue::Table(table) = value.into_inner() else {
        errors.push(
            Diagnostic::error(codes::WRONG_TYPE, span, "wrong type: expected a table")
                .with_help("write one table per environment: `[overlay.production]`"),
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, value) in table {
        let name = Sp::new(key.span(), key.get_ref().to_string());
        match value.into_inner() {
            DeValue::Table(t) => out.push((name, t)),
            _ => errors.push(
                Diagnostic::error(
                    codes::WRONG_TYPE,
                    name.span(),
                    "wrong type: an overlay is a table",
                )
                .with_help(format!(
                    "write `[overlay.{}]` and keys below it",
                    name.value
                )),
            ),
        }
    }
    out
}

/// The environments an app can be rendered for: the platform's, or else the spec's overlays.
/// Where the platform lists them, an overlay for another one (a typo) is an error, and so is
/// `--env` naming an environment nobody declared.
fn environments(
    platform: Option<&PlatformFile>,
    overlays: &[(Sp<String>, DeTable<'_>)],
    layers: &Layers,
    errors: &mut Vec<Diagnostic>,
) {
    let own = || {
        let mut own: Vec<String> = overlays.iter().map(|(n, _)| n.value.clone()).collect();
        own.extend(layers.overlay_files.iter().cloned());
        own.extend(layers.env.clone().filter(|_| layers.overlay.is_some()));
        own
    };
    let declared = declared(
        platform
            .iter()
            .flat_map(|p| p.environments.keys().map(|k| k.value.clone()))
            .collect(),
        own,
    );
    let candidates: Vec<&str> = declared.iter().map(String::as_str).collect();
    let names = overlays
        .iter()
        .map(|(n, _)| n)
        .chain(platform.into_iter().flat_map(|p| p.environments.keys()));
    for name in names {
        if !crate::values::is_environment_name(&name.value) {
            errors.push(
                Diagnostic::error(
                    codes::INVALID_VALUE,
                    name.span(),
                    format!(
                        "`{}` cannot name an environment",
                        crate::diag::clip(&name.value)
                    ),
                )
                .with_help("use a DNS label: lowercase letters, digits and `-` (it names folders and namespaces)"),
            );
        }
    }
    for (name, _) in overlays {
        if !declared.contains(&name.value) {
            let mut d = Diagnostic::error(
                codes::UNKNOWN_REFERENCE,
                name.span(),
                format!(
                    "`k8gen.toml` declares no environment `{}`",
                    crate::diag::clip(&name.value)
                ),
            );
            d.help = Some(suggest(&name.value, &candidates, || {
                format!("its environments: {}", quoted(&candidates))
            }));
            errors.push(d);
        }
    }
    if let Some(env) = &layers.env
        && !declared.contains(env)
    {
        let mut d = Diagnostic::error(
            codes::UNKNOWN_REFERENCE,
            0..0,
            format!(
                "no environment `{}`: neither `k8gen.toml` nor the spec's overlays declare it",
                crate::diag::clip(env)
            ),
        );
        d.help = Some(suggest(env, &candidates, || match candidates.len() {
            0 => "add an `[overlay.ENV]` table to the spec, or environments to `k8gen.toml`"
                .to_string(),
            _ => format!("declared: {}", quoted(&candidates)),
        }));
        errors.push(d);
    }
}

/// The layer a platform's `[defaults]` (or, with `env`, that environment's `defaults`) puts
/// under every spec, as spec keys: app keys stay on the top level, component keys go to the
/// spec's `[defaults]`. A platform's `ingress` applies only to apps that have one.
fn platform_defaults<'i>(platform: &DeTable<'i>, env: Option<&str>) -> DeTable<'i> {
    let table = |t: Option<&Spanned<DeValue<'i>>>| t.and_then(|v| v.get_ref().as_table()).cloned();
    let defaults = match env {
        None => table(platform.get("defaults")),
        Some(env) => table(platform.get("environments"))
            .and_then(|e| table(e.get(env)))
            .and_then(|e| table(e.get("defaults"))),
    };
    let mut out = DeTable::new();
    let mut components = DeTable::new();
    for (key, value) in defaults.unwrap_or_default() {
        if is_app_key(key.get_ref()) {
            out.insert(key, value);
        } else {
            components.insert(key, value);
        }
    }
    if !components.is_empty() {
        let span = components.iter().next().map_or(0..0, |(k, _)| k.span());
        out.insert(
            Spanned::new(span.clone(), "defaults".into()),
            Spanned::new(span, DeValue::Table(components)),
        );
    }
    out
}

/// Sets the spec's namespace to the environment's pattern, `{app}` and `{env}` filled in; returns
/// it.
fn namespace_of(
    platform: &PlatformFile,
    env: &str,
    app: &str,
    tree: &mut DeTable<'_>,
    errors: &mut Vec<Diagnostic>,
) -> Option<String> {
    let pattern = platform
        .environments
        .iter()
        .find(|(k, _)| k.value == env)
        .and_then(|(_, e)| e.value.namespace.as_ref())?;
    let value = pattern.value.replace("{app}", app).replace("{env}", env);
    if value.contains(['{', '}']) {
        errors.push(
            Diagnostic::error(
                codes::INVALID_VALUE,
                pattern.span(),
                format!(
                    "unknown placeholder in `{}`",
                    crate::diag::clip(&pattern.value)
                ),
            )
            .with_help("a namespace pattern may use `{app}` and `{env}`"),
        );
        return None;
    }
    tree.insert(
        Spanned::new(pattern.span(), "namespace".into()),
        Spanned::new(pattern.span(), DeValue::String(value.clone().into())),
    );
    Some(value)
}

fn sorted(mut diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    diags.sort_by_key(|d| (d.span.start, d.span.end));
    diags
}

/// The main component (top-level keys that are not app keys) and the `[components.KEY]`
/// tables, each with `[defaults]` merged under it: a component's own keys win, tables merge
/// key by key. Merged entries keep the spans of where they were written.
#[allow(clippy::type_complexity)]
fn merged_components(
    tree: &Spanned<DeTable<'_>>,
) -> (
    Option<ComponentSyntax>,
    Vec<(Sp<String>, ComponentSyntax)>,
    Vec<Diagnostic>,
) {
    let defaults = tree
        .get_ref()
        .get("defaults")
        .and_then(|d| d.get_ref().as_table())
        .cloned();
    let mut unset_errors = Vec::new();
    if let Some(u) = defaults.as_ref().and_then(|d| d.get("unset")) {
        unset_errors.push(
            Diagnostic::error(
                codes::INVALID_VALUE,
                u.span(),
                "`unset` belongs in a component, which it stops inheriting keys of `[defaults]`",
            )
            .with_help("move it into the components that should not inherit the keys"),
        );
    }
    // What identifies one component's running objects cannot be shared by every component.
    for key in ["selector", "names"] {
        if let Some(v) = defaults.as_ref().and_then(|d| d.get(key)) {
            unset_errors.push(
                Diagnostic::error(
                    codes::INVALID_VALUE,
                    v.span(),
                    format!("`{key}` belongs in a component: in `[defaults]` every component would share it"),
                )
                .with_help("move it into the component whose running objects it describes (for `app: NAME` selectors everywhere, `label_scheme = \"app\"`)"),
            );
        }
    }
    let mut read = |table: Spanned<DeTable<'_>>| {
        let span = table.span();
        let mut table = table.into_inner();
        let mut inherited = defaults.clone().unwrap_or_default();
        // `unset` is about what a component inherits; `[defaults]` cannot pass one on.
        inherited.remove("unset");
        inherited.remove("selector");
        inherited.remove("names");
        unset(&mut inherited, &table, &mut unset_errors);
        table = merge(inherited, table);
        // SpecFile accepted both parts with the same types, so the merge reads back.
        ComponentSyntax::deserialize(toml::de::Deserializer::from(Spanned::new(span, table))).ok()
    };

    let mut top = tree.clone();
    let span = top.span();
    let app_keys: Vec<String> = top
        .get_ref()
        .keys()
        .map(|k| k.get_ref().to_string())
        .filter(|k| is_app_key(k))
        .collect();
    for key in app_keys {
        top.get_mut().remove(key.as_str());
    }
    let main = if top.get_ref().is_empty() {
        None
    } else {
        read(Spanned::new(span, top.into_inner()))
    };

    let mut components = Vec::new();
    if let Some(table) = tree
        .get_ref()
        .get("components")
        .and_then(|c| c.get_ref().as_table())
    {
        for (key, value) in table.iter() {
            let Some(t) = value.get_ref().as_table() else {
                continue;
            };
            if let Some(c) = read(Spanned::new(value.span(), t.clone())) {
                components.push((Sp::new(key.span(), key.get_ref().to_string()), c));
            }
        }
    }
    components.sort_by(|a, b| a.0.value.cmp(&b.0.value));
    (main, components, unset_errors)
}

/// Removes from `inherited` (a copy of `[defaults]`) every dotted path the component's
/// `unset = [...]` names; a path `[defaults]` does not have is reported.
fn unset(inherited: &mut DeTable<'_>, component: &DeTable<'_>, errors: &mut Vec<Diagnostic>) {
    let Some(list) = component.get("unset").and_then(|u| u.get_ref().as_array()) else {
        return;
    };
    for item in list.iter() {
        let Some(path) = item.get_ref().as_str() else {
            continue;
        };
        if let Err((segment, have)) = remove_path(inherited, path) {
            let candidates: Vec<&str> = have.iter().map(String::as_str).collect();
            let mut d = Diagnostic::error(
                codes::UNKNOWN_REFERENCE,
                item.span(),
                format!("`[defaults]` has no `{}` to unset", crate::diag::clip(path)),
            );
            d.help = Some(suggest(&segment, &candidates, || {
                format!("`[defaults]` has {}", quoted(&candidates))
            }));
            errors.push(d);
        }
    }
}

/// `PATH=VALUE` as a TOML line `PATH = VALUE`: the value as TOML when it reads as one (`4`,
/// `true`, `"x"`, `["a"]`), else as a string, like Helm's `--set` (`image=nginx:1.27`).
pub fn override_line(set: &str) -> String {
    let mut quoted = false;
    let eq = set.char_indices().find_map(|(i, c)| match c {
        '"' => {
            quoted = !quoted;
            None
        }
        '=' if !quoted => Some(i),
        _ => None,
    });
    let Some(eq) = eq else {
        // No `=`: left as it is, for the parser to report.
        return set.to_string();
    };
    let (path, value) = (set[..eq].trim(), set[eq + 1..].trim());
    let as_toml = format!("{path} = {value}");
    if value.is_empty() || toml::de::DeTable::parse(&as_toml).is_err() {
        let escaped: String = value.chars().flat_map(char::escape_default).collect();
        format!("{path} = \"{escaped}\"")
    } else {
        as_toml
    }
}

fn syntax_diagnostic(message: &str, span: Range<usize>) -> Diagnostic {
    let message = message.trim().trim_end_matches('.');
    let help = if message.contains("duplicate key") {
        "each key may appear once per table; remove or rename one of them"
    } else {
        "see https://toml.io for the TOML syntax"
    };
    Diagnostic::error(codes::SYNTAX, span, format!("invalid TOML: {message}")).with_help(help)
}

/// Turns serde's message into ours: `unknown key` with a suggestion, readable type errors.
fn shape_diagnostic(message: &str, span: Range<usize>, source: &str) -> Diagnostic {
    if message.contains("$__toml_private_datetime") || message.contains("datetime") {
        let text = source.get(span.clone()).unwrap_or("").trim();
        return Diagnostic::error(
            codes::WRONG_TYPE,
            span,
            "wrong type: a TOML date or time is not allowed here",
        )
        .with_label("found a date or time")
        .with_help(format!("quote it to keep it as text: \"{text}\""));
    }
    if let Some(key) = backtick_after(message, "unknown field ") {
        let candidates = backticked(
            message
                .split_once(", expected")
                .map_or("", |(_, rest)| rest),
        );
        let mut d = Diagnostic::error(
            codes::UNKNOWN_KEY,
            span,
            format!("unknown key `{}`", crate::diag::clip(key)),
        )
        .with_label("not a key here");
        d.help = Some(suggest(key, &candidates, || match candidates.len() {
            0 => "this table takes no keys".to_string(),
            1..=8 => format!("expected one of {}", quoted(&candidates)),
            _ => "see the spec reference in README.md, or `k8gen schema`".to_string(),
        }));
        return d;
    }
    if let Some(value) = backtick_after(message, "unknown variant ") {
        // An allowed-values enum of the model (see model::values) rejected `value`.
        let candidates = backticked(
            message
                .split_once(", expected")
                .map_or("", |(_, rest)| rest),
        );
        let what =
            key_before(source, span.start).map_or("value".to_string(), |k| format!("`{k}` value"));
        let mut d = Diagnostic::error(
            codes::INVALID_VALUE,
            span,
            format!("unknown {what} `{}`", crate::diag::clip(value)),
        )
        .with_label("not allowed here");
        d.help = Some(suggest(value, &candidates, || {
            format!("expected one of {}", quoted(&candidates))
        }));
        return d;
    }
    if let Some(field) = backtick_after(message, "missing field ") {
        return Diagnostic::error(codes::MISSING_KEY, span, format!("missing key `{field}`"))
            .with_help(format!("add `{field} = ...` to this table"));
    }
    if let Some(rest) = message.strip_prefix("data did not match any variant of untagged enum ") {
        let found = describe_value_at(source, &span);
        let expected = expected_for(rest.trim());
        return Diagnostic::error(
            codes::WRONG_TYPE,
            span,
            format!("wrong type: expected {expected}"),
        )
        .with_label(format!("found {found}"));
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (found, expected) = rest
            .split_once(", expected ")
            .unwrap_or((rest, "another type"));
        let expected = readable_type(expected);
        return Diagnostic::error(
            codes::WRONG_TYPE,
            span,
            format!("wrong type: expected {expected}"),
        )
        .with_label(format!("found {found}"));
    }
    Diagnostic::error(
        codes::WRONG_TYPE,
        span,
        message.trim_end_matches('.').to_string(),
    )
}

/// The bare key a value at `offset` is assigned to (`key = value` on the same line), if any.
fn key_before(source: &str, offset: usize) -> Option<&str> {
    let before = source.get(..offset)?;
    let line = &before[before.rfind('\n').map_or(0, |i| i + 1)..];
    let eq = line.rfind('=')?;
    let key = line[..eq].trim_end();
    let bare = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    let start = key
        .char_indices()
        .rev()
        .find(|&(_, c)| !bare(c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    Some(&key[start..]).filter(|k| !k.is_empty())
}

/// serde's names for Rust types, in TOML words.
fn readable_type(expected: &str) -> &str {
    match expected {
        "i64" | "i32" | "u32" | "u64" | "u16" | "i16" | "u8" | "i8" | "usize" => "an integer",
        "f64" | "f32" => "a number",
        "a sequence" => "an array",
        "a map" => "a table",
        e if e.starts_with("struct ") => "a table",
        e => e,
    }
}

/// What each untagged enum of the syntax accepts, in words.
fn expected_for(type_name: &str) -> &'static str {
    match type_name {
        "PortSyntax" => "a port number or `{ port = N, protocol = \"UDP\" }`",
        "Scalar" => "a string, number or boolean",
        "EnvSyntax" => {
            "a string, number or boolean, or `{ config = \"KEY\" }`, `{ secret = \"KEY\" }`, `{ field = \"metadata.name\" }`"
        }
        "ConfigValue" => "a string, number or boolean, or `{ file = \"path\" }`",
        "SecretValue" => "a string, `{ env = \"VAR\" }` or `{ file = \"path\" }`",
        "ProbeSyntax" => "\"GET /path\", \"TCP\", or a table with `http`, `tcp` or `exec`",
        "PortRef" => "a port number or a port name",
        "Quantity" => "a quantity such as \"100m\", \"128Mi\" or 1",
        "IntOrPercent" => "a number or a percentage such as \"25%\"",
        "ServiceSyntax" => "`false`, `true` or a table",
        "RunAsUser" => "a user id or `false`",
        "ServiceAccountSyntax" => "`true` or the name of an existing ServiceAccount",
        "TlsSyntax" => "`true` or the name of a TLS Secret",
        _ => "another kind of value",
    }
}

fn describe_value_at(source: &str, span: &Range<usize>) -> String {
    let text = source.get(span.clone()).unwrap_or("").trim();
    let kind = match text.chars().next() {
        Some('{') => "an inline table",
        Some('[') => "an array",
        Some('"') | Some('\'') => "a string",
        Some('t') | Some('f') if text == "true" || text == "false" => "a boolean",
        Some(c) if c.is_ascii_digit() || c == '-' || c == '+' => "a number or date",
        _ => "a table",
    };
    kind.to_string()
}

/// Removes from `table` the innermost entry whose key or value contains `span`; returns its key.
///
/// Tables written as `[header]` sections have a span that covers only the header, so every
/// nested container is searched, not only those whose span contains the error.
fn remove_entry_at(table: &mut DeTable<'_>, span: &Range<usize>) -> Option<String> {
    let mut hit: Option<Spanned<std::borrow::Cow<'_, str>>> = None;
    for (key, value) in table.iter_mut() {
        if let Some(found) = remove_in_value(value.get_mut(), span) {
            return Some(found);
        }
        if contains(&key.span(), span) || contains(&value.span(), span) {
            hit = Some(key.clone());
            break;
        }
    }
    let key = hit?;
    table.remove(key.get_ref().as_ref());
    Some(key.into_inner().into_owned())
}

fn remove_in_value(value: &mut DeValue<'_>, span: &Range<usize>) -> Option<String> {
    match value {
        DeValue::Table(t) => remove_entry_at(t, span),
        DeValue::Array(items) => {
            let slice: &mut [Spanned<DeValue<'_>>] = items;
            for item in slice.iter_mut() {
                if let Some(found) = remove_in_value(item.get_mut(), span) {
                    return Some(found);
                }
            }
            let index = items.iter().position(|v| contains(&v.span(), span))?;
            let mut kept = DeArray::new();
            for (i, item) in items.iter().enumerate() {
                if i != index {
                    kept.push(item.clone());
                }
            }
            *items = kept;
            Some(format!("[{index}]"))
        }
        _ => None,
    }
}

fn contains(outer: &Range<usize>, inner: &Range<usize>) -> bool {
    outer.start <= inner.start
        && inner.end <= outer.end
        && !(outer.is_empty() && inner.is_empty() && outer.start != inner.start)
}

/// The first backticked word after `prefix` in `message`.
fn backtick_after<'m>(message: &'m str, prefix: &str) -> Option<&'m str> {
    let rest = message.strip_prefix(prefix)?;
    let rest = rest.strip_prefix('`')?;
    rest.split('`').next()
}

fn backticked(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

use crate::suggest::{quoted, suggest};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suggest::did_you_mean;

    fn errors(src: &str) -> Vec<Diagnostic> {
        parse(src).expect_err("should fail")
    }

    #[test]
    fn reports_every_unknown_key_with_a_suggestion() {
        let src = "name = \"a\"\nreplica = 3\nimage = \"x\"\n[probes]\nliveliness = \"GET /\"\n";
        let d = errors(src);
        assert_eq!(d.len(), 2, "{d:#?}");
        assert_eq!(d[0].message, "unknown key `replica`");
        assert_eq!(d[0].help.as_deref(), Some("did you mean `replicas`?"));
        assert_eq!(&src[d[0].span.clone()], "replica");
        assert_eq!(d[1].message, "unknown key `liveliness`");
        assert_eq!(d[1].help.as_deref(), Some("did you mean `liveness`?"));
    }

    #[test]
    fn wrong_types_point_at_the_value() {
        let src = "name = \"a\"\nreplicas = \"three\"\nport = true\n";
        let d = errors(src);
        assert_eq!(d.len(), 2, "{d:#?}");
        assert_eq!(&src[d[0].span.clone()], "\"three\"");
        assert!(d[0].message.starts_with("wrong type"), "{}", d[0].message);
        assert_eq!(&src[d[1].span.clone()], "true");
    }

    #[test]
    fn a_dropped_wrong_value_does_not_also_report_missing() {
        let d = errors("name = 5\n");
        assert_eq!(d.len(), 1, "{d:#?}");
        assert_eq!(d[0].code, codes::WRONG_TYPE);
    }

    #[test]
    fn duplicate_keys_are_syntax_errors() {
        let d = errors("name = \"a\"\nname = \"b\"\n");
        assert_eq!(d[0].code, codes::SYNTAX);
        assert!(d[0].message.contains("duplicate key"), "{}", d[0].message);
    }

    #[test]
    fn no_suggestion_for_huge_words() {
        // Comparing two 1 MB strings would take hours.
        let long = "a".repeat(1 << 20);
        assert_eq!(did_you_mean(&long, &[long.as_str()]), None);
        assert_eq!(
            did_you_mean("replica", &[long.as_str(), "replicas"]),
            Some("replicas")
        );
    }

    #[test]
    fn syntax_errors_are_capped() {
        // The parser reports every `-` after the stray quote.
        let src = format!("version = [\"a, \"{}\"]\n", "-".repeat(5000));
        let d = errors(&src);
        assert_eq!(d.len(), MAX_ERRORS, "{:#?}", &d[..3]);
        assert!(d.iter().all(|d| d.code == codes::SYNTAX));
    }

    #[test]
    fn an_unknown_value_after_a_multibyte_key_does_not_panic() {
        // Found by the fuzzer: the key scan cut a 4-byte character.
        assert_eq!(key_before("a𐎿n = ", 9), Some("n"));
        assert_eq!(key_before("cron = ['=\"ເ<𐎿n", 10), None);
        let _ = parse("cron = ['=\"ເ<𐎿n\n");
    }

    #[test]
    fn missing_name_is_reported() {
        let d = errors("image = \"x\"\n");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].message, "missing key `name`");
    }
}
