//! The Experiment Tracker of `specs/experiment-tracker.toml`, built with the Rust API: the
//! same objects, with the model's structs filled in directly.
//!
//! Run: `cargo run --example experiment_tracker`

use std::collections::BTreeMap;
use std::path::Path;

use k8gen::model::*;

const APP: &str = "experiment-tracker";
const BACKEND_IMAGE: &str = "myregistry/experiment-tracker-backend:v1.0.0";

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// `service = { port = PORT }`: one ClusterIP port forwarding to the main container port.
fn service(port: i32) -> Switch<Service> {
    Switch::On(Service::on_port(port))
}

fn resources(requests: (&str, &str), limits: (&str, &str)) -> Resources {
    Resources {
        requests: map(&[("cpu", requests.0), ("memory", requests.1)]),
        limits: map(&[("cpu", limits.0), ("memory", limits.1)]),
    }
}

fn probe(action: ProbeAction, initial_delay: Option<i32>, period: Option<i32>) -> Probe {
    Probe {
        initial_delay_seconds: initial_delay,
        period_seconds: period,
        ..Probe::new(action)
    }
}

fn wait_for_postgres() -> Container {
    Container {
        name: "wait-for-db".into(),
        wait_for: Some("postgres".into()),
        ..Default::default()
    }
}

fn network(from: Option<Vec<Peer>>, to: &[&str]) -> Switch<Network> {
    Switch::On(Network {
        from,
        to: Some(to.iter().map(|k| Peer::Component(k.to_string())).collect()),
        dns: true,
    })
}

