//! Stage 5, transform: passes over the whole object list, after every object is built.
//!
//! Each pass is a function `&mut Vec<Object>`; they run in a fixed order in [`run`]. Passes
//! may add annotations derived from content (hashes) and reorder objects, never anything from a
//! clock, the environment or chance.

mod checksum;
mod invariants;
mod order;
mod patch;

pub use patch::PatchError;

use crate::kube::Object;
use crate::model::Patch;

/// Runs every pass: the spec's patches (then the invariants they could break), config
/// checksums on pod templates (so they see patched config), then apply order.
/// `checksums = false` (an app without k8gen's own annotations) leaves them out.
pub fn run(
    objects: &mut [Object],
    patches: &[Patch],
    checksums: bool,
) -> Result<(), Vec<PatchError>> {
    patches_keeping_invariants(objects, patches)?;
    if checksums {
        checksum::annotate_pod_templates(objects);
    }
    order::sort(objects);
    Ok(())
}

/// Applies `patches` in order, then checks [`invariants`] on the result. An invariant that
/// holds before the patches and not after is an error of the patch after which it last
/// started to fail (a later patch may repair what an earlier one broke).
fn patches_keeping_invariants(
    objects: &mut [Object],
    patches: &[Patch],
) -> Result<(), Vec<PatchError>> {
    if patches.is_empty() {
        return Ok(());
    }
    let mut errors = Vec::new();
    // states[0]: before any patch; states[i + 1]: after patch i.
    let mut states = vec![invariants::violations(objects)];
    for (index, p) in patches.iter().enumerate() {
        errors.extend(patch::apply_one(objects, index, p));
        states.push(invariants::violations(objects));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let last = states
        .last()
        .expect("states holds the unpatched objects' state");
    for v in last.iter().filter(|v| !states[0].contains(v)) {
        let index = (1..states.len())
            .rev()
            .find(|&i| !states[i - 1].contains(v))
            .expect("a violation the patches introduced started after some patch")
            - 1;
        errors.push(PatchError {
            index,
            message: format!("after this patch, {}", v.message),
            help: Some(v.help.clone()),
        });
    }
    errors.sort_by(|a, b| (a.index, &a.message).cmp(&(b.index, &b.message)));
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}
