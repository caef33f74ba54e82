//! k8gen: a compact TOML app spec in, typed Kubernetes objects and deterministic YAML out.
//!
//! Two front ends share one engine. A spec goes through [`syntax`](crate) (TOML → spanned
//! tree) and lowering (tree → [`model::App`], recording where each value was written); a Rust
//! program builds a [`model::App`] with the builder API. From there both take the same road:
//! [`model::defaults::normalize`] (defaults, once) → [`model::rules`] (every rule, reporting a
//! code and a field path) → the Kubernetes objects → passes (patches, invariants, checksums,
//! apply order) → [`emit`] (YAML). The stages do no I/O; the `k8gen` binary reads and writes
//! files, and reaches files and the environment of specs through a [`Host`], which says what
//! a spec may read ([`Access`]: open by default, or [`Confinement`] to a repo root and allowed
//! env vars, as the binary's host is).
//!
//! The public API is this page: [`render_source`], [`check_source`], [`render_app`],
//! [`json_schema`], [`spec_components`] (for tools that edit specs), [`import`] (existing
//! manifests to a spec), [`model`] (the builder
//! DSL and the rule engine), [`emit`], [`diag`], [`encrypt`] (sealing secret values for
//! Git), [`codes`] and [`suggest`] ("did you mean").
//! Everything else is internal.
//!
//! From TOML:
//! ```
//! # use std::path::Path;
//! struct NoHost;
//! impl k8gen::Host for NoHost {
//!     fn read_file(&self, p: &Path) -> std::io::Result<Vec<u8>> { Err(std::io::ErrorKind::NotFound.into()) }
//!     fn env_var(&self, _: &str) -> Option<String> { None }
//! }
//! let spec = "name = \"hello\"\nimage = \"nginx:1.27\"\nport = 8080\n";
//! let objects = k8gen::render_source(spec, Path::new("."), &NoHost).unwrap();
//! let yaml = k8gen::emit::stream(&objects);
//! assert!(yaml.contains("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: hello\n"));
//! ```

pub mod codes;
pub mod diag;
pub mod diff;
pub mod emit;
pub mod encrypt;
pub mod import;
mod kube;
mod lint;
mod lower;
pub mod model;
mod passes;
pub mod suggest;
mod syntax;
pub mod values;

use std::collections::BTreeMap;
use std::path::Path;

pub use codes::lints::RULES as LINT_RULES;
pub use diag::Diagnostic;
pub use encrypt::sops::FIXED_LASTMODIFIED as SOPS_FIXED_LASTMODIFIED;
pub use kube::{KINDS, Object};
pub use lower::Host;
pub use lower::access::{Access, Confinement};

/// Whether `pattern` is a valid env var pattern (`--allow-env`, `[inputs] env.allow`): a
/// name or a glob (`APP_*`); the reason if not.
pub fn check_env_pattern(pattern: &str) -> Result<(), String> {
    lower::access::check_pattern(pattern)
}
/// Kustomize's content hash of an object as its hasher encodes it (`{"data": ..., "kind":
/// "ConfigMap", "name": ...}`): the suffix of a hashed name (`config_rollout =
/// "hashed-names"`, hashed Jobs).
pub use passes::kustomize_hash;
pub use passes::{Crypto, Previous};

pub use syntax::SchemaFile;

/// The JSON Schema of the spec format (what `k8gen schema` prints).
pub fn json_schema() -> String {
    syntax::json_schema()
}

/// The JSON Schema of a spec, an overlay file or the platform file (`k8gen schema --file`).
pub fn json_schema_of(file: SchemaFile) -> String {
    syntax::json_schema_of(file)
}

/// Parses, checks, builds and transforms one spec; `base_dir` is the spec file's folder
/// (relative `file` paths start there).
pub fn render_source(
    source: &str,
    base_dir: &Path,
    host: &dyn Host,
) -> Result<Vec<Object>, Vec<Diagnostic>> {
    render_with(source, &[], base_dir, host)
}

