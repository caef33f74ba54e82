//! The Rust API builds the same objects as the equivalent spec.

use crate::support::*;

#[path = "../../examples/task_tracker.rs"]
#[allow(dead_code)]
mod example;

#[test]
fn the_rust_example_renders_exactly_what_the_spec_renders() {
    let from_spec = k8gen::emit::stream(&render(&root().join("specs/task-tracker.toml")));
    let app = example::task_tracker(&root().join("specs"));
    let from_rust = k8gen::emit::stream(&k8gen::render_app(&app).unwrap());
    assert_same(
        "Rust-built task-tracker vs specs/task-tracker.toml",
        &from_spec,
        &from_rust,
    );
}

#[test]
fn validate_rejects_what_check_would() {
    use k8gen::model::{App, Component};
    let app = App::new("Bad_Name")
        .component(Component::new("x", "Registry/UPPER:v1").request("cpu", "lots"));
    let errors = k8gen::render_app(&app).unwrap_err();
    let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
    assert!(paths.contains(&"name"), "{errors:?}");
    assert!(paths.contains(&"components.x.image"), "{errors:?}");
    assert!(
        paths.contains(&"components.x.resources.requests.cpu"),
        "{errors:?}"
    );
}

#[path = "../../examples/experiment_tracker.rs"]
#[allow(dead_code)]
mod experiment;

#[test]
fn the_rust_experiment_tracker_renders_exactly_what_its_spec_renders() {
    let from_spec = k8gen::emit::stream(&render(&root().join("specs/experiment-tracker.toml")));
    let app = experiment::experiment_tracker(&root().join("specs"));
    let from_rust = k8gen::emit::stream(&k8gen::render_app(&app).unwrap());
    assert_same(
        "Rust-built experiment tracker vs specs/experiment-tracker.toml",
        &from_spec,
        &from_rust,
    );
}

#[test]
fn validate_checks_schedules_node_ports_and_autoscaling() {
    use k8gen::model::{App, Autoscale, Component, CronSettings, JobSettings, Workload};
    let mut cron = Component::new("nightly", "reports:v1");
    cron.workload = Workload::CronJob {
        schedule: "61 * * * *".into(),
        job: JobSettings::default(),
        cron: CronSettings::default(),
    };
    let mut web = Component::new("web", "web:v1").port("http", 8080);
    web.service = k8gen::model::Switch::On(k8gen::model::Service {
        kind: Some(k8gen::model::ServiceType::NodePort),
        ports: vec![k8gen::model::ServicePort {
            node_port: Some(80),
            ..Default::default()
        }],
        ..Default::default()
    });
    web.autoscale = Some(Autoscale {
        min: 3,
        max: 2,
        cpu_percent: Some(70),
        memory_percent: None,
    });
    let errors = k8gen::render_app(&App::new("shop").component(cron).component(web)).unwrap_err();
    let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "components.nightly.schedule",
            "components.web.service.node_port",
            "components.web.autoscale.max"
        ],
        "{errors:?}"
    );
}

// The workload rules: an app built in Rust is judged by the same engine as a spec, and each
// rule reports the code the TOML front end gives, at the field path of the spec key.

mod workload {
    use k8gen::codes;
    use k8gen::model::*;

    /// `app` is rejected with `code` at `path` (among other issues, if any).
    fn rejects(app: &App, code: &str, path: &str) {
        let errors = k8gen::render_app(app).unwrap_err();
        assert!(
            errors.iter().any(|e| e.code == code && e.path == path),
            "expected {code} at {path}, got {errors:#?}"
        );
    }

    fn yaml(app: &App) -> String {
        k8gen::emit::stream(&k8gen::render_app(app).unwrap())
    }

    fn web() -> Component {
        Component::new("web", "web:v1").port("http", 8080)
    }

    fn job(key: &str) -> Component {
        let mut c = Component::new(key, "batch:v1");
        c.workload = Workload::Job(JobSettings::default());
        c
    }

