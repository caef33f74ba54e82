//! `k8gen render`: every spec must be valid before anything is written.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::inputs::{self, RealHost};
use super::{OK, SPEC_ERROR, fail, output, plural};

/// One spec's objects.
pub struct Rendered {
    pub path: PathBuf,
    pub objects: Vec<k8gen::Object>,
}

pub fn run(specs: &[PathBuf], out_dir: Option<&Path>, color: bool) -> i32 {
    let files = match inputs::spec_files(specs) {
        Ok(files) => files,
        Err(e) => return fail(e),
    };
    let mut rendered = Vec::new();
    let mut errors = 0;
    for path in &files {
        let source = match inputs::read(path) {
            Ok(s) => s,
            Err(e) => return fail(e),
        };
        let result = match &source.not_utf8 {
            Some(d) => Err(vec![d.clone()]),
            None => k8gen::render_source(&source.text, source.base_dir(), &RealHost),
        };
        match result {
            Ok(objects) => rendered.push(Rendered {
                path: path.clone(),
                objects,
            }),
            Err(diags) => {
                errors += diags.len();
                inputs::print_diagnostics(&source, &diags, color);
            }
        }
    }
    if errors > 0 {
        let _ = writeln!(
            std::io::stderr(),
            "k8gen: {} found; nothing was written",
            plural(errors, "error")
        );
        return SPEC_ERROR;
    }
    match out_dir {
        None => {
            let text = rendered
                .iter()
                .map(|r| k8gen::emit::stream(&r.objects))
                .collect::<Vec<_>>()
                .join("---\n");
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(text.as_bytes())
                .and_then(|_| stdout.flush())
            {
                Ok(()) => OK,
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => OK,
                Err(e) => fail(format!("cannot write to stdout: {e}")),
            }
        }
        Some(dir) => {
            let nested = files.len() > 1 || specs.iter().any(|s| s.is_dir());
            match output::write_tree(dir, &rendered, nested) {
                Ok(()) => OK,
                Err(e) => fail(e),
            }
        }
    }
}