/// What one render reads besides the spec: the environment, its overlay file `STEM.ENV.toml`,
/// the platform file `k8gen.toml`, and `--set` overrides. Files are `(name, text)`: the name is
/// how diagnostics show them. A relative path (`{ file = ... }`, `sealed.certificate`) starts at
/// the folder of the file whose layer wrote it: the spec's (`base_dir`), `platform_dir`,
/// `overlay_dir` or `sets_dir`, each the spec's folder when not given.
#[derive(Debug, Clone, Default)]
pub struct Layers {
    /// The environment to render (`--env`): its `[overlay.ENV]` table, its overlay file and the
    /// platform's settings for it apply.
    pub env: Option<String>,
    /// The environment's overlay file.
    pub overlay: Option<(String, String)>,
    /// The platform file.
    pub platform: Option<(String, String)>,
    /// `PATH=VALUE` overrides (`replicas=4`, `components.api.image=api:v2`), applied last.
    pub sets: Vec<String>,
    /// Environments that have an overlay file beside the spec (`STEM.ENV.toml`): without a
    /// platform file, they count as declared, for the "no environment" error's suggestions.
    pub overlay_files: Vec<String>,
    /// The render is written into a folder people commit (`render -o DIR`): Secrets follow
    /// the app's `secrets_mode` (a plain one is refused), encrypted with this [`Sealer`].
    pub tree: Option<Sealer>,
    /// `render --allow-plain-secrets`: like `[secrets] allow_plain = true` of k8gen.toml.
    pub allow_plain_secrets: bool,
    /// The platform file's folder: paths its `[defaults]` and environments' `defaults` write
    /// start there (default: the spec's folder).
    pub platform_dir: Option<std::path::PathBuf>,
    /// The overlay file's folder (default: the spec's folder).
    pub overlay_dir: Option<std::path::PathBuf>,
    /// The caller's clock, in seconds since 1970-01-01 UTC, for what depends on the date: in
    /// [`check_layers`], a sealed-secrets certificate that expired (K0148) or expires within 30
    /// days (lint K0221). `None`: nothing is judged by date (the library has no clock).
    pub now: Option<u64>,
    /// Where paths in `--set` values start (default: the spec's folder; the `k8gen` binary
    /// passes the current folder, as a shell user types them).
    pub sets_dir: Option<std::path::PathBuf>,
}

/// The [`Crypto`] a tree render encrypts Secrets with (shared, so [`Layers`] stay `Clone`).
#[derive(Clone)]
pub struct Sealer(pub std::sync::Arc<std::sync::Mutex<dyn Crypto + Send>>);

impl Sealer {
    pub fn new(crypto: impl Crypto + Send + 'static) -> Self {
        Sealer(std::sync::Arc::new(std::sync::Mutex::new(crypto)))
    }
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer")
    }
}

/// [`render_source`] with `--set` overrides: each `PATH=VALUE` (`replicas=4`,
/// `components.api.image=api:v2`, `labels.team="x"`) replaces one value of the spec before
/// anything else reads it, and is checked like the spec.
pub fn render_with(
    source: &str,
    sets: &[String],
    base_dir: &Path,
    host: &dyn Host,
) -> Result<Vec<Object>, Vec<Diagnostic>> {
    let layers = Layers {
        sets: sets.to_vec(),
        ..Layers::default()
    };
    render_layers("spec", source, &layers, base_dir, host)
}

/// Renders a spec with its [`Layers`]. A diagnostic points into the file of the layer that
/// wrote the value it is about; see [`source_map`] for the files.
pub fn render_layers(
    spec_name: &str,
    source: &str,
    layers: &Layers,
    base_dir: &Path,
    host: &dyn Host,
) -> Result<Vec<Object>, Vec<Diagnostic>> {
    render_layers_app(spec_name, source, layers, base_dir, host).map(|r| r.objects)
}

/// What [`render_layers_app`] returns: the objects, and what a tree's environment needs to
/// know of the app.
#[derive(Debug, Clone)]
pub struct RenderedApp {
    pub objects: Vec<Object>,
    /// The app's namespace.
    pub namespace: Option<String>,
    /// Whether its environment owns that namespace (and writes its Namespace).
    pub namespace_owned_by_environment: bool,
}

