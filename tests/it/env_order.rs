//! Env vars keep the order they are written in: Kubernetes resolves `$(VAR)` only from
//! earlier entries, so sorting them would break references.

use k8gen::Object;

use crate::support::*;

fn env_names(objects: &[Object], name: &str) -> Vec<String> {
    let o = objects
        .iter()
        .find(|o| o.pod().is_some() && o.name() == name)
        .unwrap_or_else(|| panic!("no workload {name}"));
    o.pod().unwrap().spec.containers[0]
        .env
        .iter()
        .flatten()
        .map(|e| e.name.clone())
        .collect()
}

#[test]
fn a_var_referencing_an_earlier_one_stays_after_it() {
    let spec = r#"name = "shop"
image = "shop:v1"
env = { ZED = "z", ALPHA = "$(ZED)-x" }
"#;
    let objects = render_text(spec, &root());
    assert_eq!(env_names(&objects, "shop"), ["ZED", "ALPHA"]);
    let yaml = k8gen::emit::stream(&objects);
    let zed = yaml.find("name: ZED").unwrap();
    let alpha = yaml.find("name: ALPHA").unwrap();
    assert!(zed < alpha, "{yaml}");
}

#[test]
fn env_vars_keep_spec_order_and_defaults_come_first() {
    // `[defaults]` written last: inherited vars still come first.
    let spec = r#"name = "shop"

[components.api]
image = "api:v1"

[components.api.env]
MIDDLE = "m"
B = "b"
URL = "http://$(B)/$(TZ)"
A = "a"

[defaults.env]
TZ = "UTC"
LANG = "C"
"#;
    let objects = render_text(spec, &root());
    assert_eq!(
        env_names(&objects, "shop-api"),
        ["TZ", "LANG", "MIDDLE", "B", "URL", "A"]
    );
}

#[test]
fn the_builder_keeps_insertion_order() {
    use k8gen::model::{App, Component, EnvValue};
    let app = App::new("shop").component(
        Component::new("shop", "shop:v1")
            .env("ZED", EnvValue::Literal("z".into()))
            .env("ALPHA", EnvValue::Literal("$(ZED)-x".into()))
            .env("MID", EnvValue::Literal("m".into())),
    );
    let objects = k8gen::render_app(&app).unwrap();
    assert_eq!(env_names(&objects, "shop"), ["ZED", "ALPHA", "MID"]);
}
