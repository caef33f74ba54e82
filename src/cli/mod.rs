//! The command line: flags, reading specs, printing diagnostics, writing output. The only
//! layer that does I/O, decides on colour and picks exit codes.

mod argocd;
mod check;
mod diff;
mod import;
mod init;
mod inputs;
mod output;
mod render;
mod sealing;
mod set_image;
pub mod tree;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Exit codes.
pub const OK: i32 = 0;
/// A spec is wrong; diagnostics are on stderr.
pub const SPEC_ERROR: i32 = 1;
/// Bad usage or an I/O error.
pub const USAGE_OR_IO: i32 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "k8gen",
    version,
    about = "Compact TOML app specs in, deterministic Kubernetes YAML out",
    long_about = "k8gen turns a short TOML app spec into typed Kubernetes objects (Deployments, \
StatefulSets, Jobs, Services, Ingresses, ConfigMaps, Secrets, RBAC, NetworkPolicies, ...) and writes \
them as deterministic YAML for GitOps repos.",
    after_help = "Examples:\n  k8gen render specs/task-tracker.toml                 # YAML stream on stdout\n  \
k8gen render specs/task-tracker.toml | kubectl apply -f -\n  \
k8gen render specs/task-tracker.toml -o k8s/         # one file per object\n  \
k8gen render specs/ -o out/                          # every spec, one folder each\n  \
k8gen check specs/ --deny warnings                   # errors and lint warnings, for CI\n  \
k8gen diff specs/ --all-envs -o deploy/              # what a re-render changes, classified\n  \
k8gen init shop --template web-api                   # a new commented spec, shop.toml\n  \
k8gen set-image shop.toml ghcr.io/acme/shop:1.4.2    # bump an image in place (CI)\n  \
helm template . | k8gen import - -o shop.toml --verify   # a spec from existing YAML\n\n\
Exit codes: 0 ok, 1 a spec is wrong (diagnostics on stderr), 2 usage or I/O error."
)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
    /// When to colour diagnostics.
    #[arg(long, value_enum, default_value_t = Color::Auto, global = true)]
    pub color: Color,
}

#[derive(Copy, Clone, Debug, ValueEnum)]
pub enum Format {
    /// Diagnostics with source snippets, on stderr
    Human,
    /// A JSON array of findings, on stdout
    Json,
}

#[derive(Copy, Clone, Debug, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Render specs to YAML: a stream on stdout, or files with -o
    #[command(after_help = "Examples:\n  k8gen render specs/task-tracker.toml\n  \
