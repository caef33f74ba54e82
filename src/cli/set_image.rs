//! `k8gen set-image`: sets a component's image in a spec, or in an environment's overlay, in
//! place: every byte of the file but the image value stays (comments, order, spacing), and the
//! file is replaced atomically. The CI step of a GitOps flow, without `yq`.
//!
//! It edits TOML text only, through `toml_edit`; it must not decide anything the engine
//! decides: which components a spec has and which images they name come from the library's
//! parser ([`k8gen::spec_components`]), whether an image is valid from the engine's rule
//! ([`k8gen::model::rules::image`]), "did you mean" from [`k8gen::suggest`].

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use k8gen::SpecComponent;
use k8gen::values::Track;
use toml_edit::{DocumentMut, Item, Table, TableLike, Value};

use super::inputs::{self, Source};
use super::{OK, SPEC_ERROR, USAGE_OR_IO, output};

/// One `[COMPONENT[.TRACK]=]IMAGE` argument.
struct Request {
    component: Option<String>,
    track: Option<Track>,
    image: String,
}

/// The file an edit goes into, and where in it the environment's keys live.
struct Target {
    path: PathBuf,
    source: Source,
    doc: DocumentMut,
    /// Keys from the document's root to the table holding the app's top-level keys:
    /// `[]` for the spec or an overlay file, `["overlay", ENV]` for an overlay table.
    root: Vec<String>,
    /// Whether the edit goes into the spec's own keys (no `--env`).
    spec_itself: bool,
}

/// An error that leaves the file untouched: its message, and the exit code.
type Failure = (String, i32);

fn spec_error(message: impl Into<String>) -> Failure {
    (message.into(), SPEC_ERROR)
}

pub fn run(spec: &Path, args: &[String], env: Option<&str>, color: bool) -> i32 {
    match set_images(spec, args, env, color) {
        Ok(code) => code,
        Err((message, code)) => {
            let _ = writeln!(std::io::stderr(), "k8gen: error: {message}");
            code
        }
    }
}

fn set_images(
    spec: &Path,
    args: &[String],
    env: Option<&str>,
    color: bool,
) -> Result<i32, Failure> {
    let requests = args
        .iter()
        .map(|a| parse_request(a))
        .collect::<Result<Vec<_>, _>>()?;
    let source = read_regular(spec)?;
    let Some(components) = base_components(&source, color) else {
        return Ok(SPEC_ERROR);
    };
    if components.is_empty() {
        return Err(spec_error(format!(
            "`{}` has no component to set an image of",
            source.shown
        )));
    }
    let target = match env {
        None => Target {
            path: spec.to_path_buf(),
            doc: parse_toml(&source)?,
            source,
            root: Vec::new(),
            spec_itself: true,
        },
        Some(env) => env_target(spec, source, env)?,
    };
    let mut changes = Vec::new();
    let mut set = BTreeMap::new();
    let mut text = target.source.text.clone();
    for request in &requests {
        let (index, track) = resolve(request, &components, &target)?;
        let component = &components[index];
        set.insert((component.key.clone(), track), request.image.clone());
        let mut keys = target.root.clone();
        if !component.main {
            keys.extend(["components".to_string(), component.key.clone()]);
        }
        let old;
        (text, old) = edit(&text, &target.source.shown, &keys, track, &request.image)?;
        keys.push(match track {
            None => "image".to_string(),
            Some(track) => format!("release.{track}"),
        });
        changes.push((keys.join("."), old, request.image.clone()));
    }
    check_edit(&target, &text, &components, &set)?;
    if text != target.source.text {
        output::replace_file(&target.path, text.as_bytes()).map_err(|e| (e, USAGE_OR_IO))?;
    }
    let mut out = String::new();
    for (path, old, new) in changes {
        let was = match old {
            Some(old) if old == new => " (unchanged)".to_string(),
            Some(old) => format!(" (was {old})"),
            None => String::new(),
        };
        out.push_str(&format!(
            "{}: {path} = \"{new}\"{was}\n",
            target.source.shown
        ));
    }
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    Ok(OK)
}