/// [`render_layers`], with the app's namespace and who owns it.
pub fn render_layers_app(
    spec_name: &str,
    source: &str,
    layers: &Layers,
    base_dir: &Path,
    host: &dyn Host,
) -> Result<RenderedApp, Vec<Diagnostic>> {
    let (files, ids) = layer_files(spec_name, source, layers);
    let folders = folders(&files, &ids, layers, base_dir);
    pipeline(&files, &ids, &folders, host, false, Some(layers), None).map(|(objects, _, app)| {
        RenderedApp {
            objects,
            namespace: app.namespace.clone(),
            namespace_owned_by_environment: app.namespace_owned_by_environment,
        }
    })
}

/// Everything [`render_source`] does, then the lint rules: the lint warnings, or every error.
pub fn check_source(
    source: &str,
    base_dir: &Path,
    host: &dyn Host,
) -> Result<Vec<Diagnostic>, Vec<Diagnostic>> {
    check_layers("spec", source, &Layers::default(), base_dir, host)
}

/// [`check_source`] with [`Layers`], as for [`render_layers`].
pub fn check_layers(
    spec_name: &str,
    source: &str,
    layers: &Layers,
    base_dir: &Path,
    host: &dyn Host,
) -> Result<Vec<Diagnostic>, Vec<Diagnostic>> {
    check_layers_app(spec_name, source, layers, base_dir, host).map(|c| c.warnings)
}

/// What [`check_layers_app`] returns: the lint warnings, and what a check across the specs of
/// a run needs to know of the app.
#[derive(Debug, Clone)]
pub struct CheckedApp {
    pub warnings: Vec<Diagnostic>,
    /// The Namespaces the app emits (one owner per Namespace and environment).
    pub namespaces: Vec<String>,
}

/// [`check_layers`], with the Namespaces the app emits.
pub fn check_layers_app(
    spec_name: &str,
    source: &str,
    layers: &Layers,
    base_dir: &Path,
    host: &dyn Host,
) -> Result<CheckedApp, Vec<Diagnostic>> {
    let (files, ids) = layer_files(spec_name, source, layers);
    let folders = folders(&files, &ids, layers, base_dir);
    pipeline(&files, &ids, &folders, host, true, None, layers.now).map(|(objects, warnings, _)| {
        CheckedApp {
            warnings,
            namespaces: (objects.iter())
                .filter(|o| o.kind() == "Namespace")
                .map(|o| o.name().to_string())
                .collect(),
        }
    })
}

/// A component of a spec as written (after `[defaults]`), with the images it names: what a
/// tool that edits specs (`k8gen set-image`) needs to find the value to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecComponent {
    /// Its key: the app's name for the main component (the spec's top-level keys).
    pub key: String,
    /// Whether it is the main component.
    pub main: bool,
    /// Its `image`, if it names one.
    pub image: Option<String>,
    /// With a `release`: the tracks its strategy runs (blue and green, or stable and canary),
    /// each with its image (`None` for `false` or not given).
    pub release: Option<Vec<(values::Track, Option<String>)>>,
}

