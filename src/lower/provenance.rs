//! Provenance: where in the spec's files each value of the lowered model was written, by field
//! path. Lowering records it; the TOML front end uses it to turn the rule engine's
//! [`Issue`]s (which name a field path) into `file:line:col` diagnostics.
//!
//! A derived value may be recorded at the place it came from (the version label at the image
//! it was read from). A path with no record of its own is located at its nearest recorded
//! ancestor, so every issue has a position.

use std::collections::HashMap;
use std::ops::Range;

use crate::diag::{Diagnostic, FileId, MAIN_FILE};
use crate::model::issue::{self, Issue};

#[derive(Debug, Clone, Default)]
pub struct Provenance {
    spans: HashMap<String, (FileId, Range<usize>)>,
}

impl Provenance {
    /// Records that the value at `path` was written at `span` of the main spec file. The first
    /// record of a path wins.
    pub fn record(&mut self, path: impl Into<String>, span: Range<usize>) {
        self.record_in(path, MAIN_FILE, span);
    }

    pub fn record_in(&mut self, path: impl Into<String>, file: FileId, span: Range<usize>) {
        self.spans.entry(path.into()).or_insert((file, span));
    }

    /// Where the value at `path`, or its nearest recorded ancestor, was written.
    pub fn locate(&self, path: &str) -> Option<(FileId, Range<usize>)> {
        issue::ancestors(path).find_map(|p| self.spans.get(p).cloned())
    }

    /// `issue` as a diagnostic at the place its path was written (the start of the main file
    /// if nothing on the path was recorded).
    pub fn diagnostic(&self, issue: Issue) -> Diagnostic {
        let (file, span) = self.locate(&issue.path).unwrap_or((MAIN_FILE, 0..0));
        Diagnostic {
            label: issue.label,
            help: issue.help,
            path: Some(issue.path),
            ..Diagnostic::error(issue.code, span, issue.message).in_file(file)
        }
    }
}