    fn cron(schedule: &str) -> Component {
        let mut c = Component::new("nightly", "reports:v1");
        c.workload = Workload::CronJob {
            schedule: schedule.into(),
            job: JobSettings::default(),
            cron: CronSettings::default(),
        };
        c
    }

    #[test]
    fn kinds() {
        // Defaults: a Job has no replicas, a Deployment one.
        let app = App::new("shop").component(job("batch")).component(web());
        let out = yaml(&app);
        assert!(out.contains("kind: Job"), "{out}");
        assert!(out.contains("replicas: 1"), "{out}");

        let app = App::new("shop").component(job("batch").replicas(2));
        rejects(&app, codes::NOT_FOR_KIND, "components.batch.replicas");
        let mut batch = job("batch");
        batch.autoscale = Some(Autoscale {
            min: 1,
            max: 2,
            cpu_percent: Some(70),
            memory_percent: None,
        });
        batch.rollout = Rollout::rolling(IntOrPercent::Int(1), IntOrPercent::Int(0));
        let app = App::new("shop").component(batch);
        rejects(&app, codes::NOT_FOR_KIND, "components.batch.autoscale");
        rejects(&app, codes::NOT_FOR_KIND, "components.batch.rollout");

        // A StatefulSet cannot be recreated (it used to turn silently into OnDelete).
        let mut db = Component::new("db", "postgres:16");
        db.workload = Workload::StatefulSet {
            pod_management: Some(PodManagement::Parallel),
        };
        db.rollout.strategy = Strategy::Recreate;
        rejects(
            &App::new("shop").component(db),
            codes::INVALID_VALUE,
            "components.db.rollout.strategy",
        );
        let mut web = web();
        web.rollout.strategy = Strategy::OnDelete;
        rejects(
            &App::new("shop").component(web),
            codes::INVALID_VALUE,
            "components.web.rollout.strategy",
        );
    }

    #[test]
    fn jobs_and_cron() {
        // The restart policy defaults to Never.
        let out = yaml(&App::new("reports").component(cron("0 2 * * *")));
        assert!(out.contains("restartPolicy: Never"), "{out}");

        let app = App::new("reports").component(cron(""));
        rejects(&app, codes::MISSING_VALUE, "components.nightly.schedule");
        let mut c = cron("0 2 * * *");
        if let Workload::CronJob { job, cron, .. } = &mut c.workload {
            job.backoff_limit = Some(-1);
            job.parallelism = Some(0);
            cron.time_zone = Some("Europe/../Berlin".into());
            cron.starting_deadline_seconds = Some(0);
        }
        let app = App::new("reports").component(c);
        rejects(
            &app,
            codes::OUT_OF_RANGE,
            "components.nightly.job.backoff_limit",
        );
        rejects(
            &app,
            codes::OUT_OF_RANGE,
            "components.nightly.job.parallelism",
        );
        rejects(
            &app,
            codes::INVALID_SCHEDULE,
            "components.nightly.cron.time_zone",
        );
        rejects(
            &app,
            codes::OUT_OF_RANGE,
            "components.nightly.cron.starting_deadline_seconds",
        );
    }

    fn volume(name: &str, source: VolumeSource, mount: &str) -> Volume {
        Volume {
            name: name.into(),
            source,
            mount: Some(mount.into()),
            read_only: false,
        }
    }

    fn claim(size: &str) -> VolumeSource {
        VolumeSource::NewClaim {
            size: size.into(),
            class: None,
            access_modes: None,
        }
    }

    #[test]
    fn volumes() {
        // Access modes default to ReadWriteOnce.
        let mut c = web();
        c.volumes = vec![volume("data", claim("1Gi"), "/data")];
        let out = yaml(&App::new("shop").component(c));
        assert!(out.contains("- ReadWriteOnce"), "{out}");

        let mut c = web();
        c.volumes = vec![
            volume("data", claim("-1Gi"), "/data"),
            volume("config", VolumeSource::EmptyDir { memory: false }, "/cfg"),
            volume("cache", VolumeSource::EmptyDir { memory: false }, "cache"),
            volume("logs", VolumeSource::EmptyDir { memory: false }, "/data"),
            volume("old", VolumeSource::Claim("Old_Claim".into()), "/old"),
        ];
        let app = App::new("shop").component(c);
        rejects(
            &app,
            codes::INVALID_QUANTITY,
            "components.web.volumes.data.size",
        );
        rejects(&app, codes::DUPLICATE, "components.web.volumes.config");
        rejects(
            &app,
            codes::INVALID_VALUE,
            "components.web.volumes.cache.mount",
        );
        rejects(&app, codes::DUPLICATE, "components.web.volumes.logs.mount");
        rejects(
            &app,
            codes::INVALID_NAME,
            "components.web.volumes.old.claim",
        );
    }

