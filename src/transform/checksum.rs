//! Pod templates get `checksum/config` and `checksum/secret` annotations: SHA-256 of the
//! ConfigMaps and Secrets the pods read, so changing a value rolls the pods (as in Helm charts)
//! while object names stay stable.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::PodSpec;
use sha2::{Digest, Sha256};

use crate::build::Object;

pub const CONFIG: &str = "checksum/config";
pub const SECRET: &str = "checksum/secret";

pub fn annotate_pod_templates(objects: &mut [Object]) {
    let sums: Vec<(usize, Option<String>, Option<String>)> = objects
        .iter()
        .enumerate()
        .filter_map(|(i, o)| {
            let Object::Deployment(d) = o else {
                return None;
            };
            let pod = d.spec.as_ref()?.template.spec.as_ref()?;
            let (config_maps, secrets) = references(pod);
            let namespace = o.metadata().namespace.as_deref();
            Some((
                i,
                digest(objects, "ConfigMap", namespace, &config_maps),
                digest(objects, "Secret", namespace, &secrets),
            ))
        })
        .collect();
    for (i, config, secret) in sums {
        let Object::Deployment(d) = &mut objects[i] else {
            continue;
        };
        let Some(spec) = d.spec.as_mut() else {
            continue;
        };
        let meta = spec.template.metadata.get_or_insert_with(Default::default);
        let annotations = meta.annotations.get_or_insert_with(Default::default);
        if let Some(sum) = config {
            annotations.insert(CONFIG.to_string(), sum);
        }
        if let Some(sum) = secret {
            annotations.insert(SECRET.to_string(), sum);
        }
    }
}

/// Names of the ConfigMaps and Secrets a pod reads through env, envFrom or volumes.
fn references(pod: &PodSpec) -> (BTreeSet<String>, BTreeSet<String>) {
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
    }
    (config_maps, secrets)
}

/// Hash over the data of the named objects of `kind` that are in this output, in name order;
/// `None` when the pod reads none of them.
fn digest(
    objects: &[Object],
    kind: &str,
    namespace: Option<&str>,
    names: &BTreeSet<String>,
) -> Option<String> {
    let mut hasher = Sha256::new();
    let mut any = false;
    for name in names {
        let found = objects.iter().find(|o| {
            o.kind() == kind && o.name() == name && o.metadata().namespace.as_deref() == namespace
        });
        let Some(object) = found else { continue };
        let data = match object {
            Object::ConfigMap(cm) => serde_json::json!([name, cm.data, cm.binary_data]),
            Object::Secret(s) => serde_json::json!([name, s.data, s.string_data]),
            _ => continue,
        };
        hasher.update(data.to_string().as_bytes());
        any = true;
    }
    any.then(|| hex::encode(hasher.finalize()))
}
