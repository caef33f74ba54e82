//! Flux post-build substitution: a ConfigMap value holding `${` is marked
//! `kustomize.toolkit.fluxcd.io/substitute: disabled`, from TOML and from Rust alike; one
//! without keeps no such annotation.

use k8gen::model::{App, Component};

use crate::support::*;

const KEY: &str = "kustomize.toolkit.fluxcd.io/substitute";

fn config_annotations(objects: &[k8gen::Object]) -> serde_json::Value {
    let config = objects
        .iter()
        .find(|o| o.kind() == "ConfigMap")
        .expect("a ConfigMap")
        .to_json();
    config["metadata"]["annotations"].clone()
}

#[test]
fn a_config_value_with_dollar_brace_turns_flux_substitution_off() {
    let spec = "name = \"shop\"\nimage = \"shop:v1\"\n[config]\n\
                \"start.sh\" = '''echo \"${HOME}\"'''\nPLAIN = \"$(NOT_FLUX) $HOME\"\n";
    let objects = render_text(spec, std::path::Path::new("."));
    assert_eq!(config_annotations(&objects)[KEY], "disabled");

    let plain = "name = \"shop\"\nimage = \"shop:v1\"\n[config]\nPLAIN = \"$(NOT_FLUX) $HOME\"\n";
    let objects = render_text(plain, std::path::Path::new("."));
    assert!(config_annotations(&objects).get(KEY).is_none());

    // The Rust front end: the same engine, the same annotation.
    let app = App::new("shop")
        .component(Component::new("shop", "shop:v1").config("start.sh", "echo \"${HOME}\""));
    let objects = k8gen::render_app(&app).unwrap();
    assert_eq!(config_annotations(&objects)[KEY], "disabled");
}

#[test]
fn other_objects_holding_dollar_brace_get_a_lint_unless_escaped_or_allowed() {
    let codes = |spec: &str| -> Vec<&'static str> {
        k8gen::check_source(spec, std::path::Path::new("."), &FsHost)
            .unwrap()
            .into_iter()
            .map(|d| d.code)
            .filter(|c| *c == "K0218")
            .collect()
    };
    let spec = "name = \"shop\"\nimage = \"shop:v1\"\n[components.web]\nimage = \"web:v1\"\n\
                env = { GREETING = \"hi ${USER}\" }\n";
    assert_eq!(codes(spec), ["K0218"]);
    assert!(codes(&spec.replace("${", "$${")).is_empty());
    let allowed = spec.replace(
        "image = \"web:v1\"\n",
        "image = \"web:v1\"\nallow = [\"flux-substitution\"]\n",
    );
    assert!(codes(&allowed).is_empty());
    // A ConfigMap is marked instead, so it gets no lint.
    let config = "name = \"shop\"\nimage = \"shop:v1\"\n[config]\nA = \"${X}\"\n";
    assert!(codes(config).is_empty());
}
