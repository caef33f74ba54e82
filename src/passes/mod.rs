//! Stage 5, transform: passes over the whole object list, after every object is built.
//!
//! Each pass is a function `&mut Vec<Object>`; they run in a fixed order in [`run`]. Passes
//! may add annotations derived from content (hashes) and reorder objects, never anything from a
//! clock, the environment or chance.

mod checksum;
mod hashed;
mod invariants;
mod order;
mod passthrough;
mod patch;
mod seal;

pub use hashed::kustomize_hash;
pub use patch::PatchError;
pub use seal::{Crypto, Previous};

use crate::kube::Object;
use crate::model::{App, ConfigRollout, Issue, JobName, Patch, Workload};

/// Why the passes stopped.
#[derive(Debug)]
pub enum Failed {
    Patches(Vec<PatchError>),
    /// Encrypting Secrets failed ([`seal::seal`]).
    Seal(Vec<Issue>),
    /// Passthrough objects duplicating objects k8gen builds ([`passthrough::duplicates`]).
    Duplicates(Vec<Issue>),
}

/// Runs every pass on the objects of (normalised) `app`: the check that no passthrough
/// object duplicates one k8gen builds; its patches (then the invariants
/// they could break); with a `crypto`, the encryption of Secrets for a tree (so names and
/// checksums are of ciphertext, never of a plaintext the output does not hold);
/// content-hashed config names (`config_rollout = "hashed-names"`, over the patched data);
/// config checksums on pod templates (of the data not hashed into a name; none with
/// `extra_labels = false`); hashed Job names
/// (over the final Job); then apply order.
pub fn run(
    objects: &mut [Object],
    app: &App,
    crypto: Option<&mut dyn Crypto>,
) -> Result<(), Failed> {
    let duplicates = passthrough::duplicates(objects);
    if !duplicates.is_empty() {
        return Err(Failed::Duplicates(duplicates));
    }
    patches_keeping_invariants(objects, &app.patches).map_err(Failed::Patches)?;
    let hashed_names = app.config_rollout == Some(ConfigRollout::HashedNames);
    if let Some(crypto) = crypto {
        let issues = seal::seal(objects, &app.secrets, hashed_names, crypto);
        if !issues.is_empty() {
            return Err(Failed::Seal(issues));
        }
    }
    if hashed_names {
        hashed::rename_config(objects);
    }
    // An app without k8gen's own labels and annotations (`extra_labels = false`) gets none.
    if crate::kube::labels::extra(app) {
        checksum::annotate_pod_templates(objects, hashed_names);
    }
    hashed::rename_objects(objects, &hashed_objects(app));
    order::sort(objects);
    Ok(())
}

/// The objects the app names by content hash: (kind, name) of every Job with
/// `job.name = "hashed"`.
fn hashed_objects(app: &App) -> Vec<(&'static str, String)> {
    (app.components.iter())
        .filter(|c| matches!(&c.workload, Workload::Job(j) if j.name == Some(JobName::Hashed)))
        .map(|c| (c.workload.kind(), c.name.clone()))
        .collect()
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