/// `IMAGE`, `COMPONENT=IMAGE` or `COMPONENT.TRACK=IMAGE` (an image never holds `=`; a component
/// key never holds `.`), the image checked by the engine's rule.
fn parse_request(arg: &str) -> Result<Request, Failure> {
    let (component, image) = match arg.split_once('=') {
        Some((c, i)) => (Some(c.trim()), i.trim()),
        None => (None, arg.trim()),
    };
    if let Err(e) = k8gen::model::rules::image(image) {
        return Err(spec_error(format!(
            "invalid image `{image}` in `{arg}`: {e}"
        )));
    }
    let (component, track) = match component.map(|c| c.split_once('.').unwrap_or((c, ""))) {
        None => (None, ""),
        Some((c, t)) => (Some(c.to_string()), t),
    };
    if component.as_deref() == Some("") {
        return Err(spec_error(format!("`{arg}` names no component before `=`")));
    }
    let track = match track {
        "" => None,
        t => Some(
            Track::ALL
                .iter()
                .copied()
                .find(|k| k.as_str() == t)
                .ok_or_else(|| {
                    let help = k8gen::suggest::suggest(t, Track::NAMES, || {
                        format!("a track is one of {}", k8gen::suggest::quoted(Track::NAMES))
                    });
                    spec_error(format!("unknown release track `{t}` in `{arg}`; {help}"))
                })?,
        ),
    };
    Ok(Request {
        component,
        track,
        image: image.to_string(),
    })
}

/// The file at `path`, if it is a regular file: never a symlink (renaming the edited file
/// over it would replace the link, not its target).
fn read_regular(path: &Path) -> Result<Source, Failure> {
    let meta = std::fs::symlink_metadata(path).map_err(|e| {
        (
            format!("cannot read `{}`: {e}", path.display()),
            USAGE_OR_IO,
        )
    })?;
    if !meta.file_type().is_file() {
        return Err((
            format!(
                "`{}` is not a regular file (a symlink?); set-image edits the file itself",
                path.display()
            ),
            USAGE_OR_IO,
        ));
    }
    let source = inputs::read(path).map_err(|e| (e, USAGE_OR_IO))?;
    if source.not_utf8.is_some() {
        return Err(spec_error(format!(
            "`{}` is not valid UTF-8",
            path.display()
        )));
    }
    Ok(source)
}

fn parse_toml(source: &Source) -> Result<DocumentMut, Failure> {
    source
        .text
        .parse::<DocumentMut>()
        .map_err(|e| spec_error(format!("`{}` is not valid TOML: {e}", source.shown)))
}

/// The spec's components, or `None` after printing why the spec cannot be read.
fn base_components(source: &Source, color: bool) -> Option<Vec<SpecComponent>> {
    let view = source.text.clone();
    match k8gen::spec_components(&view) {
        Ok(components) => Some(components),
        Err(diags) => {
            let job = inputs::Job {
                source: Source {
                    path: source.path.clone(),
                    shown: source.shown.clone(),
                    text: view,
                    not_utf8: None,
                },
                layers: k8gen::Layers::default(),
                // Only printed, never rendered: confined to the spec's folder, no env var.
                host: inputs::RealHost::new(
                    &inputs::RepoRoot {
                        path: source.base_dir().to_path_buf(),
                        is: "the spec's folder",
                    },
                    &inputs::Reading::default(),
                ),
            };
            inputs::print_diagnostics(&job, &diags, color, &mut Default::default());
            let _ = writeln!(
                std::io::stderr(),
                "k8gen: `{}` must be a valid spec to set an image in it; nothing was written",
                source.shown
            );
            None
        }
    }
}

/// With `--env ENV`: the overlay file `STEM.ENV.toml` beside the spec if there is one, else the
/// spec's `[overlay.ENV]` table (made when first written).
fn env_target(spec: &Path, source: Source, env: &str) -> Result<Target, Failure> {
    if let Err(e) = k8gen::model::rules::dns1123_label(env) {
        return Err((
            format!("invalid environment name `{env}`: {e}"),
            USAGE_OR_IO,
        ));
    }
    let stem = spec
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let file = spec.with_file_name(format!("{stem}.{env}.toml"));
    if std::fs::symlink_metadata(&file).is_ok() {
        let source = read_regular(&file)?;
        return Ok(Target {
            path: file,
            doc: parse_toml(&source)?,
            source,
            root: Vec::new(),
            spec_itself: false,
        });
    }
    Ok(Target {
        path: spec.to_path_buf(),
        doc: parse_toml(&source)?,
        source,
        root: vec!["overlay".to_string(), env.to_string()],
        spec_itself: false,
    })
}

/// The table-like at `keys` below `root`, if every step is one.
fn table_at<'d>(root: &'d Table, keys: &[String]) -> Option<&'d dyn TableLike> {
    let mut table: &dyn TableLike = root;
    for key in keys {
        table = table.get(key)?.as_table_like()?;
    }
    Some(table)
}