k8gen render specs/task-tracker.toml -o k8s/\n  k8gen render specs/a.toml specs/b.toml -o out/\n\n\
With -o, one spec file writes its objects straight into the folder (kind-name.yaml); several \
spec files, or a folder of specs, write one subfolder per spec, named after the spec file. \
Nothing is written unless every spec is valid. The folder is swapped in one step (old tree or \
new, never a mix); each folder gets a kustomization.yaml; .k8gen-owned.json records which spec \
wrote which file, so files of specs that are gone are removed and no other file is touched. \
--check writes nothing and exits 1 if the folder is not what the specs render.")]
    Render {
        #[command(flatten)]
        inputs: Inputs,
        /// Write one file per object into this folder instead of printing a stream
        #[arg(short, long, value_name = "DIR")]
        output: Option<PathBuf>,
        /// With -o: write nothing; exit 1 listing the files that are stale, missing, edited
        /// by hand or no longer produced (for CI: the committed tree is what the specs render)
        #[arg(long, requires = "output")]
        check: bool,
        /// With -o: no `kustomization.yaml` in each folder (also `kustomization = false` in
        /// `[gitops]` of k8gen.toml)
        #[arg(long, requires = "output")]
        no_kustomization: bool,
        /// With -o: let apps with `secrets_mode = "plain"` write plain (base64) Secrets into
        /// the folder (for local trees that are never committed; also `[secrets]
        /// allow_plain = true` of k8gen.toml)
        #[arg(long, requires = "output")]
        allow_plain_secrets: bool,
    },
    /// Check specs without writing anything: every error, then lint warnings
    #[command(
        after_help = "Examples:\n  k8gen check specs/\n  k8gen check specs/ --deny warnings      # for CI\n  \
k8gen check specs/shop.toml --format json\n  k8gen check --list                      # the lint rules\n\n\
Allow a rule for one component with `allow = [\"secrets-as-env\"]` in its table, or for the \
whole app on the top level. Exit codes: 0 ok (warnings allowed), 1 errors (or warnings with \
--deny warnings), 2 usage or I/O error.",
        mut_arg("specs", |a| a.required(false).required_unless_present("list"))
    )]
    Check {
        #[command(flatten)]
        inputs: Inputs,
        /// Output format
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Fail on warnings too: `--deny warnings`
        #[arg(long, value_name = "LEVEL", value_parser = ["warnings"])]
        deny: Option<String>,
        /// List the lint rules and exit
        #[arg(long)]
        list: bool,
    },
    /// Show what a fresh render changes against the committed tree (or a git revision),
    /// object by object: breaking, destructive and rollout changes
    #[command(
        after_help = "Examples:\n  k8gen diff specs/ --all-envs -o deploy/\n  \
k8gen diff specs/shop.toml -o k8s/ --format json\n  \
k8gen diff specs/ --all-envs --base origin/main        # a pull request's effect\n  \
k8gen diff specs/ -o deploy/ --allow breaking\n\n\
Takes the arguments of `render`. Without --base, the old side is the tree in DIR (the files \
k8gen wrote there); with --base REV, it is the render of the same specs as they are at git \
revision REV. Breaking: a change the API server refuses in place (an immutable selector, a \
StatefulSet's serviceName or claim templates, a Job's template, a headless Service, a claim \
shrinking or changing class, ...). Destructive: prune deletes a PersistentVolumeClaim, \
StatefulSet or Namespace, or a Secret something reads. Rollout: a workload's pods restart \
(image, config or secret checksum, other template change). Exit codes: 0 ok, 1 breaking or \
destructive changes not allowed (or a spec is wrong), 2 usage or I/O error."
    )]
    Diff {
        #[command(flatten)]
        inputs: Inputs,
        /// The output folder `render -o` writes (the old side without --base)
        #[arg(short, long, value_name = "DIR", required_unless_present = "base")]
        output: Option<PathBuf>,
        /// Compare with the specs as they are at this git revision instead of the tree in DIR
        #[arg(long, value_name = "REV")]
        base: Option<String>,
        /// Output format: a readable diff, or a JSON report on stdout (for bots)
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Accept breaking or destructive changes (exit 0): `--allow breaking`
        #[arg(long, value_name = "WHAT", value_parser = ["breaking", "destructive"])]
        allow: Vec<String>,
    },
    /// Print the JSON Schema of the spec format (for editors: `#:schema` in Even Better TOML)
    #[command(
        after_help = "Examples:\n  k8gen schema > schema/k8gen.schema.json\n  \
k8gen schema --file overlay > schema/k8gen-overlay.schema.json\n  \
k8gen schema --file platform > schema/k8gen-platform.schema.json\n\n\
Put `#:schema ../schema/k8gen.schema.json` on the first line of a spec to get completion and \
checks in editors that use taplo (Even Better TOML)."
    )]
    Schema {
        /// Which file's schema: the spec (`STEM.toml`), an overlay (`STEM.ENV.toml`) or the
        /// platform file (`k8gen.toml`)
        #[arg(long, value_enum, default_value_t = SchemaArg::Spec)]
        file: SchemaArg,
    },
    /// Set a component's image in a spec or an environment's overlay, keeping the file's
    /// comments and formatting (the CI step of a GitOps flow)
    #[command(
        after_help = "Examples:\n  k8gen set-image apps/shop.toml ghcr.io/acme/shop:1.4.2\n  \
k8gen set-image apps/shop.toml api=ghcr.io/acme/api@sha256:0123...  web=ghcr.io/acme/web:2.0\n  \
k8gen set-image apps/shop.toml api.canary=ghcr.io/acme/api:1.5.0     # a release track\n  \
k8gen set-image apps/shop.toml ghcr.io/acme/shop:1.4.2 --env staging\n\n\
Without COMPONENT=, the component whose image has the same repository (the image without tag \
or digest), else the only component. With --env NAME the image goes into the overlay file \
STEM.NAME.toml beside the spec if it exists, else into the spec's [overlay.NAME] table (made \
if missing). The image is checked like the spec checks it; the file is replaced atomically \
and only if every image is valid. Exit codes: 0 ok, 1 a wrong image, component or spec, 2 \
usage or I/O error."
    )]
    SetImage {
        /// The spec file to edit
        #[arg(value_name = "SPEC")]
        spec: PathBuf,
        /// `IMAGE`, `COMPONENT=IMAGE`, or `COMPONENT.TRACK=IMAGE` for a component with a
        /// release (TRACK: blue, green, stable, canary)
        #[arg(required = true, value_name = "[COMPONENT=]IMAGE")]
        images: Vec<String>,
        /// Write into this environment's overlay instead of the spec's own keys
        #[arg(long, value_name = "NAME")]
        env: Option<String>,
    },
    /// Write a new, commented spec from a template
    #[command(
        after_help = "Examples:\n  k8gen init shop --template web-api            # ./shop.toml\n  \
k8gen init mailer --template worker -o apps/    # apps/mailer.toml\n  \
k8gen init nightly --template cron -o apps/nightly-report.toml\n\n\
The spec starts with a `#:schema` line pointing at the nearest schema/k8gen.schema.json or \
k8gen.schema.json, and gets an [overlay.ENV] table for each environment of the nearest \
k8gen.toml. An existing file is never overwritten (exit code 2)."
    )]
    Init {
        /// The app's name (a DNS label: lowercase letters, digits, '-', starting with a letter)
        #[arg(value_name = "NAME")]
        name: String,
        /// What the app is
        #[arg(long, value_enum)]
        template: init::Template,
        /// Where to write: a file, or a folder to put NAME.toml in (default: ./NAME.toml)
        #[arg(short, long, value_name = "PATH")]
        output: Option<PathBuf>,
    },
    /// The `generate` command of the Argo CD config-management plugin (deploy/argocd/): render
    /// the specs of the Application's source folder to stdout, only if all are valid
    #[command(
        name = "argocd-generate",
        after_help = "Run by Argo CD's repo server (plugin sidecar) in the Application's source folder. \
Reads ARGOCD_ENV_K8GEN_ENV (the environment to render; Application: plugin.env K8GEN_ENV) and \
ARGOCD_APP_PARAMETERS (JSON: `env` string, `spec` string or array of spec files or folders inside \
the source folder, default `.`, `set` array of PATH=VALUE or map). A spec's { env = \"X\" } reads \
ARGOCD_ENV_X (plugin.env X), if k8gen.toml's [inputs] env.allow allows X; never the repo \
server's own environment. Files must be inside the repo root. Stdout gets the manifests only, \
and nothing at all on an error (exit code 1 or 2, diagnostics on stderr); no colour, no file \
written."
    )]
    ArgocdGenerate,
    /// Write a spec from existing manifests (YAML, helm template or kustomize output)
    #[command(
        after_help = "Examples:\n  k8gen import k8s/ -o shop.toml --name shop\n  \
helm template my-release ./chart | k8gen import - -o shop.toml --secrets-dir secrets/ --verify\n  \
kubectl get deploy,svc,cm,secret,ing,hpa -o yaml | k8gen import -\n\n\
Secret values are never written into the spec: it refers to them as { env = \"VAR\" }; \
--secrets-dir writes each value to DIR/VAR; --external-secrets turns Secrets of placeholders \
into { external = ... } references; --keep-unknown writes every object import would skip \
(custom resources, CRDs, RBAC, NetworkPolicies, Jobs, DaemonSets, unread ConfigMaps...) into \
the spec as [[objects]], passed through as written (never a Secret holding values). The spec renders no NetworkPolicy the input lacks \
(network = false); --no-extra-labels renders no label or annotation beyond the input's. \
What no spec key says becomes [[patches]]. An existing -o file is replaced only with --force. \
The report (stderr) has a line per document: imported, patched or skipped. \
Exit code 1 only if nothing could be imported."
    )]
    Import {
        /// YAML files or folders (searched for *.yaml and *.yml), or `-` for stdin
        #[arg(value_name = "FILE|DIR|-", required = true)]
        inputs: Vec<PathBuf>,
        /// Write the spec here instead of stdout
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// The app's name (default: the only workload's name, the shared part-of label, else the first file's stem)
        #[arg(long, value_name = "APP")]
        name: Option<String>,
        /// Write each secret value the spec refers to into DIR/VAR (mode 0600)
        #[arg(long, value_name = "DIR")]
        secrets_dir: Option<PathBuf>,
        /// Render the spec and compare it with the input; print the differences
        #[arg(long)]
        verify: bool,
        /// Render no labels or annotations of k8gen's own (`extra_labels = false`); --verify then compares every label and annotation
        #[arg(long)]
        no_extra_labels: bool,
        /// A Secret whose values are all placeholders (empty, changeme, REPLACE_ME, TODO, <...>) becomes { external = "NS/NAME/KEY" } references
        #[arg(long)]
        external_secrets: bool,
        /// Replace the -o file if it exists (without it, an existing file is never overwritten)
        #[arg(long, requires = "output")]
        force: bool,
        /// The secret store of --external-secrets (default: secret-store)
        #[arg(long, value_name = "NAME", requires = "external_secrets")]
        external_store: Option<String>,
        /// Keep every object no spec key takes (custom resources, CRDs, RBAC, NetworkPolicies, Jobs, ...) as a passthrough [[objects]] entry instead of skipping it
        #[arg(long)]
        keep_unknown: bool,
    },
}