/// The app; `specs` is the folder with the config files the spec reads.
pub fn experiment_tracker(specs: &Path) -> App {
    let file = |name: &str| {
        std::fs::read_to_string(specs.join("experiment-tracker.files").join(name))
            .expect("config file")
    };
    let backend_url = EnvVar {
        name: "DATABASE_URL".into(),
        value: EnvValue::SecretKey {
            from: Some("backend".into()),
            key: "connection-string".into(),
        },
    };

    let mut backend = Component::new("backend", BACKEND_IMAGE).port("http", 8000);
    backend.service = service(80);
    backend.autoscale = Some(Autoscale {
        min: 2,
        max: 10,
        cpu_percent: Some(70),
        memory_percent: Some(80),
    });
    backend.disruption = Some(Disruption::max_unavailable(IntOrPercent::Int(1)));
    backend.rollout = Rollout::rolling(IntOrPercent::Int(1), IntOrPercent::Int(0));
    let health = || ProbeAction::HttpGet {
        path: "/health".into(),
        port: Some(PortTarget::Number(8000)),
    };
    backend.liveness = Some(probe(health(), Some(10), Some(10)));
    backend.readiness = Some(probe(health(), Some(5), Some(5)));
    backend.resources = resources(("250m", "256Mi"), ("500m", "512Mi"));
    backend.metrics = Some(Metrics::default());
    backend.scheduling = Scheduling {
        anti_affinity: Some(AntiAffinity::Preferred),
        prefer_nodes: [("node-type".to_string(), vec!["ssd".to_string()])].into(),
        priority_class: Some("ml-high".into()),
        ..Default::default()
    };
    backend.termination_grace_period_seconds = Some(60);
    backend.rbac = vec![
        Rule {
            verbs: vec!["get".into(), "list".into(), "watch".into()],
            api_group: String::new(),
            resources: vec!["pods".into(), "services".into(), "configmaps".into()],
        },
        Rule {
            verbs: vec!["get".into(), "list".into()],
            api_group: "apps".into(),
            resources: vec!["deployments".into()],
        },
    ];
    backend.network = network(
        Some(vec![
            Peer::Component("frontend".into()),
            Peer::Namespace("ingress-nginx".into()),
        ]),
        &["postgres"],
    );
    backend = backend
        .config("log-level", "INFO")
        .config("cache-ttl", "300")
        .config("feature-flags.json", file("feature-flags.json"));
    backend.config_mount = Some("/app/config".into());
    backend.external_secrets = [
        (
            "connection-string",
            "prod/experiment-tracker/connection-string",
        ),
        ("api-key", "prod/experiment-tracker/api-key"),
    ]
    .iter()
    .map(|(k, remote)| (k.to_string(), (remote.to_string(), None)))
    .collect();
    let (url, log_level) = (
        backend.secret_ref("connection-string"),
        backend.config_ref("log-level"),
    );
    backend = backend.env("DATABASE_URL", url).env("LOG_LEVEL", log_level);
    backend.init_containers = vec![wait_for_postgres()];

    let mut frontend = Component::new("frontend", "myregistry/experiment-tracker-frontend:v1.0.0")
        .replicas(2)
        .port("http", 8080)
        .readiness(Probe::http_get("/", 8080))
        .liveness(probe(
            ProbeAction::HttpGet {
                path: "/".into(),
                port: Some(PortTarget::Number(8080)),
            },
            Some(5),
            None,
        ))
        .config("default.conf", file("nginx.conf"));
    frontend.service = service(80);
    frontend.resources = resources(("50m", "64Mi"), ("100m", "128Mi"));
    frontend.config_mount = Some("/etc/nginx/conf.d".into());
    frontend.volumes = vec![Volume {
        name: "cache".into(),
        source: VolumeSource::EmptyDir { memory: false },
        mount: Some("/var/cache/nginx".into()),
        read_only: false,
    }];
    frontend.network = network(None, &["backend"]);

    let mut postgres = Component::new("postgres", "postgres:15");
    postgres.workload = Workload::StatefulSet {
        pod_management: None,
    };
    postgres.ports = vec![Port {
        name: "postgres".into(),
        port: 5432,
        protocol: Protocol::Tcp,
    }];
    postgres.readiness = Some(probe(
        ProbeAction::Exec {
            command: vec!["pg_isready".into(), "-U".into(), "postgres".into()],
        },
        None,
        Some(5),
    ));
    postgres.liveness = Some(Probe::tcp(5432));
    postgres.resources = resources(("250m", "256Mi"), ("1", "1Gi"));
    postgres.external_secrets = [(
        "password".to_string(),
        (
            "prod/experiment-tracker/postgres-password".to_string(),
            None,
        ),
    )]
    .into();
    let password = postgres.secret_ref("password");
    postgres = postgres.env("POSTGRES_PASSWORD", password).env(
        "PGDATA",
        EnvValue::Literal("/var/lib/postgresql/data/pgdata".into()),
    );
    postgres.volumes = vec![
        Volume {
            name: "data".into(),
            source: VolumeSource::NewClaim {
                size: "50Gi".into(),
                class: Some("fast-ssd".into()),
                access_modes: None,
            },
            mount: Some("/var/lib/postgresql/data".into()),
            read_only: false,
        },
        Volume {
            name: "run".into(),
            source: VolumeSource::EmptyDir { memory: false },
            mount: Some("/var/run/postgresql".into()),
            read_only: false,
        },
    ];
    postgres.security.run_as_user = Some(999);
    postgres.network = Switch::On(Network {
        from: Some(
            ["backend", "migrate", "cleanup"]
                .iter()
                .map(|k| Peer::Component(k.to_string()))
                .collect(),
        ),
        to: Some(Vec::new()),
        dns: true,
    });

    let defaults = resources(("100m", "128Mi"), ("500m", "512Mi"));
    let mut migrate = Component::new("migrate", BACKEND_IMAGE);
    migrate.workload = Workload::Job(JobSettings {
        backoff_limit: Some(3),
        active_deadline_seconds: Some(300),
        hook: Some(JobHook::PreDeploy),
        ..Default::default()
    });
    migrate.role = Some("migrate".into());
    migrate.command = vec!["python".into(), "manage.py".into(), "migrate".into()];
    migrate.env = vec![backend_url.clone()];
    migrate.init_containers = vec![wait_for_postgres()];
    migrate.resources = defaults.clone();
    migrate.network = network(None, &["postgres"]);

    let mut cleanup = Component::new("cleanup", BACKEND_IMAGE);
    cleanup.workload = Workload::CronJob {
        schedule: "0 2 * * *".into(),
        job: JobSettings {
            restart_policy: Some(RestartPolicy::OnFailure),
            ..Default::default()
        },
        cron: CronSettings {
            concurrency_policy: Some(ConcurrencyPolicy::Forbid),
            successful_jobs_history_limit: Some(3),
            failed_jobs_history_limit: Some(5),
            ..Default::default()
        },
    };
    cleanup.command = vec!["python".into(), "scripts/cleanup.py".into()];
    cleanup.env = vec![backend_url];
    cleanup.resources = defaults;
    cleanup.network = network(None, &["postgres"]);

    let route = |path: &str, key: &str| Route::new(Some("experiments.company.com"), path, key);
    App {
        ingress: Some(Ingress {
            class: Some("nginx".into()),
            cert_manager_issuer: Some("letsencrypt-prod".into()),
            tls_secret: Some("experiments-tls".into()),
            routes: vec![route("/api", "backend"), route("/", "frontend")],
            ..Default::default()
        }),
        quota: map(&[
            ("requests.cpu", "10"),
            ("requests.memory", "20Gi"),
            ("limits.cpu", "20"),
            ("limits.memory", "40Gi"),
            ("pods", "20"),
            ("persistentvolumeclaims", "10"),
        ]),
        limit_range: Some(LimitRange {
            default: map(&[("cpu", "500m"), ("memory", "512Mi")]),
            default_request: map(&[("cpu", "100m"), ("memory", "128Mi")]),
            ..Default::default()
        }),
        external_secrets: Some(ExternalSecrets {
            store: "aws-secrets-manager".into(),
            ..Default::default()
        }),
        ..App::new(APP)
            .namespace("ml-experiments")
            .label("team", "ml-platform")
    }
    .component(backend)
    .component(frontend)
    .component(postgres)
    .component(migrate)
    .component(cleanup)
}

fn main() {
    let specs = Path::new(env!("CARGO_MANIFEST_DIR")).join("specs");
    match k8gen::render_app(&experiment_tracker(&specs)) {
        Ok(objects) => print!("{}", k8gen::emit::stream(&objects)),
        Err(errors) => {
            for e in errors {
                eprintln!("error: {e}");
            }
            std::process::exit(1);
        }
    }
}
