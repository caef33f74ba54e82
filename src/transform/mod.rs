//! Stage 5, transform: passes over the whole object list, after every object is built.
//!
//! Each pass is a function `&mut Vec<Object>`; they run in a fixed order in [`run`]. Passes
//! may add annotations derived from content (hashes) and reorder objects, never anything from a
//! clock, the environment or chance.

mod checksum;
mod order;

use crate::build::Object;

/// Runs every pass: config checksums on pod templates, then apply order.
pub fn run(objects: &mut [Object]) {
    checksum::annotate_pod_templates(objects);
    order::sort(objects);
}

pub use order::kind_rank;