/// The images a component has in the target: the overlay's where it sets them, else the spec's.
fn current_images(component: &SpecComponent, target: &Target) -> Vec<(Option<Track>, String)> {
    let mut keys = target.root.clone();
    if !component.main {
        keys.extend(["components".to_string(), component.key.clone()]);
    }
    let table = if target.spec_itself {
        // The spec itself: what the parser read (with `[defaults]`) is what counts.
        None
    } else {
        table_at(target.doc.as_table(), &keys)
    };
    let overlay = |key: &str| table.and_then(|t| t.get(key)).and_then(Item::as_str);
    let overlay_track = |track: Track| {
        table
            .and_then(|t| t.get("release"))
            .and_then(Item::as_table_like)
            .and_then(|r| r.get(track.as_str()))
            .and_then(Item::as_str)
    };
    match &component.release {
        Some(tracks) => tracks
            .iter()
            .filter_map(|(track, image)| {
                let image = overlay_track(*track).or(image.as_deref())?;
                Some((Some(*track), image.to_string()))
            })
            .collect(),
        None => overlay("image")
            .or(component.image.as_deref())
            .map(|i| vec![(None, i.to_string())])
            .unwrap_or_default(),
    }
}

/// An image without its tag and digest: `ghcr.io/acme/api:v1@sha256:...` → `ghcr.io/acme/api`
/// (a `:` before the last `/` is a registry port).
pub fn repository(image: &str) -> &str {
    let name = image.split('@').next().unwrap_or(image);
    match name.rsplit_once(':') {
        Some((repo, tag)) if !tag.contains('/') => repo,
        _ => name,
    }
}

/// The components and the images they run in the target, one per line.
fn listing(components: &[SpecComponent], target: &Target) -> String {
    components
        .iter()
        .map(|c| {
            let images = current_images(c, target)
                .into_iter()
                .map(|(track, image)| match track {
                    Some(track) => format!("{track} = {image}"),
                    None => image,
                })
                .collect::<Vec<_>>();
            match (&c.release, images.is_empty()) {
                (_, true) => format!("\n  {} (no image)", c.key),
                (Some(_), false) => format!("\n  {} (release: {})", c.key, images.join(", ")),
                (None, false) => format!("\n  {} ({})", c.key, images.join(", ")),
            }
        })
        .collect()
}

/// Which component (by index) and which release track a request sets.
fn resolve(
    request: &Request,
    components: &[SpecComponent],
    target: &Target,
) -> Result<(usize, Option<Track>), Failure> {
    let keys: Vec<&str> = components.iter().map(|c| c.key.as_str()).collect();
    let index = match &request.component {
        Some(key) => components
            .iter()
            .position(|c| &c.key == key)
            .ok_or_else(|| {
                let help = k8gen::suggest::suggest(key, &keys, || {
                    format!("its components are {}", k8gen::suggest::quoted(&keys))
                });
                spec_error(format!("the spec has no component `{key}`; {help}"))
            })?,
        None => {
            let repo = repository(&request.image);
            let matching: Vec<(usize, Option<Track>)> = components
                .iter()
                .enumerate()
                .flat_map(|(i, c)| {
                    current_images(c, target)
                        .into_iter()
                        .filter(|(_, image)| repository(image) == repo)
                        .map(move |(track, _)| (i, track))
                })
                .collect();
            match matching.as_slice() {
                [(i, None)] => *i,
                [(i, Some(track)), ..] if matching.iter().all(|(j, _)| j == i) => {
                    let c = &components[*i].key;
                    return Err(spec_error(format!(
                        "`{repo}` is the image of a release track of component `{c}`; say which \
                         track: `{c}.{track}={}`",
                        request.image
                    )));
                }
                [] if components.len() == 1 => 0,
                [] => {
                    return Err(spec_error(format!(
                        "no component runs an image of repository `{repo}`; say which one with \
                         `COMPONENT={}`. Components:{}",
                        request.image,
                        listing(components, target)
                    )));
                }
                _ => {
                    return Err(spec_error(format!(
                        "several components run an image of repository `{repo}`; say which one \
                         with `COMPONENT={}`. Components:{}",
                        request.image,
                        listing(components, target)
                    )));
                }
            }
        }
    };
    let component = &components[index];
    let track = request.track;
    match (&component.release, track) {
        (Some(tracks), None) => Err(spec_error(format!(
            "component `{}` runs a release (tracks {}), not one `image`; set a track: `{}.{}={}`",
            component.key,
            k8gen::suggest::quoted(&tracks.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>()),
            component.key,
            tracks[0].0,
            request.image
        ))),
        (Some(tracks), Some(track)) if !tracks.iter().any(|(t, _)| *t == track) => {
            Err(spec_error(format!(
                "the release of component `{}` has no track `{track}`; its tracks are {}",
                component.key,
                k8gen::suggest::quoted(&tracks.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>())
            )))
        }
        (None, Some(track)) => Err(spec_error(format!(
            "component `{}` runs no release, so it has no track `{track}`; write `{}={}`",
            component.key, component.key, request.image
        ))),
        _ => Ok((index, track)),
    }
}