/// The components of a spec, the main one first, then `[components.KEY]` in key order; or the
/// parser's diagnostics. Only the shape checks of [`render_source`] run (known keys, value
/// types, allowed values): no rule judges a value and no file is read.
pub fn spec_components(source: &str) -> Result<Vec<SpecComponent>, Vec<Diagnostic>> {
    let files = diag::SourceMap::new("spec", source);
    let localize = |diags: Vec<Diagnostic>| -> Vec<Diagnostic> {
        diags.into_iter().map(|d| files.localized(d)).collect()
    };
    let spec = syntax::parse_files(&files, &syntax::Layers::default()).map_err(localize)?;
    if !spec.diags.is_empty() {
        return Err(localize(spec.diags.clone()));
    }
    let track = |t: &Option<syntax::Sp<syntax::TrackImage>>| match t.as_deref() {
        Some(syntax::TrackImage::Image(image)) => Some(image.clone()),
        _ => None,
    };
    let main = spec.main.is_some();
    Ok(spec
        .parts()
        .iter()
        .enumerate()
        .map(|(i, part)| SpecComponent {
            key: part.key.value.clone(),
            main: main && i == 0,
            image: part.syntax.image.as_ref().map(|i| i.value.clone()),
            release: part.syntax.release.as_ref().map(|r| match *r.strategy {
                values::ReleaseStrategy::BlueGreen => vec![
                    (values::Track::Blue, track(&r.blue)),
                    (values::Track::Green, track(&r.green)),
                ],
                values::ReleaseStrategy::Canary => vec![
                    (
                        values::Track::Stable,
                        r.stable.as_ref().map(|s| s.value.clone()),
                    ),
                    (values::Track::Canary, track(&r.canary)),
                ],
            }),
        })
        .collect())
}

/// The environments a spec can be rendered for: those of the platform file if it lists any,
/// else the spec's `[overlay.ENV]` tables and the environments of its overlay files
/// (`overlay_files`); empty when a file cannot be read (rendering it reports why).
pub fn environments(source: &str, platform: Option<&str>, overlay_files: &[String]) -> Vec<String> {
    syntax::declared_environments(source, platform, overlay_files)
}

/// The platform file's `[gitops]` settings for `render -o`: whether app folders get a
/// `kustomization.yaml` (default yes) and the folder pattern with `--all-envs` (`{env}/{app}`).
pub fn gitops_settings(platform: Option<&str>) -> (bool, Option<String>) {
    let (kustomization, folder) = platform.map(syntax::platform_gitops).unwrap_or_default();
    (kustomization.unwrap_or(true), folder)
}

/// The `[gitops] repo_path` of a platform file: the output folder's path in the Git repository,
/// when it says.
pub fn gitops_repo_path(platform: &str) -> Option<String> {
    syntax::platform_file(platform)?
        .gitops?
        .value
        .repo_path
        .map(|p| p.value)
}

/// Whether the platform file gives environment `env` files of its own in a tree: Namespaces
/// (`namespaces`, `own_namespaces`), Argo CD Applications or Flux Kustomizations.
pub fn environment_has_files(platform: &str, env: &str) -> bool {
    let Some(p) = syntax::platform_file(platform) else {
        return false;
    };
    let gitops = p.gitops.as_ref().map(|g| &g.value);
    let e = p
        .environments
        .iter()
        .find(|(k, _)| k.value == env)
        .map(|(_, e)| &e.value);
    gitops.is_some_and(|g| g.argocd.is_some() || g.flux.is_some())
        || e.is_some_and(|e| {
            e.namespaces.as_ref().is_some_and(|n| !n.is_empty())
                || e.own_namespaces.as_ref().is_some_and(|o| o.value)
                || e.argocd.is_some()
                || e.flux.is_some()
        })
}

pub use model::gitops::TreeApp;