    #[test]
    fn containers() {
        let wait = |name: &str, target: &str| Container {
            name: name.into(),
            image: "busybox:1.36".into(),
            wait_for: Some(target.into()),
            ..Default::default()
        };
        // `wait_for` writes the command, naming the target's Service and port.
        let mut c = web();
        c.init_containers = vec![wait("wait-db", "db")];
        let db = Component::new("db", "postgres:16").port("postgres", 5432);
        let out = yaml(&App::new("shop").component(c).component(db));
        assert!(out.contains("until nc -z shop-db 5432"), "{out}");

        let mut c = web();
        c.init_containers = vec![wait("wait-self", "web"), wait("wait-nope", "nope")];
        c.sidecars = vec![
            Container {
                name: "web".into(),
                image: "log:v1".into(),
                mounts: [("logs".to_string(), "/logs".to_string())].into(),
                ..Default::default()
            },
            wait("Bad_Name", "web"),
        ];
        let app = App::new("shop").component(c);
        rejects(
            &app,
            codes::INVALID_VALUE,
            "components.web.init[0].wait_for",
        );
        rejects(
            &app,
            codes::UNKNOWN_REFERENCE,
            "components.web.init[1].wait_for",
        );
        rejects(&app, codes::DUPLICATE, "components.web.sidecars[0].name");
        rejects(
            &app,
            codes::UNKNOWN_REFERENCE,
            "components.web.sidecars[0].mounts.logs",
        );
        rejects(&app, codes::INVALID_NAME, "components.web.sidecars[1].name");
        rejects(
            &app,
            codes::NOT_FOR_KIND,
            "components.web.sidecars[1].wait_for",
        );
    }

    #[test]
    fn autoscale() {
        let scaled = |min, max, cpu| {
            let mut c = web();
            c.autoscale = Some(Autoscale {
                min,
                max,
                cpu_percent: cpu,
                memory_percent: None,
            });
            c
        };
        // With an autoscaler there is no default replica count.
        let out = yaml(&App::new("shop").component(scaled(2, 5, Some(70))));
        assert!(!out.contains("replicas:"), "{out}");

        let app = App::new("shop").component(scaled(0, 5, Some(0)));
        rejects(&app, codes::OUT_OF_RANGE, "components.web.autoscale.min");
        rejects(&app, codes::OUT_OF_RANGE, "components.web.autoscale.cpu");
        let app = App::new("shop").component(scaled(3, 2, None));
        rejects(&app, codes::INVALID_VALUE, "components.web.autoscale.max");
        rejects(&app, codes::MISSING_VALUE, "components.web.autoscale");
        // Beside an autoscaler, `replicas` is the count it starts from, within min..=max.
        let out = yaml(&App::new("shop").component(scaled(2, 5, Some(70)).replicas(3)));
        assert!(out.contains("  replicas: 3\n"), "{out}");
        let app = App::new("shop").component(scaled(2, 5, Some(70)).replicas(7));
        rejects(&app, codes::OUT_OF_RANGE, "components.web.replicas");
    }

    #[test]
    fn budgets() {
        let budget = |d: Disruption| {
            let mut c = web();
            c.disruption = Some(d);
            App::new("shop").component(c)
        };
        rejects(
            &budget(Disruption::min_available(IntOrPercent::Int(1))),
            codes::BLOCKING_BUDGET,
            "components.web.disruption.min_available",
        );
        rejects(
            &budget(Disruption {
                min_available: Some(IntOrPercent::Int(1)),
                max_unavailable: Some(IntOrPercent::Int(1)),
                allow_blocking: false,
            }),
            codes::INVALID_VALUE,
            "components.web.disruption",
        );
        assert!(
            k8gen::render_app(&budget(Disruption {
                allow_blocking: true,
                ..Disruption::min_available(IntOrPercent::Int(1))
            }))
            .is_ok()
        );
    }