/// Sets the image at `keys` (the component's table) in `text`: `image`, or `release.TRACK`.
/// An image already there is replaced in place; a key or table not there yet is added as lines
/// of its own (a new table as a section at the end of the file). Every other byte stays.
/// Returns the new text and the old image.
fn edit(
    text: &str,
    shown: &str,
    keys: &[String],
    track: Option<Track>,
    image: &str,
) -> Result<(String, Option<String>), Failure> {
    let parsed = toml_edit::Document::parse(text.to_string())
        .map_err(|e| spec_error(format!("`{shown}` is not valid TOML: {e}")))?;
    let root = parsed.as_table();
    let quoted = Value::from(image).to_string();
    let value_at = |keys: &[String], field: &str| {
        table_at(root, keys)
            .and_then(|t| t.get(field))
            .and_then(Item::as_value)
            .and_then(|v| Some((v.span()?, v.as_str().map(str::to_string))))
    };
    let (field, release) = match track {
        None => ("image", None),
        Some(track) => {
            let mut release = keys.to_vec();
            release.push("release".to_string());
            (track.as_str(), Some(release))
        }
    };
    if let Some((span, old)) = value_at(release.as_deref().unwrap_or(keys), field) {
        // A literal string stays one (when the image has no quote it cannot hold).
        let quoted = match text[span.clone()].starts_with('\'') && !image.contains('\'') {
            true => format!("'{image}'"),
            false => quoted,
        };
        let mut new = text.to_string();
        new.replace_range(span, &quoted);
        return Ok((new, old));
    }
    let new = match release {
        Some(release) if table_at(root, &release).is_some() => {
            insert(text, root, &release, field, &quoted)
        }
        Some(_) => insert(
            text,
            root,
            keys,
            "release",
            &format!("{{ {} = {quoted} }}", key_repr(field)),
        ),
        None => insert(text, root, keys, field, &quoted),
    };
    let place = release_or(keys, track).join(".");
    new.map(|new| (new, None)).ok_or_else(|| {
        spec_error(format!(
            "`{shown}` has no `{place}` yet, and k8gen cannot tell where to add it; add it \
             there by hand, then set-image keeps it current"
        ))
    })
}

fn release_or(keys: &[String], track: Option<Track>) -> Vec<String> {
    let mut path = keys.to_vec();
    match track {
        None => path.push("image".to_string()),
        Some(t) => path.extend(["release".to_string(), t.to_string()]),
    }
    path
}

/// A key as written in TOML: bare when it can be, else quoted.
fn key_repr(key: &str) -> String {
    toml_edit::Key::new(key).display_repr().into_owned()
}

/// Where the last value written in `table` (dotted tables below it included) ends.
fn last_value_end(table: &dyn TableLike) -> Option<usize> {
    table
        .iter()
        .filter_map(|(_, item)| match item {
            Item::Value(v) => v.span().map(|s| s.end),
            Item::Table(t) if t.is_dotted() => last_value_end(t),
            _ => None,
        })
        .max()
}

