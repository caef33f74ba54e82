//! Stage 5, transform: passes over the whole object list, after every object is built.
//!
//! Each pass is a function `&mut Vec<Object>`; they run in a fixed order in [`run`]. Passes
//! may add annotations derived from content (hashes) and reorder objects, never anything from a
//! clock, the environment or chance.

mod checksum;
mod order;
mod patch;

pub use patch::PatchError;

use crate::build::Object;
use crate::model::Patch;

/// Runs every pass: the spec's patches, config checksums on pod templates (so they see
/// patched config), then apply order.
pub fn run(objects: &mut [Object], patches: &[Patch]) -> Result<(), Vec<PatchError>> {
    patch::apply(objects, patches)?;
    checksum::annotate_pod_templates(objects);
    order::sort(objects);
    Ok(())
}

pub use order::kind_rank;