    #[test]
    fn rbac() {
        let rule = |verbs: &[&str], resources: &[&str]| Rule {
            verbs: verbs.iter().map(|v| v.to_string()).collect(),
            api_group: String::new(),
            resources: resources.iter().map(|r| r.to_string()).collect(),
        };
        // RBAC rules bring their own ServiceAccount, with its token mounted.
        let mut c = web();
        c.rbac = vec![rule(&["get", "list"], &["pods"])];
        let out = yaml(&App::new("shop").component(c));
        assert!(out.contains("kind: ServiceAccount"), "{out}");
        assert!(out.contains("automountServiceAccountToken: true"), "{out}");

        let mut c = web();
        c.rbac = vec![rule(&["lsit"], &["pods"]), rule(&["get"], &["Pods"])];
        c.cluster_rbac = vec![rule(&[], &["nodes"])];
        c.service_account = Some("existing".into());
        let app = App::new("shop").component(c);
        rejects(&app, codes::INVALID_RBAC, "components.web.rbac[0]");
        rejects(&app, codes::INVALID_RBAC, "components.web.rbac[1]");
        rejects(&app, codes::INVALID_RBAC, "components.web.cluster_rbac[0]");
        rejects(&app, codes::INVALID_VALUE, "components.web.service_account");
    }

    #[test]
    fn network() {
        // A NetworkPolicy by default; none when asked.
        assert!(yaml(&App::new("shop").component(web())).contains("kind: NetworkPolicy"));
        let mut c = web();
        c.network = Switch::Off;
        assert!(!yaml(&App::new("shop").component(c)).contains("kind: NetworkPolicy"));

        let mut c = web();
        c.network = Switch::On(Network {
            from: Some(vec![Peer::Component("nope".into())]),
            to: Some(vec![
                Peer::Namespace("Bad_NS".into()),
                Peer::Cidr("10.0.0.0/33".into()),
            ]),
            dns: true,
        });
        let app = App::new("shop").component(c);
        rejects(
            &app,
            codes::UNKNOWN_REFERENCE,
            "components.web.network.from[0]",
        );
        rejects(&app, codes::INVALID_NAME, "components.web.network.to[0]");
        rejects(&app, codes::INVALID_VALUE, "components.web.network.to[1]");

        let mut c = web();
        c.network = Switch::On(Network {
            from: None,
            to: None,
            dns: false,
        });
        rejects(
            &App::new("shop").component(c),
            codes::INVALID_VALUE,
            "components.web.network.dns",
        );
    }

    #[test]
    fn scheduling() {
        let mut c = web();
        c.scheduling = Scheduling {
            spread: Some(Spread::Zone),
            anti_affinity: Some(AntiAffinity::Required),
            prefer_nodes: [("bad key!".to_string(), vec!["x".to_string()])].into(),
            ..Default::default()
        };
        rejects(
            &App::new("shop").component(c),
            codes::INVALID_LABEL,
            &issue::key("components.web.scheduling.prefer_nodes", "bad key!"),
        );
    }
}

#[test]
fn render_app_rejects_unknown_lint_rules_in_allow() {
    use k8gen::model::{App, Component};
    let app = App::new("shop")
        .allow("secret-as-env")
        .component(Component::new("shop", "shop:v1").allow("K0204"))
        .component(Component::new("worker", "worker:v1").allow("missing-liveness"));
    let errors = k8gen::render_app(&app).unwrap_err();
    let found: Vec<(&str, String)> = errors
        .iter()
        .map(|e| {
            (
                e.path.as_str(),
                format!("{}; {}", e.message, e.help.as_deref().unwrap_or("")),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "allow[0]",
                "there is no lint rule `secret-as-env`; did you mean `secrets-as-env`?".to_string()
            ),
            (
                "components.worker.allow[0]",
                "there is no lint rule `missing-liveness`; did you mean `missing-liveness-probe`?"
                    .to_string()
            ),
        ],
        "{errors:?}"
    );
    let fixed = App::new("shop")
        .allow("secrets-as-env")
        .component(Component::new("shop", "shop:v1").allow("K0204"));
    assert!(k8gen::render_app(&fixed).is_ok());
}

