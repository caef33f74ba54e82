//! Pod templates get `checksum/config` and `checksum/secret` annotations: SHA-256 of the
//! ConfigMaps and Secrets the pods read, so changing a value rolls the pods (as in Helm charts)
//! while object names stay stable. Every kind that runs pods ([`Object::pod`]) is annotated;
//! a bare Pod gets them on its own metadata. A Secret that an ExternalSecret makes is hashed
//! by the ExternalSecret's spec (its values are not in the output), so changing a remote key,
//! property or store rolls the pods.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::PodSpec;
use sha2::{Digest, Sha256};

use crate::kube::{DataKind, Object, PodData};

pub const CONFIG: &str = "checksum/config";
pub const SECRET: &str = "checksum/secret";

/// With `hashed_names`, data named by its content (see `passes::hashed`) is left out: its
/// name rolls the pods.
pub fn annotate_pod_templates(objects: &mut [Object], hashed_names: bool) {
    // What pods can read, each object's once: (namespace, data).
    let data: Vec<(Option<String>, PodData)> = (objects.iter())
        .filter_map(|o| Some((o.metadata().namespace.clone(), o.pod_data()?)))
        .filter(|(_, d)| !(hashed_names && d.hashable.is_some()))
        .collect();
    let sums: Vec<(usize, Option<String>, Option<String>)> = objects
        .iter()
        .enumerate()
        .filter_map(|(i, o)| {
            let pod = o.pod()?;
            let (config_maps, secrets) = references(pod.spec);
            let namespace = o.metadata().namespace.as_deref();
            Some((
                i,
                digest(&data, DataKind::ConfigMap, namespace, &config_maps),
                digest(&data, DataKind::Secret, namespace, &secrets),
            ))
        })
        .collect();
    for (i, config, secret) in sums {
        let Some(pod) = objects[i].pod_mut() else {
            continue;
        };
        // A pod that reads no data keeps no (empty) annotations map.
        for (key, sum) in [(CONFIG, config), (SECRET, secret)] {
            if let Some(sum) = sum {
                pod.meta
                    .annotations
                    .get_or_insert_with(Default::default)
                    .insert(key.to_string(), sum);
            }
        }
    }
}

/// Names of the ConfigMaps and Secrets a pod reads through env, envFrom, volumes or projected
/// volumes, in any of its containers (init containers and sidecars included).
pub fn references(pod: &PodSpec) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut config_maps = BTreeSet::new();
    let mut secrets = BTreeSet::new();
    let containers = pod
        .containers
        .iter()
        .chain(pod.init_containers.iter().flatten());
    for c in containers {
        for e in c.env_from.iter().flatten() {
            if let Some(r) = &e.config_map_ref {
                config_maps.insert(r.name.clone());
            }
            if let Some(r) = &e.secret_ref {
                secrets.insert(r.name.clone());
            }
        }
        for e in c.env.iter().flatten() {
            let Some(from) = &e.value_from else { continue };
            if let Some(r) = &from.config_map_key_ref {
                config_maps.insert(r.name.clone());
            }
            if let Some(r) = &from.secret_key_ref {
                secrets.insert(r.name.clone());
            }
        }
    }
    for v in pod.volumes.iter().flatten() {
        if let Some(cm) = &v.config_map {
            config_maps.insert(cm.name.clone());
        }
        if let Some(name) = v.secret.as_ref().and_then(|s| s.secret_name.clone()) {
            secrets.insert(name);
        }
        let projected = v.projected.iter().flat_map(|p| p.sources.iter().flatten());
        for source in projected {
            if let Some(cm) = &source.config_map {
                config_maps.insert(cm.name.clone());
            }
            if let Some(s) = &source.secret {
                secrets.insert(s.name.clone());
            }
        }
    }
    (config_maps, secrets)
}

/// Hash over the content of the named ConfigMaps or Secrets (and ExternalSecrets making them)
/// in this output, in name order; `None` when the pod reads none of them.
fn digest(
    data: &[(Option<String>, PodData)],
    source: DataKind,
    namespace: Option<&str>,
    names: &BTreeSet<String>,
) -> Option<String> {
    let mut hasher = Sha256::new();
    let mut any = false;
    for name in names {
        let found = data
            .iter()
            .filter(|(ns, d)| ns.as_deref() == namespace && d.kind == source && d.name == *name);
        for (_, d) in found {
            hasher.update(d.content.to_string().as_bytes());
            any = true;
        }
    }
    any.then(|| hex::encode(hasher.finalize()))
}