/// The files an environment's folder of a tree holds besides its apps' (README "GitOps
/// repos"): the Namespaces the environment owns (`_namespaces/`), the Argo CD Applications
/// (`_argocd/`) and Flux Kustomizations (`_flux/`) of `apps`, from `platform` (`k8gen.toml`'s
/// text). `path` is the environment folder's path in the Git repository; `owned` the
/// namespaces of apps the environment owns by its pattern (`own_namespaces`); `source` names
/// the files' owner in their header. Path inside the environment folder → content; or the
/// errors, each pointing into `platform` (file 0 of `SourceMap::new(NAME, platform)`) at the
/// value that wrote it, with the platform file's field path.
pub fn environment_files(
    platform: &str,
    env: &str,
    path: &str,
    apps: Vec<TreeApp>,
    owned: Vec<String>,
    source: &str,
) -> Result<BTreeMap<String, String>, Vec<Diagnostic>> {
    let Some(p) = syntax::platform_file(platform) else {
        return Err(vec![Diagnostic::error(
            codes::SYNTAX,
            0..0,
            "it does not read as a platform file",
        )]);
    };
    let env_entry = p.environments.iter().find(|(k, _)| k.value == env);
    let e = env_entry.map(|(_, e)| e.value.clone());
    let gitops = p.gitops.as_ref().map(|g| g.value.clone());
    // Where each setting was written: the environment's value over `[gitops]`'s, by the field
    // paths the rules name (`gitops.flux.source` also when `[environments.ENV] flux` set it).
    let mut spans: BTreeMap<String, std::ops::Range<usize>> = BTreeMap::new();
    let env_span = env_entry.map_or(0..0, |(k, _)| k.span());
    let gitops_span = p.gitops.as_ref().map(|g| g.span());
    let mut place = |path: String, candidates: &[Option<std::ops::Range<usize>>]| {
        if let Some(span) = candidates.iter().flatten().next() {
            spans.insert(path, span.clone());
        }
    };
    fn sp(v: &Option<syntax::Sp<String>>) -> Option<std::ops::Range<usize>> {
        v.as_ref().map(|s| s.span())
    }
    let e_argocd = e.as_ref().and_then(|e| e.argocd.as_ref());
    let g_argocd = gitops.as_ref().and_then(|g| g.argocd.as_ref());
    let argocd_table = [e_argocd.map(|a| a.span()), g_argocd.map(|a| a.span())];
    for (key, get) in [
        (
            "repo_url",
            (|a: &syntax::ArgoCdTreeSyntax| sp(&a.repo_url)) as fn(&_) -> _,
        ),
        ("project", |a| sp(&a.project)),
        ("namespace", |a| sp(&a.namespace)),
    ] {
        let mut at = vec![
            e_argocd.and_then(|a| get(&a.value)),
            g_argocd.and_then(|a| get(&a.value)),
        ];
        at.extend(argocd_table.iter().cloned());
        place(format!("gitops.argocd.{key}"), &at);
    }
    place("gitops.argocd".into(), &argocd_table);
    let e_flux = e.as_ref().and_then(|e| e.flux.as_ref());
    let g_flux = gitops.as_ref().and_then(|g| g.flux.as_ref());
    let flux_table = [e_flux.map(|f| f.span()), g_flux.map(|f| f.span())];
    for (key, get) in [
        (
            "source",
            (|f: &syntax::FluxTreeSyntax| sp(&f.source)) as fn(&_) -> _,
        ),
        ("namespace", |f| sp(&f.namespace)),
        ("interval", |f| sp(&f.interval)),
        ("timeout", |f| sp(&f.timeout)),
    ] {
        let mut at = vec![
            e_flux.and_then(|f| get(&f.value)),
            g_flux.and_then(|f| get(&f.value)),
        ];
        at.extend(flux_table.iter().cloned());
        place(format!("gitops.flux.{key}"), &at);
    }
    place("gitops.flux".into(), &flux_table);
    place(
        "gitops".into(),
        &[
            gitops_span.clone(),
            flux_table[0].clone(),
            argocd_table[0].clone(),
        ],
    );
    place(
        "gitops.repo_path".into(),
        &[
            gitops.as_ref().and_then(|g| sp(&g.repo_path)),
            gitops_span.clone(),
        ],
    );
    let text = |v: &Option<syntax::Sp<String>>| v.as_ref().map(|s| s.value.clone());
    let flag = |v: &Option<syntax::Sp<bool>>| v.as_ref().map(|s| s.value);
    let argocd_of = |a: &syntax::ArgoCdTreeSyntax| {
        (
            model::ArgoCd {
                repo: text(&a.repo_url).unwrap_or_default(),
                path: String::new(),
                revision: text(&a.revision),
                project: text(&a.project),
                namespace: text(&a.namespace),
                server: text(&a.server),
                automated: flag(&a.automated),
                prune: flag(&a.prune),
                self_heal: flag(&a.self_heal),
            },
            a.sync_options
                .as_ref()
                .map(|o| o.iter().map(|s| s.value.clone()).collect::<Vec<_>>()),
        )
    };
    let or = |over: Option<String>, base: Option<String>| over.or(base);
    // The environment's keys over `[gitops]`'s, key by key.
    let global_argocd = g_argocd.map(|a| argocd_of(a));
    let env_argocd = e_argocd.map(|a| argocd_of(a));
    let (argocd, sync_options) = match (global_argocd, env_argocd) {
        (None, None) => (None, Vec::new()),
        (g, o) => {
            let (g, g_opts) = g.unwrap_or_default();
            let (o, o_opts) = o.unwrap_or_default();
            let a = model::ArgoCd {
                repo: if o.repo.is_empty() { g.repo } else { o.repo },
                path: String::new(),
                revision: or(o.revision, g.revision),
                project: or(o.project, g.project),
                namespace: or(o.namespace, g.namespace),
                server: or(o.server, g.server),
                automated: o.automated.or(g.automated),
                prune: o.prune.or(g.prune),
                self_heal: o.self_heal.or(g.self_heal),
            };
            (Some(a), o_opts.or(g_opts).unwrap_or_default())
        }
    };
    let flux_of = |f: &syntax::FluxTreeSyntax| model::gitops::Flux {
        source: text(&f.source),
        namespace: text(&f.namespace),
        interval: text(&f.interval),
        timeout: text(&f.timeout),
        prune: flag(&f.prune),
    };
    let global_flux = g_flux.map(|f| flux_of(f));
    let env_flux = e_flux.map(|f| flux_of(f));
    let flux = match (global_flux, env_flux) {
        (None, None) => None,
        (g, o) => {
            let g = g.unwrap_or_default();
            let o = o.unwrap_or_default();
            Some(model::gitops::Flux {
                source: or(o.source, g.source),
                namespace: or(o.namespace, g.namespace),
                interval: or(o.interval, g.interval),
                timeout: or(o.timeout, g.timeout),
                prune: o.prune.or(g.prune),
            })
        }
    };
    let labels_of = |d: &Option<syntax::Sp<syntax::PlatformDefaultsSyntax>>| {
        d.iter()
            .flat_map(|d| d.value.labels.iter())
            .map(|(k, v)| (k.value.clone(), v.value.clone()))
            .collect::<BTreeMap<String, String>>()
    };
    let tracking_of = |d: &Option<syntax::Sp<syntax::PlatformDefaultsSyntax>>| {
        d.as_ref()
            .and_then(|d| d.value.argocd_tracking.as_ref())
            .map(|t| (t.value, t.span()))
    };
    let mut namespace_labels = labels_of(&p.defaults);
    let mut tracking = tracking_of(&p.defaults);
    if let Some(e) = &e {
        namespace_labels.extend(labels_of(&e.defaults));
        tracking = tracking_of(&e.defaults).or(tracking);
    }
    let mut namespaces: Vec<String> = e
        .iter()
        .flat_map(|e| e.namespaces.iter().flatten())
        .map(|n| n.value.clone())
        .collect();
    namespaces.extend(owned);
    let mut tree = model::gitops::EnvironmentTree {
        env: env.to_string(),
        path: path.to_string(),
        namespaces,
        namespace_labels,
        argocd,
        argocd_sync_options: sync_options,
        argocd_tracking: tracking.as_ref().map(|t| t.0),
        flux,
        apps,
    };
    model::defaults::environment_tree(&mut tree);
    // Namespaces are sorted now: each is where it is listed, else where the environment owns
    // its pattern's.
    for (i, ns) in tree.namespaces.iter().enumerate() {
        let listed = (e.iter())
            .flat_map(|e| e.namespaces.iter().flatten())
            .find(|n| &n.value == ns)
            .map(|n| n.span());
        let pattern = e
            .as_ref()
            .and_then(|e| (e.own_namespaces.as_ref().map(|o| o.span())).or(sp(&e.namespace)));
        place(
            model::issue::index(&format!("environments.{env}.namespaces"), i),
            &[listed, pattern],
        );
    }
    if let Some((_, at)) = &tracking {
        place("argocd_tracking".into(), &[Some(at.clone())]);
    }
    let issues = model::rules::environment_tree(&tree);
    if !issues.is_empty() {
        let mut diags: Vec<Diagnostic> = (issues.into_iter())
            .map(|i| {
                let span = spans.get(&i.path).cloned().unwrap_or(env_span.clone());
                let mut d = Diagnostic::error(i.code, span, i.message);
                d.help = i.help;
                d.label = i.label;
                d.path = Some(i.path);
                d
            })
            .collect();
        diags.sort_by_key(|d| d.span.start);
        return Err(diags);
    }
    let header = emit::header(source);
    Ok(kube::gitops::environment(&tree)
        .into_iter()
        .map(|(rel, value)| (rel, header.clone() + &emit::value_document(value)))
        .collect())
}