#[test]
fn render_app_rejects_patches_that_break_selectors_or_probes() {
    use k8gen::model::{App, Component, Patch, Probe};
    use serde_json::json;
    let patch = |kind: &str, name: &str, merge: serde_json::Value| Patch {
        kind: kind.into(),
        name: name.into(),
        merge: Some(merge),
        set: Vec::new(),
        remove: Vec::new(),
    };
    let shop = || {
        Component::new("shop", "shop:v1")
            .port("http", 8080)
            .readiness(Probe::http_get("/health", 8080))
    };
    let mut app = App::new("shop").component(shop());
    app.patches = vec![
        // Fine on its own.
        patch(
            "Deployment",
            "shop",
            json!({"spec": {"template": {"spec": {"priorityClassName": "high"}}}}),
        ),
        // The Service's pods renamed away (and the Deployment's own selector with them).
        patch(
            "Deployment",
            "shop",
            json!({"spec": {"template": {"metadata": {"labels": {"app.kubernetes.io/name": "other"}}}}}),
        ),
        // A probe port the container does not have.
        patch(
            "Deployment",
            "shop",
            json!({"spec": {"template": {"spec": {"containers": [{"name": "shop", "image": "shop:v1",
                "ports": [{"name": "http", "containerPort": 8080}],
                "readinessProbe": {"httpGet": {"path": "/", "port": "admin"}}}]}}}}),
        ),
    ];
    let errors = k8gen::render_app(&app).unwrap_err();
    let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        ["patches[1]", "patches[1]", "patches[1]", "patches[2]"],
        "{errors:#?}"
    );
    assert!(errors[3].message.contains("port `admin`"), "{errors:#?}");
    assert!(
        errors
            .iter()
            .any(|e| e.message.contains("Service/shop selects no pods")),
        "{errors:#?}"
    );

    // A later patch may repair what an earlier one broke: only the result counts.
    let mut repaired = App::new("shop").component(shop());
    repaired.patches = vec![
        patch(
            "Deployment",
            "shop",
            json!({"spec": {"selector": {"matchLabels": {"tier": "web"}}}}),
        ),
        patch(
            "Deployment",
            "shop",
            json!({"spec": {"template": {"metadata": {"labels": {"tier": "web"}}}}}),
        ),
    ];
    k8gen::render_app(&repaired).unwrap();
}

/// The codes and paths of what `render_app` rejects in `app`.
fn rejected(app: &k8gen::model::App) -> Vec<(&'static str, String)> {
    k8gen::render_app(app)
        .expect_err("the app breaks a rule")
        .into_iter()
        .map(|i| (i.code, i.path))
        .collect()
}

#[test]
fn app_rules_reject_duplicate_components_and_long_names() {
    use k8gen::codes;
    use k8gen::model::{App, Component};
    let app = App::new("shop")
        .component(Component::new("db", "postgres:16"))
        .component(Component::new("db", "postgres:17"));
    assert_eq!(
        rejected(&app),
        [(codes::DUPLICATE, "components[1]".to_string())]
    );
    let key = "background-worker-for-the-nightly-reports-and-exports";
    let app = App::new("experiment-tracker").component(Component::new(key, "worker:v1"));
    assert_eq!(
        rejected(&app),
        [(codes::NAME_TOO_LONG, format!("components.{key}"))]
    );
}

