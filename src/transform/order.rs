//! Apply order: the order in which `kubectl apply -f` must see objects so each one's
//! dependencies exist first (Namespace first, then config, then workloads, then Services),
//! then by namespace and name.

use crate::build::Object;

/// Kinds in apply order; unknown kinds go last.
const ORDER: &[&str] = &[
    "Namespace",
    "ResourceQuota",
    "LimitRange",
    "NetworkPolicy",
    "ServiceAccount",
    "Secret",
    "ExternalSecret",
    "ConfigMap",
    "PersistentVolumeClaim",
    "ClusterRole",
    "ClusterRoleBinding",
    "Role",
    "RoleBinding",
    "Deployment",
    "StatefulSet",
    "Job",
    "CronJob",
    "Pod",
    "Service",
    "Ingress",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
    "Application",
];

pub fn kind_rank(kind: &str) -> usize {
    ORDER.iter().position(|k| *k == kind).unwrap_or(ORDER.len())
}

pub fn sort(objects: &mut [Object]) {
    objects.sort_by(|a, b| {
        let key = |o: &Object| {
            (
                kind_rank(o.kind()),
                o.kind(),
                o.metadata().namespace.clone(),
                o.name().to_string(),
            )
        };
        key(a).cmp(&key(b))
    });
}