/// The files a render reads, as diagnostics show them: the spec (file 0, shown as
/// `spec_name`), then the platform file, the overlay file and one line per `--set` override
/// (shown as `--set #N`, as the TOML it is read as), those present in that order.
pub fn source_map(spec_name: &str, source: &str, layers: &Layers) -> diag::SourceMap {
    layer_files(spec_name, source, layers).0
}

fn layer_files(
    spec_name: &str,
    source: &str,
    layers: &Layers,
) -> (diag::SourceMap, syntax::Layers) {
    let mut map = diag::SourceMap::new(spec_name, source);
    let mut ids = syntax::Layers {
        env: layers.env.clone(),
        overlay_files: layers.overlay_files.clone(),
        ..syntax::Layers::default()
    };
    if let Some((name, text)) = &layers.platform {
        ids.platform = Some(map.add(name.clone(), text.clone()));
    }
    if let Some((name, text)) = &layers.overlay {
        ids.overlay = Some(map.add(name.clone(), text.clone()));
    }
    for (i, set) in layers.sets.iter().enumerate() {
        ids.sets
            .push(map.add(format!("--set #{}", i + 1), syntax::override_line(set)));
    }
    (map, ids)
}

/// The folder of each file of a render, where the relative paths it writes start.
fn folders(
    files: &diag::SourceMap,
    ids: &syntax::Layers,
    layers: &Layers,
    base_dir: &Path,
) -> lower::Folders {
    let mut dirs: Vec<Option<std::path::PathBuf>> = vec![Some(base_dir.to_path_buf())];
    let mut put = |id: diag::FileId, dir: &Option<std::path::PathBuf>| {
        let i = id as usize;
        if dirs.len() <= i {
            dirs.resize(i + 1, None);
        }
        dirs[i] = dir.clone();
    };
    if let Some(id) = ids.platform {
        put(id, &layers.platform_dir);
    }
    if let Some(id) = ids.overlay {
        put(id, &layers.overlay_dir);
    }
    for id in &ids.sets {
        put(*id, &layers.sets_dir);
    }
    lower::Folders::new(files, dirs)
}

