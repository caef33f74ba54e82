//! Apply order: the order in which `kubectl apply -f` must see objects so each one's
//! dependencies exist first (Namespace first, then config, then workloads, then Services),
//! then by namespace and name. The rank of each kind is its place in the `objects!` list in
//! `build/mod.rs`; this pass only sorts.

use crate::kube::Object;

pub fn sort(objects: &mut [Object]) {
    objects.sort_by(|a, b| {
        fn key(o: &Object) -> (usize, &str, Option<String>, String) {
            (
                o.rank(),
                o.kind(),
                o.metadata().namespace.clone(),
                o.name().to_string(),
            )
        }
        key(a).cmp(&key(b))
    });
}
