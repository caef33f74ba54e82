//! Diagnostics: what went wrong in a spec, where, and how to fix it.
//!
//! Every stage that can reject input returns [`Diagnostic`]s that keep the byte span into the
//! spec source; the span is turned into `line:col` only when a diagnostic is rendered. This
//! module renders to a `String` (with or without ANSI colour, as the caller decides) and never
//! prints anything itself.

use std::ops::Range;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

/// Which source file of a [`SourceMap`] a span points into. `0` is the spec being rendered;
/// later files are those it pulls in (overlays, platform defaults, files a value is read from).
pub type FileId = u32;

/// The spec file a diagnostic is about unless it says otherwise.
pub const MAIN_FILE: FileId = 0;

/// The files of one render: names as shown to the user, and their text, so a diagnostic can
/// point into any of them.
///
/// While a spec is read, its files are laid end to end (each after the previous one and a
/// newline), so one byte offset names a place in any of them; [`SourceMap::localize`] turns
/// such a global span into a file id and a span in that file.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as the user should see it, e.g. `specs/shop.toml`.
    pub name: String,
    pub text: String,
}

impl SourceMap {
    /// A map whose first file ([`MAIN_FILE`]) is the spec.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        let mut map = SourceMap::default();
        map.add(name, text);
        map
    }

    /// Where file `id` starts in the files laid end to end.
    pub fn base(&self, id: FileId) -> usize {
        self.files[..(id as usize).min(self.files.len())]
            .iter()
            .map(|f| f.text.len() + 1)
            .sum()
    }

    /// All files laid end to end, each followed by a newline: the text global spans index.
    pub fn joined(&self) -> String {
        let mut all = String::new();
        for f in &self.files {
            all.push_str(&f.text);
            all.push('\n');
        }
        all
    }

    /// The file a global span starts in, and the span within that file.
    pub fn localize(&self, span: &Range<usize>) -> (FileId, Range<usize>) {
        let mut base = 0;
        for (i, f) in self.files.iter().enumerate() {
            let end = base + f.text.len() + 1;
            if span.start < end || i + 1 == self.files.len() {
                let start = span.start.saturating_sub(base);
                let stop = span
                    .end
                    .saturating_sub(base)
                    .clamp(start, f.text.len().max(start));
                return (i as FileId, start..stop);
            }
            base = end;
        }
        (MAIN_FILE, span.clone())
    }

    /// `diag`, whose span is global, about the file its span falls in.
    pub fn localized(&self, mut diag: Diagnostic) -> Diagnostic {
        let (file, span) = self.localize(&diag.span);
        diag.file = file;
        diag.span = span;
        diag
    }

    /// Adds a file and returns its id.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        self.files.push(SourceFile {
            name: name.into(),
            text: text.into(),
        });
        (self.files.len() - 1) as FileId
    }

    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id as usize)
    }

    /// Renders `diag` against the file it points into (see [`render`]).
    pub fn render(&self, diag: &Diagnostic, color: bool) -> String {
        match self.get(diag.file) {
            Some(f) => render(diag, &f.name, &f.text, color),
            None => render(diag, "<unknown file>", "", color),
        }
    }

    /// 1-based line and column of the start and end of `diag`'s span in its file.
    pub fn line_cols(&self, diag: &Diagnostic) -> ((usize, usize), (usize, usize)) {
        let text = self.get(diag.file).map_or("", |f| f.text.as_str());
        (
            line_col(text, diag.span.start),
            line_col(text, diag.span.end),
        )
    }
}

/// One finding about one place in one source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The file of the [`SourceMap`] that `span` points into.
    pub file: FileId,
    /// Stable code, e.g. `K0101`; documented in `docs/errors.md`.
    pub code: &'static str,
    /// What is wrong, without a trailing period.
    pub message: String,
    /// Byte range in the spec source the message is about.
    pub span: Range<usize>,
    /// Short text shown under the underlined span.
    pub label: Option<String>,
    /// How to fix it, shown as `help:`.
    pub help: Option<String>,
    /// The field path of the value it is about (`components.web.service.port`), when the
    /// finding comes from the rule engine, which judges the model rather than the text.
    pub path: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, span: Range<usize>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            file: MAIN_FILE,
            code,
            message: message.into(),
            span,
            label: None,
            help: None,
            path: None,
        }
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// The same finding, about file `file` of the source map.
    pub fn in_file(mut self, file: FileId) -> Self {
        self.file = file;
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// `text` as quoted in a message: cut to its first 100 characters (and `...`) when longer, so a
/// huge value in a spec does not make a huge message (the snippet shows where it is).
pub fn clip(text: &str) -> std::borrow::Cow<'_, str> {
    const MAX: usize = 100;
    match text.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}...", &text[..end]).into(),
        None => text.into(),
    }
}

/// 1-based line and column (in characters) of byte `offset` in `source`.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(source, offset.min(source.len()));
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = source[line_start..offset].chars().count() + 1;
    (line, col)
}