fn pipeline(
    files: &diag::SourceMap,
    layers: &syntax::Layers,
    folders: &lower::Folders,
    host: &dyn Host,
    with_lints: bool,
    output: Option<&Layers>,
    now: Option<u64>,
) -> Result<(Vec<Object>, Vec<Diagnostic>, model::App), Vec<Diagnostic>> {
    // Spans are global while the files are read; each finding is given its file at the end.
    let localize = |diags: Vec<Diagnostic>| -> Vec<Diagnostic> {
        diags.into_iter().map(|d| files.localized(d)).collect()
    };
    let spec = syntax::parse_files(files, layers).map_err(localize)?;
    let lower::Checked {
        mut app,
        provenance,
        mut diags,
    } = lower::lower(&spec, folders, host);
    diags.splice(0..0, spec.diags.iter().cloned());
    let sealer = output.and_then(|l| l.tree.as_ref());
    app.secrets.tree = sealer.is_some();
    app.secrets.allow_plain |= output.is_some_and(|l| l.allow_plain_secrets);
    model::defaults::normalize(&mut app);
    diags.extend(
        model::rules::validate(&app)
            .into_iter()
            .map(|i| provenance.diagnostic(i)),
    );
    if !diags.is_empty() {
        // A finding made twice (the same place and code, by the engine and by lowering) is
        // shown once, the engine's, which knows the field path.
        diags.sort_by_key(|d| (d.file, d.span.start, d.span.end, d.code, d.path.is_none()));
        diags.dedup_by(|later, kept| {
            (later.file, &later.span, later.code) == (kept.file, &kept.span, kept.code)
                && (later.message == kept.message || later.path.is_none() != kept.path.is_none())
        });
        // A value lowering could not read (an error there) is missing from the model, and
        // what the engine says about the gap at the same place is a consequence: not shown.
        let unread: Vec<(diag::FileId, std::ops::Range<usize>)> = (diags.iter())
            .filter(|d| d.path.is_none() && d.is_error())
            .map(|d| (d.file, d.span.clone()))
            .collect();
        diags.retain(|d| d.path.is_none() || !unread.contains(&(d.file, d.span.clone())));
        return Err(localize(diags));
    }
    let mut guard = sealer.map(|s| s.0.lock().unwrap_or_else(|e| e.into_inner()));
    let crypto = guard.as_deref_mut().map(|c| c as &mut dyn Crypto);
    let objects = objects(&app, crypto).map_err(|issues| {
        localize(
            issues
                .into_iter()
                .map(|i| provenance.diagnostic(i))
                .collect(),
        )
    })?;
    drop(guard);
    if !with_lints && app.policy.deny.is_empty() {
        return Ok((objects, Vec::new(), app));
    }
    let findings = localize(lint::lint(&spec, &app, &objects, now));
    if !with_lints {
        // A render obeys the platform's policy: its denied rules are errors here too.
        let denied: Vec<Diagnostic> = findings.into_iter().filter(|d| d.is_error()).collect();
        return if denied.is_empty() {
            Ok((objects, Vec::new(), app))
        } else {
            Err(denied)
        };
    }
    if findings.iter().any(Diagnostic::is_error) {
        return Err(findings);
    }
    Ok((objects, findings, app))
}