/// The specs to render and how: `render`'s arguments, which `diff` takes too.
#[derive(clap::Args, Debug)]
pub struct Inputs {
    /// Spec files, or folders searched for *.toml
    #[arg(required = true, value_name = "SPEC")]
    specs: Vec<PathBuf>,
    /// Render for this environment: its `[overlay.ENV]`, overlay file `STEM.ENV.toml`
    /// and the platform's settings for it (`k8gen.toml`) apply
    #[arg(long, value_name = "ENV", conflicts_with = "all_envs")]
    env: Option<String>,
    /// Every environment the spec (or `k8gen.toml`) declares, in one run
    #[arg(long)]
    all_envs: bool,
    /// Override one value of every spec, checked like the spec: `--set replicas=4`,
    /// `--set components.api.image=api:v2` (repeatable; strings need no quotes)
    #[arg(long = "set", value_name = "PATH=VALUE")]
    sets: Vec<String>,
    /// Let specs read these environment variables with `{ env = ... }`, besides those
    /// `[inputs] env.allow` of k8gen.toml allows: a name or a glob (`--allow-env 'APP_*'`;
    /// repeatable). By default a spec reads none
    #[arg(long, value_name = "PATTERN")]
    allow_env: Vec<String>,
    /// Let specs read files outside their repo root (the folder of k8gen.toml, else the git
    /// root, else the spec's folder), absolute paths and symlinks pointing out included. For
    /// local use only: a committed file cannot say this
    #[arg(long)]
    allow_outside_root: bool,
}

