//! Config changes roll every workload kind: the pod-template checksums change when what the
//! pods read changes, and only then.

use std::collections::BTreeMap;

use k8gen::Object;

use crate::support::*;

const KINDS: &[&str] = &["Deployment", "StatefulSet", "Job", "CronJob", "Pod"];

/// A spec whose main component is a `kind` reading its config (env), another component's
/// config (an init container's and a sidecar's env) and an external secret (a mounted volume).
fn spec(kind: &str, level: &str, other: &str, remote: &str) -> String {
    let extra = match kind {
        "CronJob" => "schedule = \"0 2 * * *\"\n",
        _ => "",
    };
    format!(
        r#"name = "shop"
namespace = "shop"
image = "shop:v1"
kind = "{kind}"
{extra}mount.secrets = "/run/secrets/shop"
init = [{{ name = "prepare", env = {{ MODE = {{ config = "mode", from = "db" }} }} }}]
sidecars = [{{ name = "proxy", image = "proxy:v1", env = {{ SIZE = {{ config = "size", from = "cache" }} }} }}]

[config]
LEVEL = "{level}"

[secrets]
TOKEN = {{ external = "{remote}" }}

[components.db]
image = "db:v1"
config = {{ mode = "fast" }}

[components.cache]
image = "cache:v1"
config = {{ size = "s" }}

[components.unrelated]
image = "other:v1"
config = {{ OTHER = "{other}" }}

[external_secrets]
store = "vault"
"#
    )
}

fn annotations(kind: &str, level: &str, other: &str, remote: &str) -> BTreeMap<String, String> {
    let objects = render_text(&spec(kind, level, other, remote), &root());
    let o = objects
        .iter()
        .find(|o| o.kind() == kind && o.name() == "shop")
        .unwrap_or_else(|| panic!("no {kind}/shop"));
    o.pod()
        .and_then(|p| p.meta)
        .and_then(|m| m.annotations.clone())
        .unwrap_or_default()
}

#[test]
fn every_workload_kind_rolls_when_what_it_reads_changes() {
    for kind in KINDS {
        let base = annotations(kind, "info", "a", "shop/token");
        for key in ["checksum/config", "checksum/secret"] {
            assert!(base.contains_key(key), "{kind}: no {key}: {base:?}");
        }
        let config = annotations(kind, "debug", "a", "shop/token");
        assert_ne!(base["checksum/config"], config["checksum/config"], "{kind}");
        assert_eq!(base["checksum/secret"], config["checksum/secret"], "{kind}");
        let remote = annotations(kind, "info", "a", "shop/other-token");
        assert_ne!(base["checksum/secret"], remote["checksum/secret"], "{kind}");
        assert_eq!(base["checksum/config"], remote["checksum/config"], "{kind}");
        let unrelated = annotations(kind, "info", "b", "shop/token");
        assert_eq!(
            base, unrelated,
            "{kind}: another component's config rolled it"
        );
    }
}

#[test]
fn init_containers_and_sidecars_reading_another_components_config_roll_with_it() {
    for (kind, change) in KINDS.iter().flat_map(|k| {
        [
            ("mode = \"fast\"", "mode = \"slow\""),
            ("size = \"s\"", "size = \"m\""),
        ]
        .map(|c| (k, c))
    }) {
        let source = spec(kind, "info", "a", "shop/token");
        let changed = source.replace(change.0, change.1);
        let sum = |text: &str| {
            let objects = render_text(text, &root());
            let o: &Object = objects
                .iter()
                .find(|o| o.kind() == *kind && o.name() == "shop")
                .unwrap();
            o.pod().unwrap().meta.unwrap().annotations.clone().unwrap()["checksum/config"].clone()
        };
        assert_ne!(sum(&source), sum(&changed), "{kind}");
    }
}