#[test]
fn app_rules_reject_reserved_label_keys() {
    use k8gen::codes;
    use k8gen::model::{App, Component};
    let app = App::new("shop")
        .label("app.kubernetes.io/name", "mine")
        .component(Component::new("web", "web:v1").label("team", "checkout team"));
    assert_eq!(
        rejected(&app),
        [
            (
                codes::INVALID_LABEL,
                "labels.\"app.kubernetes.io/name\".<key>".to_string()
            ),
            (
                codes::INVALID_LABEL,
                "components.web.labels.team".to_string()
            ),
        ]
    );
}

#[test]
fn app_rules_reject_bad_ingress_targets() {
    use k8gen::codes;
    use k8gen::model::{App, Component, Ingress, PortTarget, Route};
    let mut to_port = Route::new(Some("shop.example.com"), "/api", "api");
    to_port.port = Some(PortTarget::Name("metrics".into()));
    let app = App {
        ingress: Some(Ingress {
            routes: vec![
                Route::new(Some("shop.example.com"), "/", "ap"),
                to_port,
                Route::new(Some("shop.example.com"), "/jobs", "worker"),
            ],
            ..Default::default()
        }),
        ..App::new("shop")
            .component(Component::new("api", "api:v1").port("http", 8080))
            .component(Component::new("worker", "worker:v1"))
    };
    let errors = k8gen::render_app(&app).unwrap_err();
    let found: Vec<(&str, &str)> = errors.iter().map(|i| (i.code, i.path.as_str())).collect();
    assert_eq!(
        found,
        [
            (codes::UNKNOWN_REFERENCE, "ingress.routes[0].to"),
            (codes::UNKNOWN_REFERENCE, "ingress.routes[1].to"),
            (codes::UNKNOWN_REFERENCE, "ingress.routes[2].to"),
        ]
    );
    assert_eq!(errors[0].help.as_deref(), Some("did you mean `api`?"));
}

#[test]
fn app_rules_reject_patches_of_objects_k8gen_does_not_make() {
    use k8gen::codes;
    use k8gen::model::{App, Component, Patch};
    let patch = |kind: &str, name: &str| Patch {
        kind: kind.into(),
        name: name.into(),
        merge: Some(serde_json::json!({ "metadata": { "labels": { "x": "y" } } })),
        set: Vec::new(),
        remove: Vec::new(),
    };
    let web = || Component::new("web", "web:v1").port("http", 8080);
    // An unknown kind: the engine.
    let app = App {
        patches: vec![patch("Deploymnt", "shop-web")],
        ..App::new("shop").component(web())
    };
    let errors = k8gen::render_app(&app).unwrap_err();
    assert_eq!(
        (errors[0].code, errors[0].path.as_str()),
        (codes::INVALID_PATCH, "patches[0]")
    );
    assert_eq!(
        errors[0].help.as_deref(),
        Some("did you mean `Deployment`?")
    );
    // A kind k8gen makes, but no such object: known once the objects are built.
    let app = App {
        patches: vec![patch("Service", "shop-webb"), patch("Deployment", "other")],
        ..App::new("shop").component(web())
    };
    let errors = k8gen::render_app(&app).unwrap_err();
    let found: Vec<(&str, &str)> = errors.iter().map(|i| (i.code, i.path.as_str())).collect();
    assert_eq!(
        found,
        [
            (codes::INVALID_PATCH, "patches[0]"),
            (codes::INVALID_PATCH, "patches[1]"),
        ]
    );
    assert_eq!(
        errors[0].help.as_deref(),
        Some("did you mean `Service/shop-web`?")
    );
}

#[test]
fn app_rules_need_a_namespace_and_a_store() {
    use k8gen::codes;
    use k8gen::model::{App, Component};
    let mut api = Component::new("api", "api:v1");
    api.external_secrets
        .insert("token".into(), ("prod/api/token".into(), None));
    let app = App {
        create_namespace: Some(true),
        quota: [("pods".to_string(), "20".to_string())].into(),
        ..App::new("shop").component(api)
    };
    assert_eq!(
        rejected(&app),
        [
            (codes::MISSING_VALUE, "create_namespace".to_string()),
            (
                codes::MISSING_VALUE,
                "components.api.secrets.token.external".to_string()
            ),
            (codes::MISSING_VALUE, "quota.pods.<key>".to_string()),
        ]
    );
}