impl Inputs {
    fn reading(&self) -> inputs::Reading {
        inputs::Reading {
            allow_env: self.allow_env.clone(),
            allow_outside_root: self.allow_outside_root,
            argocd_env: false,
        }
    }
}

#[derive(Copy, Clone, Debug, ValueEnum)]
pub enum SchemaArg {
    Spec,
    Overlay,
    Platform,
}

pub fn run(args: Args) -> i32 {
    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    match args.command {
        Command::Render {
            inputs,
            output,
            check,
            no_kustomization,
            allow_plain_secrets,
        } => render::run(
            &inputs.specs,
            output.as_deref(),
            &envs(inputs.env.clone(), inputs.all_envs),
            &inputs.sets,
            &inputs.reading(),
            color,
            &render::TreeArgs {
                check,
                no_kustomization,
                allow_plain_secrets,
            },
        ),
        Command::Check { list: true, .. } => check::list(),
        Command::Check {
            inputs,
            format,
            deny,
            ..
        } => check::run(
            &inputs.specs,
            &envs(inputs.env.clone(), inputs.all_envs),
            &inputs.sets,
            &inputs.reading(),
            format,
            deny.is_some(),
            color,
        ),
        Command::Diff {
            inputs,
            output,
            base,
            format,
            allow,
        } => diff::run(&diff::Options {
            specs: &inputs.specs,
            dir: output.as_deref(),
            envs: &envs(inputs.env.clone(), inputs.all_envs),
            sets: &inputs.sets,
            reading: &inputs.reading(),
            base: base.as_deref(),
            format,
            allow_breaking: allow.iter().any(|a| a == "breaking"),
            allow_destructive: allow.iter().any(|a| a == "destructive"),
            color,
            diff_color: match args.color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => {
                    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
                }
            },
        }),
        Command::SetImage { spec, images, env } => {
            set_image::run(&spec, &images, env.as_deref(), color)
        }
        Command::Init {
            name,
            template,
            output,
        } => init::run(&name, template, output.as_deref()),
        Command::Import {
            inputs,
            output,
            name,
            secrets_dir,
            verify,
            no_extra_labels,
            external_secrets,
            external_store,
            keep_unknown,
            force,
        } => import::run(&import::Options {
            keep_unknown,
            force,
            inputs,
            output,
            name,
            secrets_dir,
            verify,
            no_extra_labels,
            external_store: external_secrets.then(|| {
                external_store.unwrap_or_else(|| k8gen::import::DEFAULT_STORE.to_string())
            }),
        }),
        Command::ArgocdGenerate => argocd::run(),
        Command::Schema { file } => {
            let file = match file {
                SchemaArg::Spec => k8gen::SchemaFile::Spec,
                SchemaArg::Overlay => k8gen::SchemaFile::Overlay,
                SchemaArg::Platform => k8gen::SchemaFile::Platform,
            };
            let mut stdout = std::io::stdout().lock();
            match stdout.write_all(k8gen::json_schema_of(file).as_bytes()) {
                Ok(()) => OK,
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => OK,
                Err(e) => fail(format!("cannot write to stdout: {e}")),
            }
        }
    }
}

fn envs(env: Option<String>, all: bool) -> inputs::Envs {
    match (env, all) {
        (Some(env), _) => inputs::Envs::One(env),
        (None, true) => inputs::Envs::All,
        (None, false) => inputs::Envs::Base,
    }
}

/// Prints an I/O or usage error and returns its exit code.
fn fail(message: impl std::fmt::Display) -> i32 {
    let _ = writeln!(std::io::stderr(), "k8gen: error: {message}");
    USAGE_OR_IO
}

/// `1 error`, `2 errors`.
fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}