/// `text` with `key = value` added to the table at `keys`: right after a table's header line;
/// in the top-level table before its first key or section; inside an inline table after its
/// last entry; after the last line of a table of dotted keys (`a.b.key = value`); as a new
/// section at the end when the table is missing or has no header of its own. `None` when
/// the table cannot be found in the text.
fn insert(text: &str, root: &Table, keys: &[String], key: &str, value: &str) -> Option<String> {
    let entry = format!("{} = {value}", key_repr(key));
    let mut new = text.to_string();
    let line_end = |from: usize| text[from..].find('\n').map_or(text.len(), |i| from + i + 1);
    let mut table: Option<&dyn TableLike> = Some(root);
    let mut item = None;
    for k in keys {
        item = table.and_then(|t| t.get(k));
        table = item.and_then(Item::as_table_like);
    }
    match (keys.is_empty(), item) {
        (true, _) => {
            // Before the first line that is neither blank nor a comment.
            let mut at = 0;
            while at < text.len() {
                let line = text[at..line_end(at)].trim();
                if !line.is_empty() && !line.starts_with('#') {
                    break;
                }
                at = line_end(at);
            }
            let newline = if at == text.len() && !text.is_empty() && !text.ends_with('\n') {
                "\n"
            } else {
                ""
            };
            new.insert_str(at, &format!("{newline}{entry}\n"));
        }
        (false, Some(Item::Table(t))) if !t.is_implicit() && !t.is_dotted() => {
            let header = t.span()?;
            let at = line_end(header.end);
            let newline = if at == text.len() && !text.ends_with('\n') {
                "\n"
            } else {
                ""
            };
            new.insert_str(at, &format!("{newline}{entry}\n"));
        }
        (false, Some(Item::Value(Value::InlineTable(t)))) => {
            let span = t.span()?;
            match t.iter().filter_map(|(_, v)| v.span()).map(|s| s.end).max() {
                Some(last) => new.insert_str(last, &format!(", {entry}")),
                None => new.replace_range(span, &format!("{{ {entry} }}")),
            }
        }
        (false, Some(Item::Table(t))) if t.is_dotted() => {
            // `a.b.image = ...` after the table's last dotted line, the path written from the
            // nearest table with a header (or the top level).
            let mut from = 0;
            let mut walk: &dyn TableLike = root;
            for (i, k) in keys.iter().enumerate() {
                let next = walk.get(k)?;
                if next.as_table().is_some_and(|t| !t.is_dotted()) {
                    from = i + 1;
                }
                walk = next.as_table_like()?;
            }
            let path: Vec<String> = keys[from..].iter().map(|k| key_repr(k)).collect();
            let at = line_end(last_value_end(t)?);
            let newline = if at == text.len() && !text.ends_with('\n') {
                "\n"
            } else {
                ""
            };
            new.insert_str(at, &format!("{newline}{}.{entry}\n", path.join(".")));
        }
        (false, Some(Item::Table(_)) | None) => {
            // Missing, or only implied by a section below it: a section of its own at the end.
            let header = keys
                .iter()
                .map(|k| key_repr(k))
                .collect::<Vec<_>>()
                .join(".");
            let before = match () {
                _ if text.is_empty() || text.ends_with("\n\n") => "",
                _ if text.ends_with('\n') => "\n",
                _ => "\n\n",
            };
            new.push_str(&format!("{before}[{header}]\n{entry}\n"));
        }
        (false, Some(_)) => return None,
    }
    Some(new)
}

/// The edited text must still be read the way it was: valid TOML, and for the spec itself a
/// spec with the same components, each set one now naming its new image (so an edit the
/// parser would read otherwise, or that `[defaults]` would hide, is never written).
fn check_edit(
    target: &Target,
    text: &str,
    before: &[SpecComponent],
    set: &BTreeMap<(String, Option<Track>), String>,
) -> Result<(), Failure> {
    let shown = &target.source.shown;
    if let Err(e) = text.parse::<DocumentMut>() {
        return Err(spec_error(format!(
            "the edited `{shown}` would not be valid TOML ({e}); nothing was written"
        )));
    }
    if !target.spec_itself {
        // An overlay file: `image` is a key every overlay may set; the file stays TOML.
        return Ok(());
    }
    let after = k8gen::spec_components(text).map_err(|diags| {
        let first = diags.first().map(|d| d.message.clone()).unwrap_or_default();
        spec_error(format!(
            "the edited `{shown}` would not be a valid spec ({first}); nothing was written"
        ))
    })?;
    let keys = |c: &[SpecComponent]| c.iter().map(|c| c.key.clone()).collect::<Vec<_>>();
    if keys(&after) != keys(before) {
        return Err(spec_error(format!(
            "the edit would change the components of `{shown}`; nothing was written"
        )));
    }
    for ((key, track), image) in set {
        let c = after.iter().find(|c| &c.key == key).expect("same keys");
        let now = match track {
            None => c.image.as_deref(),
            Some(t) => c
                .release
                .iter()
                .flatten()
                .find(|(k, _)| k == t)
                .and_then(|(_, i)| i.as_deref()),
        };
        if now != Some(image.as_str()) {
            return Err(spec_error(format!(
                "after the edit, `{shown}` would still not give component `{key}` the image \
                 `{image}`; nothing was written"
            )));
        }
    }
    Ok(())
}
