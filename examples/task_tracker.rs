//! The Task Tracker of `specs/task-tracker.toml`, built with the Rust API instead of TOML.
//! Prints the same YAML stream as `k8gen render specs/task-tracker.toml`.
//!
//! Run: `cargo run --example task_tracker`

use std::path::Path;

use k8gen::model::{App, Component, IntOrPercent, Probe, Rollout, Service, Switch};

/// The app; `specs` is the folder with the sample secret files.
pub fn task_tracker(specs: &Path) -> App {
    let sample = |name: &str| {
        std::fs::read(specs.join("task-tracker.files").join(name)).expect("sample secret file")
    };
    let component = Component::new("task-tracker", "task-tracker:v1")
        .replicas(3)
        .port("http", 5000)
        .service(Switch::On(Service::on_port(80)))
        .liveness(Probe {
            initial_delay_seconds: Some(10),
            ..Probe::http_get("/health", 5000)
        })
        .readiness(Probe::http_get("/health", 5000))
        .request("cpu", "100m")
        .request("memory", "128Mi")
        .limit("cpu", "500m")
        .limit("memory", "256Mi")
        .rollout(Rollout::rolling(IntOrPercent::Int(1), IntOrPercent::Int(0)))
        .config("APP_ENV", "production")
        .config("LOG_LEVEL", "info")
        .secret("DB_PASSWORD", sample("db-password.sample"))
        .secret("API_KEY", sample("api-key.sample"));
    App::new("task-tracker")
        .namespace("practice")
        .component(component)
}

fn main() {
    let specs = Path::new(env!("CARGO_MANIFEST_DIR")).join("specs");
    match k8gen::render_app(&task_tracker(&specs)) {
        Ok(objects) => print!("{}", k8gen::emit::stream(&objects)),
        Err(errors) => {
            for e in errors {
                eprintln!("error: {e}");
            }
            std::process::exit(1);
        }
    }
}