/// Start offsets of the lines of a source, so that many positions in one file are found in
/// O(log lines + line length) each instead of by scanning from the start (which made 100,000
/// diagnostics in a 1.7 MB spec quadratic).
pub struct Lines<'a> {
    source: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    pub fn new(source: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(source.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Lines { source, starts }
    }

    /// The same as [`line_col`]`(source, offset)`.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(self.source, offset.min(self.source.len()));
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line - 1];
        (line, self.source[start..offset].chars().count() + 1)
    }
}

/// Diagnostics of one file with at most `per_code` of each code kept, in their order, and for
/// each code with more, how many were left out: `(code, severity, left out)`, by code. A spec
/// with 100,000 bad env names gives 50 messages and one "... and 99950 more" line, not a
/// million lines of output.
pub fn cap(
    diags: &[Diagnostic],
    per_code: usize,
) -> (Vec<&Diagnostic>, Vec<(&'static str, Severity, usize)>) {
    let mut seen: std::collections::BTreeMap<(&'static str, Severity), usize> =
        std::collections::BTreeMap::new();
    let mut kept = Vec::new();
    for d in diags {
        let n = seen.entry((d.code, d.severity)).or_default();
        *n += 1;
        if *n <= per_code {
            kept.push(d);
        }
    }
    let more = seen
        .into_iter()
        .filter(|&(_, n)| n > per_code)
        .map(|((code, severity), n)| (code, severity, n - per_code))
        .collect();
    (kept, more)
}

/// The line that stands for `n` left-out diagnostics of `code`:
/// `... and 99950 more errors [K0107]`.
pub fn render_more(code: &str, severity: Severity, n: usize) -> String {
    let what = match (severity, n) {
        (Severity::Error, 1) => "error",
        (Severity::Error, _) => "errors",
        (Severity::Warning, 1) => "warning",
        (Severity::Warning, _) => "warnings",
    };
    format!("... and {n} more {what} [{code}]\n")
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Renders `diag` about `source` (read from `path`) as
/// `path:LINE:COL: error[CODE]: message`, then the source snippet with the span underlined,
/// then `help:`.
pub fn render(diag: &Diagnostic, path: &str, source: &str, color: bool) -> String {
    render_at(diag, path, &Lines::new(source), color)
}

/// [`render`] with the line index of the source made once for all its diagnostics.
pub fn render_at(diag: &Diagnostic, path: &str, lines: &Lines<'_>, color: bool) -> String {
    let source = lines.source;
    let (line, col) = lines.line_col(diag.span.start);
    let level = match diag.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let severity = match diag.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let header = format!(
        "{path}:{line}:{col}: {severity}[{}]: {}",
        diag.code, diag.message
    );
    let header = if color {
        let style = renderer_header_style(diag.severity);
        format!("{style}{header}{style:#}")
    } else {
        header
    };

    let start = floor_char_boundary(source, diag.span.start.min(source.len()));
    let end = floor_char_boundary(source, diag.span.end.clamp(start, source.len()));
    let (excerpt, span) = excerpt(source, start..end);
    let mut annotation = AnnotationKind::Primary.span(span);
    if let Some(label) = &diag.label {
        annotation = annotation.label(label.as_str());
    }
    let mut group = Group::with_level(level.clone()).element(
        Snippet::source(&source[excerpt.clone()])
            .line_start(line)
            .fold(true)
            .annotation(annotation),
    );
    if let Some(help) = &diag.help {
        group = group.element(Level::HELP.message(help.as_str()));
    }
    let body = renderer.render(&[group]);
    format!("{header}\n{body}\n")
}

/// Most bytes of a line shown before a span, and most bytes of a span drawn. The renderer
/// reads every line it is given in full and shows only a terminal's width of it, so a spec
/// with a 10 MB line would otherwise take seconds per diagnostic.
const EXCERPT_CONTEXT: usize = 1024;

/// The part of `source` worth drawing for `span` (which starts and ends on char boundaries):
/// the lines it covers, cut to [`EXCERPT_CONTEXT`] bytes around its start when longer, and the
/// span relative to that part.
fn excerpt(source: &str, span: Range<usize>) -> (Range<usize>, Range<usize>) {
    let line_start = source[..span.start].rfind('\n').map_or(0, |i| i + 1);
    let from = if span.start - line_start > EXCERPT_CONTEXT {
        floor_char_boundary(source, span.start - EXCERPT_CONTEXT)
    } else {
        line_start
    };
    let end = if span.end - span.start > EXCERPT_CONTEXT {
        floor_char_boundary(source, span.start + EXCERPT_CONTEXT)
    } else {
        span.end
    };
    let line_end = source[end..]
        .find('\n')
        .map_or(source.len(), |i| end + i + 1);
    let to = if line_end - end > EXCERPT_CONTEXT {
        floor_char_boundary(source, end + EXCERPT_CONTEXT)
    } else {
        line_end
    };
    (from..to, span.start - from..end - from)
}

fn renderer_header_style(severity: Severity) -> anstyle::Style {
    let colour = match severity {
        Severity::Error => anstyle::AnsiColor::BrightRed,
        Severity::Warning => anstyle::AnsiColor::BrightYellow,
    };
    anstyle::Style::new().bold().fg_color(Some(colour.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_keeps_short_text_and_cuts_long_text_on_a_char_boundary() {
        assert_eq!(clip("task-tracker"), "task-tracker");
        let long = "é".repeat(150);
        assert_eq!(clip(&long), format!("{}...", "é".repeat(100)));
        assert_eq!(clip(&"a".repeat(100)), "a".repeat(100));
    }

    #[test]
    fn lines_agree_with_line_col_everywhere() {
        let src = "a = 1\nbé = 2\n\n\nlast é";
        let lines = Lines::new(src);
        for offset in 0..=src.len() + 2 {
            assert_eq!(lines.line_col(offset), line_col(src, offset), "{offset}");
        }
    }

    #[test]
    fn cap_keeps_the_first_of_each_code_and_counts_the_rest() {
        let e = |code| Diagnostic::error(code, 0..1, "x");
        let diags = vec![
            e(crate::codes::INVALID_KEY),
            e(crate::codes::UNKNOWN_REFERENCE),
            e(crate::codes::INVALID_KEY),
            e(crate::codes::INVALID_KEY),
            e(crate::codes::UNKNOWN_REFERENCE),
        ];
        let (kept, more) = cap(&diags, 2);
        let codes: Vec<_> = kept.iter().map(|d| d.code).collect();
        assert_eq!(
            codes,
            [
                crate::codes::INVALID_KEY,
                crate::codes::UNKNOWN_REFERENCE,
                crate::codes::INVALID_KEY,
                crate::codes::UNKNOWN_REFERENCE
            ]
        );
        assert_eq!(more, [(crate::codes::INVALID_KEY, Severity::Error, 1)]);
        assert_eq!(
            render_more(crate::codes::INVALID_KEY, Severity::Error, 99950),
            "... and 99950 more errors [K0107]\n"
        );
    }

    #[test]
    fn line_col_counts_characters_not_bytes() {
        let src = "a = 1\nbé = 2\n";
        assert_eq!(line_col(src, 0), (1, 1));
        assert_eq!(line_col(src, 6), (2, 1));
        // 'é' is two bytes; the `=` after it is column 4.
        assert_eq!(line_col(src, 10), (2, 4));
    }

    #[test]
    fn render_draws_a_window_of_a_huge_line() {
        let src = format!("name = \"{}\"\nnext = 1\n", "a".repeat(10 << 20));
        let d = Diagnostic::error(
            crate::codes::INVALID_NAME,
            7..src.len() - 10,
            "invalid app name",
        );
        let out = render(&d, "spec.toml", &src, false);
        assert!(out.starts_with("spec.toml:1:8: error[K0101]"), "{out}");
        assert!(out.len() < 4096, "{} bytes", out.len());
        assert!(out.contains("1 | ... = \"aaa"), "{out}");
        assert!(out.contains("^^^"), "{out}");
        let tail = Diagnostic::error(
            crate::codes::SYNTAX,
            src.len() - 9..src.len() - 1,
            "at the end",
        );
        let out = render(&tail, "spec.toml", &src, false);
        assert!(out.starts_with("spec.toml:2:1:"), "{out}");
        assert!(out.contains("2 | next = 1"), "{out}");
    }

    #[test]
    fn a_source_map_renders_each_diagnostic_in_its_own_file() {
        let mut map = SourceMap::new("app.toml", "name = \"a\"\nimage = \"x\"\n");
        let overlay = map.add("app.production.toml", "\n\nreplicas = -1\n");
        let d = Diagnostic::error(
            crate::codes::OUT_OF_RANGE,
            13..15,
            "replicas must be at least 0",
        )
        .in_file(overlay);
        let out = map.render(&d, false);
        assert!(
            out.starts_with("app.production.toml:3:12: error[K0113]"),
            "{out}"
        );
        assert!(out.contains("replicas = -1"), "{out}");
        let main = Diagnostic::error(crate::codes::INVALID_IMAGE, 19..22, "invalid image");
        assert!(map.render(&main, false).starts_with("app.toml:2:9: "));
        assert_eq!(map.line_cols(&d), ((3, 12), (3, 14)));
    }

    #[test]
    fn render_starts_with_position_and_shows_help() {
        let src = "name = \"x\"\nreplica = 3\n";
        let d = Diagnostic::error(crate::codes::SYNTAX, 11..18, "unknown key `replica`")
            .with_label("not a spec key")
            .with_help("did you mean `replicas`?");
        let out = render(&d, "spec.toml", src, false);
        assert!(
            out.starts_with("spec.toml:2:1: error[K0001]: unknown key `replica`\n"),
            "{out}"
        );
        assert!(out.contains("replica = 3"), "{out}");
        assert!(out.contains("^^^^^^^"), "{out}");
        assert!(out.contains("help: did you mean `replicas`?"), "{out}");
    }
}
