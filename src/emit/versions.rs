//! Which previous versions of content-hashed ConfigMaps and Secrets an output tree keeps
//! (`config_rollout = "hashed-names"`): Flux and Argo CD prune the old ConfigMap as soon as
//! the new one is applied, while the old ReplicaSet's pods still mount or read it (a pod that
//! restarts then fails; flux2#3378). Like kapp's versioned resources, the tree keeps the file
//! of the version a render replaces, as committed, for [`KEPT_VERSIONS`] more versions, and
//! lists it in the folder's `kustomization.yaml`, so the engines keep the object until the
//! next change of that ConfigMap.
//!
//! Pure: file paths in, file paths out. The CLI reads and writes the files and the manifest;
//! this decides nothing else.

use crate::model::names;

/// Previous versions of each hashed ConfigMap or Secret a tree keeps beside the current one.
pub const KEPT_VERSIONS: usize = 1;

/// File name prefixes (see [`super::file_name`]) of the kinds pods read by name.
const VERSIONED: &[&str] = &["configmap-", "secret-", "sealedsecret-"];

/// What versions of one object share: its folder and file name without the hash suffix
/// (`prod/shop/configmap-shop-config`), for a ConfigMap or Secret file, hashed or not (an app
/// that turns hashed names on or off changes the name too); `None` for any other file.
pub fn version_key(rel: &str) -> Option<String> {
    let (folder, file) = rel.rsplit_once('/').unwrap_or(("", rel));
    let stem = file.strip_suffix(".yaml")?;
    if !VERSIONED.iter().any(|p| stem.starts_with(p)) {
        return None;
    }
    Some(format!(
        "{folder}/{}",
        names::unhashed(stem).unwrap_or(stem)
    ))
}

/// The files of previous versions to keep, newest first per object, objects in the order of
/// `produced`: for each hashed object the render produces, the file of its version in the
/// previous render (`current`) when it changed, then those kept before (`kept`, newest first),
/// at most `keep` in all. An object no longer produced keeps nothing. An unchanged render
/// keeps exactly what was kept, so the tree stays the same.
pub fn kept_versions(
    current: &[String],
    kept: &[String],
    produced: &[String],
    keep: usize,
) -> Vec<String> {
    let mut out = Vec::new();
    for now in produced {
        let Some(key) = version_key(now) else {
            continue;
        };
        let mut versions: Vec<&String> = Vec::new();
        for old in current.iter().chain(kept) {
            if old != now
                && !versions.contains(&old)
                && version_key(old).as_deref() == Some(key.as_str())
            {
                versions.push(old);
            }
        }
        out.extend(versions.into_iter().take(keep).cloned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(p: &[&str]) -> Vec<String> {
        p.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn keeps_the_replaced_version_once_then_lets_it_go() {
        let v1 = "a/configmap-shop-config-9g67k2htb6.yaml";
        let v2 = "a/configmap-shop-config-mdg6m57mdh.yaml";
        let v3 = "a/configmap-shop-config-86h6cc7m29.yaml";
        let other = "a/deployment-shop.yaml";
        // First change: v1 is kept.
        let kept = kept_versions(&paths(&[v1, other]), &[], &paths(&[v2, other]), 1);
        assert_eq!(kept, paths(&[v1]));
        // Unchanged re-render: the same.
        assert_eq!(
            kept_versions(&paths(&[v2, other]), &kept, &paths(&[v2, other]), 1),
            kept
        );
        // Next change: v2 is kept, v1 goes.
        assert_eq!(
            kept_versions(&paths(&[v2, other]), &kept, &paths(&[v3, other]), 1),
            paths(&[v2])
        );
        // Two kept: v2 then v1.
        assert_eq!(
            kept_versions(&paths(&[v2, other]), &kept, &paths(&[v3, other]), 2),
            paths(&[v2, v1])
        );
        // The object is gone: nothing kept.
        assert!(kept_versions(&paths(&[v2]), &kept, &paths(&[other]), 1).is_empty());
        // Other kinds are not versioned.
        assert_eq!(version_key("a/job-migrate-9g67k2htb6.yaml"), None);
        // Stable names keep nothing; turning hashed names on keeps the stable one once.
        let stable = "a/configmap-shop-config.yaml";
        assert!(kept_versions(&paths(&[stable]), &[], &paths(&[stable]), 1).is_empty());
        assert_eq!(
            kept_versions(&paths(&[stable]), &[], &paths(&[v1]), 1),
            paths(&[stable])
        );
        // A hash may be all letters (1 in 300 are).
        assert_eq!(
            version_key("configmap-shop-config-bcdfghkmtb.yaml").as_deref(),
            Some("/configmap-shop-config")
        );
    }
}
