//! Passthrough objects against the objects k8gen builds itself: none may have the same API
//! group, kind, namespace and name as one of them (applying both would leave one; which one
//! depends on the tool). Found here, after build, because only here do both exist; reported
//! at `objects[i].metadata.name`. It changes no object.

use crate::codes;
use crate::kube::Object;
use crate::model::issue::{self, Issue};
use crate::values::api_group;

/// The passthrough objects that duplicate one k8gen builds, as issues.
pub fn duplicates(objects: &[Object]) -> Vec<Issue> {
    let id = |o: &Object| {
        (
            api_group(o.api_version()).to_string(),
            o.kind().to_string(),
            o.metadata().namespace.clone(),
            o.name().to_string(),
        )
    };
    let built: Vec<_> = objects
        .iter()
        .filter(|o| !matches!(o, Object::Passthrough(_)))
        .map(id)
        .collect();
    let mut out = Vec::new();
    for o in objects {
        let Object::Passthrough(p) = o else { continue };
        if built.contains(&id(o)) {
            let at = issue::key(&issue::index("objects", p.index), "metadata");
            out.push(
                Issue::new(
                    codes::DUPLICATE,
                    issue::key(&at, "name"),
                    format!(
                        "k8gen renders {}/{} itself",
                        p.kind,
                        crate::diag::clip(o.name())
                    ),
                )
                .with_help(
                    "change k8gen's object with spec keys or a `[[patches]]` entry, or give this \
                     object another name",
                ),
            );
        }
    }
    out
}