/// A patch that could not be applied, as an issue about `patches[i]`.
fn patch_issue(e: passes::PatchError) -> model::Issue {
    let mut issue = model::Issue::new(
        codes::INVALID_PATCH,
        model::issue::index("patches", e.index),
        e.message,
    );
    issue.help = e.help;
    issue
}

/// The objects of a normalised, valid app, in apply order with every pass applied.
fn objects(
    app: &model::App,
    crypto: Option<&mut dyn Crypto>,
) -> Result<Vec<Object>, Vec<model::Issue>> {
    let mut objects = kube::build(app);
    passes::run(&mut objects, app, crypto).map_err(|f| match f {
        passes::Failed::Patches(errors) => errors.into_iter().map(patch_issue).collect(),
        passes::Failed::Seal(issues) | passes::Failed::Duplicates(issues) => issues,
    })?;
    Ok(objects)
}

/// Normalises and validates an app built in Rust, then renders it like [`render_source`]
/// renders a spec: the same defaults, the same rules, the same objects.
pub fn render_app(app: &model::App) -> Result<Vec<Object>, Vec<model::Issue>> {
    let mut app = app.clone();
    model::defaults::normalize(&mut app);
    let issues = model::rules::validate(&app);
    if !issues.is_empty() {
        return Err(issues);
    }
    objects(&app, None)
}

/// [`render_app`] for a folder people commit (what `render -o DIR` does with a spec): the
/// app's `secrets_mode` applies (a plain Secret is refused unless allowed), and in `sops` and
/// `sealed` modes every Secret is encrypted with `crypto` (a `SopsSecret`, a `SealedSecret`).
pub fn render_app_for_tree(
    app: &model::App,
    crypto: &mut dyn Crypto,
) -> Result<Vec<Object>, Vec<model::Issue>> {
    let mut app = app.clone();
    app.secrets.tree = true;
    model::defaults::normalize(&mut app);
    let issues = model::rules::validate(&app);
    if !issues.is_empty() {
        return Err(issues);
    }
    objects(&app, Some(crypto))
}
